//! Invoices and delivery notes by quantities of the order's lines.

use super::{DeriveError, Ledger, Order, Words, close, copy_line, header_of};
use crate::document::{Content, Line, LineKind};
use crate::party::Language;
use crate::tax::Vat;
use crate::totals::VatAmount;
use rust_decimal::Decimal;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// The lines of an invoice by quantities: each order line with `quantities` of it
/// (what is left by default), comment and subtotal lines in place.
fn quantity_lines(
    order: &Content,
    left_of: impl Fn(&Line) -> Decimal,
    portions: Option<&HashMap<Uuid, Decimal>>,
    too_much: fn(Uuid, Decimal) -> DeriveError,
) -> Result<Vec<Line>, DeriveError> {
    let mut lines = Vec::new();
    for l in &order.lines {
        if !l.is_item() {
            lines.push(copy_line(l));
            continue;
        }
        let left = left_of(l);
        // Fix: a line of a negative quantity (a trade-in) is taken like the others; it was
        // never billed, and the closing invoice turned it into a discount.
        let negative = l.quantity < Decimal::ZERO;
        let take = match portions {
            None => left,
            Some(p) => {
                let Some(q) = p.get(&l.id).copied() else { continue };
                if (!negative && q > left) || (negative && q < left) {
                    return Err(too_much(
                        l.id,
                        if negative { left.min(Decimal::ZERO) } else { left.max(Decimal::ZERO) },
                    ));
                }
                q
            }
        };
        if take.is_zero() || (take < Decimal::ZERO) != negative {
            continue;
        }
        lines.push(Line { quantity: take, ..copy_line(l) });
    }
    // Headings and subtotals with no item after them are left out.
    while lines.last().is_some_and(|l| !l.is_item()) {
        lines.pop();
    }
    if !lines.iter().any(Line::is_item) {
        return Err(DeriveError::NothingLeft);
    }
    Ok(lines)
}

/// A delivery note from an order: each order line with what is left to deliver
/// (`on_notes`: what delivery notes, drafts included, already carry of each line) or
/// the `portions` asked, comment and subtotal lines in place. It bills nothing: the
/// order's terms are copied for the printed note.
pub fn delivery_note(
    order: &Content,
    on_notes: &HashMap<Uuid, Decimal>,
    portions: Option<&HashMap<Uuid, Decimal>>,
) -> Result<Content, DeriveError> {
    let left = |l: &Line| l.quantity - on_notes.get(&l.id).copied().unwrap_or_default();
    let lines = quantity_lines(order, left, portions, |line, left| DeriveError::TooMuchToDeliver { line, left })
        .map_err(|e| match e {
            DeriveError::NothingLeft => DeriveError::AllDelivered,
            other => other,
        })?;
    Ok(Content { lines, issue_date: None, valid_until: None, parties: None, printed: None, ..order.clone() })
}

/// An invoice billing order lines by quantities: the final invoice from an order, the
/// invoice of a delivery note (`portions`: what the note delivered of each order line),
/// a part of the monthly run. When it bills all that is left it closes the order.
pub fn invoice_by_quantities(
    order: Order<'_>,
    ledger: &Ledger,
    portions: Option<&HashMap<Uuid, Decimal>>,
) -> Result<Content, DeriveError> {
    if ledger.situations > 0 {
        return Err(DeriveError::BySituations);
    }
    let o = order.content;
    let lines =
        quantity_lines(o, |l| ledger.quantity_left(l), portions, |line, left| DeriveError::TooMuch { line, left })?;
    let closes = o.items().all(|ol| {
        let took: Decimal = lines.iter().filter(|l| l.source_line_id == Some(ol.id)).map(|l| l.quantity).sum();
        let remaining = ledger.quantity_left(ol) - took;
        if ol.quantity < Decimal::ZERO { remaining >= Decimal::ZERO } else { remaining <= Decimal::ZERO }
    });
    let whole = ledger.groups.is_empty() && portions.is_none();
    let mut content = Content { lines, ..header_of(o) };
    if whole {
        // The whole order on one invoice: its payment schedule applies as it is.
        content.schedule = o.schedule.clone();
    }
    let order_totals = o.totals();
    if closes {
        close(order, &order_totals, ledger, content, None)
    } else {
        // A part: the order's discount on its own lines, shipping with the first part.
        if o.discount_amount.is_some() {
            let part = content.totals();
            content.allowances = order_totals
                .vat
                .iter()
                .filter(|b| !b.discount.is_zero() && !b.discount_base.is_zero())
                .filter_map(|b| {
                    let vat = Vat::new(b.rate, Some(b.category)).ok()?;
                    let mine = part.vat.iter().find(|p| p.rate == b.rate && p.category == b.category)?;
                    let amount = o.currency.round(b.discount * mine.discount_base / b.discount_base);
                    Some(VatAmount { vat, amount })
                })
                .collect();
        } else {
            content.discount_percent = o.discount_percent;
        }
        let shipping_billed = ledger.groups.values().any(|g| !g.charges.is_zero());
        if !shipping_billed {
            content.shipping = o.shipping.clone();
        }
        Ok(content)
    }
}

/// The comment line heading a delivery note's lines on the monthly invoice.
pub fn delivery_note_heading(number: &str, date: Option<Date>, language: Language) -> Line {
    let zero = Vat::new(Decimal::ZERO, None).unwrap_or_else(|_| unreachable!("0 % is a valid rate"));
    Line {
        kind: LineKind::Comment,
        ..Line::item(Words(language).delivery_note(number, date), Decimal::ZERO, Decimal::ZERO, zero)
    }
}
