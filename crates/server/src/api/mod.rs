//! The REST API under `/api/v1`. [`ROUTES`] lists every operation; the OpenAPI
//! document is built from the same list and a test checks the router answers each.

pub mod customers;
pub mod documents;
pub mod products;
pub mod settings;

use crate::App;
use crate::error::ApiError;
use crate::input::parse_date;
use axum::Router;
use axum::http::header;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use time::Date;

/// Every API operation: method, path (OpenAPI syntax) and a summary.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/customers", "List and search customers"),
    ("post", "/customers", "Create a customer"),
    ("get", "/customers/{id}", "Get a customer"),
    ("patch", "/customers/{id}", "Update a customer (JSON merge patch)"),
    ("get", "/products", "List and search products"),
    ("post", "/products", "Create a product or service"),
    ("get", "/products/{id}", "Get a product"),
    ("patch", "/products/{id}", "Update a product (JSON merge patch)"),
    ("get", "/invoices", "List invoices"),
    ("post", "/invoices", "Create a draft invoice"),
    ("get", "/invoices/{id}", "Get an invoice"),
    ("patch", "/invoices/{id}", "Edit a draft invoice"),
    ("delete", "/invoices/{id}", "Delete a draft invoice"),
    ("post", "/invoices/{id}/issue", "Issue an invoice: legal number and seal"),
    ("post", "/invoices/{id}/payments", "Record a payment"),
    ("post", "/invoices/{id}/credit-note", "Create a draft credit note for an invoice"),
    ("get", "/credit-notes", "List credit notes"),
    ("get", "/credit-notes/{id}", "Get a credit note"),
    ("patch", "/credit-notes/{id}", "Edit a draft credit note"),
    ("delete", "/credit-notes/{id}", "Delete a draft credit note"),
    ("post", "/credit-notes/{id}/issue", "Issue a credit note"),
    ("get", "/numbering", "Numbering patterns of each document kind"),
    ("put", "/numbering/{kind}", "Change the numbering pattern of a kind (admin)"),
    ("get", "/openapi.json", "This OpenAPI document"),
];

/// The API router.
pub fn routes(app: App) -> Router<App> {
    Router::new()
        .route("/customers", get(customers::list).post(customers::create))
        .route("/customers/{id}", get(customers::show).patch(customers::update))
        .route("/products", get(products::list).post(products::create))
        .route("/products/{id}", get(products::show).patch(products::update))
        .route("/invoices", get(documents::list_invoices).post(documents::create_invoice))
        .route(
            "/invoices/{id}",
            get(documents::show_invoice).patch(documents::update_invoice).delete(documents::delete_invoice),
        )
        .route("/invoices/{id}/issue", post(documents::issue_invoice))
        .route("/invoices/{id}/payments", post(documents::add_payment))
        .route("/invoices/{id}/credit-note", post(documents::create_credit_note))
        .route("/credit-notes", get(documents::list_credit_notes))
        .route(
            "/credit-notes/{id}",
            get(documents::show_credit_note).patch(documents::update_credit_note).delete(documents::delete_credit_note),
        )
        .route("/credit-notes/{id}/issue", post(documents::issue_credit_note))
        .route("/numbering", get(settings::list))
        .route("/numbering/{kind}", axum::routing::put(settings::update))
        .route("/openapi.json", get(|| async { axum::Json(crate::openapi::document()) }))
        .fallback(|| async { ApiError::NotFound("route") })
        .layer(axum::middleware::from_fn_with_state(app, crate::idempotency::layer))
        // Inside the problem+json layer, so that a too-large body is answered like every other error.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(crate::MAX_BODY))
        .layer(axum::middleware::map_response(problem_for_bare_errors))
}

/// axum answers some bad requests itself (a wrong method, a malformed query string or
/// path) in plain text; the API answers every error as problem+json.
async fn problem_for_bare_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/problem+json"));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let detail = match String::from_utf8_lossy(&text).trim() {
        "" => status.canonical_reason().unwrap_or("error").to_lowercase(),
        t => t.to_string(),
    };
    let mut problem = crate::error::problem(status, detail, None);
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        problem.headers_mut().insert(header::ALLOW, allow.clone());
    }
    problem
}

/// A page of a list.
#[derive(Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Longest search text (`q`, `activity`) a list accepts.
pub const MAX_SEARCH: usize = 500;

/// Default and largest page sizes.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// Parses `limit`.
pub fn limit(v: Option<&str>) -> Result<u32, ApiError> {
    match v {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::field("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))),
    }
}

/// Parses an id in a path; an unparsable id is simply unknown (404).
pub fn path_id(s: &str, what: &'static str) -> Result<uuid::Uuid, ApiError> {
    s.parse().map_err(|_| ApiError::NotFound(what))
}

/// Parses a query date.
pub fn query_date(field: &str, v: Option<&str>) -> Result<Option<Date>, ApiError> {
    v.filter(|s| !s.is_empty())
        .map(|s| {
            parse_date(s).ok_or_else(|| ApiError::field(field, format!("{s:?} is not a date of the form YYYY-MM-DD")))
        })
        .transpose()
}

/// Raw query parameters common to lists.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub limit: Option<String>,
    pub after: Option<String>,
    pub q: Option<String>,
    pub activity: Option<String>,
    pub status: Option<String>,
    pub customer_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Formats a date as `YYYY-MM-DD`.
pub fn date_text(d: Date) -> String {
    d.to_string()
}

/// Formats an instant as RFC 3339.
pub fn instant_text(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
