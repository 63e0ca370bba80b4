//! The web app: server-rendered HTML (askama templates compiled into the binary,
//! auto-escaped), htmx for progressive enhancement, every page in French and English.
//!
//! Every page takes a [`session::WebSession`] (no session: a redirect to `/login`), and
//! every POST a [`session::CsrfForm`] (a wrong or missing CSRF token: 403). Actions map
//! the form to the operations of the application layer (`app::documents`), which the REST
//! API maps JSON to, so roles, validation and behaviour are the API's.

pub mod assets;
pub mod billing;
pub mod confirm;
pub mod contracts;
pub mod customers;
pub mod dashboard;
pub mod documents;
pub mod dunning;
pub mod exports;
pub mod i18n;
pub mod imports;
pub mod invitations;
pub mod invoices;
pub mod jobs;
pub mod lists;
pub mod messages;
pub mod notice;
pub mod password;
pub mod pay;
pub mod payments;
pub mod products;
pub mod reports;
pub mod sepa;
pub mod session;
pub mod settings;
pub mod setup;
pub mod upload;
pub mod users;
pub mod words;

use crate::App;
use crate::error::ApiError;
use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_store::StoreError;
use i18n::t;
pub use ipnet::IpNet;

/// How sessions behave.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (set when served behind https).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub idle: time::Duration,
    /// A session ends this long after sign-in whatever its activity.
    pub absolute: time::Duration,
    /// The address links in e-mails start with (`https://factures.example.fr`). Never
    /// taken from a request: `None` is resolved when the server starts, by
    /// [`public_url_for`], to the loopback address it listens on, and a server on any other
    /// address refuses to start without one.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (sign-in rate limit);
    /// from any other peer the header is ignored, as anyone can write it.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            secure_cookies: false,
            idle: time::Duration::hours(2),
            absolute: time::Duration::hours(12),
            public_url: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Why the server will not start with the public URL it was given (or not given).
#[derive(Debug, thiserror::Error)]
pub enum PublicUrlError {
    #[error(
        "--public-url (FACTURIER_PUBLIC_URL) is required when listening on {0}, which is not a loopback \
         address: links in e-mails are never built from what a request says its Host is"
    )]
    Required(std::net::SocketAddr),
    #[error("--public-url {0:?} must be an absolute http:// or https:// address with a host, and no query")]
    Invalid(String),
}

/// The address links in e-mails start with: `configured` (checked, without a trailing
/// `/`), else `http://` and the loopback address the server listens on. A server
/// listening on any other address needs it configured: the only other source would be
/// the request's `Host` (or `X-Forwarded-Host`) header, which whoever sends the request
/// writes, and a reset link built from it would carry its secret to their site.
pub fn public_url_for(configured: Option<&str>, listening: std::net::SocketAddr) -> Result<String, PublicUrlError> {
    let Some(url) = configured else {
        return if listening.ip().is_loopback() {
            Ok(format!("http://{listening}"))
        } else {
            Err(PublicUrlError::Required(listening))
        };
    };
    let trimmed = url.trim_end_matches('/');
    let host = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"));
    let valid = host.is_some_and(|h| {
        let authority = h.split('/').next().unwrap_or_default();
        !authority.is_empty()
            && !authority.contains('@')
            && h.bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#' && b != b'\\')
    });
    if valid { Ok(trimmed.to_string()) } else { Err(PublicUrlError::Invalid(url.to_string())) }
}

/// The web routes (outside `/api/v1`).
pub fn routes() -> Router<App> {
    let r = Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(session::login_page).post(session::login))
        .route("/pay/done", get(pay::done))
        .route("/pay/cancelled", get(pay::cancelled))
        .route("/pay/{token}", get(pay::start))
        .route("/logout", post(session::logout))
        .route("/language", post(session::language))
        .route("/company", post(session::switch_company))
        .route("/customers", get(customers::list))
        .route("/customers/new", get(customers::new_form).post(customers::create))
        .route("/customers/{id}", get(customers::show))
        .route("/customers/{id}/edit", get(customers::edit_form).post(customers::update))
        .route(
            "/customers/{id}/files",
            post(customers::upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::api::customer_files::MAX_UPLOAD_BODY)),
        )
        .route("/customers/{id}/credit/apply", post(payments::apply_credit))
        .route("/customers/{id}/credit/refund", post(payments::refund))
        .route("/customers/{id}/statement", get(payments::statement))
        .route("/payments/{id}/cancel", post(payments::cancel))
        .route("/customers/{id}/files/{file_id}", get(customers::download))
        .route("/customers/{id}/files/{file_id}/delete", post(customers::delete_file))
        .route("/products", get(products::list))
        .route("/products/new", get(products::new_form).post(products::create))
        .route("/products/{id}/edit", get(products::edit_form).post(products::update))
        .route("/products/{id}/archive", get(products::archive_form).post(products::archive))
        .route("/products/{id}/restore", post(products::restore))
        .route("/settings", get(settings::identity).post(settings::save_identity))
        .route("/settings/banks", get(settings::banks).post(settings::save_banks))
        .route("/settings/terms", get(settings::terms).post(settings::save_terms))
        .route("/settings/numbering", get(settings::numbering).post(settings::save_numbering))
        .route("/settings/emails", get(settings::emails).post(settings::save_email))
        .route("/settings/logo", get(settings::logo).post(settings::upload_logo))
        .route("/settings/logo/image", get(settings::logo_image))
        .route("/settings/logo/delete", post(settings::delete_logo))
        .route("/settings/dunning", get(settings::dunning).post(settings::save_dunning))
        .route("/settings/dunning/text", post(settings::save_dunning_text))
        .route("/users", get(users::list).post(users::add))
        .route("/users/{id}/role", post(users::set_role))
        .route("/users/{id}/remove", post(users::remove))
        .route("/users/invitations/{id}/cancel", post(users::cancel_invitation))
        .route("/invitations", get(invitations::list))
        .route("/invitations/{id}/accept", post(invitations::accept))
        .route("/invitations/{id}/decline", post(invitations::decline))
        .route(
            "/imports",
            get(imports::page)
                .post(imports::run)
                .layer(axum::extract::DefaultBodyLimit::max(crate::api::customer_files::MAX_UPLOAD_BODY)),
        )
        .route("/imports/{upload}", get(imports::progress).post(imports::mapped))
        .route("/delivery-notes/invoicing", get(billing::form).post(billing::run))
        .route("/reports/aged-balance", get(reports::page))
        .route("/reports/aged-balance.csv", get(reports::export_csv))
        .route("/reports/aged-balance.xlsx", get(reports::export_xlsx))
        .route("/setup", get(setup::page))
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/tokens", get(users::tokens).post(users::create_token))
        .route("/tokens/{id}/revoke", post(users::revoke_token))
        .route("/password/forgot", get(password::forgot_form).post(password::forgot))
        .route("/password/reset", get(password::reset_form).post(password::reset))
        .route("/static/{file}", get(assets::serve))
        // SEPA direct debit (issue 23).
        .route("/customers/{id}/mandates", get(sepa::mandates).post(sepa::add_mandate))
        .route("/customers/{id}/mandates/{mandate_id}/amend", post(sepa::amend_mandate))
        .route("/customers/{id}/mandates/{mandate_id}/revoke", post(sepa::revoke_mandate))
        .route("/exports", get(exports::page).post(exports::create))
        .route("/exports/{id}/file", get(exports::file))
        .route("/sepa", get(sepa::batches))
        .route("/sepa/new", get(sepa::new_form).post(sepa::create))
        .route("/sepa/{id}", get(sepa::batch))
        .route("/sepa/{id}/xml", get(sepa::xml))
        .route("/sepa/{id}/collected", post(sepa::collected))
        .route("/sepa/{id}/rejects", post(sepa::reject))
        .route(
            "/sepa/{id}/rejects/file",
            post(sepa::reject_file)
                .layer(axum::extract::DefaultBodyLimit::max(crate::api::customer_files::MAX_UPLOAD_BODY)),
        )
        .route("/settings/payments", get(settings::payments).post(settings::save_payments))
        .route("/settings/accounting", get(settings::accounting).post(settings::save_accounting))
        .route("/invoices/{id}/payment-link", post(pay::invoice_link))
        .route("/deposit-invoices/{id}/payment-link", post(pay::deposit_link));
    contracts::routes(dunning::routes(documents::routes(r)))
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum WebError {
    /// No live session: sign in, then come back to this path.
    SignIn(String),
    /// The form's CSRF token is missing or wrong.
    Csrf(Language),
    Forbidden(Language),
    NotFound(Language),
    /// A request the page did not expect (a malformed form).
    BadRequest(Language, Message),
    /// A form refused field by field: each field named with its message (400).
    Invalid(Language, Vec<crate::error::FieldError>),
    /// The action does not fit the record's state (issuing an issued invoice…).
    Conflict(Language, Message),
    Internal(String),
}

impl WebError {
    /// An API error met while serving a page in `lang`.
    pub fn api(lang: Language, e: ApiError) -> WebError {
        match e {
            ApiError::Forbidden(_) => WebError::Forbidden(lang),
            ApiError::NotFound(_) => WebError::NotFound(lang),
            ApiError::Unauthorized => WebError::SignIn("/".into()),
            ApiError::Internal(m) => WebError::Internal(m),
            ApiError::Conflict(m) => WebError::Conflict(lang, m),
            other => WebError::BadRequest(lang, other.message()),
        }
    }

    pub fn store(lang: Language, e: StoreError) -> WebError {
        WebError::api(lang, ApiError::from(e))
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> WebError {
        WebError::Internal(format!("template: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    title: &'static str,
    message: String,
    home: &'static str,
}

fn error_page(status: StatusCode, lang: Language, title: &str, message: String) -> Response {
    let page = ErrorPage { lang: i18n::code(lang), title: t(lang, title), message, home: t(lang, "error.home") };
    match page.render() {
        Ok(html) => with_security_headers((status, Html(html)).into_response()),
        Err(_) => status.into_response(),
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::SignIn(next) => {
                let mut to = String::from("/login");
                if next != "/" {
                    to.push_str("?next=");
                    to.extend(form_urlencoded::byte_serialize(next.as_bytes()));
                }
                let mut r = Redirect::to(&to).into_response();
                // htmx follows this header instead of swapping the login page into a fragment.
                if let Ok(v) = HeaderValue::from_str(&to) {
                    r.headers_mut().insert("HX-Redirect", v);
                }
                r
            }
            WebError::Csrf(l) => error_page(StatusCode::FORBIDDEN, l, "error.csrf.title", t(l, "error.csrf").into()),
            WebError::Forbidden(l) => {
                error_page(StatusCode::FORBIDDEN, l, "error.forbidden.title", t(l, "error.forbidden").into())
            }
            WebError::NotFound(l) => {
                error_page(StatusCode::NOT_FOUND, l, "error.not_found.title", t(l, "error.not_found").into())
            }
            WebError::BadRequest(l, m) => {
                error_page(StatusCode::BAD_REQUEST, l, "error.bad_request.title", messages::message(l, &m))
            }
            WebError::Invalid(l, errors) => {
                let text = errors
                    .iter()
                    .map(|f| format!("{} : {}", messages::field_name(l, &f.field), messages::message(l, &f.message)))
                    .collect::<Vec<_>>()
                    .join(" ; ");
                error_page(StatusCode::BAD_REQUEST, l, "error.bad_request.title", text)
            }
            WebError::Conflict(l, m) => {
                error_page(StatusCode::CONFLICT, l, "error.conflict.title", messages::message(l, &m))
            }
            WebError::Internal(detail) => {
                tracing::error!(%detail, "web: internal error");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Language::Fr,
                    "error.internal.title",
                    t(Language::Fr, "error.internal").into(),
                )
            }
        }
    }
}

/// What a page may load and who may frame it: only this server's own files, never a
/// frame of another site. A script that slipped past escaping would not run either.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Renders a template as an HTML page with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
    let body = page.render()?;
    Ok(with_security_headers((status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()))
}

fn with_security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    r
}

/// The `aria-describedby` value of the input `name`: its error and its hint, as present.
pub fn described_by(name: &str, has_error: bool, hint: &str) -> String {
    let mut ids = Vec::new();
    if has_error {
        ids.push(format!("{name}-error"));
    }
    if !hint.is_empty() {
        ids.push(format!("{name}-hint"));
    }
    ids.join(" ")
}

/// A 303 to `to` (after a POST, the browser GETs the result).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A path inside the app, or `/`: never an absolute URL another site could be (`//host`).
/// Only visible ASCII is kept: browsers drop tabs and line breaks from a URL, so
/// `/<tab>/host` would become `//host`, and a line break cannot go in a header.
pub fn local_path(p: Option<&str>) -> String {
    match p {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.len() < 2000
                && p.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            p.into()
        }
        _ => "/".into(),
    }
}

/// `key=value&…` with each value URL-encoded (for links that keep a list's filters).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/invoices?status=paid")), "/invoices?status=paid");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(Some("/\n/evil.example")), "/");
        assert_eq!(local_path(Some("/a b")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn the_public_url_is_configured_or_the_loopback_address_listened_on() {
        let loopback: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let public: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(public_url_for(None, loopback).unwrap(), "http://127.0.0.1:8080");
        assert_eq!(public_url_for(None, "[::1]:80".parse().unwrap()).unwrap(), "http://[::1]:80");
        assert!(matches!(public_url_for(None, public), Err(PublicUrlError::Required(_))));
        assert_eq!(
            public_url_for(Some("https://factures.example.fr/"), public).unwrap(),
            "https://factures.example.fr"
        );
        assert_eq!(public_url_for(Some("https://example.fr/app"), public).unwrap(), "https://example.fr/app");
        for bad in
            ["factures.example.fr", "ftp://x.fr", "https://", "https://x.fr/?a=1", "https://a@evil.fr", "https://x .fr"]
        {
            assert!(matches!(public_url_for(Some(bad), public), Err(PublicUrlError::Invalid(_))), "{bad}");
        }
    }
}

/// A trusted proxy as given on the command line: an address (`10.0.0.5`, `::1`) or a
/// range (`10.0.0.0/8`).
pub fn parse_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is neither an IP address nor a range such as 10.0.0.0/8"))
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last
/// address of `X-Forwarded-For` that is not one of ours (proxies append the address
/// they saw, so entries to its left may be forged by the client).
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpNet],
) -> Option<std::net::IpAddr> {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut hops = forwarded_for.iter().flat_map(|h| h.split(',')).map(str::trim).rev().peekable();
    if hops.peek().is_none() {
        return Some(peer);
    }
    let mut leftmost = peer;
    for hop in hops {
        // An unreadable entry ends what we can believe: count the request against it.
        let Ok(ip) = hop.parse::<std::net::IpAddr>() else { return Some(leftmost) };
        if !is_trusted(&ip) {
            return Some(ip);
        }
        leftmost = ip;
    }
    Some(leftmost)
}

#[cfg(test)]
mod client_address_tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let proxies = [parse_proxy("10.0.0.0/8").unwrap(), parse_proxy("::1").unwrap()];
        let from = |peer: &str, xff: &[&str]| client_address(Some(ip(peer)), xff, &proxies);
        // A client writing the header itself gains nothing.
        assert_eq!(from("203.0.113.9", &["198.51.100.1"]), Some(ip("203.0.113.9")));
        // Behind one proxy: the address it appended.
        assert_eq!(from("10.0.0.2", &["198.51.100.1"]), Some(ip("198.51.100.1")));
        assert_eq!(from("::1", &["2001:db8::7"]), Some(ip("2001:db8::7")));
        // A forged entry to the left of what the proxy appended is skipped.
        assert_eq!(from("10.0.0.2", &["1.2.3.4, 198.51.100.1"]), Some(ip("198.51.100.1")));
        // Two proxies of ours, and the header split over two lines.
        assert_eq!(from("10.0.0.2", &["1.2.3.4, 198.51.100.1", "10.0.0.3"]), Some(ip("198.51.100.1")));
        // No header: the proxy itself; only our proxies: the furthest one.
        assert_eq!(from("10.0.0.2", &[]), Some(ip("10.0.0.2")));
        assert_eq!(from("10.0.0.2", &["10.0.0.7"]), Some(ip("10.0.0.7")));
        // Garbage stops the walk at the last address we could read.
        assert_eq!(from("10.0.0.2", &["198.51.100.1, not-an-ip"]), Some(ip("10.0.0.2")));
        assert_eq!(client_address(None, &["198.51.100.1"], &proxies), None);
    }

    #[test]
    fn proxies_are_addresses_or_ranges() {
        assert_eq!(parse_proxy(" 10.0.0.5 ").unwrap().to_string(), "10.0.0.5/32");
        assert_eq!(parse_proxy("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert!(parse_proxy("10.0.0.0/33").is_err());
        assert!(parse_proxy("proxy.local").unwrap_err().contains("proxy.local"));
    }
}
