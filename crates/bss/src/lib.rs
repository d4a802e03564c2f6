//! Typed client for Alibaba Cloud BSS OpenAPI (billing): prices, bills, balances and resource packages.
//!
//! Every operation of the API is a method on [`Client`] returning a builder;
//! `send().await` checks the required parameters, signs and sends the
//! request and parses the response. Runnable against the emulator:
//!
//! ```
//! use alibabacloud_bss::operations::get_pay_as_you_go_price::GetPayAsYouGoPriceModuleList;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Against the local emulator; with your account: `Config::load_default().await?`.
//! let emulator = alibabacloud_emulator::Emulator::start().await?;
//! let bss = alibabacloud_bss::Client::new(&emulator.config());
//!
//! let module = GetPayAsYouGoPriceModuleList::default()
//!     .with_module_code("InstanceType")
//!     .with_config("InstanceType:ecs.g7.large,IoOptimized:IoOptimized,ImageOs:linux")
//!     .with_price_type("Hour");
//! let price = bss
//!     .get_pay_as_you_go_price()
//!     .product_code("ecs")
//!     .subscription_type("PayAsYouGo")
//!     .region("cn-hangzhou")
//!     .module_list([module])
//!     .send()
//!     .await?;
//! println!("{:?}", price.data());
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/bss.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;
