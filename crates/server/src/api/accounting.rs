//! `/exports`: the accounting hand-off. `GET /exports/fec` streams the FEC of a period
//! (constant memory: one page of documents at a time); `GET /exports/invoices.csv` and
//! `.xlsx` give the invoice list of a period for a spreadsheet.

use crate::App;
use crate::api::query_date;
use crate::app::accounting::{self, Period};
use crate::auth::Auth;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::accounting::software::Software;
use facturier_formats::accounting::{Encoding, FecOptions, Separator};
use facturier_formats::export;
use serde::Deserialize;

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

fn period(auth: &Auth, q: &ExportQuery) -> Result<Period, ApiError> {
    let from = query_date("from", q.from.as_deref())?;
    let to = query_date("to", q.to.as_deref())?;
    Period::parse(from, to, auth.today())
}

/// `GET /exports/fec?from=&to=&separator=&encoding=`: the FEC of the period, streamed.
pub async fn fec(State(app): State<App>, auth: Auth, Query(q): Query<ExportQuery>) -> Result<Response, ApiError> {
    let period = period(&auth, &q)?;
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
    let body = Body::from_stream(futures_util::stream::unfold(Some(stream), |state| async move {
        let mut s = state?;
        match s.next_chunk().await {
            Ok(Some(bytes)) => Some((Ok::<_, std::io::Error>(bytes), Some(s))),
            Ok(None) => None,
            Err(e) => {
                // The status is sent: the body is cut short, which the client sees.
                tracing::error!("FEC export stopped: {e}");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
        }
    }));
    let content_type = format!("text/plain; charset={}", encoding.charset());
    Ok(([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

/// The FEC's entries in an accounting software's layout, streamed.
async fn software_file(app: &App, auth: &Auth, q: &ExportQuery, software: Software) -> Result<Response, ApiError> {
    let period = period(auth, q)?;
    let stream = accounting::fec(app, auth, period, FecOptions::default()).await?.as_software(software);
    let disposition = format!("attachment; filename=\"{}\"", stream.name);
    let body = Body::from_stream(futures_util::stream::unfold(Some(stream), |state| async move {
        let mut s = state?;
        match s.next_chunk().await {
            Ok(Some(bytes)) => Some((Ok::<_, std::io::Error>(bytes), Some(s))),
            Ok(None) => None,
            Err(e) => {
                tracing::error!("accounting export stopped: {e}");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
        }
    }));
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

async fn invoices(app: &App, auth: &Auth, q: &ExportQuery, xlsx: bool) -> Result<Response, ApiError> {
    let period = period(auth, q)?;
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
