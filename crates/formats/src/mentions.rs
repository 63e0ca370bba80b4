//! The mentions French law requires on a document (article 242 nonies A of the CGI,
//! articles L441-9 and L441-10 of the commercial code, the 2026 e-invoicing reform),
//! computed from the parties, the lines and the company's terms — never typed.
//!
//! The same notes go into the PDF's footer block and, with their UNTDID 4451 subject
//! codes, into the Factur-X and UBL notes (BT-21/BT-22), where the French rules look
//! for PMT, PMD and AAB.

use crate::model::{Operation, RenderDocument};
use facturier_core::document::DocumentKind;
use facturier_core::money::to_text;
use facturier_core::party::Language;
use facturier_core::tax::VatCategory;

/// One printed mention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// UNTDID 4451 subject code of the note in the XML; `None` for a printed-only line.
    pub subject: Option<&'static str>,
    pub text: String,
}

fn note(subject: Option<&'static str>, text: impl Into<String>) -> Note {
    Note { subject, text: text.into() }
}

/// Whether payment terms, penalties and the indemnity apply: to what asks for payment,
/// and to credit notes, on which the French e-invoicing rules (BR-FR-05) require them too.
fn asks_for_payment(kind: DocumentKind) -> bool {
    kind != DocumentKind::DeliveryNote
}

/// The seller's legal identity line: "SAS au capital de 10 000 € · RCS Lyon 123 456 789 · SIRET … · TVA …".
pub fn seller_identity(doc: &RenderDocument) -> String {
    let s = &doc.seller;
    let fr = doc.language == Language::Fr;
    let mut parts = Vec::new();
    // A French company's share capital is registered in euros, whatever the currency
    // the document is written in.
    let euro = crate::text::symbol("EUR");
    match (&s.legal_form, s.share_capital) {
        (Some(form), Some(capital)) => parts.push(if fr {
            format!("{form} au capital de {} {}", group(capital), euro)
        } else {
            format!("{form} with a share capital of {} {}", group(capital), euro)
        }),
        (Some(form), None) => parts.push(form.clone()),
        (None, Some(capital)) => parts.push(if fr {
            format!("Capital de {} {}", group(capital), euro)
        } else {
            format!("Share capital {} {}", group(capital), euro)
        }),
        (None, None) => {}
    }
    match (&s.rcs_city, &s.siren) {
        (Some(city), Some(siren)) => parts.push(format!("RCS {city} {}", spaced_siren(siren.as_str()))),
        (None, Some(siren)) => parts.push(format!("SIREN {}", spaced_siren(siren.as_str()))),
        _ => {}
    }
    if let Some(siret) = &s.siret {
        parts.push(format!("SIRET {}", siret.as_str()));
    }
    if let Some(vat) = &s.vat_number {
        parts.push(format!("{} {}", if fr { "TVA intracom." } else { "VAT" }, vat.as_str()));
    }
    parts.join(" · ")
}

/// Every mention of the document, in printing order.
pub fn notes(doc: &RenderDocument) -> Vec<Note> {
    let fr = doc.language == Language::Fr;
    let mut out = Vec::new();
    let identity = seller_identity(doc);
    if !identity.is_empty() {
        out.push(note(Some("REG"), identity));
    }

    // VAT exemptions and reverse charge: one mention per category that needs one.
    let mut categories: Vec<VatCategory> = doc.totals.vat.iter().map(|b| b.category).collect();
    categories.dedup();
    for cat in categories {
        if let Some(ex) = doc.content.exemption(cat, fr) {
            out.push(note(None, ex.text));
        }
    }

    if doc.legal.vat_on_debits && doc.kind.is_invoice() {
        out.push(note(
            Some("TXD"),
            if fr {
                "Option pour le paiement de la taxe d'après les débits"
            } else {
                "The seller has opted to pay VAT on debits"
            },
        ));
    }

    out.push(note(
        None,
        match (doc.content.operation(), fr) {
            (Operation::Goods, true) => "Nature de l'opération : livraison de biens",
            (Operation::Services, true) => "Nature de l'opération : prestation de services",
            (Operation::Mixed, true) => "Nature de l'opération : mixte (biens et services)",
            (Operation::Goods, false) => "Nature of the operation: supply of goods",
            (Operation::Services, false) => "Nature of the operation: supply of services",
            (Operation::Mixed, false) => "Nature of the operation: mixed (goods and services)",
        },
    ));

    if doc.kind == DocumentKind::CreditNote {
        for r in &doc.preceding {
            let date = r.issue_date.map(|d| crate::text::date(d, doc.language)).unwrap_or_default();
            out.push(note(
                None,
                if fr {
                    format!("Avoir relatif à la facture {} du {date}", r.number)
                } else {
                    format!("Credit note for invoice {} of {date}", r.number)
                },
            ));
        }
    }

    if asks_for_payment(doc.kind) {
        let penalties = match doc.legal.late_penalty_rate {
            Some(rate) if fr => format!(
                "En cas de retard de paiement, pénalités au taux annuel de {} % exigibles le jour suivant la date d'échéance",
                to_text(rate, 0).replace('.', ",")
            ),
            Some(rate) => format!(
                "Late payment penalties at a yearly rate of {} %, due from the day after the due date",
                to_text(rate, 0)
            ),
            None if fr => "En cas de retard de paiement, pénalités au taux d'intérêt de la BCE majoré de 10 points, \
                           exigibles le jour suivant la date d'échéance"
                .to_string(),
            None => {
                "Late payment penalties at the ECB refinancing rate plus 10 points, due from the day after the due date"
                    .to_string()
            }
        };
        out.push(note(Some("PMD"), penalties));
        if doc.buyer.is_business {
            out.push(note(
                Some("PMT"),
                if fr {
                    "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € \
                     (art. L441-10 et D441-5 du Code de commerce)"
                } else {
                    "Fixed compensation for recovery costs in case of late payment: €40 \
                     (articles L441-10 and D441-5 of the French commercial code)"
                },
            ));
        } else {
            out.push(note(
                Some("PMT"),
                if fr {
                    "Pas d'indemnité forfaitaire de recouvrement : client non professionnel"
                } else {
                    "No fixed recovery compensation: the customer is a consumer"
                },
            ));
        }
        out.push(note(
            Some("AAB"),
            match (&doc.legal.early_payment_discount, fr) {
                (Some(terms), _) => terms.clone(),
                (None, true) => "Pas d'escompte pour paiement anticipé".to_string(),
                (None, false) => "No discount for early payment".to_string(),
            },
        ));
    }
    out
}

/// "123456789" → "123 456 789", as SIREN numbers are printed.
fn spaced_siren(s: &str) -> String {
    let mut out = String::with_capacity(11);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A whole amount with thin-space grouping ("10 000"), decimals kept when there are some.
fn group(d: facturier_core::Decimal) -> String {
    crate::text::group_digits(&to_text(d, 0), ' ', ',')
}
