//! `/imports/customers` and `/imports/products`: a CSV or XLSX file as the body, read by
//! `app::imports`; the answer counts the rows and lists every rejected one.

use crate::App;
use crate::app::imports::{self as ops, FileKind, ImportRequest, Outcome};
use crate::auth::Auth;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use facturier_core::import::Target;
use serde::{Deserialize, Serialize};

/// Largest request body of an import: the file, as the body itself.
pub const MAX_IMPORT_BODY: usize = ops::MAX_FILE;

/// The query string of an import.
#[derive(Deserialize, Default)]
pub struct ImportQuery {
    /// `true`: check every row, write nothing.
    pub dry_run: Option<String>,
    /// `Header:field;…`: the field of a column, over what its header says.
    pub mapping: Option<String>,
}

/// A row the import refused.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RejectedRow {
    /// The row's line in the file (the header row is line 1).
    pub row: usize,
    /// The field at fault, named as `POST /customers` or `POST /products` names it.
    pub field: String,
    /// The message's stable code.
    pub code: String,
    /// What is wrong, in English.
    pub message: String,
}

/// What an import did (or, a dry run, would do).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// Data rows read (empty rows left out).
    pub rows: usize,
    /// Records created (a dry run: that would be); 0 when a row is rejected and nothing was written.
    pub created: usize,
    /// Records updated: a row that found a customer (by SIREN, e-mail, or name and postal code) or a product (by reference).
    pub updated: usize,
    /// Every rejected row; a run with any writes nothing.
    pub rejected: Vec<RejectedRow>,
}

impl From<&Outcome> for ImportResult {
    fn from(o: &Outcome) -> ImportResult {
        ImportResult {
            rows: o.rows,
            created: o.created,
            updated: o.updated,
            rejected: o
                .rejected
                .iter()
                .map(|r| RejectedRow {
                    row: r.row,
                    field: r.field.clone(),
                    code: r.message.code().to_string(),
                    message: r.message.english(),
                })
                .collect(),
        }
    }
}

async fn import(
    app: &App,
    auth: &Auth,
    target: Target,
    q: &ImportQuery,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Json<ImportResult>, ApiError> {
    auth.require_write()?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let file = FileKind::of_content_type(content_type)?;
    let dry_run = match q.dry_run.as_deref() {
        None | Some("false") | Some("") => false,
        Some("true") => true,
        Some(other) => {
            let m = facturier_core::message::Message::new("import_dry_run").with("v", format!("{other:?}"));
            return Err(ApiError::field("dry_run", m));
        }
    };
    let req = ImportRequest { target, file, bytes: body, mapping: q.mapping.as_deref(), dry_run };
    let out = ops::import(app, auth, req).await?;
    Ok(Json(ImportResult::from(&out)))
}

pub async fn customers(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportResult>, ApiError> {
    import(&app, &auth, Target::Customers, &q, &headers, &body).await
}

pub async fn products(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportResult>, ApiError> {
    import(&app, &auth, Target::Products, &q, &headers, &body).await
}
