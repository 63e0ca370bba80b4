//! Sign-in, sessions and CSRF.
//!
//! A session is a random 32-byte secret in an HttpOnly, SameSite=Lax cookie; the
//! database keeps only its SHA-256 (like API tokens), with the user, the company being
//! looked at, a CSRF token, and its idle and absolute expiry. Every POST carries the
//! session's CSRF token (a hidden `csrf` field, or the `X-CSRF-Token` header htmx sends)
//! and is refused with 403 without it. The sign-in form, which has no session yet, uses
//! a double-submit cookie instead.

use super::i18n::{self, t};
use super::{WebError, html, local_path, see_other};
use crate::App;
use crate::auth::Auth;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_store::accounts::{NewSession, SessionRecord};
use facturier_store::companies::{Principal, Role, token_hash};
use rand::RngCore;
use serde::Deserialize;
use std::sync::LazyLock;
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "facturier_session";
const LOGIN_COOKIE: &str = "facturier_login";
/// A browser that signed in before (see [`login`]): sent only to the sign-in form.
pub const DEVICE_COOKIE: &str = "facturier_device";
/// How long a browser stays a known device: a year, in seconds.
const DEVICE_MAX_AGE: i64 = 365 * 24 * 3600;
/// Largest form body (an invoice of a few hundred lines).
const MAX_FORM: usize = 512 * 1024;
/// Activity is written back at most this often: a page view is not a database write.
const TOUCH_EVERY: time::Duration = time::Duration::seconds(60);
/// Failed sign-ins are counted over this window…
pub const LOGIN_WINDOW: time::Duration = time::Duration::minutes(15);
/// …and refused past this many for one e-mail address…
pub const MAX_FAILURES_PER_EMAIL: u64 = 5;
/// …or this many from one client address.
pub const MAX_FAILURES_PER_IP: u64 = 20;

/// Hashes a password with argon2id and a random salt (a PHC string).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// True if `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Checked against when the e-mail is unknown, so that a wrong e-mail takes as long as a
/// wrong password and the answer does not tell which was wrong.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password(&random_hex(16)).unwrap_or_default());

pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(crate) fn set_cookie(app: &App, name: &str, value: &str, path: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax");
    if let Some(s) = max_age {
        c.push_str(&format!("; Max-Age={s}"));
    }
    if app.web.secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// The language of a visitor not signed in: `?lang=`, else the browser's first choice.
pub(crate) fn visitor_language(headers: &HeaderMap, asked: Option<&str>) -> Language {
    let code = asked.map(str::to_string).unwrap_or_else(|| {
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("fr").to_ascii_lowercase()
    });
    if code.starts_with("en") { Language::En } else { Language::Fr }
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct WebSession {
    pub rec: SessionRecord,
    id_hash: String,
    /// The page asked for (where the language switch comes back to).
    here: String,
}

impl WebSession {
    pub fn lang(&self) -> Language {
        self.rec.language
    }

    /// The same caller as an API token would be: API functions apply their role checks.
    pub fn auth(&self) -> Auth {
        Auth(Principal {
            company_id: self.rec.company_id,
            user_id: self.rec.user_id,
            role: self.rec.role,
            country: self.rec.country.clone(),
            currency: self.rec.currency.clone(),
        })
    }

    pub fn can_write(&self) -> bool {
        self.rec.role.can_write()
    }

    /// The hash of the session's cookie (the session's key in the store).
    pub(crate) fn id_hash(&self) -> &str {
        &self.id_hash
    }

    pub fn today(&self) -> time::Date {
        facturier_core::calendar::today(&self.rec.country)
    }

    /// The layout's data for a page of section `nav`.
    pub async fn chrome(&self, app: &App, nav: &'static str, title: String) -> Result<Chrome, WebError> {
        let companies = app
            .store
            .memberships(self.rec.user_id)
            .await
            .map_err(|e| WebError::store(self.lang(), e))?
            .into_iter()
            .map(|m| CompanyChoice {
                id: m.company_id.to_string(),
                current: m.company_id == self.rec.company_id,
                name: m.company_name,
            })
            .collect();
        let invitations = app
            .store
            .invitations_for_user(self.rec.user_id, facturier_store::now())
            .await
            .map_err(|e| WebError::store(self.lang(), e))?
            .len();
        let (notice, here) = super::notice::take(&self.here);
        Ok(Chrome {
            invitations,
            notice,
            lang: self.lang(),
            csrf: self.rec.csrf_token.clone(),
            email: self.rec.email.clone(),
            company: self.rec.company_name.clone(),
            role: self.rec.role,
            companies,
            nav,
            title,
            here,
        })
    }
}

impl FromRequestParts<App> for WebSession {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, WebError> {
        if let Some(s) = parts.extensions.get::<WebSession>() {
            return Ok(s.clone());
        }
        let here = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        // Coming back after sign-in re-asks with GET: a POST's target is not a page.
        let next = if parts.method == axum::http::Method::GET { here } else { "/".into() };
        let here = next.clone();
        let secret = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| WebError::SignIn(next.clone()))?;
        let id_hash = token_hash(secret);
        let lang = Language::Fr;
        let rec = app.store.session(&id_hash).await.map_err(|e| WebError::store(lang, e))?;
        let Some(rec) = rec else { return Err(WebError::SignIn(next)) };
        let now = facturier_store::now();
        if now >= rec.expires_at || now - rec.last_seen_at >= app.web.idle {
            app.store.delete_session(&id_hash).await.map_err(|e| WebError::store(lang, e))?;
            return Err(WebError::SignIn(next));
        }
        if now - rec.last_seen_at >= TOUCH_EVERY {
            app.store.touch_session(&id_hash, now).await.map_err(|e| WebError::store(lang, e))?;
        }
        let s = WebSession { rec, id_hash, here };
        parts.extensions.insert(s.clone());
        Ok(s)
    }
}

/// The fields of a submitted form, in order (a name may repeat).
#[derive(Clone, Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, as sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed; `None` when empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|s| !s.is_empty()).map(String::from)
    }
}

/// A POSTed form from a signed-in user whose CSRF token matched the session's.
pub struct CsrfForm(pub WebSession, pub FormData);

impl FromRequest<App> for CsrfForm {
    type Rejection = WebError;
    async fn from_request(req: Request, app: &App) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let session = WebSession::from_request_parts(&mut parts, app).await?;
        let lang = session.lang();
        let bytes = axum::body::to_bytes(body, MAX_FORM)
            .await
            .map_err(|_| WebError::BadRequest(lang, Message::new("form_too_large")))?;
        let form = FormData::parse(&bytes);
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(String::from)
            .or_else(|| form.get("csrf").map(String::from))
            .unwrap_or_default();
        if !same_secret(&sent, &session.rec.csrf_token) {
            return Err(WebError::Csrf(lang));
        }
        Ok(CsrfForm(session, form))
    }
}

/// A company in the switcher.
#[derive(Clone, Debug)]
pub struct CompanyChoice {
    pub id: String,
    pub name: String,
    pub current: bool,
}

/// What the layout (`base.html`) shows around every page.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub lang: Language,
    pub csrf: String,
    pub email: String,
    pub company: String,
    pub role: Role,
    pub companies: Vec<CompanyChoice>,
    /// Invitations to other companies waiting for the user's answer.
    pub invitations: usize,
    /// The section the page belongs to (highlighted in the navigation).
    pub nav: &'static str,
    pub title: String,
    /// The page's own path and query (without its notice).
    pub here: String,
    /// The one-shot notice shown at the top of the page (a label of `notice::LABELS`):
    /// the `done` of the page's address, or set by a page rendered in answer to a POST.
    pub notice: Option<&'static str>,
}

impl Chrome {
    /// The label `key` in the user's language.
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    pub fn lang_code(&self) -> &'static str {
        i18n::code(self.lang)
    }
    pub fn can_write(&self) -> bool {
        self.role.can_write()
    }
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    /// True when the page is one of the menu `group`'s (its summary is then marked).
    pub fn nav_in(&self, group: &str) -> bool {
        match group {
            "documents" => {
                matches!(self.nav, "orders" | "delivery-notes" | "proformas" | "deposit-invoices" | "credit-notes")
            }
            "admin" => matches!(self.nav, "settings" | "users" | "tokens" | "jobs" | "setup"),
            _ => false,
        }
    }
    /// An API field path (`lines[0].quantity`) in the user's words, for error summaries.
    pub fn field(&self, path: &str) -> String {
        super::messages::field_name(self.lang, path)
    }
    pub fn role_label(&self) -> &'static str {
        t(self.lang, &format!("role.{}", self.role.as_str()))
    }
    /// The `hx-headers` attribute value that gives htmx requests the CSRF token.
    pub fn hx_headers(&self) -> String {
        format!(r#"{{"X-CSRF-Token": "{}"}}"#, self.csrf)
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Language,
    csrf: String,
    next: String,
    email: String,
    error: Option<&'static str>,
    notice: Option<&'static str>,
}

impl LoginPage {
    fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    fn lang_code(&self) -> &'static str {
        i18n::code(self.lang)
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
    /// Set after a password was changed through a reset link.
    reset: Option<String>,
}

/// `GET /login`: the sign-in form, with a fresh double-submit CSRF cookie.
pub async fn login_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, WebError> {
    let lang = visitor_language(&headers, q.lang.as_deref());
    let csrf = random_hex(16);
    let page = LoginPage {
        lang,
        csrf: csrf.clone(),
        next: local_path(q.next.as_deref()),
        email: String::new(),
        error: None,
        notice: q.reset.is_some().then_some("login.password_changed"),
    };
    let mut r = html(StatusCode::OK, &page)?;
    r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, LOGIN_COOKIE, &csrf, "/login", Some(3600)));
    Ok(r)
}

/// The client's address (empty when unknown): the connection's, or what a trusted
/// proxy says in `X-Forwarded-For` (see [`super::client_address`]).
pub(crate) fn client_ip(parts: &Parts, trusted: &[super::IpNet]) -> String {
    let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let forwarded: Vec<&str> =
        parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    super::client_address(peer, &forwarded, trusted).map(|ip| ip.to_string()).unwrap_or_default()
}

/// `POST /login`: checks the password; opens a session in the company the user last
/// worked in (else their first).
///
/// Every attempt is recorded before its password is checked, then counted: past
/// [`MAX_FAILURES_PER_EMAIL`] for the e-mail from this device, or
/// [`MAX_FAILURES_PER_IP`] from the client, within [`LOGIN_WINDOW`], it is refused (429)
/// without checking the password, whether the account exists or not. A browser that
/// signed in to the account before carries a device cookie whose attempts are counted
/// apart: failures made elsewhere by someone who only knows the address cannot keep the
/// user out of the browser they already use.
pub async fn login(State(app): State<App>, req: Request) -> Result<Response, WebError> {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let ip = client_ip(&parts, &app.web.trusted_proxies);
    let body = axum::body::to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| WebError::BadRequest(Language::Fr, Message::new("form_too_large")))?;
    let form = FormData::parse(&body);
    let lang = visitor_language(&headers, form.get("lang"));
    let sent = form.get("csrf").unwrap_or_default();
    match cookie(&headers, LOGIN_COOKIE) {
        Some(c) if same_secret(c, sent) && !sent.is_empty() => {}
        _ => return Err(WebError::Csrf(lang)),
    }
    let email = form.text("email").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_string();
    let next = local_path(form.get("next"));
    let at = facturier_store::now();
    let store_err = |e| WebError::store(lang, e);
    let user = app.store.login_user(&email).await.map_err(store_err)?;
    let device = match (&user, cookie(&headers, DEVICE_COOKIE)) {
        (Some(u), Some(secret)) if !secret.is_empty() && secret.len() <= 128 => {
            let h = token_hash(secret);
            if app.store.is_known_device(u.user_id, &h).await.map_err(store_err)? { h } else { String::new() }
        }
        _ => String::new(),
    };
    let attempt = Uuid::now_v7();
    let counts = app
        .store
        .record_login_attempt(attempt, &email, &ip, &device, at, at - LOGIN_WINDOW)
        .await
        .map_err(store_err)?;
    if counts.address > MAX_FAILURES_PER_EMAIL || counts.client > MAX_FAILURES_PER_IP {
        app.store.forget_login_attempt(attempt).await.map_err(store_err)?;
        let page =
            LoginPage { lang, csrf: sent.to_string(), next, email, error: Some("login.throttled"), notice: None };
        return html(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let memberships = match (&user, ok && known) {
        (Some(u), true) => app.store.memberships(u.user_id).await.map_err(store_err)?,
        _ => Vec::new(),
    };
    let landing = user.as_ref().and_then(|u| {
        let last = memberships.iter().find(|m| Some(m.company_id) == u.last_company_id);
        last.or(memberships.first()).map(|m| m.company_id)
    });
    let (Some(user), Some(company_id)) = (user, landing) else {
        // The attempt stays recorded: it is a failure. One message whichever of the
        // e-mail or the password was wrong.
        let page = LoginPage { lang, csrf: sent.to_string(), next, email, error: Some("login.failed"), notice: None };
        return html(StatusCode::UNAUTHORIZED, &page);
    };
    let secret = random_hex(32);
    let id_hash = token_hash(&secret);
    let csrf = random_hex(32);
    app.store.forget_login_attempt(attempt).await.map_err(store_err)?;
    app.store.clear_login_failures(&email, &device, at - LOGIN_WINDOW).await.map_err(store_err)?;
    let s = NewSession {
        id_hash: &id_hash,
        user_id: user.user_id,
        company_id,
        csrf_token: &csrf,
        at,
        expires_at: at + app.web.absolute,
    };
    app.store.create_session(&s).await.map_err(store_err)?;
    app.store.set_last_company(user.user_id, company_id).await.map_err(store_err)?;
    // This browser is now a known device of the user (a new cookie unless it was one).
    let device_cookie = if device.is_empty() {
        let device_secret = random_hex(32);
        let forget_before = at - time::Duration::seconds(DEVICE_MAX_AGE);
        app.store.remember_device(user.user_id, &token_hash(&device_secret), forget_before).await.map_err(store_err)?;
        Some(device_secret)
    } else {
        None
    };
    // Sessions nobody came back to are swept here, at a moment that writes anyway.
    app.store.delete_expired_sessions(at, at - app.web.idle).await.map_err(store_err)?;
    // An administrator whose company cannot issue yet is shown what it needs first,
    // unless they asked for a page; "later" on that page goes on to the dashboard.
    let admin = memberships.iter().any(|m| m.company_id == company_id && m.role == Role::Admin);
    let next = if next == "/" && admin && super::setup::needed(&app, company_id).await.map_err(store_err)? {
        "/setup".to_string()
    } else {
        next
    };
    let mut r = see_other(&next);
    r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, &secret, "/", None));
    r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, LOGIN_COOKIE, "", "/login", Some(0)));
    if let Some(d) = device_cookie {
        r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, DEVICE_COOKIE, &d, "/login", Some(DEVICE_MAX_AGE)));
    }
    Ok(r)
}

/// `POST /logout`.
pub async fn logout(State(app): State<App>, CsrfForm(s, _): CsrfForm) -> Result<Response, WebError> {
    app.store.delete_session(&s.id_hash).await.map_err(|e| WebError::store(s.lang(), e))?;
    let mut r = see_other("/login");
    r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", "/", Some(0)));
    Ok(r)
}

/// `POST /language`: the user's language (`lang` = `fr` or `en`), then back to `back`.
pub async fn language(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = match form.get("lang") {
        Some("fr") => Language::Fr,
        Some("en") => Language::En,
        other => {
            let v = format!("{:?}", other.unwrap_or_default());
            return Err(WebError::BadRequest(s.lang(), Message::new("not_a_language_2").with("v", v)));
        }
    };
    app.store.set_user_language(s.rec.user_id, lang).await.map_err(|e| WebError::store(s.lang(), e))?;
    Ok(see_other(&local_path(form.get("back"))))
}

/// `POST /company`: look at another company the user belongs to.
pub async fn switch_company(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let id: Uuid = form.get("company_id").and_then(|v| v.parse().ok()).ok_or(WebError::NotFound(lang))?;
    let ok =
        app.store.switch_session_company(&s.id_hash, s.rec.user_id, id).await.map_err(|e| WebError::store(lang, e))?;
    if !ok {
        return Err(WebError::Forbidden(lang));
    }
    Ok(see_other("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(h, hash_password("correct horse").expect("hash"), "salted");
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; facturier_session_x=2; facturier_session=3"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("3"));
        assert_eq!(cookie(&h, "b"), None);
    }
}
