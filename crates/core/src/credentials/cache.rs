//! Caching of temporary credentials.

use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::clock::SharedClock;

use super::{Credentials, CredentialsError, ProvideCredentials};

/// How long before expiry cached credentials are refreshed by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(3 * 60);

/// After a failed refresh that fell back to still-valid credentials, how long
/// to wait before asking the upstream again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// A single cached set of credentials with coalesced refreshes.
///
/// [`LazyCache::get_or_refresh`] returns the cached credentials while they are
/// fresh, that is until `expiration - refresh_margin`; credentials without an
/// expiry stay fresh forever. Otherwise it runs the given refresh, and:
///
/// - concurrent callers share one refresh: they wait for the caller that is
///   already refreshing and take its result, so the upstream sees one request;
/// - when a refresh fails but the cached credentials have not expired yet,
///   those are returned, a warning is logged, and the upstream is left alone
///   for a few seconds before the next attempt;
/// - when a refresh fails and nothing valid is cached, the error is returned
///   (to every caller that was waiting for that refresh).
///
/// Time comes from the injected [`Clock`](crate::clock::Clock), so tests can
/// move it with a [`ManualClock`](crate::clock::ManualClock).
pub struct LazyCache {
    clock: SharedClock,
    refresh_margin: Duration,
    state: Mutex<State>,
    refresh_lock: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    credentials: Option<Credentials>,
    /// Bumped after every completed refresh attempt.
    generation: u64,
    /// Error of the last attempt, when it failed.
    last_error: Option<CredentialsError>,
    /// No new attempt before this time (set after a failure that fell back to
    /// cached credentials).
    retry_after: Option<SystemTime>,
}

impl LazyCache {
    /// An empty cache using `clock` and the default refresh margin.
    pub fn new(clock: SharedClock) -> Self {
        Self {
            clock,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            state: Mutex::new(State::default()),
            refresh_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Refreshes this long before expiry instead of the default 3 minutes.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The refresh margin.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }

    /// Drops the cached credentials, so that the next call refreshes.
    pub fn invalidate(&self) {
        let mut state = self.lock();
        state.credentials = None;
        state.retry_after = None;
    }

    /// The cached credentials if they are still fresh, else the result of
    /// `refresh` (shared with concurrent callers). `provider` names the
    /// provider in log messages.
    pub async fn get_or_refresh<F, Fut>(
        &self,
        provider: &'static str,
        refresh: F,
    ) -> Result<Credentials, CredentialsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, CredentialsError>>,
    {
        let seen_generation = {
            let state = self.lock();
            if let Some(cached) = self.usable(&state, self.clock.now()) {
                return Ok(cached);
            }
            state.generation
        };

        let _refreshing = self.refresh_lock.lock().await;
        {
            let state = self.lock();
            let now = self.clock.now();
            if let Some(cached) = self.usable(&state, now) {
                return Ok(cached);
            }
            if state.generation != seen_generation {
                // Another caller finished a refresh attempt while we waited:
                // take its outcome instead of asking the upstream again.
                if let Some(cached) = state.credentials.as_ref().filter(|c| is_valid(c, now)) {
                    return Ok(cached.clone());
                }
                if let Some(error) = &state.last_error {
                    return Err(error.clone());
                }
            }
        }

        tracing::debug!(provider, "refreshing credentials");
        let result = refresh().await;

        let mut state = self.lock();
        let now = self.clock.now();
        state.generation = state.generation.wrapping_add(1);
        match result {
            Ok(credentials) => {
                state.credentials = Some(credentials.clone());
                state.last_error = None;
                state.retry_after = None;
                Ok(credentials)
            }
            Err(error) => {
                // The upstream may echo what it handed out before: never let
                // the previous secret or token reach a log or an error.
                let error = match &state.credentials {
                    Some(old) => error.scrubbed(&[
                        old.access_key_secret(),
                        old.security_token().unwrap_or_default(),
                    ]),
                    None => error,
                };
                state.last_error = Some(error.clone());
                let still_valid = state
                    .credentials
                    .as_ref()
                    .filter(|c| is_valid(c, now))
                    .cloned();
                match still_valid {
                    Some(cached) => {
                        tracing::warn!(
                            provider,
                            error = %error,
                            "refreshing credentials failed; using the cached ones until they expire"
                        );
                        state.retry_after = Some(now + RETRY_AFTER_FAILURE);
                        Ok(cached)
                    }
                    None => Err(error),
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Cached credentials that may be handed out without a refresh.
    fn usable(&self, state: &State, now: SystemTime) -> Option<Credentials> {
        let cached = state.credentials.as_ref()?;
        if self.is_fresh(cached, now) {
            return Some(cached.clone());
        }
        // Backing off after a failed refresh: keep serving what is valid.
        let backing_off = state.retry_after.is_some_and(|t| now < t);
        (backing_off && is_valid(cached, now)).then(|| cached.clone())
    }

    fn is_fresh(&self, credentials: &Credentials, now: SystemTime) -> bool {
        match credentials.expiration() {
            None => true,
            Some(expiration) => now
                .checked_add(self.refresh_margin)
                .is_some_and(|deadline| deadline < expiration),
        }
    }
}

fn is_valid(credentials: &Credentials, now: SystemTime) -> bool {
    credentials
        .expiration()
        .is_none_or(|expiration| now < expiration)
}

impl fmt::Debug for LazyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("LazyCache")
            .field("refresh_margin", &self.refresh_margin)
            .field("cached", &state.credentials.is_some())
            .field(
                "expiration",
                &state.credentials.as_ref().and_then(Credentials::expiration),
            )
            .finish()
    }
}

/// Wraps any provider with a [`LazyCache`]: its credentials are reused until
/// shortly before they expire, and concurrent callers share one call to the
/// inner provider.
///
/// The providers of temporary credentials in this module already cache
/// internally; this is for custom providers.
pub struct CachedProvider<P> {
    inner: P,
    cache: LazyCache,
}

impl<P: ProvideCredentials> CachedProvider<P> {
    /// Caches `inner`'s credentials, deciding freshness with `clock`.
    pub fn new(inner: P, clock: SharedClock) -> Self {
        Self {
            inner,
            cache: LazyCache::new(clock),
        }
    }

    /// Refreshes this long before expiry instead of the default 3 minutes.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.cache = self.cache.with_refresh_margin(margin);
        self
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

impl<P: fmt::Debug> fmt::Debug for CachedProvider<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedProvider")
            .field("inner", &self.inner)
            .field("cache", &self.cache)
            .finish()
    }
}

#[async_trait]
impl<P: ProvideCredentials> ProvideCredentials for CachedProvider<P> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.cache
            .get_or_refresh("cached", || self.inner.provide_credentials())
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::clock::ManualClock;

    fn start() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn creds(expires_in: Duration) -> Credentials {
        Credentials::new("STS.FAKEID", "FAKE-SECRET-do-not-print", "test")
            .with_security_token("FAKE-TOKEN")
            .with_expiration(start() + expires_in)
    }

    #[tokio::test]
    async fn fresh_credentials_are_reused() {
        let clock = ManualClock::new(start());
        let cache = LazyCache::new(Arc::new(clock.clone()));
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let c = cache
                .get_or_refresh("test", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(creds(Duration::from_secs(3600)))
                })
                .await
                .unwrap();
            assert_eq!(c.access_key_id(), "STS.FAKEID");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_inside_the_margin() {
        let clock = ManualClock::new(start());
        let cache = LazyCache::new(Arc::new(clock.clone()));
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(creds(Duration::from_secs(3600)))
        };
        cache.get_or_refresh("test", fetch).await.unwrap();
        // 3 min 1 s before expiry: still fresh.
        clock.advance(Duration::from_secs(3600 - 181));
        cache.get_or_refresh("test", fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // 2 min 59 s before expiry: refreshed although still valid.
        clock.advance(Duration::from_secs(2));
        cache.get_or_refresh("test", fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn custom_margin_is_honoured() {
        let clock = ManualClock::new(start());
        let cache =
            LazyCache::new(Arc::new(clock.clone())).with_refresh_margin(Duration::from_secs(600));
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(creds(Duration::from_secs(3600)))
        };
        cache.get_or_refresh("test", fetch).await.unwrap();
        clock.advance(Duration::from_secs(3600 - 599));
        cache.get_or_refresh("test", fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn stale_but_valid_credentials_survive_a_failed_refresh() {
        let clock = ManualClock::new(start());
        let cache = LazyCache::new(Arc::new(clock.clone()));
        cache
            .get_or_refresh("test", || async { Ok(creds(Duration::from_secs(3600))) })
            .await
            .unwrap();
        clock.advance(Duration::from_secs(3600 - 60));
        let failing = || async {
            Err(CredentialsError::provider_failed(
                "test",
                "HTTP 503, code ServiceUnavailable",
            ))
        };
        let c = cache.get_or_refresh("test", failing).await.unwrap();
        assert_eq!(c.access_key_id(), "STS.FAKEID");
        // Once expired, the failure comes through.
        clock.advance(Duration::from_secs(61));
        let err = cache.get_or_refresh("test", failing).await.unwrap_err();
        assert!(err.to_string().contains("ServiceUnavailable"), "{err}");
    }

    #[tokio::test]
    async fn backs_off_after_a_failure_that_fell_back() {
        let clock = ManualClock::new(start());
        let cache = LazyCache::new(Arc::new(clock.clone()));
        let calls = AtomicUsize::new(0);
        cache
            .get_or_refresh("test", || async { Ok(creds(Duration::from_secs(3600))) })
            .await
            .unwrap();
        clock.advance(Duration::from_secs(3600 - 120));
        let failing = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(CredentialsError::provider_failed("test", "down"))
        };
        cache.get_or_refresh("test", failing).await.unwrap();
        cache.get_or_refresh("test", failing).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        clock.advance(RETRY_AFTER_FAILURE);
        cache.get_or_refresh("test", failing).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_refresh_even_when_it_fails() {
        let clock = ManualClock::new(start());
        let cache = Arc::new(LazyCache::new(Arc::new(clock)));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_refresh("test", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err::<Credentials, _>(CredentialsError::provider_failed("test", "down"))
                    })
                    .await
            }));
        }
        for task in tasks {
            assert!(task.await.unwrap().is_err());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn credentials_without_expiry_never_refresh() {
        let clock = ManualClock::new(start());
        let cache = LazyCache::new(Arc::new(clock.clone()));
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(Credentials::new(
                "LTAIFAKE",
                "FAKE-SECRET-do-not-print",
                "test",
            ))
        };
        cache.get_or_refresh("test", fetch).await.unwrap();
        clock.advance(Duration::from_secs(100 * 24 * 3600));
        cache.get_or_refresh("test", fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.invalidate();
        cache.get_or_refresh("test", fetch).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
