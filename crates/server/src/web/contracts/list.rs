//! `/contracts`: the company's contracts by reference, searched by words (reference,
//! title, customer) and filtered by status, fifty a page, each with its next billing.

use super::{money, status_word};
use crate::App;
use crate::app::contracts_grid as grid;
use crate::web::i18n::t;
use crate::web::session::{Chrome, WebSession};
use crate::web::{WebError, html, query_string};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_formats::text;
use serde::Deserialize;

/// The statuses a list is filtered by.
const STATUSES: &[&str] = &["active", "draft", "suspended", "terminated", "expired"];

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub after: Option<String>,
}

pub struct Row {
    pub href: String,
    pub reference: String,
    pub title: String,
    pub customer: String,
    pub customer_href: String,
    pub status: &'static str,
    pub next: String,
    pub estimated: bool,
    pub per_period: String,
}

#[derive(Template)]
#[template(path = "contracts.html")]
struct ListPage {
    p: Chrome,
    q: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    next: Option<String>,
    first: Option<String>,
    grid_year: i32,
}

/// `GET /contracts?q=&status=&after=`
pub async fn page(State(app): State<App>, s: WebSession, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let lang = s.lang();
    // What the user types as they go: control characters dropped rather than refused.
    let words: String =
        q.q.as_deref().unwrap_or("").chars().filter(|c| !c.is_control()).take(crate::api::MAX_SEARCH).collect();
    let status = q.status.as_deref().filter(|st| STATUSES.contains(st));
    let after = q.after.as_deref().filter(|a| !a.is_empty());
    let (rows, next_cursor) = grid::list_page(&app, s.rec.company_id, words.trim(), status, after, s.today())
        .await
        .map_err(|e| WebError::api(lang, e))?;
    let status = status.unwrap_or("").to_string();
    let rows = rows
        .iter()
        .map(|r| {
            let (next, estimated) = match r.next {
                Some((day, amount, estimated)) => {
                    (format!("{} · {}", text::date(day, lang), money(lang, r.currency, amount)), estimated)
                }
                None => (String::new(), false),
            };
            Row {
                href: format!("/contracts/{}", r.record.id),
                reference: r.record.reference.clone(),
                title: r.record.title.clone(),
                customer: r.record.customer_name.clone(),
                customer_href: format!("/customers/{}", r.record.customer_id),
                status: status_word(lang, &r.record.status),
                next,
                estimated,
                per_period: money(lang, r.currency, r.per_period),
            }
        })
        .collect();
    let keep = |after: &str| {
        format!("/contracts?{}", query_string(&[("q", words.trim()), ("status", &status), ("after", after)]))
    };
    let page = ListPage {
        p: s.chrome(&app, "contracts", t(lang, "contract.title").into()).await?,
        q: words.trim().to_string(),
        statuses: STATUSES.iter().map(|st| (*st, status_word(lang, st))).collect(),
        rows,
        next: next_cursor.map(|c| keep(&c)),
        first: after.map(|_| keep("")),
        status,
        grid_year: s.today().year(),
    };
    html(StatusCode::OK, &page)
}
