//! The create and edit forms: fields named by the API's field paths, contact rows, parsed
//! by the API's own `CustomerInput::parse`, edits merged over the stored record as the
//! API's `PATCH` does.

use crate::App;
use crate::app::customers::{AddressInput, ContactInput, CustomerInput, LegalInput};
use crate::error::ApiError;
use crate::input::DecText;
use crate::web::i18n::t;
use crate::web::notice::with_done;
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::party::Language;
use facturier_core::terms::PaymentTerms;
use std::collections::BTreeMap;
use uuid::Uuid;

use super::customer_id;

/// One input of the customer form. Its name is the API's field path, so that the API's
/// per-field errors land next to the right input.
pub struct Field {
    pub name: String,
    pub label: &'static str,
    /// `text`, `email`, `tel`, `textarea` or `select`.
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
    /// For a select: (value, label key).
    pub options: &'static [(&'static str, &'static str)],
    /// A label key shown under the input, or "".
    pub hint: &'static str,
}

impl Field {
    /// The `aria-describedby` value: the error and the hint, as present.
    pub fn described_by(&self) -> String {
        crate::web::described_by(&self.name, self.error.is_some(), self.hint)
    }
}

/// A fieldset of the form.
pub struct Group {
    pub legend: &'static str,
    pub fields: Vec<Field>,
}

/// One contact's inputs; `existing` rows offer a "remove" box.
pub struct ContactRow {
    pub index: usize,
    pub existing: bool,
    pub remove: bool,
    pub fields: Vec<Field>,
}

const KINDS: &[(&str, &str)] = &[("company", "cust.kind.company"), ("individual", "cust.kind.individual")];
const LANGUAGES: &[(&str, &str)] = &[("fr", "cust.lang.fr"), ("en", "cust.lang.en")];
const NETWORKS: &[(&str, &str)] =
    &[("", "cust.network.auto"), ("fr", "cust.network.fr"), ("peppol", "cust.network.peppol")];

type Spec = (&'static str, &'static str, &'static str, bool);

const GROUPS: &[(&str, &[Spec])] = &[
    (
        "cust.identity",
        &[
            ("name", "customer.name", "text", true),
            ("kind", "cust.kind", "kind", false),
            ("email", "customer.email", "email", false),
            ("activity", "customer.activity", "text", false),
            ("legal.siren", "customer.siren", "text", false),
            ("legal.siret", "customer.siret", "text", false),
            ("legal.vat_number", "customer.vat_number", "text", false),
            ("iban", "cust.iban", "text", false),
        ],
    ),
    (
        "cust.billing",
        &[
            ("billing_address.line1", "address.line1", "text", true),
            ("billing_address.line2", "cust.line2", "text", false),
            ("billing_address.postal_code", "address.postal_code", "text", true),
            ("billing_address.city", "address.city", "text", true),
            ("billing_address.country", "address.country", "text", true),
        ],
    ),
    (
        "cust.delivery",
        &[
            ("delivery_address.line1", "address.line1", "text", false),
            ("delivery_address.line2", "cust.line2", "text", false),
            ("delivery_address.postal_code", "address.postal_code", "text", false),
            ("delivery_address.city", "address.city", "text", false),
            ("delivery_address.country", "address.country", "text", false),
        ],
    ),
    (
        "cust.terms",
        &[
            ("payment_terms", "customer.payment_terms", "text", false),
            ("currency", "cust.currency", "text", false),
            ("language", "customer.language", "language", false),
            ("network", "cust.network", "network", false),
        ],
    ),
    ("cust.other", &[("tags", "cust.tags", "text", false), ("notes", "customer.notes", "textarea", false)]),
];

const CONTACT_FIELDS: &[(&str, &str, &str)] = &[
    ("name", "cust.contact_name", "text"),
    ("role", "cust.contact_role", "text"),
    ("email", "cust.contact_email", "email"),
    ("phone", "cust.contact_phone", "tel"),
    ("mobile", "cust.contact_mobile", "tel"),
];

pub(super) fn field(name: String, label: &'static str, kind: &'static str, required: bool, form: &FormData) -> Field {
    let (kind, options) = match kind {
        "kind" => ("select", KINDS),
        "language" => ("select", LANGUAGES),
        "network" => ("select", NETWORKS),
        k => (k, &[][..]),
    };
    let hint = if name == "payment_terms" { "cust.payment_terms_hint" } else { "" };
    let value = form.get(&name).unwrap_or("").to_string();
    Field { name, label, kind, required, value, error: None, options, hint }
}

/// The form's groups and contact rows, filled from `form`, with `errors` next to their inputs.
fn form_parts(form: &FormData, rows: usize, errors: &BTreeMap<String, String>) -> (Vec<Group>, Vec<ContactRow>) {
    let with_error = |mut f: Field| {
        f.error = errors.get(&f.name).cloned();
        f
    };
    let groups = GROUPS
        .iter()
        .map(|(legend, specs)| Group {
            legend,
            fields: specs
                .iter()
                .map(|&(name, label, kind, required)| with_error(field(name.into(), label, kind, required, form)))
                .collect(),
        })
        .collect();
    let contacts = (0..rows)
        .map(|i| ContactRow {
            index: i,
            existing: form.get(&format!("contacts[{i}].existing")).is_some(),
            remove: form.get(&format!("contacts[{i}].remove")).is_some(),
            fields: CONTACT_FIELDS
                .iter()
                .map(|&(k, label, kind)| with_error(field(format!("contacts[{i}].{k}"), label, kind, false, form)))
                .collect(),
        })
        .collect();
    (groups, contacts)
}

/// The form's values for an input (a stored customer, or the defaults of a new one).
fn form_of(input: &CustomerInput, lang: Language) -> (FormData, usize) {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, x: &Option<String>| v.push((k.into(), x.clone().unwrap_or_default()));
    put("name", &input.name);
    put("kind", &input.kind);
    put("email", &input.email);
    put("activity", &input.activity);
    let legal = input.legal.clone().unwrap_or_default();
    put("legal.siren", &legal.siren);
    put("legal.siret", &legal.siret);
    put("legal.vat_number", &legal.vat_number);
    put("iban", &input.iban);
    for (prefix, a) in [("billing_address", &input.billing_address), ("delivery_address", &input.delivery_address)] {
        let a = a.clone().unwrap_or_default();
        put(&format!("{prefix}.line1"), &a.line1);
        put(&format!("{prefix}.line2"), &a.line2);
        put(&format!("{prefix}.postal_code"), &a.postal_code);
        put(&format!("{prefix}.city"), &a.city);
        put(&format!("{prefix}.country"), &a.country);
    }
    // In words, as the reader writes them back ("45 jours fin de mois").
    put("payment_terms", &input.payment_terms.clone().map(|t| PaymentTerms::label_of(&t.0, lang)));
    put("currency", &input.currency);
    put("language", &input.language);
    put("network", &input.network);
    put("tags", &input.tags.as_ref().map(|t| t.join(", ")));
    put("notes", &input.notes);
    let contacts = input.contacts.clone().unwrap_or_default();
    for (i, c) in contacts.iter().enumerate() {
        let mut put =
            |k: &str, x: &Option<String>| v.push((format!("contacts[{i}].{k}"), x.clone().unwrap_or_default()));
        put("name", &c.name);
        put("role", &c.role);
        put("email", &c.email);
        put("phone", &c.phone);
        put("mobile", &c.mobile);
        v.push((format!("contacts[{i}].existing"), "1".into()));
    }
    // One empty row to add a contact.
    (FormData(v), contacts.len() + 1)
}

/// How many contact rows a submitted form has.
fn contact_rows(form: &FormData) -> usize {
    form.0
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("contacts[")?.split_once(']')?.0.parse::<usize>().ok())
        .filter(|&i| i < 200)
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

/// The API's input from the form, merged over `base` (the stored customer when editing):
/// every field the form shows replaces the stored one (empty means absent), the others
/// (such as the invoice grouping) are kept — the API's `PATCH` semantics. Also returns,
/// for each contact of the input, the form row it came from.
pub(super) fn input(form: &FormData, base: Option<&CustomerInput>) -> (CustomerInput, Vec<usize>) {
    let mut input = base.cloned().unwrap_or_default();
    input.name = form.text("name");
    input.kind = form.text("kind");
    input.email = form.text("email");
    input.activity = form.text("activity");
    input.legal = Some(LegalInput {
        siren: form.text("legal.siren"),
        siret: form.text("legal.siret"),
        vat_number: form.text("legal.vat_number"),
    });
    input.iban = form.text("iban");
    let address = |p: &str| AddressInput {
        line1: form.text(&format!("{p}.line1")),
        line2: form.text(&format!("{p}.line2")),
        postal_code: form.text(&format!("{p}.postal_code")),
        city: form.text(&format!("{p}.city")),
        country: form.text(&format!("{p}.country")),
    };
    input.billing_address = Some(address("billing_address"));
    let delivery = address("delivery_address");
    let no_delivery =
        [&delivery.line1, &delivery.line2, &delivery.postal_code, &delivery.city].iter().all(|x| x.is_none());
    input.delivery_address = (!no_delivery).then_some(delivery);
    let mut rows = Vec::new();
    let mut contacts = Vec::new();
    for i in 0..contact_rows(form) {
        if form.get(&format!("contacts[{i}].remove")).is_some() {
            continue;
        }
        let f = |k: &str| form.text(&format!("contacts[{i}].{k}"));
        let c = ContactInput {
            name: f("name"),
            role: f("role"),
            email: f("email"),
            phone: f("phone"),
            mobile: f("mobile"),
        };
        if [&c.name, &c.role, &c.email, &c.phone, &c.mobile].iter().all(|x| x.is_none()) {
            continue;
        }
        rows.push(i);
        contacts.push(c);
    }
    input.contacts = Some(contacts);
    input.language = form.text("language");
    input.network = form.text("network");
    input.currency = form.text("currency");
    input.payment_terms = form.text("payment_terms").map(DecText);
    input.tags = Some(
        form.get("tags").unwrap_or("").split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
    );
    input.notes = form.text("notes");
    (input, rows)
}

/// The API's field errors keyed by the form's input names.
fn form_errors(lang: Language, errs: &[crate::error::FieldError], rows: &[usize]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for e in errs {
        let name = if let Some(rest) = e.field.strip_prefix("contacts[") {
            match rest.split_once(']') {
                Some((n, tail)) => match n.parse::<usize>().ok().and_then(|n| rows.get(n)) {
                    Some(row) => format!("contacts[{row}]{tail}"),
                    None => e.field.clone(),
                },
                None => e.field.clone(),
            }
        } else if e.field.starts_with("tags[") {
            "tags".into()
        } else {
            e.field.clone()
        };
        map.entry(name).or_insert_with(|| crate::web::messages::message(lang, &e.message));
    }
    map
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    pub(super) p: Chrome,
    action: String,
    pub(super) cancel: String,
    groups: Vec<Group>,
    pub(super) contacts: Vec<ContactRow>,
    errors: Vec<(String, String)>,
}

async fn form_page(
    app: &App,
    s: &WebSession,
    (title, id): (String, Option<Uuid>),
    form: &FormData,
    rows: usize,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (groups, contacts) = form_parts(form, rows, &errors);
    let page = FormPage {
        p: s.chrome(app, "customers", title).await?,
        action: match id {
            Some(id) => format!("/customers/{id}/edit"),
            None => "/customers/new".into(),
        },
        cancel: match id {
            Some(id) => format!("/customers/{id}"),
            None => "/customers".into(),
        },
        groups,
        contacts,
        errors: errors.into_iter().collect(),
    };
    html(status, &page)
}

/// `GET /customers/new`
pub async fn new_form(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    if !s.can_write() {
        return Err(WebError::Forbidden(s.lang()));
    }
    let defaults = CustomerInput {
        billing_address: Some(AddressInput { country: Some("FR".into()), ..AddressInput::default() }),
        language: Some("fr".into()),
        kind: Some("company".into()),
        ..CustomerInput::default()
    };
    let (form, rows) = form_of(&defaults, s.lang());
    let title = t(s.lang(), "customers.new").into();
    form_page(&app, &s, (title, None), &form, rows, BTreeMap::new(), StatusCode::OK).await
}

/// What a submitted form asks for besides saving.
fn adds_a_contact(form: &FormData) -> bool {
    form.get("action") == Some("add_contact")
}

/// `POST /customers/new`: creates the customer, or shows the form again with each error
/// next to its field.
pub async fn create(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let title = t(lang, "customers.new").to_string();
    if adds_a_contact(&form) {
        let rows = contact_rows(&form).max(1) + 1;
        return form_page(&app, &s, (title, None), &form, rows, BTreeMap::new(), StatusCode::OK).await;
    }
    let (input, rows) = input(&form, None);
    match crate::app::customers::create(&app, &s.auth(), &input).await {
        Ok(rec) => Ok(see_other(&with_done(&format!("/customers/{}", rec.id), "customer_created"))),
        Err(ApiError::Invalid(errs)) => {
            let errors = form_errors(lang, &errs, &rows);
            let n = contact_rows(&form).max(1);
            form_page(&app, &s, (title, None), &form, n, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

/// `GET /customers/{id}/edit`
pub async fn edit_form(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    if !s.can_write() {
        return Err(WebError::Forbidden(lang));
    }
    let id = customer_id(lang, &id)?;
    let rec = app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let (form, rows) = form_of(&CustomerInput::from_customer(&rec.customer), lang);
    let title = format!("{} · {}", t(lang, "cust.edit_title"), rec.customer.name);
    form_page(&app, &s, (title, Some(id)), &form, rows, BTreeMap::new(), StatusCode::OK).await
}

/// `POST /customers/{id}/edit`: saves the edit (merged over the stored record), or shows
/// the form again, as typed, with each error next to its field; nothing is saved then.
pub async fn update(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = customer_id(lang, &id)?;
    let current = app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let title = format!("{} · {}", t(lang, "cust.edit_title"), current.customer.name);
    if adds_a_contact(&form) {
        let rows = contact_rows(&form).max(1) + 1;
        return form_page(&app, &s, (title, Some(id)), &form, rows, BTreeMap::new(), StatusCode::OK).await;
    }
    let (input, rows) = input(&form, Some(&CustomerInput::from_customer(&current.customer)));
    match crate::app::customers::update(&app, &s.auth(), id, |_| Ok(input)).await {
        Ok(_) => Ok(see_other(&with_done(&format!("/customers/{id}"), "customer_updated"))),
        Err(ApiError::Invalid(errs)) => {
            let errors = form_errors(lang, &errs, &rows);
            let n = contact_rows(&form).max(1);
            form_page(&app, &s, (title, Some(id)), &form, n, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn removed_and_empty_contact_rows_are_left_out_and_errors_find_their_row() {
        let f = form(&[
            ("contacts[0].name", "Ann"),
            ("contacts[0].remove", "1"),
            ("contacts[1].name", "Bob"),
            ("contacts[2].name", ""),
            ("contacts[3].email", "pas-un-email"),
        ]);
        let (input, rows) = input(&f, None);
        assert_eq!(input.contacts.as_ref().map(Vec::len), Some(2));
        assert_eq!(rows, vec![1, 3]);
        let bad = facturier_core::message::Message::new("required");
        let errs = [crate::error::FieldError::new("contacts[1].email", bad)];
        assert_eq!(
            form_errors(Language::En, &errs, &rows).get("contacts[3].email").map(String::as_str),
            Some("is required")
        );
    }

    #[test]
    fn tags_are_split_on_commas() {
        let (input, _) = input(&form(&[("tags", " vip, export ,, btp ")]), None);
        assert_eq!(input.tags, Some(vec!["vip".into(), "export".into(), "btp".into()]));
    }
}
