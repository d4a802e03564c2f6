//! Typed client for Alibaba Cloud SysOM: operating system diagnosis of ECS, EAS and DLC instances.
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
//! let sysom = alibabacloud_sysom::Client::new(&emulator.config());
//! sysom.initial_sysom().check_only(true).send().await?;
//!
//! // The workflow layer infers the product from the instance id (S1).
//! use alibabacloud_sysom::diagnose::DiagnosisRequest;
//! let request = DiagnosisRequest::builder("eas-m-abc123", "cn-hangzhou")
//!     .description("GPU_OOM_instance_restart")
//!     .build()?;
//! println!("{request:?}");
//! let unknown = DiagnosisRequest::builder("i-abc123", "cn-hangzhou").description("slow_training");
//! assert!(unknown.build().is_err());
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
