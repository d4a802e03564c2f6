//! The EAS deployment workflow (E1-E7) against the emulator.

use std::time::Duration;

use alibabacloud_eas::deploy::{
    self, Autoscaling, ChipCheck, ChipType, ConfigError, DeployError, DeployOptions, HealthCheck,
    MachineSpec, Network, Probe, RollingUpdate, ScaleMetric, ServiceConfig, ServiceName,
    ServiceNameError, StorageMount, VpcAccess,
};
use alibabacloud_emulator::{CreateFailure, Emulator, Fault, Product, Selector};
use serde_json::json;

const VLLM_GPU: &str = "eas-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai-eas/vllm:0.10.1-gpu";
const VLLM_XPU: &str = "eas-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai-eas/vllm:0.10.1-xpu";
const VLLM_PPU: &str = "eas-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai-eas/vllm:0.9.2-ppu";
const TORCH_CPU: &str =
    "eas-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai-eas/pytorch-inference:2.5-cpu-py311";

/// Virtual time runs 600 times faster: a 30 s deployment takes 50 ms.
async fn fast_emulator() -> Emulator {
    Emulator::builder().time_speed(600.0).start().await.unwrap()
}

fn fast_options() -> DeployOptions {
    DeployOptions::default()
        .poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(10))
        .delete_timeout(Duration::from_secs(10))
}

fn vllm_service(name: &str) -> ServiceConfig {
    ServiceConfig::builder(name)
        .image(VLLM_GPU)
        .image_chip(ChipType::Gpu)
        .command("vllm serve /model_dir --port 8000 --trust-remote-code")
        .mount(StorageMount::oss("oss://demo-models/Qwen3-0.6B/").unwrap())
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .build()
        .unwrap()
}

#[test]
fn e1_service_names_are_checked() {
    for ok in ["abc", "qwen_chat_01", &"a".repeat(63)] {
        assert!(ServiceName::parse(ok).is_ok(), "{ok} should pass");
    }
    assert!(matches!(
        ServiceName::parse("ab"),
        Err(ServiceNameError::Length { len: 2, .. })
    ));
    assert!(matches!(
        ServiceName::parse(&"a".repeat(64)),
        Err(ServiceNameError::Length { len: 64, .. })
    ));
    assert!(matches!(
        ServiceName::parse("Qwen_chat"),
        Err(ServiceNameError::Character { found: 'Q', .. })
    ));
    assert!(matches!(
        ServiceName::parse("qwen-chat"),
        Err(ServiceNameError::Character { found: '-', .. })
    ));
    assert!(matches!(
        ServiceName::parse("1qwen"),
        Err(ServiceNameError::Start { .. })
    ));
    // The builder refuses the name with the same typed error.
    let err = ServiceConfig::builder("My Service")
        .image(VLLM_GPU)
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::Name(_)), "{err}");
    assert!(err.to_string().contains("My Service"));
}

#[test]
fn e2_full_config_serializes_to_the_create_service_body() {
    let vpc = VpcAccess::new("vpc-bp1abc", "vsw-bp1def", "sg-bp1ghi").unwrap();
    let config = ServiceConfig::builder("qwen_chat")
        .image(VLLM_GPU)
        .image_chip(ChipType::Gpu)
        .command("vllm serve /model_dir --port 8000")
        .port(8080)
        .replicas(2)
        .workspace_id("312319")
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .mount(StorageMount::oss("oss://demo-models/qwen/").unwrap())
        .mount(StorageMount::nas(
            "0a1b2c.cn-hangzhou.nas.aliyuncs.com",
            "/data",
            "/mnt/nas",
        ))
        .mount(StorageMount::cpfs("cpfs-0123abcd", "/share", "/mnt/cpfs").read_only(true))
        .mount(StorageMount::dataset("d-abc123", "/mnt/data").version("v2"))
        .network(Network::Alb {
            gateway_id: "gw-emu0001".into(),
            vpc,
        })
        .health_check(HealthCheck {
            liveness: Some(Probe::tcp_socket()),
            readiness: Some(Probe::http_get("/health").initial_delay_seconds(30)),
        })
        .rolling_update(RollingUpdate {
            max_surge: 2,
            max_unavailable: 1,
        })
        .grpc(true)
        .autoscaling(Autoscaling {
            min: 1,
            max: 4,
            metric: ScaleMetric::Qps,
            threshold: 10.0,
        })
        .build()
        .unwrap();
    let expected = json!({
        "metadata": {
            "name": "qwen_chat", "instance": 2, "workspace_id": "312319",
            "enable_grpc": true,
            "rolling_strategy": {"max_surge": 2, "max_unavailable": 1},
            "gateway": "gw-emu0001"
        },
        "containers": [{
            "image": VLLM_GPU,
            "script": "vllm serve /model_dir --port 8000",
            "port": 8080,
            "liveness_check": {"tcp_socket": {"port": 8080}, "initial_delay_seconds": 60, "period_seconds": 10},
            "readiness_check": {"http_get": {"path": "/health", "port": 8080}, "initial_delay_seconds": 30, "period_seconds": 10}
        }],
        "storage": [
            {"mount_path": "/model_dir", "oss": {"path": "oss://demo-models/qwen/", "readOnly": true}},
            {"mount_path": "/mnt/nas", "nfs": {"server": "0a1b2c.cn-hangzhou.nas.aliyuncs.com", "path": "/data", "readOnly": false}},
            {"mount_path": "/mnt/cpfs", "cpfs": {"fs_id": "cpfs-0123abcd", "path": "/share", "readOnly": true}},
            {"mount_path": "/mnt/data", "dataset": {"id": "d-abc123", "version": "v2", "read_only": true}}
        ],
        "cloud": {
            "computing": {"instances": [{"type": "ecs.gn7i-c8g1.2xlarge"}]},
            "networking": {"vpc_id": "vpc-bp1abc", "vswitch_id": "vsw-bp1def", "security_group_id": "sg-bp1ghi"}
        },
        "autoscaler": {"min": 1, "max": 4, "scaleStrategies": [{"metricName": "qps", "threshold": 10.0}]}
    });
    assert_eq!(config.to_json(), expected);
    assert!(
        config
            .summary()
            .contains("dedicated ALB gateway gw-emu0001")
    );
}

#[test]
fn e2_nlb_resource_group_and_exec_probe() {
    let vpc = VpcAccess::new("vpc-1", "vsw-1", "sg-1").unwrap();
    let config = ServiceConfig::builder("rg_service")
        .image(TORCH_CPU)
        .resource_group("eas-r-emugpu0001", 4, 8192, 1)
        .network(Network::Nlb { vpc })
        .health_check(HealthCheck {
            liveness: Some(Probe::exec(["cat", "/tmp/healthy"]).period_seconds(5)),
            readiness: None,
        })
        .build()
        .unwrap();
    let body = config.to_json();
    assert_eq!(
        body["metadata"],
        json!({"name": "rg_service", "instance": 1, "resource": "eas-r-emugpu0001",
               "cpu": 4, "memory": 8192, "gpu": 1})
    );
    assert_eq!(
        body["networking"],
        json!({"nlb": [{"id": "default", "listener_port": 8000, "netType": "intranet"}]})
    );
    assert_eq!(body["cloud"].get("computing"), None);
    assert_eq!(
        body["containers"][0]["liveness_check"],
        json!({"exec": {"command": ["cat", "/tmp/healthy"]}, "initial_delay_seconds": 60, "period_seconds": 5})
    );
    assert!(config.chip_check().is_none());
    // Bad network ids are refused with the field named.
    let err = VpcAccess::new("vpc-1", "switch-1", "sg-1").unwrap_err();
    assert!(matches!(
        err,
        ConfigError::Network {
            field: "vswitch_id",
            ..
        }
    ));
    let err = ServiceConfig::builder("rg_service")
        .image(TORCH_CPU)
        .instance_type("ecs.c7.large")
        .autoscaling(Autoscaling {
            min: 3,
            max: 2,
            metric: ScaleMetric::Cpu,
            threshold: 70.0,
        })
        .build()
        .unwrap_err();
    assert_eq!(err, ConfigError::Autoscaling { min: 3, max: 2 });
}

#[test]
fn e5_defaults_fill_port_replicas_and_probe_timing() {
    let config = ServiceConfig::builder("defaults")
        .image(TORCH_CPU)
        .instance_type("ecs.c7.large")
        .health_check(HealthCheck {
            liveness: Some(Probe::http_get("/")),
            readiness: None,
        })
        .build()
        .unwrap();
    assert_eq!(config.port(), 8000);
    assert_eq!(config.replicas(), 1);
    let body = config.to_json();
    assert_eq!(body["metadata"], json!({"name": "defaults", "instance": 1}));
    assert_eq!(
        body["containers"][0],
        json!({"image": TORCH_CPU, "port": 8000,
               "liveness_check": {"http_get": {"path": "/", "port": 8000},
                                  "initial_delay_seconds": 60, "period_seconds": 10}})
    );
    assert_eq!(body.get("storage"), None);
    assert_eq!(
        StorageMount::oss("oss://b-1/m/").unwrap().mount_path(),
        "/model_dir"
    );
    assert_eq!(
        ServiceConfig::builder("zero_port")
            .image(TORCH_CPU)
            .instance_type("ecs.c7.large")
            .port(0)
            .build()
            .unwrap_err(),
        ConfigError::Port
    );
}

#[test]
fn e3_chip_compatibility_rules() {
    let check = |chip, instance| ChipCheck::evaluate(chip, None, instance, None);
    assert!(check(ChipType::Gpu, "ecs.gn7i-c8g1.2xlarge").passed());
    assert!(check(ChipType::Cpu, "ecs.c7.large").passed());
    assert!(check(ChipType::Ppu, "ecs.ebmppu-c64g8.32xlarge").passed());
    assert!(check(ChipType::Xpu, "ecs.egs-c16x1.4xlarge").passed());
    // CPU image on a GPU machine, XPU image on a GPU machine, GPU image on
    // a PPU machine: refused.
    for (chip, instance) in [
        (ChipType::Cpu, "ecs.gn7i-c8g1.2xlarge"),
        (ChipType::Xpu, "ecs.gn7i-c8g1.2xlarge"),
        (ChipType::Gpu, "ecs.ebmppu-c64g8.32xlarge"),
        (ChipType::Ppu, "ecs.egs-c16x1.4xlarge"),
    ] {
        let c = check(chip, instance);
        assert!(!c.passed(), "{chip} on {instance}");
        assert!(c.reason().contains("change the image or the instance type"));
    }
    let c = check(ChipType::Xpu, "ecs.gn7i-c8g1.2xlarge");
    assert!(
        c.reason()
            .starts_with("XPU image requires an XPU instance (ecs.egs*)"),
        "{}",
        c.reason()
    );
    assert_eq!(
        ChipType::of_instance_type("ecs.ebmgn8v.48xlarge"),
        ChipType::Gpu
    );
    assert_eq!(ChipType::from_label("gpu").unwrap(), ChipType::Gpu);
    assert!(ChipType::from_label("TPU").is_err());
    // The chip is read from the tag when no label is given.
    let ppu = ServiceConfig::builder("ppu_service")
        .image(VLLM_PPU)
        .instance_type("ecs.ebmppu-c64g8.32xlarge")
        .build()
        .unwrap();
    assert_eq!(ppu.image_chip(), Some(ChipType::Ppu));
    assert!(matches!(
        ppu.chip_check(),
        Some(ChipCheck::Compatible { .. })
    ));
    let err = ServiceConfig::builder("no_chip")
        .image("registry.example/team/server:latest")
        .instance_type("ecs.c7.large")
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::UnknownImageChip { .. }), "{err}");
}

#[test]
fn e3_vllm_on_a_cpu_instance_is_switched_to_a_gpu_instance() {
    let config = ServiceConfig::builder("vllm_cpu")
        .image(VLLM_GPU)
        .command("vllm serve /model_dir --port 8000")
        .mount(StorageMount::oss("oss://demo-models/qwen/").unwrap())
        .instance_type("ecs.c7.large")
        .build()
        .unwrap();
    let check = config.chip_check().unwrap();
    assert!(matches!(check, ChipCheck::Switched { .. }));
    assert_eq!(
        config.instance_type(),
        Some(deploy::DEFAULT_GPU_INSTANCE_TYPE)
    );
    assert!(check.reason().contains("vLLM needs a GPU instance"));
    assert!(check.reason().contains("ecs.c7.large"));
    assert_eq!(
        config.to_json()["cloud"]["computing"]["instances"][0]["type"],
        deploy::DEFAULT_GPU_INSTANCE_TYPE
    );
    // SGLang with a CPU label is moved too, to the replacement asked for.
    let config = ServiceConfig::builder("sglang_cpu")
        .image("registry.example/custom/server:1")
        .image_chip(ChipType::Cpu)
        .command("python -m sglang.launch_server --model-path /model_dir --port 8000")
        .instance_type("ecs.g7.xlarge")
        .fallback_instance_type("ecs.gn6i-c4g1.xlarge")
        .build()
        .unwrap();
    assert_eq!(config.instance_type(), Some("ecs.gn6i-c4g1.xlarge"));
    assert!(
        config
            .chip_check()
            .unwrap()
            .reason()
            .starts_with("SGLang needs")
    );
    // An XPU vLLM image on a CPU machine without an XPU replacement is refused.
    let err = ServiceConfig::builder("vllm_xpu")
        .image(VLLM_XPU)
        .instance_type("ecs.c7.large")
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::ChipMismatch(_)), "{err}");
}

#[tokio::test]
async fn e3_image_chip_mismatch_is_refused_before_any_call() {
    let emu = fast_emulator().await;
    let err = ServiceConfig::builder("xpu_on_gpu")
        .image(VLLM_XPU)
        .image_chip(ChipType::Xpu)
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .build()
        .unwrap_err();
    let ConfigError::ChipMismatch(check) = &err else {
        panic!("expected a chip mismatch, got {err}");
    };
    assert_eq!(check.instance_type(), "ecs.gn7i-c8g1.2xlarge");
    assert!(err.to_string().contains("XPU image requires"));
    // The same pairing sent anyway ends Failed on the service: the check
    // spares a paid, failing deployment.
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let body = json!({"metadata": {"name": "xpu_on_gpu", "instance": 1},
        "containers": [{"image": VLLM_XPU, "port": 8000}],
        "cloud": {"computing": {"instances": [{"type": "ecs.gn7i-c8g1.2xlarge"}]}}});
    eas.create_service()
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    emu.control().advance(Duration::from_secs(25));
    let s = eas
        .describe_service()
        .cluster_id("cn-hangzhou")
        .service_name("xpu_on_gpu")
        .send()
        .await
        .unwrap();
    assert_eq!(s.status(), Some("Failed"));
    assert!(
        emu.control()
            .requests()
            .iter()
            .all(|r| r.product != Some(Product::Eas)
                || r.action.as_deref() != Some("CreateService")
                || r.status == 200)
    );
}

#[test]
fn e4_oss_paths_and_commands() {
    for (bad, why) in [
        ("oss://demo-models/qwen", "end with `/`"),
        ("s3://demo-models/qwen/", "oss://"),
        ("oss://Demo_Models/qwen/", "bucket name"),
        ("oss://ab/qwen/", "bucket name"),
        ("oss://demo-models//qwen/", "empty path segment"),
    ] {
        let err = StorageMount::oss(bad).unwrap_err();
        assert!(
            matches!(&err, ConfigError::OssPath { path, .. } if path == bad),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains(why), "{bad}: {err}");
    }
    let m = StorageMount::oss("oss://demo-models/qwen/")
        .unwrap()
        .at("/models");
    assert_eq!(m.mount_path(), "/models");
    let err = ServiceConfig::builder("oss_cmd")
        .image(VLLM_GPU)
        .command("vllm serve oss://demo-models/qwen/ --port 8000")
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        ConfigError::OssUrlInCommand {
            url: "oss://demo-models/qwen/".into()
        }
    );
    let err = ServiceConfig::builder("two_mounts")
        .image(VLLM_GPU)
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .mount(StorageMount::oss("oss://demo-models/a/").unwrap())
        .mount(StorageMount::oss("oss://demo-models/b/").unwrap())
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::MountPath { .. }), "{err}");
}

#[test]
fn e6_spec_filter_keeps_available_types_of_the_chip() {
    let spec = |t: &str, gpus, model: &str, available| MachineSpec {
        instance_type: t.into(),
        cpu: 8,
        memory_gib: 32.0,
        gpu_model: model.into(),
        gpu_amount: gpus,
        available,
    };
    let specs = vec![
        spec("ecs.gn7i-c8g1.2xlarge", 1, "A10", true),
        spec("ecs.gn6i-c4g1.xlarge", 1, "T4", false),
        spec("ecs.c7.large", 0, "", true),
        spec("ecs.ebmppu-c64g8.32xlarge", 8, "PPU", true),
        spec("ecs.egs-c16x1.4xlarge", 1, "XPU", true),
    ];
    let names = |chip| {
        deploy::filter_specs(&specs, chip)
            .into_iter()
            .map(|s| s.instance_type)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(Some(ChipType::Gpu)), ["ecs.gn7i-c8g1.2xlarge"]);
    assert_eq!(names(Some(ChipType::Cpu)), ["ecs.c7.large"]);
    assert_eq!(names(Some(ChipType::Ppu)), ["ecs.ebmppu-c64g8.32xlarge"]);
    assert_eq!(names(Some(ChipType::Xpu)), ["ecs.egs-c16x1.4xlarge"]);
    assert_eq!(names(None).len(), 4);
}

#[tokio::test]
async fn e6_public_specs_resource_groups_and_gateways_from_the_service() {
    let emu = fast_emulator().await;
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let gpu = deploy::public_machine_specs(&eas, Some(ChipType::Gpu))
        .await
        .unwrap();
    assert!(!gpu.is_empty());
    assert!(
        gpu.iter()
            .all(|s| s.instance_type.starts_with("ecs.gn") && s.gpu_amount > 0 && s.available)
    );
    let cpu = deploy::public_machine_specs(&eas, Some(ChipType::Cpu))
        .await
        .unwrap();
    assert!(!cpu.is_empty() && cpu.iter().all(|s| s.gpu_amount == 0));
    let ppu = deploy::public_machine_specs(&eas, Some(ChipType::Ppu))
        .await
        .unwrap();
    assert!(
        ppu.iter()
            .all(|s| s.instance_type.starts_with("ecs.ebmppu"))
    );
    let xpu = deploy::public_machine_specs(&eas, Some(ChipType::Xpu))
        .await
        .unwrap();
    assert!(xpu.iter().all(|s| s.instance_type.starts_with("ecs.egs")));
    assert!(!ppu.is_empty() && !xpu.is_empty());

    let groups = deploy::resource_groups(&eas).await.unwrap();
    let prod = groups
        .iter()
        .find(|g| g.resource_id == "eas-r-emugpu0001")
        .expect("the catalog's production group");
    assert_eq!(
        (prod.gpu.total, prod.gpu.used, prod.gpu.free()),
        (16.0, 2.0, 14.0)
    );
    assert_eq!(
        (prod.cpu.total, prod.cpu.used, prod.cpu.free()),
        (128.0, 20.0, 108.0)
    );
    assert_eq!(prod.gpu.to_string(), "16/2/14");

    let gws = deploy::gateways(&eas).await.unwrap();
    assert!(!gws.is_empty());
    let vpc = deploy::gateway_vpc(&eas, "cn-hangzhou", &gws[0].gateway_id)
        .await
        .unwrap()
        .expect("the gateway is linked to a VPC");
    assert!(vpc.vpc_id().starts_with("vpc-"));
    assert!(vpc.vswitch_id().starts_with("vsw-"));
    assert!(vpc.security_group_id().starts_with("sg-"));
}

#[tokio::test]
async fn e7_deploy_waits_for_running_and_returns_both_endpoints() {
    let emu = fast_emulator().await;
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let config = vllm_service("qwen_chat");
    let d = deploy::deploy(&eas, &config, &fast_options())
        .await
        .unwrap();
    assert_eq!(d.status, "Running");
    assert!(d.service_id.starts_with("eas-m-"));
    assert!(!d.replaced_existing);
    assert!(d.internet_endpoint.ends_with("/api/predict/qwen_chat"));
    assert!(d.intranet_endpoint.contains(".vpc."));
    let text = d.to_string();
    assert!(text.contains("InternetEndpoint: http://"));
    assert!(text.contains("IntranetEndpoint: http://"));
    // The body sent is the configuration's JSON: the service keeps it.
    let s = eas
        .describe_service()
        .cluster_id("cn-hangzhou")
        .service_name("qwen_chat")
        .send()
        .await
        .unwrap();
    let sent: serde_json::Value = serde_json::from_str(s.service_config().unwrap()).unwrap();
    assert_eq!(sent, config.to_json());
}

#[tokio::test]
async fn e7_existing_service_is_deleted_and_awaited_first() {
    let emu = fast_emulator().await;
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let config = vllm_service("replace_me");
    let first = deploy::deploy(&eas, &config, &fast_options())
        .await
        .unwrap();
    emu.control().clear_requests();
    let second = deploy::deploy(&eas, &config, &fast_options())
        .await
        .unwrap();
    assert!(second.replaced_existing);
    assert_ne!(first.service_id, second.service_id);
    let actions: Vec<String> = emu
        .control()
        .requests()
        .into_iter()
        .filter_map(|r| r.action)
        .collect();
    let delete = actions.iter().position(|a| a == "DeleteService").unwrap();
    let create = actions.iter().position(|a| a == "CreateService").unwrap();
    assert!(delete < create, "{actions:?}");
    // Between them, DescribeService was polled until the old one was gone.
    assert!(
        actions[delete..create]
            .iter()
            .any(|a| a == "DescribeService")
    );
    let services = eas.list_services().send().await.unwrap();
    assert_eq!(services.services().len(), 1);
}

#[tokio::test]
async fn e7_failed_service_returns_the_last_three_events() {
    let emu = fast_emulator().await;
    emu.control().fail_next_create(
        Selector::action(Product::Eas, "CreateService"),
        CreateFailure::FailAfterCreate {
            reason: "CrashLoopBackOff: the start command exited with code 1".into(),
        },
    );
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let err = deploy::deploy(&eas, &vllm_service("will_fail"), &fast_options())
        .await
        .unwrap_err();
    let DeployError::Failed {
        name,
        message,
        events,
    } = &err
    else {
        panic!("expected a failure, got {err}");
    };
    assert_eq!(name, "will_fail");
    assert!(message.contains("CrashLoopBackOff"), "{message}");
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "Warning" && e.message.contains("CrashLoopBackOff"))
    );
    assert_eq!(events.last().unwrap().reason, "ServiceFailed");
    assert!(err.to_string().contains("[Warning]"));
}

#[tokio::test]
async fn e7_rejected_create_is_an_api_error() {
    let emu = fast_emulator().await;
    emu.control().fail_next_create(
        Selector::action(Product::Eas, "CreateService"),
        CreateFailure::Reject(Fault::error(400, "QuotaExceeded", "too many services")),
    );
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let err = deploy::deploy(&eas, &vllm_service("rejected"), &fast_options())
        .await
        .unwrap_err();
    match err {
        DeployError::Api {
            action: "CreateService",
            source,
        } => assert_eq!(source.code(), Some("QuotaExceeded")),
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn e7_timeout_names_the_last_status() {
    let emu = Emulator::builder().frozen_clock().start().await.unwrap();
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let options = DeployOptions::default()
        .poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_millis(60));
    let err = deploy::deploy(&eas, &vllm_service("slow_one"), &options)
        .await
        .unwrap_err();
    match &err {
        DeployError::Timeout {
            name, last_status, ..
        } => {
            assert_eq!(name, "slow_one");
            assert_eq!(last_status.as_deref(), Some("Creating"));
        }
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn e7_invocation_snippets_use_a_token_variable() {
    let emu = fast_emulator().await;
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let d = deploy::deploy(&eas, &vllm_service("snippets"), &fast_options())
        .await
        .unwrap();
    let inv = d.invocation("/model_dir");
    assert!(inv.curl.starts_with(&format!(
        "curl \"{}/v1/chat/completions\"",
        d.internet_endpoint
    )));
    assert!(inv.curl.contains("Authorization: $EAS_TOKEN"));
    assert!(inv.openai_python.contains("os.environ[\"EAS_TOKEN\"]"));
    assert!(inv.openai_python.contains("\"/model_dir\""));
    let token = eas
        .describe_service()
        .cluster_id("cn-hangzhou")
        .service_name("snippets")
        .send()
        .await
        .unwrap()
        .access_token()
        .unwrap()
        .to_owned();
    let shown = inv.to_string();
    assert!(!shown.contains(&token));
    assert!(shown.contains("export EAS_TOKEN=<token>"));
}
