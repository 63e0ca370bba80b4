//! A user's invitations to other companies. An admin who adds an address that already
//! has an account only invites it (see `Store::add_member`); the user sees the
//! invitation here once signed in as themselves, and accepts or declines it. Until they
//! accept, nothing changes for them: no membership, no password link, no session.

use super::confirm::{self, Ask};
use super::i18n::{Labels, t};
use super::session::{Chrome, CsrfForm, WebSession};
use super::{WebError, html, see_other};
use crate::App;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_store::StoreError;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.invitations", "Invitations", "Invitations"),
    ("invitations.title", "Invitations", "Invitations"),
    ("invitations.none", "Aucune invitation en attente.", "No invitation waiting."),
    (
        "invitations.help",
        "Une société vous invite à la rejoindre. Tant que vous n'avez pas accepté, rien ne change pour votre compte.",
        "A company invites you to join it. Until you accept, nothing changes for your account.",
    ),
    ("invitations.company", "Société", "Company"),
    ("invitations.role", "Rôle proposé", "Role offered"),
    ("invitations.by", "Invité par", "Invited by"),
    ("invitations.until", "Valable jusqu'au", "Valid until"),
    ("invitations.accept", "Accepter", "Accept"),
    ("invitations.decline", "Refuser", "Decline"),
];

pub struct InvitationRow {
    pub id: String,
    pub company: String,
    pub role: &'static str,
    pub invited_by: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "invitations.html")]
struct InvitationsPage {
    p: Chrome,
    rows: Vec<InvitationRow>,
}

/// `GET /invitations`: the signed-in user's invitations.
pub async fn list(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    let lang = s.lang();
    let invitations = app
        .store
        .invitations_for_user(s.rec.user_id, facturier_store::now())
        .await
        .map_err(|e| WebError::store(lang, e))?;
    let rows = invitations
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id.to_string(),
            company: i.company_name,
            role: t(lang, &format!("role.{}", i.role.as_str())),
            invited_by: i.invited_by,
            until: facturier_formats::text::local_date(i.expires_at, &s.rec.country, lang),
        })
        .collect();
    let page = InvitationsPage { p: s.chrome(&app, "invitations", t(lang, "invitations.title").into()).await?, rows };
    html(StatusCode::OK, &page)
}

fn invitation_id(id: &str, s: &WebSession) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(s.lang()))
}

/// `POST /invitations/{id}/accept`: the user joins the company and works in it now.
pub async fn accept(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, _): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = invitation_id(&id, &s)?;
    let company_id = match app.store.accept_invitation(s.rec.user_id, id, facturier_store::now()).await {
        Ok(c) => c,
        Err(StoreError::NotFound(_)) => return Ok(see_other("/invitations?done=gone")),
        Err(e) => return Err(WebError::store(lang, e)),
    };
    app.store
        .switch_session_company(s.id_hash(), s.rec.user_id, company_id)
        .await
        .map_err(|e| WebError::store(lang, e))?;
    Ok(see_other("/"))
}

/// `POST /invitations/{id}/decline`, once confirmed.
pub async fn decline(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let id = invitation_id(&id, &s)?;
    if !confirm::confirmed(&form) {
        let lang = s.lang();
        let mine = app
            .store
            .invitations_for_user(s.rec.user_id, facturier_store::now())
            .await
            .map_err(|e| WebError::store(lang, e))?;
        let Some(invitation) = mine.into_iter().find(|i| i.id == id) else {
            return Ok(see_other("/invitations?done=gone"));
        };
        let ask = Ask::of(lang, "decline", &[("company", &invitation.company_name)], "/invitations".into());
        return confirm::ask(&app, &s, "invitations", &format!("/invitations/{id}/decline"), &form, ask).await;
    }
    match app.store.decline_invitation(s.rec.user_id, id).await {
        Ok(()) => Ok(see_other("/invitations?done=declined")),
        Err(StoreError::NotFound(_)) => Ok(see_other("/invitations?done=gone")),
        Err(e) => Err(WebError::store(s.lang(), e)),
    }
}
