//! PAI-DLC operations the workflows use, against a local mock server.
//!
//! Each test checks the request field by field against what the official
//! Python SDK (`alibabacloud-pai-dlc20201203`) sends for the same input
//! (captured by running that SDK against a loopback server), then parses a
//! realistic response. Known, deliberate differences from the Python SDK:
//!
//! - booleans in the query are `true` / `false` (the API reference, Go and
//!   Java SDKs); the Python SDK writes Python's `True` / `False`;
//! - list members left unset are not sent; the Python `JobSpec` model writes
//!   `"ElasticSpotSpecs": []`, `"LocalMountSpecs": []` and
//!   `"StartupDependencies": []` even when the caller set none;
//! - the JSON body's content type is `application/json` (Python adds
//!   `; charset=utf-8`; the body is UTF-8 either way).

use alibabacloud_core::Config;
use alibabacloud_pai_dlc::Client;
use alibabacloud_pai_dlc::operations::create_job::CreateJobDataSource;
use alibabacloud_pai_dlc::types::JobSpec;
use futures::TryStreamExt;
use wiremock::matchers::{header, method, path, query_param};
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

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn header_of<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request");
    requests.remove(0)
}

fn assert_roa(request: &Request, method: &str, path: &str, action: &str) {
    assert_eq!(request.method.as_str(), method);
    assert_eq!(request.url.path(), path);
    assert_eq!(header_of(request, "x-acs-action"), Some(action));
    assert_eq!(header_of(request, "x-acs-version"), Some("2020-12-03"));
}

#[tokio::test]
async fn create_job_sends_body_members_as_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "JobId": "dlc-1", "RequestId": "R-1"
        })))
        .mount(&server)
        .await;

    let out = client(&server)
        .create_job()
        .workspace_id("12345")
        .display_name("resnet50-imagenet")
        .job_type("PyTorchJob")
        .user_command("python train.py --epochs 1")
        .job_specs([JobSpec::default()
            .with_type("Worker")
            .with_image("registry.example.invalid/pytorch:2.1")
            .with_pod_count(2)
            .with_ecs_spec("ecs.gn6i-c4g1.xlarge")])
        .add_data_source(
            CreateJobDataSource::default()
                .with_data_source_id("d-1")
                .with_mount_path("/mnt/data"),
        )
        .envs([("EPOCHS", "1")])
        .priority(1)
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_roa(&request, "POST", "/api/v1/jobs", "CreateJob");
    assert!(query(&request).is_empty());
    assert_eq!(
        header_of(&request, "content-type"),
        Some("application/json")
    );
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    // The Python SDK's body for the same input, minus its always-empty lists.
    assert_eq!(
        body,
        serde_json::json!({
            "DataSources": [{"DataSourceId": "d-1", "MountPath": "/mnt/data"}],
            "DisplayName": "resnet50-imagenet",
            "Envs": {"EPOCHS": "1"},
            "JobSpecs": [{
                "EcsSpec": "ecs.gn6i-c4g1.xlarge",
                "Image": "registry.example.invalid/pytorch:2.1",
                "PodCount": 2,
                "Type": "Worker"
            }],
            "JobType": "PyTorchJob",
            "Priority": 1,
            "UserCommand": "python train.py --epochs 1",
            "WorkspaceId": "12345"
        })
    );
    assert_eq!(out.job_id(), Some("dlc-1"));
    assert_eq!(out.request_id(), Some("R-1"));
}

#[tokio::test]
async fn create_job_checks_required_members_before_sending() {
    let server = MockServer::start().await;
    let err = client(&server)
        .create_job()
        .workspace_id("12345")
        .job_type("PyTorchJob")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, alibabacloud_core::Error::Validation { ref param, .. } if param == "DisplayName"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_job_puts_the_id_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/jobs/dlc-1"))
        .and(header("x-acs-action", "GetJob"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-2",
            "JobId": "dlc-1",
            "DisplayName": "resnet50-imagenet",
            "JobType": "PyTorchJob",
            "Status": "Running",
            "Duration": "3600",
            "Priority": 1,
            "WorkspaceId": "12345",
            "GmtCreateTime": "2024-01-01T00:00:00Z",
            "JobSpecs": [{"Type": "Worker", "PodCount": 2, "EcsSpec": "ecs.gn6i-c4g1.xlarge",
                          "Image": "registry.example.invalid/pytorch:2.1"}],
            "Pods": [{"PodId": "dlc-1-worker-0", "Type": "Worker", "Status": "Running",
                      "Ip": "10.0.0.7", "HistoryPods": []}],
            "StatusHistory": [{"Status": "Running", "Time": "2024-01-01T00:01:00Z"}],
            "Envs": {"EPOCHS": "1"}
        })))
        .mount(&server)
        .await;

    let job = client(&server)
        .get_job()
        .job_id("dlc-1")
        .need_detail(true)
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_roa(&request, "GET", "/api/v1/jobs/dlc-1", "GetJob");
    assert_eq!(query(&request), pairs(&[("NeedDetail", "true")]));
    assert!(request.body.is_empty());

    // An input prepared ahead goes out the same way.
    let mut input = alibabacloud_pai_dlc::operations::get_job::GetJobInput::default();
    input.job_id = Some("dlc-1".into());
    input.need_detail = Some(true);
    let again = client(&server)
        .get_job()
        .with_input(input)
        .send()
        .await
        .unwrap();
    assert_eq!(again, job);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[1].url, request.url);

    assert_eq!(job.status(), Some("Running"));
    assert_eq!(job.duration(), Some(3600));
    assert_eq!(job.job_specs()[0].pod_count(), Some(2));
    assert_eq!(job.pods()[0].pod_id(), Some("dlc-1-worker-0"));
    assert_eq!(job.pods()[0].ip(), Some("10.0.0.7"));
    assert_eq!(job.status_history()[0].status(), Some("Running"));
    assert_eq!(
        job.envs().and_then(|e| e.get("EPOCHS")).map(String::as_str),
        Some("1")
    );
}

#[tokio::test]
async fn get_pod_logs_sends_limits_and_parses_lines() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/jobs/dlc-1/pods/dlc-1-worker-0/logs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-3", "JobId": "dlc-1", "PodId": "dlc-1-worker-0",
            "Logs": ["epoch 1 loss 0.9", "epoch 1 done"]
        })))
        .mount(&server)
        .await;

    let logs = client(&server)
        .get_pod_logs()
        .job_id("dlc-1")
        .pod_id("dlc-1-worker-0")
        .max_lines(100)
        .download_to_file(false)
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_roa(
        &request,
        "GET",
        "/api/v1/jobs/dlc-1/pods/dlc-1-worker-0/logs",
        "GetPodLogs",
    );
    assert_eq!(
        query(&request),
        pairs(&[("DownloadToFile", "false"), ("MaxLines", "100")])
    );
    assert_eq!(logs.logs(), ["epoch 1 loss 0.9", "epoch 1 done"]);
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    client(&server)
        .get_pod_logs()
        .job_id("dlc 1/x")
        .pod_id("p")
        .send()
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_eq!(request.url.path(), "/api/v1/jobs/dlc%201%2Fx/pods/p/logs");
}

#[tokio::test]
async fn list_ecs_specs_pages_by_number() {
    let server = MockServer::start().await;
    let spec = |t: &str| {
        serde_json::json!({"InstanceType": t, "AcceleratorType": "GPU", "Cpu": 8, "Gpu": "1",
                           "GpuType": "NVIDIA T4", "Memory": 32, "IsAvailable": true})
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/ecsspecs"))
        .and(query_param("PageNumber", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-5", "TotalCount": 3, "EcsSpecs": [spec("ecs.gn6i-c16g1.4xlarge")]
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/ecsspecs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-4", "TotalCount": 3,
            "EcsSpecs": [spec("ecs.gn6i-c4g1.xlarge"), spec("ecs.gn6i-c8g1.2xlarge")]
        })))
        .with_priority(2)
        .mount(&server)
        .await;

    let first = client(&server)
        .list_ecs_specs()
        .accelerator_type("GPU")
        .page_number(1)
        .page_size(50)
        .resource_type("ECS")
        .send()
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_roa(&request, "GET", "/api/v1/ecsspecs", "ListEcsSpecs");
    assert_eq!(
        query(&request),
        pairs(&[
            ("AcceleratorType", "GPU"),
            ("PageNumber", "1"),
            ("PageSize", "50"),
            ("ResourceType", "ECS"),
        ])
    );
    assert_eq!(first.total_count(), Some(3));
    assert_eq!(first.ecs_specs()[0].gpu(), Some(1));
    assert_eq!(first.ecs_specs()[0].gpu_type(), Some("NVIDIA T4"));

    let all: Vec<String> = client(&server)
        .list_ecs_specs()
        .accelerator_type("GPU")
        .into_paginator()
        .page_size(2)
        .items()
        .map_ok(|s| s.instance_type().unwrap_or_default().to_owned())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all,
        [
            "ecs.gn6i-c4g1.xlarge",
            "ecs.gn6i-c8g1.2xlarge",
            "ecs.gn6i-c16g1.4xlarge"
        ]
    );
}
