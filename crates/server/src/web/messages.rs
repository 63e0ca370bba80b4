//! Messages in the reader's language: the server's catalogue (`crate::catalogue`).

pub use crate::catalogue::{field_name, message};
