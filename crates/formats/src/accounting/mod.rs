//! Accounting files written from `core::accounting` entries: the FEC (article A47 A-1
//! of the LPF), streamed entry by entry, and its checker (`fec check`).

pub mod check;
pub mod csv;
pub mod fec;
pub mod latin9;
pub mod software;

pub use check::{CheckReport, Problem, check_fec};
pub use fec::{Encoding, FecOptions, FecWriter, Separator, file_name};

#[cfg(test)]
mod tests;
