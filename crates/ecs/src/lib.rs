//! Typed client for Alibaba Cloud Elastic Compute Service (ECS): instances, disks, images, security groups, instance types, stock and prices.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response:
//!
//! ```no_run
//! # async fn demo() -> Result<(), alibabacloud_core::Error> {
//! let config = alibabacloud_core::Config::load_default().await?;
//! let client = alibabacloud_ecs::Client::new(&config);
//! let output = client.describe_instances().region_id("cn-hangzhou").page_size(10).send().await?;
//! println!("{output:?}");
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/ecs.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;
