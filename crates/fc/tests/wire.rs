//! Function Compute operations the workflows use, against a local mock
//! server, checked field by field against what the official Python SDK
//! (`alibabacloud-fc20230330`) sends for the same input (captured by running
//! that SDK against a loopback server). Differences: list members left unset
//! are not sent (the Python model writes `"tags": []`), and the JSON body's
//! content type is `application/json` (Python adds `; charset=utf-8`).

use alibabacloud_core::Config;
use alibabacloud_fc::Client;
use alibabacloud_fc::types::{CreateFunctionInput, InputCodeLocation};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    let config = Config::builder()
        .region("cn-hangzhou")
        .access_key("LTAI-fake-id", "fake-secret-not-real")
        .endpoint_override(server.uri())
        .build()
        .unwrap();
    Client::new(&config)
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn create_function_sends_the_input_as_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2023-03-30/functions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "functionName": "train-step",
            "functionId": "f-1",
            "functionArn": "acs:fc:cn-hangzhou:1234567890:functions/train-step",
            "runtime": "python3.10",
            "handler": "index.handler",
            "memorySize": 512,
            "cpu": 0.5,
            "timeout": "60",
            "state": "Active",
            "environmentVariables": {"STAGE": "test"},
            "createdTime": "2024-01-01T00:00:00Z"
        })))
        .mount(&server)
        .await;

    let function = client(&server)
        .create_function()
        .body(
            CreateFunctionInput::default()
                .with_function_name("train-step")
                .with_runtime("python3.10")
                .with_handler("index.handler")
                .with_memory_size(512)
                .with_timeout(60)
                .with_cpu(0.5)
                .with_disk_size(512)
                .with_code(InputCodeLocation::default().with_zip_file("UEsDBA=="))
                .with_environment_variables([("STAGE", "test")]),
        )
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(header(request, "x-acs-action"), Some("CreateFunction"));
    assert_eq!(header(request, "x-acs-version"), Some("2023-03-30"));
    assert_eq!(header(request, "content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "code": {"zipFile": "UEsDBA=="},
            "cpu": 0.5,
            "diskSize": 512,
            "environmentVariables": {"STAGE": "test"},
            "functionName": "train-step",
            "handler": "index.handler",
            "memorySize": 512,
            "runtime": "python3.10",
            "timeout": 60
        })
    );

    assert_eq!(function.function_id(), Some("f-1"));
    assert_eq!(function.memory_size(), Some(512));
    assert_eq!(function.timeout(), Some(60));
    assert_eq!(function.cpu(), Some(0.5));
    assert_eq!(function.state(), Some("Active"));
}

#[tokio::test]
async fn invoke_function_sends_bytes_and_headers_and_returns_bytes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2023-03-30/functions/train-step/invocations"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-fc-log-result", "U1RBUlQgUmVxdWVzdElk")
                .insert_header("x-acs-request-id", "R-2")
                .set_body_bytes(b"\x00result bytes".to_vec()),
        )
        .mount(&server)
        .await;

    let out = client(&server)
        .invoke_function()
        .function_name("train-step")
        .qualifier("LATEST")
        .x_fc_invocation_type("Sync")
        .x_fc_log_type("Tail")
        .body(br#"{"x":1}"#.to_vec())
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(request.url.query(), Some("qualifier=LATEST"));
    assert_eq!(header(request, "x-acs-action"), Some("InvokeFunction"));
    assert_eq!(header(request, "x-fc-invocation-type"), Some("Sync"));
    assert_eq!(header(request, "x-fc-log-type"), Some("Tail"));
    assert_eq!(
        header(request, "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(request.body, br#"{"x":1}"#);

    assert_eq!(out.status(), 200);
    assert_eq!(out.request_id(), Some("R-2"));
    assert_eq!(out.header("x-fc-log-result"), Some("U1RBUlQgUmVxdWVzdElk"));
    assert_eq!(&out.body()[..], b"\x00result bytes");
}
