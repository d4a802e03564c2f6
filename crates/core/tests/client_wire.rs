//! The transport against a local mock server: wire shape, signature, retries,
//! timeouts, error bodies, size bounds, proxy and tracing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alibabacloud_core::credentials::Credentials;
use alibabacloud_core::endpoint::{EndpointRule, ServiceInfo};
use alibabacloud_core::error::TimeoutKind;
use alibabacloud_core::sign::{self, SignableRequest, SigningKey};
use alibabacloud_core::{
    ApiStyle, CallOptions, Config, Error, OperationMeta, Request, RetryPolicy, ServiceClient,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FAKE_ID: &str = "LTAI-test-fake-id";
const FAKE_SECRET: &str = "FAKE-SECRET-do-not-print";
const FAKE_TOKEN: &str = "FAKE-STS-TOKEN-do-not-print";

static ECS: ServiceInfo = ServiceInfo {
    product: "Ecs",
    version: "2014-05-26",
    style: ApiStyle::Rpc,
    endpoint_prefix: "ecs",
    endpoints: &[],
    rule: EndpointRule::Regional,
};

static DLC: ServiceInfo = ServiceInfo {
    product: "pai-dlc",
    version: "2020-12-03",
    style: ApiStyle::Roa,
    endpoint_prefix: "pai-dlc",
    endpoints: &[],
    rule: EndpointRule::Regional,
};

static DESCRIBE_INSTANCES: OperationMeta = OperationMeta {
    action: "DescribeInstances",
    method: "POST",
    path: "/",
    read_only: true,
};

static RUN_INSTANCES: OperationMeta = OperationMeta {
    action: "RunInstances",
    method: "POST",
    path: "/",
    read_only: false,
};

static GET_POD_LOGS: OperationMeta = OperationMeta {
    action: "GetPodLogs",
    method: "GET",
    path: "/api/v1/jobs/{JobId}/pods/{PodId}/logs",
    read_only: true,
};

static CREATE_JOB: OperationMeta = OperationMeta {
    action: "CreateJob",
    method: "POST",
    path: "/api/v1/jobs",
    read_only: false,
};

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

fn config(server: &MockServer) -> Config {
    Config::builder()
        .region("cn-hangzhou")
        .access_key(FAKE_ID, FAKE_SECRET)
        .endpoint_override(server.uri())
        .retry_policy(fast_retries(3))
        .build()
        .unwrap()
}

fn describe_instances() -> Request {
    let mut r = Request::new(&DESCRIBE_INSTANCES);
    let q = r.query_mut();
    q.push("RegionId", "cn-hangzhou");
    q.push_json("InstanceIds", &["i-1", "i-2"]).unwrap();
    q.push("Tag.1.Key", "team name");
    r
}

fn ok_json(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-acs-request-id", "REQ-OK")
        .set_body_json(body)
}

/// Recomputes the signature of a received request with the same secret.
fn assert_signed(req: &wiremock::Request, secret: &str) {
    let auth = req.headers.get("authorization").unwrap().to_str().unwrap();
    let query: Vec<(String, String)> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .filter(|(k, _)| k != "authorization")
        .collect();
    let id = auth
        .split("Credential=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let expected = sign::sign(
        &SignableRequest {
            method: req.method.as_str(),
            path: req.url.path(),
            query: &query,
            headers: &headers,
            body: &req.body,
        },
        SigningKey {
            access_key_id: id,
            access_key_secret: secret,
        },
    );
    assert_eq!(auth, expected.authorization);
}

#[tokio::test]
async fn rpc_request_has_the_v3_wire_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-acs-action", "DescribeInstances"))
        .and(header("x-acs-version", "2014-05-26"))
        .respond_with(ok_json(
            serde_json::json!({"RequestId": "R", "TotalCount": 0}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &ECS);
    let resp = client.send(describe_instances()).await.unwrap();
    assert_eq!(resp.request_id(), Some("REQ-OK"));
    let v: serde_json::Value = resp.json("DescribeInstances").unwrap();
    assert_eq!(v["TotalCount"], 0);

    let received = &server.received_requests().await.unwrap()[0];
    // Query is sorted and RFC 3986 encoded on the wire.
    assert_eq!(
        received.url.query().unwrap(),
        "InstanceIds=%5B%22i-1%22%2C%22i-2%22%5D&RegionId=cn-hangzhou&Tag.1.Key=team%20name"
    );
    for h in [
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "user-agent",
    ] {
        assert!(received.headers.contains_key(h), "missing {h}");
    }
    assert!(!received.headers.contains_key("x-acs-security-token"));
    let auth = received.headers["authorization"].to_str().unwrap();
    assert!(auth.starts_with("ACS3-HMAC-SHA256 Credential=LTAI-test-fake-id,SignedHeaders=host;"));
    assert_signed(received, FAKE_SECRET);
    assert!(received.body.is_empty());
}

#[tokio::test]
async fn roa_request_carries_path_params_and_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/jobs/dlc1/pods/dlc1-worker-0/logs"))
        .respond_with(ok_json(serde_json::json!({"Logs": ["a"]})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/jobs"))
        .and(header("content-type", "application/json"))
        .respond_with(ok_json(serde_json::json!({"JobId": "dlc1"})))
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &DLC);

    let mut logs = Request::new(&GET_POD_LOGS);
    logs.path_param("JobId", "dlc1").unwrap();
    logs.path_param("PodId", "dlc1-worker-0").unwrap();
    logs.query_mut().push("MaxLines", 100);
    let v: serde_json::Value = client.send_json(logs).await.unwrap();
    assert_eq!(v["Logs"][0], "a");

    let mut create = Request::new(&CREATE_JOB);
    create
        .json_body(&serde_json::json!({"DisplayName": "x", "JobType": "PyTorchJob"}))
        .unwrap();
    let v: serde_json::Value = client.send_json(create).await.unwrap();
    assert_eq!(v["JobId"], "dlc1");

    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].url.query(), Some("MaxLines=100"));
    assert_eq!(
        received[1].body,
        br#"{"DisplayName":"x","JobType":"PyTorchJob"}"#
    );
    assert_eq!(
        received[1].headers["x-acs-content-sha256"]
            .to_str()
            .unwrap(),
        sign::content_sha256(&received[1].body)
    );
    for r in &received {
        assert_eq!(r.headers["x-acs-version"], "2020-12-03");
        assert_signed(r, FAKE_SECRET);
    }
}

#[tokio::test]
async fn form_body_and_sts_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("x-acs-security-token", FAKE_TOKEN))
        .respond_with(ok_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let cfg = config(&server)
        .to_builder()
        .credentials(Credentials::new(FAKE_ID, FAKE_SECRET, "test").with_security_token(FAKE_TOKEN))
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    let mut r = Request::new(&RUN_INSTANCES);
    r.form_mut().push("UserData", "a b+c");
    client.send(r).await.unwrap();
    let received = &server.received_requests().await.unwrap()[0];
    assert_eq!(received.body, b"UserData=a%20b%2Bc");
    assert_signed(received, FAKE_SECRET);
}

#[tokio::test]
async fn a_503_storm_that_ends_in_success_is_retried_through() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({"RequestId": "R"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &ECS);
    client.send(describe_instances()).await.unwrap();
}

#[tokio::test]
async fn a_503_storm_that_lasts_gives_up_with_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({
            "Code": "ServiceUnavailable", "Message": "try later", "RequestId": "R-LAST"
        })))
        .expect(4)
        .mount(&server)
        .await;
    let cfg = config(&server)
        .to_builder()
        .retry_policy(fast_retries(4))
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    let err = client.send(describe_instances()).await.unwrap_err();
    assert_eq!(err.code(), Some("ServiceUnavailable"));
    assert_eq!(err.request_id(), Some("R-LAST"));
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn throttling_is_retried_even_for_writes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "Code": "Throttling.User", "Message": "slow down", "RequestId": "R"
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &ECS);
    client.send(Request::new(&RUN_INSTANCES)).await.unwrap();
}

#[tokio::test]
async fn a_write_without_token_is_not_retried_after_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(serde_json::json!({
            "Code": "InternalError", "Message": "oops", "RequestId": "R"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &ECS);
    let err = client.send(Request::new(&RUN_INSTANCES)).await.unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
}

#[tokio::test]
async fn a_write_with_client_token_is_retried_after_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({"InstanceIdSets": {}})))
        .expect(1)
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &ECS);
    let mut r = Request::new(&RUN_INSTANCES);
    r.query_mut().push("ClientToken", "tok-1");
    r.set_idempotency_token(true);
    client.send(r).await.unwrap();
    // The same token went out both times.
    let received = server.received_requests().await.unwrap();
    assert!(
        received
            .iter()
            .all(|r| r.url.query() == Some("ClientToken=tok-1"))
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_never_sent_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let cfg = Config::builder()
        .access_key(FAKE_ID, FAKE_SECRET)
        .endpoint_override(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    let err = client.send(Request::new(&RUN_INSTANCES)).await.unwrap_err();
    match err {
        Error::Transport { maybe_sent, .. } => assert!(!maybe_sent),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn read_timeout_is_typed_and_retried_for_reads() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({})).set_delay(Duration::from_millis(500)))
        .expect(2)
        .mount(&server)
        .await;
    let cfg = config(&server)
        .to_builder()
        .read_timeout(Duration::from_millis(50))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    let err = client.send(describe_instances()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Read,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn per_call_options_override_the_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &ECS);
    let mut r = describe_instances();
    r.set_options(CallOptions::new().retry(RetryPolicy::disabled()));
    let err = client.send(r).await.unwrap_err();
    assert_eq!(err.status(), Some(503));

    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({})).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&slow)
        .await;
    let client = ServiceClient::new(&config(&slow), &ECS);
    let mut r = describe_instances();
    r.set_options(
        CallOptions::new()
            .read_timeout(Duration::from_millis(30))
            .retry(RetryPolicy::disabled()),
    );
    assert!(matches!(
        client.send(r).await.unwrap_err(),
        Error::Timeout {
            kind: TimeoutKind::Read,
            ..
        }
    ));
}

#[tokio::test]
async fn total_budget_bounds_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_delay(Duration::from_millis(60)))
        .mount(&server)
        .await;
    let policy = fast_retries(50).with_max_total(Some(Duration::from_millis(200)));
    let cfg = config(&server)
        .to_builder()
        .retry_policy(policy)
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    let started = std::time::Instant::now();
    let err = client.send(describe_instances()).await.unwrap_err();
    // Either the last 503 or the budget running out mid-attempt.
    assert!(
        err.status() == Some(503)
            || matches!(
                err,
                Error::Timeout {
                    kind: TimeoutKind::Total,
                    ..
                }
            ),
        "{err:?}"
    );
    let hits = server.received_requests().await.unwrap().len();
    assert!(
        hits < 50,
        "the budget should stop retries long before 50 attempts ({hits})"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn html_error_page_from_a_proxy_gives_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_string("<html><body>502 Bad Gateway</body></html>")
                .insert_header("content-type", "text/html"),
        )
        .mount(&server)
        .await;
    let cfg = config(&server)
        .to_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    let err = client.send(describe_instances()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HTTP 502"), "{text}");
    assert!(text.contains("502 Bad Gateway"), "{text}");
}

#[tokio::test]
async fn bad_json_in_a_success_is_a_deserialize_error_with_snippet() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json at all"))
        .mount(&server)
        .await;
    let client = ServiceClient::new(&config(&server), &ECS);
    let err = client
        .send_json::<serde_json::Value>(describe_instances())
        .await
        .unwrap_err();
    match err {
        Error::Deserialize {
            context,
            body_snippet,
        } => {
            assert!(context.contains("DescribeInstances"), "{context}");
            assert_eq!(body_snippet, "not json at all");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn oversized_responses_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(10_000)))
        .mount(&server)
        .await;
    let cfg = config(&server)
        .to_builder()
        .max_response_bytes(1_000)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    let err = client.send(describe_instances()).await.unwrap_err();
    assert!(err.to_string().contains("1000-byte limit"), "{err}");
}

#[tokio::test]
async fn user_agent_suffix_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let cfg = config(&server)
        .to_builder()
        .user_agent_suffix("my-tool/1.2")
        .build()
        .unwrap();
    ServiceClient::new(&cfg, &ECS)
        .send(describe_instances())
        .await
        .unwrap();
    let ua = server.received_requests().await.unwrap()[0].headers["user-agent"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ua.starts_with("alibabacloud-rust-sdk/"), "{ua}");
    assert!(ua.ends_with(" my-tool/1.2"), "{ua}");
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let proxy = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({"via": "proxy"})))
        .expect(1)
        .mount(&proxy)
        .await;
    // The endpoint is never resolved: the proxy receives the request.
    let cfg = Config::builder()
        .access_key(FAKE_ID, FAKE_SECRET)
        .endpoint_override("http://ecs.example.invalid")
        .proxy(proxy.uri())
        .build()
        .unwrap();
    let v: serde_json::Value = ServiceClient::new(&cfg, &ECS)
        .send_json(describe_instances())
        .await
        .unwrap();
    assert_eq!(v["via"], "proxy");
}

#[test]
fn bad_settings_are_validation_errors() {
    let base = || Config::builder().access_key(FAKE_ID, FAKE_SECRET);
    assert!(matches!(
        base().region("Not A Region").build(),
        Err(Error::Validation { ref param, .. }) if param == "region"
    ));
    assert!(matches!(
        base().endpoint_override("ftp://x").build(),
        Err(Error::Validation { ref param, .. }) if param == "endpoint"
    ));
    assert!(matches!(
        base().user_agent_suffix("a\nb").build(),
        Err(Error::Validation { ref param, .. }) if param == "user_agent_suffix"
    ));
}

/// Captures every span field and event message the SDK emits.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_names_the_call_and_never_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let cfg = config(&server)
        .to_builder()
        .credentials(Credentials::new(FAKE_ID, FAKE_SECRET, "test").with_security_token(FAKE_TOKEN))
        .build()
        .unwrap();
    let client = ServiceClient::new(&cfg, &ECS);
    client.send(describe_instances()).await.unwrap();
    tracing::info!(config = ?cfg, client = ?client, "formatted");
    let out = capture.0.lock().unwrap().clone();
    assert!(out.contains("product=\"Ecs\""), "{out}");
    assert!(out.contains("action=\"DescribeInstances\""), "{out}");
    assert!(out.contains("attempt=2"), "{out}");
    assert!(out.contains("request_id=\"REQ-OK\""), "{out}");
    assert!(!out.contains(FAKE_SECRET), "secret leaked into logs");
    assert!(!out.contains(FAKE_TOKEN), "token leaked into logs");
}
