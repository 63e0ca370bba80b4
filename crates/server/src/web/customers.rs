//! The customer directory: a list with the API's indexed search, sortable columns and
//! keyset pages; the create and edit forms (validated by the API's own
//! `CustomerInput::parse`, edits merged over the stored record as the API's `PATCH`
//! does); the customer's page with its documents of every kind, outstanding balance,
//! attached files and history.

use super::i18n::{self, t};
use super::session::{Chrome, CsrfForm, FormData, WebSession, same_secret};
use super::{WebError, html, query_string, see_other};
use crate::App;
use crate::api::customer_files::{self as files, UploadError};
use crate::app::customers::{AddressInput, ContactInput, CustomerInput, LegalInput};
use crate::error::ApiError;
use crate::input::DecText;
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::money::Currency;
use facturier_core::party::{Address, Language};
use facturier_formats::text;
use facturier_store::customer_files::HistoryEntry;
use facturier_store::customers::{CustomerFilter, CustomerOrder, CustomerSort};
use facturier_store::documents::DocumentFilter;
use facturier_store::reports::OpenAmount;
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

const PAGE: u32 = 50;
/// Documents of each kind shown on a customer's page.
const DOCS_PER_KIND: u32 = 50;
/// Entries of the history shown on a customer's page.
const HISTORY: u32 = 100;

/// This module's labels: (key, French, English).
pub const LABELS: i18n::Labels = &[
    ("cust.edit", "Modifier la fiche", "Edit the record"),
    ("cust.edit_title", "Modifier", "Edit"),
    ("cust.kind", "Type de client", "Kind of customer"),
    ("cust.kind.company", "Entreprise", "Company"),
    ("cust.kind.individual", "Particulier", "Individual"),
    ("cust.iban", "IBAN", "IBAN"),
    ("cust.currency", "Devise (code ISO, vide : celle de la société)", "Currency (ISO code, empty: the company's)"),
    ("cust.tags", "Étiquettes (séparées par des virgules)", "Tags (separated by commas)"),
    ("cust.identity", "Identité", "Identity"),
    ("cust.billing", "Adresse de facturation", "Billing address"),
    (
        "cust.delivery",
        "Adresse de livraison (vide : celle de facturation)",
        "Delivery address (empty: the billing one)",
    ),
    ("cust.terms", "Conditions", "Terms"),
    ("cust.other", "Classement et notes", "Tags and notes"),
    ("cust.line2", "Complément d'adresse", "Address line 2"),
    ("cust.contacts", "Contacts", "Contacts"),
    ("cust.contact", "Contact", "Contact"),
    ("cust.new_contact", "Nouveau contact", "New contact"),
    ("cust.contact_name", "Nom", "Name"),
    ("cust.contact_role", "Fonction", "Role"),
    ("cust.contact_email", "E-mail", "E-mail"),
    ("cust.contact_phone", "Ligne directe", "Direct line"),
    ("cust.contact_mobile", "Mobile", "Mobile"),
    ("cust.contact_remove", "Supprimer ce contact", "Remove this contact"),
    ("cust.add_contact", "Ajouter un autre contact", "Add another contact"),
    (
        "cust.payment_terms_hint",
        "30_days, 45_days_eom, ou un nombre de jours",
        "30_days, 45_days_eom, or a number of days",
    ),
    ("cust.created", "Créé le", "Created"),
    ("cust.outstanding", "Encours TTC", "Outstanding"),
    ("cust.overdue", "dont en retard", "of which overdue"),
    ("cust.sort_by", "Trier par", "Sort by"),
    ("cust.sorted_asc", "tri croissant", "sorted ascending"),
    ("cust.sorted_desc", "tri décroissant", "sorted descending"),
    ("cust.documents", "Documents", "Documents"),
    ("cust.doc_kind", "Type", "Kind"),
    ("cust.no_documents", "Aucun document.", "No documents."),
    ("cust.files", "Fichiers joints", "Attached files"),
    ("cust.no_files", "Aucun fichier.", "No files."),
    ("cust.file", "Fichier (10 Mo au plus)", "File (at most 10 MB)"),
    ("cust.file_name", "Nom", "Name"),
    ("cust.file_size", "Taille", "Size"),
    ("cust.file_type", "Type", "Type"),
    ("cust.file_date", "Ajouté le", "Added"),
    ("cust.upload", "Joindre le fichier", "Attach the file"),
    ("cust.delete_file", "Supprimer", "Delete"),
    (
        "cust.file_too_large",
        "Ce fichier dépasse 10 Mo : il n'a pas été enregistré.",
        "This file is over 10 MB: it was not saved.",
    ),
    ("cust.file_missing", "Choisissez un fichier non vide.", "Choose a file that is not empty."),
    ("cust.history", "Historique", "History"),
    ("cust.no_history", "Aucun événement.", "No events."),
    ("cust.when", "Date", "When"),
    ("cust.what", "Événement", "Event"),
    ("cust.detail", "Détail", "Detail"),
    ("cust.ev.created", "Fiche créée", "Record created"),
    ("cust.ev.updated", "Fiche modifiée", "Record updated"),
    ("cust.ev.file_added", "Fichier joint", "File attached"),
    ("cust.ev.file_removed", "Fichier supprimé", "File removed"),
    ("cust.ev.doc_created", "Document créé", "Document created"),
    ("cust.legal", "Identifiants légaux", "Legal identifiers"),
    ("cust.grouping", "Regroupement des livraisons", "Grouping of deliveries"),
    ("cust.network", "Réseau de facturation électronique", "E-invoicing network"),
    (
        "cust.network.auto",
        "Selon le pays (France : plateformes agréées, ailleurs : Peppol)",
        "From the country (France: accredited platforms, elsewhere: Peppol)",
    ),
    ("cust.network.fr", "Plateformes agréées françaises (UBL BR-FR)", "French accredited platforms (UBL BR-FR)"),
    ("cust.network.peppol", "Peppol (UBL Peppol BIS 3.0)", "Peppol (UBL Peppol BIS 3.0)"),
    ("cust.mobile", "Mobile", "Mobile"),
    ("cust.lang.fr", "Français", "French"),
    ("cust.lang.en", "Anglais", "English"),
    ("cust.cancel", "Annuler", "Cancel"),
];

// ---------------------------------------------------------------- directory

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
    p: Chrome,
    q: String,
    rows: Vec<CustomerRow>,
    headers: Vec<SortHeader>,
    first_page: bool,
    first_query: String,
    next_query: Option<String>,
}

impl ListPage {
    fn header(&self, key: &str) -> Option<&SortHeader> {
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

// ---------------------------------------------------------------- create and edit

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
        let mut ids = Vec::new();
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        ids.join(" ")
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

fn field(name: String, label: &'static str, kind: &'static str, required: bool, form: &FormData) -> Field {
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
fn form_of(input: &CustomerInput) -> (FormData, usize) {
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
    put("payment_terms", &input.payment_terms.clone().map(|t| t.0));
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
fn input(form: &FormData, base: Option<&CustomerInput>) -> (CustomerInput, Vec<usize>) {
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
        map.entry(name).or_insert_with(|| super::messages::message(lang, &e.message));
    }
    map
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    p: Chrome,
    action: String,
    cancel: String,
    groups: Vec<Group>,
    contacts: Vec<ContactRow>,
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
    let (form, rows) = form_of(&defaults);
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
        Ok(rec) => Ok(see_other(&format!("/customers/{}", rec.id))),
        Err(ApiError::Invalid(errs)) => {
            let errors = form_errors(lang, &errs, &rows);
            let n = contact_rows(&form).max(1);
            form_page(&app, &s, (title, None), &form, n, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

fn customer_id(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

/// `GET /customers/{id}/edit`
pub async fn edit_form(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    if !s.can_write() {
        return Err(WebError::Forbidden(lang));
    }
    let id = customer_id(lang, &id)?;
    let rec = app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let (form, rows) = form_of(&CustomerInput::from_customer(&rec.customer));
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
        Ok(_) => Ok(see_other(&format!("/customers/{id}"))),
        Err(ApiError::Invalid(errs)) => {
            let errors = form_errors(lang, &errs, &rows);
            let n = contact_rows(&form).max(1);
            form_page(&app, &s, (title, Some(id)), &form, n, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

// ---------------------------------------------------------------- the customer's page

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
    p: Chrome,
    id: String,
    facts: Vec<(&'static str, String)>,
    outstanding: String,
    credit: String,
    /// The credit per currency as (code, amount as typed in a form), for the credit forms.
    credits: Vec<(String, String)>,
    /// The customer's open invoices as (id, label), to apply credit to.
    open_invoices: Vec<(String, String)>,
    billing: Vec<String>,
    delivery: Option<Vec<String>>,
    contacts: Vec<ContactView>,
    notes: String,
    documents: Vec<DocRow>,
    files: Vec<FileRow>,
    upload_error: Option<&'static str>,
    history: Vec<HistoryRow>,
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

fn history_row(e: &HistoryEntry, lang: Language) -> HistoryRow {
    let time = e.at.time();
    let at = format!("{} {:02}:{:02} UTC", text::date(e.at.date(), lang), time.hour(), time.minute());
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
                    i18n::lookup(lang, &format!("cust.ev.{other}")).map_or_else(|| other.to_string(), String::from),
                    str_of("amount"),
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
                ev => i18n::lookup(lang, &format!("event.{ev}")).map(String::from).unwrap_or_else(|| ev.to_string()),
            };
            let mut detail = format!("{kind_name} {number}");
            for key in ["amount", "to"] {
                match e.detail.get(key) {
                    Some(serde_json::Value::String(v)) => detail.push_str(&format!(" · {v}")),
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

async fn render_show(
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
    fact("customer.payment_terms", c.payment_terms.as_ref().map(|x| x.to_string()));
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
    let documents = docs
        .iter()
        .map(|d| {
            let gross = d.content.totals().gross;
            let owed = d.kind.is_payable() && d.status != Status::Draft;
            DocRow {
                href: format!("/{}/{}", d.kind.segment(), d.id),
                kind: text::kind_title(d.kind, false, lang),
                number: d.number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into()),
                date: text::date(d.issue_date.unwrap_or(d.created_at.date()), lang),
                status: t(lang, &format!("status.{}", d.status.as_str())).into(),
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
            date: text::date(f.created_at.date(), lang),
        })
        .collect();
    let history = app
        .store
        .customer_history(company, id, HISTORY)
        .await
        .map_err(err)?
        .iter()
        .map(|e| history_row(e, lang))
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

// ---------------------------------------------------------------- files

/// `POST /customers/{id}/files` (multipart: `csrf`, then `file`): attaches the file, or
/// shows the customer's page again with the reason next to the file input.
pub async fn upload(
    State(app): State<App>,
    s: WebSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = customer_id(lang, &id)?;
    // Another company's customer is unknown here, whatever the body holds.
    app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let mp = Multipart::from_request(req, &app).await.map_err(|e| WebError::BadRequest(lang, e.body_text()))?;
    let mut fields = Vec::new();
    let read = files::read_upload(mp, &mut fields).await;
    // The CSRF token: htmx's header, or the form's `csrf` part (sent before the file).
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .or_else(|| fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.clone()))
        .unwrap_or_default();
    if !same_secret(&sent, &s.rec.csrf_token) {
        return Err(WebError::Csrf(lang));
    }
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    match read {
        Ok(up) => {
            crate::app::customers::attach_file(&app, &s.auth(), id, &up, Some(&s.rec.email))
                .await
                .map_err(|e| WebError::api(lang, e))?;
            Ok(see_other(&format!("/customers/{id}#files")))
        }
        Err(UploadError::TooLarge) => {
            render_show(&app, &s, id, Some("cust.file_too_large"), StatusCode::PAYLOAD_TOO_LARGE).await
        }
        Err(UploadError::NoFile) => {
            render_show(&app, &s, id, Some("cust.file_missing"), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(UploadError::Malformed(m)) => Err(WebError::BadRequest(lang, m)),
    }
}

/// `GET /customers/{id}/files/{file_id}`: the file as an attachment.
pub async fn download(
    State(app): State<App>,
    s: WebSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let (id, file_id) = (customer_id(lang, &id)?, customer_id(lang, &file_id)?);
    let (f, bytes) =
        app.store.customer_file(s.rec.company_id, id, file_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(files::download(&f, bytes))
}

/// `POST /customers/{id}/files/{file_id}/delete`
pub async fn delete_file(
    State(app): State<App>,
    Path((id, file_id)): Path<(String, String)>,
    CsrfForm(s, _): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let (id, file_id) = (customer_id(lang, &id)?, customer_id(lang, &file_id)?);
    app.store.delete_customer_file(s.rec.company_id, id, file_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(see_other(&format!("/customers/{id}#files")))
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
        let errs = [crate::error::FieldError::new("contacts[1].email", "bad")];
        assert_eq!(form_errors(Language::En, &errs, &rows).get("contacts[3].email").map(String::as_str), Some("bad"));
    }

    #[test]
    fn tags_are_split_on_commas() {
        let (input, _) = input(&form(&[("tags", " vip, export ,, btp ")]), None);
        assert_eq!(input.tags, Some(vec!["vip".into(), "export".into(), "btp".into()]));
    }

    #[test]
    fn sizes_read_in_each_language() {
        assert_eq!(size_text(834, Language::Fr), "834\u{a0}o");
        assert_eq!(size_text(12 * 1024 + 400, Language::Fr), "12,4\u{a0}Ko");
        assert_eq!(size_text(3 * 1024 * 1024, Language::En), "3.0\u{a0}MB");
    }
}
