//! Recurring invoices without a contract: a template (customer, lines, terms) billed every
//! N months from a first date, until an end date or for a number of occurrences, by the
//! same run as contracts (`POST /billing/run`, `facturier run-due`, job `billing.run`).
//!
//! Which dates are due is `core::contract::recurring::Recurrence`'s answer; each date is
//! billed once, in one transaction with its invoice (`store::recurring`).

use crate::App;
use crate::app::documents::{DocumentInput, LineInput, context_in};
use crate::error::ApiError;
use crate::input::{Check, DecText};
use facturier_core::contract::recurring::{MAX_MONTHS, Recurrence};
use facturier_core::document::DocumentKind;
use facturier_core::message::Message;
use facturier_store::recurring::{NewRecurring, RecurringRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::Date;
use uuid::Uuid;

/// Most lines a template bills.
const MAX_LINES: usize = 100;
/// Most occurrences a template counts.
const MAX_COUNT: u32 = 1000;
/// Templates read per page by the run.
const RUN_PAGE: u32 = 200;

/// The body of `POST /recurring-invoices`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecurringInput {
    #[schema(required = true, format = Uuid)]
    pub customer_id: Option<String>,
    /// Invoice lines, billed whole at each occurrence.
    #[schema(required = true, max_items = 100)]
    pub lines: Option<Vec<LineInput>>,
    /// Months between two invoices, 1 to 36.
    #[schema(required = true)]
    pub frequency_months: Option<u32>,
    /// The first invoice's date; the next ones `frequency_months` after it, and so on.
    #[schema(required = true, value_type = String, format = Date)]
    pub next_date: Option<String>,
    /// No invoice after this day (instead of `count`).
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<String>,
    /// At most this many invoices (instead of `end_date`).
    pub count: Option<u32>,
    /// Issue each invoice (default: drafts).
    pub issue: Option<bool>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(value_type = Option<String>)]
    pub payment_terms: Option<DecText>,
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// A template as read: its record, its recurrence, the next date to bill.
pub struct RecurringView {
    pub record: RecurringRecord,
    pub recurrence: Recurrence,
    /// The first occurrence not billed yet; `None` when none is left.
    pub next_date: Option<Date>,
}

fn recurrence_of(r: &RecurringRecord) -> Recurrence {
    Recurrence { first: r.first_date, months: r.frequency_months, end: r.end_date, count: r.occurrences }
}

/// The template with its next date.
pub fn view_of(record: RecurringRecord) -> RecurringView {
    let recurrence = recurrence_of(&record);
    let billed: BTreeSet<Date> = record.billed.iter().map(|(d, _)| *d).collect();
    let next_date = if record.status == "active" {
        (0..).map_while(|k| recurrence.occurrence(k)).find(|d| !billed.contains(d))
    } else {
        None
    };
    RecurringView { record, recurrence, next_date }
}

/// Records a template: its lines checked as a draft invoice's of the customer.
pub async fn create(app: &App, company: Uuid, input: &RecurringInput) -> Result<RecurringView, ApiError> {
    let mut v = Check::default();
    let customer_id = v.required("customer_id", &input.customer_id).cloned();
    let months = v.required("frequency_months", &input.frequency_months).copied();
    if let Some(m) = months
        && !(1..=MAX_MONTHS).contains(&m)
    {
        v.error("frequency_months", Message::new("out_of_range").with("min", 1).with("max", MAX_MONTHS));
    }
    let first = v.required("next_date", &input.next_date).cloned().and_then(|d| v.date("next_date", &d));
    let end = input.end_date.as_deref().filter(|s| !s.is_empty()).and_then(|d| v.date("end_date", d));
    if input.end_date.is_some() && input.count.is_some() {
        v.error("count", Message::new("recurring_end_or_count"));
    }
    if let Some(c) = input.count
        && !(1..=MAX_COUNT).contains(&c)
    {
        v.error("count", Message::new("out_of_range").with("min", 1).with("max", MAX_COUNT));
    }
    if let (Some(f), Some(e)) = (first, end)
        && e < f
    {
        v.error("end_date", Message::new("recurring_end_before_first"));
    }
    let title = v.opt_text("title", &input.title, 200);
    let lines = v.required("lines", &input.lines).cloned().unwrap_or_default();
    if lines.is_empty() || lines.len() > MAX_LINES {
        v.error("lines", Message::new("contract_lines").with("max", MAX_LINES));
    }
    v.finish()?;
    let (Some(customer), Some(months), Some(first)) = (customer_id, months, first) else {
        return Err(ApiError::field("next_date", Message::new("required")));
    };
    let invoice = DocumentInput {
        customer_id: Some(customer),
        payment_terms: input.payment_terms.clone(),
        note: input.note.clone(),
        title,
        lines: Some(lines),
        ..DocumentInput::default()
    };
    // Checked now as the invoice it makes: a bad line is refused here, not at the run.
    let (ctx, parsed_customer) = context_in(&app.store, company, None, &invoice).await?;
    let content = invoice.parse(&ctx, parsed_customer)?;
    let new = NewRecurring {
        customer_id: content.customer_id,
        frequency_months: months,
        first_date: first,
        end_date: end,
        occurrences: input.count,
        issue: input.issue.unwrap_or(false),
        template: serde_json::to_string(&invoice).map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    Ok(view_of(app.store.create_recurring(company, &new).await?))
}

/// Stops a template: nothing more is billed (409 when it is not active).
pub async fn stop(app: &App, company: Uuid, id: Uuid) -> Result<RecurringView, ApiError> {
    app.store.recurring(company, id).await?;
    if !app.store.set_recurring_status(company, id, "stopped").await? {
        return Err(ApiError::Conflict(Message::new("recurring_not_active")));
    }
    Ok(view_of(app.store.recurring(company, id).await?))
}

/// What the run billed of the templates.
#[derive(Clone, Debug, Default)]
pub struct RecurringReport {
    pub created: Vec<Uuid>,
    pub issued: Vec<Uuid>,
    /// Issued invoices whose customer has no e-mail address (see `contracts::RunReport`).
    pub not_emailed: Vec<Uuid>,
}

/// Bills every occurrence on or before `date` of the company's active templates, each in
/// its own transaction; a template past its last occurrence becomes `finished`. Invoices
/// are issued on `today` when the template says so, and e-mailed to the customer once
/// the page's are issued (the caller wakes the outbox).
pub async fn run(app: &App, company: Uuid, date: Date, today: Date) -> Result<RecurringReport, ApiError> {
    let mut report = RecurringReport::default();
    let mut after = None;
    loop {
        let page = app.store.recurring_page(company, after, RUN_PAGE, true).await?;
        let Some(last) = page.last().copied() else { break };
        after = Some(last);
        let emailed = report.issued.len();
        for id in page {
            let rec = app.store.recurring(company, id).await?;
            let recurrence = recurrence_of(&rec);
            let billed: BTreeSet<Date> = rec.billed.iter().map(|(d, _)| *d).collect();
            let template: DocumentInput = serde_json::from_str(&rec.template).map_err(|e| {
                ApiError::from(facturier_store::StoreError::Corrupt(format!("recurring invoice {id}: {e}")))
            })?;
            for on in recurrence.due_up_to(date).into_iter().filter(|d| !billed.contains(d)) {
                let invoice = DocumentInput { issue_date: Some(on.to_string()), ..template.clone() };
                let (ctx, customer) = context_in(&app.store, company, None, &invoice).await?;
                let content = invoice.parse(&ctx, customer)?;
                if let Some(made) = app.store.bill_recurring(company, id, on, &content).await? {
                    report.created.push(made);
                    if rec.issue {
                        crate::app::documents::issue_for(app, company, DocumentKind::Invoice, made, today).await?;
                        report.issued.push(made);
                    }
                }
            }
            if recurrence.finished_after(date) {
                app.store.set_recurring_status(company, id, "finished").await?;
            }
        }
        let fresh = report.issued.get(emailed..).unwrap_or_default();
        if !fresh.is_empty() {
            let missed = crate::app::email::queue_issued(app, company, today, fresh).await?;
            report.not_emailed.extend(missed);
        }
    }
    Ok(report)
}
