//! The control surface: injected throttling, 5xx and latency, stock,
//! create failures, virtual time, the leak report, the request log, the HTTP
//! control API, and many concurrent clients.

mod common;

use std::time::{Duration, Instant};

use alibabacloud_core::RetryPolicy;
use alibabacloud_emulator::{CreateFailure, Emulator, Fault, Product, Selector, StockStatus};
use common::{Clients, code, config, emulator, items};
use serde_json::{Value, json};

#[tokio::test]
async fn throttling_and_server_errors_for_the_next_n_calls() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();
    ctl.throttle_next(Selector::action(Product::Ecs, "DescribeRegions"), 2);
    for _ in 0..2 {
        let err = c
            .rpc(Product::Ecs, "DescribeRegions", &[])
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("Throttling.User"));
        assert!(err.is_throttling() && err.is_retryable());
    }
    // Other actions are not affected; the third call passes.
    c.rpc(
        Product::Ecs,
        "DescribeZones",
        &[("RegionId", "cn-hangzhou")],
    )
    .await
    .unwrap();
    c.rpc(Product::Ecs, "DescribeRegions", &[]).await.unwrap();

    ctl.fail_next(Selector::product(Product::PaiDlc), Fault::ServerError, 1);
    let err = c
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
        (Some(500), Some("InternalError"))
    );
    assert!(err.is_retryable());
    c.roa(
        Product::PaiDlc,
        "ListJobs",
        "GET",
        "/api/v1/jobs",
        &[],
        None,
    )
    .await
    .unwrap();

    ctl.fail_next(Selector::any(), Fault::Unavailable, 1);
    let err = c
        .rpc(Product::Vpc, "DescribeVpcs", &[("RegionId", "cn-hangzhou")])
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(503), Some("ServiceUnavailable"))
    );

    ctl.fail_next(Selector::product(Product::Cs), Fault::Throttle, 1);
    let err = c
        .roa(
            Product::Cs,
            "DescribeClustersV1",
            "GET",
            "/api/v1/clusters",
            &[],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(429), Some("Throttling")));

    // With retries, the core client rides through two throttled attempts.
    let retrying = emu
        .config()
        .to_builder()
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    ctl.clear_requests();
    ctl.throttle_next(Selector::action(Product::Ecs, "DescribeRegions"), 2);
    Clients::new(retrying)
        .rpc(Product::Ecs, "DescribeRegions", &[])
        .await
        .unwrap();
    let statuses: Vec<u16> = ctl.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [400, 400, 200]);
}

#[tokio::test]
async fn latency_per_product_and_action() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    emu.control().set_latency(
        Selector::action(Product::Ecs, "DescribeRegions"),
        Duration::from_millis(300),
    );
    let t = Instant::now();
    c.rpc(Product::Ecs, "DescribeRegions", &[]).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    c.rpc(
        Product::Ecs,
        "DescribeZones",
        &[("RegionId", "cn-hangzhou")],
    )
    .await
    .unwrap();
    assert!(t.elapsed() < Duration::from_millis(300));
    // A read timeout shorter than the latency fires on the client.
    let impatient = config(&emu)
        .to_builder()
        .read_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let err = Clients::new(impatient)
        .rpc(Product::Ecs, "DescribeRegions", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, alibabacloud_core::Error::Timeout { .. }),
        "{err}"
    );
    emu.control().clear_latency();
    let t = Instant::now();
    c.rpc(Product::Ecs, "DescribeRegions", &[]).await.unwrap();
    assert!(t.elapsed() < Duration::from_millis(300));
}

/// P4: a sold-out type shows in stock queries and refuses creates.
#[tokio::test]
async fn sold_out_types_per_zone() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();
    ctl.sold_out("cn-hangzhou-h", "ecs.g7.large").unwrap();
    assert!(ctl.sold_out("cn-hangzhou-z", "ecs.g7.large").is_err());
    assert!(ctl.sold_out("cn-hangzhou-h", "ecs.g99.large").is_err());
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeAvailableResource",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DestinationResource", "InstanceType"),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-hangzhou-h"),
            ],
        )
        .await
        .unwrap();
    let zone = &items(&v, "AvailableZones", "AvailableZone")[0];
    let r = &zone["AvailableResources"]["AvailableResource"][0]["SupportedResources"]["SupportedResource"]
        [0];
    assert_eq!(
        (r["Status"].as_str(), r["StatusCategory"].as_str()),
        (Some("SoldOut"), Some("WithoutStock"))
    );

    let v = c
        .rpc(
            Product::Vpc,
            "DescribeVSwitches",
            &[("RegionId", "cn-hangzhou"), ("ZoneId", "cn-hangzhou-h")],
        )
        .await
        .unwrap();
    let vsw = items(&v, "VSwitches", "VSwitch")[0].clone();
    let sg = c
        .rpc(
            Product::Ecs,
            "CreateSecurityGroup",
            &[
                ("RegionId", "cn-hangzhou"),
                ("VpcId", vsw["VpcId"].as_str().unwrap()),
            ],
        )
        .await
        .unwrap();
    let params = [
        ("RegionId", "cn-hangzhou"),
        ("InstanceType", "ecs.g7.large"),
        ("ImageFamily", "acs:alibaba_cloud_linux_3_2104_lts_x64"),
        ("VSwitchId", vsw["VSwitchId"].as_str().unwrap()),
        ("SecurityGroupId", sg["SecurityGroupId"].as_str().unwrap()),
    ];
    let err = c
        .rpc(Product::Ecs, "RunInstances", &params)
        .await
        .unwrap_err();
    assert!(err.is_out_of_stock(), "{err}");
    ctl.set_stock(
        "cn-hangzhou-h",
        "ecs.g7.large",
        StockStatus::ClosedWithStock,
    )
    .unwrap();
    c.rpc(Product::Ecs, "RunInstances", &params).await.unwrap();

    // PAI availability follows ECS stock.
    for z in [
        "cn-hangzhou-h",
        "cn-hangzhou-i",
        "cn-hangzhou-j",
        "cn-hangzhou-k",
    ] {
        ctl.sold_out(z, "ecs.gn6i-c4g1.xlarge").unwrap();
    }
    let specs = c
        .roa(
            Product::PaiDlc,
            "ListEcsSpecs",
            "GET",
            "/api/v1/ecsspecs",
            &[("InstanceTypes", "ecs.gn6i-c4g1.xlarge")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(specs["EcsSpecs"][0]["IsAvailable"], false);
    let eas = c
        .roa(
            Product::Eas,
            "DescribeMachineSpec",
            "GET",
            "/api/v2/public/instance_types",
            &[("InstanceTypes", "ecs.gn6i-c4g1.xlarge")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(eas["InstanceMetas"][0]["StockStatus"], "WithoutStock");
}

#[tokio::test]
async fn create_failures_reject_or_fail_later() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();
    ctl.fail_next_create(
        Selector::action(Product::Vpc, "CreateVpc"),
        CreateFailure::Reject(Fault::error(400, "QuotaExceeded.Vpc", "VPC quota reached")),
    );
    // Reads are not affected by create failures.
    c.rpc(Product::Vpc, "DescribeVpcs", &[("RegionId", "cn-hangzhou")])
        .await
        .unwrap();
    assert_eq!(
        code(
            c.rpc(Product::Vpc, "CreateVpc", &[("RegionId", "cn-hangzhou")])
                .await
        ),
        "QuotaExceeded.Vpc"
    );
    c.rpc(Product::Vpc, "CreateVpc", &[("RegionId", "cn-hangzhou")])
        .await
        .unwrap();

    ctl.fail_next_create(
        Selector::action(Product::PaiDlc, "CreateJob"),
        CreateFailure::FailAfterCreate {
            reason: "node lost".into(),
        },
    );
    let body = json!({"DisplayName": "doomed", "JobType": "PyTorchJob", "UserCommand": "python a.py",
        "JobSpecs": [{"Type": "Worker", "Image": "img", "EcsSpec": "ecs.gn7i-c8g1.2xlarge"}]});
    let job = c
        .roa(
            Product::PaiDlc,
            "CreateJob",
            "POST",
            "/api/v1/jobs",
            &[],
            Some(body),
        )
        .await
        .unwrap();
    let id = job["JobId"].as_str().unwrap().to_owned();
    ctl.advance(Duration::from_secs(60));
    let job = c
        .roa(
            Product::PaiDlc,
            "GetJob",
            "GET",
            &format!("/api/v1/jobs/{id}"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(job["Status"], "Failed");
    assert_eq!(job["ReasonMessage"], "node lost");

    ctl.fail_next_create(
        Selector::product(Product::Eas),
        CreateFailure::FailAfterCreate {
            reason: "ImagePullBackOff".into(),
        },
    );
    let cfg = json!({"metadata": {"name": "broken_svc", "instance": 1}, "containers": [{"image": "registry/x:1"}],
        "cloud": {"computing": {"instance_type": "ecs.c7.large"}}}).to_string();
    c.roa_raw(
        Product::Eas,
        "CreateService",
        "POST",
        "/api/v2/services",
        &[],
        Some((cfg.into_bytes(), "application/json")),
    )
    .await
    .unwrap();
    ctl.advance(Duration::from_secs(30));
    let svc = c
        .roa(
            Product::Eas,
            "DescribeService",
            "GET",
            "/api/v2/services/cn-hangzhou/broken_svc",
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (svc["Status"].as_str(), svc["Message"].as_str()),
        (Some("Failed"), Some("ImagePullBackOff"))
    );
}

#[tokio::test]
async fn virtual_time_and_the_leak_report() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();
    let t0 = ctl.now();
    ctl.advance(Duration::from_secs(3600));
    assert_eq!(
        ctl.now().duration_since(t0).unwrap(),
        Duration::from_secs(3600)
    );
    assert!(
        ctl.live_resources().is_empty(),
        "seeded resources are not leaks"
    );
    c.rpc(Product::Vpc, "CreateVpc", &[("RegionId", "cn-shanghai")])
        .await
        .unwrap();
    let body = json!({"functionName": "leaky", "runtime": "python3.10", "handler": "i.h"});
    c.roa(
        Product::Fc,
        "CreateFunction",
        "POST",
        "/2023-03-30/functions",
        &[],
        Some(body),
    )
    .await
    .unwrap();
    let leaks = ctl.live_resources();
    let mut kinds: Vec<(&str, &str, &str)> = leaks
        .iter()
        .map(|l| (l.kind, l.region.as_str(), l.status.as_str()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("function", "cn-hangzhou", "Active"),
            ("vpc", "cn-shanghai", "Pending")
        ]
    );
    ctl.advance(Duration::from_secs(5));
    let vpc = ctl
        .live_resources()
        .into_iter()
        .find(|l| l.kind == "vpc")
        .unwrap();
    assert_eq!(vpc.status, "Available");
}

#[tokio::test]
async fn http_control_api() {
    let emu = emulator().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = |p: &str| format!("{}/_emulator{p}", emu.endpoint());
    let post = |p: &str, body: Value| {
        http.post(url(p))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let health: Value = json_of(http.get(url("/health")).send().await.unwrap()).await;
    assert_eq!(health["status"], "ok");
    let before: Value = json_of(http.get(url("/clock")).send().await.unwrap()).await;
    let after: Value = json_of(
        post("/clock/advance", json!({"seconds": 120}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        after["unix"].as_u64().unwrap() - before["unix"].as_u64().unwrap(),
        120
    );

    let r = post("/faults", json!({"target": "ecs:DescribeRegions", "fault": "error", "status": 403, "code": "Forbidden.RAM", "count": 1})).await.unwrap();
    assert_eq!(r.status(), 200);
    let c = Clients::new(config(&emu));
    let err = c
        .rpc(Product::Ecs, "DescribeRegions", &[])
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("Forbidden.RAM"))
    );
    let r = post("/faults", json!({"target": "nope", "fault": "throttle"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    post(
        "/stock",
        json!({"zone": "cn-beijing-g", "instance_type": "ecs.g7.large", "status": "WithoutStock"}),
    )
    .await
    .unwrap();
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeAvailableResource",
            &[
                ("RegionId", "cn-beijing"),
                ("DestinationResource", "InstanceType"),
                ("InstanceType", "ecs.g7.large"),
                ("ZoneId", "cn-beijing-g"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        items(&v, "AvailableZones", "AvailableZone")[0]["StatusCategory"],
        "WithoutStock"
    );

    post("/create-failures", json!({"target": "vpc:CreateVpc", "mode": "reject", "fault": "error", "status": 400, "code": "QuotaExceeded"})).await.unwrap();
    assert_eq!(
        code(
            c.rpc(Product::Vpc, "CreateVpc", &[("RegionId", "cn-hangzhou")])
                .await
        ),
        "QuotaExceeded"
    );
    c.rpc(Product::Vpc, "CreateVpc", &[("RegionId", "cn-hangzhou")])
        .await
        .unwrap();
    post("/latency", json!({"target": "vpc", "millis": 5}))
        .await
        .unwrap();
    http.delete(url("/latency")).send().await.unwrap();

    let leaks: Value = json_of(http.get(url("/resources")).send().await.unwrap()).await;
    assert_eq!(leaks["resources"][0]["kind"], "vpc");
    assert_eq!(leaks["resources"][0]["product"], "Vpc");
    let last = emu.control().requests().last().unwrap().request_id.clone();
    let found: Value = json_of(
        http.get(url(&format!("/requests?id={last}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(found["requests"][0]["action"], "CreateVpc");
    let missing = http.get(url("/nothing")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn catalog_replacement_sts_keys_and_shutdown() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let emu = Emulator::builder()
        .catalog_dir(&data)
        .sts_key("sts-id", "sts-secret", "sts-token")
        .start()
        .await
        .unwrap();
    let c = Clients::new(config(&emu));
    c.rpc(Product::Ecs, "DescribeRegions", &[]).await.unwrap();
    // The same key without its token is refused.
    let no_token = config(&emu)
        .to_builder()
        .access_key("sts-id", "sts-secret")
        .build()
        .unwrap();
    let err = Clients::new(no_token)
        .rpc(Product::Ecs, "DescribeRegions", &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSecurityToken.Missing"));
    let endpoint = emu.endpoint();
    emu.shutdown().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(
        http.get(format!("{endpoint}/_emulator/health"))
            .send()
            .await
            .is_err()
    );

    let missing = Emulator::builder()
        .catalog_dir("/nonexistent-catalog")
        .start()
        .await;
    assert!(matches!(
        missing,
        Err(alibabacloud_emulator::StartError::Catalog(_))
    ));
    let bad_region = Emulator::builder().region("xx-nowhere-1").start().await;
    assert!(matches!(
        bad_region,
        Err(alibabacloud_emulator::StartError::Catalog(_))
    ));
}

async fn json_of(resp: reqwest::Response) -> Value {
    serde_json::from_str(&resp.text().await.unwrap()).unwrap()
}

/// Hundreds of requests in flight at once, on one connection pool, are all
/// served: bounded in count (400) and time (30 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_of_concurrent_requests() {
    let emu = Emulator::builder()
        .strict_responses(true)
        .start()
        .await
        .unwrap();
    // Latency keeps every request in flight at the same time.
    emu.control()
        .set_latency(Selector::any(), Duration::from_millis(200));
    let config = config(&emu);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400 {
        let config = config.clone();
        tasks.spawn(async move {
            let c = Clients::new(config);
            match i % 4 {
                0 => c.rpc(Product::Ecs, "DescribeRegions", &[]).await,
                1 => {
                    c.rpc(Product::Vpc, "DescribeVpcs", &[("RegionId", "cn-hangzhou")])
                        .await
                }
                2 => {
                    c.roa(
                        Product::AiWorkspace,
                        "ListImages",
                        "GET",
                        "/api/v1/images",
                        &[],
                        None,
                    )
                    .await
                }
                _ => {
                    c.rpc(Product::Vpc, "CreateVpc", &[("RegionId", "cn-beijing")])
                        .await
                }
            }
        });
    }
    let outcome = tokio::time::timeout(Duration::from_secs(30), async {
        let mut ok = 0;
        while let Some(r) = tasks.join_next().await {
            r.unwrap().unwrap();
            ok += 1;
        }
        ok
    })
    .await
    .expect("served within 30 s");
    assert_eq!(outcome, 400);
    // With 200 ms each, serial handling would take 80 s.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.control().live_resources().len(), 100);
    assert_eq!(emu.control().requests().len(), 400);
}
