//! Messages of the catalogue: accounting (core::accounting, formats::fec, api::accounting).

use super::Row;

pub(super) const ACCOUNTING: &[Row] = &[
    (
        "accounting_account_shape",
        "account {account}: an account number starts with the three digits of its PCG class and has only letters and digits, at most 17",
        "compte {account} : un numéro de compte commence par les trois chiffres de sa classe du PCG et n'a que des lettres et des chiffres, 17 au plus",
    ),
    (
        "accounting_journal_shape",
        "journal code {journal}: one to four capital letters or digits",
        "code journal {journal} : une à quatre majuscules ou chiffres",
    ),
    (
        "export_period_order",
        "the period starts on {from}, after its end on {to}",
        "la période commence le {from:date}, après sa fin le {to:date}",
    ),
    ("fec_separator", "separator {v}: tab or pipe", "séparateur {v} : tab ou pipe"),
    (
        "accounting_collection_and_debits",
        "VAT on collection for services contradicts the option for debits printed on the invoices (legal.vat_on_debits): keep one",
        "la TVA sur les encaissements des prestations contredit l'option pour les débits imprimée sur les factures (legal.vat_on_debits) : gardez l'une des deux",
    ),
    ("export_csv_only", "a CSV profile goes with the csv format only", "un profil CSV ne va qu'avec le format csv"),
    ("csv_no_column", "choose at least one column", "choisissez au moins une colonne"),
    ("csv_column", "column {v}: not one of {allowed}", "colonne {v} : n'est pas l'une de {allowed}"),
    ("csv_column_twice", "column {v} is already chosen", "la colonne {v} est déjà choisie"),
    ("csv_choice", "{v}: not one of {allowed}", "{v} : n'est pas l'un de {allowed}"),
    (
        "csv_mark_is_separator",
        "decimal mark {v}: the separator already; choose the other one",
        "marque décimale {v} : c'est déjà le séparateur ; choisissez l'autre",
    ),
    (
        "fec_encoding",
        "encoding {v}: iso-8859-15 (the default, a legal FEC set) or utf-8",
        "encodage {v} : iso-8859-15 (par défaut, un jeu légal du FEC) ou utf-8",
    ),
    (
        "accounting_fiscal_month",
        "fiscal year start month {v}: a month from 1 to 12",
        "mois de début de l'exercice {v} : un mois de 1 à 12",
    ),
    (
        "accounting_period_closed",
        "the books are closed through {through}: nothing can be dated {date} any more",
        "les comptes sont clôturés jusqu'au {through:date} : plus rien ne peut être daté du {date:date}",
    ),
    (
        "accounting_closing_not_after",
        "the books are closed through {last} already: close through a later day than {through}",
        "les comptes sont déjà clôturés jusqu'au {last:date} : clôturez à une date postérieure au {through:date}",
    ),
    (
        "accounting_closing_future",
        "{through} is in the future: only a day that is over can be closed",
        "le {through:date} est dans le futur : seul un jour passé peut être clôturé",
    ),
    ("export_lang", "language {v}: fr or en", "langue {v} : fr ou en"),
    (
        "export_nothing_new",
        "nothing new to export from {from} to {to}: every entry of the period was exported already (ask for a re-export to get them again)",
        "rien de nouveau à exporter du {from:date} au {to:date} : toutes les écritures de la période ont déjà été exportées (demandez une réexportation pour les obtenir à nouveau)",
    ),
    (
        "export_empty",
        "no entry to export from {from} to {to} in the journals asked for",
        "aucune écriture à exporter du {from:date} au {to:date} dans les journaux demandés",
    ),
    (
        "export_busy",
        "other exports were being recorded at the same time; try again",
        "d'autres exports s'enregistraient au même moment ; réessayez",
    ),
    ("export_too_many_journals", "at most {max} journals in one export", "au plus {max} journaux par export"),
    (
        "export_format",
        "format {v}: fec, ximport, quadratus, ebp, csv or xlsx",
        "format {v} : fec, ximport, quadratus, ebp, csv ou xlsx",
    ),
];
