//! Typed client for Alibaba Cloud Elastic Compute Service (ECS): instances, disks, images, security groups, instance types, stock and prices.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response. Runnable against the emulator:
//!
//! ```
//! use futures::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Against the local emulator; with your account: `Config::load_default().await?`.
//! let emulator = alibabacloud_emulator::Emulator::start().await?;
//! let ecs = alibabacloud_ecs::Client::new(&emulator.config());
//!
//! let regions = ecs.describe_regions().send().await?;
//! assert!(regions.regions().iter().any(|r| r.region_id() == Some("cn-hangzhou")));
//!
//! let gpu_types = ecs.describe_instance_types().minimum_gpu_amount(1).send().await?;
//! for t in gpu_types.instance_types() {
//!     println!("{:?}: {:?} x {:?}", t.instance_type_id(), t.gpu_spec(), t.gpu_amount());
//! }
//!
//! // Paged operations walk every page as a stream of items.
//! let mut instances = ecs.describe_instances().region_id("cn-hangzhou").into_paginator().items();
//! while let Some(instance) = instances.try_next().await? {
//!     println!("{:?}", instance.instance_id());
//! }
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
