//! Credit notes: the whole invoice, what is left of it, or an amount.

use super::{DeriveError, Words, copy_line, header_of};
use crate::document::{Content, Line};
use crate::party::Language;
use crate::progress::{self, DepositShare, ProgressError};
use crate::tax::Vat;
use crate::totals::{DocumentCharge, MAX_VAT_ADJUSTMENT, Totals, VatAmount};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A credit note taking back the whole of an invoice: its lines, discount, shipping and
/// VAT corrections, so that it cancels the invoice exactly.
pub fn credit_whole(invoice: &Content, number: &str, language: Language) -> Content {
    Content {
        issue_date: None,
        valid_until: None,
        note: Some(Words(language).credit_note(number)),
        lines: invoice.lines.iter().map(copy_line).collect(),
        ..invoice.clone()
    }
}

/// A credit note taking back what is left of an invoice after the credit notes already
/// issued on it (`credited`): the whole invoice when there are none; else the invoice's
/// lines (and deposit deductions, and shipping) not yet credited, with what makes each
/// VAT category and rate's base and VAT exactly what is left to credit: the invoice's
/// discount not yet credited, and a line per rate for what was credited otherwise than by
/// line (an amount) or the cents of quantities split.
pub fn credit_left(
    invoice: &Content,
    number: &str,
    credited: &[&Content],
    language: Language,
) -> Result<Content, DeriveError> {
    if credited.is_empty() {
        return Ok(credit_whole(invoice, number, language));
    }
    let words = Words(language);
    let cur = invoice.currency;
    let zero = cur.round(Decimal::ZERO);
    let inv = invoice.totals();
    // Per VAT category and rate: the base, VAT and discount left to credit.
    let mut left: BTreeMap<Vat, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    for b in &inv.vat {
        if let Ok(v) = Vat::new(b.rate, Some(b.category)) {
            let e = left.entry(v).or_default();
            e.0 += b.base;
            e.1 += b.amount;
            e.2 += b.discount;
        }
    }
    for c in credited {
        for b in &c.totals().vat {
            if let Ok(v) = Vat::new(b.rate, Some(b.category)) {
                let e = left.entry(v).or_default();
                e.0 -= b.base;
                e.1 -= b.amount;
                e.2 -= b.discount;
            }
        }
    }
    // Fix: credit the invoice's own lines (pointing at them) for the quantities left, so the
    // ledger gets them and the deposits they deducted back and the order can be billed again;
    // per-rate lines without a source left them billed for ever.
    let mut taken: HashMap<Uuid, Decimal> = HashMap::new();
    for l in credited.iter().flat_map(|c| c.items()) {
        if let Some(s) = l.source_line_id {
            *taken.entry(s).or_default() += l.quantity;
        }
    }
    let mut lines = Vec::new();
    for l in &invoice.lines {
        if !l.is_item() {
            lines.push(copy_line(l));
            continue;
        }
        let quantity = l.quantity - taken.get(&l.id).copied().unwrap_or_default();
        if !quantity.is_zero() && quantity.is_sign_negative() == l.quantity.is_sign_negative() {
            lines.push(Line { quantity, ..copy_line(l) });
        }
    }
    while lines.last().is_some_and(|l| !l.is_item()) {
        lines.pop();
    }
    let shipping = invoice.shipping.as_ref().and_then(|s| {
        let back: Decimal =
            credited.iter().filter_map(|c| c.shipping.as_ref()).filter(|c| c.vat == s.vat).map(|c| c.amount).sum();
        let amount = s.amount - back;
        (amount > Decimal::ZERO).then(|| DocumentCharge { amount, ..s.clone() })
    });
    if !lines.iter().any(Line::is_item) && shipping.is_none() && !left.values().any(|(b, _, _)| *b > Decimal::ZERO) {
        return Err(DeriveError::NothingLeft);
    }
    let mut content = Content { note: Some(words.credit_note(number)), lines, shipping, ..header_of(invoice) };
    content.title = invoice.title.clone();
    let title = words.credit_left(number);
    let of = |t: &Totals, v: Vat| t.vat.iter().find(|b| b.rate == v.rate() && b.category == v.category()).cloned();
    let mut vats: Vec<Vat> = left.keys().copied().collect();
    vats.extend(content.totals().vat.iter().filter_map(|b| Vat::new(b.rate, Some(b.category)).ok()));
    vats.sort();
    vats.dedup();
    // The invoice's discount not yet credited, then a line per rate for what the credit notes
    // took otherwise than by line (an amount) and the cents of quantities split.
    content.allowances = left
        .iter()
        .filter(|(_, (_, _, d))| !d.is_zero())
        .map(|(v, (_, _, d))| VatAmount { vat: *v, amount: *d })
        .collect();
    let before = content.totals();
    for v in &vats {
        let target = left.get(v).map_or(zero, |(b, _, _)| *b);
        let diff = of(&before, *v).map_or(zero, |b| b.base) - target;
        if !diff.is_zero() {
            let d = if vats.len() > 1 { words.rate(&title, v.rate()) } else { title.clone() };
            let quantity = if diff > Decimal::ZERO { -Decimal::ONE } else { Decimal::ONE };
            content.lines.push(Line::item(d, quantity, diff.abs(), *v));
        }
    }
    let after = content.totals();
    let mut adjustments = Vec::new();
    for v in &vats {
        let target = left.get(v).map_or(zero, |(_, vat, _)| *vat);
        // Fix: a rate with no base left may still owe VAT (a correction): compare with 0, not skip it.
        let amount = target - of(&after, *v).map_or(zero, |b| b.amount);
        if amount.abs() > MAX_VAT_ADJUSTMENT {
            return Err(DeriveError::Inconsistent { amount, rate: v.rate() });
        }
        if !amount.is_zero() {
            adjustments.push(VatAmount { vat: *v, amount });
        }
    }
    content.vat_adjustments = adjustments;
    // The invoice's own discount percent reads better when it gives the same figures.
    if invoice.allowances.is_empty() && invoice.discount_amount.is_none() && !invoice.discount_percent.is_zero() {
        let mut plain = content.clone();
        plain.allowances = Vec::new();
        plain.discount_percent = invoice.discount_percent;
        if plain.totals() == content.totals() {
            return Ok(plain);
        }
    }
    Ok(content)
}

/// A credit note for an amount including VAT on an invoice (a commercial gesture, a
/// price reduction): split over the invoice's VAT rates in proportion to what is left to
/// credit of each, its gross exactly `amount`; never more than what is left.
pub fn credit_amount(
    invoice: &Content,
    number: &str,
    credited: &[&Content],
    amount: Decimal,
    language: Language,
) -> Result<Content, DeriveError> {
    let left = credit_left(invoice, number, credited, language)?;
    let parts =
        progress::deposit_parts(&left.totals(), DepositShare::Amount(amount), Decimal::ZERO).map_err(|e| match e {
            ProgressError::TooMuch { asked, left } => DeriveError::CreditTooLarge { asked, left },
            ProgressError::NothingToShare => DeriveError::NothingLeft,
            other => DeriveError::Progress(other),
        })?;
    let words = Words(language);
    let title = words.credit_part(number);
    let several = parts.len() > 1;
    Ok(Content {
        note: Some(words.credit_note(number)),
        title: invoice.title.clone(),
        operation: Some(invoice.operation()),
        lines: parts
            .iter()
            .map(|p| {
                let description = if several { words.rate(&title, p.vat.rate()) } else { title.clone() };
                Line::item(description, Decimal::ONE, p.base, p.vat)
            })
            .collect(),
        ..header_of(invoice)
    })
}
