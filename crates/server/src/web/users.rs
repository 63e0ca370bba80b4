//! The company's members (administrators: add a new address with an initial password or
//! a link by e-mail, invite an address that already has an account, change a role,
//! remove; the last administrator stays), and each user's API tokens (list, create —
//! the secret is shown once —, revoke).

use super::confirm::{self, Ask};
use super::i18n::{Labels, t};
use super::password::{INVITE_VALID, password_problem, public_url, send_link};
use super::session::{Chrome, CsrfForm, WebSession, hash_password};
use super::{WebError, html, see_other};
use crate::App;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::ids::Email;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::StoreError;
use facturier_store::companies::Role;
use facturier_store::members::Added;
use facturier_store::outbox::NewEmail;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.settings", "Paramètres", "Settings"),
    ("nav.users", "Utilisateurs", "Users"),
    ("nav.tokens", "Jetons API", "API tokens"),
    ("nav.admin", "Administration", "Administration"),
    ("nav.more_documents", "Autres documents", "More documents"),
    ("users.title", "Utilisateurs", "Users"),
    ("users.email", "Adresse e-mail", "E-mail address"),
    ("users.role", "Rôle", "Role"),
    ("users.web", "Connexion web", "Web sign-in"),
    ("users.yes", "oui", "yes"),
    ("users.no", "non", "no"),
    ("users.actions", "Actions", "Actions"),
    ("users.change_role", "Changer le rôle", "Change the role"),
    ("users.remove", "Retirer", "Remove"),
    ("users.you", "(vous)", "(you)"),
    ("users.add", "Ajouter un utilisateur", "Add a user"),
    ("users.password", "Mot de passe initial (12 caractères au moins)", "Initial password (at least 12 characters)"),
    (
        "users.password_help",
        "Laissez vide pour envoyer à l'utilisateur un lien (valable sept jours) qui lui fait choisir son mot de passe.",
        "Leave empty to send the user a link (valid for seven days) to choose a password.",
    ),
    ("users.add_submit", "Ajouter", "Add"),
    ("users.language", "Langue de l'utilisateur", "The user's language"),
    (
        "users.language_help",
        "Celle de l'application et de ses e-mails, dont l'invitation. Un utilisateur qui a déjà un compte garde la sienne.",
        "That of the app and of its e-mails, the invitation included. A user who already has an account keeps theirs.",
    ),
    ("users.pending", "Invitations en attente", "Pending invitations"),
    ("users.pending_until", "Valable jusqu'au", "Valid until"),
    ("users.cancel_invitation", "Retirer l'invitation", "Withdraw the invitation"),
    (
        "invite.mail_subject",
        "Invitation à rejoindre {company} sur facturier",
        "Invitation to join {company} on facturier",
    ),
    (
        "invite.mail_body",
        "Bonjour,\n\n{admin} vous invite à rejoindre la société {company} sur facturier, avec le rôle « {role} ».\n\nPour accepter ou refuser, connectez-vous à votre compte habituel et ouvrez :\n\n{link}\n\nL'invitation est valable {days} jours. Tant que vous ne l'avez pas acceptée, rien ne change pour votre compte ; si vous ne connaissez pas cette société, ignorez ce message.\n",
        "Hello,\n\n{admin} invites you to join the company {company} on facturier, with the role \"{role}\".\n\nTo accept or decline, sign in to your usual account and open:\n\n{link}\n\nThe invitation is valid for {days} days. Until you accept it, nothing changes for your account; if you do not know this company, ignore this message.\n",
    ),
    ("users.bad_email", "Cette adresse e-mail n'est pas valide.", "This e-mail address is not valid."),
    (
        "users.last_admin",
        "C'est le dernier administrateur de la société : nommez d'abord un autre administrateur.",
        "This is the company's last administrator: make another member administrator first.",
    ),
    (
        "users.already",
        "Cette personne est déjà membre de la société.",
        "This person is already a member of the company.",
    ),
    ("tokens.title", "Mes jetons API", "My API tokens"),
    (
        "tokens.help",
        "Un jeton donne accès à l'API REST avec votre rôle dans cette société (en-tête Authorization: Bearer …).",
        "A token gives access to the REST API with your role in this company (header Authorization: Bearer …).",
    ),
    ("tokens.name", "Nom", "Name"),
    ("tokens.role", "Rôle", "Role"),
    ("tokens.created", "Créé le", "Created"),
    ("tokens.last_used", "Dernière utilisation", "Last used"),
    ("tokens.never", "jamais", "never"),
    ("tokens.revoke", "Révoquer", "Revoke"),
    ("tokens.none", "Aucun jeton.", "No token."),
    ("tokens.new", "Nouveau jeton", "New token"),
    ("tokens.create", "Créer le jeton", "Create the token"),
    (
        "tokens.name_required",
        "Donnez un nom au jeton (100 caractères au plus).",
        "Name the token (100 characters at most).",
    ),
    (
        "tokens.shown_once",
        "Copiez ce jeton maintenant : il ne sera plus jamais affiché.",
        "Copy this token now: it will never be shown again.",
    ),
    ("tokens.expires", "Expire le", "Expires"),
    ("tokens.expired", "expiré le", "expired on"),
    ("tokens.valid_for", "Validité", "Valid for"),
    ("tokens.valid_never", "sans limite", "no limit"),
    ("tokens.valid_30", "30 jours", "30 days"),
    ("tokens.valid_90", "90 jours", "90 days"),
    ("tokens.valid_365", "365 jours", "365 days"),
    ("tokens.bad_validity", "Choisissez une durée de validité de la liste.", "Choose a validity from the list."),
];

const ROLES: [Role; 4] = [Role::Admin, Role::Sales, Role::Accountant, Role::ReadOnly];

pub struct PendingRow {
    pub id: String,
    pub email: String,
    pub role: &'static str,
    pub until: String,
}

pub struct MemberRow {
    pub id: String,
    pub email: String,
    pub role: &'static str,
    pub web: bool,
    pub me: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    p: Chrome,
    rows: Vec<MemberRow>,
    pending: Vec<PendingRow>,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    email: String,
    role: String,
    /// The new user's language: `fr` or `en`.
    language: &'static str,
    email_error: Option<&'static str>,
    password_error: Option<&'static str>,
}

fn admin(s: &WebSession) -> Result<(), WebError> {
    s.auth().require_admin().map_err(|e| WebError::api(s.lang(), e))
}

fn roles(lang: Language) -> Vec<(&'static str, &'static str)> {
    ROLES.iter().map(|r| (r.as_str(), t(lang, &format!("role.{}", r.as_str())))).collect()
}

async fn users_page(app: &App, s: &WebSession) -> Result<UsersPage, WebError> {
    let lang = s.lang();
    let members = app.store.members(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    let pending = app
        .store
        .pending_invitations(s.rec.company_id, facturier_store::now())
        .await
        .map_err(|e| WebError::store(lang, e))?
        .into_iter()
        .map(|i| PendingRow {
            id: i.id.to_string(),
            email: i.email,
            role: t(lang, &format!("role.{}", i.role.as_str())),
            until: text::local_date(i.expires_at, &s.rec.country, lang),
        })
        .collect();
    Ok(UsersPage {
        pending,
        p: s.chrome(app, "users", t(lang, "users.title").into()).await?,
        rows: members
            .into_iter()
            .map(|m| MemberRow {
                id: m.user_id.to_string(),
                me: m.user_id == s.rec.user_id,
                email: m.email,
                role: m.role.as_str(),
                web: m.has_password,
            })
            .collect(),
        roles: roles(lang),
        error: None,
        email: String::new(),
        role: "sales".into(),
        language: facturier_store::accounts::language_code(lang),
        email_error: None,
        password_error: None,
    })
}

/// `GET /users`
pub async fn list(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    let page = users_page(&app, &s).await?;
    html(StatusCode::OK, &page)
}

fn role_of(v: Option<&str>) -> Option<Role> {
    ROLES.into_iter().find(|r| Some(r.as_str()) == v)
}

/// A refusal of the store shown on the users page (409), in the reader's language.
async fn refused(app: &App, s: &WebSession, e: StoreError) -> Result<Response, WebError> {
    let lang = s.lang();
    let message = match &e {
        StoreError::Conflict(m) if m.code() == "company_last_administrator_make" => {
            t(lang, "users.last_admin").to_string()
        }
        StoreError::Conflict(m) if m.code() == "already_member_company" => t(lang, "users.already").to_string(),
        _ => return Err(WebError::store(lang, e)),
    };
    let mut page = users_page(app, s).await?;
    page.error = Some(message);
    html(StatusCode::CONFLICT, &page)
}

/// `POST /users`: `email`, `role`, optional `password`. A new address becomes a member
/// at once; without a password it gets a link by e-mail to choose one. An address that
/// already has an account is only invited: no password link, no change for that user
/// until they accept, signed in as themselves.
pub async fn add(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let lang = s.lang();
    let email = form.text("email").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_string();
    let parsed = email.parse::<Email>().ok();
    let role = role_of(form.get("role"));
    // The invitee's language, French or English as chosen; the admin's own by default.
    let language = match form.get("language") {
        Some("en") => Language::En,
        Some("fr") => Language::Fr,
        _ => lang,
    };
    let password_error = (!password.is_empty()).then(|| password_problem(&password, None)).flatten();
    if parsed.is_none() || role.is_none() || password_error.is_some() {
        let mut page = users_page(&app, &s).await?;
        page.email_error = parsed.is_none().then_some("users.bad_email");
        page.password_error = password_error;
        page.error = role.is_none().then(|| crate::catalogue::message(lang, &Message::new("choose_role")));
        page.email = email;
        page.role = form.get("role").unwrap_or_default().to_string();
        page.language = facturier_store::accounts::language_code(language);
        return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let (Some(address), Some(role)) = (parsed, role) else {
        return Err(WebError::BadRequest(lang, Message::new("invalid_input")));
    };
    let hash = if password.is_empty() {
        None
    } else {
        let h = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?
            .map_err(|e| WebError::Internal(e.to_string()))?;
        Some(h)
    };
    let added = match app
        .store
        .add_member(s.rec.company_id, s.rec.user_id, address.as_str(), role, hash.as_deref(), language)
        .await
    {
        Ok(added) => added,
        Err(e) => return refused(&app, &s, e).await,
    };
    match added {
        Added::Invited { email, language, .. } => {
            send_invitation(&app, &s, &email, role, language).await?;
            Ok(see_other("/users?done=invitation_sent"))
        }
        Added::Created { user_id, language } if hash.is_none() => {
            let base = public_url(&app);
            send_link(&app, &base, s.rec.company_id, user_id, address.as_str(), language, INVITE_VALID).await?;
            Ok(see_other("/users?done=invited"))
        }
        Added::Created { .. } => Ok(see_other("/users?done=added")),
    }
}

/// Queues the e-mail telling an existing user that the session's company invites them.
/// It carries no secret: only the address of the invitations page, where the user
/// answers once signed in.
async fn send_invitation(app: &App, s: &WebSession, email: &str, role: Role, lang: Language) -> Result<(), WebError> {
    let link = format!("{}/invitations", public_url(app));
    let days = facturier_store::members::INVITATION_VALID.whole_days().to_string();
    let body = t(lang, "invite.mail_body")
        .replace("{admin}", &s.rec.email)
        .replace("{company}", &s.rec.company_name)
        .replace("{role}", t(lang, &format!("role.{}", role.as_str())))
        .replace("{days}", &days)
        .replace("{link}", &link);
    let subject = t(lang, "invite.mail_subject").replace("{company}", &s.rec.company_name);
    let to = [email.to_string()];
    let mail = NewEmail {
        company_id: s.rec.company_id,
        document_id: None,
        sender: None,
        sender_name: "facturier",
        to: &to,
        cc: &[],
        subject: &subject,
        body: &body,
        attachment: None,
    };
    app.store.enqueue_email(&mail).await.map_err(|e| WebError::store(s.lang(), e))?;
    app.outbox.wake();
    Ok(())
}

/// `POST /users/invitations/{id}/cancel`: withdraws a pending invitation, once confirmed.
pub async fn cancel_invitation(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    admin(&s)?;
    let lang = s.lang();
    let id = member_id(&s, &id)?;
    if !confirm::confirmed(&form) {
        let pending = app
            .store
            .pending_invitations(s.rec.company_id, facturier_store::now())
            .await
            .map_err(|e| WebError::store(lang, e))?;
        let invitation = pending.into_iter().find(|i| i.id == id).ok_or(WebError::NotFound(lang))?;
        let ask = Ask::of(lang, "withdraw", &[("email", &invitation.email)], "/users".into());
        return confirm::ask(&app, &s, "users", &format!("/users/invitations/{id}/cancel"), &form, ask).await;
    }
    app.store.cancel_invitation(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(see_other("/users?done=invitation_cancelled"))
}

/// The member `id` of the session's company.
async fn member(app: &App, s: &WebSession, id: Uuid) -> Result<facturier_store::members::Member, WebError> {
    let lang = s.lang();
    let members = app.store.members(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    members.into_iter().find(|m| m.user_id == id).ok_or(WebError::NotFound(lang))
}

/// Whether going from `old` to `new` takes rights away: administration, or writing.
fn lowers(old: Role, new: Role) -> bool {
    (old == Role::Admin && new != Role::Admin) || (old.can_write() && !new.can_write())
}

fn member_id(s: &WebSession, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(s.lang()))
}

/// `POST /users/{id}/role`
pub async fn set_role(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    admin(&s)?;
    let lang = s.lang();
    let id = member_id(&s, &id)?;
    let role = role_of(form.get("role")).ok_or_else(|| WebError::BadRequest(lang, Message::new("choose_role")))?;
    let m = member(&app, &s, id).await?;
    if lowers(m.role, role) && !confirm::confirmed(&form) {
        let role_name = |r: Role| t(lang, &format!("role.{}", r.as_str()));
        let mut ask = Ask::of(
            lang,
            "role",
            &[("email", &m.email), ("role", role_name(role)), ("old", role_name(m.role))],
            "/users".into(),
        );
        if id == s.rec.user_id {
            ask.consequence = t(lang, "confirm.role_self").replace("{old}", role_name(m.role));
        }
        return confirm::ask(&app, &s, "users", &format!("/users/{id}/role"), &form, ask).await;
    }
    match app.store.set_member_role(s.rec.company_id, id, role).await {
        Ok(()) if id == s.rec.user_id && role != Role::Admin => Ok(see_other("/")),
        Ok(()) => Ok(see_other("/users?done=role")),
        Err(e) => refused(&app, &s, e).await,
    }
}

/// `POST /users/{id}/remove`, once confirmed.
pub async fn remove(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    admin(&s)?;
    let lang = s.lang();
    let id = member_id(&s, &id)?;
    if !confirm::confirmed(&form) {
        let m = member(&app, &s, id).await?;
        let name = if id == s.rec.user_id { "remove_self" } else { "remove" };
        let ask = Ask::of(lang, name, &[("email", &m.email), ("company", &s.rec.company_name)], "/users".into());
        return confirm::ask(&app, &s, "users", &format!("/users/{id}/remove"), &form, ask).await;
    }
    match app.store.remove_member(s.rec.company_id, id).await {
        Ok(()) if id == s.rec.user_id => Ok(see_other("/login")),
        Ok(()) => Ok(see_other("/users?done=removed")),
        Err(e) => refused(&app, &s, e).await,
    }
}

// ---------------------------------------------------------------- API tokens

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    /// The expiry date, `never`, or `expired on …`.
    pub expires: String,
}

/// How long a new token may be valid, as the form offers it: (value, days; `None`: no limit).
pub const TOKEN_VALIDITIES: [(&str, Option<i64>); 4] =
    [("never", None), ("30", Some(30)), ("90", Some(90)), ("365", Some(365))];

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    p: Chrome,
    rows: Vec<TokenRow>,
    role: &'static str,
    secret: Option<String>,
    name: String,
    name_error: Option<&'static str>,
    /// The validity chosen in the form (a value of [`TOKEN_VALIDITIES`]).
    validity: String,
    validity_error: Option<&'static str>,
}

impl TokensPage {
    /// Whether the form's validity choice is `v`.
    fn chosen(&self, v: &str) -> bool {
        self.validity == v
    }
}

async fn tokens_page(app: &App, s: &WebSession) -> Result<TokensPage, WebError> {
    let lang = s.lang();
    let tokens = app.store.api_tokens(s.rec.company_id, s.rec.user_id).await.map_err(|e| WebError::store(lang, e))?;
    let day = |at: time::OffsetDateTime| text::local_date(at, &s.rec.country, lang);
    let now = time::OffsetDateTime::now_utc();
    Ok(TokensPage {
        p: s.chrome(app, "tokens", t(lang, "tokens.title").into()).await?,
        rows: tokens
            .into_iter()
            .map(|k| TokenRow {
                id: k.id.to_string(),
                name: k.name,
                created: day(k.created_at),
                last_used: k.last_used_at.map(day).unwrap_or_else(|| t(lang, "tokens.never").into()),
                expires: match k.expires_at {
                    None => t(lang, "tokens.never").into(),
                    Some(e) if e <= now => format!("{} {}", t(lang, "tokens.expired"), day(e)),
                    Some(e) => day(e),
                },
            })
            .collect(),
        role: t(lang, &format!("role.{}", s.rec.role.as_str())),
        secret: None,
        name: String::new(),
        name_error: None,
        validity: "90".into(),
        validity_error: None,
    })
}

/// `GET /tokens`: the signed-in user's tokens in this company.
pub async fn tokens(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    let page = tokens_page(&app, &s).await?;
    html(StatusCode::OK, &page)
}

/// `POST /tokens`: `name` and `validity` (a value of [`TOKEN_VALIDITIES`]; absent: no
/// limit); the page shows the new secret once (never in a URL).
pub async fn create_token(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let name = form.text("name").unwrap_or_default();
    let validity = form.text("validity").unwrap_or_else(|| "never".into());
    let days = TOKEN_VALIDITIES.iter().find(|(v, _)| *v == validity).map(|(_, d)| *d);
    let name_bad = name.is_empty() || name.chars().count() > 100;
    if name_bad || days.is_none() {
        let mut page = tokens_page(&app, &s).await?;
        page.name = name;
        page.name_error = name_bad.then_some("tokens.name_required");
        page.validity_error = days.is_none().then_some("tokens.bad_validity");
        page.validity = validity;
        return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let expires_at = days.flatten().map(|d| facturier_store::now() + time::Duration::days(d));
    let (_, secret) = app
        .store
        .create_api_token_until(s.rec.company_id, s.rec.user_id, &name, expires_at)
        .await
        .map_err(|e| WebError::store(lang, e))?;
    let mut page = tokens_page(&app, &s).await?;
    page.secret = Some(secret);
    html(StatusCode::CREATED, &page)
}

/// `POST /tokens/{id}/revoke`: only the user's own token, once confirmed.
pub async fn revoke_token(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id: Uuid = id.parse().map_err(|_| WebError::NotFound(lang))?;
    if !confirm::confirmed(&form) {
        let tokens =
            app.store.api_tokens(s.rec.company_id, s.rec.user_id).await.map_err(|e| WebError::store(lang, e))?;
        let token = tokens.into_iter().find(|k| k.id == id).ok_or(WebError::NotFound(lang))?;
        let ask = Ask::of(lang, "revoke", &[("name", &token.name)], "/tokens".into());
        return confirm::ask(&app, &s, "tokens", &format!("/tokens/{id}/revoke"), &form, ask).await;
    }
    app.store.revoke_api_token(s.rec.company_id, s.rec.user_id, id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(see_other("/tokens?done=revoked"))
}
