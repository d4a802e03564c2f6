//! Polling a resource until it reaches a final state.
//!
//! Many operations only start work: an instance boots, a job queues, a
//! service deploys. A [`Waiter`] calls a describe-style operation again and
//! again, asks a predicate what each answer means ([`WaitOutcome`]), and
//! returns the final state, or a [`WaitError`] saying why it stopped.
//!
//! ```no_run
//! use std::time::Duration;
//! use alibabacloud_core::waiter::{WaitOutcome, Waiter};
//!
//! # async fn describe_status() -> alibabacloud_core::Result<String> { Ok("Running".into()) }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let status = Waiter::new(Duration::from_secs(5))
//!     .backoff(1.5)
//!     .max_interval(Duration::from_secs(30))
//!     .timeout(Duration::from_secs(600))
//!     .wait(describe_status, |s: &String| match s.as_str() {
//!         "Running" => WaitOutcome::Done,
//!         "Failed" => WaitOutcome::failed("the service failed to start"),
//!         _ => WaitOutcome::Continue,
//!     })
//!     .await?;
//! # let _ = status; Ok(()) }
//! ```
//!
//! Time is taken from `tokio::time`, so tests can run on a paused clock
//! (`#[tokio::test(start_paused = true)]`) without really sleeping.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::Error;

/// What one observed state means for the wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitOutcome {
    /// The state is the one waited for: stop and return it.
    Done,
    /// The state is final but not the one wanted (for example `Failed` or
    /// `Deleted`): stop with [`WaitError::Failed`] and this reason.
    Failed(String),
    /// Not final yet: poll again.
    Continue,
}

impl WaitOutcome {
    /// Shorthand for [`WaitOutcome::Failed`].
    pub fn failed(reason: impl Into<String>) -> Self {
        WaitOutcome::Failed(reason.into())
    }
}

/// Why a wait ended without reaching the wanted state.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<S> {
    /// The time budget or the number of attempts ran out while the state was
    /// still not final.
    Timeout {
        /// The last state that was observed, if any poll succeeded.
        last: Option<S>,
        /// The error of the final poll, when that poll failed with a
        /// retryable error (throttling, 5xx, a transport failure).
        last_error: Option<Error>,
        /// Time from the start of the wait until it gave up.
        elapsed: Duration,
        /// How many polls were made.
        attempts: u32,
    },
    /// The predicate classified a state as a failure.
    Failed {
        /// The state that was judged a failure.
        state: S,
        /// The predicate's explanation.
        reason: String,
    },
    /// A poll failed with an error that retrying would not fix.
    Call(Error),
}

impl<S> WaitError<S> {
    /// The state this error carries: the last observed one for a timeout, the
    /// failed one for a failure.
    pub fn state(&self) -> Option<&S> {
        match self {
            WaitError::Timeout { last, .. } => last.as_ref(),
            WaitError::Failed { state, .. } => Some(state),
            WaitError::Call(_) => None,
        }
    }

    /// Takes the state out of the error (see [`state`](Self::state)).
    pub fn into_state(self) -> Option<S> {
        match self {
            WaitError::Timeout { last, .. } => last,
            WaitError::Failed { state, .. } => Some(state),
            WaitError::Call(_) => None,
        }
    }

    /// Whether the wait gave up because time or attempts ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, WaitError::Timeout { .. })
    }
}

impl<S: fmt::Debug> fmt::Display for WaitError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Timeout {
                last,
                last_error,
                elapsed,
                attempts,
            } => {
                write!(
                    f,
                    "gave up waiting after {elapsed:?} and {attempts} attempt{}",
                    if *attempts == 1 { "" } else { "s" }
                )?;
                match last {
                    Some(state) => write!(f, "; last state: {state:?}")?,
                    None => f.write_str("; no state was observed")?,
                }
                if let Some(error) = last_error {
                    write!(f, "; last poll failed: {error}")?;
                }
                Ok(())
            }
            WaitError::Failed { state, reason } => {
                write!(f, "reached a failed state: {reason} (state: {state:?})")
            }
            WaitError::Call(error) => write!(f, "polling failed: {error}"),
        }
    }
}

impl<S: fmt::Debug> std::error::Error for WaitError<S> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Call(error) => Some(error),
            WaitError::Timeout {
                last_error: Some(error),
                ..
            } => Some(error),
            _ => None,
        }
    }
}

/// Polling schedule and limits.
///
/// The first poll happens at once. After poll number `n` the waiter sleeps
/// `interval * backoff^(n-1)`, never more than `max_interval`. It stops with
/// [`WaitError::Timeout`] when `max_attempts` polls were made, or when the
/// `timeout` has passed: the sleep before the next poll is shortened so that
/// one last poll happens right at the deadline. A poll that is already
/// running at the deadline is not interrupted (calls have their own
/// timeouts), so the wait may overrun `timeout` by the length of one call.
///
/// With neither `timeout` nor `max_attempts` set, the waiter polls until the
/// predicate says the state is final.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiter {
    interval: Duration,
    backoff: f64,
    max_interval: Option<Duration>,
    timeout: Option<Duration>,
    max_attempts: Option<u32>,
}

impl Waiter {
    /// A waiter polling every `interval`, without backoff or limits.
    pub fn new(interval: Duration) -> Self {
        Waiter {
            interval,
            backoff: 1.0,
            max_interval: None,
            timeout: None,
            max_attempts: None,
        }
    }

    /// Multiplies the sleep by `factor` after each poll. Values below 1 (and
    /// NaN) mean a fixed interval.
    pub fn backoff(mut self, factor: f64) -> Self {
        self.backoff = if factor >= 1.0 { factor } else { 1.0 };
        self
    }

    /// Caps the sleep between two polls.
    pub fn max_interval(mut self, max: Duration) -> Self {
        self.max_interval = Some(max);
        self
    }

    /// Gives up once `timeout` has passed since the wait started.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Gives up after `attempts` polls (at least one poll is always made).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// The sleep after poll number `attempt` (1-based), before any deadline
    /// shortens it.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(i32::MAX as u32) as i32;
        let secs = self.interval.as_secs_f64() * self.backoff.powi(exponent);
        let delay = Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX);
        match self.max_interval {
            Some(max) => delay.min(max),
            None => delay,
        }
    }

    /// Polls with `poll` until `classify` calls a state final.
    ///
    /// Returns the state `classify` marked [`WaitOutcome::Done`]. A poll
    /// failing with a retryable error ([`Error::is_retryable`]) counts as an
    /// attempt and the wait goes on; any other error ends it with
    /// [`WaitError::Call`].
    pub async fn wait<S, P, Fut, C>(&self, mut poll: P, mut classify: C) -> Result<S, WaitError<S>>
    where
        P: FnMut() -> Fut,
        Fut: Future<Output = crate::Result<S>>,
        C: FnMut(&S) -> WaitOutcome,
    {
        let start = Instant::now();
        let deadline = self.timeout.map(|t| start + t);
        let mut attempts: u32 = 0;
        let mut last: Option<S> = None;
        loop {
            attempts = attempts.saturating_add(1);
            // The error of this poll, when it failed but may succeed later.
            let last_error = match poll().await {
                Ok(state) => match classify(&state) {
                    WaitOutcome::Done => {
                        tracing::debug!(attempts, "wait finished");
                        return Ok(state);
                    }
                    WaitOutcome::Failed(reason) => {
                        tracing::debug!(attempts, %reason, "wait reached a failed state");
                        return Err(WaitError::Failed { state, reason });
                    }
                    WaitOutcome::Continue => {
                        last = Some(state);
                        None
                    }
                },
                Err(error) if error.is_retryable() => {
                    tracing::debug!(attempts, %error, "poll failed, will poll again");
                    Some(error)
                }
                Err(error) => return Err(WaitError::Call(error)),
            };

            let now = Instant::now();
            let remaining = deadline.map(|d| d.saturating_duration_since(now));
            let out_of_attempts = self.max_attempts.is_some_and(|max| attempts >= max);
            if out_of_attempts || remaining == Some(Duration::ZERO) {
                tracing::debug!(attempts, "wait gave up");
                return Err(WaitError::Timeout {
                    last,
                    last_error,
                    elapsed: now - start,
                    attempts,
                });
            }
            let delay = self.delay_after(attempts);
            let delay = remaining.map_or(delay, |r| delay.min(r));
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A scripted resource: each poll returns the next entry (the last one
    /// repeats) and records the virtual time of the call.
    #[derive(Clone)]
    struct Script {
        answers: Arc<Mutex<Vec<crate::Result<&'static str>>>>,
        times: Arc<Mutex<Vec<Duration>>>,
        start: Instant,
    }

    impl Script {
        fn new(answers: Vec<crate::Result<&'static str>>) -> Self {
            Script {
                answers: Arc::new(Mutex::new(answers)),
                times: Arc::default(),
                start: Instant::now(),
            }
        }

        fn poll(&self) -> impl Future<Output = crate::Result<&'static str>> + use<> {
            let this = self.clone();
            async move {
                this.times.lock().unwrap().push(this.start.elapsed());
                let mut answers = this.answers.lock().unwrap();
                if answers.len() > 1 {
                    answers.remove(0)
                } else {
                    match &answers[0] {
                        Ok(s) => Ok(*s),
                        Err(_) => Err(throttled()),
                    }
                }
            }
        }

        fn times(&self) -> Vec<u64> {
            self.times
                .lock()
                .unwrap()
                .iter()
                .map(|d| d.as_secs())
                .collect()
        }
    }

    fn throttled() -> Error {
        Error::from_response(
            400,
            None,
            br#"{"Code":"Throttling.User","Message":"slow down"}"#,
        )
    }

    fn classify(s: &&'static str) -> WaitOutcome {
        match *s {
            "Running" => WaitOutcome::Done,
            "Failed" => WaitOutcome::failed("service failed"),
            _ => WaitOutcome::Continue,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn returns_the_done_state() {
        let script = Script::new(vec![Ok("Creating"), Ok("Starting"), Ok("Running")]);
        let state = Waiter::new(Duration::from_secs(10))
            .wait(|| script.poll(), classify)
            .await
            .unwrap();
        assert_eq!(state, "Running");
        // First poll at once, then every 10 s.
        assert_eq!(script.times(), [0, 10, 20]);
    }

    #[tokio::test(start_paused = true)]
    async fn failed_state_is_returned_with_the_reason() {
        let script = Script::new(vec![Ok("Creating"), Ok("Failed")]);
        let error = Waiter::new(Duration::from_secs(1))
            .wait(|| script.poll(), classify)
            .await
            .unwrap_err();
        match &error {
            WaitError::Failed { state, reason } => {
                assert_eq!(*state, "Failed");
                assert_eq!(reason, "service failed");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(error.state(), Some(&"Failed"));
        assert_eq!(
            error.to_string(),
            "reached a failed state: service failed (state: \"Failed\")"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_carries_the_last_state() {
        let script = Script::new(vec![Ok("Creating"), Ok("Starting")]);
        let error = Waiter::new(Duration::from_secs(10))
            .timeout(Duration::from_secs(25))
            .wait(|| script.poll(), classify)
            .await
            .unwrap_err();
        match &error {
            WaitError::Timeout {
                last,
                last_error,
                elapsed,
                attempts,
            } => {
                assert_eq!(*last, Some("Starting"));
                assert!(last_error.is_none());
                assert_eq!(*elapsed, Duration::from_secs(25));
                assert_eq!(*attempts, 4);
            }
            other => panic!("{other:?}"),
        }
        // The last sleep is shortened so the final look is at the deadline.
        assert_eq!(script.times(), [0, 10, 20, 25]);
        assert!(error.is_timeout());
        let text = error.to_string();
        assert!(
            text.contains("25s") && text.contains("4 attempts"),
            "{text}"
        );
        assert!(text.contains("\"Starting\""), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn max_attempts_bounds_the_polls() {
        // Like SysOM: every 10 s, at most 60 times.
        let script = Script::new(vec![Ok("Running-but-not-done")]);
        let error = Waiter::new(Duration::from_secs(10))
            .max_attempts(60)
            .wait(|| script.poll(), |_| WaitOutcome::Continue)
            .await
            .unwrap_err();
        match error {
            WaitError::Timeout {
                last,
                elapsed,
                attempts,
                ..
            } => {
                assert_eq!(attempts, 60);
                assert_eq!(last, Some("Running-but-not-done"));
                // No sleep after the last attempt.
                assert_eq!(elapsed, Duration::from_secs(590));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(script.times().len(), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_errors_keep_waiting() {
        let script = Script::new(vec![
            Ok("Creating"),
            Err(throttled()),
            Err(Error::from_response(503, None, b"")),
            Ok("Running"),
        ]);
        let state = Waiter::new(Duration::from_secs(2))
            .max_attempts(10)
            .wait(|| script.poll(), classify)
            .await
            .unwrap();
        assert_eq!(state, "Running");
        assert_eq!(script.times(), [0, 2, 4, 6]);
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_errors_until_timeout_keep_the_last_error() {
        let script = Script::new(vec![Err(throttled())]);
        let error = Waiter::new(Duration::from_secs(5))
            .timeout(Duration::from_secs(12))
            .wait(|| script.poll(), classify)
            .await
            .unwrap_err();
        match &error {
            WaitError::Timeout {
                last,
                last_error,
                attempts,
                ..
            } => {
                assert!(last.is_none());
                assert!(last_error.as_ref().is_some_and(Error::is_throttling));
                assert_eq!(*attempts, 4);
            }
            other => panic!("{other:?}"),
        }
        let text = error.to_string();
        assert!(text.contains("no state was observed"), "{text}");
        assert!(text.contains("Throttling.User"), "{text}");
        assert!(std::error::Error::source(&error).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn non_retryable_error_stops_at_once() {
        let script = Script::new(vec![
            Ok("Creating"),
            Err(Error::from_response(
                404,
                None,
                br#"{"Code":"InvalidService.NotFound","Message":"gone"}"#,
            )),
            Ok("Running"),
        ]);
        let error = Waiter::new(Duration::from_secs(3))
            .wait(|| script.poll(), classify)
            .await
            .unwrap_err();
        match &error {
            WaitError::Call(e) => assert!(e.is_not_found()),
            other => panic!("{other:?}"),
        }
        assert!(error.state().is_none());
        assert!(
            error
                .to_string()
                .starts_with("polling failed: InvalidService.NotFound")
        );
        assert!(std::error::Error::source(&error).is_some());
        assert_eq!(script.times(), [0, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_grows_up_to_the_cap() {
        let script = Script::new(vec![
            Ok("a"),
            Ok("b"),
            Ok("c"),
            Ok("d"),
            Ok("e"),
            Ok("f"),
            Ok("Running"),
        ]);
        let state = Waiter::new(Duration::from_secs(1))
            .backoff(2.0)
            .max_interval(Duration::from_secs(8))
            .wait(|| script.poll(), classify)
            .await
            .unwrap();
        assert_eq!(state, "Running");
        // Sleeps 1, 2, 4, 8, 8, 8.
        assert_eq!(script.times(), [0, 1, 3, 7, 15, 23, 31]);
    }

    #[test]
    fn delays_are_clamped_and_never_panic() {
        let w = Waiter::new(Duration::from_secs(1)).backoff(10.0);
        assert_eq!(w.delay_after(1), Duration::from_secs(1));
        assert_eq!(w.delay_after(3), Duration::from_secs(100));
        assert_eq!(w.delay_after(u32::MAX), Duration::MAX);
        let w = Waiter::new(Duration::from_secs(4)).backoff(0.5);
        assert_eq!(w.delay_after(5), Duration::from_secs(4));
        let w = Waiter::new(Duration::from_secs(4)).backoff(f64::NAN);
        assert_eq!(w.delay_after(5), Duration::from_secs(4));
        assert_eq!(
            Waiter::new(Duration::ZERO).max_attempts(0).max_attempts,
            Some(1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn into_state_returns_the_carried_state() {
        let script = Script::new(vec![Ok("Pending")]);
        let error = Waiter::new(Duration::from_secs(1))
            .max_attempts(2)
            .wait(|| script.poll(), classify)
            .await
            .unwrap_err();
        assert_eq!(error.into_state(), Some("Pending"));
    }
}
