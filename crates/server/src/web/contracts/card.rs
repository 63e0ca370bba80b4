//! `/contracts/{id}`: the contract card ("Fiche contrat"): its terms in words, its lines,
//! its revision formula, its events, the coming billings, the billing grid year by year
//! (a cell per month: the invoice's number, linked, or the amount planned, greyed) and
//! its invoices. Terminating it (a date and a reason) is confirmed first.

use super::{Cell, cell_of, field_errors, first_error, id_of, money, month_names, status_word};
use crate::App;
use crate::app::contracts::{self as ops, ContractView, TerminateInput};
use crate::app::contracts_grid::{YearRow, contract_years};
use crate::web::confirm::{self, Ask};
use crate::web::i18n::t;
use crate::web::notice::with_done;
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::contract::Renewal;
use facturier_core::contract::revision::{Revision, RevisionAt};
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;

pub struct LineView {
    pub description: String,
    pub quantity: String,
    pub price: String,
    pub vat: String,
}

pub struct ComingView {
    pub date: String,
    pub period: String,
    pub amount: String,
    pub estimated: bool,
}

pub struct YearView {
    pub year: i32,
    pub months: Vec<Vec<Cell>>,
    pub total: String,
}

pub struct InvoiceView {
    pub href: String,
    pub number: String,
    pub period: String,
    pub date: String,
    pub amount: String,
}

pub struct EventView {
    pub kind: &'static str,
    pub date: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "contract.html")]
struct CardPage {
    p: Chrome,
    id: String,
    reference: String,
    title: String,
    nature: String,
    customer: String,
    customer_href: String,
    status: &'static str,
    term: String,
    renewal: String,
    billing: String,
    first_billing: String,
    issue: &'static str,
    lines: Vec<LineView>,
    formula: String,
    revision_notes: String,
    events: Vec<EventView>,
    schedule: Vec<ComingView>,
    months: [&'static str; 12],
    years: Vec<YearView>,
    invoices: Vec<InvoiceView>,
    can_terminate: bool,
    today: String,
    form: FormData,
    errors: Vec<(String, String)>,
}

impl CardPage {
    fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
    fn value(&self, name: &str) -> String {
        self.form.get(name).unwrap_or_default().to_string()
    }
}

fn period_words(lang: Language, from: time::Date, to: time::Date) -> String {
    t(lang, "contract.from_to").replace("{from}", &text::date(from, lang)).replace("{to}", &text::date(to, lang))
}

fn num(d: Decimal, lang: Language) -> String {
    text::number(d, 0, lang)
}

/// The revision clause in words: the formula, then when and how it applies.
fn revision_words(lang: Language, r: &Revision, prices: &[Decimal]) -> (String, String) {
    let f = &r.formula;
    let den = f.terms().iter().fold(f.fixed(), |s, t| s + t.weight);
    let indexed: Vec<String> =
        f.terms().iter().map(|t| format!("{} × {} / {}", num(t.weight, lang), t.index, num(t.base, lang))).collect();
    let sum = std::iter::once(num(f.fixed(), lang)).chain(indexed).collect::<Vec<_>>().join(" + ");
    let formula = if den == Decimal::ONE {
        format!("P = P0 × ({sum})")
    } else if prices.len() == 1 && prices.first() == Some(&den) {
        format!("P = {sum}")
    } else {
        format!("P = P0 × ({sum}) / {}", num(den, lang))
    };
    let mut notes = vec![
        t(lang, if r.at == RevisionAt::Anniversary { "contract.at.anniversary" } else { "contract.at.each_billing" })
            .to_string(),
    ];
    if r.never_decrease {
        notes.push(t(lang, "contract.never_decrease_words").to_string());
    }
    if let Some(cap) = r.cap {
        notes.push(t(lang, "contract.cap_words").replace("{cap}", &num(cap * Decimal::ONE_HUNDRED, lang)));
    }
    (formula, notes.join(", "))
}

fn year_view(lang: Language, currency: Currency, y: &YearRow) -> YearView {
    YearView {
        year: y.year,
        months: y.months.iter().map(|items| items.iter().map(|i| cell_of(lang, currency, i)).collect()).collect(),
        total: money(lang, currency, y.total),
    }
}

async fn render(
    app: &App,
    s: &WebSession,
    v: &ContractView,
    form: FormData,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let rec = &v.record;
    let terms = &v.terms;
    let cur = v.currency;
    let term = match rec.end {
        Some(end) => period_words(lang, rec.start, end),
        None => t(lang, "contract.from").replace("{from}", &text::date(rec.start, lang)),
    };
    let renewal = match terms.renewal {
        Renewal::None => t(lang, "contract.not_renewed").to_string(),
        Renewal::Tacit { months } => t(lang, "contract.renewed")
            .replace("{months}", &months.to_string())
            .replace("{days}", &terms.notice_days.to_string()),
    };
    let billing = t(lang, "contract.billed_how")
        .replace("{every}", t(lang, &format!("contract.every.{}", terms.frequency.months())))
        .replace("{mode}", t(lang, &format!("contract.how.{}", terms.timing.as_str())))
        .replace("{alignment}", t(lang, &format!("contract.how.{}", terms.alignment.as_str())));
    let template = terms.invoice.lines.clone().unwrap_or_default();
    let lines = template
        .iter()
        .enumerate()
        .map(|(i, l)| LineView {
            description: l.description.clone().unwrap_or_default(),
            quantity: l.quantity.as_ref().map(|q| q.0.clone()).unwrap_or_else(|| "1".into()),
            price: terms.prices.get(i).map(|p| money(lang, cur, *p)).unwrap_or_default(),
            vat: l.vat_rate.as_ref().map(|r| format!("{} %", r.0)).unwrap_or_default(),
        })
        .collect();
    let (formula, revision_notes) = match &terms.revision {
        Some(r) => revision_words(lang, r, &terms.prices),
        None => (t(lang, "contract.no_revision").to_string(), String::new()),
    };
    let events = rec
        .events
        .iter()
        .map(|e| EventView {
            kind: super::super::i18n::lookup(lang, &format!("contract.event.{}", e.kind)).unwrap_or("?"),
            date: match e.until {
                Some(u) => period_words(lang, e.on, u),
                None => text::date(e.on, lang),
            },
            reason: e.reason.clone().unwrap_or_default(),
        })
        .collect();
    let schedule = v
        .schedule
        .iter()
        .map(|c| ComingView {
            date: text::date(c.billing_date, lang),
            period: period_words(lang, c.period_start, c.period_end),
            amount: money(lang, cur, c.amount),
            estimated: c.estimated,
        })
        .collect();
    let years = contract_years(app, s.rec.company_id, v, s.today())
        .await
        .map_err(|e| WebError::api(lang, e))?
        .iter()
        .map(|y| year_view(lang, cur, y))
        .collect();
    let invoices = ops::billed_by_period(&rec.billed, &v.lines, cur)
        .into_iter()
        .map(|(start, (date, amount, id, number))| {
            let end = rec.billed.iter().find(|b| b.period_start == start).map_or(start, |b| b.period_end);
            InvoiceView {
                href: format!("/invoices/{id}"),
                number: number.unwrap_or_else(|| t(lang, "contract.draft_invoice").to_string()),
                period: period_words(lang, start, end),
                date: text::date(date, lang),
                amount: money(lang, cur, amount),
            }
        })
        .collect();
    let page = CardPage {
        p: s.chrome(app, "contracts", format!("{} {}", t(lang, "contract.card"), rec.reference)).await?,
        id: rec.id.to_string(),
        reference: rec.reference.clone(),
        title: rec.title.clone(),
        nature: terms.nature.clone().unwrap_or_default(),
        customer: rec.customer_name.clone(),
        customer_href: format!("/customers/{}", rec.customer_id),
        status: status_word(lang, &rec.status),
        term,
        renewal,
        billing,
        first_billing: terms.first_billing.map(|d| text::date(d, lang)).unwrap_or_default(),
        issue: if terms.issue { "contract.issued" } else { "contract.drafts" },
        lines,
        formula,
        revision_notes,
        events,
        schedule,
        months: month_names(lang),
        years,
        invoices,
        can_terminate: s.can_write() && !matches!(rec.status.as_str(), "terminated" | "expired"),
        today: s.today().to_string(),
        form,
        errors,
    };
    html(status, &page)
}

/// `GET /contracts/{id}`
pub async fn page(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = id_of(lang, &id)?;
    let v = ops::view(&app, s.rec.company_id, id, s.today()).await.map_err(|e| WebError::api(lang, e))?;
    render(&app, &s, &v, FormData::default(), Vec::new(), StatusCode::OK).await
}

/// `POST /contracts/{id}/terminate`: once confirmed, nothing is billed after the date.
pub async fn terminate(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = id_of(lang, &id)?;
    let company = s.rec.company_id;
    let v = ops::view(&app, company, id, s.today()).await.map_err(|e| WebError::api(lang, e))?;
    let input = TerminateInput { date: form.text("date"), reason: form.text("reason") };
    let back = format!("/contracts/{id}");
    let date = input.date.as_deref().and_then(crate::input::parse_date);
    if let Some(date) = date
        && !confirm::confirmed(&form)
        && date >= v.record.start
        && v.record.status != "terminated"
    {
        let shown = text::date(date, lang);
        let ask = Ask::of(lang, "contract_terminate", &[("reference", &v.record.reference), ("date", &shown)], back);
        return confirm::ask(&app, &s, "contracts", &format!("/contracts/{id}/terminate"), &form, ask).await;
    }
    match ops::terminate(&app, company, id, &input).await {
        Ok(_) => Ok(see_other(&with_done(&back, "contract_terminated"))),
        Err(e) => {
            let errors = field_errors(lang, e)?;
            render(&app, &s, &v, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
