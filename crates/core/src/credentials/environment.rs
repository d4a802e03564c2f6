//! Credentials from environment variables.

use std::fmt;

use async_trait::async_trait;

use crate::env::Env;

use super::{Credentials, CredentialsError, ProvideCredentials};

/// Provider name of [`EnvironmentProvider`].
pub(crate) const NAME: &str = "environment";

/// Variable holding the AccessKey id.
pub(crate) const ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// Variable holding the AccessKey secret.
pub(crate) const ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// Variable holding an optional STS security token.
pub(crate) const SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// Reads `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and,
/// when set, `ALIBABA_CLOUD_SECURITY_TOKEN`.
///
/// - neither id nor secret set: [`CredentialsError::NotConfigured`];
/// - only one of them set: [`CredentialsError::InvalidConfig`] naming the
///   missing variable;
/// - a security token without an AccessKey pair is ignored (not configured).
///
/// The variables are read on every call, so they are never cached.
#[derive(Clone)]
pub struct EnvironmentProvider {
    env: Env,
}

impl EnvironmentProvider {
    /// Reads the variables from `env`.
    pub fn new(env: Env) -> Self {
        Self { env }
    }

    fn resolve(&self) -> Result<Credentials, CredentialsError> {
        let id = self.env.var(ACCESS_KEY_ID);
        let secret = self.env.var(ACCESS_KEY_SECRET);
        let (id, secret) = match (id, secret) {
            (Some(id), Some(secret)) => (id, secret),
            (Some(_), None) => {
                return Err(CredentialsError::invalid_config(
                    NAME,
                    format!("{ACCESS_KEY_ID} is set but {ACCESS_KEY_SECRET} is missing"),
                ));
            }
            (None, Some(_)) => {
                return Err(CredentialsError::invalid_config(
                    NAME,
                    format!("{ACCESS_KEY_SECRET} is set but {ACCESS_KEY_ID} is missing"),
                ));
            }
            (None, None) => {
                let mut reason = format!("{ACCESS_KEY_ID} and {ACCESS_KEY_SECRET} are not set");
                if self.env.var(SECURITY_TOKEN).is_some() {
                    reason.push_str(&format!(" ({SECURITY_TOKEN} alone is ignored)"));
                }
                return Err(CredentialsError::not_configured(NAME, reason));
            }
        };
        let credentials = Credentials::new(id.trim(), secret.trim(), NAME);
        Ok(match self.env.var(SECURITY_TOKEN) {
            Some(token) => credentials.with_security_token(token.trim()),
            None => credentials,
        })
    }
}

impl fmt::Debug for EnvironmentProvider {
    // The environment is not printed: it holds the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvironmentProvider")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ProvideCredentials for EnvironmentProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        self.resolve()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(vars: &[(&str, &str)]) -> EnvironmentProvider {
        EnvironmentProvider::new(Env::fake(vars.iter().copied(), None))
    }

    #[tokio::test]
    async fn access_key_pair() {
        let c = provider(&[
            (ACCESS_KEY_ID, "LTAIFAKEID"),
            (ACCESS_KEY_SECRET, "FAKE-SECRET"),
        ])
        .provide_credentials()
        .await
        .unwrap();
        assert_eq!(c.access_key_id(), "LTAIFAKEID");
        assert_eq!(c.access_key_secret(), "FAKE-SECRET");
        assert_eq!(c.security_token(), None);
        assert_eq!(c.provider_name(), NAME);
    }

    #[tokio::test]
    async fn with_security_token() {
        let c = provider(&[
            (ACCESS_KEY_ID, "STS.FAKEID"),
            (ACCESS_KEY_SECRET, "FAKE-SECRET"),
            (SECURITY_TOKEN, "FAKE-TOKEN"),
        ])
        .provide_credentials()
        .await
        .unwrap();
        assert_eq!(c.security_token(), Some("FAKE-TOKEN"));
    }

    #[tokio::test]
    async fn nothing_set_is_not_configured() {
        let e = provider(&[]).provide_credentials().await.unwrap_err();
        assert!(e.is_not_configured(), "{e}");
    }

    #[tokio::test]
    async fn half_a_pair_names_the_missing_variable() {
        let e = provider(&[(ACCESS_KEY_ID, "LTAIFAKEID")])
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(matches!(e, CredentialsError::InvalidConfig { .. }), "{e:?}");
        assert!(e.to_string().contains(ACCESS_KEY_SECRET), "{e}");

        let e = provider(&[(ACCESS_KEY_SECRET, "FAKE-SECRET")])
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(matches!(e, CredentialsError::InvalidConfig { .. }), "{e:?}");
        assert!(
            e.to_string()
                .contains("ALIBABA_CLOUD_ACCESS_KEY_ID is missing"),
            "{e}"
        );
        assert!(!e.to_string().contains("FAKE-SECRET"));
    }
}
