//! PAI-DLC: the script is the job command, followed to its end (P8).

use std::time::Duration;

use alibabacloud_emulator::{CreateFailure, Emulator, Product as EmuProduct, Selector};
use alibabacloud_provision::exec::pai::{TrainingJob, run_training_job};
use alibabacloud_provision::exec::{ExecError, PollSettings};
use alibabacloud_provision::{Billing, ConfirmedQuote, GpuModel, Money, Offer, Product, Quote};

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
        spec: "ecs.gn6i-c4g1.xlarge".into(),
        vcpu: 4,
        memory_gib: 15.0,
        gpu: Some((GpuModel::T4, 1)),
        hourly_price: Money::cny(12.0),
        billing: Billing::PayAsYouGo,
    };
    Quote::new(offer, Duration::from_secs(3600)).confirm()
}

fn poll() -> PollSettings {
    PollSettings::fast(Duration::from_millis(20))
}

/// An image URI of the shape AI Workspace `ListImages` returns (the
/// emulator's catalog lists this one).
async fn dlc_image(_emu: &Emulator) -> String {
    "dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04".to_owned()
}

#[tokio::test]
async fn p8_pai_job_runs_the_script_as_its_command_to_success() {
    let emu = emulator().await;
    let image = dlc_image(&emu).await;
    let out = run_training_job(
        &emu.config(),
        &quote(Product::PaiDlc),
        &TrainingJob::new("100001", image),
        "python train.py --epochs 1\nsleep 30",
        &poll(),
    )
    .await
    .unwrap();
    assert_eq!(out.status, "Succeeded");
    assert!(out.job_id.starts_with("dlc"), "{out:?}");
    let dlc = alibabacloud_pai_dlc::Client::new(&emu.config());
    let got = dlc.get_job().job_id(out.job_id).send().await.unwrap();
    assert_eq!(
        got.user_command(),
        Some("python train.py --epochs 1\nsleep 30")
    );
    assert_eq!(got.job_specs()[0].ecs_spec(), Some("ecs.gn6i-c4g1.xlarge"));
    assert!(emu.control().live_resources().is_empty());
}

#[tokio::test]
async fn p8_pai_failed_job_is_reported_with_its_reason() {
    let emu = emulator().await;
    let image = dlc_image(&emu).await;
    let err = run_training_job(
        &emu.config(),
        &quote(Product::PaiDlc),
        &TrainingJob::new("100001", image.clone()),
        "python train.py\nexit 1",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ExecError::ResourceFailed { status, .. } if status == "Failed"),
        "{err:?}"
    );

    emu.control().fail_next_create(
        Selector::action(EmuProduct::PaiDlc, "CreateJob"),
        CreateFailure::FailAfterCreate {
            reason: "node lost".into(),
        },
    );
    let err = run_training_job(
        &emu.config(),
        &quote(Product::PaiDlc),
        &TrainingJob::new("100001", image),
        "python train.py",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("node lost"), "{err}");
    assert!(emu.control().live_resources().is_empty());
}

#[tokio::test]
async fn p8_pai_timeout_stops_the_job() {
    let emu = emulator().await;
    let image = dlc_image(&emu).await;
    let mut p = poll();
    p.ready_timeout = Duration::from_millis(100);
    p.run_timeout = Duration::from_millis(100);
    let err = run_training_job(
        &emu.config(),
        &quote(Product::PaiDlc),
        &TrainingJob::new("100001", image),
        "python train.py\nsleep 100000",
        &p,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::Timeout { .. }), "{err:?}");
    // Stopping takes a little virtual time.
    for _ in 0..200 {
        if emu.control().live_resources().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job still live: {:?}", emu.control().live_resources());
}
