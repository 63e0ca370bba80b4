//! `POST /indices/{code}/values/import`: many values of an index at once, a CSV file
//! (`period;value` lines) as the body, read by `app::index_import`: all or nothing.

use crate::App;
use crate::app::index_import::{self as ops, IndexImport};
use crate::auth::Auth;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use serde::Serialize;

/// A line of the file refused.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndexImportRejected {
    /// The line in the file, the first being 1.
    pub line: usize,
    /// `period`, `value`, or `file` (the line as a whole).
    pub field: String,
    /// The message's stable code.
    pub code: String,
    /// What is wrong, in English.
    pub message: String,
}

/// What an import of index values did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndexImportResult {
    pub index: String,
    /// Values read (0 when a line is refused).
    pub rows: usize,
    /// Periods published for the first time.
    pub created: usize,
    /// Periods corrected: billed invoices keep what they billed.
    pub updated: usize,
    /// Every refused line; with any, nothing was written.
    pub rejected: Vec<IndexImportRejected>,
}

impl From<&IndexImport> for IndexImportResult {
    fn from(r: &IndexImport) -> IndexImportResult {
        IndexImportResult {
            index: r.index.clone(),
            rows: r.rows,
            created: r.created,
            updated: r.updated,
            rejected: r
                .rejected
                .iter()
                .map(|l| IndexImportRejected {
                    line: l.line,
                    field: l.field.clone(),
                    code: l.message.code().to_string(),
                    message: l.message.english(),
                })
                .collect(),
        }
    }
}

/// `POST /indices/{code}/values/import` (`text/csv`).
pub async fn import(
    State(app): State<App>,
    auth: Auth,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<IndexImportResult>, ApiError> {
    auth.require_write()?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !matches!(essence.as_str(), "text/csv" | "application/csv" | "text/plain") {
        return Err(ApiError::UnsupportedMediaType { expected: "index_csv_media_type", got: content_type.to_string() });
    }
    let r = ops::import(&app, auth.company(), &code, &body).await?;
    Ok(Json(IndexImportResult::from(&r)))
}
