//! The smallest useful program: load a configuration, list the regions and
//! the GPU instance types.
//!
//! ```sh
//! cargo run --example quickstart            # against the in-process emulator
//! cargo run --example quickstart -- --live  # against your account
//! ```

use std::process::ExitCode;

use alibabacloud_examples::Target;
use clap::Parser;

/// List regions and GPU instance types.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Use the real cloud (credentials from the default chain) instead of the emulator.
    #[arg(long)]
    live: bool,
    /// Only list types with at least this many GPUs.
    #[arg(long, default_value_t = 1)]
    min_gpus: i32,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            alibabacloud_examples::print_error(e.as_ref());
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::connect(args.live).await?;
    println!("Using {}", target.describe());
    let ecs = alibabacloud_ecs::Client::new(target.config());

    let regions = ecs.describe_regions().send().await?;
    println!("\n{} regions:", regions.regions().len());
    for r in regions.regions() {
        println!(
            "  {:<18} {}",
            r.region_id().unwrap_or("?"),
            r.local_name().unwrap_or("")
        );
    }

    let types = ecs
        .describe_instance_types()
        .minimum_gpu_amount(args.min_gpus)
        .send()
        .await?;
    println!("\nGPU instance types (at least {} GPU):", args.min_gpus);
    println!(
        "  {:<28} {:>5} {:>9}  {:<24} {:>4}",
        "type", "vCPU", "memory", "GPU", "GPUs"
    );
    for t in types.instance_types() {
        println!(
            "  {:<28} {:>5} {:>7.0}Gi  {:<24} {:>4}",
            t.instance_type_id().unwrap_or("?"),
            t.cpu_core_count().unwrap_or_default(),
            t.memory_size().unwrap_or_default(),
            t.gpu_spec().unwrap_or("-"),
            t.gpu_amount().unwrap_or_default()
        );
    }
    target.shutdown().await;
    Ok(())
}
