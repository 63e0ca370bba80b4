//! A file sent by a web form: a multipart body with the small fields first (`csrf`,
//! choices) and then `file`, read once and checked the same way by every page that takes
//! one (a customer's files, an import, a bank's reject file).

use crate::App;
use crate::api::customer_files::{Upload, UploadError, read_upload};
use crate::web::WebError;
use crate::web::session::{WebSession, same_secret};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::HeaderMap;
use facturier_core::message::Message;

/// The form's file (or why there is none) and its other fields.
pub struct WebUpload {
    pub file: Result<Upload, UploadError>,
    fields: Vec<(String, String)>,
}

impl WebUpload {
    /// A small field of the form, as sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the form, then checks its CSRF token (htmx's `X-CSRF-Token` header, or the
/// form's `csrf` part, sent before the file) and that the user may write. A body that
/// is not multipart is a bad request; a missing or too large file is the caller's to
/// show next to its input.
pub async fn read_form(app: &App, s: &WebSession, headers: &HeaderMap, req: Request) -> Result<WebUpload, WebError> {
    let lang = s.lang();
    let mp = Multipart::from_request(req, app)
        .await
        .map_err(|e| WebError::BadRequest(lang, Message::new("multipart_unreadable").with("e", e.body_text())))?;
    let mut fields = Vec::new();
    let file = read_upload(mp, &mut fields).await;
    let form = WebUpload { file, fields };
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).or_else(|| form.field("csrf"));
    if !same_secret(sent.unwrap_or_default(), &s.rec.csrf_token) {
        return Err(WebError::Csrf(lang));
    }
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    Ok(form)
}
