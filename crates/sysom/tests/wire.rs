//! SysOM diagnosis operations against a local mock server, checked field by
//! field against what the official Python SDK (`alibabacloud-sysom20231230`)
//! sends for the same input (captured by running that SDK against a loopback
//! server). Difference: the JSON body's content type is `application/json`
//! (Python adds `; charset=utf-8`).

use alibabacloud_core::Config;
use alibabacloud_sysom::Client;
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

#[tokio::test]
async fn invoke_diagnosis_sends_a_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/openapi/diagnosis/invoke_diagnosis"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "request_id": "R-1", "code": "Success", "message": "",
            "data": {"task_id": "task-1"}
        })))
        .mount(&server)
        .await;

    let params = r#"{"type":"ocd","instance":"eas-1"}"#;
    let out = client(&server)
        .invoke_diagnosis()
        .service_name("ocd")
        .channel("ecs")
        .params(params)
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request
            .headers
            .get("x-acs-action")
            .unwrap()
            .to_str()
            .unwrap(),
        "InvokeDiagnosis"
    );
    assert_eq!(
        request
            .headers
            .get("x-acs-version")
            .unwrap()
            .to_str()
            .unwrap(),
        "2023-12-30"
    );
    assert_eq!(
        request
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap(),
        "application/json"
    );
    assert!(request.url.query().is_none());
    // The Python SDK's body for the same input.
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        r#"{"channel":"ecs","params":"{\"type\":\"ocd\",\"instance\":\"eas-1\"}","service_name":"ocd"}"#
    );
    assert_eq!(out.code(), Some("Success"));
    assert_eq!(out.data().and_then(|d| d.task_id()), Some("task-1"));
}

#[tokio::test]
async fn invoke_diagnosis_checks_required_members() {
    let server = MockServer::start().await;
    let err = client(&server)
        .invoke_diagnosis()
        .service_name("ocd")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, alibabacloud_core::Error::Validation { ref param, .. } if param == "channel"),
        "{err}"
    );
}

#[tokio::test]
async fn get_diagnosis_result_parses_status_and_free_form_result() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/openapi/diagnosis/get_diagnosis_results"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "request_id": "R-2", "code": "Success", "message": "",
            "data": {
                "task_id": "task-1",
                "status": "Success",
                "service_name": "ocd",
                "code": "0",
                "err_msg": "",
                "url": "https://sysom.example.invalid/diagnose/task-1",
                "params": {"type": "ocd", "instance": "eas-1"},
                "result": {"summary": {"status": "normal", "cause": "none", "suggestion": []}}
            }
        })))
        .mount(&server)
        .await;

    let out = client(&server)
        .get_diagnosis_result()
        .task_id("task-1")
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.query(), Some("task_id=task-1"));
    assert!(request.body.is_empty());

    let data = out.data().unwrap();
    assert_eq!(
        data.status(),
        Some(&alibabacloud_sysom::operations::get_diagnosis_result::Status::Success)
    );
    assert_eq!(data.code(), Some(0));
    assert_eq!(
        data.result().unwrap()["summary"]["status"],
        serde_json::json!("normal")
    );
}

#[tokio::test]
async fn an_unknown_task_status_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": {"task_id": "task-1", "status": "Queued"}
        })))
        .mount(&server)
        .await;
    let out = client(&server)
        .get_diagnosis_result()
        .task_id("task-1")
        .send()
        .await
        .unwrap();
    let status = out.data().unwrap().status().unwrap();
    assert_eq!(status.as_str(), "Queued");
    assert!(matches!(
        status,
        alibabacloud_sysom::operations::get_diagnosis_result::Status::Unknown(_)
    ));
}
