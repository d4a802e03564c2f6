//! EAS operations the workflows use, against a local mock server.
//!
//! Each test checks the request field by field against what the official
//! Python SDK (`alibabacloud-eas20210701`) sends for the same input (captured
//! by running that SDK against a loopback server), then parses a realistic
//! response. The only difference: the raw JSON body's content type is
//! `application/json` (Python adds `; charset=utf-8`).

use alibabacloud_core::Config;
use alibabacloud_eas::Client;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    let config = Config::builder()
        .region("cn-hangzhou")
        .access_key("LTAI-fake-id", "fake-secret-not-real")
        .endpoint_override(server.uri())
        .build()
        .unwrap();
    Client::new(&config)
}

fn query(request: &Request) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    q.sort();
    q
}

fn header_of<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request");
    requests.remove(0)
}

const SERVICE_JSON: &str = r#"{"metadata":{"name":"demo_llm","instance":1},"containers":[{"image":"registry.example.invalid/vllm:0.5","port":8000}]}"#;

#[tokio::test]
async fn create_service_sends_the_config_verbatim() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/services"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-1", "ServiceId": "eas-m-1", "ServiceName": "demo_llm",
            "Status": "Creating", "Region": "cn-hangzhou",
            "InternetEndpoint": "http://1.cn-hangzhou.pai-eas.aliyuncs.com/api/predict/demo_llm",
            "IntranetEndpoint": "http://1.vpc.cn-hangzhou.pai-eas.aliyuncs.com/api/predict/demo_llm"
        })))
        .mount(&server)
        .await;

    let out = client(&server)
        .create_service()
        .body(SERVICE_JSON)
        .workspace_id("12345")
        .labels([("team", "ml")])
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/api/v2/services");
    assert_eq!(header_of(&request, "x-acs-action"), Some("CreateService"));
    assert_eq!(header_of(&request, "x-acs-version"), Some("2021-07-01"));
    assert_eq!(
        header_of(&request, "content-type"),
        Some("application/json")
    );
    assert_eq!(
        query(&request),
        [
            ("Labels".to_owned(), r#"{"team":"ml"}"#.to_owned()),
            ("WorkspaceId".to_owned(), "12345".to_owned()),
        ]
    );
    // Byte for byte what the caller gave (and what the Python SDK sends).
    assert_eq!(request.body, SERVICE_JSON.as_bytes());

    assert_eq!(out.service_name(), Some("demo_llm"));
    assert_eq!(out.status(), Some("Creating"));
    assert!(out.internet_endpoint().unwrap().ends_with("/demo_llm"));
}

#[tokio::test]
async fn describe_service_uses_cluster_and_name_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/services/cn-hangzhou/demo_llm"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-2",
            "ServiceName": "demo_llm",
            "Status": "Running",
            "Reason": "",
            "Message": "Service is now running",
            "RunningInstance": 1,
            "TotalInstance": "1",
            "PendingInstance": 0,
            "Cpu": 8,
            "Memory": 32000,
            "Gpu": 1,
            "Image": "registry.example.invalid/vllm:0.5",
            "InternetEndpoint": "http://1.cn-hangzhou.pai-eas.aliyuncs.com/api/predict/demo_llm",
            "IntranetEndpoint": "http://1.vpc.cn-hangzhou.pai-eas.aliyuncs.com/api/predict/demo_llm",
            "Labels": [{"LabelKey": "team", "LabelValue": "ml"}],
            "ServiceConfig": SERVICE_JSON,
            "SafetyLock": "dangerous"
        })))
        .mount(&server)
        .await;

    let service = client(&server)
        .describe_service()
        .cluster_id("cn-hangzhou")
        .service_name("demo_llm")
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(header_of(&request, "x-acs-action"), Some("DescribeService"));
    assert!(query(&request).is_empty());
    assert!(request.body.is_empty());

    assert_eq!(service.status(), Some("Running"));
    assert_eq!(service.running_instance(), Some(1));
    assert_eq!(service.total_instance(), Some(1));
    assert_eq!(service.gpu(), Some(1));
    assert_eq!(service.labels()[0].label_key(), Some("team"));
    assert_eq!(service.service_config(), Some(SERVICE_JSON));
    assert_eq!(
        service.safety_lock(),
        Some(&alibabacloud_eas::types::SafetyLock::Dangerous)
    );
}

#[tokio::test]
async fn describe_service_requires_the_path_parameters() {
    let server = MockServer::start().await;
    let err = client(&server)
        .describe_service()
        .cluster_id("cn-hangzhou")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, alibabacloud_core::Error::Validation { ref param, .. } if param == "ServiceName"),
        "{err}"
    );
}
