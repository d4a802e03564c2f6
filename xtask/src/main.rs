//! `cargo xtask <command>`: project automation. See `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use xtask::{codegen, import};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Project automation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build openapi-specs/<crate>.json from the upstream metadata and the overlays.
    Import(ImportArgs),
    /// Write crates/<p>/src/generated/ and core's endpoint tables from openapi-specs/.
    Codegen(CodegenArgs),
}

#[derive(Debug, Args)]
struct CodegenArgs {
    /// Write nothing; exit non-zero listing missing, stale and extra files if
    /// the committed generated code differs from what codegen would write.
    #[arg(long)]
    check: bool,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// Upstream metadata directory (one folder per product).
    /// Default: ../shared/openapi-meta next to the workspace root.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// Write nothing; exit non-zero if the committed specs differ from what
    /// an import would produce.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import(args) => run_import(&args),
        Command::Codegen(args) => run_codegen(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_import(args: &ImportArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let metadata = args
        .from
        .clone()
        .unwrap_or_else(import::default_metadata_dir);
    let specs = import::specs_dir();
    let imported = import::import_all(&metadata, &specs.join("overlays"))?;
    if args.check {
        let problems = import::check(&imported, &specs)?;
        if problems.is_empty() {
            println!("openapi-specs are up to date");
            return Ok(ExitCode::SUCCESS);
        }
        for problem in &problems {
            eprintln!("{problem}");
        }
        eprintln!("run `cargo xtask import` to regenerate");
        return Ok(ExitCode::FAILURE);
    }
    import::write(&imported, &specs)?;
    print!("{}", import::summary(&imported));
    Ok(ExitCode::SUCCESS)
}

fn run_codegen(args: &CodegenArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let root = import::workspace_root();
    let files = codegen::generate(&root)?;
    if args.check {
        let problems = codegen::check(&root, &files)?;
        if problems.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for problem in &problems {
            eprintln!("{problem}");
        }
        eprintln!("run `cargo xtask codegen` to regenerate");
        return Ok(ExitCode::FAILURE);
    }
    let (written, deleted) = codegen::write(&root, &files)?;
    print!("{}", codegen::summary(&files));
    println!("{written} files written, {deleted} deleted");
    Ok(ExitCode::SUCCESS)
}
