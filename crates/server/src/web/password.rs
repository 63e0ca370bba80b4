//! Password reset by e-mail link. "Forgot password" answers the same whether the
//! address has an account or not; the link carries a random secret whose SHA-256 only is
//! stored, works once and for [`RESET_VALID`]; setting the new password ends every
//! session of the user. The e-mail goes through the outbox like documents do.
//!
//! The forms have no session yet: like sign-in they use a double-submit cookie.

use super::i18n::{self, Labels, t};
use super::session::{FormData, cookie, hash_password, random_hex, same_secret, set_cookie, visitor_language};
use super::{WebError, html, see_other};
use crate::App;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_store::companies::token_hash;
use facturier_store::outbox::NewEmail;
use serde::Deserialize;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("login.forgot", "Mot de passe oublié ?", "Forgot your password?"),
    (
        "login.throttled",
        "Trop de tentatives de connexion. Réessayez dans 15 minutes.",
        "Too many sign-in attempts. Try again in 15 minutes.",
    ),
    (
        "login.password_changed",
        "Votre mot de passe a été changé. Connectez-vous avec le nouveau.",
        "Your password was changed. Sign in with the new one.",
    ),
    ("password.forgot_title", "Mot de passe oublié", "Forgotten password"),
    (
        "password.forgot_help",
        "Indiquez l'adresse e-mail de votre compte : nous y enverrons un lien pour choisir un nouveau mot de passe.",
        "Enter your account's e-mail address: we will send a link to choose a new password to it.",
    ),
    ("password.send", "Envoyer le lien", "Send the link"),
    (
        "password.sent",
        "Si un compte existe pour cette adresse, un e-mail contenant un lien valable une heure vient d'y être envoyé.",
        "If an account exists for this address, an e-mail with a link valid for one hour has been sent to it.",
    ),
    ("password.back", "Retour à la connexion", "Back to sign-in"),
    ("password.reset_title", "Nouveau mot de passe", "New password"),
    ("password.new", "Nouveau mot de passe (12 caractères au moins)", "New password (at least 12 characters)"),
    ("password.confirm", "Confirmez le mot de passe", "Confirm the password"),
    ("password.save", "Changer le mot de passe", "Change the password"),
    (
        "password.too_short",
        "Le mot de passe doit faire 12 caractères au moins.",
        "The password needs at least 12 characters.",
    ),
    (
        "password.too_long",
        "Le mot de passe doit faire 200 caractères au plus.",
        "The password may have at most 200 characters.",
    ),
    ("password.mismatch", "Les deux mots de passe ne sont pas identiques.", "The two passwords differ."),
    (
        "password.invalid_link",
        "Ce lien n'est plus valable (déjà utilisé ou expiré). Demandez-en un nouveau.",
        "This link is no longer valid (already used or expired). Ask for a new one.",
    ),
    ("password.mail_subject", "Choisir votre mot de passe facturier", "Choose your facturier password"),
    (
        "password.mail_body",
        "Bonjour,\n\nPour choisir un nouveau mot de passe facturier, ouvrez ce lien (valable {hours}, une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe actuel reste valable.\n",
        "Hello,\n\nTo choose a new facturier password, open this link (valid for {hours}, once):\n\n{link}\n\nIf you did not ask for it, ignore this message: your current password stays valid.\n",
    ),
    ("password.one_hour", "une heure", "one hour"),
    ("password.seven_days", "sept jours", "seven days"),
];

/// How long a reset link works.
pub const RESET_VALID: time::Duration = time::Duration::hours(1);
/// How long the link sent to a new member works.
pub const INVITE_VALID: time::Duration = time::Duration::days(7);
/// "Forgot password" requests are counted over this window…
pub const RESET_WINDOW: time::Duration = time::Duration::hours(1);
/// …and past this many for one address, no more link is sent to it…
pub const MAX_RESETS_PER_EMAIL: u64 = 3;
/// …nor past this many from one client.
pub const MAX_RESETS_PER_IP: u64 = 10;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD: usize = 200;
const PW_COOKIE: &str = "facturier_pw";

/// The password's problem, as a label key, if it cannot be used.
pub fn password_problem(password: &str, confirm: Option<&str>) -> Option<&'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        Some("password.too_short")
    } else if n > MAX_PASSWORD {
        Some("password.too_long")
    } else if confirm.is_some_and(|c| c != password) {
        Some("password.mismatch")
    } else {
        None
    }
}

/// The server's address as links in e-mails write it: the configured public URL (see
/// [`super::public_url_for`]), never anything a request says.
pub fn public_url(app: &App) -> String {
    app.web.public_url.clone().unwrap_or_else(|| "http://127.0.0.1".into())
}

/// Creates a one-time link to set the password of `user_id` and queues the e-mail that
/// carries it (from `company_id`, in `lang`). The link's secret is not made here: the
/// outbox worker mints it when it sends (`facturier_store::password_links`), so that it
/// is never at rest in the outbox nor in the reset row.
pub async fn send_link(
    app: &App,
    base: &str,
    company_id: Uuid,
    user_id: Uuid,
    email: &str,
    lang: Language,
    valid: time::Duration,
) -> Result<(), WebError> {
    let at = facturier_store::now();
    let link = format!("{base}/password/reset?token={}", facturier_store::password_links::SECRET_PLACEHOLDER);
    let hours = t(lang, if valid > RESET_VALID { "password.seven_days" } else { "password.one_hour" });
    let body = t(lang, "password.mail_body").replace("{hours}", hours).replace("{link}", &link);
    let to = [email.to_string()];
    let mail = NewEmail {
        company_id,
        document_id: None,
        sender: None,
        sender_name: "facturier",
        to: &to,
        cc: &[],
        subject: t(lang, "password.mail_subject"),
        body: &body,
        attachment: None,
    };
    app.store.queue_password_link(user_id, at + valid, &mail).await.map_err(|e| WebError::store(lang, e))?;
    app.outbox.wake();
    Ok(())
}

/// Queues a reset link for `email` if it has an account in some company, written in the
/// account holder's language: whoever asks, the mail goes to them.
async fn send_reset(app: &App, base: &str, email: &str, lang: Language) -> Result<(), WebError> {
    let Some(user) = app.store.login_user(email).await.map_err(|e| WebError::store(lang, e))? else {
        return Ok(());
    };
    let companies = app.store.memberships(user.user_id).await.map_err(|e| WebError::store(lang, e))?;
    // The mail belongs to the company the user works in, never one chosen by name order.
    let own = companies.iter().find(|m| Some(m.company_id) == user.last_company_id).or(companies.first());
    match own {
        Some(m) => send_link(app, base, m.company_id, user.user_id, email, user.language, RESET_VALID).await,
        None => Ok(()),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct Page {
    lang: Language,
    csrf: String,
    /// `forgot`, `sent`, `reset` or `invalid`.
    step: &'static str,
    token: String,
    email: String,
    error: Option<&'static str>,
}

impl Page {
    fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }
    fn lang_code(&self) -> &'static str {
        i18n::code(self.lang)
    }
}

#[derive(Deserialize)]
pub struct PwQuery {
    lang: Option<String>,
    token: Option<String>,
}

fn page(app: &App, p: Page, status: StatusCode, fresh_cookie: bool) -> Result<Response, WebError> {
    let csrf = p.csrf.clone();
    let mut r = html(status, &p)?;
    if fresh_cookie {
        r.headers_mut().append(header::SET_COOKIE, set_cookie(app, PW_COOKIE, &csrf, "/password", Some(3600)));
    }
    Ok(r)
}

fn check_csrf(headers: &HeaderMap, form: &FormData, lang: Language) -> Result<String, WebError> {
    let sent = form.get("csrf").unwrap_or_default();
    match cookie(headers, PW_COOKIE) {
        Some(c) if !sent.is_empty() && same_secret(c, sent) => Ok(sent.to_string()),
        _ => Err(WebError::Csrf(lang)),
    }
}

/// `GET /password/forgot`
pub async fn forgot_form(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<PwQuery>,
) -> Result<Response, WebError> {
    let lang = visitor_language(&headers, q.lang.as_deref());
    let p =
        Page { lang, csrf: random_hex(16), step: "forgot", token: String::new(), email: String::new(), error: None };
    page(&app, p, StatusCode::OK, true)
}

/// `POST /password/forgot`: the same answer whether the address has an account or not,
/// and whether a link was sent or the address or client asked too often (see
/// [`MAX_RESETS_PER_EMAIL`]): the answer tells nothing, and a mailbox cannot be flooded.
pub async fn forgot(State(app): State<App>, req: axum::extract::Request) -> Result<Response, WebError> {
    let (parts, body) = req.into_parts();
    let headers = parts.headers.clone();
    let ip = super::session::client_ip(&parts, &app.web.trusted_proxies);
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| WebError::BadRequest(Language::Fr, Message::new("form_too_large")))?;
    let form = FormData::parse(&body);
    let lang = visitor_language(&headers, form.get("lang"));
    let csrf = check_csrf(&headers, &form, lang)?;
    let email = form.text("email").unwrap_or_default();
    // Looked up and sent after answering, so that the answer takes as long for an
    // address without an account: its timing tells nothing either.
    let base = public_url(&app);
    let worker = app.clone();
    tokio::spawn(async move {
        let at = facturier_store::now();
        match worker.store.record_reset_request(&email, &ip, at, at - RESET_WINDOW).await {
            Ok(n) if n.address > MAX_RESETS_PER_EMAIL || n.client > MAX_RESETS_PER_IP => {
                tracing::info!("password reset: too many requests for an address or from a client, none sent");
                return;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "password reset: the request could not be counted");
                return;
            }
        }
        if let Err(e) = send_reset(&worker, &base, &email, lang).await {
            tracing::error!(error = ?e, "password reset: the link could not be queued");
        }
    });
    let p = Page { lang, csrf, step: "sent", token: String::new(), email: String::new(), error: None };
    page(&app, p, StatusCode::OK, false)
}

/// `GET /password/reset?token=…`: the new-password form, if the link is still valid.
pub async fn reset_form(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<PwQuery>,
) -> Result<Response, WebError> {
    let lang = visitor_language(&headers, q.lang.as_deref());
    let token = q.token.unwrap_or_default();
    let valid = app
        .store
        .password_reset(&token_hash(&token), facturier_store::now())
        .await
        .map_err(|e| WebError::store(lang, e))?
        .is_some();
    let (step, status) = if valid { ("reset", StatusCode::OK) } else { ("invalid", StatusCode::GONE) };
    let p = Page { lang, csrf: random_hex(16), step, token, email: String::new(), error: None };
    page(&app, p, status, true)
}

/// `POST /password/reset`: sets the password (once), ends the user's sessions, and
/// sends to the sign-in page.
pub async fn reset(State(app): State<App>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, WebError> {
    let form = FormData::parse(&body);
    let lang = visitor_language(&headers, form.get("lang"));
    let csrf = check_csrf(&headers, &form, lang)?;
    let token = form.get("token").unwrap_or_default().to_string();
    let password = form.get("password").unwrap_or_default().to_string();
    let invalid =
        |csrf: String, token: String| Page { lang, csrf, step: "invalid", token, email: String::new(), error: None };
    let hash = token_hash(&token);
    let now = facturier_store::now();
    if app.store.password_reset(&hash, now).await.map_err(|e| WebError::store(lang, e))?.is_none() {
        return page(&app, invalid(csrf, String::new()), StatusCode::GONE, false);
    }
    if let Some(problem) = password_problem(&password, Some(form.get("confirm").unwrap_or_default())) {
        let p = Page { lang, csrf, step: "reset", token, email: String::new(), error: Some(problem) };
        return page(&app, p, StatusCode::UNPROCESSABLE_ENTITY, false);
    }
    let new_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    if !app.store.use_password_reset(&hash, now, &new_hash).await.map_err(|e| WebError::store(lang, e))? {
        return page(&app, invalid(csrf, String::new()), StatusCode::GONE, false);
    }
    let mut r = see_other(&format!("/login?reset=1&lang={}", i18n::code(lang)));
    r.headers_mut().append(header::SET_COOKIE, set_cookie(&app, PW_COOKIE, "", "/password", Some(0)));
    Ok(r)
}
