//! The first-run set-up page (`/setup`, administrators): a short checklist of what the
//! company needs before its first invoice — its identity and VAT regime, a bank account —
//! and what it may add (a logo, its numbering), each linking to its settings page.
//!
//! "Complete" is decided by the rules issuing applies (`core::compliance::seller_problems`)
//! plus a bank account to print; an administrator's sign-in lands here while it is not,
//! and can leave for the dashboard ("Later"): issuing still refuses what is missing.

use super::i18n::{Labels, t};
use super::session::{Chrome, WebSession};
use super::{WebError, html};
use crate::App;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::company::{Seller, VatRegime};
use facturier_core::compliance;
use facturier_core::document::DocumentKind;
use facturier_core::party::Language;
use facturier_store::StoreError;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.menu", "Menu", "Menu"),
    ("nav.setup", "Mise en route", "Getting started"),
    ("setup.title", "Mise en route", "Getting started"),
    ("editor.line", "Ligne", "Line"),
    (
        "setup.intro",
        "Avant votre première facture, facturier a besoin de quelques informations sur votre entreprise. Vous pouvez les donner maintenant ou plus tard\u{a0}: elles seront demandées avant d'émettre une facture.",
        "Before your first invoice, facturier needs a few details about your company. Give them now or later: they are asked for before an invoice is issued.",
    ),
    (
        "setup.complete",
        "Tout est prêt\u{a0}: votre entreprise peut émettre ses factures.",
        "All set: your company can issue its invoices.",
    ),
    ("setup.steps", "Étapes de la mise en route", "Set-up steps"),
    ("setup.done", "Fait", "Done"),
    ("setup.todo", "À faire", "To do"),
    ("setup.optional", "Facultatif", "Optional"),
    ("setup.identity", "Identité et mentions légales", "Identity and legal details"),
    (
        "setup.identity_help",
        "Raison sociale, adresse, SIREN, forme juridique, capital, ville du RCS et numéro de TVA\u{a0}: chaque facture doit les indiquer.",
        "Legal name, address, SIREN, legal form, share capital, trade register city and VAT number: every invoice states them.",
    ),
    ("setup.vat", "Régime de TVA", "VAT regime"),
    (
        "setup.vat_help",
        "Un micro-entrepreneur en franchise en base ne facture pas de TVA\u{a0}; les autres entreprises la facturent et indiquent leur numéro de TVA.",
        "A micro-entrepreneur under the VAT franchise charges no VAT; other companies charge it and state their VAT number.",
    ),
    ("setup.vat_now", "Actuellement\u{a0}:", "Now:"),
    ("setup.bank", "Compte bancaire", "Bank account"),
    (
        "setup.bank_help",
        "L'IBAN et le BIC imprimés sur vos factures, pour que vos clients puissent payer par virement.",
        "The IBAN and BIC printed on your invoices, so that your customers can pay by transfer.",
    ),
    ("setup.logo", "Logo", "Logo"),
    ("setup.logo_help", "Il figure en tête de vos devis et factures.", "It heads your quotes and invoices."),
    ("setup.numbering", "Numérotation", "Numbering"),
    (
        "setup.numbering_help",
        "Vos factures sont numérotées sans trou, dans l'ordre. Changez le modèle avant la première facture si vous le souhaitez.",
        "Your invoices are numbered in order, without gaps. Change the pattern before the first invoice if you wish.",
    ),
    ("setup.numbering_now", "Prochaine facture\u{a0}:", "Next invoice:"),
    ("setup.open", "Compléter", "Complete"),
    ("setup.change", "Modifier", "Change"),
    ("setup.later", "Plus tard", "Later"),
    ("setup.to_dashboard", "Aller au tableau de bord", "Go to the dashboard"),
    ("setup.see_all", "Voir toute la mise en route", "See the whole set-up"),
];

/// What the company has and lacks for its first invoice.
pub struct Status {
    /// What issuing would refuse about the company, in the reader's words.
    pub identity: Vec<String>,
    pub regime: VatRegime,
    pub bank: bool,
    pub logo: bool,
    /// The number the next invoice would take, if its numbering is known.
    pub next_invoice: Option<String>,
}

impl Status {
    /// Nothing left that the set-up asks for (the logo and the numbering are optional).
    pub fn complete(&self) -> bool {
        self.identity.is_empty() && self.bank
    }
}

/// What the set-up requires: what issuing would refuse about the company (in the
/// reader's words), its VAT regime, and whether it has a bank account.
async fn required(app: &App, company_id: Uuid, lang: Language) -> Result<(Vec<String>, VatRegime, bool), StoreError> {
    let settings = app.store.settings(company_id).await?;
    let seller = match settings.identity {
        Some(s) => s,
        None => {
            let c = app.store.company(company_id).await?;
            let country = c.country.parse().map_err(|e: facturier_core::party::UnknownCountry| {
                StoreError::Corrupt(format!("company country: {e}"))
            })?;
            Seller::bare(&c.name, country)
        }
    };
    let regime = settings.legal.vat_regime;
    let problems = compliance::seller_problems(&seller, regime).iter().map(|p| p.message(lang)).collect();
    Ok((problems, regime, !settings.banks.is_empty()))
}

/// The company's set-up as it stands.
/// `today` is the company's date, for the next invoice's number.
pub async fn status(app: &App, company_id: Uuid, lang: Language, today: time::Date) -> Result<Status, StoreError> {
    let (identity, regime, bank) = required(app, company_id, lang).await?;
    let logo = app.store.logo(company_id).await?.is_some();
    let numbering = app.store.numbering(company_id).await?;
    let next_invoice = numbering
        .iter()
        .find(|n| n.kind == DocumentKind::Invoice)
        .map(|n| n.pattern.format(today, facturier_core::numbering::next_seq(n.counter, n.yearly_reset, today)));
    Ok(Status { identity, regime, bank, logo, next_invoice })
}

/// Whether an administrator signing in to `company_id` is shown the set-up first.
pub async fn needed(app: &App, company_id: Uuid) -> Result<bool, StoreError> {
    let (identity, _, bank) = required(app, company_id, Language::En).await?;
    Ok(!identity.is_empty() || !bank)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    p: Chrome,
    s: Status,
    regime: &'static str,
}

/// `GET /setup`
pub async fn page(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    s.auth().require_admin().map_err(|e| WebError::api(s.lang(), e))?;
    let lang = s.lang();
    let status = status(&app, s.rec.company_id, lang, s.today()).await.map_err(|e| WebError::store(lang, e))?;
    let regime = match status.regime {
        VatRegime::Franchise => "settings.vat_regime.franchise",
        _ => "settings.vat_regime.registered",
    };
    let page = SetupPage { p: s.chrome(&app, "setup", t(lang, "setup.title").into()).await?, s: status, regime };
    html(StatusCode::OK, &page)
}
