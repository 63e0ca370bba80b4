//! Printed labels in the document's language: payment terms, conditions and modes, units,
//! address lines and a spaced IBAN.

use facturier_core::party::{Address, Language};
use facturier_core::schedule::{Condition, PaymentMode};
use facturier_core::terms::PaymentTerms;

pub(super) fn terms_label(t: PaymentTerms, lang: Language) -> String {
    t.label(lang)
}

pub(super) fn condition_label(c: Condition, lang: Language) -> String {
    c.label(lang)
}

pub(super) fn mode_label(m: PaymentMode, lang: Language) -> &'static str {
    let fr = lang == Language::Fr;
    match m {
        PaymentMode::BankTransfer => {
            if fr {
                "Virement bancaire"
            } else {
                "Bank transfer"
            }
        }
        PaymentMode::Card => {
            if fr {
                "Carte bancaire"
            } else {
                "Card"
            }
        }
        PaymentMode::Cheque => {
            if fr {
                "Chèque"
            } else {
                "Cheque"
            }
        }
        PaymentMode::Cash => {
            if fr {
                "Espèces"
            } else {
                "Cash"
            }
        }
        PaymentMode::DirectDebit => {
            if fr {
                "Prélèvement SEPA"
            } else {
                "SEPA direct debit"
            }
        }
        PaymentMode::Online => {
            if fr {
                "Paiement en ligne"
            } else {
                "Online payment"
            }
        }
        PaymentMode::Other => {
            if fr {
                "Autre"
            } else {
                "Other"
            }
        }
    }
}

pub(super) fn address_lines(a: &Address) -> Vec<String> {
    let mut out = Vec::new();
    if !a.line1.is_empty() {
        out.push(a.line1.clone());
    }
    if let Some(l2) = a.line2.as_ref().filter(|l| !l.is_empty()) {
        out.push(l2.clone());
    }
    let city = format!("{} {}", a.postal_code, a.city).trim().to_string();
    if !city.is_empty() {
        out.push(city);
    }
    if a.country.as_str() != "FR" {
        out.push(a.country.as_str().to_string());
    }
    out
}

pub(super) fn spaced_iban(iban: &str) -> String {
    iban.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}
