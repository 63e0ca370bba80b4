//! Messages of the catalogue: Payments, customer credit and statements (core::payments, store::payments, api::payments).

use super::Row;

pub(super) const PAYMENTS: &[Row] = &[
    // Payments, customer credit and statements (core::payments, store::payments, api::payments).
    (
        "more_due_add_excess",
        "{amount} is more than the {due} {currency} due: add \"excess\": \"credit\" to keep the {excess} {currency} left over as customer credit",
        "{amount:amount} dépasse les {due:amount} {currency} dus : ajoutez « excess: credit » pour garder les {excess:amount} {currency} en trop au crédit du client",
    ),
    (
        "more_than_due_on",
        "is more than the {due} {currency} due on {number}",
        "dépasse les {due:amount} {currency} dus sur {number}",
    ),
    (
        "less_allocations_which_add",
        "is less than the allocations, which add up to {allocated} {currency}",
        "est inférieur aux montants imputés, qui totalisent {allocated:amount} {currency}",
    ),
    (
        "allocations_add_up_received",
        "the allocations add up to {allocated} {currency} of the {amount} received: add \"excess\": \"credit\" to keep the {excess} {currency} left over as customer credit",
        "les montants imputés totalisent {allocated:amount} {currency} sur les {amount:amount} reçus : ajoutez « excess: credit » pour garder les {excess:amount} {currency} en trop au crédit du client",
    ),
    (
        "payment_currency_differs",
        "{number} is in {theirs}, the payment in {ours}",
        "{number} est en {theirs}, le règlement en {ours}",
    ),
    (
        "names_invoice_already_allocated",
        "names an invoice already allocated above",
        "désigne une facture déjà imputée plus haut",
    ),
    (
        "more_credit_customer",
        "is more than the {available} {currency} of credit the customer has",
        "dépasse les {available:amount} {currency} de crédit du client",
    ),
    (
        "payment_left_customer_credit",
        "the {to_credit} {currency} this payment left as customer credit were already used ({available} {currency} remain): cancel what used them first",
        "les {to_credit:amount} {currency} que ce règlement a laissés au crédit du client ont déjà été utilisés (il en reste {available:amount} {currency}) : annulez d'abord ce qui les a utilisés",
    ),
    ("payment_already_cancelled", "the payment is already cancelled", "le règlement est déjà annulé"),
    ("no_such_invoice", "no such invoice", "facture introuvable"),
    (
        "invoice_deposit_invoice",
        "is not an invoice or a deposit invoice",
        "n'est ni une facture ni une facture d'acompte",
    ),
    ("invoice_another_customer", "is an invoice of another customer", "est une facture d'un autre client"),
    (
        "way_keep_excess_only",
        "{v} is not a way to keep an excess: the only one is \"credit\"",
        "{v:q} n'est pas une façon de garder un trop-perçu : la seule est « credit »",
    ),
    ("value_not_an_id", "{v} is not an id", "{v:q} n'est pas un identifiant"),
    (
        "required_empty_list_keeps",
        "is required (an empty list keeps the whole amount as customer credit)",
        "obligatoire (une liste vide garde tout le montant au crédit du client)",
    ),
    ("more_invoices", "has more than {max} invoices", "compte plus de {max} factures"),
    (
        "required_say_why_payment",
        "is required: say why the payment is cancelled",
        "obligatoire : indiquez pourquoi le règlement est annulé",
    ),
    ("incomplete_credit_application", "incomplete credit application", "imputation de crédit incomplète"),
    ("incomplete_refund", "incomplete refund", "remboursement incomplet"),
];
