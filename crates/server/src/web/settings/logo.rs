//! The logo page: upload (checked by the PDF renderer), show and delete.

use crate::App;
use crate::error::ApiError;
use crate::web::confirm::{self, Ask};
use crate::web::i18n::t;
use crate::web::messages::message;
use crate::web::session::{CsrfForm, WebSession, same_secret};
use crate::web::{WebError, html, see_other};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use facturier_core::message::Message;
use facturier_formats::text;

use super::{Page, admin};

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
pub async fn logo(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    let page = logo_page(&app, &s).await?;
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
                return Err(WebError::BadRequest(lang, Message::new("invalid").with("why", e.body_text())));
            }
            break;
        };
        match f.name() {
            Some("csrf") => {
                csrf = f
                    .text()
                    .await
                    .map_err(|e| WebError::BadRequest(lang, Message::new("invalid").with("why", e.body_text())))?
            }
            Some("logo") => {
                let ct = f.content_type().unwrap_or_default().to_string();
                let b = f
                    .bytes()
                    .await
                    .map_err(|e| WebError::BadRequest(lang, Message::new("invalid").with("why", e.body_text())))?;
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
            Ok(_) => return Ok(see_other("/settings/logo?done=logo_saved")),
            Err(ApiError::Invalid(errs)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                errs.iter().map(|e| message(lang, &e.message)).collect::<Vec<_>>().join(" ; "),
            ),
            Err(e @ ApiError::UnsupportedMediaType { .. }) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, message(lang, &e.message()))
            }
            Err(e) => return Err(WebError::api(lang, e)),
        }
    };
    let mut page = logo_page(&app, &s).await?;
    page.errors = vec![("logo".into(), message)];
    html(status, &page)
}

/// `POST /settings/logo/delete`, once confirmed.
pub async fn delete_logo(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    if !confirm::confirmed(&form) {
        let ask = Ask::of(s.lang(), "logo", &[], "/settings/logo".into());
        return confirm::ask(&app, &s, "settings", "/settings/logo/delete", &form, ask).await;
    }
    match crate::app::settings::delete_logo(&app, &s.auth()).await {
        Ok(_) | Err(ApiError::NotFound(_)) => Ok(see_other("/settings/logo?done=logo_deleted")),
        Err(e) => Err(WebError::api(s.lang(), e)),
    }
}
