//! Dunning in the web app: the words of its history events on the invoice page (each
//! step taken by a run, undone, or written by hand) and of its levels; the unpaid list
//! with its selection, run and undo (`list`), the history of an invoice and of a
//! customer with entries by hand and "do not dun" (`history`), and the debtor account
//! (`account`).

pub mod account;
pub mod history;
pub mod list;

use crate::App;
use axum::Router;
use axum::routing::{get, post};
use facturier_core::party::Language;

/// (key, French, English).
pub const LABELS: super::i18n::Labels = &[
    ("event.dunning_step", "Relance", "Reminder sent"),
    ("event.dunning_undone", "Relance supprimée", "Reminder undone"),
    ("event.dunning_note", "Suivi de relance", "Collection note"),
    ("dunning.level.reminder_1", "Relance 1", "Reminder 1"),
    ("dunning.level.reminder_2", "Relance 2", "Reminder 2"),
    ("dunning.level.formal_notice", "Mise en demeure", "Formal notice"),
    ("dunning.kind.call", "Appel", "Call"),
    ("dunning.kind.promise", "Promesse de paiement", "Promise to pay"),
    ("dunning.kind.note", "Note", "Note"),
];

/// The dunning pages' routes.
pub fn routes(r: Router<App>) -> Router<App> {
    r.route("/dunning", get(list::page))
        .route("/dunning.csv", get(list::export_csv))
        .route("/dunning.xlsx", get(list::export_xlsx))
        .route("/dunning/run", post(list::run))
        .route("/dunning/undo", post(list::undo))
        .route("/dunning/letters/{id}", get(history::letter))
        .route("/dunning/steps/{id}/undo", post(history::undo_step))
        .route("/dunning/invoices/{id}/notes", post(history::add_note))
        .route("/dunning/invoices/{id}/hold", post(history::hold_invoice))
        .route("/customers/{id}/dunning", get(history::customer))
        .route("/customers/{id}/dunning.csv", get(history::customer_csv))
        .route("/customers/{id}/account", get(account::page))
        .route("/customers/{id}/dunning-hold", post(account::hold_customer))
}

/// A level of the policy in words: its label for the built-in codes, else the code.
pub fn level_label(lang: Language, code: &str) -> String {
    super::i18n::lookup(lang, &format!("dunning.level.{code}")).map_or_else(|| code.to_string(), String::from)
}

/// An id from a path: malformed, the page does not exist.
fn path_id(lang: Language, id: &str) -> Result<uuid::Uuid, super::WebError> {
    id.parse().map_err(|_| super::WebError::NotFound(lang))
}
