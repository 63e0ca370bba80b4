//! Online payment: `POST /invoices/{id}/payment-link` (a Stripe Checkout session for what
//! is due) and `POST /webhooks/stripe/{company_id}` (Stripe's signed events; no token, the
//! signature is the authentication). The work is in `crate::stripe`.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::stripe::{self, PaymentLinkView, WebhookAnswer};
use axum::Json;
use axum::extract::{Path, State};

/// `POST /invoices/{id}/payment-link`.
pub async fn payment_link(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<PaymentLinkView>, ApiError> {
    auth.require_write()?;
    let id = super::path_id(&id, "invoice")?;
    Ok(Json(stripe::start_session(&app, auth.company(), id).await?))
}

/// `POST /webhooks/stripe/{company_id}`: the raw body, as signed.
pub async fn stripe_webhook(
    State(app): State<App>,
    Path(company_id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<WebhookAnswer>, ApiError> {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    Ok(Json(stripe::webhook(&app, &company_id, signature, &body).await?))
}
