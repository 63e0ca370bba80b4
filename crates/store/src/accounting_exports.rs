//! Export runs (`0040_accounting_exports`): the files handed to the accountant, kept byte
//! for byte, and the marks that fix each exported movement's entry number in its journal.
//!
//! A run is recorded in one transaction: the run with its bytes, then one mark per
//! movement it exported first. Two runs built at once from the same marks both want the
//! company's next `seq`; the unique key lets the first through and the second is told to
//! build again ([`Store::record_export`] answers `None`), so no movement is ever exported
//! first twice. The marks' own keys (one per movement, one per journal and number) hold
//! the same line whatever writes them.

use crate::sql::{Arg, Sql};
use crate::stamp::Stamp;
use crate::{Result, Store, StoreError, bind_args, new_id, now, on_conn, on_pool};
use std::collections::{BTreeMap, HashMap};
use time::Date;
use uuid::Uuid;

/// What a movement is, for its mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MovementKind {
    /// An issued invoice, deposit invoice or credit note.
    Sale,
    /// A receipt or a refund.
    Payment,
    /// A payment's cancellation (a SEPA reject, a correction): its entry reversed.
    Reversal,
}

impl MovementKind {
    /// The name stored in `accounting_export_marks.movement`.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Sale => "sale",
            MovementKind::Payment => "payment",
            MovementKind::Reversal => "reversal",
        }
    }
}

/// A movement's fixed place: its journal and its number there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub journal: String,
    pub number: u64,
}

/// A movement exported first by a run being recorded.
#[derive(Clone, Debug)]
pub struct NewMark {
    pub movement: MovementKind,
    pub movement_id: Uuid,
    pub journal: String,
    pub number: u64,
}

/// A run to record.
#[derive(Clone, Debug)]
pub struct NewExport {
    /// The company's run number this run was built after (`last_export_seq`): recording
    /// fails over to `None` when another run was recorded since.
    pub after_seq: i64,
    pub format: String,
    pub from: Date,
    pub to: Date,
    /// The journal codes asked for; empty: every journal.
    pub journals: Vec<String>,
    /// Whether the file holds movements exported before.
    pub reexport: bool,
    pub entries: u64,
    pub new_entries: u64,
    pub lines: u64,
    pub file_name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub created_by: Option<Uuid>,
}

/// A recorded run (without its bytes).
#[derive(Clone, Debug)]
pub struct ExportRecord {
    pub id: Uuid,
    pub seq: i64,
    pub format: String,
    pub from: Date,
    pub to: Date,
    pub journals: Vec<String>,
    pub reexport: bool,
    pub entries: i64,
    pub new_entries: i64,
    pub lines: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub created_by: Option<Uuid>,
    pub created_at: Stamp,
}

/// A run's file.
#[derive(Clone, Debug)]
pub struct ExportFile {
    pub file_name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

type ExportRow = (
    Uuid,
    i64,
    String,
    Date,
    Date,
    Option<String>,
    bool,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    String,
    Option<Uuid>,
    Stamp,
);

const COLS: &str = "id, seq, format, period_from, period_to, journals, reexport, entries, new_entries, lines, \
                    file_name, media_type, CAST(LENGTH(bytes) AS BIGINT), sha256, created_by, created_at";

fn record_of(r: ExportRow) -> ExportRecord {
    ExportRecord {
        id: r.0,
        seq: r.1,
        format: r.2,
        from: r.3,
        to: r.4,
        journals: r.5.map(|j| j.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()).unwrap_or_default(),
        reexport: r.6,
        entries: r.7,
        new_entries: r.8,
        lines: r.9,
        file_name: r.10,
        media_type: r.11,
        size: r.12,
        sha256: r.13,
        created_by: r.14,
        created_at: r.15,
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Marks written per statement.
const MARKS_PER_INSERT: usize = 200;

impl Store {
    /// The company's last run number (0 before its first run).
    pub async fn last_export_seq(&self, company_id: Uuid) -> Result<i64> {
        let row: (Option<i64>,) =
            on_pool!(self, |c| sqlx::query_as("SELECT MAX(seq) FROM accounting_exports WHERE company_id = $1")
                .bind(company_id)
                .fetch_one(c)
                .await?);
        Ok(row.0.unwrap_or(0))
    }

    /// The last entry number given in each journal.
    pub async fn export_last_numbers(&self, company_id: Uuid) -> Result<BTreeMap<String, u64>> {
        let rows: Vec<(String, i64)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT journal, MAX(number) FROM accounting_export_marks WHERE company_id = $1 GROUP BY journal"
        )
        .bind(company_id)
        .fetch_all(c)
        .await?);
        Ok(rows.into_iter().map(|(j, n)| (j, u64::try_from(n).unwrap_or(0))).collect())
    }

    /// The marks of those of `ids` exported already.
    pub async fn export_marks(
        &self,
        company_id: Uuid,
        movement: MovementKind,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Mark>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut q = Sql::new("SELECT movement_id, journal, number FROM accounting_export_marks WHERE company_id = ");
        q.bind(Arg::Uuid(company_id)).push(" AND movement = ").bind(Arg::Text(movement.as_str().into()));
        q.push(" AND movement_id IN ").bind_ids(ids.iter().copied());
        let rows: Vec<(Uuid, String, i64)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        Ok(rows
            .into_iter()
            .map(|(id, journal, n)| (id, Mark { journal, number: u64::try_from(n).unwrap_or(0) }))
            .collect())
    }

    /// Records a run and marks what it exported first, in one transaction. `None` when
    /// another run was recorded since `new.after_seq` (or marked one of these movements):
    /// nothing is written, and the caller builds its file again from the new marks.
    pub async fn record_export(
        &self,
        company_id: Uuid,
        new: &NewExport,
        marks: &[NewMark],
    ) -> Result<Option<ExportRecord>> {
        let id = new_id();
        let at = now();
        let seq = new.after_seq + 1;
        let journals = (!new.journals.is_empty()).then(|| new.journals.join(","));
        let sha = crate::files::sha256_hex(&new.bytes);
        let mut tx = self.begin().await?;
        let inserted: std::result::Result<_, sqlx::Error> = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO accounting_exports (id, company_id, seq, format, period_from, period_to, journals, reexport, \
                 entries, new_entries, lines, file_name, media_type, bytes, sha256, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(id)
            .bind(company_id)
            .bind(seq)
            .bind(&new.format)
            .bind(new.from)
            .bind(new.to)
            .bind(&journals)
            .bind(new.reexport)
            .bind(count(new.entries))
            .bind(count(new.new_entries))
            .bind(count(new.lines))
            .bind(&new.file_name)
            .bind(&new.media_type)
            .bind(&new.bytes)
            .bind(&sha)
            .bind(new.created_by)
            .bind(at)
            .execute(&mut *c)
            .await
            .map(drop)
        });
        match inserted.map_err(StoreError::from) {
            Err(e) if e.is_unique_violation() => return Ok(None),
            other => other?,
        }
        for chunk in marks.chunks(MARKS_PER_INSERT) {
            let mut q = Sql::new(
                "INSERT INTO accounting_export_marks (company_id, movement, movement_id, export_id, journal, number) VALUES ",
            );
            for (i, m) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind(Arg::Uuid(company_id)).push(", ");
                q.bind(Arg::Text(m.movement.as_str().into())).push(", ");
                q.bind(Arg::Uuid(m.movement_id)).push(", ");
                q.bind(Arg::Uuid(id)).push(", ");
                q.bind(Arg::Text(m.journal.clone())).push(", ");
                q.bind(Arg::I64(count(m.number))).push(")");
            }
            let written: std::result::Result<_, sqlx::Error> =
                on_conn!(&mut tx, |c| bind_args!(sqlx::query(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                    .execute(&mut *c)
                    .await
                    .map(drop));
            match written.map_err(StoreError::from) {
                Err(e) if e.is_unique_violation() => return Ok(None),
                other => other?,
            }
        }
        tx.commit().await?;
        self.accounting_export(company_id, id).await.map(Some)
    }

    /// A run (404 `export` for another company's or an unknown id).
    pub async fn accounting_export(&self, company_id: Uuid, id: Uuid) -> Result<ExportRecord> {
        let sql = format!("SELECT {COLS} FROM accounting_exports WHERE company_id = $1 AND id = $2");
        let row: Option<ExportRow> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(id)
            .fetch_optional(c)
            .await?);
        row.map(record_of).ok_or(StoreError::NotFound("export"))
    }

    /// The company's runs, newest first, after the run `after` (a page of `limit`).
    pub async fn accounting_exports(
        &self,
        company_id: Uuid,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<ExportRecord>> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM accounting_exports WHERE company_id = "));
        q.bind(Arg::Uuid(company_id));
        if let Some(a) = after {
            // Ids are UUIDv7: their order is the order the runs were recorded in.
            q.push(" AND id < ").bind(Arg::Uuid(a));
        }
        q.push(" ORDER BY id DESC LIMIT ").bind(Arg::I64(i64::from(limit)));
        let rows: Vec<ExportRow> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        Ok(rows.into_iter().map(record_of).collect())
    }

    /// A run's stored file, byte for byte.
    pub async fn accounting_export_file(&self, company_id: Uuid, id: Uuid) -> Result<ExportFile> {
        let row: Option<(String, String, Vec<u8>)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT file_name, media_type, bytes FROM accounting_exports WHERE company_id = $1 AND id = $2"
        )
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await?);
        let (file_name, media_type, bytes) = row.ok_or(StoreError::NotFound("export"))?;
        Ok(ExportFile { file_name, media_type, bytes })
    }
}
