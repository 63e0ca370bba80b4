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
    (
        "dunning_not_a_step",
        "{v} is not a step of the policy: a level, friendly_reminder or a quote follow-up",
        "{v:q} n'est pas une étape de la politique : un niveau, friendly_reminder ou une relance de devis",
    ),
    ("dunning_fee_positive", "a fee greater than zero", "des frais supérieurs à zéro"),
    (
        "dunning_days_before_range",
        "a number of days before the due date from 1 to {max}",
        "un nombre de jours avant l'échéance de 1 à {max:num}",
    ),
    ("dunning_days_range_1", "a number of days from 1 to {max}", "un nombre de jours de 1 à {max:num}"),
    (
        "dunning_audience",
        "{v} is not a customer type: individual or key_account",
        "{v:q} n'est pas un type de client : individual ou key_account",
    ),
    (
        "dunning_merge_field",
        "{{{f}}} is not a merge field of a reminder; the fields are {list}",
        "{{{f}}} n'est pas un champ de fusion d'une relance ; les champs sont {list}",
    ),
    (
        "dunning_fee_not_issued",
        "the late fee could not be issued: {e}",
        "les frais de retard n'ont pas pu être facturés : {e}",
    ),
    (
        "dunning_documents",
        "{v} is not what a run duns: invoices or quotes",
        "{v:q} n'est pas ce qu'une relance traite : invoices ou quotes",
    ),
];
