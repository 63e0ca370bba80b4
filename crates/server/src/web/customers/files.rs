//! The customer's attached files: upload (or the page again with the reason), download and
//! delete.

use crate::App;
use crate::api::customer_files::{self as files, UploadError};
use crate::web::confirm::{self, Ask};
use crate::web::notice::with_done;
use crate::web::session::{CsrfForm, WebSession};
use crate::web::upload;
use crate::web::{WebError, see_other};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::customer_id;
use super::show::render_show;

/// `POST /customers/{id}/files` (multipart: `csrf`, then `file`): attaches the file, or
/// shows the customer's page again with the reason next to the file input.
pub async fn upload(
    State(app): State<App>,
    s: WebSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = customer_id(lang, &id)?;
    // Another company's customer is unknown here, whatever the body holds.
    app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let form = upload::read_form(&app, &s, &headers, req).await?;
    match form.file {
        Ok(up) => {
            crate::app::customers::attach_file(&app, &s.auth(), id, &up, Some(&s.rec.email))
                .await
                .map_err(|e| WebError::api(lang, e))?;
            Ok(see_other(&with_done(&format!("/customers/{id}#files"), "file_uploaded")))
        }
        Err(UploadError::TooLarge) => {
            render_show(&app, &s, id, Some("cust.file_too_large"), StatusCode::PAYLOAD_TOO_LARGE).await
        }
        Err(UploadError::NoFile) => {
            render_show(&app, &s, id, Some("cust.file_missing"), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(UploadError::Malformed(m)) => Err(WebError::BadRequest(lang, m)),
    }
}

/// `GET /customers/{id}/files/{file_id}`: the file as an attachment.
pub async fn download(
    State(app): State<App>,
    s: WebSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let (id, file_id) = (customer_id(lang, &id)?, customer_id(lang, &file_id)?);
    let (f, bytes) =
        app.store.customer_file(s.rec.company_id, id, file_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(files::download(&f, bytes))
}

/// `POST /customers/{id}/files/{file_id}/delete`, once confirmed.
pub async fn delete_file(
    State(app): State<App>,
    Path((id, file_id)): Path<(String, String)>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let (id, file_id) = (customer_id(lang, &id)?, customer_id(lang, &file_id)?);
    if !confirm::confirmed(&form) {
        let (f, _) =
            app.store.customer_file(s.rec.company_id, id, file_id).await.map_err(|e| WebError::store(lang, e))?;
        let ask = Ask::of(lang, "file", &[("name", &f.name)], format!("/customers/{id}#files"));
        return confirm::ask(&app, &s, "customers", &format!("/customers/{id}/files/{file_id}/delete"), &form, ask)
            .await;
    }
    app.store.delete_customer_file(s.rec.company_id, id, file_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(see_other(&with_done(&format!("/customers/{id}#files"), "file_deleted")))
}
