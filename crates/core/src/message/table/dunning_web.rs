//! The dunning pages of the web app: selections of the unpaid list and why a run leaves
//! an invoice out (`server::app::dunning_list`).

use super::Row;

pub const DUNNING_WEB: &[Row] = &[
    (
        "dunning_selection_empty",
        "no invoice is selected: tick the invoices first",
        "aucune facture n'est sélectionnée : cochez d'abord les factures",
    ),
    (
        "dunning_selection_unknown",
        "{n} invoice(s) of the selection are not issued invoices of this company: nothing was done",
        "{n:num} facture(s) de la sélection ne sont pas des factures émises de cette société : rien n'a été fait",
    ),
    (
        "dunning_not_yet",
        "its next level ({level}) is not due before {date}",
        "son niveau suivant ({level}) n'est pas dû avant le {date:date}",
    ),
    ("dunning_all_taken", "every level was already taken", "tous les niveaux ont déjà été pris"),
    (
        "dunning_not_overdue",
        "it is not overdue on that day, or is paid, withdrawn or marked not to be dunned",
        "elle n'est pas en retard ce jour-là, ou elle est réglée, annulée, soldée par avoir ou à ne pas relancer",
    ),
];
