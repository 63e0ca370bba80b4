//! Exact money: ISO 4217 currencies and rounding to their minor unit.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The largest absolute amount, price or quantity facturier accepts. Far above any
/// real invoice, far below where `Decimal` (28 digits) could overflow in a product.
pub const MAX_MAGNITUDE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// An ISO 4217 currency facturier knows, with its minor unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    minor_units: u32,
}

/// ISO 4217 codes with their number of decimals. Europe first, then the currencies
/// a French SME commonly invoices in.
const CURRENCIES: &[(&str, u32)] = &[
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("HUF", 2),
    ("RON", 2),
    ("BGN", 2),
    ("ISK", 0),
    ("TRY", 2),
    ("JPY", 0),
    ("CNY", 2),
    ("HKD", 2),
    ("SGD", 2),
    ("INR", 2),
    ("KRW", 0),
    ("BRL", 2),
    ("MXN", 2),
    ("ZAR", 2),
    ("MAD", 2),
    ("TND", 3),
    ("DZD", 2),
    ("XOF", 0),
    ("XAF", 0),
    ("XPF", 0),
    ("AED", 2),
    ("SAR", 2),
    ("QAR", 2),
    ("KWD", 3),
    ("BHD", 3),
    ("OMR", 3),
    ("ILS", 2),
    ("EGP", 2),
    ("RUB", 2),
    ("UAH", 2),
];

/// A currency code that is not ISO 4217 or not supported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a supported ISO 4217 currency code (for example EUR, USD, GBP, CHF)")]
pub struct UnknownCurrency(pub String);

impl UnknownCurrency {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        crate::message::Message::new("supported_iso_4217_currency").with("v", format!("{:?}", self.0))
    }
}

impl Currency {
    /// The euro, the default currency of a French company.
    pub const EUR: Currency = Currency { code: *b"EUR", minor_units: 2 };

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The code bytes come from the CURRENCIES table, which is ASCII.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Number of decimals of an amount in this currency (2 for EUR, 0 for JPY).
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// Rounds an amount to the minor unit, half away from zero (0.125 → 0.13, −0.125 → −0.13).
    pub fn round(&self, amount: Decimal) -> Decimal {
        let mut r = amount.round_dp_with_strategy(self.minor_units, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(self.minor_units);
        r
    }

    /// True when the amount has no more decimals than the currency allows.
    pub fn is_exact(&self, amount: Decimal) -> bool {
        amount.normalize().scale() <= self.minor_units
    }
}

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|(c, m)| {
                let b = c.as_bytes();
                Currency { code: [b[0], b[1], b[2]], minor_units: *m }
            })
            .ok_or_else(|| UnknownCurrency(s.to_string()))
    }
}

impl TryFrom<String> for Currency {
    type Error = UnknownCurrency;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a decimal given as text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("{0:?} is not a decimal number (write it as a string such as \"1234.50\")")]
    NotANumber(String),
    #[error("must not be negative")]
    Negative,
    #[error("must be greater than zero")]
    NotPositive,
    #[error("is too large (at most {max})")]
    TooLarge { max: Decimal },
    #[error("has more than {max} decimals")]
    TooPrecise { max: u32 },
    #[error("must be between {min} and {max}")]
    OutOfRange { min: Decimal, max: Decimal },
}

impl DecimalError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            DecimalError::NotANumber(v) => Message::new("decimal_number_write_string").with("v", format!("{v:?}")),
            DecimalError::Negative => Message::new("negative"),
            DecimalError::NotPositive => Message::new("not_positive"),
            DecimalError::TooLarge { max } => Message::new("too_large").with("max", max),
            DecimalError::TooPrecise { max } => Message::new("too_many_decimals").with("max", max),
            DecimalError::OutOfRange { min, max } => Message::new("out_of_range").with("min", min).with("max", max),
        }
    }
}

/// Parses a decimal written as text ("1234.50", "20", "-3"). Exponents and
/// thousands separators are refused so that what is stored is what was typed.
pub fn parse_decimal(s: &str) -> Result<Decimal, DecimalError> {
    let t = s.trim();
    let well_formed = !t.is_empty()
        && t.len() <= 40
        && t.trim_start_matches(['-', '+']).chars().all(|c| c.is_ascii_digit() || c == '.')
        && t.chars().filter(|c| *c == '.').count() <= 1
        && t.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(DecimalError::NotANumber(s.to_string()));
    }
    let d = Decimal::from_str(t).map_err(|_| DecimalError::NotANumber(s.to_string()))?;
    if d.abs() > MAX_MAGNITUDE {
        return Err(DecimalError::TooLarge { max: MAX_MAGNITUDE });
    }
    Ok(d.normalize())
}

/// Checks the number of decimals.
pub fn check_scale(d: Decimal, max: u32) -> Result<Decimal, DecimalError> {
    if d.normalize().scale() > max { Err(DecimalError::TooPrecise { max }) } else { Ok(d) }
}

/// A decimal as text without trailing zeros beyond `min_scale` ("20" stays "20", 1.5 with min 2 → "1.50").
pub fn to_text(d: Decimal, min_scale: u32) -> String {
    let mut n = d.normalize();
    if n.scale() < min_scale {
        n.rescale(min_scale);
    }
    n.to_string()
}

/// `amount` of a document in `currency`, in the company's currency `company`: as it is in
/// that currency, converted at the document's exchange rate otherwise (fixed at issue) and
/// rounded to the company currency's minor unit; `None` without a rate.
pub fn in_company_currency(
    amount: Decimal,
    currency: &str,
    rate: Option<Decimal>,
    company: Currency,
) -> Option<Decimal> {
    if currency == company.code() { Some(amount) } else { rate.map(|r| company.round(amount * r)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounds_half_away_from_zero() {
        let eur = Currency::EUR;
        assert_eq!(eur.round(dec!(0.125)), dec!(0.13));
        assert_eq!(eur.round(dec!(-0.125)), dec!(-0.13));
        assert_eq!(eur.round(dec!(2.675)), dec!(2.68));
        assert_eq!(eur.round(dec!(2.674999)), dec!(2.67));
        assert_eq!(eur.round(dec!(1)).to_string(), "1.00");
    }

    #[test]
    fn zero_decimal_currencies_round_to_units() {
        let jpy: Currency = "jpy".parse().unwrap();
        assert_eq!(jpy.round(dec!(10.5)), dec!(11));
        let kwd: Currency = "KWD".parse().unwrap();
        assert_eq!(kwd.round(dec!(1.0005)), dec!(1.001));
    }

    #[test]
    fn unknown_currencies_are_refused() {
        assert!("EURO".parse::<Currency>().is_err());
        assert!("ZZZ".parse::<Currency>().is_err());
    }

    #[test]
    fn decimals_are_parsed_strictly() {
        assert_eq!(parse_decimal("1234.50").unwrap(), dec!(1234.5));
        assert!(parse_decimal("1e30").is_err());
        assert!(parse_decimal("1,5").is_err());
        assert!(parse_decimal("").is_err());
        assert!(parse_decimal("-").is_err());
        assert!(matches!(parse_decimal("1000000000000"), Err(DecimalError::TooLarge { .. })));
        assert_eq!(to_text(dec!(20), 0), "20");
        assert_eq!(to_text(dec!(1.5), 2), "1.50");
    }
}
