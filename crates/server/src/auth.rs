//! Bearer-token authentication: every API call belongs to one user in one company.

use crate::App;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use facturier_store::companies::Principal;
use uuid::Uuid;

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Auth(pub Principal);

impl Auth {
    /// The company every query of this request is scoped to.
    pub fn company(&self) -> Uuid {
        self.0.company_id
    }

    /// Today in the company's calendar: the date documents are issued on.
    pub fn today(&self) -> time::Date {
        facturier_core::calendar::today(&self.0.country)
    }

    /// Refuses every role but admin (settings, users).
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.0.role == facturier_store::companies::Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(self.0.role.as_str()))
        }
    }

    /// Refuses read-only roles.
    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.0.role.can_write() { Ok(()) } else { Err(ApiError::Forbidden(self.0.role.as_str())) }
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(parts: &axum::http::HeaderMap) -> Option<&str> {
    let v = parts.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty() && t.len() < 200)
}

impl FromRequestParts<App> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        if let Some(a) = parts.extensions.get::<Auth>() {
            return Ok(a.clone());
        }
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthorized)?;
        let p = app.store.authenticate(token).await?.ok_or(ApiError::Unauthorized)?;
        let auth = Auth(p);
        parts.extensions.insert(auth.clone());
        Ok(auth)
    }
}
