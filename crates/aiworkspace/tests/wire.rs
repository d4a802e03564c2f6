//! AI Workspace `ListImages` against a local mock server, checked field by
//! field against what the official Python SDK
//! (`alibabacloud-aiworkspace20210204`) sends for the same input (captured by
//! running that SDK against a loopback server). Difference: booleans are
//! `true` / `false` (Python writes `True` / `False`).

use alibabacloud_aiworkspace::Client;
use alibabacloud_core::Config;
use futures::TryStreamExt;
use wiremock::matchers::{method, path, query_param};
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

fn image(id: &str) -> serde_json::Value {
    serde_json::json!({
        "ImageId": id,
        "Name": "pytorch",
        "ImageUri": format!("registry.example.invalid/pai/pytorch:{id}"),
        "Accessibility": "PUBLIC",
        "Size": "12",
        "GmtCreateTime": "2024-01-01T00:00:00Z",
        "Labels": [{"Key": "system.chipType", "Value": "GPU"}, {"Key": "system.official", "Value": "true"}]
    })
}

#[tokio::test]
async fn list_images_sends_labels_and_parses_images() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/images"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-1", "TotalCount": 1, "Images": [image("image-1")]
        })))
        .mount(&server)
        .await;

    let out = client(&server)
        .list_images()
        .labels("system.chipType=GPU,system.official=true")
        .page_size(20)
        .verbose(false)
        .workspace_id("12345")
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(
        request
            .headers
            .get("x-acs-action")
            .unwrap()
            .to_str()
            .unwrap(),
        "ListImages"
    );
    assert_eq!(
        request
            .headers
            .get("x-acs-version")
            .unwrap()
            .to_str()
            .unwrap(),
        "2021-02-04"
    );
    let mut query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    let expected: Vec<(String, String)> = [
        ("Labels", "system.chipType=GPU,system.official=true"),
        ("PageSize", "20"),
        ("Verbose", "false"),
        ("WorkspaceId", "12345"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(query, expected);

    assert_eq!(out.total_count(), Some(1));
    let image = &out.images()[0];
    assert_eq!(
        image.image_uri(),
        Some("registry.example.invalid/pai/pytorch:image-1")
    );
    assert_eq!(image.size(), Some(12));
    assert_eq!(image.labels()[0].key(), Some("system.chipType"));
    assert_eq!(image.labels()[0].value(), Some("GPU"));
}

#[tokio::test]
async fn list_images_paginates() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("PageNumber", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "TotalCount": 3, "Images": [image("c")]
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "TotalCount": 3, "Images": [image("a"), image("b")]
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let ids: Vec<String> = client(&server)
        .list_images()
        .into_paginator()
        .page_size(2)
        .items()
        .map_ok(|i| i.image_id().unwrap_or_default().to_owned())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c"]);
}
