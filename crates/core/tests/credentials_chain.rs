//! The default credential chain: order, skip reasons, stopping at broken
//! configuration, and remembering the provider that worked.

mod credentials_support;

use std::path::Path;
use std::sync::Arc;

use alibabacloud_core::credentials::{
    CredentialsError, DefaultCredentialsChain, ProvideCredentials,
};
use alibabacloud_core::env::Env;
use credentials_support::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NO_METADATA: (&str, &str) = ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");

fn chain(vars: &[(&str, &str)], home: Option<&Path>) -> DefaultCredentialsChain {
    DefaultCredentialsChain::builder()
        .env(Env::fake(vars.iter().copied(), home.map(Path::to_path_buf)))
        .clock(Arc::new(clock()))
        .http_client(client())
        .metadata_http_client(client())
        // Never the real metadata service, even when a test forgets to disable it.
        .metadata_base_url("http://127.0.0.1:9")
        .build()
}

fn write_cli(home: &Path, access_key_id: &str) {
    std::fs::create_dir_all(home.join(".aliyun")).unwrap();
    std::fs::write(
        home.join(".aliyun/config.json"),
        serde_json::json!({"current": "default", "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": access_key_id, "access_key_secret": FAKE_SECRET}
        ]})
        .to_string(),
    )
    .unwrap();
}

fn write_ini(home: &Path, access_key_id: &str) {
    std::fs::create_dir_all(home.join(".alibabacloud")).unwrap();
    std::fs::write(
        home.join(".alibabacloud/credentials"),
        format!("[default]\ntype = access_key\naccess_key_id = {access_key_id}\naccess_key_secret = {FAKE_SECRET}\n"),
    )
    .unwrap();
}

#[tokio::test]
async fn environment_comes_first() {
    let home = tempfile::tempdir().unwrap();
    write_cli(home.path(), "LTAICLIFAKE");
    write_ini(home.path(), "LTAIINIFAKE");
    let chain = chain(
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIENVFAKE"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", FAKE_SECRET),
            NO_METADATA,
        ],
        Some(home.path()),
    );
    let credentials = chain.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "LTAIENVFAKE");
    assert_eq!(chain.selected_provider(), Some("environment"));
}

#[tokio::test]
async fn oidc_comes_before_the_cli_profile() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(query_param("Action", "AssumeRoleWithOIDC"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.CHAINOIDC")))
        .expect(1)
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    write_cli(home.path(), "LTAICLIFAKE");
    let token = home.path().join("token");
    std::fs::write(&token, "fake.chain.oidc").unwrap();
    let vars = [
        ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890:role/fake"),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1234567890:oidc-provider/fake",
        ),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.to_str().unwrap()),
        NO_METADATA,
    ];
    let chain = DefaultCredentialsChain::builder()
        .env(Env::fake(vars, Some(home.path().to_path_buf())))
        .clock(Arc::new(clock()))
        .http_client(client())
        .sts_endpoint(server.uri())
        .build();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "STS.CHAINOIDC"
    );
    assert_eq!(chain.selected_provider(), Some("oidc_role_arn"));
    // Remembered and cached: no second STS call (`.expect(1)`).
    chain.provide_credentials().await.unwrap();
}

#[tokio::test]
async fn cli_profile_comes_before_the_ini_file() {
    let home = tempfile::tempdir().unwrap();
    write_cli(home.path(), "LTAICLIFAKE");
    write_ini(home.path(), "LTAIINIFAKE");
    let chain = chain(&[NO_METADATA], Some(home.path()));
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "LTAICLIFAKE"
    );
    assert_eq!(chain.selected_provider(), Some("cli_profile"));
}

#[tokio::test]
async fn ini_file_when_there_is_no_cli_profile() {
    let home = tempfile::tempdir().unwrap();
    write_ini(home.path(), "LTAIINIFAKE");
    let chain = chain(&[NO_METADATA], Some(home.path()));
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "LTAIINIFAKE"
    );
    assert_eq!(chain.selected_provider(), Some("ini_file"));
}

#[tokio::test]
async fn profile_name_of_the_builder_selects_the_ini_section() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
    std::fs::write(
        home.path().join(".alibabacloud/credentials"),
        format!("[project]\ntype = access_key\naccess_key_id = LTAIPROJECT\naccess_key_secret = {FAKE_SECRET}\n"),
    )
    .unwrap();
    let chain = DefaultCredentialsChain::builder()
        .env(Env::fake([NO_METADATA], Some(home.path().to_path_buf())))
        .profile_name("project")
        .build();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "LTAIPROJECT"
    );
}

#[tokio::test]
async fn ecs_role_then_credentials_uri() {
    let metadata = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/latest/api/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fake-md-token"))
        .mount(&metadata)
        .await;
    Mock::given(method("GET"))
        .and(path("/latest/meta-data/ram/security-credentials/"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ChainRole"))
        .mount(&metadata)
        .await;
    Mock::given(method("GET"))
        .and(path("/latest/meta-data/ram/security-credentials/ChainRole"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.CHAINECS")))
        .expect(1)
        .mount(&metadata)
        .await;
    let uri = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.CHAINURI")))
        .expect(0)
        .mount(&uri)
        .await;
    let home = tempfile::tempdir().unwrap();
    let uri_text = uri.uri();
    let vars = [("ALIBABA_CLOUD_CREDENTIALS_URI", uri_text.as_str())];
    let chain = DefaultCredentialsChain::builder()
        .env(Env::fake(vars, Some(home.path().to_path_buf())))
        .clock(Arc::new(clock()))
        .metadata_http_client(client())
        .metadata_base_url(metadata.uri())
        .build();
    assert_eq!(
        chain.provide_credentials().await.unwrap().access_key_id(),
        "STS.CHAINECS"
    );
    assert_eq!(chain.selected_provider(), Some("ecs_ram_role"));
}

#[tokio::test]
async fn credentials_uri_is_last_and_the_choice_is_remembered() {
    let metadata = MockServer::start().await;
    // The metadata service answers, but the instance has no role.
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fake-md-token"))
        .expect(1)
        .mount(&metadata)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&metadata)
        .await;
    let uri = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.CHAINURI")))
        .expect(1)
        .mount(&uri)
        .await;
    let home = tempfile::tempdir().unwrap();
    let uri_text = uri.uri();
    let vars = [("ALIBABA_CLOUD_CREDENTIALS_URI", uri_text.as_str())];
    let chain = Arc::new(
        DefaultCredentialsChain::builder()
            .env(Env::fake(vars, Some(home.path().to_path_buf())))
            .clock(Arc::new(clock()))
            .http_client(client())
            .metadata_http_client(client())
            .metadata_base_url(metadata.uri())
            .build(),
    );
    // Concurrent first callers probe once; later calls go straight to the URI
    // provider, whose cache answers (`.expect(1)` on both servers).
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let chain = chain.clone();
        tasks.push(tokio::spawn(
            async move { chain.provide_credentials().await },
        ));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().access_key_id(), "STS.CHAINURI");
    }
    chain.provide_credentials().await.unwrap();
    assert_eq!(chain.selected_provider(), Some("credentials_uri"));
}

#[tokio::test]
async fn nothing_configured_lists_every_provider_and_why() {
    let home = tempfile::tempdir().unwrap();
    let chain = chain(&[NO_METADATA], Some(home.path()));
    let error = chain.provide_credentials().await.unwrap_err();
    let CredentialsError::Chain { attempts } = &error else {
        panic!("expected a chain error, got {error:?}");
    };
    let names: Vec<&str> = attempts.iter().map(|a| a.provider).collect();
    assert_eq!(
        names,
        [
            "environment",
            "oidc_role_arn",
            "cli_profile",
            "ini_file",
            "ecs_ram_role",
            "credentials_uri"
        ]
    );
    let reasons: Vec<&str> = attempts.iter().map(|a| a.reason.as_str()).collect();
    assert!(
        reasons[0].contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("ALIBABA_CLOUD_OIDC_TOKEN_FILE"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("config.json"), "{reasons:?}");
    assert!(reasons[3].contains(".alibabacloud"), "{reasons:?}");
    assert!(
        reasons[4].contains("ALIBABA_CLOUD_ECS_METADATA_DISABLED"),
        "{reasons:?}"
    );
    assert!(
        reasons[5].contains("ALIBABA_CLOUD_CREDENTIALS_URI"),
        "{reasons:?}"
    );
    let text = error.to_string();
    for name in names {
        assert!(text.contains(name), "{text}");
    }
    assert_eq!(chain.selected_provider(), None);
}

#[tokio::test]
async fn unreachable_metadata_service_is_skipped() {
    let home = tempfile::tempdir().unwrap();
    // `chain()` points the metadata service at a closed loopback port.
    let chain = chain(&[], Some(home.path()));
    let error = chain.provide_credentials().await.unwrap_err();
    let CredentialsError::Chain { attempts } = &error else {
        panic!("expected a chain error, got {error:?}");
    };
    assert_eq!(attempts[4].provider, "ecs_ram_role");
    assert!(
        attempts[4].reason.contains("did not answer"),
        "{attempts:?}"
    );
}

#[tokio::test]
async fn a_named_ecs_role_that_cannot_be_read_stops_the_chain() {
    let home = tempfile::tempdir().unwrap();
    let chain = chain(
        &[("ALIBABA_CLOUD_ECS_METADATA", "SomeRole")],
        Some(home.path()),
    );
    let error = chain.provide_credentials().await.unwrap_err();
    assert!(
        matches!(
            error,
            CredentialsError::ProviderFailed {
                provider: "ecs_ram_role",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn invalid_configuration_stops_the_chain() {
    // Half an AccessKey pair in the environment, a valid CLI profile behind it.
    let home = tempfile::tempdir().unwrap();
    write_cli(home.path(), "LTAICLIFAKE");
    let chain = chain(
        &[("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIENVFAKE"), NO_METADATA],
        Some(home.path()),
    );
    let error = chain.provide_credentials().await.unwrap_err();
    assert!(
        matches!(
            error,
            CredentialsError::InvalidConfig {
                provider: "environment",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
        "{error}"
    );

    // A broken CLI profile, a valid INI file behind it.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    std::fs::write(
        home.path().join(".aliyun/config.json"),
        r#"{"current":"default","profiles":[{"name":"default","mode":"Nope"}]}"#,
    )
    .unwrap();
    write_ini(home.path(), "LTAIINIFAKE");
    let error = chain_in(home.path())
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            CredentialsError::InvalidConfig {
                provider: "cli_profile",
                ..
            }
        ),
        "{error:?}"
    );
}

fn chain_in(home: &Path) -> DefaultCredentialsChain {
    chain(&[NO_METADATA], Some(home))
}

#[tokio::test]
async fn a_failing_configured_provider_stops_the_chain() {
    let sts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "Code": "AuthenticationFail.OIDCToken.Invalid", "Message": "bad token", "RequestId": "R-OIDC"
        })))
        .mount(&sts)
        .await;
    let uri = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.NEVER")))
        .expect(0)
        .mount(&uri)
        .await;
    let home = tempfile::tempdir().unwrap();
    let token = home.path().join("token");
    std::fs::write(&token, "fake.bad.token").unwrap();
    let uri_text = uri.uri();
    let vars = [
        ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890:role/fake"),
        (
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1234567890:oidc-provider/fake",
        ),
        ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.to_str().unwrap()),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", uri_text.as_str()),
        NO_METADATA,
    ];
    let chain = DefaultCredentialsChain::builder()
        .env(Env::fake(vars, Some(home.path().to_path_buf())))
        .clock(Arc::new(clock()))
        .http_client(client())
        .sts_endpoint(sts.uri())
        .build();
    let error = chain.provide_credentials().await.unwrap_err();
    assert!(
        matches!(
            error,
            CredentialsError::ProviderFailed {
                provider: "oidc_role_arn",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("AuthenticationFail.OIDCToken.Invalid"),
        "{error}"
    );
}
