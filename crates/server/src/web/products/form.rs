//! The create and edit forms, parsed by the API's own `ProductInput::parse` (every error
//! beside its field, the input kept, nothing saved); archiving after a confirmation page,
//! and bringing back. A form opened from the document editor (`?return=`) goes back to
//! the draft, with the new product found by the editor's search.

use super::{OFFERED_UNITS, nature_key, product_id, unit_words};
use crate::App;
use crate::api::products::ProductInput;
use crate::error::ApiError;
use crate::input::DecText;
use crate::web::documents::{category_options, decimal_text, offered_rates, shown_category};
use crate::web::i18n::t;
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, local_path, query_string, see_other};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::document::Nature;
use facturier_core::money::to_text;
use facturier_core::party::Language;
use facturier_core::product::Product;
use facturier_formats::text;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One input of the product form, named by the API's field.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `decimal` or `select`.
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
    /// For a select: (value, label in the user's language), the current value among them.
    pub options: Vec<(String, String)>,
    /// A label key shown under the input, or "".
    pub hint: &'static str,
}

impl Field {
    /// The `aria-describedby` value: the error and the hint, as present.
    pub fn described_by(&self) -> String {
        crate::web::described_by(self.name, self.error.is_some(), self.hint)
    }
}

/// A fieldset of the form.
pub struct Group {
    pub legend: &'static str,
    pub fields: Vec<Field>,
}

/// What the form's selects offer, in the user's language.
struct Choices {
    rates: Vec<(String, String)>,
    categories: Vec<(String, String)>,
}

/// `options` with `current` added when it is not among them, so that what was typed stays shown.
fn with_current(
    mut options: Vec<(String, String)>,
    current: &str,
    label: impl FnOnce() -> String,
) -> Vec<(String, String)> {
    if !current.is_empty() && !options.iter().any(|(v, _)| v == current) {
        options.push((current.to_string(), label()));
    }
    options
}

fn groups(form: &FormData, choices: &Choices, lang: Language, errors: &BTreeMap<String, String>) -> Vec<Group> {
    let value = |name: &str| form.get(name).unwrap_or("").to_string();
    let field = |name: &'static str, label, kind, required, options, hint| Field {
        name,
        label,
        kind,
        required,
        value: value(name),
        error: errors.get(name).cloned(),
        options,
        hint,
    };
    let natures = std::iter::once(("", "prod.nature.auto"))
        .chain([Nature::Goods, Nature::Services].map(|n| (n.as_str(), nature_key(n))))
        .map(|(v, k)| (v.to_string(), t(lang, k).to_string()))
        .collect();
    let unit = value("unit");
    let units =
        with_current(OFFERED_UNITS.iter().map(|u| (u.to_string(), unit_words(u, lang))).collect(), &unit, || {
            unit_words(&unit, lang)
        });
    let rate = value("vat_rate");
    let rates = with_current(choices.rates.clone(), &rate, || rate.clone());
    let category = value("vat_category");
    let categories = with_current(choices.categories.clone(), &category, || category.clone());
    vec![
        Group {
            legend: "prod.identity",
            fields: vec![
                field("reference", "prod.reference", "text", true, Vec::new(), ""),
                field("name", "prod.name", "text", true, Vec::new(), ""),
                field("nature", "prod.nature", "select", false, natures, ""),
                field("unit", "prod.unit", "select", false, units, ""),
            ],
        },
        Group {
            legend: "prod.pricing",
            fields: vec![
                field("unit_price", "prod.price", "decimal", true, Vec::new(), ""),
                field("vat_rate", "prod.vat_rate", "select", true, rates, ""),
                field("vat_category", "prod.vat_category", "select", false, categories, "prod.vat_category_hint"),
                field("purchase_price", "prod.purchase_price", "decimal", false, Vec::new(), ""),
            ],
        },
    ]
}

/// The form's values for a stored product.
fn form_of(p: &Product) -> FormData {
    let mut v: Vec<(String, String)> = vec![
        ("reference".into(), p.reference.clone()),
        ("name".into(), p.name.clone()),
        ("nature".into(), p.nature.as_str().into()),
        ("unit".into(), p.unit.code().into()),
        ("unit_price".into(), to_text(p.unit_price, 2)),
        ("vat_rate".into(), to_text(p.vat.rate(), 0)),
        ("vat_category".into(), shown_category(p.vat.category(), p.vat.rate())),
        ("purchase_price".into(), p.purchase_price.map(|c| to_text(c, 2)).unwrap_or_default()),
        ("stock".into(), p.stock.map(|s| to_text(s, 0)).unwrap_or_default()),
    ];
    if p.stock.is_some() {
        v.push(("track_stock".into(), "1".into()));
    }
    FormData(v)
}

/// The API's input from the form: every field replaces the stored one (empty means
/// absent); an untracked stock is none, a tracked one empty is 0. Archiving is left as it is.
fn input(form: &FormData) -> ProductInput {
    let dec = |name: &str| form.text(name).map(|v| DecText(decimal_text(&v)));
    let tracked = form.get("track_stock").is_some();
    ProductInput {
        reference: form.text("reference"),
        name: form.text("name"),
        unit: form.text("unit"),
        unit_price: dec("unit_price"),
        vat_rate: dec("vat_rate"),
        vat_category: form.text("vat_category"),
        purchase_price: dec("purchase_price"),
        stock: tracked.then(|| dec("stock").unwrap_or_else(|| DecText("0".into()))),
        nature: form.text("nature"),
        ..ProductInput::default()
    }
}

#[derive(Template)]
#[template(path = "product_form.html")]
struct FormPage {
    p: Chrome,
    action: String,
    cancel: String,
    /// The editor page to go back to, or "".
    back: String,
    groups: Vec<Group>,
    tracked: bool,
    stock: Field,
    /// Archived: the form offers to put it back on sale instead of archiving it.
    archived: Option<bool>,
    id: String,
    /// (input name, the field in the user's words, message) for the summary above the form.
    errors: Vec<(String, String, String)>,
}

/// The editor page a form opened from the document editor goes back to, if any.
fn return_path(raw: Option<&str>) -> Option<String> {
    raw.filter(|r| !r.is_empty()).map(|r| local_path(Some(r))).filter(|r| r != "/")
}

struct Shown<'a> {
    title: String,
    id: Option<Uuid>,
    archived: Option<bool>,
    back: Option<String>,
    form: &'a FormData,
}

async fn form_page(
    app: &App,
    s: &WebSession,
    shown: Shown<'_>,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let choices = Choices {
        rates: offered_rates(app, s).await?.into_iter().map(|r| (to_text(r, 0), text::percent(r, lang))).collect(),
        categories: category_options(lang),
    };
    let form = shown.form;
    let groups = groups(form, &choices, lang, &errors);
    let summary = errors
        .iter()
        .map(|(name, message)| {
            let label = match groups.iter().flat_map(|g| &g.fields).find(|f| f.name == name) {
                Some(f) => t(lang, f.label).to_string(),
                None if name == "stock" => t(lang, "prod.quantity").to_string(),
                None => crate::web::messages::field_name(lang, name),
            };
            (name.clone(), label, message.clone())
        })
        .collect();
    let page = FormPage {
        p: s.chrome(app, "products", shown.title).await?,
        action: match shown.id {
            Some(id) => format!("/products/{id}/edit"),
            None => "/products/new".into(),
        },
        cancel: shown.back.clone().unwrap_or_else(|| "/products".into()),
        back: shown.back.unwrap_or_default(),
        groups,
        tracked: form.get("track_stock").is_some(),
        stock: Field {
            name: "stock",
            label: "prod.quantity",
            kind: "decimal",
            required: false,
            value: form.get("stock").unwrap_or("").to_string(),
            error: errors.get("stock").cloned(),
            options: Vec::new(),
            hint: "prod.quantity_hint",
        },
        archived: shown.archived,
        id: shown.id.map(|i| i.to_string()).unwrap_or_default(),
        errors: summary,
    };
    html(status, &page)
}

/// The API's field errors keyed by the form's input names.
fn form_errors(lang: Language, errs: &[crate::error::FieldError]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for e in errs {
        map.entry(e.field.clone()).or_insert_with(|| crate::web::messages::message(lang, &e.message));
    }
    map
}

#[derive(Deserialize)]
pub struct NewQuery {
    /// The editor page to come back to (`/invoices/{id}/edit`).
    #[serde(rename = "return")]
    back: Option<String>,
    /// What the editor's search held: the new product's name to start with.
    name: Option<String>,
}

/// `GET /products/new?return=&name=`
pub async fn new_form(State(app): State<App>, s: WebSession, Query(q): Query<NewQuery>) -> Result<Response, WebError> {
    let lang = s.lang();
    if !s.can_write() {
        return Err(WebError::Forbidden(lang));
    }
    let rate = offered_rates(&app, &s).await?.first().map(|r| to_text(*r, 0)).unwrap_or_else(|| "20".into());
    let name: String = q.name.unwrap_or_default().chars().filter(|c| !c.is_control()).take(500).collect();
    let form = FormData(vec![
        ("name".into(), name.trim().to_string()),
        ("unit".into(), "C62".into()),
        ("vat_rate".into(), rate),
    ]);
    let back = return_path(q.back.as_deref());
    let shown = Shown { title: t(lang, "prod.new").into(), id: None, archived: None, back, form: &form };
    form_page(&app, &s, shown, BTreeMap::new(), StatusCode::OK).await
}

/// Where a saved product leads: back to the editor with the product searched, or to the
/// catalogue with a notice naming it.
fn after_save(back: Option<String>, id: Uuid, reference: &str) -> String {
    match back {
        Some(b) => {
            let sep = if b.contains('?') { '&' } else { '?' };
            format!("{b}{sep}{}", query_string(&[("product_q", reference)]))
        }
        None => format!("/products?{}", query_string(&[("done", "saved"), ("id", &id.to_string())])),
    }
}

/// `POST /products/new`: creates the product, or shows the form again, as typed, with
/// each error next to its field; nothing is saved then.
pub async fn create(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    auth.require_write().map_err(|e| WebError::api(lang, e))?;
    let back = return_path(form.get("return"));
    let saved = match input(&form).parse() {
        Ok(p) => app.store.insert_product(auth.company(), &p).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match saved {
        Ok(rec) => Ok(see_other(&after_save(back, rec.id, &rec.product.reference))),
        Err(ApiError::Invalid(errs)) => {
            let shown = Shown { title: t(lang, "prod.new").into(), id: None, archived: None, back, form: &form };
            form_page(&app, &s, shown, form_errors(lang, &errs), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

fn edit_title(lang: Language, p: &Product) -> String {
    format!("{} · {} — {}", t(lang, "prod.edit"), p.reference, p.name)
}

/// `GET /products/{id}/edit`
pub async fn edit_form(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    if !s.can_write() {
        return Err(WebError::Forbidden(lang));
    }
    let id = product_id(lang, &id)?;
    let rec = app.store.product(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let form = form_of(&rec.product);
    let shown = Shown {
        title: edit_title(lang, &rec.product),
        id: Some(id),
        archived: Some(rec.archived_at.is_some()),
        back: None,
        form: &form,
    };
    form_page(&app, &s, shown, BTreeMap::new(), StatusCode::OK).await
}

/// `POST /products/{id}/edit`: saves the edit, or shows the form again, as typed, with
/// each error next to its field; nothing is saved then.
pub async fn update(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    auth.require_write().map_err(|e| WebError::api(lang, e))?;
    let id = product_id(lang, &id)?;
    let current = app.store.product(auth.company(), id).await.map_err(|e| WebError::store(lang, e))?;
    let saved = match input(&form).parse() {
        Ok(p) => app.store.update_product(auth.company(), id, &p).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match saved {
        Ok(rec) => Ok(see_other(&after_save(None, rec.id, &rec.product.reference))),
        Err(ApiError::Invalid(errs)) => {
            let shown = Shown {
                title: edit_title(lang, &current.product),
                id: Some(id),
                archived: Some(current.archived_at.is_some()),
                back: None,
                form: &form,
            };
            form_page(&app, &s, shown, form_errors(lang, &errs), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

#[derive(Template)]
#[template(path = "product_archive.html")]
struct ArchivePage {
    p: Chrome,
    id: String,
    label: String,
}

/// `GET /products/{id}/archive`: asks before archiving (no script needed).
pub async fn archive_form(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    if !s.can_write() {
        return Err(WebError::Forbidden(lang));
    }
    let id = product_id(lang, &id)?;
    let rec = app.store.product(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let page = ArchivePage {
        p: s.chrome(&app, "products", t(lang, "prod.archive_title").into()).await?,
        id: id.to_string(),
        label: format!("{} — {}", rec.product.reference, rec.product.name),
    };
    html(StatusCode::OK, &page)
}

async fn set_archived(app: &App, s: &WebSession, id: &str, archived: bool) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    auth.require_write().map_err(|e| WebError::api(lang, e))?;
    let id = product_id(lang, id)?;
    let rec =
        app.store.set_product_archived(auth.company(), id, archived).await.map_err(|e| WebError::store(lang, e))?;
    let done = if archived { "archived" } else { "restored" };
    Ok(see_other(&format!("/products?{}", query_string(&[("done", done), ("id", &rec.id.to_string())]))))
}

/// `POST /products/{id}/archive`: the confirmed archiving.
pub async fn archive(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, _): CsrfForm,
) -> Result<Response, WebError> {
    set_archived(&app, &s, &id, true).await
}

/// `POST /products/{id}/restore`: back on sale.
pub async fn restore(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, _): CsrfForm,
) -> Result<Response, WebError> {
    set_archived(&app, &s, &id, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn decimals_are_read_as_typed_and_the_stock_only_when_tracked() {
        let typed = [("unit_price", "1 234,50"), ("stock", "12"), ("vat_rate", "5,5")];
        let untracked = input(&form(&typed));
        assert_eq!(untracked.unit_price.map(|d| d.0), Some("1234.50".into()));
        assert_eq!(untracked.vat_rate.map(|d| d.0), Some("5.5".into()));
        assert!(untracked.stock.is_none());
        let tracked = input(&form(&[("track_stock", "1"), ("stock", "")]));
        assert_eq!(tracked.stock.map(|d| d.0), Some("0".into()));
    }

    #[test]
    fn only_a_local_return_path_is_followed() {
        assert_eq!(return_path(Some("/invoices/1/edit")), Some("/invoices/1/edit".into()));
        assert_eq!(return_path(Some("https://evil.example/")), None);
        assert_eq!(return_path(Some("//evil.example/")), None);
        assert_eq!(return_path(None), None);
        assert_eq!(
            after_save(Some("/quotes/1/edit".into()), Uuid::nil(), "CÂBLE 3"),
            "/quotes/1/edit?product_q=C%C3%82BLE+3"
        );
    }
}
