//! Messages of the catalogue: Records that do not exist, e-invoices and PDF, requests, the store and the server.

use super::Row;

pub(super) const REQUESTS: &[Row] = &[
    // Records that do not exist.
    ("no_such_customer", "no such customer", "client introuvable"),
    ("no_such_product", "no such product", "produit introuvable"),
    ("not_found", "no such {what}", "{what:thing} introuvable"),
    // E-invoices and PDF.
    (
        "e_invoice_only_invoices",
        "a {kind} has no e-invoice: only invoices, deposit invoices and credit notes are EN 16931 documents",
        "Pas de facture électronique pour {kind:doc} : seuls les factures, factures d'acompte et avoirs sont des documents EN 16931",
    ),
    (
        "document_item_line_en",
        "the document has no item line; an EN 16931 invoice needs at least one (BG-25)",
        "Le document n'a aucune ligne d'article ; une facture EN 16931 en exige au moins une (BG-25)",
    ),
    ("pdf_could_written", "the PDF could not be written: {e}", "Le PDF n'a pas pu être produit : {e}"),
    // Requests, the store and the server.
    ("internal_error", "internal error", "Erreur interne"),
    ("invalid_input", "invalid input", "Saisie incorrecte"),
    // A value serde refused in its own words (a wrong type, an unknown field): told as it is.
    ("invalid", "{why}", "{why}"),
    ("form_too_large", "The form is too large.", "Le formulaire est trop volumineux."),
    ("choose_role", "Choose a role.", "Choisissez un rôle."),
    ("multipart_unreadable", "the multipart body cannot be read: {e}", "le corps multipart est illisible : {e}"),
    (
        "customer_file_too_large",
        "the file is larger than {n} MiB, the most a customer file may be",
        "Le fichier dépasse {n:num} Mio, le maximum pour un fichier client",
    ),
    (
        "method_not_allowed",
        "this method is not allowed on this path; the Allow header lists those that are",
        "Cette méthode n'est pas permise sur ce chemin ; l'en-tête Allow indique celles qui le sont",
    ),
    ("malformed_query", "the query string is malformed: {e}", "La chaîne de requête est mal formée : {e}"),
    ("malformed_path", "the path is malformed: {e}", "Le chemin est mal formé : {e}"),
    // What the framework refused in words of its own no other code names: told as it is.
    ("request_refused", "the request was refused: {e}", "La requête a été refusée : {e}"),
    ("multipart_field_too_long", "the field {name} is too long", "le champ {name:q} est trop long"),
    ("unauthorized", "missing or unknown API token", "Jeton d'API absent ou inconnu"),
    (
        "unsupported_media_type",
        "the body must be {expected}, not {got}",
        "Le corps de la requête doit être {expected:t}, et non {got}",
    ),
    (
        "json_content_type_application",
        "JSON (Content-Type application/json)",
        "du JSON (Content-Type application/json)",
    ),
    (
        "png_or_jpeg_image",
        "a PNG or JPEG image (Content-Type image/png or image/jpeg)",
        "une image PNG ou JPEG (Content-Type image/png ou image/jpeg)",
    ),
    ("body_too_large", "the request body is larger than {n} bytes", "Le corps de la requête dépasse {n:num} octets"),
    (
        "malformed_json",
        "the request body is not valid JSON: {e}",
        "Le corps de la requête n'est pas du JSON valide : {e}",
    ),
    (
        "body_timeout",
        "the request body did not arrive in time; send it again without pausing",
        "Le corps de la requête n'est pas arrivé à temps ; renvoyez-le sans interruption",
    ),
    ("forbidden", "your role ({role}) may not do this", "Votre rôle ({role:role}) ne permet pas cette action"),
    (
        "request_idempotency_key_still",
        "a request with this Idempotency-Key is still being processed; retry later",
        "Une requête avec cette Idempotency-Key est encore en cours de traitement ; réessayez plus tard",
    ),
    (
        "between_issue_date_today",
        "{d} is not between the issue date and today",
        "{d:date} n'est pas comprise entre la date d'émission et aujourd'hui",
    ),
    (
        "within_invoice",
        "{amount} is not within the invoice's {gross}",
        "{amount:amount} ne tient pas dans le montant TTC de la facture ({gross:amount})",
    ),
    ("plain_database_name", "{v} is not a plain database name", "{v:q} n'est pas un nom de base de données simple"),
    ("not_a_postgres_url", "{v} is not postgres://…", "{v:q} n'est pas une adresse postgres://…"),
    (
        "neither_sqlite_nor_postgres",
        "{v} is neither sqlite://… nor postgres://…",
        "{v:q} n'est ni une adresse sqlite://… ni une adresse postgres://…",
    ),
];
