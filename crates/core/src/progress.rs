//! Deposits and progress invoices ("situations de travaux") of an order, to the cent.
//!
//! A deposit invoice asks for a share of the order, split by VAT rate so each rate's
//! VAT is invoiced with it; the final invoice deducts it. A progress invoice states a
//! cumulative percentage of completion and invoices only the increment since the last
//! one; the one at 100 % invoices exactly what is left, so the situations add up to
//! the order to the cent.

use crate::money::Currency;
use crate::tax::Vat;
use crate::totals::Totals;
use rust_decimal::Decimal;

/// How much of an order a deposit asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepositShare {
    /// A percentage of the order.
    Percent(Decimal),
    /// An amount including VAT.
    Amount(Decimal),
}

/// Why a deposit or a situation cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgressError {
    #[error("a deposit is a percentage above 0 and at most 100, not {0}")]
    BadPercent(Decimal),
    #[error("a deposit of {asked} exceeds what is left of the order ({left})")]
    TooMuch { asked: Decimal, left: Decimal },
    #[error("the order has no amount to take a deposit on")]
    NothingToShare,
    #[error(
        "the cumulative percentage must be above {previous} % (the last situation) and at most 100 %, not {asked} %"
    )]
    NotForward { previous: Decimal, asked: Decimal },
}

impl ProgressError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            ProgressError::BadPercent(v) => Message::new("deposit_percentage_above_0").with("v", v),
            ProgressError::TooMuch { asked, left } => {
                Message::new("deposit_exceeds_what_left").with("asked", asked).with("left", left)
            }
            ProgressError::NothingToShare => Message::new("order_amount_take_deposit"),
            ProgressError::NotForward { previous, asked } => {
                Message::new("cumulative_percentage_must_above").with("previous", previous).with("asked", asked)
            }
        }
    }
}

/// One VAT rate's part of a deposit: the taxable base to invoice at that rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositPart {
    pub vat: Vat,
    pub base: Decimal,
}

/// Splits a deposit over the order's VAT rates in proportion to their bases.
/// `already` is the gross of the deposits already asked for; the new one may not
/// exceed what is left of the order's gross. For an amount, the parts' gross
/// (base + rounded VAT) equals the amount whenever some base can give it.
pub fn deposit_parts(order: &Totals, share: DepositShare, already: Decimal) -> Result<Vec<DepositPart>, ProgressError> {
    let cur = order.currency;
    let hundred = Decimal::ONE_HUNDRED;
    if order.gross <= Decimal::ZERO || order.vat.is_empty() {
        return Err(ProgressError::NothingToShare);
    }
    let ratio = match share {
        DepositShare::Percent(p) if p <= Decimal::ZERO || p > hundred => return Err(ProgressError::BadPercent(p)),
        DepositShare::Percent(p) => p / hundred,
        DepositShare::Amount(a) => a / order.gross,
    };
    let mut parts: Vec<DepositPart> = order
        .vat
        .iter()
        .filter(|b| !b.base.is_zero())
        .map(|b| DepositPart {
            vat: Vat::new(b.rate, Some(b.category)).unwrap_or_else(|_| unreachable!("a breakdown holds valid VAT")),
            base: cur.round(b.base * ratio),
        })
        .collect();
    let gross_of = |parts: &[DepositPart]| -> Decimal {
        parts.iter().map(|p| p.base + cur.round(p.base * p.vat.rate() / hundred)).sum()
    };
    if let DepositShare::Amount(a) = share {
        // Rounding per rate can miss the amount by a cent or two: nudge the largest base.
        if let Some(i) = (0..parts.len()).max_by_key(|i| parts[*i].base) {
            let unit = Decimal::new(1, cur.minor_units());
            for _ in 0..4 {
                let diff = a - gross_of(&parts);
                if diff.is_zero() {
                    break;
                }
                parts[i].base += if diff > Decimal::ZERO { unit } else { -unit };
            }
        }
    }
    let asked = gross_of(&parts);
    let left = order.gross - already;
    if asked > left {
        return Err(ProgressError::TooMuch { asked, left });
    }
    Ok(parts)
}

/// The amount each order line adds in a situation at `cumulative` percent: what that
/// percentage of the line's net comes to, less what was already invoiced of it. At 100 %
/// it is exactly what is left. `previous` is the last situation's percentage.
pub fn situation_amounts(
    currency: Currency,
    line_nets: &[Decimal],
    already: &[Decimal],
    previous: Decimal,
    cumulative: Decimal,
) -> Result<Vec<Decimal>, ProgressError> {
    if cumulative <= previous || cumulative > Decimal::ONE_HUNDRED {
        return Err(ProgressError::NotForward { previous, asked: cumulative });
    }
    Ok(line_nets
        .iter()
        .zip(already.iter().chain(std::iter::repeat(&Decimal::ZERO)))
        .map(|(net, done)| {
            let target = if cumulative == Decimal::ONE_HUNDRED {
                *net
            } else {
                currency.round(*net * cumulative / Decimal::ONE_HUNDRED)
            };
            target - done
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::Vat;
    use crate::totals::{LineFigures, compute};
    use rust_decimal_macros::dec;

    fn order(lines: &[(&str, &str, &str)]) -> Totals {
        let figures: Vec<LineFigures> = lines
            .iter()
            .map(|(q, p, r)| LineFigures {
                quantity: q.parse().unwrap(),
                unit_price: p.parse().unwrap(),
                vat: Vat::new(r.parse().unwrap(), None).unwrap(),
                discount_percent: Decimal::ZERO,
            })
            .collect();
        compute(Currency::EUR, &figures, Decimal::ZERO)
    }

    #[test]
    fn a_percent_deposit_is_split_by_vat_rate() {
        // 480.00 at 20 % and 116.00 at 10 %: gross 576.00 + 127.60 = 703.60.
        let o = order(&[("4", "120", "20"), ("2", "58", "10")]);
        let parts = deposit_parts(&o, DepositShare::Percent(dec!(30)), Decimal::ZERO).unwrap();
        let bases: Vec<_> = parts.iter().map(|p| (p.vat.rate(), p.base)).collect();
        assert_eq!(bases, vec![(dec!(10), dec!(34.80)), (dec!(20), dec!(144.00))]);
    }

    #[test]
    fn an_amount_deposit_hits_the_amount_to_the_cent() {
        let o = order(&[("4", "120", "20"), ("2", "58", "10")]);
        let parts = deposit_parts(&o, DepositShare::Amount(dec!(250)), Decimal::ZERO).unwrap();
        let gross: Decimal =
            parts.iter().map(|p| p.base + Currency::EUR.round(p.base * p.vat.rate() / dec!(100))).sum();
        assert_eq!(gross, dec!(250.00));
    }

    #[test]
    fn deposits_may_not_exceed_the_order() {
        let o = order(&[("1", "1000", "20")]);
        assert!(deposit_parts(&o, DepositShare::Percent(dec!(0)), Decimal::ZERO).is_err());
        assert!(deposit_parts(&o, DepositShare::Percent(dec!(101)), Decimal::ZERO).is_err());
        // 70 % already asked: 40 % more is too much.
        assert!(matches!(
            deposit_parts(&o, DepositShare::Percent(dec!(40)), dec!(840)),
            Err(ProgressError::TooMuch { .. })
        ));
        assert!(deposit_parts(&o, DepositShare::Percent(dec!(30)), dec!(840)).is_ok());
    }

    #[test]
    fn situations_invoice_the_increment_and_add_up_to_the_order() {
        let nets = [dec!(1234.57), dec!(333.33)];
        let s1 = situation_amounts(Currency::EUR, &nets, &[], Decimal::ZERO, dec!(30)).unwrap();
        assert_eq!(s1, vec![dec!(370.37), dec!(100.00)]);
        let done: Vec<_> = s1.clone();
        let s2 = situation_amounts(Currency::EUR, &nets, &done, dec!(30), dec!(65)).unwrap();
        // 65 % of 1234.57 = 802.4705 → 802.47, less 370.37.
        assert_eq!(s2, vec![dec!(432.10), dec!(116.66)]);
        let done: Vec<_> = s1.iter().zip(&s2).map(|(a, b)| a + b).collect();
        let last = situation_amounts(Currency::EUR, &nets, &done, dec!(65), dec!(100)).unwrap();
        let total: Vec<_> = done.iter().zip(&last).map(|(a, b)| a + b).collect();
        assert_eq!(total, nets.to_vec(), "the situations add up to the order exactly");
        assert!(situation_amounts(Currency::EUR, &nets, &done, dec!(65), dec!(65)).is_err());
        assert!(situation_amounts(Currency::EUR, &nets, &done, dec!(65), dec!(120)).is_err());
    }
}
