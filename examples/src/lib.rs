//! Shared plumbing of the example programs: where the calls go.
//!
//! By default every example starts the emulator in-process (a local,
//! signature-checking fake of the cloud) and needs no account. With `--live`
//! it loads credentials and region the way the official tools do
//! ([`Config::load_default`]) and talks to the real cloud.

use alibabacloud_core::Config;
use alibabacloud_emulator::Emulator;

/// Where an example sends its calls. Keeps the emulator alive while in use.
#[derive(Debug)]
pub struct Target {
    config: Config,
    emulator: Option<Emulator>,
}

impl Target {
    /// The real cloud when `live`, else a fresh in-process emulator.
    pub async fn connect(live: bool) -> Result<Self, Box<dyn std::error::Error>> {
        if live {
            let config = Config::load_default().await?;
            Ok(Self {
                config,
                emulator: None,
            })
        } else {
            let emulator = Emulator::start().await?;
            Ok(Self {
                config: emulator.config(),
                emulator: Some(emulator),
            })
        }
    }

    /// The configuration to build product clients from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A short description for the first line of output.
    pub fn describe(&self) -> String {
        match &self.emulator {
            Some(_) => format!(
                "emulator (in-process, {}); pass --live to use your account",
                self.config.endpoint_override().unwrap_or("loopback")
            ),
            None => format!("Alibaba Cloud, region {}", self.config.region()),
        }
    }

    /// Stops the emulator, if one runs.
    pub async fn shutdown(self) {
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }
}
