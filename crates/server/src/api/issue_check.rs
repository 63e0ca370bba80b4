//! `GET /{kind}/{id}/issue-check`: what issuing a draft would refuse, without issuing it.
//! The same problems as the 422 of `POST /{kind}/{id}/issue` (`core::compliance`), read
//! from what issuing would seal today; the web app's document page shows them too.

use super::path_id;
use crate::App;
use crate::auth::Auth;
use crate::error::{ApiError, ProblemView, readers_language};
use axum::Json;
use facturier_core::document::DocumentKind;
use serde::Serialize;

/// The answer: whether the draft can be issued as it stands, and what to fix first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IssueCheck {
    /// True when issuing now would succeed.
    pub issuable: bool,
    /// What issuing would refuse (422), in the reader's language (`Accept-Language`).
    #[schema(schema_with = crate::openapi::field::field_errors)]
    pub problems: Vec<ProblemView>,
}

/// The problems of a draft, in the reader's language. A document that is not a draft,
/// has no lines or a date issuing would refuse gets the 409 issuing would give.
pub async fn check(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<Json<IssueCheck>, ApiError> {
    let id = path_id(id, "document")?;
    let problems = app.store.issue_problems(auth.company(), kind, id, auth.today()).await?;
    let lang = readers_language();
    Ok(Json(IssueCheck {
        issuable: problems.is_empty(),
        problems: problems.iter().map(|p| ProblemView::of(p, lang)).collect(),
    }))
}
