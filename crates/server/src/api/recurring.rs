//! Recurring invoices without a contract: `/recurring-invoices`. The handlers parse and
//! render; `app::recurring` does the rest. They are billed by `POST /billing/run`.

use super::{date_text, instant_text, limit, path_id};
use crate::App;
use crate::app::recurring::{self as ops, RecurringInput, RecurringView as Loaded};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::ApiJson;
use crate::openapi::written;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use facturier_core::message::Message;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An invoice a template made.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OccurrenceView {
    #[schema(value_type = written::DateText)]
    pub date: String,
    pub invoice_id: Uuid,
}

/// A recurring invoice template.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecurringView {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `active`, `stopped` or `finished` (its last occurrence billed).
    pub status: String,
    pub frequency_months: u32,
    /// The first invoice's date.
    #[schema(value_type = written::DateText)]
    pub first_date: String,
    /// The next invoice's date; none when nothing is left to bill.
    pub next_date: Option<String>,
    pub end_date: Option<String>,
    pub count: Option<u32>,
    pub issue: bool,
    /// The invoices made, by date.
    pub billed: Vec<OccurrenceView>,
    pub created_at: String,
}

/// A page of recurring invoice templates.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecurringPage {
    pub data: Vec<RecurringView>,
    pub next_cursor: Option<String>,
}

fn view(l: &Loaded) -> RecurringView {
    let r = &l.record;
    RecurringView {
        id: r.id,
        customer_id: r.customer_id,
        status: r.status.clone(),
        frequency_months: l.recurrence.months,
        first_date: date_text(r.first_date),
        next_date: l.next_date.map(date_text),
        end_date: r.end_date.map(date_text),
        count: r.occurrences,
        issue: r.issue,
        billed: r.billed.iter().map(|(d, i)| OccurrenceView { date: date_text(*d), invoice_id: *i }).collect(),
        created_at: instant_text(r.created_at),
    }
}

/// `POST /recurring-invoices`.
pub async fn create(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<RecurringInput>,
) -> Result<(StatusCode, Json<RecurringView>), ApiError> {
    auth.require_write()?;
    let loaded = ops::create(&app, auth.company(), &input).await?;
    Ok((StatusCode::CREATED, Json(view(&loaded))))
}

/// `GET /recurring-invoices/{id}`.
pub async fn show(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<RecurringView>, ApiError> {
    let id = path_id(&id, "recurring invoice")?;
    Ok(Json(view(&ops::view_of(app.store.recurring(auth.company(), id).await?))))
}

/// The query of `GET /recurring-invoices`.
#[derive(Deserialize)]
pub struct RecurringListQuery {
    pub limit: Option<String>,
    pub after: Option<String>,
}

/// `GET /recurring-invoices`: oldest first.
pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<RecurringListQuery>,
) -> Result<Json<RecurringPage>, ApiError> {
    let limit = limit(q.limit.as_deref())?;
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Uuid>().map_err(|_| ApiError::field("after", Message::new("cursor_previous_page"))))
        .transpose()?;
    let ids = app.store.recurring_page(auth.company(), after, limit + 1, false).await?;
    let more = ids.len() > limit as usize;
    let mut data = Vec::new();
    for id in ids.iter().take(limit as usize) {
        data.push(view(&ops::view_of(app.store.recurring(auth.company(), *id).await?)));
    }
    let next_cursor = if more { data.last().map(|r| r.id.to_string()) } else { None };
    Ok(Json(RecurringPage { data, next_cursor }))
}

/// `POST /recurring-invoices/{id}/stop`.
pub async fn stop(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<RecurringView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "recurring invoice")?;
    Ok(Json(view(&ops::stop(&app, auth.company(), id).await?)))
}
