//! The closing document: what completes the family so that it bills the order exactly.

use super::{DeriveError, Ledger, Order, Words};
use crate::document::{Content, Line, LineKind};
use crate::tax::Vat;
use crate::totals::{DocumentCharge, MAX_VAT_ADJUSTMENT, Totals, VatAmount};
use rust_decimal::Decimal;

/// Completes `content` (the closing document's lines) so that the family bills the
/// order exactly: shipping and discount left, deposits deducted, VAT corrected.
/// `situation` is the 100 % situation's cumulative percentage, for labels.
pub(super) fn close(
    order: Order<'_>,
    order_totals: &Totals,
    ledger: &Ledger,
    mut content: Content,
    situation: Option<Decimal>,
) -> Result<Content, DeriveError> {
    let words = Words(order.language);
    let o = order.content;
    let cur = o.currency;
    let zero = cur.round(Decimal::ZERO);
    // Shipping left to bill.
    if let Some(s) = &o.shipping {
        let billed = ledger.groups.get(&s.vat).map_or(zero, |g| g.charges);
        let left = cur.round(s.amount) - billed;
        if !left.is_zero() {
            let label = if billed.is_zero() {
                s.label.clone()
            } else if let Some(c) = situation {
                words.shipping_share(&s.label, c)
            } else {
                words.balance(&s.label)
            };
            content.shipping = Some(DocumentCharge { label, amount: left, vat: s.vat });
        }
    }
    // Deposits not yet deducted, on lines the discount does not touch.
    for d in &ledger.open_deposits {
        content.lines.push(Line {
            kind: LineKind::Deduction,
            source_line_id: Some(d.line_id),
            ..Line::item(words.deduction(&d.number, d.issue_date, d.vat.rate()), -Decimal::ONE, d.base, d.vat)
        });
    }
    // The discount of each rate is what makes the base what the order has left, which
    // is its discount left plus a cent of line rounding when quantities were split.
    content.discount_percent = Decimal::ZERO;
    content.discount_amount = None;
    content.allowances = Vec::new();
    let before = content.totals();
    let mut allowances = Vec::new();
    let mut vats: Vec<Vat> = order_totals.vat.iter().filter_map(|b| Vat::new(b.rate, Some(b.category)).ok()).collect();
    vats.extend(ledger.groups.keys().copied());
    vats.extend(before.vat.iter().filter_map(|b| Vat::new(b.rate, Some(b.category)).ok()));
    vats.sort();
    vats.dedup();
    let of = |t: &Totals, v: Vat| t.vat.iter().find(|b| b.rate == v.rate() && b.category == v.category()).cloned();
    let mut targets = Vec::new();
    for v in &vats {
        let order_b = of(order_totals, *v);
        let billed = ledger.groups.get(v).copied().unwrap_or_default();
        let target_base = order_b.as_ref().map_or(zero, |b| b.base) - billed.base;
        let target_vat = order_b.as_ref().map_or(zero, |b| b.amount) - billed.vat;
        let mine = of(&before, *v);
        let unrounded = mine.as_ref().map_or(zero, |b| b.base) - target_base;
        if !unrounded.is_zero() {
            allowances.push(VatAmount { vat: *v, amount: unrounded });
        }
        targets.push((*v, target_vat));
    }
    content.allowances = allowances;
    let after = content.totals();
    let mut adjustments = Vec::new();
    for (v, target_vat) in targets {
        let computed = of(&after, v).map_or(zero, |b| b.amount);
        let adjustment = target_vat - computed;
        if adjustment.abs() > MAX_VAT_ADJUSTMENT {
            return Err(DeriveError::Inconsistent { amount: adjustment, rate: v.rate() });
        }
        if !adjustment.is_zero() {
            adjustments.push(VatAmount { vat: v, amount: adjustment });
        }
    }
    content.vat_adjustments = adjustments;
    // A plain percent reads better than amounts per rate when it gives the same figures.
    if o.discount_amount.is_none() && !o.discount_percent.is_zero() {
        let mut plain = content.clone();
        plain.allowances = Vec::new();
        plain.discount_percent = o.discount_percent;
        if plain.totals() == content.totals() {
            return Ok(plain);
        }
    } else if let Some(a) = o.discount_amount {
        let mut plain = content.clone();
        plain.allowances = Vec::new();
        plain.discount_amount = Some(a);
        if plain.check().is_ok() && plain.totals() == content.totals() {
            return Ok(plain);
        }
    }
    Ok(content)
}
