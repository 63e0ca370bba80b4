//! The shared parameters and error responses under `components`.

use super::schema_ref;
use crate::api::{DEFAULT_LIMIT, MAX_LIMIT, MAX_SEARCH};
use facturier_core::document::DocumentKind;
use facturier_core::listing::{DUE_SOON_DAYS, ListStatus};
use serde_json::{Value, json};

pub(super) fn parameters() -> Value {
    // Every name a list of some kind takes: the stored statuses, then what is owed.
    let mut statuses: Vec<&str> = Vec::new();
    for f in DocumentKind::ALL.into_iter().flat_map(ListStatus::all) {
        if !statuses.contains(&f.as_str()) {
            statuses.push(f.as_str());
        }
    }
    json!({
        "Id": {
            "name": "id", "in": "path", "required": true,
            "description": "The resource's id; an id that is not a UUID is unknown (404).",
            "schema": {"type": "string", "format": "uuid"},
        },
        "Kind": {
            "name": "kind", "in": "path", "required": true,
            "description": "A kind of document; any other is unknown (404).",
            "schema": schema_ref("DocumentKind"),
        },
        "FileId": {
            "name": "file_id", "in": "path", "required": true,
            "description": "The file's id; an id that is not a UUID is unknown (404).",
            "schema": {"type": "string", "format": "uuid"},
        },
        "AsOf": {
            "name": "as_of", "in": "query", "required": false,
            "description": "The day asked about; default today.",
            "schema": schema_ref("Date"),
        },
        "InterventionContract": {
            "name": "contract_id", "in": "query", "required": false,
            "description": "Only this contract's.",
            "schema": {"type": "string", "format": "uuid"},
        },
        "InterventionCustomer": {
            "name": "customer_id", "in": "query", "required": false,
            "description": "Only this customer's.",
            "schema": {"type": "string", "format": "uuid"},
        },
        "Unbilled": {
            "name": "unbilled", "in": "query", "required": false,
            "description": "`true`: only those not billed yet.",
            "schema": {"type": "string", "enum": ["true", "false"], "default": "false"},
        },
        "DryRun": {
            "name": "dry_run", "in": "query", "required": false,
            "description": "`true`: check every row and answer what would be done, writing nothing.",
            "schema": {"type": "string", "enum": ["true", "false"], "default": "false"},
        },
        "ImportMapping": {
            "name": "mapping", "in": "query", "required": false,
            "description": "The field of columns, over what their headers say: `Header:field` entries separated by `;` (`Raison sociale:name;CP:postal_code`); an empty field leaves the column out (`Code client:`).",
            "schema": {"type": "string"},
        },
        "PainVersion": {
            "name": "version", "in": "query", "required": false,
            "description": "`02` (pain.008.001.02, the default) or `08` (pain.008.001.08).",
            "schema": {"type": "string", "enum": ["02", "08"], "default": "02"},
        },
        "UblFlavor": {
            "name": "flavor", "in": "query", "required": false,
            "description": "`peppol` (Peppol BIS Billing 3.0) or `fr` (the French network, BR-FR); default the buyer's network.",
            "schema": {"type": "string", "enum": ["peppol", "fr"]},
        },
        "CustomerSort": {
            "name": "sort", "in": "query", "required": false,
            "description": "The order of the list: `created` (by creation), `name` or `city` (billing city), case- and accent-insensitive, or `balance` (what the customer owes on issued invoices, in the company's currency); each is served by an index, however deep the page.",
            "schema": {"type": "string", "enum": ["created", "name", "city", "balance"], "default": "created"},
        },
        "SortOrder": {
            "name": "order", "in": "query", "required": false,
            "description": "`asc` or `desc`; default `desc` by creation (newest first) and by balance (who owes the most first), `asc` otherwise.",
            "schema": {"type": "string", "enum": ["asc", "desc"]},
        },
        "IdempotencyKey": {
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Makes the POST safe to retry: the same key and body replay the first response (with `Idempotent-Replayed: true`) and create nothing new; the same key with another body is refused (422), and a key whose first request is still running gives 409. A key is the calling user's and lives 24 hours; a JSON body is compared as parsed JSON, any other body byte for byte.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        },
        "Limit": {
            "name": "limit", "in": "query", "required": false,
            "description": "Page size.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        "After": {
            "name": "after", "in": "query", "required": false,
            "description": "The `next_cursor` of the previous page.",
            "schema": {"type": "string"},
        },
        "CustomerSearch": {
            "name": "q", "in": "query", "required": false,
            "description": "Every word (at most 8 are used) must appear in the name, activity, e-mail, SIREN, VAT number, a city or postal code, a contact's name or e-mail, or a tag; case- and accent-insensitive.",
            "schema": {"type": "string"},
        },
        "ProductSearch": {
            "name": "q", "in": "query", "required": false,
            "description": "Every word must appear in the reference or the name; case- and accent-insensitive.",
            "schema": {"type": "string"},
        },
        "Archived": {
            "name": "archived", "in": "query", "required": false,
            "description": "`true`: archived products are listed too (each says `archived`); default `false`: only the catalogue as offered.",
            "schema": {"type": "boolean", "default": false},
        },
        "Activity": {
            "name": "activity", "in": "query", "required": false,
            "description": "Only customers of exactly this activity (case- and accent-insensitive).",
            "schema": {"type": "string"},
        },
        "Status": {
            "name": "status", "in": "query", "required": false,
            "description": format!("Only documents in this status (each kind takes its own, named in the operation), or, for invoices and deposit invoices: `unpaid` (issued, something still due), `overdue` (unpaid and the due date passed) or `due_soon` (unpaid and due within {DUE_SOON_DAYS} days from today, today included). A status the kind's list does not take is refused (422 on `status`)."),
            "schema": {"type": "string", "enum": statuses},
        },
        "DocumentSearch": {
            "name": "q", "in": "query", "required": false,
            "description": "Every word (at most 10 are used) must appear in the number, the customer's name or the document's words (line descriptions, references, notes), case- and accent-insensitive; the web list's search.",
            "schema": {"type": "string", "maxLength": MAX_SEARCH},
        },
        "PaymentSearch": {
            "name": "q", "in": "query", "required": false,
            "description": "Every word (at most 10 are used) must appear in the payment's reference, the customer's name or the number of an invoice it settles; case- and accent-insensitive.",
            "schema": {"type": "string", "maxLength": MAX_SEARCH},
        },
        "CustomerId": {
            "name": "customer_id", "in": "query", "required": false,
            "description": "Only documents of this customer.",
            "schema": {"type": "string", "format": "uuid"},
        },
        "From": {
            "name": "from", "in": "query", "required": false,
            "description": "Only documents dated on or after this day.",
            "schema": schema_ref("Date"),
        },
        "To": {
            "name": "to", "in": "query", "required": false,
            "description": "Only documents dated on or before this day.",
            "schema": schema_ref("Date"),
        },
        "DueFrom": {
            "name": "due_from", "in": "query", "required": false,
            "description": "Only documents due on or after this day (invoices and deposit invoices; other kinds have no due date and list nothing with it). With `due_to` and `status=overdue`: an aged-balance bucket's invoices today.",
            "schema": schema_ref("Date"),
        },
        "DueTo": {
            "name": "due_to", "in": "query", "required": false,
            "description": "Only documents due on or before this day.",
            "schema": schema_ref("Date"),
        },
        "FecSeparator": {
            "name": "separator", "in": "query", "required": false,
            "description": "The FEC's field separator: `tab` (default) or `pipe`.",
            "schema": {"type": "string", "enum": ["tab", "pipe"], "default": "tab"},
        },
        "FecEncoding": {
            "name": "encoding", "in": "query", "required": false,
            "description": "`iso-8859-15` (default, a character set the law lists) or `utf-8`.",
            "schema": {"type": "string", "enum": ["iso-8859-15", "utf-8"], "default": "iso-8859-15"},
        },
        "ExportLang": {
            "name": "lang", "in": "query", "required": false,
            "description": "`fr` (`;` between cells, decimal commas; default) or `en` (`,` and decimal points).",
            "schema": {"type": "string", "enum": ["fr", "en"], "default": "fr"},
        },
    })
}

pub(super) fn error_responses() -> Value {
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": schema_ref("Problem")}},
        })
    };
    json!({
        "BadRequest": problem("The body is not JSON (or not sent as `application/json`), or the query string is malformed (e.g. a repeated parameter)"),
        "Unauthorized": problem("Missing or unknown API token"),
        "Forbidden": problem("The token's role may not change anything"),
        "NotFound": problem("No such resource in the token's company"),
        "Conflict": problem("The change is not allowed in the resource's state (e.g. editing an issued invoice), or a request with the same `Idempotency-Key` is still running"),
        "PayloadTooLarge": problem("The body is larger than 2 MiB"),
        "UnsupportedMediaType": problem("The body is not sent with a media type the operation accepts (application/json for JSON bodies)"),
        "Invalid": problem("Invalid input: `errors` names every field at fault"),
        "BadGateway": problem("A service called on the request's behalf (Stripe) cannot be reached or answered what cannot be read; try again later"),
    })
}
