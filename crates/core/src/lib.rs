//! Core of the Alibaba Cloud Rust SDK.
//!
//! Product crates (`alibabacloud-ecs`, `alibabacloud-pai-dlc`, ...) are
//! generated on top of this crate. It holds what every product shares:
//!
//! - [`sign`]: ACS3-HMAC-SHA256 request signing (signature V3);
//! - [`credentials`]: the credential providers and the default chain;
//! - [`Config`]: region, credentials, endpoint override, timeouts, retries;
//! - [`endpoint`]: per-product endpoint resolution;
//! - [`client`]: the signed, retrying HTTP transport and the request model
//!   generated code builds on;
//! - [`Error`]: one error type for every failure;
//! - [`paginate`] and [`waiter`]: streams of pages and polling helpers;
//! - [`de`]: lenient (de)serialization helpers and the untyped outputs the
//!   generated product crates use;
//! - [`generated`]: tables generated from the specs (endpoints).
//!
//! ```
//! use alibabacloud_core::{Config, RetryPolicy};
//!
//! # fn main() -> Result<(), alibabacloud_core::Error> {
//! // In a program: `Config::load_default().await?` (environment, CLI
//! // profile, OIDC, instance role, ...). Here: explicit test values.
//! let config = Config::builder()
//!     .region("cn-shanghai")
//!     .access_key("test-key-id", "test-key-secret")
//!     .retry_policy(RetryPolicy::standard().with_max_attempts(5))
//!     .build()?;
//! assert_eq!(config.region(), "cn-shanghai");
//! // Secrets never show up in Debug output.
//! assert!(!format!("{config:?}").contains("test-key-secret"));
//! # Ok(()) }
//! ```

pub mod client;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod de;
pub mod encode;
pub mod endpoint;
pub mod env;
pub mod error;
#[rustfmt::skip]
pub mod generated;
pub mod paginate;
pub mod request;
pub mod retry;
pub mod sign;
pub mod waiter;

pub use client::{Response, ServiceClient};
pub use config::{Config, ConfigBuilder};
pub use error::Error;
pub use request::{ApiStyle, CallOptions, OperationMeta, Request};
pub use retry::RetryPolicy;

/// Result alias used across the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;
