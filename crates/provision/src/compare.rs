//! Product comparison (P2): when the decision tree leaves two or more
//! products, each is evaluated with real API calls (types, stock, price),
//! concurrently, and a [`Comparison`] says which to use and why. A product
//! the caller named is locked: only it is evaluated, and it is never
//! swapped for another, even when it has no offer.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use alibabacloud_provision::search::Searcher;
//! use alibabacloud_provision::Requirements;
//!
//! let config = alibabacloud_core::Config::load_default().await?;
//! let req: Requirements = "training 1x A10 budget 100 CNY for 3h".parse()?;
//! let comparison = Searcher::new(&config).compare(&req).await?;
//! println!("{comparison}");
//! if let Some(product) = comparison.recommendation {
//!     println!("use {product}");
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use futures::future::join;

use crate::money::{Currency, Money};
use crate::product::{self, Product};
use crate::quote::Offer;
use crate::requirements::Requirements;
use crate::search::{DegradedRegion, FoundOffer, SearchError, Searcher, ack_offers, fc_offers};

/// How much there is to set up and look after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Complexity {
    /// One resource, created and removed in one call each.
    Low,
    /// A few resources that depend on each other.
    Medium,
    /// A cluster and its infrastructure.
    High,
}

impl fmt::Display for Complexity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Complexity::Low => "low",
            Complexity::Medium => "medium",
            Complexity::High => "high",
        })
    }
}

/// Fixed facts per product used for estimates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProductProfile {
    /// The product.
    pub product: Product,
    /// Time from "create" until the script runs (network, boot, cluster,
    /// queue, image pull), a typical value.
    pub setup: Duration,
    /// Whether the setup time is billed at the offer's hourly price.
    pub setup_billed: bool,
    /// Longest run the product allows, if limited.
    pub max_run: Option<Duration>,
    /// Complexity.
    pub complexity: Complexity,
    /// What has to be set up, in words.
    pub setup_steps: &'static str,
    /// What cleanup involves, in words.
    pub cleanup: &'static str,
}

/// The estimates used by [`Searcher::compare`], one row per product
/// (typical values, not measurements).
pub const PROFILES: [ProductProfile; 4] = [
    ProductProfile {
        product: Product::Ecs,
        setup: Duration::from_secs(3 * 60),
        setup_billed: true,
        max_run: None,
        complexity: Complexity::Medium,
        setup_steps: "VPC and vSwitch (reused when present), a security group, the instance, then Cloud Assistant runs the script",
        cleanup: "release the instance and the security group; the VPC and vSwitch only if this run created them",
    },
    ProductProfile {
        product: Product::Fc,
        setup: Duration::from_secs(60),
        setup_billed: false,
        max_run: Some(Duration::from_secs(24 * 3600)),
        complexity: Complexity::Low,
        setup_steps: "one function (code package or container image), then one invocation",
        cleanup: "delete the function; nothing is billed between invocations",
    },
    ProductProfile {
        product: Product::Ack,
        setup: Duration::from_secs(15 * 60),
        setup_billed: true,
        max_run: None,
        complexity: Complexity::High,
        setup_steps: "a managed cluster with a node pool, a kubeconfig, then a Kubernetes Job",
        cleanup: "delete the Job, then the cluster with its nodes, load balancers and NAT gateway",
    },
    ProductProfile {
        product: Product::PaiDlc,
        setup: Duration::from_secs(5 * 60),
        setup_billed: false,
        max_run: None,
        complexity: Complexity::Low,
        setup_steps: "one training job in a workspace with an official image; DLC schedules the nodes",
        cleanup: "none once the job ends; stop it if it is still running",
    },
];

/// The profile of `product`.
pub fn profile(product: Product) -> &'static ProductProfile {
    PROFILES
        .iter()
        .find(|p| p.product == product)
        .expect("every product has a profile")
}

/// Why FC is not a candidate for GPU tasks in this workflow.
pub const FC_GPU_UNSUPPORTED: &str = "GPU functions need a custom container image; the script \
     workflow runs scripts on CPU functions only";

/// Run time assumed when the requirements give none.
pub const ASSUMED_RUN: Duration = Duration::from_secs(3600);

/// One evaluated product.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateReport {
    /// The product.
    pub product: Product,
    /// Its offers, ranked; the first is the chosen spec, region and zone.
    pub offers: Vec<FoundOffer>,
    /// Estimated total for the run (setup included where it is billed).
    pub estimated_total: Option<Money>,
    /// Estimated time from create to finished run.
    pub end_to_end: Duration,
    /// Complexity.
    pub complexity: Complexity,
    /// What cleanup involves.
    pub cleanup: &'static str,
    /// Whether the estimate fits the budget (`None` without a budget or offer).
    pub within_budget: Option<bool>,
    /// Why the product cannot run the task, when it has no offer.
    pub unavailable: Option<String>,
    /// Regions that could not be searched for this product.
    pub degraded: Vec<DegradedRegion>,
}

impl CandidateReport {
    /// The chosen offer.
    pub fn best(&self) -> Option<&Offer> {
        self.offers.first().map(|f| &f.offer)
    }

    /// The hourly price of the chosen offer.
    pub fn unit_price(&self) -> Option<Money> {
        self.best().map(|o| o.hourly_price)
    }
}

/// The outcome of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Whether the product was named by the caller (only it was evaluated).
    pub locked: bool,
    /// The run time the estimates use.
    pub run_time: Duration,
    /// Whether `run_time` was assumed ([`ASSUMED_RUN`]) rather than given.
    pub run_time_assumed: bool,
    /// The evaluated products, in decision-tree order.
    pub candidates: Vec<CandidateReport>,
    /// The product to use, if any can run the task.
    pub recommendation: Option<Product>,
    /// Why, in words: the decision tree, each candidate, the choice.
    pub reasons: Vec<String>,
}

impl Comparison {
    /// The report of `product`, if it was evaluated.
    pub fn candidate(&self, product: Product) -> Option<&CandidateReport> {
        self.candidates.iter().find(|c| c.product == product)
    }

    /// The recommended product's report.
    pub fn recommended(&self) -> Option<&CandidateReport> {
        self.recommendation.and_then(|p| self.candidate(p))
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Product comparison:")?;
        for c in &self.candidates {
            match c.best() {
                Some(o) => writeln!(
                    f,
                    "- {}: {} in {}{} at {} / hour, total ~{}, ~{} min end to end, complexity {}",
                    c.product,
                    o.spec,
                    o.region,
                    o.zone
                        .as_deref()
                        .map(|z| format!(" ({z})"))
                        .unwrap_or_default(),
                    o.hourly_price,
                    c.estimated_total.map(|t| t.to_string()).unwrap_or_default(),
                    c.end_to_end.as_secs().div_ceil(60),
                    c.complexity
                )?,
                None => writeln!(
                    f,
                    "- {}: not usable ({})",
                    c.product,
                    c.unavailable.as_deref().unwrap_or("no offer")
                )?,
            }
        }
        match self.recommendation {
            Some(p) => writeln!(f, "Recommendation: {p}")?,
            None => writeln!(f, "Recommendation: none")?,
        }
        for r in &self.reasons {
            writeln!(f, "  * {r}")?;
        }
        Ok(())
    }
}

fn minutes(d: Duration) -> u64 {
    d.as_secs().div_ceil(60)
}

impl Searcher {
    /// Evaluates the products [`product::choose`] leaves for `req`,
    /// concurrently, and recommends one. Fails only when the regions cannot
    /// be listed; a product whose own calls fail is reported unavailable.
    pub async fn compare(&self, req: &Requirements) -> Result<Comparison, SearchError> {
        let choice = product::choose(req);
        let wants = |p: Product| choice.candidates.contains(&p);
        let gate = self.gate();
        let needs_ecs = wants(Product::Ecs) || wants(Product::Ack);
        let (regions, types) = join(self.regions(req, &gate), async {
            if needs_ecs {
                Some(self.candidates(req, &gate).await)
            } else {
                None
            }
        })
        .await;
        let regions = regions?;
        let ecs_search = async {
            match &types {
                Some(Ok(types)) => Some(Ok(self.ecs_in(req, &gate, &regions, types).await)),
                Some(Err(e)) => Some(Err(e.to_string())),
                None => None,
            }
        };
        let dlc_search = async {
            if wants(Product::PaiDlc) {
                Some(self.dlc_in(req, &gate, &regions).await)
            } else {
                None
            }
        };
        let (ecs, dlc) = join(ecs_search, dlc_search).await;

        let (run_time, run_time_assumed) = match req.duration() {
            Some(d) => (d, false),
            None => (ASSUMED_RUN, true),
        };
        let rate = self.options().rate_ref();
        let mut candidates = Vec::new();
        for &p in &choice.candidates {
            let (offers, degraded, unavailable) = match p {
                Product::Ecs | Product::Ack => match &ecs {
                    Some(Ok(result)) => {
                        let result = if p == Product::Ack {
                            ack_offers(result, rate)
                        } else {
                            result.clone()
                        };
                        (result.found, result.degraded, None)
                    }
                    Some(Err(reason)) => (Vec::new(), Vec::new(), Some(reason.clone())),
                    None => (Vec::new(), Vec::new(), Some("not searched".to_owned())),
                },
                Product::PaiDlc => match &dlc {
                    Some(result) => (result.found.clone(), result.degraded.clone(), None),
                    None => (Vec::new(), Vec::new(), Some("not searched".to_owned())),
                },
                // FC GPU functions run a custom container image; the script
                // workflow (`exec::fc`) packages a shell script for a CPU
                // runtime, so it cannot be recommended for GPU tasks.
                Product::Fc if req.gpu().is_some() => {
                    (Vec::new(), Vec::new(), Some(FC_GPU_UNSUPPORTED.to_owned()))
                }
                Product::Fc => {
                    let fc = fc_offers(req, &regions, rate);
                    (fc.found, Vec::new(), fc.unfit)
                }
            };
            let prof = profile(p);
            let too_long = prof.max_run.filter(|max| run_time > *max);
            let (offers, unavailable) = match too_long {
                Some(max) => (
                    Vec::new(),
                    Some(format!(
                        "{p} runs at most {} h, and the task needs {} min",
                        max.as_secs() / 3600,
                        minutes(run_time)
                    )),
                ),
                None => {
                    let why = unavailable.or_else(|| {
                        offers.is_empty().then(|| {
                            if degraded.is_empty() {
                                format!("no {p} offer fits the requirements with stock")
                            } else {
                                format!(
                                    "no {p} offer found; {} region(s) could not be searched",
                                    degraded.len()
                                )
                            }
                        })
                    });
                    (offers, why)
                }
            };
            let billed = if prof.setup_billed {
                run_time + prof.setup
            } else {
                run_time
            };
            let estimated_total = offers
                .first()
                .map(|f| f.offer.hourly_price.times(billed.as_secs_f64() / 3600.0));
            let within_budget = match (req.budget(), estimated_total) {
                (Some(b), Some(t)) => Some(t.to(b.currency, rate).amount <= b.amount),
                _ => None,
            };
            candidates.push(CandidateReport {
                product: p,
                offers,
                estimated_total,
                end_to_end: prof.setup + run_time,
                complexity: prof.complexity,
                cleanup: prof.cleanup,
                within_budget,
                unavailable,
                degraded,
            });
        }

        let mut reasons = vec![choice.reason.clone()];
        if run_time_assumed {
            reasons.push(format!(
                "no run time was given; estimates assume {} min",
                minutes(run_time)
            ));
        }
        for c in &candidates {
            reasons.push(describe(c));
        }
        let cny = |c: &CandidateReport| {
            c.estimated_total
                .map_or(f64::INFINITY, |t| t.to(Currency::Cny, rate).amount)
        };
        let mut usable: Vec<&CandidateReport> =
            candidates.iter().filter(|c| c.best().is_some()).collect();
        usable.sort_by(|a, b| {
            (a.within_budget == Some(false))
                .cmp(&(b.within_budget == Some(false)))
                .then(cny(a).total_cmp(&cny(b)))
                .then(a.end_to_end.cmp(&b.end_to_end))
                .then(a.complexity.cmp(&b.complexity))
        });
        let recommendation = usable.first().map(|c| c.product);
        match usable.first() {
            None if choice.locked => reasons.push(format!(
                "{} is locked by the request and has no offer; no other product is tried",
                choice.candidates[0]
            )),
            None => reasons.push("no candidate product can run the task".to_owned()),
            Some(best) => {
                let total = best
                    .estimated_total
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                let mut why = if choice.locked {
                    format!("{} was requested, so it is used", best.product)
                } else if usable.len() == 1 {
                    format!("{} is the only candidate with an offer", best.product)
                } else {
                    let others: Vec<String> = usable[1..]
                        .iter()
                        .map(|c| {
                            format!(
                                "{} {}",
                                c.product,
                                c.estimated_total.map(|t| t.to_string()).unwrap_or_default()
                            )
                        })
                        .collect();
                    format!(
                        "{} has the lowest estimated total ({total}; {})",
                        best.product,
                        others.join(", ")
                    )
                };
                match best.within_budget {
                    Some(false) => why.push_str(&format!(
                        "; note: even this is over the budget of {}",
                        req.budget().map(|b| b.to_string()).unwrap_or_default()
                    )),
                    Some(true) => why.push_str(", within the budget"),
                    None => {}
                }
                reasons.push(why);
            }
        }
        Ok(Comparison {
            locked: choice.locked,
            run_time,
            run_time_assumed,
            candidates,
            recommendation,
            reasons,
        })
    }
}

fn describe(c: &CandidateReport) -> String {
    match c.best() {
        Some(o) => format!(
            "{}: {} in {}{} at {} / hour, about {} in all; ready in ~{} min ({}); complexity {}; cleanup: {}{}",
            c.product,
            o.spec,
            o.region,
            o.zone
                .as_deref()
                .map(|z| format!("/{z}"))
                .unwrap_or_default(),
            o.hourly_price,
            c.estimated_total.map(|t| t.to_string()).unwrap_or_default(),
            minutes(profile(c.product).setup),
            profile(c.product).setup_steps,
            c.complexity,
            c.cleanup,
            if c.degraded.is_empty() {
                String::new()
            } else {
                format!("; {} region(s) could not be searched", c.degraded.len())
            }
        ),
        None => format!(
            "{}: not usable: {}",
            c.product,
            c.unavailable.as_deref().unwrap_or("no offer")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p2_every_product_has_a_profile() {
        for p in [Product::Ecs, Product::Fc, Product::Ack, Product::PaiDlc] {
            assert_eq!(profile(p).product, p);
        }
        assert!(profile(Product::Ack).complexity > profile(Product::Fc).complexity);
    }
}
