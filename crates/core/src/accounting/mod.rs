//! Accounting: the chart of accounts of a company and the journal entries derived from
//! its issued documents and its payments (pure functions; the FEC and the import files
//! of accounting software are written from these entries by `formats::accounting`).

pub mod chart;
pub mod collection;
pub mod csv;
pub mod entries;

pub use chart::{
    Chart, ChartError, Journal, MethodAccount, VatAccount, check_account, check_journal, customer_account, fiscal_year,
};
pub use collection::{Collection, PendingVat, Settlement, pending_vat, settled_around};
pub use csv::{CSV_COLUMNS, CsvProfile, CsvProfileError};
pub use entries::{
    Auxiliary, Entry, EntryLine, Lettering, MoneyKind, Movement, Sale, Share, lettering_date, money_entry, sale_entry,
};

#[cfg(test)]
mod tests;
