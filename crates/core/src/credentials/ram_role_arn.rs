//! Temporary credentials from STS `AssumeRole`.

use std::fmt;

use async_trait::async_trait;

use super::cache::LazyCache;
use super::config::ProviderConfig;
use super::sts::{self, StsClient, StsEndpoint};
use super::{Credentials, CredentialsError, ProvideCredentials, Secret, SharedCredentialsProvider};

/// Provider name of [`RamRoleArnProvider`].
pub(crate) const NAME: &str = "ram_role_arn";

/// Assumes a RAM role with STS `AssumeRole`, signing the call (ACS3-HMAC-SHA256)
/// with the credentials of another provider, the *source*.
///
/// The source can be anything: a fixed AccessKey, the environment, an ECS
/// instance role, or another `RamRoleArnProvider` (role chaining). The
/// assumed-role credentials are cached until shortly before they expire.
pub struct RamRoleArnProvider {
    source: SharedCredentialsProvider,
    role_arn: String,
    session_name: String,
    duration_seconds: u64,
    policy: Option<String>,
    external_id: Option<Secret>,
    sts: StsClient,
    cache: LazyCache,
}

impl RamRoleArnProvider {
    /// Starts a provider that assumes `role_arn` with the credentials of `source`.
    pub fn builder(
        source: SharedCredentialsProvider,
        role_arn: impl Into<String>,
    ) -> RamRoleArnProviderBuilder {
        RamRoleArnProviderBuilder {
            source,
            role_arn: role_arn.into(),
            session_name: None,
            duration_seconds: None,
            policy: None,
            external_id: None,
            endpoint: StsEndpoint::default(),
            config: None,
        }
    }

    /// The role this provider assumes.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let source = self
            .source
            .provide_credentials()
            .await
            .map_err(|e| e.with_context("source credentials of the role"))?;
        let mut params = vec![
            (
                "DurationSeconds".to_owned(),
                self.duration_seconds.to_string(),
            ),
            ("RoleArn".to_owned(), self.role_arn.clone()),
            ("RoleSessionName".to_owned(), self.session_name.clone()),
        ];
        if let Some(policy) = &self.policy {
            params.push(("Policy".to_owned(), policy.clone()));
        }
        if let Some(external_id) = &self.external_id {
            params.push(("ExternalId".to_owned(), external_id.expose().to_owned()));
        }
        let external_id = self
            .external_id
            .as_ref()
            .map(Secret::expose)
            .unwrap_or_default();
        self.sts
            .assume_role(NAME, params, &source)
            .await
            .map_err(|e| e.scrubbed(&[external_id]))
    }
}

impl fmt::Debug for RamRoleArnProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamRoleArnProvider")
            .field("source", &self.source)
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("policy", &self.policy.as_ref().map(|_| "…"))
            .field("external_id", &self.external_id)
            .field("sts", &self.sts)
            .field("cache", &self.cache)
            .finish()
    }
}

#[async_trait]
impl ProvideCredentials for RamRoleArnProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.cache.get_or_refresh(NAME, || self.fetch()).await
    }
}

/// Builder of [`RamRoleArnProvider`].
pub struct RamRoleArnProviderBuilder {
    source: SharedCredentialsProvider,
    role_arn: String,
    session_name: Option<String>,
    duration_seconds: Option<u64>,
    policy: Option<String>,
    external_id: Option<Secret>,
    endpoint: StsEndpoint,
    config: Option<ProviderConfig>,
}

impl RamRoleArnProviderBuilder {
    /// The role session name (default `alibabacloud-rust-sdk-<unix time>`).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// Session length in seconds (default 3600, at least 900).
    pub fn duration_seconds(mut self, seconds: u64) -> Self {
        self.duration_seconds = Some(seconds);
        self
    }

    /// A policy further restricting the session's permissions (JSON text).
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The external id the role's trust policy requires.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(Secret::new(external_id.into()));
        self
    }

    /// Calls STS at this endpoint (host or base URL).
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint.endpoint = Some(endpoint.into());
        self
    }

    /// Calls the regional STS endpoint `sts.<region>.aliyuncs.com`.
    pub fn sts_region(mut self, region: impl Into<String>) -> Self {
        self.endpoint.region = Some(region.into());
        self
    }

    /// Uses the VPC STS endpoint (`sts-vpc.<region>.aliyuncs.com`).
    pub fn sts_vpc(mut self, vpc: bool) -> Self {
        self.endpoint.vpc = Some(vpc);
        self
    }

    /// Takes the clock, HTTP client, timeouts, refresh margin and endpoint
    /// override from `config` (default: [`ProviderConfig::default`]).
    pub fn config(mut self, config: &ProviderConfig) -> Self {
        self.config = Some(config.clone());
        self
    }

    /// Checks the settings and builds the provider.
    pub fn build(self) -> Result<RamRoleArnProvider, CredentialsError> {
        let config = self.config.unwrap_or_default();
        if self.role_arn.trim().is_empty() {
            return Err(CredentialsError::invalid_config(
                NAME,
                "the role ARN is empty",
            ));
        }
        let duration_seconds = sts::check_duration(
            NAME,
            self.duration_seconds
                .unwrap_or(sts::DEFAULT_DURATION_SECONDS),
        )?;
        let session_name = self
            .session_name
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| sts::default_session_name(&config.clock));
        Ok(RamRoleArnProvider {
            source: self.source,
            role_arn: self.role_arn.trim().to_owned(),
            session_name,
            duration_seconds,
            policy: self.policy.filter(|p| !p.trim().is_empty()),
            external_id: self.external_id.filter(|e| !e.expose().trim().is_empty()),
            sts: StsClient::new(&config, &self.endpoint),
            cache: LazyCache::new(config.clock.clone()).with_refresh_margin(config.refresh_margin),
        })
    }
}

impl fmt::Debug for RamRoleArnProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamRoleArnProviderBuilder")
            .field("source", &self.source)
            .field("role_arn", &self.role_arn)
            .finish_non_exhaustive()
    }
}
