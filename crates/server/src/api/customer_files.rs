//! `/customers/{id}/files`: files attached to a customer (contracts, Kbis, signed
//! quotes…), sent as `multipart/form-data` (a `file` part), at most [`MAX_FILE`] bytes,
//! stored in the database (`app::customers::attach_file`). The web app's customer page
//! reads its uploads with the same functions.

use super::{instant_text, path_id};
use crate::App;
use crate::auth::Auth;
use crate::error::{ApiError, problem_of};
use axum::Json;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::message::Message;
use facturier_store::customer_files::FileRecord;
use serde::Serialize;

/// Largest file accepted: 10 MiB.
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// Largest upload request: the file and the multipart envelope around it.
pub const MAX_UPLOAD_BODY: usize = MAX_FILE + 64 * 1024;
/// Longest file name kept.
const MAX_NAME: usize = 200;

/// A file as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CustomerFile)]
pub struct FileView {
    pub id: uuid::Uuid,
    pub customer_id: uuid::Uuid,
    /// The file name as uploaded, without any path.
    pub name: String,
    #[schema(examples("application/pdf"))]
    pub content_type: String,
    /// Bytes.
    #[schema(minimum = 1, maximum = 10485760)]
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&FileRecord> for FileView {
    fn from(f: &FileRecord) -> FileView {
        FileView {
            id: f.id,
            customer_id: f.customer_id,
            name: f.name.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
            created_at: instant_text(f.created_at),
        }
    }
}

/// A file read from a multipart body.
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why an upload was refused.
#[derive(Debug)]
pub enum UploadError {
    /// More than [`MAX_FILE`] bytes.
    TooLarge,
    /// No `file` part, or an empty one.
    NoFile,
    /// The body is not a readable multipart form.
    Malformed(Message),
}

impl UploadError {
    /// The API's answer.
    pub fn into_api(self) -> Response {
        match self {
            UploadError::TooLarge => problem_of(StatusCode::PAYLOAD_TOO_LARGE, &file_too_large()),
            UploadError::NoFile => ApiError::field("file", Message::new("missing_empty_send_file")).into_response(),
            UploadError::Malformed(m) => problem_of(StatusCode::BAD_REQUEST, &m),
        }
    }
}

/// Why a customer file over [`MAX_FILE`] is refused.
pub fn file_too_large() -> Message {
    Message::new("customer_file_too_large").with("n", MAX_FILE / (1024 * 1024))
}

fn multipart_error(e: MultipartError) -> UploadError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::TooLarge
    } else {
        UploadError::Malformed(Message::new("multipart_unreadable").with("e", e.body_text()))
    }
}

/// Reads the `file` part of a multipart body, refusing a file over [`MAX_FILE`] as soon
/// as it passes the limit. The small text parts read on the way (such as the web form's
/// `csrf`, sent before the file) go to `fields`, even when the upload fails.
pub async fn read_upload(mut mp: Multipart, fields: &mut Vec<(String, String)>) -> Result<Upload, UploadError> {
    let mut file: Option<(String, String, Vec<u8>)> = None;
    while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" && file.is_none() {
            let file_name = safe_name(field.file_name().unwrap_or(""));
            let declared = field.content_type().unwrap_or("").to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                if bytes.len() + chunk.len() > MAX_FILE {
                    return Err(UploadError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            let content_type = media_type(&declared, &file_name);
            file = Some((file_name, content_type, bytes));
        } else if name != "file" {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                if text.len() + chunk.len() > 4096 {
                    return Err(UploadError::Malformed(
                        Message::new("multipart_field_too_long").with("name", format!("{name:?}")),
                    ));
                }
                text.extend_from_slice(&chunk);
            }
            fields.push((name, String::from_utf8_lossy(&text).into_owned()));
        }
    }
    match file {
        Some((name, content_type, bytes)) if !bytes.is_empty() => Ok(Upload { name, content_type, bytes }),
        _ => Err(UploadError::NoFile),
    }
}

/// The file name as kept: the last path segment, without control characters, at most
/// [`MAX_NAME`] characters; `file` when nothing is left.
pub fn safe_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(MAX_NAME).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() { "file".into() } else { cleaned.to_string() }
}

/// The media type to store: the one declared when well formed and specific, else one
/// guessed from the file's extension, else `application/octet-stream`.
fn media_type(declared: &str, name: &str) -> String {
    let d = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b));
    let well_formed = d.split_once('/').is_some_and(|(a, b)| token(a) && token(b));
    if well_formed && d != "application/octet-stream" {
        return d;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "xml" => "application/xml",
        "json" => "application/json",
        "zip" => "application/zip",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
    .into()
}

/// The download of a stored file: its media type (active content such as HTML or SVG
/// goes out as `application/octet-stream`), `Content-Disposition: attachment` with a
/// safe name (ASCII fallback and RFC 5987 UTF-8 form), `nosniff`, and a sandbox CSP.
pub fn download(f: &FileRecord, bytes: Vec<u8>) -> Response {
    let t = f.content_type.as_str();
    let active = t.contains("html") || t.contains("xml") || t.contains("javascript") || t.contains("svg");
    let served = if active { "application/octet-stream" } else { t };
    let ascii: String =
        f.name.chars().map(|c| if c.is_ascii_alphanumeric() || " .-_()".contains(c) { c } else { '_' }).collect();
    let encoded: String = form_urlencoded::byte_serialize(f.name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(served).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    r
}

/// `GET /customers/{id}/files`
pub async fn list(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<Vec<FileView>>, ApiError> {
    let files = app.store.customer_files(auth.company(), path_id(&id, "customer")?).await?;
    Ok(Json(files.iter().map(FileView::from).collect()))
}

/// The multipart body of `req`, read only once the caller is known to be allowed.
pub async fn multipart_of(req: Request, app: &App) -> Result<Multipart, Response> {
    Multipart::from_request(req, app).await.map_err(|e| {
        let status = e.status();
        problem_of(status, &Message::new("multipart_unreadable").with("e", e.body_text()))
    })
}

/// `POST /customers/{id}/files`
pub async fn upload(State(app): State<App>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let run = async {
        auth.require_write()?;
        let id = path_id(&id, "customer")?;
        // An unknown customer is a 404 before the body is read.
        app.store.customer(auth.company(), id).await?;
        let mp = match multipart_of(req, &app).await {
            Ok(mp) => mp,
            Err(r) => return Ok(r),
        };
        let up = match read_upload(mp, &mut Vec::new()).await {
            Ok(u) => u,
            Err(e) => return Ok(e.into_api()),
        };
        let rec = crate::app::customers::attach_file(&app, &auth, id, &up, None).await?;
        Ok::<Response, ApiError>((StatusCode::CREATED, Json(FileView::from(&rec))).into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /customers/{id}/files/{file_id}`
pub async fn get(
    State(app): State<App>,
    auth: Auth,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (f, bytes) =
        app.store.customer_file(auth.company(), path_id(&id, "customer")?, path_id(&file_id, "file")?).await?;
    Ok(download(&f, bytes))
}

/// `DELETE /customers/{id}/files/{file_id}`
pub async fn delete(
    State(app): State<App>,
    auth: Auth,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    app.store.delete_customer_file(auth.company(), path_id(&id, "customer")?, path_id(&file_id, "file")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_path_and_control_characters() {
        assert_eq!(safe_name("C:\\Users\\x\\contrat signé.pdf"), "contrat signé.pdf");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("a\r\nb.txt"), "ab.txt");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name(""), "file");
    }

    #[test]
    fn media_types_are_declared_or_guessed() {
        assert_eq!(media_type("application/pdf", "x"), "application/pdf");
        assert_eq!(media_type("", "devis.PDF"), "application/pdf");
        assert_eq!(media_type("application/octet-stream", "a.png"), "image/png");
        assert_eq!(media_type("text/html\r\nX: y", "a"), "application/octet-stream");
        assert_eq!(media_type("", "noext"), "application/octet-stream");
    }
}
