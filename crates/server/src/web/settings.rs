//! The company's settings, for administrators: identity and legal details, bank
//! accounts, payment terms and legal mentions, numbering, e-mail templates and the logo.
//! Each section is one page with one form whose inputs are named by the API's field
//! paths; saving calls the API's own handlers (`api::settings`), so validation is the
//! API's and each error shows next to its input (422). Other roles get 403.

use super::i18n::{Labels, t};
use super::messages::message;
use super::session::{Chrome, CsrfForm, FormData, WebSession, same_secret};
use super::{WebError, html, see_other};
use crate::App;
use crate::app::customers::AddressInput;
use crate::app::documents::ExemptionInput;
use crate::app::settings::{
    BankInput, IdentityInput, LegalInput, LookInput, NumberingInput, SettingsInput, TemplateInput, set_numbering,
    update_settings,
};
use crate::error::ApiError;
use crate::input::DecText;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use facturier_core::company::Profile;
use facturier_core::document::DocumentKind;
use facturier_core::party::Language;
use facturier_core::tax::VatCategory;
use facturier_formats::text;
use facturier_store::companies::CompanySettings;
use serde::Deserialize;
use std::collections::BTreeMap;

pub const LABELS: Labels = &[
    ("settings.title", "Paramètres", "Settings"),
    ("settings.sections", "Sections des paramètres", "Settings sections"),
    ("settings.identity", "Identité et mentions légales", "Identity and legal details"),
    ("settings.banks", "Comptes bancaires", "Bank accounts"),
    ("settings.terms", "Conditions de paiement", "Payment terms"),
    ("settings.numbering", "Numérotation", "Numbering"),
    ("settings.emails", "Modèles d'e-mail", "E-mail templates"),
    ("settings.logo", "Logo", "Logo"),
    ("settings.saved", "Modifications enregistrées.", "Changes saved."),
    ("settings.name", "Raison sociale", "Company name"),
    ("settings.trading_name", "Nom commercial", "Trading name"),
    ("settings.legal_form", "Forme juridique", "Legal form"),
    ("settings.share_capital", "Capital social", "Share capital"),
    ("settings.siren", "SIREN", "SIREN"),
    ("settings.siret", "SIRET", "SIRET"),
    ("settings.vat_number", "N° de TVA intracommunautaire", "VAT number"),
    ("settings.rcs_city", "Ville du RCS", "Trade register city (RCS)"),
    ("settings.line1", "Adresse", "Address"),
    ("settings.line2", "Complément d'adresse", "Address line 2"),
    ("settings.postal_code", "Code postal", "Postal code"),
    ("settings.city", "Ville", "City"),
    ("settings.country", "Pays (code ISO, ex. FR)", "Country (ISO code, e.g. FR)"),
    ("settings.email", "E-mail de contact", "Contact e-mail"),
    ("settings.phone", "Téléphone", "Phone"),
    ("settings.website", "Site web", "Website"),
    ("settings.bank_label", "Libellé", "Label"),
    ("settings.iban", "IBAN", "IBAN"),
    ("settings.bic", "BIC", "BIC"),
    ("settings.holder", "Titulaire", "Account holder"),
    ("settings.bank_default", "Compte par défaut (imprimé sur les factures)", "Default account (printed on invoices)"),
    ("settings.bank_remove", "Supprimer ce compte", "Remove this account"),
    (
        "settings.bank_new",
        "Nouveau compte (laisser vide pour ne pas en ajouter)",
        "New account (leave empty to add none)",
    ),
    ("settings.bank_n", "Compte", "Account"),
    (
        "settings.default_payment_terms",
        "Délai de paiement par défaut (30_days, 45_days_end_of_month, end_of_month_plus_10, on_receipt)",
        "Default payment terms (30_days, 45_days_end_of_month, end_of_month_plus_10, on_receipt)",
    ),
    (
        "settings.vat_rates",
        "Taux de TVA proposés dans les éditeurs, en %, séparés par des points-virgules (ex. 20 ; 10 ; 5,5)",
        "VAT rates offered in the editors, in %, separated by semicolons (e.g. 20; 10; 5.5)",
    ),
    ("settings.late_penalty_rate", "Taux des pénalités de retard (%)", "Late payment penalty rate (%)"),
    ("settings.early_payment_discount", "Escompte pour paiement anticipé", "Early payment discount"),
    ("settings.vat_on_debits", "TVA sur les débits", "VAT on debits"),
    ("settings.vat_regime", "Régime de TVA", "VAT regime"),
    (
        "settings.vat_regime.registered",
        "Assujetti : la société facture la TVA",
        "VAT registered: the company charges VAT",
    ),
    (
        "settings.vat_regime.franchise",
        "Franchise en base (art. 293 B du CGI, micro-entrepreneur) : pas de TVA facturée",
        "Small-business franchise (art. 293 B CGI, micro-entrepreneur): no VAT charged",
    ),
    (
        "settings.main_activity",
        "Activité principale (nature des lignes saisies à la main)",
        "Main activity (nature of the lines typed by hand)",
    ),
    ("settings.main_activity.services", "Prestations de services", "Services"),
    ("settings.main_activity.goods", "Livraisons de biens", "Goods"),
    (
        "settings.exemption.E",
        "Mention d'exonération, catégorie E (vide : franchise en base, art. 293 B du CGI)",
        "Exemption mention, category E (empty: small-business franchise, art. 293 B)",
    ),
    (
        "settings.exemption_code.E",
        "Code VATEX de la catégorie E (ex. VATEX-FR-CGI261-4)",
        "VATEX code of category E (e.g. VATEX-FR-CGI261-4)",
    ),
    ("settings.exemption.AE", "Mention d'autoliquidation (catégorie AE)", "Reverse charge mention (category AE)"),
    (
        "settings.exemption_code.AE",
        "Code VATEX de la catégorie AE (VATEX-EU-AE ou VATEX-FR-AE)",
        "VATEX code of category AE (VATEX-EU-AE or VATEX-FR-AE)",
    ),
    (
        "settings.exemption.K",
        "Mention des livraisons intracommunautaires (catégorie K)",
        "Intra-EU supply mention (category K)",
    ),
    ("settings.exemption.G", "Mention des exportations (catégorie G)", "Export mention (category G)"),
    (
        "settings.exemption.O",
        "Mention hors champ de la TVA (catégorie O)",
        "Outside the scope of VAT mention (category O)",
    ),
    (
        "settings.default_terms",
        "Conditions générales imprimées sur les documents",
        "Terms and conditions printed on documents",
    ),
    ("settings.kind", "Type de document", "Document kind"),
    ("settings.pattern", "Modèle", "Pattern"),
    ("settings.yearly_reset", "Repartir de 1 chaque année", "Restart at 1 each year"),
    ("settings.issued", "Émis", "Issued"),
    ("settings.example", "Aperçu", "Preview"),
    (
        "settings.pattern_help",
        "{YYYY} année, {YY}, {MM} mois, {SEQ:5} numéro sur 5 chiffres.",
        "{YYYY} year, {YY}, {MM} month, {SEQ:5} number on 5 digits.",
    ),
    ("settings.language", "Langue", "Language"),
    ("settings.edit", "Modifier", "Edit"),
    ("settings.subject", "Objet", "Subject"),
    ("settings.body", "Message", "Message"),
    ("settings.merge_fields", "Champs de fusion disponibles :", "Merge fields you can use:"),
    ("settings.custom", "Modèle personnalisé de la société.", "The company's own template."),
    ("settings.builtin", "Modèle standard (pas encore personnalisé).", "The built-in template (not customised yet)."),
    ("settings.restore", "Revenir au modèle standard", "Back to the built-in template"),
    (
        "settings.logo_none",
        "Aucun logo : les documents portent le nom de la société.",
        "No logo: documents show the company's name.",
    ),
    ("settings.logo_current", "Logo actuel", "Current logo"),
    ("settings.logo_file", "Image PNG ou JPEG (1 Mo au plus)", "PNG or JPEG image (1 MB at most)"),
    ("settings.logo_upload", "Envoyer le logo", "Upload the logo"),
    ("settings.logo_delete", "Supprimer le logo", "Delete the logo"),
    ("settings.logo_missing", "Choisissez une image.", "Choose an image."),
];

/// Pages of the settings, in the order of the sub-navigation.
const SECTIONS: &[(&str, &str, &str)] = &[
    ("identity", "/settings", "settings.identity"),
    ("banks", "/settings/banks", "settings.banks"),
    ("terms", "/settings/terms", "settings.terms"),
    ("numbering", "/settings/numbering", "settings.numbering"),
    ("emails", "/settings/emails", "settings.emails"),
    ("logo", "/settings/logo", "settings.logo"),
];

/// One input, named by its API field path.
pub struct SField {
    pub name: String,
    pub label: &'static str,
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
    /// What applies when the input is left empty.
    pub placeholder: String,
    /// The choices of a `select`: (value, label key).
    pub options: Vec<(&'static str, &'static str)>,
}

pub struct BankRow {
    pub n: usize,
    pub fields: Vec<SField>,
    pub default: bool,
    pub new: bool,
}

pub struct NumRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub pattern: String,
    pub yearly_reset: bool,
    pub issued: u64,
    pub example: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct Page {
    p: Chrome,
    section: &'static str,
    sections: Vec<(&'static str, &'static str, &'static str)>,
    saved: bool,
    errors: Vec<(String, String)>,
    fields: Vec<SField>,
    banks: Vec<BankRow>,
    numbering: Vec<NumRow>,
    logo: Option<String>,
    tpl_kind: String,
    tpl_lang: String,
    tpl_custom: bool,
    kinds: Vec<(&'static str, &'static str)>,
    merge_fields: String,
}

impl Page {
    async fn new(app: &App, s: &WebSession, section: &'static str) -> Result<Page, WebError> {
        let title = format!("{} · {}", t(s.lang(), "settings.title"), t(s.lang(), &format!("settings.{section}")));
        Ok(Page {
            p: s.chrome(app, "settings", title).await?,
            section,
            sections: SECTIONS.to_vec(),
            saved: false,
            errors: Vec::new(),
            fields: Vec::new(),
            banks: Vec::new(),
            numbering: Vec::new(),
            logo: None,
            tpl_kind: String::new(),
            tpl_lang: String::new(),
            tpl_custom: false,
            kinds: Vec::new(),
            merge_fields: facturier_formats::email::Field::list(),
        })
    }

    /// Puts the API's per-field errors next to their inputs, and in the summary.
    fn with_errors(mut self, errs: Vec<(String, String)>) -> Page {
        for f in &mut self.fields {
            f.error = errs.iter().find(|(k, _)| *k == f.name).map(|(_, m)| m.clone());
        }
        for row in &mut self.banks {
            for f in &mut row.fields {
                f.error = errs.iter().find(|(k, _)| *k == f.name).map(|(_, m)| m.clone());
            }
        }
        self.errors = errs;
        self
    }
}

fn admin(s: &WebSession) -> Result<(), WebError> {
    s.auth().require_admin().map_err(|e| WebError::api(s.lang(), e))
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
    kind: Option<String>,
    lang: Option<String>,
}

fn field(name: &str, label: &'static str, kind: &'static str, required: bool, values: &FormData) -> SField {
    SField {
        name: name.to_string(),
        label,
        kind,
        required,
        value: values.get(name).unwrap_or_default().to_string(),
        error: None,
        placeholder: String::new(),
        options: Vec::new(),
    }
}

fn select(name: &str, label: &'static str, options: &[(&'static str, &'static str)], values: &FormData) -> SField {
    let mut f = field(name, label, "select", false, values);
    f.options = options.to_vec();
    f
}

const VAT_REGIMES: &[(&str, &str)] =
    &[("registered", "settings.vat_regime.registered"), ("franchise", "settings.vat_regime.franchise")];

const ACTIVITIES: &[(&str, &str)] =
    &[("services", "settings.main_activity.services"), ("goods", "settings.main_activity.goods")];

// ---------------------------------------------------------------- identity

const IDENTITY: &[(&str, &str, &str, bool)] = &[
    ("identity.name", "settings.name", "text", true),
    ("identity.trading_name", "settings.trading_name", "text", false),
    ("identity.legal_form", "settings.legal_form", "text", false),
    ("identity.share_capital", "settings.share_capital", "text", false),
    ("identity.siren", "settings.siren", "text", false),
    ("identity.siret", "settings.siret", "text", false),
    ("identity.vat_number", "settings.vat_number", "text", false),
    ("identity.rcs_city", "settings.rcs_city", "text", false),
    ("identity.address.line1", "settings.line1", "text", true),
    ("identity.address.line2", "settings.line2", "text", false),
    ("identity.address.postal_code", "settings.postal_code", "text", true),
    ("identity.address.city", "settings.city", "text", true),
    ("identity.address.country", "settings.country", "text", true),
    ("identity.email", "settings.email", "email", false),
    ("identity.phone", "settings.phone", "tel", false),
    ("identity.website", "settings.website", "url", false),
];

/// The stored settings as form values named by API paths.
fn stored_values(st: &CompanySettings, company_name: &str, country: &str) -> FormData {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, val: Option<String>| v.push((k.to_string(), val.unwrap_or_default()));
    match &st.identity {
        Some(i) => {
            put("identity.name", Some(i.name.clone()));
            put("identity.trading_name", i.trading_name.clone());
            put("identity.legal_form", i.legal_form.clone());
            put("identity.share_capital", i.share_capital.map(|c| c.to_string()));
            put("identity.siren", i.siren.as_ref().map(|x| x.to_string()));
            put("identity.siret", i.siret.as_ref().map(|x| x.to_string()));
            put("identity.vat_number", i.vat_number.as_ref().map(|x| x.to_string()));
            put("identity.rcs_city", i.rcs_city.clone());
            put("identity.address.line1", Some(i.address.line1.clone()));
            put("identity.address.line2", i.address.line2.clone());
            put("identity.address.postal_code", Some(i.address.postal_code.clone()));
            put("identity.address.city", Some(i.address.city.clone()));
            put("identity.address.country", Some(i.address.country.as_str().to_string()));
            put("identity.email", i.email.clone());
            put("identity.phone", i.phone.clone());
            put("identity.website", i.website.clone());
        }
        None => {
            put("identity.name", Some(company_name.to_string()));
            put("identity.address.country", Some(country.to_string()));
        }
    }
    for (n, b) in st.banks.iter().enumerate() {
        put(&format!("banks[{n}].label"), Some(b.account.label.clone()));
        put(&format!("banks[{n}].iban"), Some(b.account.iban.to_string()));
        put(&format!("banks[{n}].bic"), b.account.bic.clone());
        put(&format!("banks[{n}].holder"), b.account.holder.clone());
        if b.default {
            put("default", Some(n.to_string()));
        }
    }
    for r in &st.documents.vat_exemptions {
        put(&format!("documents.vat_exemptions.{}.text", r.category()), Some(r.text().to_string()));
        put(&format!("documents.vat_exemptions.{}.code", r.category()), r.code().map(|c| c.as_str().to_string()));
    }
    put("legal.vat_regime", Some(st.legal.vat_regime.as_str().to_string()));
    put("documents.main_activity", Some(st.documents.main_activity.as_str().to_string()));
    put("legal.late_penalty_rate", st.legal.late_penalty_rate.map(|r| r.to_string()));
    put("legal.early_payment_discount", st.legal.early_payment_discount.clone());
    if st.legal.vat_on_debits {
        put("legal.vat_on_debits", Some("on".into()));
    }
    put("documents.default_terms", st.documents.default_terms.clone());
    put("documents.default_payment_terms", st.documents.default_payment_terms.map(|t| t.to_string()));
    let rates: Vec<String> = st.documents.vat_rates.iter().map(|r| r.to_string()).collect();
    put("documents.vat_rates", Some(rates.join(" ; ")));
    FormData(v)
}

async fn stored(app: &App, s: &WebSession) -> Result<(CompanySettings, FormData), WebError> {
    let st = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(s.lang(), e))?;
    let values = stored_values(&st, &s.rec.company_name, &s.rec.country);
    Ok((st, values))
}

fn identity_fields(values: &FormData) -> Vec<SField> {
    let mut fields: Vec<SField> = IDENTITY.iter().map(|&(n, l, k, r)| field(n, l, k, r, values)).collect();
    // After the VAT number, which a company under the franchise usually has not.
    let at = IDENTITY.iter().position(|f| f.0 == "identity.vat_number").map_or(fields.len(), |i| i + 1);
    fields.insert(at, select("legal.vat_regime", "settings.vat_regime", VAT_REGIMES, values));
    fields
}

/// The stored legal terms in the API's shape, with the regime the form chose: the
/// identity page saves the regime, the terms page the rest.
fn legal_input(st: &CompanySettings, vat_regime: Option<String>) -> LegalInput {
    LegalInput {
        late_penalty_rate: st.legal.late_penalty_rate.map(|r| DecText(r.to_string())),
        early_payment_discount: st.legal.early_payment_discount.clone(),
        vat_on_debits: Some(st.legal.vat_on_debits),
        vat_regime,
    }
}

/// Saves as `PATCH /settings` does; its field errors on refusal.
async fn patch(app: &App, s: &WebSession, input: SettingsInput) -> Result<Result<(), Vec<(String, String)>>, WebError> {
    match update_settings(app, &s.auth(), &input).await {
        Ok(_) => Ok(Ok(())),
        Err(ApiError::Invalid(errs)) => {
            Ok(Err(errs.into_iter().map(|e| (e.field, message(s.lang(), &e.message))).collect()))
        }
        Err(e) => Err(WebError::api(s.lang(), e)),
    }
}

fn empty_settings() -> SettingsInput {
    SettingsInput {
        allow_negative_stock: None,
        identity: None,
        banks: None,
        legal: None,
        documents: None,
        email_templates: None,
    }
}

/// `GET /settings`: identity and legal details.
pub async fn identity(
    State(app): State<App>,
    s: WebSession,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    admin(&s)?;
    let (_, values) = stored(&app, &s).await?;
    let mut page = Page::new(&app, &s, "identity").await?;
    page.saved = q.saved.is_some();
    page.fields = identity_fields(&values);
    html(StatusCode::OK, &page)
}

/// `POST /settings`
pub async fn save_identity(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, _) = stored(&app, &s).await?;
    let legal = legal_input(&st, form.text("legal.vat_regime"));
    let input = IdentityInput {
        name: form.text("identity.name"),
        trading_name: form.text("identity.trading_name"),
        legal_form: form.text("identity.legal_form"),
        share_capital: form.text("identity.share_capital").map(DecText),
        rcs_city: form.text("identity.rcs_city"),
        siren: form.text("identity.siren"),
        siret: form.text("identity.siret"),
        vat_number: form.text("identity.vat_number"),
        address: Some(AddressInput {
            line1: form.text("identity.address.line1"),
            line2: form.text("identity.address.line2"),
            postal_code: form.text("identity.address.postal_code"),
            city: form.text("identity.address.city"),
            country: form.text("identity.address.country").map(|c| c.to_ascii_uppercase()),
        }),
        email: form.text("identity.email"),
        phone: form.text("identity.phone"),
        website: form.text("identity.website"),
    };
    match patch(&app, &s, SettingsInput { identity: Some(input), legal: Some(legal), ..empty_settings() }).await? {
        Ok(()) => Ok(see_other("/settings?saved=1")),
        Err(errs) => {
            let mut page = Page::new(&app, &s, "identity").await?;
            page.fields = identity_fields(&form);
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}

// ---------------------------------------------------------------- banks

fn bank_rows(values: &FormData, count: usize) -> Vec<BankRow> {
    let default = values.get("default").unwrap_or_default().to_string();
    (0..=count)
        .map(|n| BankRow {
            n,
            fields: [
                ("label", "settings.bank_label", false),
                ("iban", "settings.iban", true),
                ("bic", "settings.bic", false),
                ("holder", "settings.holder", false),
            ]
            .iter()
            .map(|&(f, l, r)| field(&format!("banks[{n}].{f}"), l, "text", r && n < count, values))
            .collect(),
            default: default == n.to_string(),
            new: n == count,
        })
        .collect()
}

/// `GET /settings/banks`
pub async fn banks(State(app): State<App>, s: WebSession, Query(q): Query<SavedQuery>) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, values) = stored(&app, &s).await?;
    let mut page = Page::new(&app, &s, "banks").await?;
    page.saved = q.saved.is_some();
    page.banks = bank_rows(&values, st.banks.len());
    html(StatusCode::OK, &page)
}

/// `POST /settings/banks`: the whole list (rows ticked "remove" and an empty new row
/// are left out); errors are shown on the row they came from.
pub async fn save_banks(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let count: usize = form.get("count").and_then(|c| c.parse().ok()).unwrap_or(0).min(100);
    let default = form.get("default").and_then(|d| d.parse::<usize>().ok());
    let mut input = Vec::new();
    // The API's index of each row sent → the form's row.
    let mut rows = Vec::new();
    for n in 0..=count {
        let get = |f: &str| form.text(&format!("banks[{n}].{f}"));
        let (label, iban, bic, holder) = (get("label"), get("iban"), get("bic"), get("holder"));
        let blank = label.is_none() && iban.is_none() && bic.is_none() && holder.is_none();
        if blank || form.get(&format!("banks[{n}].remove")).is_some() {
            continue;
        }
        rows.push(n);
        input.push(BankInput { label, iban, bic, holder, default: Some(default == Some(n)) });
    }
    // With one account left, it is the default whatever the radio said.
    if input.len() == 1
        && let Some(b) = input.first_mut()
    {
        b.default = Some(true);
    }
    match patch(&app, &s, SettingsInput { banks: Some(input), ..empty_settings() }).await? {
        Ok(()) => Ok(see_other("/settings/banks?saved=1")),
        Err(errs) => {
            let errs =
                errs.into_iter()
                    .map(|(f, m)| {
                        let mapped = f.strip_prefix("banks[").and_then(|r| r.split_once(']')).and_then(|(i, rest)| {
                            Some(format!("banks[{}]{rest}", rows.get(i.parse::<usize>().ok()?)?))
                        });
                        (mapped.unwrap_or(f), m)
                    })
                    .collect();
            let mut page = Page::new(&app, &s, "banks").await?;
            page.banks = bank_rows(&form, count);
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}

// ---------------------------------------------------------------- terms

/// The 0 % categories whose mention the company may write, with the label of that
/// input and, for those with a choice of codes, of the code's (the editor's too).
pub(super) const EXEMPTIONS: [(VatCategory, &str, Option<&str>); 5] = [
    (VatCategory::E, "settings.exemption.E", Some("settings.exemption_code.E")),
    (VatCategory::AE, "settings.exemption.AE", Some("settings.exemption_code.AE")),
    (VatCategory::K, "settings.exemption.K", None),
    (VatCategory::G, "settings.exemption.G", None),
    (VatCategory::O, "settings.exemption.O", None),
];

/// The category and input (`text` or `code`) that an API error at `{list}[i].…` is
/// about, the i-th mention sent being of `categories[i]`: the forms name mentions by
/// category, not by position. The category is the input's own, so any error but the
/// code's is the text's.
pub(super) fn exemption_error_input(
    field: &str,
    list: &str,
    categories: &[VatCategory],
) -> Option<(VatCategory, &'static str)> {
    let (i, x) = field.strip_prefix(list)?.strip_prefix('[')?.split_once("].")?;
    let cat = *categories.get(i.parse::<usize>().ok()?)?;
    Some((cat, if x == "code" { "code" } else { "text" }))
}

/// The inputs of the company's own exemption mentions, the defaults shown as placeholders.
fn exemption_fields(values: &FormData, lang: Language) -> Vec<SField> {
    let mut out = Vec::new();
    for (cat, text_label, code_label) in EXEMPTIONS {
        let mut f = field(&format!("documents.vat_exemptions.{cat}.text"), text_label, "text", false, values);
        if let Some(ex) = cat.exemption() {
            f.placeholder = (if lang == Language::Fr { ex.text_fr } else { ex.text_en }).to_string();
        }
        out.push(f);
        if let Some(label) = code_label {
            let mut f = field(&format!("documents.vat_exemptions.{cat}.code"), label, "text", false, values);
            f.placeholder = cat.exemption().map(|e| e.code).unwrap_or_default().to_string();
            out.push(f);
        }
    }
    out
}

/// The mentions typed, in the API's shape, and the category of each (to name errors).
fn typed_exemptions(form: &FormData) -> (Vec<ExemptionInput>, Vec<VatCategory>) {
    EXEMPTIONS
        .iter()
        .filter_map(|(cat, _, _)| {
            let text = form.text(&format!("documents.vat_exemptions.{cat}.text"))?;
            let code = form.text(&format!("documents.vat_exemptions.{cat}.code"));
            Some((ExemptionInput { category: Some(cat.code().to_string()), code, text: Some(text) }, *cat))
        })
        .unzip()
}

fn terms_fields(values: &FormData, lang: Language) -> Vec<SField> {
    let mut fields = vec![
        field("documents.default_payment_terms", "settings.default_payment_terms", "text", false, values),
        field("documents.vat_rates", "settings.vat_rates", "text", false, values),
        field("legal.late_penalty_rate", "settings.late_penalty_rate", "text", false, values),
        field("legal.early_payment_discount", "settings.early_payment_discount", "text", false, values),
        field("legal.vat_on_debits", "settings.vat_on_debits", "checkbox", false, values),
        select("documents.main_activity", "settings.main_activity", ACTIVITIES, values),
    ];
    fields.extend(exemption_fields(values, lang));
    fields.push(field("documents.default_terms", "settings.default_terms", "textarea", false, values));
    fields
}

/// `GET /settings/terms`
pub async fn terms(State(app): State<App>, s: WebSession, Query(q): Query<SavedQuery>) -> Result<Response, WebError> {
    admin(&s)?;
    let (_, values) = stored(&app, &s).await?;
    let mut page = Page::new(&app, &s, "terms").await?;
    page.saved = q.saved.is_some();
    page.fields = terms_fields(&values, s.lang());
    html(StatusCode::OK, &page)
}

fn profile_name(p: Profile) -> &'static str {
    match p {
        Profile::Minimum => "minimum",
        Profile::BasicWl => "basic_wl",
        Profile::En16931 => "en16931",
    }
}

/// `POST /settings/terms`: legal terms, and the terms printed on documents (the other
/// layout options are kept as they are).
pub async fn save_terms(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, _) = stored(&app, &s).await?;
    let d = &st.documents;
    let (exemptions, categories) = typed_exemptions(&form);
    let input = SettingsInput {
        legal: Some(LegalInput {
            late_penalty_rate: form.text("legal.late_penalty_rate").map(|r| DecText(r.replace(',', "."))),
            early_payment_discount: form.text("legal.early_payment_discount"),
            vat_on_debits: Some(form.get("legal.vat_on_debits").is_some()),
            vat_regime: Some(st.legal.vat_regime.as_str().to_string()),
        }),
        documents: Some(LookInput {
            accent: d.accent.clone(),
            show_reference: Some(d.show_reference),
            show_discount: Some(d.show_discount),
            totals_on_every_page: Some(d.totals_on_every_page),
            default_terms: form.text("documents.default_terms"),
            facturx_profile: Some(profile_name(d.facturx_profile).to_string()),
            default_payment_terms: form.text("documents.default_payment_terms").map(DecText),
            vat_rates: Some(
                form.get("documents.vat_rates")
                    .unwrap_or_default()
                    .split(|c: char| c == ';' || c.is_whitespace())
                    .filter(|r| !r.is_empty())
                    .map(|r| DecText(r.trim_end_matches('%').replace(',', ".")))
                    .collect(),
            ),
            vat_exemptions: Some(exemptions),
            main_activity: form.text("documents.main_activity"),
        }),
        ..empty_settings()
    };
    match patch(&app, &s, input).await? {
        Ok(()) => Ok(see_other("/settings/terms?saved=1")),
        Err(errs) => {
            // One input holds every rate; the mentions are named by category, not position.
            let errs = errs
                .into_iter()
                .map(|(f, m)| {
                    if f.starts_with("documents.vat_rates[") {
                        return ("documents.vat_rates".to_string(), m);
                    }
                    let by_category = exemption_error_input(&f, "documents.vat_exemptions", &categories)
                        .map(|(cat, input)| format!("documents.vat_exemptions.{cat}.{input}"));
                    (by_category.unwrap_or(f), m)
                })
                .collect();
            let mut page = Page::new(&app, &s, "terms").await?;
            page.fields = terms_fields(&form, s.lang());
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}

// ---------------------------------------------------------------- numbering

async fn numbering_rows(app: &App, s: &WebSession) -> Result<Vec<NumRow>, WebError> {
    let lang = s.lang();
    let today = s.today();
    let rows = app.store.numbering(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(DocumentKind::ALL
        .iter()
        .filter_map(|k| rows.iter().find(|r| r.kind == *k))
        .map(|n| NumRow {
            kind: n.kind.as_str(),
            label: text::kind_title(n.kind, false, lang),
            pattern: n.pattern.to_string(),
            yearly_reset: n.yearly_reset,
            issued: n.issued,
            // The next number when the sequence goes on; the first of a sequence otherwise.
            example: n.pattern.format(today, if n.yearly_reset { 1 } else { n.issued + 1 }),
            error: None,
        })
        .collect())
}

/// `GET /settings/numbering`
pub async fn numbering(
    State(app): State<App>,
    s: WebSession,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    admin(&s)?;
    let mut page = Page::new(&app, &s, "numbering").await?;
    page.saved = q.saved.is_some();
    page.numbering = numbering_rows(&app, &s).await?;
    html(StatusCode::OK, &page)
}

/// `POST /settings/numbering`: one kind's pattern, through `PUT /numbering/{kind}`.
pub async fn save_numbering(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let kind = form.text("kind").unwrap_or_default();
    let input =
        NumberingInput { pattern: form.text("pattern"), yearly_reset: Some(form.get("yearly_reset").is_some()) };
    let lang = s.lang();
    let message = match set_numbering(&app, &s.auth(), &kind, &input).await {
        Ok(_) => return Ok(see_other("/settings/numbering?saved=1")),
        Err(ApiError::Invalid(errs)) => errs.iter().map(|e| message(lang, &e.message)).collect::<Vec<_>>().join(" ; "),
        Err(ApiError::Conflict(m)) => message(lang, &m),
        Err(e) => return Err(WebError::api(s.lang(), e)),
    };
    let mut page = Page::new(&app, &s, "numbering").await?;
    page.numbering = numbering_rows(&app, &s).await?;
    for row in &mut page.numbering {
        if row.kind == kind {
            row.pattern = form.get("pattern").unwrap_or_default().to_string();
            row.yearly_reset = form.get("yearly_reset").is_some();
            row.error = Some(message.clone());
        }
    }
    page.errors = vec![(format!("pattern-{kind}"), message)];
    html(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

// ---------------------------------------------------------------- e-mail templates

fn lang_of(code: &str) -> Language {
    if code == "en" { Language::En } else { Language::Fr }
}

fn chosen(kind: Option<&str>, lang: Option<&str>) -> (DocumentKind, &'static str) {
    let kind = kind.and_then(|k| k.parse::<DocumentKind>().ok()).unwrap_or(DocumentKind::Invoice);
    let lang = if lang == Some("en") { "en" } else { "fr" };
    (kind, lang)
}

async fn emails_page(
    app: &App,
    s: &WebSession,
    st: &CompanySettings,
    kind: DocumentKind,
    lang: &'static str,
    sent: Option<&FormData>,
) -> Result<Page, WebError> {
    let mut page = Page::new(app, s, "emails").await?;
    let custom = st.email_templates.get(kind.as_str()).and_then(|m| m.get(lang));
    let builtin = facturier_formats::email::default_template(kind, lang_of(lang));
    let (subject, body) = match (sent, custom) {
        (Some(f), _) => {
            (f.get("subject").unwrap_or_default().to_string(), f.get("body").unwrap_or_default().to_string())
        }
        (None, Some(c)) => (c.subject.clone(), c.body.clone()),
        (None, None) => (builtin.subject.to_string(), builtin.body.to_string()),
    };
    let values = FormData(vec![("subject".into(), subject), ("body".into(), body)]);
    page.fields = vec![
        field("subject", "settings.subject", "text", true, &values),
        field("body", "settings.body", "textarea", true, &values),
    ];
    page.tpl_kind = kind.as_str().into();
    page.tpl_lang = lang.into();
    page.tpl_custom = custom.is_some();
    page.kinds = DocumentKind::ALL.iter().map(|k| (k.as_str(), text::kind_title(*k, false, s.lang()))).collect();
    Ok(page)
}

/// `GET /settings/emails?kind=&lang=`
pub async fn emails(State(app): State<App>, s: WebSession, Query(q): Query<SavedQuery>) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, _) = stored(&app, &s).await?;
    let (kind, lang) = chosen(q.kind.as_deref(), q.lang.as_deref());
    let mut page = emails_page(&app, &s, &st, kind, lang, None).await?;
    page.saved = q.saved.is_some();
    html(StatusCode::OK, &page)
}

/// `POST /settings/emails`: the template of one kind and language (or back to the
/// built-in one with `restore`); the others are kept.
pub async fn save_email(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, _) = stored(&app, &s).await?;
    let (kind, lang) = chosen(form.get("kind"), form.get("lang"));
    let mut all: BTreeMap<String, BTreeMap<String, TemplateInput>> = st
        .email_templates
        .iter()
        .map(|(k, by)| {
            let by = by
                .iter()
                .map(|(l, t)| {
                    (l.clone(), TemplateInput { subject: Some(t.subject.clone()), body: Some(t.body.clone()) })
                })
                .collect();
            (k.clone(), by)
        })
        .collect();
    let entry = all.entry(kind.as_str().to_string()).or_default();
    if form.get("restore").is_some() {
        entry.remove(lang);
    } else {
        entry.insert(lang.to_string(), TemplateInput { subject: form.text("subject"), body: form.text("body") });
    }
    let back = format!("/settings/emails?kind={}&lang={lang}&saved=1", kind.as_str());
    match patch(&app, &s, SettingsInput { email_templates: Some(all), ..empty_settings() }).await? {
        Ok(()) => Ok(see_other(&back)),
        Err(errs) => {
            let prefix = format!("email_templates.{}.{lang}.", kind.as_str());
            let errs =
                errs.into_iter().map(|(f, m)| (f.strip_prefix(&prefix).map(String::from).unwrap_or(f), m)).collect();
            let page = emails_page(&app, &s, &st, kind, lang, Some(&form)).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}

// ---------------------------------------------------------------- logo

async fn logo_page(app: &App, s: &WebSession) -> Result<Page, WebError> {
    let lang = s.lang();
    let mut page = Page::new(app, s, "logo").await?;
    let logo = app.store.logo(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    page.logo = logo.map(|l| {
        let kb = text::number(rust_decimal::Decimal::from(l.bytes.len()) / rust_decimal::Decimal::from(1024), 1, lang);
        format!("{}, {kb} Kio", l.content_type)
    });
    Ok(page)
}

/// `GET /settings/logo`: the logo's preview, upload and delete.
pub async fn logo(State(app): State<App>, s: WebSession, Query(q): Query<SavedQuery>) -> Result<Response, WebError> {
    admin(&s)?;
    let mut page = logo_page(&app, &s).await?;
    page.saved = q.saved.is_some();
    html(StatusCode::OK, &page)
}

/// `GET /settings/logo/image`: the stored image (the preview's source).
pub async fn logo_image(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    crate::app::settings::logo(&app, &s.auth())
        .await
        .map(IntoResponse::into_response)
        .map_err(|e| WebError::api(s.lang(), e))
}

/// `POST /settings/logo` (multipart: `csrf`, `logo`): the same checks as
/// `PUT /settings/logo`; a refused file is shown with the API's reason.
pub async fn upload_logo(State(app): State<App>, s: WebSession, mut parts: Multipart) -> Result<Response, WebError> {
    let lang = s.lang();
    let mut csrf = String::new();
    let mut file: Option<(String, bytes::Bytes)> = None;
    loop {
        let next = parts.next_field().await;
        let Ok(Some(f)) = next else {
            if let Err(e) = next {
                return Err(WebError::BadRequest(lang, e.body_text()));
            }
            break;
        };
        match f.name() {
            Some("csrf") => csrf = f.text().await.map_err(|e| WebError::BadRequest(lang, e.body_text()))?,
            Some("logo") => {
                let ct = f.content_type().unwrap_or_default().to_string();
                let b = f.bytes().await.map_err(|e| WebError::BadRequest(lang, e.body_text()))?;
                file = Some((ct, b));
            }
            _ => {}
        }
    }
    if !same_secret(&csrf, &s.rec.csrf_token) {
        return Err(WebError::Csrf(lang));
    }
    admin(&s)?;
    let (ct, body) = file.unwrap_or_default();
    let (status, message) = if body.is_empty() {
        (StatusCode::UNPROCESSABLE_ENTITY, t(lang, "settings.logo_missing").to_string())
    } else {
        match crate::app::settings::set_logo(&app, &s.auth(), &ct, &body).await {
            Ok(_) => return Ok(see_other("/settings/logo?saved=1")),
            Err(ApiError::Invalid(errs)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                errs.iter().map(|e| message(lang, &e.message)).collect::<Vec<_>>().join(" ; "),
            ),
            Err(e @ ApiError::UnsupportedMediaType { .. }) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, message(lang, &e.to_string()))
            }
            Err(e) => return Err(WebError::api(lang, e)),
        }
    };
    let mut page = logo_page(&app, &s).await?;
    page.errors = vec![("logo".into(), message)];
    html(status, &page)
}

/// `POST /settings/logo/delete`
pub async fn delete_logo(State(app): State<App>, CsrfForm(s, _): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    match crate::app::settings::delete_logo(&app, &s.auth()).await {
        Ok(_) | Err(ApiError::NotFound(_)) => Ok(see_other("/settings/logo?saved=1")),
        Err(e) => Err(WebError::api(s.lang(), e)),
    }
}
