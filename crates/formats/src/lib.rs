//! Bytes in and out: PDF/A-3 with Factur-X, UBL, SEPA, FEC, CSV and XLSX. It renders
//! what `facturier-core` computed and never touches storage or the network.
//!
//! Empty until the documents-out issue lands; the crate exists so the layering is fixed.
