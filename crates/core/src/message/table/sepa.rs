//! Messages of the catalogue: SEPA direct debit (core::sepa, store::sepa, api::sepa).

use super::Row;

pub(super) const SEPA: &[Row] = &[
    // SEPA direct debit: identifiers, mandates, batches, rejects.
    (
        "sepa_creditor_id_shape",
        "creditor identifier {v}: expected a country, 2 check digits, a 3-character business code and the national identifier (FR72ZZZ123456)",
        "identifiant créancier {v} : attendu un pays, 2 chiffres de contrôle, un code activité de 3 caractères et l'identifiant national (FR72ZZZ123456)",
    ),
    (
        "sepa_creditor_id_checksum",
        "creditor identifier {v}: the check digits are wrong (typo?)",
        "identifiant créancier {v} : la clé de contrôle est fausse (faute de frappe ?)",
    ),
    (
        "sepa_mandate_reference",
        "mandate reference {v}: 1 to 35 characters among letters, digits and / - ? : ( ) . , ' + space, not starting or ending with / nor holding //",
        "référence de mandat {v} : 1 à 35 caractères parmi lettres, chiffres et / - ? : ( ) . , ' + espace, sans / au début ni à la fin ni //",
    ),
    (
        "sepa_bic",
        "BIC {v}: expected 8 or 11 characters (4 letters of bank, 2 of country, 2 of place, optional 3 of branch)",
        "BIC {v} : attendu 8 ou 11 caractères (4 lettres de banque, 2 de pays, 2 de localité, 3 d'agence facultatifs)",
    ),
    (
        "sepa_reason_code",
        "ISO 20022 reason code {v}: expected 4 letters or digits, such as AM04 or MD01",
        "code motif ISO 20022 {v} : attendu 4 lettres ou chiffres, comme AM04 ou MD01",
    ),
    (
        "sepa_not_euro",
        "invoice {number}: a direct debit is in euros only",
        "facture {number} : un prélèvement se fait en euros uniquement",
    ),
    (
        "sepa_amount",
        "invoice {number}: the amount to collect must be above zero with at most two decimals",
        "facture {number} : le montant à prélever doit être positif, avec deux décimales au plus",
    ),
    ("sepa_duplicate", "invoice {number} is twice in the batch", "la facture {number} figure deux fois dans le lot"),
    (
        "sepa_empty_batch",
        "a batch needs at least one invoice",
        "un lot de prélèvements doit contenir au moins une facture",
    ),
    (
        "sepa_mandate_reference_taken",
        "mandate reference {v} is already used by another mandate of the company",
        "la référence de mandat {v} est déjà utilisée par un autre mandat de la société",
    ),
    ("sepa_too_many_invoices", "at most {max} invoices in one batch", "au plus {max} factures par lot"),
    ("sepa_mandate_revoked", "the mandate is already revoked", "le mandat est déjà révoqué"),
    (
        "sepa_invoice_not_collectable",
        "invoice {number} cannot be collected: it must be issued with something due",
        "la facture {number} ne peut pas être prélevée : elle doit être émise et rester due",
    ),
    (
        "sepa_no_active_mandate",
        "invoice {number}: its customer has no active direct-debit mandate",
        "facture {number} : son client n'a pas de mandat de prélèvement actif",
    ),
    (
        "sepa_invoice_in_open_batch",
        "invoice {number} is already in batch {batch} awaiting collection",
        "la facture {number} est déjà dans le lot {batch} en attente d'encaissement",
    ),
    (
        "sepa_no_creditor_id",
        "set the company's SEPA creditor identifier first (PATCH /settings with sepa.creditor_id)",
        "renseignez d'abord l'identifiant créancier SEPA (ICS) de la société dans les réglages",
    ),
    (
        "sepa_no_company_iban",
        "add the company's bank account (IBAN) the debits are credited to first",
        "ajoutez d'abord le compte bancaire (IBAN) de la société à créditer",
    ),
    ("sepa_batch_collected", "the batch is already marked collected", "le lot est déjà marqué encaissé"),
    (
        "sepa_batch_not_collected",
        "mark the batch collected before recording a reject",
        "marquez le lot encaissé avant d'enregistrer un rejet",
    ),
    ("sepa_not_in_batch", "this invoice is not in the batch", "cette facture ne fait pas partie du lot"),
    ("sepa_already_rejected", "this debit is already rejected", "ce prélèvement est déjà rejeté"),
    (
        "sepa_signed_in_future",
        "the signature date {date} is in the future",
        "la date de signature {date:date} est dans le futur",
    ),
    (
        "sepa_recurrence",
        "{v} is not a recurrence: recurrent or one_off",
        "{v} n'est pas une récurrence : recurrent ou one_off",
    ),
    ("sepa_pain_version", "expected 02 or 08", "attendu 02 ou 08"),
    (
        "sepa_collection_date_too_early",
        "the collection date {date} is too early: the file must reach the bank one TARGET2 business day before; the next valid date is {next}",
        "la date de prélèvement {date:date} est trop proche : le fichier doit parvenir à la banque un jour ouvré TARGET2 avant ; prochaine date possible : {next:date}",
    ),
    (
        "sepa_collection_date_closed",
        "the collection date {date} is not a TARGET2 business day (weekend or 1 Jan, Good Friday, Easter Monday, 1 May, 25-26 Dec); the next valid date is {next}",
        "la date de prélèvement {date:date} n'est pas un jour ouvré TARGET2 (week-end ou 1er janvier, Vendredi saint, lundi de Pâques, 1er mai, 25-26 décembre) ; prochaine date possible : {next:date}",
    ),
    (
        "sepa_mandate_unchanged",
        "nothing to amend: give a new IBAN or a new reference",
        "rien à modifier : indiquez un nouvel IBAN ou une nouvelle référence",
    ),
    (
        "sepa_mandate_in_open_batch",
        "the mandate has debits in batch {batch} awaiting collection: amend it once the batch is collected",
        "le mandat a des prélèvements dans le lot {batch} en attente d'encaissement : modifiez-le une fois le lot encaissé",
    ),
    ("sepa_reject_file", "not a readable bank status file: {why}", "fichier de la banque illisible : {why}"),
    (
        "sepa_reject_file_kind",
        "expected a pain.002 status report or a camt.054 debit notification (namespace {ns})",
        "attendu un rapport d'état pain.002 ou un avis de débit camt.054 (espace de noms {ns})",
    ),
];
