//! Credentials given explicitly in code.

use std::fmt;

use async_trait::async_trait;

use super::{Credentials, CredentialsError, ProvideCredentials};

/// Provider name of [`StaticProvider`].
pub(crate) const NAME: &str = "static";

/// Hands out fixed credentials: an AccessKey pair, optionally with an STS
/// security token. Nothing is refreshed; for temporary credentials that must
/// be renewed, use one of the STS-based providers instead.
#[derive(Clone)]
pub struct StaticProvider {
    credentials: Credentials,
}

impl StaticProvider {
    /// A long-lived AccessKey pair.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            credentials: Credentials::new(access_key_id, access_key_secret, NAME),
        }
    }

    /// An AccessKey pair with an STS security token.
    pub fn with_security_token(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        Self {
            credentials: Credentials::new(access_key_id, access_key_secret, NAME)
                .with_security_token(security_token),
        }
    }

    /// Hands out `credentials` as they are.
    pub fn from_credentials(credentials: Credentials) -> Self {
        Self { credentials }
    }
}

impl fmt::Debug for StaticProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Credentials`' own Debug redacts the secret and the token.
        f.debug_struct("StaticProvider")
            .field("credentials", &self.credentials)
            .finish()
    }
}

#[async_trait]
impl ProvideCredentials for StaticProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.credentials.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_what_it_was_given() {
        let p = StaticProvider::with_security_token("LTAIFAKEID", "FAKE-SECRET", "FAKE-TOKEN");
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id(), "LTAIFAKEID");
        assert_eq!(c.access_key_secret(), "FAKE-SECRET");
        assert_eq!(c.security_token(), Some("FAKE-TOKEN"));
        assert_eq!(c.provider_name(), "static");
        assert!(c.expiration().is_none());
    }
}
