//! Progress invoices (situations), at a cumulative percentage of the whole order.

use super::{DeriveError, Ledger, Order, Words, check_conservation, close, header_of};
use crate::document::{Content, Line};
use crate::progress;
use crate::tax::Vat;
use crate::totals::{DocumentCharge, VatAmount};
use rust_decimal::Decimal;

/// A progress invoice ("situation") at `cumulative` percent of the whole order: each
/// line's increment since the last situation, the same share of the discount and the
/// shipping; the one at 100 % closes the order.
pub fn situation(order: Order<'_>, ledger: &Ledger, cumulative: Decimal) -> Result<Content, DeriveError> {
    if ledger.by_quantities {
        return Err(DeriveError::ByQuantities);
    }
    let words = Words(order.language);
    let o = order.content;
    let cur = o.currency;
    let totals = o.totals();
    let nets: Vec<Decimal> = totals.lines.iter().map(|l| l.net).collect();
    let already: Vec<Decimal> =
        o.items().map(|l| ledger.situation_nets.get(&l.id).copied().unwrap_or_default()).collect();
    let previous = ledger.last_percent;
    // Fix: after the 100 % situation, another at 100 % says the order is settled, or, when a
    // credit note took some of it back, bills what is left again (it was refused as "not forward").
    let amounts = if previous >= Decimal::ONE_HUNDRED && cumulative == Decimal::ONE_HUNDRED {
        let left: Vec<Decimal> = nets.iter().zip(&already).map(|(n, a)| n - a).collect();
        if left.iter().all(Decimal::is_zero) && check_conservation(&totals, ledger).is_ok() {
            return Err(DeriveError::NothingLeft);
        }
        left
    } else {
        progress::situation_amounts(cur, &nets, &already, previous, cumulative)?
    };
    let cumulative = cumulative.normalize();
    let lines: Vec<Line> = o
        .items()
        .zip(amounts)
        .filter(|(_, a)| !a.is_zero())
        .map(|(l, amount)| {
            // A price is never negative (BR-27): what goes back is a negative quantity.
            let quantity = if amount < Decimal::ZERO { -Decimal::ONE } else { Decimal::ONE };
            Line {
                product_id: l.product_id,
                source_line_id: Some(l.id),
                unit: l.unit.clone(),
                nature: Some(l.supplies()),
                ..Line::item(words.progress_line(&l.description, cumulative, previous), quantity, amount.abs(), l.vat)
            }
        })
        .collect();
    let content = Content {
        title: Some(words.progress_title(ledger.situations + 1, order.number, cumulative)),
        progress_percent: Some(cumulative),
        lines,
        ..header_of(o)
    };
    if cumulative == Decimal::ONE_HUNDRED {
        return close(order, &totals, ledger, content, Some(cumulative));
    }
    let mut content = content;
    let share = |whole: Decimal, billed: Decimal| cur.round(whole * cumulative / Decimal::ONE_HUNDRED) - billed;
    let lines = content.totals();
    content.allowances = totals
        .vat
        .iter()
        .filter_map(|b| {
            let vat = Vat::new(b.rate, Some(b.category)).ok()?;
            let billed = ledger.groups.get(&vat).map_or(Decimal::ZERO, |g| g.discount);
            let mut amount = share(b.discount, billed);
            // Fix: the discount's share rounds apart from the lines' shares; past this situation's
            // lines of the rate it made a negative base (a 100 % discount); the next one takes the cent.
            let mine = lines.vat.iter().find(|l| l.rate == b.rate && l.category == b.category);
            if amount > Decimal::ZERO {
                amount = amount.min(mine.map_or(Decimal::ZERO, |l| l.lines_net).max(Decimal::ZERO));
            }
            (!amount.is_zero()).then_some(VatAmount { vat, amount })
        })
        .collect();
    if let Some(s) = &o.shipping {
        let billed = ledger.groups.get(&s.vat).map_or(Decimal::ZERO, |g| g.charges);
        let amount = share(cur.round(s.amount), billed);
        if amount > Decimal::ZERO {
            content.shipping =
                Some(DocumentCharge { label: words.shipping_share(&s.label, cumulative), amount, vat: s.vat });
        }
    }
    if content.lines.is_empty() && content.shipping.is_none() {
        return Err(DeriveError::NothingLeft);
    }
    Ok(content)
}
