//! Amounts of money and currency conversion (P5).
//!
//! Prices here are estimates for budgeting, not invoices: amounts are `f64`
//! and shown rounded.

use std::fmt;
use std::str::FromStr;

/// Currencies that prices and budgets are given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    /// Chinese yuan, what the China site bills in.
    Cny,
    /// US dollar, what the international site bills in.
    Usd,
}

impl Currency {
    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Usd => "USD",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A currency name that is not CNY or USD.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency `{0}` (use CNY, RMB, ¥, USD or $)")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CNY" | "RMB" | "YUAN" | "¥" | "\u{5143}" => Ok(Currency::Cny),
            "USD" | "$" | "US$" | "DOLLAR" | "DOLLARS" => Ok(Currency::Usd),
            _ => Err(UnknownCurrency(s.trim().to_owned())),
        }
    }
}

/// An amount in a currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Money {
    /// The amount.
    pub amount: f64,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in CNY.
    pub fn cny(amount: f64) -> Self {
        Self {
            amount,
            currency: Currency::Cny,
        }
    }

    /// An amount in USD.
    pub fn usd(amount: f64) -> Self {
        Self {
            amount,
            currency: Currency::Usd,
        }
    }

    /// This amount in `currency` at `rate`.
    pub fn to(self, currency: Currency, rate: &ExchangeRate) -> Money {
        Money {
            amount: rate.convert(self.amount, self.currency, currency),
            currency,
        }
    }

    /// This amount times `factor` (e.g. an hourly price times hours).
    pub fn times(self, factor: f64) -> Money {
        Money {
            amount: self.amount * factor,
            currency: self.currency,
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Small unit prices need more digits than totals.
        let digits = if self.amount != 0.0 && self.amount.abs() < 0.1 {
            4
        } else {
            2
        };
        write!(f, "{} {:.*}", self.currency, digits, self.amount)
    }
}

/// How many CNY one USD buys. Configurable; the reference is 7.2 (P5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExchangeRate {
    cny_per_usd: f64,
}

impl Default for ExchangeRate {
    fn default() -> Self {
        Self { cny_per_usd: 7.2 }
    }
}

/// A rate that is not a positive finite number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("exchange rate must be a positive number of CNY per USD, got {0}")]
pub struct InvalidRate(pub f64);

impl ExchangeRate {
    /// A rate of `cny_per_usd` CNY for one USD.
    pub fn cny_per_usd(cny_per_usd: f64) -> Result<Self, InvalidRate> {
        if cny_per_usd.is_finite() && cny_per_usd > 0.0 {
            Ok(Self { cny_per_usd })
        } else {
            Err(InvalidRate(cny_per_usd))
        }
    }

    /// Converts `amount` from one currency to another.
    pub fn convert(&self, amount: f64, from: Currency, to: Currency) -> f64 {
        match (from, to) {
            (Currency::Usd, Currency::Cny) => amount * self.cny_per_usd,
            (Currency::Cny, Currency::Usd) => amount / self.cny_per_usd,
            _ => amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p5_conversion_uses_the_configured_rate() {
        let default = ExchangeRate::default();
        assert_eq!(Money::usd(10.0).to(Currency::Cny, &default).amount, 72.0);
        let rate = ExchangeRate::cny_per_usd(7.0).unwrap();
        assert_eq!(Money::cny(70.0).to(Currency::Usd, &rate).amount, 10.0);
        assert_eq!(Money::cny(5.0).to(Currency::Cny, &rate).amount, 5.0);
    }

    #[test]
    fn bad_rates_are_refused() {
        assert!(ExchangeRate::cny_per_usd(0.0).is_err());
        assert!(ExchangeRate::cny_per_usd(f64::NAN).is_err());
        assert!(ExchangeRate::cny_per_usd(-1.0).is_err());
    }

    #[test]
    fn currency_names() {
        assert_eq!("rmb".parse::<Currency>().unwrap(), Currency::Cny);
        assert_eq!("$".parse::<Currency>().unwrap(), Currency::Usd);
        assert!("EUR".parse::<Currency>().is_err());
    }

    #[test]
    fn display_keeps_small_unit_prices_readable() {
        assert_eq!(Money::cny(0.017).to_string(), "CNY 0.0170");
        assert_eq!(Money::cny(12.5).to_string(), "CNY 12.50");
    }
}
