//! What invoice lists share (the customer page's last invoices, `web::documents`): status
//! labels and urgency (overdue, due soon, as `core::listing` reads them).
//! The pages of every kind of document, invoices included, are in `web::documents`.

use facturier_core::document::{DocumentKind, Status};
use facturier_core::lifecycle;
use facturier_core::listing::DUE_SOON_DAYS;
use time::Date;

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
