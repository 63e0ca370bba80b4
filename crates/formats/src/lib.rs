//! Bytes in and out: PDF/A-3 with Factur-X, UBL, SEPA, FEC, CSV and XLSX. It renders
//! what `facturier-core` computed and never touches storage or the network.

pub mod accounting;
pub mod cii;
pub mod dunning;
pub mod email;
mod en16931;
pub mod error;
pub mod export;
pub mod mentions;
mod merge;
pub mod model;
pub mod pdf;
pub mod sample;
pub mod sepa;
pub mod table;
pub mod text;
pub mod ubl;
mod xml;
mod xmp;

pub use error::FormatError;
pub use model::RenderDocument;
