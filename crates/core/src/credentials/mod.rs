//! Credentials and the providers that produce them.
//!
//! Every provider implements [`ProvideCredentials`]. [`DefaultCredentialsChain`]
//! tries them in the order of the official SDKs (see `DESIGN.md` §4):
//!
//! 1. environment variables `ALIBABA_CLOUD_ACCESS_KEY_ID` /
//!    `ALIBABA_CLOUD_ACCESS_KEY_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN`
//!    ([`EnvironmentProvider`]);
//! 2. STS `AssumeRoleWithOIDC` driven by `ALIBABA_CLOUD_ROLE_ARN`,
//!    `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and `ALIBABA_CLOUD_OIDC_TOKEN_FILE`
//!    ([`OidcRoleProvider`]);
//! 3. the aliyun CLI's `~/.aliyun/config.json` ([`ProfileProvider`]);
//! 4. the INI file `~/.alibabacloud/credentials` ([`IniFileProvider`]);
//! 5. the RAM role of the ECS instance, from the instance metadata service
//!    ([`EcsRamRoleProvider`]);
//! 6. `ALIBABA_CLOUD_CREDENTIALS_URI` ([`UriProvider`]).
//!
//! Providers that hand out temporary credentials ([`OidcRoleProvider`],
//! [`RamRoleArnProvider`], [`EcsRamRoleProvider`], [`UriProvider`]) keep them
//! in a [`LazyCache`] and refresh them shortly before they expire; any other
//! provider can be given the same behaviour with [`CachedProvider`].
//!
//! Nothing in this module ever prints a secret: `Debug` and `Display` of every
//! type redact AccessKey secrets, security tokens and OIDC tokens, and error
//! messages are built from status codes and service error codes only.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

mod cache;
mod chain;
mod config;
mod ecs_ram_role;
mod environment;
mod http;
mod ini_file;
mod oidc;
mod profile;
mod ram_role_arn;
mod secret;
mod static_provider;
mod sts;
mod uri;

pub use cache::{CachedProvider, DEFAULT_REFRESH_MARGIN, LazyCache};
pub use chain::{DefaultCredentialsChain, DefaultCredentialsChainBuilder};
pub use config::ProviderConfig;
pub use ecs_ram_role::{EcsRamRoleProvider, EcsRamRoleProviderBuilder};
pub use environment::EnvironmentProvider;
pub use ini_file::IniFileProvider;
pub use oidc::{OidcRoleProvider, OidcRoleProviderBuilder};
pub use profile::{ProfileProvider, profile_region};
pub use ram_role_arn::{RamRoleArnProvider, RamRoleArnProviderBuilder};
pub use secret::Secret;
pub use static_provider::StaticProvider;
pub use uri::UriProvider;

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
///
/// No variant ever carries a secret: reasons are built from variable names,
/// file paths, HTTP statuses and service error codes.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// A [`CredentialsError::NotConfigured`] error.
    pub fn not_configured(provider: &'static str, reason: impl Into<String>) -> Self {
        CredentialsError::NotConfigured {
            provider,
            reason: reason.into(),
        }
    }

    /// A [`CredentialsError::InvalidConfig`] error.
    pub fn invalid_config(provider: &'static str, reason: impl Into<String>) -> Self {
        CredentialsError::InvalidConfig {
            provider,
            reason: reason.into(),
        }
    }

    /// A [`CredentialsError::ProviderFailed`] error.
    pub fn provider_failed(provider: &'static str, reason: impl Into<String>) -> Self {
        CredentialsError::ProviderFailed {
            provider,
            reason: reason.into(),
        }
    }

    /// True when the provider is simply not set up in this environment.
    pub fn is_not_configured(&self) -> bool {
        matches!(self, CredentialsError::NotConfigured { .. })
    }

    /// The name of the provider that reported this error (`None` for
    /// [`CredentialsError::Chain`]).
    pub fn provider(&self) -> Option<&'static str> {
        match self {
            CredentialsError::NotConfigured { provider, .. }
            | CredentialsError::InvalidConfig { provider, .. }
            | CredentialsError::ProviderFailed { provider, .. } => Some(provider),
            CredentialsError::Chain { .. } => None,
        }
    }

    /// The same error with every occurrence of `secrets` removed from its text.
    pub(crate) fn scrubbed(self, secrets: &[&str]) -> Self {
        let clean = |reason: String| http::scrub(reason, secrets);
        match self {
            CredentialsError::NotConfigured { provider, reason } => {
                CredentialsError::NotConfigured {
                    provider,
                    reason: clean(reason),
                }
            }
            CredentialsError::InvalidConfig { provider, reason } => {
                CredentialsError::InvalidConfig {
                    provider,
                    reason: clean(reason),
                }
            }
            CredentialsError::ProviderFailed { provider, reason } => {
                CredentialsError::ProviderFailed {
                    provider,
                    reason: clean(reason),
                }
            }
            CredentialsError::Chain { attempts } => CredentialsError::Chain {
                attempts: attempts
                    .into_iter()
                    .map(|a| ProviderAttempt {
                        provider: a.provider,
                        reason: clean(a.reason),
                    })
                    .collect(),
            },
        }
    }

    /// The same error with `context` put in front of its reason.
    pub(crate) fn with_context(self, context: &str) -> Self {
        match self {
            CredentialsError::NotConfigured { provider, reason } => {
                CredentialsError::NotConfigured {
                    provider,
                    reason: format!("{context}: {reason}"),
                }
            }
            CredentialsError::InvalidConfig { provider, reason } => {
                CredentialsError::InvalidConfig {
                    provider,
                    reason: format!("{context}: {reason}"),
                }
            }
            CredentialsError::ProviderFailed { provider, reason } => {
                CredentialsError::ProviderFailed {
                    provider,
                    reason: format!("{context}: {reason}"),
                }
            }
            chain @ CredentialsError::Chain { .. } => chain,
        }
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
