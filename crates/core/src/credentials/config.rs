//! Settings shared by the credential providers.

use std::fmt;
use std::time::Duration;

use crate::clock::{SharedClock, default_clock};
use crate::env::Env;

use super::cache::DEFAULT_REFRESH_MARGIN;

/// Default connect timeout for STS and credentials-URI calls.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout of one STS or credentials-URI call.
pub(crate) const DEFAULT_STS_TIMEOUT: Duration = Duration::from_secs(15);
/// Default connect timeout for the instance metadata service. Kept short so
/// that probing it off ECS does not stall the chain.
pub(crate) const DEFAULT_METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Default total timeout of one instance metadata call.
pub(crate) const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(2);

/// Where providers read their settings from and how they talk to the network:
/// the environment, the clock, the HTTP clients, endpoint overrides, the
/// refresh margin of cached credentials and the profile name.
///
/// Every provider that needs one of these takes a `ProviderConfig`;
/// [`DefaultCredentialsChain`](super::DefaultCredentialsChain) builds one from
/// its builder and hands it to each provider it tries.
#[derive(Clone)]
pub struct ProviderConfig {
    pub(crate) env: Env,
    pub(crate) clock: SharedClock,
    pub(crate) http: reqwest::Client,
    pub(crate) metadata_http: reqwest::Client,
    pub(crate) sts_endpoint: Option<String>,
    pub(crate) metadata_base_url: Option<String>,
    pub(crate) refresh_margin: Duration,
    pub(crate) sts_timeout: Duration,
    pub(crate) metadata_timeout: Duration,
    pub(crate) profile_name: Option<String>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self::new(Env::process())
    }
}

impl ProviderConfig {
    /// Settings reading from `env`, with the system clock, default HTTP
    /// clients and timeouts, and no overrides.
    pub fn new(env: Env) -> Self {
        Self {
            env,
            clock: default_clock(),
            http: default_http_client(),
            metadata_http: default_metadata_client(),
            sts_endpoint: None,
            metadata_base_url: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            sts_timeout: DEFAULT_STS_TIMEOUT,
            metadata_timeout: DEFAULT_METADATA_TIMEOUT,
            profile_name: None,
        }
    }

    /// Reads variables and the home directory from `env`.
    pub fn with_env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// Uses `clock` to decide when cached credentials must be refreshed and
    /// to date signed STS requests.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Sends STS and credentials-URI requests through `client`. Per-request
    /// timeouts still apply on top of the client's own settings.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http = client;
        self
    }

    /// Sends instance metadata requests through `client`. The default client
    /// never uses a proxy and gives up connecting after one second, so that
    /// probing the metadata service off ECS is quick; a replacement should do
    /// the same.
    pub fn with_metadata_http_client(mut self, client: reqwest::Client) -> Self {
        self.metadata_http = client;
        self
    }

    /// Sends STS requests to `endpoint` instead of the one derived from
    /// `ALIBABA_CLOUD_STS_REGION`. Either a host name (`sts.cn-hangzhou.aliyuncs.com`,
    /// HTTPS is used) or a base URL (`http://127.0.0.1:8080`).
    pub fn with_sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts_endpoint = Some(endpoint.into());
        self
    }

    /// Reads instance metadata from `base_url` instead of
    /// `http://100.100.100.200`.
    pub fn with_metadata_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.metadata_base_url = Some(base_url.into());
        self
    }

    /// Refreshes cached temporary credentials this long before they expire
    /// (default 3 minutes).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Total time allowed for one STS or credentials-URI request (default 15 s).
    pub fn with_sts_timeout(mut self, timeout: Duration) -> Self {
        self.sts_timeout = timeout;
        self
    }

    /// Total time allowed for one instance metadata request (default 2 s).
    pub fn with_metadata_timeout(mut self, timeout: Duration) -> Self {
        self.metadata_timeout = timeout;
        self
    }

    /// Selects this profile in the CLI config and the INI credentials file,
    /// instead of `ALIBABA_CLOUD_PROFILE` / the file's default.
    pub fn with_profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// The environment providers read.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The clock used for expiry decisions.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The refresh margin of cached credentials.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }

    /// True when the variable `name` is set to `true` (any case).
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.env
            .var(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

impl fmt::Debug for ProviderConfig {
    // The environment is left out on purpose: a fake environment holds
    // secrets in plain text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("clock", &self.clock)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("metadata_base_url", &self.metadata_base_url)
            .field("refresh_margin", &self.refresh_margin)
            .field("sts_timeout", &self.sts_timeout)
            .field("metadata_timeout", &self.metadata_timeout)
            .field("profile_name", &self.profile_name)
            .finish_non_exhaustive()
    }
}

fn default_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .build()
        .unwrap_or_default()
}

fn default_metadata_client() -> reqwest::Client {
    // The metadata service is link-local: never go through a proxy.
    reqwest::Client::builder()
        .connect_timeout(DEFAULT_METADATA_CONNECT_TIMEOUT)
        .no_proxy()
        .build()
        .unwrap_or_default()
}
