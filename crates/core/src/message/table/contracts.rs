//! Messages of the catalogue: contracts, index values and the billing run
//! (core::contract, store::contracts, app::contracts).

use super::Row;

pub(super) const CONTRACTS: &[Row] = &[
    ("unknown_choice", "{v}: expected one of {allowed}", "{v} : attendu l'une des valeurs {allowed}"),
    ("contract_reference_taken", "the company has a contract {v} already", "l'entreprise a déjà un contrat {v}"),
    ("contract_end_before_start", "is before the contract's start", "est avant le début du contrat"),
    (
        "contract_tacit_needs_end",
        "a contract renewed tacitly needs the end of its first term",
        "un contrat à tacite reconduction a besoin de la fin de sa première période",
    ),
    (
        "contract_period_months",
        "{v} months: a contract bills every 1, 2, 3, 6 or 12 months",
        "{v} mois : un contrat facture tous les 1, 2, 3, 6 ou 12 mois",
    ),
    ("contract_lines", "a contract bills 1 to {max} lines", "un contrat facture de 1 à {max} lignes"),
    (
        "contract_line_item",
        "a contract's lines are items (no headings or text lines)",
        "les lignes d'un contrat sont des articles (ni titres ni textes)",
    ),
    (
        "contract_revision_one_way",
        "give one index (index, base_value) or several (indices), not both",
        "indiquez un indice (index, base_value) ou plusieurs (indices), pas les deux",
    ),
    (
        "contract_revision_sum",
        "the fixed part and the weights add up to {v}, not 1",
        "la part fixe et les poids font {v:num}, et non 1",
    ),
    ("contract_revision_terms", "a formula follows 1 to {max} indices", "une formule suit de 1 à {max} indices"),
    (
        "contract_revision_weight",
        "weights and amounts are above 0, the fixed part 0 or more",
        "les poids et montants sont supérieurs à 0, la part fixe positive ou nulle",
    ),
    (
        "contract_revision_base",
        "index {v}: the base value is above 0",
        "indice {v} : la valeur de base est supérieure à 0",
    ),
    ("contract_revision_repeated", "index {v} is named twice", "l'indice {v} est cité deux fois"),
    (
        "contract_index_missing",
        "no value of index {index} published for a month before {month}: this contract waits for it",
        "aucune valeur de l'indice {index} publiée pour un mois antérieur à {month} : ce contrat l'attend",
    ),
    (
        "contract_run_future",
        "a run bills what is due up to today at the latest",
        "une facturation porte au plus tard sur ce qui est dû aujourd'hui",
    ),
    ("contract_terminated", "the contract is terminated already", "le contrat est déjà résilié"),
    (
        "contract_not_running",
        "the contract is {v}: only an active or suspended contract is suspended or resumed",
        "le contrat est {v} : seul un contrat actif ou suspendu peut être suspendu ou repris",
    ),
    (
        "contract_suspension_open",
        "the contract is suspended since {v} until it is resumed: resume it first",
        "le contrat est suspendu depuis le {v:date} jusqu'à sa reprise : reprenez-le d'abord",
    ),
    ("contract_suspension_order", "is before the suspension's first day", "est avant le premier jour de la suspension"),
    ("contract_not_suspended", "the contract is not suspended", "le contrat n'est pas suspendu"),
    (
        "contract_resume_before",
        "is before the suspension's first day ({v})",
        "est avant le premier jour de la suspension ({v:date})",
    ),
    (
        "contract_credit_draft_invoice",
        "an invoice of a period after this day is still a draft: issue it (or change it) before terminating",
        "une facture d'une période postérieure à cette date est encore un brouillon : émettez-la (ou modifiez-la) avant de résilier",
    ),
    (
        "recurring_end_or_count",
        "give an end date or a count, not both",
        "indiquez une date de fin ou un nombre, pas les deux",
    ),
    ("recurring_end_before_first", "is before the first invoice's date", "est avant la date de la première facture"),
    (
        "recurring_not_active",
        "the recurring invoice is stopped or finished already",
        "la facture récurrente est déjà arrêtée ou terminée",
    ),
    (
        "index_code",
        "{v}: an index code is letters, digits, - and _ (SYNTEC)",
        "{v} : un code d'indice s'écrit en lettres, chiffres, - et _ (SYNTEC)",
    ),
    ("index_period", "{v}: a period is written YYYY-MM (2026-10)", "{v} : une période s'écrit AAAA-MM (2026-10)"),
];
