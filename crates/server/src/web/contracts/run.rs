//! `/billing/run`: the contracts billing run up to a date (today at the latest), as
//! `POST /api/v1/billing/run` runs it; the page then lists the invoices made (each with
//! its contract and period), the contracts waiting for an index value (with why) and
//! those that reached their end.

use super::{field_errors, first_error};
use crate::App;
use crate::app::contracts as ops;
use crate::error::ApiError;
use crate::input::Check;
use crate::web::i18n::t;
use crate::web::session::{Chrome, CsrfForm, WebSession};
use crate::web::{WebError, html, messages};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::document::DocumentKind;
use facturier_core::message::Message;
use facturier_formats::text;

/// Invoices listed one by one at most; beyond, counted.
const LISTED: usize = 500;

pub struct Made {
    pub href: String,
    pub contract_href: String,
    pub reference: String,
    pub period: String,
}

pub struct Waiting {
    pub href: String,
    pub reference: String,
    pub date: String,
    pub why: String,
}

pub struct RunResult {
    pub counts: String,
    pub made: Vec<Made>,
    pub blocked: Vec<Waiting>,
    pub expired: Vec<(String, String)>,
    /// Issued invoices that could not be e-mailed: link and number.
    pub not_emailed: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "billing_run.html")]
struct RunPage {
    p: Chrome,
    date: String,
    today: String,
    errors: Vec<(String, String)>,
    result: Option<RunResult>,
}

impl RunPage {
    fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
}

async fn render(
    app: &App,
    s: &WebSession,
    date: String,
    errors: Vec<(String, String)>,
    result: Option<RunResult>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let page = RunPage {
        p: s.chrome(app, "contracts", t(lang, "contract.run_title").into()).await?,
        date,
        today: s.today().to_string(),
        errors,
        result,
    };
    html(status, &page)
}

/// `GET /billing/run`
pub async fn form(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    s.auth().require_write().map_err(|e| WebError::api(s.lang(), e))?;
    render(&app, &s, s.today().to_string(), Vec::new(), None, StatusCode::OK).await
}

/// `POST /billing/run`: bills what is due up to the date; the page with what it did.
pub async fn run(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let company = s.rec.company_id;
    let typed = form.text("date").unwrap_or_default();
    let mut v = Check::default();
    let date = if typed.is_empty() {
        v.error("date", Message::new("required"));
        None
    } else {
        v.date("date", &typed)
    };
    if let Some(d) = date
        && d > s.today()
    {
        v.error("date", Message::new("contract_run_future"));
    }
    let done = match (v.finish(), date) {
        (Ok(()), Some(d)) => ops::run(&app, company, d, |_| {}).await,
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(ApiError::field("date", Message::new("required"))),
    };
    let report = match done {
        Ok(r) => r,
        Err(e) => {
            let errors = field_errors(lang, e)?;
            return render(&app, &s, typed, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut made = Vec::new();
    for id in report.created.iter().take(LISTED) {
        let of = app.store.contract_of_invoice(company, *id).await.map_err(|e| WebError::store(lang, e))?;
        let (contract_href, reference, period) = match of {
            Some((c, reference, from, to)) => (
                format!("/contracts/{c}"),
                reference,
                t(lang, "contract.from_to")
                    .replace("{from}", &text::date(from, lang))
                    .replace("{to}", &text::date(to, lang)),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        made.push(Made { href: format!("/invoices/{id}"), contract_href, reference, period });
    }
    let blocked = report
        .blocked
        .iter()
        .map(|b| Waiting {
            href: format!("/contracts/{}", b.contract_id),
            reference: b.reference.clone(),
            date: text::date(b.billing_date, lang),
            why: messages::message(lang, &b.message),
        })
        .collect();
    let mut expired = Vec::new();
    for id in &report.expired {
        let reference = app.store.contract(company, *id).await.map(|c| c.reference).unwrap_or_default();
        expired.push((format!("/contracts/{id}"), reference));
    }
    let counts = t(lang, "contract.run_counts")
        .replace("{contracts}", &text::count(report.contracts as u64, lang))
        .replace("{created}", &text::count(report.created.len() as u64, lang));
    let mut not_emailed = Vec::new();
    for id in &report.not_emailed {
        let number = app
            .store
            .document(company, DocumentKind::Invoice, *id)
            .await
            .ok()
            .and_then(|d| d.number)
            .unwrap_or_default();
        not_emailed.push((format!("/invoices/{id}"), number));
    }
    let result = RunResult { counts, made, blocked, expired, not_emailed };
    render(&app, &s, typed, Vec::new(), Some(result), StatusCode::OK).await
}
