//! The billing domain of facturier: money, VAT, parties, catalogue, documents,
//! numbering and seals. Pure functions and types: no I/O, no async, no SQL.
//!
//! Everything that reaches this crate has been parsed into its types; a value of
//! `Siren`, `Currency` or `LineInput` is valid by construction.

pub mod accounting;
pub mod aging;
pub mod calendar;
pub mod company;
pub mod compliance;
pub mod contract;
pub mod derive;
pub mod document;
pub mod dunning;
pub mod ids;
pub mod import;
pub mod input;
pub mod kind;
pub mod lifecycle;
pub mod listing;
pub mod margin;
pub mod message;
pub mod money;
pub mod numbering;
pub mod online;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod party;
pub mod payments;
pub mod product;
pub mod progress;
pub mod schedule;
pub mod seal;
pub mod sepa;
pub mod tax;
pub mod terms;
pub mod totals;

pub use rust_decimal::Decimal;
