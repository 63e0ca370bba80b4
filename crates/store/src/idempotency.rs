//! `Idempotency-Key`: the first response to a key is stored and replayed for the
//! same request; the same key with another request is refused.

use crate::{Result, Store, now, on_pool};
use uuid::Uuid;

/// What a key lookup found.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyState {
    /// The key is new and now reserved for this request.
    Reserved,
    /// A finished request with the same key and body: replay its response.
    Replay { status: u16, body: String },
    /// The same key is being processed by another request.
    InFlight,
    /// The key was used for a different request.
    Mismatch,
}

impl Store {
    /// Reserves a key for a request, or says how to answer it.
    pub async fn reserve_key(&self, company_id: Uuid, key: &str, request_hash: &str) -> Result<KeyState> {
        let inserted = on_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO idempotency_keys (company_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (company_id, key) DO NOTHING",
            )
            .bind(company_id)
            .bind(key)
            .bind(request_hash)
            .bind(now())
            .execute(c)
            .await?
            .rows_affected()
        });
        if inserted == 1 {
            return Ok(KeyState::Reserved);
        }
        let row: Option<(String, Option<i64>, Option<String>)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT request_hash, status_code, response FROM idempotency_keys WHERE company_id = $1 AND key = $2",
            )
            .bind(company_id)
            .bind(key)
            .fetch_optional(c)
            .await?
        });
        Ok(match row {
            None => KeyState::InFlight,
            Some((hash, _, _)) if hash != request_hash => KeyState::Mismatch,
            Some((_, Some(status), Some(body))) => {
                KeyState::Replay { status: u16::try_from(status).unwrap_or(500), body }
            }
            Some(_) => KeyState::InFlight,
        })
    }

    /// Stores the response of a reserved key.
    pub async fn complete_key(&self, company_id: Uuid, key: &str, status: u16, body: &str) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query(
                "UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE company_id = $1 AND key = $2",
            )
            .bind(company_id)
            .bind(key)
            .bind(i64::from(status))
            .bind(body)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Frees a reserved key whose request failed without effect, so it can be retried.
    pub async fn release_key(&self, company_id: Uuid, key: &str) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("DELETE FROM idempotency_keys WHERE company_id = $1 AND key = $2 AND status_code IS NULL")
                .bind(company_id)
                .bind(key)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}
