//! Interventions: `/interventions` (time, parts and purchases consumed, billed once) and a
//! contract's plan and technical-financial summary. The handlers parse and render;
//! `app::interventions` does the rest.

use super::{date_text, instant_text, path_id, query_date};
use crate::App;
use crate::app::interventions::{self as ops, BillInterventionsInput, InterventionInput, Loaded, PlanInput};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::ApiJson;
use crate::openapi::written;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use facturier_core::message::Message;
use facturier_store::interventions::InterventionFilter;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Time, a part or a purchase consumed by a contract or a customer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InterventionView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub contract_id: Option<Uuid>,
    /// `time`, `part` or `purchase`.
    pub kind: String,
    #[schema(value_type = written::DateText)]
    pub date: String,
    pub description: String,
    pub product_id: Option<Uuid>,
    /// Hours, parts, or 1 for a purchase.
    #[schema(value_type = written::DecimalText)]
    pub quantity: String,
    /// What one unit cost the company.
    #[schema(value_type = written::DecimalText)]
    pub unit_cost: String,
    /// `unit` (hours at a rate, parts at a price), `coefficient` or `fixed` (purchases).
    pub pricing: &'static str,
    /// The price of one unit on the invoice.
    #[schema(value_type = written::DecimalText)]
    pub unit_price: String,
    /// What it bills, before VAT.
    #[schema(value_type = written::DecimalText)]
    pub net: String,
    #[schema(value_type = written::DecimalText)]
    pub vat_rate: String,
    /// The invoice that billed it; none yet: it will be billed by the next bill.
    pub invoice_id: Option<Uuid>,
    pub invoice_number: Option<String>,
    pub created_at: String,
}

/// Interventions, by day.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InterventionList {
    pub data: Vec<InterventionView>,
}

/// What `POST /interventions/bill` did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InterventionBillView {
    /// The draft invoice; none when there was nothing to bill.
    pub invoice_id: Option<Uuid>,
    /// How many interventions it bills.
    pub interventions: usize,
}

/// A contract's technical-financial summary up to a day, before VAT.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ContractSummaryView {
    pub contract_id: Uuid,
    #[schema(value_type = written::DateText)]
    pub as_of: String,
    pub currency: String,
    /// Periods due up to `as_of`, billed or not.
    pub periods: u32,
    #[schema(value_type = written::DecimalText)]
    pub planned_amount: String,
    /// Periods and interventions billed.
    #[schema(value_type = written::DecimalText)]
    pub billed_amount: String,
    #[schema(value_type = written::DecimalText)]
    pub unbilled_interventions: String,
    /// Hours planned per period × periods.
    #[schema(value_type = written::DecimalText)]
    pub theoretical_hours: String,
    /// Hours of the time interventions.
    #[schema(value_type = written::DecimalText)]
    pub actual_hours: String,
    /// Planned amount less the planned hours at their cost.
    #[schema(value_type = written::DecimalText)]
    pub theoretical_margin: String,
    /// Billed amount less the hours, parts and purchases at their cost.
    #[schema(value_type = written::DecimalText)]
    pub actual_margin: String,
    #[schema(value_type = written::DecimalText)]
    pub hours_per_period: String,
    #[schema(value_type = written::DecimalText)]
    pub hourly_cost: String,
}

fn view(l: &Loaded, currency: facturier_core::money::Currency) -> InterventionView {
    let r = &l.record;
    InterventionView {
        id: r.id,
        customer_id: r.customer_id,
        contract_id: r.contract_id,
        kind: r.kind.clone(),
        date: date_text(r.on),
        description: r.description.clone(),
        product_id: r.product_id,
        quantity: r.quantity.normalize().to_string(),
        unit_cost: r.unit_cost.normalize().to_string(),
        pricing: l.pricing_name(),
        unit_price: l.consumption.unit_price(currency).to_string(),
        net: l.consumption.net(currency).to_string(),
        vat_rate: l.vat_rate.normalize().to_string(),
        invoice_id: r.invoice_id,
        invoice_number: r.invoice_number.clone(),
        created_at: instant_text(r.created_at),
    }
}

/// Interventions are priced in the company's currency.
async fn currency(app: &App, company: Uuid) -> Result<facturier_core::money::Currency, ApiError> {
    Ok(app.store.company(company).await?.currency)
}

/// `POST /interventions`.
pub async fn create(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<InterventionInput>,
) -> Result<(StatusCode, Json<InterventionView>), ApiError> {
    let loaded = ops::record(&app, &auth, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&loaded, currency(&app, auth.company()).await?))))
}

/// `GET /interventions/{id}`.
pub async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<InterventionView>, ApiError> {
    let id = path_id(&id, "intervention")?;
    let loaded = ops::get(&app, auth.company(), id).await?;
    Ok(Json(view(&loaded, currency(&app, auth.company()).await?)))
}

/// `DELETE /interventions/{id}`: only one not billed yet.
pub async fn delete(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "intervention")?;
    app.store.delete_intervention(auth.company(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The query of `GET /interventions`.
#[derive(Deserialize)]
pub struct InterventionQuery {
    pub contract_id: Option<String>,
    pub customer_id: Option<String>,
    pub unbilled: Option<String>,
}

fn query_id(field: &str, v: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    v.filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| ApiError::field(field, Message::new("not_an_id"))))
        .transpose()
}

/// `GET /interventions`.
pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<InterventionQuery>,
) -> Result<Json<InterventionList>, ApiError> {
    let unbilled = match q.unbilled.as_deref() {
        None | Some("false") | Some("") => false,
        Some("true") => true,
        Some(v) => {
            return Err(ApiError::field("unbilled", Message::new("true_or_false").with("v", format!("{v:?}"))));
        }
    };
    let filter = InterventionFilter {
        contract_id: query_id("contract_id", q.contract_id.as_deref())?,
        customer_id: query_id("customer_id", q.customer_id.as_deref())?,
        unbilled,
        ..Default::default()
    };
    let currency = currency(&app, auth.company()).await?;
    let data = ops::list(&app, auth.company(), &filter).await?.iter().map(|l| view(l, currency)).collect();
    Ok(Json(InterventionList { data }))
}

/// `POST /interventions/bill`.
pub async fn bill(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<BillInterventionsInput>,
) -> Result<Json<InterventionBillView>, ApiError> {
    let billed = ops::bill(&app, &auth, &input).await?;
    Ok(Json(InterventionBillView { invoice_id: billed.map(|(id, _)| id), interventions: billed.map_or(0, |(_, n)| n) }))
}

/// `PUT /contracts/{id}/plan`.
pub async fn set_plan(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "contract")?;
    ops::set_plan(&app, &auth, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The query of `GET /contracts/{id}/summary`.
#[derive(Deserialize)]
pub struct SummaryQuery {
    pub as_of: Option<String>,
}

/// `GET /contracts/{id}/summary`.
pub async fn summary(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<ContractSummaryView>, ApiError> {
    let id = path_id(&id, "contract")?;
    let as_of = query_date("as_of", q.as_of.as_deref())?.unwrap_or(auth.today());
    let s = ops::summary(&app, auth.company(), id, as_of).await?;
    let text = |d: facturier_core::Decimal| d.normalize().to_string();
    Ok(Json(ContractSummaryView {
        contract_id: id,
        as_of: date_text(as_of),
        currency: s.currency.code().to_string(),
        periods: s.plan.periods,
        planned_amount: s.currency.round(s.summary.planned_amount).to_string(),
        billed_amount: s.currency.round(s.summary.billed_amount).to_string(),
        unbilled_interventions: s.currency.round(s.actual.consumption_unbilled).to_string(),
        theoretical_hours: text(s.summary.theoretical_hours),
        actual_hours: text(s.summary.actual_hours),
        theoretical_margin: s.currency.round(s.summary.theoretical_margin).to_string(),
        actual_margin: s.currency.round(s.summary.actual_margin).to_string(),
        hours_per_period: text(s.plan.hours_per_period),
        hourly_cost: text(s.plan.hourly_cost),
    }))
}
