//! One error type for every handler, rendered as RFC 9457 problem+json. This is the
//! only place that picks an HTTP status for an error.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::compliance::{self, Place};
use facturier_core::document::LifecycleError;
use facturier_core::message::{IntoMessage, Message};
use facturier_core::party::Language;
use facturier_store::StoreError;
use serde::Serialize;

/// A problem with one input field: the API shows its `field`, its `code` and its
/// `message` in English; a web page writes the message in its reader's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Message,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl IntoMessage) -> FieldError {
        FieldError { field: field.into(), message: message.into_message() }
    }
}

impl Serialize for FieldError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        FieldErrorView::from(self).serialize(s)
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// `expected`: the code of the catalogue naming the media type expected.
    #[error("{}", self.message().english())]
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
    #[error("{}", .0.english())]
    Conflict(Message),
    /// The draft would make an e-invoice that breaks its rules: 422 naming each problem.
    #[error("the document cannot be issued yet: {} problems to fix", .0.len())]
    NotIssuable(Vec<compliance::Problem>),
    /// A request refused as it stands (a webhook's signature): 400 with its message.
    #[error("{}", .0.english())]
    BadRequest(Message),
    /// A service we call (Stripe) is unreachable or answered what we cannot use: 502.
    #[error("{}", .0.english())]
    Upstream(Message),
    #[error("internal error")]
    Internal(String),
}

impl From<facturier_formats::FormatError> for ApiError {
    fn from(e: facturier_formats::FormatError) -> ApiError {
        use facturier_formats::FormatError;
        match e {
            // The document cannot be an e-invoice as it stands: a state, not a server fault.
            FormatError::NotAnInvoice(kind) => {
                ApiError::Conflict(Message::new("e_invoice_only_invoices").with("kind", kind))
            }
            FormatError::NoLines => ApiError::Conflict(Message::new("document_item_line_en")),
            FormatError::Xml(m) => ApiError::Internal(m),
        }
    }
}

impl ApiError {
    /// A single-field validation error.
    pub fn field(field: impl Into<String>, message: impl IntoMessage) -> ApiError {
        ApiError::Invalid(vec![FieldError::new(field, message)])
    }

    /// The message of the problem as a whole, for a person (the `detail` of the API is
    /// its English).
    pub fn message(&self) -> Message {
        match self {
            ApiError::MalformedJson(e) => Message::new("malformed_json").with("e", e),
            ApiError::Invalid(_) => Message::new("invalid_input"),
            ApiError::UnsupportedMediaType { expected, got } => {
                Message::new("unsupported_media_type").with_message("expected", Message::new(expected)).with("got", got)
            }
            ApiError::TooLarge => Message::new("body_too_large").with("n", crate::MAX_BODY),
            ApiError::BodyTimeout => Message::new("body_timeout"),
            ApiError::Unauthorized => Message::new("unauthorized"),
            ApiError::Forbidden(role) => Message::new("forbidden").with("role", role),
            ApiError::NotFound(what) => match *what {
                "customer" => Message::new("no_such_customer"),
                "product" => Message::new("no_such_product"),
                "invoice" => Message::new("no_such_invoice"),
                what => Message::new("not_found").with("what", what),
            },
            ApiError::Conflict(m) => m.clone(),
            ApiError::NotIssuable(p) => Message::new("not_issuable").with("n", p.len()),
            ApiError::BadRequest(m) | ApiError::Upstream(m) => m.clone(),
            ApiError::Internal(_) => Message::new("internal_error"),
        }
    }

    /// The stable code of the problem as a whole (each field error has its own).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::Invalid(_) => "invalid_input",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ApiError::TooLarge => "body_too_large",
            ApiError::BodyTimeout => "body_timeout",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            // A refusal of the moment: the code of its message (`refused_cancel`…).
            ApiError::Conflict(m) => m.code(),
            ApiError::NotIssuable(_) => "not_issuable",
            ApiError::BadRequest(m) | ApiError::Upstream(m) => m.code(),
            ApiError::Internal(_) => "internal_error",
        }
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
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
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
        ApiError::Conflict(e.message())
    }
}

/// An RFC 9457 problem (`application/problem+json`): the body of every error the API answers.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    /// `tag:facturier.org,2026:problem:` followed by `code`: a stable identifier of the kind
    /// of problem (not a web address).
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    #[schema(schema_with = crate::openapi::field::problem_status)]
    pub status: u16,
    /// What went wrong, stable for programs: `invalid_input` (see `errors`), `not_found`,
    /// `forbidden`, `not_issuable`, `refused_cancel`, `credit_note_more_left`… (docs/api.md
    /// lists them).
    pub code: String,
    /// The same in an English sentence.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, schema_with = crate::openapi::field::problem_errors)]
    pub errors: Option<Vec<FieldErrorView>>,
}

/// One field at fault as the API shows it: the `errors` of a 422 (those of an issue
/// refused by the e-invoicing rules also say the rule, where to fix it and the line).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorView {
    /// Path of the field: `name`, `billing_address.city`, `lines[2].vat_rate`,
    /// `Idempotency-Key`, `limit`…; `body` for the body as a whole.
    pub field: String,
    /// What is wrong, stable for programs: `required`, `too_long`, `not_a_date`…; on an
    /// issue refused by the e-invoicing rules, the rule's problem (`seller_siren_missing`,
    /// `vat_rate_not_french`…).
    pub code: &'static str,
    /// What is wrong, in English (in the reader's language for the e-invoicing rules).
    pub message: String,
    /// The EN 16931 / BR-FR rule or the article of law it would break.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, value_type = String)]
    pub rule: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, schema_with = crate::openapi::field::problem_place)]
    pub place: Option<Place>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false, schema_with = crate::openapi::field::problem_line)]
    pub line: Option<usize>,
}

impl From<&FieldError> for FieldErrorView {
    fn from(e: &FieldError) -> FieldErrorView {
        FieldErrorView {
            field: e.field.clone(),
            code: e.message.code(),
            message: e.message.english(),
            rule: None,
            place: None,
            line: None,
        }
    }
}

/// The `type` of a problem+json with `code`: a stable identifier (a `tag:` URI, RFC
/// 4151), the same for every server, listed in docs/api.md.
pub fn problem_type(code: &str) -> String {
    format!("tag:facturier.org,2026:problem:{code}")
}

/// The problem+json response of `message`: its code, its English as the detail.
pub fn problem_of(status: StatusCode, message: &Message) -> Response {
    problem_with(status, message.code(), message.english(), None)
}

/// Why a body is too large for the route at `path`: a customer file's own limit, else
/// every other route's.
pub fn too_large_at(path: &str) -> Message {
    if path.ends_with("/files") {
        crate::api::customer_files::file_too_large()
    } else if path.contains("/imports/") {
        Message::new("body_too_large").with("n", crate::api::imports::MAX_IMPORT_BODY)
    } else {
        ApiError::TooLarge.message()
    }
}

/// The message of an error axum (or a layer) answered in plain text by itself: a
/// rejection it is known to give read as the code that names it, anything else told as
/// it is. `path` is the request's, `content_type` what it was sent as.
pub fn bare_error_message(status: StatusCode, text: &str, path: &str, content_type: Option<&str>) -> Message {
    let after = |prefix: &str| text.strip_prefix(prefix).map(|rest| rest.trim_start_matches(':').trim().to_string());
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large_at(path);
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        return Message::new("method_not_allowed");
    }
    if status == StatusCode::REQUEST_TIMEOUT {
        return ApiError::BodyTimeout.message();
    }
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE && text.contains("application/json") {
        let got = content_type.unwrap_or("no Content-Type").to_string();
        return ApiError::UnsupportedMediaType { expected: "json_content_type_application", got }.message();
    }
    if let Some(e) = after("Failed to deserialize query string") {
        return Message::new("malformed_query").with("e", e);
    }
    if let Some(e) = after("Failed to parse the request body as JSON") {
        return ApiError::MalformedJson(e).message();
    }
    if let Some(e) = ["Invalid URL", "Wrong number of path arguments", "Cannot parse", "Failed to deserialize path"]
        .iter()
        .find(|p| text.starts_with(**p))
        .map(|_| text.to_string())
    {
        return Message::new("malformed_path").with("e", e);
    }
    match text {
        "" => Message::new("request_refused").with("e", status.canonical_reason().unwrap_or("error").to_lowercase()),
        t => Message::new("request_refused").with("e", t),
    }
}

/// The problem+json response for a status, a code and a detail.
pub fn problem_with(status: StatusCode, code: &str, detail: String, errors: Option<&[FieldError]>) -> Response {
    let body = ProblemBody {
        kind: problem_type(code),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        code: code.to_string(),
        detail,
        errors: errors.map(|e| e.iter().map(FieldErrorView::from).collect()),
    };
    let json = serde_json::to_string(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        match &self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                problem_with(status, code, "an internal error occurred; it has been logged".into(), None)
            }
            ApiError::Invalid(errors) => {
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message.english()))
                    .collect::<Vec<_>>()
                    .join("; ");
                problem_with(status, code, detail, Some(errors))
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
                    kind: problem_type(code),
                    title: status.canonical_reason().unwrap_or("Error"),
                    status: status.as_u16(),
                    code,
                    detail,
                    errors,
                };
                let json = serde_json::to_string(&body).unwrap_or_default();
                (status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
            }
            other => problem_with(status, code, other.to_string(), None),
        }
    }
}

/// The 422 of an issue refused by `core::compliance`.
#[derive(Serialize)]
struct IssueProblem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
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
