//! The catalogue list: the API's search on reference and name, sortable columns (reference,
//! name, price, stock), keyset pages, archived products behind a filter, and each
//! product's nature and unit in words, price, VAT, cost and margin, and stock.

use super::{PAGE, nature_key, unit_words};
use crate::App;
use crate::web::customers::SortHeader;
use crate::web::documents::shown_category;
use crate::web::i18n::t;
use crate::web::session::{Chrome, WebSession};
use crate::web::{WebError, html, query_string};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::products::{Archived, ProductFilter, ProductOrder, ProductRecord, ProductSort};
use serde::Deserialize;
use uuid::Uuid;

/// One product as the list shows it.
pub struct ProductRow {
    pub id: String,
    pub reference: String,
    pub name: String,
    pub nature: &'static str,
    pub unit: String,
    pub price: String,
    pub vat: String,
    /// The purchase price ("" when unknown) and the margin it gives.
    pub cost: String,
    pub margin: String,
    /// "" when the stock is not tracked.
    pub stock: String,
    pub low_stock: bool,
    pub archived: bool,
}

fn row(r: &ProductRecord, cur: Currency, lang: Language) -> ProductRow {
    let p = &r.product;
    let rate = text::percent(p.vat.rate(), lang);
    let category = shown_category(p.vat.category(), p.vat.rate());
    ProductRow {
        id: r.id.to_string(),
        reference: p.reference.clone(),
        name: p.name.clone(),
        nature: nature_key(p.nature),
        unit: unit_words(p.unit.code(), lang),
        price: text::money(p.unit_price, cur, lang),
        vat: if category.is_empty() {
            rate
        } else {
            format!("{rate} · {}", t(lang, &format!("editor.vatcat_{}", category.to_ascii_lowercase())))
        },
        cost: p.purchase_price.map(|c| text::money(c, cur, lang)).unwrap_or_default(),
        margin: p.margin().map(|m| text::money(m, cur, lang)).unwrap_or_default(),
        stock: p.stock.map(|s| text::number(s, 0, lang)).unwrap_or_default(),
        low_stock: p.stock.is_some_and(|s| s <= facturier_core::Decimal::ZERO),
        archived: r.archived_at.is_some(),
    }
}

#[derive(Template)]
#[template(path = "products.html")]
struct ListPage {
    p: Chrome,
    q: String,
    show: &'static str,
    /// (value, label key) of the archive filter.
    shows: &'static [(&'static str, &'static str)],
    rows: Vec<ProductRow>,
    headers: Vec<SortHeader>,
    first_page: bool,
    first_query: String,
    next_query: Option<String>,
    /// (label key, the product) of what was just done.
    notice: Option<(&'static str, String)>,
}

impl ListPage {
    fn header(&self, key: &str) -> Option<&SortHeader> {
        self.headers.iter().find(|h| h.key == key)
    }
}

const SHOWS: &[(&str, &str)] =
    &[("", "prod.show.active"), ("archived", "prod.show.archived"), ("all", "prod.show.all")];

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    after: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    /// `archived` or `all`; the products on sale otherwise.
    show: Option<String>,
    /// `saved`, `archived` or `restored`, with `id`: the notice after an action.
    done: Option<String>,
    id: Option<String>,
}

/// `GET /products?q=…&sort=reference|name|price|stock|created&order=asc|desc&show=archived|all&after=…`
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
    let sort = query.sort.as_deref().and_then(ProductSort::parse).unwrap_or(ProductSort::Reference);
    let desc = match query.order.as_deref() {
        Some("asc") => false,
        Some("desc") => true,
        // Newest first; references, names, prices and stocks from the lowest.
        _ => sort == ProductSort::Created,
    };
    let (show, archived) = match query.show.as_deref() {
        Some("archived") => ("archived", Archived::Only),
        Some("all") => ("all", Archived::Included),
        _ => ("", Archived::Hidden),
    };
    let filter = ProductFilter { q: (!q.is_empty()).then(|| q.clone()), archived, limit: PAGE, after };
    let company = s.rec.company_id;
    let (records, next) = app
        .store
        .list_products_in(company, &filter, ProductOrder { sort, desc })
        .await
        .map_err(|e| WebError::store(lang, e))?;
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let rows = records.iter().map(|r| row(r, cur, lang)).collect();
    let headers =
        [("reference", "prod.reference"), ("name", "prod.name"), ("price", "prod.price"), ("stock", "prod.stock")]
            .into_iter()
            .map(|(key, label)| {
                let current = key == sort.as_str();
                // A click on the sorted column reverses it; another column starts from the lowest.
                let next_order = if current && !desc { "desc" } else { "asc" };
                SortHeader {
                    key,
                    label,
                    href: format!(
                        "/products?{}",
                        query_string(&[("q", &q), ("show", show), ("sort", key), ("order", next_order)])
                    ),
                    aria: match (current, desc) {
                        (false, _) => "none",
                        (true, true) => "descending",
                        (true, false) => "ascending",
                    },
                }
            })
            .collect();
    let order = if desc { "desc" } else { "asc" };
    let keep = [("q", q.as_str()), ("show", show), ("sort", sort.as_str()), ("order", order)];
    let next_query = next.map(|n| {
        let id = n.to_string();
        let mut pairs = keep.to_vec();
        pairs.push(("after", &id));
        query_string(&pairs)
    });
    let notice = match (query.done.as_deref(), query.id.as_deref().and_then(|i| i.parse::<Uuid>().ok())) {
        (Some(done), Some(id)) => {
            let key = match done {
                "archived" => Some("prod.archived_done"),
                "restored" => Some("prod.restored_done"),
                "saved" => Some("prod.saved"),
                _ => None,
            };
            match (key, app.store.product(company, id).await) {
                (Some(key), Ok(r)) => Some((key, format!("{} — {}", r.product.reference, r.product.name))),
                _ => None,
            }
        }
        _ => None,
    };
    let mut p = s.chrome(&app, "products", t(lang, "prod.title").into()).await?;
    if notice.is_some() {
        // The catalogue's own notice names the product; the layout's generic one would repeat it.
        p.notice = None;
    }
    let page = ListPage {
        p,
        first_query: query_string(&keep),
        first_page: after.is_none(),
        q,
        show,
        shows: SHOWS,
        rows,
        headers,
        next_query,
        notice,
    };
    html(StatusCode::OK, &page)
}
