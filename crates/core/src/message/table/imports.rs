//! Imports of customers and products (`formats::table`, `core::import`, `server::app::imports`).

use super::Row;

pub const IMPORTS: &[Row] = &[
    (
        "import_unreadable",
        "the file cannot be read as {format}: {detail}",
        "le fichier ne peut pas être lu comme {format} : {detail}",
    ),
    ("import_no_header", "the file has no header row", "le fichier n'a pas de ligne d'en-tête"),
    ("import_too_many_rows", "the file has more than {max} rows", "le fichier compte plus de {max:num} lignes"),
    ("import_too_many_columns", "the file has more than {max} columns", "le fichier compte plus de {max:num} colonnes"),
    (
        "import_media_type",
        "a CSV or XLSX file (Content-Type text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
        "un fichier CSV ou XLSX (Content-Type text/csv ou application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
    ),
    (
        "import_mapping_entry",
        "{v} is not a column mapping: write Header:field, entries separated by ;",
        "{v:q} n'est pas une correspondance de colonne : écrivez En-tête:champ, séparés par ;",
    ),
    (
        "import_unknown_field",
        "{v} is not a field of this import ({fields})",
        "{v:q} n'est pas un champ de cet import ({fields})",
    ),
    ("import_mapping_header", "the file has no column {v}", "le fichier n'a pas de colonne {v:q}"),
    (
        "import_no_known_column",
        "no column of the file is a known field: name the columns after the API's fields or give a mapping",
        "aucune colonne du fichier n'est un champ connu : nommez les colonnes comme les champs de l'API ou donnez une correspondance",
    ),
    ("import_duplicate_siren", "the same SIREN as row {row}", "même SIREN que la ligne {row}"),
    ("import_duplicate_email", "the same e-mail as row {row}", "même e-mail que la ligne {row}"),
    (
        "import_duplicate_name",
        "the same name and postal code as row {row}",
        "même nom et même code postal que la ligne {row}",
    ),
    ("import_dry_run", "{v} is not true or false", "{v:q} n'est ni true ni false"),
    ("import_duplicate_reference", "the same reference as row {row}", "même référence que la ligne {row}"),
    // Index values imported from CSV (`server::app::index_import`).
    (
        "index_csv_media_type",
        "a CSV file of period;value lines (Content-Type text/csv)",
        "un fichier CSV de lignes période;valeur (Content-Type text/csv)",
    ),
    (
        "index_csv_cells",
        "{n} cells: a line is a period and a value (2014-03;241.0)",
        "{n:num} cellules : une ligne donne une période et une valeur (2014-03;241,0)",
    ),
    ("index_csv_repeated", "the same period as line {line}", "même période que la ligne {line}"),
    ("index_csv_empty", "the file has no period;value line", "le fichier n'a aucune ligne période;valeur"),
    ("index_csv_too_long", "a file holds {max} lines at most", "un fichier compte au plus {max:num} lignes"),
];
