//! Dunning: the policy's levels, runs, steps and per-customer or per-invoice opt-outs
//! (`core::dunning`, `server::app::dunning`).

use super::Row;

pub const DUNNING: &[Row] = &[
    (
        "dunning_channel",
        "{v} is not a channel: email, letter or both",
        "{v:q} n'est pas un canal : email, letter ou both",
    ),
    (
        "dunning_from",
        "{v} is not a start: due_date or previous_level",
        "{v:q} n'est pas un point de départ : due_date ou previous_level",
    ),
    ("dunning_too_many_levels", "at most {max} levels", "{max:num} niveaux au plus"),
    (
        "dunning_code_snake_case",
        "{v} is not a level code: lowercase letters, digits and single underscores, starting with a letter",
        "{v:q} n'est pas un code de niveau : lettres minuscules, chiffres et tirets bas simples, commençant par une lettre",
    ),
    ("dunning_code_twice", "the level {v} is listed twice", "le niveau {v:q} figure deux fois"),
    ("dunning_days_range", "a number of days from 0 to {max}", "un nombre de jours de 0 à {max:num}"),
    (
        "dunning_flag",
        "{v} is not a dunning choice: auto or never",
        "{v:q} n'est pas un choix de relance : auto ou never",
    ),
    (
        "dunning_run_channel",
        "{v} is not a channel of a run: email or letter",
        "{v:q} n'est pas un canal de relance : email ou letter",
    ),
    (
        "dunning_note_kind",
        "{v} is not a kind of entry: call, promise or note",
        "{v:q} n'est pas un type d'entrée : call, promise ou note",
    ),
    ("dunning_not_invoice", "only an issued invoice is dunned", "seule une facture émise est relancée"),
    ("dunning_too_many_invoices", "at most {max} invoices in one run", "{max:num} factures au plus par relance"),
    ("dunning_step_undone", "this step was already undone", "cette relance a déjà été supprimée"),
];
