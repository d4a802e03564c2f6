//! Typed client for Alibaba Cloud PAI Deep Learning Containers (DLC): training jobs, their pods, logs and events, and the ECS specs jobs run on.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response:
//!
//! ```no_run
//! # async fn demo() -> Result<(), alibabacloud_core::Error> {
//! let config = alibabacloud_core::Config::load_default().await?;
//! let client = alibabacloud_pai_dlc::Client::new(&config);
//! let output = client.list_jobs().workspace_id("12345").send().await?;
//! println!("{output:?}");
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
