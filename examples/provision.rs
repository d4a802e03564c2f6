//! From a requirements string and a script to its output, with nothing left
//! behind: region choice (P3), script checks (P6), a product comparison with
//! real API calls (P2, P4), a quote you confirm (P5), then create, run and
//! clean up (P7, P8).
//!
//! ```sh
//! cargo run --example provision -- "4 vCPU 8 GiB budget 5 CNY for 1h" --inline 'echo hello'
//! cargo run --example provision -- "8 vCPU 30 GiB 1x A10 training budget 80 CNY for 3h" --script train.py
//! cargo run --example provision -- "2 vCPU 4 GiB product=ecs" --script job.sh --live
//! ```

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use alibabacloud_core::Config;
use alibabacloud_examples::Target;
use alibabacloud_provision::compare::CandidateReport;
use alibabacloud_provision::exec::{ack, ecs, fc, pai};
use alibabacloud_provision::script::{self, OsFamily, ScriptContext};
use alibabacloud_provision::{
    Comparison, ConfirmedQuote, ExchangeRate, PollSettings, Product, Quote, Requirements, Script,
    SearchOptions, Searcher, region,
};
use clap::Parser;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressStyle};

/// Provision compute for a script, run it, and clean up.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// What the task needs, e.g. "8 vCPU 32 GiB 1x A10 budget 50 CNY for 3h",
    /// "gpu=A100x2 budget=$40", "2 vCPU 4 GiB product=ecs region=cn-beijing".
    requirements: String,
    /// The script to run, from a file.
    #[arg(long, conflicts_with = "inline", required_unless_present = "inline")]
    script: Option<PathBuf>,
    /// The script to run, given inline.
    #[arg(long)]
    inline: Option<String>,
    /// Image family of the ECS instance (decides apt vs yum).
    #[arg(long, default_value = "acs:ubuntu_22_04_x64")]
    image_family: String,
    /// Container image for the Kubernetes Job when ACK is chosen.
    #[arg(
        long,
        default_value = "registry.cn-hangzhou.aliyuncs.com/acs/busybox:1.36"
    )]
    job_image: String,
    /// Accept the quote without asking (the quote is still recorded and shown).
    #[arg(long)]
    yes: bool,
    /// Use the real cloud (credentials from the default chain) instead of the emulator.
    #[arg(long)]
    live: bool,
}

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(code) => code,
        Err(e) => {
            alibabacloud_examples::print_error(e.as_ref());
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<ExitCode, BoxError> {
    let requirements: Requirements = args
        .requirements
        .parse()
        .map_err(|e| format!("cannot read the requirements {:?}: {e}", args.requirements))?;
    let source = match (&args.script, &args.inline) {
        (Some(path), _) => Script::Path(path.clone()),
        (None, Some(text)) => Script::Inline(text.clone()),
        (None, None) => return Err("give --script PATH or --inline TEXT".into()),
    };

    // P6 first: nothing is looked up, let alone paid for, for a script that cannot work.
    let os = OsFamily::from_image_name(&args.image_family);
    let text = script::load_and_check(
        &source,
        ScriptContext {
            task: requirements.task(),
            os,
        },
    )?;

    let target = Target::connect(args.live).await?;
    println!("Using {}", target.describe());
    println!("Requirements: {requirements}");

    // P3: the region side follows the script's sources.
    let region = region::choose(&requirements, Some(&text));
    println!("\nRegion: {}\n  why: {}", region.region, region.reason);
    for signal in region.signals.iter().take(5) {
        println!("  line {}: {}", signal.line, signal.what);
    }

    let config = target
        .config()
        .to_builder()
        .region(&region.region)
        .build()?;
    let regions = search_regions(&config, &requirements, &region.region).await?;
    if regions.len() > 1 {
        println!(
            "  searching the {} regions on the same side, {} first: {}",
            regions.len(),
            region.region,
            regions.join(", ")
        );
    }
    let searcher = Searcher::with_options(&config, SearchOptions::default().regions(regions))?;

    let spinner = spinner("Comparing products: instance types, stock and prices");
    let comparison = searcher.compare(&requirements).await;
    spinner.finish_and_clear();
    let comparison = comparison?;
    print_comparison(&comparison);

    let Some(chosen) = comparison.recommended() else {
        return Err("no product can run this task within the search; see the reasons above".into());
    };
    let duration = comparison.run_time;
    let quote = match requirements.budget() {
        Some(budget) => {
            let alternatives: Vec<_> = comparison
                .candidates
                .iter()
                .flat_map(|c| c.offers.iter().map(|f| f.offer.clone()))
                .collect();
            let best = chosen.best().cloned().ok_or("no offer")?;
            Quote::within_budget(
                best,
                duration,
                budget,
                &ExchangeRate::default(),
                &alternatives,
            )?
        }
        None => Quote::new(chosen.best().cloned().ok_or("no offer")?, duration),
    };
    println!("\n{quote}");
    if comparison.run_time_assumed {
        println!("  (no run time given: the total assumes one hour)");
    }

    let Some(confirmed) = confirm(quote, args.yes)? else {
        println!("Not confirmed; nothing was created.");
        target.shutdown().await;
        return Ok(ExitCode::from(3));
    };
    let fallbacks = fallback_quotes(chosen, &confirmed, duration, args.yes);

    let poll = if target.is_emulator() {
        PollSettings::fast(Duration::from_millis(250))
    } else {
        PollSettings::default()
    };
    let exec_config = config
        .to_builder()
        .region(&confirmed.quote().offer().region)
        .build()?;
    let outcome = execute(args, &exec_config, confirmed, fallbacks, &text, &poll).await;

    if let Some(left) = target.leftovers() {
        if left.is_empty() {
            println!("\nLeft behind: nothing (emulator leak report is empty).");
        } else {
            println!("\nLeft behind ({}):", left.len());
            for r in &left {
                println!("  {} {} {} ({})", r.product.code(), r.kind, r.id, r.status);
            }
        }
    }
    target.shutdown().await;
    let (exit_code, output) = outcome?;
    println!("\n--- script output (exit code {exit_code}) ---\n{output}");
    Ok(if exit_code == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    })
}

/// The regions on the side the region rule picked: domestic (`cn-*`) or
/// overseas, with the chosen one first; only it when the user named it.
async fn search_regions(
    config: &Config,
    requirements: &Requirements,
    chosen: &str,
) -> Result<Vec<String>, BoxError> {
    if requirements.region().is_some() {
        return Ok(vec![chosen.to_owned()]);
    }
    let ecs = alibabacloud_ecs::Client::new(config);
    let listed = ecs.describe_regions().send().await?;
    let domestic = |r: &str| r.starts_with("cn-") && r != "cn-hongkong";
    let mut regions = vec![chosen.to_owned()];
    regions.extend(
        listed
            .regions()
            .iter()
            .filter_map(|r| r.region_id())
            .filter(|r| *r != chosen && domestic(r) == domestic(chosen))
            .map(str::to_owned),
    );
    Ok(regions)
}

fn print_comparison(comparison: &Comparison) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "product",
        "spec",
        "region / zone",
        "per hour",
        "estimated total",
        "end to end",
        "complexity",
    ]);
    for c in &comparison.candidates {
        let mark = if Some(c.product) == comparison.recommendation {
            format!("{} *", c.product)
        } else {
            c.product.to_string()
        };
        match c.best() {
            Some(o) => table.add_row([
                mark,
                o.spec.clone(),
                format!("{} / {}", o.region, o.zone.as_deref().unwrap_or("-")),
                o.hourly_price.to_string(),
                c.estimated_total.map(|t| t.to_string()).unwrap_or_default(),
                format!("~{} min", c.end_to_end.as_secs().div_ceil(60)),
                c.complexity.to_string(),
            ]),
            None => table.add_row([
                mark,
                format!(
                    "not usable: {}",
                    c.unavailable.as_deref().unwrap_or("no offer")
                ),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]),
        };
    }
    println!("\n{table}");
    for reason in &comparison.reasons {
        println!("  * {reason}");
    }
}

/// P5: the quote becomes a confirmed quote only by an answer on a terminal
/// or by `--yes`; without a terminal and without `--yes` nothing happens.
fn confirm(quote: Quote, yes: bool) -> Result<Option<ConfirmedQuote>, BoxError> {
    if yes {
        println!("Confirmation skipped (--yes); the quote above is recorded.");
        return Ok(Some(quote.skip_confirmation()));
    }
    if !std::io::stdin().is_terminal() {
        return Err("no terminal to confirm the quote on; pass --yes to accept it".into());
    }
    print!("Create it and run the script at this price? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes").then(|| quote.confirm()))
}

/// Other zones and regions of the same product and spec, at a price no
/// higher than the confirmed one: the out-of-stock fallbacks the user
/// agreed to by accepting the quote (never another product).
fn fallback_quotes(
    chosen: &CandidateReport,
    confirmed: &ConfirmedQuote,
    duration: Duration,
    yes: bool,
) -> Vec<ConfirmedQuote> {
    let first = confirmed.quote().offer();
    chosen
        .offers
        .iter()
        .map(|f| &f.offer)
        .filter(|o| {
            o.spec == first.spec
                && (o.region != first.region || o.zone != first.zone)
                && o.hourly_price.amount <= first.hourly_price.amount
                && o.hourly_price.currency == first.hourly_price.currency
        })
        .take(4)
        .map(|o| {
            let q = Quote::new(o.clone(), duration);
            if yes {
                q.skip_confirmation()
            } else {
                q.confirm()
            }
        })
        .collect()
}

async fn execute(
    args: &Args,
    config: &Config,
    confirmed: ConfirmedQuote,
    fallbacks: Vec<ConfirmedQuote>,
    script: &str,
    poll: &PollSettings,
) -> Result<(i64, String), BoxError> {
    match confirmed.quote().offer().product {
        Product::Ecs => {
            let mut quotes = vec![confirmed];
            quotes.extend(fallbacks);
            let bar = spinner("Creating network, security group and instance");
            let launch = ecs::EcsLaunch::new(&args.image_family);
            let instance = ecs::create_instance_with_infra(config, &quotes, &launch, poll).await;
            let instance = match instance {
                Ok(i) => i,
                Err(e) => {
                    bar.finish_with_message("create failed; everything it made was released");
                    return Err(e.into());
                }
            };
            bar.set_message(format!(
                "Running the script on {} ({}) with Cloud Assistant, then releasing it",
                instance.instance_id(),
                instance.zone()
            ));
            let out = instance.run_and_release(script).await;
            bar.finish_and_clear();
            script_result(out.map(|out| {
                println!("Ran and released {}.", out.instance_id);
                (out.exit_code, out.output)
            }))
        }
        Product::Fc => {
            let bar = spinner("Creating the function, invoking it, deleting it");
            let out = fc::create_and_invoke(
                config,
                &confirmed,
                &fc::FunctionSpec::default(),
                script,
                poll,
            )
            .await;
            bar.finish_and_clear();
            script_result(out.map(|out| {
                println!("Ran and deleted function {}.", out.function_name);
                (out.exit_code, out.output)
            }))
        }
        Product::Ack => {
            let bar = spinner("Creating the cluster, running the script as a Job, cleaning up");
            let cluster = ack::ClusterChoice::Create {
                vswitch_ids: Vec::new(),
                nodes: 1,
            };
            let job = ack::JobSpec::new(&args.job_image);
            let out =
                ack::run_script_as_job(config, &confirmed, &cluster, &job, script, poll).await;
            bar.finish_and_clear();
            script_result(out.map(|out| {
                println!(
                    "Job {} ran on cluster {}{}.",
                    out.job_name,
                    out.cluster_id,
                    if out.cluster_created {
                        " (created and deleted by this run)"
                    } else {
                        ""
                    }
                );
                (out.exit_code.map_or(0, i64::from), out.logs)
            }))
        }
        Product::PaiDlc => {
            let (workspace, image) = dlc_workspace_and_image(config).await?;
            let bar = spinner("Submitting the DLC job and following it");
            let job = pai::TrainingJob::new(workspace, image);
            let out = pai::run_training_job(config, &confirmed, &job, script, poll).await;
            bar.finish_and_clear();
            let out = out?;
            println!(
                "DLC job {} ({}) ended {}.",
                out.job_id, out.display_name, out.status
            );
            Ok((0, format!("job {} {}", out.job_id, out.status)))
        }
    }
}

/// A script that ran and failed is a result to show, not an error.
fn script_result(
    result: Result<(i64, String), alibabacloud_provision::ExecError>,
) -> Result<(i64, String), BoxError> {
    match result {
        Ok(done) => Ok(done),
        Err(alibabacloud_provision::ExecError::ScriptFailed {
            exit_code, output, ..
        }) => Ok((exit_code, output)),
        Err(e) => Err(e.into()),
    }
}

/// The default AI Workspace and an official PyTorch GPU image for DLC.
async fn dlc_workspace_and_image(config: &Config) -> Result<(String, String), BoxError> {
    let aiw = alibabacloud_aiworkspace::Client::new(config);
    let workspaces = aiw.list_workspaces().page_size(10).send().await?;
    let workspace = workspaces
        .workspaces()
        .iter()
        .find_map(|w| w.workspace_id())
        .ok_or("no AI Workspace found; create one first")?
        .to_owned();
    let images = aiw
        .list_images()
        .labels("system.official=true,system.chipType=GPU,system.supported.dlc=true")
        .page_size(50)
        .send()
        .await?;
    let image = images
        .images()
        .iter()
        .filter(|i| i.name().is_some_and(|n| n.contains("pytorch")))
        .find_map(|i| i.image_uri())
        .ok_or("no official PyTorch GPU image found")?
        .to_owned();
    Ok((workspace, image))
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("a valid template"),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
