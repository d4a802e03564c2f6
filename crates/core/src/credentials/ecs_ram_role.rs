//! Temporary credentials of the RAM role attached to an ECS instance.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use super::cache::LazyCache;
use super::config::ProviderConfig;
use super::http::{self, HttpFailure, Response};
use super::{Credentials, CredentialsError, ProvideCredentials};

/// Provider name of [`EcsRamRoleProvider`].
pub(crate) const NAME: &str = "ecs_ram_role";

/// Variable naming the role (skips the role lookup).
pub(crate) const ROLE_NAME_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// Variable that turns the metadata service off when `true`.
pub(crate) const DISABLED_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
/// Variable that forbids the IMDSv1 fallback when `true`.
pub(crate) const IMDSV1_DISABLED_VAR: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";

/// The metadata service of ECS instances.
pub(crate) const DEFAULT_METADATA_URL: &str = "http://100.100.100.200";
const TOKEN_PATH: &str = "/latest/api/token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";
/// Lifetime requested for metadata tokens (6 hours, as the official SDKs do).
const TOKEN_TTL_SECONDS: u64 = 21_600;

/// Reads the credentials of the instance's RAM role from the ECS metadata
/// service (`http://100.100.100.200`).
///
/// Steps, following the official SDKs:
///
/// 1. `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds`
///    gets an IMDSv2 session token. If that fails, the provider falls back to
///    IMDSv1 (no token) unless `ALIBABA_CLOUD_IMDSV1_DISABLED=true` (or
///    [`EcsRamRoleProviderBuilder::disable_imds_v1`]), in which case the
///    failure is an error.
/// 2. Unless the role name is known (`ALIBABA_CLOUD_ECS_METADATA` or the
///    builder), `GET /latest/meta-data/ram/security-credentials/` returns it.
/// 3. `GET /latest/meta-data/ram/security-credentials/<role>` returns the
///    credentials. Requests carry the token in `X-aliyun-ecs-metadata-token`;
///    when a request with a token fails and IMDSv1 is allowed, it is retried
///    once without one.
///
/// `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` turns the provider off
/// ([`CredentialsError::NotConfigured`]). Connections time out after about a
/// second so that probing off ECS stays quick. When the provider is
/// [optional](EcsRamRoleProviderBuilder::optional), as in the default chain, an
/// unreachable metadata service or an instance without a role is reported as
/// "not configured"; otherwise as a failure.
///
/// Credentials are cached until shortly before they expire.
pub struct EcsRamRoleProvider {
    http: reqwest::Client,
    base_url: String,
    role_name: Option<String>,
    imds_v1_disabled: bool,
    disabled: bool,
    optional: bool,
    timeout: Duration,
    cache: LazyCache,
}

/// How a metadata exchange went wrong.
enum MetadataError {
    /// Nothing answered: not on ECS (or the network is broken).
    Unreachable(String),
    /// The service answered but the instance has no role.
    NoRole(String),
    /// Anything else.
    Failed(String),
}

impl EcsRamRoleProvider {
    /// Starts a provider; see [`EcsRamRoleProviderBuilder`].
    pub fn builder() -> EcsRamRoleProviderBuilder {
        EcsRamRoleProviderBuilder {
            role_name: None,
            base_url: None,
            imds_v1_disabled: None,
            optional: false,
            config: None,
        }
    }

    /// Configured from the environment: role name from
    /// `ALIBABA_CLOUD_ECS_METADATA`, IMDSv1 fallback off when
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true`, switched off by
    /// `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`.
    pub fn from_env(config: &ProviderConfig) -> Self {
        Self::builder().config(config).build()
    }

    /// The configured role name, if any (else it is looked up).
    pub fn role_name(&self) -> Option<&str> {
        self.role_name.as_deref()
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        if self.disabled {
            return Err(CredentialsError::not_configured(
                NAME,
                format!("the ECS metadata service is disabled by {DISABLED_VAR}=true"),
            ));
        }
        match self.fetch_from_metadata().await {
            Ok(credentials) => Ok(credentials),
            Err(MetadataError::Failed(reason)) => {
                Err(CredentialsError::provider_failed(NAME, reason))
            }
            Err(MetadataError::Unreachable(reason) | MetadataError::NoRole(reason)) => {
                if self.optional {
                    Err(CredentialsError::not_configured(NAME, reason))
                } else {
                    Err(CredentialsError::provider_failed(NAME, reason))
                }
            }
        }
    }

    async fn fetch_from_metadata(&self) -> Result<Credentials, MetadataError> {
        let token = self.fetch_token().await?;
        let role_name = match &self.role_name {
            Some(name) => name.clone(),
            None => self.fetch_role_name(token.as_deref()).await?,
        };
        let path = format!(
            "{CREDENTIALS_PATH}{}",
            crate::encode::encode_segment(&role_name)
        );
        let response = self.get_with_fallback(&path, token.as_deref()).await?;
        match response.status {
            200 => {}
            404 => {
                return Err(MetadataError::Failed(format!(
                    "the instance has no RAM role named {role_name:?} (HTTP 404 from the metadata service)"
                )));
            }
            _ => {
                return Err(MetadataError::Failed(format!(
                    "the metadata service refused the credentials of role {role_name:?}: {}",
                    http::error_reason(&response, &[])
                )));
            }
        }
        parse_credentials(&response).map_err(|what| {
            MetadataError::Failed(format!(
                "the metadata service returned unusable credentials for role {role_name:?}: {what}"
            ))
        })
    }

    /// Gets an IMDSv2 token; `None` means "go on with IMDSv1".
    async fn fetch_token(&self) -> Result<Option<String>, MetadataError> {
        let request = self
            .http
            .put(format!("{}{TOKEN_PATH}", self.base_url))
            .header(TOKEN_TTL_HEADER, TOKEN_TTL_SECONDS.to_string());
        let problem = match http::send(request, self.timeout).await {
            Ok(response) if response.status == 200 => {
                let token = String::from_utf8_lossy(&response.body).trim().to_owned();
                if !token.is_empty() {
                    return Ok(Some(token));
                }
                "the metadata token response was empty".to_owned()
            }
            Ok(response) => format!(
                "the metadata token request failed: {}",
                http::error_reason(&response, &[])
            ),
            Err(HttpFailure::Connect(message)) => {
                // Nothing listens: IMDSv1 would not fare better.
                return Err(self.unreachable(&message));
            }
            Err(HttpFailure::Timeout(message)) if self.imds_v1_disabled => {
                return Err(self.unreachable(&message));
            }
            Err(HttpFailure::Timeout(message) | HttpFailure::Other(message)) => {
                format!("the metadata token request failed: {message}")
            }
        };
        if self.imds_v1_disabled {
            Err(MetadataError::Failed(format!(
                "{problem}, and IMDSv1 is disabled ({IMDSV1_DISABLED_VAR}=true)"
            )))
        } else {
            tracing::debug!(provider = NAME, reason = %problem, "falling back to IMDSv1");
            Ok(None)
        }
    }

    async fn fetch_role_name(&self, token: Option<&str>) -> Result<String, MetadataError> {
        let response = self.get_with_fallback(CREDENTIALS_PATH, token).await?;
        match response.status {
            200 => {}
            404 => {
                return Err(MetadataError::NoRole(
                    "no RAM role is attached to this ECS instance".to_owned(),
                ));
            }
            _ => {
                // Something answered, but not with a role: as far as the
                // chain is concerned, there is no instance role here.
                return Err(MetadataError::NoRole(format!(
                    "the metadata service at {} did not list a RAM role: {}",
                    self.base_url,
                    http::error_reason(&response, &[])
                )));
            }
        }
        let text = String::from_utf8_lossy(&response.body);
        match text.lines().map(str::trim).find(|l| !l.is_empty()) {
            Some(name) => Ok(name.to_owned()),
            None => Err(MetadataError::NoRole(
                "no RAM role is attached to this ECS instance".to_owned(),
            )),
        }
    }

    /// GET `path`, with the token when there is one; a failed request with a
    /// token is retried without it when IMDSv1 is allowed.
    async fn get_with_fallback(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<Response, MetadataError> {
        let first = self.get(path, token).await;
        let retry = token.is_some()
            && !self.imds_v1_disabled
            && match &first {
                Ok(response) => response.status != 200,
                Err(_) => true,
            };
        let outcome = if retry {
            tracing::debug!(
                provider = NAME,
                "metadata request with a token failed; retrying with IMDSv1"
            );
            self.get(path, None).await
        } else {
            first
        };
        outcome.map_err(|failure| match failure {
            HttpFailure::Connect(message) | HttpFailure::Timeout(message) => {
                self.unreachable(&message)
            }
            HttpFailure::Other(message) => {
                MetadataError::Failed(format!("metadata request failed: {message}"))
            }
        })
    }

    fn unreachable(&self, message: &str) -> MetadataError {
        MetadataError::Unreachable(format!(
            "the ECS metadata service at {} did not answer ({message}); not running on ECS?",
            self.base_url
        ))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Result<Response, HttpFailure> {
        let mut request = self.http.get(format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.header(TOKEN_HEADER, token);
        }
        http::send(request, self.timeout).await
    }
}

/// Reads `{"Code":"Success","AccessKeyId",...,"Expiration"}`.
fn parse_credentials(response: &Response) -> Result<Credentials, String> {
    let map = http::json_object(&response.body)?;
    let code = http::str_field(&map, "Code");
    if code.as_deref() != Some("Success") {
        return Err(format!(
            "Code is {:?}, not \"Success\"",
            code.unwrap_or_default()
        ));
    }
    let id = http::required_field(&map, "AccessKeyId")?;
    let secret = http::required_field(&map, "AccessKeySecret")?;
    let token = http::required_field(&map, "SecurityToken")?;
    let expiration = http::parse_expiration(&http::required_field(&map, "Expiration")?)?;
    Ok(Credentials::new(id, secret, NAME)
        .with_security_token(token)
        .with_expiration(expiration))
}

impl fmt::Debug for EcsRamRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsRamRoleProvider")
            .field("base_url", &self.base_url)
            .field("role_name", &self.role_name)
            .field("imds_v1_disabled", &self.imds_v1_disabled)
            .field("disabled", &self.disabled)
            .field("optional", &self.optional)
            .field("timeout", &self.timeout)
            .field("cache", &self.cache)
            .finish()
    }
}

#[async_trait]
impl ProvideCredentials for EcsRamRoleProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.cache.get_or_refresh(NAME, || self.fetch()).await
    }
}

/// Builder of [`EcsRamRoleProvider`].
pub struct EcsRamRoleProviderBuilder {
    role_name: Option<String>,
    base_url: Option<String>,
    imds_v1_disabled: Option<bool>,
    optional: bool,
    config: Option<ProviderConfig>,
}

impl EcsRamRoleProviderBuilder {
    /// The role whose credentials to read (default: `ALIBABA_CLOUD_ECS_METADATA`,
    /// else looked up from the metadata service).
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }

    /// Reads metadata from `base_url` instead of `http://100.100.100.200`
    /// (wins over the config's override).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Requires IMDSv2: a failed token request is an error instead of a
    /// fallback to IMDSv1 (default: `ALIBABA_CLOUD_IMDSV1_DISABLED`).
    pub fn disable_imds_v1(mut self, disabled: bool) -> Self {
        self.imds_v1_disabled = Some(disabled);
        self
    }

    /// When true, an unreachable metadata service or an instance without a
    /// role is [`CredentialsError::NotConfigured`] rather than
    /// [`CredentialsError::ProviderFailed`]. The default chain sets this when
    /// no role name is configured. Default false.
    pub fn optional(mut self, optional: bool) -> Self {
        self.optional = optional;
        self
    }

    /// Takes the environment, clock, HTTP client, timeouts, refresh margin and
    /// metadata URL override from `config` (default: [`ProviderConfig::default`]).
    pub fn config(mut self, config: &ProviderConfig) -> Self {
        self.config = Some(config.clone());
        self
    }

    /// Builds the provider.
    pub fn build(self) -> EcsRamRoleProvider {
        let config = self.config.unwrap_or_default();
        let base_url = self
            .base_url
            .or_else(|| config.metadata_base_url.clone())
            .unwrap_or_else(|| DEFAULT_METADATA_URL.to_owned());
        EcsRamRoleProvider {
            http: config.metadata_http.clone(),
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            role_name: self
                .role_name
                .or_else(|| config.env.var(ROLE_NAME_VAR))
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            imds_v1_disabled: self
                .imds_v1_disabled
                .unwrap_or_else(|| config.flag(IMDSV1_DISABLED_VAR)),
            disabled: config.flag(DISABLED_VAR),
            optional: self.optional,
            timeout: config.metadata_timeout,
            cache: LazyCache::new(config.clock.clone()).with_refresh_margin(config.refresh_margin),
        }
    }
}

impl fmt::Debug for EcsRamRoleProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsRamRoleProviderBuilder")
            .field("role_name", &self.role_name)
            .field("base_url", &self.base_url)
            .field("imds_v1_disabled", &self.imds_v1_disabled)
            .field("optional", &self.optional)
            .finish_non_exhaustive()
    }
}
