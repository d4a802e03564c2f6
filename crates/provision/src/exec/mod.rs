//! Creating, running and cleaning up (rules P5, P7 and P8 of `DESIGN.md` §5).
//!
//! Every function here that creates something takes a
//! [`ConfirmedQuote`](crate::ConfirmedQuote): there is no other way in, so
//! nothing is paid for without a quote the caller accepted (P5). A quote for
//! another product is refused with [`ExecError::ProductMismatch`] before any
//! call is made: a task locked to a product stays on it (P2).
//!
//! - [`ecs`]: VPC/vSwitch reuse or creation, a security group, an image by
//!   family, `RunInstances` with zone fallback, Cloud Assistant, release.
//! - [`fc`]: a Function Compute 3.0 function that runs the script, invoked
//!   once and deleted.
//! - [`ack`]: an ACK cluster (created or reused) and the script as a
//!   Kubernetes `Job` through kube-rs, with its logs.
//! - [`pai`]: a PAI-DLC job whose command is the script, followed to its end.
//!
//! # Cleanup on error and on cancellation
//!
//! Whatever a run creates is recorded as it is created. When the run fails,
//! the recorded resources are released before the error is returned. When
//! the future is dropped half-way (a timeout, `select!`, an aborted task),
//! the record's guard notices it was never disarmed and spawns the release
//! on the current Tokio runtime; outside a runtime nothing can be spawned
//! and the ids are logged at `error` level instead. The spawned release
//! uses the same retry rules as an explicit one.
//!
//! ```no_run
//! # async fn demo(quote: alibabacloud_provision::ConfirmedQuote) -> Result<(), Box<dyn std::error::Error>> {
//! use alibabacloud_provision::exec::{PollSettings, ecs::{EcsLaunch, create_instance_with_infra}};
//! let config = alibabacloud_core::Config::load_default().await?;
//! let instance = create_instance_with_infra(
//!     &config,
//!     &[quote],
//!     &EcsLaunch::new("acs:ubuntu_22_04_x64"),
//!     &PollSettings::default(),
//! )
//! .await?;
//! let out = instance.run_and_release("echo hello").await?;
//! println!("exit {}: {}", out.exit_code, out.output);
//! # Ok(()) }
//! ```

use std::time::Duration;

use alibabacloud_core::waiter::{WaitError, WaitOutcome, Waiter};

use crate::product::Product;

pub mod ack;
pub mod ecs;
pub mod fc;
pub mod pai;

/// How often and how long to poll for status changes and to retry releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSettings {
    /// Pause between two status reads or two release attempts.
    pub interval: Duration,
    /// Longest wait for a resource to become ready (instance running, VPC
    /// available, cluster running).
    pub ready_timeout: Duration,
    /// Longest wait for a script, command, job or function run to finish.
    pub run_timeout: Duration,
    /// Longest time spent releasing one resource (retries on
    /// `IncorrectInstanceStatus`, dependency errors, throttling and 5xx).
    pub release_timeout: Duration,
}

impl Default for PollSettings {
    /// 5 s polls; 10 minutes to get ready, 2 hours to run, 5 minutes per release.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            ready_timeout: Duration::from_secs(600),
            run_timeout: Duration::from_secs(2 * 3600),
            release_timeout: Duration::from_secs(300),
        }
    }
}

impl PollSettings {
    /// Settings for tests against the emulator: `interval` polls, 30 s
    /// bounds everywhere.
    pub fn fast(interval: Duration) -> Self {
        Self {
            interval,
            ready_timeout: Duration::from_secs(30),
            run_timeout: Duration::from_secs(30),
            release_timeout: Duration::from_secs(30),
        }
    }
}

/// Why creating, running or cleaning up failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// No confirmed quote was given.
    #[error("no confirmed quote was given; every create needs one (P5)")]
    NoQuote,
    /// A quote for another product than the one this path creates.
    #[error(
        "the confirmed quote is for {quoted} but this creates {expected}; the task stays on {expected} (no product switch)"
    )]
    ProductMismatch {
        /// Product of the quote.
        quoted: Product,
        /// Product of this path.
        expected: Product,
    },
    /// The request itself is unusable.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// An explicit image id instead of an image family (P7).
    #[error(
        "explicit image id `{0}` refused: give an image family such as `acs:ubuntu_22_04_x64` (P7)"
    )]
    ExplicitImageRefused(String),
    /// UserData was set (P7).
    #[error("UserData is refused (P7): the script runs through Cloud Assistant after start-up")]
    UserDataRefused,
    /// No image of the family.
    #[error("no available image in family `{family}` in {region} for {instance_type}")]
    ImageFamilyNotFound {
        /// Family asked for.
        family: String,
        /// Region.
        region: String,
        /// Instance type.
        instance_type: String,
    },
    /// Every zone of the offer list was out of stock.
    #[error("{spec} is out of stock in every zone tried ({}); last answer: {last}", tried.join(", "))]
    OutOfStock {
        /// Instance type.
        spec: String,
        /// Zones tried, in order.
        tried: Vec<String>,
        /// The last stock error.
        last: Box<alibabacloud_core::Error>,
    },
    /// An API call failed.
    #[error("{step} failed: {source}")]
    Api {
        /// What was being done (`RunInstances in cn-hangzhou-h`, ...).
        step: String,
        /// The error.
        #[source]
        source: alibabacloud_core::Error,
    },
    /// A Kubernetes API call failed.
    #[error("{step} failed: {source}")]
    Kube {
        /// What was being done.
        step: String,
        /// The error.
        #[source]
        source: kube::Error,
    },
    /// A resource did not reach the wanted state in time.
    #[error("{what} did not become {wanted} within {timeout:?} (last status: {last})")]
    Timeout {
        /// The resource.
        what: String,
        /// The state waited for.
        wanted: String,
        /// The bound.
        timeout: Duration,
        /// Last status seen.
        last: String,
    },
    /// A resource ended in a failed state.
    #[error("{what} failed ({status}): {reason}")]
    ResourceFailed {
        /// The resource.
        what: String,
        /// Its status.
        status: String,
        /// The reason the service gave.
        reason: String,
    },
    /// The script ran and exited non-zero.
    #[error("the script exited with code {exit_code}{}; output: {}", if reason.is_empty() { String::new() } else { format!(" ({reason})") }, tail(output))]
    ScriptFailed {
        /// Exit code.
        exit_code: i64,
        /// Decoded output.
        output: String,
        /// Error code/text the service reported, if any.
        reason: String,
    },
    /// The run failed and releasing its resources failed too.
    #[error("{primary}; cleanup also left resources behind: {}", left.join(", "))]
    FailedAndLeaked {
        /// The first failure.
        primary: Box<ExecError>,
        /// Resources still there (`kind id: why`).
        left: Vec<String>,
    },
    /// The run succeeded (or had nothing to do) but cleanup left resources.
    #[error("cleanup left resources behind: {}", left.join(", "))]
    CleanupIncomplete {
        /// Resources still there (`kind id: why`).
        left: Vec<String>,
    },
}

fn tail(output: &str) -> String {
    const MAX: usize = 400;
    let trimmed = output.trim_end();
    if trimmed.len() <= MAX {
        format!("{trimmed:?}")
    } else {
        let mut start = trimmed.len() - MAX;
        while !trimmed.is_char_boundary(start) {
            start += 1;
        }
        format!("...{:?}", &trimmed[start..])
    }
}

impl ExecError {
    pub(crate) fn api(step: impl Into<String>, source: alibabacloud_core::Error) -> Self {
        ExecError::Api {
            step: step.into(),
            source,
        }
    }

    /// Combines this failure with what cleanup left behind.
    pub(crate) fn with_leftovers(self, left: Vec<String>) -> Self {
        if left.is_empty() {
            self
        } else {
            ExecError::FailedAndLeaked {
                primary: Box::new(self),
                left,
            }
        }
    }

    /// The underlying service error, if this is (or wraps) one.
    pub fn service_error(&self) -> Option<&alibabacloud_core::Error> {
        match self {
            ExecError::Api { source, .. } => Some(source),
            ExecError::OutOfStock { last, .. } => Some(last),
            ExecError::FailedAndLeaked { primary, .. } => primary.service_error(),
            _ => None,
        }
    }
}

/// Checks that the quotes are non-empty and all for `expected` (the product
/// lock), returning the first.
pub(crate) fn check_quotes(
    quotes: &[crate::ConfirmedQuote],
    expected: Product,
) -> Result<&crate::ConfirmedQuote, ExecError> {
    let first = quotes.first().ok_or(ExecError::NoQuote)?;
    for q in quotes {
        let quoted = q.quote().offer().product;
        if quoted != expected {
            return Err(ExecError::ProductMismatch { quoted, expected });
        }
    }
    Ok(first)
}

/// A name for resources of this run: `prefix-<12 hex digits>`, lower-case.
/// The 48 random bits keep it unique across runs and processes, which
/// matters because the name doubles as the create call's client token.
pub(crate) fn unique_name(prefix: &str) -> String {
    let token = alibabacloud_core::request::new_client_token();
    format!("{prefix}-{}", &token[..12])
}

/// Retries `op` while it fails with an error `again` accepts (or any
/// retryable one), pausing `interval`, until `timeout` has passed.
pub(crate) async fn retry_until<T, F, Fut>(
    settings: &PollSettings,
    timeout: Duration,
    again: impl Fn(&alibabacloud_core::Error) -> bool,
    mut op: F,
) -> Result<T, alibabacloud_core::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, alibabacloud_core::Error>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e)
                if (again(&e) || e.is_retryable())
                    && tokio::time::Instant::now() + settings.interval < deadline =>
            {
                tracing::debug!(error = %e, "retrying");
                tokio::time::sleep(settings.interval).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Polls `status` every `settings.interval` until `classify` says done or
/// failed, or `timeout` passes, with the core [`Waiter`]; its outcome is
/// mapped onto [`ExecError`] for `what` (e.g. `VPC vpc-1`) waiting to become
/// `wanted`. Failed polls that retrying may fix are retried; `step` names the
/// call when one fails for good.
///
/// [`Waiter`]: alibabacloud_core::waiter::Waiter
pub(crate) async fn wait_for_status<F, Fut>(
    settings: &PollSettings,
    timeout: Duration,
    (what, wanted, step): (&str, &str, &str),
    status: F,
    classify: impl FnMut(&String) -> WaitOutcome,
) -> Result<String, ExecError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<String, alibabacloud_core::Error>>,
{
    Waiter::new(settings.interval)
        .timeout(timeout)
        .wait(status, classify)
        .await
        .map_err(|e| match e {
            WaitError::Timeout {
                last, last_error, ..
            } => ExecError::Timeout {
                what: what.to_owned(),
                wanted: wanted.to_owned(),
                timeout,
                last: last
                    .or_else(|| last_error.map(|e| e.to_string()))
                    .unwrap_or_default(),
            },
            WaitError::Failed { state, reason } => ExecError::ResourceFailed {
                what: what.to_owned(),
                status: state,
                reason,
            },
            WaitError::Call(e) => ExecError::api(step, e),
            other => ExecError::Invalid(format!("waiting for {what}: {other}")),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p8_script_failure_message_names_exit_code_and_output() {
        let e = ExecError::ScriptFailed {
            exit_code: 3,
            output: "boom\n".into(),
            reason: "ExitCodeNonzero".into(),
        };
        let text = e.to_string();
        assert!(text.contains("code 3"), "{text}");
        assert!(text.contains("boom"), "{text}");
        assert!(text.contains("ExitCodeNonzero"), "{text}");
    }

    #[test]
    fn p8_unique_names_differ() {
        assert_ne!(unique_name("x"), unique_name("x"));
    }
}
