//! Retry policy: exponential backoff with full jitter, bounded in attempts and
//! in total time, and the rules for when a failed call may be sent again.

use std::time::Duration;

use crate::error::{Error, TimeoutKind};

/// How often and how patiently a call is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_total: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// Three attempts, backoff starting at 200 ms and capped at 20 s, at most
    /// two minutes in all.
    pub fn standard() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_total: Some(Duration::from_secs(120)),
        }
    }

    /// A single attempt, never retried.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Total attempts, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before the first retry (before jitter); it doubles after each one.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Upper bound of one backoff.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Upper bound of the whole call, retries and backoffs included; `None`
    /// for no bound beyond the attempt count.
    pub fn with_max_total(mut self, total: Option<Duration>) -> Self {
        self.max_total = total;
        self
    }

    /// Total attempts allowed.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Time budget of the whole call.
    pub fn max_total(&self) -> Option<Duration> {
        self.max_total
    }

    /// Upper bound of the backoff after `attempt` failed attempts (1-based):
    /// `min(max_backoff, initial * 2^(attempt-1))`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        self.initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff)
    }

    /// The backoff to sleep after `attempt` failed attempts: uniformly random
    /// in `[0, ceiling]` ("full jitter").
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::random_range(0..=nanos))
    }
}

/// Whether an operation may be repeated without changing the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads: sending twice is harmless.
    Idempotent,
    /// A write that carries an idempotency token (ECS `ClientToken`): the
    /// server recognises a repeat.
    Token,
    /// A write without a token: sending twice may create twice.
    Unsafe,
}

/// Whether `error`, seen on a call of the given idempotency, may be retried.
///
/// - Throttling: the server refused the call without doing it, so any call may
///   be retried.
/// - A connection that was never established (refused, DNS, connect timeout):
///   the request provably never left, so any call may be retried.
/// - 5xx, read timeouts and broken connections: the server may have acted, so
///   only idempotent calls (reads, or writes with a token) are retried.
pub fn should_retry(error: &Error, idempotency: Idempotency) -> bool {
    let safe_to_repeat = idempotency != Idempotency::Unsafe;
    match error {
        Error::Service { .. } if error.is_throttling() => true,
        Error::Service { .. } => error.is_retryable() && safe_to_repeat,
        Error::Transport { maybe_sent, .. } => !maybe_sent || safe_to_repeat,
        Error::Timeout {
            kind: TimeoutKind::Connect,
            ..
        } => true,
        Error::Timeout {
            kind: TimeoutKind::Read,
            ..
        } => safe_to_repeat,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(status: u16, code: &str) -> Error {
        Error::Service {
            status,
            code: code.into(),
            message: String::new(),
            request_id: None,
            recommend: None,
            host_id: None,
        }
    }

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let p = RetryPolicy::standard()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(500));
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(100));
        assert_eq!(p.backoff_ceiling(2), Duration::from_millis(200));
        assert_eq!(p.backoff_ceiling(3), Duration::from_millis(400));
        assert_eq!(p.backoff_ceiling(4), Duration::from_millis(500));
        assert_eq!(p.backoff_ceiling(60), Duration::from_millis(500));
        for attempt in 1..10 {
            assert!(p.backoff(attempt) <= p.backoff_ceiling(attempt));
        }
    }

    #[test]
    fn jitter_spreads_values() {
        let p = RetryPolicy::standard().with_initial_backoff(Duration::from_secs(1));
        let samples: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(1)).collect();
        assert!(samples.len() > 10, "full jitter should rarely repeat");
    }

    #[test]
    fn attempts_are_at_least_one() {
        assert_eq!(
            RetryPolicy::standard().with_max_attempts(0).max_attempts(),
            1
        );
        assert_eq!(RetryPolicy::disabled().max_attempts(), 1);
    }

    #[test]
    fn throttling_is_retried_even_for_unsafe_writes() {
        assert!(should_retry(
            &service(400, "Throttling.User"),
            Idempotency::Unsafe
        ));
        assert!(should_retry(&service(429, "Whatever"), Idempotency::Unsafe));
    }

    #[test]
    fn server_errors_are_retried_only_when_idempotent() {
        let e = service(503, "ServiceUnavailable");
        assert!(should_retry(&e, Idempotency::Idempotent));
        assert!(should_retry(&e, Idempotency::Token));
        assert!(!should_retry(&e, Idempotency::Unsafe));
        let e = service(500, "InternalError");
        assert!(should_retry(&e, Idempotency::Token));
        assert!(!should_retry(&e, Idempotency::Unsafe));
        assert!(!should_retry(
            &service(400, "InvalidParameter"),
            Idempotency::Idempotent
        ));
    }

    #[test]
    fn transport_errors_depend_on_whether_the_request_left() {
        let never_sent = Error::Transport {
            message: "connection refused".into(),
            maybe_sent: false,
            source: None,
        };
        let maybe_sent = Error::Transport {
            message: "connection reset".into(),
            maybe_sent: true,
            source: None,
        };
        assert!(should_retry(&never_sent, Idempotency::Unsafe));
        assert!(!should_retry(&maybe_sent, Idempotency::Unsafe));
        assert!(should_retry(&maybe_sent, Idempotency::Idempotent));
        let read = Error::Timeout {
            kind: TimeoutKind::Read,
            elapsed: Duration::from_secs(1),
        };
        assert!(!should_retry(&read, Idempotency::Unsafe));
        assert!(should_retry(&read, Idempotency::Token));
        let connect = Error::Timeout {
            kind: TimeoutKind::Connect,
            elapsed: Duration::from_secs(1),
        };
        assert!(should_retry(&connect, Idempotency::Unsafe));
    }

    #[test]
    fn validation_and_credentials_errors_are_final() {
        assert!(!should_retry(
            &Error::validation("A", "b"),
            Idempotency::Idempotent
        ));
    }
}
