//! `GET /`: outstanding and overdue amounts, the aged balance, revenue per month as a
//! server-rendered SVG bar chart, top customers, quotes awaiting an answer.

use super::session::{Chrome, WebSession};
use super::{WebError, html};
use crate::App;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::listing::ListStatus;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;
use std::collections::HashMap;
use time::{Date, Month};

/// One month of the revenue chart.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub h: i64,
    pub label_x: i64,
    pub label: String,
    pub amount: String,
    pub negative: bool,
}

pub struct TopCustomer {
    pub id: String,
    pub name: String,
    pub amount: String,
}

/// The kinds whose unpaid documents make the outstanding figures.
const PAYABLE: [DocumentKind; 2] = [DocumentKind::Invoice, DocumentKind::DepositInvoice];

/// One kind's part of a figure and the list that shows exactly it.
pub struct FigurePart {
    pub label: String,
    pub href: String,
    pub id: String,
    pub amount: String,
    pub count: usize,
}

impl FigurePart {
    fn new(kind: DocumentKind, status: ListStatus, amount: String, count: usize) -> FigurePart {
        FigurePart {
            label: format!("kinds.{}", kind.as_str()),
            href: list_href(kind, status),
            id: format!("{}-{}", status.as_str(), kind.segment()),
            amount,
            count,
        }
    }
}

/// The list of `kind` narrowed to `status`.
fn list_href(kind: DocumentKind, status: ListStatus) -> String {
    format!("/{}?status={}", kind.segment(), status.as_str())
}

/// The one list a figure links to: the only kind that makes it, or the invoices' when
/// nothing does (the list then shows nothing, as the figure says); none when two kinds
/// make it (each part links to its own).
fn single_href(parts: &[FigurePart], status: ListStatus) -> Option<String> {
    match parts {
        [] => Some(list_href(DocumentKind::Invoice, status)),
        [one] => Some(one.href.clone()),
        _ => None,
    }
}

pub struct QuoteRow {
    pub id: String,
    pub number: String,
    pub customer: String,
    pub date: String,
    pub gross: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    p: Chrome,
    outstanding: String,
    overdue: String,
    overdue_count: usize,
    /// The list whose total is the outstanding figure, when one kind makes all of it.
    outstanding_href: Option<String>,
    overdue_href: Option<String>,
    /// Each kind's part, with its list, when invoices and deposit invoices both count.
    outstanding_parts: Vec<FigurePart>,
    overdue_parts: Vec<FigurePart>,
    aged: Vec<(&'static str, String)>,
    bars: Vec<Bar>,
    chart_max: String,
    top: Vec<TopCustomer>,
    quotes: Vec<QuoteRow>,
}

/// The buckets of the aged balance, by days past the due date.
const AGED: [&str; 5] = ["dash.aged.not_due", "dash.aged.0_30", "dash.aged.31_60", "dash.aged.61_90", "dash.aged.90"];

/// The bucket of an amount due `days_late` days ago (negative: not yet due).
pub fn aged_bucket(days_late: i64) -> usize {
    match days_late {
        ..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

/// The first day of the month `back` months before `d`'s.
fn month_start(d: Date, back: i32) -> Date {
    let index = d.year() * 12 + i32::from(u8::from(d.month())) - 1 - back;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let month = Month::try_from(u8::try_from(month0 + 1).unwrap_or(1)).unwrap_or(Month::January);
    Date::from_calendar_date(year, month, 1).unwrap_or(d)
}

fn month_label(d: Date, lang: Language) -> String {
    const FR: [&str; 12] =
        ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
    const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let i = usize::from(u8::from(d.month())) - 1;
    let m = if lang == Language::Fr { FR[i] } else { EN[i] };
    format!("{m} {:02}", d.year().rem_euclid(100))
}

/// Bar heights in whole pixels out of `max_px`, proportional to the largest magnitude.
pub fn bar_heights(values: &[Decimal], max_px: i64) -> Vec<i64> {
    let top = values.iter().map(|v| v.abs()).max().unwrap_or_default();
    values
        .iter()
        .map(|v| {
            if top.is_zero() {
                return 0;
            }
            let h = (v.abs() * Decimal::from(max_px) / top).round();
            i64::try_from(h).unwrap_or(0)
        })
        .collect()
}

pub async fn show(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    let lang = s.lang();
    let today = s.today();
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let err = |e| WebError::store(lang, e);

    // Documents in another currency count at their exchange rate. What counts is what
    // `core::listing` calls unpaid and overdue, the lists' `status=unpaid` / `overdue`,
    // which each figure links to: their totals are these figures.
    let open = app.store.receivables(s.rec.company_id, None).await.map_err(err)?;
    let mut outstanding = Decimal::ZERO;
    let mut overdue = Decimal::ZERO;
    let mut overdue_count = 0;
    let mut aged = [Decimal::ZERO; 5];
    let mut per_kind: Vec<(DocumentKind, Decimal, Decimal, usize)> =
        PAYABLE.iter().map(|k| (*k, Decimal::ZERO, Decimal::ZERO, 0)).collect();
    for r in &open {
        let Ok(kind) = r.kind.parse::<DocumentKind>() else { continue };
        let Ok(status) = r.status.parse::<Status>() else { continue };
        if !ListStatus::Unpaid.admits(kind, status, r.due, r.due_date, today) {
            continue;
        }
        let Some(due) = facturier_core::money::in_company_currency(r.due, &r.currency, r.exchange_rate, cur) else {
            continue;
        };
        let part = per_kind.iter_mut().find(|p| p.0 == kind);
        outstanding += due;
        let late = r.due_date.map_or(0, |d| (today - d).whole_days());
        let is_overdue = ListStatus::Overdue.admits(kind, status, r.due, r.due_date, today);
        if is_overdue {
            overdue += due;
            overdue_count += 1;
        }
        if let Some(p) = part {
            p.1 += due;
            if is_overdue {
                p.2 += due;
                p.3 += 1;
            }
        }
        aged[aged_bucket(late)] += due;
    }
    let outstanding_parts: Vec<FigurePart> = per_kind
        .iter()
        .filter(|p| !p.1.is_zero())
        .map(|p| FigurePart::new(p.0, ListStatus::Unpaid, text::money(p.1, cur, lang), 0))
        .collect();
    let overdue_parts: Vec<FigurePart> = per_kind
        .iter()
        .filter(|p| p.3 > 0)
        .map(|p| FigurePart::new(p.0, ListStatus::Overdue, text::money(p.2, cur, lang), p.3))
        .collect();

    let first = month_start(today, 11);
    let sales = app.store.sales_since(s.rec.company_id, first).await.map_err(err)?;
    let mut months = [Decimal::ZERO; 12];
    let mut per_customer: HashMap<uuid::Uuid, (String, Decimal)> = HashMap::new();
    for sale in &sales {
        let Some(net) = facturier_core::money::in_company_currency(sale.net, &sale.currency, sale.exchange_rate, cur)
        else {
            continue;
        };
        let i = (sale.issue_date.year() - first.year()) * 12 + i32::from(u8::from(sale.issue_date.month()))
            - i32::from(u8::from(first.month()));
        if let Some(m) = usize::try_from(i).ok().and_then(|i| months.get_mut(i)) {
            *m += net;
        }
        per_customer.entry(sale.customer_id).or_insert_with(|| (sale.customer_name.clone(), Decimal::ZERO)).1 += net;
    }
    let heights = bar_heights(&months, 160);
    let bars = months
        .iter()
        .zip(heights)
        .enumerate()
        .map(|(i, (v, h))| {
            let x = 20 + 51 * i64::try_from(i).unwrap_or(0);
            Bar {
                x,
                y: 180 - h,
                h,
                label_x: x + 18,
                label: month_label(month_start(today, 11 - i32::try_from(i).unwrap_or(0)), lang),
                amount: text::money(*v, cur, lang),
                negative: v.is_sign_negative(),
            }
        })
        .collect();
    let chart_max = text::money(months.iter().map(|v| v.abs()).max().unwrap_or_default(), cur, lang);

    let mut top: Vec<_> = per_customer.into_iter().collect();
    top.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.1.0.cmp(&b.1.0)));
    let top = top
        .into_iter()
        .take(5)
        .map(|(id, (name, amount))| TopCustomer { id: id.to_string(), name, amount: text::money(amount, cur, lang) })
        .collect();

    let quotes = app
        .store
        .quotes_awaiting(s.rec.company_id, 10)
        .await
        .map_err(err)?
        .into_iter()
        .map(|q| {
            let c: Currency = q.currency.parse().unwrap_or(cur);
            QuoteRow {
                id: q.id.to_string(),
                number: q.number.unwrap_or_default(),
                customer: q.customer_name,
                date: text::date(q.doc_date, lang),
                gross: text::money(q.gross, c, lang),
            }
        })
        .collect();

    let page = DashboardPage {
        p: s.chrome(&app, "dashboard", super::i18n::t(lang, "dash.title").into()).await?,
        outstanding: text::money(outstanding, cur, lang),
        overdue: text::money(overdue, cur, lang),
        overdue_count,
        outstanding_href: single_href(&outstanding_parts, ListStatus::Unpaid),
        overdue_href: single_href(&overdue_parts, ListStatus::Overdue),
        outstanding_parts: if outstanding_parts.len() > 1 { outstanding_parts } else { Vec::new() },
        overdue_parts: if overdue_parts.len() > 1 { overdue_parts } else { Vec::new() },
        aged: AGED.iter().zip(aged).map(|(k, v)| (*k, text::money(v, cur, lang))).collect(),
        bars,
        chart_max,
        top,
        quotes,
    };
    html(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_aged_balance_buckets_follow_days_past_due() {
        assert_eq!([-5, 0, 1, 30, 31, 60, 61, 90, 91, 400].map(aged_bucket), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn twelve_months_back_crosses_the_year() {
        assert_eq!(month_start(date!(2026 - 11 - 24), 11), date!(2025 - 12 - 01));
        assert_eq!(month_start(date!(2026 - 01 - 31), 1), date!(2025 - 12 - 01));
        assert_eq!(month_start(date!(2026 - 03 - 15), 0), date!(2026 - 03 - 01));
    }

    #[test]
    fn foreign_amounts_count_at_their_exchange_rate_rounded_to_the_cent() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            facturier_core::money::in_company_currency(d("100.00"), "EUR", None, Currency::EUR),
            Some(d("100.00"))
        );
        assert_eq!(
            facturier_core::money::in_company_currency(d("100.00"), "USD", Some(d("0.91235")), Currency::EUR),
            Some(d("91.24"))
        );
        assert_eq!(
            facturier_core::money::in_company_currency(d("-33.33"), "GBP", Some(d("1.15")), Currency::EUR),
            Some(d("-38.33"))
        );
        assert_eq!(facturier_core::money::in_company_currency(d("100.00"), "USD", None, Currency::EUR), None);
    }

    #[test]
    fn bars_are_proportional_to_the_largest_month() {
        let v: Vec<Decimal> = ["100", "50", "0", "-25"].iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(bar_heights(&v, 160), vec![160, 80, 0, 40]);
        assert_eq!(bar_heights(&[Decimal::ZERO; 3], 160), vec![0, 0, 0]);
    }
}
