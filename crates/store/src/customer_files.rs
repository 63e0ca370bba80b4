//! Files attached to a customer, and the customer's history (its own events merged
//! with those of its documents). Files live in the database (`customer_files`,
//! migration 0010) so that a backup holds them; their bytes are read only to download.

use crate::customers::customer_event;
use crate::{Result, Store, StoreError, new_id, now, on_conn, on_pool};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored file, without its bytes.
#[derive(Clone, Debug)]
pub struct FileRecord {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Who uploaded it (the user's e-mail, when known).
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A file to store: the caller has checked the name, type and size.
pub struct NewFile<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub created_by: Option<&'a str>,
}

/// One entry of a customer's history, newest first in [`Store::customer_history`].
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub at: OffsetDateTime,
    /// `created`, `updated`, `file_added`, `file_removed`, or a document's event
    /// (`created`, `issued`, `payment_recorded`, `email_queued`, `sent`…).
    pub event: String,
    pub detail: serde_json::Value,
    /// The document the event is about: kind, id and number.
    pub document: Option<(String, Uuid, Option<String>)>,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    id: Uuid,
    customer_id: Uuid,
    name: String,
    content_type: String,
    size: i64,
    sha256: String,
    created_by: Option<String>,
    created_at: OffsetDateTime,
}

impl From<FileRow> for FileRecord {
    fn from(r: FileRow) -> FileRecord {
        FileRecord {
            id: r.id,
            customer_id: r.customer_id,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

const FILE_COLS: &str = "id, customer_id, name, content_type, size, sha256, created_by, created_at";

#[derive(sqlx::FromRow)]
struct HistoryRow {
    at: OffsetDateTime,
    event: String,
    detail: String,
    kind: Option<String>,
    document_id: Option<Uuid>,
    number: Option<String>,
}

impl Store {
    /// Fails with `NotFound("customer")` unless the company has this customer.
    async fn customer_exists(&self, tx: &mut crate::Tx, company_id: Uuid, customer_id: Uuid) -> Result<()> {
        let found: Option<(Uuid,)> = on_conn!(tx, |c| {
            sqlx::query_as("SELECT id FROM customers WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(customer_id)
                .fetch_optional(c)
                .await?
        });
        found.map(drop).ok_or(StoreError::NotFound("customer"))
    }

    /// Attaches a file to a customer of the company, and notes it in its history.
    pub async fn add_customer_file(&self, company_id: Uuid, customer_id: Uuid, f: &NewFile<'_>) -> Result<FileRecord> {
        let id = new_id();
        let at = now();
        let sha256 = hex::encode(Sha256::digest(f.bytes));
        let size = i64::try_from(f.bytes.len()).map_err(|_| StoreError::Corrupt("file size".into()))?;
        let mut tx = self.begin().await?;
        self.customer_exists(&mut tx, company_id, customer_id).await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO customer_files (id, company_id, customer_id, name, content_type, size, sha256, bytes, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(company_id)
            .bind(customer_id)
            .bind(f.name)
            .bind(f.content_type)
            .bind(size)
            .bind(&sha256)
            .bind(f.bytes)
            .bind(f.created_by)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        let detail = serde_json::json!({"file_id": id, "name": f.name, "size": size});
        customer_event(&mut tx, company_id, customer_id, at, "file_added", &detail).await?;
        tx.commit().await?;
        Ok(FileRecord {
            id,
            customer_id,
            name: f.name.into(),
            content_type: f.content_type.into(),
            size,
            sha256,
            created_by: f.created_by.map(String::from),
            created_at: at.instant(),
        })
    }

    /// The files of a customer of the company, newest first (404 for another company's customer).
    pub async fn customer_files(&self, company_id: Uuid, customer_id: Uuid) -> Result<Vec<FileRecord>> {
        let mut tx = self.begin_read().await?;
        self.customer_exists(&mut tx, company_id, customer_id).await?;
        let sql = format!(
            "SELECT {FILE_COLS} FROM customer_files WHERE company_id = $1 AND customer_id = $2 ORDER BY id DESC"
        );
        let rows: Vec<FileRow> = on_conn!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(customer_id).fetch_all(c).await?
        });
        tx.commit().await?;
        Ok(rows.into_iter().map(FileRecord::from).collect())
    }

    /// One file of a customer of the company, with its bytes.
    pub async fn customer_file(
        &self,
        company_id: Uuid,
        customer_id: Uuid,
        file_id: Uuid,
    ) -> Result<(FileRecord, Vec<u8>)> {
        let sql =
            format!("SELECT {FILE_COLS} FROM customer_files WHERE company_id = $1 AND customer_id = $2 AND id = $3");
        let row: Option<FileRow> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(customer_id)
            .bind(file_id)
            .fetch_optional(c)
            .await?);
        let row = row.ok_or(StoreError::NotFound("file"))?;
        let bytes: Option<(Vec<u8>,)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT bytes FROM customer_files WHERE company_id = $1 AND customer_id = $2 AND id = $3"
        )
        .bind(company_id)
        .bind(customer_id)
        .bind(file_id)
        .fetch_optional(c)
        .await?);
        let (bytes,) = bytes.ok_or(StoreError::NotFound("file"))?;
        Ok((row.into(), bytes))
    }

    /// Removes a file of a customer of the company, and notes it in its history.
    pub async fn delete_customer_file(&self, company_id: Uuid, customer_id: Uuid, file_id: Uuid) -> Result<()> {
        let at = now();
        let mut tx = self.begin().await?;
        let gone: Option<(String,)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "DELETE FROM customer_files WHERE company_id = $1 AND customer_id = $2 AND id = $3 RETURNING name",
            )
            .bind(company_id)
            .bind(customer_id)
            .bind(file_id)
            .fetch_optional(c)
            .await?
        });
        let (name,) = gone.ok_or(StoreError::NotFound("file"))?;
        let detail = serde_json::json!({"file_id": file_id, "name": name});
        customer_event(&mut tx, company_id, customer_id, at, "file_removed", &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What happened to a customer and its documents, newest first: at most `limit` entries.
    pub async fn customer_history(&self, company_id: Uuid, customer_id: Uuid, limit: u32) -> Result<Vec<HistoryEntry>> {
        // The customer's own events, then those of its documents (through the
        // documents_by_customer index), merged by instant.
        let (null_text, null_id) = match self {
            Store::Sqlite(..) => ("NULL", "NULL"),
            Store::Postgres(_) => ("CAST(NULL AS TEXT)", "CAST(NULL AS UUID)"),
        };
        let sql = format!(
            "SELECT at, event, detail, {null_text} AS kind, {null_id} AS document_id, {null_text} AS number \
             FROM customer_events WHERE company_id = $1 AND customer_id = $2 \
             UNION ALL \
             SELECT e.at, e.event, e.detail, d.kind, d.id, d.number FROM documents d \
             JOIN document_events e ON e.company_id = d.company_id AND e.document_id = d.id \
             WHERE d.company_id = $1 AND d.customer_id = $2 \
             ORDER BY at DESC LIMIT $3"
        );
        let rows: Vec<HistoryRow> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(customer_id)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        Ok(rows
            .into_iter()
            .map(|r| HistoryEntry {
                at: r.at,
                event: r.event,
                detail: serde_json::from_str(&r.detail).unwrap_or_default(),
                document: match (r.kind, r.document_id) {
                    (Some(k), Some(id)) => Some((k, id, r.number)),
                    _ => None,
                },
            })
            .collect())
    }
}
