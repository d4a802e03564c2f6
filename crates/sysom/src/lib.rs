//! Typed client for Alibaba Cloud SysOM: operating system diagnosis of ECS, EAS and DLC instances.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response:
//!
//! ```no_run
//! # async fn demo() -> Result<(), alibabacloud_core::Error> {
//! let config = alibabacloud_core::Config::load_default().await?;
//! let client = alibabacloud_sysom::Client::new(&config);
//! let output = client.get_diagnosis_result().task_id("task-1").send().await?;
//! println!("{output:?}");
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/sysom.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.
//!
//! The hand-written module [`diagnose`] runs the whole PAI diagnosis
//! workflow (product inference, role set-up, resource validation,
//! invocation and polling) as one call.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;

pub mod diagnose;
