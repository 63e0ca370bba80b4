//! Documents: drafts, issuing (legal number and seal made in the issuing transaction by
//! the one issue plan), records, lists and their cursors. Along its seams:
//!
//! - [`content`]: the `content` column (stored form, sealed copy of the columns);
//! - [`record`]: rows ↔ [`DocumentRecord`], reads, filters and cursors, row locks,
//!   status changes and history entries;
//! - [`draft`]: drafts inserted, updated, deleted (one argument list for every path);
//! - [`plan`]: the issue plan, the only code that draws numbers and makes seals
//!   (issuing one draft and the bulk loader both use it);
//! - [`issue`]: issuing one draft on sqlx and on the SQLite writer thread.
//!
//! `record`, `content` and `draft` use nothing of `pipeline`, which builds on them;
//! `issue` calls `pipeline` (orders following their invoices), nothing calls back.

pub(crate) mod content;
pub(crate) mod draft;
pub(crate) mod issue;
pub(crate) mod plan;
pub(crate) mod record;

pub use issue::issue_in;
pub use record::{ChainReport, DocCursor, DocumentFilter, DocumentRecord, Event, Link, NewPayment, PaymentRecord};

pub(crate) use content::{SealedDocument, parse_content};
pub(crate) use record::{COLS, Row, event, lock_document, read_in};
