//! Typed client for Alibaba Cloud PAI Elastic Algorithm Service (EAS): model services, resource groups and gateways.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response:
//!
//! ```no_run
//! # async fn demo() -> Result<(), alibabacloud_core::Error> {
//! let config = alibabacloud_core::Config::load_default().await?;
//! let client = alibabacloud_eas::Client::new(&config);
//! let output = client.list_services().page_size(10).send().await?;
//! println!("{output:?}");
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
