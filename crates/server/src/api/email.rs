//! `POST /{kind}/{id}/send`: an issued document e-mailed with its PDF attached (the
//! work is `app::email`'s); and `GET /{kind}/{id}/emails`: the messages of a document and
//! their delivery status.

use super::{instant_text, path_id};
use crate::App;
use crate::app::email::{self as ops, SendInput};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::parse_json;
use axum::Json;
use axum::http::StatusCode;
use facturier_core::document::DocumentKind;
use facturier_store::outbox::EmailRecord;
use serde::Serialize;
use uuid::Uuid;

/// One message of the outbox.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EmailView {
    pub id: Uuid,
    #[schema(required = true)]
    pub document_id: Option<Uuid>,
    /// `pending`: queued, waiting for its first attempt or a retry; `sending`: a worker is
    /// handing it to the SMTP server; `sent`: accepted by it; `failed`: refused for good or too
    /// many attempts.
    #[schema(schema_with = crate::openapi::field::email_status)]
    pub status: &'static str,
    #[schema(schema_with = crate::openapi::field::emails)]
    pub to: Vec<String>,
    #[schema(schema_with = crate::openapi::field::emails)]
    pub cc: Vec<String>,
    pub subject: String,
    /// Attempts made so far.
    #[schema(minimum = 0)]
    pub attempts: u32,
    /// When the next attempt is due; null once sent or failed.
    #[schema(required = true, format = DateTime)]
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// The Message-ID header, the same on every attempt.
    #[schema(required = true)]
    pub message_id: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(required = true, format = DateTime)]
    pub sent_at: Option<String>,
    /// Present when no SMTP server is configured: the message waits in the outbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub notice: Option<&'static str>,
}

impl From<&EmailRecord> for EmailView {
    fn from(r: &EmailRecord) -> EmailView {
        use facturier_store::outbox::EmailStatus as S;
        let waiting = matches!(r.status, S::Pending | S::Sending);
        EmailView {
            id: r.id,
            document_id: r.document_id,
            status: r.status.as_str(),
            to: r.to.clone(),
            cc: r.cc.clone(),
            subject: r.subject.clone(),
            attempts: r.attempts,
            next_attempt_at: waiting.then(|| instant_text(r.next_attempt_at)),
            last_error: r.last_error.clone(),
            message_id: r.message_id.clone(),
            created_at: instant_text(r.created_at),
            sent_at: r.sent_at.map(instant_text),
            notice: None,
        }
    }
}

/// `POST /{kind}/{id}/send`; an empty body takes every default.
pub async fn send(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<EmailView>), ApiError> {
    auth.require_write()?;
    let input: SendInput =
        if body.iter().all(u8::is_ascii_whitespace) { SendInput::default() } else { parse_json(&body)? };
    let queued = ops::send(app, auth, kind, path_id(id, "document")?, &input).await?;
    let mut view = EmailView::from(&queued.email);
    if !queued.delivering {
        view.notice =
            Some("no SMTP server is configured (facturier serve --smtp-url): the message waits in the outbox");
    }
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// `GET /{kind}/{id}/emails`.
pub async fn list(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<Json<Vec<EmailView>>, ApiError> {
    let emails = ops::list(app, auth, kind, path_id(id, "document")?).await?;
    Ok(Json(emails.iter().map(EmailView::from).collect()))
}
