//! `Idempotency-Key` on every POST: the same key and body replay the first response
//! and create nothing new; the same key with another body is refused.
//!
//! A key is the calling user's in the token's company, for 24 hours
//! (`facturier_store::idempotency`). A JSON body is compared as parsed JSON (its
//! canonical form), so re-indenting it or reordering its members is the same request;
//! any other body (a CSV import, a file upload) is compared byte for byte.
//!
//! The handler of a reserved key runs in a task of its own, so a client that hangs up
//! does not cancel it: the response is stored and the client's retry replays it. While
//! it runs the task refreshes the key's [`LEASE`]; if the process dies, the lease lapses
//! and the next request with the same key and body takes the key over and runs again.
//! A server error (5xx, a panic) releases the key, so a retry runs again.

use crate::App;
use crate::auth::{Auth, bearer};
use crate::error::{ApiError, problem_of};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use facturier_core::message::Message;
use facturier_store::Store;
use facturier_store::idempotency::{KeyOwner, KeyState, Reservation};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tracing::Instrument;

/// How long a running request holds its key without refreshing it; it refreshes it
/// every third of that, so a key outlives its request by at most this much.
pub const LEASE: time::Duration = time::Duration::seconds(60);

/// Largest response stored for a replay.
const MAX_STORED_RESPONSE: usize = 64 * 1024 * 1024;

/// The middleware.
pub async fn layer(State(app): State<App>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string) else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 255 {
        return ApiError::field("Idempotency-Key", Message::new("must_1_255_characters")).into_response();
    }
    let principal = match bearer(req.headers()) {
        Some(t) => match app.store.authenticate(t).await {
            Ok(Some(p)) => p,
            Ok(None) => return ApiError::Unauthorized.into_response(),
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => return ApiError::Unauthorized.into_response(),
    };
    let owner = KeyOwner { company_id: principal.company_id, user_id: principal.user_id };
    let (mut parts, body) = req.into_parts();
    // Each route's own body limit (2 MiB, or 10 MiB for customer files) applies around this.
    let bytes = match to_bytes(body, crate::api::customer_files::MAX_UPLOAD_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return problem_of(StatusCode::PAYLOAD_TOO_LARGE, &crate::error::too_large_at(parts.uri.path()));
        }
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let path = parts.uri.path_and_query().map_or(parts.uri.path(), |p| p.as_str());
    let hash = request_hash(parts.method.as_str(), path, content_type, &bytes);
    parts.extensions.insert(Auth(principal));
    let req = Request::from_parts(parts, Body::from(bytes));
    // From the reservation on, nothing is cancelled with this future: a client hanging
    // up leaves the request to finish and its answer stored for the retry, never a key
    // held by a request that no longer runs.
    let task = answer(app.store.clone(), owner, key, hash, next, req).instrument(tracing::Span::current());
    match tokio::spawn(task).await {
        Ok(resp) => resp,
        Err(e) => ApiError::Internal(format!("an idempotent request's task failed: {e}")).into_response(),
    }
}

/// Reserves the key and runs the request, or answers from what the key already holds.
async fn answer(store: Store, owner: KeyOwner, key: String, hash: String, next: Next, req: Request) -> Response {
    match store.reserve_key(owner, &key, &hash, LEASE).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(KeyState::InFlight) => ApiError::Conflict(Message::new("request_idempotency_key_still")).into_response(),
        Ok(KeyState::Mismatch) => {
            ApiError::field("Idempotency-Key", Message::new("already_used_different_request")).into_response()
        }
        Ok(KeyState::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let ct = if status.is_success() { "application/json" } else { "application/problem+json" };
            let mut r = (status, [(header::CONTENT_TYPE, ct)], body).into_response();
            r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
        Ok(KeyState::Reserved(reservation)) => {
            if reservation.taken_over {
                tracing::warn!(key, "an Idempotency-Key whose request died is taken over");
            }
            run_and_record(store, reservation, next, req).await
        }
    }
}

/// Runs the handler to its end while holding the key's lease, then stores its answer
/// (or releases the key after a server error) and returns it.
async fn run_and_record(store: Store, reservation: Reservation, next: Next, req: Request) -> Response {
    // A task of its own, so that a handler that panics ends here as an error that
    // releases the key.
    let mut handler = tokio::spawn(
        async move {
            let (parts, body) = next.run(req).await.into_parts();
            (parts, to_bytes(body, MAX_STORED_RESPONSE).await)
        }
        .instrument(tracing::Span::current()),
    );
    let every = std::time::Duration::try_from(LEASE / 3).unwrap_or(std::time::Duration::from_secs(20));
    let mut refresh = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let outcome = loop {
        tokio::select! {
            done = &mut handler => break done,
            _ = refresh.tick() => match store.extend_lease(&reservation, LEASE).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!("an Idempotency-Key's lease was lost while its request ran"),
                Err(e) => tracing::error!(error = %e, "could not extend an Idempotency-Key's lease"),
            },
        }
    };
    let (parts, bytes) = match outcome {
        Ok((parts, Ok(bytes))) => (parts, bytes),
        Ok((_, Err(e))) => {
            return release(&store, &reservation, format!("the response body could not be read: {e}")).await;
        }
        Err(e) => return release(&store, &reservation, format!("the request's handler failed: {e}")).await,
    };
    let stored = if parts.status.is_server_error() {
        store.release_key(&reservation).await.map(|()| true)
    } else {
        store.complete_key(&reservation, parts.status.as_u16(), &String::from_utf8_lossy(&bytes)).await
    };
    match stored {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!("an Idempotency-Key was taken over before its request ended; its answer is not stored")
        }
        Err(e) => tracing::error!(error = %e, "could not record an idempotency key"),
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Frees the key of a request that failed without an answer, and answers 500.
async fn release(store: &Store, reservation: &Reservation, detail: String) -> Response {
    if let Err(e) = store.release_key(reservation).await {
        tracing::error!(error = %e, "could not release an idempotency key");
    }
    ApiError::Internal(detail).into_response()
}

/// What identifies a request under its key: the method, the path below `/api/v1` with
/// its query, and the body — as canonical JSON when it is JSON, else its bytes.
pub fn request_hash(method: &str, path_and_query: &str, content_type: Option<&str>, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path_and_query.as_bytes());
    h.update(b"\n");
    match canonical_json(content_type, body) {
        Some(json) => {
            h.update(b"json\n");
            h.update(json.as_bytes());
        }
        None => {
            h.update(b"bytes\n");
            h.update(body);
        }
    }
    hex::encode(h.finalize())
}

/// The body as JSON with members sorted and no whitespace, when it is declared and
/// parses as JSON. A body that does not parse is hashed as bytes: the handler refuses it
/// anyway, and the refusal is replayed for the same bytes.
fn canonical_json(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let essence = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    if essence != "application/json" && !essence.ends_with("+json") {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    let mut out = String::with_capacity(body.len());
    write_canonical(&value, &mut out);
    Some(out)
}

/// Writes `v` with object members in key order, whatever order the map keeps.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut members: Vec<_> = m.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::request_hash;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    #[test]
    fn json_bodies_that_parse_alike_hash_alike() {
        let a = request_hash("POST", "/customers", JSON, br#"{"name":"A","legal":{"siren":"1","vat":null}}"#);
        let b = request_hash(
            "POST",
            "/customers",
            JSON,
            b"{\n  \"legal\": { \"vat\": null, \"siren\": \"1\" },\n  \"name\": \"A\"\n}\n",
        );
        assert_eq!(a, b);
        assert_ne!(a, request_hash("POST", "/customers", JSON, br#"{"name":"B","legal":{"siren":"1","vat":null}}"#));
        assert_ne!(a, request_hash("POST", "/products", JSON, br#"{"name":"A","legal":{"siren":"1","vat":null}}"#));
        // Array order is meaning (invoice lines), so it is kept.
        assert_ne!(
            request_hash("POST", "/x", JSON, br#"{"lines":[1,2]}"#),
            request_hash("POST", "/x", JSON, br#"{"lines":[2,1]}"#)
        );
    }

    #[test]
    fn other_bodies_and_the_query_are_compared_as_bytes() {
        let csv = Some("text/csv");
        assert_ne!(
            request_hash("POST", "/imports", csv, b"{\"a\":1}"),
            request_hash("POST", "/imports", csv, b"{ \"a\": 1 }")
        );
        assert_ne!(
            request_hash("POST", "/imports/customers?dry_run=true", csv, b"name\nA\n"),
            request_hash("POST", "/imports/customers?dry_run=false", csv, b"name\nA\n")
        );
    }
}
