//! ACK: the script as a Kubernetes Job through kube-rs (P8), against the
//! emulator's CS API and its small Kubernetes API.

use std::time::Duration;

use alibabacloud_emulator::{CreateFailure, Emulator, Product as EmuProduct, Selector};
use alibabacloud_provision::exec::ack::{ClusterChoice, JobSpec, run_script_as_job};
use alibabacloud_provision::exec::{ExecError, PollSettings};
use alibabacloud_provision::{Billing, ConfirmedQuote, Money, Offer, Product, Quote};

async fn emulator() -> Emulator {
    Emulator::builder()
        .time_speed(200.0)
        .strict_responses(true)
        .start()
        .await
        .unwrap()
}

fn quote(product: Product) -> ConfirmedQuote {
    let offer = Offer {
        product,
        region: "cn-hangzhou".into(),
        zone: None,
        spec: "ecs.g7.large".into(),
        vcpu: 2,
        memory_gib: 8.0,
        gpu: None,
        hourly_price: Money::cny(0.9),
        billing: Billing::PayAsYouGo,
    };
    Quote::new(offer, Duration::from_secs(1800)).confirm()
}

fn poll() -> PollSettings {
    PollSettings::fast(Duration::from_millis(20))
}

fn new_cluster() -> ClusterChoice {
    ClusterChoice::Create {
        vswitch_ids: Vec::new(),
        nodes: 1,
    }
}

fn job() -> JobSpec {
    JobSpec::new("registry.cn-hangzhou.aliyuncs.com/acs/busybox:1.36")
}

#[tokio::test]
async fn p8_ack_job_runs_the_script_collects_logs_and_deletes_the_cluster() {
    let emu = emulator().await;
    let out = run_script_as_job(
        &emu.config(),
        &quote(Product::Ack),
        &new_cluster(),
        &job(),
        "echo hello from a job\nsleep 5\necho done",
        &poll(),
    )
    .await
    .unwrap();
    assert!(out.cluster_created);
    assert_eq!(out.exit_code, Some(0));
    assert_eq!(out.logs, "hello from a job\ndone\n");
    assert!(out.pod_name.starts_with(&out.job_name), "{out:?}");
    let live = emu.control().live_resources();
    assert!(live.is_empty(), "leaked: {live:#?}");
    // The Job really went through the Kubernetes API.
    let k8s_calls = emu
        .control()
        .requests()
        .iter()
        .filter(|r| r.action.as_deref().is_some_and(|a| a.starts_with("k8s ")))
        .count();
    assert!(k8s_calls >= 4, "only {k8s_calls} Kubernetes calls");
}

#[tokio::test]
async fn p8_ack_failed_job_reports_exit_code_and_keeps_a_reused_cluster() {
    let emu = emulator().await;
    let cs = alibabacloud_ack::Client::new(&emu.config());
    let id = cs
        .create_cluster()
        .name("shared")
        .region_id("cn-hangzhou")
        .cluster_type("ManagedKubernetes")
        .send()
        .await
        .unwrap()
        .cluster_id()
        .unwrap()
        .to_owned();
    emu.control().advance(Duration::from_secs(121));
    let err = run_script_as_job(
        &emu.config(),
        &quote(Product::Ack),
        &ClusterChoice::Reuse(id.clone()),
        &job(),
        "echo broken input\nexit 4",
        &poll(),
    )
    .await
    .unwrap_err();
    match &err {
        ExecError::ScriptFailed {
            exit_code,
            output,
            reason,
        } => {
            assert_eq!(*exit_code, 4);
            assert_eq!(output, "broken input\n");
            assert!(reason.contains("BackoffLimitExceeded"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // The Job is gone; the reused cluster stays.
    let live = emu.control().live_resources();
    assert_eq!(live.len(), 1, "{live:#?}");
    assert_eq!(live[0].kind, "cluster");
    assert_eq!(live[0].id, id);
    cs.delete_cluster().cluster_id(id).send().await.unwrap();
}

#[tokio::test]
async fn p8_ack_cluster_that_fails_to_create_is_deleted() {
    let emu = emulator().await;
    emu.control().fail_next_create(
        Selector::action(EmuProduct::Cs, "CreateCluster"),
        CreateFailure::FailAfterCreate {
            reason: "no capacity for the control plane".into(),
        },
    );
    let err = run_script_as_job(
        &emu.config(),
        &quote(Product::Ack),
        &new_cluster(),
        &job(),
        "echo never runs",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ExecError::ResourceFailed { status, .. } if status == "failed"),
        "{err:?}"
    );
    let live = emu.control().live_resources();
    assert!(live.is_empty(), "leaked: {live:#?}");
}

#[tokio::test]
async fn p2_ack_refuses_a_quote_for_another_product() {
    let emu = emulator().await;
    emu.control().clear_requests();
    let err = run_script_as_job(
        &emu.config(),
        &quote(Product::Ecs),
        &new_cluster(),
        &job(),
        "echo x",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ExecError::ProductMismatch {
                quoted: Product::Ecs,
                expected: Product::Ack
            }
        ),
        "{err:?}"
    );
    assert!(emu.control().requests().is_empty());
}

#[tokio::test]
async fn p8_ack_dropped_run_still_deletes_job_and_cluster() {
    let emu = emulator().await;
    let (config, q, cluster, spec, p) = (
        emu.config(),
        quote(Product::Ack),
        new_cluster(),
        job(),
        poll(),
    );
    let run = run_script_as_job(
        &config,
        &q,
        &cluster,
        &spec,
        "echo started\nsleep 100000",
        &p,
    );
    // Long enough for the cluster to run and the Job to start.
    assert!(
        tokio::time::timeout(Duration::from_millis(1500), run)
            .await
            .is_err()
    );
    let kinds: Vec<&str> = emu
        .control()
        .live_resources()
        .iter()
        .map(|r| r.kind)
        .collect();
    assert!(kinds.contains(&"cluster"), "{kinds:?}");
    for _ in 0..500 {
        if emu.control().live_resources().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("leaked: {:#?}", emu.control().live_resources());
}
