//! The application layer: what a user can do, as operations taking the caller's
//! identity (`Auth`: company, role, today) and typed input, and returning stored
//! records or a typed error (`ApiError`, which the API renders as problem+json and the
//! web app as a page in the reader's language). The API maps JSON to these operations
//! and the web app maps forms to them; neither calls the other.

pub mod accounting;
pub mod contracts;
pub mod contracts_grid;
pub mod customers;
pub mod documents;
pub mod dunning;
pub mod dunning_list;
pub mod email;
pub mod imports;
pub mod index_import;
pub mod interventions;
pub mod payments;
pub mod recurring;
pub mod render;
pub mod reports;
pub mod sepa;
pub mod settings;
