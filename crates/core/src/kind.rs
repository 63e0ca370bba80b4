//! The seven kinds of document, their names in the API and their numbering patterns.
//! What each kind may do in each status is [`crate::lifecycle`]'s table.

use crate::numbering::NumberPattern;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kinds of document. Each gets its own legal numbering sequence when issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Quote,
    Order,
    DeliveryNote,
    Proforma,
    Invoice,
    DepositInvoice,
    CreditNote,
}

impl DocumentKind {
    /// All kinds, in pipeline order.
    pub const ALL: [DocumentKind; 7] = [
        DocumentKind::Quote,
        DocumentKind::Order,
        DocumentKind::DeliveryNote,
        DocumentKind::Proforma,
        DocumentKind::Invoice,
        DocumentKind::DepositInvoice,
        DocumentKind::CreditNote,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Quote => "quote",
            DocumentKind::Order => "order",
            DocumentKind::DeliveryNote => "delivery_note",
            DocumentKind::Proforma => "proforma",
            DocumentKind::Invoice => "invoice",
            DocumentKind::DepositInvoice => "deposit_invoice",
            DocumentKind::CreditNote => "credit_note",
        }
    }

    /// The API path segment (`/quotes`, `/delivery-notes`…).
    pub fn segment(self) -> &'static str {
        match self {
            DocumentKind::Quote => "quotes",
            DocumentKind::Order => "orders",
            DocumentKind::DeliveryNote => "delivery-notes",
            DocumentKind::Proforma => "proformas",
            DocumentKind::Invoice => "invoices",
            DocumentKind::DepositInvoice => "deposit-invoices",
            DocumentKind::CreditNote => "credit-notes",
        }
    }

    /// The kind a conversion target names (`"order"`, `"delivery-note"`, `"delivery_note"`…).
    pub fn from_target(s: &str) -> Option<DocumentKind> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == t)
    }

    /// The numbering pattern a new company starts with.
    pub fn default_pattern(self) -> NumberPattern {
        let p = match self {
            DocumentKind::Quote => "D{YYYY}-{SEQ:5}",
            DocumentKind::Order => "C{YYYY}-{SEQ:5}",
            DocumentKind::DeliveryNote => "BL{YYYY}-{SEQ:5}",
            DocumentKind::Proforma => "PF{YYYY}-{SEQ:5}",
            DocumentKind::Invoice => "F{YYYY}-{SEQ:5}",
            DocumentKind::DepositInvoice => "FA{YYYY}-{SEQ:5}",
            DocumentKind::CreditNote => "AV{YYYY}-{SEQ:5}",
        };
        p.parse().unwrap_or_else(|_| unreachable!("built-in pattern {p} is valid"))
    }

    /// Invoices in the legal sense: they take payments (credit notes excepted), can be
    /// credited, and are never cancelled or deleted once issued.
    pub fn is_invoice(self) -> bool {
        matches!(self, DocumentKind::Invoice | DocumentKind::DepositInvoice | DocumentKind::CreditNote)
    }
}

impl FromStr for DocumentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown document kind {s:?}"))
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
