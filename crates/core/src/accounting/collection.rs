//! VAT on collection ("TVA sur les encaissements", CGI art. 269-2-c): the VAT of
//! services becomes due when the price is collected, not when the invoice is issued
//! (goods are always taxed on debits; a company may opt for debits on its services).
//!
//! Under it, the invoice's entry credits the VAT of its service lines to the pending
//! account of each rate (44574…) instead of the VAT collected account (44571…), and
//! each settlement of the invoice moves the share it settles from one to the other.
//! The share is taken on the cumulated settled amount, so rounding never drifts: after
//! settlements adding up to `x` of a gross `G`, `f(x) = round(V × x / G)` of a rate's
//! pending VAT `V` has been moved, and each settlement moves `f(after) − f(before)`.
//! The one that completes the invoice (`x = G`) therefore takes the remainder and the
//! invoice leaves exactly 0 on 44574; a cancelled payment (a SEPA reject) moves back
//! what its cancellation takes off the cumulated amount.

use super::chart::Chart;
use crate::document::{Content, Nature};
use crate::money::Currency;
use crate::tax::Vat;
use crate::totals::Totals;
use rust_decimal::Decimal;
use time::Date;
use uuid::Uuid;

/// The VAT of one rate that an invoice's service lines owe once collected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingVat {
    /// Where it waits (44574…).
    pub pending: String,
    /// Where it goes once collected (44571…).
    pub collected: String,
    /// In the document's currency.
    pub amount: Decimal,
}

/// The service share of each VAT rate of a document, when the company is under VAT on
/// collection for its services (empty otherwise, and for a rate with no service line).
///
/// Rule: for each VAT category and rate, the share is
/// `round(VAT of the rate × service line nets / all line nets of the rate)`, the rest
/// being goods. Document discounts and charges (shipping) of the rate are spread over
/// its lines in the same proportion (an accessory follows its principal). A line is a
/// service by its recorded nature (a hand-typed line gets the company's main activity
/// when entered), else by its unit (`Line::supplies`).
pub fn pending_vat(chart: &Chart, content: &Content, totals: &Totals) -> Vec<PendingVat> {
    if !chart.vat_on_collection_for_services {
        return Vec::new();
    }
    let cur = totals.currency;
    let mut out = Vec::new();
    for b in &totals.vat {
        if b.amount.is_zero() || b.lines_net.is_zero() {
            continue;
        }
        let services: Decimal = content
            .items()
            .zip(&totals.lines)
            .filter(|(l, _)| {
                l.supplies() == Nature::Services && l.vat.category() == b.category && l.vat.rate() == b.rate
            })
            .map(|(_, a)| a.net)
            .sum();
        if services.is_zero() {
            continue;
        }
        let Some(share) = b.amount.checked_mul(services).and_then(|x| x.checked_div(b.lines_net)) else {
            continue;
        };
        // Between nothing and the whole VAT of the rate (a deduction line can make the
        // services' part of the nets larger than the whole).
        let share = cur.round(share);
        let share = if b.amount.is_sign_negative() {
            share.clamp(b.amount, Decimal::ZERO)
        } else {
            share.clamp(Decimal::ZERO, b.amount)
        };
        if share.is_zero() {
            continue;
        }
        let Ok(v) = Vat::new(b.rate, Some(b.category)) else { continue };
        out.push(PendingVat { pending: chart.vat_pending(v), collected: chart.vat(v), amount: share });
    }
    out
}

/// One settlement of an invoice: a payment applied to it, a credit note on it, or the
/// cancellation of a payment (negative). Settlements are taken in (day, cancellation
/// last, id) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub day: Date,
    pub cancellation: bool,
    /// The payment's or the credit note's id.
    pub id: Uuid,
    /// Signed: a cancellation takes off what the payment had settled.
    pub amount: Decimal,
}

impl Settlement {
    fn key(&self) -> (Date, bool, Uuid) {
        (self.day, self.cancellation, self.id)
    }
}

/// The amounts settled on an invoice before and after `at`, one of its settlements:
/// the sum of those that come before it, and that plus its own amount.
pub fn settled_around(all: &[Settlement], at: &Settlement) -> (Decimal, Decimal) {
    let before: Decimal = all.iter().filter(|s| s.key() < at.key()).map(|s| s.amount).sum();
    (before, before + at.amount)
}

/// What one settlement of an invoice moves: the invoice's pending VAT, its gross, and
/// the amounts settled before and after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collection {
    pub currency: Currency,
    pub pending: Vec<PendingVat>,
    pub gross: Decimal,
    pub before: Decimal,
    pub after: Decimal,
}

impl Collection {
    /// Per rate: (pending account, collected account, amount moved from the first to the
    /// second), negative when a cancellation moves it back. Zero moves are left out.
    pub fn moves(&self) -> Vec<(String, String, Decimal)> {
        if self.gross <= Decimal::ZERO {
            return Vec::new();
        }
        self.pending
            .iter()
            .map(|p| {
                let f = |x: Decimal| -> Decimal {
                    if x >= self.gross {
                        p.amount
                    } else if x <= Decimal::ZERO {
                        Decimal::ZERO
                    } else {
                        let share = p.amount.checked_mul(x).and_then(|v| v.checked_div(self.gross));
                        share.map_or(Decimal::ZERO, |v| self.currency.round(v))
                    }
                };
                (p.pending.clone(), p.collected.clone(), f(self.after) - f(self.before))
            })
            .filter(|(_, _, a)| !a.is_zero())
            .collect()
    }
}
