//! Contracts that bill themselves: the billing periods of a contract, the price revision by
//! published indices (SYNTEC and any series a company keeps), renewals and notice, and the
//! billing engine that, from a contract, its events and a date, says every item due up to
//! that date. Pure functions: the run stores only the items it has not stored yet, keyed by
//! (contract, line, period start), so re-running never bills twice.

pub mod billing;
pub mod consumption;
pub mod period;
pub mod recurring;
pub mod renewal;
pub mod revision;

pub use billing::{
    Billing, ContractTerms, DueItem, Event, LineTerms, billing_up_to, forecast, period_net, termination_credit,
};
pub use period::{Alignment, Frequency, Period, Timing};
pub use renewal::{Renewal, Term};
pub use revision::{Formula, IndexBook, IndexTerm, Month, Revision, RevisionAt};
