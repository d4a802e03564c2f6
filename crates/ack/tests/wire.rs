//! ACK (CS) operations the workflows use, against a local mock server,
//! checked field by field against what the official Python SDK
//! (`alibabacloud-cs20151215`) sends for the same input (captured by running
//! that SDK against a loopback server). Differences: booleans in the query
//! are `true` / `false` (Python writes `True` / `False`), and the JSON body's
//! content type is `application/json` (Python adds `; charset=utf-8`).

use alibabacloud_ack::Client;
use alibabacloud_ack::types::{Addon, Tag};
use alibabacloud_core::Config;
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
async fn create_cluster_sends_snake_case_body_members() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/clusters"))
        .respond_with(ResponseTemplate::new(202).set_body_json(serde_json::json!({
            "cluster_id": "c-1", "request_id": "R-1", "task_id": "T-1"
        })))
        .mount(&server)
        .await;

    let out = client(&server)
        .create_cluster()
        .name("train-cluster")
        .cluster_type("ManagedKubernetes")
        .cluster_spec("ack.pro.small")
        .region_id("cn-hangzhou")
        .kubernetes_version("1.30.1-aliyun.1")
        .vpcid("vpc-1")
        .vswitch_ids(["vsw-1", "vsw-2"])
        .service_cidr("172.16.0.0/16")
        .snat_entry(true)
        .endpoint_public_access(false)
        .add_tag(Tag::default().with_key("owner").with_value("provision"))
        .addons([
            Addon::default().with_name("terway-eniip"),
            Addon::default()
                .with_name("csi-plugin")
                .with_config(r#"{"a":1}"#),
        ])
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(header(request, "x-acs-action"), Some("CreateCluster"));
    assert_eq!(header(request, "x-acs-version"), Some("2015-12-15"));
    assert_eq!(header(request, "content-type"), Some("application/json"));
    assert!(request.url.query().is_none());
    // The Python SDK's body for the same input, byte for byte.
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        concat!(
            r#"{"addons":[{"name":"terway-eniip"},{"config":"{\"a\":1}","name":"csi-plugin"}],"#,
            r#""cluster_spec":"ack.pro.small","cluster_type":"ManagedKubernetes","#,
            r#""endpoint_public_access":false,"kubernetes_version":"1.30.1-aliyun.1","#,
            r#""name":"train-cluster","region_id":"cn-hangzhou","service_cidr":"172.16.0.0/16","#,
            r#""snat_entry":true,"tags":[{"key":"owner","value":"provision"}],"vpcid":"vpc-1","#,
            r#""vswitch_ids":["vsw-1","vsw-2"]}"#
        )
    );
    assert_eq!(out.cluster_id(), Some("c-1"));
    assert_eq!(out.task_id(), Some("T-1"));
}

#[tokio::test]
async fn describe_cluster_user_kubeconfig_sends_query_and_parses_config() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/k8s/c-1/user_config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "config": "apiVersion: v1\nkind: Config\n",
            "expiration": "2024-01-02T00:00:00Z"
        })))
        .mount(&server)
        .await;

    let out = client(&server)
        .describe_cluster_user_kubeconfig()
        .cluster_id("c-1")
        .private_ip_address(true)
        .temporary_duration_minutes(60)
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(
        header(request, "x-acs-action"),
        Some("DescribeClusterUserKubeconfig")
    );
    let mut query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    assert_eq!(
        query,
        [
            ("PrivateIpAddress".to_owned(), "true".to_owned()),
            ("TemporaryDurationMinutes".to_owned(), "60".to_owned()),
        ]
    );
    assert_eq!(out.config(), Some("apiVersion: v1\nkind: Config\n"));
    assert_eq!(out.expiration(), Some("2024-01-02T00:00:00Z"));
}
