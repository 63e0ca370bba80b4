//! `/payments` and the customer's credit and statement: one payment over several
//! invoices, its cancellation, customer credit applied or refunded. The rules are in
//! `facturier_core::payments`; these handlers parse, call the store and render.

use super::{ListQuery, MAX_SEARCH, Page, date_text, instant_text, limit, path_id, query_date};
use crate::App;
use crate::app::payments::{self, excess};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check, DecRules, DecText};
use crate::openapi::{field, written};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::money::{Currency, MAX_MAGNITUDE, to_text};
use facturier_store::documents::DocCursor;
use facturier_store::payments::{CurrencyStatement, NewReceipt, Payment, PaymentFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// At most this many invoices in one payment.
pub const MAX_ALLOCATIONS: usize = 200;

/// The longest reason of a cancellation.
pub const MAX_REASON: usize = 500;

/// An amount in its currency's notation (`"120.00"`).
fn money(cur: Currency, d: Decimal) -> String {
    to_text(cur.round(d), cur.minor_units())
}

/// One invoice's share of a payment, as shown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AllocationView {
    pub invoice_id: Uuid,
    #[schema(value_type = written::DocumentKind)]
    pub kind: &'static str,
    #[schema(required = true)]
    pub number: Option<String>,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
}

/// A payment as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Payment)]
pub struct PaymentView {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `receipt` (money received), `credit` (customer credit applied) or `refund` (credit paid back).
    #[schema(schema_with = field::payment_kind)]
    pub kind: &'static str,
    pub currency: String,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    #[schema(value_type = written::DateText)]
    pub date: String,
    #[schema(schema_with = field::stored_method)]
    pub method: String,
    #[schema(required = true)]
    pub reference: Option<String>,
    /// `recorded` or `cancelled`.
    #[schema(schema_with = field::payment_status)]
    pub status: String,
    #[schema(inline)]
    pub allocations: Vec<AllocationView>,
    /// What the payment left as the customer's credit.
    #[schema(value_type = written::DecimalText)]
    pub to_credit: String,
    #[schema(required = true, format = DateTime)]
    pub cancelled_at: Option<String>,
    #[schema(required = true)]
    pub cancel_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

pub fn view(p: &Payment) -> PaymentView {
    let cur = p.currency;
    PaymentView {
        id: p.id,
        customer_id: p.customer_id,
        kind: p.kind.as_str(),
        currency: cur.code().to_string(),
        amount: money(cur, p.amount),
        date: date_text(p.date),
        method: p.method.clone(),
        reference: p.reference.clone(),
        status: p.status.clone(),
        allocations: p
            .allocations
            .iter()
            .map(|a| AllocationView {
                invoice_id: a.invoice_id,
                kind: a.kind.as_str(),
                number: a.number.clone(),
                amount: money(cur, a.amount),
            })
            .collect(),
        to_credit: money(cur, p.to_credit),
        cancelled_at: p.cancelled_at.map(instant_text),
        cancel_reason: p.cancel_reason.clone(),
        created_at: instant_text(p.created_at),
    }
}

/// Parses an id given in a body.
fn body_id(v: &mut Check, field: &str, s: &Option<String>) -> Option<Uuid> {
    match s.as_deref() {
        None => {
            v.error(field, Message::new("required"));
            None
        }
        Some(s) => {
            let id = s.parse().ok();
            if id.is_none() {
                v.error(field, Message::new("value_not_an_id").with("v", format!("{s:?}")));
            }
            id
        }
    }
}

/// The currency of the body, or the company's.
fn currency(v: &mut Check, s: &Option<String>, auth: &Auth) -> Option<Currency> {
    match s.as_deref() {
        Some(c) => v.parse("currency", c),
        None => auth.0.currency.parse().ok(),
    }
}

/// One invoice's share in `POST /payments`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    #[schema(required = true, value_type = String, format = Uuid)]
    pub invoice_id: Option<String>,
    /// Positive, at most what the invoice has due.
    #[schema(required = true, value_type = written::DecimalText)]
    pub amount: Option<DecText>,
}

/// The body of `POST /payments`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaymentInput {
    #[schema(required = true, value_type = String, format = Uuid)]
    pub customer_id: Option<String>,
    /// What was received: positive, with at most the currency's decimals.
    #[schema(required = true, value_type = written::DecimalText)]
    pub amount: Option<DecText>,
    /// Default the first invoice's currency, else the company's.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Default today.
    #[schema(value_type = Option<written::DateText>)]
    pub date: Option<String>,
    #[schema(schema_with = field::payment_method)]
    pub method: Option<String>,
    #[schema(max_length = 140)]
    pub reference: Option<String>,
    /// The invoices of the customer the payment settles, each at most once; an empty list
    /// keeps the whole amount as credit (with `excess: "credit"`).
    #[schema(required = true, value_type = Vec<AllocationInput>, inline, max_items = 200)]
    pub allocations: Option<Vec<AllocationInput>>,
    #[schema(schema_with = field::excess_of_payment)]
    pub excess: Option<String>,
}

/// `POST /payments`: one payment allocated over several invoices of a customer.
pub async fn create(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<NewPaymentInput>,
) -> Result<(StatusCode, Json<PaymentView>), ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let customer_id = body_id(&mut v, "customer_id", &input.customer_id);
    let cur = currency(&mut v, &input.currency, &auth);
    let scale_cur = cur.unwrap_or(Currency::EUR);
    let amount = payments::amount(&mut v, "amount", input.amount.as_ref(), scale_cur);
    let date = payments::date(&mut v, input.date.as_deref(), auth.today());
    let method = payments::method(&mut v, input.method.as_deref());
    let reference = v.opt_text("reference", &input.reference, 140);
    let excess = excess(&mut v, &input.excess);
    let mut allocations = Vec::new();
    match &input.allocations {
        None => v.error("allocations", Message::new("required_empty_list_keeps")),
        Some(list) if list.len() > MAX_ALLOCATIONS => {
            v.error("allocations", Message::new("more_invoices").with("max", MAX_ALLOCATIONS))
        }
        Some(list) => {
            for (i, a) in list.iter().enumerate() {
                let id = body_id(&mut v, &format!("allocations[{i}].invoice_id"), &a.invoice_id);
                let part = match &a.amount {
                    Some(x) => v.decimal(
                        &format!("allocations[{i}].amount"),
                        x,
                        DecRules::new(scale_cur.minor_units()).positive().at_most(MAX_MAGNITUDE),
                    ),
                    None => {
                        v.error(format!("allocations[{i}].amount"), Message::new("required"));
                        None
                    }
                };
                if let (Some(id), Some(part)) = (id, part) {
                    allocations.push((id, part));
                }
            }
        }
    }
    v.finish()?;
    let (Some(customer_id), Some(amount), Some(date), Some(method)) = (customer_id, amount, date, method) else {
        return Err(ApiError::field("body", Message::new("incomplete_payment")));
    };
    let receipt = NewReceipt {
        customer_id,
        amount,
        currency: input.currency.as_ref().and(cur),
        date,
        method: method.to_string(),
        reference,
        allocations,
        excess,
    };
    let p = app.store.record_payment(auth.company(), &receipt).await?;
    Ok((StatusCode::CREATED, Json(view(&p))))
}

/// `GET /payments`: newest first.
pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<PaymentView>>, ApiError> {
    let customer_id = match q.customer_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse().map_err(|_| {
            ApiError::field("customer_id", Message::new("value_not_an_id").with("v", format!("{s:?}")))
        })?),
    };
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            Some(DocCursor::decode(s).ok_or_else(|| ApiError::field("after", Message::new("cursor_previous_page")))?)
        }
    };
    let mut v = Check::default();
    let text = v.opt_text("q", &q.q, MAX_SEARCH);
    v.finish()?;
    let filter = PaymentFilter {
        customer_id,
        q: text,
        from: query_date("from", q.from.as_deref())?,
        to: query_date("to", q.to.as_deref())?,
        limit: limit(q.limit.as_deref())?,
        after,
    };
    let (rows, next) = app.store.list_payments(auth.company(), &filter).await?;
    Ok(Json(Page { data: rows.iter().map(view).collect(), next_cursor: next.map(|c| c.encode()) }))
}

/// `GET /payments/{id}`.
pub async fn show(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<PaymentView>, ApiError> {
    let id = path_id(&id, "payment")?;
    Ok(Json(view(&app.store.payment(auth.company(), id).await?)))
}

/// The body of `POST /payments/{id}/cancel`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CancelPaymentInput)]
pub struct CancelInput {
    /// Why the payment is cancelled (kept in the history).
    #[schema(required = true, value_type = String, min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// `POST /payments/{id}/cancel`.
pub async fn cancel(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CancelInput>,
) -> Result<Json<PaymentView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "payment")?;
    // Another company's payment is unknown whatever the body says (404 before 422).
    app.store.payment(auth.company(), id).await?;
    let mut v = Check::default();
    let reason = match input.reason.as_deref().map(str::trim) {
        None | Some("") => {
            v.error("reason", Message::new("required_say_why_payment"));
            None
        }
        Some(_) => v.text("reason", &input.reason, MAX_REASON),
    };
    v.finish()?;
    let Some(reason) = reason else { return Err(ApiError::field("reason", Message::new("required"))) };
    Ok(Json(view(&app.store.cancel_payment(auth.company(), id, reason.trim()).await?)))
}

/// The customer's credit in one currency.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CreditView)]
pub struct CreditLine {
    pub currency: String,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
}

/// A customer's credit per currency (`GET /customers/{id}/credit`).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CustomerCredit)]
pub struct CreditView {
    pub customer_id: Uuid,
    pub credit: Vec<CreditLine>,
}

/// The customer's credit per currency, each in its notation.
pub async fn credit_lines(app: &App, company: Uuid, customer: Uuid) -> Result<Vec<CreditLine>, ApiError> {
    Ok(app
        .store
        .customer_credit(company, customer)
        .await?
        .into_iter()
        .map(|(currency, amount)| {
            let amount = match currency.parse::<Currency>() {
                Ok(c) => money(c, amount),
                Err(_) => amount.to_string(),
            };
            CreditLine { currency, amount }
        })
        .collect())
}

pub async fn credit(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<CreditView>, ApiError> {
    let id = path_id(&id, "customer")?;
    app.store.customer(auth.company(), id).await?;
    Ok(Json(CreditView { customer_id: id, credit: credit_lines(&app, auth.company(), id).await? }))
}

/// The body of `POST /customers/{id}/credit/apply`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCreditInput {
    #[schema(required = true, value_type = String, format = Uuid)]
    pub invoice_id: Option<String>,
    /// Positive; at most the credit available and what the invoice has due.
    #[schema(required = true, value_type = written::DecimalText)]
    pub amount: Option<DecText>,
    /// Default today.
    #[schema(value_type = Option<written::DateText>)]
    pub date: Option<String>,
}

/// `POST /customers/{id}/credit/apply`.
pub async fn apply_credit(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ApplyCreditInput>,
) -> Result<Json<PaymentView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "customer")?;
    // Another company's customer is unknown whatever the body says (404 before 422).
    app.store.customer(auth.company(), id).await?;
    let mut v = Check::default();
    let invoice_id = body_id(&mut v, "invoice_id", &input.invoice_id);
    // Decimals as in the company's currency (the invoice's is checked by the rules).
    let company_cur = currency(&mut v, &None, &auth).unwrap_or(Currency::EUR);
    let amount = payments::amount(&mut v, "amount", input.amount.as_ref(), company_cur);
    let date = payments::date(&mut v, input.date.as_deref(), auth.today());
    v.finish()?;
    let (Some(invoice_id), Some(amount), Some(date)) = (invoice_id, amount, date) else {
        return Err(ApiError::field("body", Message::new("incomplete_credit_application")));
    };
    let p = app.store.apply_credit(auth.company(), id, invoice_id, amount, date).await?;
    Ok(Json(view(&p)))
}

/// The body of `POST /customers/{id}/credit/refund`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// Positive; at most the credit available in the currency.
    #[schema(required = true, value_type = written::DecimalText)]
    pub amount: Option<DecText>,
    /// Default the company's currency.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Default today.
    #[schema(value_type = Option<written::DateText>)]
    pub date: Option<String>,
    #[schema(schema_with = field::payment_method)]
    pub method: Option<String>,
    #[schema(max_length = 140)]
    pub reference: Option<String>,
}

/// `POST /customers/{id}/credit/refund`: an outgoing payment.
pub async fn refund(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RefundInput>,
) -> Result<(StatusCode, Json<PaymentView>), ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "customer")?;
    // Another company's customer is unknown whatever the body says (404 before 422).
    app.store.customer(auth.company(), id).await?;
    let mut v = Check::default();
    let cur = currency(&mut v, &input.currency, &auth);
    let amount = payments::amount(&mut v, "amount", input.amount.as_ref(), cur.unwrap_or(Currency::EUR));
    let date = payments::date(&mut v, input.date.as_deref(), auth.today());
    let method = payments::method(&mut v, input.method.as_deref());
    let reference = v.opt_text("reference", &input.reference, 140);
    v.finish()?;
    let (Some(cur), Some(amount), Some(date), Some(method)) = (cur, amount, date, method) else {
        return Err(ApiError::field("body", Message::new("incomplete_refund")));
    };
    let p = app.store.refund_credit(auth.company(), id, amount, cur, date, method, reference.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(view(&p))))
}

/// One line of a statement.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatementLineView {
    #[schema(value_type = written::DateText)]
    pub date: String,
    /// `invoice`, `deposit_invoice`, `credit_note`, `payment`, `payment_cancelled`,
    /// `credit_applied`, `credit_applied_cancelled`, `refund` or `refund_cancelled`.
    #[schema(schema_with = field::statement_entry_kind)]
    pub kind: &'static str,
    /// The document's or the payment's id.
    pub id: Uuid,
    /// The document's number, or the numbers of the invoices a payment settled.
    #[schema(required = true)]
    pub number: Option<String>,
    #[schema(required = true)]
    pub reference: Option<String>,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    #[schema(value_type = written::DecimalText)]
    pub debit: String,
    #[schema(value_type = written::DecimalText)]
    pub credit: String,
    /// The balance after this line.
    #[schema(value_type = written::DecimalText)]
    pub balance: String,
}

/// A statement in one currency.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CurrencyStatementView {
    pub currency: String,
    /// What the customer owed before `from` (negative: its credit).
    #[schema(value_type = written::DecimalText)]
    pub opening_balance: String,
    #[schema(inline)]
    pub entries: Vec<StatementLineView>,
    /// What the customer owes at the end (negative: its credit).
    #[schema(value_type = written::DecimalText)]
    pub closing_balance: String,
}

/// A customer's statement per currency (`GET /customers/{id}/statement`).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Statement)]
pub struct StatementView {
    pub customer_id: Uuid,
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub from: Option<String>,
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub to: Option<String>,
    #[schema(inline)]
    pub currencies: Vec<CurrencyStatementView>,
}

pub fn statement_view(
    customer_id: Uuid,
    from: Option<time::Date>,
    to: Option<time::Date>,
    s: &[CurrencyStatement],
) -> StatementView {
    StatementView {
        customer_id,
        from: from.map(date_text),
        to: to.map(date_text),
        currencies: s
            .iter()
            .map(|(cur, st)| CurrencyStatementView {
                currency: cur.code().to_string(),
                opening_balance: money(*cur, st.opening),
                entries: st
                    .lines
                    .iter()
                    .map(|l| StatementLineView {
                        date: date_text(l.date),
                        kind: l.item.kind,
                        id: l.item.id,
                        number: l.item.number.clone(),
                        reference: l.item.reference.clone(),
                        amount: money(*cur, l.item.amount),
                        debit: money(*cur, l.debit),
                        credit: money(*cur, l.credit),
                        balance: money(*cur, l.balance),
                    })
                    .collect(),
                closing_balance: money(*cur, st.closing),
            })
            .collect(),
    }
}

/// The query of `GET /customers/{id}/statement`.
#[derive(Deserialize)]
pub struct StatementQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

pub async fn statement(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<StatementQuery>,
) -> Result<Json<StatementView>, ApiError> {
    let id = path_id(&id, "customer")?;
    let from = query_date("from", q.from.as_deref())?;
    let to = query_date("to", q.to.as_deref())?;
    let s = app.store.customer_statement(auth.company(), id, from, to).await?;
    Ok(Json(statement_view(id, from, to, &s)))
}
