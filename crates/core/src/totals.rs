//! The one function that computes a document's totals, per the EN 16931 model:
//! line net = round(qty × price) − round(line discount) + round(qty × per-unit tax);
//! document discount and document charges per VAT category and rate; VAT per
//! category and rate = round(base × rate); totals are sums of rounded parts. The API,
//! the PDF, the XML and the exports all read its result.
//!
//! [`compute_document`] takes a whole document ([`DocumentFigures`]: item, comment and
//! subtotal lines, taxes other than VAT, a document discount in percent or as an
//! amount, document charges such as shipping). [`compute`] is the short form for a
//! document made only of item lines and a percent discount.

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

/// How a tax other than VAT is charged on each unit of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherTaxRate {
    /// A fixed amount per unit, up to 6 decimals like a unit price (an eco-participation of 0.50 per unit).
    PerUnit(Decimal),
    /// A percentage of the unit price before the line discount.
    PercentOfPrice(Decimal),
}

/// A tax other than VAT on a line, such as the French eco-participation ("Taxes
/// (autre que TVA)"). EN 16931 has no such tax: it is a line charge (BG-28) whose
/// amount (BT-141) is part of the line net and therefore bears the line's VAT, as the
/// eco-participation does in France.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherTax {
    /// The charge reason (BT-144), printed: "Éco-participation".
    pub label: String,
    pub rate: OtherTaxRate,
}

impl OtherTax {
    /// The tax on one unit sold at `unit_price`, not rounded.
    pub fn per_unit(&self, unit_price: Decimal) -> Decimal {
        match self.rate {
            OtherTaxRate::PerUnit(a) => a,
            OtherTaxRate::PercentOfPrice(p) => unit_price * p / Decimal::ONE_HUNDRED,
        }
    }
}

/// An item line: the figures of [`LineFigures`] plus its taxes other than VAT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemFigures {
    pub line: LineFigures,
    pub other_taxes: Vec<OtherTax>,
}

impl From<LineFigures> for ItemFigures {
    fn from(line: LineFigures) -> Self {
        ItemFigures { line, other_taxes: Vec::new() }
    }
}

/// One line of a document as the totals see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentLine {
    /// A product or service line: it has amounts.
    Item(ItemFigures),
    /// A line of text only (a line without a product); the totals ignore it.
    Comment,
    /// Shows the sum of the item line nets since the previous subtotal line (or the
    /// start); the totals ignore it, [`subtotals`] gives its value.
    Subtotal,
    /// A deposit taken back by the final invoice: an item line with a negative
    /// quantity whose amount the document discount does not touch, since the deposit
    /// was asked on the discounted order already.
    Deduction(LineFigures),
}

impl From<LineFigures> for DocumentLine {
    fn from(line: LineFigures) -> Self {
        DocumentLine::Item(line.into())
    }
}

/// The document-level discount ("remise générale"), on the lines' net.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentDiscount {
    /// A percentage, 0 to 100, applied to each VAT category's discountable net.
    Percent(Decimal),
    /// An amount in the document's currency, split across VAT categories and rates.
    Amount(Decimal),
    /// Amounts already split per VAT category and rate (EN 16931 BG-20 with BT-95):
    /// what a derived invoice bills of its order's discount (see `derive`).
    PerVat(Vec<VatAmount>),
}

/// An amount of one VAT category and rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VatAmount {
    pub vat: Vat,
    pub amount: Decimal,
}

impl Default for DocumentDiscount {
    fn default() -> Self {
        DocumentDiscount::Percent(Decimal::ZERO)
    }
}

/// A document-level charge such as shipping costs ("frais de port"), BG-21.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentCharge {
    /// The charge reason (BT-104), printed: "Frais de port".
    pub label: String,
    /// Amount without VAT (BT-99), exact in the document's currency, not negative.
    pub amount: Decimal,
    /// The VAT category and rate the charge bears (BT-102, BT-103).
    pub vat: Vat,
}

/// Everything the totals of a document depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentFigures {
    pub currency: Currency,
    /// Item, comment and subtotal lines in display order.
    pub lines: Vec<DocumentLine>,
    pub discount: DocumentDiscount,
    pub charges: Vec<DocumentCharge>,
    /// Corrections of the VAT of a category and rate, a cent or a few: the last
    /// document of a family takes the VAT its order bears less what the others billed,
    /// which rounding per document can move off round(base × rate) (EN 16931 BR-CO-17
    /// tolerates less than one unit). See [`MAX_VAT_ADJUSTMENT`].
    pub vat_adjustments: Vec<VatAmount>,
}

/// The largest correction a category's VAT may take: under one unit of the currency,
/// the tolerance of EN 16931 BR-CO-17, with room to spare.
pub const MAX_VAT_ADJUSTMENT: Decimal = Decimal::from_parts(50, 0, 0, false, 2);

/// Why a document's figures cannot be totalled. Positions count every line from 1,
/// comment and subtotal lines included, as the user sees them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("the document discount is a percentage between 0 and 100, not {0}")]
    DiscountPercentOutOfRange(Decimal),
    #[error("the document discount cannot be negative ({0}); add a document charge instead")]
    NegativeDiscount(Decimal),
    #[error(
        "the document discount {discount} is more than the {net} it can apply to (the lines' net without taxes other than VAT); lower it"
    )]
    DiscountExceedsNet { discount: Decimal, net: Decimal },
    #[error("{what} {amount} has more decimals than {currency} allows ({decimals})")]
    TooPrecise { what: String, amount: Decimal, currency: Currency, decimals: u32 },
    #[error("document charge {position} has no label; give it one, for example \"Frais de port\"")]
    ChargeWithoutLabel { position: usize },
    #[error("document charge {label:?} is negative ({amount}); use the document discount for an allowance")]
    NegativeCharge { label: String, amount: Decimal },
    #[error("line {position}: a tax other than VAT needs a label, for example \"Éco-participation\"")]
    TaxWithoutLabel { position: usize },
    #[error("line {position}: tax {label:?} cannot be negative ({value})")]
    NegativeTax { position: usize, label: String, value: Decimal },
    #[error("a VAT correction of {amount} at {rate} % is more than the {max} rounding allows")]
    VatAdjustmentTooLarge { amount: Decimal, rate: Decimal, max: Decimal },
}

impl TotalsError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            TotalsError::DiscountPercentOutOfRange(v) => {
                Message::new("document_discount_percentage_between").with("v", v)
            }
            TotalsError::NegativeDiscount(v) => Message::new("document_discount_cannot_negative").with("v", v),
            TotalsError::DiscountExceedsNet { discount, net } => {
                Message::new("document_discount_more_can").with("d", discount).with("net", net)
            }
            TotalsError::TooPrecise { what, amount, currency, decimals } => {
                let m = match what.strip_prefix("document charge ") {
                    Some(label) => Message::new("document_charge_more_decimals").with("label", label),
                    None if what == "the document discount" => Message::new("document_discount_more_decimals"),
                    None => Message::new("amount_too_many_decimals").with("what", what),
                };
                m.with("amount", amount).with("cur", currency).with("n", decimals)
            }
            TotalsError::ChargeWithoutLabel { position } => {
                Message::new("document_charge_label_give").with("n", position)
            }
            TotalsError::NegativeCharge { label, amount } => {
                Message::new("document_charge_negative_use").with("label", format!("{label:?}")).with("amount", amount)
            }
            TotalsError::TaxWithoutLabel { position } => Message::new("line_tax_other_vat").with("n", position),
            TotalsError::NegativeTax { position, label, value } => Message::new("line_tax_cannot_negative")
                .with("n", position)
                .with("label", format!("{label:?}"))
                .with("v", value),
            TotalsError::VatAdjustmentTooLarge { amount, rate, max } => {
                Message::new("vat_correction_more_rounding").with("amount", amount).with("rate", rate).with("max", max)
            }
        }
    }
}

/// The amounts of one item line, rounded to the currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineAmounts {
    /// round(qty × unit price).
    pub gross: Decimal,
    /// round(gross × discount %): the line allowance (BT-136).
    pub discount: Decimal,
    /// One line charge (BT-141) per tax other than VAT, round(qty × per-unit tax), in
    /// the order of the line's taxes.
    pub charge_parts: Vec<Decimal>,
    /// Sum of `charge_parts`: the line's taxes other than VAT.
    pub charge: Decimal,
    /// gross − discount + charge: the line net amount (BT-131).
    pub net: Decimal,
}

/// The VAT of one category and rate (BG-23).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VatBreakdown {
    pub category: VatCategory,
    pub rate: Decimal,
    /// Sum of the line nets of this category and rate.
    pub lines_net: Decimal,
    /// What the document discount applies to: `lines_net` without the line charges,
    /// since an eco-participation is passed on in full (BT-93).
    pub discount_base: Decimal,
    /// The share of the document discount borne by this category (BT-92 with BT-95).
    pub discount: Decimal,
    /// Sum of the document charges of this category and rate (BT-99 with BT-102).
    pub charges: Decimal,
    /// lines_net − discount + charges: the taxable amount (BT-116).
    pub base: Decimal,
    /// round(base × rate / 100) (BT-117).
    pub amount: Decimal,
}

/// The totals of a document (BG-22), every figure rounded to the currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub currency: Currency,
    /// One per item line, in document order; comment and subtotal lines have none.
    pub lines: Vec<LineAmounts>,
    /// Sum of line nets (BT-106).
    pub lines_net: Decimal,
    /// Sum of document-level discounts (BT-107).
    pub discount: Decimal,
    /// Sum of document-level charges (BT-108).
    pub charges: Decimal,
    /// Total without VAT, lines_net − discount + charges (BT-109).
    pub net: Decimal,
    /// Per category and rate, ordered by category then rate.
    pub vat: Vec<VatBreakdown>,
    /// Total VAT (BT-110).
    pub vat_total: Decimal,
    /// Total with VAT (BT-112).
    pub gross: Decimal,
}

/// Computes the totals of a document from its lines and its document discount (percent of net).
///
/// The short form of [`compute_document`] for item lines only, without taxes other than
/// VAT or charges. It validates nothing, as before: callers pass a percent already
/// checked at the edge.
pub fn compute(currency: Currency, lines: &[LineFigures], document_discount_percent: Decimal) -> Totals {
    let items = lines.iter().map(|l| (l, &[][..], true));
    totals_of(currency, items, &DocumentDiscount::Percent(document_discount_percent), &[], &[])
}

/// Computes the totals of figures already [`check`]ed (a stored document was checked
/// when it was written). Unchecked figures still give totals, never a panic.
pub fn compute_checked(doc: &DocumentFigures) -> Totals {
    totals_of(doc.currency, items(&doc.lines), &doc.discount, &doc.charges, &doc.vat_adjustments)
}

/// Computes the totals of a whole document, after [`check`]ing its figures.
pub fn compute_document(doc: &DocumentFigures) -> Result<Totals, TotalsError> {
    check(doc)?;
    Ok(totals_of(doc.currency, items(&doc.lines), &doc.discount, &doc.charges, &doc.vat_adjustments))
}

/// Checks what [`compute_document`] cannot total: labels missing, negative taxes or
/// charges, amounts finer than the currency, a discount out of range or larger than
/// the net it applies to.
pub fn check(doc: &DocumentFigures) -> Result<(), TotalsError> {
    let currency = doc.currency;
    let too_precise = |what: String, amount: Decimal| TotalsError::TooPrecise {
        what,
        amount,
        currency,
        decimals: currency.minor_units(),
    };
    for (i, line) in doc.lines.iter().enumerate() {
        let DocumentLine::Item(item) = line else { continue };
        for t in &item.other_taxes {
            if t.label.trim().is_empty() {
                return Err(TotalsError::TaxWithoutLabel { position: i + 1 });
            }
            let (OtherTaxRate::PerUnit(value) | OtherTaxRate::PercentOfPrice(value)) = t.rate;
            if value < Decimal::ZERO {
                return Err(TotalsError::NegativeTax { position: i + 1, label: t.label.clone(), value });
            }
        }
    }
    for (i, c) in doc.charges.iter().enumerate() {
        if c.label.trim().is_empty() {
            return Err(TotalsError::ChargeWithoutLabel { position: i + 1 });
        }
        if c.amount < Decimal::ZERO {
            return Err(TotalsError::NegativeCharge { label: c.label.clone(), amount: c.amount });
        }
        if !currency.is_exact(c.amount) {
            return Err(too_precise(format!("document charge {:?}", c.label), c.amount));
        }
    }
    for a in &doc.vat_adjustments {
        if a.amount.abs() > MAX_VAT_ADJUSTMENT {
            return Err(TotalsError::VatAdjustmentTooLarge {
                amount: a.amount,
                rate: a.vat.rate(),
                max: MAX_VAT_ADJUSTMENT,
            });
        }
        if !currency.is_exact(a.amount) {
            return Err(too_precise("a VAT correction".into(), a.amount));
        }
    }
    match &doc.discount {
        DocumentDiscount::PerVat(parts) => {
            for a in parts {
                if !currency.is_exact(a.amount) {
                    return Err(too_precise("the document discount".into(), a.amount));
                }
            }
        }
        DocumentDiscount::Percent(p) => {
            let p = *p;
            if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
                return Err(TotalsError::DiscountPercentOutOfRange(p));
            }
        }
        DocumentDiscount::Amount(a) => {
            let a = *a;
            if a < Decimal::ZERO {
                return Err(TotalsError::NegativeDiscount(a));
            }
            if !currency.is_exact(a) {
                return Err(too_precise("the document discount".into(), a));
            }
            let net = items(&doc.lines).filter(|(_, _, discountable)| *discountable).fold(
                currency.round(Decimal::ZERO),
                |s, (l, taxes, _)| {
                    let a = line_amounts(currency, l, taxes);
                    s + a.net - a.charge
                },
            );
            if a > net {
                return Err(TotalsError::DiscountExceedsNet { discount: a, net });
            }
        }
    }
    Ok(())
}

/// The value of each subtotal line: the sum of the item line nets since the previous
/// subtotal line, or since the start. One entry per line, `Some` on subtotal lines only.
pub fn subtotals(currency: Currency, lines: &[DocumentLine]) -> Vec<Option<Decimal>> {
    let zero = currency.round(Decimal::ZERO);
    let mut running = zero;
    lines
        .iter()
        .map(|line| match line {
            DocumentLine::Item(i) => {
                running += line_amounts(currency, &i.line, &i.other_taxes).net;
                None
            }
            DocumentLine::Deduction(l) => {
                running += line_amounts(currency, l, &[]).net;
                None
            }
            DocumentLine::Comment => None,
            DocumentLine::Subtotal => Some(std::mem::replace(&mut running, zero)),
        })
        .collect()
}

/// The lines with amounts (items and deductions) with their taxes other than VAT and
/// whether the document discount applies to them.
fn items(lines: &[DocumentLine]) -> impl Iterator<Item = (&LineFigures, &[OtherTax], bool)> {
    lines.iter().filter_map(|l| match l {
        DocumentLine::Item(i) => Some((&i.line, i.other_taxes.as_slice(), true)),
        DocumentLine::Deduction(l) => Some((l, &[][..], false)),
        DocumentLine::Comment | DocumentLine::Subtotal => None,
    })
}

fn line_amounts(currency: Currency, l: &LineFigures, taxes: &[OtherTax]) -> LineAmounts {
    let gross = currency.round(l.quantity * l.unit_price);
    let discount = currency.round(gross * l.discount_percent / Decimal::ONE_HUNDRED);
    // Each tax is its own line charge (BG-28), so each is rounded on its own.
    let charge_parts: Vec<Decimal> =
        taxes.iter().map(|t| currency.round(l.quantity * t.per_unit(l.unit_price))).collect();
    let charge = charge_parts.iter().fold(currency.round(Decimal::ZERO), |s, c| s + c);
    LineAmounts { gross, discount, net: gross - discount + charge, charge_parts, charge }
}

/// What the lines and charges of one VAT category and rate add up to.
struct Group {
    lines_net: Decimal,
    discount_base: Decimal,
    charges: Decimal,
}

/// The one place the arithmetic happens; [`compute`] and [`compute_document`] feed it.
fn totals_of<'a>(
    currency: Currency,
    items: impl Iterator<Item = (&'a LineFigures, &'a [OtherTax], bool)>,
    discount: &DocumentDiscount,
    charges: &[DocumentCharge],
    vat_adjustments: &[VatAmount],
) -> Totals {
    let zero = currency.round(Decimal::ZERO);
    let new_group = || Group { lines_net: zero, discount_base: zero, charges: zero };
    let mut groups: BTreeMap<Vat, Group> = BTreeMap::new();
    let lines: Vec<LineAmounts> = items
        .map(|(l, taxes, discountable)| {
            let a = line_amounts(currency, l, taxes);
            let g = groups.entry(l.vat).or_insert_with(new_group);
            g.lines_net += a.net;
            if discountable {
                g.discount_base += a.net - a.charge;
            }
            a
        })
        .collect();
    for c in charges {
        // A charge bears its own VAT (BT-102/BT-103), even one no line has.
        groups.entry(c.vat).or_insert_with(new_group).charges += currency.round(c.amount);
    }
    // A discount or a VAT correction given per category makes it appear, even with no
    // line left in it (the last invoice of a family can owe a cent of VAT on a base of 0).
    let per_vat_discount: &[VatAmount] = match discount {
        DocumentDiscount::PerVat(parts) => parts,
        _ => &[],
    };
    for a in per_vat_discount.iter().chain(vat_adjustments) {
        groups.entry(a.vat).or_insert_with(new_group);
    }

    let bases: Vec<(Vat, Decimal)> = groups.iter().map(|(v, g)| (*v, g.discount_base)).collect();
    let shares = discount_shares(currency, discount, &bases);
    // Rounded per VAT category, not per line: EN 16931 BR-CO-17.
    let vat: Vec<VatBreakdown> = groups
        .into_iter()
        .zip(shares)
        .map(|((v, g), discount)| {
            let base = g.lines_net - discount + g.charges;
            let adjustment: Decimal = vat_adjustments.iter().filter(|a| a.vat == v).map(|a| a.amount).sum();
            let amount = currency.round(base * v.rate() / Decimal::ONE_HUNDRED) + currency.round(adjustment);
            VatBreakdown {
                category: v.category(),
                rate: v.rate(),
                lines_net: g.lines_net,
                discount_base: g.discount_base,
                discount,
                charges: g.charges,
                base,
                amount,
            }
        })
        .collect();

    let lines_net = lines.iter().fold(zero, |s, l| s + l.net);
    let discount = vat.iter().fold(zero, |s, b| s + b.discount);
    let charges = vat.iter().fold(zero, |s, b| s + b.charges);
    let net = lines_net - discount + charges;
    let vat_total = vat.iter().fold(zero, |s, b| s + b.amount);
    Totals { currency, lines, lines_net, discount, charges, net, vat, vat_total, gross: net + vat_total }
}

/// The document discount borne by each VAT category and rate, given their discount bases.
fn discount_shares(currency: Currency, discount: &DocumentDiscount, bases: &[(Vat, Decimal)]) -> Vec<Decimal> {
    let vats: Vec<Vat> = bases.iter().map(|(v, _)| *v).collect();
    let bases: Vec<Decimal> = bases.iter().map(|(_, b)| *b).collect();
    let bases = bases.as_slice();
    match discount {
        DocumentDiscount::PerVat(parts) => vats
            .iter()
            .map(|v| currency.round(parts.iter().filter(|a| a.vat == *v).map(|a| a.amount).sum::<Decimal>()))
            .collect(),
        DocumentDiscount::Percent(p) => bases.iter().map(|b| currency.round(b * p / Decimal::ONE_HUNDRED)).collect(),
        DocumentDiscount::Amount(amount) => {
            let amount = currency.round(*amount);
            let total: Decimal = bases.iter().sum();
            if total.is_zero() {
                // check() allows only a zero discount on a zero net.
                return bases.iter().map(|_| currency.round(Decimal::ZERO)).collect();
            }
            // EN 16931 needs a VAT category on every document allowance (BT-95), so
            // the amount is split in proportion to the bases.
            let share = |b: &Decimal| {
                // amount × base is exact up to ~10^28; beyond (far past any real invoice)
                // the ratio is taken first, at the cost of its last digit.
                let exact = amount.checked_mul(*b).map(|p| p / total);
                currency.round(exact.unwrap_or_else(|| amount * (b / total)))
            };
            let mut shares: Vec<Decimal> = bases.iter().map(share).collect();
            let remainder = amount - shares.iter().sum::<Decimal>();
            // The rounding remainder goes to the largest base (the first one on a tie),
            // where it changes the VAT the least, so the parts sum to the amount exactly.
            let mut largest = 0;
            for (i, b) in bases.iter().enumerate() {
                if *b > bases[largest] {
                    largest = i;
                }
            }
            if let Some(s) = shares.get_mut(largest) {
                *s += remainder;
            }
            // On bases of a few cents (0.02 over four bases of 0.01 rounds to 0.01 each,
            // so the first would give back 0.02) the remainder can push a share below
            // zero or past its base. Rounding the running total instead keeps every
            // share within its base and still sums to the amount.
            let fits = |s: &Decimal, b: &Decimal| {
                s.is_zero() || ((*s < Decimal::ZERO) == (*b < Decimal::ZERO) && s.abs() <= b.abs())
            };
            if !shares.iter().zip(bases).all(|(s, b)| fits(s, b)) {
                let (mut running, mut before) = (Decimal::ZERO, currency.round(Decimal::ZERO));
                for (s, b) in shares.iter_mut().zip(bases) {
                    running += b;
                    let upto = share(&running);
                    *s = upto - before;
                    before = upto;
                }
            }
            shares
        }
    }
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

    // --- compute_document: taxes other than VAT, discount amounts, charges, subtotals.

    fn vat(rate: Decimal) -> Vat {
        Vat::new(rate, None).unwrap()
    }

    fn eco(per_unit: Decimal) -> OtherTax {
        OtherTax { label: "Éco-participation".into(), rate: OtherTaxRate::PerUnit(per_unit) }
    }

    fn item(q: Decimal, p: Decimal, rate: Decimal, taxes: Vec<OtherTax>) -> DocumentLine {
        DocumentLine::Item(ItemFigures { line: line(q, p, rate), other_taxes: taxes })
    }

    fn doc(lines: Vec<DocumentLine>, discount: DocumentDiscount, charges: Vec<DocumentCharge>) -> DocumentFigures {
        DocumentFigures { currency: Currency::EUR, lines, discount, charges, vat_adjustments: vec![] }
    }

    fn charge(label: &str, amount: Decimal, rate: Decimal) -> DocumentCharge {
        DocumentCharge { label: label.into(), amount, vat: vat(rate) }
    }

    fn no_discount() -> DocumentDiscount {
        DocumentDiscount::Percent(Decimal::ZERO)
    }

    #[test]
    fn an_eco_participation_is_part_of_the_line_net_and_bears_its_vat() {
        // Two washing machines at 449.00 with 10.00 of eco-participation each.
        let t = compute_document(&doc(
            vec![item(dec!(2), dec!(449), dec!(20), vec![eco(dec!(10))])],
            no_discount(),
            vec![],
        ))
        .unwrap();
        let l = &t.lines[0];
        assert_eq!((l.gross, l.discount, l.charge, l.net), (dec!(898.00), dec!(0.00), dec!(20.00), dec!(918.00)));
        assert_eq!(l.charge_parts, vec![dec!(20.00)]);
        assert_eq!((t.vat[0].lines_net, t.vat[0].discount_base), (dec!(918.00), dec!(898.00)));
        assert_eq!((t.net, t.vat_total, t.gross), (dec!(918.00), dec!(183.60), dec!(1101.60)));
    }

    #[test]
    fn each_tax_is_rounded_on_its_own_and_ignores_the_line_discount() {
        let mut figures = line(dec!(3), dec!(33.33), dec!(20));
        figures.discount_percent = dec!(15);
        let taxes = vec![
            eco(dec!(0.125)),
            OtherTax { label: "Redevance".into(), rate: OtherTaxRate::PercentOfPrice(dec!(1.5)) },
        ];
        let lines = vec![DocumentLine::Item(ItemFigures { line: figures, other_taxes: taxes })];
        let t = compute_document(&doc(lines, no_discount(), vec![])).unwrap();
        let l = &t.lines[0];
        // 3 × 0.125 = 0.375 → 0.38; 3 × 33.33 × 1.5 % = 1.49985 → 1.50; the 15 % touches 99.99 only.
        assert_eq!(l.charge_parts, vec![dec!(0.38), dec!(1.50)]);
        assert_eq!((l.gross, l.discount, l.charge, l.net), (dec!(99.99), dec!(15.00), dec!(1.88), dec!(86.87)));
        // 86.87 × 20 % = 17.374 → 17.37.
        assert_eq!((t.vat_total, t.gross), (dec!(17.37), dec!(104.24)));
    }

    #[test]
    fn a_percent_document_discount_leaves_the_eco_participation_whole() {
        let lines = vec![item(dec!(2), dec!(449), dec!(20), vec![eco(dec!(10))])];
        let t = compute_document(&doc(lines, DocumentDiscount::Percent(dec!(10)), vec![])).unwrap();
        // 10 % of 898.00, not of 918.00: an eco-participation is passed on without reduction.
        assert_eq!(t.discount, dec!(89.80));
        assert_eq!((t.net, t.vat_total, t.gross), (dec!(828.20), dec!(165.64), dec!(993.84)));
    }

    fn three_rates() -> Vec<DocumentLine> {
        vec![
            item(dec!(1), dec!(150), dec!(20), vec![]),
            item(dec!(1), dec!(75), dec!(10), vec![]),
            item(dec!(1), dec!(75), dec!(5.5), vec![]),
        ]
    }

    #[test]
    fn a_discount_amount_is_split_across_rates_in_proportion_to_their_nets() {
        let t = compute_document(&doc(three_rates(), DocumentDiscount::Amount(dec!(30)), vec![])).unwrap();
        // Breakdowns are ordered 5.5 %, 10 %, 20 %.
        assert_eq!(t.vat.iter().map(|b| b.discount).collect::<Vec<_>>(), vec![dec!(7.50), dec!(7.50), dec!(15.00)]);
        assert_eq!((t.discount, t.net), (dec!(30.00), dec!(270.00)));
    }

    #[test]
    fn the_rounding_remainder_of_a_discount_amount_goes_to_the_largest_base() {
        // 0.10 × 1/4 = 0.025 → 0.03 twice, 0.10 × 1/2 = 0.05: 0.11, so the 20 % base gives back 0.01.
        let t = compute_document(&doc(three_rates(), DocumentDiscount::Amount(dec!(0.10)), vec![])).unwrap();
        assert_eq!(t.vat.iter().map(|b| b.discount).collect::<Vec<_>>(), vec![dec!(0.03), dec!(0.03), dec!(0.04)]);
        assert_eq!(t.vat.iter().map(|b| b.base).collect::<Vec<_>>(), vec![dec!(74.97), dec!(74.97), dec!(149.96)]);
        // 4.12335 → 4.12; 7.497 → 7.50; 29.992 → 29.99.
        assert_eq!(t.vat.iter().map(|b| b.amount).collect::<Vec<_>>(), vec![dec!(4.12), dec!(7.50), dec!(29.99)]);
        assert_eq!((t.discount, t.net, t.vat_total, t.gross), (dec!(0.10), dec!(299.90), dec!(41.61), dec!(341.51)));
    }

    #[test]
    fn on_equal_bases_the_remainder_goes_to_the_first_and_yen_have_no_decimals() {
        let jpy: Currency = "JPY".parse().unwrap();
        let lines = vec![
            item(dec!(1), dec!(100), dec!(20), vec![]),
            item(dec!(1), dec!(100), dec!(10), vec![]),
            item(dec!(1), dec!(100), dec!(5.5), vec![]),
        ];
        let d = DocumentFigures {
            currency: jpy,
            lines,
            discount: DocumentDiscount::Amount(dec!(100)),
            charges: vec![],
            vat_adjustments: vec![],
        };
        let t = compute_document(&d).unwrap();
        assert_eq!(t.vat.iter().map(|b| b.discount).collect::<Vec<_>>(), vec![dec!(34), dec!(33), dec!(33)]);
        assert_eq!((t.discount.to_string(), t.net.to_string()), ("100".to_string(), "200".to_string()));
    }

    #[test]
    fn a_discount_amount_cannot_exceed_the_net_it_applies_to() {
        let lines = || vec![item(dec!(2), dec!(449), dec!(20), vec![eco(dec!(10))])];
        let err = compute_document(&doc(lines(), DocumentDiscount::Amount(dec!(900)), vec![])).unwrap_err();
        assert_eq!(err, TotalsError::DiscountExceedsNet { discount: dec!(900), net: dec!(898.00) });
        assert!(err.to_string().contains("lower it"), "{err}");
        // The whole discountable net is fine: only the eco-participation remains.
        let t = compute_document(&doc(lines(), DocumentDiscount::Amount(dec!(898)), vec![])).unwrap();
        assert_eq!((t.net, t.gross), (dec!(20.00), dec!(24.00)));
        assert_eq!(
            compute_document(&doc(vec![], DocumentDiscount::Amount(dec!(0.01)), vec![])),
            Err(TotalsError::DiscountExceedsNet { discount: dec!(0.01), net: dec!(0.00) })
        );
        assert_eq!(compute_document(&doc(vec![], DocumentDiscount::Amount(dec!(0)), vec![])).unwrap().net, dec!(0.00));
    }

    #[test]
    fn bad_discounts_are_refused_with_a_reason() {
        let d = |discount| compute_document(&doc(three_rates(), discount, vec![]));
        assert_eq!(d(DocumentDiscount::Amount(dec!(-5))), Err(TotalsError::NegativeDiscount(dec!(-5))));
        assert_eq!(d(DocumentDiscount::Percent(dec!(120))), Err(TotalsError::DiscountPercentOutOfRange(dec!(120))));
        assert_eq!(d(DocumentDiscount::Percent(dec!(-1))), Err(TotalsError::DiscountPercentOutOfRange(dec!(-1))));
        let err = d(DocumentDiscount::Amount(dec!(10.005))).unwrap_err();
        assert_eq!(err.to_string(), "the document discount 10.005 has more decimals than EUR allows (2)");
    }

    #[test]
    fn shipping_costs_add_to_the_base_of_their_own_vat() {
        let charges = vec![charge("Frais de port", dec!(12.50), dec!(20)), charge("Emballage", dec!(4), dec!(5.5))];
        let t =
            compute_document(&doc(vec![item(dec!(1), dec!(100), dec!(20), vec![])], no_discount(), charges.clone()))
                .unwrap();
        // A charge whose rate no line has gets its own breakdown, with no line net.
        let b: Vec<_> = t.vat.iter().map(|b| (b.rate, b.lines_net, b.charges, b.base, b.amount)).collect();
        assert_eq!(
            b,
            vec![
                (dec!(5.5), dec!(0.00), dec!(4.00), dec!(4.00), dec!(0.22)),
                (dec!(20), dec!(100.00), dec!(12.50), dec!(112.50), dec!(22.50)),
            ]
        );
        assert_eq!((t.lines_net, t.charges, t.net), (dec!(100.00), dec!(16.50), dec!(116.50)));
        assert_eq!((t.vat_total, t.gross), (dec!(22.72), dec!(139.22)));

        // A document discount applies to the lines, never to the charges.
        for discount in [DocumentDiscount::Amount(dec!(10)), DocumentDiscount::Percent(dec!(10))] {
            let t = compute_document(&doc(vec![item(dec!(1), dec!(100), dec!(20), vec![])], discount, charges.clone()))
                .unwrap();
            assert_eq!(t.vat.iter().map(|b| b.discount).collect::<Vec<_>>(), vec![dec!(0.00), dec!(10.00)]);
            assert_eq!((t.net, t.vat_total, t.gross), (dec!(106.50), dec!(20.72), dec!(127.22)));
        }
    }

    #[test]
    fn bad_charges_and_taxes_are_refused_with_their_position() {
        let base = || vec![DocumentLine::Comment, item(dec!(1), dec!(10), dec!(20), vec![])];
        let refused = |lines, charges| compute_document(&doc(lines, no_discount(), charges)).unwrap_err();
        let err = refused(base(), vec![charge(" ", dec!(5), dec!(20))]);
        assert_eq!(err, TotalsError::ChargeWithoutLabel { position: 1 });
        let err = refused(base(), vec![charge("Frais de port", dec!(-5), dec!(20))]);
        assert_eq!(err, TotalsError::NegativeCharge { label: "Frais de port".into(), amount: dec!(-5) });
        let err = refused(base(), vec![charge("Frais de port", dec!(5.001), dec!(20))]);
        assert!(matches!(err, TotalsError::TooPrecise { decimals: 2, .. }), "{err}");
        let mut lines = base();
        lines.push(item(dec!(1), dec!(10), dec!(20), vec![OtherTax { label: String::new(), ..eco(dec!(1)) }]));
        assert_eq!(refused(lines, vec![]), TotalsError::TaxWithoutLabel { position: 3 });
        let mut lines = base();
        lines.push(item(dec!(1), dec!(10), dec!(20), vec![eco(dec!(-1))]));
        let err = refused(lines, vec![]);
        assert_eq!(err.to_string(), "line 3: tax \"Éco-participation\" cannot be negative (-1)");
    }

    #[test]
    fn comment_and_subtotal_lines_carry_no_figures() {
        let lines = vec![
            item(dec!(1), dec!(10), dec!(20), vec![]),
            item(dec!(2), dec!(10), dec!(20), vec![eco(dec!(0.5))]),
            DocumentLine::Subtotal,
            DocumentLine::Comment,
            item(dec!(1), dec!(5), dec!(10), vec![]),
            DocumentLine::Subtotal,
            DocumentLine::Subtotal,
            item(dec!(1), dec!(1), dec!(20), vec![]),
        ];
        assert_eq!(
            subtotals(Currency::EUR, &lines),
            vec![None, None, Some(dec!(31.00)), None, None, Some(dec!(5.00)), Some(dec!(0.00)), None]
        );
        let with = compute_document(&doc(lines.clone(), no_discount(), vec![])).unwrap();
        let items_only: Vec<_> = lines.into_iter().filter(|l| matches!(l, DocumentLine::Item(_))).collect();
        assert_eq!(with, compute_document(&doc(items_only, no_discount(), vec![])).unwrap());
        assert_eq!((with.lines.len(), with.lines_net), (4, dec!(37.00)));
    }

    fn arb_other_tax() -> impl Strategy<Value = OtherTax> {
        (any::<bool>(), 0i64..=100_000, 0u32..=6, 0i64..=2_000).prop_map(|(per_unit, a, s, p)| OtherTax {
            label: "Taxe".into(),
            rate: if per_unit {
                OtherTaxRate::PerUnit(Decimal::new(a, s))
            } else {
                OtherTaxRate::PercentOfPrice(Decimal::new(p, 2))
            },
        })
    }

    fn arb_document_line() -> impl Strategy<Value = DocumentLine> {
        prop_oneof![
            6 => (arb_line(), prop::collection::vec(arb_other_tax(), 0..3))
                .prop_map(|(line, other_taxes)| DocumentLine::Item(ItemFigures { line, other_taxes })),
            1 => Just(DocumentLine::Comment),
            1 => Just(DocumentLine::Subtotal),
        ]
    }

    fn arb_vat() -> impl Strategy<Value = Vat> {
        prop::sample::select(vec![dec!(0), dec!(2.1), dec!(5.5), dec!(10), dec!(20)]).prop_map(vat)
    }

    proptest! {
        #[test]
        fn document_totals_are_sums_of_their_rounded_parts(
            lines in prop::collection::vec(arb_document_line(), 0..30),
            raw_charges in prop::collection::vec((0i64..=10_000_000, arb_vat()), 0..4),
            as_amount in any::<bool>(),
            percent in 0i64..=10_000,
            per_mille in 0i64..=1_000,
            cur in prop::sample::select(vec!["EUR", "JPY", "KWD"]),
        ) {
            let currency: Currency = cur.parse().unwrap();
            let charges: Vec<DocumentCharge> = raw_charges
                .into_iter()
                .map(|(units, vat)| DocumentCharge {
                    label: "Frais de port".into(),
                    amount: Decimal::new(units, currency.minor_units()),
                    vat,
                })
                .collect();
            let mut d = DocumentFigures { currency, lines, discount: DocumentDiscount::default(), charges, vat_adjustments: vec![] };
            let discountable: Decimal = compute_document(&d).unwrap().vat.iter().map(|b| b.discount_base).sum();
            d.discount = if as_amount {
                DocumentDiscount::Amount(currency.round(discountable * Decimal::new(per_mille, 3)))
            } else {
                DocumentDiscount::Percent(Decimal::new(percent, 2))
            };
            let t = compute_document(&d).unwrap();
            let is_rounded = |x: Decimal| currency.round(x) == x;

            prop_assert_eq!(t.lines.len(), d.lines.iter().filter(|l| matches!(l, DocumentLine::Item(_))).count());
            for l in &t.lines {
                prop_assert!(is_rounded(l.gross) && is_rounded(l.discount) && is_rounded(l.charge) && is_rounded(l.net));
                prop_assert!(l.charge_parts.iter().all(|c| is_rounded(*c)));
                prop_assert_eq!(l.charge, l.charge_parts.iter().copied().sum::<Decimal>());
                prop_assert_eq!(l.net, l.gross - l.discount + l.charge);
            }
            prop_assert_eq!(t.lines_net, t.lines.iter().map(|l| l.net).sum::<Decimal>());
            prop_assert_eq!(t.lines_net, t.vat.iter().map(|b| b.lines_net).sum::<Decimal>());
            prop_assert_eq!(t.discount, t.vat.iter().map(|b| b.discount).sum::<Decimal>());
            prop_assert_eq!(t.charges, t.vat.iter().map(|b| b.charges).sum::<Decimal>());
            prop_assert_eq!(t.charges, d.charges.iter().map(|c| c.amount).sum::<Decimal>());
            prop_assert_eq!(t.net, t.lines_net - t.discount + t.charges);
            prop_assert_eq!(t.net, t.vat.iter().map(|b| b.base).sum::<Decimal>());
            prop_assert_eq!(t.vat_total, t.vat.iter().map(|b| b.amount).sum::<Decimal>());
            prop_assert_eq!(t.gross, t.net + t.vat_total);
            for x in [t.lines_net, t.discount, t.charges, t.net, t.vat_total, t.gross] {
                prop_assert!(is_rounded(x));
            }
            for b in &t.vat {
                for x in [b.lines_net, b.discount_base, b.discount, b.charges, b.base, b.amount] {
                    prop_assert!(is_rounded(x));
                }
                prop_assert_eq!(b.base, b.lines_net - b.discount + b.charges);
                prop_assert_eq!(b.amount, currency.round(b.base * b.rate / Decimal::ONE_HUNDRED));
                prop_assert!(b.discount >= Decimal::ZERO && b.discount <= b.discount_base);
                if let DocumentDiscount::Percent(p) = d.discount {
                    prop_assert_eq!(b.discount, currency.round(b.discount_base * p / Decimal::ONE_HUNDRED));
                }
            }
            if let DocumentDiscount::Amount(a) = d.discount {
                prop_assert_eq!(t.discount, a);
            }
            prop_assert!(t.net >= Decimal::ZERO && t.vat_total >= Decimal::ZERO);

            // Closing the document with a subtotal line accounts for every line net.
            let mut closed = d.lines.clone();
            closed.push(DocumentLine::Subtotal);
            prop_assert_eq!(subtotals(currency, &closed).into_iter().flatten().sum::<Decimal>(), t.lines_net);
        }

        #[test]
        fn compute_is_compute_document_without_the_extras(
            lines in prop::collection::vec(arb_line(), 0..20),
            doc_disc in 0i64..=10_000,
        ) {
            let percent = Decimal::new(doc_disc, 2);
            let d = DocumentFigures {
                currency: Currency::EUR,
                lines: lines.iter().copied().map(DocumentLine::from).collect(),
                discount: DocumentDiscount::Percent(percent),
                charges: vec![],
                vat_adjustments: vec![],
            };
            prop_assert_eq!(compute(Currency::EUR, &lines, percent), compute_document(&d).unwrap());
        }
    }

    #[test]
    fn a_discount_share_stays_within_its_base_even_on_a_few_cents() {
        let shares = |bases: &[i64], amount: i64| {
            let vat = Vat::new(dec!(20), None).unwrap();
            let bases: Vec<(Vat, Decimal)> = bases.iter().map(|b| (vat, Decimal::new(*b, 2))).collect();
            discount_shares(Currency::EUR, &DocumentDiscount::Amount(Decimal::new(amount, 2)), &bases)
        };
        // 0.005 rounds to 0.01 four times over: the running total is rounded instead.
        assert_eq!(shares(&[1, 1, 1, 1], 2), vec![dec!(0.01), dec!(0.00), dec!(0.01), dec!(0.00)]);
        for (a, b, c) in (0..=12).flat_map(|a| (0..=12).flat_map(move |b| (0..=12).map(move |c| (a, b, c)))) {
            for d in 0..=3 {
                let bases = [a, b, c, d];
                for amount in 0..=bases.iter().sum() {
                    let s = shares(&bases, amount);
                    assert_eq!(s.iter().sum::<Decimal>(), Decimal::new(amount, 2), "{bases:?} {amount}");
                    for (share, base) in s.iter().zip(bases) {
                        assert!(
                            *share >= Decimal::ZERO && *share <= Decimal::new(base, 2),
                            "{bases:?} {amount}: {s:?}"
                        );
                    }
                }
            }
        }
    }
}
