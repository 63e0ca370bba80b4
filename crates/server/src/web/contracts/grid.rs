//! `/contracts/grid?year=`: "Suivi de facturation", every contract × the twelve months
//! of a year, a hundred contracts a page (`app::contracts_grid::year_grid`): each cell
//! the invoice's number (linked) or the amount planned (greyed), totals per month and
//! per contract, the previous and next years a click away.

use super::{Cell, cell_of, money, month_names, status_word};
use crate::App;
use crate::app::contracts_grid::year_grid;
use crate::web::i18n::t;
use crate::web::session::{Chrome, WebSession};
use crate::web::{WebError, html, query_string};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::money::Currency;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct GridQuery {
    pub year: Option<String>,
    pub after: Option<String>,
}

pub struct GridRowView {
    pub href: String,
    pub reference: String,
    pub title: String,
    pub customer: String,
    pub status: &'static str,
    pub cells: Vec<Vec<Cell>>,
    pub total: String,
}

#[derive(Template)]
#[template(path = "contracts_grid.html")]
struct GridPage {
    p: Chrome,
    months: [&'static str; 12],
    rows: Vec<GridRowView>,
    month_totals: Vec<String>,
    total: String,
    prev: String,
    next_year: String,
    next: Option<String>,
    first: Option<String>,
}

/// `GET /contracts/grid?year=YYYY&after=`
pub async fn page(State(app): State<App>, s: WebSession, Query(q): Query<GridQuery>) -> Result<Response, WebError> {
    let lang = s.lang();
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or(s.today().year());
    let after = q.after.as_deref().filter(|a| !a.is_empty());
    let grid = year_grid(&app, s.rec.company_id, year, after).await.map_err(|e| WebError::api(lang, e))?;
    // The page's totals in the company's currency (a contract in another is rare).
    let company: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let rows = grid
        .rows
        .iter()
        .map(|r| GridRowView {
            href: format!("/contracts/{}", r.id),
            reference: r.reference.clone(),
            title: r.title.clone(),
            customer: r.customer.clone(),
            status: status_word(lang, &r.status),
            cells: r
                .row
                .months
                .iter()
                .map(|items| items.iter().map(|i| cell_of(lang, r.currency, i)).collect())
                .collect(),
            total: money(lang, r.currency, r.row.total),
        })
        .collect();
    let y = year.to_string();
    let link = |year: i32| format!("/contracts/grid?year={year}");
    let page = GridPage {
        p: s.chrome(&app, "contracts", t(lang, "contract.grid_title").replace("{year}", &y)).await?,
        months: month_names(lang),
        rows,
        month_totals: grid.month_totals.iter().map(|m| money(lang, company, *m)).collect(),
        total: money(lang, company, grid.total),
        prev: link(year - 1),
        next_year: link(year + 1),
        next: grid.next.map(|n| format!("/contracts/grid?{}", query_string(&[("year", &y), ("after", &n)]))),
        first: after.map(|_| link(year)),
    };
    html(StatusCode::OK, &page)
}
