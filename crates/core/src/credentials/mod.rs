//! Credentials and the providers that produce them.
//!
//! Every provider implements [`ProvideCredentials`]. [`DefaultCredentialsChain`]
//! tries them in the order of the official SDKs (see `DESIGN.md` §4).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

mod secret;
pub use secret::Secret;

/// A resolved set of credentials: an AccessKey pair, optionally with an STS
/// security token and an expiry time.
///
/// `Debug` never shows the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Option<Secret>,
    expiration: Option<SystemTime>,
    provider_name: &'static str,
}

impl Credentials {
    /// Long-lived AccessKey credentials.
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        provider_name: &'static str,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: Secret::new(access_key_secret.into()),
            security_token: None,
            expiration: None,
            provider_name,
        }
    }

    /// Adds an STS security token.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Secret::new(token.into()));
        self
    }

    /// Sets the time after which these credentials are no longer valid.
    pub fn with_expiration(mut self, expiration: SystemTime) -> Self {
        self.expiration = Some(expiration);
        self
    }

    /// The AccessKey id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret. Only the signer should need this.
    pub fn access_key_secret(&self) -> &str {
        self.access_key_secret.expose()
    }

    /// The STS security token, if these are temporary credentials.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_ref().map(Secret::expose)
    }

    /// When these credentials expire, if they do.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.expiration
    }

    /// Name of the provider that produced these credentials.
    pub fn provider_name(&self) -> &'static str {
        self.provider_name
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &mask_id(&self.access_key_id))
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiration", &self.expiration)
            .field("provider_name", &self.provider_name)
            .finish()
    }
}

/// Shows the first 4 and last 3 characters of an id, like the console does.
pub(crate) fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}***{tail}")
}

/// Why a provider could not produce credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The provider's source is not configured here (no env variable, no
    /// file, metadata disabled, ...). The chain moves on to the next provider.
    #[error("{provider}: not configured: {reason}")]
    NotConfigured {
        /// Provider name.
        provider: &'static str,
        /// What was missing.
        reason: String,
    },
    /// The provider's source exists but is invalid (bad file, unknown mode,
    /// missing field). The chain stops here: a broken configuration should be
    /// fixed, not silently skipped.
    #[error("{provider}: invalid configuration: {reason}")]
    InvalidConfig {
        /// Provider name.
        provider: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The provider tried and failed (network error, STS refused, ...).
    #[error("{provider}: {reason}")]
    ProviderFailed {
        /// Provider name.
        provider: &'static str,
        /// What went wrong (never contains a secret).
        reason: String,
    },
    /// No provider of a chain produced credentials.
    #[error("no credentials found; tried: {}", format_attempts(attempts))]
    Chain {
        /// One entry per provider tried, in order.
        attempts: Vec<ProviderAttempt>,
    },
}

impl CredentialsError {
    /// True when the provider is simply not set up in this environment.
    pub fn is_not_configured(&self) -> bool {
        matches!(self, CredentialsError::NotConfigured { .. })
    }
}

/// One provider's outcome inside a [`CredentialsError::Chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAttempt {
    /// Provider name.
    pub provider: &'static str,
    /// Why it produced nothing.
    pub reason: String,
}

fn format_attempts(attempts: &[ProviderAttempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("{} ({})", a.provider, a.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Something that can produce [`Credentials`].
#[async_trait]
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Returns credentials, fetching or refreshing them if needed.
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError>;
}

/// A provider shared between clients.
pub type SharedCredentialsProvider = Arc<dyn ProvideCredentials>;

#[async_trait]
impl ProvideCredentials for Credentials {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.clone())
    }
}

#[async_trait]
impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        (**self).provide_credentials().await
    }
}
