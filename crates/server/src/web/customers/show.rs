//! The customer's page: its documents of every kind, outstanding balance, attached files
//! and history.

use crate::App;
use crate::web::i18n::t;
use crate::web::session::{Chrome, WebSession};
use crate::web::words;
use crate::web::{WebError, html};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::money::Currency;
use facturier_core::party::{Address, Language};
use facturier_formats::text;
use facturier_store::customer_files::HistoryEntry;
use facturier_store::documents::DocumentFilter;
use uuid::Uuid;

use super::{DOCS_PER_KIND, HISTORY, customer_id};

pub struct ContactView {
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
    pub mobile: String,
}

pub struct DocRow {
    pub href: String,
    pub kind: &'static str,
    pub number: String,
    pub date: String,
    pub status: String,
    pub gross: String,
    pub due: String,
}

pub struct FileRow {
    pub id: String,
    pub name: String,
    pub size: String,
    pub content_type: String,
    pub date: String,
}

pub struct HistoryRow {
    pub at: String,
    pub datetime: String,
    pub what: String,
    pub detail: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct ShowPage {
    pub(super) p: Chrome,
    pub(super) id: String,
    facts: Vec<(&'static str, String)>,
    pub(super) outstanding: String,
    credit: String,
    /// The credit per currency as (code, amount as typed in a form), for the credit forms.
    credits: Vec<(String, String)>,
    /// The customer's open invoices as (id, label), to apply credit to.
    open_invoices: Vec<(String, String)>,
    pub(super) billing: Vec<String>,
    pub(super) delivery: Option<Vec<String>>,
    pub(super) contacts: Vec<ContactView>,
    pub(super) notes: String,
    pub(super) documents: Vec<DocRow>,
    pub(super) files: Vec<FileRow>,
    upload_error: Option<&'static str>,
    pub(super) history: Vec<HistoryRow>,
}

fn address_lines(a: &Address) -> Vec<String> {
    let mut v = vec![a.line1.clone()];
    v.extend(a.line2.clone());
    v.push(format!("{} {}", a.postal_code, a.city));
    v.push(a.country.as_str().to_string());
    v
}

fn language_name(l: Language) -> &'static str {
    match l {
        Language::Fr => "Français",
        Language::En => "English",
    }
}

/// A size in bytes for people: `834 o`, `12,4 Ko`, `3,1 Mo` (`B`, `KB`, `MB` in English).
fn size_text(n: i64, lang: Language) -> String {
    let (b, k, m) = if lang == Language::Fr { ("o", "Ko", "Mo") } else { ("B", "KB", "MB") };
    let one = |x: f64, unit: &str| {
        let s = format!("{x:.1}");
        let s = if lang == Language::Fr { s.replace('.', ",") } else { s };
        format!("{s}\u{a0}{unit}")
    };
    // Sizes are display only: no amount is involved.
    match n {
        n if n < 1024 => format!("{n}\u{a0}{b}"),
        n if n < 1024 * 1024 => one(n as f64 / 1024.0, k),
        n => one(n as f64 / (1024.0 * 1024.0), m),
    }
}

/// The label key of a field of the customer record (history of edits).
fn field_label(f: &str) -> &'static str {
    match f {
        "name" => "customer.name",
        "email" => "customer.email",
        "activity" => "customer.activity",
        "legal" => "cust.legal",
        "iban" => "cust.iban",
        "billing_address" => "customer.billing_address",
        "delivery_address" => "customer.delivery_address",
        "contacts" => "customer.contacts",
        "language" => "customer.language",
        "currency" => "cust.currency",
        "payment_terms" => "customer.payment_terms",
        "tags" => "customer.tags",
        "notes" => "customer.notes",
        "kind" => "cust.kind",
        "invoice_grouping" => "cust.grouping",
        "network" => "cust.network",
        _ => "",
    }
}

fn history_row(e: &HistoryEntry, lang: Language, country: &str, currency: Currency) -> HistoryRow {
    // The company's clock, never UTC.
    let at = text::instant(e.at, country, lang);
    let datetime = crate::api::instant_text(e.at);
    let str_of = |k: &str| e.detail.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    match &e.document {
        None => {
            let (what, detail) = match e.event.as_str() {
                "created" => (t(lang, "cust.ev.created").to_string(), String::new()),
                "updated" => {
                    let fields = e
                        .detail
                        .get("fields")
                        .and_then(|f| f.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|f| f.as_str())
                                .map(|f| match field_label(f) {
                                    "" => f.to_string(),
                                    key => t(lang, key).to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default();
                    (t(lang, "cust.ev.updated").to_string(), fields)
                }
                "file_added" => (t(lang, "cust.ev.file_added").to_string(), str_of("name")),
                "file_removed" => (t(lang, "cust.ev.file_removed").to_string(), str_of("name")),
                other => (
                    words::event_label(lang, "cust.ev", other),
                    words::detail_value(lang, "amount", &str_of("amount"), currency),
                ),
            };
            HistoryRow { at, datetime, what, detail, href: None }
        }
        Some((kind, id, number)) => {
            let kind = kind.parse::<DocumentKind>().ok();
            let kind_name = kind.map(|k| text::kind_title(k, false, lang)).unwrap_or("");
            let number = number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into());
            let event = match e.event.as_str() {
                "created" => t(lang, "cust.ev.doc_created").to_string(),
                ev => words::event_label(lang, "event", ev),
            };
            let mut detail = format!("{kind_name} {number}");
            for key in ["amount", "to"] {
                match e.detail.get(key) {
                    Some(serde_json::Value::String(v)) => {
                        detail.push_str(&format!(" · {}", words::detail_value(lang, key, v, currency)))
                    }
                    Some(serde_json::Value::Array(a)) => {
                        let list: Vec<&str> = a.iter().filter_map(|x| x.as_str()).collect();
                        detail.push_str(&format!(" · {}", list.join(", ")));
                    }
                    _ => {}
                }
            }
            HistoryRow { at, datetime, what: event, detail, href: kind.map(|k| format!("/{}/{id}", k.segment())) }
        }
    }
}

/// `GET /customers/{id}`
pub async fn show(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = customer_id(s.lang(), &id)?;
    render_show(&app, &s, id, None, StatusCode::OK).await
}

pub(super) async fn render_show(
    app: &App,
    s: &WebSession,
    id: Uuid,
    upload_error: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let err = |e| WebError::store(lang, e);
    let company = s.rec.company_id;
    let rec = app.store.customer(company, id).await.map_err(err)?;
    let c = &rec.customer;
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let mut facts: Vec<(&'static str, String)> = Vec::new();
    let mut fact = |k: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            facts.push((k, v));
        }
    };
    let kind = if c.kind == facturier_core::party::CustomerKind::Individual { "individual" } else { "company" };
    fact("cust.kind", Some(t(lang, &format!("cust.kind.{kind}")).into()));
    fact("customer.activity", c.activity.clone());
    fact("customer.email", c.email.as_ref().map(|e| e.to_string()));
    fact("customer.siren", c.legal.siren.as_ref().map(|x| x.to_string()));
    fact("customer.siret", c.legal.siret.as_ref().map(|x| x.to_string()));
    fact("customer.vat_number", c.legal.vat_number.as_ref().map(|x| x.to_string()));
    fact("cust.iban", c.iban.as_ref().map(|x| x.to_string()));
    fact("customer.payment_terms", c.payment_terms.map(|x| x.label(lang)));
    fact("cust.currency", c.currency.map(|x| x.code().to_string()));
    fact("customer.language", Some(language_name(c.language).to_string()));
    fact("cust.network", Some(t(lang, &format!("cust.network.{}", c.network().as_str())).into()));
    fact("customer.tags", Some(c.tags.join(", ")));

    let open = app.store.receivables(company, Some(id)).await.map_err(err)?;
    let outstanding: Decimal = open.iter().filter(|r| r.currency == cur.code()).map(|r| r.due).sum();
    let credit_rows: Vec<(String, Decimal)> =
        app.store.customer_credit(company, id).await.map_err(err)?.into_iter().filter(|(_, a)| !a.is_zero()).collect();
    let credit = credit_rows
        .iter()
        .map(|(code, a)| text::money(*a, code.parse().unwrap_or(cur), lang))
        .collect::<Vec<_>>()
        .join(", ");
    let credits = credit_rows
        .iter()
        .map(|(code, a)| {
            let c: Currency = code.parse().unwrap_or(cur);
            (code.clone(), facturier_core::money::to_text(c.round(*a), c.minor_units()))
        })
        .collect();

    // Every kind of document, newest first (each kind through the documents_by_customer index).
    let mut docs = Vec::new();
    for kind in DocumentKind::ALL {
        let filter = DocumentFilter {
            kind,
            status: None,
            customer_id: Some(id),
            from: None,
            to: None,
            limit: DOCS_PER_KIND,
            after: None,
        };
        docs.extend(app.store.list_documents(company, &filter).await.map_err(err)?.0);
    }
    docs.sort_by_key(|d| std::cmp::Reverse((d.issue_date.unwrap_or(d.created_at.date()), d.id)));
    let quotes: Vec<Uuid> = docs.iter().filter(|d| d.kind == DocumentKind::Quote).map(|d| d.id).collect();
    let emailed = app.store.emailed_documents(company, &quotes).await.map_err(err)?;
    let documents = docs
        .iter()
        .map(|d| {
            let gross = d.content.totals().gross;
            let owed = d.kind.is_payable() && d.status != Status::Draft;
            DocRow {
                href: format!("/{}/{}", d.kind.segment(), d.id),
                kind: text::kind_title(d.kind, false, lang),
                number: d.number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into()),
                date: text::date(
                    d.issue_date.unwrap_or_else(|| facturier_core::calendar::local_date(&s.rec.country, d.created_at)),
                    lang,
                ),
                status: t(lang, crate::web::lists::status_word(d.kind, d.status, emailed.contains(&d.id))).into(),
                gross: text::money(gross, d.content.currency, lang),
                due: if owed { text::money(d.due(), d.content.currency, lang) } else { String::new() },
            }
        })
        .collect();

    let open_invoices = docs
        .iter()
        .filter(|d| facturier_core::lifecycle::is_open(d.kind, d.status))
        .map(|d| {
            let label = format!(
                "{} · {}",
                d.number.clone().unwrap_or_default(),
                text::money(d.due(), d.content.currency, lang)
            );
            (d.id.to_string(), label)
        })
        .collect();
    let files = app
        .store
        .customer_files(company, id)
        .await
        .map_err(err)?
        .iter()
        .map(|f| FileRow {
            id: f.id.to_string(),
            name: f.name.clone(),
            size: size_text(f.size, lang),
            content_type: f.content_type.clone(),
            date: text::local_date(f.created_at, &s.rec.country, lang),
        })
        .collect();
    let history = app
        .store
        .customer_history(company, id, HISTORY)
        .await
        .map_err(err)?
        .iter()
        .map(|e| history_row(e, lang, &s.rec.country, cur))
        .collect();

    let page = ShowPage {
        p: s.chrome(app, "customers", c.name.clone()).await?,
        id: id.to_string(),
        facts,
        outstanding: text::money(outstanding, cur, lang),
        credit,
        credits,
        open_invoices,
        billing: address_lines(&c.billing_address),
        delivery: c.delivery_address.as_ref().map(address_lines),
        contacts: c
            .contacts
            .iter()
            .map(|k| ContactView {
                name: k.name.clone(),
                role: k.role.clone().unwrap_or_default(),
                email: k.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                phone: k.phone.clone().unwrap_or_default(),
                mobile: k.mobile.clone().unwrap_or_default(),
            })
            .collect(),
        notes: c.notes.clone().unwrap_or_default(),
        documents,
        files,
        upload_error,
        history,
    };
    html(status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_each_language() {
        assert_eq!(size_text(834, Language::Fr), "834\u{a0}o");
        assert_eq!(size_text(12 * 1024 + 400, Language::Fr), "12,4\u{a0}Ko");
        assert_eq!(size_text(3 * 1024 * 1024, Language::En), "3.0\u{a0}MB");
    }
}
