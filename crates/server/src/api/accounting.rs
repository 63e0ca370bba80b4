//! `/exports`: the accounting hand-off. `POST /exports` makes an export run (the entries
//! not exported yet, numbered for good, the file stored and marked), `GET /exports` is
//! their history and `GET /exports/{id}/file` downloads a run's file again, identical.
//! `GET /exports/fec` (and `ximport`, `quadratus`, `ebp`) streams a preview of a period
//! that marks nothing (constant memory: one page of documents at a time);
//! `GET /exports/invoices.csv` and `.xlsx` give the invoice list of a period.

use crate::App;
use crate::api::{date_text, instant_text, limit, path_id, query_date};
use crate::app::accounting::{self, ExportFormat, ExportRequest, Period};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check};
use crate::openapi::written;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::accounting::check_journal;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::accounting::software::Software;
use facturier_formats::accounting::{Encoding, FecOptions, Separator};
use facturier_formats::export;
use facturier_store::Store;
use facturier_store::accounting_exports::{ExportFile, ExportRecord};
use facturier_store::closings::Closing;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The query of the exports.
#[derive(Deserialize, Default)]
pub struct ExportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// FEC: `tab` (default) or `pipe`.
    pub separator: Option<String>,
    /// FEC: `iso-8859-15` (default) or `utf-8`.
    pub encoding: Option<String>,
    /// CSV: `fr` (`;` and decimal commas, default) or `en`.
    pub lang: Option<String>,
}

async fn period(app: &App, auth: &Auth, q: &ExportQuery) -> Result<Period, ApiError> {
    let from = query_date("from", q.from.as_deref())?;
    let to = query_date("to", q.to.as_deref())?;
    let start = if from.is_some() && to.is_some() {
        1
    } else {
        app.store.settings(auth.company()).await?.accounting.fiscal_year_start_month
    };
    Period::parse(from, to, auth.today(), start)
}

/// `GET /exports/fec?from=&to=&separator=&encoding=`: the FEC of the period, streamed.
pub async fn fec(State(app): State<App>, auth: Auth, Query(q): Query<ExportQuery>) -> Result<Response, ApiError> {
    let period = period(&app, &auth, &q).await?;
    let separator = match q.separator.as_deref() {
        None | Some("") => Separator::Tab,
        Some(s) => Separator::parse(s)
            .ok_or_else(|| ApiError::field("separator", Message::new("fec_separator").with("v", format!("{s:?}"))))?,
    };
    let encoding = match q.encoding.as_deref() {
        None | Some("") => Encoding::Latin9,
        Some(s) => Encoding::parse(s)
            .ok_or_else(|| ApiError::field("encoding", Message::new("fec_encoding").with("v", format!("{s:?}"))))?,
    };
    let stream = accounting::fec(&app, &auth, period, FecOptions { separator, encoding }).await?;
    let disposition = format!("attachment; filename=\"{}\"", stream.name);
    let body = streamed(stream);
    let content_type = format!("text/plain; charset={}", encoding.charset());
    Ok(([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

/// The body of a file written as its entries are read, a page at a time.
fn streamed(stream: accounting::FecStream) -> Body {
    Body::from_stream(futures_util::stream::unfold(Some(stream), |state| async move {
        let mut s = state?;
        match s.next_chunk().await {
            Ok(Some(bytes)) => Some((Ok::<_, std::io::Error>(bytes), Some(s))),
            Ok(None) => None,
            Err(e) => {
                // The status is sent: the body is cut short, which the client sees.
                tracing::error!("accounting export stopped: {e}");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
        }
    }))
}

/// The response that downloads a run's stored file, read a part at a time.
pub(crate) fn stored_file(store: Store, company: Uuid, file: ExportFile) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    let length = file.size.to_string();
    let media_type = file.media_type.clone();
    let parts = file.part_numbers();
    let body = Body::from_stream(futures_util::stream::unfold(Some(parts), move |state| {
        let (store, file) = (store.clone(), file.clone());
        async move {
            let mut parts = state?;
            let part = parts.next()?;
            match store.export_part(company, &file, part).await {
                Ok(bytes) => Some((Ok::<_, std::io::Error>(bytes), Some(parts))),
                Err(e) => {
                    tracing::error!("export {} part {part} unreadable: {e}", file.id);
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    }));
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, length),
        ],
        body,
    )
        .into_response()
}

/// The FEC's entries in an accounting software's layout, streamed.
async fn software_file(app: &App, auth: &Auth, q: &ExportQuery, software: Software) -> Result<Response, ApiError> {
    let period = period(app, auth, q).await?;
    let stream = accounting::fec(app, auth, period, FecOptions::default()).await?.as_software(software);
    let disposition = format!("attachment; filename=\"{}\"", stream.name);
    let body = streamed(stream);
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=us-ascii".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// `GET /exports/ximport?from=&to=`: Ciel / Sage 50 XIMPORT.TXT.
pub async fn ximport(State(app): State<App>, auth: Auth, Query(q): Query<ExportQuery>) -> Result<Response, ApiError> {
    software_file(&app, &auth, &q, Software::Ximport).await
}

/// `GET /exports/quadratus?from=&to=`: QuadraCOMPTA ASCII import.
pub async fn quadratus(State(app): State<App>, auth: Auth, Query(q): Query<ExportQuery>) -> Result<Response, ApiError> {
    software_file(&app, &auth, &q, Software::Quadratus).await
}

/// `GET /exports/ebp?from=&to=`: EBP's comma-separated import.
pub async fn ebp(State(app): State<App>, auth: Auth, Query(q): Query<ExportQuery>) -> Result<Response, ApiError> {
    software_file(&app, &auth, &q, Software::Ebp).await
}

/// `GET /exports/payments.csv?from=&to=&lang=`: the payments of the period.
pub async fn payments_csv(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    payments(&app, &auth, &q, false).await
}

/// `GET /exports/payments.xlsx?from=&to=`.
pub async fn payments_xlsx(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    payments(&app, &auth, &q, true).await
}

async fn payments(app: &App, auth: &Auth, q: &ExportQuery, xlsx: bool) -> Result<Response, ApiError> {
    let period = period(app, auth, q).await?;
    let lang = sheet_lang(q)?;
    let sheet = accounting::payment_sheet(app, auth, period).await?;
    sheet_file(&sheet, lang, xlsx, &format!("reglements-{}-{}", period.from, period.to))
}

/// `lang` of a sheet export: `fr` (the default) or `en`.
fn sheet_lang(q: &ExportQuery) -> Result<Language, ApiError> {
    match q.lang.as_deref() {
        Some("en") => Ok(Language::En),
        None | Some("") | Some("fr") => Ok(Language::Fr),
        Some(other) => Err(ApiError::field("lang", Message::new("export_lang").with("v", format!("{other:?}")))),
    }
}

/// A sheet as a CSV or XLSX download named `stem`.
fn sheet_file(sheet: &export::Sheet, lang: Language, xlsx: bool, stem: &str) -> Result<Response, ApiError> {
    let (bytes, content_type, ext) = if xlsx {
        (export::xlsx(sheet), export::XLSX_TYPE, "xlsx")
    } else {
        (export::csv(sheet, lang), export::CSV_TYPE, "csv")
    };
    let bytes = bytes.map_err(|e| ApiError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"{stem}.{ext}\"");
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

async fn invoices(app: &App, auth: &Auth, q: &ExportQuery, xlsx: bool) -> Result<Response, ApiError> {
    let period = period(app, auth, q).await?;
    let lang = match q.lang.as_deref() {
        Some("en") => Language::En,
        None | Some("") | Some("fr") => Language::Fr,
        Some(other) => {
            return Err(ApiError::field("lang", Message::new("export_lang").with("v", format!("{other:?}"))));
        }
    };
    let sheet = accounting::invoice_sheet(app, auth, period).await?;
    let (bytes, content_type, ext) = if xlsx {
        (export::xlsx(&sheet), export::XLSX_TYPE, "xlsx")
    } else {
        (export::csv(&sheet, lang), export::CSV_TYPE, "csv")
    };
    let bytes = bytes.map_err(|e| ApiError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"factures-{}-{}.{ext}\"", period.from, period.to);
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// `GET /exports/invoices.csv?from=&to=&lang=`.
pub async fn invoices_csv(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    invoices(&app, &auth, &q, false).await
}

/// `GET /exports/invoices.xlsx?from=&to=`.
pub async fn invoices_xlsx(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    invoices(&app, &auth, &q, true).await
}

/// The body of `POST /exports`: an export run and its line selector.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportInput {
    /// `fec`, `ximport`, `quadratus`, `ebp`, `csv` or `xlsx` (the entry lines in the FEC's columns).
    #[schema(required = true, value_type = String, pattern = "^(fec|ximport|quadratus|ebp|csv|xlsx)$")]
    pub format: Option<String>,
    /// The first day of the period.
    #[schema(required = true, value_type = written::DateText)]
    pub from: Option<String>,
    /// The last day of the period.
    #[schema(required = true, value_type = written::DateText)]
    pub to: Option<String>,
    /// Journal codes to export (`VE`, `BQ`…); left out or empty: every journal.
    #[schema(max_items = 20)]
    pub journals: Option<Vec<String>>,
    /// Write again the entries of the period exported before, with the numbers they got then.
    pub reexport: Option<bool>,
    /// `csv` only: the CSV profile of this run (columns, separator, decimal mark, date
    /// format, header, encoding), instead of the company's (`accounting.csv` of the settings).
    pub csv: Option<facturier_core::accounting::CsvProfile>,
}

/// An export run.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExportView {
    pub id: Uuid,
    /// The company's run number (1, 2…).
    pub seq: i64,
    /// `fec`, `ximport`, `quadratus`, `ebp`, `csv` or `xlsx`.
    pub format: String,
    #[schema(value_type = written::DateText)]
    pub from: String,
    #[schema(value_type = written::DateText)]
    pub to: String,
    /// The journals asked for; empty: every journal.
    pub journals: Vec<String>,
    /// Whether the file holds entries exported before (its name says so too).
    pub reexport: bool,
    /// Entries in the file.
    pub entries: i64,
    /// Entries exported for the first time by this run.
    pub new_entries: i64,
    /// Entry lines in the file.
    pub lines: i64,
    pub file_name: String,
    pub media_type: String,
    /// The file's size in bytes.
    pub size: i64,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    /// Where the file downloads, identical each time.
    pub file_url: String,
    pub created_by: Option<Uuid>,
    pub created_at: String,
}

/// A page of export runs, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExportPage {
    pub data: Vec<ExportView>,
    /// Pass it as `after` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// An export run as the API shows it.
pub fn export_view(r: &ExportRecord) -> ExportView {
    ExportView {
        id: r.id,
        seq: r.seq,
        format: r.format.clone(),
        from: date_text(r.from),
        to: date_text(r.to),
        journals: r.journals.clone(),
        reexport: r.reexport,
        entries: r.entries,
        new_entries: r.new_entries,
        lines: r.lines,
        file_name: r.file_name.clone(),
        media_type: r.media_type.clone(),
        size: r.size,
        sha256: r.sha256.clone(),
        file_url: format!("/api/v1/exports/{}/file", r.id),
        created_by: r.created_by,
        created_at: instant_text(r.created_at.instant()),
    }
}

/// Parses the body of `POST /exports` (every problem at once).
pub fn parse_export(input: &ExportInput) -> Result<ExportRequest, ApiError> {
    let mut v = Check::default();
    let format = match input.format.as_deref() {
        None => {
            v.error("format", Message::new("required"));
            None
        }
        Some(s) => {
            let f = ExportFormat::parse(s);
            if f.is_none() {
                v.error("format", Message::new("export_format").with("v", format!("{s:?}")));
            }
            f
        }
    };
    let mut date = |field: &str, s: &Option<String>| match s {
        Some(d) => v.date(field, d),
        None => {
            v.error(field, Message::new("required"));
            None
        }
    };
    let from = date("from", &input.from);
    let to = date("to", &input.to);
    let mut journals = Vec::new();
    for (i, j) in input.journals.iter().flatten().enumerate() {
        let j = j.trim().to_ascii_uppercase();
        match check_journal(&j) {
            Ok(()) if !journals.contains(&j) => journals.push(j),
            Ok(()) => {}
            Err(e) => v.error(format!("journals[{i}]"), e.message()),
        }
    }
    if journals.len() > MAX_JOURNALS {
        v.error("journals", Message::new("export_too_many_journals").with("max", MAX_JOURNALS));
    }
    if let Some(profile) = &input.csv {
        if format.is_some_and(|f| f != ExportFormat::Csv) {
            v.error("csv", Message::new("export_csv_only"));
        }
        for e in profile.check() {
            v.error(format!("csv.{}", e.field), e.message);
        }
    }
    v.finish()?;
    let (Some(format), Some(from), Some(to)) = (format, from, to) else {
        return Err(ApiError::field("format", Message::new("required")));
    };
    if from > to {
        return Err(ApiError::field("from", Message::new("export_period_order").with("from", from).with("to", to)));
    }
    Ok(ExportRequest {
        format,
        period: Period { from, to },
        journals,
        reexport: input.reexport.unwrap_or(false),
        csv: input.csv.clone(),
    })
}

/// Journals one run may name.
const MAX_JOURNALS: usize = 20;

/// `POST /exports`: makes, records and marks an export run.
pub async fn create_export(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<ExportInput>,
) -> Result<(StatusCode, Json<ExportView>), ApiError> {
    auth.require_write()?;
    let request = parse_export(&input)?;
    let r = accounting::record_export(&app.store, auth.company(), Some(auth.0.user_id), &request, auth.today()).await?;
    Ok((StatusCode::CREATED, Json(export_view(&r))))
}

/// The query of `GET /exports`.
#[derive(Deserialize)]
pub struct ExportListQuery {
    pub limit: Option<String>,
    pub after: Option<String>,
}

/// `GET /exports`: the history, newest first.
pub async fn list_exports(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ExportListQuery>,
) -> Result<Json<ExportPage>, ApiError> {
    let n = limit(q.limit.as_deref())?;
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<Uuid>().map_err(|_| ApiError::field("after", Message::new("cursor_previous_page")))?),
    };
    let rows = app.store.accounting_exports(auth.company(), after, n + 1).await?;
    let more = rows.len() > n as usize;
    let data: Vec<ExportView> = rows.iter().take(n as usize).map(export_view).collect();
    let next_cursor = if more { data.last().map(|r| r.id.to_string()) } else { None };
    Ok(Json(ExportPage { data, next_cursor }))
}

/// `GET /exports/{id}`.
pub async fn show_export(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<ExportView>, ApiError> {
    let id = path_id(&id, "export")?;
    Ok(Json(export_view(&app.store.accounting_export(auth.company(), id).await?)))
}

/// `GET /exports/{id}/file`: the stored file, the same bytes each time.
pub async fn export_file(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = path_id(&id, "export")?;
    let f = app.store.accounting_export_file(auth.company(), id).await?;
    Ok(stored_file(app.store.clone(), auth.company(), f))
}

/// The body of `POST /accounting/closings`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosingInput {
    /// The last day closed: a day that is over, after the last closing.
    #[schema(required = true, value_type = written::DateText)]
    pub through: Option<String>,
}

/// A closing of the books.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClosingView {
    pub id: Uuid,
    #[schema(value_type = written::DateText)]
    pub through: String,
    pub created_by: Option<Uuid>,
    pub created_at: String,
}

/// The closings, latest first, and where the books stand.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClosingList {
    pub data: Vec<ClosingView>,
    /// The last day closed; null while nothing is.
    #[schema(value_type = Option<written::DateText>)]
    pub closed_through: Option<String>,
    /// The first day of the current fiscal year (`accounting.fiscal_year_start_month`).
    #[schema(value_type = written::DateText)]
    pub fiscal_year_from: String,
    /// Its last day.
    #[schema(value_type = written::DateText)]
    pub fiscal_year_to: String,
}

fn closing_view(c: &Closing) -> ClosingView {
    ClosingView {
        id: c.id,
        through: date_text(c.through),
        created_by: c.created_by,
        created_at: instant_text(c.created_at.instant()),
    }
}

/// `POST /accounting/closings`: closes the books through a day (admins only).
pub async fn close_books(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<ClosingInput>,
) -> Result<(StatusCode, Json<ClosingView>), ApiError> {
    auth.require_admin()?;
    let through = accounting::parse_closing(input.through.as_deref(), auth.today())?;
    let c = app.store.close_books(auth.company(), through, Some(auth.0.user_id)).await?;
    Ok((StatusCode::CREATED, Json(closing_view(&c))))
}

/// `GET /accounting/closings`.
pub async fn list_closings(State(app): State<App>, auth: Auth) -> Result<Json<ClosingList>, ApiError> {
    let all = app.store.closings(auth.company()).await?;
    let chart = app.store.settings(auth.company()).await?.accounting;
    let (from, to) = chart.fiscal_year(auth.today());
    Ok(Json(ClosingList {
        closed_through: all.first().map(|c| date_text(c.through)),
        data: all.iter().map(closing_view).collect(),
        fiscal_year_from: date_text(from),
        fiscal_year_to: date_text(to),
    }))
}
