//! The company's settings, for administrators: identity and legal details, bank
//! accounts, payment terms and legal mentions, numbering, e-mail templates and the logo.
//! Each section is one page with one form whose inputs are named by the API's field
//! paths; saving calls the API's own handlers (`api::settings`), so validation is the
//! API's and each error shows next to its input (422). Other roles get 403.

use super::WebError;
use super::i18n::{Labels, t};
use super::session::{Chrome, FormData, WebSession};
use crate::App;
use askama::Template;
use serde::Deserialize;

mod accounting;
mod banks;
mod dunning;
mod emails;
mod identity;
mod logo;
mod numbering;
mod payments;
mod terms;

pub use accounting::{LABELS as ACCOUNTING_LABELS, accounting, save_accounting};
pub use banks::{banks, save_banks};
pub use dunning::{LABELS as DUNNING_LABELS, dunning, save_dunning, save_dunning_text};
pub use emails::{emails, save_email};
pub use identity::{identity, save_identity};
pub use logo::{delete_logo, logo, logo_image, upload_logo};
pub use numbering::{numbering, save_numbering};
pub use payments::{LABELS as PAYMENT_LABELS, payments, save_payments};
pub(super) use terms::{EXEMPTIONS, exemption_error_input};
pub use terms::{save_terms, terms};

pub const LABELS: Labels = &[
    ("settings.title", "Paramètres", "Settings"),
    ("settings.sections", "Sections des paramètres", "Settings sections"),
    ("settings.identity", "Identité et mentions légales", "Identity and legal details"),
    ("settings.banks", "Comptes bancaires", "Bank accounts"),
    ("settings.terms", "Conditions de paiement", "Payment terms"),
    ("settings.numbering", "Numérotation", "Numbering"),
    ("settings.emails", "Modèles d'e-mail", "E-mail templates"),
    ("settings.logo", "Logo", "Logo"),
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
        "Délai de paiement par défaut (30 jours net, 45 jours fin de mois, fin de mois + 10 jours, à réception)",
        "Default payment terms (30 days net, 45 days end of month, end of month + 10 days, on receipt)",
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
    ("payments", "/settings/payments", "settings.payments"),
    ("dunning", "/settings/dunning", "settings.dunning"),
    ("accounting", "/settings/accounting", "settings.accounting"),
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
    // The dunning page.
    dunning_levels: Vec<dunning::Row>,
    dunning_quotes: Vec<dunning::Row>,
    dunning_text: Vec<SField>,
    dunning_steps: Vec<(String, String)>,
    dunning_audiences: Vec<(&'static str, &'static str)>,
    dunning_preview: Option<(String, String)>,
    tpl_audience: String,
}

impl Page {
    async fn new(app: &App, s: &WebSession, section: &'static str) -> Result<Page, WebError> {
        let title = format!("{} · {}", t(s.lang(), "settings.title"), t(s.lang(), &format!("settings.{section}")));
        Ok(Page {
            p: s.chrome(app, "settings", title).await?,
            section,
            sections: SECTIONS.to_vec(),
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
            dunning_levels: Vec::new(),
            dunning_quotes: Vec::new(),
            dunning_text: Vec::new(),
            dunning_steps: Vec::new(),
            dunning_audiences: Vec::new(),
            dunning_preview: None,
            tpl_audience: String::new(),
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
        for row in self.dunning_levels.iter_mut().chain(self.dunning_quotes.iter_mut()) {
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
