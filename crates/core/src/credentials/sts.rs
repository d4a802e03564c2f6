//! The two STS calls the providers need: `AssumeRole` (signed with
//! ACS3-HMAC-SHA256) and `AssumeRoleWithOIDC` (anonymous).

use std::fmt;
use std::time::Duration;

use crate::clock::SharedClock;
use crate::sign::{
    SignableRequest, SigningKey, canonical_query, content_sha256, format_date, new_nonce, sign,
};

use super::config::ProviderConfig;
use super::http::{self, HttpFailure, Response};
use super::{Credentials, CredentialsError};

/// STS API version.
pub(crate) const STS_VERSION: &str = "2015-04-01";
/// Shortest session STS accepts.
pub(crate) const MIN_DURATION_SECONDS: u64 = 900;
/// Session length used when none is configured.
pub(crate) const DEFAULT_DURATION_SECONDS: u64 = 3600;

/// Where and how to reach STS.
#[derive(Clone)]
pub(crate) struct StsClient {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    clock: SharedClock,
}

impl fmt::Debug for StsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StsClient")
            .field("endpoint", &self.base_url())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Settings that pick the STS endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct StsEndpoint {
    /// An explicit endpoint (host or base URL).
    pub(crate) endpoint: Option<String>,
    /// Region of the regional endpoint (`sts.<region>.aliyuncs.com`).
    pub(crate) region: Option<String>,
    /// Use the VPC endpoint (`sts-vpc.<region>.aliyuncs.com`).
    pub(crate) vpc: Option<bool>,
}

impl StsClient {
    /// The client for `endpoint`. Resolution order: the config's override
    /// (used by tests and emulators), then the explicit endpoint, then the
    /// regional endpoint from the given region or `ALIBABA_CLOUD_STS_REGION`
    /// (with `sts-vpc` when `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), then
    /// `sts.aliyuncs.com`.
    pub(crate) fn new(config: &ProviderConfig, endpoint: &StsEndpoint) -> Self {
        let base_url = if let Some(e) = config
            .sts_endpoint
            .as_deref()
            .or(endpoint.endpoint.as_deref())
        {
            http::base_url(e)
        } else {
            let vpc = endpoint
                .vpc
                .unwrap_or_else(|| config.flag("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"));
            let prefix = if vpc { "sts-vpc" } else { "sts" };
            let region = endpoint
                .region
                .clone()
                .filter(|r| !r.trim().is_empty())
                .or_else(|| config.env.var("ALIBABA_CLOUD_STS_REGION"));
            match region {
                Some(region) => format!("https://{prefix}.{}.aliyuncs.com", region.trim()),
                None => "https://sts.aliyuncs.com".to_owned(),
            }
        };
        Self {
            http: config.http.clone(),
            base_url,
            timeout: config.sts_timeout,
            clock: config.clock.clone(),
        }
    }

    /// The base URL requests go to.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Calls `AssumeRole` with `params` (everything but the common headers),
    /// signed with `source`.
    pub(crate) async fn assume_role(
        &self,
        provider: &'static str,
        params: Vec<(String, String)>,
        source: &Credentials,
    ) -> Result<Credentials, CredentialsError> {
        let url = self.url(provider, &params)?;
        let host = authority(&url);
        let mut headers: Vec<(String, String)> = vec![
            ("host".to_owned(), host),
            ("x-acs-action".to_owned(), "AssumeRole".to_owned()),
            ("x-acs-version".to_owned(), STS_VERSION.to_owned()),
            ("x-acs-date".to_owned(), format_date(self.clock.now())),
            ("x-acs-signature-nonce".to_owned(), new_nonce()),
            ("x-acs-content-sha256".to_owned(), content_sha256(b"")),
        ];
        if let Some(token) = source.security_token() {
            headers.push(("x-acs-security-token".to_owned(), token.to_owned()));
        }
        let signature = sign(
            &SignableRequest {
                method: "POST",
                path: "/",
                query: &params,
                headers: &headers,
                body: b"",
            },
            SigningKey {
                access_key_id: source.access_key_id(),
                access_key_secret: source.access_key_secret(),
            },
        );
        headers.push(("authorization".to_owned(), signature.authorization));

        let mut request = self.http.post(url).header("accept", "application/json");
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let secrets = [
            source.access_key_secret(),
            source.security_token().unwrap_or(""),
        ];
        let response = self
            .exchange(provider, "AssumeRole", request, &secrets)
            .await?;
        parse_credentials(provider, "AssumeRole", &response, &secrets)
    }

    /// Calls `AssumeRoleWithOIDC` without a signature: the OIDC token is the
    /// proof of identity. The parameters go in a form body so that the token
    /// never appears in a URL.
    pub(crate) async fn assume_role_with_oidc(
        &self,
        provider: &'static str,
        form: Vec<(String, String)>,
        oidc_token: &str,
    ) -> Result<Credentials, CredentialsError> {
        let query = vec![
            ("Action".to_owned(), "AssumeRoleWithOIDC".to_owned()),
            ("Format".to_owned(), "JSON".to_owned()),
            ("Timestamp".to_owned(), format_date(self.clock.now())),
            ("Version".to_owned(), STS_VERSION.to_owned()),
        ];
        let url = self.url(provider, &query)?;
        let body = canonical_query(&form);
        let request = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body);
        let secrets = [oidc_token];
        let response = self
            .exchange(provider, "AssumeRoleWithOIDC", request, &secrets)
            .await?;
        parse_credentials(provider, "AssumeRoleWithOIDC", &response, &secrets)
    }

    fn url(
        &self,
        provider: &'static str,
        query: &[(String, String)],
    ) -> Result<url::Url, CredentialsError> {
        let text = format!("{}/?{}", self.base_url, canonical_query(query));
        url::Url::parse(&text).map_err(|e| {
            CredentialsError::invalid_config(
                provider,
                format!("invalid STS endpoint {}: {e}", self.base_url),
            )
        })
    }

    async fn exchange(
        &self,
        provider: &'static str,
        action: &str,
        request: reqwest::RequestBuilder,
        secrets: &[&str],
    ) -> Result<Response, CredentialsError> {
        let response =
            http::send(request, self.timeout)
                .await
                .map_err(|failure: HttpFailure| {
                    CredentialsError::provider_failed(
                        provider,
                        http::scrub(
                            format!("STS {action} at {}: {}", self.base_url, failure.message()),
                            secrets,
                        ),
                    )
                })?;
        if !(200..300).contains(&response.status) {
            return Err(CredentialsError::provider_failed(
                provider,
                format!(
                    "STS {action} at {} failed: {}",
                    self.base_url,
                    http::error_reason(&response, secrets)
                ),
            ));
        }
        Ok(response)
    }
}

/// `host[:port]` of `url`, as the `host` header carries it.
fn authority(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Reads `{"Credentials":{"AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}}`.
fn parse_credentials(
    provider: &'static str,
    action: &str,
    response: &Response,
    secrets: &[&str],
) -> Result<Credentials, CredentialsError> {
    let fail = |what: String| {
        CredentialsError::provider_failed(
            provider,
            http::scrub(
                format!("STS {action} returned an unusable response: {what}"),
                secrets,
            ),
        )
    };
    let map = http::json_object(&response.body).map_err(fail)?;
    let Some(serde_json::Value::Object(credentials)) = map.get("Credentials") else {
        return Err(fail("response has no Credentials object".to_owned()));
    };
    let id = http::required_field(credentials, "AccessKeyId").map_err(fail)?;
    let secret = http::required_field(credentials, "AccessKeySecret").map_err(fail)?;
    let token = http::required_field(credentials, "SecurityToken").map_err(fail)?;
    let expiration = http::required_field(credentials, "Expiration").map_err(fail)?;
    let expiration = http::parse_expiration(&expiration).map_err(fail)?;
    Ok(Credentials::new(id, secret, provider)
        .with_security_token(token)
        .with_expiration(expiration))
}

/// A session name for when none is configured.
pub(crate) fn default_session_name(clock: &SharedClock) -> String {
    let secs = clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("alibabacloud-rust-sdk-{secs}")
}

/// Checks a session duration.
pub(crate) fn check_duration(
    provider: &'static str,
    seconds: u64,
) -> Result<u64, CredentialsError> {
    if seconds < MIN_DURATION_SECONDS {
        return Err(CredentialsError::invalid_config(
            provider,
            format!(
                "session duration {seconds}s is too short (STS requires at least {MIN_DURATION_SECONDS}s)"
            ),
        ));
    }
    Ok(seconds)
}
