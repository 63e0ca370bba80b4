//! `Idempotency-Key` on every POST: the same key and body replay the first response
//! and create nothing new; the same key with another body is refused.

use crate::App;
use crate::auth::{Auth, bearer};
use crate::error::{ApiError, problem};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use facturier_store::idempotency::KeyState;
use sha2::{Digest, Sha256};

/// The middleware.
pub async fn layer(State(app): State<App>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string) else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 255 {
        return ApiError::field("Idempotency-Key", "must be 1 to 255 characters").into_response();
    }
    let principal = match bearer(req.headers()) {
        Some(t) => match app.store.authenticate(t).await {
            Ok(Some(p)) => p,
            Ok(None) => return ApiError::Unauthorized.into_response(),
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => return ApiError::Unauthorized.into_response(),
    };
    let company = principal.company_id;
    let (mut parts, body) = req.into_parts();
    // Each route's own body limit (2 MiB, or 10 MiB for customer files) applies around this.
    let bytes = match to_bytes(body, crate::api::customer_files::MAX_UPLOAD_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return problem(StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large".into(), None);
        }
    };
    let mut h = Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    h.update(b" ");
    h.update(parts.uri.path().as_bytes());
    h.update(b"\n");
    h.update(&bytes);
    let hash = hex::encode(h.finalize());
    match app.store.reserve_key(company, &key, &hash).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(KeyState::InFlight) => {
            ApiError::Conflict("a request with this Idempotency-Key is still being processed; retry later".into())
                .into_response()
        }
        Ok(KeyState::Mismatch) => {
            ApiError::field("Idempotency-Key", "was already used for a different request").into_response()
        }
        Ok(KeyState::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let ct = if status.is_success() { "application/json" } else { "application/problem+json" };
            let mut r = (status, [(header::CONTENT_TYPE, ct)], body).into_response();
            r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
        Ok(KeyState::Reserved) => {
            parts.extensions.insert(Auth(principal));
            let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let (rparts, rbody) = resp.into_parts();
            let rbytes = to_bytes(rbody, 64 * 1024 * 1024).await.unwrap_or_default();
            let stored = if rparts.status.is_server_error() {
                app.store.release_key(company, &key).await
            } else {
                app.store.complete_key(company, &key, rparts.status.as_u16(), &String::from_utf8_lossy(&rbytes)).await
            };
            if let Err(e) = stored {
                tracing::error!(error = %e, "could not record an idempotency key");
            }
            Response::from_parts(rparts, Body::from(rbytes))
        }
    }
}
