//! The default credential chain.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::SharedClock;
use crate::env::Env;

use super::config::ProviderConfig;
use super::ecs_ram_role::{self, EcsRamRoleProvider};
use super::environment::EnvironmentProvider;
use super::ini_file::IniFileProvider;
use super::oidc::OidcRoleProvider;
use super::profile::ProfileProvider;
use super::uri::UriProvider;
use super::{
    Credentials, CredentialsError, ProvideCredentials, ProviderAttempt, SharedCredentialsProvider,
};

/// The sources of the default chain, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Environment,
    Oidc,
    CliProfile,
    IniFile,
    EcsRamRole,
    CredentialsUri,
}

const ORDER: [Source; 6] = [
    Source::Environment,
    Source::Oidc,
    Source::CliProfile,
    Source::IniFile,
    Source::EcsRamRole,
    Source::CredentialsUri,
];

/// Finds credentials the way the official SDKs do, trying in order:
///
/// 1. environment variables ([`EnvironmentProvider`]);
/// 2. OIDC role from environment variables ([`OidcRoleProvider`]);
/// 3. the aliyun CLI profile ([`ProfileProvider`]);
/// 4. the INI credentials file ([`IniFileProvider`]);
/// 5. the ECS instance RAM role ([`EcsRamRoleProvider`]), unless
///    `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`;
/// 6. `ALIBABA_CLOUD_CREDENTIALS_URI` ([`UriProvider`]).
///
/// A source that is not set up ([`CredentialsError::NotConfigured`]) is
/// skipped and its reason recorded. **A source that is set up but broken
/// ([`CredentialsError::InvalidConfig`]) or that fails
/// ([`CredentialsError::ProviderFailed`]) stops the chain with that error.**
/// This differs from the official SDKs, which move on to the next source: a
/// typo in a profile or a refused STS call would otherwise be hidden, and the
/// program would silently run with other, possibly more powerful, credentials
/// (an instance role, say). When nothing is configured the error is
/// [`CredentialsError::Chain`], listing every source and why it was skipped.
///
/// The first source that produces credentials is remembered: later calls go
/// straight to it (its own cache decides when to refresh) and the others are
/// not probed again. Concurrent first calls probe only once.
pub struct DefaultCredentialsChain {
    config: ProviderConfig,
    selected: OnceLock<Selected>,
    probing: tokio::sync::Mutex<()>,
}

struct Selected {
    name: &'static str,
    provider: SharedCredentialsProvider,
}

impl DefaultCredentialsChain {
    /// A builder with the process environment, the system clock and default
    /// HTTP settings.
    pub fn builder() -> DefaultCredentialsChainBuilder {
        DefaultCredentialsChainBuilder::default()
    }

    /// A chain reading everything from `config`.
    pub fn new(config: ProviderConfig) -> Self {
        Self {
            config,
            selected: OnceLock::new(),
            probing: tokio::sync::Mutex::new(()),
        }
    }

    /// The name of the source that produced credentials, once one has.
    pub fn selected_provider(&self) -> Option<&'static str> {
        self.selected.get().map(|s| s.name)
    }

    /// The settings this chain hands to its providers.
    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    async fn probe(&self) -> Result<Credentials, CredentialsError> {
        let _probing = self.probing.lock().await;
        if let Some(selected) = self.selected.get() {
            return selected.provider.provide_credentials().await;
        }
        let mut attempts = Vec::with_capacity(ORDER.len());
        for source in ORDER {
            let outcome = match self.provider_for(source) {
                Ok((name, provider)) => provider
                    .provide_credentials()
                    .await
                    .map(|credentials| (name, provider, credentials)),
                Err(e) => Err(e),
            };
            match outcome {
                Ok((name, provider, credentials)) => {
                    tracing::debug!(provider = name, "credentials chain selected a provider");
                    // Only this task probes (under the lock), so the cell is empty.
                    let _ = self.selected.set(Selected { name, provider });
                    return Ok(credentials);
                }
                Err(CredentialsError::NotConfigured { provider, reason }) => {
                    tracing::debug!(provider, reason = %reason, "credentials chain skipped a provider");
                    attempts.push(ProviderAttempt { provider, reason });
                }
                Err(error) => {
                    tracing::debug!(error = %error, "credentials chain stopped at a broken provider");
                    return Err(error);
                }
            }
        }
        Err(CredentialsError::Chain { attempts })
    }

    /// Builds the provider of `source`, or says why it does not apply.
    fn provider_for(
        &self,
        source: Source,
    ) -> Result<(&'static str, SharedCredentialsProvider), CredentialsError> {
        let config = &self.config;
        Ok(match source {
            Source::Environment => (
                super::environment::NAME,
                Arc::new(EnvironmentProvider::new(config.env.clone())),
            ),
            Source::Oidc => (
                super::oidc::NAME,
                Arc::new(OidcRoleProvider::from_env(config)?),
            ),
            Source::CliProfile => (super::profile::NAME, Arc::new(ProfileProvider::new(config))),
            Source::IniFile => (
                super::ini_file::NAME,
                Arc::new(IniFileProvider::new(config)),
            ),
            Source::EcsRamRole => {
                if config.flag(ecs_ram_role::DISABLED_VAR) {
                    return Err(CredentialsError::not_configured(
                        ecs_ram_role::NAME,
                        format!("disabled by {}=true", ecs_ram_role::DISABLED_VAR),
                    ));
                }
                // A role named in the environment means "this is ECS": then a
                // failure is an error. Otherwise an unreachable metadata
                // service just means "not on ECS".
                let role_named = config.env.var(ecs_ram_role::ROLE_NAME_VAR).is_some();
                (
                    ecs_ram_role::NAME,
                    Arc::new(
                        EcsRamRoleProvider::builder()
                            .config(config)
                            .optional(!role_named)
                            .build(),
                    ),
                )
            }
            Source::CredentialsUri => (super::uri::NAME, Arc::new(UriProvider::from_env(config)?)),
        })
    }
}

impl fmt::Debug for DefaultCredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredentialsChain")
            .field("config", &self.config)
            .field("selected", &self.selected.get().map(|s| &s.provider))
            .finish()
    }
}

#[async_trait]
impl ProvideCredentials for DefaultCredentialsChain {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        match self.selected.get() {
            Some(selected) => selected.provider.provide_credentials().await,
            None => self.probe().await,
        }
    }
}

/// Builder of [`DefaultCredentialsChain`].
///
/// ```
/// use alibabacloud_core::credentials::DefaultCredentialsChain;
/// use alibabacloud_core::env::Env;
///
/// let chain = DefaultCredentialsChain::builder()
///     .env(Env::process())
///     .build();
/// # let _ = chain;
/// ```
#[derive(Default)]
pub struct DefaultCredentialsChainBuilder {
    env: Option<Env>,
    clock: Option<SharedClock>,
    http_client: Option<reqwest::Client>,
    metadata_http_client: Option<reqwest::Client>,
    sts_endpoint: Option<String>,
    metadata_base_url: Option<String>,
    profile_name: Option<String>,
    refresh_margin: Option<Duration>,
    sts_timeout: Option<Duration>,
    metadata_timeout: Option<Duration>,
}

impl DefaultCredentialsChainBuilder {
    /// Reads variables and the home directory from `env` (default: the process).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Uses `clock` for expiry decisions and request dates (default: system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Sends STS and credentials-URI requests through `client` (default: a
    /// client with a 5 s connect timeout).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sends instance metadata requests through `client` (default: a client
    /// without proxy and with a 1 s connect timeout).
    pub fn metadata_http_client(mut self, client: reqwest::Client) -> Self {
        self.metadata_http_client = Some(client);
        self
    }

    /// Sends every STS call to this endpoint (host or base URL), whatever the
    /// profile or environment says. Meant for emulators and tests.
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts_endpoint = Some(endpoint.into());
        self
    }

    /// Reads instance metadata from `base_url` instead of `http://100.100.100.200`.
    pub fn metadata_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.metadata_base_url = Some(base_url.into());
        self
    }

    /// Selects this profile in the CLI config and the INI file instead of
    /// `ALIBABA_CLOUD_PROFILE`.
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// Refreshes temporary credentials this long before they expire (default 3 min).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// Total time allowed for one STS or credentials-URI request (default 15 s).
    pub fn sts_timeout(mut self, timeout: Duration) -> Self {
        self.sts_timeout = Some(timeout);
        self
    }

    /// Total time allowed for one instance metadata request (default 2 s).
    pub fn metadata_timeout(mut self, timeout: Duration) -> Self {
        self.metadata_timeout = Some(timeout);
        self
    }

    /// The settings the chain will hand to its providers.
    pub fn provider_config(&self) -> ProviderConfig {
        let mut config = ProviderConfig::new(self.env.clone().unwrap_or_default());
        if let Some(clock) = &self.clock {
            config = config.with_clock(clock.clone());
        }
        if let Some(client) = &self.http_client {
            config = config.with_http_client(client.clone());
        }
        if let Some(client) = &self.metadata_http_client {
            config = config.with_metadata_http_client(client.clone());
        }
        if let Some(endpoint) = &self.sts_endpoint {
            config = config.with_sts_endpoint(endpoint.clone());
        }
        if let Some(url) = &self.metadata_base_url {
            config = config.with_metadata_base_url(url.clone());
        }
        if let Some(name) = &self.profile_name {
            config = config.with_profile_name(name.clone());
        }
        if let Some(margin) = self.refresh_margin {
            config = config.with_refresh_margin(margin);
        }
        if let Some(timeout) = self.sts_timeout {
            config = config.with_sts_timeout(timeout);
        }
        if let Some(timeout) = self.metadata_timeout {
            config = config.with_metadata_timeout(timeout);
        }
        config
    }

    /// Builds the chain. Nothing is read until credentials are first asked for.
    pub fn build(self) -> DefaultCredentialsChain {
        DefaultCredentialsChain::new(self.provider_config())
    }
}

impl fmt::Debug for DefaultCredentialsChainBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredentialsChainBuilder")
            .field("sts_endpoint", &self.sts_endpoint)
            .field("metadata_base_url", &self.metadata_base_url)
            .field("profile_name", &self.profile_name)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}
