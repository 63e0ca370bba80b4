//! Journal entries derived from documents and payments, as pure functions: the same
//! documents always give the same entries, and every entry balances to the cent in the
//! company's currency (debits equal credits), proven by the proptest of this module.
//!
//! Signs: an amount is first written signed (positive = debit), then each line goes to
//! the debit or the credit column by its sign, so nothing is ever negative in a column.
//! A credit note is its invoice's entry reversed.
//!
//! VAT is booked "on debits" (at invoicing, 44571…) unless the company is under VAT on
//! collection for its services (`Chart::vat_on_collection_for_services`): then the VAT
//! of service lines waits on 44574… and each settlement moves its share to 44571…
//! (`super::collection`). A credit note applied to its invoice is that invoice's
//! settlement: its own VAT is booked on 44571… at once (it is settled by its
//! application) and it moves the invoice's share like a payment.

use super::chart::{Chart, Journal};
use super::collection::{Collection, pending_vat};
use crate::document::{Content, DocumentKind, LineKind};
use crate::money::Currency;
use crate::totals::Totals;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::Date;

/// A customer's auxiliary account under the collective customers account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auxiliary {
    pub account: String,
    pub label: String,
}

/// Lettering: the code shared by an invoice's line on the customer account and the
/// lines that settle it, and the day the last of them was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lettering {
    pub code: String,
    pub date: Date,
}

/// One line of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryLine {
    pub account: String,
    pub account_label: String,
    pub auxiliary: Option<Auxiliary>,
    pub label: String,
    /// Company currency; one of `debit` and `credit` is zero, neither is negative.
    pub debit: Decimal,
    pub credit: Decimal,
    /// The amount in the document's currency when it is not the company's (unsigned,
    /// on the same side as the line).
    pub currency_amount: Option<Decimal>,
    pub lettering: Option<Lettering>,
}

/// An entry: lines of one journal, one date and one piece, that balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub journal: Journal,
    pub date: Date,
    /// The piece: a document number or a payment's reference.
    pub piece: String,
    pub piece_date: Date,
    pub label: String,
    /// The document's currency when it is not the company's.
    pub currency: Option<String>,
    pub lines: Vec<EntryLine>,
}

impl Entry {
    /// Total debit and total credit.
    pub fn sums(&self) -> (Decimal, Decimal) {
        self.lines.iter().fold((Decimal::ZERO, Decimal::ZERO), |(d, c), l| (d + l.debit, c + l.credit))
    }

    /// True when debits equal credits.
    pub fn balances(&self) -> bool {
        let (d, c) = self.sums();
        d == c
    }
}

/// A signed line before it is converted and put in its column.
struct Draft {
    account: String,
    label_of_account: &'static str,
    auxiliary: Option<Auxiliary>,
    label: String,
    amount: Decimal,
    lettering: Option<Lettering>,
}

/// What a sale entry needs besides the chart: the issued document and its totals.
pub struct Sale<'a> {
    pub kind: DocumentKind,
    pub number: &'a str,
    pub issue_date: Date,
    pub content: &'a Content,
    pub totals: &'a Totals,
    pub customer: Auxiliary,
    /// Set on the customer line when the invoice is settled within the exported period.
    pub lettering: Option<Lettering>,
    /// A credit note applied to its invoice under VAT on collection: the invoice's
    /// pending VAT it settles.
    pub settles: Option<Collection>,
}

/// The sales journal entry of an issued invoice, deposit invoice or credit note (its
/// invoice's reversed); `None` for the other kinds, which are not accounted.
///
/// Invoice: customer debited with the gross; revenue credited per nature (706
/// services, 707 goods) with the line nets (a deposit invoice credits 4191 instead, a
/// final invoice's deduction lines debit it back); shipping credited to 708500; the
/// document discount debited to 709; VAT credited per rate.
pub fn sale_entry(chart: &Chart, company: Currency, sale: &Sale<'_>) -> Option<Entry> {
    let sign = match sale.kind {
        DocumentKind::Invoice | DocumentKind::DepositInvoice => Decimal::ONE,
        DocumentKind::CreditNote => Decimal::NEGATIVE_ONE,
        _ => return None,
    };
    let t = sale.totals;
    let label = format!("{} {}", piece_word(sale.kind), sale.customer.label);
    let mut drafts = vec![Draft {
        account: chart.customers.clone(),
        label_of_account: "Clients",
        auxiliary: Some(sale.customer.clone()),
        label: label.clone(),
        amount: t.gross * sign,
        lettering: sale.lettering.clone(),
    }];
    // Revenue per account, in a fixed order so the entry is reproducible.
    let mut revenue: BTreeMap<String, (&'static str, Decimal)> = BTreeMap::new();
    for (line, amounts) in sale.content.items().zip(&t.lines) {
        let (account, what) = if sale.kind == DocumentKind::DepositInvoice || line.kind == LineKind::Deduction {
            (chart.deposits.clone(), "Clients - avances et acomptes reçus")
        } else {
            match line.supplies() {
                crate::document::Nature::Goods => {
                    (chart.revenue(line.supplies()).to_string(), "Ventes de marchandises")
                }
                crate::document::Nature::Services => {
                    (chart.revenue(line.supplies()).to_string(), "Prestations de services")
                }
            }
        };
        revenue.entry(account).or_insert((what, Decimal::ZERO)).1 += amounts.net;
    }
    for (account, (what, net)) in revenue {
        drafts.push(Draft {
            account,
            label_of_account: what,
            auxiliary: None,
            label: label.clone(),
            amount: -net * sign,
            lettering: None,
        });
    }
    if !t.charges.is_zero() {
        drafts.push(Draft {
            account: chart.charges.clone(),
            label_of_account: "Ports et frais accessoires facturés",
            auxiliary: None,
            label: label.clone(),
            amount: -t.charges * sign,
            lettering: None,
        });
    }
    if !t.discount.is_zero() {
        drafts.push(Draft {
            account: chart.discounts.clone(),
            label_of_account: "Rabais, remises et ristournes accordés",
            auxiliary: None,
            label: label.clone(),
            amount: t.discount * sign,
            lettering: None,
        });
    }
    // VAT per account: on collection, the service share of a rate waits on its pending
    // account, except on a credit note, which is settled at once (module doc).
    let pending = if sale.kind == DocumentKind::CreditNote { Vec::new() } else { pending_vat(chart, sale.content, t) };
    let mut vat: BTreeMap<String, (&'static str, Decimal)> = BTreeMap::new();
    for b in &t.vat {
        let v = crate::tax::Vat::new(b.rate, Some(b.category)).ok()?;
        let collected = chart.vat(v);
        let waiting = pending.iter().find(|p| p.collected == collected && p.pending == chart.vat_pending(v));
        let waiting = waiting.map_or(Decimal::ZERO, |p| p.amount);
        if !waiting.is_zero() {
            vat.entry(chart.vat_pending(v)).or_insert((PENDING, Decimal::ZERO)).1 += waiting;
        }
        vat.entry(collected).or_insert((COLLECTED, Decimal::ZERO)).1 += b.amount - waiting;
    }
    for (account, (what, amount)) in vat {
        drafts.push(Draft {
            account,
            label_of_account: what,
            auxiliary: None,
            label: label.clone(),
            amount: -amount * sign,
            lettering: None,
        });
    }
    if let Some(c) = &sale.settles {
        push_moves(&mut drafts, c, &format!("TVA encaissée {}", sale.number));
    }
    let foreign = (sale.content.currency != company)
        .then(|| (sale.content.currency.code().to_string(), sale.content.exchange_rate.unwrap_or(Decimal::ONE)));
    Some(finish(
        chart.sales_journal.clone(),
        sale.issue_date,
        sale.number.to_string(),
        sale.issue_date,
        label,
        company,
        foreign,
        drafts,
    ))
}

/// The account labels of the VAT accounts.
const COLLECTED: &str = "TVA collectée";
const PENDING: &str = "TVA collectée sur encaissements";

/// The lines that move a settlement's VAT from the pending accounts to the collected
/// ones: pending debited, collected credited (the other way for a cancellation).
fn push_moves(drafts: &mut Vec<Draft>, c: &Collection, label: &str) {
    for (pending, collected, amount) in c.moves() {
        drafts.push(Draft {
            account: pending,
            label_of_account: PENDING,
            auxiliary: None,
            label: label.to_string(),
            amount,
            lettering: None,
        });
        drafts.push(Draft {
            account: collected,
            label_of_account: COLLECTED,
            auxiliary: None,
            label: label.to_string(),
            amount: -amount,
            lettering: None,
        });
    }
}

fn piece_word(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::CreditNote => "Avoir",
        DocumentKind::DepositInvoice => "Acompte",
        _ => "Facture",
    }
}

/// What a movement of money is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyKind {
    /// Money received from the customer.
    Receipt,
    /// The customer's credit paid back.
    Refund,
}

/// One invoice's share of a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The invoice's number, in the line's label.
    pub invoice: String,
    pub amount: Decimal,
    pub lettering: Option<Lettering>,
    /// Under VAT on collection, the invoice's pending VAT this share settles (or, on a
    /// reversal, unsettles: `before`/`after` of the cancellation).
    pub collection: Option<Collection>,
}

/// A receipt or a refund, or its reversal (a cancelled payment, a SEPA reject).
pub struct Movement<'a> {
    pub kind: MoneyKind,
    /// The day of the payment, or of its cancellation for a reversal.
    pub date: Date,
    /// The payment's own day (the piece date).
    pub paid_on: Date,
    pub method: &'a str,
    /// The piece: the payment's reference, else a reference built by the caller.
    pub piece: String,
    pub customer: Auxiliary,
    pub currency: Currency,
    /// Company-currency units for one unit of `currency` (from its invoices).
    pub exchange_rate: Option<Decimal>,
    pub amount: Decimal,
    /// A receipt's shares per invoice; what is left of `amount` stays on the account
    /// as the customer's credit.
    pub shares: Vec<Share>,
    /// A cancelled payment's reversing entry: every line on the other side.
    pub reversal: bool,
}

/// The bank or cash journal entry of a receipt (bank debited, customer credited per
/// invoice), a refund (the other way), or the reversal of either.
pub fn money_entry(chart: &Chart, company: Currency, m: &Movement<'_>) -> Entry {
    let method = chart.method(m.method);
    let sign = match (m.kind, m.reversal) {
        (MoneyKind::Receipt, false) | (MoneyKind::Refund, true) => Decimal::ONE,
        _ => Decimal::NEGATIVE_ONE,
    };
    let word = match (m.kind, m.reversal) {
        (MoneyKind::Receipt, false) => "Règlement",
        (MoneyKind::Receipt, true) => "Annulation règlement",
        (MoneyKind::Refund, false) => "Remboursement",
        (MoneyKind::Refund, true) => "Annulation remboursement",
    };
    let label = format!("{word} {}", m.customer.label);
    let mut drafts = vec![Draft {
        account: method.account.clone(),
        label_of_account: if method.journal.code == "CA" { "Caisse" } else { "Banque" },
        auxiliary: None,
        label: label.clone(),
        amount: m.amount * sign,
        lettering: None,
    }];
    let mut left = m.amount;
    for s in &m.shares {
        left -= s.amount;
        drafts.push(Draft {
            account: chart.customers.clone(),
            label_of_account: "Clients",
            auxiliary: Some(m.customer.clone()),
            label: format!("{word} {}", s.invoice),
            amount: -s.amount * sign,
            lettering: if m.reversal { None } else { s.lettering.clone() },
        });
    }
    if !left.is_zero() {
        drafts.push(Draft {
            account: chart.customers.clone(),
            label_of_account: "Clients",
            auxiliary: Some(m.customer.clone()),
            label: label.clone(),
            amount: -left * sign,
            lettering: None,
        });
    }
    for s in &m.shares {
        if let Some(c) = &s.collection {
            push_moves(&mut drafts, c, &format!("TVA encaissée {}", s.invoice));
        }
    }
    let foreign =
        (m.currency != company).then(|| (m.currency.code().to_string(), m.exchange_rate.unwrap_or(Decimal::ONE)));
    finish(method.journal.clone(), m.date, m.piece.clone(), m.paid_on, label, company, foreign, drafts)
}

/// Converts signed drafts to the company currency, makes the entry balance to the cent
/// (the rounding difference of a conversion goes to the largest line other than the
/// first, the customer's or the bank's, whose amount must stay the converted total),
/// and puts each line in its column. Zero lines are left out.
#[allow(clippy::too_many_arguments)]
fn finish(
    journal: Journal,
    date: Date,
    piece: String,
    piece_date: Date,
    label: String,
    company: Currency,
    foreign: Option<(String, Decimal)>,
    drafts: Vec<Draft>,
) -> Entry {
    let rate = foreign.as_ref().map(|(_, r)| *r);
    let mut converted: Vec<Decimal> =
        drafts.iter().map(|d| company.round(rate.map_or(d.amount, |r| d.amount * r))).collect();
    let diff: Decimal = converted.iter().sum();
    if !diff.is_zero() {
        let largest = (1..converted.len()).max_by_key(|i| converted[*i].abs()).unwrap_or(0);
        converted[largest] -= diff;
    }
    let lines = drafts
        .into_iter()
        .zip(converted)
        .filter(|(d, c)| !(d.amount.is_zero() && c.is_zero()))
        .map(|(d, c)| {
            let zero = company.round(Decimal::ZERO);
            let (debit, credit) = if c.is_sign_negative() && !c.is_zero() { (zero, -c) } else { (c, zero) };
            EntryLine {
                account: d.account,
                account_label: d.label_of_account.to_string(),
                auxiliary: d.auxiliary,
                label: d.label,
                debit,
                credit,
                currency_amount: foreign.as_ref().map(|_| d.amount.abs()),
                lettering: d.lettering,
            }
        })
        .collect();
    Entry { journal, date, piece, piece_date, label, currency: foreign.map(|(c, _)| c), lines }
}

/// When an invoice is lettered: settled in full (payments and credit notes add up to
/// its gross) by movements all dated within the period; the lettering date is the
/// last of them. Outside the period a part would be missing from the file, so the
/// group is left open there.
pub fn lettering_date(
    issue_date: Date,
    gross: Decimal,
    parts: &[(Date, Decimal)],
    from: Date,
    to: Date,
) -> Option<Date> {
    if gross.is_zero() || parts.is_empty() || issue_date < from || issue_date > to {
        return None;
    }
    let sum: Decimal = parts.iter().map(|(_, a)| *a).sum();
    if sum != gross || parts.iter().any(|(d, _)| *d < from || *d > to) {
        return None;
    }
    parts.iter().map(|(d, _)| *d).max()
}
