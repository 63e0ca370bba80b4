//! Every document derived from an order, as pure functions: deposits, situations,
//! invoices by quantities (from the order, from delivery notes, from the monthly run),
//! the final invoice's deductions, and credit notes.
//!
//! **The conservation rule**, stated once: the invoices of an order's family — deposit
//! invoices, situations, invoices by quantities, less their credit notes — add up to
//! the order's totals exactly: the taxable base and the VAT of every category and rate,
//! hence the net and the gross. Each derivation reads what the family has billed so
//! far (a [`Ledger`]) and bills its part; the document that completes the order (the
//! *closing* one: the last quantities, or the situation at 100 %) bills exactly what is
//! left: its document discount is split per VAT rate so that each rate's base is what
//! remains, it deducts the deposits not yet deducted, and a VAT correction of a cent or
//! a few takes up what rounding per document moved (EN 16931 BR-CO-17 tolerates it).
//!
//! Deposits are asked on the order's bases (discount and shipping included) and
//! deducted, by rate, on lines the document discount does not touch
//! ([`LineKind::Deduction`](crate::document::LineKind::Deduction)). Shipping is billed with the first invoice by quantities,
//! or a share of it with each situation.
//!
//! Along its seams: the family's [`Ledger`] and the conservation rule (`ledger`),
//! deposits (`deposit`), invoices and delivery notes by quantities (`quantities`), the
//! closing document (`close`), situations (`situation`) and credit notes (`credit`); here,
//! what they share (the source order, the header a derived document takes, the words of
//! generated lines, the errors).

mod close;
mod credit;
mod deposit;
mod ledger;
mod quantities;
mod situation;

pub use credit::{credit_amount, credit_left, credit_whole};
pub use deposit::{deposit, deposit_in, scheduled_deposit};
pub use ledger::{BillingError, GroupBilled, Ledger, Member, OpenDeposit, Role, check_billing, check_conservation};
pub use quantities::{delivery_note, delivery_note_heading, invoice_by_quantities};
pub use situation::situation;

use crate::document::{Content, Line};
use crate::money::Currency;
use crate::party::Language;
use crate::progress::{DepositShare, ProgressError};
use close::close;
use rust_decimal::Decimal;
use time::Date;
use uuid::Uuid;

/// Why a derived document cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    #[error(transparent)]
    Progress(#[from] ProgressError),
    #[error("everything on this order is already invoiced")]
    NothingLeft,
    #[error("this order is invoiced by situations: issue a progress invoice at 100 % to settle it")]
    BySituations,
    #[error("this order is already invoiced by quantities: it cannot take progress invoices")]
    ByQuantities,
    #[error("line {line}: only {left} of this line remain to invoice")]
    TooMuch { line: Uuid, left: Decimal },
    #[error("only {left} of this line remain to deliver")]
    TooMuchToDeliver { line: Uuid, left: Decimal },
    #[error("everything on this order is already delivered")]
    AllDelivered,
    #[error("a credit note of {asked} is more than the {left} left to credit on this invoice")]
    CreditTooLarge { asked: Decimal, left: Decimal },
    #[error(
        "the documents of this order no longer add up (a VAT correction of {amount} at {rate} % would be needed): check its draft invoices"
    )]
    Inconsistent { amount: Decimal, rate: Decimal },
}

impl DeriveError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            DeriveError::Progress(p) => p.message(),
            DeriveError::NothingLeft => Message::new("everything_order_already_invoiced"),
            DeriveError::BySituations => Message::new("order_invoiced_situations_issue"),
            DeriveError::ByQuantities => Message::new("order_already_invoiced_quantities"),
            DeriveError::TooMuch { line, left } => {
                Message::new("line_only_line_remain").with("line", line).with("left", left)
            }
            DeriveError::TooMuchToDeliver { left, .. } => Message::new("only_line_remain_deliver").with("n", left),
            DeriveError::AllDelivered => Message::new("everything_order_already_delivered"),
            DeriveError::CreditTooLarge { asked, left } => {
                Message::new("credit_note_more_left").with("asked", asked).with("left", left)
            }
            DeriveError::Inconsistent { amount, rate } => {
                Message::new("documents_order_longer_add").with("amount", amount).with("rate", rate)
            }
        }
    }
}

/// The words of generated lines, in the customer's language.
struct Words(Language);

impl Words {
    /// A date as the reader writes it: 02/10/2026 in French, 2 Oct 2026 in English (the
    /// notation of `formats::text::date`, which core cannot call).
    fn date(&self, date: Option<Date>) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let Some(d) = date else { return String::new() };
        match self.0 {
            Language::Fr => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
            Language::En => format!("{} {} {}", d.day(), MONTHS[usize::from(u8::from(d.month())) - 1], d.year()),
        }
    }
    /// A rate or a percentage as the reader writes it: 5,5 in French, 5.5 in English.
    /// French lines keep a no-break space before "%" and after "n°", as `formats::text`.
    fn n(&self, d: Decimal) -> String {
        let plain = d.normalize().to_string();
        match self.0 {
            Language::Fr => plain.replace('.', ","),
            Language::En => plain,
        }
    }
    fn deduction(&self, number: &str, date: Option<Date>, rate: Decimal) -> String {
        let date = self.date(date);
        let rate = self.n(rate);
        match self.0 {
            Language::Fr => format!("Déduction de l'acompte {number} du {date} (TVA {rate}\u{a0}%)"),
            Language::En => format!("Deduction of deposit {number} of {date} (VAT {rate}%)"),
        }
    }
    fn deposit_title(&self, share: DepositShare, order: &str) -> String {
        match (self.0, share) {
            (Language::Fr, DepositShare::Percent(p)) => {
                format!("Acompte de {}\u{a0}% sur la commande {order}", self.n(p))
            }
            (Language::Fr, DepositShare::Amount(_)) => format!("Acompte sur la commande {order}"),
            (Language::En, DepositShare::Percent(p)) => format!("Deposit of {}% on order {order}", self.n(p)),
            (Language::En, DepositShare::Amount(_)) => format!("Deposit on order {order}"),
        }
    }
    fn rate(&self, title: &str, rate: Decimal) -> String {
        match self.0 {
            Language::Fr => format!("{title} (TVA {}\u{a0}%)", self.n(rate)),
            Language::En => format!("{title} (VAT {}%)", rate.normalize()),
        }
    }
    fn progress_line(&self, what: &str, cumulative: Decimal, previous: Decimal) -> String {
        let (c, p) = (self.n(cumulative), self.n(previous));
        match self.0 {
            Language::Fr => format!("{what} — avancement {c}\u{a0}% (précédemment {p}\u{a0}%)"),
            Language::En => format!("{what} — {c}% complete (previously {p}%)"),
        }
    }
    fn progress_title(&self, n: u32, order: &str, cumulative: Decimal) -> String {
        let c = self.n(cumulative);
        match self.0 {
            Language::Fr => format!("Situation n°\u{a0}{n} — commande {order}, avancement {c}\u{a0}%"),
            Language::En => format!("Progress invoice no. {n} — order {order}, {c}% complete"),
        }
    }
    fn shipping_share(&self, label: &str, cumulative: Decimal) -> String {
        let c = self.n(cumulative);
        match self.0 {
            Language::Fr => format!("{label} — avancement {c}\u{a0}%"),
            Language::En => format!("{label} — {c}% complete"),
        }
    }
    fn balance(&self, label: &str) -> String {
        match self.0 {
            Language::Fr => format!("{label} (solde)"),
            Language::En => format!("{label} (balance)"),
        }
    }
    fn delivery_note(&self, number: &str, date: Option<Date>) -> String {
        let date = self.date(date);
        match self.0 {
            Language::Fr => format!("Bon de livraison {number} du {date}"),
            Language::En => format!("Delivery note {number} of {date}"),
        }
    }
    fn credit_note(&self, invoice: &str) -> String {
        match self.0 {
            Language::Fr => format!("Avoir sur la facture {invoice}"),
            Language::En => format!("Credit note for invoice {invoice}"),
        }
    }
    fn credit_part(&self, invoice: &str) -> String {
        match self.0 {
            Language::Fr => format!("Avoir partiel sur la facture {invoice}"),
            Language::En => format!("Partial credit on invoice {invoice}"),
        }
    }
    fn credit_left(&self, invoice: &str) -> String {
        match self.0 {
            Language::Fr => format!("Solde de la facture {invoice}"),
            Language::En => format!("Balance of invoice {invoice}"),
        }
    }
}

/// The order a derivation starts from.
#[derive(Clone, Copy, Debug)]
pub struct Order<'a> {
    pub number: &'a str,
    pub content: &'a Content,
    /// The customer's language: generated lines and titles are written in it.
    pub language: Language,
}

/// The header a derived document takes from its source (terms, references, addresses,
/// notes), without its lines, amounts, dates or seal.
fn header_of(source: &Content) -> Content {
    Content {
        issue_date: None,
        valid_until: None,
        lines: Vec::new(),
        discount_percent: Decimal::ZERO,
        discount_amount: None,
        allowances: Vec::new(),
        shipping: None,
        vat_adjustments: Vec::new(),
        progress_percent: None,
        schedule: None,
        parties: None,
        printed: None,
        ..source.clone()
    }
}

/// A copy of a line for a derived document: new id, pointing at the line it came from.
fn copy_line(l: &Line) -> Line {
    Line { id: Uuid::now_v7(), source_line_id: Some(l.id), ..l.clone() }
}

/// The currency's smallest unit.
pub fn cent(currency: Currency) -> Decimal {
    Decimal::new(1, currency.minor_units())
}

#[cfg(test)]
mod words_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn generated_lines_are_written_in_the_customer_s_language() {
        let (fr, en) = (Words(Language::Fr), Words(Language::En));
        let day = Some(date!(2026 - 10 - 02));
        let rate = Decimal::new(55, 1);
        assert_eq!(
            fr.deduction("FA2026-00001", day, rate),
            "Déduction de l'acompte FA2026-00001 du 02/10/2026 (TVA 5,5\u{a0}%)"
        );
        assert_eq!(
            en.deduction("FA2026-00001", day, rate),
            "Deduction of deposit FA2026-00001 of 2 Oct 2026 (VAT 5.5%)"
        );
        assert_eq!(fr.delivery_note("BL2026-00003", day), "Bon de livraison BL2026-00003 du 02/10/2026");
        assert_eq!(en.delivery_note("BL2026-00003", day), "Delivery note BL2026-00003 of 2 Oct 2026");
        assert_eq!(fr.credit_note("F2026-00007"), "Avoir sur la facture F2026-00007");
        assert_eq!(en.credit_note("F2026-00007"), "Credit note for invoice F2026-00007");
        assert_eq!(en.credit_left("F2026-00007"), "Balance of invoice F2026-00007");
        let third = Decimal::new(335, 1);
        assert_eq!(
            fr.progress_title(2, "C2026-00001", third),
            "Situation n°\u{a0}2 — commande C2026-00001, avancement 33,5\u{a0}%"
        );
        assert_eq!(
            en.progress_title(2, "C2026-00001", third),
            "Progress invoice no. 2 — order C2026-00001, 33.5% complete"
        );
    }
}
