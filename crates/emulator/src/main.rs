//! `alibabacloud-emulator`: runs the emulator as a local server.
//!
//! ```sh
//! cargo run -p alibabacloud-emulator -- --port 8080
//! # then point any client at it:
//! export ALIBABA_CLOUD_ACCESS_KEY_ID=emulator-id ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-secret
//! ```
//!
//! One log line per request (method, product, action, status, error code,
//! request id); signatures and secrets are never logged. The control API is
//! served under `/_emulator/` (see the library docs).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use alibabacloud_emulator::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Emulator,
};
use clap::Parser;

/// A local, signature-checking emulator of the Alibaba Cloud APIs of this
/// SDK (ECS, VPC, FC, ACK, PAI-DLC, PAI-EAS, AI Workspace, SysOM, BSS).
#[derive(Debug, Parser)]
#[command(name = "alibabacloud-emulator", version)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on. Keep it on loopback: the control API is unsigned.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Access key id clients must sign with.
    #[arg(long, default_value = DEFAULT_ACCESS_KEY_ID)]
    access_key_id: String,
    /// Access key secret clients must sign with (a test value, never a real secret).
    #[arg(long, default_value = DEFAULT_ACCESS_KEY_SECRET, hide_default_value = false)]
    access_key_secret: String,
    /// Region of ROA calls (which carry no region behind an endpoint override).
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
    /// Numeric account id of the emulated account.
    #[arg(long, default_value = DEFAULT_ACCOUNT_ID)]
    account_id: String,
    /// Seed for resource ids (reproducible runs).
    #[arg(long)]
    seed: Option<u64>,
    /// Speed of virtual time relative to real time.
    #[arg(long, default_value_t = 1.0)]
    time_speed: f64,
    /// Directory with a replacement catalog (the five JSON files of `data/`).
    #[arg(long)]
    catalog_dir: Option<PathBuf>,
    /// Check every modelled answer against the response schema.
    #[arg(long)]
    strict: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    if !args.host.is_loopback() {
        tracing::warn!(host = %args.host, "listening on a non-loopback address; the control API is unsigned");
    }
    let mut builder = Emulator::builder()
        .bind(SocketAddr::new(args.host, args.port))
        .access_key(args.access_key_id.clone(), args.access_key_secret)
        .region(args.region.clone())
        .account_id(args.account_id)
        .time_speed(args.time_speed)
        .strict_responses(args.strict);
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if let Some(dir) = args.catalog_dir {
        builder = builder.catalog_dir(dir);
    }
    let emulator = builder.start().await?;
    tracing::info!(
        endpoint = %emulator.endpoint(),
        access_key_id = %args.access_key_id,
        region = %args.region,
        "alibabacloud-emulator listening; control API under /_emulator/; Ctrl-C stops"
    );
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    Ok(())
}
