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
//! Search across regions (P4) and the create/run/cleanup workflows (P7, P8)
//! build on the generated product clients.

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
