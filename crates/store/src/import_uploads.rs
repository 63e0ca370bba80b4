//! Files kept between the web import page's steps (migration 0028): the user sends a file
//! once, then checks it, changes the column mapping and imports it by naming the upload.
//! Every read is scoped to the company; the housekeeping removes uploads older than a day.
//! A large file is imported in the background (migration 0032): the upload then records
//! how far its run got, for the page that follows it.

use crate::jobs::{NewJob, enqueue_in};
use crate::{Result, Stamp, Store, StoreError, new_id, now, on_conn, on_pool};
use uuid::Uuid;

/// The job that imports a kept upload in the background.
pub const IMPORT_RUN: &str = "import.run";

/// Where a background import stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Waiting for the job runner.
    Queued,
    /// Reading the file and checking its rows (`rows_checked` of `rows_total`).
    Checking,
    /// Writing every row in one transaction.
    Writing,
    /// Written: `created` and `updated` say how.
    Done,
    /// Nothing written: a row was refused, or the run could not finish (`error`).
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Checking => "checking",
            RunState::Writing => "writing",
            RunState::Done => "done",
            RunState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<RunState> {
        Ok(match s {
            "queued" => RunState::Queued,
            "checking" => RunState::Checking,
            "writing" => RunState::Writing,
            "done" => RunState::Done,
            "failed" => RunState::Failed,
            other => return Err(StoreError::Corrupt(format!("import run state {other:?}"))),
        })
    }

    /// Whether the run is still under way (the page looks again).
    pub fn is_running(self) -> bool {
        matches!(self, RunState::Queued | RunState::Checking | RunState::Writing)
    }
}

/// A background import of an upload, as far as it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRun {
    pub state: RunState,
    /// The column mapping it runs with (`Header:field;…`).
    pub mapping: Option<String>,
    pub rows_total: u64,
    pub rows_checked: u64,
    pub created: u64,
    pub updated: u64,
    /// Why a failed run stopped, when it was not a refused row (in the words of the user
    /// who started it).
    pub error: Option<String>,
}

/// What a file holds, as the import page was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadTarget {
    Customers,
    Products,
}

impl UploadTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadTarget::Customers => "customers",
            UploadTarget::Products => "products",
        }
    }

    fn parse(s: &str) -> Result<UploadTarget> {
        match s {
            "customers" => Ok(UploadTarget::Customers),
            "products" => Ok(UploadTarget::Products),
            other => Err(StoreError::Corrupt(format!("import upload target {other:?}"))),
        }
    }
}

/// An uploaded file waiting for its import.
#[derive(Clone, Debug)]
pub struct ImportUpload {
    pub id: Uuid,
    pub target: UploadTarget,
    pub name: String,
    /// `csv` or `xlsx`.
    pub file_kind: String,
    pub bytes: Vec<u8>,
    /// Its background import, once one was started.
    pub run: Option<ImportRun>,
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    id: Uuid,
    target: String,
    name: String,
    file_kind: String,
    bytes: Vec<u8>,
    run_state: Option<String>,
    run_mapping: Option<String>,
    rows_total: i64,
    rows_checked: i64,
    rows_created: i64,
    rows_updated: i64,
    run_error: Option<String>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn stored(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Keeps a file for the company's next import steps; its id names it.
    pub async fn save_import_upload(
        &self,
        company_id: Uuid,
        target: UploadTarget,
        name: &str,
        file_kind: &str,
        bytes: &[u8],
    ) -> Result<Uuid> {
        let id = new_id();
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO import_uploads (id, company_id, target, name, file_kind, bytes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(company_id)
            .bind(target.as_str())
            .bind(name)
            .bind(file_kind)
            .bind(bytes)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok(id)
    }

    /// The company's upload `id` (`NotFound("import_upload")` for another company's, or
    /// one the housekeeping has removed).
    pub async fn import_upload(&self, company_id: Uuid, id: Uuid) -> Result<ImportUpload> {
        let row: Option<UploadRow> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, target, name, file_kind, bytes, run_state, run_mapping, rows_total, rows_checked, \
                 rows_created, rows_updated, run_error FROM import_uploads WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let r = row.ok_or(StoreError::NotFound("import_upload"))?;
        let run = match r.run_state.as_deref() {
            None => None,
            Some(state) => Some(ImportRun {
                state: RunState::parse(state)?,
                mapping: r.run_mapping,
                rows_total: count(r.rows_total),
                rows_checked: count(r.rows_checked),
                created: count(r.rows_created),
                updated: count(r.rows_updated),
                error: r.run_error,
            }),
        };
        Ok(ImportUpload {
            id: r.id,
            target: UploadTarget::parse(&r.target)?,
            name: r.name,
            file_kind: r.file_kind,
            bytes: r.bytes,
            run,
        })
    }

    /// Starts the background import of an upload with `mapping`: the upload is marked
    /// queued and its job enqueued in one transaction. `false` (nothing done) when a run of
    /// it is already under way or done, so a second click starts nothing.
    pub async fn queue_import_run(&self, company_id: Uuid, id: Uuid, mapping: &str, job: &NewJob) -> Result<bool> {
        let mut tx = self.begin().await?;
        let changed = on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE import_uploads SET run_state = 'queued', run_mapping = $3, rows_total = 0, rows_checked = 0, \
                 rows_created = 0, rows_updated = 0, run_error = NULL \
                 WHERE company_id = $1 AND id = $2 AND (run_state IS NULL OR run_state = 'failed')",
            )
            .bind(company_id)
            .bind(id)
            .bind(mapping)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            // Unknown to this company, or already started.
            self.import_upload(company_id, id).await?;
            return Ok(false);
        }
        enqueue_in(&mut tx, job).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records how far a background import got (outside its write transaction, so the page
    /// sees it at once).
    pub async fn import_run_progress(
        &self,
        company_id: Uuid,
        id: Uuid,
        state: RunState,
        rows_total: u64,
        rows_checked: u64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE import_uploads SET run_state = $3, rows_total = $4, rows_checked = $5 \
                 WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(state.as_str())
            .bind(stored(rows_total))
            .bind(stored(rows_checked))
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// Records the end of a background import. A run that wrote its rows drops the file:
    /// only the counts stay, for the page.
    pub async fn finish_import_run(&self, company_id: Uuid, id: Uuid, end: &ImportRun) -> Result<()> {
        let drop_file = end.state == RunState::Done;
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE import_uploads SET run_state = $3, rows_total = $4, rows_checked = $5, rows_created = $6, \
                 rows_updated = $7, run_error = $8, bytes = CASE WHEN $9 THEN $10 ELSE bytes END \
                 WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(end.state.as_str())
            .bind(stored(end.rows_total))
            .bind(stored(end.rows_checked))
            .bind(stored(end.created))
            .bind(stored(end.updated))
            .bind(end.error.as_deref())
            .bind(drop_file)
            .bind(Vec::<u8>::new())
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// Forgets an upload once imported.
    pub async fn delete_import_upload(&self, company_id: Uuid, id: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query("DELETE FROM import_uploads WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(())
    }
}
