//! The control surface for tests: virtual time, latency, injected faults,
//! stock, create failures, the leak report and the request log.
//!
//! [`Control`] is the Rust handle; the same operations are served over HTTP
//! under `/_emulator/` (see [`crate::http_control`]) for the binary.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::catalog::StockStatus;
use crate::error::ApiError;
use crate::product::Product;
use crate::server::Shared;

/// Which calls a rule applies to: every call, a product, or one action.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    product: Option<Product>,
    action: Option<String>,
}

impl Selector {
    /// Every call.
    pub fn any() -> Self {
        Self::default()
    }

    /// Every call to `product`.
    pub fn product(product: Product) -> Self {
        Self {
            product: Some(product),
            action: None,
        }
    }

    /// Calls of `action` on `product`.
    pub fn action(product: Product, action: impl Into<String>) -> Self {
        Self {
            product: Some(product),
            action: Some(action.into()),
        }
    }

    /// Whether a call of `action` on `product` is selected.
    pub fn matches(&self, product: Product, action: &str) -> bool {
        self.product.is_none_or(|p| p == product)
            && self.action.as_deref().is_none_or(|a| a == action)
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.product, &self.action) {
            (None, _) => f.write_str("*"),
            (Some(p), None) => write!(f, "{p}"),
            (Some(p), Some(a)) => write!(f, "{p}:{a}"),
        }
    }
}

impl FromStr for Selector {
    type Err = String;

    /// `*`, `Ecs`, `ecs:RunInstances`, `pai-dlc:CreateJob`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s == "*" {
            return Ok(Self::any());
        }
        let (product, action) = match s.split_once(':') {
            Some((p, a)) => (p, Some(a.trim())),
            None => (s, None),
        };
        let product: Product = product
            .parse()
            .map_err(|e: crate::product::UnknownProduct| e.to_string())?;
        Ok(match action {
            Some(a) if !a.is_empty() && a != "*" => Self::action(product, a),
            _ => Self::product(product),
        })
    }
}

/// An error to answer instead of handling a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Flow control: `Throttling.User` (RPC, HTTP 400) or `Throttling` (HTTP 429).
    Throttle,
    /// `InternalError`, HTTP 500.
    ServerError,
    /// `ServiceUnavailable`, HTTP 503.
    Unavailable,
    /// Any error.
    Error {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
        /// Message.
        message: String,
    },
}

impl Fault {
    /// An arbitrary error.
    pub fn error(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Fault::Error {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub(crate) fn to_api_error(&self, product: Product) -> ApiError {
        match self {
            Fault::Throttle if product.is_rpc() => ApiError::new(
                400,
                "Throttling.User",
                "request was denied due to user flow control (injected by the emulator)",
            ),
            Fault::Throttle => ApiError::new(
                429,
                "Throttling",
                "request was denied due to flow control (injected by the emulator)",
            ),
            Fault::ServerError => ApiError::new(
                500,
                "InternalError",
                "the request processing has failed due to some unknown error (injected by the emulator)",
            ),
            Fault::Unavailable => ApiError::new(
                503,
                "ServiceUnavailable",
                "the service is temporarily unavailable (injected by the emulator)",
            ),
            Fault::Error {
                status,
                code,
                message,
            } => ApiError::new(*status, code.clone(), message.clone()),
        }
    }
}

/// How the next matching create call fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateFailure {
    /// The create call itself answers this error; nothing is created.
    Reject(Fault),
    /// The call succeeds and the resource is created, then it fails
    /// asynchronously with `reason`: a DLC job ends `Failed`, an EAS
    /// service `Failed` (with a warning event), an ACK cluster `failed`, a
    /// SysOM task `Fail`, a Cloud Assistant command `Failed` with exit
    /// code 1, an ECS instance never leaves `Pending` and goes `Stopped`.
    FailAfterCreate {
        /// Why (shows in events, reasons and error messages).
        reason: String,
    },
}

/// A resource created through the API that still exists (or still runs):
/// what a test has not cleaned up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveResource {
    /// The product.
    pub product: Product,
    /// Kind of resource (`instance`, `security_group`, `vpc`, `vswitch`,
    /// `job`, `service`, `function`, `cluster`).
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Its region.
    pub region: String,
    /// Its current status.
    pub status: String,
    /// Creation time (virtual), `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
}

impl Serialize for Product {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One served request, as the request log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    /// The request id sent back.
    pub request_id: String,
    /// HTTP method.
    pub method: String,
    /// The product, when it could be told.
    pub product: Option<Product>,
    /// The action, when it could be told.
    pub action: Option<String>,
    /// HTTP status answered.
    pub status: u16,
    /// Error code, for errors.
    pub code: Option<String>,
    /// Virtual time of the request, `YYYY-MM-DDTHH:MM:SSZ`.
    pub at: String,
}

/// Longest request log kept.
pub(crate) const MAX_LOG: usize = 10_000;

#[derive(Debug)]
pub(crate) struct FaultRule {
    pub selector: Selector,
    pub fault: Fault,
    pub remaining: u32,
}

#[derive(Debug)]
pub(crate) struct CreateRule {
    pub selector: Selector,
    pub failure: CreateFailure,
}

/// Latency, fault and create-failure rules.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    pub latency: Vec<(Selector, Duration)>,
    pub faults: VecDeque<FaultRule>,
    pub creates: VecDeque<CreateRule>,
}

impl Rules {
    /// The latency of a call: the most specific matching rule.
    pub fn latency_for(&self, product: Product, action: &str) -> Option<Duration> {
        self.latency
            .iter()
            .filter(|(s, _)| s.matches(product, action))
            .max_by_key(|(s, _)| usize::from(s.product.is_some()) + usize::from(s.action.is_some()))
            .map(|(_, d)| *d)
    }

    /// Takes one injected fault for the call, if any is pending.
    pub fn take_fault(&mut self, product: Product, action: &str) -> Option<Fault> {
        let idx = self
            .faults
            .iter()
            .position(|r| r.remaining > 0 && r.selector.matches(product, action))?;
        let rule = &mut self.faults[idx];
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            self.faults.remove(idx);
        }
        Some(fault)
    }

    /// Takes the create failure for the call, if any.
    pub fn take_create(&mut self, product: Product, action: &str) -> Option<CreateFailure> {
        let idx = self
            .creates
            .iter()
            .position(|r| r.selector.matches(product, action))?;
        self.creates.remove(idx).map(|r| r.failure)
    }
}

/// The control handle of a running emulator. Cheap to clone.
#[derive(Clone)]
pub struct Control {
    pub(crate) shared: Arc<Shared>,
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control").finish_non_exhaustive()
    }
}

impl Control {
    /// The current virtual time.
    pub fn now(&self) -> SystemTime {
        self.shared.clock.now()
    }

    /// Moves virtual time forward: pending status transitions that fall
    /// into the skipped span take effect on the next request.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Delays every call matched by `selector` by `latency` (the most
    /// specific rule wins; zero removes the delay for that selector).
    pub fn set_latency(&self, selector: Selector, latency: Duration) {
        let mut rules = self.shared.rules();
        rules.latency.retain(|(s, _)| *s != selector);
        if !latency.is_zero() {
            rules.latency.push((selector, latency));
        }
    }

    /// Removes every latency rule.
    pub fn clear_latency(&self) {
        self.shared.rules().latency.clear();
    }

    /// Answers the next `count` calls matched by `selector` with `fault`
    /// (after signature checking, before the call is handled).
    pub fn fail_next(&self, selector: Selector, fault: Fault, count: u32) {
        if count > 0 {
            self.shared.rules().faults.push_back(FaultRule {
                selector,
                fault,
                remaining: count,
            });
        }
    }

    /// Throttles the next `count` calls matched by `selector`.
    pub fn throttle_next(&self, selector: Selector, count: u32) {
        self.fail_next(selector, Fault::Throttle, count);
    }

    /// Removes every pending fault and create failure.
    pub fn clear_faults(&self) {
        let mut rules = self.shared.rules();
        rules.faults.clear();
        rules.creates.clear();
    }

    /// Makes the next create call matched by `selector` fail (see
    /// [`CreateFailure`]). Only calls that create something are matched
    /// (`Create*`, `Run*`, `Invoke*`, and others the spec marks as creates).
    pub fn fail_next_create(&self, selector: Selector, failure: CreateFailure) {
        self.shared
            .rules()
            .creates
            .push_back(CreateRule { selector, failure });
    }

    /// Sets the stock of `instance_type` in `zone` (ECS, and the PAI
    /// products' availability that follows it). Fails when the zone or type
    /// is unknown.
    pub fn set_stock(
        &self,
        zone: &str,
        instance_type: &str,
        status: StockStatus,
    ) -> Result<(), String> {
        let mut state = self.shared.state();
        if state.catalog.region_of_zone(zone).is_none() {
            return Err(format!("unknown zone `{zone}`"));
        }
        if state.catalog.instance_type(instance_type).is_none() {
            return Err(format!("unknown instance type `{instance_type}`"));
        }
        state
            .stock
            .insert((zone.to_owned(), instance_type.to_owned()), status);
        Ok(())
    }

    /// Marks `instance_type` sold out in `zone`.
    pub fn sold_out(&self, zone: &str, instance_type: &str) -> Result<(), String> {
        self.set_stock(zone, instance_type, StockStatus::WithoutStock)
    }

    /// Resources created through the API that still exist, oldest first.
    /// Seeded resources (default VPCs, catalog workspaces, ...) are not listed.
    pub fn live_resources(&self) -> Vec<LiveResource> {
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        state.tick(now);
        state.live_resources()
    }

    /// The request log (the last 10 000 requests), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log().iter().cloned().collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.log().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_and_match() {
        let s: Selector = "ecs:RunInstances".parse().unwrap();
        assert!(s.matches(Product::Ecs, "RunInstances"));
        assert!(!s.matches(Product::Ecs, "DescribeInstances"));
        assert!(!s.matches(Product::Vpc, "RunInstances"));
        let s: Selector = "pai-dlc".parse().unwrap();
        assert!(s.matches(Product::PaiDlc, "GetJob"));
        assert!(Selector::from_str("*").unwrap().matches(Product::Fc, "x"));
        assert!("nope:X".parse::<Selector>().is_err());
        assert_eq!(
            Selector::action(Product::Cs, "CreateCluster").to_string(),
            "CS:CreateCluster"
        );
    }

    #[test]
    fn fault_counts_run_down() {
        let mut r = Rules::default();
        r.faults.push_back(FaultRule {
            selector: Selector::product(Product::Ecs),
            fault: Fault::Throttle,
            remaining: 2,
        });
        assert!(r.take_fault(Product::Vpc, "DescribeVpcs").is_none());
        assert!(r.take_fault(Product::Ecs, "DescribeRegions").is_some());
        assert!(r.take_fault(Product::Ecs, "DescribeRegions").is_some());
        assert!(r.take_fault(Product::Ecs, "DescribeRegions").is_none());
    }

    #[test]
    fn most_specific_latency_wins() {
        let r = Rules {
            latency: vec![
                (Selector::any(), Duration::from_millis(1)),
                (
                    Selector::action(Product::Ecs, "RunInstances"),
                    Duration::from_millis(9),
                ),
                (Selector::product(Product::Ecs), Duration::from_millis(5)),
            ],
            ..Rules::default()
        };
        assert_eq!(
            r.latency_for(Product::Ecs, "RunInstances"),
            Some(Duration::from_millis(9))
        );
        assert_eq!(
            r.latency_for(Product::Ecs, "DescribeRegions"),
            Some(Duration::from_millis(5))
        );
        assert_eq!(
            r.latency_for(Product::Vpc, "DescribeVpcs"),
            Some(Duration::from_millis(1))
        );
    }
}
