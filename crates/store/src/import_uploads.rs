//! Files kept between the web import page's steps (migration 0028): the user sends a file
//! once, then checks it, changes the column mapping and imports it by naming the upload.
//! Every read is scoped to the company; the housekeeping removes uploads older than a day.

use crate::{Result, Stamp, Store, StoreError, new_id, now, on_conn, on_pool};
use uuid::Uuid;

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
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    id: Uuid,
    target: String,
    name: String,
    file_kind: String,
    bytes: Vec<u8>,
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
                "SELECT id, target, name, file_kind, bytes FROM import_uploads WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        let r = row.ok_or(StoreError::NotFound("import_upload"))?;
        Ok(ImportUpload {
            id: r.id,
            target: UploadTarget::parse(&r.target)?,
            name: r.name,
            file_kind: r.file_kind,
            bytes: r.bytes,
        })
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
