//! Each product's happy path through its generated client, built from
//! `Emulator::config()` exactly as user code builds it.

use std::time::Duration;

use alibabacloud_emulator::Emulator;

async fn emulator() -> Emulator {
    Emulator::builder()
        .frozen_clock()
        .strict_responses(true)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn ecs_and_vpc() {
    let emu = emulator().await;
    let config = emu.config();
    let ecs = alibabacloud_ecs::Client::new(&config);
    let regions = ecs.describe_regions().send().await.unwrap();
    assert!(regions.regions().len() >= 10);
    assert!(regions.request_id().is_some());
    let instances = ecs
        .describe_instances()
        .region_id("cn-hangzhou")
        .send()
        .await
        .unwrap();
    assert!(instances.instances().is_empty());

    let vpc = alibabacloud_vpc::Client::new(&config);
    let created = vpc
        .create_vpc()
        .region_id("cn-hangzhou")
        .cidr_block("10.0.0.0/8")
        .send()
        .await
        .unwrap();
    let id = created.vpc_id().unwrap().to_owned();
    assert!(id.starts_with("vpc-"));
    emu.control().advance(Duration::from_secs(3));
    vpc.delete_vpc()
        .region_id("cn-hangzhou")
        .vpc_id(id)
        .send()
        .await
        .unwrap();
    assert!(emu.control().live_resources().is_empty());
}

#[tokio::test]
async fn pai_dlc_aiworkspace_and_sysom() {
    let emu = emulator().await;
    let config = emu.config();
    let aiw = alibabacloud_aiworkspace::Client::new(&config);
    let images = aiw
        .list_images()
        .labels("system.chipType=GPU,system.supported.dlc=true")
        .send()
        .await
        .unwrap();
    let uri = images.images()[0].image_uri().unwrap().to_owned();

    let dlc = alibabacloud_pai_dlc::Client::new(&config);
    let spec = alibabacloud_pai_dlc::types::JobSpec::default()
        .with_type("Worker")
        .with_pod_count(1)
        .with_image(uri)
        .with_ecs_spec("ecs.gn6i-c4g1.xlarge");
    let job = dlc
        .create_job()
        .workspace_id("100001")
        .display_name("resnet50-imagenet-20261124")
        .job_type("PyTorchJob")
        .job_specs([spec])
        .user_command("python train.py")
        .send()
        .await
        .unwrap();
    let job_id = job.job_id().unwrap().to_owned();
    let got = dlc.get_job().job_id(job_id.clone()).send().await.unwrap();
    assert_eq!(got.status(), Some("Creating"));
    emu.control().advance(Duration::from_secs(40));
    let got = dlc.get_job().job_id(job_id.clone()).send().await.unwrap();
    assert_eq!(got.status(), Some("Running"));

    let sysom = alibabacloud_sysom::Client::new(&config);
    sysom
        .initial_sysom()
        .check_only(false)
        .send()
        .await
        .unwrap();
    let params = serde_json::json!({"instance": job_id, "region": "cn-hangzhou", "product": "DLC",
        "type": "ocd", "ai_roadmap": true, "enable_sysom_link": false});
    let task = sysom
        .invoke_diagnosis()
        .service_name("ocd")
        .channel("ecs")
        .params(params.to_string())
        .send()
        .await
        .unwrap();
    let task_id = task.data().unwrap().task_id().unwrap().to_owned();
    emu.control().advance(Duration::from_secs(60));
    let result = sysom
        .get_diagnosis_result()
        .task_id(task_id)
        .send()
        .await
        .unwrap();
    let data = result.data().unwrap();
    // The job runs on ECS, not Lingjun: the diagnosis fails with a reason.
    assert_eq!(
        data.status().map(|s| format!("{s:?}")).as_deref(),
        Some("Fail")
    );
    assert!(data.err_msg().unwrap().contains("Lingjun"));
}

#[tokio::test]
async fn eas_fc_ack_and_bss() {
    let emu = emulator().await;
    let config = emu.config();

    let eas = alibabacloud_eas::Client::new(&config);
    let body = serde_json::json!({"metadata": {"name": "demo_svc", "instance": 1},
        "containers": [{"image": "registry.example/demo:1", "port": 8000}],
        "cloud": {"computing": {"instance_type": "ecs.c7.large"}}});
    let created = eas
        .create_service()
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), Some("Creating"));
    emu.control().advance(Duration::from_secs(31));
    let svc = eas
        .describe_service()
        .cluster_id("cn-hangzhou")
        .service_name("demo_svc")
        .send()
        .await
        .unwrap();
    assert_eq!(svc.status(), Some("Running"));
    assert!(svc.internet_endpoint().unwrap().ends_with("/demo_svc"));

    let fc = alibabacloud_fc::Client::new(&config);
    let input = alibabacloud_fc::types::CreateFunctionInput::default()
        .with_function_name("hello")
        .with_runtime("python3.10")
        .with_handler("index.handler");
    fc.create_function().body(input).send().await.unwrap();
    let f = fc
        .get_function()
        .function_name("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(f.function_name(), Some("hello"));
    fc.invoke_function()
        .function_name("hello")
        .body(b"{}".to_vec())
        .send()
        .await
        .unwrap();
    fc.delete_function()
        .function_name("hello")
        .send()
        .await
        .unwrap();

    let cs = alibabacloud_ack::Client::new(&config);
    let cluster = cs
        .create_cluster()
        .name("jobs")
        .region_id("cn-hangzhou")
        .cluster_type("ManagedKubernetes")
        .send()
        .await
        .unwrap();
    let id = cluster.cluster_id().unwrap().to_owned();
    emu.control().advance(Duration::from_secs(121));
    let detail = cs
        .describe_cluster_detail()
        .cluster_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(detail.state(), Some("running"));

    let bss = alibabacloud_bss::Client::new(&config);
    let module = alibabacloud_bss::operations::get_pay_as_you_go_price::GetPayAsYouGoPriceModuleList::default()
        .with_module_code("InstanceType")
        .with_config("InstanceType:ecs.g7.large,IoOptimized:IoOptimized,ImageOs:linux")
        .with_price_type("Hour");
    let price = bss
        .get_pay_as_you_go_price()
        .product_code("ecs")
        .subscription_type("PayAsYouGo")
        .region("cn-hangzhou")
        .module_list([module])
        .send()
        .await
        .unwrap();
    let unit = price.data().unwrap().module_details()[0]
        .unit_price()
        .unwrap();
    assert!(unit > 0.0);
}
