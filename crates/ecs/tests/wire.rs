//! ECS operations the workflows use, against a local mock server.
//!
//! Each test checks the request field by field against what the official
//! Python SDK (`alibabacloud-ecs20140526`) sends for the same input (captured
//! by running that SDK against a loopback server), then parses a realistic
//! response. Known, deliberate differences from the Python SDK:
//!
//! - booleans are sent as `true` / `false` (the API reference and the Go and
//!   Java SDKs); the Python SDK writes Python's `True` / `False`;
//! - an operation with a `ClientToken` gets a fresh one when the caller sets
//!   none (the Python SDK sends none), so the transport may retry it.

use std::time::Duration;

use alibabacloud_core::{Config, RetryPolicy};
use alibabacloud_ecs::Client;
use alibabacloud_ecs::operations::describe_instances::{
    DescribeInstancesFilter, DescribeInstancesTag,
};
use alibabacloud_ecs::operations::describe_price::{
    DescribePriceDataDisk, DescribePriceSystemDisk,
};
use alibabacloud_ecs::operations::run_instances::{
    RunInstancesDataDisk, RunInstancesSystemDisk, RunInstancesTag,
};
use futures::TryStreamExt;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    let config = Config::builder()
        .region("cn-hangzhou")
        .access_key("LTAI-fake-id", "fake-secret-not-real")
        .endpoint_override(server.uri())
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    Client::new(&config)
}

/// The query, sorted, without nothing else.
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
    let mut v: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    v.sort();
    v
}

fn header_of<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn mock(server: &MockServer, action: &str, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-acs-action", action))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request");
    requests.remove(0)
}

fn assert_rpc_headers(request: &Request, action: &str) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/");
    assert_eq!(header_of(request, "x-acs-action"), Some(action));
    assert_eq!(header_of(request, "x-acs-version"), Some("2014-05-26"));
    assert!(request.body.is_empty(), "RPC parameters go in the query");
    assert!(
        header_of(request, "authorization")
            .is_some_and(|a| a.starts_with("ACS3-HMAC-SHA256 Credential=LTAI-fake-id,"))
    );
}

#[tokio::test]
async fn describe_instances_sends_tags_filters_and_json_instance_ids() {
    let server = MockServer::start().await;
    mock(
        &server,
        "DescribeInstances",
        serde_json::json!({
            "RequestId": "R-1",
            "TotalCount": 1,
            "PageSize": "10",
            "NextToken": "",
            "Instances": {"Instance": [{
                "InstanceId": "i-1",
                "InstanceName": "train-1",
                "InstanceType": "ecs.gn7i-c8g1.2xlarge",
                "Status": "Running",
                "Cpu": 8,
                "Memory": "30720",
                "GPUAmount": 1,
                "GPUSpec": "NVIDIA A10",
                "ZoneId": "cn-hangzhou-h",
                "IoOptimized": "true",
                "Tags": {"Tag": [{"TagKey": "env", "TagValue": "prod"}]},
                "PublicIpAddress": {"IpAddress": ["203.0.113.10"]},
                "VpcAttributes": {"VpcId": "vpc-1", "PrivateIpAddress": {"IpAddress": ["10.0.0.5"]}}
            }]}
        }),
    )
    .await;

    let out = client(&server)
        .describe_instances()
        .region_id("cn-hangzhou")
        .instance_ids(["i-1", "i-2"])
        .status("Running")
        .page_size(10)
        .tag([
            DescribeInstancesTag::default()
                .with_key("env")
                .with_value("prod"),
            DescribeInstancesTag::default()
                .with_key("team")
                .with_value("ml"),
        ])
        .add_filter(
            DescribeInstancesFilter::default()
                .with_key("CreationStartTime")
                .with_value("2024-01-01T00:00Z"),
        )
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_rpc_headers(&request, "DescribeInstances");
    // Same pairs as the Python SDK sends for this input.
    assert_eq!(
        query(&request),
        pairs(&[
            ("Filter.1.Key", "CreationStartTime"),
            ("Filter.1.Value", "2024-01-01T00:00Z"),
            ("InstanceIds", r#"["i-1","i-2"]"#),
            ("PageSize", "10"),
            ("RegionId", "cn-hangzhou"),
            ("Status", "Running"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Tag.2.Key", "team"),
            ("Tag.2.Value", "ml"),
        ])
    );

    assert_eq!(out.request_id(), Some("R-1"));
    assert_eq!(out.total_count(), Some(1));
    assert_eq!(out.page_size(), Some(10));
    let instance = &out.instances()[0];
    assert_eq!(instance.instance_id(), Some("i-1"));
    assert_eq!(instance.cpu(), Some(8));
    assert_eq!(instance.memory(), Some(30720));
    assert_eq!(instance.gpu_amount(), Some(1));
    assert_eq!(instance.gpu_spec(), Some("NVIDIA A10"));
    assert_eq!(instance.io_optimized(), Some(true));
    assert_eq!(instance.tags()[0].tag_key(), Some("env"));
    // `{"IpAddress": [...]}` wrappers are exposed as the list itself.
    assert_eq!(instance.public_ip_address(), ["203.0.113.10"]);
    assert_eq!(
        instance.vpc_attributes().unwrap().private_ip_address(),
        ["10.0.0.5"]
    );
}

#[tokio::test]
async fn describe_instances_paginates_by_next_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(query_param("NextToken", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-2", "NextToken": "",
            "Instances": {"Instance": [{"InstanceId": "i-3"}]}
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "RequestId": "R-1", "NextToken": "page-2",
            "Instances": {"Instance": [{"InstanceId": "i-1"}, {"InstanceId": "i-2"}]}
        })))
        .with_priority(2)
        .mount(&server)
        .await;

    let ids: Vec<String> = client(&server)
        .describe_instances()
        .region_id("cn-hangzhou")
        .into_paginator()
        .page_size(2)
        .items()
        .map_ok(|i| i.instance_id().unwrap_or_default().to_owned())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["i-1", "i-2", "i-3"]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(query(&requests[0]).contains(&("MaxResults".to_owned(), "2".to_owned())));
    assert!(!query(&requests[0]).iter().any(|(k, _)| k == "NextToken"));
    assert!(query(&requests[1]).contains(&("NextToken".to_owned(), "page-2".to_owned())));
}

#[tokio::test]
async fn describe_instances_requires_the_region() {
    let server = MockServer::start().await;
    let err = client(&server)
        .describe_instances()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, alibabacloud_core::Error::Validation { ref param, .. } if param == "RegionId"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn describe_available_resource_sends_cores_and_float_memory() {
    let server = MockServer::start().await;
    mock(
        &server,
        "DescribeAvailableResource",
        serde_json::json!({
            "RequestId": "R-3",
            "AvailableZones": {"AvailableZone": [{
                "RegionId": "cn-hangzhou",
                "ZoneId": "cn-hangzhou-h",
                "Status": "Available",
                "StatusCategory": "WithStock",
                "AvailableResources": {"AvailableResource": [{
                    "Type": "InstanceType",
                    "SupportedResources": {"SupportedResource": [
                        {"Value": "ecs.g7.2xlarge", "Status": "Available", "StatusCategory": "WithStock", "Min": "1", "Max": 100, "Unit": ""},
                        {"Value": "ecs.g7.4xlarge", "Status": "SoldOut", "StatusCategory": "WithoutStock"}
                    ]}
                }]}
            }]}
        }),
    )
    .await;

    let out = client(&server)
        .describe_available_resource()
        .region_id("cn-hangzhou")
        .destination_resource("InstanceType")
        .zone_id("cn-hangzhou-h")
        .instance_charge_type("PostPaid")
        .resource_type("instance")
        .cores(8)
        .memory(32.5)
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_rpc_headers(&request, "DescribeAvailableResource");
    assert_eq!(
        query(&request),
        pairs(&[
            ("Cores", "8"),
            ("DestinationResource", "InstanceType"),
            ("InstanceChargeType", "PostPaid"),
            ("Memory", "32.5"),
            ("RegionId", "cn-hangzhou"),
            ("ResourceType", "instance"),
            ("ZoneId", "cn-hangzhou-h"),
        ])
    );

    let zone = &out.available_zones()[0];
    assert_eq!(zone.status_category(), Some("WithStock"));
    let resources = zone.available_resources()[0].supported_resources();
    assert_eq!(resources.len(), 2);
    assert_eq!(resources[0].value(), Some("ecs.g7.2xlarge"));
    assert_eq!(resources[0].min(), Some(1));
    assert_eq!(resources[0].max(), Some(100));
    assert_eq!(resources[1].status_category(), Some("WithoutStock"));
}

#[tokio::test]
async fn describe_price_folds_system_disk_and_lists_data_disks() {
    let server = MockServer::start().await;
    mock(
        &server,
        "DescribePrice",
        serde_json::json!({
            "RequestId": "R-4",
            "PriceInfo": {
                "Price": {"OriginalPrice": 1200.5, "DiscountPrice": "200.5", "TradePrice": 1000, "Currency": "CNY"},
                "Rules": {"Rule": [{"RuleId": 123, "Description": "discount"}]}
            }
        }),
    )
    .await;

    let out = client(&server)
        .describe_price()
        .region_id("cn-hangzhou")
        .resource_type("instance")
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .zone_id("cn-hangzhou-h")
        .period(1)
        .price_unit("Month")
        .amount(2)
        .system_disk(
            DescribePriceSystemDisk::default()
                .with_category("cloud_essd")
                .with_size(40)
                .with_performance_level("PL0"),
        )
        .data_disk([DescribePriceDataDisk::default()
            .with_category("cloud_essd")
            .with_size(100)])
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_rpc_headers(&request, "DescribePrice");
    assert_eq!(
        query(&request),
        pairs(&[
            ("Amount", "2"),
            ("DataDisk.1.Category", "cloud_essd"),
            ("DataDisk.1.Size", "100"),
            ("InstanceType", "ecs.gn7i-c8g1.2xlarge"),
            ("Period", "1"),
            ("PriceUnit", "Month"),
            ("RegionId", "cn-hangzhou"),
            ("ResourceType", "instance"),
            ("SystemDisk.Category", "cloud_essd"),
            ("SystemDisk.PerformanceLevel", "PL0"),
            ("SystemDisk.Size", "40"),
            ("ZoneId", "cn-hangzhou-h"),
        ])
    );

    let price = out.price_info().unwrap().price().unwrap();
    assert_eq!(price.original_price(), Some(1200.5));
    assert_eq!(price.discount_price(), Some(200.5));
    assert_eq!(price.trade_price(), Some(1000.0));
    assert_eq!(price.currency(), Some("CNY"));
    assert_eq!(out.price_info().unwrap().rules()[0].rule_id(), Some(123));
}

fn run_instances_input(
    client: &Client,
) -> alibabacloud_ecs::operations::run_instances::RunInstancesBuilder {
    client
        .run_instances()
        .region_id("cn-hangzhou")
        .zone_id("cn-hangzhou-h")
        .image_id("ubuntu_22_04_x64_20G_alibase_20240101.vhd")
        .instance_type("ecs.g7.large")
        .security_group_id("sg-1")
        .v_switch_id("vsw-1")
        .amount(1)
        .instance_charge_type("PostPaid")
        .internet_max_bandwidth_out(0)
        .system_disk(
            RunInstancesSystemDisk::default()
                .with_category("cloud_essd")
                .with_size("40"),
        )
        .data_disk([
            RunInstancesDataDisk::default()
                .with_category("cloud_essd")
                .with_size(100)
                .with_delete_with_instance(true),
            RunInstancesDataDisk::default()
                .with_category("cloud_auto")
                .with_size(200),
        ])
        .add_tag(
            RunInstancesTag::default()
                .with_key("owner")
                .with_value("provision"),
        )
}

#[tokio::test]
async fn run_instances_sends_disks_tags_and_the_given_client_token() {
    let server = MockServer::start().await;
    mock(
        &server,
        "RunInstances",
        serde_json::json!({
            "RequestId": "R-5",
            "OrderId": "2024000001",
            "TradePrice": "0.5",
            "InstanceIdSets": {"InstanceIdSet": ["i-new-1"]}
        }),
    )
    .await;

    let out = run_instances_input(&client(&server))
        .client_token("token-123")
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_rpc_headers(&request, "RunInstances");
    assert_eq!(
        query(&request),
        pairs(&[
            ("Amount", "1"),
            ("ClientToken", "token-123"),
            ("DataDisk.1.Category", "cloud_essd"),
            // Python sends `True` here; see the module docs.
            ("DataDisk.1.DeleteWithInstance", "true"),
            ("DataDisk.1.Size", "100"),
            ("DataDisk.2.Category", "cloud_auto"),
            ("DataDisk.2.Size", "200"),
            ("ImageId", "ubuntu_22_04_x64_20G_alibase_20240101.vhd"),
            ("InstanceChargeType", "PostPaid"),
            ("InstanceType", "ecs.g7.large"),
            ("InternetMaxBandwidthOut", "0"),
            ("RegionId", "cn-hangzhou"),
            ("SecurityGroupId", "sg-1"),
            ("SystemDisk.Category", "cloud_essd"),
            ("SystemDisk.Size", "40"),
            ("Tag.1.Key", "owner"),
            ("Tag.1.Value", "provision"),
            ("VSwitchId", "vsw-1"),
            ("ZoneId", "cn-hangzhou-h"),
        ])
    );
    assert_eq!(out.instance_id_sets(), ["i-new-1"]);
    assert_eq!(out.trade_price(), Some(0.5));
    assert_eq!(out.order_id(), Some("2024000001"));
}

#[tokio::test]
async fn run_instances_fills_a_client_token_and_keeps_it_across_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({
            "Code": "ServiceUnavailable", "Message": "try later", "RequestId": "R-6"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mock(
        &server,
        "RunInstances",
        serde_json::json!({"RequestId": "R-7", "InstanceIdSets": {"InstanceIdSet": ["i-new-2"]}}),
    )
    .await;

    let out = run_instances_input(&client(&server)).send().await.unwrap();
    assert_eq!(out.instance_id_sets(), ["i-new-2"]);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        2,
        "the 503 is retried: the token makes it safe"
    );
    let token = |r: &Request| {
        query(r)
            .into_iter()
            .find(|(k, _)| k == "ClientToken")
            .map(|(_, v)| v)
    };
    let first = token(&requests[0]).expect("a token is generated");
    assert!(!first.is_empty());
    assert_eq!(token(&requests[1]), Some(first));
}

#[tokio::test]
async fn run_command_sends_instance_list_and_json_parameters() {
    let server = MockServer::start().await;
    mock(
        &server,
        "RunCommand",
        serde_json::json!({"RequestId": "R-8", "CommandId": "c-1", "InvokeId": "t-1"}),
    )
    .await;

    let out = client(&server)
        .run_command()
        .region_id("cn-hangzhou")
        .type_("RunShellScript")
        .command_content("echo hello world")
        .instance_id(["i-1", "i-2"])
        .timeout(600)
        .content_encoding("PlainText")
        .parameters(serde_json::json!({"name": "value"}))
        .enable_parameter(true)
        .send()
        .await
        .unwrap();

    let request = only_request(&server).await;
    assert_rpc_headers(&request, "RunCommand");
    let (token, rest): (Vec<_>, Vec<_>) = query(&request)
        .into_iter()
        .partition(|(k, _)| k == "ClientToken");
    assert!(!token[0].1.is_empty(), "a client token is filled in");
    assert_eq!(
        rest,
        pairs(&[
            ("CommandContent", "echo hello world"),
            ("ContentEncoding", "PlainText"),
            // Python sends `True` here; see the module docs.
            ("EnableParameter", "true"),
            ("InstanceId.1", "i-1"),
            ("InstanceId.2", "i-2"),
            ("Parameters", r#"{"name":"value"}"#),
            ("RegionId", "cn-hangzhou"),
            ("Timeout", "600"),
            ("Type", "RunShellScript"),
        ])
    );
    assert_eq!(out.invoke_id(), Some("t-1"));
    assert_eq!(out.command_id(), Some("c-1"));
}

#[tokio::test]
async fn service_errors_keep_code_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "Code": "OperationDenied.NoStock",
            "Message": "The requested resource is sold out in the specified zone.",
            "RequestId": "R-9"
        })))
        .mount(&server)
        .await;
    let err = run_instances_input(&client(&server))
        .client_token("t")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_out_of_stock(), "{err}");
    assert_eq!(err.request_id(), Some("R-9"));
}
