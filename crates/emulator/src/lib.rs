//! A local, signature-checking emulator of the Alibaba Cloud APIs this SDK
//! covers: ECS, VPC, Function Compute 3.0, ACK (`CS`), PAI-DLC, PAI-EAS, PAI
//! AI Workspace, SysOM and BSS, all on one loopback port.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = alibabacloud_emulator::Emulator::start().await?;
//! let config = emulator.config(); // endpoint override + test credentials
//! // Every product client accepts it, e.g. alibabacloud_ecs::Client::new(&config).
//! assert!(config.endpoint_override().is_some());
//! emulator.control().advance(std::time::Duration::from_secs(60));
//! assert!(emulator.control().live_resources().is_empty());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What it does:
//!
//! - **Protocol.** Every request must carry a valid ACS3-HMAC-SHA256
//!   signature for a configured access key; the canonical request is rebuilt
//!   from what arrived. Bad signatures (`SignatureDoesNotMatch`), unknown keys
//!   (`InvalidAccessKeyId.NotFound`), bodies that do not match their hash,
//!   dates more than 15 minutes off (`InvalidTimeStamp.Expired`) and reused
//!   nonces (`SignatureNonceUsed`) are refused. Calls are routed by
//!   `x-acs-version` (the product) and `x-acs-action`, and for ROA/FC also
//!   by method and path template. Unknown actions, missing required
//!   parameters and badly typed values are refused using the specs in
//!   `openapi-specs/`. Every answer carries `x-acs-request-id` and the
//!   request id in the body member the product uses.
//! - **Behaviour.** The resources the workflows use are kept in memory and
//!   move through their statuses on a virtual clock (see [`Control`]).
//!   Operations that are not modelled answer a body shaped by the spec's
//!   response schema.
//! - **Catalog.** Regions, zones, instance types with GPU facts, per-zone
//!   stock, hourly prices, images and the PAI catalog come from the JSON
//!   files in `data/`. They are synthetic: realistic names, invented numbers.
//! - **Control.** Virtual time, latency, throttling and 5xx injection, stock
//!   changes, create failures, a leak report and a request log, from Rust
//!   ([`Control`]) or over HTTP under `/_emulator/` ([`http_control`]).

#![warn(missing_docs)]
#![recursion_limit = "256"]

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use alibabacloud_core::Config;
use alibabacloud_core::clock::{SharedClock, SystemClock};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod auth;
mod catalog;
mod clock;
mod control;
mod error;
pub mod http_control;
mod lifecycle;
mod params;
mod product;
mod products;
mod server;
mod spec;
mod state;
mod synth;
mod validate;

pub use catalog::StockStatus;
pub use control::{Control, CreateFailure, Fault, LiveResource, RequestRecord, Selector};
pub use product::{Product, UnknownProduct};

/// The access key id accepted by default. Obviously not a real one.
pub const DEFAULT_ACCESS_KEY_ID: &str = "emulator-id";
/// The access key secret accepted by default. Obviously not a real one.
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "emulator-secret";
/// The region of the configuration handed out, and of ROA calls (which carry
/// no region once the endpoint is overridden).
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// The account id of the emulated account (FC ARNs, EAS endpoints).
pub const DEFAULT_ACCOUNT_ID: &str = "1000000000000001";
/// Largest clock difference accepted in `x-acs-date`.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// The emulator could not start.
#[derive(Debug)]
pub enum StartError {
    /// The port could not be bound.
    Bind(std::io::Error),
    /// The catalog could not be loaded.
    Catalog(String),
    /// The settings are inconsistent.
    Settings(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Bind(e) => write!(f, "cannot bind the emulator port: {e}"),
            StartError::Catalog(e) => write!(f, "cannot load the catalog: {e}"),
            StartError::Settings(e) => write!(f, "invalid emulator settings: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind(e) => Some(e),
            _ => None,
        }
    }
}

/// Configures and starts an [`Emulator`].
#[derive(Clone)]
pub struct EmulatorBuilder {
    bind: SocketAddr,
    keys: Vec<auth::AccessKey>,
    region: String,
    account_id: String,
    seed: Option<u64>,
    start: Option<SystemTime>,
    frozen: bool,
    speed: f64,
    wall_clock: Option<SharedClock>,
    max_skew: Duration,
    strict_responses: bool,
    max_body_bytes: usize,
    catalog_dir: Option<PathBuf>,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("bind", &self.bind)
            .field("keys", &self.keys)
            .field("region", &self.region)
            .field("seed", &self.seed)
            .field("frozen", &self.frozen)
            .field("speed", &self.speed)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            keys: Vec::new(),
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            seed: None,
            start: None,
            frozen: false,
            speed: 1.0,
            wall_clock: None,
            max_skew: DEFAULT_MAX_CLOCK_SKEW,
            strict_responses: cfg!(debug_assertions),
            max_body_bytes: 32 * 1024 * 1024,
            catalog_dir: None,
        }
    }
}

impl EmulatorBuilder {
    /// Listens on this loopback port (default: a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.bind.set_port(port);
        self
    }

    /// Listens on this address (default `127.0.0.1:0`).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Accepts this access key (instead of the default one; call again to
    /// accept several).
    pub fn access_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.keys.push(auth::AccessKey {
            id: id.into(),
            secret: secret.into(),
            security_token: None,
        });
        self
    }

    /// Accepts this temporary (STS) key, which must come with `token`.
    pub fn sts_key(
        mut self,
        id: impl Into<String>,
        secret: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        self.keys.push(auth::AccessKey {
            id: id.into(),
            secret: secret.into(),
            security_token: Some(token.into()),
        });
        self
    }

    /// The region of [`Emulator::config`] and of ROA calls (default `cn-hangzhou`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The emulated account id.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = account_id.into();
        self
    }

    /// Seeds the generator of resource ids, for reproducible ids.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Starts virtual time at `start` (default: now).
    pub fn virtual_start(mut self, start: SystemTime) -> Self {
        self.start = Some(start);
        self
    }

    /// Freezes virtual time: it moves only with [`Control::advance`], so
    /// statuses change only when a test says so.
    pub fn frozen_clock(mut self) -> Self {
        self.frozen = true;
        self
    }

    /// Lets virtual time run `speed` times faster than real time (default 1).
    pub fn time_speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// The clock `x-acs-date` is compared with (default: the system clock).
    pub fn wall_clock(mut self, clock: SharedClock) -> Self {
        self.wall_clock = Some(clock);
        self
    }

    /// Largest accepted difference between `x-acs-date` and the wall clock.
    pub fn max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// Checks every modelled answer against the response schema and answers
    /// a 500 on mismatch (default: on in debug builds).
    pub fn strict_responses(mut self, strict: bool) -> Self {
        self.strict_responses = strict;
        self
    }

    /// Largest request body accepted (default 32 MiB).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes.max(1);
        self
    }

    /// Loads the catalog from `dir` (the five files of the crate's `data/`)
    /// instead of the built-in one.
    pub fn catalog_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.catalog_dir = Some(dir.into());
        self
    }

    /// Binds the port and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Emulator, StartError> {
        let catalog = match &self.catalog_dir {
            Some(dir) => catalog::Catalog::from_dir(dir, &self.region),
            None => catalog::Catalog::embedded(&self.region),
        }
        .map_err(StartError::Catalog)?;
        if self.account_id.is_empty() || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StartError::Settings(
                "the account id must be numeric".to_owned(),
            ));
        }
        let mut keys = self.keys;
        if keys.is_empty() {
            keys.push(auth::AccessKey {
                id: DEFAULT_ACCESS_KEY_ID.to_owned(),
                secret: DEFAULT_ACCESS_KEY_SECRET.to_owned(),
                security_token: None,
            });
        }
        // Parse the specs (once per process) before the first request needs them.
        tokio::task::spawn_blocking(|| {
            spec::Specs::get();
        })
        .await
        .map_err(|e| StartError::Settings(format!("loading the specs failed: {e}")))?;
        let listener = TcpListener::bind(self.bind)
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        let start = self.start.unwrap_or_else(SystemTime::now);
        let clock = clock::VirtualClock::new(start, self.speed, self.frozen);
        let state = state::State::new(
            Arc::new(catalog),
            self.seed,
            self.account_id.clone(),
            self.region.clone(),
            start,
        );
        let salt = self.seed.unwrap_or_else(rand::random);
        let first_key = keys[0].clone();
        let shared = Arc::new(server::Shared::new(
            server::Settings {
                region: self.region.clone(),
                strict_responses: self.strict_responses,
                max_body_bytes: self.max_body_bytes,
            },
            auth::Verifier {
                keys,
                max_skew: self.max_skew,
                nonces: Mutex::new(auth::NonceCache::default()),
            },
            self.wall_clock.unwrap_or_else(|| Arc::new(SystemClock)),
            clock,
            state,
            salt,
        ));
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, shared.clone(), rx));
        Ok(Emulator {
            control: Control { shared },
            addr,
            key: first_key,
            region: self.region,
            account_id: self.account_id,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running emulator. Stops when dropped or on [`Emulator::shutdown`].
pub struct Emulator {
    control: Control,
    addr: SocketAddr,
    key: auth::AccessKey,
    region: String,
    account_id: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("access_key_id", &self.key.id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator with the defaults on a free loopback port.
    pub async fn start() -> Result<Emulator, StartError> {
        EmulatorBuilder::default().start().await
    }

    /// A builder.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The access key id of [`Emulator::config`].
    pub fn access_key_id(&self) -> &str {
        &self.key.id
    }

    /// The access key secret of [`Emulator::config`] (a test credential).
    pub fn access_key_secret(&self) -> &str {
        &self.key.secret
    }

    /// The emulated account id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// A configuration for every product client: the endpoint override, the
    /// first accepted access key, the emulator's region and account id.
    pub fn config(&self) -> Config {
        self.config_for_region(&self.region)
    }

    /// Like [`Emulator::config`] with another region (RPC calls carry it in
    /// `RegionId`; ROA calls stay in the emulator's region).
    pub fn config_for_region(&self, region: &str) -> Config {
        let mut builder = Config::builder()
            .region(region)
            .endpoint_override(self.endpoint())
            .account_id(self.account_id.clone());
        builder = match &self.key.security_token {
            Some(token) => builder.credentials(
                alibabacloud_core::credentials::Credentials::new(
                    self.key.id.clone(),
                    self.key.secret.clone(),
                    "emulator",
                )
                .with_security_token(token.clone()),
            ),
            None => builder.access_key(self.key.id.clone(), self.key.secret.clone()),
        };
        builder
            .build()
            .expect("the emulator's own configuration is valid")
    }

    /// The control handle (virtual time, faults, stock, leak report, ...).
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Stops accepting connections and closes the open ones.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
