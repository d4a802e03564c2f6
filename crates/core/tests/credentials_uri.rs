//! The credentials-URI provider, and the caching every temporary-credential
//! provider shares, against a local fake endpoint.

mod credentials_support;

use std::sync::Arc;
use std::time::Duration;

use alibabacloud_core::credentials::{
    CachedProvider, CredentialsError, ProvideCredentials, UriProvider,
};
use credentials_support::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn fetches_credentials_from_the_uri() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/creds"))
        .and(query_param("access", "fake-query-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.URIFAKE")))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let uri = format!("{}/creds?access=fake-query-token", server.uri());
    let provider = UriProvider::from_env(&config(
        &[("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)],
        None,
        &clock,
    ))
    .unwrap();
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.access_key_id(), "STS.URIFAKE");
    assert_eq!(credentials.access_key_secret(), FAKE_SECRET);
    assert_eq!(credentials.security_token(), Some(FAKE_TOKEN));
    assert_eq!(
        credentials.expiration(),
        Some(start() + Duration::from_secs(3600))
    );
    assert_eq!(credentials.provider_name(), "credentials_uri");
    assert!(!format!("{provider:?}").contains("fake-query-token"));
}

#[tokio::test]
async fn http_errors_and_failed_codes_are_provider_failures() {
    let server = MockServer::start().await;
    Mock::given(path("/500"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>upstream broke</html>"))
        .mount(&server)
        .await;
    Mock::given(path("/failed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "Code": "Failed", "Message": "role not ready", "AccessKeySecret": FAKE_SECRET
        })))
        .mount(&server)
        .await;
    Mock::given(path("/garbage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(format!("{{\"AccessKeySecret\":\"{FAKE_SECRET}\"")),
        )
        .mount(&server)
        .await;
    Mock::given(path("/bad-expiry"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "Code": "Success", "AccessKeyId": "STS.X", "AccessKeySecret": FAKE_SECRET,
            "SecurityToken": FAKE_TOKEN, "Expiration": "next tuesday"
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let config = config(&[], None, &clock);
    for (route, expected) in [
        ("/500", "HTTP 500"),
        ("/failed", "role not ready"),
        ("/garbage", "not valid JSON"),
        ("/bad-expiry", "Expiration"),
    ] {
        let provider = UriProvider::new(&format!("{}{route}", server.uri()), &config).unwrap();
        let error = provider.provide_credentials().await.unwrap_err();
        assert!(
            matches!(error, CredentialsError::ProviderFailed { .. }),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.contains(expected), "{route}: {text}");
        assert!(!text.contains(FAKE_SECRET), "{route}: {text}");
        assert!(!format!("{error:?}").contains(FAKE_SECRET));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_one_upstream_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/creds"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(flat_success("STS.SHARED"))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = Arc::new(
        UriProvider::new(
            &format!("{}/creds", server.uri()),
            &config(&[], None, &clock),
        )
        .unwrap(),
    );
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let provider = provider.clone();
        tasks.push(tokio::spawn(
            async move { provider.provide_credentials().await },
        ));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().access_key_id(), "STS.SHARED");
    }
    server.verify().await;
}

#[tokio::test]
async fn refreshes_before_expiry_but_not_while_fresh() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.FIRST")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = UriProvider::new(&server.uri(), &config(&[], None, &clock)).unwrap();
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.FIRST"
    );

    // 3 min 1 s before expiry: still fresh, no request.
    clock.advance(Duration::from_secs(3600 - 181));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.FIRST"
    );
    server.verify().await;

    // Inside the 3-minute margin: refreshed although not expired.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "Code": "Success", "AccessKeyId": "STS.SECOND", "AccessKeySecret": FAKE_SECRET,
            "SecurityToken": FAKE_TOKEN, "Expiration": "2026-11-24T09:00:00Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    clock.advance(Duration::from_secs(2));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.SECOND"
    );
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.SECOND"
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_valid_credentials_then_reports_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.STALE")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({
            "Code": "ServiceUnavailable", "Message": "try later"
        })))
        .mount(&server)
        .await;
    let clock = clock();
    let provider = UriProvider::new(&server.uri(), &config(&[], None, &clock)).unwrap();
    provider.provide_credentials().await.unwrap();

    // One minute before expiry the refresh fails: the old ones are still valid.
    clock.advance(Duration::from_secs(3600 - 60));
    assert_eq!(
        provider
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "STS.STALE"
    );

    // Expired: now the failure comes through.
    clock.advance(Duration::from_secs(61));
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(error.to_string().contains("ServiceUnavailable"), "{error}");
}

#[tokio::test]
async fn custom_refresh_margin() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(flat_success("STS.MARGIN")))
        .expect(2)
        .mount(&server)
        .await;
    let clock = clock();
    let provider = UriProvider::new(
        &server.uri(),
        &config(&[], None, &clock).with_refresh_margin(Duration::from_secs(900)),
    )
    .unwrap();
    provider.provide_credentials().await.unwrap();
    clock.advance(Duration::from_secs(3600 - 899));
    provider.provide_credentials().await.unwrap();
}

/// A provider that counts its calls, for [`CachedProvider`].
#[derive(Debug)]
struct Counting {
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl ProvideCredentials for Counting {
    async fn provide_credentials(
        &self,
    ) -> Result<alibabacloud_core::credentials::Credentials, CredentialsError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(
            alibabacloud_core::credentials::Credentials::new("STS.COUNT", FAKE_SECRET, "counting")
                .with_security_token(FAKE_TOKEN)
                .with_expiration(start() + Duration::from_secs(3600)),
        )
    }
}

#[tokio::test]
async fn cached_provider_wraps_any_provider() {
    let clock = clock();
    let cached = CachedProvider::new(
        Counting {
            calls: Default::default(),
        },
        Arc::new(clock.clone()),
    );
    for _ in 0..5 {
        cached.provide_credentials().await.unwrap();
    }
    assert_eq!(
        cached
            .inner()
            .calls
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    clock.advance(Duration::from_secs(3600 - 60));
    cached.provide_credentials().await.unwrap();
    assert_eq!(
        cached
            .inner()
            .calls
            .load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    assert!(!format!("{cached:?}").contains(FAKE_SECRET));
}
