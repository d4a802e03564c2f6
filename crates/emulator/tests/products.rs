//! Happy paths and rules of every product, as the workflows of DESIGN §5
//! use them, on a frozen virtual clock.

mod common;

use std::time::Duration;

use alibabacloud_emulator::Product;
use base64::Engine as _;
use common::{Clients, code, config, emulator, items};
use serde_json::{Value, json};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("{v} is a string"))
}

/// P4/P7/P8: stock search, price, network, instance, command, cleanup.
#[tokio::test]
async fn ecs_and_vpc_workflow() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();
    let hz = ("RegionId", "cn-hangzhou");

    // Stock by zone for an A10 type.
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeAvailableResource",
            &[
                hz,
                ("DestinationResource", "InstanceType"),
                ("InstanceType", "ecs.gn7i-c8g1.2xlarge"),
            ],
        )
        .await
        .unwrap();
    let zones = items(&v, "AvailableZones", "AvailableZone");
    let status_of = |zone: &str| -> String {
        let z = zones.iter().find(|z| z["ZoneId"] == zone).unwrap();
        z["AvailableResources"]["AvailableResource"][0]["SupportedResources"]["SupportedResource"]
            [0]["StatusCategory"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status_of("cn-hangzhou-h"), "WithoutStock");
    assert_eq!(status_of("cn-hangzhou-i"), "WithoutStock");
    assert_eq!(status_of("cn-hangzhou-k"), "WithStock");

    // Types with GPU fields, and a recommendation.
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeInstanceTypes",
            &[("GPUSpec", "A10"), ("MinimumGPUAmount", "1")],
        )
        .await
        .unwrap();
    let types = items(&v, "InstanceTypes", "InstanceType");
    assert!(!types.is_empty());
    assert!(
        types
            .iter()
            .all(|t| t["GPUSpec"] == "NVIDIA A10" && t["GPUMemorySize"] == 24.0)
    );
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeRecommendInstanceType",
            &[
                hz,
                ("NetworkType", "vpc"),
                ("InstanceType", "ecs.gn7i-c8g1.2xlarge"),
            ],
        )
        .await
        .unwrap();
    let rec = items(&v, "Data", "RecommendInstanceType");
    assert!(
        rec.iter()
            .all(|r| r["ZoneId"] != "cn-hangzhou-h" && r["ZoneId"] != "cn-hangzhou-i")
    );
    assert!(!rec.is_empty());

    // Prices agree between ECS and BSS.
    let v = c
        .rpc(
            Product::Ecs,
            "DescribePrice",
            &[
                hz,
                ("InstanceType", "ecs.g7.large"),
                ("SystemDisk.Category", "cloud_essd"),
                ("SystemDisk.Size", "40"),
            ],
        )
        .await
        .unwrap();
    let detail = v["PriceInfo"]["Price"]["DetailInfos"]["DetailInfo"]
        .as_array()
        .unwrap();
    let instance_price = detail
        .iter()
        .find(|d| d["Resource"] == "instanceType")
        .unwrap()["TradePrice"]
        .as_f64()
        .unwrap();
    assert!(instance_price > 0.0 && v["PriceInfo"]["Price"]["Currency"] == "CNY");
    let v = c
        .rpc(
            Product::Bss,
            "GetPayAsYouGoPrice",
            &[
                ("ProductCode", "ecs"),
                ("SubscriptionType", "PayAsYouGo"),
                ("Region", "cn-hangzhou"),
                ("ModuleList.1.ModuleCode", "InstanceType"),
                ("ModuleList.1.PriceType", "Hour"),
                (
                    "ModuleList.1.Config",
                    "InstanceType:ecs.g7.large,IoOptimized:IoOptimized,ImageOs:linux",
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        v["Data"]["ModuleDetails"]["ModuleDetail"][0]["UnitPrice"]
            .as_f64()
            .unwrap(),
        instance_price
    );

    // Network.
    let vpc = c
        .rpc(
            Product::Vpc,
            "CreateVpc",
            &[
                hz,
                ("CidrBlock", "192.168.0.0/16"),
                ("VpcName", "provision"),
            ],
        )
        .await
        .unwrap();
    let vpc_id = s(&vpc["VpcId"]).to_owned();
    let err = c
        .rpc(
            Product::Vpc,
            "CreateVSwitch",
            &[
                hz,
                ("VpcId", &vpc_id),
                ("ZoneId", "cn-hangzhou-k"),
                ("CidrBlock", "192.168.1.0/24"),
            ],
        )
        .await;
    assert_eq!(code(err), "IncorrectVpcStatus");
    ctl.advance(Duration::from_secs(3));
    let vsw = c
        .rpc(
            Product::Vpc,
            "CreateVSwitch",
            &[
                hz,
                ("VpcId", &vpc_id),
                ("ZoneId", "cn-hangzhou-k"),
                ("CidrBlock", "192.168.1.0/24"),
            ],
        )
        .await
        .unwrap();
    let vsw_id = s(&vsw["VSwitchId"]).to_owned();
    let overlap = c
        .rpc(
            Product::Vpc,
            "CreateVSwitch",
            &[
                hz,
                ("VpcId", &vpc_id),
                ("ZoneId", "cn-hangzhou-j"),
                ("CidrBlock", "192.168.1.128/25"),
            ],
        )
        .await;
    assert_eq!(code(overlap), "InvalidCidrBlock.Overlapped");
    let sg = c
        .rpc(
            Product::Ecs,
            "CreateSecurityGroup",
            &[hz, ("VpcId", &vpc_id), ("SecurityGroupName", "provision")],
        )
        .await
        .unwrap();
    let sg_id = s(&sg["SecurityGroupId"]).to_owned();
    c.rpc(
        Product::Ecs,
        "AuthorizeSecurityGroupEgress",
        &[
            hz,
            ("SecurityGroupId", &sg_id),
            ("IpProtocol", "all"),
            ("DestCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .unwrap();
    c.rpc(
        Product::Ecs,
        "AuthorizeSecurityGroup",
        &[
            hz,
            ("SecurityGroupId", &sg_id),
            ("Permissions.1.IpProtocol", "TCP"),
            ("Permissions.1.PortRange", "22/22"),
            ("Permissions.1.SourceCidrIp", "0.0.0.0/0"),
        ],
    )
    .await
    .unwrap();
    let attr = c
        .rpc(
            Product::Ecs,
            "DescribeSecurityGroupAttribute",
            &[hz, ("SecurityGroupId", &sg_id)],
        )
        .await
        .unwrap();
    assert_eq!(items(&attr, "Permissions", "Permission").len(), 2);

    // Images by family: newest first.
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeImages",
            &[hz, ("ImageFamily", "acs:ubuntu_22_04_x64")],
        )
        .await
        .unwrap();
    let images = items(&v, "Images", "Image");
    assert_eq!(images.len(), 2);
    assert!(s(&images[0]["CreationTime"]) > s(&images[1]["CreationTime"]));

    // Sold out and not offered.
    let err = c
        .rpc(
            Product::Ecs,
            "RunInstances",
            &[
                hz,
                ("InstanceType", "ecs.gn7i-c8g1.2xlarge"),
                ("ImageFamily", "acs:ubuntu_22_04_x64"),
                ("VSwitchId", &vsw_id),
                ("SecurityGroupId", &sg_id),
                ("ZoneId", "cn-hangzhou-k"),
                ("DryRun", "true"),
            ],
        )
        .await;
    assert_eq!(code(err), "DryRunOperation");

    // The instance.
    let run = c
        .rpc(
            Product::Ecs,
            "RunInstances",
            &[
                hz,
                ("InstanceType", "ecs.gn7i-c8g1.2xlarge"),
                ("ImageFamily", "acs:ubuntu_22_04_x64"),
                ("VSwitchId", &vsw_id),
                ("SecurityGroupId", &sg_id),
                ("InternetMaxBandwidthOut", "5"),
                ("InstanceName", "provision-1"),
            ],
        )
        .await
        .unwrap();
    let ids = items(&run, "InstanceIdSets", "InstanceIdSet");
    let id = s(&ids[0]).to_owned();
    assert!(run["TradePrice"].as_f64().unwrap() > 0.0);
    let describe = |c: &Clients| {
        let id = id.clone();
        let c = c.config.clone();
        async move {
            Clients::new(c)
                .rpc(
                    Product::Ecs,
                    "DescribeInstances",
                    &[
                        ("RegionId", "cn-hangzhou"),
                        ("InstanceIds", &format!("[\"{id}\"]")),
                    ],
                )
                .await
                .unwrap()
        }
    };
    let v = describe(&c).await;
    let inst = &items(&v, "Instances", "Instance")[0];
    assert_eq!(inst["Status"], "Pending");
    assert_eq!(inst["GPUSpec"], "NVIDIA A10");
    assert_eq!(inst["ZoneId"], "cn-hangzhou-k");
    assert_eq!(inst["VpcAttributes"]["VpcId"], vpc_id.as_str());
    assert_eq!(
        inst["PublicIpAddress"]["IpAddress"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let err = c
        .rpc(
            Product::Ecs,
            "DeleteInstances",
            &[hz, ("InstanceId.1", &id), ("Force", "true")],
        )
        .await;
    assert_eq!(code(err), "IncorrectInstanceStatus");
    ctl.advance(Duration::from_secs(11));
    let v = describe(&c).await;
    assert_eq!(items(&v, "Instances", "Instance")[0]["Status"], "Running");

    // Cloud Assistant.
    let cmd = c
        .rpc(
            Product::Ecs,
            "RunCommand",
            &[
                hz,
                ("Type", "RunShellScript"),
                ("CommandContent", "echo hello\nexit 3"),
                ("InstanceId.1", &id),
                ("Timeout", "60"),
            ],
        )
        .await
        .unwrap();
    let invoke_id = s(&cmd["InvokeId"]).to_owned();
    let results = |c: &Clients| {
        let invoke_id = invoke_id.clone();
        let c = c.config.clone();
        async move {
            Clients::new(c)
                .rpc(
                    Product::Ecs,
                    "DescribeInvocationResults",
                    &[("RegionId", "cn-hangzhou"), ("InvokeId", &invoke_id)],
                )
                .await
                .unwrap()
        }
    };
    let v = results(&c).await;
    let r = &v["Invocation"]["InvocationResults"]["InvocationResult"][0];
    assert_eq!(r["InvokeRecordStatus"], "Running");
    ctl.advance(Duration::from_secs(5));
    let v = results(&c).await;
    let r = &v["Invocation"]["InvocationResults"]["InvocationResult"][0];
    assert_eq!(r["InvocationStatus"], "Failed");
    assert_eq!(r["ExitCode"], 3);
    assert_eq!(r["ErrorCode"], "ExitCodeNonzero");
    let output = base64::engine::general_purpose::STANDARD
        .decode(s(&r["Output"]))
        .unwrap();
    assert_eq!(output, b"hello\n");
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeInvocations",
            &[
                hz,
                ("InvokeId", &invoke_id),
                ("IncludeOutput", "true"),
                ("ContentEncoding", "PlainText"),
            ],
        )
        .await
        .unwrap();
    let inv = &items(&v, "Invocations", "Invocation")[0];
    assert_eq!(inv["InvocationStatus"], "Failed");
    assert_eq!(inv["CommandContent"], "echo hello\nexit 3");
    assert_eq!(
        inv["InvokeInstances"]["InvokeInstance"][0]["Output"],
        "hello\n"
    );

    // Cleanup with dependency errors while the instance is released.
    c.rpc(
        Product::Ecs,
        "DeleteInstances",
        &[hz, ("InstanceId.1", &id), ("Force", "true")],
    )
    .await
    .unwrap();
    let v = describe(&c).await;
    assert!(items(&v, "Instances", "Instance").is_empty());
    assert_eq!(
        code(
            c.rpc(
                Product::Ecs,
                "DeleteSecurityGroup",
                &[hz, ("SecurityGroupId", &sg_id)]
            )
            .await
        ),
        "DependencyViolation"
    );
    assert_eq!(
        code(
            c.rpc(Product::Vpc, "DeleteVSwitch", &[hz, ("VSwitchId", &vsw_id)])
                .await
        ),
        "DependencyViolation.Instance"
    );
    assert_eq!(
        code(
            c.rpc(Product::Vpc, "DeleteVpc", &[hz, ("VpcId", &vpc_id)])
                .await
        ),
        "DependencyViolation.VSwitch"
    );
    ctl.advance(Duration::from_secs(6));
    c.rpc(
        Product::Ecs,
        "DeleteSecurityGroup",
        &[hz, ("SecurityGroupId", &sg_id)],
    )
    .await
    .unwrap();
    c.rpc(Product::Vpc, "DeleteVSwitch", &[hz, ("VSwitchId", &vsw_id)])
        .await
        .unwrap();
    c.rpc(Product::Vpc, "DeleteVpc", &[hz, ("VpcId", &vpc_id)])
        .await
        .unwrap();
    assert!(
        ctl.live_resources().is_empty(),
        "{:?}",
        ctl.live_resources()
    );
}

#[tokio::test]
async fn ecs_out_of_stock_and_not_offered() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let hz = ("RegionId", "cn-hangzhou");
    // The default VPC has a vSwitch in cn-hangzhou-h.
    let v = c
        .rpc(
            Product::Vpc,
            "DescribeVSwitches",
            &[hz, ("ZoneId", "cn-hangzhou-h")],
        )
        .await
        .unwrap();
    let vsw = items(&v, "VSwitches", "VSwitch")[0].clone();
    assert_eq!(vsw["IsDefault"], true);
    let sg = c
        .rpc(
            Product::Ecs,
            "CreateSecurityGroup",
            &[hz, ("VpcId", s(&vsw["VpcId"]))],
        )
        .await
        .unwrap();
    let run = |ty: &'static str| {
        let c = c.config.clone();
        let vsw_id = s(&vsw["VSwitchId"]).to_owned();
        let sg_id = s(&sg["SecurityGroupId"]).to_owned();
        async move {
            Clients::new(c)
                .rpc(
                    Product::Ecs,
                    "RunInstances",
                    &[
                        ("RegionId", "cn-hangzhou"),
                        ("InstanceType", ty),
                        ("ImageId", "ubuntu_22_04_x64_20G_alibase_20250415.vhd"),
                        ("VSwitchId", &vsw_id),
                        ("SecurityGroupId", &sg_id),
                    ],
                )
                .await
        }
    };
    let err = run("ecs.gn7i-c8g1.2xlarge").await.unwrap_err();
    assert!(err.is_out_of_stock(), "{err}");
    assert_eq!(err.code(), Some("OperationDenied.NoStock"));
    assert_eq!(
        code(run("ecs.gn7-c12g1.3xlarge").await),
        "InvalidResourceType.NotSupported"
    );
    assert_eq!(
        code(run("ecs.nope.large").await),
        "InvalidInstanceType.ValueNotSupported"
    );
    // An x86 image on an ARM type.
    assert_eq!(
        code(run("ecs.g8y.large").await),
        "InvalidImageId.NotSupported"
    );
    run("ecs.g7.large").await.unwrap();
    let v = c.rpc(Product::Ecs, "DescribeZones", &[hz]).await.unwrap();
    let zone_h = items(&v, "Zones", "Zone")
        .iter()
        .find(|z| z["ZoneId"] == "cn-hangzhou-h")
        .unwrap()
        .clone();
    let sellable = items(&zone_h, "AvailableInstanceTypes", "InstanceTypes");
    assert!(sellable.iter().any(|t| t == "ecs.g7.large"));
    assert!(!sellable.iter().any(|t| t == "ecs.gn7i-c8g1.2xlarge"));
}

/// D1–D9.
#[tokio::test]
async fn dlc_jobs_and_ai_workspace_catalog() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();

    let ws = c
        .roa(
            Product::AiWorkspace,
            "ListWorkspaces",
            "GET",
            "/api/v1/workspaces",
            &[],
            None,
        )
        .await
        .unwrap();
    let workspace = s(&ws["Workspaces"][0]["WorkspaceId"]).to_owned();
    let images = c
        .roa(
            Product::AiWorkspace,
            "ListImages",
            "GET",
            "/api/v1/images",
            &[
                ("Labels", "system.chipType=GPU,system.supported.dlc=true"),
                ("Verbose", "true"),
            ],
            None,
        )
        .await
        .unwrap();
    let image = &images["Images"][0];
    let uri = s(&image["ImageUri"]).to_owned();
    let labels = image["Labels"].as_array().unwrap();
    assert!(
        labels
            .iter()
            .any(|l| l["Key"] == "system.imageUri" && l["Value"] == uri.as_str())
    );
    let got = c
        .roa(
            Product::AiWorkspace,
            "GetImage",
            "GET",
            &format!("/api/v1/images/{}", s(&image["ImageId"])),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(got["ImageUri"], uri.as_str());
    let labels = c
        .roa(
            Product::AiWorkspace,
            "ListImageLabels",
            "GET",
            "/api/v1/image/labels",
            &[("LabelKeys", "system.chipType")],
            None,
        )
        .await
        .unwrap();
    let chips: Vec<&str> = labels["Labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| s(&l["Value"]))
        .collect();
    assert_eq!(chips, ["CPU", "GPU", "PPU", "XPU"]);
    let ds = c
        .roa(
            Product::AiWorkspace,
            "ListDatasets",
            "GET",
            "/api/v1/datasets",
            &[("WorkspaceId", &workspace)],
            None,
        )
        .await
        .unwrap();
    let dataset = s(&ds["Datasets"][0]["DatasetId"]).to_owned();
    let cs = c
        .roa(
            Product::AiWorkspace,
            "ListCodeSources",
            "GET",
            "/api/v1/codesources",
            &[("WorkspaceId", &workspace)],
            None,
        )
        .await
        .unwrap();
    let code_source = s(&cs["CodeSources"][0]["CodeSourceId"]).to_owned();

    // ECS specs; sorting is refused by the server.
    let specs = c
        .roa(
            Product::PaiDlc,
            "ListEcsSpecs",
            "GET",
            "/api/v1/ecsspecs",
            &[("AcceleratorType", "GPU"), ("PageSize", "100")],
            None,
        )
        .await
        .unwrap();
    let all = specs["EcsSpecs"].as_array().unwrap();
    assert!(all.iter().all(|e| e["Gpu"].as_i64().unwrap() > 0));
    assert!(
        all.iter()
            .any(|e| e["InstanceType"] == "ecs.gn6i-c4g1.xlarge" && e["GpuType"] == "T4")
    );
    let err = c
        .roa(
            Product::PaiDlc,
            "ListEcsSpecs",
            "GET",
            "/api/v1/ecsspecs",
            &[("SortBy", "Gpu")],
            None,
        )
        .await;
    assert_eq!(code(err), "InvalidParameter");

    let create = |body: Value| {
        let c = c.config.clone();
        async move {
            Clients::new(c)
                .roa(
                    Product::PaiDlc,
                    "CreateJob",
                    "POST",
                    "/api/v1/jobs",
                    &[],
                    Some(body),
                )
                .await
        }
    };
    let spec =
        json!({"Type": "Worker", "PodCount": 2, "Image": uri, "EcsSpec": "ecs.gn6i-c4g1.xlarge"});
    let base = json!({"DisplayName": "resnet50-imagenet-20261124", "JobType": "PyTorchJob",
        "UserCommand": "echo epoch done\npython train.py", "WorkspaceId": workspace, "JobSpecs": [spec],
        "DataSources": [{"DataSourceId": dataset}], "CodeSource": {"CodeSourceId": code_source},
        "Settings": {"EnableSanityCheck": true}});
    // Rules the server enforces.
    let mut bad = base.clone();
    bad["JobType"] = json!("pytorch");
    assert_eq!(code(create(bad).await), "InvalidParameter");
    let mut bad = base.clone();
    bad["JobSpecs"][0]["Type"] = json!("Chief");
    assert_eq!(code(create(bad).await), "InvalidParameter");
    let mut bad = base.clone();
    bad["JobSpecs"][0]["ResourceConfig"] = json!({"CPU": "4", "Memory": "8Gi"});
    assert_eq!(code(create(bad).await), "InvalidParameter");
    let mut bad = base.clone();
    bad["DataSources"][0]["Uri"] = json!("oss://bucket/path/");
    assert_eq!(code(create(bad).await), "InvalidParameter");

    let job_id = s(&create(base.clone()).await.unwrap()["JobId"]).to_owned();
    let get = |id: String| {
        let c = c.config.clone();
        async move {
            Clients::new(c)
                .roa(
                    Product::PaiDlc,
                    "GetJob",
                    "GET",
                    &format!("/api/v1/jobs/{id}"),
                    &[],
                    None,
                )
                .await
                .unwrap()
        }
    };
    let job = get(job_id.clone()).await;
    assert_eq!(job["Status"], "Creating");
    assert_eq!(job["ResourceType"], "ECS");
    assert_eq!(job["Pods"].as_array().unwrap().len(), 2);
    let pod = s(&job["Pods"][0]["PodId"]).to_owned();
    // Priority of a pay-as-you-go job: accepted and silently ignored.
    c.roa(
        Product::PaiDlc,
        "UpdateJob",
        "PUT",
        &format!("/api/v1/jobs/{job_id}"),
        &[],
        Some(json!({"Priority": 7})),
    )
    .await
    .unwrap();
    assert_eq!(get(job_id.clone()).await["Priority"], 1);
    // Stop is refused while Creating.
    let stop = c
        .roa(
            Product::PaiDlc,
            "StopJob",
            "POST",
            &format!("/api/v1/jobs/{job_id}/stop"),
            &[],
            None,
        )
        .await;
    assert_eq!(code(stop), "InvalidJobStatus");

    ctl.advance(Duration::from_secs(36));
    let job = get(job_id.clone()).await;
    assert_eq!(job["Status"], "Running");
    assert!(!s(&job["GmtRunningTime"]).is_empty());
    let sanity = c
        .roa(
            Product::PaiDlc,
            "ListJobSanityCheckResults",
            "GET",
            &format!("/api/v1/jobs/{job_id}/sanitycheckresults"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(sanity["SanityCheckResults"][0][0]["Status"], "Succeeded");
    ctl.advance(Duration::from_secs(120));
    let job = get(job_id.clone()).await;
    assert_eq!(job["Status"], "Succeeded");
    let logs = c
        .roa(
            Product::PaiDlc,
            "GetPodLogs",
            "GET",
            &format!("/api/v1/jobs/{job_id}/pods/{pod}/logs"),
            &[("MaxLines", "5")],
            None,
        )
        .await
        .unwrap();
    let lines = logs["Logs"].as_array().unwrap();
    assert_eq!(lines.len(), 5);
    assert!(s(lines.last().unwrap()).contains("exited with code 0"));
    let all_logs = c
        .roa(
            Product::PaiDlc,
            "GetPodLogs",
            "GET",
            &format!("/api/v1/jobs/{job_id}/pods/{pod}/logs"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(
        all_logs["Logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "epoch done")
    );
    let events = c
        .roa(
            Product::PaiDlc,
            "GetJobEvents",
            "GET",
            &format!("/api/v1/jobs/{job_id}/events"),
            &[("MaxEventsNum", "50")],
            None,
        )
        .await
        .unwrap();
    assert!(
        events["Events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| s(e).contains("JobSucceeded"))
    );
    let pod_events = c
        .roa(
            Product::PaiDlc,
            "GetPodEvents",
            "GET",
            &format!("/api/v1/jobs/{job_id}/pods/{pod}/events"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(!pod_events["Events"].as_array().unwrap().is_empty());
    let stop = c
        .roa(
            Product::PaiDlc,
            "StopJob",
            "POST",
            &format!("/api/v1/jobs/{job_id}/stop"),
            &[],
            None,
        )
        .await;
    assert_eq!(code(stop), "InvalidJobStatus");

    // A quota (Lingjun) job without a workspace: default workspace, priority
    // applied while queuing, stopped while running.
    let quota_job = json!({"DisplayName": "llm-sft", "JobType": "PyTorchJob", "UserCommand": "sleep 3600",
        "ResourceId": "quota12ab34cd56ef",
        "JobSpecs": [{"Type": "Worker", "PodCount": 1, "Image": uri, "ResourceConfig": {"CPU": "8", "Memory": "64Gi", "GPU": "1"}}]});
    let quota_id = s(&create(quota_job).await.unwrap()["JobId"]).to_owned();
    let job = get(quota_id.clone()).await;
    assert_eq!(
        (job["ResourceType"].as_str(), job["WorkspaceId"].as_str()),
        (Some("Lingjun"), Some(workspace.as_str()))
    );
    ctl.advance(Duration::from_secs(6));
    c.roa(
        Product::PaiDlc,
        "UpdateJob",
        "PUT",
        &format!("/api/v1/jobs/{quota_id}"),
        &[],
        Some(json!({"Priority": 7})),
    )
    .await
    .unwrap();
    assert_eq!(get(quota_id.clone()).await["Priority"], 7);
    ctl.advance(Duration::from_secs(60));
    assert_eq!(get(quota_id.clone()).await["Status"], "Running");
    c.roa(
        Product::PaiDlc,
        "StopJob",
        "POST",
        &format!("/api/v1/jobs/{quota_id}/stop"),
        &[],
        None,
    )
    .await
    .unwrap();
    ctl.advance(Duration::from_secs(6));
    assert_eq!(get(quota_id.clone()).await["Status"], "Stopped");

    // Idempotent retry lookup by display name (D7).
    let list = c
        .roa(
            Product::PaiDlc,
            "ListJobs",
            "GET",
            "/api/v1/jobs",
            &[("DisplayName", "resnet50-imagenet-20261124")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(list["TotalCount"], 1);
    assert_eq!(list["Jobs"][0]["JobId"], job_id.as_str());
}

/// E1–E7 and S1–S6.
#[tokio::test]
async fn eas_deploy_and_sysom_diagnosis() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();

    let specs = c
        .roa(
            Product::Eas,
            "DescribeMachineSpec",
            "GET",
            "/api/v2/public/instance_types",
            &[],
            None,
        )
        .await
        .unwrap();
    let metas = specs["InstanceMetas"].as_array().unwrap();
    assert!(
        metas
            .iter()
            .any(|m| m["InstanceType"] == "ecs.gn7i-c8g1.2xlarge"
                && m["GPU"] == "A10"
                && m["IsAvailable"] == true)
    );
    assert!(
        metas
            .iter()
            .any(|m| s(&m["InstanceType"]).starts_with("ecs.ebmppu"))
    );
    let groups = c
        .roa(
            Product::Eas,
            "ListResources",
            "GET",
            "/api/v2/resources",
            &[],
            None,
        )
        .await
        .unwrap();
    let g = &groups["Resources"][0];
    assert!(g["GpuCount"].as_i64().unwrap() > g["GpuUsed"].as_f64().unwrap() as i64);
    let gateways = c
        .roa(
            Product::Eas,
            "ListGateway",
            "GET",
            "/api/v2/gateways",
            &[],
            None,
        )
        .await
        .unwrap();
    let gw = s(&gateways["Gateways"][0]["GatewayId"]).to_owned();
    let detail = c
        .roa(
            Product::Eas,
            "DescribeGateway",
            "GET",
            &format!("/api/v2/gateways/cn-hangzhou/{gw}"),
            &[],
            None,
        )
        .await
        .unwrap();
    let vpc = s(&detail["IntranetLinkedVpcList"][0]["VpcId"]).to_owned();
    let sgs = c
        .rpc(
            Product::Ecs,
            "DescribeSecurityGroups",
            &[("RegionId", "cn-hangzhou"), ("VpcId", &vpc)],
        )
        .await
        .unwrap();
    assert_eq!(items(&sgs, "SecurityGroups", "SecurityGroup").len(), 1);

    let images = c
        .roa(
            Product::AiWorkspace,
            "ListImages",
            "GET",
            "/api/v1/images",
            &[(
                "Labels",
                "system.official=true,system.supported.eas=true,system.chipType=GPU",
            )],
            None,
        )
        .await
        .unwrap();
    let vllm = images["Images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| s(&i["Name"]).starts_with("vllm"))
        .unwrap();
    let uri = s(&vllm["ImageUri"]).to_owned();
    let deploy = |name: &str, instance_type: &str| {
        let c = c.config.clone();
        let cfg = json!({
            "metadata": {"name": name, "instance": 1},
            "containers": [{"image": uri, "port": 8000, "script": "vllm serve /model_dir --port 8000"}],
            "storage": [{"oss": {"path": "oss://bucket/models/qwen/"}, "mount_path": "/model_dir"}],
            "cloud": {"computing": {"instance_type": instance_type}},
        })
        .to_string();
        async move {
            Clients::new(c)
                .roa_raw(
                    Product::Eas,
                    "CreateService",
                    "POST",
                    "/api/v2/services",
                    &[],
                    Some((cfg.into_bytes(), "application/json")),
                )
                .await
        }
    };
    let created: Value = deploy("qwen_chat", "ecs.gn7i-c8g1.2xlarge")
        .await
        .unwrap()
        .json("CreateService")
        .unwrap();
    assert_eq!(created["Status"], "Creating");
    let service_id = s(&created["ServiceId"]).to_owned();
    assert!(service_id.starts_with("eas-m-"));
    let dup = deploy("qwen_chat", "ecs.gn7i-c8g1.2xlarge")
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Some("ServiceAlreadyExists"));
    let bad_name = deploy("Qwen-Chat", "ecs.gn7i-c8g1.2xlarge")
        .await
        .unwrap_err();
    assert_eq!(bad_name.code(), Some("InvalidParameter"));
    // A GPU image on a CPU instance crashes.
    deploy("qwen_cpu", "ecs.c7.large").await.unwrap();
    ctl.advance(Duration::from_secs(31));
    let svc = c
        .roa(
            Product::Eas,
            "DescribeService",
            "GET",
            "/api/v2/services/cn-hangzhou/qwen_chat",
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(svc["Status"], "Running");
    assert!(s(&svc["InternetEndpoint"]).ends_with("/api/predict/qwen_chat"));
    assert!(s(&svc["IntranetEndpoint"]).contains(".vpc.cn-hangzhou."));
    let failed = c
        .roa(
            Product::Eas,
            "DescribeService",
            "GET",
            "/api/v2/services/cn-hangzhou/qwen_cpu",
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(failed["Status"], "Failed");
    let events = c
        .roa(
            Product::Eas,
            "DescribeServiceEvent",
            "GET",
            "/api/v2/services/cn-hangzhou/qwen_cpu/events",
            &[],
            None,
        )
        .await
        .unwrap();
    let events = events["Events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["Type"] == "Warning" && e["Reason"] == "InstanceCrashed")
    );
    let listed = c
        .roa(
            Product::Eas,
            "ListServices",
            "GET",
            "/api/v2/services",
            &[("Filter", &service_id)],
            None,
        )
        .await
        .unwrap();
    assert_eq!(listed["TotalCount"], 1);

    // SysOM on the running service.
    let sysom = |action: &str,
                 method: &str,
                 path: &str,
                 query: Vec<(&'static str, String)>,
                 body: Option<Value>| {
        let c = c.config.clone();
        let (action, method, path) = (action.to_owned(), method.to_owned(), path.to_owned());
        async move {
            let q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Clients::new(c)
                .roa(Product::Sysom, &action, &method, &path, &q, body)
                .await
        }
    };
    let params =
        json!({"instance": service_id, "region": "cn-hangzhou", "product": "EAS", "start_time": 0,
        "end_time": 0, "type": "ocd", "ai_roadmap": true, "enable_sysom_link": false,
        "ocd_description": "GPU_OOM_instance_restart"})
        .to_string();
    let invoke_body = json!({"service_name": "ocd", "channel": "ecs", "params": params});
    let err = sysom(
        "InvokeDiagnosis",
        "POST",
        "/api/v1/openapi/diagnosis/invoke_diagnosis",
        vec![],
        Some(invoke_body.clone()),
    )
    .await;
    assert_eq!(code(err), "Sysom.RoleNotExist");
    let init = sysom(
        "InitialSysom",
        "POST",
        "/api/v1/openapi/initial",
        vec![],
        Some(json!({"check_only": false, "source": "test"})),
    )
    .await
    .unwrap();
    assert_eq!(init["data"]["role_exist"], true);
    let task = sysom(
        "InvokeDiagnosis",
        "POST",
        "/api/v1/openapi/diagnosis/invoke_diagnosis",
        vec![],
        Some(invoke_body.clone()),
    )
    .await
    .unwrap();
    let task_id = s(&task["data"]["task_id"]).to_owned();
    let again = sysom(
        "InvokeDiagnosis",
        "POST",
        "/api/v1/openapi/diagnosis/invoke_diagnosis",
        vec![],
        Some(invoke_body),
    )
    .await
    .unwrap_err();
    assert_eq!(again.code(), Some("Sysom.TaskInProgress"));
    assert!(
        again.to_string().contains(&format!("ocd({task_id})")),
        "{again}"
    );
    let result = || {
        sysom(
            "GetDiagnosisResult",
            "GET",
            "/api/v1/openapi/diagnosis/get_diagnosis_results",
            vec![("task_id", task_id.clone())],
            None,
        )
    };
    assert_eq!(result().await.unwrap()["data"]["status"], "Ready");
    ctl.advance(Duration::from_secs(10));
    assert_eq!(result().await.unwrap()["data"]["status"], "Running");
    ctl.advance(Duration::from_secs(40));
    let done = result().await.unwrap();
    assert_eq!(done["data"]["status"], "Success");
    assert_eq!(
        done["data"]["result"]["summary"]["overall_status"],
        "critical"
    );
    assert!(
        done["data"]["result"]["issues"]
            .as_array()
            .is_some_and(|i| !i.is_empty())
    );

    // Delete: Deleting, then gone.
    c.roa(
        Product::Eas,
        "DeleteService",
        "DELETE",
        "/api/v2/services/cn-hangzhou/qwen_chat",
        &[],
        None,
    )
    .await
    .unwrap();
    let svc = c
        .roa(
            Product::Eas,
            "DescribeService",
            "GET",
            "/api/v2/services/cn-hangzhou/qwen_chat",
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(svc["Status"], "Deleting");
    ctl.advance(Duration::from_secs(11));
    let gone = c
        .roa(
            Product::Eas,
            "DescribeService",
            "GET",
            "/api/v2/services/cn-hangzhou/qwen_chat",
            &[],
            None,
        )
        .await;
    assert_eq!(code(gone), "ServiceNotFound");
}

#[tokio::test]
async fn fc_functions_and_invocation() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let body = json!({"functionName": "run_script", "runtime": "python3.10", "handler": "index.handler",
        "memorySize": 1024, "timeout": 60, "code": {"zipFile": "UEsDBAoAAAAAAA=="},
        "gpuConfig": {"gpuType": "fc.gpu.ada.1", "gpuMemorySize": 16384}, "unknownField": 1});
    let f = c
        .roa(
            Product::Fc,
            "CreateFunction",
            "POST",
            "/2023-03-30/functions",
            &[],
            Some(body.clone()),
        )
        .await
        .unwrap();
    assert_eq!(f["functionName"], "run_script");
    assert_eq!(f["memorySize"], 1024);
    assert_eq!(f["state"], "Active");
    assert!(f.get("unknownField").is_none());
    let dup = c
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
    assert_eq!(
        (dup.status(), dup.code()),
        (Some(409), Some("FunctionAlreadyExists"))
    );
    let got = c
        .roa(
            Product::Fc,
            "GetFunction",
            "GET",
            "/2023-03-30/functions/run_script",
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(got["gpuConfig"]["gpuType"], "fc.gpu.ada.1");
    let list = c
        .roa(
            Product::Fc,
            "ListFunctions",
            "GET",
            "/2023-03-30/functions",
            &[("prefix", "run")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(list["functions"].as_array().unwrap().len(), 1);
    let resp = c
        .roa_raw(
            Product::Fc,
            "InvokeFunction",
            "POST",
            "/2023-03-30/functions/run_script/invocations",
            &[("x-fc-log-type", "Tail")],
            Some((b"{}".to_vec(), "application/octet-stream")),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(String::from_utf8_lossy(resp.body()).contains("run_script"));
    let log = resp
        .headers()
        .get("x-fc-log-result")
        .unwrap()
        .to_str()
        .unwrap();
    let log = base64::engine::general_purpose::STANDARD
        .decode(log)
        .unwrap();
    assert!(String::from_utf8_lossy(&log).contains("FC Invoke End"));
    assert_eq!(emu.control().live_resources().len(), 1);
    let del = c
        .roa_raw(
            Product::Fc,
            "DeleteFunction",
            "DELETE",
            "/2023-03-30/functions/run_script",
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert!(emu.control().live_resources().is_empty());
}

#[tokio::test]
async fn ack_cluster_lifecycle_and_kubeconfig() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let ctl = emu.control();
    let v = c
        .rpc(
            Product::Vpc,
            "DescribeVSwitches",
            &[("RegionId", "cn-hangzhou"), ("IsDefault", "true")],
        )
        .await
        .unwrap();
    let vsw = items(&v, "VSwitches", "VSwitch")[0].clone();
    let body = json!({"name": "jobs", "region_id": "cn-hangzhou", "cluster_type": "ManagedKubernetes",
        "vpcid": vsw["VpcId"], "vswitch_ids": [vsw["VSwitchId"]], "num_of_nodes": 2,
        "worker_instance_types": ["ecs.g7.xlarge"]});
    let created = c
        .roa(
            Product::Cs,
            "CreateCluster",
            "POST",
            "/clusters",
            &[],
            Some(body),
        )
        .await
        .unwrap();
    let id = s(&created["cluster_id"]).to_owned();
    let task = s(&created["task_id"]).to_owned();
    let detail = c
        .roa(
            Product::Cs,
            "DescribeClusterDetail",
            "GET",
            &format!("/clusters/{id}"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(detail["state"], "initial");
    let early = c
        .roa(
            Product::Cs,
            "DescribeClusterUserKubeconfig",
            "GET",
            &format!("/k8s/{id}/user_config"),
            &[],
            None,
        )
        .await;
    assert_eq!(code(early), "ErrorClusterState");
    let dep = c
        .rpc(
            Product::Vpc,
            "DeleteVSwitch",
            &[
                ("RegionId", "cn-hangzhou"),
                ("VSwitchId", s(&vsw["VSwitchId"])),
            ],
        )
        .await;
    assert_eq!(code(dep), "DependencyViolation.Cluster");
    ctl.advance(Duration::from_secs(121));
    let detail = c
        .roa(
            Product::Cs,
            "DescribeClusterDetail",
            "GET",
            &format!("/clusters/{id}"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(detail["state"], "running");
    let info = c
        .roa(
            Product::Cs,
            "DescribeTaskInfo",
            "GET",
            &format!("/tasks/{task}"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(info["state"], "success");
    let kube = c
        .roa(
            Product::Cs,
            "DescribeClusterUserKubeconfig",
            "GET",
            &format!("/k8s/{id}/user_config"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert!(s(&kube["config"]).contains("kind: Config"));
    let list = c
        .roa(
            Product::Cs,
            "DescribeClustersV1",
            "GET",
            "/api/v1/clusters",
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(list["page_info"]["total_count"], 1);
    c.roa(
        Product::Cs,
        "DeleteCluster",
        "DELETE",
        &format!("/clusters/{id}"),
        &[],
        None,
    )
    .await
    .unwrap();
    ctl.advance(Duration::from_secs(61));
    let gone = c
        .roa(
            Product::Cs,
            "DescribeClusterDetail",
            "GET",
            &format!("/clusters/{id}"),
            &[],
            None,
        )
        .await;
    assert_eq!(code(gone), "ErrorClusterNotFound");
    assert!(ctl.live_resources().is_empty());
}

/// Modelled operations not covered above answer within their schemas
/// (the emulator runs with strict response checking).
#[tokio::test]
async fn remaining_modelled_operations_fit_their_schemas() {
    let emu = emulator().await;
    let c = Clients::new(config(&emu));
    let hz = ("RegionId", "cn-hangzhou");
    c.rpc(Product::Ecs, "DescribeInstanceTypeFamilies", &[hz])
        .await
        .unwrap();
    c.rpc(Product::Ecs, "DescribeInstanceStatus", &[hz])
        .await
        .unwrap();
    for dest in ["Zone", "SystemDisk", "DataDisk", "IoOptimized", "Network"] {
        c.rpc(
            Product::Ecs,
            "DescribeAvailableResource",
            &[hz, ("DestinationResource", dest)],
        )
        .await
        .unwrap();
    }
    let v = c
        .rpc(
            Product::Ecs,
            "DescribeSecurityGroups",
            &[hz, ("MaxResults", "1")],
        )
        .await
        .unwrap();
    assert_eq!(items(&v, "SecurityGroups", "SecurityGroup").len(), 1);
    c.rpc(Product::Ecs, "DescribeInvocations", &[hz])
        .await
        .unwrap();
    c.rpc(
        Product::Ecs,
        "DescribePrice",
        &[
            hz,
            ("InstanceType", "ecs.g7.large"),
            ("PriceUnit", "Month"),
            ("DataDisk.1.Size", "100"),
            ("DataDisk.1.Category", "cloud_auto"),
            ("InternetChargeType", "PayByBandwidth"),
            ("InternetMaxBandwidthOut", "10"),
        ],
    )
    .await
    .unwrap();
    c.rpc(Product::Vpc, "DescribeVpcs", &[hz, ("IsDefault", "true")])
        .await
        .unwrap();

    // Start/stop on a running instance.
    let v = c
        .rpc(
            Product::Vpc,
            "DescribeVSwitches",
            &[hz, ("IsDefault", "true")],
        )
        .await
        .unwrap();
    let vsw = items(&v, "VSwitches", "VSwitch")[0].clone();
    let sg = c
        .rpc(
            Product::Ecs,
            "CreateSecurityGroup",
            &[hz, ("VpcId", s(&vsw["VpcId"]))],
        )
        .await
        .unwrap();
    let run = c
        .rpc(
            Product::Ecs,
            "RunInstances",
            &[
                hz,
                ("InstanceType", "ecs.c7.large"),
                ("ImageFamily", "acs:debian_12_x64"),
                ("VSwitchId", s(&vsw["VSwitchId"])),
                ("SecurityGroupId", s(&sg["SecurityGroupId"])),
                ("Amount", "2"),
            ],
        )
        .await
        .unwrap();
    let ids: Vec<String> = items(&run, "InstanceIdSets", "InstanceIdSet")
        .iter()
        .map(|i| s(i).to_owned())
        .collect();
    emu.control().advance(Duration::from_secs(11));
    let stop = c
        .rpc(
            Product::Ecs,
            "StopInstances",
            &[hz, ("InstanceId.1", &ids[0]), ("InstanceId.2", &ids[1])],
        )
        .await
        .unwrap();
    assert_eq!(
        items(&stop, "InstanceResponses", "InstanceResponse")[0]["CurrentStatus"],
        "Stopping"
    );
    emu.control().advance(Duration::from_secs(6));
    c.rpc(Product::Ecs, "StartInstance", &[("InstanceId", &ids[0])])
        .await
        .unwrap();
    c.rpc(Product::Ecs, "DeleteInstance", &[("InstanceId", &ids[1])])
        .await
        .unwrap();
    let v = c
        .rpc(Product::Ecs, "DescribeInstanceStatus", &[hz])
        .await
        .unwrap();
    assert_eq!(items(&v, "InstanceStatuses", "InstanceStatus").len(), 1);

    // PAI catalog reads.
    c.roa(
        Product::AiWorkspace,
        "GetWorkspace",
        "GET",
        "/api/v1/workspaces/100001",
        &[],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::AiWorkspace,
        "GetDataset",
        "GET",
        "/api/v1/datasets/d-emu0000000000001",
        &[],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::AiWorkspace,
        "GetCodeSource",
        "GET",
        "/api/v1/codesources/code-emu0000000001",
        &[],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::AiWorkspace,
        "ListQuotas",
        "GET",
        "/api/v1/quotas",
        &[],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::Eas,
        "DescribeResource",
        "GET",
        "/api/v2/resources/cn-hangzhou/eas-r-emugpu0001",
        &[],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::PaiDlc,
        "GetToken",
        "GET",
        "/api/v1/tokens",
        &[],
        None,
    )
    .await
    .unwrap();
    let body = json!({"DisplayName": "t", "JobType": "TFJob", "UserCommand": "python a.py",
        "JobSpecs": [{"Type": "PS", "Image": "img", "EcsSpec": "ecs.c7.xlarge"}, {"Type": "Worker", "PodCount": 2, "Image": "img", "EcsSpec": "ecs.gn6i-c4g1.xlarge"}]});
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
    let id = s(&job["JobId"]).to_owned();
    let listed = c
        .roa(
            Product::PaiDlc,
            "ListJobs",
            "GET",
            "/api/v1/jobs",
            &[("JobType", "TFJob")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(listed["Jobs"][0]["NodeCount"], "3");
    c.roa(
        Product::PaiDlc,
        "GetJobSanityCheckResult",
        "GET",
        &format!("/api/v1/jobs/{id}/sanitycheckresult"),
        &[("SanityCheckNumber", "1")],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::PaiDlc,
        "GetWebTerminal",
        "GET",
        &format!("/api/v1/jobs/{id}/pods/{id}-ps-0/webterminal"),
        &[],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::PaiDlc,
        "DeleteJob",
        "DELETE",
        &format!("/api/v1/jobs/{id}"),
        &[],
        None,
    )
    .await
    .unwrap();
    c.roa(
        Product::Cs,
        "DescribeClustersV1",
        "GET",
        "/api/v1/clusters",
        &[("page_size", "5")],
        None,
    )
    .await
    .unwrap();
}
