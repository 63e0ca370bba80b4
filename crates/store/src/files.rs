//! The files of issued documents (`0021_document_files`): rendered once, stored byte for
//! byte, chained into the audit trail, and served at every download afterwards.
//!
//! A stored file is never replaced, changed or deleted. Storing is "first writer wins":
//! every insert locks the company's file chain head (`file_chains`) first, as issuing
//! locks `seal_chains`, then keeps a file already stored for the same document and
//! format, so concurrent renders of one document leave one row and every caller reads
//! it. Each file's seal is SHA-256 over the previous file seal of the company and
//! `document seal \n format \n sha256 of the bytes` (`core::seal`); `verify.rs` re-checks
//! them. `document_files_pending` lists the issued documents still without files, filled
//! by triggers whatever issued them; each row brings its `document.render` job
//! (`store::jobs`, a trigger of `0022_jobs`), which the server's job runner runs, and
//! storing the files takes both away.

use crate::{Result, Stamp, Store, StoreError, documents, now, on_conn, on_pool};
use facturier_core::document::DocumentKind;
use facturier_core::message::Message;
use facturier_core::seal;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A format an issued document is stored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// The PDF: PDF/A-3 with its Factur-X XML for an e-invoice, PDF/A for the other kinds.
    Pdf,
    /// The Peppol BIS Billing 3.0 UBL of an e-invoice.
    Ubl,
    /// The UBL of an e-invoice for the French network (EN 16931 with the BR-FR rules:
    /// the billing frame as ProfileID, SIREN addresses under 0225).
    UblFr,
}

impl FileFormat {
    /// Every format, in the order they are rendered.
    pub const ALL: [FileFormat; 3] = [FileFormat::Pdf, FileFormat::Ubl, FileFormat::UblFr];

    /// The name stored in `document_files.format`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Pdf => "pdf",
            FileFormat::Ubl => "ubl",
            FileFormat::UblFr => "ubl-fr",
        }
    }
}

impl std::fmt::Display for FileFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FileFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<FileFormat, String> {
        FileFormat::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| format!("unknown file format {s:?}"))
    }
}

/// Why a file was rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOrigin {
    /// Rendered when the document was issued.
    Issue,
    /// Rendered once for a document issued before files were stored.
    Backfill,
    /// A format added after the document's first files, kept beside them.
    Later,
}

impl FileOrigin {
    /// The name stored in `document_files.origin`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileOrigin::Issue => "issue",
            FileOrigin::Backfill => "backfill",
            FileOrigin::Later => "later",
        }
    }

    fn parse(s: &str) -> Result<FileOrigin> {
        match s {
            "issue" => Ok(FileOrigin::Issue),
            "backfill" => Ok(FileOrigin::Backfill),
            "later" => Ok(FileOrigin::Later),
            _ => Err(StoreError::Corrupt(format!("unknown file origin {s:?}"))),
        }
    }
}

/// A stored file of an issued document.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub document_id: Uuid,
    pub format: FileFormat,
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
    pub origin: FileOrigin,
    /// The file's place in the company's file chain.
    pub seal: String,
    pub created_at: Stamp,
}

/// An issued document whose files are still to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingFiles {
    pub company_id: Uuid,
    pub document_id: Uuid,
    /// `Backfill` for a document issued before files were stored.
    pub origin: FileOrigin,
}

/// A stored file that `verify` found changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    pub kind: Option<DocumentKind>,
    pub document_id: Option<Uuid>,
    pub number: Option<String>,
    /// `pdf`, `ubl`…; empty when the problem is the chain's end.
    pub format: String,
    pub reason: String,
}

/// What `verify` found about the stored files of a company's issued documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilesReport {
    /// Files checked.
    pub files: u64,
    /// Every file whose bytes, hash, seal or document changed; empty when intact.
    pub changed: Vec<FileProblem>,
    /// How many issued documents have no stored PDF yet (a warning: the server renders them).
    pub not_rendered: u64,
    /// The first of them (kind and number), to name them.
    pub not_rendered_sample: Vec<(DocumentKind, String)>,
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The seal of a file: its company's previous file seal, then its document's content
/// seal, its format and the hash of its bytes.
pub(crate) fn file_seal(previous: &str, document_seal: &str, format: &str, sha256: &str) -> String {
    seal::seal(previous, format!("{document_seal}\n{format}\n{sha256}").as_bytes())
}

#[derive(sqlx::FromRow)]
struct FileRow {
    format: String,
    bytes: Vec<u8>,
    sha256: String,
    origin: String,
    seal: String,
    created_at: Stamp,
}

impl FileRow {
    fn into_file(self, document_id: Uuid) -> Result<StoredFile> {
        Ok(StoredFile {
            document_id,
            format: self.format.parse().map_err(StoreError::Corrupt)?,
            bytes: self.bytes,
            sha256: self.sha256,
            origin: FileOrigin::parse(&self.origin)?,
            seal: self.seal,
            created_at: self.created_at,
        })
    }
}

const FILE_COLS: &str = "format, bytes, sha256, origin, seal, created_at";

const LOCK_CHAIN: &str = "UPDATE file_chains SET length = length WHERE company_id = $1 RETURNING head, length";
/// A company created after migration 0021 starts its chain at its first file.
const START_CHAIN: &str =
    "INSERT INTO file_chains (company_id, head, length) VALUES ($1, $2, 0) ON CONFLICT (company_id) DO NOTHING";
const DOCUMENT_SEAL: &str = "SELECT seal FROM documents WHERE company_id = $1 AND id = $2";
const EXISTING: &str = "SELECT format, bytes, sha256, origin, seal, created_at FROM document_files \
                        WHERE company_id = $1 AND document_id = $2";
const PENDING_ORIGIN: &str = "SELECT origin FROM document_files_pending WHERE company_id = $1 AND document_id = $2";
const INSERT_FILE: &str = "INSERT INTO document_files (company_id, document_id, format, bytes, sha256, size, origin, \
                           chain_seq, document_seal, prev_seal, seal, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
const MOVE_CHAIN: &str = "UPDATE file_chains SET head = $2, length = $3 WHERE company_id = $1";
const DONE_PENDING: &str = "DELETE FROM document_files_pending WHERE company_id = $1 AND document_id = $2";
const EVENT: &str =
    "INSERT INTO document_events (id, company_id, document_id, at, event, detail) VALUES ($1, $2, $3, $4, $5, $6)";

/// What storing a document's files decides, from what the transaction read under the
/// chain lock; both backends' paths write exactly this.
struct FilesPlan {
    document_seal: String,
    /// For each format asked for, the file stored (an earlier one, or a new one).
    out: Vec<StoredFile>,
    /// The new files with their place in the chain and their predecessor's seal.
    new: Vec<(StoredFile, i64, String)>,
    head: String,
    length: i64,
    event: Option<serde_json::Value>,
    was_pending: bool,
}

impl FilesPlan {
    fn new(
        document_id: Uuid,
        head: Option<(String, i64)>,
        doc: Option<(Option<String>,)>,
        existing: Vec<StoredFile>,
        pending: Option<String>,
        files: Vec<(FileFormat, Vec<u8>, String)>,
        at: Stamp,
    ) -> Result<FilesPlan> {
        let (mut head, mut length) = head.ok_or(StoreError::NotFound("company"))?;
        let Some((document_seal,)) = doc else { return Err(StoreError::NotFound("document")) };
        let Some(document_seal) = document_seal else {
            return Err(StoreError::Conflict(Message::new("draft_stored_files_rendered")));
        };
        let origin = match pending.as_deref() {
            Some("backfill") => FileOrigin::Backfill,
            _ if existing.is_empty() => FileOrigin::Issue,
            _ => FileOrigin::Later,
        };
        let mut out = Vec::with_capacity(files.len());
        let mut new: Vec<(StoredFile, i64, String)> = Vec::new();
        for (format, bytes, sha256) in files {
            let earlier = existing.iter().chain(new.iter().map(|(f, _, _)| f)).find(|f| f.format == format);
            if let Some(f) = earlier {
                out.push(f.clone());
                continue;
            }
            let seal = file_seal(&head, &document_seal, format.as_str(), &sha256);
            length += 1;
            let file = StoredFile { document_id, format, bytes, sha256, origin, seal: seal.clone(), created_at: at };
            out.push(file.clone());
            new.push((file, length, std::mem::replace(&mut head, seal)));
        }
        let event = (!new.is_empty() && origin != FileOrigin::Issue).then(|| {
            let formats: Vec<&str> = new.iter().map(|(f, _, _)| f.format.as_str()).collect();
            serde_json::json!({ "origin": origin.as_str(), "formats": formats })
        });
        Ok(FilesPlan { document_seal, out, new, head, length, event, was_pending: pending.is_some() })
    }
}

/// [`Store::store_document_files`] on SQLite's writer thread: the same statements and the
/// same [`FilesPlan`], in one blocking call.
fn store_files_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    document_id: Uuid,
    files: Vec<(FileFormat, Vec<u8>, String)>,
) -> Result<Vec<StoredFile>> {
    use crate::writer::{Val, execute, instant, opt_text, query, query_opt, text};
    let company = || Val::from(company_id);
    let both = || [Val::from(company_id), Val::from(document_id)];
    let chain = |r: &rusqlite::Row<'_>| Ok((text(r, 0)?, r.get::<_, i64>(1)?));
    let mut head = query_opt(c, LOCK_CHAIN, &[company()], chain)?;
    if head.is_none() {
        execute(c, START_CHAIN, &[company(), Val::Text(seal::GENESIS)])?;
        head = query_opt(c, LOCK_CHAIN, &[company()], chain)?;
    }
    let doc = query_opt(c, DOCUMENT_SEAL, &both(), |r| Ok((opt_text(r, 0)?,)))?;
    let existing = query(c, EXISTING, &both(), |r| {
        Ok(FileRow {
            format: text(r, 0)?,
            bytes: r.get::<_, Vec<u8>>(1)?,
            sha256: text(r, 2)?,
            origin: text(r, 3)?,
            seal: text(r, 4)?,
            created_at: Stamp::from(instant(r, 5)?),
        })
    })?;
    let existing = existing.into_iter().map(|r| r.into_file(document_id)).collect::<Result<Vec<_>>>()?;
    let pending = query_opt(c, PENDING_ORIGIN, &both(), |r| text(r, 0))?;
    let plan = FilesPlan::new(document_id, head, doc, existing, pending, files, now())?;
    for (file, seq, prev) in &plan.new {
        let mut stmt = c.prepare_cached(INSERT_FILE)?;
        let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
        let args = [
            company(),
            Val::from(document_id),
            Val::Text(file.format.as_str()),
            Val::Null,
            Val::Text(&file.sha256),
            Val::Int(size),
            Val::Text(file.origin.as_str()),
            Val::Int(*seq),
            Val::Text(&plan.document_seal),
            Val::Text(prev),
            Val::Text(&file.seal),
            Val::from(file.created_at),
        ];
        crate::writer::bind(&mut stmt, &args)?;
        // The bytes as a BLOB, as sqlx stores a `Vec<u8>` (the helpers bind text and ids).
        let at = stmt.parameter_index("$4")?.ok_or_else(|| StoreError::Write("no $4 in the insert".into()))?;
        stmt.raw_bind_parameter(at, file.bytes.as_slice())?;
        stmt.raw_execute()?;
    }
    if !plan.new.is_empty() {
        execute(c, MOVE_CHAIN, &[company(), Val::Text(&plan.head), Val::Int(plan.length)])?;
    }
    if let Some(detail) = &plan.event {
        let args = [
            Val::from(crate::new_id()),
            company(),
            Val::from(document_id),
            Val::from(now()),
            Val::Text("files_rendered"),
            Val::Owned(detail.to_string()),
        ];
        execute(c, EVENT, &args)?;
    }
    if plan.was_pending {
        execute(c, DONE_PENDING, &both())?;
    }
    Ok(plan.out)
}

impl Store {
    /// The stored file of an issued document in one format, if rendered yet.
    pub async fn document_file(
        &self,
        company_id: Uuid,
        document_id: Uuid,
        format: FileFormat,
    ) -> Result<Option<StoredFile>> {
        let sql = format!(
            "SELECT {FILE_COLS} FROM document_files WHERE company_id = $1 AND document_id = $2 AND format = $3"
        );
        let row: Option<FileRow> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(document_id)
            .bind(format.as_str())
            .fetch_optional(c)
            .await?);
        row.map(|r| r.into_file(document_id)).transpose()
    }

    /// Every stored file of a document, in the order they were stored. `+chain_seq`: sorted
    /// after the primary key found the document's few files; a plain `ORDER BY chain_seq`
    /// made SQLite walk the company's whole file chain in order instead (every file of every
    /// document, per call: the dunning run over 100 000 invoices was quadratic).
    pub async fn document_files(&self, company_id: Uuid, document_id: Uuid) -> Result<Vec<StoredFile>> {
        let sql = format!(
            "SELECT {FILE_COLS} FROM document_files WHERE company_id = $1 AND document_id = $2 ORDER BY +chain_seq"
        );
        let rows: Vec<FileRow> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(document_id)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(|r| r.into_file(document_id)).collect()
    }

    /// Stores the rendered files of an issued document and returns, for each format given,
    /// the file stored: the one given, or the one an earlier (or concurrent) writer stored
    /// first, which is never replaced. In one transaction under the company's file chain
    /// lock: the new files are sealed in chain order, the document leaves the pending list,
    /// and a backfill (or a format added later) is noted in its history. On SQLite it runs
    /// on the writer thread, as issuing does (one blocking call, not a round trip per
    /// statement while holding the write turn).
    pub async fn store_document_files(
        &self,
        company_id: Uuid,
        document_id: Uuid,
        files: Vec<(FileFormat, Vec<u8>)>,
    ) -> Result<Vec<StoredFile>> {
        // Hashing is the only CPU work here: done before taking the write turn.
        let files: Vec<(FileFormat, Vec<u8>, String)> = files
            .into_iter()
            .map(|(f, b)| {
                let h = sha256_hex(&b);
                (f, b, h)
            })
            .collect();
        if let Store::Sqlite(_, queue) = self
            && let Some(writer) = queue.writer()
        {
            return writer.run(move |c| store_files_on(c, company_id, document_id, files)).await;
        }
        let mut tx = self.begin().await?;
        // The company's file chain head, locked (a no-op UPDATE, as issuing locks its
        // chain): the chain order, and which writer is first, are decided under it.
        let mut head: Option<(String, i64)> =
            on_conn!(&mut tx, |c| sqlx::query_as(LOCK_CHAIN).bind(company_id).fetch_optional(c).await?);
        if head.is_none() {
            on_conn!(&mut tx, |c| {
                sqlx::query(START_CHAIN).bind(company_id).bind(seal::GENESIS).execute(&mut *c).await?;
                head = sqlx::query_as(LOCK_CHAIN).bind(company_id).fetch_optional(c).await?;
            });
        }
        let doc: Option<(Option<String>,)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(DOCUMENT_SEAL).bind(company_id).bind(document_id).fetch_optional(c).await?
        });
        let existing: Vec<FileRow> = on_conn!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(EXISTING))
            .bind(company_id)
            .bind(document_id)
            .fetch_all(c)
            .await?);
        let existing = existing.into_iter().map(|r| r.into_file(document_id)).collect::<Result<Vec<_>>>()?;
        let pending: Option<(String,)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(PENDING_ORIGIN).bind(company_id).bind(document_id).fetch_optional(c).await?
        });
        let plan = FilesPlan::new(document_id, head, doc, existing, pending.map(|(o,)| o), files, now())?;
        for (file, seq, prev) in &plan.new {
            let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
            on_conn!(&mut tx, |c| {
                sqlx::query(INSERT_FILE)
                    .bind(company_id)
                    .bind(document_id)
                    .bind(file.format.as_str())
                    .bind(&file.bytes)
                    .bind(&file.sha256)
                    .bind(size)
                    .bind(file.origin.as_str())
                    .bind(seq)
                    .bind(&plan.document_seal)
                    .bind(prev)
                    .bind(&file.seal)
                    .bind(file.created_at)
                    .execute(c)
                    .await?;
            });
        }
        if !plan.new.is_empty() {
            on_conn!(&mut tx, |c| {
                sqlx::query(MOVE_CHAIN).bind(company_id).bind(&plan.head).bind(plan.length).execute(c).await?;
            });
        }
        if let Some(detail) = plan.event.clone() {
            documents::event(&mut tx, company_id, document_id, "files_rendered", detail).await?;
        }
        if plan.was_pending {
            on_conn!(&mut tx, |c| {
                sqlx::query(DONE_PENDING).bind(company_id).bind(document_id).execute(c).await?;
            });
        }
        tx.commit().await?;
        Ok(plan.out)
    }

    /// A document by its id alone (its kind read first), as [`Store::document`] reads it:
    /// the render worker knows only ids.
    pub async fn issued_document(&self, company_id: Uuid, id: Uuid) -> Result<documents::DocumentRecord> {
        let kind: Option<(String,)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT kind FROM documents WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        let (kind,) = kind.ok_or(StoreError::NotFound("document"))?;
        let kind: DocumentKind = kind.parse().map_err(StoreError::Corrupt)?;
        self.document(company_id, kind, id).await
    }

    /// Issued documents of a company whose files are still to render (the worker's queue).
    pub async fn pending_files(&self, company_id: Uuid) -> Result<Vec<PendingFiles>> {
        let rows: Vec<(Uuid, String)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT document_id, origin FROM document_files_pending WHERE company_id = $1 ORDER BY document_id",
            )
            .bind(company_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter()
            .map(|(document_id, origin)| {
                Ok(PendingFiles { company_id, document_id, origin: FileOrigin::parse(&origin)? })
            })
            .collect()
    }

    /// Takes the benchmark's generated documents off the render queue: a synthetic data
    /// set of a million invoices would otherwise be rendered (and stored, some 40 GB) by the
    /// server under measurement. Their waiting render jobs go with them (the trigger of
    /// `0022_jobs`). `verify` lists them as not yet rendered.
    pub async fn skip_pending_files(&self, company_id: Uuid) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = on_conn!(&mut tx, |c| {
            sqlx::query("DELETE FROM document_files_pending WHERE company_id = $1")
                .bind(company_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(n)
    }

    /// Applies the embedded migrations up to `version` only: a database as an older
    /// release left it, for tests of an upgrade.
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        match self {
            Store::Sqlite(p, _) => sqlx::migrate!("migrations/sqlite").run_to(version, p).await?,
            Store::Postgres(p) => sqlx::migrate!("migrations/postgres").run_to(version, p).await?,
        }
        Ok(())
    }
}
