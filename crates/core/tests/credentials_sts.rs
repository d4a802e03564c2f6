//! STS-based providers against a local fake STS: `AssumeRole` (signed) and
//! `AssumeRoleWithOIDC` (anonymous).

mod credentials_support;

use std::sync::Arc;
use std::time::Duration;

use alibabacloud_core::credentials::{
    CredentialsError, OidcRoleProvider, ProvideCredentials, RamRoleArnProvider, StaticProvider,
};
use credentials_support::*;
use wiremock::matchers::{body_string_contains, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROLE_ARN: &str = "acs:ram::1234567890:role/fake-role";
const OIDC_PROVIDER_ARN: &str = "acs:ram::1234567890:oidc-provider/fake-provider";

#[tokio::test]
async fn assume_role_is_signed_with_the_source_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-acs-action", "AssumeRole"))
        .and(header("x-acs-version", "2015-04-01"))
        .and(header_exists("x-acs-date"))
        .and(header_exists("x-acs-signature-nonce"))
        .and(header_exists("x-acs-content-sha256"))
        .and(header_exists("authorization"))
        .and(query_param("RoleArn", ROLE_ARN))
        .and(query_param("RoleSessionName", "fake-session"))
        .and(query_param("DurationSeconds", "3600"))
        .and(query_param("Policy", r#"{"Statement":[],"Version":"1"}"#))
        .and(query_param("ExternalId", "fake-external-id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.ASSUMED")))
        .expect(1)
        .mount(&server)
        .await;

    let clock = clock();
    let source = Arc::new(StaticProvider::new(FAKE_ID, FAKE_SECRET));
    let provider = RamRoleArnProvider::builder(source, ROLE_ARN)
        .role_session_name("fake-session")
        .policy(r#"{"Statement":[],"Version":"1"}"#)
        .external_id("fake-external-id")
        .config(&config(&[], None, &clock).with_sts_endpoint(server.uri()))
        .build()
        .unwrap();

    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.ASSUMED");
    assert_eq!(credentials.access_key_secret(), FAKE_SECRET);
    assert_eq!(credentials.security_token(), Some(FAKE_TOKEN));
    assert_eq!(
        credentials.expiration(),
        Some(start() + Duration::from_secs(3600))
    );
    assert_eq!(credentials.provider_name(), "ram_role_arn");

    // Cached: a second call does not reach STS (`.expect(1)`).
    provider.provide_credentials().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_signed_v3(request, FAKE_ID, FAKE_SECRET);
    assert_eq!(
        header_value(request, "x-acs-date"),
        Some("2026-11-24T07:00:00Z")
    );
    assert_eq!(header_value(request, "x-acs-security-token"), None);
    let authorization = header_value(request, "authorization").unwrap();
    assert!(
        authorization.contains(
            "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        ),
        "{authorization}"
    );
}

#[tokio::test]
async fn sts_source_credentials_send_their_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-acs-security-token", "SOURCE-FAKE-TOKEN"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.CHAINED")))
        .expect(1)
        .mount(&server)
        .await;

    let clock = clock();
    let source = Arc::new(StaticProvider::with_security_token(
        "STS.SOURCEFAKE",
        FAKE_SECRET,
        "SOURCE-FAKE-TOKEN",
    ));
    let provider = RamRoleArnProvider::builder(source, ROLE_ARN)
        .config(&config(&[], None, &clock).with_sts_endpoint(server.uri()))
        .build()
        .unwrap();
    provider.provide_credentials().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_signed_v3(&requests[0], "STS.SOURCEFAKE", FAKE_SECRET);
    let authorization = header_value(&requests[0], "authorization").unwrap();
    assert!(
        authorization.contains("x-acs-security-token"),
        "{authorization}"
    );
    // Default session name and duration.
    let query: Vec<(String, String)> = requests[0]
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(pair(&query, "DurationSeconds"), Some("3600"));
    assert!(
        pair(&query, "RoleSessionName")
            .unwrap()
            .starts_with("alibabacloud-rust-sdk-")
    );
    assert_eq!(pair(&query, "Policy"), None);
    assert_eq!(pair(&query, "ExternalId"), None);
}

#[tokio::test]
async fn sts_errors_carry_status_code_and_message_but_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "RequestId": "REQ-DENIED",
            "HostId": "sts.aliyuncs.com",
            "Code": "NoPermission.RoleArn",
            "Message": format!("You are not authorized to assume this role (key {FAKE_SECRET})."),
            "Recommend": "https://example.invalid/diag"
        })))
        .mount(&server)
        .await;

    let clock = clock();
    let source = Arc::new(StaticProvider::new(FAKE_ID, FAKE_SECRET));
    let provider = RamRoleArnProvider::builder(source, ROLE_ARN)
        .config(&config(&[], None, &clock).with_sts_endpoint(server.uri()))
        .build()
        .unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(
        matches!(
            error,
            CredentialsError::ProviderFailed {
                provider: "ram_role_arn",
                ..
            }
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(text.contains("NoPermission.RoleArn"), "{text}");
    assert!(text.contains("not authorized"), "{text}");
    assert!(text.contains("REQ-DENIED"), "{text}");
    assert!(!text.contains(FAKE_SECRET), "{text}");
    assert!(!format!("{error:?}").contains(FAKE_SECRET));
}

#[tokio::test]
async fn sts_answers_without_credentials_are_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R",
            "Credentials": {"AccessKeyId": "STS.X", "AccessKeySecret": FAKE_SECRET, "Expiration": EXPIRATION}
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let provider = RamRoleArnProvider::builder(
        Arc::new(StaticProvider::new(FAKE_ID, FAKE_SECRET)),
        ROLE_ARN,
    )
    .config(&config(&[], None, &clock).with_sts_endpoint(server.uri()))
    .build()
    .unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("SecurityToken"), "{text}");
    assert!(!text.contains(FAKE_SECRET), "{text}");
}

#[tokio::test]
async fn source_failures_are_reported_with_context() {
    let clock = clock();
    let source = Arc::new(alibabacloud_core::credentials::EnvironmentProvider::new(
        alibabacloud_core::env::Env::fake([("ALIBABA_CLOUD_ACCESS_KEY_ID", FAKE_ID)], None),
    ));
    let provider = RamRoleArnProvider::builder(source, ROLE_ARN)
        .config(&config(&[], None, &clock).with_sts_endpoint("http://127.0.0.1:9"))
        .build()
        .unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(error.to_string().contains("source credentials"), "{error}");
}

#[tokio::test]
async fn unreachable_sts_is_a_provider_failure() {
    let clock = clock();
    // Port 9 (discard) on loopback: nothing listens there in the test sandbox.
    let provider = RamRoleArnProvider::builder(
        Arc::new(StaticProvider::new(FAKE_ID, FAKE_SECRET)),
        ROLE_ARN,
    )
    .config(&config(&[], None, &clock).with_sts_endpoint("http://127.0.0.1:9"))
    .build()
    .unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::ProviderFailed { .. }),
        "{error:?}"
    );
}

#[test]
fn bad_settings_are_refused_up_front() {
    let source = Arc::new(StaticProvider::new(FAKE_ID, FAKE_SECRET));
    let e = RamRoleArnProvider::builder(source.clone(), " ")
        .build()
        .unwrap_err();
    assert!(matches!(e, CredentialsError::InvalidConfig { .. }), "{e:?}");
    let e = RamRoleArnProvider::builder(source, ROLE_ARN)
        .duration_seconds(899)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("900"), "{e}");
}

#[tokio::test]
async fn assume_role_with_oidc_is_anonymous_and_rereads_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(query_param("Action", "AssumeRoleWithOIDC"))
        .and(query_param("Version", "2015-04-01"))
        .and(query_param("Format", "JSON"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("OIDCProviderArn="))
        .respond_with(ResponseTemplate::new(200).set_body_json(sts_success("STS.OIDC")))
        .expect(2)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "fake.oidc.token-1\n").unwrap();
    let clock = clock();
    let vars = [
        ("ALIBABA_CLOUD_ROLE_ARN", ROLE_ARN),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER_ARN),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.to_str().unwrap(),
        ),
        ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "fake-oidc-session"),
    ];
    let provider =
        OidcRoleProvider::from_env(&config(&vars, None, &clock).with_sts_endpoint(server.uri()))
            .unwrap();

    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.OIDC");
    assert_eq!(credentials.security_token(), Some(FAKE_TOKEN));
    assert_eq!(credentials.provider_name(), "oidc_role_arn");

    // Fresh: no second request. Then the platform rotates the token, and the
    // clock reaches the refresh margin (3 minutes before expiry).
    provider.provide_credentials().await.unwrap();
    std::fs::write(&token_file, "fake.oidc.token-2").unwrap();
    clock.advance(Duration::from_secs(3600 - 120));
    provider.provide_credentials().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for (request, token) in requests
        .iter()
        .zip(["fake.oidc.token-1", "fake.oidc.token-2"])
    {
        assert!(
            header_value(request, "authorization").is_none(),
            "OIDC calls are anonymous"
        );
        assert!(
            !request.url.as_str().contains("fake.oidc.token"),
            "token must not be in the URL"
        );
        let form = form(request);
        assert_eq!(pair(&form, "OIDCToken"), Some(token));
        assert_eq!(pair(&form, "RoleArn"), Some(ROLE_ARN));
        assert_eq!(pair(&form, "OIDCProviderArn"), Some(OIDC_PROVIDER_ARN));
        assert_eq!(pair(&form, "RoleSessionName"), Some("fake-oidc-session"));
        assert_eq!(pair(&form, "DurationSeconds"), Some("3600"));
        assert_eq!(pair(&form, "Policy"), None);
    }
}

#[tokio::test]
async fn oidc_policy_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "RequestId": "REQ-OIDC",
            "Code": "AuthenticationFail.OIDCToken.Expired",
            "Message": "The OIDC token has expired: fake.oidc.token-x"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "fake.oidc.token-x").unwrap();
    let clock = clock();
    let provider = OidcRoleProvider::builder(ROLE_ARN, OIDC_PROVIDER_ARN, &token_file)
        .policy(r#"{"Version":"1"}"#)
        .duration_seconds(900)
        .config(&config(&[], None, &clock).with_sts_endpoint(server.uri()))
        .build()
        .unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("AuthenticationFail.OIDCToken.Expired"),
        "{text}"
    );
    assert!(text.contains("HTTP 400"), "{text}");
    assert!(
        !text.contains("fake.oidc.token-x"),
        "the token is scrubbed: {text}"
    );

    let requests = server.received_requests().await.unwrap();
    let form = form(&requests[0]);
    assert_eq!(pair(&form, "Policy"), Some(r#"{"Version":"1"}"#));
    assert_eq!(pair(&form, "DurationSeconds"), Some("900"));
}

#[tokio::test]
async fn missing_oidc_token_file_is_an_error() {
    let clock = clock();
    let provider =
        OidcRoleProvider::builder(ROLE_ARN, OIDC_PROVIDER_ARN, "/nonexistent/fake/token")
            .config(&config(&[], None, &clock).with_sts_endpoint("http://127.0.0.1:9"))
            .build()
            .unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/fake/token"),
        "{error}"
    );
}
