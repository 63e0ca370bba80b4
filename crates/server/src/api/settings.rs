//! `/numbering` (how each kind of document is numbered) and `/settings` (company-wide
//! options, the logo): JSON in and out of `app::settings`.

use crate::App;
use crate::app::settings::{self as ops, NumberingInput, NumberingView, SettingsInput};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::ApiJson;
use crate::openapi::field;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use facturier_store::companies::CompanySettings;
use serde::Serialize;

pub async fn list(State(app): State<App>, auth: Auth) -> Result<Json<Vec<NumberingView>>, ApiError> {
    Ok(Json(ops::numberings(&app, &auth).await?))
}

pub async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<NumberingInput>,
) -> Result<Json<NumberingView>, ApiError> {
    Ok(Json(ops::set_numbering(&app, &auth, &kind, &input).await?))
}

pub async fn show_settings(State(app): State<App>, auth: Auth) -> Result<Json<CompanySettings>, ApiError> {
    let mut s = app.store.settings(auth.company()).await?;
    s.stripe = crate::stripe::status(&app, auth.company()).await?;
    Ok(Json(s))
}

pub async fn update_settings(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<CompanySettings>, ApiError> {
    Ok(Json(ops::update_settings(&app, &auth, &input).await?))
}

/// Largest logo accepted: a document header needs no more.
pub const MAX_LOGO: usize = ops::MAX_LOGO;

/// What `PUT /settings/logo` answers: the logo as stored.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Logo)]
pub struct LogoView {
    #[schema(schema_with = field::logo_type)]
    pub content_type: String,
    /// Pixels.
    #[schema(minimum = 1)]
    pub width: u32,
    /// Pixels.
    #[schema(minimum = 1)]
    pub height: u32,
    /// Bytes.
    #[schema(minimum = 1)]
    pub size: usize,
}

/// `PUT /settings/logo`: a PNG or JPEG image as the body, drawn on every document.
pub async fn put_logo(
    State(app): State<App>,
    auth: Auth,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<LogoView>, ApiError> {
    let got = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let saved = ops::set_logo(&app, &auth, got, &body).await?;
    Ok(Json(LogoView {
        content_type: saved.content_type.into(),
        width: saved.width,
        height: saved.height,
        size: saved.size,
    }))
}

/// `GET /settings/logo`: the image itself.
pub async fn get_logo(State(app): State<App>, auth: Auth) -> Result<axum::response::Response, ApiError> {
    Ok(ops::logo(&app, &auth).await?.into_response())
}

/// `DELETE /settings/logo`: documents go back to the company's name in the header.
pub async fn delete_logo(State(app): State<App>, auth: Auth) -> Result<axum::http::StatusCode, ApiError> {
    ops::delete_logo(&app, &auth).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
