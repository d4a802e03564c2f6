//! Wire protocol: signature checks, routing, spec validation, error shapes,
//! request ids and schema-shaped answers for operations that are not modelled.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use alibabacloud_core::clock::ManualClock;
use alibabacloud_core::sign::{self, SignableRequest, SigningKey};
use alibabacloud_emulator::{Emulator, Product};
use common::{Clients, config, emulator, items};
use serde_json::{Value, json};

/// A request signed with core's signer and sent with reqwest, so tests can
/// change it after signing.
struct Raw {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn new(
        emulator: &Emulator,
        action: &str,
        version: &str,
        method: &'static str,
        path: &str,
    ) -> Self {
        Self {
            method,
            path: path.to_owned(),
            query: Vec::new(),
            headers: vec![
                ("host".into(), emulator.local_addr().to_string()),
                ("x-acs-action".into(), action.into()),
                ("x-acs-version".into(), version.into()),
                ("x-acs-date".into(), sign::format_date(SystemTime::now())),
                ("x-acs-signature-nonce".into(), sign::new_nonce()),
            ],
            body: Vec::new(),
        }
    }

    fn query(mut self, k: &str, v: &str) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }

    fn form_body(mut self, body: &str) -> Self {
        self.headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        self.body = body.as_bytes().to_vec();
        self
    }

    /// Signs with `secret` and returns the headers to send (with the
    /// content hash and Authorization).
    fn sign(&self, id: &str, secret: &str) -> Vec<(String, String)> {
        let signature = sign::sign(
            &SignableRequest {
                method: self.method,
                path: &self.path,
                query: &self.query,
                headers: &self.headers,
                body: &self.body,
            },
            SigningKey {
                access_key_id: id,
                access_key_secret: secret,
            },
        );
        let mut headers = self.headers.clone();
        headers.push((sign::CONTENT_SHA256_HEADER.into(), signature.content_sha256));
        headers.push(("authorization".into(), signature.authorization));
        headers
    }

    async fn send(
        &self,
        emulator: &Emulator,
        headers: &[(String, String)],
        body: &[u8],
        query: &[(String, String)],
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut url = format!("{}{}", emulator.endpoint(), self.path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&sign::canonical_query(query));
        }
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut req = client.request(self.method.parse().unwrap(), url);
        for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req
            .body(body.to_vec())
            .send()
            .await
            .expect("the emulator answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }
}

#[tokio::test]
async fn signed_calls_succeed_with_request_ids_in_header_and_body() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let req = alibabacloud_core::Request::new(common::meta("DescribeRegions", "POST", "/"));
    let resp = c.client(Product::Ecs).send(req).await.unwrap();
    let header_id = resp.request_id().unwrap().to_owned();
    let body: Value = resp.json("DescribeRegions").unwrap();
    assert_eq!(body["RequestId"], header_id.as_str());
    assert!(items(&body, "Regions", "Region").len() >= 10);
}

#[tokio::test]
async fn wrong_secret_unknown_key_and_expired_date_are_refused() {
    let emu = emulator().await;
    let wrong = emu
        .config()
        .to_builder()
        .access_key(emu.access_key_id(), "not-the-secret")
        .retry_policy(alibabacloud_core::RetryPolicy::disabled())
        .build()
        .unwrap();
    let c = Clients::new(wrong);
    let err = c
        .rpc(Product::Ecs, "DescribeRegions", &[])
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("SignatureDoesNotMatch"))
    );
    assert!(err.request_id().is_some());

    let unknown = emu
        .config()
        .to_builder()
        .access_key("someone-else", "x")
        .retry_policy(alibabacloud_core::RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = Clients::new(unknown)
        .rpc(Product::Vpc, "DescribeVpcs", &[("RegionId", "cn-hangzhou")])
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(404), Some("InvalidAccessKeyId.NotFound"))
    );

    // A client whose clock is 20 minutes behind.
    let late = Arc::new(ManualClock::new(
        SystemTime::now() - Duration::from_secs(20 * 60),
    ));
    let expired = config(&emu).to_builder().clock(late).build().unwrap();
    let err = Clients::new(expired)
        .roa(
            Product::PaiDlc,
            "ListJobs",
            "GET",
            "/api/v1/jobs",
            &[],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("InvalidTimeStamp.Expired"))
    );
}

#[tokio::test]
async fn tampered_body_query_replayed_nonce_and_missing_signature() {
    let emu = emulator().await;
    let (id, secret) = (
        emu.access_key_id().to_owned(),
        emu.access_key_secret().to_owned(),
    );

    let raw =
        Raw::new(&emu, "DescribeVpcs", "2016-04-28", "POST", "/").form_body("RegionId=cn-hangzhou");
    let headers = raw.sign(&id, &secret);
    // As signed: accepted.
    let (status, body, h) = raw.send(&emu, &headers, &raw.body, &raw.query).await;
    assert_eq!(status, 200, "{body}");
    assert!(h.get("x-acs-request-id").is_some());
    // The same nonce again: refused.
    let (status, body, _) = raw.send(&emu, &headers, &raw.body, &raw.query).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("SignatureNonceUsed"))
    );

    // Body changed after signing.
    let raw =
        Raw::new(&emu, "DescribeVpcs", "2016-04-28", "POST", "/").form_body("RegionId=cn-hangzhou");
    let headers = raw.sign(&id, &secret);
    let (status, body, _) = raw
        .send(&emu, &headers, b"RegionId=cn-beijing", &raw.query)
        .await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("SignatureDoesNotMatch"))
    );
    assert!(
        body["Message"]
            .as_str()
            .unwrap()
            .contains("x-acs-content-sha256")
    );

    // Query changed after signing.
    let raw =
        Raw::new(&emu, "DescribeZones", "2014-05-26", "POST", "/").query("RegionId", "cn-hangzhou");
    let headers = raw.sign(&id, &secret);
    let changed = vec![("RegionId".to_owned(), "cn-beijing".to_owned())];
    let (status, body, _) = raw.send(&emu, &headers, &[], &changed).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("SignatureDoesNotMatch"))
    );

    // No Authorization at all.
    let raw = Raw::new(&emu, "DescribeRegions", "2014-05-26", "POST", "/");
    let mut headers = raw.sign(&id, &secret);
    headers.retain(|(k, _)| k != "authorization");
    let (status, body, h) = raw.send(&emu, &headers, &[], &[]).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("MissingAuthorization"))
    );
    assert_eq!(
        body["RequestId"].as_str(),
        h.get("x-acs-request-id").and_then(|v| v.to_str().ok())
    );

    // ROA path signed for one job, sent for another.
    let raw = Raw::new(&emu, "GetJob", "2020-12-03", "GET", "/api/v1/jobs/dlc1");
    let headers = raw.sign(&id, &secret);
    let moved = Raw {
        path: "/api/v1/jobs/dlc2".into(),
        ..Raw::new(&emu, "GetJob", "2020-12-03", "GET", "/")
    };
    let (status, body, _) = moved.send(&emu, &headers, &[], &[]).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("SignatureDoesNotMatch"))
    );
}

#[tokio::test]
async fn unknown_actions_versions_and_paths() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let err = c.rpc(Product::Ecs, "LaunchRockets", &[]).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(404), Some("InvalidAction.NotFound"))
    );
    // A known action sent to the wrong path.
    let err = c
        .roa(
            Product::PaiDlc,
            "GetJob",
            "GET",
            "/api/v1/nothing/here",
            &[],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidAction.NotFound"));
    // An unknown version.
    let emu_id = emu.access_key_id().to_owned();
    let raw = Raw::new(&emu, "DescribeRegions", "1999-01-01", "POST", "/");
    let headers = raw.sign(&emu_id, emu.access_key_secret());
    let (status, body, _) = raw.send(&emu, &headers, &[], &[]).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("InvalidVersion"))
    );
}

#[tokio::test]
async fn required_parameters_and_types_come_from_the_specs() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let err = c.rpc(Product::Ecs, "DescribeZones", &[]).await.unwrap_err();
    assert_eq!(err.code(), Some("MissingParameter"));
    assert!(err.to_string().contains("RegionId"), "{err}");

    let err = c
        .rpc(
            Product::Ecs,
            "DescribeInstanceTypes",
            &[("MinimumCpuCoreCount", "eight")],
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter"));
    assert!(err.to_string().contains("MinimumCpuCoreCount"), "{err}");

    let err = c
        .rpc(
            Product::Ecs,
            "DeleteInstances",
            &[("RegionId", "cn-hangzhou")],
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("InstanceId"), "{err}");

    let err = c
        .roa(
            Product::PaiDlc,
            "GetJobSanityCheckResult",
            "GET",
            "/api/v1/jobs/dlc1/sanitycheckresult",
            &[],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("MissingParameter"));
    assert!(err.to_string().contains("SanityCheckNumber"));

    let body = json!({"DisplayName": "x", "JobType": "PyTorchJob", "UserCommand": "python a.py",
        "JobSpecs": [{"Type": "Worker", "PodCount": "many"}]});
    let err = c
        .roa(
            Product::PaiDlc,
            "CreateJob",
            "POST",
            "/api/v1/jobs",
            &[],
            Some(body),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter"));
    assert!(err.to_string().contains("PodCount"), "{err}");

    let body = json!({"functionName": "f1", "handler": "index.handler"});
    let err = c
        .roa(
            Product::Fc,
            "CreateFunction",
            "POST",
            "/2023-03-30/functions",
            &[],
            Some(body),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("MissingParameter"));
    assert!(err.to_string().contains("runtime"), "{err}");
}

#[tokio::test]
async fn errors_use_each_products_style() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    for (product, action, method, path) in [
        (Product::PaiDlc, "GetJob", "GET", "/api/v1/jobs/dlcmissing"),
        (
            Product::Cs,
            "DescribeClusterDetail",
            "GET",
            "/clusters/cmissing",
        ),
        (
            Product::Fc,
            "GetFunction",
            "GET",
            "/2023-03-30/functions/missing",
        ),
        (
            Product::Eas,
            "DescribeService",
            "GET",
            "/api/v2/services/cn-hangzhou/missing",
        ),
    ] {
        let err = c
            .roa(product, action, method, path, &[], None)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(404), "{product} {err}");
        assert!(err.is_not_found(), "{product} {err}");
        assert!(err.request_id().is_some(), "{product} {err}");
    }
    let err = c
        .roa(
            Product::Sysom,
            "GetDiagnosisResult",
            "GET",
            "/api/v1/openapi/diagnosis/get_diagnosis_results",
            &[("task_id", "nope")],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("Sysom.TaskNotFound"));
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn operations_without_a_model_get_schema_shaped_answers() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeDisks",
            &[("RegionId", "cn-hangzhou")],
        )
        .await
        .unwrap();
    assert!(items(&v, "Disks", "Disk").is_empty());
    assert!(v["RequestId"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(v["PageNumber"], 1);

    let v = c
        .roa(
            Product::Fc,
            "ListLayers",
            "GET",
            "/2023-03-30/layers",
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(v["layers"].as_array().unwrap().is_empty());

    let v = c
        .roa(
            Product::Eas,
            "ListBenchmarkTask",
            "GET",
            "/api/v2/benchmark-tasks",
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(
        v["RequestId"].as_str().is_some_and(|s| !s.is_empty()),
        "{v}"
    );

    // No response documented upstream: an object with the request id.
    let v = c
        .roa(
            Product::Sysom,
            "ListRegions",
            "GET",
            "/api/v1/am/instance/list_regions",
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(v["request_id"].as_str().is_some(), "{v}");
}

#[tokio::test]
async fn requests_are_routed_by_path_when_the_action_header_is_absent() {
    let emu = emulator().await;
    let (id, secret) = (
        emu.access_key_id().to_owned(),
        emu.access_key_secret().to_owned(),
    );
    let mut raw = Raw::new(&emu, "unused", "2021-02-04", "GET", "/api/v1/workspaces");
    raw.headers
        .retain(|(k, _)| k != "x-acs-action" && k != "x-acs-version");
    let headers = raw.sign(&id, &secret);
    let (status, body, _) = raw.send(&emu, &headers, &[], &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["Workspaces"].as_array().is_some_and(|w| !w.is_empty()));
    let log = emu.control().requests();
    let last = log.last().unwrap();
    assert_eq!(last.action.as_deref(), Some("ListWorkspaces"));
    assert_eq!(last.product, Some(Product::AiWorkspace));
}
