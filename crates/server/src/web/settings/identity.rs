//! The identity page (name, address, legal identifiers, VAT regime), and the stored
//! settings and `PATCH` every settings page reads and saves through.

use crate::App;
use crate::app::customers::AddressInput;
use crate::app::settings::{IdentityInput, LegalInput, SettingsInput, update_settings};
use crate::error::ApiError;
use crate::input::DecText;
use crate::web::messages::message;
use crate::web::session::{CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::party::Language;
use facturier_store::companies::CompanySettings;

use super::{Page, SField, VAT_REGIMES, admin, field, select};

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
fn stored_values(st: &CompanySettings, company_name: &str, country: &str, lang: Language) -> FormData {
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
    // In words, as the reader writes them back ("45 jours fin de mois").
    put("documents.default_payment_terms", st.documents.default_payment_terms.map(|t| t.label(lang)));
    let rates: Vec<String> = st.documents.vat_rates.iter().map(|r| r.to_string()).collect();
    put("documents.vat_rates", Some(rates.join(" ; ")));
    FormData(v)
}

pub(super) async fn stored(app: &App, s: &WebSession) -> Result<(CompanySettings, FormData), WebError> {
    let st = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(s.lang(), e))?;
    let values = stored_values(&st, &s.rec.company_name, &s.rec.country, s.lang());
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
pub(super) async fn patch(
    app: &App,
    s: &WebSession,
    input: SettingsInput,
) -> Result<Result<(), Vec<(String, String)>>, WebError> {
    match update_settings(app, &s.auth(), &input).await {
        Ok(_) => Ok(Ok(())),
        Err(ApiError::Invalid(errs)) => {
            Ok(Err(errs.into_iter().map(|e| (e.field, message(s.lang(), &e.message))).collect()))
        }
        Err(e) => Err(WebError::api(s.lang(), e)),
    }
}

pub(super) fn empty_settings() -> SettingsInput {
    SettingsInput {
        allow_negative_stock: None,
        identity: None,
        banks: None,
        legal: None,
        documents: None,
        email_templates: None,
        stripe: None,
        dunning: None,
        sepa: None,
        accounting: None,
    }
}

/// `GET /settings`: identity and legal details.
pub async fn identity(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    let (_, values) = stored(&app, &s).await?;
    let mut page = Page::new(&app, &s, "identity").await?;
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
        Ok(()) => Ok(see_other("/settings?done=saved")),
        Err(errs) => {
            let mut page = Page::new(&app, &s, "identity").await?;
            page.fields = identity_fields(&form);
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}
