//! `/dunning` (the overdue invoices and their next step, the run, undo, letters) and the
//! invoice's own dunning (`/invoices/{id}/dunning`: "never dun", entries by hand, its
//! steps): JSON in and out of `app::dunning`.

use super::{Page, path_id};
use crate::App;
use crate::app::dunning::{self as ops, Overdue};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check};
use crate::openapi::written;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::document::DocumentKind;
use facturier_core::dunning::Channel;
use facturier_core::message::Message;
use facturier_store::dunning::{HoldSubject, NewNote, StepKind, StepRecord};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// The query of `GET /dunning`.
#[derive(Deserialize)]
pub struct DunningQuery {
    pub as_of: Option<String>,
}

/// An overdue invoice in `GET /dunning`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DunningItem)]
pub struct OverdueView {
    /// The invoice's id (also `invoice_id`).
    pub id: Uuid,
    pub invoice_id: Uuid,
    #[schema(schema_with = crate::openapi::field::document_kind)]
    pub kind: &'static str,
    pub number: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub currency: String,
    #[schema(value_type = written::DateText)]
    pub due_date: String,
    /// Days since the due date.
    pub days_overdue: i64,
    #[schema(value_type = written::DecimalText)]
    pub gross: String,
    /// What is still due.
    #[schema(value_type = written::DecimalText)]
    pub due: String,
    /// The next level (`reminder_1`, `reminder_2`, `formal_notice`… as configured); null
    /// once every level was taken.
    #[schema(required = true)]
    pub next_step: Option<String>,
    /// The first day the next step may be taken.
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub next_step_on: Option<String>,
    /// Whether a run on `as_of` takes the next step.
    pub next_step_due: bool,
    /// The last level taken, if any.
    #[schema(required = true)]
    pub last_step: Option<String>,
}

fn overdue_view(o: &Overdue) -> OverdueView {
    let i = &o.invoice;
    let last = i.steps.iter().max_by_key(|(_, on)| *on).map(|(l, _)| l.clone());
    OverdueView {
        id: i.id,
        invoice_id: i.id,
        kind: i.kind.as_str(),
        number: i.number.clone(),
        customer_id: i.customer_id,
        customer_name: i.customer_name.clone(),
        currency: i.currency.clone(),
        due_date: i.due_date.to_string(),
        days_overdue: o.days_overdue,
        gross: i.gross.to_string(),
        due: i.due.to_string(),
        next_step: o.next.as_ref().map(|n| n.level.code.clone()),
        next_step_on: o.next.as_ref().map(|n| n.due_on.to_string()),
        next_step_due: o.next.as_ref().is_some_and(|n| n.due_now),
        last_step: last,
    }
}

fn as_of(v: &mut Check, auth: &Auth, s: &Option<String>) -> Date {
    match s.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => v.date("as_of", s).unwrap_or_else(|| auth.today()),
        None => auth.today(),
    }
}

/// `GET /dunning?as_of=`: the overdue issued invoices, oldest due date first.
pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<DunningQuery>,
) -> Result<Json<Page<OverdueView>>, ApiError> {
    let mut v = Check::default();
    let day = as_of(&mut v, &auth, &q.as_of);
    v.finish()?;
    let list = ops::overdue(&app, auth.company(), day, None).await?;
    Ok(Json(Page { data: list.iter().map(overdue_view).collect(), next_cursor: None }))
}

/// The body of `POST /dunning/run`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DunningRunInput)]
pub struct RunInput {
    /// The day of the run; default today.
    #[schema(value_type = Option<written::DateText>)]
    pub as_of: Option<String>,
    /// Only these invoices (the selection); default every overdue invoice.
    #[schema(max_items = 10000)]
    pub invoice_ids: Option<Vec<Uuid>>,
    /// `email` (default) or `letter`: how every step due goes out (the daily job sends only
    /// the levels whose channel is `email` or `both`).
    #[schema(value_type = Option<String>, examples("email", "letter"))]
    pub channel: Option<String>,
    /// `invoices` (default): the levels of overdue invoices and the friendly reminders;
    /// `quotes`: the follow-ups of sent quotes not accepted yet (by e-mail).
    #[schema(value_type = Option<String>, examples("invoices", "quotes"))]
    pub documents: Option<String>,
}

/// A dunning step as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DunningStep)]
pub struct StepView {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub customer_id: Uuid,
    /// `auto` (a level taken by a run), `call`, `promise` or `note`.
    #[schema(value_type = String, examples("auto", "call", "promise", "note"))]
    pub kind: &'static str,
    /// The level taken (`auto` steps).
    #[schema(required = true)]
    pub level: Option<String>,
    /// `email` or `letter` (`auto` steps).
    #[schema(required = true)]
    pub channel: Option<String>,
    #[schema(value_type = written::DateText)]
    pub taken_on: String,
    pub taken_at: String,
    #[schema(required = true)]
    pub text: Option<String>,
    #[schema(required = true)]
    pub email_id: Option<Uuid>,
    #[schema(required = true)]
    pub letter_id: Option<Uuid>,
    /// When the step was undone (its level may be taken again).
    #[schema(required = true)]
    pub undone_at: Option<String>,
}

pub fn step_view(s: &StepRecord) -> StepView {
    StepView {
        id: s.id,
        invoice_id: s.invoice_id,
        customer_id: s.customer_id,
        kind: s.kind.as_str(),
        level: s.level.clone(),
        channel: s.channel.clone(),
        taken_on: s.taken_on.to_string(),
        taken_at: super::instant_text(s.taken_at),
        text: s.text.clone(),
        email_id: s.email_id,
        letter_id: s.letter_id,
        undone_at: s.undone_at.map(super::instant_text),
    }
}

/// A letter made by a run.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DunningLetter)]
pub struct LetterView {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// Where to download the PDF.
    pub url: String,
}

/// An invoice a run left out, and why.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DunningSkipped)]
pub struct SkippedView {
    pub invoice_id: Uuid,
    pub code: &'static str,
    pub message: String,
}

/// What `POST /dunning/run` did.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DunningRun)]
pub struct RunView {
    /// The steps taken, one per invoice.
    pub steps: Vec<StepView>,
    /// The e-mails queued, one per customer.
    pub emails: Vec<Uuid>,
    /// The letters made, one per customer.
    pub letters: Vec<LetterView>,
    pub skipped: Vec<SkippedView>,
    /// The late-fee invoices issued, one per invoice and level with a fee.
    pub fees: Vec<FeeView>,
}

/// A late-fee invoice a run issued.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DunningFee)]
pub struct FeeView {
    /// The overdue invoice.
    pub invoice_id: Uuid,
    /// The fee's own invoice (`GET /invoices/{id}`).
    pub fee_invoice_id: Uuid,
}

/// A sent quote in `GET /dunning/quotes`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DunningQuote)]
pub struct QuoteView {
    pub id: Uuid,
    pub number: String,
    pub customer_id: Uuid,
    pub currency: String,
    #[schema(value_type = written::DateText)]
    pub sent_on: String,
    #[schema(value_type = written::DecimalText)]
    pub total: String,
    /// The next follow-up (`quote_follow_up_1`… as configured); null once all were sent.
    #[schema(required = true)]
    pub next_step: Option<String>,
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub next_step_on: Option<String>,
    pub next_step_due: bool,
    /// The last follow-up sent, if any.
    #[schema(required = true)]
    pub last_step: Option<String>,
}

/// `GET /dunning/quotes?as_of=`: the sent quotes not accepted yet, with their next follow-up.
pub async fn quotes(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<DunningQuery>,
) -> Result<Json<Page<QuoteView>>, ApiError> {
    let mut v = Check::default();
    let day = as_of(&mut v, &auth, &q.as_of);
    v.finish()?;
    let policy = app.store.settings(auth.company()).await?.dunning;
    let mut data = Vec::new();
    let mut after = None;
    while let Some((page, last)) = ops::quotes_page(&app.store, &policy, auth.company(), day, after).await? {
        after = Some(last);
        for d in page {
            let last = d.quote.steps.iter().max_by_key(|(_, on)| *on).map(|(l, _)| l.clone());
            data.push(QuoteView {
                id: d.quote.id,
                number: d.quote.number.clone(),
                customer_id: d.quote.customer_id,
                currency: d.quote.currency.clone(),
                sent_on: d.quote.sent_on.to_string(),
                total: d.quote.gross.to_string(),
                next_step: d.next.as_ref().map(|n| n.step.code.clone()),
                next_step_on: d.next.as_ref().map(|n| n.due_on.to_string()),
                next_step_due: d.next.as_ref().is_some_and(|n| n.due_now),
                last_step: last,
            });
        }
    }
    Ok(Json(Page { data, next_cursor: None }))
}

/// Parses a run's channel: `email` or `letter`.
pub fn run_channel(v: &mut Check, s: Option<&str>) -> Channel {
    match s {
        None | Some("email") => Channel::Email,
        Some("letter") => Channel::Letter,
        Some(other) => {
            v.error("channel", Message::new("dunning_run_channel").with("v", format!("{other:?}")));
            Channel::Email
        }
    }
}

/// `POST /dunning/run`.
pub async fn run(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<RunInput>,
) -> Result<Json<RunView>, ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let day = as_of(&mut v, &auth, &input.as_of);
    let channel = run_channel(&mut v, input.channel.as_deref());
    if input.invoice_ids.as_ref().is_some_and(|ids| ids.len() > 10_000) {
        v.error("invoice_ids", Message::new("dunning_too_many_invoices").with("max", 10_000));
    }
    let quotes = match input.documents.as_deref() {
        None | Some("invoices") => false,
        Some("quotes") => true,
        Some(other) => {
            v.error("documents", Message::new("dunning_documents").with("v", format!("{other:?}")));
            false
        }
    };
    v.finish()?;
    if quotes {
        let req = ops::QuoteRunRequest { company: auth.company(), by_user: Some(auth.0.user_id), as_of: day };
        let r = ops::run_quotes(&app.store, &req, &|_, _| {}).await?;
        if !r.emails.is_empty() {
            app.outbox.wake();
        }
        return Ok(Json(run_view(&r)));
    }
    let req = ops::RunRequest {
        company: auth.company(),
        by_user: Some(auth.0.user_id),
        as_of: day,
        only: input.invoice_ids.as_deref(),
        channel,
        levels: ops::Levels::All,
        keep: ops::Keep::Everything,
    };
    let r = ops::run(&app, &req, &|_, _| {}).await?;
    if !r.emails.is_empty() {
        app.outbox.wake();
    }
    Ok(Json(run_view(&r)))
}

fn run_view(r: &ops::RunReport) -> RunView {
    RunView {
        steps: r.steps.iter().map(step_view).collect(),
        emails: r.emails.clone(),
        letters: r
            .letters
            .iter()
            .map(|(id, customer_id)| LetterView {
                id: *id,
                customer_id: *customer_id,
                url: format!("/api/v1/dunning/letters/{id}"),
            })
            .collect(),
        skipped: r
            .skipped
            .iter()
            .map(|s| SkippedView { invoice_id: s.invoice_id, code: s.message.code(), message: s.message.english() })
            .collect(),
        fees: r.fees.iter().map(|(i, f)| FeeView { invoice_id: *i, fee_invoice_id: *f }).collect(),
    }
}

/// `DELETE /dunning/steps/{id}`: undoes a step; its level may be taken again (the step
/// stays in `GET /invoices/{id}/dunning` with its `undone_at`).
pub async fn undo(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "dunning step")?;
    ops::undo(&app.store, auth.company(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /dunning/letters/{id}`: a letter's PDF.
pub async fn letter(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = path_id(&id, "dunning letter")?;
    let (_, level, pdf) = app.store.dunning_letter(auth.company(), id).await?;
    let name = format!("attachment; filename=\"{level}-{id}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, name)], pdf)
        .into_response())
}

/// The body of `PUT /invoices/{id}/dunning`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DunningFlagInput)]
pub struct FlagInput {
    /// `never`: the invoice is never dunned; `auto` undoes it. Kept outside the invoice's sealed content.
    #[schema(required = true, value_type = String, examples("never", "auto"))]
    pub dunning: Option<String>,
}

/// An invoice's dunning.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = InvoiceDunning)]
pub struct InvoiceDunningView {
    pub invoice_id: Uuid,
    /// `auto` or `never`.
    #[schema(value_type = String, examples("auto", "never"))]
    pub dunning: &'static str,
    /// Every step, undone ones included, oldest first.
    pub steps: Vec<StepView>,
}

/// Parses `auto` / `never` into "held".
pub fn parse_flag(v: &mut Check, field: &str, s: Option<&str>) -> Option<bool> {
    match s {
        Some("never") => Some(true),
        Some("auto") => Some(false),
        Some(other) => {
            v.error(field, Message::new("dunning_flag").with("v", format!("{other:?}")));
            None
        }
        None => {
            v.error(field, Message::new("required"));
            None
        }
    }
}

async fn invoice(app: &App, auth: &Auth, id: &str) -> Result<facturier_store::documents::DocumentRecord, ApiError> {
    let id = path_id(id, "invoice")?;
    Ok(app.store.document(auth.company(), DocumentKind::Invoice, id).await?)
}

async fn invoice_dunning(app: &App, auth: &Auth, id: Uuid) -> Result<InvoiceDunningView, ApiError> {
    let held = app.store.dunning_held(auth.company(), id).await?;
    let steps = app.store.dunning_steps_of(auth.company(), id).await?;
    Ok(InvoiceDunningView {
        invoice_id: id,
        dunning: if held { "never" } else { "auto" },
        steps: steps.iter().map(step_view).collect(),
    })
}

/// `GET /invoices/{id}/dunning`.
pub async fn show_invoice(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<InvoiceDunningView>, ApiError> {
    let rec = invoice(&app, &auth, &id).await?;
    Ok(Json(invoice_dunning(&app, &auth, rec.id).await?))
}

/// `PUT /invoices/{id}/dunning`.
pub async fn set_invoice(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FlagInput>,
) -> Result<Json<InvoiceDunningView>, ApiError> {
    auth.require_write()?;
    let rec = invoice(&app, &auth, &id).await?;
    let mut v = Check::default();
    let held = parse_flag(&mut v, "dunning", input.dunning.as_deref());
    v.finish()?;
    let Some(held) = held else { return Err(ApiError::field("dunning", Message::new("required"))) };
    app.store.set_dunning_hold(auth.company(), HoldSubject::Invoice, rec.id, held).await?;
    Ok(Json(invoice_dunning(&app, &auth, rec.id).await?))
}

/// The body of `POST /invoices/{id}/dunning/notes`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DunningNoteInput)]
pub struct NoteInput {
    /// `call`, `promise` (to pay) or `note`.
    #[schema(required = true, value_type = String, examples("call", "promise", "note"))]
    pub kind: Option<String>,
    #[schema(required = true, value_type = String, max_length = 2000)]
    pub text: Option<String>,
    /// The day it happened; default today.
    #[schema(value_type = Option<written::DateText>)]
    pub date: Option<String>,
}

/// `POST /invoices/{id}/dunning/notes`: an entry by hand in the invoice's dunning history.
pub async fn add_note(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoteInput>,
) -> Result<(StatusCode, Json<StepView>), ApiError> {
    auth.require_write()?;
    let rec = invoice(&app, &auth, &id).await?;
    let mut v = Check::default();
    let kind = match input.kind.as_deref() {
        Some(k) => match StepKind::parse(k).filter(|k| *k != StepKind::Auto) {
            Some(k) => Some(k),
            None => {
                v.error("kind", Message::new("dunning_note_kind").with("v", format!("{k:?}")));
                None
            }
        },
        None => {
            v.error("kind", Message::new("required"));
            None
        }
    };
    let text = v.lines("text", &input.text, 2000);
    let on = match input.date.as_deref() {
        Some(d) => v.date("date", d),
        None => Some(auth.today()),
    };
    v.finish()?;
    let (Some(kind), Some(text), Some(on)) = (kind, text, on) else {
        return Err(ApiError::field("text", Message::new("required")));
    };
    if rec.number.is_none() {
        return Err(ApiError::Conflict(Message::new("dunning_not_invoice")));
    }
    let note = NewNote {
        invoice_id: rec.id,
        customer_id: rec.content.customer_id,
        kind,
        on,
        text: &text,
        by_user: Some(auth.0.user_id),
    };
    let step = app.store.add_dunning_note(auth.company(), &note).await?;
    Ok((StatusCode::CREATED, Json(step_view(&step))))
}
