//! The ECS RAM role provider against a local fake metadata service.

mod credentials_support;

use std::time::Duration;

use alibabacloud_core::credentials::{CredentialsError, EcsRamRoleProvider, ProvideCredentials};
use credentials_support::*;
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const ROLE: &str = "FakeEcsRole";
const METADATA_TOKEN: &str = "fake-metadata-token";

async fn mount_token(server: &MockServer, expected_calls: u64) {
    Mock::given(method("PUT"))
        .and(path(TOKEN_PATH))
        .and(header("X-aliyun-ecs-metadata-token-ttl-seconds", "21600"))
        .respond_with(ResponseTemplate::new(200).set_body_string(METADATA_TOKEN))
        .expect(expected_calls)
        .mount(server)
        .await;
}

#[tokio::test]
async fn imdsv2_token_then_role_lookup_then_credentials() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(ROLES_PATH))
        .and(header("X-aliyun-ecs-metadata-token", METADATA_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("{ROLE}\n")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROLES_PATH}{ROLE}")))
        .and(header("X-aliyun-ecs-metadata-token", METADATA_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.ECSFAKE")))
        .expect(1)
        .mount(&server)
        .await;

    let clock = clock();
    let provider = EcsRamRoleProvider::builder()
        .config(&config(&[], None, &clock).with_metadata_base_url(server.uri()))
        .build();
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.ECSFAKE");
    assert_eq!(credentials.access_key_secret(), FAKE_SECRET);
    assert_eq!(credentials.security_token(), Some(FAKE_TOKEN));
    assert_eq!(
        credentials.expiration(),
        Some(start() + Duration::from_secs(3600))
    );
    assert_eq!(credentials.provider_name(), "ecs_ram_role");
    // Cached (every mock expects exactly one call).
    clock.advance(Duration::from_secs(1800));
    provider.provide_credentials().await.unwrap();
}

#[tokio::test]
async fn role_name_from_the_environment_skips_the_lookup() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(ROLES_PATH))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROLES_PATH}EnvRole")))
        .and(header("X-aliyun-ecs-metadata-token", METADATA_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.ENVROLE")))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = EcsRamRoleProvider::from_env(
        &config(&[("ALIBABA_CLOUD_ECS_METADATA", "EnvRole")], None, &clock)
            .with_metadata_base_url(server.uri()),
    );
    assert_eq!(provider.role_name(), Some("EnvRole"));
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.ENVROLE");
}

#[tokio::test]
async fn a_refused_token_falls_back_to_imdsv1() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROLES_PATH}{ROLE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.V1")))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = EcsRamRoleProvider::builder()
        .role_name(ROLE)
        .config(&config(&[], None, &clock).with_metadata_base_url(server.uri()))
        .build();
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.V1");
    let requests = server.received_requests().await.unwrap();
    let get = requests
        .iter()
        .find(|r| r.method.as_str() == "GET")
        .unwrap();
    assert!(header_value(get, "X-aliyun-ecs-metadata-token").is_none());
}

#[tokio::test]
async fn imdsv1_disabled_makes_a_refused_token_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.V1")))
        .expect(0)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = EcsRamRoleProvider::from_env(
        &config(&[("ALIBABA_CLOUD_IMDSV1_DISABLED", "true")], None, &clock)
            .with_metadata_base_url(server.uri()),
    );
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::ProviderFailed { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("HTTP 403") && text.contains("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        "{text}"
    );
}

#[tokio::test]
async fn a_request_failing_with_a_token_is_retried_without_one() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{ROLES_PATH}{ROLE}")))
        .and(header_exists("X-aliyun-ecs-metadata-token"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ROLES_PATH}{ROLE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.RETRIED")))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = EcsRamRoleProvider::builder()
        .role_name(ROLE)
        .config(&config(&[], None, &clock).with_metadata_base_url(server.uri()))
        .build();
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.RETRIED"
    );
}

#[tokio::test]
async fn metadata_errors_are_provider_failures_without_secrets() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{ROLES_PATH}{ROLE}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "Code": "Failed",
            "AccessKeySecret": FAKE_SECRET
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let provider = EcsRamRoleProvider::builder()
        .role_name(ROLE)
        .optional(true)
        .config(&config(&[], None, &clock).with_metadata_base_url(server.uri()))
        .build();
    let error = provider.provide_credentials().await.unwrap_err();
    // The service answered for a named role: that is a failure even when optional.
    assert!(
        matches!(error, CredentialsError::ProviderFailed { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("Failed"), "{text}");
    assert!(!text.contains(FAKE_SECRET), "{text}");
}

#[tokio::test]
async fn an_instance_without_a_role_is_not_configured_when_optional() {
    let server = MockServer::start().await;
    mount_token(&server, 2).await;
    Mock::given(method("GET"))
        .and(path(ROLES_PATH))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let clock = clock();
    let config = config(&[], None, &clock).with_metadata_base_url(server.uri());

    let optional = EcsRamRoleProvider::builder()
        .optional(true)
        .config(&config)
        .build();
    let error = optional.provide_credentials().await.unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");
    assert!(error.to_string().contains("no RAM role"), "{error}");

    let required = EcsRamRoleProvider::builder().config(&config).build();
    let error = required.provide_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::ProviderFailed { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unreachable_metadata_service_is_quick_and_not_configured_when_optional() {
    // Nothing listens on loopback port 9 in the sandbox: connection refused.
    let clock = clock();
    let config = config(&[], None, &clock).with_metadata_base_url("http://127.0.0.1:9");
    let started = std::time::Instant::now();
    let error = EcsRamRoleProvider::builder()
        .optional(true)
        .config(&config)
        .build()
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let error = EcsRamRoleProvider::builder()
        .config(&config)
        .build()
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(error, CredentialsError::ProviderFailed { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn disabled_by_the_environment() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = EcsRamRoleProvider::builder()
        .role_name(ROLE)
        .config(
            &config(
                &[("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")],
                None,
                &clock,
            )
            .with_metadata_base_url(server.uri()),
        )
        .build();
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(error.is_not_configured(), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("ALIBABA_CLOUD_ECS_METADATA_DISABLED"),
        "{error}"
    );
}
