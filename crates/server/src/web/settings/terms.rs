//! The payment terms and legal mentions page, with the 0 % VAT categories' exemption
//! mentions (also read by the document editor).

use crate::App;
use crate::app::documents::ExemptionInput;
use crate::app::settings::{LegalInput, LookInput, SettingsInput};
use crate::input::DecText;
use crate::web::session::{CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::company::Profile;
use facturier_core::party::Language;
use facturier_core::tax::VatCategory;

use super::identity::{empty_settings, patch, stored};
use super::{ACTIVITIES, Page, SField, admin, field, select};

/// The 0 % categories whose mention the company may write, with the label of that
/// input and, for those with a choice of codes, of the code's (the editor's too).
pub(in crate::web) const EXEMPTIONS: [(VatCategory, &str, Option<&str>); 5] = [
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
pub(in crate::web) fn exemption_error_input(
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
pub async fn terms(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    let (_, values) = stored(&app, &s).await?;
    let mut page = Page::new(&app, &s, "terms").await?;
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
        Ok(()) => Ok(see_other("/settings/terms?done=saved")),
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
