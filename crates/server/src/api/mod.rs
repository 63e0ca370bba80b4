//! The REST API under `/api/v1`. [`ROUTES`] lists every operation; the OpenAPI
//! document is built from the same list and a test checks the router answers each.

pub mod accounting;
pub mod billing;
pub mod contracts;
pub mod customer_files;
pub mod customers;
pub mod documents;
pub mod dunning;
pub mod email;
pub mod imports;
pub mod index_import;
pub mod interventions;
pub mod issue_check;
pub mod online;
pub mod payments;
pub mod products;
pub mod recurring;
pub mod render;
pub mod reports;
pub mod sepa;
pub mod settings;

use crate::App;
use crate::error::ApiError;
use crate::input::parse_date;
use axum::Router;
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use facturier_core::document::DocumentKind;
use facturier_core::lifecycle::{self, Action};
use facturier_core::message::Message;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use time::Date;

/// The API operations that are not about one kind of document.
const BASE_ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/customers", "List and search customers"),
    ("post", "/customers", "Create a customer"),
    ("get", "/customers/{id}", "Get a customer"),
    ("patch", "/customers/{id}", "Update a customer (JSON merge patch)"),
    ("get", "/customers/{id}/files", "List the files attached to a customer"),
    ("post", "/customers/{id}/files", "Attach a file to a customer (multipart, at most 10 MiB)"),
    ("get", "/customers/{id}/files/{file_id}", "Download a customer's file"),
    ("delete", "/customers/{id}/files/{file_id}", "Remove a customer's file"),
    ("get", "/customers/{id}/credit", "The customer's available credit per currency"),
    ("post", "/customers/{id}/credit/apply", "Apply customer credit to an open invoice"),
    ("post", "/customers/{id}/credit/refund", "Pay customer credit back (an outgoing payment)"),
    (
        "get",
        "/customers/{id}/statement",
        "The customer's statement: documents, payments and running balance per currency",
    ),
    ("get", "/payments", "List payments, newest first"),
    ("post", "/payments", "Record one payment over several invoices of a customer"),
    ("get", "/payments/{id}", "Get a payment"),
    ("post", "/payments/{id}/cancel", "Cancel a payment (kept as cancelled, its invoices settled again)"),
    ("get", "/products", "List and search products"),
    ("post", "/products", "Create a product or service"),
    ("get", "/products/{id}", "Get a product"),
    ("patch", "/products/{id}", "Update a product (JSON merge patch)"),
    ("post", "/imports/customers", "Import customers from a CSV or XLSX file"),
    ("post", "/imports/products", "Import products from a CSV or XLSX file"),
    ("post", "/indices/{code}/values/import", "Publish many values of a price index from a CSV file, all or nothing"),
    ("get", "/numbering", "Numbering patterns of each document kind"),
    ("put", "/numbering/{kind}", "Change the numbering pattern of a kind (admin)"),
    ("post", "/billing/delivery-notes", "Invoice the delivered goods of a period (monthly run)"),
    ("get", "/reports/aged-balance", "What customers owed on a day, by lateness (aged balance)"),
    // ---- contracts (issue 25) ----
    ("get", "/contracts", "Contracts, by reference"),
    ("post", "/contracts", "Create a contract that bills itself on its schedule"),
    ("get", "/contracts/notices", "Contracts whose notice deadline is near"),
    ("get", "/contracts/{id}", "Get a contract with its schedule and what it billed"),
    ("post", "/contracts/{id}/terminate", "Terminate a contract on a day"),
    ("post", "/contracts/{id}/suspend", "Suspend a contract's billing from a day"),
    ("post", "/contracts/{id}/resume", "Resume a suspended contract's billing on a day"),
    ("get", "/indices/{code}/values", "The published values of a price index"),
    ("post", "/indices/{code}/values", "Publish a value of a price index (SYNTEC…)"),
    ("post", "/billing/run", "Bill every contract period due up to a day"),
    ("get", "/interventions", "Time, parts and purchases consumed, by day"),
    ("post", "/interventions", "Record time spent, a part consumed or a purchase to re-bill"),
    ("get", "/interventions/{id}", "Get an intervention"),
    ("delete", "/interventions/{id}", "Delete an intervention not billed yet"),
    ("post", "/interventions/bill", "Bill a contract's or a customer's interventions not billed yet"),
    ("put", "/contracts/{id}/plan", "Set the hours a contract plans per period and what an hour costs"),
    ("get", "/contracts/{id}/summary", "A contract's technical-financial summary (planned and actual)"),
    ("get", "/recurring-invoices", "Recurring invoices without a contract"),
    ("post", "/recurring-invoices", "Create a recurring invoice template"),
    ("get", "/recurring-invoices/{id}", "Get a recurring invoice template and the invoices it made"),
    ("post", "/recurring-invoices/{id}/stop", "Stop a recurring invoice template"),
    // ---- online payment (issue 23) ----
    ("post", "/invoices/{id}/payment-link", "Start a Stripe Checkout session for what an invoice has due"),
    ("post", "/webhooks/stripe/{company_id}", "Stripe's webhook: signed events of the company's Checkout sessions"),
    ("get", "/settings", "Company-wide settings"),
    ("patch", "/settings", "Change company-wide settings (admin)"),
    ("get", "/settings/logo", "The company's logo"),
    ("put", "/settings/logo", "Set the company's logo, a PNG or JPEG image (admin)"),
    ("delete", "/settings/logo", "Remove the company's logo (admin)"),
    // --- dunning (issue 23) ---
    ("get", "/dunning", "Overdue issued invoices with their next dunning step"),
    ("post", "/dunning/run", "Take the dunning steps due (one e-mail or letter per customer)"),
    ("delete", "/dunning/steps/{id}", "Undo a dunning step (its level may be taken again)"),
    ("get", "/dunning/letters/{id}", "A dunning letter as PDF"),
    ("get", "/invoices/{id}/dunning", "An invoice's dunning: never/auto and its steps"),
    ("put", "/invoices/{id}/dunning", "Never dun an invoice, or dun it again"),
    ("post", "/invoices/{id}/dunning/notes", "Record a call, a promise to pay or a note on an invoice"),
    ("get", "/dunning/quotes", "Sent quotes not accepted yet with their next follow-up"),
    // --- end dunning ---
    // SEPA direct debit (issue 23).
    ("get", "/customers/{id}/mandates", "The customer's SEPA direct-debit mandates"),
    ("post", "/customers/{id}/mandates", "Record a SEPA direct-debit mandate of the customer"),
    ("post", "/customers/{id}/mandates/{mandate_id}/revoke", "Revoke a mandate"),
    ("get", "/sepa/direct-debits", "SEPA direct-debit batches, newest first"),
    ("post", "/sepa/direct-debits", "Make a batch of direct debits for a collection date"),
    ("get", "/sepa/direct-debits/{id}", "Get a batch with its debits"),
    ("get", "/sepa/direct-debits/{id}/xml", "The batch's pain.008 file"),
    ("post", "/sepa/direct-debits/{id}/collected", "Mark a batch collected: a payment on every invoice"),
    ("post", "/sepa/direct-debits/{id}/rejects", "Record a bank's reject of one debit"),
    // Accounting hand-off (issue 24).
    ("get", "/exports/fec", "The FEC of a period (article A47 A-1 LPF), streamed"),
    ("get", "/exports/invoices.csv", "The invoice list of a period, CSV"),
    ("get", "/exports/invoices.xlsx", "The invoice list of a period, XLSX"),
    ("get", "/exports/payments.csv", "The payments of a period, CSV"),
    ("get", "/exports/payments.xlsx", "The payments of a period, XLSX"),
    ("get", "/exports/ximport", "The entries of a period for Ciel / Sage 50 (XIMPORT)"),
    ("get", "/exports/quadratus", "The entries of a period for Quadratus"),
    ("get", "/exports/ebp", "The entries of a period for EBP"),
    ("get", "/exports", "Export runs, newest first"),
    ("post", "/exports", "Make an export run: the entries not exported yet, numbered and marked"),
    ("get", "/exports/{id}", "Get an export run"),
    ("get", "/exports/{id}/file", "An export run's file, identical at each download"),
    ("get", "/accounting/closings", "The closings of the books and the current fiscal year"),
    ("post", "/accounting/closings", "Close the books through a day"),
    ("post", "/customers/{id}/mandates/{mandate_id}/amend", "Amend a mandate: a new IBAN or reference"),
    ("post", "/sepa/rejects", "Import a bank's pain.002 or camt.054 and apply its rejects"),
    ("get", "/openapi.json", "This OpenAPI document"),
];

/// What can be done to one document: the part of a path after `/{kind}/{id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocOp {
    List,
    Create,
    Show,
    Update,
    Delete,
    Issue,
    Duplicate,
    Accept,
    Refuse,
    Cancel,
    Convert,
    Payments,
    CreditNote,
    DepositInvoice,
    ProgressInvoice,
    Pdf,
    Ubl,
    Send,
    Emails,
}

impl DocOp {
    /// The method and the path under `/{segment}`.
    pub fn method_and_suffix(self) -> (&'static str, &'static str) {
        match self {
            DocOp::List => ("get", ""),
            DocOp::Create => ("post", ""),
            DocOp::Show => ("get", "/{id}"),
            DocOp::Update => ("patch", "/{id}"),
            DocOp::Delete => ("delete", "/{id}"),
            DocOp::Issue => ("post", "/{id}/issue"),
            DocOp::Duplicate => ("post", "/{id}/duplicate"),
            DocOp::Accept => ("post", "/{id}/accept"),
            DocOp::Refuse => ("post", "/{id}/refuse"),
            DocOp::Cancel => ("post", "/{id}/cancel"),
            DocOp::Convert => ("post", "/{id}/convert"),
            DocOp::Payments => ("post", "/{id}/payments"),
            DocOp::CreditNote => ("post", "/{id}/credit-note"),
            DocOp::DepositInvoice => ("post", "/{id}/deposit-invoice"),
            DocOp::ProgressInvoice => ("post", "/{id}/progress-invoice"),
            DocOp::Pdf => ("get", "/{id}/pdf"),
            DocOp::Ubl => ("get", "/{id}/ubl"),
            DocOp::Send => ("post", "/{id}/send"),
            DocOp::Emails => ("get", "/{id}/emails"),
        }
    }
}

impl DocOp {
    /// The lifecycle action behind an operation on one document, if it is one.
    pub fn action(self) -> Option<Action> {
        Some(match self {
            DocOp::Update => Action::Update,
            DocOp::Delete => Action::Delete,
            DocOp::Issue => Action::Issue,
            DocOp::Duplicate => Action::Duplicate,
            DocOp::Accept => Action::Accept,
            DocOp::Refuse => Action::Refuse,
            DocOp::Cancel => Action::Cancel,
            DocOp::Payments => Action::RecordPayment,
            DocOp::CreditNote => Action::CreditNote,
            DocOp::DepositInvoice => Action::DepositInvoice,
            DocOp::ProgressInvoice => Action::ProgressInvoice,
            DocOp::Send => Action::Send,
            DocOp::List | DocOp::Create | DocOp::Show | DocOp::Convert | DocOp::Pdf | DocOp::Ubl | DocOp::Emails => {
                return None;
            }
        })
    }
}

/// Every operation, in the order of the routes of a kind.
const DOC_OPS: [DocOp; 19] = [
    DocOp::List,
    DocOp::Create,
    DocOp::Show,
    DocOp::Update,
    DocOp::Delete,
    DocOp::Issue,
    DocOp::Duplicate,
    DocOp::Accept,
    DocOp::Refuse,
    DocOp::Cancel,
    DocOp::Convert,
    DocOp::DepositInvoice,
    DocOp::ProgressInvoice,
    DocOp::Payments,
    DocOp::CreditNote,
    DocOp::Pdf,
    DocOp::Ubl,
    DocOp::Send,
    DocOp::Emails,
];

/// The operations a kind of document offers: its lifecycle table's actions, plus what
/// every kind has (list, show, PDF, e-mails) and the UBL of invoices.
pub fn doc_ops(kind: DocumentKind) -> Vec<DocOp> {
    let table = lifecycle::of(kind);
    DOC_OPS
        .into_iter()
        .filter(|op| match op {
            DocOp::Create => table.by_hand,
            DocOp::Convert => table.converts(),
            DocOp::Ubl => kind.is_invoice(),
            op => op.action().is_none_or(|a| table.offers(a)),
        })
        .collect()
}

/// How the API names a kind in sentences.
pub fn noun(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Quote => "quote",
        DocumentKind::Order => "order",
        DocumentKind::DeliveryNote => "delivery note",
        DocumentKind::Proforma => "pro-forma invoice",
        DocumentKind::Invoice => "invoice",
        DocumentKind::DepositInvoice => "deposit invoice",
        DocumentKind::CreditNote => "credit note",
    }
}

fn summary(kind: DocumentKind, op: DocOp) -> String {
    let n = noun(kind);
    match op {
        DocOp::List => format!("List {n}s"),
        DocOp::Create => format!("Create a draft {n}"),
        DocOp::Show => format!("Get a {n}"),
        DocOp::Update => format!("Edit a draft {n}"),
        DocOp::Delete => format!("Delete a draft {n}"),
        DocOp::Issue => format!("Issue a {n}: legal number and seal"),
        DocOp::Duplicate => format!("Duplicate a {n} as a new draft"),
        DocOp::Accept => "The customer accepted the quote".into(),
        DocOp::Refuse => "The customer refused the quote".into(),
        DocOp::Cancel => format!("Cancel a {n}"),
        DocOp::Convert => format!("Convert a {n} into another kind of document"),
        DocOp::Payments => "Record a payment".into(),
        DocOp::CreditNote => format!("Create a draft credit note for a {n}"),
        DocOp::Pdf => format!("The {n} as PDF"),
        DocOp::Ubl => format!("The {n} as UBL 2.1 XML"),
        DocOp::Send => format!("E-mail the {n} with its PDF attached"),
        DocOp::Emails => format!("The e-mails of a {n} and their delivery status"),
        DocOp::DepositInvoice => "Create a draft deposit invoice on the order".into(),
        DocOp::ProgressInvoice => "Create a draft progress invoice (situation) on the order".into(),
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// One operation on one kind of document.
#[derive(Clone, Copy, Debug)]
pub struct DocumentRoute {
    pub kind: DocumentKind,
    pub op: DocOp,
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
}

/// Every document route.
pub static DOCUMENT_ROUTES: LazyLock<Vec<DocumentRoute>> = LazyLock::new(|| {
    DocumentKind::ALL
        .into_iter()
        .flat_map(|k| {
            doc_ops(k).into_iter().map(move |op| {
                let (method, suffix) = op.method_and_suffix();
                DocumentRoute {
                    kind: k,
                    op,
                    method,
                    path: leak(format!("/{}{suffix}", k.segment())),
                    summary: leak(summary(k, op)),
                }
            })
        })
        .collect()
});

/// `GET /{kind}/{id}/issue-check` of every kind: what issuing the draft would refuse.
pub static ISSUE_CHECK_ROUTES: LazyLock<Vec<(DocumentKind, &'static str, &'static str)>> = LazyLock::new(|| {
    DocumentKind::ALL
        .into_iter()
        .map(|k| {
            let path = leak(format!("/{}/{{id}}/issue-check", k.segment()));
            (k, path, leak(format!("What issuing a draft {} would refuse, without issuing it", noun(k))))
        })
        .collect()
});

/// Every API operation: method, path (OpenAPI syntax) and a summary. The router and
/// the OpenAPI document are both built from it.
pub static ROUTES: LazyLock<Vec<(&'static str, &'static str, &'static str)>> = LazyLock::new(|| {
    let mut all: Vec<_> = BASE_ROUTES.to_vec();
    all.extend(DOCUMENT_ROUTES.iter().map(|r| (r.method, r.path, r.summary)));
    all.extend(ISSUE_CHECK_ROUTES.iter().map(|(_, path, summary)| ("get", *path, *summary)));
    all
});

/// The API router.
pub fn routes(app: App) -> Router<App> {
    let mut by_path: std::collections::BTreeMap<&str, axum::routing::MethodRouter<App>> = Default::default();
    for r in DOCUMENT_ROUTES.iter() {
        let mr = by_path.remove(r.path).unwrap_or_default();
        by_path.insert(r.path, documents::route(mr, r.kind, r.op));
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(path, mr);
    }
    for &(kind, path, _) in ISSUE_CHECK_ROUTES.iter() {
        router = router.route(
            path,
            get(
                move |axum::extract::State(app): axum::extract::State<App>,
                      auth: crate::auth::Auth,
                      axum::extract::Path(id): axum::extract::Path<String>| async move {
                    issue_check::check(&app, &auth, kind, &id).await
                },
            ),
        );
    }
    // Customer files take bodies up to 10 MiB: their routes get their own limit, outside
    // the one of every other route.
    let files = Router::new()
        .route("/customers/{id}/files", get(customer_files::list).post(customer_files::upload))
        .route("/customers/{id}/files/{file_id}", get(customer_files::get).delete(customer_files::delete))
        .layer(axum::middleware::from_fn_with_state(app.clone(), crate::idempotency::layer))
        .layer(axum::extract::DefaultBodyLimit::max(customer_files::MAX_UPLOAD_BODY))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(customer_files::MAX_UPLOAD_BODY));
    // Imports read a whole file as the body: their own limit too.
    let imports = Router::new()
        .route("/imports/customers", axum::routing::post(imports::customers))
        .route("/imports/products", axum::routing::post(imports::products))
        .layer(axum::middleware::from_fn(crate::error::in_readers_language))
        .layer(axum::middleware::from_fn_with_state(app.clone(), crate::idempotency::layer))
        .layer(axum::extract::DefaultBodyLimit::max(imports::MAX_IMPORT_BODY))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(imports::MAX_IMPORT_BODY));
    // Stripe's webhook carries no token: its signature authenticates it, so it stays out
    // of the idempotency layer (which needs a token for a key).
    let webhooks = Router::new()
        .route("/webhooks/stripe/{company_id}", axum::routing::post(online::stripe_webhook))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(crate::MAX_BODY));
    router
        .route("/invoices/{id}/payment-link", axum::routing::post(online::payment_link))
        .route("/customers", get(customers::list).post(customers::create))
        .route("/customers/{id}", get(customers::show).patch(customers::update))
        .route("/customers/{id}/credit", get(payments::credit))
        .route("/customers/{id}/credit/apply", axum::routing::post(payments::apply_credit))
        .route("/customers/{id}/credit/refund", axum::routing::post(payments::refund))
        .route("/customers/{id}/statement", get(payments::statement))
        .route("/payments", get(payments::list).post(payments::create))
        .route("/payments/{id}", get(payments::show))
        .route("/payments/{id}/cancel", axum::routing::post(payments::cancel))
        .route("/products", get(products::list).post(products::create))
        .route("/products/{id}", get(products::show).patch(products::update))
        .route("/numbering", get(settings::list))
        .route("/numbering/{kind}", axum::routing::put(settings::update))
        .route("/indices/{code}/values/import", axum::routing::post(index_import::import))
        .route("/settings", get(settings::show_settings).patch(settings::update_settings))
        .route("/settings/logo", get(settings::get_logo).put(settings::put_logo).delete(settings::delete_logo))
        .route("/billing/delivery-notes", axum::routing::post(billing::invoice_deliveries))
        .route("/reports/aged-balance", axum::routing::get(reports::aged_balance))
        // --- contracts (issue 25) ---
        .route("/contracts", get(contracts::list).post(contracts::create))
        .route("/contracts/notices", get(contracts::notices))
        .route("/contracts/{id}", get(contracts::show))
        .route("/contracts/{id}/terminate", axum::routing::post(contracts::terminate))
        .route("/contracts/{id}/suspend", axum::routing::post(contracts::suspend))
        .route("/contracts/{id}/resume", axum::routing::post(contracts::resume))
        .route("/indices/{code}/values", get(contracts::values).post(contracts::publish))
        .route("/billing/run", axum::routing::post(contracts::run))
        .route("/interventions", get(interventions::list).post(interventions::create))
        .route("/interventions/bill", axum::routing::post(interventions::bill))
        .route("/interventions/{id}", get(interventions::show).delete(interventions::delete))
        .route("/contracts/{id}/plan", axum::routing::put(interventions::set_plan))
        .route("/contracts/{id}/summary", get(interventions::summary))
        .route("/recurring-invoices", get(recurring::list).post(recurring::create))
        .route("/recurring-invoices/{id}", get(recurring::show))
        .route("/recurring-invoices/{id}/stop", axum::routing::post(recurring::stop))
        // --- dunning (issue 23) ---
        .route("/dunning", get(dunning::list))
        .route("/dunning/run", axum::routing::post(dunning::run))
        .route("/dunning/steps/{id}", axum::routing::delete(dunning::undo))
        .route("/dunning/letters/{id}", get(dunning::letter))
        .route("/invoices/{id}/dunning", get(dunning::show_invoice).put(dunning::set_invoice))
        .route("/invoices/{id}/dunning/notes", axum::routing::post(dunning::add_note))
        .route("/dunning/quotes", get(dunning::quotes))
        // --- end dunning ---
        // SEPA direct debit (issue 23).
        .route("/customers/{id}/mandates", get(sepa::list_mandates).post(sepa::create_mandate))
        .route("/customers/{id}/mandates/{mandate_id}/revoke", axum::routing::post(sepa::revoke_mandate))
        .route("/sepa/direct-debits", get(sepa::list_batches).post(sepa::create_batch))
        .route("/sepa/direct-debits/{id}", get(sepa::show_batch))
        .route("/sepa/direct-debits/{id}/xml", get(sepa::batch_xml))
        .route("/sepa/direct-debits/{id}/collected", axum::routing::post(sepa::collected))
        .route("/sepa/direct-debits/{id}/rejects", axum::routing::post(sepa::reject))
        // Accounting hand-off (issue 24).
        .route("/exports/fec", get(accounting::fec))
        .route("/exports/invoices.csv", get(accounting::invoices_csv))
        .route("/exports/invoices.xlsx", get(accounting::invoices_xlsx))
        .route("/exports/payments.csv", get(accounting::payments_csv))
        .route("/exports/payments.xlsx", get(accounting::payments_xlsx))
        .route("/exports/ximport", get(accounting::ximport))
        .route("/exports/quadratus", get(accounting::quadratus))
        .route("/exports/ebp", get(accounting::ebp))
        .route("/exports", get(accounting::list_exports).post(accounting::create_export))
        .route("/exports/{id}", get(accounting::show_export))
        .route("/exports/{id}/file", get(accounting::export_file))
        .route("/accounting/closings", get(accounting::list_closings).post(accounting::close_books))
        .route("/customers/{id}/mandates/{mandate_id}/amend", axum::routing::post(sepa::amend_mandate))
        .route("/sepa/rejects", axum::routing::post(sepa::import_rejects))
        .route("/openapi.json", get(|| async { axum::Json(crate::openapi::document()) }))
        .fallback(|| async { ApiError::NotFound("route") })
        .layer(axum::middleware::from_fn(crate::error::in_readers_language))
        .layer(axum::middleware::from_fn_with_state(app, crate::idempotency::layer))
        // Inside the problem+json layer, so that a too-large body is answered like every other error.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(crate::MAX_BODY))
        .merge(files)
        .merge(imports)
        .merge(webhooks)
        .layer(axum::middleware::from_fn(problem_for_bare_errors))
}

/// axum answers some bad requests itself (a wrong method, a malformed query string or
/// path, a body over the limit) in plain text; the API answers every error as
/// problem+json, with the code of the catalogue that names it.
async fn problem_for_bare_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().to_string();
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(String::from);
    let resp = next.run(req).await;
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
    let message =
        crate::error::bare_error_message(status, String::from_utf8_lossy(&text).trim(), &path, content_type.as_deref());
    let mut problem = crate::error::problem_of(status, &message);
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
            .ok_or_else(|| ApiError::field("limit", Message::new("must_whole_number_1").with("max", MAX_LIMIT))),
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
            parse_date(s).ok_or_else(|| ApiError::field(field, Message::new("not_a_date").with("v", format!("{s:?}"))))
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
    /// Customers: `created` (default), `name` or `city`.
    pub sort: Option<String>,
    /// Customers: `asc` or `desc` (default: `desc` by creation, `asc` otherwise).
    pub order: Option<String>,
    pub status: Option<String>,
    pub customer_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub due_from: Option<String>,
    pub due_to: Option<String>,
    /// Products: `true` lists archived ones too.
    pub archived: Option<String>,
}

/// Formats a date as `YYYY-MM-DD`.
pub fn date_text(d: Date) -> String {
    d.to_string()
}

/// Formats an instant as RFC 3339.
pub fn instant_text(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_a_kind_offers_has_its_route() {
        for kind in DocumentKind::ALL {
            let ops = doc_ops(kind);
            for rule in lifecycle::of(kind).rules.iter().filter(|r| !r.from.is_empty()) {
                let op = match rule.action {
                    Action::Convert(_) => Some(DocOp::Convert),
                    a => DOC_OPS.into_iter().find(|op| op.action() == Some(a)),
                };
                assert!(op.is_some_and(|op| ops.contains(&op)), "{kind}: no route for {:?}", rule.action);
            }
        }
        assert!(!doc_ops(DocumentKind::CreditNote).contains(&DocOp::Create), "credit notes come from invoices");
        assert!(doc_ops(DocumentKind::Quote).contains(&DocOp::Cancel));
        assert!(!doc_ops(DocumentKind::Invoice).contains(&DocOp::Cancel));
    }
}
