//! Temporary credentials from STS `AssumeRoleWithOIDC`.

use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::cache::LazyCache;
use super::config::ProviderConfig;
use super::sts::{self, StsClient, StsEndpoint};
use super::{Credentials, CredentialsError, ProvideCredentials};

/// Provider name of [`OidcRoleProvider`].
pub(crate) const NAME: &str = "oidc_role_arn";

/// Variable naming the RAM role to assume.
pub(crate) const ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// Variable naming the OIDC identity provider.
pub(crate) const OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// Variable naming the file holding the OIDC token.
pub(crate) const OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
/// Variable holding an optional role session name.
pub(crate) const ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";

/// Exchanges an OIDC token (for example a Kubernetes service account token,
/// as RRSA mounts it) for temporary credentials with STS
/// `AssumeRoleWithOIDC`.
///
/// The request is not signed: the token is the proof of identity. The token
/// file is read again on every refresh, because the platform rotates it. The
/// credentials are cached until shortly before they expire.
pub struct OidcRoleProvider {
    role_arn: String,
    oidc_provider_arn: String,
    token_file: PathBuf,
    session_name: String,
    duration_seconds: u64,
    policy: Option<String>,
    sts: StsClient,
    cache: LazyCache,
}

impl OidcRoleProvider {
    /// Starts a provider for `role_arn`, trusting `oidc_provider_arn`, with the
    /// token read from `token_file`.
    pub fn builder(
        role_arn: impl Into<String>,
        oidc_provider_arn: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> OidcRoleProviderBuilder {
        OidcRoleProviderBuilder {
            role_arn: role_arn.into(),
            oidc_provider_arn: oidc_provider_arn.into(),
            token_file: token_file.into(),
            session_name: None,
            duration_seconds: None,
            policy: None,
            endpoint: StsEndpoint::default(),
            config: None,
        }
    }

    /// Configured from `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE` and the optional
    /// `ALIBABA_CLOUD_ROLE_SESSION_NAME` (STS endpoint from
    /// `ALIBABA_CLOUD_STS_REGION` and `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`).
    ///
    /// [`CredentialsError::NotConfigured`] when neither the provider ARN nor
    /// the token file is set (the role ARN alone has other uses), and
    /// [`CredentialsError::InvalidConfig`] naming what is missing when only
    /// some of the three are set.
    pub fn from_env(config: &ProviderConfig) -> Result<Self, CredentialsError> {
        let env = &config.env;
        let role_arn = env.var(ROLE_ARN);
        let provider_arn = env.var(OIDC_PROVIDER_ARN);
        let token_file = env.var(OIDC_TOKEN_FILE);
        if provider_arn.is_none() && token_file.is_none() {
            return Err(CredentialsError::not_configured(
                NAME,
                format!("{OIDC_PROVIDER_ARN} and {OIDC_TOKEN_FILE} are not set"),
            ));
        }
        let missing: Vec<&str> = [
            (ROLE_ARN, role_arn.is_none()),
            (OIDC_PROVIDER_ARN, provider_arn.is_none()),
            (OIDC_TOKEN_FILE, token_file.is_none()),
        ]
        .iter()
        .filter(|(_, missing)| *missing)
        .map(|(name, _)| *name)
        .collect();
        match (role_arn, provider_arn, token_file) {
            (Some(role_arn), Some(provider_arn), Some(token_file)) => {
                let mut builder =
                    Self::builder(role_arn.trim(), provider_arn.trim(), token_file.trim())
                        .config(config);
                if let Some(name) = env.var(ROLE_SESSION_NAME) {
                    builder = builder.role_session_name(name.trim());
                }
                builder.build()
            }
            _ => Err(CredentialsError::invalid_config(
                NAME,
                format!(
                    "OIDC role is partly configured: {} not set",
                    missing.join(", ")
                ),
            )),
        }
    }

    /// The file the OIDC token is read from.
    pub fn token_file(&self) -> &Path {
        &self.token_file
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let token = read_token(&self.token_file).await?;
        let mut form = vec![
            (
                "DurationSeconds".to_owned(),
                self.duration_seconds.to_string(),
            ),
            ("OIDCProviderArn".to_owned(), self.oidc_provider_arn.clone()),
            ("OIDCToken".to_owned(), token.clone()),
            ("RoleArn".to_owned(), self.role_arn.clone()),
            ("RoleSessionName".to_owned(), self.session_name.clone()),
        ];
        if let Some(policy) = &self.policy {
            form.push(("Policy".to_owned(), policy.clone()));
        }
        self.sts.assume_role_with_oidc(NAME, form, &token).await
    }
}

async fn read_token(path: &Path) -> Result<String, CredentialsError> {
    let token = tokio::fs::read_to_string(path).await.map_err(|e| {
        CredentialsError::provider_failed(
            NAME,
            format!("could not read the OIDC token file {}: {e}", path.display()),
        )
    })?;
    let token = token.trim();
    if token.is_empty() {
        return Err(CredentialsError::provider_failed(
            NAME,
            format!("the OIDC token file {} is empty", path.display()),
        ));
    }
    Ok(token.to_owned())
}

impl fmt::Debug for OidcRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcRoleProvider")
            .field("role_arn", &self.role_arn)
            .field("oidc_provider_arn", &self.oidc_provider_arn)
            .field("token_file", &self.token_file)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("policy", &self.policy.as_ref().map(|_| "…"))
            .field("sts", &self.sts)
            .field("cache", &self.cache)
            .finish()
    }
}

#[async_trait]
impl ProvideCredentials for OidcRoleProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.cache.get_or_refresh(NAME, || self.fetch()).await
    }
}

/// Builder of [`OidcRoleProvider`].
pub struct OidcRoleProviderBuilder {
    role_arn: String,
    oidc_provider_arn: String,
    token_file: PathBuf,
    session_name: Option<String>,
    duration_seconds: Option<u64>,
    policy: Option<String>,
    endpoint: StsEndpoint,
    config: Option<ProviderConfig>,
}

impl OidcRoleProviderBuilder {
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
    pub fn build(self) -> Result<OidcRoleProvider, CredentialsError> {
        let config = self.config.unwrap_or_default();
        for (value, what) in [
            (&self.role_arn, "role ARN"),
            (&self.oidc_provider_arn, "OIDC provider ARN"),
        ] {
            if value.trim().is_empty() {
                return Err(CredentialsError::invalid_config(
                    NAME,
                    format!("the {what} is empty"),
                ));
            }
        }
        if self.token_file.as_os_str().is_empty() {
            return Err(CredentialsError::invalid_config(
                NAME,
                "the OIDC token file path is empty",
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
        Ok(OidcRoleProvider {
            role_arn: self.role_arn,
            oidc_provider_arn: self.oidc_provider_arn,
            token_file: self.token_file,
            session_name,
            duration_seconds,
            policy: self.policy.filter(|p| !p.trim().is_empty()),
            sts: StsClient::new(&config, &self.endpoint),
            cache: LazyCache::new(config.clock.clone()).with_refresh_margin(config.refresh_margin),
        })
    }
}

impl fmt::Debug for OidcRoleProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcRoleProviderBuilder")
            .field("role_arn", &self.role_arn)
            .field("oidc_provider_arn", &self.oidc_provider_arn)
            .field("token_file", &self.token_file)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    fn config(vars: &[(&str, &str)]) -> ProviderConfig {
        ProviderConfig::new(Env::fake(vars.iter().copied(), None))
    }

    #[test]
    fn nothing_set_is_not_configured() {
        let e =
            OidcRoleProvider::from_env(&config(&[(ROLE_ARN, "acs:ram::1:role/x")])).unwrap_err();
        assert!(e.is_not_configured(), "{e}");
    }

    #[test]
    fn partial_setup_names_what_is_missing() {
        let e =
            OidcRoleProvider::from_env(&config(&[(OIDC_TOKEN_FILE, "/tmp/token")])).unwrap_err();
        assert!(matches!(e, CredentialsError::InvalidConfig { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains(ROLE_ARN) && text.contains(OIDC_PROVIDER_ARN),
            "{text}"
        );
        assert!(!text.contains(OIDC_TOKEN_FILE), "{text}");
    }

    #[test]
    fn endpoint_follows_sts_region_and_vpc_flag() {
        let p = OidcRoleProvider::from_env(&config(&[
            (ROLE_ARN, "acs:ram::1:role/x"),
            (OIDC_PROVIDER_ARN, "acs:ram::1:oidc-provider/y"),
            (OIDC_TOKEN_FILE, "/tmp/token"),
            ("ALIBABA_CLOUD_STS_REGION", "cn-shanghai"),
            ("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true"),
        ]))
        .unwrap();
        assert_eq!(p.sts.base_url(), "https://sts-vpc.cn-shanghai.aliyuncs.com");

        let p = OidcRoleProvider::builder("acs:ram::1:role/x", "acs:ram::1:oidc-provider/y", "/t")
            .config(&config(&[]))
            .build()
            .unwrap();
        assert_eq!(p.sts.base_url(), "https://sts.aliyuncs.com");
    }

    #[test]
    fn short_sessions_are_refused() {
        let e = OidcRoleProvider::builder("acs:ram::1:role/x", "acs:ram::1:oidc-provider/y", "/t")
            .duration_seconds(60)
            .config(&config(&[]))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("900"), "{e}");
    }
}
