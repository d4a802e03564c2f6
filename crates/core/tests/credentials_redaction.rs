//! No secret ever shows up in `Debug`, `Display`, error text or logs: every
//! credential, provider, builder and error type is formatted after being fed
//! the fake secret `FAKE-SECRET-do-not-print`, and the logs of flows that
//! warn or trace are captured and searched.

mod credentials_support;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alibabacloud_core::credentials::{
    CachedProvider, Credentials, CredentialsError, DefaultCredentialsChain, EcsRamRoleProvider,
    EnvironmentProvider, IniFileProvider, LazyCache, OidcRoleProvider, ProfileProvider,
    ProvideCredentials, ProviderAttempt, ProviderConfig, RamRoleArnProvider, Secret,
    StaticProvider, UriProvider,
};
use alibabacloud_core::env::Env;
use credentials_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every secret-like value used below.
const SECRETS: &[&str] = &[
    FAKE_SECRET,
    FAKE_TOKEN,
    "fake-external-id-secret",
    "fake.oidc.jwt.secret",
];

fn assert_debug_clean(what: &str, value: &impl Debug) {
    let text = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} Debug leaks {secret}: {text}"
        );
        assert!(
            !pretty.contains(secret),
            "{what} pretty Debug leaks {secret}: {pretty}"
        );
    }
}

fn assert_display_clean(what: &str, value: &impl std::fmt::Display) {
    let text = value.to_string();
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} Display leaks {secret}: {text}"
        );
    }
}

fn assert_error_clean(what: &str, error: &CredentialsError) {
    assert_debug_clean(what, error);
    assert_display_clean(what, error);
}

/// Like [`assert_error_clean`], for the secrets a provider was given.
fn assert_error_hides(what: &str, error: &CredentialsError, secrets: &[&str]) {
    let texts = [format!("{error:?}"), error.to_string()];
    for secret in secrets {
        for text in &texts {
            assert!(!text.contains(secret), "{what} leaks {secret}: {text}");
        }
    }
}

#[test]
fn credentials_and_secrets() {
    let credentials =
        Credentials::new(FAKE_ID, FAKE_SECRET, "test").with_security_token(FAKE_TOKEN);
    assert_debug_clean("Credentials", &credentials);
    let secret = Secret::new(FAKE_SECRET.to_owned());
    assert_debug_clean("Secret", &secret);
    assert_display_clean("Secret", &secret);
    assert_debug_clean(
        "StaticProvider",
        &StaticProvider::with_security_token(FAKE_ID, FAKE_SECRET, FAKE_TOKEN),
    );
    assert_debug_clean(
        "StaticProvider::from_credentials",
        &StaticProvider::from_credentials(credentials.clone()),
    );
    let attempt = ProviderAttempt {
        provider: "environment",
        reason: "not set".to_owned(),
    };
    assert_debug_clean("ProviderAttempt", &attempt);
    assert_error_clean(
        "Chain error",
        &CredentialsError::Chain {
            attempts: vec![attempt],
        },
    );
}

fn secret_env() -> Vec<(&'static str, String)> {
    vec![
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", FAKE_ID.to_owned()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", FAKE_SECRET.to_owned()),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", FAKE_TOKEN.to_owned()),
    ]
}

#[tokio::test]
async fn environment_and_config() {
    let env = Env::fake(secret_env(), None);
    let provider = EnvironmentProvider::new(env.clone());
    provider.provide_credentials().await.unwrap();
    assert_debug_clean("EnvironmentProvider", &provider);
    let config = ProviderConfig::new(env.clone());
    assert_debug_clean("ProviderConfig", &config);

    let builder = DefaultCredentialsChain::builder().env(env.clone());
    assert_debug_clean("DefaultCredentialsChainBuilder", &builder);
    let chain = builder.build();
    chain.provide_credentials().await.unwrap();
    assert_eq!(chain.selected_provider(), Some("environment"));
    assert_debug_clean("DefaultCredentialsChain", &chain);

    // Half a pair: the error names the variable, not the value.
    let error = EnvironmentProvider::new(Env::fake(
        [("ALIBABA_CLOUD_ACCESS_KEY_SECRET", FAKE_SECRET)],
        None,
    ))
    .provide_credentials()
    .await
    .unwrap_err();
    assert_error_clean("environment error", &error);
}

#[tokio::test]
async fn sts_providers_and_their_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.REDACT")))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "Code": "InvalidParameter",
            "Message": format!("echoing {FAKE_SECRET} {FAKE_TOKEN} fake.oidc.jwt.secret fake-external-id-secret"),
            "RequestId": "R"
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let config = config(&[], None, &clock).with_sts_endpoint(server.uri());

    let source = Arc::new(StaticProvider::with_security_token(
        FAKE_ID,
        FAKE_SECRET,
        FAKE_TOKEN,
    ));
    let builder = RamRoleArnProvider::builder(source.clone(), "acs:ram::1:role/r")
        .external_id("fake-external-id-secret")
        .policy("{}")
        .config(&config);
    assert_debug_clean("RamRoleArnProviderBuilder", &builder);
    let ram = builder.build().unwrap();
    ram.provide_credentials().await.unwrap();
    assert_debug_clean("RamRoleArnProvider", &ram);

    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "fake.oidc.jwt.secret").unwrap();
    let builder = OidcRoleProvider::builder(
        "acs:ram::1:role/r",
        "acs:ram::1:oidc-provider/p",
        &token_file,
    )
    .config(&config);
    assert_debug_clean("OidcRoleProviderBuilder", &builder);
    let oidc = builder.build().unwrap();
    oidc.provide_credentials().await.unwrap();
    assert_debug_clean("OidcRoleProvider", &oidc);

    // Fresh providers now hit the error route, whose message echoes secrets.
    let ram = RamRoleArnProvider::builder(source, "acs:ram::1:role/r")
        .external_id("fake-external-id-secret")
        .config(&config)
        .build()
        .unwrap();
    assert_error_hides(
        "AssumeRole error",
        &ram.provide_credentials().await.unwrap_err(),
        &[FAKE_SECRET, FAKE_TOKEN, "fake-external-id-secret"],
    );
    let oidc = OidcRoleProvider::builder(
        "acs:ram::1:role/r",
        "acs:ram::1:oidc-provider/p",
        &token_file,
    )
    .config(&config)
    .build()
    .unwrap();
    assert_error_hides(
        "AssumeRoleWithOIDC error",
        &oidc.provide_credentials().await.unwrap_err(),
        &["fake.oidc.jwt.secret"],
    );
}

#[tokio::test]
async fn metadata_uri_and_cache() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fake-md-token"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/latest/meta-data/ram/security-credentials/Role"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.ECS")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/creds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.URI")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/broken"))
        .respond_with(ResponseTemplate::new(500).set_body_string(format!("oops {FAKE_SECRET}")))
        .mount(&server)
        .await;
    let clock = clock();
    let config = config(&[], None, &clock).with_metadata_base_url(server.uri());

    let builder = EcsRamRoleProvider::builder()
        .role_name("Role")
        .config(&config);
    assert_debug_clean("EcsRamRoleProviderBuilder", &builder);
    let ecs = builder.build();
    ecs.provide_credentials().await.unwrap();
    assert_debug_clean("EcsRamRoleProvider", &ecs);

    let uri = UriProvider::new(
        &format!("{}/creds?key={FAKE_SECRET}", server.uri()),
        &config,
    )
    .unwrap();
    uri.provide_credentials().await.unwrap();
    assert_debug_clean("UriProvider", &uri);
    assert_display_clean("UriProvider::display_uri", &uri.display_uri());

    let broken = UriProvider::new(
        &format!("{}/broken?key={FAKE_SECRET}", server.uri()),
        &config,
    )
    .unwrap();
    let error = broken.provide_credentials().await.unwrap_err();
    // The body excerpt of a non-JSON error is quoted; the URI's query is not.
    assert!(
        !error.to_string().contains(&format!("key={FAKE_SECRET}")),
        "{error}"
    );

    let cache = LazyCache::new(Arc::new(clock.clone()));
    cache
        .get_or_refresh("test", || async {
            Ok(Credentials::new(FAKE_ID, FAKE_SECRET, "test").with_security_token(FAKE_TOKEN))
        })
        .await
        .unwrap();
    assert_debug_clean("LazyCache", &cache);

    let cached = CachedProvider::new(
        StaticProvider::new(FAKE_ID, FAKE_SECRET),
        Arc::new(clock.clone()),
    );
    cached.provide_credentials().await.unwrap();
    assert_debug_clean("CachedProvider", &cached);
}

#[tokio::test]
async fn file_providers_and_their_errors() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    std::fs::write(
        home.path().join(".aliyun/config.json"),
        serde_json::json!({"current": "default", "profiles": [
            {"name": "default", "mode": "StsToken", "access_key_id": FAKE_ID,
             "access_key_secret": FAKE_SECRET, "sts_token": FAKE_TOKEN},
            {"name": "broken", "mode": "Weird", "access_key_secret": FAKE_SECRET}
        ]})
        .to_string(),
    )
    .unwrap();
    std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
    std::fs::write(
        home.path().join(".alibabacloud/credentials"),
        format!(
            "[default]\ntype = sts\naccess_key_id = {FAKE_ID}\naccess_key_secret = {FAKE_SECRET}\nsecurity_token = {FAKE_TOKEN}\n\n[broken]\ntype = mystery\naccess_key_secret = {FAKE_SECRET}\n"
        ),
    )
    .unwrap();
    let malformed = home.path().join("malformed.ini");
    std::fs::write(
        &malformed,
        format!("[default]\ntype = access_key\n{FAKE_SECRET}\n"),
    )
    .unwrap();
    let clock = clock();
    let config = config(&[], Some(home.path()), &clock);

    let cli = ProfileProvider::new(&config);
    cli.provide_credentials().await.unwrap();
    assert_debug_clean("ProfileProvider", &cli);
    let error = ProfileProvider::new(&config)
        .with_profile_name("broken")
        .provide_credentials()
        .await
        .unwrap_err();
    assert_error_clean("CLI profile error", &error);

    let ini = IniFileProvider::new(&config);
    ini.provide_credentials().await.unwrap();
    assert_debug_clean("IniFileProvider", &ini);
    let error = IniFileProvider::new(&config)
        .with_profile_name("broken")
        .provide_credentials()
        .await
        .unwrap_err();
    assert_error_clean("INI error", &error);
    let error = IniFileProvider::new(&config)
        .with_path(&malformed)
        .provide_credentials()
        .await
        .unwrap_err();
    assert_error_clean("INI parse error", &error);

    // A broken JSON file whose text holds the secret.
    std::fs::write(
        home.path().join(".aliyun/config.json"),
        format!("{{\"profiles\": [{{\"access_key_secret\": \"{FAKE_SECRET}\" ]"),
    )
    .unwrap();
    let error = ProfileProvider::new(&config)
        .provide_credentials()
        .await
        .unwrap_err();
    assert_error_clean("CLI parse error", &error);
}

/// A `tracing` subscriber that writes every event's fields into a string.
struct Capture {
    out: Arc<Mutex<String>>,
}

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = self.out.lock().unwrap();
        span.record(&mut Visitor(&mut out));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut out = self.out.lock().unwrap();
        values.record(&mut Visitor(&mut out));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = self.out.lock().unwrap();
        event.record(&mut Visitor(&mut out));
        out.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn logs_never_carry_secrets() {
    let out = Arc::new(Mutex::new(String::new()));
    let _guard =
        tracing::dispatcher::set_default(&tracing::Dispatch::new(Capture { out: out.clone() }));

    let server = MockServer::start().await;
    // IMDSv2 refused (debug log about the fallback), then credentials once,
    // then failures: the stale-on-failure warning is logged.
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(403).set_body_string("IMDSv2 refused"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.LOG")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_json(serde_json::json!({
            "Code": "InternalError", "Message": format!("leak {FAKE_SECRET} {FAKE_TOKEN}")
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let chain = DefaultCredentialsChain::builder()
        .env(Env::fake([("ALIBABA_CLOUD_ECS_METADATA", "Role")], None))
        .clock(Arc::new(clock.clone()))
        .metadata_http_client(client())
        .metadata_base_url(server.uri())
        .build();
    chain.provide_credentials().await.unwrap();
    clock.advance(Duration::from_secs(3600 - 60));
    let stale = chain.provide_credentials().await.unwrap();
    assert_eq!(stale.access_key_id(), "STS.LOG");

    let logs = out.lock().unwrap().clone();
    assert!(
        logs.contains("using the cached ones"),
        "the warning was logged: {logs}"
    );
    for secret in SECRETS {
        assert!(!logs.contains(secret), "logs leak {secret}: {logs}");
    }
}
