//! Typed client for Alibaba Cloud PAI Deep Learning Containers (DLC): training jobs, their pods, logs and events, and the ECS specs jobs run on.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Against the local emulator; with your account: `Config::load_default().await?`.
//! let emulator = alibabacloud_emulator::Emulator::start().await?;
//! let dlc = alibabacloud_pai_dlc::Client::new(&emulator.config());
//! let listed = dlc.list_jobs().workspace_id("100001").send().await?;
//! assert!(listed.jobs().is_empty());
//!
//! // The workflow layer: names resolved to the exact URI AI Workspace lists (D5).
//! let jobs = alibabacloud_pai_dlc::jobs::Jobs::new(&emulator.config());
//! let image = jobs
//!     .resolve_image("pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04", None)
//!     .await?;
//! assert!(image.image_uri.ends_with("pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04"));
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/pai-dlc.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.
//!
//! The hand-written module [`jobs`] is the workflow on top: a job
//! description that cannot express what the service rejects, image and
//! dataset lookup in AI Workspace, stop and priority guards, a create that
//! is safe to retry, capped logs and events, a one-call diagnosis, and
//! waiters.

#[rustfmt::skip]
mod generated;

#[warn(missing_docs)]
pub mod jobs;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;
