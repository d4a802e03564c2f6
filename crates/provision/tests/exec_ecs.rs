//! ECS create / run / cleanup (P5, P7, P8) against the emulator.

use std::time::Duration;

use alibabacloud_emulator::{CreateFailure, Emulator, Fault, Product as EmuProduct, Selector};
use alibabacloud_provision::exec::ecs::{EcsLaunch, create_instance_with_infra};
use alibabacloud_provision::exec::{ExecError, PollSettings};
use alibabacloud_provision::{Billing, ConfirmedQuote, Money, Offer, Product, Quote};

const TYPE: &str = "ecs.g7.large";
const FAMILY: &str = "acs:ubuntu_22_04_x64";
/// The zone of the region's default vSwitch.
const ZONE_DEFAULT: &str = "cn-hangzhou-h";
/// A zone without any vSwitch.
const ZONE_EMPTY: &str = "cn-hangzhou-i";

async fn emulator() -> Emulator {
    Emulator::builder()
        .time_speed(50.0)
        .strict_responses(true)
        .start()
        .await
        .unwrap()
}

fn quote(product: Product, zone: &str) -> ConfirmedQuote {
    let offer = Offer {
        product,
        region: "cn-hangzhou".into(),
        zone: Some(zone.into()),
        spec: TYPE.into(),
        vcpu: 2,
        memory_gib: 8.0,
        gpu: None,
        hourly_price: Money::cny(0.5),
        billing: Billing::PayAsYouGo,
    };
    Quote::new(offer, Duration::from_secs(600)).confirm()
}

fn poll() -> PollSettings {
    PollSettings::fast(Duration::from_millis(20))
}

fn launch() -> EcsLaunch {
    EcsLaunch::new(FAMILY)
}

fn assert_no_leaks(emu: &Emulator) {
    let live = emu.control().live_resources();
    assert!(live.is_empty(), "leaked: {live:#?}");
}

async fn wait_no_leaks(emu: &Emulator) {
    for _ in 0..500 {
        if emu.control().live_resources().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_no_leaks(emu);
}

async fn default_vpc_count(emu: &Emulator) -> usize {
    let vpc = alibabacloud_vpc::Client::new(&emu.config());
    vpc.describe_vpcs()
        .region_id("cn-hangzhou")
        .send()
        .await
        .unwrap()
        .vpcs()
        .iter()
        .filter(|v| v.is_default() == Some(true))
        .count()
}

#[tokio::test]
async fn p8_one_shot_returns_exit_code_and_output_and_leaves_nothing() {
    let emu = emulator().await;
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_DEFAULT)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    assert_eq!(instance.zone(), ZONE_DEFAULT);
    assert!(instance.instance_id().starts_with("i-"));
    assert!(instance.private_ip().is_some());
    assert!(instance.public_ip().is_none());
    let res = instance.resources();
    assert!(!res.vpc_created && !res.vswitch_created, "{res:?}");
    let out = instance
        .run_and_release("#!/bin/bash\necho hello\necho 'from ecs'\n")
        .await
        .unwrap();
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.output, "hello\nfrom ecs\n");
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p7_reused_vpc_is_not_deleted() {
    let emu = emulator().await;
    assert_eq!(default_vpc_count(&emu).await, 1);
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_DEFAULT)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    let res = instance.resources();
    let reused_vpc = res.vpc_id.clone().unwrap();
    instance.run_and_release("echo ok").await.unwrap();
    let vpc = alibabacloud_vpc::Client::new(&emu.config());
    let still = vpc
        .describe_vpcs()
        .region_id("cn-hangzhou")
        .vpc_id(reused_vpc.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(still.vpcs().len(), 1, "reused VPC {reused_vpc} was deleted");
    assert_eq!(default_vpc_count(&emu).await, 1);
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p7_network_created_by_the_run_is_deleted_after_it() {
    let emu = emulator().await;
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_EMPTY)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    let res = instance.resources();
    assert!(res.vpc_created && res.vswitch_created, "{res:?}");
    let kinds: Vec<&str> = emu
        .control()
        .live_resources()
        .iter()
        .map(|r| r.kind)
        .collect();
    for k in ["instance", "security_group", "vpc", "vswitch"] {
        assert!(kinds.contains(&k), "{k} missing in {kinds:?}");
    }
    instance.run_and_release("echo ok").await.unwrap();
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p7_stock_out_at_create_uses_the_next_zone() {
    let emu = emulator().await;
    emu.control().sold_out(ZONE_DEFAULT, TYPE).unwrap();
    let instance = create_instance_with_infra(
        &emu.config(),
        &[
            quote(Product::Ecs, ZONE_DEFAULT),
            quote(Product::Ecs, ZONE_EMPTY),
        ],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    assert_eq!(instance.zone(), ZONE_EMPTY);
    // The first attempt's security group is gone already.
    let groups = emu
        .control()
        .live_resources()
        .iter()
        .filter(|r| r.kind == "security_group")
        .count();
    assert_eq!(groups, 1);
    let out = instance.run_and_release("echo second zone").await.unwrap();
    assert_eq!(out.output, "second zone\n");
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p7_every_zone_out_of_stock_is_an_error_and_rolls_back() {
    let emu = emulator().await;
    emu.control().sold_out(ZONE_DEFAULT, TYPE).unwrap();
    emu.control().sold_out(ZONE_EMPTY, TYPE).unwrap();
    let err = create_instance_with_infra(
        &emu.config(),
        &[
            quote(Product::Ecs, ZONE_DEFAULT),
            quote(Product::Ecs, ZONE_EMPTY),
        ],
        &launch(),
        &poll(),
    )
    .await
    .unwrap_err();
    match &err {
        ExecError::OutOfStock { tried, spec, last } => {
            assert_eq!(tried, &[ZONE_DEFAULT, ZONE_EMPTY]);
            assert_eq!(spec, TYPE);
            assert!(last.is_out_of_stock());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("out of stock"), "{err}");
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p8_server_errors_roll_back_everything_created() {
    let emu = emulator().await;
    // Enough 500s to outlast the client's own retries.
    emu.control().fail_next(
        Selector::action(EmuProduct::Ecs, "CreateSecurityGroup"),
        Fault::ServerError,
        20,
    );
    let err = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_EMPTY)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("CreateSecurityGroup"), "{text}");
    assert!(text.contains("InternalError"), "{text}");
    assert_eq!(err.service_error().and_then(|e| e.status()), Some(500));
    // The VPC and vSwitch created before the failure are gone.
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p8_throttling_is_retried_and_cleanup_still_completes() {
    let emu = emulator().await;
    let ctl = emu.control();
    ctl.throttle_next(Selector::action(EmuProduct::Ecs, "RunInstances"), 2);
    ctl.throttle_next(Selector::action(EmuProduct::Ecs, "DeleteInstances"), 6);
    ctl.throttle_next(Selector::action(EmuProduct::Ecs, "DeleteSecurityGroup"), 6);
    ctl.throttle_next(Selector::action(EmuProduct::Vpc, "DeleteVpc"), 6);
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_EMPTY)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    let out = instance.run_and_release("echo throttled").await.unwrap();
    assert_eq!(out.output, "throttled\n");
    let throttled = ctl
        .requests()
        .iter()
        .filter(|r| r.code.as_deref() == Some("Throttling.User"))
        .count();
    assert!(throttled >= 8, "only {throttled} throttled calls");
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p8_create_failure_injected_through_control_rolls_back() {
    let emu = emulator().await;
    // The instance is created, then never starts (Pending -> Stopped).
    emu.control().fail_next_create(
        Selector::action(EmuProduct::Ecs, "RunInstances"),
        CreateFailure::FailAfterCreate {
            reason: "host failure".into(),
        },
    );
    let err = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_EMPTY)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ExecError::ResourceFailed { status, .. } if status == "Stopped"),
        "{err:?}"
    );
    assert!(err.to_string().contains("stopped while starting"), "{err}");
    assert_no_leaks(&emu);

    // Rejected outright: nothing created, the error names the call.
    emu.control().fail_next_create(
        Selector::action(EmuProduct::Ecs, "RunInstances"),
        CreateFailure::Reject(Fault::error(403, "QuotaExceed.PostPaid", "quota used up")),
    );
    let err = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_EMPTY)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("RunInstances"), "{text}");
    assert!(text.contains("QuotaExceed.PostPaid"), "{text}");
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p8_failed_command_reports_exit_code_and_output_and_releases() {
    let emu = emulator().await;
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_EMPTY)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    let err = instance
        .run_and_release("echo about to fail\nexit 3")
        .await
        .unwrap_err();
    match &err {
        ExecError::ScriptFailed {
            exit_code,
            output,
            reason,
        } => {
            assert_eq!(*exit_code, 3);
            assert_eq!(output, "about to fail\n");
            assert!(reason.contains("ExitCodeNonzero"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("code 3"), "{err}");
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p7_ssh_rule_only_with_public_ip() {
    let emu = emulator().await;
    let ecs = alibabacloud_ecs::Client::new(&emu.config());
    for public in [false, true] {
        let instance = create_instance_with_infra(
            &emu.config(),
            &[quote(Product::Ecs, ZONE_DEFAULT)],
            &launch().public_ip(public),
            &poll(),
        )
        .await
        .unwrap();
        assert_eq!(instance.public_ip().is_some(), public);
        let sg = instance.resources().security_group_id.unwrap();
        let attr = ecs
            .describe_security_group_attribute()
            .region_id("cn-hangzhou")
            .security_group_id(sg)
            .send()
            .await
            .unwrap();
        let ingress: Vec<_> = attr
            .permissions()
            .iter()
            .filter(|p| p.direction() == Some("ingress"))
            .collect();
        let egress_open = attr.permissions().iter().any(|p| {
            p.direction() == Some("egress")
                && p.dest_cidr_ip() == Some("0.0.0.0/0")
                && p.ip_protocol()
                    .is_some_and(|x| x.eq_ignore_ascii_case("all"))
        });
        assert!(egress_open, "egress not open: {:?}", attr.permissions());
        if public {
            assert_eq!(ingress.len(), 1, "{ingress:?}");
            assert_eq!(ingress[0].port_range(), Some("22/22"));
        } else {
            assert!(
                ingress.is_empty(),
                "SSH opened without public IP: {ingress:?}"
            );
        }
        instance.release().await.unwrap();
    }
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p7_explicit_image_id_and_user_data_are_refused_before_any_call() {
    let emu = emulator().await;
    emu.control().clear_requests();
    let q = [quote(Product::Ecs, ZONE_DEFAULT)];
    let err = create_instance_with_infra(
        &emu.config(),
        &q,
        &launch().image_id("ubuntu_22_04_x64_20G_alibase_20250415.vhd"),
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::ExplicitImageRefused(_)), "{err:?}");
    let err =
        create_instance_with_infra(&emu.config(), &q, &EcsLaunch::new("m-bp1abcdef"), &poll())
            .await
            .unwrap_err();
    assert!(matches!(err, ExecError::ExplicitImageRefused(_)), "{err:?}");
    let err = create_instance_with_infra(
        &emu.config(),
        &q,
        &launch().user_data("IyEvYmluL2Jhc2g="),
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::UserDataRefused), "{err:?}");
    assert!(err.to_string().contains("Cloud Assistant"));
    let err = create_instance_with_infra(
        &emu.config(),
        &q,
        &EcsLaunch::new("acs:no_such_family"),
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ExecError::ImageFamilyNotFound { .. }),
        "{err:?}"
    );
    let err = create_instance_with_infra(&emu.config(), &[], &launch(), &poll())
        .await
        .unwrap_err();
    assert!(matches!(err, ExecError::NoQuote), "{err:?}");
    assert!(
        !emu.control()
            .requests()
            .iter()
            .any(|r| r.action.as_deref() == Some("RunInstances")),
        "a refused launch reached RunInstances"
    );
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p2_product_lock_holds_under_failure() {
    let emu = emulator().await;
    emu.control().clear_requests();
    // A fallback for another product is refused up front.
    let err = create_instance_with_infra(
        &emu.config(),
        &[
            quote(Product::Ecs, ZONE_DEFAULT),
            quote(Product::Fc, ZONE_EMPTY),
        ],
        &launch(),
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ExecError::ProductMismatch {
                quoted: Product::Fc,
                expected: Product::Ecs
            }
        ),
        "{err:?}"
    );
    assert!(emu.control().requests().is_empty());
    // An ECS failure stays an ECS failure: only ECS and VPC are called.
    emu.control().sold_out(ZONE_DEFAULT, TYPE).unwrap();
    let err = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_DEFAULT)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::OutOfStock { .. }), "{err:?}");
    for r in emu.control().requests() {
        assert!(
            matches!(r.product, Some(EmuProduct::Ecs | EmuProduct::Vpc)),
            "called another product: {r:?}"
        );
    }
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p8_dropped_future_still_cleans_up() {
    let emu = emulator().await;
    // Dropped while the script runs (a long sleep in virtual time).
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_EMPTY)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    let run = instance.run_and_release("sleep 3000\necho late");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), run)
            .await
            .is_err()
    );
    assert!(!emu.control().live_resources().is_empty());
    wait_no_leaks(&emu).await;

    // Dropped while creating (RunInstances slowed down).
    emu.control().set_latency(
        Selector::action(EmuProduct::Ecs, "RunInstances"),
        Duration::from_millis(400),
    );
    let config = emu.config();
    let q = [quote(Product::Ecs, ZONE_EMPTY)];
    let l = launch();
    let p = poll();
    let create = create_instance_with_infra(&config, &q, &l, &p);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), create)
            .await
            .is_err()
    );
    // The in-flight RunInstances completes server-side; the background
    // release finds the instance by name and removes it with the rest.
    wait_no_leaks(&emu).await;
}

#[tokio::test]
async fn p8_run_and_keep_keeps_the_instance_until_released() {
    let emu = emulator().await;
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_DEFAULT)],
        &launch().public_ip(true),
        &poll(),
    )
    .await
    .unwrap();
    let kept = instance
        .run_and_keep("systemctl start nginx\necho started")
        .await
        .unwrap();
    assert_eq!(kept.output.output, "started\n");
    assert!(kept.public_ip.is_some());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let live = emu.control().live_resources();
    assert!(
        live.iter()
            .any(|r| r.kind == "instance" && r.id == kept.instance_id && r.status == "Running"),
        "{live:?}"
    );
    kept.release(&emu.config(), &poll()).await.unwrap();
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p8_release_retries_on_incorrect_instance_status() {
    let emu = emulator().await;
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_DEFAULT)],
        &launch(),
        &poll(),
    )
    .await
    .unwrap();
    emu.control().fail_next(
        Selector::action(EmuProduct::Ecs, "DeleteInstances"),
        Fault::error(
            403,
            "IncorrectInstanceStatus",
            "the instance is still stopping",
        ),
        3,
    );
    instance.run_and_release("echo ok").await.unwrap();
    let codes: Vec<Option<String>> = emu
        .control()
        .requests()
        .iter()
        .filter(|r| r.action.as_deref() == Some("DeleteInstances"))
        .map(|r| r.code.clone())
        .collect();
    assert_eq!(codes.len(), 4, "{codes:?}");
    assert!(
        codes[..3]
            .iter()
            .all(|c| c.as_deref() == Some("IncorrectInstanceStatus"))
    );
    assert_eq!(codes[3], None);
    assert_no_leaks(&emu);
}

#[tokio::test]
async fn p8_cleanup_that_cannot_finish_names_what_is_left() {
    let emu = emulator().await;
    let mut p = poll();
    p.release_timeout = Duration::from_millis(300);
    let instance = create_instance_with_infra(
        &emu.config(),
        &[quote(Product::Ecs, ZONE_DEFAULT)],
        &launch(),
        &p,
    )
    .await
    .unwrap();
    let sg = instance.resources().security_group_id.unwrap();
    emu.control().fail_next(
        Selector::action(EmuProduct::Ecs, "DeleteSecurityGroup"),
        Fault::ServerError,
        10_000,
    );
    let err = instance
        .run_and_release("echo fine\nexit 5")
        .await
        .unwrap_err();
    match &err {
        ExecError::FailedAndLeaked { primary, left } => {
            assert!(
                matches!(**primary, ExecError::ScriptFailed { exit_code: 5, .. }),
                "{primary:?}"
            );
            assert_eq!(left.len(), 1, "{left:?}");
            assert!(left[0].contains(&sg), "{left:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("code 5") && text.contains(&sg), "{text}");
    // Only the security group is left; the instance is gone.
    emu.control().clear_faults();
    let live = emu.control().live_resources();
    assert_eq!(live.len(), 1, "{live:#?}");
    assert_eq!(live[0].id, sg);
}
