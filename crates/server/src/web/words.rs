//! Words for what the store keeps as codes: a status that agrees with its document
//! (un avoir émis, une facture émise), the events of a history, and the details they
//! carry (a kind, a status, an amount) written for the reader. Pages call these rather
//! than print a code.

use super::i18n::{Labels, lookup};
use facturier_core::Decimal;
use facturier_core::document::DocumentKind;
use facturier_core::document::Status;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;

pub const LABELS: Labels = &[
    // The unit column of a document's lines, in words (`UnitCode::label`).
    ("line.unit", "Unité", "Unit"),
    // Statuses of a masculine document (un devis, un bon de livraison, un avoir) where
    // the shared label is feminine, and of a feminine one where it is masculine.
    ("status.issued.m", "Émis", "Issued"),
    ("status.paid.m", "Payé", "Paid"),
    ("status.partially_paid.m", "Payé en partie", "Partially paid"),
    ("status.confirmed.m", "Confirmé", "Confirmed"),
    ("status.delivered.m", "Livré", "Delivered"),
    ("status.partially_delivered.m", "Livré en partie", "Partially delivered"),
    ("status.invoiced.m", "Facturé", "Invoiced"),
    ("status.sent.f", "Envoyée", "Sent"),
    ("status.accepted.f", "Acceptée", "Accepted"),
    ("status.refused.f", "Refusée", "Refused"),
    ("status.expired.f", "Expirée", "Expired"),
    ("status.converted.f", "Transformée", "Converted"),
    ("status.validated.f", "Validée", "Validated"),
    ("status.cancelled.f", "Annulée", "Cancelled"),
    // Events of a document's history the shared table does not name.
    ("event.accepted", "Accepté par le client", "Accepted by the customer"),
    ("event.refused", "Refusé par le client", "Refused by the customer"),
    ("event.cancelled", "Annulation", "Cancelled"),
    ("event.confirmed", "Confirmation", "Confirmed"),
    ("event.partially_delivered", "Livraison partielle", "Partly delivered"),
    ("event.delivered", "Livraison complète", "Fully delivered"),
    ("event.invoiced", "Facturation", "Invoiced"),
    ("event.deposit_invoice", "Facture d'acompte créée", "Deposit invoice created"),
    ("event.progress_invoice", "Facture de situation créée", "Progress invoice created"),
    ("event.credit_refunded", "Avoir remboursé", "Credit refunded"),
    ("event.conversion_undone", "Transformation annulée", "Conversion undone"),
    ("event.files_rendered", "Fichiers produits", "Files made"),
    ("event.expired", "Expiration", "Expired"),
];

/// True for a kind French names with a feminine noun (une commande, une facture).
fn feminine(kind: DocumentKind) -> bool {
    matches!(kind, DocumentKind::Order | DocumentKind::Invoice | DocumentKind::Proforma | DocumentKind::DepositInvoice)
}

/// The label key of `status` on a document of `kind`: the shared `status.*` key, or its
/// variant that agrees with the kind's gender in French.
pub fn status_key_in(kind: DocumentKind, status: Status) -> &'static str {
    use Status::*;
    match (feminine(kind), status) {
        (false, Issued) => "status.issued.m",
        (false, Paid) => "status.paid.m",
        (false, PartiallyPaid) => "status.partially_paid.m",
        (false, Confirmed) => "status.confirmed.m",
        (false, Delivered) => "status.delivered.m",
        (false, PartiallyDelivered) => "status.partially_delivered.m",
        (false, Invoiced) => "status.invoiced.m",
        (true, Sent) => "status.sent.f",
        (true, Accepted) => "status.accepted.f",
        (true, Refused) => "status.refused.f",
        (true, Expired) => "status.expired.f",
        (true, Converted) => "status.converted.f",
        (true, Validated) => "status.validated.f",
        (true, Cancelled) => "status.cancelled.f",
        (_, s) => super::invoices::status_key(s),
    }
}

/// The label of a history event (`event.*`), or the code when none is known.
pub fn event_label(lang: Language, prefix: &str, event: &str) -> String {
    lookup(lang, &format!("{prefix}.{event}"))
        .or_else(|| lookup(lang, &format!("event.{event}")))
        .map_or_else(|| event.to_string(), String::from)
}

/// A value a history event carries, for the reader: a kind or a status in words, an
/// amount in the reader's notation; anything else as it is.
pub fn detail_value(lang: Language, key: &str, value: &str, currency: Currency) -> String {
    if key == "amount"
        && let Ok(d) = value.parse::<Decimal>()
    {
        return text::money(d, currency, lang);
    }
    if let Ok(kind) = value.parse::<DocumentKind>() {
        return text::kind_title(kind, false, lang).to_string();
    }
    if let Some(label) = lookup(lang, &format!("status.{value}")) {
        return label.to_string();
    }
    if key == "percent"
        && let Ok(d) = value.parse::<Decimal>()
    {
        return text::percent(d, lang);
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::t;

    #[test]
    fn statuses_agree_with_their_document() {
        let fr = |k, s| t(Language::Fr, status_key_in(k, s));
        assert_eq!(fr(DocumentKind::CreditNote, Status::Issued), "Émis");
        assert_eq!(fr(DocumentKind::Invoice, Status::Issued), "Émise");
        assert_eq!(fr(DocumentKind::Quote, Status::Sent), "Envoyé");
        assert_eq!(fr(DocumentKind::Order, Status::Confirmed), "Confirmée");
        assert_eq!(fr(DocumentKind::Order, Status::Cancelled), "Annulée");
        assert_eq!(fr(DocumentKind::DeliveryNote, Status::Invoiced), "Facturé");
        assert_eq!(fr(DocumentKind::DeliveryNote, Status::Validated), "Validé");
        assert_eq!(fr(DocumentKind::CreditNote, Status::Paid), "Payé");
        assert_eq!(t(Language::En, status_key_in(DocumentKind::CreditNote, Status::Issued)), "Issued");
    }

    #[test]
    fn details_read_as_words() {
        let eur = "EUR".parse().unwrap();
        assert_eq!(detail_value(Language::Fr, "amount", "1729.20", eur), "1\u{202f}729,20\u{a0}€");
        assert_eq!(detail_value(Language::En, "amount", "1729.20", eur), "€1,729.20");
        assert_eq!(detail_value(Language::Fr, "to", "delivery_note", eur), "Bon de livraison");
        assert_eq!(detail_value(Language::Fr, "to", "partially_delivered", eur), "Livrée en partie");
        assert_eq!(
            detail_value(Language::En, "to", "deposit_invoice", eur),
            text::kind_title(DocumentKind::DepositInvoice, false, Language::En)
        );
        assert_eq!(event_label(Language::Fr, "event", "deposit_invoice"), "Facture d'acompte créée");
    }
}
