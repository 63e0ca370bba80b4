//! The list of a kind: search with an "except" term, status and date filters, sortable
//! columns and keyset pages.

use super::kinds_key;
use crate::App;
use crate::input::parse_date;
use crate::web::i18n::t;
use crate::web::invoices::urgency;
use crate::web::lists::{ListTotals, TOTALS_MAX, filter_word, second_date, status_word, totals};
use crate::web::session::{Chrome, WebSession};
use crate::web::{WebError, html, query_string};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::calendar;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::lifecycle;
use facturier_core::listing::ListStatus;
use facturier_core::money::Currency;
use facturier_formats::text;
use facturier_store::lists::{DocSort, DocumentQuery, SortCursor, StatusFilter};
use serde::Deserialize;
use uuid::Uuid;

const PAGE: u32 = 50;

/// The filters offered in the status select of a kind: the statuses its lifecycle
/// stores, then (kinds that take payments) what is still owed: (value, label key).
fn status_filters(kind: DocumentKind, owed: bool) -> Vec<(&'static str, &'static str)> {
    ListStatus::all(kind)
        .into_iter()
        .filter(|f| f.is_owed() == owed)
        .map(|f| (f.as_str(), filter_word(kind, f)))
        .collect()
}

/// One row of a document list.
pub struct DocRow {
    pub href: String,
    pub number: String,
    pub customer: String,
    pub date: String,
    /// The kind's second date (due date, validity, delivery), if it shows one.
    pub due_date: String,
    pub status: &'static str,
    pub gross: String,
    pub due: String,
    pub urgency: &'static str,
}

/// A sortable column header: label key, link, `aria-sort` value.
pub struct SortHeader {
    pub key: &'static str,
    pub label: &'static str,
    /// Empty for a column the list does not sort by.
    pub href: String,
    pub aria: &'static str,
    pub num: bool,
}

#[derive(Template)]
#[template(path = "documents.html")]
pub(super) struct ListPage {
    pub(super) p: Chrome,
    pub(super) seg: &'static str,
    pub(super) can_create: bool,
    pub(super) payable: bool,
    pub(super) statuses: Vec<(&'static str, &'static str)>,
    pub(super) owed_filters: Vec<(&'static str, &'static str)>,
    pub(super) status: String,
    /// A `status` the list does not offer, shown instead of rows.
    pub(super) bad_status: Option<String>,
    /// Whether the kind shows a second date column.
    /// The label key of the second date column, when the kind has one.
    pub(super) second_date: Option<&'static str>,
    pub(super) customer: String,
    pub(super) customer_name: Option<String>,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) due_from: String,
    pub(super) due_to: String,
    pub(super) q: String,
    pub(super) except: String,
    pub(super) sort: String,
    pub(super) dir: String,
    pub(super) headers: Vec<SortHeader>,
    pub(super) rows: Vec<DocRow>,
    /// The totals of every page: gross of what counts, how many, what is due.
    pub(super) totals: Option<(String, usize, String)>,
    /// More documents match than the list adds up.
    pub(super) too_many: bool,
    pub(super) next_query: Option<String>,
    pub(super) first_query: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub(super) status: Option<String>,
    pub(super) customer: Option<String>,
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
    pub(super) due_from: Option<String>,
    pub(super) due_to: Option<String>,
    pub(super) q: Option<String>,
    pub(super) except: Option<String>,
    pub(super) sort: Option<String>,
    pub(super) dir: Option<String>,
    pub(super) after: Option<String>,
}

/// Splits `maintenance -contrat` into the words to find and the terms to leave out; a
/// separate "except" field adds one more.
pub fn search_terms(q: &str, except: &str) -> (Option<String>, Vec<String>) {
    let mut find = Vec::new();
    let mut not = Vec::new();
    for w in q.split_whitespace() {
        match w.strip_prefix('-') {
            Some(x) if !x.is_empty() => not.push(x.to_string()),
            _ => find.push(w),
        }
    }
    let except = except.trim();
    if !except.is_empty() {
        not.push(except.to_string());
    }
    (Some(find.join(" ")).filter(|s| !s.is_empty()), not)
}

pub(super) async fn list(app: App, s: WebSession, q: ListQuery, kind: DocumentKind) -> Result<Response, WebError> {
    let lang = s.lang();
    let err = |e| WebError::store(lang, e);
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let asked = q.status.as_deref().filter(|v| !v.is_empty());
    let status = asked.and_then(|v| ListStatus::parse(kind, v).ok());
    // An unknown status lists nothing and says so, rather than listing everything.
    let bad_status: Option<String> =
        asked.filter(|_| status.is_none()).map(|v| v.chars().filter(|c| !c.is_control()).take(50).collect());
    let customer = q.customer.as_deref().and_then(|v| v.parse::<Uuid>().ok());
    let from = q.from.as_deref().and_then(parse_date);
    let to = q.to.as_deref().and_then(parse_date);
    // Due dates only where the kind has them (an aged-balance bucket links here).
    let payable = kind.is_payable();
    let due_from = q.due_from.as_deref().and_then(parse_date).filter(|_| payable);
    let due_to = q.due_to.as_deref().and_then(parse_date).filter(|_| payable);
    let second = second_date(kind);
    let sorts_second = second.is_some_and(|s| s.sortable);
    let sort = q
        .sort
        .as_deref()
        .and_then(DocSort::parse)
        .filter(|s| *s != DocSort::DueDate || sorts_second)
        .unwrap_or(DocSort::Date);
    let default_desc = matches!(sort, DocSort::Date | DocSort::Number | DocSort::Total);
    let descending = match q.dir.as_deref() {
        Some("asc") => false,
        Some("desc") => true,
        _ => default_desc,
    };
    // The string rule's control characters (a NUL fails PostgreSQL) are dropped from a
    // search box rather than refused: nothing is stored, the list still answers.
    let q_text: String = q.q.unwrap_or_default().chars().filter(|c| !c.is_control()).take(200).collect();
    let except_text: String = q.except.unwrap_or_default().chars().filter(|c| !c.is_control()).take(200).collect();
    let (find, not) = search_terms(&q_text, &except_text);
    let after = q.after.as_deref().and_then(SortCursor::decode);
    let query = DocumentQuery {
        kind,
        status: status.map(|status| StatusFilter { status, today: s.today() }),
        customer_id: customer,
        from,
        to,
        due_from,
        due_to,
        q: find,
        except: not,
        sort,
        descending,
        limit: PAGE,
        after: after.clone(),
    };
    let ((docs, next), amounts) = if bad_status.is_some() {
        ((Vec::new(), None), Some(Vec::new()))
    } else {
        let page = app.store.search_documents(s.rec.company_id, &query).await.map_err(err)?;
        (page, app.store.list_amounts(s.rec.company_id, &query, TOTALS_MAX).await.map_err(err)?)
    };
    // A quote is "sent" once e-mailed; issued, it is only issued.
    let emailed = if kind == DocumentKind::Quote {
        let ids: Vec<Uuid> = docs.iter().map(|l| l.doc.id).collect();
        app.store.emailed_documents(s.rec.company_id, &ids).await.map_err(err)?
    } else {
        Default::default()
    };
    let customer_name = match customer {
        Some(c) => Some(app.store.customer(s.rec.company_id, c).await.map_err(err)?.customer.name),
        None => None,
    };
    let today = s.today();
    let rows: Vec<DocRow> = docs
        .iter()
        .map(|l| {
            let d = &l.doc;
            let totals = d.content.totals();
            let owed = if d.status == Status::Draft || !kind.is_payable() { None } else { Some(d.due()) };
            let shown = lifecycle::effective_status(kind, d.status, d.content.valid_until, today);
            DocRow {
                href: format!("/{}/{}", kind.segment(), d.id),
                number: d.number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into()),
                customer: l.customer_name.clone(),
                // A draft is dated by when it was made, in the company's calendar.
                date: text::date(
                    d.issue_date.unwrap_or_else(|| calendar::local_date(&s.rec.country, d.created_at)),
                    lang,
                ),
                due_date: second.and_then(|s| (s.read)(d)).map(|x| text::date(x, lang)).unwrap_or_default(),
                status: status_word(kind, shown, emailed.contains(&d.id)),
                gross: text::money(totals.gross, d.content.currency, lang),
                due: owed.map(|o| text::money(o, d.content.currency, lang)).unwrap_or_default(),
                urgency: if kind.is_payable() { urgency(d.status, d.due_date, today) } else { "" },
            }
        })
        .collect();
    let status_s = status.map(|x| x.as_str().to_string()).unwrap_or_default();
    let list_totals: Option<ListTotals> = amounts.as_deref().map(|a| totals(kind, a, cur));
    let customer_s = customer.map(|c| c.to_string()).unwrap_or_default();
    let from_s = from.map(|d| d.to_string()).unwrap_or_default();
    let to_s = to.map(|d| d.to_string()).unwrap_or_default();
    let due_from_s = due_from.map(|d| d.to_string()).unwrap_or_default();
    let due_to_s = due_to.map(|d| d.to_string()).unwrap_or_default();
    let dir_s = if descending { "desc" } else { "asc" };
    let filters = [
        ("status", status_s.as_str()),
        ("customer", &customer_s),
        ("from", &from_s),
        ("to", &to_s),
        ("due_from", &due_from_s),
        ("due_to", &due_to_s),
        ("q", &q_text),
        ("except", &except_text),
    ];
    let mut base = filters.to_vec();
    base.extend([("sort", sort.as_str()), ("dir", dir_s)]);
    let next_query = next.map(|n| {
        let c = n.encode();
        let mut pairs = base.clone();
        pairs.push(("after", &c));
        query_string(&pairs)
    });
    let mut columns = vec![
        (DocSort::Number, "doc.number", false, true),
        (DocSort::Customer, "doc.customer", false, true),
        (DocSort::Date, "doc.date", false, true),
    ];
    if let Some(s) = second {
        columns.push((DocSort::DueDate, s.label, false, s.sortable));
    }
    columns.push((DocSort::Total, "doc.gross", true, true));
    let headers = columns
        .into_iter()
        .map(|(col, key, num, sortable)| {
            // A click on the sorted column turns its order around; another column starts in its natural order.
            let next_dir = if col == sort {
                if descending { "asc" } else { "desc" }
            } else if matches!(col, DocSort::Date | DocSort::Number | DocSort::Total) {
                "desc"
            } else {
                "asc"
            };
            let mut pairs = filters.to_vec();
            pairs.extend([("sort", col.as_str()), ("dir", next_dir)]);
            SortHeader {
                key: col.as_str(),
                label: t(lang, key),
                href: if sortable { format!("/{}?{}", kind.segment(), query_string(&pairs)) } else { String::new() },
                aria: if col != sort {
                    "none"
                } else if descending {
                    "descending"
                } else {
                    "ascending"
                },
                num,
            }
        })
        .collect();
    let page = ListPage {
        p: s.chrome(&app, kind.segment(), t(lang, &kinds_key(kind)).into()).await?,
        seg: kind.segment(),
        can_create: s.can_write() && lifecycle::of(kind).by_hand,
        payable: kind.is_payable(),
        statuses: status_filters(kind, false),
        owed_filters: status_filters(kind, true),
        bad_status,
        second_date: second.map(|d| d.label),
        first_query: after.is_some().then(|| query_string(&base)),
        status: status_s,
        customer: customer_s,
        customer_name,
        from: from_s,
        to: to_s,
        due_from: due_from_s,
        due_to: due_to_s,
        q: q_text,
        except: except_text,
        sort: sort.as_str().into(),
        dir: dir_s.into(),
        headers,
        too_many: list_totals.is_none(),
        totals: list_totals
            .filter(|_| !rows.is_empty())
            .map(|t| (text::money(t.gross, cur, lang), t.counted, text::money(t.due, cur, lang))),
        rows,
        next_query,
    };
    let code = if page.bad_status.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    html(code, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minus_word_in_the_search_is_the_except_term() {
        assert_eq!(search_terms("maintenance -contrat", ""), (Some("maintenance".into()), vec!["contrat".into()]));
        assert_eq!(search_terms("pose -a", " annuel "), (Some("pose".into()), vec!["a".into(), "annuel".into()]));
        assert_eq!(search_terms("  ", ""), (None, vec![]));
        assert_eq!(search_terms("a - b", ""), (Some("a - b".into()), vec![]));
    }
}
