//! `/quotes`, `/orders`, `/invoices`, `/credit-notes` and the other kinds: JSON in,
//! `app::documents` does the work, JSON out. Every kind shares one implementation; the
//! kind comes from the route.

mod view;

pub use view::*;

use super::DocOp;
use super::{ListQuery, MAX_SEARCH, Page, limit, path_id, query_date};
use crate::App;
use crate::app::documents::{
    self as ops, ConvertInput, CreditNoteInput, DepositInput, DocumentInput, PaymentInput, ProgressInput,
};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check, parse_json, patched, require_patch_object};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::MethodRouter;
use facturier_core::document::DocumentKind;
use facturier_core::lifecycle;
use facturier_core::listing::ListStatus;
use facturier_core::message::Message;
use facturier_core::money::to_text;
use facturier_store::documents::DocumentRecord;
use facturier_store::lists::{DocSort, DocumentQuery, SortCursor, StatusFilter};
use uuid::Uuid;

type Created = (StatusCode, Json<DocumentView>);

/// Adds the handler of one operation on one kind to a method router.
pub fn route(mr: MethodRouter<App>, kind: DocumentKind, op: DocOp) -> MethodRouter<App> {
    use axum::routing::{delete as del, get, patch, post};
    type P = Path<String>;
    match op {
        DocOp::List => {
            mr.merge(get(move |State(app): State<App>, auth: Auth, Query(q): Query<ListQuery>| async move {
                list(&app, &auth, kind, q).await
            }))
        }
        DocOp::Create => mr.merge(post(
            move |State(app): State<App>, auth: Auth, ApiJson(input): ApiJson<DocumentInput>| async move {
                create(&app, &auth, kind, input).await
            },
        )),
        DocOp::Show => mr.merge(get(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            show(&app, &auth, kind, &id).await
        })),
        DocOp::Pdf => mr.merge(get(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            let rec = app.store.document(auth.company(), kind, path_id(&id, "document")?).await?;
            crate::app::render::pdf(&app, &auth, &rec).await
        })),
        DocOp::Ubl => mr.merge(get(
            move |State(app): State<App>, auth: Auth, Path(id): P, Query(q): Query<super::render::UblQuery>| async move {
                let rec = app.store.document(auth.company(), kind, path_id(&id, "document")?).await?;
                crate::app::render::ubl(&app, &auth, &rec, q.flavor.as_deref()).await
            },
        )),
        DocOp::Send => {
            mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P, body: axum::body::Bytes| async move {
                super::email::send(&app, &auth, kind, &id, body).await
            }))
        }
        DocOp::Emails => mr.merge(get(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            super::email::list(&app, &auth, kind, &id).await
        })),
        DocOp::Update => mr.merge(patch(
            move |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(p): ApiJson<serde_json::Value>| async move {
                update(&app, &auth, kind, &id, p).await
            },
        )),
        DocOp::Delete => mr.merge(del(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            delete(&app, &auth, kind, &id).await
        })),
        DocOp::Issue => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            issue(&app, &auth, kind, &id).await
        })),
        DocOp::Duplicate => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            duplicate(&app, &auth, kind, &id).await
        })),
        DocOp::Accept => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            transition(&app, &auth, kind, &id, "accepted", lifecycle::accept).await
        })),
        DocOp::Refuse => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            transition(&app, &auth, kind, &id, "refused", lifecycle::refuse).await
        })),
        DocOp::Cancel => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            transition(&app, &auth, kind, &id, "cancelled", lifecycle::cancel).await
        })),
        DocOp::Convert => mr.merge(post(
            move |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<ConvertInput>| async move {
                convert(&app, &auth, kind, &id, input).await
            },
        )),
        DocOp::Payments => mr.merge(post(
            move |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<PaymentInput>| async move {
                add_payment(&app, &auth, kind, &id, input).await
            },
        )),
        DocOp::CreditNote => {
            mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P, body: axum::body::Bytes| async move {
                create_credit_note(&app, &auth, kind, &id, body).await
            }))
        }
        DocOp::DepositInvoice => mr.merge(post(
            |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<DepositInput>| async move {
                deposit_invoice(&app, &auth, &id, input).await
            },
        )),
        DocOp::ProgressInvoice => mr.merge(post(
            |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<ProgressInput>| async move {
                progress_invoice(&app, &auth, &id, input).await
            },
        )),
    }
}

async fn create(app: &App, auth: &Auth, kind: DocumentKind, input: DocumentInput) -> Result<Created, ApiError> {
    let rec = ops::create(app, auth, kind, &input).await?;
    created(app, auth, &rec).await
}

/// 201 with the view of a document just made.
async fn created(app: &App, auth: &Auth, rec: &DocumentRecord) -> Result<Created, ApiError> {
    Ok((StatusCode::CREATED, Json(full_view(app, auth, rec, auth.today()).await?)))
}

/// 200 with the view of a document just changed.
async fn changed(app: &App, auth: &Auth, rec: &DocumentRecord) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(full_view(app, auth, rec, auth.today()).await?))
}

async fn update(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    patch: serde_json::Value,
) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let id = path_id(id, "document")?;
    require_patch_object(&patch)?;
    let rec = ops::update(app, auth, kind, id, |current| patched(&current, &patch)).await?;
    changed(app, auth, &rec).await
}

async fn delete(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    ops::delete(app, auth, kind, path_id(id, "document")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn issue(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let rec = ops::issue(app, auth, kind, path_id(id, "document")?).await?;
    changed(app, auth, &rec).await
}

async fn duplicate(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<Created, ApiError> {
    auth.require_write()?;
    let rec = ops::duplicate(app, auth, kind, path_id(id, "document")?).await?;
    created(app, auth, &rec).await
}

async fn transition(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    name: &str,
    action: facturier_store::pipeline::Transition,
) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let rec = ops::transition(app, auth, kind, path_id(id, "document")?, name, action).await?;
    changed(app, auth, &rec).await
}

async fn deposit_invoice(app: &App, auth: &Auth, id: &str, input: DepositInput) -> Result<Created, ApiError> {
    auth.require_write()?;
    let rec = ops::deposit_invoice(app, auth, path_id(id, "order")?, &input).await?;
    created(app, auth, &rec).await
}

async fn progress_invoice(app: &App, auth: &Auth, id: &str, input: ProgressInput) -> Result<Created, ApiError> {
    auth.require_write()?;
    let rec = ops::progress_invoice(app, auth, path_id(id, "order")?, &input).await?;
    created(app, auth, &rec).await
}

async fn convert(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    input: ConvertInput,
) -> Result<Created, ApiError> {
    auth.require_write()?;
    let rec = ops::convert(app, auth, kind, path_id(id, "document")?, &input).await?;
    created(app, auth, &rec).await
}

async fn add_payment(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    input: PaymentInput,
) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let rec = ops::add_payment(app, auth, kind, path_id(id, "invoice")?, &input).await?;
    changed(app, auth, &rec).await
}

/// An empty body credits what is left of the invoice.
async fn create_credit_note(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    body: axum::body::Bytes,
) -> Result<Created, ApiError> {
    auth.require_write()?;
    let input: CreditNoteInput =
        if body.iter().all(u8::is_ascii_whitespace) { CreditNoteInput::default() } else { parse_json(&body)? };
    let rec = ops::credit_note(app, auth, kind, path_id(id, "invoice")?, &input).await?;
    created(app, auth, &rec).await
}

async fn show(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<Json<DocumentView>, ApiError> {
    let rec = app.store.document(auth.company(), kind, path_id(id, "document")?).await?;
    Ok(Json(full_view(app, auth, &rec, auth.today()).await?))
}

/// The answer about one document: its view plus what only a single document carries
/// (its family and the available stock of its products), the same after every action.
async fn full_view(app: &App, auth: &Auth, rec: &DocumentRecord, today: time::Date) -> Result<DocumentView, ApiError> {
    let mut v = view_in(rec, today, company_currency(auth));
    let products: Vec<Uuid> = rec.content.lines.iter().filter_map(|l| l.product_id).collect();
    let stocks = app.store.stocks(auth.company(), &products).await?;
    // Without a direct link nothing else is reachable: no need to walk the links.
    let family = if rec.links.is_empty() { Vec::new() } else { app.store.family(auth.company(), rec.id).await? };
    v.family = Some(
        family
            .into_iter()
            .map(|m| FamilyView { kind: m.kind.as_str(), id: m.id, number: m.number, status: m.status.as_str() })
            .collect(),
    );
    // A contract's invoice links to its contract (a parent that is no document).
    // One link per contract when the invoice groups a customer's contracts.
    if kind_bills_contracts(rec.kind) {
        for (contract, reference) in app.store.contracts_of_invoice(auth.company(), rec.id).await? {
            v.links.push(LinkView { kind: "contract", id: contract, number: Some(reference), relation: "parent" });
        }
    }
    for (line, l) in v.lines.iter_mut().zip(&rec.content.lines) {
        line.available_stock = l.product_id.and_then(|p| stocks.get(&p).copied().flatten()).map(|s| to_text(s, 0));
    }
    Ok(v)
}

fn kind_bills_contracts(kind: DocumentKind) -> bool {
    kind == DocumentKind::Invoice
}

async fn list(app: &App, auth: &Auth, kind: DocumentKind, q: ListQuery) -> Result<Json<Page<DocumentView>>, ApiError> {
    let mut v = Check::default();
    let text = v.opt_text("q", &q.q, MAX_SEARCH);
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => ListStatus::parse(kind, s).map_err(|e| v.error("status", e)).ok(),
    };
    v.finish()?;
    let customer_id = q
        .customer_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Uuid>().map_err(|_| ApiError::field("customer_id", Message::new("not_an_id"))))
        .transpose()?;
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| SortCursor::decode(s).ok_or_else(|| ApiError::field("after", Message::new("cursor_previous_page"))))
        .transpose()?;
    // The web list's query: the same words searched (number, customer's name, the
    // document's words), newest first.
    let query = DocumentQuery {
        kind,
        status: status.map(|status| StatusFilter { status, today: auth.today() }),
        customer_id,
        from: query_date("from", q.from.as_deref())?,
        to: query_date("to", q.to.as_deref())?,
        due_from: query_date("due_from", q.due_from.as_deref())?,
        due_to: query_date("due_to", q.due_to.as_deref())?,
        q: text,
        except: Vec::new(),
        sort: DocSort::Date,
        descending: true,
        limit: limit(q.limit.as_deref())?,
        after,
    };
    let (rows, next) = app.store.search_documents(auth.company(), &query).await?;
    Ok(Json(Page {
        data: rows.iter().map(|r| view_in(&r.doc, auth.today(), company_currency(auth))).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}
