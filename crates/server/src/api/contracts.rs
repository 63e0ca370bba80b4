//! Contracts and recurring billing: `/contracts`, `/indices/{code}/values` and
//! `POST /billing/run`. The handlers parse and render; `app::contracts` does the rest.

use super::{date_text, instant_text, limit, path_id, query_date};
use crate::App;
use crate::app::contracts::{
    self as ops, ContractInput, ContractView as Loaded, IndexValueInput, ResumeInput, SuspendInput, TerminateInput,
};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check};
use crate::openapi::written;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use facturier_core::message::Message;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A period the contract will bill.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ScheduleView {
    #[schema(value_type = written::DateText)]
    pub billing_date: String,
    #[schema(value_type = written::DateText)]
    pub period_start: String,
    #[schema(value_type = written::DateText)]
    pub period_end: String,
    /// Excluding VAT, every line.
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    /// Revised with index values not published yet (the latest known): an estimate.
    pub estimated: bool,
}

/// A period the contract billed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BilledView {
    #[schema(value_type = written::DateText)]
    pub period_start: String,
    #[schema(value_type = written::DateText)]
    pub period_end: String,
    #[schema(value_type = written::DateText)]
    pub billing_date: String,
    pub invoice_id: Uuid,
    pub invoice_number: Option<String>,
    /// Excluding VAT, every line.
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
}

/// Something that happened to a contract.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ContractEventView {
    /// `suspended`, `terminated`, `notice_given` or `notice_reminded` (the consumer's
    /// reminder of the deadline `date`, e-mailed).
    pub kind: String,
    #[schema(value_type = written::DateText)]
    pub date: String,
    pub until: Option<String>,
    pub reason: Option<String>,
}

/// A contract.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ContractView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub reference: String,
    pub title: String,
    pub nature: Option<String>,
    /// `draft`, `active`, `suspended`, `terminated` or `expired`.
    pub status: String,
    #[schema(value_type = written::DateText)]
    pub start_date: String,
    pub end_date: Option<String>,
    /// `tacit` or `none`.
    pub renewal: &'static str,
    pub notice_days: u32,
    /// Days before the notice deadline the contract is listed by `GET /contracts/notices`.
    pub notice_alert_days: u32,
    /// The next notice deadline (tacit renewal, no notice given), from today.
    pub notice_deadline: Option<String>,
    /// Months between billings.
    pub period_months: u8,
    /// `advance` or `arrears`.
    pub mode: &'static str,
    /// `calendar` or `anniversary`.
    pub alignment: &'static str,
    /// `with_period` (interventions billed with the next period) or `on_demand`.
    pub bill_interventions: &'static str,
    /// Each line's price for a whole period, before revision.
    #[schema(value_type = Vec<written::DecimalText>)]
    pub prices: Vec<String>,
    pub currency: String,
    /// The coming billings not made yet, in order (at most 12).
    pub schedule: Vec<ScheduleView>,
    /// What it billed, by period.
    pub billed: Vec<BilledView>,
    pub events: Vec<ContractEventView>,
    /// In the answer of `terminate`: the credit notes it issued for the days billed in
    /// advance after the termination (empty in every other answer).
    pub credit_notes: Vec<Uuid>,
    pub created_at: String,
}

/// A page of contracts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ContractPage {
    pub data: Vec<ContractView>,
    pub next_cursor: Option<String>,
}

fn view(l: &Loaded) -> ContractView {
    let r = &l.record;
    let t = &l.terms;
    ContractView {
        id: r.id,
        customer_id: r.customer_id,
        customer_name: r.customer_name.clone(),
        reference: r.reference.clone(),
        title: r.title.clone(),
        nature: t.nature.clone(),
        status: r.status.clone(),
        start_date: date_text(r.start),
        end_date: r.end.map(date_text),
        renewal: match t.renewal {
            facturier_core::contract::Renewal::None => "none",
            facturier_core::contract::Renewal::Tacit { .. } => "tacit",
        },
        notice_days: t.notice_days,
        notice_alert_days: t.notice_alert_days,
        notice_deadline: l.notice_deadline.map(date_text),
        period_months: t.frequency.months(),
        mode: t.timing.as_str(),
        alignment: t.alignment.as_str(),
        bill_interventions: t.bill_interventions.as_str(),
        prices: t.prices.iter().map(|p| l.currency.round(*p).to_string()).collect(),
        currency: l.currency.code().to_string(),
        schedule: l
            .schedule
            .iter()
            .map(|c| ScheduleView {
                billing_date: date_text(c.billing_date),
                period_start: date_text(c.period_start),
                period_end: date_text(c.period_end),
                amount: l.currency.round(c.amount).to_string(),
                estimated: c.estimated,
            })
            .collect(),
        billed: ops::billed_by_period(&r.billed, &l.lines, l.currency)
            .into_iter()
            .map(|(start, (billing_date, amount, invoice_id, number))| {
                let end = r.billed.iter().find(|b| b.period_start == start).map_or(start, |b| b.period_end);
                BilledView {
                    period_start: date_text(start),
                    period_end: date_text(end),
                    billing_date: date_text(billing_date),
                    invoice_id,
                    invoice_number: number,
                    amount: l.currency.round(amount).to_string(),
                }
            })
            .collect(),
        events: r
            .events
            .iter()
            .map(|e| ContractEventView {
                kind: e.kind.clone(),
                date: date_text(e.on),
                until: e.until.map(date_text),
                reason: e.reason.clone(),
            })
            .collect(),
        credit_notes: Vec::new(),
        created_at: instant_text(r.created_at),
    }
}

/// `POST /contracts`.
pub async fn create(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<ContractInput>,
) -> Result<(StatusCode, Json<ContractView>), ApiError> {
    auth.require_write()?;
    let rec = ops::create(&app, auth.company(), &input).await?;
    let loaded = ops::view(&app, auth.company(), rec.id, auth.today()).await?;
    Ok((StatusCode::CREATED, Json(view(&loaded))))
}

/// `GET /contracts/{id}`.
pub async fn show(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<ContractView>, ApiError> {
    let id = path_id(&id, "contract")?;
    Ok(Json(view(&ops::view(&app, auth.company(), id, auth.today()).await?)))
}

/// The query of `GET /contracts`.
#[derive(Deserialize)]
pub struct ContractListQuery {
    pub limit: Option<String>,
    pub after: Option<String>,
}

/// `GET /contracts`: by reference.
pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ContractListQuery>,
) -> Result<Json<ContractPage>, ApiError> {
    let limit = limit(q.limit.as_deref())?;
    let rows = app.store.contracts(auth.company(), q.after.as_deref(), limit + 1).await?;
    let more = rows.len() > limit as usize;
    let mut data = Vec::new();
    for r in rows.iter().take(limit as usize) {
        data.push(view(&ops::view(&app, auth.company(), r.id, auth.today()).await?));
    }
    let next_cursor = if more { data.last().map(|c| c.reference.clone()) } else { None };
    Ok(Json(ContractPage { data, next_cursor }))
}

/// `POST /contracts/{id}/terminate`.
pub async fn terminate(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TerminateInput>,
) -> Result<Json<ContractView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "contract")?;
    let (_, credit_notes) = ops::terminate(&app, auth.company(), id, &input).await?;
    let mut answer = view(&ops::view(&app, auth.company(), id, auth.today()).await?);
    answer.credit_notes = credit_notes;
    Ok(Json(answer))
}

/// `POST /contracts/{id}/suspend`.
pub async fn suspend(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SuspendInput>,
) -> Result<Json<ContractView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "contract")?;
    ops::suspend(&app, auth.company(), id, &input, auth.today()).await?;
    Ok(Json(view(&ops::view(&app, auth.company(), id, auth.today()).await?)))
}

/// `POST /contracts/{id}/resume`.
pub async fn resume(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResumeInput>,
) -> Result<Json<ContractView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "contract")?;
    ops::resume(&app, auth.company(), id, &input, auth.today()).await?;
    Ok(Json(view(&ops::view(&app, auth.company(), id, auth.today()).await?)))
}

/// A contract whose notice deadline is near.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub contract_id: Uuid,
    pub reference: String,
    pub title: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    /// A consumer: art. L215-1 C. consom. applies (the daily run e-mails the reminder).
    pub consumer: bool,
    /// The end of the term that notice would stop.
    #[schema(value_type = written::DateText)]
    pub term_end: String,
    /// The last day to give notice (`term_end − notice_days`).
    #[schema(value_type = written::DateText)]
    pub deadline: String,
    /// The first day it is listed (`deadline − notice_alert_days`).
    #[schema(value_type = written::DateText)]
    pub alert_from: String,
    /// The consumer's reminder of this deadline was e-mailed.
    pub reminded: bool,
}

/// The contracts whose notice deadline is near.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    pub data: Vec<NoticeView>,
}

/// The query of `GET /contracts/notices`.
#[derive(Deserialize)]
pub struct NoticeQuery {
    pub as_of: Option<String>,
}

/// `GET /contracts/notices?as_of=`.
pub async fn notices(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<NoticeQuery>,
) -> Result<Json<NoticeList>, ApiError> {
    let as_of = query_date("as_of", q.as_of.as_deref())?.unwrap_or_else(|| auth.today());
    let data = ops::notices(&app, auth.company(), as_of)
        .await?
        .into_iter()
        .map(|n| NoticeView {
            contract_id: n.contract_id,
            reference: n.reference,
            title: n.title,
            customer_id: n.customer_id,
            customer_name: n.customer_name,
            consumer: n.consumer,
            term_end: date_text(n.term_end),
            deadline: date_text(n.deadline),
            alert_from: date_text(n.alert_from),
            reminded: n.reminded,
        })
        .collect();
    Ok(Json(NoticeList { data }))
}

/// A published index value.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndexValueView {
    pub index: String,
    /// `YYYY-MM`.
    pub period: String,
    #[schema(value_type = written::DecimalText)]
    pub value: String,
}

/// An index's values, by period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndexValueList {
    pub data: Vec<IndexValueView>,
}

/// `POST /indices/{code}/values`: 201 for a new period, 200 for a correction.
pub async fn publish(
    State(app): State<App>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<IndexValueInput>,
) -> Result<(StatusCode, Json<IndexValueView>), ApiError> {
    auth.require_write()?;
    let (index, month, value, new) = ops::publish(&app, auth.company(), &code, &input).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(IndexValueView { index, period: month.to_string(), value: value.normalize().to_string() })))
}

/// `GET /indices/{code}/values`.
pub async fn values(
    State(app): State<App>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Json<IndexValueList>, ApiError> {
    let code = ops::path_index_code(&code).ok_or(ApiError::NotFound("index"))?;
    let data: Vec<IndexValueView> = app
        .store
        .index_values(auth.company(), Some(&code))
        .await?
        .into_iter()
        .map(|(index, period, value)| IndexValueView { index, period, value: value.normalize().to_string() })
        .collect();
    if data.is_empty() {
        return Err(ApiError::NotFound("index"));
    }
    Ok(Json(IndexValueList { data }))
}

/// The body of `POST /billing/run`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingRunInput {
    /// Bills every period due on or before this day (default today).
    #[schema(value_type = Option<written::DateText>)]
    pub date: Option<String>,
}

/// A contract the run left unbilled.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BlockedView {
    pub contract_id: Uuid,
    pub reference: String,
    #[schema(value_type = written::DateText)]
    pub billing_date: String,
    /// The message's code (`contract_index_missing`).
    pub code: &'static str,
    pub message: String,
}

/// What a billing run did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BillingRunView {
    /// The invoices made (drafts, or issued when their contract says so).
    pub created: Vec<Uuid>,
    pub issued: Vec<Uuid>,
    /// Contracts waiting for an index value: not billed, the others are.
    pub blocked: Vec<BlockedView>,
    /// Contracts that reached their end without renewal.
    pub expired: Vec<Uuid>,
    /// The invoices of recurring templates without a contract (`/recurring-invoices`)
    /// made, not in `created` (issued ones are in `issued` too).
    pub recurring: Vec<Uuid>,
    /// Contracts looked at.
    pub contracts: usize,
    /// Interventions billed with their contract's period.
    pub interventions: usize,
    /// Invoices issued (in `issued`) that could not be e-mailed: their customer has no
    /// e-mail address. The others are queued to their customer with their PDF.
    pub not_emailed: Vec<Uuid>,
}

/// `POST /billing/run`.
pub async fn run(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<BillingRunInput>,
) -> Result<Json<BillingRunView>, ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let date = input.date.as_deref().and_then(|d| v.date("date", d)).unwrap_or_else(|| auth.today());
    v.finish()?;
    if date > auth.today() {
        return Err(ApiError::field("date", Message::new("contract_run_future")));
    }
    let r = ops::run(&app, auth.company(), date, |_| {}).await?;
    Ok(Json(BillingRunView {
        created: r.created,
        issued: r.issued,
        blocked: r
            .blocked
            .into_iter()
            .map(|b| BlockedView {
                contract_id: b.contract_id,
                reference: b.reference,
                billing_date: date_text(b.billing_date),
                code: b.message.code(),
                message: b.message.english(),
            })
            .collect(),
        expired: r.expired,
        recurring: r.recurring,
        interventions: r.interventions,
        contracts: r.contracts,
        not_emailed: r.not_emailed,
    }))
}
