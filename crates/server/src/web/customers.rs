//! The customer directory: list with search and keyset pagination, the create form
//! (validated by the API's own `CustomerInput::parse`), and the customer's page.

use super::invoices::{InvoiceRow, invoice_rows};
use super::session::{Chrome, CsrfForm, FormData, WebSession};
use super::{WebError, html, query_string, see_other};
use crate::App;
use crate::api::customers::{AddressInput, ContactInput, CustomerInput, LegalInput};
use crate::error::ApiError;
use crate::input::DecText;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::document::DocumentKind;
use facturier_core::money::Currency;
use facturier_core::party::{Address, Language};
use facturier_formats::text;
use facturier_store::customers::CustomerFilter;
use facturier_store::documents::DocumentFilter;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

const PAGE: u32 = 50;

pub struct CustomerRow {
    pub id: String,
    pub name: String,
    pub activity: String,
    pub city: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "customers.html")]
struct ListPage {
    p: Chrome,
    q: String,
    rows: Vec<CustomerRow>,
    first_page: bool,
    first_query: String,
    next_query: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    after: Option<String>,
}

/// `GET /customers?q=…&after=…`
pub async fn list(State(app): State<App>, s: WebSession, Query(query): Query<ListQuery>) -> Result<Response, WebError> {
    let lang = s.lang();
    let q = query.q.unwrap_or_default().trim().chars().take(crate::api::MAX_SEARCH).collect::<String>();
    let after = query.after.as_deref().and_then(|a| a.parse::<Uuid>().ok());
    let filter = CustomerFilter { q: (!q.is_empty()).then(|| q.clone()), activity: None, limit: PAGE, after };
    let (rows, next) =
        app.store.list_customers(s.rec.company_id, &filter).await.map_err(|e| WebError::store(lang, e))?;
    let rows = rows
        .into_iter()
        .map(|r| CustomerRow {
            id: r.id.to_string(),
            activity: r.customer.activity.clone().unwrap_or_default(),
            city: r.customer.billing_address.city.clone(),
            email: r.customer.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
            name: r.customer.name,
        })
        .collect();
    let next_query = next.map(|n| query_string(&[("q", &q), ("after", &n.to_string())]));
    let page = ListPage {
        p: s.chrome(&app, "customers", super::i18n::t(lang, "customers.title").into()).await?,
        first_query: query_string(&[("q", &q)]),
        first_page: after.is_none(),
        q,
        rows,
        next_query,
    };
    html(StatusCode::OK, &page)
}

/// One input of the customer form. Its name is the API's field path, so that the API's
/// per-field errors land next to the right input.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
}

const FIELDS: &[(&str, &str, &str, bool)] = &[
    ("name", "customer.name", "text", true),
    ("email", "customer.email", "email", false),
    ("activity", "customer.activity", "text", false),
    ("legal.siren", "customer.siren", "text", false),
    ("legal.vat_number", "customer.vat_number", "text", false),
    ("billing_address.line1", "address.line1", "text", true),
    ("billing_address.postal_code", "address.postal_code", "text", true),
    ("billing_address.city", "address.city", "text", true),
    ("billing_address.country", "address.country", "text", true),
    ("contacts[0].name", "contact.name", "text", false),
    ("contacts[0].email", "contact.email", "email", false),
    ("contacts[0].phone", "contact.phone", "tel", false),
    ("payment_terms", "customer.payment_terms", "text", false),
    ("language", "customer.language", "language", false),
    ("notes", "customer.notes", "textarea", false),
];

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    p: Chrome,
    fields: Vec<Field>,
    errors: Vec<(String, String)>,
}

fn fields(form: &FormData, errors: &BTreeMap<String, String>) -> Vec<Field> {
    FIELDS
        .iter()
        .map(|&(name, label, kind, required)| {
            let default = match name {
                "billing_address.country" => "FR",
                "language" => "fr",
                _ => "",
            };
            Field {
                name,
                label,
                kind,
                required,
                value: form.get(name).unwrap_or(default).to_string(),
                error: errors.get(name).cloned(),
            }
        })
        .collect()
}

/// `GET /customers/new`
pub async fn new_form(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    if !s.can_write() {
        return Err(WebError::Forbidden(s.lang()));
    }
    let page = FormPage {
        p: s.chrome(&app, "customers", super::i18n::t(s.lang(), "customers.new").into()).await?,
        fields: fields(&FormData::default(), &BTreeMap::new()),
        errors: Vec::new(),
    };
    html(StatusCode::OK, &page)
}

/// The API's input from the form (empty fields are absent, as in a JSON body without them).
fn input(form: &FormData) -> CustomerInput {
    let legal = LegalInput { siren: form.text("legal.siren"), siret: None, vat_number: form.text("legal.vat_number") };
    let contact = ContactInput {
        name: form.text("contacts[0].name"),
        role: None,
        email: form.text("contacts[0].email"),
        phone: form.text("contacts[0].phone"),
        mobile: None,
    };
    let has_contact = contact.name.is_some() || contact.email.is_some() || contact.phone.is_some();
    CustomerInput {
        name: form.text("name"),
        email: form.text("email"),
        activity: form.text("activity"),
        legal: Some(legal),
        billing_address: Some(AddressInput {
            line1: form.text("billing_address.line1"),
            line2: None,
            postal_code: form.text("billing_address.postal_code"),
            city: form.text("billing_address.city"),
            country: form.text("billing_address.country"),
        }),
        contacts: Some(if has_contact { vec![contact] } else { Vec::new() }),
        language: form.text("language"),
        payment_terms: form.text("payment_terms").map(DecText),
        notes: form.text("notes"),
        ..CustomerInput::default()
    }
}

/// `POST /customers/new`: creates the customer, or shows the form again with each error
/// next to its field.
pub async fn create(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    auth.require_write().map_err(|e| WebError::api(lang, e))?;
    match input(&form).parse() {
        Ok(customer) => {
            let rec =
                app.store.insert_customer(s.rec.company_id, &customer).await.map_err(|e| WebError::store(lang, e))?;
            Ok(see_other(&format!("/customers/{}", rec.id)))
        }
        Err(ApiError::Invalid(errs)) => {
            let map: BTreeMap<String, String> = errs.iter().map(|e| (e.field.clone(), e.message.clone())).collect();
            let page = FormPage {
                p: s.chrome(&app, "customers", super::i18n::t(lang, "customers.new").into()).await?,
                fields: fields(&form, &map),
                errors: errs.into_iter().map(|e| (e.field, e.message)).collect(),
            };
            html(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

#[derive(Template)]
#[template(path = "customer.html")]
struct ShowPage {
    p: Chrome,
    id: String,
    facts: Vec<(&'static str, String)>,
    outstanding: String,
    credit: String,
    billing: Vec<String>,
    delivery: Option<Vec<String>>,
    contacts: Vec<(String, String, String, String)>,
    notes: String,
    invoices: Vec<InvoiceRow>,
    totals: Option<(String, String)>,
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

/// `GET /customers/{id}`
pub async fn show(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    let err = |e| WebError::store(lang, e);
    let id: Uuid = id.parse().map_err(|_| WebError::NotFound(lang))?;
    let rec = app.store.customer(s.rec.company_id, id).await.map_err(err)?;
    let c = &rec.customer;
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let mut facts: Vec<(&'static str, String)> = Vec::new();
    let mut fact = |k: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            facts.push((k, v));
        }
    };
    fact("customer.activity", c.activity.clone());
    fact("customer.email", c.email.as_ref().map(|e| e.to_string()));
    fact("customer.siren", c.legal.siren.as_ref().map(|x| x.to_string()));
    fact("customer.siret", c.legal.siret.as_ref().map(|x| x.to_string()));
    fact("customer.vat_number", c.legal.vat_number.as_ref().map(|x| x.to_string()));
    fact("customer.payment_terms", c.payment_terms.as_ref().map(|x| x.to_string()));
    fact("customer.language", Some(language_name(c.language).to_string()));
    fact("customer.tags", Some(c.tags.join(", ")));

    let open = app.store.receivables(s.rec.company_id, Some(id)).await.map_err(err)?;
    let outstanding: Decimal = open.iter().filter(|r| r.currency == cur.code()).map(|r| r.due).sum();
    let credit = app
        .store
        .customer_credit(s.rec.company_id, id)
        .await
        .map_err(err)?
        .into_iter()
        .filter(|(_, a)| !a.is_zero())
        .map(|(code, a)| text::money(a, code.parse().unwrap_or(cur), lang))
        .collect::<Vec<_>>()
        .join(", ");
    let filter = DocumentFilter {
        kind: DocumentKind::Invoice,
        status: None,
        customer_id: Some(id),
        from: None,
        to: None,
        limit: 20,
        after: None,
    };
    let (docs, _) = app.store.list_documents(s.rec.company_id, &filter).await.map_err(err)?;
    let names = [(id, c.name.clone())].into_iter().collect();
    let (invoices, totals) = invoice_rows(&docs, &names, s.today(), cur, lang);
    let page = ShowPage {
        p: s.chrome(&app, "customers", c.name.clone()).await?,
        id: id.to_string(),
        facts,
        outstanding: text::money(outstanding, cur, lang),
        credit,
        billing: address_lines(&c.billing_address),
        delivery: c.delivery_address.as_ref().map(address_lines),
        contacts: c
            .contacts
            .iter()
            .map(|k| {
                (
                    k.name.clone(),
                    k.role.clone().unwrap_or_default(),
                    k.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                    k.phone.clone().or(k.mobile.clone()).unwrap_or_default(),
                )
            })
            .collect(),
        notes: c.notes.clone().unwrap_or_default(),
        invoices,
        totals: Some(totals),
    };
    html(StatusCode::OK, &page)
}
