//! FC: create a function from the script, invoke it, delete it (P8).

use std::time::Duration;

use alibabacloud_emulator::{CreateFailure, Emulator, Fault, Product as EmuProduct, Selector};
use alibabacloud_provision::exec::fc::{FunctionSpec, create_and_invoke};
use alibabacloud_provision::exec::{ExecError, PollSettings};
use alibabacloud_provision::{Billing, ConfirmedQuote, Money, Offer, Product, Quote};

async fn emulator() -> Emulator {
    Emulator::builder()
        .frozen_clock()
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
        spec: "fc.c2m4".into(),
        vcpu: 2,
        memory_gib: 4.0,
        gpu: None,
        hourly_price: Money::cny(0.3),
        billing: Billing::PayAsYouGo,
    };
    Quote::new(offer, Duration::from_secs(300)).skip_confirmation()
}

fn poll() -> PollSettings {
    PollSettings::fast(Duration::from_millis(20))
}

#[tokio::test]
async fn p8_fc_create_invoke_returns_output_and_deletes_the_function() {
    let emu = emulator().await;
    let out = create_and_invoke(
        &emu.config(),
        &quote(Product::Fc),
        &FunctionSpec::default(),
        "#!/bin/bash\necho computing\necho 42",
        &poll(),
    )
    .await
    .unwrap();
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.output, "computing\n42\n");
    assert!(
        out.log
            .as_deref()
            .is_some_and(|l| l.contains("FC Invoke Start"))
    );
    assert!(out.function_name.starts_with("provision-fn-"));
    let live = emu.control().live_resources();
    assert!(live.is_empty(), "leaked: {live:#?}");
    let actions: Vec<String> = emu
        .control()
        .requests()
        .iter()
        .filter_map(|r| r.action.clone())
        .collect();
    assert_eq!(
        actions,
        ["CreateFunction", "InvokeFunction", "DeleteFunction"]
    );
}

#[tokio::test]
async fn p8_fc_failures_still_delete_the_function() {
    let emu = emulator().await;
    // The script fails: its exit code and output are reported.
    let err = create_and_invoke(
        &emu.config(),
        &quote(Product::Fc),
        &FunctionSpec::default(),
        "echo missing input\nexit 2",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ExecError::ScriptFailed { exit_code: 2, output, .. } if output == "missing input\n"),
        "{err:?}"
    );
    assert!(emu.control().live_resources().is_empty());

    // The function is broken at create: the invocation error is reported.
    emu.control().fail_next_create(
        Selector::action(EmuProduct::Fc, "CreateFunction"),
        CreateFailure::FailAfterCreate {
            reason: "image pull failed".into(),
        },
    );
    let err = create_and_invoke(
        &emu.config(),
        &quote(Product::Fc),
        &FunctionSpec::default(),
        "echo hi",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("image pull failed"), "{err}");
    assert!(emu.control().live_resources().is_empty());

    // The invocation keeps failing with 503: deleted all the same.
    emu.control().fail_next(
        Selector::action(EmuProduct::Fc, "InvokeFunction"),
        Fault::Unavailable,
        10,
    );
    let err = create_and_invoke(
        &emu.config(),
        &quote(Product::Fc),
        &FunctionSpec::default(),
        "echo hi",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("InvokeFunction"), "{err}");
    assert!(err.to_string().contains("ServiceUnavailable"), "{err}");
    assert!(emu.control().live_resources().is_empty());
}

#[tokio::test]
async fn p2_fc_refuses_other_quotes_and_bad_input() {
    let emu = emulator().await;
    let err = create_and_invoke(
        &emu.config(),
        &quote(Product::Ecs),
        &FunctionSpec::default(),
        "echo x",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::ProductMismatch { .. }), "{err:?}");
    let err = create_and_invoke(
        &emu.config(),
        &quote(Product::Fc),
        &FunctionSpec::default(),
        "   ",
        &poll(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ExecError::Invalid(_)), "{err:?}");
    assert!(emu.control().requests().is_empty());
}
