//! Typed client for Alibaba Cloud Virtual Private Cloud (VPC): VPCs, vSwitches, elastic IPs, NAT gateways and route tables.
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
//! let vpc = alibabacloud_vpc::Client::new(&emulator.config());
//!
//! let created = vpc.create_vpc().region_id("cn-hangzhou").cidr_block("10.0.0.0/8").send().await?;
//! let vpc_id = created.vpc_id().expect("the VPC id");
//! let listed = vpc.describe_vpcs().region_id("cn-hangzhou").vpc_id(vpc_id).send().await?;
//! assert_eq!(listed.vpcs().len(), 1);
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/vpc.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;
