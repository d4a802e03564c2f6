//! Typed client for Alibaba Cloud Function Compute 3.0 (FC): functions, invocations, triggers, aliases and layers.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response. Runnable against the emulator:
//!
//! ```
//! use alibabacloud_fc::types::CreateFunctionInput;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Against the local emulator; with your account: `Config::load_default().await?`.
//! let emulator = alibabacloud_emulator::Emulator::start().await?;
//! let fc = alibabacloud_fc::Client::new(&emulator.config());
//!
//! let function = CreateFunctionInput::default()
//!     .with_function_name("hello")
//!     .with_runtime("python3.10")
//!     .with_handler("index.handler");
//! fc.create_function().body(function).send().await?;
//! let listed = fc.list_functions().limit(10).send().await?;
//! assert_eq!(listed.functions().len(), 1);
//! fc.delete_function().function_name("hello").send().await?;
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/fc.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;
