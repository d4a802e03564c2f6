//! Temporary credentials served over HTTP by a local credentials endpoint.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use super::cache::LazyCache;
use super::config::ProviderConfig;
use super::http;
use super::{Credentials, CredentialsError, ProvideCredentials};

/// Provider name of [`UriProvider`].
pub(crate) const NAME: &str = "credentials_uri";

/// Variable holding the credentials URI.
pub(crate) const URI_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

/// Fetches credentials with `GET <uri>`; the endpoint answers
/// `{"Code":"Success","AccessKeyId":…,"AccessKeySecret":…,"SecurityToken":…,"Expiration":"2026-11-24T08:00:00Z"}`.
///
/// The URI may carry an access token in its query string, so it is only
/// ever shown without one. Credentials are cached until shortly before they
/// expire.
pub struct UriProvider {
    uri: url::Url,
    http: reqwest::Client,
    timeout: Duration,
    cache: LazyCache,
}

impl UriProvider {
    /// A provider for `uri` (`http` or `https`), using `config`'s clock, HTTP
    /// client, timeout and refresh margin.
    pub fn new(uri: &str, config: &ProviderConfig) -> Result<Self, CredentialsError> {
        let parsed = url::Url::parse(uri.trim()).map_err(|e| {
            CredentialsError::invalid_config(
                NAME,
                format!("the credentials URI is not a valid URL: {e}"),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(CredentialsError::invalid_config(
                NAME,
                format!(
                    "the credentials URI must use http or https, not {:?}",
                    parsed.scheme()
                ),
            ));
        }
        Ok(Self {
            uri: parsed,
            http: config.http.clone(),
            timeout: config.sts_timeout,
            cache: LazyCache::new(config.clock.clone()).with_refresh_margin(config.refresh_margin),
        })
    }

    /// Configured from `ALIBABA_CLOUD_CREDENTIALS_URI`
    /// ([`CredentialsError::NotConfigured`] when it is not set).
    pub fn from_env(config: &ProviderConfig) -> Result<Self, CredentialsError> {
        match config.env.var(URI_VAR) {
            Some(uri) => Self::new(&uri, config),
            None => Err(CredentialsError::not_configured(
                NAME,
                format!("{URI_VAR} is not set"),
            )),
        }
    }

    /// The URI without user info or query string, as it may be shown.
    pub fn display_uri(&self) -> String {
        http::display_url(&self.uri)
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let shown = self.display_uri();
        let response = http::send(self.http.get(self.uri.clone()), self.timeout)
            .await
            .map_err(|failure| {
                CredentialsError::provider_failed(
                    NAME,
                    format!("GET {shown}: {}", failure.message()),
                )
            })?;
        if response.status != 200 {
            return Err(CredentialsError::provider_failed(
                NAME,
                format!("GET {shown} failed: {}", http::error_reason(&response, &[])),
            ));
        }
        parse_credentials(&response.body).map_err(|what| {
            CredentialsError::provider_failed(
                NAME,
                format!("GET {shown} returned unusable credentials: {what}"),
            )
        })
    }
}

fn parse_credentials(body: &[u8]) -> Result<Credentials, String> {
    let map = http::json_object(body)?;
    let code = http::str_field(&map, "Code");
    if code.as_deref() != Some("Success") {
        let mut reason = format!("Code is {:?}, not \"Success\"", code.unwrap_or_default());
        if let Some(message) = http::str_field(&map, "Message") {
            reason.push_str(": ");
            reason.push_str(&message);
        }
        return Err(reason);
    }
    let id = http::required_field(&map, "AccessKeyId")?;
    let secret = http::required_field(&map, "AccessKeySecret")?;
    let token = http::required_field(&map, "SecurityToken")?;
    let expiration = http::parse_expiration(&http::required_field(&map, "Expiration")?)?;
    Ok(Credentials::new(id, secret, NAME)
        .with_security_token(token)
        .with_expiration(expiration))
}

impl fmt::Debug for UriProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UriProvider")
            .field("uri", &self.display_uri())
            .field("timeout", &self.timeout)
            .field("cache", &self.cache)
            .finish()
    }
}

#[async_trait]
impl ProvideCredentials for UriProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.cache.get_or_refresh(NAME, || self.fetch()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    #[test]
    fn unset_is_not_configured_and_bad_uris_are_refused() {
        let config = ProviderConfig::new(Env::fake::<&str, &str>([], None));
        assert!(
            UriProvider::from_env(&config)
                .unwrap_err()
                .is_not_configured()
        );
        let e = UriProvider::new("ftp://127.0.0.1/creds", &config).unwrap_err();
        assert!(matches!(e, CredentialsError::InvalidConfig { .. }), "{e:?}");
        let e = UriProvider::new("not a url", &config).unwrap_err();
        assert!(matches!(e, CredentialsError::InvalidConfig { .. }), "{e:?}");
    }

    #[test]
    fn debug_hides_the_query() {
        let config = ProviderConfig::new(Env::fake::<&str, &str>([], None));
        let p = UriProvider::new("http://127.0.0.1:9/creds?token=FAKE-SECRET", &config).unwrap();
        let text = format!("{p:?}");
        assert!(!text.contains("FAKE-SECRET"), "{text}");
        assert!(text.contains("127.0.0.1:9/creds"), "{text}");
    }
}
