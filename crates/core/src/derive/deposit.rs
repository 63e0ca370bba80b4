//! Deposit invoices: a share of the order, split by VAT rate.

use super::{DeriveError, Ledger, Order, Words, header_of};
use crate::document::{Content, Line};
use crate::progress::{self, DepositShare, ProgressError};
use rust_decimal::Decimal;

/// A draft deposit invoice: a share of the order, split by VAT rate. `already` is the
/// gross of the deposits already asked (credited ones left out).
pub fn deposit(order: Order<'_>, share: DepositShare, already: Decimal) -> Result<Content, DeriveError> {
    let words = Words(order.language);
    let mut parts = progress::deposit_parts(&order.content.totals(), share, already)?;
    // Fix: a share that rounds to nothing at a rate made a line of 0.00, and at every rate a
    // deposit invoice of 0.00.
    parts.retain(|p| !p.base.is_zero());
    if parts.is_empty() {
        return Err(ProgressError::NothingToShare.into());
    }
    let title = words.deposit_title(share, order.number);
    let several = parts.len() > 1;
    Ok(Content {
        payment_terms: crate::terms::PaymentTerms::OnReceipt,
        // A share of the order supplies what the order supplies (its lines cannot tell).
        operation: Some(order.content.operation()),
        title: Some(title.clone()),
        note: None,
        lines: parts
            .iter()
            .map(|p| {
                let description = if several { words.rate(&title, p.vat.rate()) } else { title.clone() };
                Line::item(description, Decimal::ONE, p.base, p.vat)
            })
            .collect(),
        ..header_of(order.content)
    })
}

/// A draft deposit invoice on an order whose family is `ledger`: as [`deposit`], with
/// `already` what the family has billed so far (deposits and invoices, less credit notes).
/// Added: a deposit asked after a part was invoiced could take the family past the order
/// when `already` counted the deposits only (the final invoice then came out negative).
pub fn deposit_in(order: Order<'_>, share: DepositShare, ledger: &Ledger) -> Result<Content, DeriveError> {
    let already = ledger.groups.values().map(|g| g.base + g.vat).sum();
    deposit(order, share, already)
}

/// The deposit an order's payment schedule asks for next: the deposit instalment
/// following the `asked` deposits already invoiced (credited ones left out), as a
/// percentage of the order's gross.
pub fn scheduled_deposit(order: &Content, asked: usize) -> Option<DepositShare> {
    let schedule = order.schedule.as_ref()?;
    schedule
        .instalments()
        .iter()
        .filter(|i| i.kind == crate::schedule::InstalmentKind::Deposit)
        .nth(asked)
        .map(|i| DepositShare::Percent(i.percent))
}
