//! What a rendered document is made of: the sealed content and its totals, both parties
//! as they were at issue, and the company's printing and legal settings. Every renderer
//! (PDF, Factur-X CII, UBL) reads this one model, so they never disagree.

use facturier_core::Decimal;
pub use facturier_core::company::{BankAccount, Buyer, LegalTerms, Parties, Profile, Seller};
pub use facturier_core::document::Operation;
use facturier_core::document::{Content, DocumentKind, Status};
use facturier_core::party::Language;
use facturier_core::totals::Totals;
use serde::{Deserialize, Serialize};
use time::Date;

/// A paid or credited amount already set against the document, shown before the net to pay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    /// "Virement du 12/11/2026", "Avoir AV2026-00003".
    pub label: String,
    pub amount: Decimal,
}

/// The invoice a credit note corrects, or a deposit an invoice deducts (BG-3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub number: String,
    pub issue_date: Option<Date>,
}

/// Printing options of the company.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Appearance {
    /// PNG or JPEG bytes of the logo.
    pub logo: Option<Vec<u8>>,
    /// Accent colour, RGB.
    pub accent: Option<[u8; 3]>,
    /// Show the product reference column.
    pub show_reference: bool,
    /// Show the discount column even when no line has a discount.
    pub show_discount: bool,
    /// Repeat the running totals at the foot of every page, not only on the last one.
    pub totals_on_every_page: bool,
}

/// One document, everything needed to render it.
#[derive(Clone, Debug)]
pub struct RenderDocument {
    pub kind: DocumentKind,
    pub status: Status,
    /// The legal number; `None` for a draft.
    pub number: Option<String>,
    /// Issue date, or today for a draft.
    pub issue_date: Date,
    pub due_date: Option<Date>,
    pub content: Content,
    /// `content.totals()`, computed once by `core`.
    pub totals: Totals,
    pub seller: Seller,
    pub buyer: Buyer,
    /// Language of the printed words: the customer's.
    pub language: Language,
    pub bank: Option<BankAccount>,
    pub legal: LegalTerms,
    /// Goods, services or both; computed from the lines when the document does not say.
    pub operation: Operation,
    /// Payments and credit notes already set against the document.
    pub settled: Vec<Settled>,
    /// What remains to pay: gross − settled.
    pub due: Decimal,
    /// The invoices a credit note corrects (BT-25/26).
    pub preceding: Vec<Reference>,
    pub profile: Profile,
    pub appearance: Appearance,
    /// Product references by product id, for the reference column.
    pub references: std::collections::HashMap<uuid::Uuid, String>,
    /// Where the customer pays the invoice online (its `/pay/{token}` address), decided
    /// when it was issued and printed in the payment block; `None`: nothing printed.
    pub payment_url: Option<String>,
}

impl RenderDocument {
    /// A draft is printed with a watermark and carries no legal number.
    pub fn is_draft(&self) -> bool {
        self.status == Status::Draft || self.number.is_none()
    }
}
