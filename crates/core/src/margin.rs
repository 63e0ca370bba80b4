//! Margins from purchase prices ("marge", "chiffres clés"): what the items of a quote,
//! order or invoice earn over what they cost.
//!
//! Per line, margin = line net − round(qty × purchase price). Lines without a purchase
//! price have no margin and are left out of the document's figures, rates included, so
//! an unknown cost never shows as a 100 % margin. The document margin is the sum of the
//! line margins: it is measured before the document discount and charges.

use crate::money::Currency;
use crate::totals::LineAmounts;
use rust_decimal::{Decimal, RoundingStrategy};

/// What the margin of one item line needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginInput {
    /// What the line sells for: its net without taxes other than VAT.
    pub net: Decimal,
    pub quantity: Decimal,
    /// Purchase price per unit without VAT, up to 6 decimals; `None` when unknown.
    pub purchase_price: Option<Decimal>,
}

impl MarginInput {
    /// The input of an item line from the amounts the totals computed for it.
    pub fn new(amounts: &LineAmounts, quantity: Decimal, purchase_price: Option<Decimal>) -> Self {
        // An eco-participation is collected for someone else: it is neither sales nor margin.
        MarginInput { net: amounts.net - amounts.charge, quantity, purchase_price }
    }
}

/// The margin of one line with a purchase price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMargin {
    /// round(qty × purchase price).
    pub cost: Decimal,
    /// net − cost; negative when sold below cost.
    pub margin: Decimal,
    /// Margin rate, margin / net × 100, 2 decimals ("taux de marque" in French
    /// accounting); `None` when the net is zero.
    pub rate: Option<Decimal>,
    /// Markup rate, margin / cost × 100, 2 decimals ("taux de marge" in French
    /// accounting); `None` when the cost is zero.
    pub markup: Option<Decimal>,
}

/// The margins of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Margins {
    /// One per input line, `None` for a line without a purchase price.
    pub lines: Vec<Option<LineMargin>>,
    /// Sum of the nets of the lines with a purchase price: what the rate is measured on.
    pub net: Decimal,
    /// Sum of the line costs.
    pub cost: Decimal,
    /// Sum of the line margins.
    pub margin: Decimal,
    /// margin / net × 100, 2 decimals; `None` when no line has a purchase price or the net is zero.
    pub rate: Option<Decimal>,
    /// margin / cost × 100, 2 decimals; `None` when the cost is zero.
    pub markup: Option<Decimal>,
}

/// Computes the margins of a document's item lines in `currency`.
pub fn compute(currency: Currency, lines: &[MarginInput]) -> Margins {
    let zero = currency.round(Decimal::ZERO);
    let (mut net, mut cost) = (zero, zero);
    let lines: Vec<Option<LineMargin>> = lines
        .iter()
        .map(|l| {
            let price = l.purchase_price?;
            let line_cost = currency.round(l.quantity * price);
            let line_net = currency.round(l.net);
            net += line_net;
            cost += line_cost;
            let margin = line_net - line_cost;
            Some(LineMargin {
                cost: line_cost,
                margin,
                rate: percent(margin, line_net),
                markup: percent(margin, line_cost),
            })
        })
        .collect();
    let margin = net - cost;
    Margins { lines, net, cost, margin, rate: percent(margin, net), markup: percent(margin, cost) }
}

/// part / whole × 100 rounded to 2 decimals, half away from zero; `None` for a zero whole.
fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    // Multiply first: part × 100 is exact, so the one division is the only rounding.
    let mut p = (part * Decimal::ONE_HUNDRED / whole).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    p.rescale(2);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::Vat;
    use crate::totals::{self, LineFigures};
    use rust_decimal_macros::dec;

    fn input(net: Decimal, quantity: Decimal, purchase_price: Option<Decimal>) -> MarginInput {
        MarginInput { net, quantity, purchase_price }
    }

    #[test]
    fn a_line_margin_is_its_net_less_its_rounded_cost() {
        // 10 × 8.333333 = 83.33333 → 83.33; 125.00 − 83.33 = 41.67.
        let m = compute(Currency::EUR, &[input(dec!(125.00), dec!(10), Some(dec!(8.333333)))]);
        let l = m.lines[0].clone().unwrap();
        assert_eq!((l.cost, l.margin), (dec!(83.33), dec!(41.67)));
        // 41.67 / 125 = 33.336 % → 33.34; 41.67 / 83.33 = 50.006 % → 50.01.
        assert_eq!((l.rate, l.markup), (Some(dec!(33.34)), Some(dec!(50.01))));
        assert_eq!(l.rate.unwrap().to_string(), "33.34");
    }

    #[test]
    fn the_document_margin_sums_the_lines_that_have_a_purchase_price() {
        let m = compute(
            Currency::EUR,
            &[
                input(dec!(125.00), dec!(10), Some(dec!(8.333333))),
                // A service without a purchase price: no margin, and not in the rate.
                input(dec!(500.00), dec!(1), None),
                input(dec!(84.99), dec!(3), Some(dec!(20))),
            ],
        );
        assert_eq!(m.lines[1], None);
        let l = m.lines[2].clone().unwrap();
        // 24.99 / 84.99 = 29.4034 % → 29.40; 24.99 / 60 = 41.65 %.
        assert_eq!(
            (l.cost, l.margin, l.rate, l.markup),
            (dec!(60.00), dec!(24.99), Some(dec!(29.40)), Some(dec!(41.65)))
        );
        assert_eq!((m.net, m.cost, m.margin), (dec!(209.99), dec!(143.33), dec!(66.66)));
        // 66.66 / 209.99 = 31.7444 % → 31.74; 66.66 / 143.33 = 46.5080 % → 46.51.
        assert_eq!((m.rate, m.markup), (Some(dec!(31.74)), Some(dec!(46.51))));
    }

    #[test]
    fn selling_below_cost_gives_a_negative_margin() {
        let m = compute(Currency::EUR, &[input(dec!(10), dec!(2), Some(dec!(6)))]);
        assert_eq!((m.margin, m.rate, m.markup), (dec!(-2.00), Some(dec!(-20.00)), Some(dec!(-16.67))));
    }

    #[test]
    fn rates_are_absent_rather_than_divided_by_zero() {
        let none = compute(Currency::EUR, &[input(dec!(100), dec!(1), None)]);
        assert_eq!((none.net, none.margin, none.rate, none.markup), (dec!(0.00), dec!(0.00), None, None));
        let free = compute(Currency::EUR, &[input(dec!(0), dec!(1), Some(dec!(5)))]);
        assert_eq!((free.margin, free.rate, free.markup), (dec!(-5.00), None, Some(dec!(-100.00))));
        let gift = compute(Currency::EUR, &[input(dec!(30), dec!(1), Some(dec!(0)))]);
        assert_eq!((gift.margin, gift.rate, gift.markup), (dec!(30.00), Some(dec!(100.00)), None));
        assert_eq!(compute(Currency::EUR, &[]).rate, None);
    }

    #[test]
    fn costs_round_to_the_currency() {
        let jpy: Currency = "JPY".parse().unwrap();
        // 3 × 33.5 = 100.5 → 101 yen.
        let m = compute(jpy, &[input(dec!(150), dec!(3), Some(dec!(33.5)))]);
        assert_eq!((m.cost.to_string(), m.margin.to_string()), ("101".to_string(), "49".to_string()));
        assert_eq!(m.rate, Some(dec!(32.67)));
    }

    #[test]
    fn the_eco_participation_is_not_margin() {
        let figures = LineFigures {
            quantity: dec!(2),
            unit_price: dec!(449),
            vat: Vat::new(dec!(20), None).unwrap(),
            discount_percent: dec!(0),
        };
        let doc = totals::DocumentFigures {
            currency: Currency::EUR,
            lines: vec![totals::DocumentLine::Item(totals::ItemFigures {
                line: figures,
                other_taxes: vec![totals::OtherTax {
                    label: "Éco-participation".into(),
                    rate: totals::OtherTaxRate::PerUnit(dec!(10)),
                }],
            })],
            discount: totals::DocumentDiscount::default(),
            charges: vec![],
            vat_adjustments: vec![],
        };
        let t = totals::compute_document(&doc).unwrap();
        assert_eq!(t.lines[0].net, dec!(918.00));
        let m = compute(Currency::EUR, &[MarginInput::new(&t.lines[0], figures.quantity, Some(dec!(300)))]);
        // 898.00 − 600.00, not 918.00 − 600.00.
        assert_eq!((m.net, m.margin, m.rate), (dec!(898.00), dec!(298.00), Some(dec!(33.18))));
    }
}
