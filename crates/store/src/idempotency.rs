//! `Idempotency-Key`: the first response to a key is stored and replayed for the
//! same request; the same key with another request is refused.
//!
//! A key belongs to one user in one company ([`KeyOwner`]) and lives [`KEY_LIFETIME`]:
//! older, it is new again, and old rows are swept (a bounded batch) whenever a new key
//! is written. While its request runs, a key is held under a lease by one [`Reservation`]
//! (a random `holder`): the request refreshes the lease, and a lease that lapsed — the
//! process running the request died — is taken over by the next request with the same
//! key and body. Completing or releasing a key checks the holder, so a request whose
//! lease was taken over never overwrites its successor's answer.

use crate::{Result, Stamp, Store, Tx, new_id, now, on_conn, on_pool};
use time::Duration;
use uuid::Uuid;

/// How long a key is remembered: after that the same key is a new request.
pub const KEY_LIFETIME: Duration = Duration::hours(24);

/// How many expired keys one reservation sweeps at most, so a backlog never makes one
/// request slow.
const SWEEP_BATCH: i64 = 100;

/// Whose key it is: keys of different users, even in one company, never meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyOwner {
    pub company_id: Uuid,
    pub user_id: Uuid,
}

/// A key held by one running request; only its holder may complete or release it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    owner: KeyOwner,
    key: String,
    holder: Uuid,
    /// True when the key was held by a request whose lease lapsed.
    pub taken_over: bool,
}

/// What a key lookup found.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyState {
    /// The key is now reserved for this request (new, expired, or its lease lapsed).
    Reserved(Reservation),
    /// A finished request with the same key and body: replay its response.
    Replay { status: u16, body: String },
    /// The same key is being processed by another request whose lease is alive.
    InFlight,
    /// The key was used for a different request.
    Mismatch,
}

/// Runs one write statement: on PostgreSQL on its own (one round trip, one commit), on
/// SQLite in a transaction that waits its turn in the writer queue.
macro_rules! write_one {
    ($store:expr, |$c:ident| $body:expr) => {
        match $store {
            Store::Postgres(_) => on_pool!($store, |$c| $body),
            Store::Sqlite(..) => {
                let mut tx = $store.begin().await?;
                let n = on_conn!(&mut tx, |$c| $body);
                tx.commit().await?;
                n
            }
        }
    };
}

/// A stored key as [`Store::reserve_key`] reads it.
type KeyRow = (String, Uuid, Option<Stamp>, Option<i64>, Option<String>, Stamp);

impl Store {
    /// Reserves a key for a request under a lease of `lease`, or says how to answer it.
    pub async fn reserve_key(
        &self,
        owner: KeyOwner,
        key: &str,
        request_hash: &str,
        lease: Duration,
    ) -> Result<KeyState> {
        let at = now();
        let holder = new_id();
        let reservation = |taken_over| Reservation { owner, key: key.to_string(), holder, taken_over };
        // A new key, the common case, is one statement on PostgreSQL, expired keys swept
        // by the same statement; rows another sweep is deleting are skipped, not waited for.
        if let Store::Postgres(p) = self {
            let inserted = sqlx::query(
                "WITH swept AS (DELETE FROM idempotency_keys WHERE company_id = $1 AND (user_id, key) IN \
                 (SELECT user_id, key FROM idempotency_keys WHERE company_id = $1 AND created_at < $8 \
                  LIMIT $9 FOR UPDATE SKIP LOCKED)) \
                 INSERT INTO idempotency_keys (company_id, user_id, key, request_hash, holder, lease_until, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (company_id, user_id, key) DO NOTHING",
            )
            .bind(owner.company_id)
            .bind(owner.user_id)
            .bind(key)
            .bind(request_hash)
            .bind(holder)
            .bind(at + lease)
            .bind(at)
            .bind(at - KEY_LIFETIME)
            .bind(SWEEP_BATCH)
            .execute(p)
            .await?
            .rows_affected();
            if inserted == 1 {
                return Ok(KeyState::Reserved(reservation(false)));
            }
        }
        let mut tx = self.begin().await?;
        // Each pass either decides or saw the row change under it (another request
        // completed, released or took it over in between, on PostgreSQL): look again.
        for _ in 0..4 {
            if insert_key(&mut tx, owner, key, request_hash, holder, at, lease).await? {
                sweep_expired(&mut tx, owner.company_id, at - KEY_LIFETIME).await?;
                tx.commit().await?;
                return Ok(KeyState::Reserved(reservation(false)));
            }
            let Some((hash, old_holder, lease_until, status, body, created_at)) = read_key(&mut tx, owner, key).await?
            else {
                continue;
            };
            let state = if created_at <= at - KEY_LIFETIME {
                // Expired: the key starts over, whatever it was used for.
                if !restart_key(&mut tx, owner, key, old_holder, request_hash, holder, at, lease).await? {
                    continue;
                }
                KeyState::Reserved(reservation(false))
            } else if hash != request_hash {
                KeyState::Mismatch
            } else if let (Some(status), Some(body)) = (status, body) {
                KeyState::Replay { status: u16::try_from(status).unwrap_or(500), body }
            } else if lease_until.is_some_and(|until| until > at) {
                KeyState::InFlight
            } else {
                if !take_over(&mut tx, owner, key, old_holder, holder, at + lease).await? {
                    continue;
                }
                KeyState::Reserved(reservation(true))
            };
            tx.commit().await?;
            return Ok(state);
        }
        Ok(KeyState::InFlight)
    }

    /// Extends the lease of a running request; false when it was lost (taken over).
    pub async fn extend_lease(&self, r: &Reservation, lease: Duration) -> Result<bool> {
        let n = write_one!(self, |c| {
            sqlx::query(
                "UPDATE idempotency_keys SET lease_until = $5 \
                 WHERE company_id = $1 AND user_id = $2 AND key = $3 AND holder = $4 AND status_code IS NULL",
            )
            .bind(r.owner.company_id)
            .bind(r.owner.user_id)
            .bind(&r.key)
            .bind(r.holder)
            .bind(now() + lease)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Stores the response of a reserved key; false when the lease was lost meanwhile.
    pub async fn complete_key(&self, r: &Reservation, status: u16, body: &str) -> Result<bool> {
        let n = write_one!(self, |c| {
            sqlx::query(
                "UPDATE idempotency_keys SET status_code = $5, response = $6, lease_until = NULL \
                 WHERE company_id = $1 AND user_id = $2 AND key = $3 AND holder = $4 AND status_code IS NULL",
            )
            .bind(r.owner.company_id)
            .bind(r.owner.user_id)
            .bind(&r.key)
            .bind(r.holder)
            .bind(i64::from(status))
            .bind(body)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Frees a reserved key whose request failed without effect, so it can be retried.
    pub async fn release_key(&self, r: &Reservation) -> Result<()> {
        write_one!(self, |c| {
            sqlx::query(
                "DELETE FROM idempotency_keys \
                 WHERE company_id = $1 AND user_id = $2 AND key = $3 AND holder = $4 AND status_code IS NULL",
            )
            .bind(r.owner.company_id)
            .bind(r.owner.user_id)
            .bind(&r.key)
            .bind(r.holder)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}

/// Inserts a new key held by `holder`; false when the key exists.
async fn insert_key(
    tx: &mut Tx,
    owner: KeyOwner,
    key: &str,
    request_hash: &str,
    holder: Uuid,
    at: Stamp,
    lease: Duration,
) -> Result<bool> {
    Ok(on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO idempotency_keys (company_id, user_id, key, request_hash, holder, lease_until, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (company_id, user_id, key) DO NOTHING",
        )
        .bind(owner.company_id)
        .bind(owner.user_id)
        .bind(key)
        .bind(request_hash)
        .bind(holder)
        .bind(at + lease)
        .bind(at)
        .execute(c)
        .await?
        .rows_affected()
    }) == 1)
}

async fn read_key(tx: &mut Tx, owner: KeyOwner, key: &str) -> Result<Option<KeyRow>> {
    Ok(on_conn!(tx, |c| {
        sqlx::query_as(
            "SELECT request_hash, holder, lease_until, status_code, response, created_at FROM idempotency_keys \
             WHERE company_id = $1 AND user_id = $2 AND key = $3",
        )
        .bind(owner.company_id)
        .bind(owner.user_id)
        .bind(key)
        .fetch_optional(c)
        .await?
    }))
}

/// Replaces an expired key by a new request, if `old_holder` still has it.
#[allow(clippy::too_many_arguments)]
async fn restart_key(
    tx: &mut Tx,
    owner: KeyOwner,
    key: &str,
    old_holder: Uuid,
    request_hash: &str,
    holder: Uuid,
    at: Stamp,
    lease: Duration,
) -> Result<bool> {
    Ok(on_conn!(tx, |c| {
        sqlx::query(
            "UPDATE idempotency_keys SET request_hash = $5, holder = $6, lease_until = $7, created_at = $8, \
             status_code = NULL, response = NULL \
             WHERE company_id = $1 AND user_id = $2 AND key = $3 AND holder = $4",
        )
        .bind(owner.company_id)
        .bind(owner.user_id)
        .bind(key)
        .bind(old_holder)
        .bind(request_hash)
        .bind(holder)
        .bind(at + lease)
        .bind(at)
        .execute(c)
        .await?
        .rows_affected()
    }) == 1)
}

/// Moves an unanswered key whose lease lapsed to `holder`, if `old_holder` still has it.
async fn take_over(
    tx: &mut Tx,
    owner: KeyOwner,
    key: &str,
    old_holder: Uuid,
    holder: Uuid,
    lease_until: Stamp,
) -> Result<bool> {
    Ok(on_conn!(tx, |c| {
        sqlx::query(
            "UPDATE idempotency_keys SET holder = $5, lease_until = $6 \
             WHERE company_id = $1 AND user_id = $2 AND key = $3 AND holder = $4 AND status_code IS NULL",
        )
        .bind(owner.company_id)
        .bind(owner.user_id)
        .bind(key)
        .bind(old_holder)
        .bind(holder)
        .bind(lease_until)
        .execute(c)
        .await?
        .rows_affected()
    }) == 1)
}

/// Deletes up to [`SWEEP_BATCH`] of the company's keys created before `before`.
async fn sweep_expired(tx: &mut Tx, company_id: Uuid, before: Stamp) -> Result<()> {
    match tx {
        Tx::Sqlite(..) => on_conn!(tx, |c| {
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE company_id = $1 AND (user_id, key) IN \
                 (SELECT user_id, key FROM idempotency_keys WHERE company_id = $1 AND created_at < $2 LIMIT $3)",
            )
            .bind(company_id)
            .bind(before)
            .bind(SWEEP_BATCH)
            .execute(c)
            .await?;
        }),
        // Rows another sweep is deleting are skipped, not waited for: two sweeps never
        // wait on each other's rows (nor deadlock).
        Tx::Postgres(..) => on_conn!(tx, |c| {
            sqlx::query(
                "DELETE FROM idempotency_keys WHERE company_id = $1 AND (user_id, key) IN \
                 (SELECT user_id, key FROM idempotency_keys WHERE company_id = $1 AND created_at < $2 \
                  LIMIT $3 FOR UPDATE SKIP LOCKED)",
            )
            .bind(company_id)
            .bind(before)
            .bind(SWEEP_BATCH)
            .execute(c)
            .await?;
        }),
    }
    Ok(())
}
