//! Submit a PyTorch training job to PAI-DLC, follow it to the end, and
//! explain a failure.
//!
//! ```sh
//! cargo run -p alibabacloud-examples --example dlc-job                      # emulator
//! cargo run -p alibabacloud-examples --example dlc-job -- --command 'exit 2'  # a failing job
//! cargo run -p alibabacloud-examples --example dlc-job -- --live --workspace 12345 \
//!     --image pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04 --command 'python train.py'
//! ```
//!
//! Steps: pick the workspace, resolve the image in AI Workspace (only image
//! URIs listed there are accepted), pick the smallest available GPU spec,
//! check the job description, submit it (a rerun with the same `--name`
//! finds the first job instead of creating a second), print status changes
//! and new log lines until the job ends, and print a diagnosis if it did
//! not succeed. The exit code is 0 only for a succeeded job.
//!
//! On the emulator a job takes about a minute and a half of real time
//! (queuing, environment preparation, a minimum run of 60 s).

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alibabacloud_examples::Target;
use alibabacloud_pai_dlc::jobs::{
    Accelerator, EcsSpecQuery, EcsSpecSort, JobSpec, JobStatus, JobType, Jobs, TaskSpec,
};
use clap::Parser;
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};

/// Submit a PyTorch job to PAI-DLC and follow it until it ends.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Use the real cloud (credentials from the default chain) instead of the emulator.
    #[arg(long)]
    live: bool,
    /// Workspace id (default: the account's default workspace, shown before submitting).
    #[arg(long)]
    workspace: Option<String>,
    /// Image name, id or URI from AI Workspace (default: the newest official PyTorch GPU image).
    #[arg(long)]
    image: Option<String>,
    /// Command the worker runs.
    #[arg(
        long,
        default_value = "python -c \"import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())\""
    )]
    command: String,
    /// ECS spec of the worker (default: the available GPU spec with the fewest GPUs).
    #[arg(long)]
    ecs_spec: Option<String>,
    /// Number of worker pods.
    #[arg(long, default_value_t = 1)]
    workers: u32,
    /// Job display name (default: dlc-job-example-<unix time>). Rerunning
    /// with the same name returns the existing job.
    #[arg(long)]
    name: Option<String>,
    /// Auto-stop guard: stop the job after this many minutes.
    #[arg(long, default_value_t = 60)]
    max_minutes: u64,
    /// Seconds between status checks (default: 3 on the emulator, 15 live).
    #[arg(long)]
    poll: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            alibabacloud_examples::print_error(e.as_ref());
            ExitCode::FAILURE
        }
    }
}

/// Runs the example; `Ok(false)` when the job did not succeed.
async fn run(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    let target = Target::connect(args.live).await?;
    println!("Using {}", target.describe());
    let jobs = Jobs::new(target.config());

    let workspace = pick_workspace(&jobs, args.workspace.as_deref()).await?;
    let image = match &args.image {
        Some(query) => jobs.resolve_image(query, Some(&workspace.0)).await?,
        None => {
            let id = official_pytorch_image(&jobs).await?;
            jobs.resolve_image(&id, None).await?
        }
    };
    let ecs_spec = match &args.ecs_spec {
        Some(s) => s.clone(),
        None => smallest_gpu_spec(&jobs).await?,
    };
    let name = args.name.clone().unwrap_or_else(|| {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("dlc-job-example-{secs}")
    });

    let spec = JobSpec::builder()
        .workspace_id(&workspace.0)
        .display_name(&name)
        .job_type(JobType::PyTorchJob)
        .user_command(&args.command)
        .task(
            TaskSpec::builder("Worker")
                .image(&image.image_uri)
                .ecs_spec(&ecs_spec)
                .pod_count(args.workers)
                .build()?,
        )
        .max_running_time(Duration::from_secs(args.max_minutes * 60))
        .build()?;

    let mut plan = Table::new();
    plan.load_preset(UTF8_BORDERS_ONLY);
    plan.set_header(vec!["Job plan", ""]);
    plan.add_row(vec!["name", &name]);
    plan.add_row(vec![
        "workspace",
        &format!("{} ({})", workspace.1, workspace.0),
    ]);
    plan.add_row(vec!["type", JobType::PyTorchJob.as_str()]);
    plan.add_row(vec![
        "image",
        &format!("{}\n{}", image.name, image.image_uri),
    ]);
    plan.add_row(vec![
        "workers",
        &format!("{} x {ecs_spec} (pay-as-you-go)", args.workers),
    ]);
    plan.add_row(vec!["command", &args.command]);
    plan.add_row(vec![
        "auto-stop",
        &format!("after {} minutes", args.max_minutes),
    ]);
    println!("\n{plan}\n");

    let submitted = jobs.submit(&spec).await?;
    if submitted.reused {
        println!(
            "A job named {name} already exists ({}); following it instead of creating another.",
            submitted.job_id
        );
    } else {
        println!("Submitted job {}", submitted.job_id);
    }

    let poll = Duration::from_secs(args.poll.unwrap_or(if args.live { 15 } else { 3 }).max(1));
    let finished = follow(&jobs, &submitted.job_id, poll).await?;
    let ok = finished == JobStatus::Succeeded;
    if ok {
        println!("\nJob {} succeeded.", submitted.job_id);
    } else {
        println!("\nJob {} ended {finished}. Diagnosis:\n", submitted.job_id);
        println!("{}", jobs.diagnose(&submitted.job_id).await?);
    }
    target.shutdown().await;
    Ok(ok)
}

/// `(id, name)` of the workspace to use.
async fn pick_workspace(
    jobs: &Jobs,
    wanted: Option<&str>,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let mut call = jobs.workspace_client().list_workspaces().page_size(100);
    if let Some(id) = wanted {
        call = call.workspace_ids(id);
    }
    let out = call.send().await?;
    let chosen = out
        .workspaces()
        .iter()
        .find(|w| match wanted {
            Some(id) => w.workspace_id() == Some(id),
            None => w.is_default() == Some(true),
        })
        .or_else(|| wanted.is_none().then(|| out.workspaces().first()).flatten());
    match chosen {
        Some(w) => Ok((
            w.workspace_id().unwrap_or_default().to_owned(),
            w.workspace_name().unwrap_or_default().to_owned(),
        )),
        None => Err(match wanted {
            Some(id) => format!("workspace {id} was not found").into(),
            None => "the account has no PAI workspace; create one first".into(),
        }),
    }
}

/// The id of the newest official PyTorch GPU image that DLC supports.
async fn official_pytorch_image(jobs: &Jobs) -> Result<String, Box<dyn std::error::Error>> {
    let out = jobs
        .workspace_client()
        .list_images()
        .labels("system.official=true,system.supported.dlc=true,system.chipType=GPU")
        .page_size(100)
        .send()
        .await?;
    let mut images: Vec<_> = out
        .images()
        .iter()
        .filter(|i| i.name().is_some_and(|n| n.starts_with("pytorch")))
        .collect();
    images.sort_by_key(|i| std::cmp::Reverse(i.gmt_create_time().unwrap_or_default().to_owned()));
    images
        .first()
        .and_then(|i| i.image_id())
        .map(str::to_owned)
        .ok_or_else(|| "no official PyTorch GPU image is listed; pass --image".into())
}

/// The available GPU spec with the fewest GPUs (then the fewest vCPUs).
async fn smallest_gpu_spec(jobs: &Jobs) -> Result<String, Box<dyn std::error::Error>> {
    let specs = jobs
        .list_ecs_specs(
            EcsSpecQuery::new()
                .accelerator(Accelerator::Gpu)
                .available_only(true)
                .sort_by(EcsSpecSort::Cpu, false),
        )
        .await?;
    specs
        .iter()
        .min_by_key(|s| (s.gpu().unwrap_or(i32::MAX), s.cpu().unwrap_or(i32::MAX)))
        .and_then(|s| s.instance_type())
        .map(str::to_owned)
        .ok_or_else(|| "no GPU spec is available for DLC in this region; pass --ecs-spec".into())
}

/// Prints status changes and new log lines of the first pod until the job
/// ends; returns the final status.
async fn follow(
    jobs: &Jobs,
    job_id: &str,
    poll: Duration,
) -> Result<JobStatus, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut last_status: Option<JobStatus> = None;
    let mut last_line: Option<String> = None;
    loop {
        let job = jobs.get(job_id).await?;
        if last_status.as_ref() != Some(&job.status) {
            let t = start.elapsed().as_secs();
            println!("[{:>3}m{:02}s] {}", t / 60, t % 60, job.status_line());
            last_status = Some(job.status.clone());
        }
        let has_logs = matches!(job.status, JobStatus::Running) || job.status.is_terminal();
        if let Some(pod) = job.pods.first().filter(|_| has_logs) {
            // Logs come back as the last N lines; print only the new ones.
            if let Ok(lines) = jobs.pod_logs(job_id, &pod.pod_id).await {
                let from = last_line
                    .as_ref()
                    .and_then(|l| lines.iter().rposition(|x| x == l))
                    .map_or(0, |i| i + 1);
                if last_line.is_some() && from == 0 && !lines.is_empty() {
                    println!("  | ...");
                }
                for line in &lines[from..] {
                    println!("  | {line}");
                }
                if let Some(l) = lines.last() {
                    last_line = Some(l.clone());
                }
            }
        }
        if job.status.is_terminal() {
            return Ok(job.status);
        }
        tokio::time::sleep(poll).await;
    }
}
