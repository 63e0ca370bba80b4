//! The e-mail templates page: one template per document kind and language.

use crate::App;
use crate::app::settings::{SettingsInput, TemplateInput};
use crate::web::session::{CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::document::DocumentKind;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::companies::CompanySettings;
use std::collections::BTreeMap;

use super::identity::{empty_settings, patch, stored};
use super::{Page, SavedQuery, admin, field};

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
    let page = emails_page(&app, &s, &st, kind, lang, None).await?;
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
    let back = format!("/settings/emails?kind={}&lang={lang}&done=saved", kind.as_str());
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
