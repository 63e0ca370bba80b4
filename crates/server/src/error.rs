//! One error type for every handler, rendered as RFC 9457 problem+json. This is the
//! only place that picks an HTTP status for an error.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::compliance::{self, Place};
use facturier_core::document::LifecycleError;
use facturier_core::party::Language;
use facturier_store::StoreError;
use serde::Serialize;

/// A problem with one input field.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("the body must be {expected}, not {got}")]
    UnsupportedMediaType { expected: &'static str, got: String },
    #[error("the request body is larger than {} bytes", crate::MAX_BODY)]
    TooLarge,
    #[error("the request body did not arrive in time; send it again without pausing")]
    BodyTimeout,
    #[error("missing or unknown API token")]
    Unauthorized,
    #[error("your role ({0}) may not do this")]
    Forbidden(&'static str),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// The draft would make an e-invoice that breaks its rules: 422 naming each problem.
    #[error("the document cannot be issued yet: {} problems to fix", .0.len())]
    NotIssuable(Vec<compliance::Problem>),
    #[error("internal error")]
    Internal(String),
}

impl From<facturier_formats::FormatError> for ApiError {
    fn from(e: facturier_formats::FormatError) -> ApiError {
        use facturier_formats::FormatError;
        match e {
            // The document cannot be an e-invoice as it stands: a state, not a server fault.
            FormatError::NotAnInvoice(_) | FormatError::NoLines => ApiError::Conflict(e.to_string()),
            FormatError::Xml(m) => ApiError::Internal(m),
        }
    }
}

impl ApiError {
    /// A single-field validation error.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::NotIssuable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Lifecycle(l) => ApiError::from(l),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Invalid { field, message } => ApiError::field(field, message),
            StoreError::NotIssuable(problems) => ApiError::NotIssuable(problems),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<LifecycleError> for ApiError {
    fn from(e: LifecycleError) -> ApiError {
        ApiError::Conflict(e.to_string())
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

/// The problem+json response for a status and detail.
pub fn problem(status: StatusCode, detail: String, errors: Option<&[FieldError]>) -> Response {
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
    };
    let json = serde_json::to_string(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                problem(status, "an internal error occurred; it has been logged".into(), None)
            }
            ApiError::Invalid(errors) => {
                let detail =
                    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                problem(status, detail, Some(errors))
            }
            ApiError::NotIssuable(problems) => {
                let lang = readers_language();
                let errors: Vec<ProblemView> = problems.iter().map(|p| ProblemView::of(p, lang)).collect();
                let detail = match lang {
                    Language::Fr => format!(
                        "le document ne peut pas encore être émis : {} point(s) à corriger, aucun numéro n'a été attribué",
                        errors.len()
                    ),
                    Language::En => format!(
                        "the document cannot be issued yet: {} problem(s) to fix; no number was used",
                        errors.len()
                    ),
                };
                let body = IssueProblem {
                    kind: "about:blank",
                    title: status.canonical_reason().unwrap_or("Error"),
                    status: status.as_u16(),
                    detail,
                    errors,
                };
                let json = serde_json::to_string(&body).unwrap_or_default();
                (status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
            }
            other => problem(status, other.to_string(), None),
        }
    }
}

/// The 422 of an issue refused by `core::compliance`.
#[derive(Serialize)]
struct IssueProblem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    errors: Vec<ProblemView>,
}

/// One problem of an e-invoice as the API shows it: what to fix (`field`, a settings
/// path, a customer field or a document field), how (`message`, in the reader's
/// language), and the rule it would break.
#[derive(Clone, Debug, Serialize)]
pub struct ProblemView {
    pub code: &'static str,
    pub field: String,
    pub message: String,
    pub rule: &'static str,
    pub place: Place,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl ProblemView {
    pub fn of(p: &compliance::Problem, lang: Language) -> ProblemView {
        ProblemView {
            code: p.code.as_str(),
            field: p.field.clone(),
            message: p.message(lang),
            rule: p.rule,
            place: p.place,
            line: p.line,
        }
    }
}

tokio::task_local! {
    /// The language of the request being answered (its `Accept-Language`).
    static LANGUAGE: Language;
}

/// The language the current request asked for: French when its `Accept-Language`
/// prefers French, else English (the API's language).
pub fn readers_language() -> Language {
    LANGUAGE.try_with(|l| *l).unwrap_or(Language::En)
}

/// The language of an `Accept-Language` header: its first tag decides.
pub fn language_of(headers: &axum::http::HeaderMap) -> Language {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if first.starts_with("fr") { Language::Fr } else { Language::En }
}

/// Middleware: answers the request in the language of its `Accept-Language` where the
/// API localises (the problems of an issue). Inside the idempotency layer, so a stored
/// answer is replayed in the language it was given in.
pub async fn in_readers_language(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = language_of(req.headers());
    LANGUAGE.scope(lang, next.run(req)).await
}
