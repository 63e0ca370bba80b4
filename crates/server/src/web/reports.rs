//! The aged balance in the web app: what each customer owed on a day, by lateness, with
//! the totals and the days sales outstanding; the same table as CSV or XLSX. The figures
//! are `app::reports`' (`GET /api/v1/reports/aged-balance`).

use super::i18n::{Labels, t};
use super::session::{Chrome, WebSession};
use super::{WebError, html, query_string};
use crate::App;
use crate::app::reports::{self, AgedReport, DSO_DAYS};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::aging::{Bucket, Buckets};
use facturier_core::input::parse_date;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::export::{self, Cell, Sheet};
use facturier_formats::text;
use serde::Deserialize;
use time::Date;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("aged.title", "Balance âgée", "Aged balance"),
    ("aged.link", "Balance âgée par client", "Aged balance by customer"),
    (
        "aged.help",
        "Ce que chaque client devait à la fin du jour choisi, selon le retard depuis l'échéance. Un jour passé compte ce qui était dû ce jour-là : les paiements et avoirs postérieurs ne sont pas déduits.",
        "What each customer owed at the end of the chosen day, by days past the due date. A past day counts what was owed then: later payments and credit notes are not deducted.",
    ),
    ("aged.as_of", "Au", "As of"),
    ("aged.show", "Afficher", "Show"),
    ("aged.customer", "Client", "Customer"),
    ("aged.currency", "Devise", "Currency"),
    ("aged.total", "Total", "Total"),
    ("aged.all", "Tous les clients", "All customers"),
    ("aged.none", "Aucun montant dû à cette date.", "Nothing owed on that day."),
    ("aged.csv", "Exporter en CSV", "Export as CSV"),
    ("aged.xlsx", "Exporter en XLSX", "Export as XLSX"),
    (
        "aged.dso",
        "Délai moyen de paiement (DSO) : {days} jours de ventes (sur les {window} derniers jours).",
        "Days sales outstanding: {days} days of sales (over the last {window} days).",
    ),
    (
        "aged.no_dso",
        "Délai moyen de paiement (DSO) : pas de ventes sur les {window} derniers jours.",
        "Days sales outstanding: no sales over the last {window} days.",
    ),
    (
        "aged.bad_date",
        "Ce n'est pas une date : choisissez un jour dans le calendrier.",
        "This is not a date: choose a day in the calendar.",
    ),
    ("aged.b.not_due", "Non échu", "Not due"),
    ("aged.b.1_30", "1 à 30 j", "1–30 days"),
    ("aged.b.31_60", "31 à 60 j", "31–60 days"),
    ("aged.b.61_90", "61 à 90 j", "61–90 days"),
    ("aged.b.over_90", "Plus de 90 j", "Over 90 days"),
];

/// A row of the table: the customer (or the total), the currency and the amounts shown.
pub struct AgedLine {
    pub href: Option<String>,
    pub name: String,
    pub currency: String,
    pub amounts: Vec<String>,
    /// Per amount, the list of the invoices it adds up (empty: no link).
    pub amount_hrefs: Vec<String>,
    pub total: String,
}

#[derive(Template)]
#[template(path = "aged_balance.html")]
struct AgedPage {
    p: Chrome,
    as_of: String,
    error: Option<String>,
    buckets: Vec<&'static str>,
    bucket_keys: Vec<&'static str>,
    lines: Vec<AgedLine>,
    totals: Vec<AgedLine>,
    /// Whether the currency is worth a column (more than one).
    currencies: bool,
    dso: String,
    export_query: String,
}

#[derive(Deserialize, Default)]
pub struct AgedQuery {
    pub as_of: Option<String>,
}

fn bucket_label(b: Bucket) -> String {
    format!("aged.b.{}", b.as_str())
}

/// Where a bucket's amount of one customer (or of all) leads: the unpaid invoices due in
/// the bucket's dates. Only for today's balance: the lists show what is owed now, and a past
/// day's amounts were settled since.
fn bucket_href(bucket: Bucket, as_of: Date, customer: Option<Uuid>) -> String {
    let (from, to) = bucket.due_dates(as_of);
    let mut pairs = vec![("status", "unpaid".to_string())];
    if let Some(c) = customer {
        pairs.push(("customer", c.to_string()));
    }
    if let Some(d) = from {
        pairs.push(("due_from", d.to_string()));
    }
    if let Some(d) = to {
        pairs.push(("due_to", d.to_string()));
    }
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    format!("/invoices?{}", query_string(&pairs))
}

/// Where each bucket's amount links to: `Some` when `links` (today's balance) and the
/// amount is not nothing.
struct Links {
    as_of: Date,
    today: bool,
}

fn line(
    lang: Language,
    href: Option<String>,
    name: String,
    currency: &str,
    b: &Buckets,
    customer: Option<Uuid>,
    links: &Links,
) -> AgedLine {
    let cur: Currency = currency.parse().unwrap_or(Currency::EUR);
    AgedLine {
        href,
        name,
        currency: currency.to_string(),
        amounts: Bucket::ALL.iter().map(|k| text::money(b.get(*k), cur, lang)).collect(),
        amount_hrefs: Bucket::ALL
            .iter()
            .map(|k| {
                if links.today && !b.get(*k).is_zero() { bucket_href(*k, links.as_of, customer) } else { String::new() }
            })
            .collect(),
        total: text::money(b.total(), cur, lang),
    }
}

/// The day asked for, or today; `Err` with the text typed when it is no date.
fn as_of_of(q: &AgedQuery, today: Date) -> Result<Date, String> {
    match q.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today),
        Some(s) => parse_date(s).map_err(|_| s.to_string()),
    }
}

/// `GET /reports/aged-balance?as_of=`
pub async fn page(State(app): State<App>, s: WebSession, Query(q): Query<AgedQuery>) -> Result<Response, WebError> {
    let lang = s.lang();
    let p = s.chrome(&app, "dashboard", t(lang, "aged.title").into()).await?;
    let (as_of, error, typed) = match as_of_of(&q, s.today()) {
        Ok(d) => (d, None, None),
        Err(typed) => (s.today(), Some(t(lang, "aged.bad_date").to_string()), Some(typed)),
    };
    let report = reports::aged_balance(&app, &s.auth(), as_of).await.map_err(|e| WebError::api(lang, e))?;
    let window = DSO_DAYS.to_string();
    let dso = match report.days_sales_outstanding {
        Some(d) => t(lang, "aged.dso").replace("{days}", &text::number(d, 0, lang)).replace("{window}", &window),
        None => t(lang, "aged.no_dso").replace("{window}", &window),
    };
    let links = Links { as_of, today: as_of == s.today() };
    let page = AgedPage {
        p,
        as_of: typed.unwrap_or_else(|| as_of.to_string()),
        error,
        buckets: Bucket::ALL.iter().map(|b| t(lang, &bucket_label(*b))).collect(),
        bucket_keys: Bucket::ALL.iter().map(|b| b.as_str()).collect(),
        lines: report
            .customers
            .iter()
            .map(|c| {
                let href = Some(format!("/customers/{}", c.customer_id));
                line(lang, href, c.name.clone(), &c.currency, &c.buckets, Some(c.customer_id), &links)
            })
            .collect(),
        totals: report
            .totals
            .iter()
            .map(|(cur, b)| line(lang, None, t(lang, "aged.all").into(), cur, b, None, &links))
            .collect(),
        currencies: report.totals.len() > 1,
        dso,
        export_query: format!("as_of={as_of}"),
    };
    html(if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }, &page)
}

/// The report as a sheet: a row per customer and currency, then the totals.
fn sheet(report: &AgedReport, lang: Language) -> Sheet {
    let mut headers = vec![t(lang, "aged.customer").to_string(), t(lang, "aged.currency").to_string()];
    headers.extend(Bucket::ALL.iter().map(|b| t(lang, &bucket_label(*b)).to_string()));
    headers.push(t(lang, "aged.total").into());
    let row = |name: &str, currency: &str, b: &Buckets| {
        let mut cells = vec![Cell::text(name), Cell::text(currency)];
        cells.extend(Bucket::ALL.iter().map(|k| Cell::amount(b.get(*k))));
        cells.push(Cell::amount(b.total()));
        cells
    };
    let mut rows: Vec<Vec<Cell>> = report.customers.iter().map(|c| row(&c.name, &c.currency, &c.buckets)).collect();
    rows.extend(report.totals.iter().map(|(cur, b)| row(t(lang, "aged.all"), cur, b)));
    Sheet { name: format!("{} {}", t(lang, "aged.title"), report.as_of), headers, rows }
}

/// `GET /reports/aged-balance.csv` and `.xlsx`
pub async fn export(
    State(app): State<App>,
    s: WebSession,
    Query(q): Query<AgedQuery>,
    xlsx: bool,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let Ok(as_of) = as_of_of(&q, s.today()) else {
        return Err(WebError::BadRequest(lang, facturier_core::message::Message::new("not_a_date").with("v", "as_of")));
    };
    let report = reports::aged_balance(&app, &s.auth(), as_of).await.map_err(|e| WebError::api(lang, e))?;
    let sheet = sheet(&report, lang);
    let (bytes, media, ext) = if xlsx {
        (export::xlsx(&sheet), export::XLSX_TYPE, "xlsx")
    } else {
        (export::csv(&sheet, lang), export::CSV_TYPE, "csv")
    };
    let bytes = bytes.map_err(|e| WebError::api(lang, e.into()))?;
    let name = format!("{}-{as_of}.{ext}", if lang == Language::Fr { "balance-agee" } else { "aged-balance" });
    Ok((
        [
            (header::CONTENT_TYPE, media.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

pub async fn export_csv(app: State<App>, s: WebSession, q: Query<AgedQuery>) -> Result<Response, WebError> {
    export(app, s, q, false).await
}

pub async fn export_xlsx(app: State<App>, s: WebSession, q: Query<AgedQuery>) -> Result<Response, WebError> {
    export(app, s, q, true).await
}
