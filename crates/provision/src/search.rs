//! Offer search across regions and zones (P4), and the fallback order used
//! when a create finds no stock.
//!
//! A [`Searcher`] asks the APIs, concurrently and with a bound on the calls
//! in flight, for what can run the task:
//!
//! - **ECS** ([`Searcher::find_offers`]): one `DescribeRegions` (unless the
//!   regions are given) and one `DescribeInstanceTypes` walk, then per region
//!   one `DescribeAvailableResource` (stock per zone and type) and one
//!   `DescribePrice` per type that has stock somewhere in the region.
//! - **PAI-DLC** ([`Searcher::find_dlc_offers`]): per region `ListEcsSpecs`,
//!   and a BSS `GetPayAsYouGoPrice` per fitting spec (DLC's pay-as-you-go
//!   compute is priced as the ECS type it runs on).
//! - **FC** ([`fc_offers`]): Function Compute has no stock or price inquiry
//!   API; its offers follow the rules in [`FC_PRICING`].
//! - **ACK** ([`ack_offers`]): the ECS offers for the worker node plus the
//!   managed cluster fee [`ACK_CLUSTER_FEE_CNY_PER_HOUR`].
//!
//! A region whose calls fail (5xx, throttling past the retries, a per-call
//! timeout) is reported in [`SearchResult::degraded`] with the reason; the
//! other regions still count. Dropping the search future cancels every call
//! still in flight; [`Searcher::find_offers_until`] does that for a stop
//! signal.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use alibabacloud_provision::search::{SearchOptions, Searcher};
//! use alibabacloud_provision::Requirements;
//!
//! let config = alibabacloud_core::Config::load_default().await?;
//! let searcher = Searcher::with_options(&config, SearchOptions::default().concurrency(8))?;
//! let req: Requirements = "8 vCPU 30 GiB 1x A10".parse()?;
//! let result = searcher.find_offers(&req).await?;
//! for found in &result.found {
//!     println!("{} {:?} {} {}", found.offer.region, found.offer.zone, found.offer.spec, found.offer.hourly_price);
//! }
//! for d in &result.degraded {
//!     println!("skipped {}: {}", d.region, d.reason);
//! }
//! # Ok(()) }
//! ```

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::time::Duration;

use alibabacloud_bss::operations::get_pay_as_you_go_price::GetPayAsYouGoPriceModuleList;
use alibabacloud_core::{Config, Error as ApiError};
use futures::future::{Either, join, join_all, select};
use tokio::sync::Semaphore;

use crate::gpu::GpuModel;
use crate::money::{Currency, ExchangeRate, Money};
use crate::product::Product;
use crate::quote::{Billing, Offer};
use crate::requirements::Requirements;

/// Calls in flight by default.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Time limit of one call (retries included) by default.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// How a search runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    regions: Option<Vec<String>>,
    concurrency: usize,
    call_timeout: Duration,
    min_gpu_memory_gib: Option<f64>,
    allow_arm: bool,
    rate: ExchangeRate,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            regions: None,
            concurrency: DEFAULT_CONCURRENCY,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            min_gpu_memory_gib: None,
            allow_arm: false,
            rate: ExchangeRate::default(),
        }
    }
}

impl SearchOptions {
    /// Searches only these regions (default: every region `DescribeRegions`
    /// lists). An explicit region in the requirements narrows this further.
    pub fn regions<I, S>(mut self, regions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.regions = Some(regions.into_iter().map(Into::into).collect());
        self
    }

    /// At most `calls` API calls in flight at once (default 16, at least 1).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls;
        self
    }

    /// Time limit of each call, its retries included (default 20 s). A call
    /// over the limit is dropped and its region reported as degraded.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Minimum memory of each GPU, in GiB.
    pub fn min_gpu_memory_gib(mut self, gib: f64) -> Self {
        self.min_gpu_memory_gib = Some(gib);
        self
    }

    /// Also offers ARM instance types (default: x86 only, because most
    /// scripts and images assume x86).
    pub fn allow_arm(mut self, yes: bool) -> Self {
        self.allow_arm = yes;
        self
    }

    /// The rate used to rank prices given in different currencies.
    pub fn exchange_rate(mut self, rate: ExchangeRate) -> Self {
        self.rate = rate;
        self
    }

    pub(crate) fn rate_ref(&self) -> &ExchangeRate {
        &self.rate
    }

    /// The configured concurrency bound.
    pub fn concurrency_bound(&self) -> usize {
        self.concurrency
    }

    fn validate(&self) -> Result<(), SearchError> {
        if self.concurrency == 0 {
            return Err(SearchError::InvalidOption {
                option: "concurrency",
                reason: "must be at least 1 call in flight".into(),
            });
        }
        if self.call_timeout.is_zero() {
            return Err(SearchError::InvalidOption {
                option: "call_timeout",
                reason: "must be longer than zero".into(),
            });
        }
        if let Some(g) = self.min_gpu_memory_gib {
            if !(g.is_finite() && g > 0.0) {
                return Err(SearchError::InvalidOption {
                    option: "min_gpu_memory_gib",
                    reason: format!("must be a positive number of GiB, got {g}"),
                });
            }
        }
        if let Some(regions) = &self.regions {
            if regions.is_empty() {
                return Err(SearchError::InvalidOption {
                    option: "regions",
                    reason: "the list is empty; leave it unset to search every region".into(),
                });
            }
            if let Some(bad) = regions.iter().find(|r| !is_region_id(r)) {
                return Err(SearchError::InvalidOption {
                    option: "regions",
                    reason: format!("`{bad}` is not a region id (like cn-hangzhou)"),
                });
            }
        }
        Ok(())
    }
}

fn is_region_id(s: &str) -> bool {
    s.contains('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Why a search could not run at all. Failures of single regions are not
/// errors: they are listed in [`SearchResult::degraded`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// A search option has a value that cannot work.
    #[error("search option `{option}`: {reason}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A call every region depends on failed (listing regions or types).
    #[error("{action} failed, so no region can be searched: {reason}")]
    Global {
        /// The API action.
        action: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// Nothing is left to search (the requested region is not offered, or
    /// the allowed regions and the requirements exclude each other).
    #[error("no region to search: {0}")]
    NoRegion(String),
    /// The stop signal fired before the search finished; calls in flight
    /// were dropped.
    #[error("the search was cancelled")]
    Cancelled,
}

/// How much stock a zone reports for a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StockLevel {
    /// `WithStock`: available.
    WithStock,
    /// `ClosedWithStock`: still some, but the type is being phased out or
    /// running low; ranked after `WithStock` at equal price and fit.
    ClosedWithStock,
}

impl StockLevel {
    /// Reads `StatusCategory` (or, without one, `Status`). `None` when there
    /// is no stock.
    pub fn parse(status_category: Option<&str>, status: Option<&str>) -> Option<StockLevel> {
        match status_category {
            Some(c) if c.eq_ignore_ascii_case("WithStock") => Some(StockLevel::WithStock),
            Some(c) if c.eq_ignore_ascii_case("ClosedWithStock") => {
                Some(StockLevel::ClosedWithStock)
            }
            Some(_) => None,
            None => status
                .filter(|s| s.eq_ignore_ascii_case("Available"))
                .map(|_| StockLevel::WithStock),
        }
    }
}

impl fmt::Display for StockLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StockLevel::WithStock => "WithStock",
            StockLevel::ClosedWithStock => "ClosedWithStock",
        })
    }
}

/// One offer found, with what the ranking used.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundOffer {
    /// The offer.
    pub offer: Offer,
    /// Reported stock (FC offers, which have no stock API, say `WithStock`).
    pub stock: StockLevel,
    /// Memory of each GPU in GiB, when known.
    pub gpu_memory_gib: Option<f64>,
    /// How far the shape exceeds the requirements (0 is an exact fit;
    /// smaller is better).
    pub fit: f64,
}

/// A region left out of the result, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DegradedRegion {
    /// The region.
    pub region: String,
    /// What went wrong, naming the call.
    pub reason: String,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Offers ranked: cheapest first (in CNY at the configured rate), then
    /// best fit, then more stock, then region, zone and spec names.
    pub found: Vec<FoundOffer>,
    /// Regions that could not be searched (fully or partly), with reasons.
    pub degraded: Vec<DegradedRegion>,
    /// The regions searched, degraded ones included.
    pub regions: Vec<String>,
}

impl SearchResult {
    /// The ranked offers.
    pub fn offers(&self) -> Vec<Offer> {
        self.found.iter().map(|f| f.offer.clone()).collect()
    }

    /// The best offer.
    pub fn best(&self) -> Option<&Offer> {
        self.found.first().map(|f| &f.offer)
    }

    /// Whether `region` is degraded.
    pub fn is_degraded(&self, region: &str) -> bool {
        self.degraded.iter().any(|d| d.region == region)
    }
}

/// Searches offers with the generated clients.
#[derive(Debug, Clone)]
pub struct Searcher {
    config: Config,
    ecs: alibabacloud_ecs::Client,
    bss: alibabacloud_bss::Client,
    options: SearchOptions,
}

/// An instance type that fits the requirements.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    spec: String,
    vcpu: u32,
    memory_gib: f64,
    gpu: Option<(GpuModel, u32)>,
    gpu_memory_gib: Option<f64>,
}

impl Searcher {
    /// A searcher with the default options.
    pub fn new(config: &Config) -> Self {
        Self {
            config: config.clone(),
            ecs: alibabacloud_ecs::Client::new(config),
            bss: alibabacloud_bss::Client::new(config),
            options: SearchOptions::default(),
        }
    }

    /// A searcher with `options`, checked.
    pub fn with_options(config: &Config, options: SearchOptions) -> Result<Self, SearchError> {
        options.validate()?;
        Ok(Self {
            options,
            ..Self::new(config)
        })
    }

    /// The options.
    pub fn options(&self) -> &SearchOptions {
        &self.options
    }

    /// A gate holding the configured number of call permits.
    pub(crate) fn gate(&self) -> Semaphore {
        Semaphore::new(self.options.concurrency)
    }

    /// Runs one call under the concurrency bound and the per-call timeout.
    async fn call<T>(
        &self,
        gate: &Semaphore,
        what: &str,
        call: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, String> {
        // The semaphore is never closed, so acquiring only waits.
        let _permit = gate
            .acquire()
            .await
            .map_err(|_| format!("{what}: the search was shut down"))?;
        match tokio::time::timeout(self.options.call_timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(format!("{what} failed: {e}")),
            Err(_) => Err(format!(
                "{what} timed out after {} ms",
                self.options.call_timeout.as_millis()
            )),
        }
    }

    /// The regions to search: the allowed ones (or all listed), narrowed to
    /// the explicit region of the requirements.
    pub(crate) async fn regions(
        &self,
        req: &Requirements,
        gate: &Semaphore,
    ) -> Result<Vec<String>, SearchError> {
        let mut regions = match &self.options.regions {
            Some(allowed) => allowed.clone(),
            // Listed even with an explicit region, to check that it exists.
            None => {
                let out = self
                    .call(gate, "DescribeRegions", self.ecs.describe_regions().send())
                    .await
                    .map_err(|reason| SearchError::Global {
                        action: "DescribeRegions",
                        reason,
                    })?;
                out.regions()
                    .iter()
                    .filter_map(|r| r.region_id().map(str::to_owned))
                    .collect()
            }
        };
        let mut seen = BTreeSet::new();
        regions.retain(|r| seen.insert(r.clone()));
        if let Some(wanted) = req.region() {
            if !regions.iter().any(|r| r == wanted) {
                return Err(SearchError::NoRegion(format!(
                    "the requirements name {wanted}, which is not among the regions searched ({})",
                    regions.join(", ")
                )));
            }
            regions = vec![wanted.to_owned()];
        }
        if regions.is_empty() {
            return Err(SearchError::NoRegion("DescribeRegions listed none".into()));
        }
        Ok(regions)
    }

    /// The instance types that fit the requirements (one `DescribeInstanceTypes` walk).
    pub(crate) async fn candidates(
        &self,
        req: &Requirements,
        gate: &Semaphore,
    ) -> Result<Vec<Candidate>, SearchError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut b = self.ecs.describe_instance_types().max_results(1600);
            if let Some(v) = req.vcpu() {
                b = b.minimum_cpu_core_count(i32::try_from(v).unwrap_or(i32::MAX));
            }
            if let Some(m) = req.memory_gib() {
                b = b.minimum_memory_size(m);
            }
            match req.gpu() {
                Some(g) => b = b.minimum_gpu_amount(i32::try_from(g.count).unwrap_or(i32::MAX)),
                None => b = b.maximum_gpu_amount(0),
            }
            if let Some(t) = &token {
                b = b.next_token(t.clone());
            }
            let page = self
                .call(gate, "DescribeInstanceTypes", b.send())
                .await
                .map_err(|reason| SearchError::Global {
                    action: "DescribeInstanceTypes",
                    reason,
                })?;
            for t in page.instance_types() {
                let Some(spec) = t.instance_type_id() else {
                    continue;
                };
                let vcpu = t
                    .cpu_core_count()
                    .and_then(|c| u32::try_from(c).ok())
                    .unwrap_or(0);
                let memory = t.memory_size().unwrap_or(0.0);
                let gpu_count = t
                    .gpu_amount()
                    .and_then(|c| u32::try_from(c).ok())
                    .unwrap_or(0);
                let gpu_spec = t.gpu_spec().unwrap_or_default();
                let gpu_memory = t.gpu_memory_size().filter(|m| *m > 0.0);
                let arm = t
                    .cpu_architecture()
                    .is_some_and(|a| a.eq_ignore_ascii_case("ARM"));
                let gpu = (gpu_count > 0).then(|| (GpuModel::normalize(gpu_spec), gpu_count));
                let c = Candidate {
                    spec: spec.to_owned(),
                    vcpu,
                    memory_gib: memory,
                    gpu,
                    gpu_memory_gib: gpu_memory,
                };
                if (!arm || self.options.allow_arm) && fits(req, &self.options, &c) {
                    out.push(c);
                }
            }
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// ECS offers: instance types with stock, per zone, priced, ranked.
    pub async fn find_offers(&self, req: &Requirements) -> Result<SearchResult, SearchError> {
        let gate = Semaphore::new(self.options.concurrency);
        let (regions, candidates) =
            join(self.regions(req, &gate), self.candidates(req, &gate)).await;
        let (regions, candidates) = (regions?, candidates?);
        Ok(self.ecs_in(req, &gate, &regions, &candidates).await)
    }

    /// The ECS search once the regions and fitting types are known.
    pub(crate) async fn ecs_in(
        &self,
        req: &Requirements,
        gate: &Semaphore,
        regions: &[String],
        candidates: &[Candidate],
    ) -> SearchResult {
        let per_region = join_all(
            regions
                .iter()
                .map(|r| self.region_offers(req, r, candidates, gate)),
        )
        .await;
        self.collect(regions, per_region)
    }

    fn collect(
        &self,
        regions: &[String],
        per_region: Vec<(Vec<FoundOffer>, Vec<DegradedRegion>)>,
    ) -> SearchResult {
        let mut result = SearchResult {
            regions: regions.to_vec(),
            ..SearchResult::default()
        };
        for (found, degraded) in per_region {
            result.found.extend(found);
            result.degraded.extend(degraded);
        }
        rank(&mut result.found, &self.options.rate);
        result
    }

    /// [`find_offers`](Self::find_offers) until `stop` completes: then every
    /// call still in flight is dropped and [`SearchError::Cancelled`] returned.
    pub async fn find_offers_until(
        &self,
        req: &Requirements,
        stop: impl Future<Output = ()>,
    ) -> Result<SearchResult, SearchError> {
        let search = std::pin::pin!(self.find_offers(req));
        let stop = std::pin::pin!(stop);
        match select(search, stop).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _search)) => Err(SearchError::Cancelled),
        }
    }

    async fn region_offers(
        &self,
        req: &Requirements,
        region: &str,
        candidates: &[Candidate],
        gate: &Semaphore,
    ) -> (Vec<FoundOffer>, Vec<DegradedRegion>) {
        let degraded = |reason: String| {
            tracing::debug!(region, %reason, "region degraded");
            DegradedRegion {
                region: region.to_owned(),
                reason,
            }
        };
        if candidates.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let available = match self
            .call(
                gate,
                "DescribeAvailableResource",
                self.ecs
                    .describe_available_resource()
                    .region_id(region)
                    .destination_resource("InstanceType")
                    .instance_charge_type("PostPaid")
                    .send(),
            )
            .await
        {
            Ok(a) => a,
            Err(reason) => return (Vec::new(), vec![degraded(reason)]),
        };
        // (zone, type) -> stock, for the fitting types.
        let by_spec: BTreeMap<&str, &Candidate> =
            candidates.iter().map(|c| (c.spec.as_str(), c)).collect();
        let mut stocked: Vec<(String, &Candidate, StockLevel)> = Vec::new();
        for zone in available.available_zones() {
            let Some(zone_id) = zone.zone_id() else {
                continue;
            };
            for res in zone.available_resources() {
                if res.type_().is_some_and(|t| t != "InstanceType") {
                    continue;
                }
                for s in res.supported_resources() {
                    let Some(c) = s.value().and_then(|v| by_spec.get(v)) else {
                        continue;
                    };
                    if let Some(level) = StockLevel::parse(s.status_category(), s.status()) {
                        stocked.push((zone_id.to_owned(), c, level));
                    }
                }
            }
        }
        let specs: BTreeSet<&str> = stocked.iter().map(|(_, c, _)| c.spec.as_str()).collect();
        let prices = join_all(specs.iter().map(|spec| async move {
            let what = format!("DescribePrice of {spec}");
            let out = self
                .call(
                    gate,
                    &what,
                    self.ecs
                        .describe_price()
                        .region_id(region)
                        .resource_type("instance")
                        .instance_type(*spec)
                        .price_unit("Hour")
                        .send(),
                )
                .await?;
            let price = out
                .price_info()
                .and_then(|p| p.price())
                .ok_or_else(|| format!("{what} answered without a price"))?;
            let amount = price
                .trade_price()
                .or(price.original_price())
                .ok_or_else(|| format!("{what} answered without a trade price"))?;
            let currency = parse_currency(price.currency())
                .ok_or_else(|| format!("{what} answered in an unknown currency"))?;
            Ok::<_, String>((*spec, Money { amount, currency }))
        }))
        .await;
        let mut priced: BTreeMap<&str, Money> = BTreeMap::new();
        let mut problems = Vec::new();
        for p in prices {
            match p {
                Ok((spec, money)) => {
                    priced.insert(spec, money);
                }
                Err(reason) => problems.push(degraded(reason)),
            }
        }
        let found = stocked
            .into_iter()
            .filter_map(|(zone, c, stock)| {
                let price = *priced.get(c.spec.as_str())?;
                Some(FoundOffer {
                    offer: Offer {
                        product: Product::Ecs,
                        region: region.to_owned(),
                        zone: Some(zone),
                        spec: c.spec.clone(),
                        vcpu: c.vcpu,
                        memory_gib: c.memory_gib,
                        gpu: c.gpu.clone(),
                        hourly_price: price,
                        billing: Billing::PayAsYouGo,
                    },
                    stock,
                    gpu_memory_gib: c.gpu_memory_gib,
                    fit: fit_score(req, c),
                })
            })
            .collect();
        (found, problems)
    }

    /// PAI-DLC offers: per region, the `ListEcsSpecs` entries that fit and
    /// are available, priced with BSS `GetPayAsYouGoPrice` (the ECS
    /// pay-as-you-go price of the spec). DLC schedules the zone itself, so
    /// the offers carry none.
    ///
    /// `ListEcsSpecs` is a ROA call whose region is the client's, so each
    /// region gets a client built from the configuration with that region.
    pub async fn find_dlc_offers(&self, req: &Requirements) -> Result<SearchResult, SearchError> {
        let gate = Semaphore::new(self.options.concurrency);
        let regions = self.regions(req, &gate).await?;
        Ok(self.dlc_in(req, &gate, &regions).await)
    }

    /// The DLC search once the regions are known.
    pub(crate) async fn dlc_in(
        &self,
        req: &Requirements,
        gate: &Semaphore,
        regions: &[String],
    ) -> SearchResult {
        let per_region = join_all(regions.iter().map(|r| self.dlc_region(req, r, gate))).await;
        self.collect(regions, per_region)
    }

    async fn dlc_region(
        &self,
        req: &Requirements,
        region: &str,
        gate: &Semaphore,
    ) -> (Vec<FoundOffer>, Vec<DegradedRegion>) {
        let degraded = |reason: String| DegradedRegion {
            region: region.to_owned(),
            reason,
        };
        let config = match self.config.to_builder().region(region).build() {
            Ok(c) => c,
            Err(e) => {
                return (
                    Vec::new(),
                    vec![degraded(format!("no client for the region: {e}"))],
                );
            }
        };
        let dlc = alibabacloud_pai_dlc::Client::new(&config);
        let accelerator = if req.gpu().is_some() { "GPU" } else { "CPU" };
        let mut specs = Vec::new();
        let mut page = 1;
        loop {
            let out = match self
                .call(
                    gate,
                    "ListEcsSpecs",
                    dlc.list_ecs_specs()
                        .accelerator_type(accelerator)
                        .resource_type("ECS")
                        .page_number(page)
                        .page_size(100)
                        .send(),
                )
                .await
            {
                Ok(o) => o,
                Err(reason) => return (Vec::new(), vec![degraded(reason)]),
            };
            let n = out.ecs_specs().len();
            specs.extend(out.ecs_specs().iter().cloned());
            let total = out
                .total_count()
                .and_then(|t| usize::try_from(t).ok())
                .unwrap_or(0);
            if n == 0 || specs.len() >= total || page >= 50 {
                break;
            }
            page += 1;
        }
        let candidates: Vec<Candidate> = specs
            .iter()
            .filter(|s| s.is_available().unwrap_or(false))
            .filter_map(|s| {
                let gpu_count = s.gpu().and_then(|g| u32::try_from(g).ok()).unwrap_or(0);
                let c = Candidate {
                    spec: s.instance_type()?.to_owned(),
                    vcpu: s.cpu().and_then(|c| u32::try_from(c).ok()).unwrap_or(0),
                    memory_gib: f64::from(s.memory().unwrap_or(0)),
                    gpu: (gpu_count > 0).then(|| {
                        (
                            GpuModel::normalize(s.gpu_type().unwrap_or_default()),
                            gpu_count,
                        )
                    }),
                    gpu_memory_gib: s.gpu_memory().filter(|m| *m > 0).map(f64::from),
                };
                fits(req, &self.options, &c).then_some(c)
            })
            .collect();
        let priced = join_all(candidates.iter().map(|c| async move {
            let what = format!("GetPayAsYouGoPrice of {}", c.spec);
            let out = self
                .call(
                    gate,
                    &what,
                    self.bss
                        .get_pay_as_you_go_price()
                        .product_code("ecs")
                        .subscription_type("PayAsYouGo")
                        .region(region)
                        .add_module_list(
                            GetPayAsYouGoPriceModuleList::default()
                                .with_module_code("InstanceType")
                                .with_config(format!("InstanceType:{}", c.spec))
                                .with_price_type("Hour"),
                        )
                        .send(),
                )
                .await?;
            let data = out
                .data()
                .ok_or_else(|| format!("{what} answered without data"))?;
            let amount = data
                .module_details()
                .iter()
                .find(|m| m.module_code() == Some("InstanceType"))
                .and_then(|m| m.unit_price().or(m.cost_after_discount()))
                .ok_or_else(|| format!("{what} answered without an instance price"))?;
            let currency = parse_currency(data.currency())
                .ok_or_else(|| format!("{what} answered in an unknown currency"))?;
            Ok::<_, String>((c, Money { amount, currency }))
        }))
        .await;
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for p in priced {
            match p {
                Ok((c, price)) => found.push(FoundOffer {
                    offer: Offer {
                        product: Product::PaiDlc,
                        region: region.to_owned(),
                        zone: None,
                        spec: c.spec.clone(),
                        vcpu: c.vcpu,
                        memory_gib: c.memory_gib,
                        gpu: c.gpu.clone(),
                        hourly_price: price,
                        billing: Billing::PayAsYouGo,
                    },
                    stock: StockLevel::WithStock,
                    gpu_memory_gib: c.gpu_memory_gib,
                    fit: fit_score(req, c),
                }),
                Err(reason) => problems.push(degraded(reason)),
            }
        }
        (found, problems)
    }

    /// FC offers for the regions this searcher covers (see [`fc_offers`]).
    /// Lists the regions with `DescribeRegions` when none were given.
    pub async fn find_fc_offers(&self, req: &Requirements) -> Result<FcOffers, SearchError> {
        let gate = Semaphore::new(self.options.concurrency);
        let regions = self.regions(req, &gate).await?;
        Ok(fc_offers(req, &regions, &self.options.rate))
    }

    /// ACK offers: one ECS search, each offer turned into a worker node of
    /// a managed cluster (see [`ack_offers`]).
    pub async fn find_ack_offers(&self, req: &Requirements) -> Result<SearchResult, SearchError> {
        let ecs = self.find_offers(req).await?;
        Ok(ack_offers(&ecs, &self.options.rate))
    }
}

fn parse_currency(code: Option<&str>) -> Option<Currency> {
    match code {
        None => Some(Currency::Cny),
        Some(c) => c.parse().ok(),
    }
}

/// Whether a shape meets the requirements (GPU model aliases included).
fn fits(req: &Requirements, options: &SearchOptions, c: &Candidate) -> bool {
    if req.vcpu().is_some_and(|v| c.vcpu < v) {
        return false;
    }
    if req.memory_gib().is_some_and(|m| c.memory_gib + 1e-9 < m) {
        return false;
    }
    match (req.gpu(), &c.gpu) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some(want), Some((model, count))) => {
            let model_ok = match &want.model {
                Some(m) => m == model,
                // Any GPU: the known NVIDIA models, not PPU/XPU accelerators
                // that CUDA code cannot use.
                None => !matches!(model, GpuModel::Other(_)),
            };
            let memory_ok = options
                .min_gpu_memory_gib
                .is_none_or(|min| c.gpu_memory_gib.is_some_and(|g| g + 1e-9 >= min));
            model_ok && *count >= want.count && memory_ok
        }
    }
}

/// How far a shape exceeds the requirements: the relative excess of vCPU,
/// memory and GPUs, summed (GPUs weigh more, since they cost most).
fn fit_score(req: &Requirements, c: &Candidate) -> f64 {
    let excess = |have: f64, want: Option<f64>| match want {
        Some(w) if w > 0.0 => ((have - w) / w).max(0.0),
        // Nothing asked: smaller is still better, gently.
        _ => have / 1024.0,
    };
    let gpu = match (req.gpu(), &c.gpu) {
        (Some(w), Some((_, n))) => 4.0 * excess(f64::from(*n), Some(f64::from(w.count))),
        _ => 0.0,
    };
    excess(f64::from(c.vcpu), req.vcpu().map(f64::from))
        + excess(c.memory_gib, req.memory_gib())
        + gpu
}

/// Sorts offers: price (in CNY), fit, stock, region, zone, spec.
fn rank(found: &mut [FoundOffer], rate: &ExchangeRate) {
    let cny = |f: &FoundOffer| f.offer.hourly_price.to(Currency::Cny, rate).amount;
    found.sort_by(|a, b| {
        cny(a)
            .total_cmp(&cny(b))
            .then(a.fit.total_cmp(&b.fit))
            .then(a.stock.cmp(&b.stock))
            .then_with(|| a.offer.region.cmp(&b.offer.region))
            .then_with(|| a.offer.zone.cmp(&b.offer.zone))
            .then_with(|| a.offer.spec.cmp(&b.offer.spec))
    });
}

// ---------------------------------------------------------------------------
// Function Compute
// ---------------------------------------------------------------------------

/// One FC GPU instance type in [`FC_PRICING`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FcGpuShape {
    /// The GPU model.
    pub model: &'static str,
    /// FC's name for the instance type (`gpuConfig.gpuType`).
    pub gpu_type: &'static str,
    /// Memory of the card, in GiB: FC bills the whole card here.
    pub gpu_memory_gib: f64,
    /// vCPUs used when the requirements name none.
    pub default_vcpu: f64,
    /// Memory used when the requirements name none, in GiB.
    pub default_memory_gib: f64,
    /// Most vCPUs a function of this type may have.
    pub max_vcpu: f64,
    /// Most memory a function of this type may have, in GiB.
    pub max_memory_gib: f64,
}

/// The FC price and shape rules used by [`fc_offers`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FcPricing {
    /// CNY per vCPU-second.
    pub cny_per_vcpu_second: f64,
    /// CNY per GiB-second of memory.
    pub cny_per_gib_second: f64,
    /// CNY per GiB-second of GPU memory.
    pub cny_per_gpu_gib_second: f64,
    /// Most vCPUs of a CPU function.
    pub cpu_max_vcpu: f64,
    /// Most memory of a CPU function, GiB.
    pub cpu_max_memory_gib: f64,
    /// GPU instance types; FC gives a function at most one card.
    pub gpu: &'static [FcGpuShape],
    /// Regions where FC offers GPU functions.
    pub gpu_regions: &'static [&'static str],
}

/// The rule for FC offers, as one table.
///
/// FC bills pay-as-you-go by resource-seconds while an instance runs:
/// `hourly = 3600 * (vCPU * cny_per_vcpu_second + memory_GiB *
/// cny_per_gib_second + gpu_memory_GiB * cny_per_gpu_gib_second)`. A GPU
/// function gets one whole card of its type (its full memory is billed);
/// the vCPU and memory are what the requirements ask for (or the type's
/// defaults) and must be within the type's limits. A CPU function is
/// limited to `cpu_max_vcpu` / `cpu_max_memory_gib`, and its memory is
/// raised to at least 1 GiB per vCPU (the minimum ratio FC accepts).
///
/// These are reference numbers for estimates, not a live price list: FC has
/// no price inquiry API, so check them against the current FC price page
/// before relying on them. FC has no stock API either; its offers are
/// reported `WithStock`.
pub const FC_PRICING: FcPricing = FcPricing {
    cny_per_vcpu_second: 0.000_09,
    cny_per_gib_second: 0.000_009,
    cny_per_gpu_gib_second: 0.000_11,
    cpu_max_vcpu: 16.0,
    cpu_max_memory_gib: 32.0,
    gpu: &[
        FcGpuShape {
            model: "T4",
            gpu_type: "fc.gpu.tesla.1",
            gpu_memory_gib: 16.0,
            default_vcpu: 4.0,
            default_memory_gib: 16.0,
            max_vcpu: 8.0,
            max_memory_gib: 32.0,
        },
        FcGpuShape {
            model: "A10",
            gpu_type: "fc.gpu.ampere.1",
            gpu_memory_gib: 24.0,
            default_vcpu: 8.0,
            default_memory_gib: 32.0,
            max_vcpu: 16.0,
            max_memory_gib: 64.0,
        },
        FcGpuShape {
            model: "L20",
            gpu_type: "fc.gpu.ada.1",
            gpu_memory_gib: 48.0,
            default_vcpu: 8.0,
            default_memory_gib: 64.0,
            max_vcpu: 16.0,
            max_memory_gib: 120.0,
        },
    ],
    gpu_regions: &[
        "cn-hangzhou",
        "cn-shanghai",
        "cn-beijing",
        "cn-shenzhen",
        "ap-northeast-1",
        "ap-southeast-1",
        "us-east-1",
        "us-west-1",
    ],
};

/// FC offers, and why there are none when that is the case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FcOffers {
    /// Offers, ranked like the other searches.
    pub found: Vec<FoundOffer>,
    /// Why FC cannot run the task, when `found` is empty.
    pub unfit: Option<String>,
}

/// FC offers for `regions` under [`FC_PRICING`] (no API call: FC has no
/// price or stock inquiry).
pub fn fc_offers(req: &Requirements, regions: &[String], rate: &ExchangeRate) -> FcOffers {
    let p = &FC_PRICING;
    let unfit = |why: String| FcOffers {
        found: Vec::new(),
        unfit: Some(why),
    };
    let vcpu_req = req.vcpu().map(f64::from);
    let mem_req = req.memory_gib();
    let (shape, vcpu, memory, gpu, gpu_mem, spec, allowed): (
        _,
        f64,
        f64,
        _,
        _,
        String,
        Vec<&String>,
    ) = match req.gpu() {
        Some(g) => {
            if g.count > 1 {
                return unfit(format!(
                    "FC gives a function one GPU, and {} are needed",
                    g.count
                ));
            }
            let shape = match &g.model {
                Some(m) => p.gpu.iter().find(|s| m.matches(s.model)),
                None => p.gpu.first(),
            };
            let Some(shape) = shape else {
                let models: Vec<&str> = p.gpu.iter().map(|s| s.model).collect();
                return unfit(format!(
                    "FC has no {} GPU (it offers {})",
                    g.model.as_ref().map_or("such", GpuModel::name),
                    models.join(", ")
                ));
            };
            let vcpu = vcpu_req.unwrap_or(shape.default_vcpu);
            let memory = mem_req.unwrap_or(shape.default_memory_gib).max(vcpu);
            if vcpu > shape.max_vcpu || memory > shape.max_memory_gib {
                return unfit(format!(
                    "an FC {} function has at most {} vCPU and {} GiB",
                    shape.model, shape.max_vcpu, shape.max_memory_gib
                ));
            }
            let allowed = regions
                .iter()
                .filter(|r| p.gpu_regions.contains(&r.as_str()))
                .collect();
            (
                Some(shape),
                vcpu,
                memory,
                Some((GpuModel::normalize(shape.model), 1)),
                shape.gpu_memory_gib,
                shape.gpu_type.to_owned(),
                allowed,
            )
        }
        None => {
            let vcpu = vcpu_req.unwrap_or(1.0);
            let memory = mem_req.unwrap_or(2.0 * vcpu).max(vcpu);
            if vcpu > p.cpu_max_vcpu || memory > p.cpu_max_memory_gib {
                return unfit(format!(
                    "an FC function has at most {} vCPU and {} GiB",
                    p.cpu_max_vcpu, p.cpu_max_memory_gib
                ));
            }
            (
                None,
                vcpu,
                memory,
                None,
                0.0,
                "fc.cpu".to_owned(),
                regions.iter().collect(),
            )
        }
    };
    if allowed.is_empty() {
        return unfit(format!(
            "FC offers GPU functions only in {}, none of which is searched",
            p.gpu_regions.join(", ")
        ));
    }
    let hourly = 3600.0
        * (vcpu * p.cny_per_vcpu_second
            + memory * p.cny_per_gib_second
            + gpu_mem * p.cny_per_gpu_gib_second);
    let spec = format!("{spec} ({vcpu} vCPU, {memory} GiB)");
    let fit = {
        let ex = |have: f64, want: Option<f64>| want.map_or(0.0, |w| ((have - w) / w).max(0.0));
        ex(vcpu, vcpu_req) + ex(memory, mem_req)
    };
    let mut found: Vec<FoundOffer> = allowed
        .into_iter()
        .map(|region| FoundOffer {
            offer: Offer {
                product: Product::Fc,
                region: region.clone(),
                zone: None,
                spec: spec.clone(),
                // FC takes fractional vCPUs; the offer shows whole ones.
                vcpu: vcpu.ceil() as u32,
                memory_gib: memory,
                gpu: gpu.clone(),
                hourly_price: Money::cny((hourly * 10_000.0).round() / 10_000.0),
                billing: Billing::PayAsYouGo,
            },
            stock: StockLevel::WithStock,
            gpu_memory_gib: shape.map(|s| s.gpu_memory_gib),
            fit,
        })
        .collect();
    rank(&mut found, rate);
    FcOffers { found, unfit: None }
}

// ---------------------------------------------------------------------------
// ACK
// ---------------------------------------------------------------------------

/// Hourly fee of a managed ACK cluster (Pro edition), CNY. A reference
/// number for estimates: check the ACK price page before relying on it.
pub const ACK_CLUSTER_FEE_CNY_PER_HOUR: f64 = 0.64;

/// ACK offers from ECS offers: one worker node of that type plus the
/// managed cluster fee ([`ACK_CLUSTER_FEE_CNY_PER_HOUR`], converted to the
/// node price's currency). Degraded regions carry over.
pub fn ack_offers(ecs: &SearchResult, rate: &ExchangeRate) -> SearchResult {
    let fee = Money::cny(ACK_CLUSTER_FEE_CNY_PER_HOUR);
    let mut found: Vec<FoundOffer> = ecs
        .found
        .iter()
        .map(|f| {
            let node = f.offer.hourly_price;
            let fee = fee.to(node.currency, rate);
            let mut offer = f.offer.clone();
            offer.product = Product::Ack;
            offer.hourly_price = Money {
                amount: node.amount + fee.amount,
                currency: node.currency,
            };
            FoundOffer { offer, ..f.clone() }
        })
        .collect();
    rank(&mut found, rate);
    SearchResult {
        found,
        degraded: ecs.degraded.clone(),
        regions: ecs.regions.clone(),
    }
}

// ---------------------------------------------------------------------------
// Fallback
// ---------------------------------------------------------------------------

/// What kind of step a fallback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FallbackKind {
    /// The same type in another zone of the same region.
    NextZone,
    /// The same type in another region.
    NextRegion,
    /// Another type of the same product, no larger than the failed one.
    SmallerType,
}

impl fmt::Display for FallbackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FallbackKind::NextZone => "next zone",
            FallbackKind::NextRegion => "next region",
            FallbackKind::SmallerType => "next smaller type",
        })
    }
}

/// One offer to try after an out-of-stock failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    /// The offer to try. Its price may differ from the failed one: quote it
    /// again before creating.
    pub offer: Offer,
    /// Why it comes next.
    pub kind: FallbackKind,
}

/// The order to try offers in after `failed` found no stock: the same type
/// in the other zones of its region, then the same type in other regions,
/// then other types of the same product that are no larger (GPU count,
/// vCPU and memory all at most the failed type's), largest first. Within a
/// step, the ranking of the input is kept. Never another product; larger
/// types are not offered, since they cost more than what was quoted.
///
/// A pure iterator: call `next()` after each out-of-stock failure.
///
/// ```
/// use alibabacloud_provision::search::{FallbackKind, FallbackPlan};
/// use alibabacloud_provision::{Billing, Money, Offer, Product};
///
/// let offer = |region: &str, zone: &str, spec: &str, vcpu: u32| Offer {
///     product: Product::Ecs,
///     region: region.into(),
///     zone: Some(zone.into()),
///     spec: spec.into(),
///     vcpu,
///     memory_gib: f64::from(vcpu) * 4.0,
///     gpu: None,
///     hourly_price: Money::cny(1.0),
///     billing: Billing::PayAsYouGo,
/// };
/// let ranked = vec![
///     offer("cn-hangzhou", "cn-hangzhou-h", "ecs.g7.xlarge", 4),
///     offer("cn-shanghai", "cn-shanghai-e", "ecs.g7.xlarge", 4),
///     offer("cn-hangzhou", "cn-hangzhou-i", "ecs.g7.xlarge", 4),
/// ];
/// let mut plan = FallbackPlan::new(&ranked, &ranked[0]);
/// assert_eq!(plan.next().unwrap().kind, FallbackKind::NextZone);
/// assert_eq!(plan.next().unwrap().kind, FallbackKind::NextRegion);
/// assert!(plan.next().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct FallbackPlan {
    steps: std::vec::IntoIter<Fallback>,
}

fn size_of(o: &Offer) -> (u32, u32, f64) {
    (o.gpu.as_ref().map_or(0, |g| g.1), o.vcpu, o.memory_gib)
}

impl FallbackPlan {
    /// The plan after `failed` (one of `ranked`, or not) ran out of stock.
    pub fn new(ranked: &[Offer], failed: &Offer) -> Self {
        let same_product = |o: &&Offer| o.product == failed.product;
        let not_failed = |o: &&Offer| {
            !(o.spec == failed.spec && o.region == failed.region && o.zone == failed.zone)
        };
        let mut steps: Vec<Fallback> = Vec::new();
        let mut push = |o: &Offer, kind| {
            steps.push(Fallback {
                offer: o.clone(),
                kind,
            })
        };
        for o in ranked.iter().filter(same_product).filter(not_failed) {
            if o.spec == failed.spec && o.region == failed.region && o.zone.is_some() {
                push(o, FallbackKind::NextZone);
            }
        }
        for o in ranked.iter().filter(same_product).filter(not_failed) {
            if o.spec == failed.spec && o.region != failed.region {
                push(o, FallbackKind::NextRegion);
            }
        }
        let (fg, fv, fm) = size_of(failed);
        let mut smaller: Vec<(usize, &Offer)> = ranked
            .iter()
            .enumerate()
            .filter(|(_, o)| same_product(o) && o.spec != failed.spec)
            .filter(|(_, o)| {
                let (g, v, m) = size_of(o);
                g <= fg
                    && v <= fv
                    && m <= fm + 1e-9
                    && o.gpu.as_ref().map(|g| &g.0) == failed.gpu.as_ref().map(|g| &g.0)
            })
            .collect();
        smaller.sort_by(|(ia, a), (ib, b)| {
            let (ga, va, ma) = size_of(a);
            let (gb, vb, mb) = size_of(b);
            gb.cmp(&ga)
                .then(vb.cmp(&va))
                .then(mb.partial_cmp(&ma).unwrap_or(Ordering::Equal))
                .then(a.spec.cmp(&b.spec))
                .then(ia.cmp(ib))
        });
        for (_, o) in smaller {
            push(o, FallbackKind::SmallerType);
        }
        Self {
            steps: steps.into_iter(),
        }
    }
}

impl Iterator for FallbackPlan {
    type Item = Fallback;

    fn next(&mut self) -> Option<Fallback> {
        self.steps.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(
        product: Product,
        region: &str,
        zone: Option<&str>,
        spec: &str,
        gpus: u32,
        vcpu: u32,
        price: f64,
    ) -> Offer {
        Offer {
            product,
            region: region.into(),
            zone: zone.map(Into::into),
            spec: spec.into(),
            vcpu,
            memory_gib: f64::from(vcpu) * 4.0,
            gpu: (gpus > 0).then_some((GpuModel::A10, gpus)),
            hourly_price: Money::cny(price),
            billing: Billing::PayAsYouGo,
        }
    }

    #[test]
    fn p4_fallback_zone_then_region_then_smaller_type_never_another_product() {
        let e = Product::Ecs;
        let ranked = vec![
            offer(
                e,
                "cn-wulanchabu",
                Some("cn-wulanchabu-a"),
                "g1.c8",
                1,
                8,
                10.0,
            ),
            offer(
                e,
                "cn-wulanchabu",
                Some("cn-wulanchabu-a"),
                "g1.c16",
                1,
                16,
                11.0,
            ),
            offer(Product::PaiDlc, "cn-hangzhou", None, "g1.c16", 1, 16, 11.5),
            offer(
                e,
                "cn-hangzhou",
                Some("cn-hangzhou-h"),
                "g1.c16",
                1,
                16,
                12.0,
            ),
            offer(
                e,
                "cn-hangzhou",
                Some("cn-hangzhou-i"),
                "g1.c16",
                1,
                16,
                12.0,
            ),
            offer(e, "cn-hangzhou", Some("cn-hangzhou-i"), "g1.c4", 1, 4, 12.5),
            offer(
                e,
                "cn-hangzhou",
                Some("cn-hangzhou-i"),
                "g2.c32",
                2,
                32,
                20.0,
            ),
            offer(
                e,
                "cn-wulanchabu",
                Some("cn-wulanchabu-b"),
                "g1.c16",
                1,
                16,
                11.0,
            ),
        ];
        let failed = ranked[4].clone(); // g1.c16 in cn-hangzhou-i
        let plan: Vec<(FallbackKind, String, Option<String>)> = FallbackPlan::new(&ranked, &failed)
            .map(|f| (f.kind, f.offer.spec, f.offer.zone))
            .collect();
        let z = |s: &str| Some(s.to_owned());
        assert_eq!(
            plan,
            vec![
                (FallbackKind::NextZone, "g1.c16".into(), z("cn-hangzhou-h")),
                (
                    FallbackKind::NextRegion,
                    "g1.c16".into(),
                    z("cn-wulanchabu-a")
                ),
                (
                    FallbackKind::NextRegion,
                    "g1.c16".into(),
                    z("cn-wulanchabu-b")
                ),
                (
                    FallbackKind::SmallerType,
                    "g1.c8".into(),
                    z("cn-wulanchabu-a")
                ),
                (
                    FallbackKind::SmallerType,
                    "g1.c4".into(),
                    z("cn-hangzhou-i")
                ),
            ]
        );
    }

    #[test]
    fn p4_fallback_without_zones_goes_to_other_regions() {
        let p = Product::PaiDlc;
        let ranked = vec![
            offer(p, "cn-hangzhou", None, "g1.c8", 1, 8, 10.0),
            offer(p, "cn-shanghai", None, "g1.c8", 1, 8, 10.0),
            offer(
                Product::Ecs,
                "cn-beijing",
                Some("cn-beijing-g"),
                "g1.c8",
                1,
                8,
                9.0,
            ),
        ];
        let plan: Vec<Fallback> = FallbackPlan::new(&ranked, &ranked[0]).collect();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].kind, FallbackKind::NextRegion);
        assert_eq!(plan[0].offer.region, "cn-shanghai");
        // A failed offer that was not in the list still gets a plan.
        let other = offer(p, "cn-beijing", None, "g1.c8", 1, 8, 10.0);
        assert_eq!(FallbackPlan::new(&ranked, &other).count(), 2);
        assert_eq!(FallbackPlan::new(&[], &other).count(), 0);
    }

    #[test]
    fn p4_stock_levels_parse() {
        assert_eq!(
            StockLevel::parse(Some("WithStock"), None),
            Some(StockLevel::WithStock)
        );
        assert_eq!(
            StockLevel::parse(Some("ClosedWithStock"), Some("Available")),
            Some(StockLevel::ClosedWithStock)
        );
        assert_eq!(
            StockLevel::parse(Some("WithoutStock"), Some("SoldOut")),
            None
        );
        assert_eq!(StockLevel::parse(Some("ClosedWithoutStock"), None), None);
        assert_eq!(
            StockLevel::parse(None, Some("Available")),
            Some(StockLevel::WithStock)
        );
        assert_eq!(StockLevel::parse(None, Some("SoldOut")), None);
    }

    #[test]
    fn p2_fc_rule_prices_from_the_table() {
        let rate = ExchangeRate::default();
        let regions: Vec<String> = ["cn-hangzhou", "cn-wulanchabu"].map(String::from).to_vec();
        let req: Requirements = "8 vCPU 32 GiB 1x NVIDIA_A10".parse().unwrap();
        let fc = fc_offers(&req, &regions, &rate);
        assert!(fc.unfit.is_none());
        // Only cn-hangzhou offers FC GPU functions.
        assert_eq!(fc.found.len(), 1);
        let o = &fc.found[0].offer;
        assert_eq!(o.region, "cn-hangzhou");
        assert!(o.spec.starts_with("fc.gpu.ampere.1"));
        let expected = 3600.0 * (8.0 * 0.000_09 + 32.0 * 0.000_009 + 24.0 * 0.000_11);
        assert!(
            (o.hourly_price.amount - expected).abs() < 1e-3,
            "{}",
            o.hourly_price
        );

        let two: Requirements = "2x A10".parse().unwrap();
        assert!(
            fc_offers(&two, &regions, &rate)
                .unfit
                .unwrap()
                .contains("one GPU")
        );
        let v100: Requirements = "1x V100".parse().unwrap();
        assert!(
            fc_offers(&v100, &regions, &rate)
                .unfit
                .unwrap()
                .contains("no V100")
        );
        let big: Requirements = "64 vCPU".parse().unwrap();
        assert!(
            fc_offers(&big, &regions, &rate)
                .unfit
                .unwrap()
                .contains("at most")
        );
        let cpu: Requirements = "2 vCPU 4 GiB".parse().unwrap();
        let fc = fc_offers(&cpu, &regions, &rate);
        assert_eq!(fc.found.len(), 2);
        let expected = 3600.0 * (2.0 * 0.000_09 + 4.0 * 0.000_009);
        assert!((fc.found[0].offer.hourly_price.amount - expected).abs() < 1e-3);
    }

    #[test]
    fn p2_ack_adds_the_cluster_fee() {
        let rate = ExchangeRate::default();
        let ecs = SearchResult {
            found: vec![FoundOffer {
                offer: offer(
                    Product::Ecs,
                    "cn-hangzhou",
                    Some("cn-hangzhou-h"),
                    "g1.c8",
                    0,
                    8,
                    2.0,
                ),
                stock: StockLevel::WithStock,
                gpu_memory_gib: None,
                fit: 0.0,
            }],
            degraded: vec![DegradedRegion {
                region: "cn-beijing".into(),
                reason: "x".into(),
            }],
            regions: vec!["cn-hangzhou".into(), "cn-beijing".into()],
        };
        let ack = ack_offers(&ecs, &rate);
        assert_eq!(ack.found[0].offer.product, Product::Ack);
        assert!((ack.found[0].offer.hourly_price.amount - 2.64).abs() < 1e-9);
        assert_eq!(ack.degraded.len(), 1);
    }

    #[test]
    fn p4_bad_options_are_refused() {
        assert!(SearchOptions::default().concurrency(0).validate().is_err());
        assert!(
            SearchOptions::default()
                .call_timeout(Duration::ZERO)
                .validate()
                .is_err()
        );
        let e = SearchOptions::default()
            .regions(["Hangzhou"])
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("`Hangzhou`"), "{e}");
        assert!(
            SearchOptions::default()
                .regions(Vec::<String>::new())
                .validate()
                .is_err()
        );
        assert!(
            SearchOptions::default()
                .min_gpu_memory_gib(-1.0)
                .validate()
                .is_err()
        );
        assert!(
            SearchOptions::default()
                .regions(["cn-hangzhou"])
                .validate()
                .is_ok()
        );
    }
}
