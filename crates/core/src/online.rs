//! Online payment amounts: what a card processor such as Stripe is asked for and reports
//! is an integer count of the currency's minor unit (cents for EUR, yen for JPY); these are
//! the only conversions between it and our exact amounts.

use crate::money::Currency;
use rust_decimal::Decimal;

/// Why an amount cannot be asked for online.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MinorUnitsError {
    /// Zero or negative: nothing to pay.
    #[error("nothing is due on this invoice")]
    NothingDue,
    /// More decimals than the currency has (an amount not rounded by `core::totals`).
    #[error("the amount due has more decimals than its currency")]
    Inexact,
    /// Beyond what a processor's integer amount holds.
    #[error("the amount due is too large to be paid online (at most 99999999 minor units)")]
    TooLarge,
}

impl MinorUnitsError {
    /// The message of the catalogue.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            MinorUnitsError::NothingDue => Message::new("online_nothing_due"),
            MinorUnitsError::Inexact => Message::new("online_amount_inexact"),
            MinorUnitsError::TooLarge => Message::new("online_amount_too_large"),
        }
    }
}

/// `amount` as a count of the currency's minor unit (12.34 EUR → 1234), refused when it
/// is not above zero or not exact in the currency.
pub fn to_minor_units(amount: Decimal, currency: Currency) -> Result<i64, MinorUnitsError> {
    if amount <= Decimal::ZERO {
        return Err(MinorUnitsError::NothingDue);
    }
    if !currency.is_exact(amount) {
        return Err(MinorUnitsError::Inexact);
    }
    let factor = Decimal::from(10i64.pow(currency.minor_units()));
    let units = amount.checked_mul(factor).ok_or(MinorUnitsError::TooLarge)?;
    // Stripe's amounts are at most 8 digits (99 999 999 minor units); we refuse above that.
    let n = i64::try_from(units.trunc()).map_err(|_| MinorUnitsError::TooLarge)?;
    if n > MAX_MINOR_UNITS {
        return Err(MinorUnitsError::TooLarge);
    }
    Ok(n)
}

/// The largest amount a Checkout session takes, in minor units (Stripe: 8 digits).
pub const MAX_MINOR_UNITS: i64 = 99_999_999;

/// A count of minor units as an exact amount of the currency (1234 EUR cents → 12.34),
/// `None` when it is negative or beyond [`MAX_MINOR_UNITS`].
pub fn from_minor_units(units: i64, currency: Currency) -> Option<Decimal> {
    if !(0..=MAX_MINOR_UNITS).contains(&units) {
        return None;
    }
    Some(Decimal::new(units, currency.minor_units()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::EUR
    }

    #[test]
    fn cents_of_euros_and_yen_of_yen() {
        assert_eq!(to_minor_units(Decimal::new(1234, 2), eur()), Ok(1234));
        assert_eq!(to_minor_units(Decimal::new(5, 0), eur()), Ok(500));
        let jpy: Currency = "JPY".parse().unwrap();
        assert_eq!(to_minor_units(Decimal::new(1500, 0), jpy), Ok(1500));
        assert_eq!(from_minor_units(1500, jpy), Some(Decimal::new(1500, 0)));
        assert_eq!(from_minor_units(1234, eur()), Some(Decimal::new(1234, 2)));
    }

    #[test]
    fn each_refusal_reads_as_its_message() {
        for e in [MinorUnitsError::NothingDue, MinorUnitsError::Inexact, MinorUnitsError::TooLarge] {
            assert_eq!(e.to_string(), e.message().english());
        }
    }

    #[test]
    fn nothing_due_inexact_and_too_large_are_refused() {
        assert_eq!(to_minor_units(Decimal::ZERO, eur()), Err(MinorUnitsError::NothingDue));
        assert_eq!(to_minor_units(Decimal::new(-1, 2), eur()), Err(MinorUnitsError::NothingDue));
        assert_eq!(to_minor_units(Decimal::new(1234, 3), eur()), Err(MinorUnitsError::Inexact));
        assert_eq!(to_minor_units(Decimal::new(100_000_000, 2), eur()), Err(MinorUnitsError::TooLarge));
        assert_eq!(from_minor_units(-1, eur()), None);
        assert_eq!(from_minor_units(MAX_MINOR_UNITS + 1, eur()), None);
    }

    proptest! {
        /// Any exact amount within the limit goes to minor units and comes back unchanged.
        #[test]
        fn minor_units_round_trip(units in 1i64..=MAX_MINOR_UNITS, code in prop::sample::select(vec!["EUR", "JPY", "KWD", "USD"])) {
            let c: Currency = code.parse().unwrap();
            let amount = from_minor_units(units, c).unwrap();
            prop_assert!(c.is_exact(amount));
            prop_assert_eq!(to_minor_units(amount, c), Ok(units));
        }

        /// A rounded amount is asked for exactly: never a minor unit more or less.
        #[test]
        fn rounded_amounts_are_asked_exactly(mantissa in 1i64..9_999_999_999i64, scale in 0u32..6) {
            let c = Currency::EUR;
            let amount = c.round(Decimal::new(mantissa, scale));
            match to_minor_units(amount, c) {
                Ok(n) => prop_assert_eq!(Decimal::new(n, 2), amount),
                Err(e) => prop_assert!(e == MinorUnitsError::TooLarge || (e == MinorUnitsError::NothingDue && amount.is_zero())),
            }
        }
    }
}
