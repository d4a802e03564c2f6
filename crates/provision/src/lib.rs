//! Provisioning on Alibaba Cloud, with the cost rules enforced by types.
//!
//! The flow (rules P1–P8 of `DESIGN.md` §5):
//!
//! 1. [`Requirements`] (P1) — typed, or parsed from a compact spec such as
//!    `"8 vCPU 32 GiB 1x A10 budget 50 CNY for 3h"`.
//! 2. [`product::choose`] (P2) — the product decision tree, with a locked
//!    product when the caller names one.
//! 3. [`region::choose`] (P3) — overseas when the script pulls from overseas
//!    sources, domestic otherwise; always with a reason.
//! 4. [`script::check`] (P6) — refuses scripts that cannot work before
//!    anything is paid for.
//! 5. [`quote`] (P5) — [`Offer`] → [`Quote`] → [`ConfirmedQuote`]: the only
//!    way to a confirmed quote is an explicit `confirm()` or
//!    `skip_confirmation()`, and budgets are checked on the way.
//!
//! 6. [`Searcher`] (P4, P2) — offers across regions and zones with stock
//!    and price, concurrently, and a [`Comparison`] of the products.
//! 7. [`exec`] (P7, P8) — create, run and clean up on ECS, FC, ACK or
//!    PAI-DLC; every create takes a [`ConfirmedQuote`].
//!
//! The whole flow, against the local emulator:
//!
//! ```
//! use std::time::Duration;
//! use alibabacloud_provision::exec::{PollSettings, ecs};
//! use alibabacloud_provision::{Quote, Requirements, Searcher};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = alibabacloud_emulator::Emulator::builder().time_speed(100.0).start().await?;
//! let config = emulator.config(); // with your account: Config::load_default().await?
//!
//! let req: Requirements = "2 vCPU 4 GiB product=ecs region=cn-hangzhou for 1h".parse()?;
//! let found = Searcher::new(&config).find_offers(&req).await?;
//! let offer = found.best().cloned().ok_or("no offer")?;
//! let quote = Quote::new(offer, Duration::from_secs(3600));
//! println!("{quote}");
//! let confirmed = quote.confirm(); // the only way to something that can create
//!
//! let instance = ecs::create_instance_with_infra(
//!     &config,
//!     &[confirmed],
//!     &ecs::EcsLaunch::new("acs:ubuntu_22_04_x64"),
//!     &PollSettings::fast(Duration::from_millis(20)),
//! )
//! .await?;
//! let out = instance.run_and_release("echo hello").await?;
//! assert_eq!((out.exit_code, out.output.trim()), (0, "hello"));
//! assert!(emulator.control().live_resources().is_empty()); // nothing left behind
//! # Ok(()) }
//! ```

pub mod compare;
pub mod exec;
pub mod gpu;
pub mod money;
pub mod product;
pub mod quote;
pub mod region;
pub mod requirements;
pub mod script;
pub mod search;

pub use compare::Comparison;
pub use exec::{ExecError, PollSettings};
pub use gpu::GpuModel;
pub use money::{Currency, ExchangeRate, Money};
pub use product::Product;
pub use quote::{Billing, ConfirmedQuote, Offer, Quote};
pub use requirements::{Requirements, Script, TaskKind};
pub use search::{FallbackPlan, SearchOptions, SearchResult, Searcher};
