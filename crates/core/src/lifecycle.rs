//! What may happen to a document of each kind in each status: the transitions of
//! the sales pipeline (quote → order → delivery note → invoice) in one place.

use crate::document::{DocumentKind, Status};
use time::Date;

/// An action the pipeline refuses; it reads "an invoice that is partially paid cannot be …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} that is {} cannot be {action}{hint}", with_article(kind), status.replace('_', " "))]
pub struct Refused {
    pub action: &'static str,
    /// The kind as the API names it (`delivery_note`).
    pub kind: &'static str,
    /// The status as the API names it (`partially_paid`).
    pub status: &'static str,
    pub hint: &'static str,
}

/// An API kind name as an English noun with its article: `an invoice`, `a delivery note`.
fn with_article(kind: &str) -> String {
    let noun = match kind {
        "proforma" => "pro-forma invoice".to_string(),
        k => k.replace('_', " "),
    };
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {noun}")
}

fn refused(action: &'static str, kind: DocumentKind, status: Status, hint: &'static str) -> Refused {
    Refused { action, kind: kind.as_str(), status: status.as_str(), hint }
}

/// The status to show: a sent quote past its validity date is expired.
pub fn effective_status(kind: DocumentKind, status: Status, valid_until: Option<Date>, today: Date) -> Status {
    match (kind, status, valid_until) {
        (DocumentKind::Quote, Status::Sent, Some(v)) if v < today => Status::Expired,
        _ => status,
    }
}

/// The customer accepts a sent quote.
pub fn accept(kind: DocumentKind, status: Status) -> Result<Status, Refused> {
    match (kind, status) {
        (DocumentKind::Quote, Status::Sent) => Ok(Status::Accepted),
        (DocumentKind::Quote, Status::Expired) => {
            Err(refused("accepted", kind, status, "; extend its validity date with a new quote"))
        }
        _ => Err(refused("accepted", kind, status, "; only a sent quote can")),
    }
}

/// The customer refuses a sent (or accepted) quote.
pub fn refuse(kind: DocumentKind, status: Status) -> Result<Status, Refused> {
    match (kind, status) {
        (DocumentKind::Quote, Status::Sent | Status::Accepted | Status::Expired) => Ok(Status::Refused),
        _ => Err(refused("refused", kind, status, "; only a sent quote can")),
    }
}

/// Cancels an issued document where the law allows it: never an invoice, a deposit
/// invoice or a credit note (they are corrected by credit notes); an order only while
/// nothing of it was delivered or invoiced.
pub fn cancel(kind: DocumentKind, status: Status) -> Result<Status, Refused> {
    let ok = match kind {
        DocumentKind::Quote => matches!(status, Status::Sent | Status::Accepted | Status::Expired),
        DocumentKind::Order => status == Status::Confirmed,
        DocumentKind::Proforma => status == Status::Issued,
        DocumentKind::DeliveryNote => false,
        DocumentKind::Invoice | DocumentKind::DepositInvoice | DocumentKind::CreditNote => {
            return Err(refused("cancelled", kind, status, "; an invoice is corrected by a credit note"));
        }
    };
    if status == Status::Draft {
        return Err(refused("cancelled", kind, status, "; delete the draft instead"));
    }
    if ok { Ok(Status::Cancelled) } else { Err(refused("cancelled", kind, status, "")) }
}

/// Checks a conversion `from` → `to` is allowed, and gives the status the source takes
/// once converted (`None`: unchanged; orders follow their deliveries and invoices).
pub fn convert(from: DocumentKind, status: Status, to: DocumentKind) -> Result<Option<Status>, Refused> {
    use DocumentKind as K;
    let target_ok = matches!(
        (from, to),
        (K::Quote, K::Order | K::Invoice | K::Proforma)
            | (K::Order, K::DeliveryNote | K::Invoice | K::Proforma)
            | (K::DeliveryNote, K::Invoice)
            | (K::Proforma, K::Invoice)
    );
    if !target_ok {
        return Err(Refused {
            action: "converted",
            kind: from.as_str(),
            status: status.as_str(),
            hint: match from {
                K::Quote => " into this kind; a quote becomes an order, an invoice or a pro-forma",
                K::Order => " into this kind; an order becomes delivery notes, an invoice or a pro-forma",
                K::DeliveryNote | K::Proforma => " into this kind; it becomes an invoice",
                _ => "; credit an invoice instead",
            },
        });
    }
    let status_ok = match from {
        K::Quote => matches!(status, Status::Sent | Status::Accepted),
        K::Order => matches!(status, Status::Confirmed | Status::PartiallyDelivered | Status::Delivered),
        K::DeliveryNote => status == Status::Validated,
        K::Proforma => status == Status::Issued,
        _ => false,
    };
    if !status_ok {
        let hint = if status == Status::Draft { "; issue it first" } else { "" };
        return Err(refused("converted", from, status, hint));
    }
    // A quote is done once converted into an order or an invoice; a pro-forma keeps it open.
    Ok(match (from, to) {
        (K::Quote, K::Order | K::Invoice) => Some(Status::Converted),
        (K::Proforma, K::Invoice) => Some(Status::Converted),
        _ => None,
    })
}

/// The status of an order from what was delivered and invoiced of it.
pub fn order_progress(status: Status, delivered_all: bool, delivered_any: bool, invoiced_all: bool) -> Status {
    if matches!(status, Status::Draft | Status::Cancelled) {
        return status;
    }
    if invoiced_all {
        Status::Invoiced
    } else if delivered_all {
        Status::Delivered
    } else if delivered_any {
        Status::PartiallyDelivered
    } else {
        Status::Confirmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocumentKind as K;
    use time::macros::date;

    #[test]
    fn refusals_read_as_english_sentences() {
        assert_eq!(
            cancel(K::Invoice, Status::PartiallyPaid).unwrap_err().to_string(),
            "an invoice that is partially paid cannot be cancelled; an invoice is corrected by a credit note"
        );
        assert!(accept(K::Order, Status::Confirmed).unwrap_err().to_string().starts_with("an order that is confirmed"));
        let delivery = convert(K::DeliveryNote, Status::Delivered, K::Order).unwrap_err().to_string();
        assert!(delivery.starts_with("a delivery note that is delivered cannot be converted"), "{delivery}");
        let proforma = accept(K::Proforma, Status::Sent).unwrap_err().to_string();
        assert!(proforma.starts_with("a pro-forma invoice that is sent"), "{proforma}");
    }

    #[test]
    fn a_quote_is_accepted_or_refused_once_sent() {
        assert_eq!(accept(K::Quote, Status::Sent), Ok(Status::Accepted));
        assert!(accept(K::Quote, Status::Draft).is_err());
        assert!(accept(K::Quote, Status::Refused).is_err());
        assert!(accept(K::Quote, Status::Expired).unwrap_err().to_string().contains("validity"));
        assert!(accept(K::Order, Status::Confirmed).is_err());
        assert_eq!(refuse(K::Quote, Status::Accepted), Ok(Status::Refused));
        assert!(refuse(K::Quote, Status::Converted).is_err());
    }

    #[test]
    fn a_sent_quote_expires_after_its_validity_date() {
        let today = date!(2026 - 11 - 23);
        assert_eq!(effective_status(K::Quote, Status::Sent, Some(date!(2026 - 11 - 22)), today), Status::Expired);
        assert_eq!(effective_status(K::Quote, Status::Sent, Some(today), today), Status::Sent);
        assert_eq!(effective_status(K::Quote, Status::Accepted, Some(date!(2026 - 01 - 01)), today), Status::Accepted);
        assert_eq!(
            effective_status(K::Order, Status::Confirmed, Some(date!(2026 - 01 - 01)), today),
            Status::Confirmed
        );
    }

    #[test]
    fn invoices_are_never_cancelled() {
        for k in [K::Invoice, K::DepositInvoice, K::CreditNote] {
            let e = cancel(k, Status::Issued).unwrap_err();
            assert!(e.to_string().contains("credit note"), "{e}");
        }
        assert_eq!(cancel(K::Quote, Status::Sent), Ok(Status::Cancelled));
        assert_eq!(cancel(K::Order, Status::Confirmed), Ok(Status::Cancelled));
        assert!(cancel(K::Order, Status::PartiallyDelivered).is_err());
        assert!(cancel(K::Quote, Status::Draft).unwrap_err().to_string().contains("delete"));
    }

    #[test]
    fn conversions_follow_the_pipeline() {
        assert_eq!(convert(K::Quote, Status::Accepted, K::Order), Ok(Some(Status::Converted)));
        assert_eq!(convert(K::Quote, Status::Sent, K::Invoice), Ok(Some(Status::Converted)));
        assert_eq!(convert(K::Order, Status::Confirmed, K::DeliveryNote), Ok(None));
        assert_eq!(convert(K::Order, Status::PartiallyDelivered, K::Invoice), Ok(None));
        assert_eq!(convert(K::DeliveryNote, Status::Validated, K::Invoice), Ok(None));
        assert!(convert(K::Quote, Status::Draft, K::Order).unwrap_err().to_string().contains("issue it first"));
        assert!(convert(K::Quote, Status::Refused, K::Order).is_err());
        assert!(convert(K::Quote, Status::Converted, K::Order).is_err());
        assert!(convert(K::Quote, Status::Accepted, K::DeliveryNote).is_err());
        assert!(convert(K::Invoice, Status::Issued, K::Order).is_err());
        assert!(convert(K::Order, Status::Invoiced, K::Invoice).is_err());
    }

    #[test]
    fn an_order_follows_its_deliveries_and_invoices() {
        assert_eq!(order_progress(Status::Confirmed, false, true, false), Status::PartiallyDelivered);
        assert_eq!(order_progress(Status::PartiallyDelivered, true, true, false), Status::Delivered);
        assert_eq!(order_progress(Status::Delivered, true, true, true), Status::Invoiced);
        assert_eq!(order_progress(Status::Confirmed, false, false, true), Status::Invoiced);
        assert_eq!(order_progress(Status::Cancelled, false, false, false), Status::Cancelled);
    }
}
