//! The SysOM PAI diagnosis workflow (S1-S6) against the emulator.

use std::time::Duration;

use alibabacloud_emulator::{CreateFailure, Emulator, Fault, Product, Selector};
use alibabacloud_sysom::diagnose::{
    DiagnoseError, Diagnoser, DiagnosisReport, DiagnosisRequest, DiagnosisRequestError, PaiProduct,
    PollPolicy, task_id_from_in_progress,
};
use serde_json::json;

const GPU_IMAGE: &str = "eas-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai-eas/vllm:0.10.1-gpu";
const LINGJUN_QUOTA: &str = "quota12ab34cd56ef";

/// Virtual time 600 times faster: a 45 s diagnosis takes 75 ms.
async fn fast_emulator() -> Emulator {
    Emulator::builder().time_speed(600.0).start().await.unwrap()
}

fn fast_policy() -> PollPolicy {
    PollPolicy {
        interval: Duration::from_millis(10),
        max_attempts: 500,
    }
}

/// Creates an EAS service and returns its id (`eas-m-...`).
async fn eas_service(emu: &Emulator, name: &str) -> String {
    let eas = alibabacloud_eas::Client::new(&emu.config());
    let body = json!({"metadata": {"name": name, "instance": 1},
        "containers": [{"image": GPU_IMAGE, "port": 8000}],
        "cloud": {"computing": {"instances": [{"type": "ecs.gn7i-c8g1.2xlarge"}]}}});
    let out = eas
        .create_service()
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    out.service_id().unwrap().to_owned()
}

/// Creates a DLC job, on Lingjun quota or on an ECS spec, and returns its id.
async fn dlc_job(emu: &Emulator, lingjun: bool) -> String {
    use alibabacloud_pai_dlc::types::{JobSpec, ResourceConfig};
    let dlc = alibabacloud_pai_dlc::Client::new(&emu.config());
    let spec = JobSpec::default()
        .with_type("Worker")
        .with_pod_count(1)
        .with_image(
            "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04",
        );
    let spec = if lingjun {
        spec.with_resource_config(
            ResourceConfig::default()
                .with_cpu("16")
                .with_memory("64Gi")
                .with_gpu("1"),
        )
    } else {
        spec.with_ecs_spec("ecs.gn6i-c4g1.xlarge")
    };
    let mut create = dlc
        .create_job()
        .workspace_id("100001")
        .display_name("llm-finetune-20261130")
        .job_type("PyTorchJob")
        .job_specs([spec])
        .user_command("python train.py");
    if lingjun {
        create = create.resource_id(LINGJUN_QUOTA);
    }
    create.send().await.unwrap().job_id().unwrap().to_owned()
}

fn actions(emu: &Emulator) -> Vec<String> {
    emu.control()
        .requests()
        .into_iter()
        .filter_map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn s1_unknown_instance_prefix_is_a_typed_error() {
    let err = DiagnosisRequest::builder("i-bp1abcdef", "cn-hangzhou")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        DiagnosisRequestError::UnknownInstancePrefix {
            instance: "i-bp1abcdef".into()
        }
    );
    let err = DiagnoseError::from(err);
    assert!(err.to_string().contains("i-bp1abcdef"));
    assert!(err.to_string().contains("eas-"));
    // The prefixes of the workflow.
    assert_eq!(
        DiagnosisRequest::builder("eas-m-1", "cn-hangzhou")
            .build()
            .unwrap()
            .product(),
        PaiProduct::Eas
    );
    assert_eq!(
        DiagnosisRequest::builder("dlc1a2b3c", "cn-hangzhou")
            .build()
            .unwrap()
            .product(),
        PaiProduct::Dlc
    );
}

#[test]
fn s2_description_must_be_english_words_with_underscores() {
    for bad in [
        "GPU OOM",
        "\u{663e}\u{5b58}_OOM",
        "oom__restart",
        "slow-first-token",
    ] {
        let err = DiagnosisRequest::builder("eas-m-1", "cn-hangzhou")
            .description(bad)
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, DiagnosisRequestError::BadDescription { description } if description == bad),
            "{bad}"
        );
    }
    assert!(
        DiagnosisRequest::builder("eas-m-1", "cn-hangzhou")
            .description("high_latency_first_token")
            .build()
            .is_ok()
    );
}

#[test]
fn s3_historical_mode_sends_the_window() {
    let r = DiagnosisRequest::builder("dlcabc123", "cn-hangzhou")
        .start_time(1_764_460_800)
        .end_time(1_764_464_400)
        .build()
        .unwrap();
    let p: serde_json::Value = serde_json::from_str(&r.params_json()).unwrap();
    assert_eq!(p["start_time"], 1_764_460_800u64);
    assert_eq!(p["end_time"], 1_764_464_400u64);
    let forced = DiagnosisRequest::builder("dlcabc123", "cn-hangzhou")
        .start_time(1_764_460_800)
        .end_time(1_764_464_400)
        .enable_diagnosis(true)
        .build()
        .unwrap();
    let p: serde_json::Value = serde_json::from_str(&forced.params_json()).unwrap();
    assert_eq!(
        (p["start_time"].clone(), p["end_time"].clone()),
        (json!(0), json!(0))
    );
}

#[tokio::test]
async fn s4_s5_s6_eas_service_is_diagnosed_end_to_end() {
    let emu = fast_emulator().await;
    let id = eas_service(&emu, "chat_service").await;
    let request = DiagnosisRequest::builder(&id, "cn-hangzhou")
        .description("GPU_OOM_instance_restart")
        .build()
        .unwrap();
    let d = Diagnoser::new(&emu.config())
        .poll_policy(fast_policy())
        .diagnose(&request)
        .await
        .unwrap();
    assert!(!d.resumed_running_task);
    assert_eq!(d.report.overall_status, "critical");
    assert!(
        d.report
            .root_cause
            .as_deref()
            .unwrap()
            .contains("GPU memory")
    );
    assert_eq!(d.report.suggestions.len(), 2);
    assert_eq!(d.report.issues.len(), 1);
    assert_eq!(d.report.issues[0].severity.as_deref(), Some("critical"));
    let text = d.report.to_string();
    assert!(text.starts_with("Overall status: critical\nRoot cause: "));
    assert!(text.contains("Suggestions:\n  1. "));
    assert!(text.contains("Issues:\n  - [critical] GPU out of memory (gpu_memory)"));
    assert!(d.url.unwrap().contains(&d.task_id));

    // S4 before S5: role, validation, then the invocation.
    let calls = actions(&emu);
    let pos = |a: &str| calls.iter().position(|c| c == a).unwrap();
    assert!(pos("InitialSysom") < pos("ListServices"));
    assert!(pos("ListServices") < pos("InvokeDiagnosis"));
    assert!(pos("InvokeDiagnosis") < pos("GetDiagnosisResult"));

    // S5: the params the service received carry every required field and
    // the instance id as given.
    let sysom = alibabacloud_sysom::Client::new(&emu.config());
    let result = sysom
        .get_diagnosis_result()
        .task_id(d.task_id.clone())
        .send()
        .await
        .unwrap();
    let params = result.data().unwrap().params().unwrap().clone();
    assert_eq!(params["instance"], json!(id));
    assert_eq!(params["product"], "EAS");
    assert_eq!(params["type"], "ocd");
    assert_eq!(params["ai_roadmap"], true);
    assert_eq!(params["enable_sysom_link"], false);
    assert_eq!(params["region"], "cn-hangzhou");
    assert_eq!(params["ocd_description"], "GPU_OOM_instance_restart");
}

#[tokio::test]
async fn s4_missing_eas_service_stops_before_invoking() {
    let emu = fast_emulator().await;
    let request = DiagnosisRequest::builder("eas-m-doesnotexist", "cn-hangzhou")
        .build()
        .unwrap();
    let err = Diagnoser::new(&emu.config())
        .poll_policy(fast_policy())
        .diagnose(&request)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DiagnoseError::ServiceNotFound { instance, .. } if instance == "eas-m-doesnotexist"),
        "{err}"
    );
    assert!(!actions(&emu).iter().any(|a| a == "InvokeDiagnosis"));
}

#[tokio::test]
async fn s4_dlc_job_on_lingjun_is_diagnosed() {
    let emu = fast_emulator().await;
    let job = dlc_job(&emu, true).await;
    assert!(job.starts_with("dlc"));
    let request = DiagnosisRequest::builder(&job, "cn-hangzhou")
        .description("training_hang_communication_timeout")
        .build()
        .unwrap();
    let d = Diagnoser::new(&emu.config())
        .poll_policy(fast_policy())
        .diagnose(&request)
        .await
        .unwrap();
    assert_eq!(d.report.overall_status, "warning");
    assert!(actions(&emu).iter().any(|a| a == "GetJob"));
}

#[tokio::test]
async fn s4_dlc_job_not_on_lingjun_is_unsupported() {
    let emu = fast_emulator().await;
    let job = dlc_job(&emu, false).await;
    let request = DiagnosisRequest::builder(&job, "cn-hangzhou")
        .build()
        .unwrap();
    let err = Diagnoser::new(&emu.config())
        .poll_policy(fast_policy())
        .diagnose(&request)
        .await
        .unwrap_err();
    match &err {
        DiagnoseError::UnsupportedResource {
            instance,
            resource_type,
        } => {
            assert_eq!(instance, &job);
            assert_eq!(resource_type, "ECS");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("Lingjun"));
    assert!(!actions(&emu).iter().any(|a| a == "InvokeDiagnosis"));
}

#[tokio::test]
async fn s4_missing_dlc_job_and_failed_initialisation() {
    let emu = fast_emulator().await;
    let diagnoser = Diagnoser::new(&emu.config()).poll_policy(fast_policy());
    let request = DiagnosisRequest::builder("dlcnosuchjob01", "cn-hangzhou")
        .build()
        .unwrap();
    let err = diagnoser.diagnose(&request).await.unwrap_err();
    assert!(matches!(err, DiagnoseError::JobNotFound { .. }), "{err}");

    emu.control().fail_next(
        Selector::action(Product::Sysom, "InitialSysom"),
        Fault::error(
            403,
            "Forbidden.RAM",
            "not allowed to create the service role",
        ),
        1,
    );
    let err = diagnoser.diagnose(&request).await.unwrap_err();
    match err {
        DiagnoseError::Initialize(source) => assert_eq!(source.code(), Some("Forbidden.RAM")),
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn s5_task_in_progress_is_taken_over() {
    let emu = fast_emulator().await;
    let id = eas_service(&emu, "busy_service").await;
    let sysom = alibabacloud_sysom::Client::new(&emu.config());
    sysom
        .initial_sysom()
        .check_only(false)
        .send()
        .await
        .unwrap();
    let params = json!({"instance": id, "region": "cn-hangzhou", "product": "EAS",
        "start_time": 0, "end_time": 0, "type": "ocd", "ai_roadmap": true,
        "enable_sysom_link": false});
    let running = sysom
        .invoke_diagnosis()
        .service_name("ocd")
        .channel("ecs")
        .params(params.to_string())
        .send()
        .await
        .unwrap()
        .data()
        .unwrap()
        .task_id()
        .unwrap()
        .to_owned();

    let request = DiagnosisRequest::builder(&id, "cn-hangzhou")
        .build()
        .unwrap();
    let d = Diagnoser::new(&emu.config())
        .poll_policy(fast_policy())
        .diagnose(&request)
        .await
        .unwrap();
    assert!(d.resumed_running_task);
    assert_eq!(d.task_id, running);
    assert_eq!(d.report.overall_status, "normal");
    let refused = emu
        .control()
        .requests()
        .into_iter()
        .filter(|r| r.code.as_deref() == Some("Sysom.TaskInProgress"))
        .count();
    assert_eq!(refused, 1);
}

#[test]
fn s5_task_id_is_read_from_the_in_progress_message() {
    assert_eq!(
        task_id_from_in_progress("a diagnosis of eas-m-1 is already in progress: ocd(k3j5h2g8f1)")
            .as_deref(),
        Some("k3j5h2g8f1")
    );
    assert_eq!(
        task_id_from_in_progress("task (abc-123) is running").as_deref(),
        Some("abc-123")
    );
    assert_eq!(task_id_from_in_progress("busy, try later"), None);
}

#[tokio::test]
async fn s6_failed_diagnosis_is_an_error() {
    let emu = fast_emulator().await;
    let id = eas_service(&emu, "failing_diag").await;
    emu.control().fail_next_create(
        Selector::action(Product::Sysom, "InvokeDiagnosis"),
        CreateFailure::FailAfterCreate {
            reason: "the diagnosis engine could not reach the instance".into(),
        },
    );
    let request = DiagnosisRequest::builder(&id, "cn-hangzhou")
        .build()
        .unwrap();
    let err = Diagnoser::new(&emu.config())
        .poll_policy(fast_policy())
        .diagnose(&request)
        .await
        .unwrap_err();
    match &err {
        DiagnoseError::Failed { task_id, message } => {
            assert!(!task_id.is_empty());
            assert!(message.contains("could not reach"), "{message}");
        }
        other => panic!("unexpected {other}"),
    }
}

#[tokio::test]
async fn s6_timeout_carries_the_task_id_and_nothing_invented() {
    let emu = Emulator::builder().frozen_clock().start().await.unwrap();
    let id = eas_service(&emu, "slow_diag").await;
    let request = DiagnosisRequest::builder(&id, "cn-hangzhou")
        .build()
        .unwrap();
    let err = Diagnoser::new(&emu.config())
        .poll_policy(PollPolicy {
            interval: Duration::from_millis(5),
            max_attempts: 3,
        })
        .diagnose(&request)
        .await
        .unwrap_err();
    let DiagnoseError::Timeout {
        task_id,
        last_status,
        attempts,
    } = &err
    else {
        panic!("expected a timeout, got {err}");
    };
    assert!(!task_id.is_empty());
    assert_eq!(last_status.as_deref(), Some("Ready"));
    assert_eq!(*attempts, 3);
    let polls = actions(&emu)
        .iter()
        .filter(|a| *a == "GetDiagnosisResult")
        .count();
    assert_eq!(polls, 3);
    let text = err.to_string();
    assert!(text.contains(&format!("Task ID: {task_id}")));
    assert!(text.contains("Current status: Ready"));
    assert!(!text.contains("Root cause") && !text.contains("overall"));
}

#[test]
fn s6_report_parsing_takes_only_what_was_returned() {
    let encoded = json!({"summary": {"overall_status": "normal", "suggestions": []}}).to_string();
    let r = DiagnosisReport::from_result(&json!(encoded)).unwrap();
    assert_eq!(r.overall_status, "normal");
    assert_eq!(r.root_cause, None);
    assert!(r.suggestions.is_empty() && r.issues.is_empty());
    assert!(r.to_string().contains("Root cause: (none reported)"));
    assert!(DiagnosisReport::from_result(&json!({})).is_err());
    assert!(DiagnosisReport::from_result(&json!({"summary": {"root_cause": "x"}})).is_err());
}
