//! The customer directory: the API's indexed search, sortable columns, keyset pages and
//! each customer's outstanding and overdue amounts.

use crate::App;
use crate::web::i18n::t;
use crate::web::session::{Chrome, WebSession};
use crate::web::{WebError, html, query_string};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::customers::{CustomerFilter, CustomerOrder, CustomerSort};
use facturier_store::reports::OpenAmount;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

use super::PAGE;

pub struct CustomerRow {
    pub id: String,
    pub name: String,
    pub activity: String,
    pub city: String,
    pub tags: String,
    pub created: String,
    /// What the customer owes on issued invoices, per currency ("" when nothing).
    pub outstanding: String,
    /// The part of it past its due date ("" when none).
    pub overdue: String,
}

/// A sortable column's header: its link toggles the order.
pub struct SortHeader {
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    /// `ascending`, `descending` or `none` (the `aria-sort` value).
    pub aria: &'static str,
}

#[derive(Template)]
#[template(path = "customers.html")]
struct ListPage {
    pub(super) p: Chrome,
    q: String,
    pub(super) rows: Vec<CustomerRow>,
    pub(super) headers: Vec<SortHeader>,
    first_page: bool,
    first_query: String,
    next_query: Option<String>,
}

impl ListPage {
    pub(super) fn header(&self, key: &str) -> Option<&SortHeader> {
        self.headers.iter().find(|h| h.key == key)
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    after: Option<String>,
    sort: Option<String>,
    order: Option<String>,
}

/// `GET /customers?q=…&sort=name|city|balance|created&order=asc|desc&after=…`
pub async fn list(State(app): State<App>, s: WebSession, Query(query): Query<ListQuery>) -> Result<Response, WebError> {
    let lang = s.lang();
    // Control characters (a NUL fails PostgreSQL) are dropped from a search box, not refused.
    let q = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(crate::api::MAX_SEARCH)
        .collect::<String>();
    let after = query.after.as_deref().and_then(|a| a.parse::<Uuid>().ok());
    let sort = query.sort.as_deref().and_then(CustomerSort::parse).unwrap_or_default();
    let desc = match query.order.as_deref() {
        Some("asc") => false,
        Some("desc") => true,
        // Newest first, and who owes the most first; names and cities from A.
        _ => matches!(sort, CustomerSort::Created | CustomerSort::Balance),
    };
    let filter = CustomerFilter { q: (!q.is_empty()).then(|| q.clone()), activity: None, limit: PAGE, after };
    let (rows, next) = app
        .store
        .list_customers_in(s.rec.company_id, &filter, CustomerOrder { sort, desc })
        .await
        .map_err(|e| WebError::store(lang, e))?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let open = app.store.open_amounts(s.rec.company_id, &ids).await.map_err(|e| WebError::store(lang, e))?;
    let today = s.today();
    let rows = rows
        .into_iter()
        .map(|r| {
            let mine = open.iter().filter(|o| o.customer_id == r.id);
            let late = open.iter().filter(|o| o.customer_id == r.id && o.due_date.is_some_and(|d| d < today));
            CustomerRow {
                id: r.id.to_string(),
                activity: r.customer.activity.clone().unwrap_or_default(),
                city: r.customer.billing_address.city.clone(),
                tags: r.customer.tags.join(", "),
                created: text::date(r.created_at.date(), lang),
                name: r.customer.name,
                outstanding: per_currency(mine, lang),
                overdue: per_currency(late, lang),
            }
        })
        .collect();
    let order = if desc { "desc" } else { "asc" };
    let headers = [
        ("name", "customer.name"),
        ("city", "customer.city"),
        ("balance", "cust.outstanding"),
        ("created", "cust.created"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let current = key == sort.as_str();
        // A click on the sorted column reverses it; another column starts in its natural order.
        let next_order = match (current, desc, key) {
            (true, true, _) => "asc",
            (true, false, _) => "desc",
            (false, _, "created" | "balance") => "desc",
            (false, _, _) => "asc",
        };
        SortHeader {
            key,
            label,
            href: format!("/customers?{}", query_string(&[("q", &q), ("sort", key), ("order", next_order)])),
            aria: match (current, desc) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            },
        }
    })
    .collect();
    let keep = [("q", q.as_str()), ("sort", sort.as_str()), ("order", order)];
    let next_query = next.map(|n| {
        let id = n.to_string();
        let mut pairs = keep.to_vec();
        pairs.push(("after", &id));
        query_string(&pairs)
    });
    let page = ListPage {
        p: s.chrome(&app, "customers", t(lang, "customers.title").into()).await?,
        first_query: query_string(&keep),
        first_page: after.is_none(),
        q,
        rows,
        headers,
        next_query,
    };
    html(StatusCode::OK, &page)
}

/// Amounts summed per currency, each in the reader's notation, joined with " + " (a
/// customer may owe in two currencies: they are never added together).
fn per_currency<'a>(amounts: impl Iterator<Item = &'a OpenAmount>, lang: Language) -> String {
    let mut sums: BTreeMap<&str, Decimal> = BTreeMap::new();
    for a in amounts {
        *sums.entry(a.currency.as_str()).or_default() += a.due;
    }
    sums.into_iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|(code, d)| match code.parse::<Currency>() {
            Ok(cur) => text::money(d, cur, lang),
            Err(_) => format!("{d} {code}"),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}
