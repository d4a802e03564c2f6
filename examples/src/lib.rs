//! Shared plumbing of the example programs: where the calls go.
//!
//! By default every example starts the emulator in-process (a local,
//! signature-checking fake of the cloud) and needs no account. With `--live`
//! it loads credentials and region the way the official tools do
//! ([`Config::load_default`]) and talks to the real cloud.
//!
//! The emulator's virtual clock runs [`EMULATOR_TIME_SPEED`] times faster
//! than real time, so instances boot and jobs finish in seconds.

use alibabacloud_core::Config;
use alibabacloud_emulator::{Emulator, LiveResource};

/// How much faster than real time the examples' emulator runs.
pub const EMULATOR_TIME_SPEED: f64 = 20.0;

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
            let emulator = Emulator::builder()
                .time_speed(EMULATOR_TIME_SPEED)
                .start()
                .await?;
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

    /// Whether calls go to the in-process emulator.
    pub fn is_emulator(&self) -> bool {
        self.emulator.is_some()
    }

    /// What the emulator still holds (its leak report); `None` on the real
    /// cloud, where the example cannot see the whole account.
    pub fn leftovers(&self) -> Option<Vec<LiveResource>> {
        self.emulator.as_ref().map(|e| e.control().live_resources())
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

/// Prints `error: ...` on stderr, then each underlying cause on its own
/// `caused by:` line.
pub fn print_error(error: &dyn std::error::Error) {
    eprintln!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
}

/// Asks `question` on the terminal and reads the answer: `y` or `yes`
/// (any case) is a yes, anything else, including end of input, a no.
pub fn ask_yes_no(question: &str) -> bool {
    use std::io::{BufRead, Write};
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// The README's Rust snippets, compiled as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
