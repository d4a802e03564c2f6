//! Typed client for Alibaba Cloud Container Service for Kubernetes (ACK, API name CS): clusters, node pools, add-ons and kubeconfigs.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response. Runnable against the emulator:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Against the local emulator; with your account: `Config::load_default().await?`.
//! let emulator = alibabacloud_emulator::Emulator::start().await?;
//! let cs = alibabacloud_ack::Client::new(&emulator.config());
//!
//! let created = cs
//!     .create_cluster()
//!     .name("jobs")
//!     .region_id("cn-hangzhou")
//!     .cluster_type("ManagedKubernetes")
//!     .send()
//!     .await?;
//! let cluster_id = created.cluster_id().expect("the cluster id");
//! let detail = cs.describe_cluster_detail().cluster_id(cluster_id).send().await?;
//! println!("{cluster_id}: {:?}", detail.state());
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/ack.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;
