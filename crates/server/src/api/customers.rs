//! `/customers`: the directory; JSON in and out of `app::customers`.

use super::{ListQuery, MAX_SEARCH, Page, instant_text, limit, path_id};
use crate::App;
use crate::app::customers::{self as ops, CustomerInput};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check, patched, require_patch_object};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use facturier_core::message::Message;
use facturier_store::customers::{CustomerFilter, CustomerOrder, CustomerRecord, CustomerSort};
use serde::Serialize;

#[derive(Serialize)]
pub struct CreditView {
    pub currency: String,
    pub amount: String,
}

/// A customer as the API shows it.
#[derive(Serialize)]
pub struct CustomerView {
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub input: CustomerInput,
    /// Money the customer has to its credit (overpayments, credit notes beyond what was due).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<Vec<CreditView>>,
    pub created_at: String,
    pub updated_at: String,
}

fn view(r: &CustomerRecord, credit: Option<Vec<CreditView>>) -> CustomerView {
    CustomerView {
        id: r.id,
        input: CustomerInput::from_customer(&r.customer),
        credit,
        created_at: instant_text(r.created_at),
        updated_at: instant_text(r.updated_at),
    }
}

async fn full_view(app: &App, company: uuid::Uuid, r: &CustomerRecord) -> Result<CustomerView, ApiError> {
    let credit = app
        .store
        .customer_credit(company, r.id)
        .await?
        .into_iter()
        .map(|(currency, amount)| CreditView { currency, amount: amount.to_string() })
        .collect();
    Ok(view(r, Some(credit)))
}

pub async fn create(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<(StatusCode, Json<CustomerView>), ApiError> {
    let rec = ops::create(&app, &auth, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&rec, Some(Vec::new())))))
}

pub async fn show(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<CustomerView>, ApiError> {
    let rec = app.store.customer(auth.company(), path_id(&id, "customer")?).await?;
    Ok(Json(full_view(&app, auth.company(), &rec).await?))
}

pub async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> Result<Json<CustomerView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "customer")?;
    require_patch_object(&patch)?;
    let rec = ops::update(&app, &auth, id, |current| patched(&current, &patch)).await?;
    Ok(Json(full_view(&app, auth.company(), &rec).await?))
}

pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<CustomerView>>, ApiError> {
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse())
        .transpose()
        .map_err(|_| ApiError::field("after", Message::new("cursor_previous_page")))?;
    let mut v = Check::default();
    let text = v.opt_text("q", &q.q, MAX_SEARCH);
    let activity = v.opt_text("activity", &q.activity, MAX_SEARCH);
    let sort = match q.sort.as_deref().filter(|s| !s.is_empty()) {
        None => CustomerSort::Created,
        Some(s) => CustomerSort::parse(s).unwrap_or_else(|| {
            v.error("sort", Message::new("sort_order_created_name").with("v", format!("{s:?}")));
            CustomerSort::Created
        }),
    };
    let desc = match q.order.as_deref().filter(|s| !s.is_empty()) {
        None => matches!(sort, CustomerSort::Created | CustomerSort::Balance),
        Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            v.error("order", Message::new("order_asc_desc").with("v", format!("{o:?}")));
            false
        }
    };
    v.finish()?;
    let filter = CustomerFilter { q: text, activity, limit: limit(q.limit.as_deref())?, after };
    let (rows, next) = app.store.list_customers_in(auth.company(), &filter, CustomerOrder { sort, desc }).await?;
    Ok(Json(Page { data: rows.iter().map(|r| view(r, None)).collect(), next_cursor: next.map(|c| c.to_string()) }))
}
