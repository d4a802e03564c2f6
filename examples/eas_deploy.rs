//! Deploy a vLLM model service on PAI-EAS with the model mounted from OSS,
//! following the deployment workflow: official image lookup, chip check,
//! instance choice, configuration preview, replace-create-wait, endpoints
//! and an invocation snippet.
//!
//! ```sh
//! cargo run -p alibabacloud-examples --example eas-deploy
//! cargo run -p alibabacloud-examples --example eas-deploy -- --live \
//!     --name qwen_chat --model-oss oss://my-bucket/Qwen3-0.6B/ --yes
//! ```
//!
//! On the emulator the service takes about 30 seconds to start.
//! Exit codes: 0 deployed, 1 failed, 2 bad arguments, 3 refused or not confirmed.

use std::process::ExitCode;
use std::time::Duration;

use alibabacloud_eas::deploy::{self, ChipType, DeployOptions, ServiceConfig, StorageMount};
use alibabacloud_examples::Target;
use clap::Parser;

/// Deploy a vLLM service with an OSS-mounted model.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Use the real cloud (credentials from the default chain) instead of the emulator.
    #[arg(long)]
    live: bool,
    /// Service name: 3-63 lowercase letters, digits and underscores.
    #[arg(long, default_value = "qwen_chat_demo")]
    name: String,
    /// Official image name or ImageUri (default: the first official vLLM GPU image).
    #[arg(long)]
    image: Option<String>,
    /// OSS directory of the model, `oss://bucket/path/` (required with --live).
    #[arg(long)]
    model_oss: Option<String>,
    /// Instance type (default: the first available one that fits the image's chip).
    #[arg(long)]
    instance_type: Option<String>,
    /// Deploy without asking for confirmation.
    #[arg(long)]
    yes: bool,
}

/// An error with the exit code it maps to.
struct Failure(u8, String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(1, e.to_string())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

async fn run(args: &Args) -> Result<(), Failure> {
    let model_oss = match (&args.model_oss, args.live) {
        (Some(p), _) => p.clone(),
        (None, false) => "oss://demo-models/Qwen3-0.6B/".to_owned(),
        (None, true) => {
            return Err(Failure(
                2,
                "--model-oss oss://bucket/path/ is required with --live".into(),
            ));
        }
    };
    // Checks that need no call come first.
    deploy::ServiceName::parse(&args.name).map_err(|e| Failure(2, e.to_string()))?;
    let mount = StorageMount::oss(&model_oss).map_err(|e| Failure(2, e.to_string()))?;

    let target = Target::connect(args.live).await?;
    println!("Using {}", target.describe());
    let config = target.config();
    let result = deploy_with(args, config, mount).await;
    target.shutdown().await;
    result
}

async fn deploy_with(
    args: &Args,
    config: &alibabacloud_core::Config,
    mount: StorageMount,
) -> Result<(), Failure> {
    // The official EAS images and their chip labels (AI Workspace ListImages).
    let aiw = alibabacloud_aiworkspace::Client::new(config);
    let images = aiw
        .list_images()
        .labels("system.official=true,system.supported.eas=true")
        .page_size(50)
        .send()
        .await?;
    let label = |img: &alibabacloud_aiworkspace::operations::list_images::Image, key: &str| {
        img.labels()
            .iter()
            .find(|l| l.key() == Some(key))
            .and_then(|l| l.value())
            .map(str::to_owned)
    };
    let chosen = images.images().iter().find(|img| match &args.image {
        Some(wanted) => img.name() == Some(wanted) || img.image_uri() == Some(wanted),
        None => {
            img.name().is_some_and(|n| n.starts_with("vllm"))
                && label(img, "system.chipType").as_deref() == Some("GPU")
        }
    });
    let (image_uri, chip) = match (chosen, &args.image) {
        (Some(img), _) => {
            let uri = img
                .image_uri()
                .map(str::to_owned)
                .or_else(|| label(img, "system.imageUri"))
                .ok_or_else(|| Failure(1, "the chosen image has no ImageUri".into()))?;
            let chip = label(img, "system.chipType")
                .map(|c| ChipType::from_label(&c))
                .transpose()?;
            (uri, chip)
        }
        (None, Some(custom)) => {
            println!("Image {custom} is not an official EAS image; its chip is read from its tag");
            (custom.clone(), None)
        }
        (None, None) => return Err(Failure(1, "no official vLLM GPU image was found".into())),
    };
    let chip_for_specs = chip.unwrap_or(ChipType::Gpu);

    // Public instance types that fit the chip and are in stock (E6).
    let eas = alibabacloud_eas::Client::new(config);
    let specs = deploy::public_machine_specs(&eas, Some(chip_for_specs)).await?;
    let instance_type = match &args.instance_type {
        Some(t) => t.clone(),
        None => specs
            .first()
            .map(|s| s.instance_type.clone())
            .ok_or_else(|| {
                Failure(
                    1,
                    format!("no {chip_for_specs} instance type is available in this region"),
                )
            })?,
    };
    let fallback = specs.first().map(|s| s.instance_type.clone());

    let mut builder = ServiceConfig::builder(&args.name)
        .image(&image_uri)
        .command(format!(
            "vllm serve {} --port 8000 --trust-remote-code",
            deploy::DEFAULT_MODEL_MOUNT_PATH
        ))
        .mount(mount)
        .instance_type(&instance_type);
    if let Some(c) = chip {
        builder = builder.image_chip(c);
    }
    if let Some(f) = fallback {
        builder = builder.fallback_instance_type(f);
    }
    let service = builder.build().map_err(|e| Failure(3, e.to_string()))?;

    println!(
        "\nGenerated service configuration:\n{}",
        service.to_json_pretty()
    );
    println!("\n{}", service.summary());
    if args.live
        && !args.yes
        && !alibabacloud_examples::ask_yes_no("\nDeploy this service (it is billed while it runs)?")
    {
        return Err(Failure(3, "not confirmed; nothing was deployed".into()));
    }

    println!(
        "\nDeploying {} (an existing service of that name is replaced)...",
        args.name
    );
    let options = DeployOptions::default()
        .poll_interval(Duration::from_secs(5))
        .timeout(Duration::from_secs(600));
    let deployment = deploy::deploy(&eas, &service, &options).await?;
    if deployment.replaced_existing {
        println!(
            "The previous service named {} was deleted first.",
            args.name
        );
    }
    println!("\nDeployment result\n{deployment}");
    println!(
        "\nService invocation\n{}",
        deployment.invocation(deploy::DEFAULT_MODEL_MOUNT_PATH)
    );
    Ok(())
}
