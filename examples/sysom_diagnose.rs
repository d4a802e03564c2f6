//! SysOM deep diagnosis of an EAS service and a DLC job.
//!
//! On the emulator both are created first (an EAS service with a vLLM
//! image, a DLC job on Lingjun quota) so that they exist; with `--live`
//! pass the ids of your own.
//!
//! ```sh
//! cargo run -p alibabacloud-examples --example sysom-diagnose
//! cargo run -p alibabacloud-examples --example sysom-diagnose -- --live \
//!     --eas eas-m-abc123 --description GPU_OOM_instance_restart
//! ```
//!
//! On the emulator this takes about 80 seconds (the service starts, then
//! each diagnosis runs). Exit codes: 0 every diagnosis finished, 1 one
//! failed, 2 bad arguments, 3 a diagnosis is still running (poll timeout).

use std::process::ExitCode;
use std::time::Duration;

use alibabacloud_core::Config;
use alibabacloud_eas::deploy::{self, ChipType, DeployOptions, ServiceConfig};
use alibabacloud_examples::Target;
use alibabacloud_sysom::diagnose::{DiagnoseError, Diagnoser, DiagnosisRequest};
use clap::Parser;

/// Diagnose an EAS service and a DLC job with SysOM.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Use the real cloud (credentials from the default chain) instead of the emulator.
    #[arg(long)]
    live: bool,
    /// EAS service id (`eas-m-...`); created on the emulator when omitted.
    #[arg(long)]
    eas: Option<String>,
    /// DLC job id (`dlc...`); created on the emulator when omitted.
    #[arg(long)]
    dlc: Option<String>,
    /// Region of the instances (default: the configuration's region).
    #[arg(long)]
    region: Option<String>,
    /// The problem, English words joined by underscores.
    #[arg(long)]
    description: Option<String>,
    /// Start of a historical window (Unix seconds); 0 means real time.
    #[arg(long, default_value_t = 0)]
    start_time: u64,
    /// End of a historical window (Unix seconds).
    #[arg(long, default_value_t = 0)]
    end_time: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.live && args.eas.is_none() && args.dlc.is_none() {
        eprintln!("error: with --live pass --eas <service id> and/or --dlc <job id>");
        return ExitCode::from(2);
    }
    let target = match Target::connect(args.live).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Using {}", target.describe());
    let code = run(&args, target.config()).await;
    target.shutdown().await;
    code
}

async fn run(args: &Args, config: &Config) -> ExitCode {
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| config.region().to_owned());
    let (eas, dlc) = if args.live {
        (args.eas.clone(), args.dlc.clone())
    } else {
        println!("Creating an EAS service and a DLC job to diagnose...");
        let (eas, dlc) = tokio::join!(emulator_service(config), emulator_job(config));
        match (eas, dlc) {
            (Ok(e), Ok(d)) => (
                Some(args.eas.clone().unwrap_or(e)),
                Some(args.dlc.clone().unwrap_or(d)),
            ),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: could not prepare the instances: {e}");
                return ExitCode::FAILURE;
            }
        }
    };

    let diagnoser = Diagnoser::new(config);
    let mut worst = 0u8;
    for instance in [eas, dlc].into_iter().flatten() {
        let mut builder = DiagnosisRequest::builder(&instance, &region)
            .start_time(args.start_time)
            .end_time(args.end_time);
        if let Some(d) = &args.description {
            builder = builder.description(d);
        }
        let request = match builder.build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        println!(
            "\nDiagnosing {instance} ({:?}, {:?})...",
            request.product(),
            request.mode()
        );
        match diagnoser.diagnose(&request).await {
            Ok(d) => {
                if d.resumed_running_task {
                    println!("A diagnosis was already running; its result follows.");
                }
                println!("Task ID: {}", d.task_id);
                if let Some(url) = &d.url {
                    println!("Report: {url}");
                }
                println!("{}", d.report);
            }
            Err(e @ DiagnoseError::Timeout { .. }) => {
                eprintln!("{e}");
                worst = worst.max(3);
            }
            Err(e) => {
                eprintln!("error: {e}");
                worst = worst.max(1);
            }
        }
    }
    ExitCode::from(worst)
}

/// Deploys a small vLLM service on the emulator and returns its id.
async fn emulator_service(config: &Config) -> Result<String, Box<dyn std::error::Error>> {
    let eas = alibabacloud_eas::Client::new(config);
    let service = ServiceConfig::builder("diagnosis_demo")
        .image(format!(
            "eas-registry-vpc.{}.cr.aliyuncs.com/pai-eas/vllm:0.10.1-gpu",
            config.region()
        ))
        .image_chip(ChipType::Gpu)
        .command("vllm serve /model_dir --port 8000")
        .mount(deploy::StorageMount::oss("oss://demo-models/Qwen3-0.6B/")?)
        .instance_type("ecs.gn7i-c8g1.2xlarge")
        .build()?;
    let options = DeployOptions::default().poll_interval(Duration::from_secs(5));
    Ok(deploy::deploy(&eas, &service, &options).await?.service_id)
}

/// Creates a DLC job on the emulator's Lingjun quota and returns its id.
async fn emulator_job(config: &Config) -> Result<String, Box<dyn std::error::Error>> {
    use alibabacloud_pai_dlc::types::{JobSpec, ResourceConfig};
    let dlc = alibabacloud_pai_dlc::Client::new(config);
    let spec = JobSpec::default()
        .with_type("Worker")
        .with_pod_count(1)
        .with_image(format!(
            "dsw-registry-vpc.{}.cr.aliyuncs.com/pai/pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04",
            config.region()
        ))
        .with_resource_config(
            ResourceConfig::default()
                .with_cpu("16")
                .with_memory("64Gi")
                .with_gpu("1"),
        );
    let job = dlc
        .create_job()
        .workspace_id("100001")
        .display_name("llm-finetune-diagnosis-demo")
        .job_type("PyTorchJob")
        .job_specs([spec])
        .resource_id("quota12ab34cd56ef")
        .user_command("python train.py")
        .send()
        .await?;
    job.job_id()
        .map(str::to_owned)
        .ok_or_else(|| "CreateJob returned no job id".into())
}
