//! The job queue (`0022_jobs`). Background work is a row: written in the transaction that
//! asks for it ([`enqueue_in`]), claimed by one runner at a time under a lease
//! ([`Store::claim_jobs`]: PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite one `UPDATE …
//! RETURNING` under `BEGIN IMMEDIATE`), then done, retried with backoff or given up
//! ([`Store::complete_job`], [`Store::job_failed`], [`Store::job_later`]). A runner that
//! dies leaves its jobs `running` until their lease ends; then they are claimed again (and
//! [`Store::release_expired_leases`] shows them pending meanwhile).
//!
//! The store knows the kinds whose jobs it writes itself: [`EMAIL_SEND`] (one per outbox
//! message, enqueued with it) and [`DOCUMENT_RENDER`] (one per issued document waiting for
//! its files, written by a trigger on `document_files_pending`). The server owns the
//! handlers and the other kinds. Claiming, releasing and housekeeping are the queries
//! across companies; the administration page reads one company's jobs.

use crate::{Result, Stamp, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::message::Message;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Sends one outbox message (`{"email_id": …}`); enqueued with the message.
pub const EMAIL_SEND: &str = "email.send";
/// Renders and stores an issued document's files (`{"document_id": …}`); enqueued by the
/// trigger that puts the document on the pending list of `store::files`.
pub const DOCUMENT_RENDER: &str = "document.render";

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting until it is due (first run or next retry).
    Pending,
    /// Claimed by a runner, whose lease has not ended.
    Running,
    /// Finished.
    Done,
    /// Given up on: a permanent error, or too many attempts. Retried only by hand.
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<JobState> {
        Ok(match s {
            "pending" => JobState::Pending,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => return Err(StoreError::Corrupt(format!("job state {other:?}"))),
        })
    }
}

/// How failed attempts are retried: `base × 2^(attempts − 1)`, at most `max_delay`, and
/// given up after `max_attempts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    pub base: Duration,
    pub max_delay: Duration,
    pub max_attempts: u32,
}

impl Default for Retry {
    /// 1 min, 2, 4… capped at 6 h; 20 attempts span almost three days, long enough to
    /// outlast a weekend outage of the mail server.
    fn default() -> Retry {
        Retry { base: Duration::from_secs(60), max_delay: Duration::from_secs(6 * 3600), max_attempts: 20 }
    }
}

impl Retry {
    /// The wait after the `attempts`-th failed attempt.
    pub fn delay(&self, attempts: u32) -> Duration {
        let factor = 1u32.checked_shl(attempts.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base.checked_mul(factor).unwrap_or(self.max_delay).min(self.max_delay)
    }
}

/// A job to put in the queue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    /// `None` for a system job (housekeeping).
    pub company_id: Option<Uuid>,
    pub payload: serde_json::Value,
    /// When it may run first.
    pub due: Stamp,
    /// At most one job ever holds this key (`housekeeping.purge:2026-12-06`): enqueueing
    /// it again does nothing.
    pub dedup_key: Option<String>,
}

impl NewJob {
    /// A job of `kind`, due now, without a key.
    pub fn now(kind: &str, company_id: Option<Uuid>, payload: serde_json::Value) -> NewJob {
        NewJob { kind: kind.to_string(), company_id, payload, due: now(), dedup_key: None }
    }

    /// The same job, unique under `key`.
    pub fn deduplicated(self, key: String) -> NewJob {
        NewJob { dedup_key: Some(key), ..self }
    }
}

/// A job as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub company_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub dedup_key: Option<String>,
    pub state: JobState,
    /// When it is (or was) due.
    pub due_at: OffsetDateTime,
    /// Runs started so far.
    pub attempts: u32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub created_at: Stamp,
    pub finished_at: Option<Stamp>,
}

impl Job {
    /// A UUID the payload names under `field` (`email_id`, `document_id`).
    pub fn payload_id(&self, field: &str) -> Result<Uuid> {
        self.payload
            .get(field)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| StoreError::Corrupt(format!("job {}: its payload names no {field}", self.id)))
    }
}

/// Which jobs a list shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct JobQuery {
    /// One company's jobs only (the administration page); `None`: all (the CLI).
    pub company_id: Option<Uuid>,
    /// Failed jobs only.
    pub failed_only: bool,
    /// At most this many, newest first.
    pub limit: u32,
}

/// How many jobs of a company are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub pending: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

/// What the daily housekeeping removes: everything past its lifetime.
#[derive(Clone, Copy, Debug)]
pub struct Purge {
    pub now: Stamp,
    /// Sessions unused since then end (the web's idle limit).
    pub sessions_idle_since: Stamp,
    /// Password links that expired before then.
    pub password_links_before: Stamp,
    /// Counted sign-in failures and reset requests older than that (their windows are
    /// shorter).
    pub attempts_before: Stamp,
    /// Idempotency keys made before then (their 24 h are over).
    pub idempotency_before: Stamp,
    /// Jobs done before then.
    pub jobs_done_before: Stamp,
    /// Import files sent before then and never imported (the web keeps them a day).
    pub import_uploads_before: Stamp,
}

/// What the housekeeping removed, table by table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub password_links: u64,
    pub login_failures: u64,
    pub reset_requests: u64,
    pub idempotency_keys: u64,
    pub jobs: u64,
    pub import_uploads: u64,
}

/// The job instants compared by the runner are Unix milliseconds, as the outbox's.
fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn millis_after(at: Stamp, d: Duration) -> i64 {
    at.millis().saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

const COLS: &str = "id, kind, company_id, payload, dedup_key, state, due_at, attempts, lease_owner, lease_until, \
                    last_error, created_at, finished_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    company_id: Option<Uuid>,
    payload: String,
    dedup_key: Option<String>,
    state: String,
    due_at: i64,
    attempts: i64,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
    last_error: Option<String>,
    created_at: Stamp,
    finished_at: Option<Stamp>,
}

impl TryFrom<Row> for Job {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Job> {
        let payload =
            serde_json::from_str(&r.payload).map_err(|e| StoreError::Corrupt(format!("job {}: payload: {e}", r.id)))?;
        Ok(Job {
            payload,
            state: JobState::parse(&r.state)?,
            due_at: from_millis(r.due_at),
            attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
            lease_until: r.lease_until.map(from_millis),
            id: r.id,
            kind: r.kind,
            company_id: r.company_id,
            dedup_key: r.dedup_key,
            lease_owner: r.lease_owner,
            last_error: r.last_error,
            created_at: r.created_at,
            finished_at: r.finished_at,
        })
    }
}

/// `$first, $first+1, …` for `n` values bound in a list.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Puts a job in the queue inside the caller's transaction. Returns its id, or `None`
/// when a job with the same key exists already (then nothing is written).
pub async fn enqueue_in(tx: &mut Tx, job: &NewJob) -> Result<Option<Uuid>> {
    let id = new_id();
    let payload = job.payload.to_string();
    let n = on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO jobs (id, kind, company_id, payload, dedup_key, state, due_at, attempts, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, 0, $7) ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(id)
        .bind(&job.kind)
        .bind(job.company_id)
        .bind(&payload)
        .bind(job.dedup_key.as_deref())
        .bind(job.due.millis())
        .bind(now())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok((n == 1).then_some(id))
}

impl Store {
    /// Puts a job in the queue (see [`enqueue_in`]).
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<Option<Uuid>> {
        let mut tx = self.begin().await?;
        let id = enqueue_in(&mut tx, job).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One job; of `company_id` only when given.
    pub async fn job(&self, company_id: Option<Uuid>, id: Uuid) -> Result<Job> {
        let sql = format!("SELECT {COLS} FROM jobs WHERE id = $1 AND ($2 IS NULL OR company_id = $2)");
        let row: Option<Row> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).bind(company_id).fetch_optional(c).await?
        });
        row.ok_or(StoreError::NotFound("job"))?.try_into()
    }

    /// Jobs newest first, as `q` says.
    pub async fn jobs(&self, q: &JobQuery) -> Result<Vec<Job>> {
        let mut filters = Vec::new();
        if q.company_id.is_some() {
            filters.push("company_id = $2");
        }
        if q.failed_only {
            filters.push("state = 'failed'");
        }
        let filter = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };
        let sql = format!("SELECT {COLS} FROM jobs {filter} ORDER BY created_at DESC, id DESC LIMIT $1");
        let rows: Vec<Row> = on_pool!(self, |c| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(i64::from(q.limit));
            let query = match q.company_id {
                Some(company) => query.bind(company),
                None => query,
            };
            query.fetch_all(c).await?
        });
        rows.into_iter().map(Job::try_from).collect()
    }

    /// How many of a company's jobs are in each state.
    pub async fn job_counts(&self, company_id: Uuid) -> Result<JobCounts> {
        let rows: Vec<(String, i64)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs WHERE company_id = $1 GROUP BY state")
                .bind(company_id)
                .fetch_all(c)
                .await?
        });
        let mut counts = JobCounts::default();
        for (state, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match JobState::parse(&state)? {
                JobState::Pending => counts.pending = n,
                JobState::Running => counts.running = n,
                JobState::Done => counts.done = n,
                JobState::Failed => counts.failed = n,
            }
        }
        Ok(counts)
    }

    /// Claims up to `limit` jobs of `kinds` for `owner` until `lease` from now: pending ones
    /// that are due, and running ones whose lease ran out (their runner died). Each claim
    /// counts as an attempt. Two runners never claim the same job: PostgreSQL skips the
    /// rows another claim has locked; on SQLite the claim is one statement under the
    /// write lock.
    pub async fn claim_jobs(&self, kinds: &[&str], owner: &str, limit: u32, lease: Duration) -> Result<Vec<Job>> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let at = now();
        // `$1` is now; the kinds follow the other fixed parameters.
        let due = |first_kind: usize| {
            format!(
                "((state = 'pending' AND due_at <= $1) OR (state = 'running' AND lease_until <= $1)) \
                 AND kind IN ({})",
                placeholders(first_kind, kinds.len())
            )
        };
        // A read first: the queue is idle most of the time, and a write transaction every
        // poll would take SQLite's writer turn for nothing.
        let probe = format!("SELECT id FROM jobs WHERE {} LIMIT 1", due(2));
        let found: Option<(Uuid,)> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(probe.as_str())).bind(at.millis());
            for k in kinds {
                q = q.bind(*k);
            }
            q.fetch_optional(c).await?
        });
        if found.is_none() {
            return Ok(Vec::new());
        }
        let claim = "SET state = 'running', attempts = attempts + 1, lease_owner = $2, lease_until = $4";
        let sql = match self.backend() {
            crate::Backend::Postgres => format!(
                "WITH claimed AS (SELECT id FROM jobs WHERE {} ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 UPDATE jobs {claim} FROM claimed WHERE jobs.id = claimed.id RETURNING {}",
                due(5),
                COLS.split(", ").map(|c| format!("jobs.{c}")).collect::<Vec<_>>().join(", ")
            ),
            crate::Backend::Sqlite => format!(
                "UPDATE jobs {claim} WHERE id IN (SELECT id FROM jobs WHERE {} ORDER BY due_at, id LIMIT $3) \
                 RETURNING {COLS}",
                due(5)
            ),
        };
        let until = millis_after(at, lease);
        let mut tx = self.begin().await?;
        let rows: Vec<Row> = on_conn!(&mut tx, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(at.millis())
                .bind(owner)
                .bind(i64::from(limit))
                .bind(until);
            for k in kinds {
                q = q.bind(*k);
            }
            q.fetch_all(c).await?
        });
        tx.commit().await?;
        let mut jobs = rows.into_iter().map(Job::try_from).collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.due_at, j.id));
        Ok(jobs)
    }

    /// Records that `owner` finished a job it holds; false when it no longer held it (its
    /// lease ran out and another runner took the job).
    pub async fn complete_job(&self, id: Uuid, owner: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, finished_at = $3 \
                 WHERE id = $1 AND state = 'running' AND lease_owner = $2",
            )
            .bind(id)
            .bind(owner)
            .bind(now())
            .execute(c)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Records a failed run of a job `owner` holds: it waits `retry.delay(attempts)` for
    /// the next one, or fails for good when the error is `permanent` or the attempts are
    /// used up. Returns the new state, `None` when `owner` no longer held the job.
    pub async fn job_failed(
        &self,
        id: Uuid,
        owner: &str,
        error: &str,
        permanent: bool,
        retry: &Retry,
    ) -> Result<Option<JobState>> {
        let mut tx = self.begin().await?;
        let row: Option<(i64,)> = on_conn!(&mut tx, |c| {
            sqlx::query_as("SELECT attempts FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2")
                .bind(id)
                .bind(owner)
                .fetch_optional(c)
                .await?
        });
        let Some((attempts,)) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
        let at = now();
        let state = if permanent || attempts >= retry.max_attempts { JobState::Failed } else { JobState::Pending };
        let finished = (state == JobState::Failed).then_some(at);
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE jobs SET state = $3, last_error = $4, due_at = $5, finished_at = $6, lease_owner = NULL, \
                 lease_until = NULL WHERE id = $1 AND lease_owner = $2",
            )
            .bind(id)
            .bind(owner)
            .bind(state.as_str())
            .bind(error)
            .bind(millis_after(at, retry.delay(attempts)))
            .bind(finished)
            .execute(c)
            .await?;
        });
        tx.commit().await?;
        Ok(Some(state))
    }

    /// Puts a job `owner` holds back in the queue, due at `due`, without counting a
    /// failure (what it waits for is not ready: a message another worker is sending).
    /// `note`, when given, becomes its last error. False when `owner` no longer held it.
    pub async fn job_later(&self, id: Uuid, owner: &str, due: Stamp, note: Option<&str>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE jobs SET state = 'pending', due_at = $3, last_error = COALESCE($4, last_error), \
                 lease_owner = NULL, lease_until = NULL WHERE id = $1 AND state = 'running' AND lease_owner = $2",
            )
            .bind(id)
            .bind(owner)
            .bind(due.millis())
            .bind(note)
            .execute(c)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Puts back in the queue the running jobs whose lease ran out (their runner stopped
    /// before it finished); they are claimed again as they were. Returns how many.
    pub async fn release_expired_leases(&self) -> Result<u64> {
        let at = now().millis();
        let expired: Option<(Uuid,)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT id FROM jobs WHERE state = 'running' AND lease_until <= $1 LIMIT 1")
                .bind(at)
                .fetch_optional(c)
                .await?
        });
        if expired.is_none() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let n = on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_until = NULL, \
                 last_error = 'the runner that held it stopped before it finished' \
                 WHERE state = 'running' AND lease_until <= $1",
            )
            .bind(at)
            .execute(c)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(n)
    }

    /// Runs a failed or pending job again now, from its first attempt; of `company_id`
    /// only when given. A failed e-mail's message is put back in the outbox with it. A
    /// job that is running or done is refused.
    pub async fn retry_job(&self, company_id: Option<Uuid>, id: Uuid) -> Result<Job> {
        let job = self.job(company_id, id).await?;
        if !matches!(job.state, JobState::Failed | JobState::Pending) {
            return Err(StoreError::Conflict(
                Message::new("job_not_retryable").with("id", id).with("state", job.state.as_str()),
            ));
        }
        let at = now();
        let mut tx = self.begin().await?;
        let n = on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE jobs SET state = 'pending', due_at = $2, attempts = 0, finished_at = NULL \
                 WHERE id = $1 AND state IN ('failed', 'pending')",
            )
            .bind(id)
            .bind(at.millis())
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            tx.commit().await?;
            return Err(StoreError::Conflict(Message::new("job_changed_meanwhile").with("id", id)));
        }
        if job.kind == EMAIL_SEND
            && let (Some(company), Ok(email)) = (job.company_id, job.payload_id("email_id"))
        {
            crate::outbox::resend_in(&mut tx, company, email, at).await?;
        }
        tx.commit().await?;
        self.job(company_id, id).await
    }

    /// Removes what is past its lifetime, in one transaction per table (a busy table
    /// never holds the others back). Across companies: the housekeeping is a system job.
    pub async fn purge_expired(&self, p: &Purge) -> Result<Purged> {
        let idle = p.sessions_idle_since;
        let sessions = self.delete_expired_sessions(p.now, idle).await?;
        let statements: [(&str, i64, Option<Stamp>); 6] = [
            ("DELETE FROM password_resets WHERE expires_at < $1", 0, Some(p.password_links_before)),
            ("DELETE FROM login_failures WHERE at_ms < $1", p.attempts_before.millis(), None),
            ("DELETE FROM reset_requests WHERE at_ms < $1", p.attempts_before.millis(), None),
            ("DELETE FROM idempotency_keys WHERE created_at < $1", 0, Some(p.idempotency_before)),
            ("DELETE FROM jobs WHERE state = 'done' AND finished_at < $1", 0, Some(p.jobs_done_before)),
            ("DELETE FROM import_uploads WHERE created_at < $1", 0, Some(p.import_uploads_before)),
        ];
        let mut counts = [0u64; 6];
        for (n, (sql, ms, stamp)) in counts.iter_mut().zip(statements) {
            let mut tx = self.begin().await?;
            *n = on_conn!(&mut tx, |c| {
                let q = sqlx::query(sql);
                let q = match stamp {
                    Some(s) => q.bind(s),
                    None => q.bind(ms),
                };
                q.execute(c).await?.rows_affected()
            });
            tx.commit().await?;
        }
        let [password_links, login_failures, reset_requests, idempotency_keys, jobs, import_uploads] = counts;
        Ok(Purged { sessions, password_links, login_failures, reset_requests, idempotency_keys, jobs, import_uploads })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let r = Retry::default();
        let mins: Vec<u64> = (1..=10).map(|a| r.delay(a).as_secs() / 60).collect();
        assert_eq!(mins, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360]);
        assert_eq!(r.delay(200), Duration::from_secs(6 * 3600), "no overflow on a huge count");
        let fast = Retry { base: Duration::from_millis(100), max_delay: Duration::from_secs(1), max_attempts: 3 };
        assert_eq!(fast.delay(1), Duration::from_millis(100));
        assert_eq!(fast.delay(5), Duration::from_secs(1));
    }

    #[test]
    fn list_placeholders_follow_the_fixed_ones() {
        assert_eq!(placeholders(4, 3), "$4, $5, $6");
        assert_eq!(placeholders(2, 1), "$2");
    }
}
