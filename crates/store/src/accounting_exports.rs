//! Export runs (`0040_accounting_exports`): the files handed to the accountant, kept byte
//! for byte, and the marks that fix each exported movement's entry number in its journal.
//!
//! A run's file is written first, in parts of about a mebibyte ([`ExportParts`]), as its
//! entries stream; then the run is recorded in one transaction: the run with its file's
//! size and hash, then one mark per movement it exported first. Two runs built at once from the same marks both want the
//! company's next `seq`; the unique key lets the first through and the second is told to
//! build again ([`Store::record_export`] answers `None`), so no movement is ever exported
//! first twice. The marks' own keys (one per movement, one per journal and number) hold
//! the same line whatever writes them.

use crate::sql::{Arg, Sql};
use crate::stamp::Stamp;
use crate::{Result, Store, StoreError, bind_args, new_id, now, on_conn, on_pool};
use sha2::{Digest, Sha256};
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
    /// The file, written before by [`ExportParts`].
    pub file: WrittenFile,
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

/// A run's file, as [`Store::accounting_export_file`] finds it: read its parts one by one
/// with [`Store::export_part`].
#[derive(Clone, Debug)]
pub struct ExportFile {
    pub id: Uuid,
    pub file_name: String,
    pub media_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// How many parts hold it (0 for a run recorded before parts: its part 0 is the
    /// whole file).
    pub parts: i64,
}

impl ExportFile {
    /// The parts to read, in order.
    pub fn part_numbers(&self) -> std::ops::Range<i64> {
        0..self.parts.max(1)
    }
}

/// The file of a run being built, written to the store a part at a time: what the run
/// holds in memory is one part, whatever the file's size.
pub struct ExportParts {
    store: Store,
    company_id: Uuid,
    /// The id the run will be recorded under.
    pub id: Uuid,
    buffer: Vec<u8>,
    hasher: Sha256,
    parts: u64,
    size: u64,
}

/// A file written by [`ExportParts`]: where it is, and what it is.
#[derive(Clone, Debug)]
pub struct WrittenFile {
    pub id: Uuid,
    pub parts: u64,
    pub size: u64,
    /// Hex SHA-256 of the whole file.
    pub sha256: String,
}

/// The bytes gathered before a part is written.
const PART_SIZE: usize = 1 << 20;

impl ExportParts {
    /// Adds `bytes` to the file, writing a part each time a mebibyte has gathered.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        let mut rest = bytes;
        while !rest.is_empty() {
            let take = (PART_SIZE - self.buffer.len()).min(rest.len());
            let (now, later) = rest.split_at(take);
            self.buffer.extend_from_slice(now);
            rest = later;
            if self.buffer.len() >= PART_SIZE {
                self.flush().await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let part = count(self.parts);
        let (company, id) = (self.company_id, self.id);
        let bytes = &self.buffer;
        on_pool!(&self.store, |c| sqlx::query(
            "INSERT INTO accounting_export_parts (company_id, export_id, part, bytes) VALUES ($1, $2, $3, $4)"
        )
        .bind(company)
        .bind(id)
        .bind(part)
        .bind(bytes)
        .execute(c)
        .await
        .map(drop)?);
        self.parts += 1;
        self.buffer.clear();
        Ok(())
    }

    /// Writes what is left and gives the file, ready to be recorded.
    pub async fn finish(mut self) -> Result<WrittenFile> {
        self.flush().await?;
        // An empty file is one empty part, so that every recorded file has parts.
        if self.parts == 0 {
            self.parts = 1;
            let (company, id) = (self.company_id, self.id);
            on_pool!(&self.store, |c| sqlx::query(
                "INSERT INTO accounting_export_parts (company_id, export_id, part, bytes) VALUES ($1, $2, 0, $3)"
            )
            .bind(company)
            .bind(id)
            .bind(Vec::<u8>::new())
            .execute(c)
            .await
            .map(drop)?);
        }
        let sha256 = self.hasher.clone().finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(WrittenFile { id: self.id, parts: self.parts, size: self.size, sha256 })
    }
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
                    file_name, media_type, size, sha256, created_by, created_at";

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
        let id = new.file.id;
        let at = now();
        let seq = new.after_seq + 1;
        let journals = (!new.journals.is_empty()).then(|| new.journals.join(","));
        let mut tx = self.begin().await?;
        let inserted: std::result::Result<_, sqlx::Error> = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO accounting_exports (id, company_id, seq, format, period_from, period_to, journals, reexport, \
                 entries, new_entries, lines, file_name, media_type, bytes, sha256, created_by, created_at, parts, size) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
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
            .bind(Vec::<u8>::new())
            .bind(&new.file.sha256)
            .bind(new.created_by)
            .bind(at)
            .bind(count(new.file.parts))
            .bind(count(new.file.size))
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

    /// A run's stored file: its name, type and parts (404 `export` for another company's
    /// or an unknown id).
    pub async fn accounting_export_file(&self, company_id: Uuid, id: Uuid) -> Result<ExportFile> {
        let row: Option<(String, String, i64, i64)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT file_name, media_type, size, parts FROM accounting_exports WHERE company_id = $1 AND id = $2"
        )
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await?);
        let (file_name, media_type, size, parts) = row.ok_or(StoreError::NotFound("export"))?;
        Ok(ExportFile { id, file_name, media_type, size, parts })
    }

    /// Part `part` of a run's file (see [`ExportFile::part_numbers`]), byte for byte.
    pub async fn export_part(&self, company_id: Uuid, file: &ExportFile, part: i64) -> Result<Vec<u8>> {
        let row: Option<(Vec<u8>,)> = if file.parts == 0 {
            on_pool!(self, |c| sqlx::query_as("SELECT bytes FROM accounting_exports WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(file.id)
                .fetch_optional(c)
                .await?)
        } else {
            on_pool!(self, |c| sqlx::query_as(
                "SELECT bytes FROM accounting_export_parts WHERE company_id = $1 AND export_id = $2 AND part = $3"
            )
            .bind(company_id)
            .bind(file.id)
            .bind(part)
            .fetch_optional(c)
            .await?)
        };
        row.map(|r| r.0).ok_or(StoreError::NotFound("export"))
    }

    /// A run's whole file in memory (the CLI and tests; downloads read it part by part).
    pub async fn export_bytes(&self, company_id: Uuid, file: &ExportFile) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(usize::try_from(file.size).unwrap_or(0));
        for part in file.part_numbers() {
            bytes.extend(self.export_part(company_id, file, part).await?);
        }
        Ok(bytes)
    }

    /// Starts writing the file of a run about to be built. Parts that a run which was
    /// never recorded left (a crash) are deleted first once an hour old.
    pub async fn export_parts(&self, company_id: Uuid) -> Result<ExportParts> {
        // Run ids are UUIDv7: an id made an hour ago bounds the older ones.
        let hour_ago = std::time::SystemTime::now()
            .checked_sub(std::time::Duration::from_secs(3600))
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, d.as_secs(), d.subsec_nanos())));
        if let Some(before) = hour_ago {
            on_pool!(self, |c| sqlx::query(
                "DELETE FROM accounting_export_parts WHERE company_id = $1 AND export_id < $2 \
                 AND NOT EXISTS (SELECT 1 FROM accounting_exports e \
                 WHERE e.company_id = accounting_export_parts.company_id AND e.id = accounting_export_parts.export_id)"
            )
            .bind(company_id)
            .bind(before)
            .execute(c)
            .await
            .map(drop)?);
        }
        Ok(ExportParts {
            store: self.clone(),
            company_id,
            id: new_id(),
            buffer: Vec::new(),
            hasher: Sha256::new(),
            parts: 0,
            size: 0,
        })
    }

    /// Deletes the parts of a run that will not be recorded.
    pub async fn drop_export_parts(&self, company_id: Uuid, id: Uuid) -> Result<()> {
        on_pool!(self, |c| sqlx::query("DELETE FROM accounting_export_parts WHERE company_id = $1 AND export_id = $2")
            .bind(company_id)
            .bind(id)
            .execute(c)
            .await
            .map(drop)?);
        Ok(())
    }
}
