//! What a document list says, said truthfully: the word of each status for its kind (a
//! quote issued but never e-mailed is "issued", not "sent"; « un avoir émis », « une
//! commande annulée »), the filters by what is still owed (`core::listing`), the second
//! date that matters for each kind (a quote's validity, an invoice's due date), and totals
//! that count only what their label says.

use super::i18n::Labels;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::lifecycle::{self, Standing};
use facturier_core::listing::{self, ListStatus};
use facturier_core::money::Currency;
use facturier_core::money::in_company_currency;
use facturier_store::documents::DocumentRecord;
use facturier_store::lists::ListedAmount;
use time::Date;

/// Lists' labels: (key, French, English).
pub const LABELS: Labels = &[
    ("list.status.quote_issued", "Émis", "Issued"),
    ("list.status.quote_open", "Émis ou envoyé, sans réponse", "Issued or sent, unanswered"),
    ("list.status.credited", "Soldée par avoir", "Credited in full"),
    ("list.by_status", "Statut", "Status"),
    ("list.see_all", "Voir la liste complète", "See the whole list"),
    ("list.by_payment", "Règlement", "Payment"),
    ("list.unpaid", "Non réglées (reste dû)", "Unpaid (something due)"),
    ("list.overdue", "En retard de paiement", "Overdue"),
    ("list.due_soon", "Échéance dans les 7 jours", "Due within 7 days"),
    ("list.valid_until", "Valable jusqu'au", "Valid until"),
    ("list.delivery_date", "Livraison prévue", "Delivery date"),
    ("list.unknown_status", "Ce statut n'existe pas pour cette liste\u{a0}:", "This list has no such status:"),
    (
        "list.unknown_status_hint",
        "Aucun document n'est affiché. Choisissez un statut dans le filtre.",
        "No documents are shown. Pick a status in the filter.",
    ),
    // A colon after a label: French puts a non-breaking space before it.
    ("list.colon", "\u{a0}:", ":"),
    ("list.total_issued", "Total TTC des documents émis", "Total incl. VAT of issued documents"),
    ("list.total_due", "Reste dû", "Still due"),
    ("list.counted", "document(s) compté(s)", "document(s) counted"),
    (
        "list.total_note",
        "Toutes les pages de la liste\u{a0}; brouillons, documents annulés et factures soldées par avoir exclus\u{a0}; le reste dû ne compte que les factures émises non réglées\u{a0}; montants en devise étrangère convertis au taux de chaque document.",
        "Every page of the list; drafts, cancelled documents and invoices credited in full left out; what is still due counts unpaid issued invoices only; foreign-currency amounts converted at each document's rate.",
    ),
    (
        "list.total_note_unpayable",
        "Toutes les pages de la liste\u{a0}; brouillons et documents annulés exclus\u{a0}; montants en devise étrangère convertis au taux de chaque document.",
        "Every page of the list; drafts and cancelled documents left out; foreign-currency amounts converted at each document's rate.",
    ),
    (
        "list.too_many",
        "Trop de documents pour en afficher les totaux\u{a0}: affinez les filtres.",
        "Too many documents to show their totals: narrow the filters.",
    ),
];

/// Above this many documents, a list shows no totals (they would be read on each view).
pub const TOTALS_MAX: u32 = 10_000;

/// The label key of a status shown for a document of `kind`; `emailed`: the document was
/// sent by e-mail (a quote is stored as `sent` once issued, whether or not it was). The
/// words agree with the document (`words::status_key_in`: un avoir émis, une commande annulée).
pub fn status_word(kind: DocumentKind, status: Status, emailed: bool) -> &'static str {
    use DocumentKind as K;
    match (kind, status) {
        (K::Quote, Status::Sent) if !emailed => "list.status.quote_issued",
        // Offset in full by credit notes: not "a credit note issued", which a partly credited one has too.
        (K::Invoice | K::DepositInvoice, Status::Credited) => "list.status.credited",
        _ => super::words::status_key_in(kind, status),
    }
}

/// The label key of a filter of a list of `kind`.
pub fn filter_word(kind: DocumentKind, f: ListStatus) -> &'static str {
    match f {
        ListStatus::Is(Status::Sent) if kind == DocumentKind::Quote => "list.status.quote_open",
        ListStatus::Is(s) => status_word(kind, s, true),
        ListStatus::Unpaid => "list.unpaid",
        ListStatus::Overdue => "list.overdue",
        ListStatus::DueSoon => "list.due_soon",
    }
}

/// The date a list shows beside the document's own.
#[derive(Clone, Copy)]
pub struct SecondDate {
    /// Its column's label key.
    pub label: &'static str,
    /// Whether the list sorts by it (the due date, an indexed column).
    pub sortable: bool,
    /// How to read it from a document.
    pub read: fn(&DocumentRecord) -> Option<Date>,
}

/// The second date of a list of `kind`: the one that matters for the kind (an invoice's
/// due date, a quote's validity, an order's delivery); none for a credit note.
pub fn second_date(kind: DocumentKind) -> Option<SecondDate> {
    use DocumentKind as K;
    let (label, sortable, read): (_, _, fn(&DocumentRecord) -> Option<Date>) = match kind {
        K::Invoice | K::DepositInvoice => ("doc.due_date", true, |d| d.due_date),
        K::Quote | K::Proforma => ("list.valid_until", false, |d| d.content.valid_until),
        K::Order | K::DeliveryNote => ("list.delivery_date", false, |d| d.content.delivery_date),
        K::CreditNote => return None,
    };
    Some(SecondDate { label, sortable, read })
}

/// What a list's totals add up, in the company's currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListTotals {
    /// The gross of the documents that count: issued and neither cancelled nor credited in full.
    pub gross: Decimal,
    /// How many documents count in `gross`.
    pub counted: usize,
    /// What is still due on the unpaid ones (`core::listing::is_outstanding`).
    pub due: Decimal,
}

/// The totals of a list of `kind` from the amounts of all its documents.
pub fn totals(kind: DocumentKind, amounts: &[ListedAmount], company: Currency) -> ListTotals {
    let mut t = ListTotals::default();
    for a in amounts {
        if lifecycle::standing(a.status) != Standing::Issued {
            continue;
        }
        // Only drafts lack the rate of a foreign currency, and they do not count.
        if let Some(gross) = in_company_currency(a.gross, &a.currency, a.exchange_rate, company) {
            t.gross += gross;
            t.counted += 1;
        }
        if listing::is_outstanding(kind, a.status, a.due)
            && let Some(due) = in_company_currency(a.due, &a.currency, a.exchange_rate, company)
        {
            t.due += due;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_quote_is_sent_only_once_emailed_and_words_agree_with_their_kind() {
        assert_eq!(status_word(DocumentKind::Quote, Status::Sent, false), "list.status.quote_issued");
        assert_eq!(status_word(DocumentKind::Quote, Status::Sent, true), "status.sent");
        assert_eq!(status_word(DocumentKind::Invoice, Status::Issued, false), "status.issued");
        assert_eq!(status_word(DocumentKind::CreditNote, Status::Issued, false), "status.issued.m");
        assert_eq!(status_word(DocumentKind::Order, Status::Cancelled, false), "status.cancelled.f");
        assert_eq!(status_word(DocumentKind::Quote, Status::Cancelled, false), "status.cancelled");
        assert_eq!(status_word(DocumentKind::Invoice, Status::Credited, false), "list.status.credited");
    }

    #[test]
    fn totals_leave_out_drafts_and_credited_invoices_and_sum_what_is_due_on_unpaid_ones() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let a = |status, gross: &str, due: &str| ListedAmount {
            status,
            currency: "EUR".into(),
            gross: d(gross),
            due: d(due),
            exchange_rate: None,
        };
        let mut usd = a(Status::Issued, "100.00", "100.00");
        usd.currency = "USD".into();
        usd.exchange_rate = Some(d("0.9"));
        let amounts = [
            a(Status::Draft, "1000.00", "1000.00"),
            a(Status::Issued, "120.00", "120.00"),
            a(Status::PartiallyPaid, "240.00", "40.00"),
            a(Status::Paid, "60.00", "0.00"),
            a(Status::Credited, "500.00", "0.00"),
            usd,
        ];
        let t = totals(DocumentKind::Invoice, &amounts, Currency::EUR);
        assert_eq!(t, ListTotals { gross: d("510.00"), counted: 4, due: d("250.00") });
    }
}
