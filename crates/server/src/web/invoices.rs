//! What invoice lists share (the customer page's last invoices, `web::documents`): status
//! labels, urgency (overdue, due soon) and the rows of an invoice table with their totals.
//! The pages of every kind of document, invoices included, are in `web::documents`.

use super::i18n::t;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::lifecycle;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::documents::DocumentRecord;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// An open invoice due within this many days is shown as due soon.
const DUE_SOON_DAYS: i64 = 7;

/// The label key of a status.
pub fn status_key(s: Status) -> &'static str {
    match s {
        Status::Draft => "status.draft",
        Status::Sent => "status.sent",
        Status::Accepted => "status.accepted",
        Status::Refused => "status.refused",
        Status::Expired => "status.expired",
        Status::Converted => "status.converted",
        Status::Confirmed => "status.confirmed",
        Status::PartiallyDelivered => "status.partially_delivered",
        Status::Delivered => "status.delivered",
        Status::Invoiced => "status.invoiced",
        Status::Validated => "status.validated",
        Status::Issued => "status.issued",
        Status::PartiallyPaid => "status.partially_paid",
        Status::Paid => "status.paid",
        Status::Credited => "status.credited",
        Status::Cancelled => "status.cancelled",
    }
}

/// `overdue`, `due-soon` or nothing: how urgent the balance of a payable document is
/// (nothing unless it is open: every payable kind shares the invoice's lifecycle rows).
pub fn urgency(status: Status, due_date: Option<Date>, today: Date) -> &'static str {
    if !lifecycle::is_open(DocumentKind::Invoice, status) {
        return "";
    }
    match due_date.map(|d| (d - today).whole_days()) {
        Some(days) if days < 0 => "overdue",
        Some(days) if days <= DUE_SOON_DAYS => "due-soon",
        _ => "",
    }
}

/// One row of an invoice list.
pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub customer: String,
    pub date: String,
    pub due_date: String,
    pub status: &'static str,
    pub gross: String,
    pub due: String,
    pub urgency: &'static str,
}

/// The rows of a list and the totals (gross, due) of those in `cur`.
pub fn invoice_rows(
    docs: &[DocumentRecord],
    names: &HashMap<Uuid, String>,
    today: Date,
    cur: Currency,
    lang: Language,
) -> (Vec<InvoiceRow>, (String, String)) {
    let (mut gross, mut due) = (Decimal::ZERO, Decimal::ZERO);
    let rows = docs
        .iter()
        .map(|d| {
            let totals = d.content.totals();
            // A draft is owed by nobody yet.
            let owed = if d.status == Status::Draft { None } else { Some(d.due()) };
            if d.content.currency == cur {
                gross += totals.gross;
                due += owed.unwrap_or_default();
            }
            InvoiceRow {
                id: d.id.to_string(),
                number: d.number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into()),
                customer: names.get(&d.content.customer_id).cloned().unwrap_or_default(),
                date: text::date(d.issue_date.unwrap_or(d.created_at.date()), lang),
                due_date: d.due_date.map(|x| text::date(x, lang)).unwrap_or_default(),
                status: super::words::status_key_in(d.kind, d.status),
                gross: text::money(totals.gross, d.content.currency, lang),
                due: owed.map(|o| text::money(o, d.content.currency, lang)).unwrap_or_default(),
                urgency: urgency(d.status, d.due_date, today),
            }
        })
        .collect();
    (rows, (text::money(gross, cur, lang), text::money(due, cur, lang)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn open_invoices_past_due_are_overdue_and_within_a_week_due_soon() {
        let today = date!(2026 - 11 - 24);
        assert_eq!(urgency(Status::Issued, Some(date!(2026 - 11 - 23)), today), "overdue");
        assert_eq!(urgency(Status::PartiallyPaid, Some(date!(2026 - 12 - 01)), today), "due-soon");
        assert_eq!(urgency(Status::Issued, Some(date!(2026 - 12 - 02)), today), "");
        assert_eq!(urgency(Status::Paid, Some(date!(2026 - 01 - 01)), today), "");
        assert_eq!(urgency(Status::Draft, None, today), "");
    }
}
