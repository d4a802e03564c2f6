//! Typed client for Alibaba Cloud PAI Elastic Algorithm Service (EAS): model services, resource groups and gateways.
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
//! let eas = alibabacloud_eas::Client::new(&emulator.config());
//! let specs = eas.describe_machine_spec().send().await?;
//! let gpu_types: Vec<&str> = specs
//!     .instance_metas()
//!     .iter()
//!     .filter(|m| m.gpu_amount().unwrap_or(0) > 0)
//!     .filter_map(|m| m.instance_type())
//!     .collect();
//! assert!(!gpu_types.is_empty());
//!
//! // The workflow layer checks names before anything is sent (E1).
//! use alibabacloud_eas::deploy::ServiceName;
//! assert!(ServiceName::parse("qwen_chat").is_ok());
//! assert!(ServiceName::parse("Qwen-Chat").is_err());
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/eas.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.
//!
//! The hand-written module [`deploy`] runs the whole deployment workflow:
//! name and configuration checks, chip compatibility, resource listing,
//! replace-create-wait and invocation snippets.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;

pub mod deploy;
