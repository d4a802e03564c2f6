//! The official Alibaba Cloud Python SDKs, unchanged, against the emulator
//! (DescribeRegions, DescribeInstances, CreateJob, GetJob, InvokeDiagnosis,
//! GetDiagnosisResult and a refused signature): see tests/python/official_sdk.py.
//!
//! Skipped, with a message, when `python3` or the SDK packages are missing:
//! `pip install alibabacloud-ecs20140526 alibabacloud-pai-dlc20201203 alibabacloud-sysom20231230`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use alibabacloud_emulator::Emulator;

const MODULES: &str =
    "import alibabacloud_ecs20140526, alibabacloud_pai_dlc20201203, alibabacloud_sysom20231230";

fn python() -> Option<String> {
    for candidate in ["python3", "python"] {
        let ok = Command::new(candidate)
            .args(["-c", MODULES])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(candidate.to_owned());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_works_unchanged() {
    let Some(python) = python() else {
        println!(
            "SKIPPED official_python_sdk_works_unchanged: python3 with the official SDKs is not installed \
             (pip install alibabacloud-ecs20140526 alibabacloud-pai-dlc20201203 alibabacloud-sysom20231230)"
        );
        return;
    };
    let emu = Emulator::builder()
        .strict_responses(true)
        .start()
        .await
        .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/official_sdk.py");
    let host = emu.local_addr().to_string();
    let (id, secret) = (
        emu.access_key_id().to_owned(),
        emu.access_key_secret().to_owned(),
    );
    let run = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("EMULATOR_HOST", host)
            .env("EMULATOR_ACCESS_KEY_ID", id)
            .env("EMULATOR_ACCESS_KEY_SECRET", secret)
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .output()
    });
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the script finishes within 2 minutes")
        .unwrap()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the Python SDK checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"));
    let actions: Vec<String> = emu
        .control()
        .requests()
        .into_iter()
        .filter_map(|r| r.action)
        .collect();
    for a in [
        "DescribeRegions",
        "DescribeInstances",
        "CreateJob",
        "GetJob",
        "InvokeDiagnosis",
        "GetDiagnosisResult",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} was not called: {actions:?}"
        );
    }
}
