//! What a list of documents of one kind can be narrowed to: one of the statuses its
//! lifecycle stores, or, for kinds that take payments, a reading of what is still owed
//! (`unpaid`, `overdue`, `due_soon`). The API's `status` parameter, the web list's filter
//! and the dashboard's figures all read this, so "unpaid" means one thing everywhere:
//! open in the lifecycle's sense ([`lifecycle::is_open`]) with something still due.

use crate::kind::DocumentKind;
use crate::lifecycle::{self, Status};
use crate::message::Message;
use rust_decimal::Decimal;
use time::{Date, Duration};

/// An unpaid document due within this many days from today (today included) is due soon.
pub const DUE_SOON_DAYS: i64 = 7;

/// A filter of a list by status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListStatus {
    /// Documents in this stored status.
    Is(Status),
    /// Issued, something still due (open: issued or partially paid).
    Unpaid,
    /// Unpaid, and the due date passed (before today).
    Overdue,
    /// Unpaid, and due between today and [`DUE_SOON_DAYS`] days from now.
    DueSoon,
}

/// The balance readings, in the order lists offer them.
const OWED: [ListStatus; 3] = [ListStatus::Unpaid, ListStatus::Overdue, ListStatus::DueSoon];

impl ListStatus {
    /// The name in a query string (`status=overdue`).
    pub fn as_str(self) -> &'static str {
        match self {
            ListStatus::Is(s) => s.as_str(),
            ListStatus::Unpaid => "unpaid",
            ListStatus::Overdue => "overdue",
            ListStatus::DueSoon => "due_soon",
        }
    }

    /// Every filter a list of `kind` offers: its stored statuses, then for a kind that
    /// takes payments the readings of what is owed.
    pub fn all(kind: DocumentKind) -> Vec<ListStatus> {
        let mut all: Vec<ListStatus> = lifecycle::of(kind).stored_statuses().map(ListStatus::Is).collect();
        if kind.is_payable() {
            all.extend(OWED);
        }
        all
    }

    /// Reads `status=` of a list of `kind`; a name the kind's list does not offer is
    /// refused with the names it does.
    pub fn parse(kind: DocumentKind, s: &str) -> Result<ListStatus, Message> {
        let all = ListStatus::all(kind);
        all.iter().copied().find(|f| f.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|f| f.as_str()).collect();
            Message::new("not_a_list_status").with("v", format!("{s:?}")).with("all", names.join(", "))
        })
    }

    /// Whether this filter reads what is owed (not one status).
    pub fn is_owed(self) -> bool {
        !matches!(self, ListStatus::Is(_))
    }

    /// The statuses a listed document may be in.
    pub fn statuses(self, kind: DocumentKind) -> Vec<Status> {
        match self {
            ListStatus::Is(s) => vec![s],
            _ => lifecycle::of(kind).statuses.iter().copied().filter(|s| lifecycle::is_open(kind, *s)).collect(),
        }
    }

    /// The due dates a listed document's due date lies between (both included), on
    /// `today`: `None` for no condition on the due date.
    pub fn due_between(self, today: Date) -> Option<(Option<Date>, Option<Date>)> {
        match self {
            ListStatus::Is(_) | ListStatus::Unpaid => None,
            ListStatus::Overdue => Some((None, today.checked_sub(Duration::days(1)))),
            ListStatus::DueSoon => Some((Some(today), today.checked_add(Duration::days(DUE_SOON_DAYS)))),
        }
    }

    /// Whether a document of `kind` in `status`, owing `due` by `due_date`, is listed on `today`.
    pub fn admits(self, kind: DocumentKind, status: Status, due: Decimal, due_date: Option<Date>, today: Date) -> bool {
        if !self.statuses(kind).contains(&status) {
            return false;
        }
        if self.is_owed() && due <= Decimal::ZERO {
            return false;
        }
        match self.due_between(today) {
            None => true,
            Some((from, to)) => due_date.is_some_and(|d| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t)),
        }
    }
}

/// Whether a document of `kind` in `status` owing `due` still counts in what customers owe:
/// open in the lifecycle's sense and something still due (the dashboard's outstanding).
pub fn is_outstanding(kind: DocumentKind, status: Status, due: Decimal) -> bool {
    lifecycle::is_open(kind, status) && due > Decimal::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocumentKind as K;
    use time::macros::date;

    #[test]
    fn payable_kinds_offer_the_readings_of_what_is_owed_and_others_do_not() {
        let names = |k| ListStatus::all(k).iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",");
        assert_eq!(names(K::Invoice), "draft,issued,partially_paid,paid,credited,unpaid,overdue,due_soon");
        assert_eq!(names(K::DepositInvoice), names(K::Invoice));
        assert_eq!(names(K::Quote), "draft,sent,accepted,refused,converted,cancelled");
        assert!(ListStatus::parse(K::Quote, "overdue").is_err());
        assert_eq!(ListStatus::parse(K::Invoice, "overdue"), Ok(ListStatus::Overdue));
        let refused = ListStatus::parse(K::Invoice, "zzz").unwrap_err();
        assert_eq!(refused.code(), "not_a_list_status");
    }

    #[test]
    fn owed_means_open_with_something_due_and_the_due_date_decides_the_rest() {
        let today = date!(2026 - 11 - 24);
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let cases = [
            // (status, due, due date, unpaid, overdue, due soon)
            (Status::Draft, d("100"), Some(date!(2026 - 01 - 01)), false, false, false),
            (Status::Issued, d("100"), Some(date!(2026 - 11 - 23)), true, true, false),
            (Status::PartiallyPaid, d("40"), Some(date!(2026 - 10 - 01)), true, true, false),
            (Status::Issued, d("100"), Some(today), true, false, true),
            (Status::Issued, d("100"), Some(date!(2026 - 12 - 01)), true, false, true),
            (Status::Issued, d("100"), Some(date!(2026 - 12 - 02)), true, false, false),
            (Status::Issued, d("0"), Some(date!(2026 - 11 - 01)), false, false, false),
            (Status::Issued, d("100"), None, true, false, false),
            (Status::Paid, d("0"), Some(date!(2026 - 01 - 01)), false, false, false),
            (Status::Credited, d("0"), Some(date!(2026 - 01 - 01)), false, false, false),
        ];
        for (status, due, due_date, unpaid, overdue, soon) in cases {
            let got = [ListStatus::Unpaid, ListStatus::Overdue, ListStatus::DueSoon]
                .map(|f| f.admits(K::Invoice, status, due, due_date, today));
            assert_eq!(got, [unpaid, overdue, soon], "{status:?} {due} {due_date:?}");
            assert_eq!(is_outstanding(K::Invoice, status, due), unpaid);
        }
    }
}
