//! Client configuration shared by every product client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{SharedClock, default_clock};
use crate::credentials::{
    Credentials, DefaultCredentialsChain, ProvideCredentials, SharedCredentialsProvider,
};
use crate::env::Env;
use crate::error::Error;
use crate::retry::RetryPolicy;

/// Region used when nothing else names one.
pub const DEFAULT_REGION: &str = "cn-hangzhou";
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default per-attempt read timeout.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default largest response body accepted (bytes).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// Settings every product client is built from. Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> Result<(), alibabacloud_core::Error> {
/// let config = alibabacloud_core::Config::load_default().await?;
/// println!("region: {}", config.region());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Config {
    region: String,
    credentials: SharedCredentialsProvider,
    endpoint_override: Option<String>,
    account_id: Option<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    retry: RetryPolicy,
    user_agent_suffix: Option<String>,
    proxy: Option<String>,
    max_response_bytes: usize,
    clock: SharedClock,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint_override", &self.endpoint_override)
            .field("account_id", &self.account_id)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("retry", &self.retry)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("proxy", &self.proxy.as_deref().map(redact_proxy))
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// Proxy URLs may carry a password: show scheme and host only.
fn redact_proxy(proxy: &str) -> String {
    match url::Url::parse(proxy) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            if u.username().is_empty() && u.password().is_none() {
                ""
            } else {
                "***@"
            },
            u.host_str().unwrap_or("?")
        ),
        Err(_) => "(unparsable)".to_owned(),
    }
}

impl Config {
    /// A builder with defaults; credentials must be given (or use
    /// [`ConfigBuilder::default_credentials`]).
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Loads the configuration the way the official tools do: credentials
    /// from the default chain and the region from the environment or the CLI
    /// profile (see `DESIGN.md` §4). Resolves credentials once, so a missing
    /// or broken setup fails here with every provider's reason.
    pub async fn load_default() -> Result<Self, Error> {
        Self::load_from_env(Env::process()).await
    }

    /// [`Config::load_default`] against a given environment.
    pub async fn load_from_env(env: Env) -> Result<Self, Error> {
        let config = ConfigBuilder::default().from_env(env).build()?;
        config.credentials.provide_credentials().await?;
        Ok(config)
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The credentials provider.
    pub fn credentials_provider(&self) -> &SharedCredentialsProvider {
        &self.credentials
    }

    /// The endpoint override, if any.
    pub fn endpoint_override(&self) -> Option<&str> {
        self.endpoint_override.as_deref()
    }

    /// The account id (used for Function Compute endpoints).
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// Connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Per-attempt read timeout.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Suffix appended to the User-Agent.
    pub fn user_agent_suffix(&self) -> Option<&str> {
        self.user_agent_suffix.as_deref()
    }

    /// HTTP proxy URL.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// Largest response body accepted.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The clock used for signing dates.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// A builder starting from this configuration.
    pub fn to_builder(&self) -> ConfigBuilder {
        ConfigBuilder {
            region: Some(self.region.clone()),
            credentials: Some(self.credentials.clone()),
            endpoint_override: self.endpoint_override.clone(),
            account_id: self.account_id.clone(),
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            retry: self.retry.clone(),
            user_agent_suffix: self.user_agent_suffix.clone(),
            proxy: self.proxy.clone(),
            max_response_bytes: self.max_response_bytes,
            clock: Some(self.clock.clone()),
            env: None,
        }
    }
}

/// Builds a [`Config`].
#[derive(Clone)]
pub struct ConfigBuilder {
    region: Option<String>,
    credentials: Option<SharedCredentialsProvider>,
    endpoint_override: Option<String>,
    account_id: Option<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    retry: RetryPolicy,
    user_agent_suffix: Option<String>,
    proxy: Option<String>,
    max_response_bytes: usize,
    clock: Option<SharedClock>,
    env: Option<Env>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint_override", &self.endpoint_override)
            .finish_non_exhaustive()
    }
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            region: None,
            credentials: None,
            endpoint_override: None,
            account_id: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            retry: RetryPolicy::standard(),
            user_agent_suffix: None,
            proxy: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            clock: None,
            env: None,
        }
    }
}

impl ConfigBuilder {
    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Uses fixed AccessKey credentials.
    pub fn access_key(self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials(Credentials::new(id, secret, "static"))
    }

    /// Sets the credentials provider.
    pub fn credentials(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Sets an already shared credentials provider.
    pub fn shared_credentials(mut self, provider: SharedCredentialsProvider) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// Uses the default credential chain, reading `env`.
    pub fn default_credentials(mut self, env: Env) -> Self {
        let clock = self.clock.clone().unwrap_or_else(default_clock);
        let chain = DefaultCredentialsChain::builder()
            .env(env)
            .clock(clock)
            .build();
        self.credentials = Some(Arc::new(chain));
        self
    }

    /// Fills what is not set yet from `env`: credentials from the default
    /// chain; region from `ALIBABA_CLOUD_REGION_ID`, `ALIBABA_CLOUD_REGION`,
    /// then the CLI profile's region.
    pub fn from_env(mut self, env: Env) -> Self {
        if self.region.is_none() {
            self.region = env
                .var("ALIBABA_CLOUD_REGION_ID")
                .or_else(|| env.var("ALIBABA_CLOUD_REGION"))
                .or_else(|| crate::credentials::profile_region(&env));
        }
        if self.credentials.is_none() {
            self = self.default_credentials(env.clone());
        }
        self.env = Some(env);
        self
    }

    /// Sends every request to this endpoint (any scheme and port, e.g.
    /// `http://127.0.0.1:8080`), whatever the product and region.
    pub fn endpoint_override(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint_override = Some(endpoint.into());
        self
    }

    /// The account id, for Function Compute 3.0 account endpoints.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Per-attempt read timeout.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Appended to the User-Agent of every request.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends requests through this HTTP(S) proxy.
    pub fn proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(proxy.into());
        self
    }

    /// Largest response body accepted; larger ones fail with a transport error.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Clock used for request dates (tests).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Checks the settings and builds the configuration. Without explicit
    /// credentials the default chain is used.
    pub fn build(self) -> Result<Config, Error> {
        let clock = self.clock.clone().unwrap_or_else(default_clock);
        let credentials = match self.credentials {
            Some(c) => c,
            None => {
                let chain = DefaultCredentialsChain::builder()
                    .env(self.env.clone().unwrap_or_default())
                    .clock(clock.clone())
                    .build();
                Arc::new(chain)
            }
        };
        let region = self.region.unwrap_or_else(|| DEFAULT_REGION.to_owned());
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(Error::validation(
                "region",
                format!("`{region}` is not a region id (like cn-hangzhou)"),
            ));
        }
        if let Some(endpoint) = &self.endpoint_override {
            crate::endpoint::Endpoint::parse(endpoint)?;
        }
        if let Some(proxy) = &self.proxy {
            reqwest::Proxy::all(proxy.as_str())
                .map_err(|e| Error::validation("proxy", format!("not a usable proxy URL: {e}")))?;
        }
        if let Some(suffix) = &self.user_agent_suffix {
            if suffix.chars().any(|c| c.is_control()) {
                return Err(Error::validation(
                    "user_agent_suffix",
                    "must not contain control characters",
                ));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(Error::validation("max_response_bytes", "must be positive"));
        }
        Ok(Config {
            region,
            credentials,
            endpoint_override: self.endpoint_override,
            account_id: self.account_id,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            retry: self.retry,
            user_agent_suffix: self.user_agent_suffix,
            proxy: self.proxy,
            max_response_bytes: self.max_response_bytes,
            clock,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_METADATA: (&str, &str) = ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::fake(vars.iter().copied().chain([NO_METADATA]), None)
    }

    #[test]
    fn region_defaults_to_cn_hangzhou() {
        let c = Config::builder().from_env(env(&[])).build().unwrap();
        assert_eq!(c.region(), DEFAULT_REGION);
    }

    #[test]
    fn region_resolution_order() {
        let e = env(&[
            ("ALIBABA_CLOUD_REGION_ID", "cn-beijing"),
            ("ALIBABA_CLOUD_REGION", "cn-shanghai"),
        ]);
        assert_eq!(
            Config::builder()
                .from_env(e.clone())
                .build()
                .unwrap()
                .region(),
            "cn-beijing"
        );
        assert_eq!(
            Config::builder()
                .region("ap-southeast-1")
                .from_env(e)
                .build()
                .unwrap()
                .region(),
            "ap-southeast-1"
        );
        let e = env(&[("ALIBABA_CLOUD_REGION", "cn-shanghai")]);
        assert_eq!(
            Config::builder().from_env(e).build().unwrap().region(),
            "cn-shanghai"
        );
    }

    #[test]
    fn region_from_the_cli_profile() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
        std::fs::write(
            home.path().join(".aliyun/config.json"),
            r#"{"current":"p","profiles":[{"name":"p","mode":"AK","access_key_id":"LTAI-fake","access_key_secret":"fake","region_id":"cn-shenzhen"}]}"#,
        )
        .unwrap();
        let e = Env::fake([NO_METADATA], Some(home.path().to_path_buf()));
        let c = Config::builder().from_env(e).build().unwrap();
        assert_eq!(c.region(), "cn-shenzhen");
    }

    #[tokio::test]
    async fn load_from_env_uses_the_chain() {
        let e = env(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-fake-id"),
            (
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "FAKE-SECRET-do-not-print",
            ),
        ]);
        let c = Config::load_from_env(e).await.unwrap();
        let creds = c
            .credentials_provider()
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "LTAI-fake-id");
        let shown = format!("{c:?}");
        assert!(!shown.contains("FAKE-SECRET-do-not-print"), "{shown}");
    }

    #[tokio::test]
    async fn load_from_env_without_credentials_explains_every_provider() {
        let err = Config::load_from_env(env(&[])).await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Credentials(_)), "{err:?}");
        assert!(text.contains("no credentials found"), "{text}");
    }

    #[test]
    fn proxy_password_is_not_shown() {
        let c = Config::builder()
            .access_key("LTAI-fake-id", "FAKE-SECRET-do-not-print")
            .proxy("http://user:hunter2@127.0.0.1:3128")
            .build()
            .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("FAKE-SECRET"), "{shown}");
        assert!(shown.contains("127.0.0.1"), "{shown}");
    }
}
