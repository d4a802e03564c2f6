//! Cost rules as types (P5): [`Offer`] → [`Quote`] → [`ConfirmedQuote`].
//!
//! Every create path of this crate takes a [`ConfirmedQuote`], and the only
//! ways to get one are [`Quote::confirm`] (the caller said yes) and
//! [`Quote::skip_confirmation`] (the caller said up front that no question is
//! needed — the quote is still recorded). Budgets are checked when quoting.

use std::fmt;
use std::time::Duration;

use crate::gpu::GpuModel;
use crate::money::{Currency, ExchangeRate, Money};
use crate::product::Product;

/// How the resource is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Billing {
    /// Pay-as-you-go (`PostPaid`).
    #[default]
    PayAsYouGo,
    /// Subscription (`PrePaid`).
    Subscription,
}

impl fmt::Display for Billing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Billing::PayAsYouGo => "PostPaid (pay-as-you-go)",
            Billing::Subscription => "PrePaid (subscription)",
        })
    }
}

/// Something that can run the task, at a price, where there is stock.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Product.
    pub product: Product,
    /// Region.
    pub region: String,
    /// Zone, where the product has zones.
    pub zone: Option<String>,
    /// The spec: an instance type, DLC spec or FC resource shape.
    pub spec: String,
    /// vCPUs.
    pub vcpu: u32,
    /// Memory in GiB.
    pub memory_gib: f64,
    /// GPU model and count, if any.
    pub gpu: Option<(GpuModel, u32)>,
    /// Price per hour.
    pub hourly_price: Money,
    /// Billing method.
    pub billing: Billing,
}

impl Offer {
    /// The total for running `duration`, in `currency`.
    pub fn total_for(&self, duration: Duration, currency: Currency, rate: &ExchangeRate) -> Money {
        self.hourly_price
            .to(currency, rate)
            .times(duration.as_secs_f64() / 3600.0)
    }

    fn describe_shape(&self) -> String {
        let mut s = format!("{} vCPU, {} GiB", self.vcpu, self.memory_gib);
        if let Some((model, count)) = &self.gpu {
            s.push_str(&format!(", {count}x {model}"));
        }
        s
    }
}

/// A priced proposal: what, where, for how long, for how much.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    offer: Offer,
    duration: Duration,
    total: Money,
}

impl Quote {
    /// Prices `offer` for `duration`, totalled in the offer's own currency.
    pub fn new(offer: Offer, duration: Duration) -> Self {
        let total = offer.hourly_price.times(duration.as_secs_f64() / 3600.0);
        Self {
            offer,
            duration,
            total,
        }
    }

    /// Prices `offer` and checks it against `budget`. Over budget, the error
    /// carries the cheapest of `alternatives` that fits the budget, if any.
    pub fn within_budget(
        offer: Offer,
        duration: Duration,
        budget: Money,
        rate: &ExchangeRate,
        alternatives: &[Offer],
    ) -> Result<Quote, OverBudget> {
        let quote = Quote::new(offer, duration);
        let total_in_budget_currency = quote.total.to(budget.currency, rate);
        if total_in_budget_currency.amount <= budget.amount {
            return Ok(quote);
        }
        let cheapest = alternatives
            .iter()
            .map(|o| (o, o.total_for(duration, budget.currency, rate)))
            .filter(|(_, total)| total.amount <= budget.amount)
            .min_by(|a, b| a.1.amount.total_cmp(&b.1.amount))
            .map(|(o, _)| Quote::new(o.clone(), duration));
        Err(OverBudget {
            quote,
            total: total_in_budget_currency,
            budget,
            cheapest_fitting: cheapest,
        })
    }

    /// The offer.
    pub fn offer(&self) -> &Offer {
        &self.offer
    }
    /// The duration priced.
    pub fn duration(&self) -> Duration {
        self.duration
    }
    /// Price per hour.
    pub fn unit_price(&self) -> Money {
        self.offer.hourly_price
    }
    /// Estimated total.
    pub fn total(&self) -> Money {
        self.total
    }
    /// Billing method.
    pub fn billing(&self) -> Billing {
        self.offer.billing
    }

    /// The caller saw this quote and agreed.
    pub fn confirm(self) -> ConfirmedQuote {
        ConfirmedQuote {
            quote: self,
            confirmation: Confirmation::Confirmed,
        }
    }

    /// The caller said beforehand that no confirmation is needed. The quote
    /// is still kept with the resource, for the record.
    pub fn skip_confirmation(self) -> ConfirmedQuote {
        ConfirmedQuote {
            quote: self,
            confirmation: Confirmation::Skipped,
        }
    }
}

impl fmt::Display for Quote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let minutes = self.duration.as_secs().div_ceil(60);
        let duration = if minutes >= 120 {
            format!("~{:.1} hours", self.duration.as_secs_f64() / 3600.0)
        } else {
            format!("~{minutes} minutes")
        };
        writeln!(f, "Cost estimate:")?;
        writeln!(
            f,
            "Product: {} in {}",
            self.offer.product, self.offer.region
        )?;
        writeln!(
            f,
            "Spec: {} ({})",
            self.offer.spec,
            self.offer.describe_shape()
        )?;
        writeln!(f, "Unit price: {} / hour", self.offer.hourly_price)?;
        writeln!(f, "Duration: {duration}")?;
        writeln!(f, "Total: {}", self.total)?;
        write!(f, "Billing: {}", self.offer.billing)
    }
}

/// How a quote was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Explicitly confirmed.
    Confirmed,
    /// Confirmation skipped on the caller's explicit request.
    Skipped,
}

/// A quote the caller accepted. Required by every create in this crate;
/// there is no other way to make one than [`Quote::confirm`] or
/// [`Quote::skip_confirmation`].
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmedQuote {
    quote: Quote,
    confirmation: Confirmation,
}

impl ConfirmedQuote {
    /// The accepted quote.
    pub fn quote(&self) -> &Quote {
        &self.quote
    }
    /// How it was accepted.
    pub fn confirmation(&self) -> Confirmation {
        self.confirmation
    }
}

/// A quote above the budget.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} costs {total}, over the budget of {budget}{}", quote.offer.spec, match cheapest_fitting {
    Some(q) => format!("; cheapest alternative within budget: {} in {} at {}", q.offer.spec, q.offer.region, q.total),
    None => "; no fitting alternative is within budget".to_owned(),
})]
pub struct OverBudget {
    /// The refused quote.
    pub quote: Quote,
    /// Its total in the budget's currency.
    pub total: Money,
    /// The budget.
    pub budget: Money,
    /// The cheapest alternative that fits the budget, if any.
    pub cheapest_fitting: Option<Quote>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(spec: &str, hourly_cny: f64) -> Offer {
        Offer {
            product: Product::Ecs,
            region: "cn-hangzhou".into(),
            zone: Some("cn-hangzhou-h".into()),
            spec: spec.into(),
            vcpu: 8,
            memory_gib: 32.0,
            gpu: Some((GpuModel::A10, 1)),
            hourly_price: Money::cny(hourly_cny),
            billing: Billing::PayAsYouGo,
        }
    }

    #[test]
    fn p5_quote_totals_and_display() {
        let q = Quote::new(
            offer("ecs.gn7i-c8g1.2xlarge", 10.0),
            Duration::from_secs(3 * 3600),
        );
        assert_eq!(q.total(), Money::cny(30.0));
        let text = q.to_string();
        for needle in [
            "Spec: ecs.gn7i-c8g1.2xlarge (8 vCPU, 32 GiB, 1x A10)",
            "Unit price: CNY 10.00 / hour",
            "Total: CNY 30.00",
            "Billing: PostPaid",
            "Duration: ~3.0 hours",
        ] {
            assert!(text.contains(needle), "{needle} missing in\n{text}");
        }
    }

    #[test]
    fn p5_over_budget_is_refused_with_the_cheapest_fitting_alternative() {
        let rate = ExchangeRate::default();
        let err = Quote::within_budget(
            offer("big", 20.0),
            Duration::from_secs(3600),
            Money::usd(2.0), // 14.4 CNY
            &rate,
            &[offer("mid", 12.0), offer("small", 9.0), offer("huge", 50.0)],
        )
        .unwrap_err();
        assert_eq!(err.cheapest_fitting.as_ref().unwrap().offer().spec, "small");
        assert_eq!(err.total.currency, Currency::Usd);
        assert!(
            err.to_string()
                .contains("cheapest alternative within budget: small")
        );

        let err = Quote::within_budget(
            offer("big", 20.0),
            Duration::from_secs(3600),
            Money::cny(1.0),
            &rate,
            &[offer("mid", 12.0)],
        )
        .unwrap_err();
        assert!(err.cheapest_fitting.is_none());
        assert!(err.to_string().contains("no fitting alternative"));
    }

    #[test]
    fn p5_within_budget_passes_and_confirmation_is_recorded() {
        let q = Quote::within_budget(
            offer("ok", 1.0),
            Duration::from_secs(1800),
            Money::cny(1.0),
            &ExchangeRate::default(),
            &[],
        )
        .unwrap();
        let skipped = q.clone().skip_confirmation();
        assert_eq!(skipped.confirmation(), Confirmation::Skipped);
        assert_eq!(skipped.quote(), &q);
        assert_eq!(q.confirm().confirmation(), Confirmation::Confirmed);
    }
}
