//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! The document is built from [`ROUTES`]: each route is looked up in [`OPERATIONS`],
//! which says what the operation takes and answers. Path parameters come from the path
//! template, the `Idempotency-Key` header from the method, the 401 answer from the
//! security requirement, the 400/413/415 answers from the request body and query. A unit test fails
//! when a route has no entry in [`OPERATIONS`] (or an entry names no route), and
//! `tests/openapi.rs` checks the document against the running router.
//!
//! The schemas under `components/schemas` mirror the input structs (`CustomerInput`,
//! `ProductInput`, `DocumentInput`…) and the views (`CustomerView`, `DocumentView`…)
//! of [`crate::api`]; the `*Patch` schemas of the merge-patch bodies are derived from
//! the input schemas.

pub(crate) mod field;
mod operations;
mod parameters;
mod schemas;
#[cfg(test)]
mod tests;
pub(crate) mod written;

pub use operations::{Body, OPERATIONS, Operation, Success, error_statuses, operation, path_parameters};

use crate::api::ROUTES;
use serde_json::{Map, Value, json};

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn param_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// The OpenAPI document, built from [`ROUTES`].
pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, summary) in ROUTES.iter() {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operations::operation_object(method, path, summary);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "facturier API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Customer billing: customers, products, invoices and credit notes.",
            "description": "Amounts, quantities, prices and rates are JSON strings holding decimals (`\"1234.50\"`, `\"20\"` for 20 %); dates are `YYYY-MM-DD`. Lists are pages `{data, next_cursor}`: pass `next_cursor` as `after` for the next page. Errors are RFC 9457 `application/problem+json`; invalid input (422) lists every field at fault in `errors`. Every POST accepts an `Idempotency-Key`: the same key and body replay the first response and create nothing new.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [
            {"name": "customers", "description": "The customer directory"},
            {"name": "products", "description": "The catalogue of products and services"},
            {"name": "quotes", "description": "Quotes: sent, accepted or refused, converted into orders or invoices"},
            {"name": "orders", "description": "Customer orders: confirmed, delivered, invoiced"},
            {"name": "delivery-notes", "description": "Delivery notes: what left, line by line, without prices"},
            {"name": "proformas", "description": "Pro-forma invoices: no accounting value, convertible into invoices"},
            {"name": "invoices", "description": "Invoices: drafts, issuing, payments, credit notes"},
            {"name": "deposit-invoices", "description": "Deposit invoices: payments on account before the final invoice"},
            {"name": "credit-notes", "description": "Credit notes: drafts and issuing"},
            {"name": "payments", "description": "Payments over several invoices, their cancellation, customer credit and statements"},
            {"name": "billing", "description": "Runs that invoice many documents at once"},
            {"name": "contracts", "description": "Contracts that bill themselves on their schedule, price indices (SYNTEC…) and the billing run"},
            {"name": "reports", "description": "Figures read from what is stored: the aged balance"},
            {"name": "collections", "description": "Getting paid: SEPA direct debit (mandates, batches, pain.008 files, collection and rejects) and online payment through Stripe Checkout"},
            {"name": "dunning", "description": "Dunning: overdue invoices, reminder runs by e-mail or letter, their history"},
            {"name": "imports", "description": "Customers and products imported from CSV or XLSX files"},
            {"name": "accounting", "description": "The accounting hand-off: the FEC and the invoice list of a period"},
            {"name": "settings", "description": "Company settings: document numbering"},
            {"name": "meta", "description": "About the API itself"},
        ],
        "paths": paths,
        "components": components(),
    })
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token (`facturier init` prints one); it belongs to one user in one company. Read-only roles get 403 on every change.",
            },
        },
        "parameters": parameters::parameters(),
        "headers": {
            "IdempotentReplayed": {
                "description": "`true` when the response replays the first response to the same `Idempotency-Key` and body.",
                "schema": {"type": "string", "enum": ["true"]},
            },
        },
        "responses": parameters::error_responses(),
        "schemas": schemas::schemas(),
    })
}
