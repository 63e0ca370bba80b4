//! `/numbering` (how each kind of document is numbered) and `/settings` (company-wide
//! options); admins only may change them.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check};
use axum::Json;
use axum::extract::{Path, State};
use facturier_core::document::DocumentKind;
use facturier_core::numbering::NumberPattern;
use serde::{Deserialize, Serialize};

/// The numbering of one kind.
#[derive(Serialize)]
pub struct NumberingView {
    pub kind: &'static str,
    pub pattern: String,
    pub yearly_reset: bool,
    /// Documents of this kind issued so far.
    pub issued: u64,
    /// What a document issued today would be numbered if it were the first of a new sequence.
    pub example: String,
}

/// The body of `PUT /numbering/{kind}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberingInput {
    pub pattern: Option<String>,
    pub yearly_reset: Option<bool>,
}

async fn views(app: &App, auth: &Auth) -> Result<Vec<NumberingView>, ApiError> {
    let today = auth.today();
    Ok(app
        .store
        .numbering(auth.company())
        .await?
        .into_iter()
        .map(|n| NumberingView {
            kind: n.kind.as_str(),
            example: n.pattern.format(today, 1),
            pattern: n.pattern.to_string(),
            yearly_reset: n.yearly_reset,
            issued: n.issued,
        })
        .collect())
}

pub async fn list(State(app): State<App>, auth: Auth) -> Result<Json<Vec<NumberingView>>, ApiError> {
    Ok(Json(views(&app, &auth).await?))
}

pub async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<NumberingInput>,
) -> Result<Json<NumberingView>, ApiError> {
    auth.require_admin()?;
    let kind: DocumentKind = kind.parse().map_err(|_| ApiError::NotFound("document kind"))?;
    let mut v = Check::default();
    let pattern = match &input.pattern {
        Some(p) => v.parse::<NumberPattern>("pattern", p),
        None => {
            v.error("pattern", "is required, for example F{YYYY}-{SEQ:5}");
            None
        }
    };
    let yearly_reset = input.yearly_reset.unwrap_or(true);
    if let Some(p) = &pattern
        && let Err(e) = p.check_reset(yearly_reset)
    {
        v.error("pattern", e);
    }
    v.finish()?;
    let Some(pattern) = pattern else { return Err(ApiError::field("pattern", "is required")) };
    app.store.set_numbering(auth.company(), kind, &pattern, yearly_reset).await?;
    let all = views(&app, &auth).await?;
    all.into_iter().find(|n| n.kind == kind.as_str()).map(Json).ok_or(ApiError::NotFound("document kind"))
}

/// The body of `PATCH /settings`; absent fields keep their value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub allow_negative_stock: Option<bool>,
}

pub async fn show_settings(
    State(app): State<App>,
    auth: Auth,
) -> Result<Json<facturier_store::companies::CompanySettings>, ApiError> {
    Ok(Json(app.store.settings(auth.company()).await?))
}

pub async fn update_settings(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<facturier_store::companies::CompanySettings>, ApiError> {
    auth.require_admin()?;
    let mut s = app.store.settings(auth.company()).await?;
    if let Some(v) = input.allow_negative_stock {
        s.allow_negative_stock = v;
    }
    app.store.set_settings(auth.company(), &s).await?;
    Ok(Json(s))
}
