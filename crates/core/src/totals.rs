//! The one function that computes a document's totals, per the EN 16931 model:
//! line net = round(qty × price) − round(line discount); document discount per VAT
//! category; VAT per category and rate = round(base × rate); totals are sums of
//! rounded parts. The API, the PDF, the XML and the exports all read its result.

use crate::money::Currency;
use crate::tax::{Vat, VatCategory};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What the arithmetic needs from a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineFigures {
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub vat: Vat,
    /// Line discount in percent of qty × price, 0 to 100.
    pub discount_percent: Decimal,
}

/// The amounts of one line, rounded to the currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineAmounts {
    /// round(qty × unit price).
    pub gross: Decimal,
    /// round(gross × discount %): the line allowance (BT-136).
    pub discount: Decimal,
    /// gross − discount: the line net amount (BT-131).
    pub net: Decimal,
}

/// The VAT of one category and rate (BG-23).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VatBreakdown {
    pub category: VatCategory,
    pub rate: Decimal,
    /// Sum of the line nets of this category and rate.
    pub lines_net: Decimal,
    /// The share of the document discount borne by this category (BT-92 with BT-95).
    pub discount: Decimal,
    /// lines_net − discount: the taxable amount (BT-116).
    pub base: Decimal,
    /// round(base × rate / 100) (BT-117).
    pub amount: Decimal,
}

/// The totals of a document (BG-22), every figure rounded to the currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub currency: Currency,
    pub lines: Vec<LineAmounts>,
    /// Sum of line nets (BT-106).
    pub lines_net: Decimal,
    /// Sum of document-level discounts (BT-107).
    pub discount: Decimal,
    /// Total without VAT (BT-109).
    pub net: Decimal,
    /// Per category and rate, ordered by category then rate.
    pub vat: Vec<VatBreakdown>,
    /// Total VAT (BT-110).
    pub vat_total: Decimal,
    /// Total with VAT (BT-112).
    pub gross: Decimal,
}

/// Computes the totals of a document from its lines and its document discount (percent of net).
pub fn compute(currency: Currency, lines: &[LineFigures], document_discount_percent: Decimal) -> Totals {
    let hundred = Decimal::ONE_HUNDRED;
    let mut per_vat: BTreeMap<Vat, Decimal> = BTreeMap::new();
    let amounts: Vec<LineAmounts> = lines
        .iter()
        .map(|l| {
            let gross = currency.round(l.quantity * l.unit_price);
            let discount = currency.round(gross * l.discount_percent / hundred);
            let net = gross - discount;
            *per_vat.entry(l.vat).or_insert(Decimal::ZERO) += net;
            LineAmounts { gross, discount, net }
        })
        .collect();

    // Rounded per VAT category, not per line: EN 16931 BR-CO-17.
    let vat: Vec<VatBreakdown> = per_vat
        .into_iter()
        .map(|(v, lines_net)| {
            let discount = currency.round(lines_net * document_discount_percent / hundred);
            let base = lines_net - discount;
            let amount = currency.round(base * v.rate() / hundred);
            VatBreakdown { category: v.category(), rate: v.rate(), lines_net, discount, base, amount }
        })
        .collect();

    let zero = currency.round(Decimal::ZERO);
    let lines_net = amounts.iter().fold(zero, |s, l| s + l.net);
    let discount = vat.iter().fold(zero, |s, b| s + b.discount);
    let net = lines_net - discount;
    let vat_total = vat.iter().fold(zero, |s, b| s + b.amount);
    Totals { currency, lines: amounts, lines_net, discount, net, vat, vat_total, gross: net + vat_total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn line(q: Decimal, p: Decimal, rate: Decimal) -> LineFigures {
        LineFigures { quantity: q, unit_price: p, vat: Vat::new(rate, None).unwrap(), discount_percent: Decimal::ZERO }
    }

    #[test]
    fn half_cent_rounds_away_from_zero_on_the_line() {
        // 3 × 0.125 = 0.375 → 0.38; VAT 20 % of 0.38 = 0.076 → 0.08.
        let t = compute(Currency::EUR, &[line(dec!(3), dec!(0.125), dec!(20))], Decimal::ZERO);
        assert_eq!(t.lines[0].net, dec!(0.38));
        assert_eq!(t.vat_total, dec!(0.08));
        assert_eq!(t.gross, dec!(0.46));
    }

    #[test]
    fn vat_is_computed_on_the_summed_base_not_per_line() {
        // Three lines of 0.05 at 10 %: per line 0.005 → 0.01 each (0.03); on the base 0.15 → 0.015 → 0.02.
        let lines = vec![line(dec!(1), dec!(0.05), dec!(10)); 3];
        let t = compute(Currency::EUR, &lines, Decimal::ZERO);
        assert_eq!(t.vat.len(), 1);
        assert_eq!(t.vat[0].base, dec!(0.15));
        assert_eq!(t.vat_total, dec!(0.02));
        assert_eq!(t.gross, dec!(0.17));
    }

    #[test]
    fn mixed_rates_give_one_breakdown_per_rate() {
        let lines = [
            line(dec!(2), dec!(180.50), dec!(10)),
            line(dec!(1), dec!(99.99), dec!(20)),
            line(dec!(3), dec!(4.15), dec!(5.5)),
            line(dec!(1), dec!(10), dec!(0)),
        ];
        let t = compute(Currency::EUR, &lines, Decimal::ZERO);
        let rates: Vec<_> = t.vat.iter().map(|b| (b.category, b.rate)).collect();
        assert_eq!(
            rates,
            vec![
                (VatCategory::S, dec!(5.5)),
                (VatCategory::S, dec!(10)),
                (VatCategory::S, dec!(20)),
                (VatCategory::Z, dec!(0))
            ]
        );
        // 12.45 × 5.5 % = 0.68475 → 0.68; 361 × 10 % = 36.10; 99.99 × 20 % = 19.998 → 20.00.
        assert_eq!(
            t.vat.iter().map(|b| b.amount).collect::<Vec<_>>(),
            vec![dec!(0.68), dec!(36.10), dec!(20.00), dec!(0.00)]
        );
        assert_eq!(t.net, dec!(483.44));
        assert_eq!(t.vat_total, dec!(56.78));
        assert_eq!(t.gross, dec!(540.22));
    }

    #[test]
    fn line_and_document_discounts() {
        let mut l = line(dec!(3), dec!(33.33), dec!(20));
        l.discount_percent = dec!(15);
        // 99.99, discount 14.9985 → 15.00, net 84.99; document 10 %: 8.499 → 8.50, base 76.49.
        let t = compute(Currency::EUR, &[l], dec!(10));
        assert_eq!((t.lines[0].gross, t.lines[0].discount, t.lines[0].net), (dec!(99.99), dec!(15.00), dec!(84.99)));
        assert_eq!(t.discount, dec!(8.50));
        assert_eq!(t.net, dec!(76.49));
        assert_eq!(t.vat_total, dec!(15.30));
        assert_eq!(t.gross, dec!(91.79));
    }

    #[test]
    fn six_decimal_unit_prices() {
        // 1 234 units at 0.012345 = 15.233730 → 15.23.
        let t = compute(Currency::EUR, &[line(dec!(1234), dec!(0.012345), dec!(20))], Decimal::ZERO);
        assert_eq!(t.net, dec!(15.23));
        assert_eq!(t.vat_total, dec!(3.05));
    }

    #[test]
    fn many_small_lines_do_not_drift() {
        let lines = vec![line(dec!(1), dec!(0.01), dec!(5.5)); 1000];
        let t = compute(Currency::EUR, &lines, Decimal::ZERO);
        assert_eq!(t.net, dec!(10.00));
        // One rounding on the base: 10 × 5.5 % = 0.55, not 1000 × round(0.00055) = 0.
        assert_eq!(t.vat_total, dec!(0.55));
    }

    #[test]
    fn an_empty_document_totals_zero_with_two_decimals() {
        let t = compute(Currency::EUR, &[], Decimal::ZERO);
        assert_eq!(t.gross.to_string(), "0.00");
        assert!(t.vat.is_empty());
    }

    fn arb_line() -> impl Strategy<Value = LineFigures> {
        let rates =
            prop::sample::select(vec![dec!(0), dec!(2.1), dec!(5.5), dec!(10), dec!(20), dec!(8.5), dec!(19.6)]);
        (1i64..=100_000, 0u32..=3, 0i64..=10_000_000_000, 0u32..=6, rates, 0i64..=100).prop_map(
            |(q, qs, p, ps, rate, disc)| LineFigures {
                quantity: Decimal::new(q, qs),
                unit_price: Decimal::new(p, ps),
                vat: Vat::new(rate, None).unwrap(),
                discount_percent: Decimal::from(disc),
            },
        )
    }

    proptest! {
        #[test]
        fn totals_are_sums_of_their_rounded_parts(
            lines in prop::collection::vec(arb_line(), 0..40),
            doc_disc in 0i64..=10_000,
            cur in prop::sample::select(vec!["EUR", "JPY", "KWD"]),
        ) {
            let currency: Currency = cur.parse().unwrap();
            let t = compute(currency, &lines, Decimal::new(doc_disc, 2));
            let is_rounded = |d: Decimal| currency.round(d) == d;
            for l in &t.lines {
                prop_assert!(is_rounded(l.gross) && is_rounded(l.discount) && is_rounded(l.net));
                prop_assert_eq!(l.net, l.gross - l.discount);
            }
            prop_assert_eq!(t.lines_net, t.lines.iter().map(|l| l.net).sum::<Decimal>());
            prop_assert_eq!(t.lines_net, t.vat.iter().map(|b| b.lines_net).sum::<Decimal>());
            prop_assert_eq!(t.discount, t.vat.iter().map(|b| b.discount).sum::<Decimal>());
            prop_assert_eq!(t.net, t.vat.iter().map(|b| b.base).sum::<Decimal>());
            prop_assert_eq!(t.vat_total, t.vat.iter().map(|b| b.amount).sum::<Decimal>());
            prop_assert_eq!(t.gross, t.net + t.vat_total);
            for b in &t.vat {
                prop_assert!(is_rounded(b.base) && is_rounded(b.amount) && is_rounded(b.discount));
                prop_assert_eq!(b.amount, currency.round(b.base * b.rate / Decimal::ONE_HUNDRED));
            }
            prop_assert!(t.net >= Decimal::ZERO && t.vat_total >= Decimal::ZERO);
        }
    }
}
