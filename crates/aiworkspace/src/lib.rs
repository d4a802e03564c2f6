//! Typed client for Alibaba Cloud PAI AI Workspace: workspaces, images, datasets and code sources.
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
//! let aiw = alibabacloud_aiworkspace::Client::new(&emulator.config());
//!
//! let images = aiw
//!     .list_images()
//!     .labels("system.chipType=GPU,system.official=true")
//!     .send()
//!     .await?;
//! for image in images.images() {
//!     println!("{:?} {:?}", image.name(), image.image_uri());
//! }
//! # Ok(()) }
//! ```
//!
//! The code under `src/generated/` is written by `cargo xtask codegen` from
//! `openapi-specs/aiworkspace.json`; see `ARCHITECTURE.md`. Per operation, the
//! module [`operations`] has the builder, the input, the output and the
//! types nested in them.

#[rustfmt::skip]
mod generated;

pub use alibabacloud_core::{CallOptions, Config, Error};
pub use generated::*;
