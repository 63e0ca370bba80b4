//! Why a document could not be rendered.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum FormatError {
    /// Only invoices, deposit invoices and credit notes are e-invoices (EN 16931).
    #[error("a {0} has no e-invoice: only invoices, deposit invoices and credit notes are EN 16931 documents")]
    NotAnInvoice(&'static str),
    /// EN 16931 needs at least one invoice line (BG-25); comment and subtotal lines are not lines.
    #[error("the document has no item line; an EN 16931 invoice needs at least one (BG-25)")]
    NoLines,
    /// The XML writer failed (it writes to memory, so this is a bug, not bad input).
    #[error("writing the XML failed: {0}")]
    Xml(String),
}
