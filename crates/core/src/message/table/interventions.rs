//! Messages of the catalogue: interventions (time, parts, purchases) and a contract's plan
//! (app::interventions, store::interventions).

use super::Row;

pub(super) const INTERVENTIONS: &[Row] = &[
    (
        "intervention_kind",
        "expected time, part or purchase",
        "attendu time (temps passé), part (pièce) ou purchase (achat)",
    ),
    (
        "intervention_field_kind",
        "is not a field of a {kind} intervention",
        "n'est pas un champ d'une intervention {kind}",
    ),
    (
        "intervention_resale",
        "a purchase is re-billed either at cost × coefficient or at a price: give one of them",
        "un achat est refacturé soit au coût × coefficient, soit à un prix : indiquez l'un des deux",
    ),
    ("intervention_other_customer", "is not the contract's customer", "n'est pas le client du contrat"),
    ("intervention_bill_scope", "give either a contract or a customer", "indiquez soit un contrat, soit un client"),
    ("intervention_billed", "this intervention is billed already", "cette intervention est déjà facturée"),
    ("true_or_false", "{v}: expected true or false", "{v} : attendu true ou false"),
];
