//! The draft editor's pages: create and edit, the "More" section, live totals, customer
//! and product look-ups, save.

use super::form::{DraftForm, EXEMPTION_INPUTS, LineForm, MORE, blank_line, exemption_text, shown_category};
use super::{doc_id, title_of};
use crate::App;
use crate::app::documents as ops;
use crate::error::ApiError;
use crate::web::i18n::t;
use crate::web::messages::message;
use crate::web::session::{Chrome, FormData, WebSession};
use crate::web::settings;
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::compliance;
use facturier_core::document::{Content, DocumentKind};
use facturier_core::lifecycle::{self, Action};
use facturier_core::message::Message;
use facturier_core::money::{Currency, to_text};
use facturier_core::party::Language;
use facturier_core::product::UnitCode;
use facturier_core::schedule::Condition;
use facturier_core::schedule::PaymentMode;
use facturier_core::tax::{ExemptionReason, VatCategory};
use facturier_core::terms::PaymentTerms;
use facturier_formats::text;
use facturier_store::customers::CustomerFilter;
use facturier_store::documents::DocumentRecord;
use facturier_store::products::{Archived, ProductFilter};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One input of the "More" section.
pub struct MoreField {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `date`, `decimal`, `textarea` or `select`.
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// For a select: (value, label), the typed value among them.
    pub options: Vec<(String, String)>,
    /// A label key shown under the input, or "".
    pub hint: &'static str,
    /// The id of a `<datalist>` of suggestions, or "".
    pub list: &'static str,
    /// What an empty input stands for, or "".
    pub placeholder: String,
}

impl MoreField {
    /// The `aria-describedby` value: the error and the hint, as present.
    pub fn described_by(&self) -> String {
        crate::web::described_by(self.name, self.error.is_some(), self.hint)
    }
}

/// A fieldset of the "More" section; the payment one also holds the schedule.
pub struct MoreGroup {
    pub legend: &'static str,
    pub fields: Vec<MoreField>,
    pub schedule: bool,
}

/// `options` with `current` added when it is not among them, so that what was typed stays shown.
pub(super) fn with_current(mut options: Vec<(String, String)>, current: &str) -> Vec<(String, String)> {
    if !current.is_empty() && !options.iter().any(|(v, _)| v == current) {
        options.push((current.to_string(), current.to_string()));
    }
    options
}

/// The VAT categories offered: "from the rate", then every EN 16931 category.
pub(crate) fn category_options(lang: Language) -> Vec<(String, String)> {
    std::iter::once((String::new(), t(lang, "editor.vatcat_auto").to_string()))
        .chain(VatCategory::ALL.iter().map(|c| {
            let key = format!("editor.vatcat_{}", c.code().to_ascii_lowercase());
            (c.code().to_string(), t(lang, &key).to_string())
        }))
        .collect()
}

pub(super) fn more_groups(
    f: &DraftForm,
    lang: Language,
    rates: &[(String, String)],
    effective: &[ExemptionReason],
    errors: &BTreeMap<String, String>,
) -> Vec<MoreGroup> {
    MORE.iter()
        .map(|(legend, fields)| MoreGroup {
            legend,
            schedule: *legend == "editor.group_payment",
            fields: fields
                .iter()
                .map(|(name, label, kind, hint)| {
                    let value = f.value(name).to_string();
                    let options = match *name {
                        "operation" => ["", "goods", "services", "mixed"]
                            .iter()
                            .map(|o| {
                                let key = if o.is_empty() {
                                    "editor.operation_auto".into()
                                } else {
                                    format!("editor.operation_{o}")
                                };
                                (o.to_string(), t(lang, &key).to_string())
                            })
                            .collect(),
                        "payment_mode" => std::iter::once((String::new(), t(lang, "editor.not_given").to_string()))
                            .chain(PaymentMode::ALL.iter().map(|m| {
                                (m.as_str().to_string(), t(lang, &format!("method.{}", m.as_str())).to_string())
                            }))
                            .collect(),
                        "shipping.vat_rate" => rates.to_vec(),
                        "shipping.vat_category" => category_options(lang),
                        _ => Vec::new(),
                    };
                    MoreField {
                        name,
                        label,
                        kind,
                        options: with_current(options, &value),
                        value,
                        error: errors.get(*name).cloned(),
                        hint,
                        list: match *name {
                            "payment_terms" => "terms-examples",
                            "currency" => "currencies",
                            _ => "",
                        },
                        placeholder: String::new(),
                    }
                })
                .collect(),
        })
        .chain(exemption_group(f, lang, effective, errors))
        .collect()
}

/// The document's own mention for each exempt category it uses, the category's default
/// as placeholder; `effective`: the draft's mentions, or the company's for a new one.
pub(super) fn exemption_group(
    f: &DraftForm,
    lang: Language,
    effective: &[ExemptionReason],
    errors: &BTreeMap<String, String>,
) -> Option<MoreGroup> {
    let used = f.exempt_categories();
    let input = |name: &'static str, label: &'static str, stored: Option<&str>, placeholder: &str| MoreField {
        name,
        label,
        kind: "text",
        value: f.exemptions.get(name).cloned().unwrap_or_else(|| stored.unwrap_or_default().to_string()),
        error: errors.get(name).cloned(),
        options: Vec::new(),
        hint: "",
        list: "",
        placeholder: placeholder.to_string(),
    };
    let fields: Vec<MoreField> = EXEMPTION_INPUTS
        .iter()
        .filter(|e| used.contains(&e.0))
        .filter_map(|(cat, text, code)| Some((cat, text, code, settings::EXEMPTIONS.iter().find(|s| s.0 == *cat)?)))
        .flat_map(|(cat, text, code, (_, text_label, code_label))| {
            let own = effective.iter().find(|r| r.category() == *cat);
            let default = cat.exemption();
            let default_text = default.map(|d| if lang == Language::Fr { d.text_fr } else { d.text_en });
            std::iter::once(input(text, text_label, own.map(|r| r.text()), default_text.unwrap_or_default())).chain(
                code.zip(*code_label).map(|(name, label)| {
                    let stored = own.and_then(|r| r.code()).map(|c| c.as_str());
                    input(name, label, stored, default.map(|d| d.code).unwrap_or_default())
                }),
            )
        })
        .collect();
    (!fields.is_empty()).then_some(MoreGroup { legend: "editor.group_exemptions", fields, schedule: false })
}

/// A product offered by the lookup.
pub struct ProductChoice {
    pub id: String,
    pub label: String,
    pub price: String,
}

/// The totals as the editor shows them.
pub struct TotalsView {
    /// (the subtotal line's text, its amount), in the order of the lines.
    pub subtotals: Vec<(String, String)>,
    pub lines_net: String,
    pub discount: Option<String>,
    pub charges: Option<String>,
    pub net: String,
    /// (rate, with the category and its legal mention for a 0 % category; amount).
    pub vat: Vec<(String, String)>,
    pub gross: String,
}

/// Each subtotal line (its position among the lines) with the sum of the item lines'
/// net amounts since the previous subtotal: `core`'s subtotals, as the API and the PDF show.
pub(super) fn subtotal_amounts(c: &Content) -> Vec<(usize, Decimal)> {
    facturier_core::totals::subtotals(c.currency, &c.figures().lines)
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect()
}
pub(super) fn totals_view(c: &Content, lang: Language) -> TotalsView {
    let t = c.totals();
    let cur = c.currency;
    TotalsView {
        // A subtotal line always has a text: the API names an empty one ("Sous-total").
        subtotals: subtotal_amounts(c)
            .into_iter()
            .map(|(i, amount)| (c.lines[i].description.clone(), text::money(amount, cur, lang)))
            .collect(),
        lines_net: text::money(t.lines_net, cur, lang),
        discount: (!t.discount.is_zero()).then(|| text::money(t.discount, cur, lang)),
        charges: (!t.charges.is_zero()).then(|| text::money(t.charges, cur, lang)),
        net: text::money(t.net, cur, lang),
        vat: t
            .vat
            .iter()
            .map(|v| {
                let rate = text::percent(v.rate, lang);
                let label = match exemption_text(v.category.code(), &c.vat_exemptions, lang) {
                    Some(mention) => format!("{rate} ({}) — {mention}", v.category.code()),
                    None => rate,
                };
                (label, text::money(v.amount, cur, lang))
            })
            .collect(),
        gross: text::money(t.gross, cur, lang),
    }
}

#[derive(Template)]
#[template(path = "document_form.html")]
pub(super) struct FormPage {
    pub(super) p: Chrome,
    pub(super) seg: &'static str,
    pub(super) action: String,
    pub(super) draft_id: String,
    pub(super) customers: Vec<(String, String)>,
    /// What the customer search field holds (the choices are its matches).
    pub(super) customer_q: String,
    pub(super) chosen_customer: String,
    pub(super) customer_invalid: bool,
    pub(super) f: DraftForm,
    pub(super) product_q: String,
    pub(super) products: Option<Vec<ProductChoice>>,
    pub(super) totals: Option<TotalsView>,
    pub(super) errors: Vec<(String, String)>,
    pub(super) error_map: BTreeMap<String, String>,
    /// The company's VAT rates: (value, label).
    pub(super) rates: Vec<(String, String)>,
    pub(super) categories: Vec<(String, String)>,
    pub(super) groups: Vec<MoreGroup>,
    pub(super) modes: Vec<(String, String)>,
    pub(super) units: Vec<(&'static str, &'static str)>,
    /// Payment terms and instalment conditions offered as you type, in words.
    pub(super) terms_examples: Vec<String>,
    pub(super) condition_examples: Vec<String>,
    /// The "More" section starts open (an error in it, or an instalment row asked for).
    pub(super) open_more: bool,
    /// The exemption mentions in effect: the draft's, or the company's for a new one.
    pub(super) exemptions: Vec<ExemptionReason>,
    /// An e-invoice of a company whose identity is not filled in yet.
    pub(super) first_run: bool,
}

impl FormPage {
    pub(super) fn error(&self, field: &str) -> Option<&str> {
        self.error_map.get(field).map(String::as_str)
    }
    /// True when a line's unit (as typed or stored) is one the select offers.
    pub(super) fn unit_known(&self, unit: &str) -> bool {
        self.units.iter().any(|(c, _)| c.eq_ignore_ascii_case(unit.trim()))
    }
    /// True when the option `code` is the line's unit.
    pub(super) fn unit_selected(&self, unit: &str, code: &str) -> bool {
        code.eq_ignore_ascii_case(unit.trim())
    }
    pub(super) fn line_error(&self, i: &usize, field: &str) -> Option<&str> {
        self.error_map.get(&format!("lines[{i}].{field}")).map(String::as_str)
    }
    /// An error about one of the line's other taxes (its label, amount or percent).
    pub(super) fn line_tax_error(&self, i: &usize, j: &usize) -> Option<&str> {
        ["label", "amount_per_unit", "percent"]
            .iter()
            .find_map(|f| self.line_error(i, &format!("other_taxes[{j}].{f}")))
    }
    /// The line's "more" section starts open: it holds a tax, or an error.
    pub(super) fn line_more_open(&self, l: &LineForm) -> bool {
        !l.taxes.is_empty()
            || ["unit", "purchase_price", "nature"].iter().any(|f| self.line_error(&l.i, f).is_some())
            || self.error_map.keys().any(|k| k.starts_with(&format!("lines[{}].other_taxes[", l.i)))
    }
    pub(super) fn instalment_error(&self, i: &usize, field: &str) -> Option<&str> {
        self.error_map.get(&format!("schedule[{i}].{field}")).map(String::as_str)
    }
    pub(super) fn rate_options(&self, current: &str) -> Vec<(String, String)> {
        with_current(self.rates.clone(), current)
    }
    pub(super) fn category_options(&self, current: &str) -> Vec<(String, String)> {
        with_current(self.categories.clone(), current)
    }
    pub(super) fn mode_options(&self, current: &str) -> Vec<(String, String)> {
        with_current(self.modes.clone(), current)
    }
    pub(super) fn exemption(&self, code: &str) -> Option<&str> {
        exemption_text(code, &self.exemptions, self.p.lang)
    }
    /// The `aria-describedby` of a line input: its error, and for the category its mention.
    pub(super) fn line_described_by(&self, l: &LineForm, field: &str, id: &str) -> String {
        let mut ids = Vec::new();
        if self.line_error(&l.i, field).is_some() {
            ids.push(format!("line-{}-{id}-error", l.i));
        }
        if field == "vat_category" && self.exemption(&l.vat_category).is_some() {
            ids.push(format!("line-{}-exemption", l.i));
        }
        ids.join(" ")
    }
}

#[derive(Template)]
#[template(path = "document_totals.html")]
pub(super) struct TotalsFragment {
    pub(super) p: Chrome,
    pub(super) totals: Option<TotalsView>,
}

#[derive(Template)]
#[template(path = "document_customers.html")]
pub(super) struct CustomersFragment {
    pub(super) p: Chrome,
    pub(super) customers: Vec<(String, String)>,
    pub(super) chosen_customer: String,
    pub(super) customer_invalid: bool,
}

#[derive(Deserialize)]
pub struct CustomerLookupQuery {
    pub(super) customer_q: Option<String>,
    pub(super) customer_id: Option<String>,
}

/// `GET /documents/customers?customer_q=&customer_id=`: the editor's customer choices
/// matching the search (an htmx fragment replacing the `<select>`), the chosen one kept.
pub(super) async fn customer_lookup(
    State(app): State<App>,
    s: WebSession,
    Query(q): Query<CustomerLookupQuery>,
) -> Result<Response, WebError> {
    let chosen_customer = q.customer_id.unwrap_or_default();
    let customer_q = q.customer_q.unwrap_or_default();
    let customers = customer_choices(&app, &s, chosen_customer.parse().ok(), &customer_q).await?;
    let p = s.chrome(&app, "", String::new()).await?;
    let page = CustomersFragment { p, customers, chosen_customer, customer_invalid: false };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "document_products.html")]
pub(super) struct ProductsFragment {
    pub(super) p: Chrome,
    pub(super) products: Option<Vec<ProductChoice>>,
}

/// The company's VAT rates (settings), most used first.
pub(crate) async fn offered_rates(app: &App, s: &WebSession) -> Result<Vec<Decimal>, WebError> {
    let lang = s.lang();
    let settings = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(settings.documents.offered_vat_rates())
}

/// The rate a new line starts with: the company's first.
pub(super) async fn default_rate(app: &App, s: &WebSession) -> Result<String, WebError> {
    Ok(offered_rates(app, s).await?.first().map(|r| to_text(*r, 0)).unwrap_or_else(|| "20".into()))
}

/// The customers offered in the form: the one chosen, then those matching `q` (the
/// directory's indexed search), or the newest ones when `q` is empty: a company with
/// 100 000 customers finds any of them without a 100 000-option list.
pub(crate) async fn customer_choices(
    app: &App,
    s: &WebSession,
    chosen: Option<Uuid>,
    q: &str,
) -> Result<Vec<(String, String)>, WebError> {
    let lang = s.lang();
    let mut out = Vec::new();
    if let Some(id) = chosen
        && let Ok(c) = app.store.customer(s.rec.company_id, id).await
    {
        out.push((id.to_string(), c.customer.name));
    }
    let q: String = q.trim().chars().take(crate::api::MAX_SEARCH).collect();
    let filter = CustomerFilter { q: (!q.is_empty()).then_some(q), activity: None, limit: 100, after: None };
    let (rows, _) = app.store.list_customers(s.rec.company_id, &filter).await.map_err(|e| WebError::store(lang, e))?;
    out.extend(rows.into_iter().filter(|r| Some(r.id) != chosen).map(|r| (r.id.to_string(), r.customer.name)));
    Ok(out)
}

/// Products matching `q` (the catalogue's search), eight at most.
async fn find_products(app: &App, s: &WebSession, q: &str) -> Result<Vec<ProductChoice>, WebError> {
    let lang = s.lang();
    // What the user types as they go: control characters are dropped rather than refused.
    let q: String = q.trim().chars().filter(|c| !c.is_control()).take(crate::api::MAX_SEARCH).collect();
    // Archived products stay on their documents but are no longer offered.
    let filter = ProductFilter { q: (!q.is_empty()).then_some(q), archived: Archived::Hidden, limit: 8, after: None };
    let (rows, _) = app.store.list_products(s.rec.company_id, &filter).await.map_err(|e| WebError::store(lang, e))?;
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    Ok(rows
        .into_iter()
        .map(|r| ProductChoice {
            id: r.id.to_string(),
            label: format!("{} — {}", r.product.reference, r.product.name),
            price: text::money(r.product.unit_price, cur, lang),
        })
        .collect())
}

#[derive(Deserialize)]
pub struct LookupQuery {
    pub(super) product_q: Option<String>,
}

/// `GET /documents/products?product_q=`: the editor's product suggestions (an htmx fragment).
pub(super) async fn product_lookup(
    State(app): State<App>,
    s: WebSession,
    Query(q): Query<LookupQuery>,
) -> Result<Response, WebError> {
    let text = q.product_q.unwrap_or_default();
    let products = if text.trim().is_empty() { None } else { Some(find_products(&app, &s, text.trim()).await?) };
    let page = ProductsFragment { p: s.chrome(&app, "", String::new()).await?, products };
    html(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct NewQuery {
    pub(super) customer: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn render_form(
    app: &App,
    s: &WebSession,
    kind: DocumentKind,
    editing: Option<&DocumentRecord>,
    f: DraftForm,
    product_q: String,
    products: Option<Vec<ProductChoice>>,
    totals: Option<TotalsView>,
    errs: Vec<(String, String)>,
    status: StatusCode,
    open_more: bool,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let (title, action) = match editing {
        Some(r) => (
            format!("{} — {}", t(lang, "editor.edit_title"), title_of(kind, None, lang)),
            format!("/{}/{}/edit", kind.segment(), r.id),
        ),
        None => (
            format!("{} — {}", t(lang, "kinds.new"), text::kind_title(kind, false, lang)),
            format!("/{}/new", kind.segment()),
        ),
    };
    let settings = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    // The first invoice of a company with no identity yet: ask for it first.
    let first_run = compliance::applies_to(kind) && settings.identity.as_ref().is_none_or(|i| i.siren.is_none());
    let look = settings.documents;
    let rates: Vec<(String, String)> =
        look.offered_vat_rates().into_iter().map(|r| (to_text(r, 0), text::percent(r, lang))).collect();
    let stored = match editing {
        Some(r) => r.content.vat_exemptions.clone(),
        None => look.vat_exemptions,
    };
    let error_map: BTreeMap<String, String> = errs.iter().cloned().collect();
    let groups = more_groups(&f, lang, &rates, &stored, &error_map);
    let exemptions = f.typed_exemptions(stored);
    let open_more = open_more
        || groups.iter().flat_map(|g| &g.fields).any(|x| x.error.is_some())
        || error_map.keys().any(|k| k.starts_with("schedule"));
    let f = f.with_blank_instalment();
    let page = FormPage {
        p: s.chrome(app, kind.segment(), title).await?,
        seg: kind.segment(),
        action,
        draft_id: editing.map(|r| r.id.to_string()).unwrap_or_default(),
        customers: customer_choices(app, s, f.customer_id.parse().ok(), &f.customer_q).await?,
        customer_q: f.customer_q.clone(),
        chosen_customer: f.customer_id.clone(),
        customer_invalid: error_map.contains_key("customer_id"),
        f,
        product_q,
        products,
        totals,
        error_map,
        errors: errs,
        rates,
        categories: category_options(lang),
        groups,
        modes: std::iter::once((String::new(), t(lang, "editor.not_given").to_string()))
            .chain(
                PaymentMode::ALL
                    .iter()
                    .map(|m| (m.as_str().to_string(), t(lang, &format!("method.{}", m.as_str())).to_string())),
            )
            .collect(),
        units: UnitCode::known_in(lang).collect(),
        terms_examples: [
            PaymentTerms::OnReceipt,
            PaymentTerms::Days(30),
            PaymentTerms::DaysEndOfMonth(45),
            PaymentTerms::Days(60),
            PaymentTerms::EndOfMonthPlus(10),
        ]
        .iter()
        .map(|t| t.label(lang))
        .collect(),
        condition_examples: [
            Condition::OnOrder,
            Condition::Days(30),
            Condition::DaysEndOfMonth(45),
            Condition::Days(60),
            Condition::EndOfMonthPlus(10),
        ]
        .iter()
        .map(|c| c.label(lang))
        .collect(),
        open_more,
        exemptions,
        first_run,
    };
    html(status, &page)
}

pub(super) async fn new_form(app: App, s: WebSession, q: NewQuery, kind: DocumentKind) -> Result<Response, WebError> {
    if !s.can_write() {
        return Err(WebError::Forbidden(s.lang()));
    }
    let chosen = q.customer.as_deref().and_then(|c| c.parse::<Uuid>().ok());
    let f = DraftForm {
        customer_id: chosen.map(|c| c.to_string()).unwrap_or_default(),
        lines: vec![blank_line(0, &default_rate(&app, &s).await?)],
        ..DraftForm::default()
    };
    render_form(&app, &s, kind, None, f, String::new(), None, None, Vec::new(), StatusCode::OK, false).await
}

pub(super) async fn draft(app: &App, s: &WebSession, kind: DocumentKind, id: &str) -> Result<DocumentRecord, WebError> {
    let lang = s.lang();
    let rec =
        app.store.document(s.rec.company_id, kind, doc_id(lang, id)?).await.map_err(|e| WebError::store(lang, e))?;
    if !lifecycle::allows(kind, rec.status, Action::Update) {
        return Err(WebError::api(
            lang,
            facturier_core::document::LifecycleError::NotDraft(rec.status.as_str()).into(),
        ));
    }
    Ok(rec)
}

/// `GET /{kind}/{id}/edit?product_q=`: the draft, with the product search done when asked
/// (coming back from the catalogue's form with the product just created).
pub(super) async fn edit_form(
    app: App,
    s: WebSession,
    id: String,
    kind: DocumentKind,
    q: LookupQuery,
) -> Result<Response, WebError> {
    if !s.can_write() {
        return Err(WebError::Forbidden(s.lang()));
    }
    let rec = draft(&app, &s, kind, &id).await?;
    let mut f = DraftForm::of(&rec.content);
    // In words, as the reader writes them back ("45 jours fin de mois").
    if let Some(terms) = f.more.get_mut("payment_terms") {
        *terms = PaymentTerms::label_of(terms, s.lang());
    }
    for it in &mut f.schedule {
        if let Ok(c) = it.condition.parse::<Condition>() {
            it.condition = c.label(s.lang());
        }
    }
    let totals = Some(totals_view(&rec.content, s.lang()));
    let product_q = q.product_q.unwrap_or_default().trim().to_string();
    let products = if product_q.is_empty() { None } else { Some(find_products(&app, &s, &product_q).await?) };
    render_form(&app, &s, kind, Some(&rec), f, product_q, products, totals, Vec::new(), StatusCode::OK, false).await
}

/// Where `new_product` goes once the draft is saved: the catalogue's form, named after
/// what was searched, which comes back to the draft with the new product found.
fn new_product_path(kind: DocumentKind, id: Uuid, searched: &str) -> String {
    let back = format!("/{}/{id}/edit", kind.segment());
    format!("/products/new?{}", crate::web::query_string(&[("return", &back), ("name", searched.trim())]))
}

/// The mentions of the categories the form does not show: the draft's, or the company's
/// for a new document (read only when the form shows some).
pub(super) async fn kept_exemptions(
    app: &App,
    s: &WebSession,
    f: &DraftForm,
    base: Option<&Content>,
) -> Result<Vec<ExemptionReason>, WebError> {
    Ok(match base {
        Some(c) => c.vat_exemptions.clone(),
        None if !f.exemptions.is_empty() => {
            app.store
                .settings(s.rec.company_id)
                .await
                .map_err(|e| WebError::store(s.lang(), e))?
                .documents
                .vat_exemptions
        }
        None => Vec::new(),
    })
}

/// The totals of the form as typed, or the API's per-field errors.
pub(super) async fn compute(
    app: &App,
    s: &WebSession,
    f: &DraftForm,
    base: Option<&Content>,
) -> Result<Result<TotalsView, Vec<(String, String)>>, WebError> {
    let mut f = f.clone();
    f.compact();
    let kept = kept_exemptions(app, s, &f, base).await?;
    match ops::preview(app, &s.auth(), &f.input(base, &kept)?).await {
        Ok(c) => Ok(Ok(totals_view(&c, s.lang()))),
        Err(ApiError::Invalid(errs)) => Ok(Err(
            f.exemption_errors(&kept, errs.into_iter().map(|e| (e.field, message(s.lang(), &e.message))).collect())
        )),
        Err(ApiError::NotFound(_)) => {
            Ok(Err(vec![("customer_id".into(), message(s.lang(), &Message::new("no_such_customer")))]))
        }
        Err(e) => Err(WebError::api(s.lang(), e)),
    }
}

/// `POST /{kind}/preview`: the totals fragment the editor swaps in as you type.
pub(super) async fn preview(app: App, s: WebSession, form: FormData, kind: DocumentKind) -> Result<Response, WebError> {
    s.auth().require_write().map_err(|e| WebError::api(s.lang(), e))?;
    let base = match form.text("draft_id") {
        Some(id) => Some(draft(&app, &s, kind, &id).await?.content),
        None => None,
    };
    let totals = compute(&app, &s, &DraftForm::read(&form), base.as_ref()).await?.ok();
    let page = TotalsFragment { p: s.chrome(&app, kind.segment(), String::new()).await?, totals };
    html(StatusCode::OK, &page)
}

/// `POST /{kind}/new` and `POST /{kind}/{id}/edit`. `action` says what the button asked:
/// `add_line`, `find_product`, `add_product:<id>`, `recalculate`, `new_product` (save,
/// then create a product in the catalogue and come back), or `save` (the default).
pub(super) async fn save(
    app: App,
    s: WebSession,
    form: FormData,
    kind: DocumentKind,
    id: Option<String>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    auth.require_write().map_err(|e| WebError::api(lang, e))?;
    let editing = match &id {
        Some(id) => Some(draft(&app, &s, kind, id).await?),
        None => None,
    };
    let base = editing.as_ref().map(|r| &r.content);
    let mut f = DraftForm::read(&form);
    let product_q = form.get("product_q").unwrap_or_default().to_string();
    let action = form.get("action").unwrap_or("save").to_string();
    let again = |f: DraftForm, products, totals, errs, status| {
        render_form(&app, &s, kind, editing.as_ref(), f, product_q.clone(), products, totals, errs, status, false)
    };
    let text_line = |f: &DraftForm, kind: &str, description: &str| LineForm {
        i: f.lines.len(),
        n: f.lines.len() + 1,
        kind: kind.into(),
        description: description.into(),
        ..LineForm::default()
    };
    match action.as_str() {
        "add_line" => {
            let rate = default_rate(&app, &s).await?;
            f.lines.push(blank_line(f.lines.len(), &rate));
            return again(f, None, None, Vec::new(), StatusCode::OK).await;
        }
        "add_comment" => {
            f.lines.push(text_line(&f, "comment", ""));
            return again(f, None, None, Vec::new(), StatusCode::OK).await;
        }
        "add_subtotal" => {
            f.lines.push(text_line(&f, "subtotal", t(lang, "editor.subtotal")));
            return again(f, None, None, Vec::new(), StatusCode::OK).await;
        }
        "add_instalment" => {
            // The typed rows are kept and the form always ends with an empty one.
            return render_form(
                &app,
                &s,
                kind,
                editing.as_ref(),
                f,
                product_q.clone(),
                None,
                None,
                Vec::new(),
                StatusCode::OK,
                true,
            )
            .await;
        }
        _ => {}
    }
    if let Some(i) = action.strip_prefix("remove_line:").and_then(|i| i.parse::<usize>().ok()) {
        if i < f.lines.len() {
            f.lines.remove(i);
        }
        for (k, l) in f.lines.iter_mut().enumerate() {
            (l.i, l.n) = (k, k + 1);
        }
        if f.lines.is_empty() {
            f.lines.push(blank_line(0, &default_rate(&app, &s).await?));
        }
        let totals = compute(&app, &s, &f, base).await?.ok();
        return again(f, None, totals, Vec::new(), StatusCode::OK).await;
    }
    if action == "find_customer" {
        return again(f, None, None, Vec::new(), StatusCode::OK).await;
    }
    if action == "find_product" {
        let products =
            if product_q.trim().is_empty() { None } else { Some(find_products(&app, &s, product_q.trim()).await?) };
        return again(f, products, None, Vec::new(), StatusCode::OK).await;
    }
    if let Some(pid) = action.strip_prefix("add_product:") {
        let pid: Uuid = pid.parse().map_err(|_| WebError::BadRequest(lang, Message::new("no_such_product")))?;
        let p = app.store.product(s.rec.company_id, pid).await.map_err(|e| WebError::store(lang, e))?.product;
        f.compact();
        f.lines.push(LineForm {
            i: f.lines.len(),
            n: f.lines.len() + 1,
            product_id: pid.to_string(),
            kind: "item".into(),
            description: p.name.clone(),
            quantity: "1".into(),
            unit_price: to_text(p.unit_price, 2),
            vat_rate: to_text(p.vat.rate(), 0),
            vat_category: shown_category(p.vat.category(), p.vat.rate()),
            unit: p.unit.code().to_string(),
            purchase_price: p.purchase_price.map(|x| to_text(x, 2)).unwrap_or_default(),
            nature: p.nature.as_str().to_string(),
            ..LineForm::default()
        });
        let totals = compute(&app, &s, &f, base).await?.ok();
        return again(f, None, totals, Vec::new(), StatusCode::OK).await;
    }
    if action == "recalculate" {
        // Closed up first, so that the errors' line numbers are the rows shown.
        f.compact();
        if f.lines.is_empty() {
            f.lines.push(blank_line(0, &default_rate(&app, &s).await?));
        }
        return match compute(&app, &s, &f, base).await? {
            Ok(t) => again(f, None, Some(t), Vec::new(), StatusCode::OK).await,
            Err(errs) => again(f, None, None, errs, StatusCode::UNPROCESSABLE_ENTITY).await,
        };
    }
    f.compact();
    let kept = kept_exemptions(&app, &s, &f, base).await?;
    let input = f.input(base, &kept)?;
    let result = match &editing {
        None => ops::create(&app, &auth, kind, &input).await.map(|rec| rec.id),
        Some(rec) => {
            let patch = f.patch(&input)?;
            ops::update(&app, &auth, kind, rec.id, |current| crate::input::patched(&current, &patch))
                .await
                .map(|rec| rec.id)
        }
    };
    match result {
        Ok(id) if action == "new_product" => Ok(see_other(&new_product_path(kind, id, &product_q))),
        Ok(id) => Ok(see_other(&crate::web::notice::with_done(&format!("/{}/{id}", kind.segment()), "draft_saved"))),
        Err(e @ (ApiError::Invalid(_) | ApiError::NotFound(_))) => {
            let errs = match e {
                ApiError::Invalid(errs) => {
                    f.exemption_errors(&kept, errs.into_iter().map(|e| (e.field, message(lang, &e.message))).collect())
                }
                _ => vec![("customer_id".to_string(), message(lang, &Message::new("no_such_customer")))],
            };
            if f.lines.is_empty() {
                f.lines.push(blank_line(0, &default_rate(&app, &s).await?));
            }
            again(f, None, None, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}
