//! End to end: each example program, as built by `cargo test` (which builds
//! the package's examples before running its tests), runs against its
//! in-process emulator; its exit status and output are checked.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Path of a built example: `target/<profile>/examples/<name>`, next to the
/// `deps/` directory that holds this test binary.
fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test binary");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binary lives in target/<profile>/deps");
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built; run the tests with `cargo test -p alibabacloud-examples` \
         (it builds the examples first) or `cargo build --examples`",
        path.display()
    );
    path
}

/// Runs an example with arguments and returns its output, with a clean
/// environment for credentials so nothing from the machine leaks in.
fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example_path(name))
        .args(args)
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .env("NO_COLOR", "1")
        .output()
        .expect("example starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts success and returns stdout; on failure shows both streams.
fn success(name: &str, args: &[&str]) -> String {
    let out = run(name, args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "{name} {args:?} exited with {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status.code()
    );
    stdout
}

#[test]
fn quickstart_lists_regions_and_gpu_types() {
    let stdout = success("quickstart", &[]);
    assert!(stdout.contains("emulator"), "{stdout}");
    assert!(stdout.contains("cn-hangzhou"), "{stdout}");
    assert!(stdout.contains("ap-southeast-1"), "{stdout}");
    assert!(stdout.contains("NVIDIA A10"), "{stdout}");
    // --min-gpus filters: with 8 GPUs no single-GPU type is listed.
    let eight = success("quickstart", &["--min-gpus", "8"]);
    assert!(eight.contains("at least 8 GPU"), "{eight}");
    assert!(!eight.contains("ecs.gn6i-c4g1.xlarge"), "{eight}");
}

#[test]
fn bad_arguments_exit_with_usage_error() {
    let out = run("quickstart", &["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit with 2");
    assert!(text(&out.stderr).contains("--no-such-flag"));
    assert!(out.stdout.is_empty());
}

/// Runs an example and returns (exit code, stdout, stderr).
fn outcome(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(name, args);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn provision_one_shot_on_ecs_runs_and_leaves_nothing() {
    let stdout = success(
        "provision",
        &[
            "4 vCPU 8 GiB budget 5 CNY for 1h",
            "--inline",
            "echo hello from the script",
            "--yes",
        ],
    );
    assert!(stdout.contains("Region: cn-hangzhou"), "{stdout}");
    assert!(
        stdout.contains("ECS *"),
        "the comparison marks the choice:\n{stdout}"
    );
    assert!(
        stdout.contains("Unit price"),
        "the quote is shown:\n{stdout}"
    );
    assert!(stdout.contains("hello from the script"), "{stdout}");
    assert!(stdout.contains("exit code 0"), "{stdout}");
    assert!(stdout.contains("Left behind: nothing"), "{stdout}");
}

#[test]
fn provision_reports_a_failing_script_with_its_exit_code() {
    let (code, stdout, stderr) = outcome(
        "provision",
        &[
            "2 vCPU 4 GiB product=ecs",
            "--inline",
            "echo about to fail\nexit 3",
            "--yes",
        ],
    );
    assert_eq!(code, Some(4), "{stdout}\n{stderr}");
    assert!(stdout.contains("exit code 3"), "{stdout}");
    assert!(stdout.contains("about to fail"), "{stdout}");
    assert!(stdout.contains("Left behind: nothing"), "{stdout}");
}

#[test]
fn provision_refuses_without_confirmation_or_terminal() {
    let (code, stdout, stderr) = outcome(
        "provision",
        &["2 vCPU 4 GiB", "--inline", "echo never runs"],
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert!(!stdout.contains("never runs"), "{stdout}");
}

#[test]
fn provision_refuses_over_budget_and_names_the_cheapest_fit() {
    let (code, stdout, stderr) = outcome(
        "provision",
        &[
            "16 vCPU 64 GiB 1x A100 product=ecs budget 1 CNY for 3h",
            "--inline",
            "echo too expensive",
            "--yes",
        ],
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.to_lowercase().contains("budget"), "{stderr}");
    assert!(!stdout.contains("too expensive\n"), "{stdout}");
}

#[test]
fn provision_rejects_unreadable_requirements_and_placeholder_scripts() {
    let (code, _, stderr) = outcome(
        "provision",
        &["8 vCPU lots of GiB", "--inline", "echo hi", "--yes"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("cannot read the requirements"), "{stderr}");

    let (code, _, stderr) = outcome(
        "provision",
        &[
            "2 vCPU 4 GiB",
            "--inline",
            "# TODO: write the script",
            "--yes",
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error:"), "{stderr}");
}

#[test]
fn dlc_job_runs_to_success_and_shows_logs() {
    let stdout = success("dlc-job", &[]);
    assert!(stdout.contains("PyTorchJob"), "{stdout}");
    assert!(stdout.contains("Running"), "{stdout}");
    assert!(stdout.contains("Succeeded"), "{stdout}");
    assert!(stdout.contains("succeeded."), "{stdout}");
}

#[test]
fn dlc_job_failure_prints_a_diagnosis_and_fails() {
    let (code, stdout, stderr) = outcome("dlc-job", &["--command", "echo broken\nexit 2"]);
    assert_ne!(code, Some(0), "{stdout}\n{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("Failed"), "{all}");
    assert!(
        all.contains("Pod events"),
        "the diagnosis is printed:\n{all}"
    );
}

#[test]
fn eas_deploy_prints_both_endpoints_and_a_snippet_without_a_token() {
    let stdout = success("eas-deploy", &[]);
    assert!(stdout.contains("InternetEndpoint: http"), "{stdout}");
    assert!(stdout.contains("IntranetEndpoint: http"), "{stdout}");
    assert!(stdout.contains("$EAS_TOKEN"), "{stdout}");
    assert!(stdout.contains("/v1/chat/completions"), "{stdout}");
}

#[test]
fn eas_deploy_rejects_a_bad_service_name() {
    let (code, stdout, stderr) = outcome("eas-deploy", &["--name", "Bad-Name"]);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("error"), "{stderr}");
    assert!(!stdout.contains("Running"), "{stdout}");
}

#[test]
fn sysom_diagnose_reports_on_a_service_and_a_job() {
    let stdout = success("sysom-diagnose", &[]);
    assert!(stdout.contains("eas-"), "{stdout}");
    assert!(stdout.contains("dlc"), "{stdout}");
    assert_eq!(stdout.matches("Overall status:").count(), 2, "{stdout}");
}
