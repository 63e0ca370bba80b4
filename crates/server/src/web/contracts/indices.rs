//! `/indices`: the company's index series (SYNTEC…) with their latest value, and a form
//! publishing a value of any series; `/indices/{code}`: the series' values by month, the
//! same form, and a CSV file of `period;value` lines imported at once (all or nothing,
//! `app::index_import`, as `POST /api/v1/indices/{code}/values/import`).

use super::{field_errors, first_error};
use crate::App;
use crate::app::contracts::{self as ops, IndexValueInput, path_index_code};
use crate::app::index_import;
use crate::error::ApiError;
use crate::input::DecText;
use crate::web::i18n::t;
use crate::web::notice::with_done;
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::upload;
use crate::web::{WebError, html, messages, see_other};
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::text;

pub struct SeriesRow {
    pub href: String,
    pub code: String,
    pub latest: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "indices.html")]
struct ListPage {
    p: Chrome,
    series: Vec<SeriesRow>,
    form: FormData,
    errors: Vec<(String, String)>,
}

impl ListPage {
    fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
    fn value(&self, name: &str) -> String {
        self.form.get(name).unwrap_or_default().to_string()
    }
}

/// A month `YYYY-MM` in words: "03/2014".
fn month_words(m: &str) -> String {
    match m.split_once('-') {
        Some((y, mo)) => format!("{mo}/{y}"),
        None => m.to_string(),
    }
}

async fn render_list(
    app: &App,
    s: &WebSession,
    form: FormData,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let rows = app.store.index_series(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    let series = rows
        .into_iter()
        .map(|(code, count, month, value)| SeriesRow {
            href: format!("/indices/{code}"),
            latest: format!("{} · {}", month_words(&month), text::number(value, 0, lang)),
            code,
            count,
        })
        .collect();
    let page = ListPage { p: s.chrome(app, "contracts", t(lang, "index.title").into()).await?, series, form, errors };
    html(status, &page)
}

/// `GET /indices`
pub async fn list(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    render_list(&app, &s, FormData::default(), Vec::new(), StatusCode::OK).await
}

/// A value typed the French way too: `241,5`.
fn value_of(form: &FormData) -> Option<DecText> {
    form.text("value").map(|v| {
        DecText(v.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect::<String>().replace(',', "."))
    })
}

/// `POST /indices` (`code`, `period`, `value`): a value of any series, new or not.
pub async fn publish_new(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let code = form.text("code").unwrap_or_default();
    let done = match path_index_code(&code) {
        None => Err(ApiError::field("code", Message::new("index_code").with("v", &code))),
        Some(code) => {
            let input = IndexValueInput { period: form.text("period"), value: value_of(&form) };
            ops::publish(&app, s.rec.company_id, &code, &input).await
        }
    };
    match done {
        Ok((code, ..)) => Ok(see_other(&with_done(&format!("/indices/{code}"), "index_published"))),
        Err(e) => {
            let errors = field_errors(lang, e)?;
            render_list(&app, &s, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub struct ValueRow {
    pub period: String,
    pub month: String,
    pub value: String,
}

pub struct Imported {
    pub summary: String,
    /// (line, what is wrong).
    pub rejected: Vec<(usize, String)>,
}

#[derive(Template)]
#[template(path = "index.html")]
struct SeriesPage {
    p: Chrome,
    code: String,
    values: Vec<ValueRow>,
    form: FormData,
    errors: Vec<(String, String)>,
    imported: Option<Imported>,
}

impl SeriesPage {
    fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
    fn value(&self, name: &str) -> String {
        self.form.get(name).unwrap_or_default().to_string()
    }
}

async fn render_series(
    app: &App,
    s: &WebSession,
    code: &str,
    form: FormData,
    errors: Vec<(String, String)>,
    imported: Option<Imported>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let rows = app.store.index_values(s.rec.company_id, Some(code)).await.map_err(|e| WebError::store(lang, e))?;
    // The latest first: what a user publishes next follows it.
    let values = rows
        .into_iter()
        .rev()
        .map(|(_, month, value)| ValueRow { period: month_words(&month), month, value: text::number(value, 0, lang) })
        .collect();
    let page = SeriesPage {
        p: s.chrome(app, "contracts", format!("{} {code}", t(lang, "index.of"))).await?,
        code: code.to_string(),
        values,
        form,
        errors,
        imported,
    };
    html(status, &page)
}

fn code_of(lang: Language, code: &str) -> Result<String, WebError> {
    path_index_code(code).ok_or(WebError::NotFound(lang))
}

/// `GET /indices/{code}`: its values (none yet: the page to publish its first).
pub async fn page(State(app): State<App>, s: WebSession, Path(code): Path<String>) -> Result<Response, WebError> {
    let code = code_of(s.lang(), &code)?;
    render_series(&app, &s, &code, FormData::default(), Vec::new(), None, StatusCode::OK).await
}

/// `POST /indices/{code}` (`period`, `value`).
pub async fn publish(
    State(app): State<App>,
    Path(code): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let code = code_of(lang, &code)?;
    let input = IndexValueInput { period: form.text("period"), value: value_of(&form) };
    match ops::publish(&app, s.rec.company_id, &code, &input).await {
        Ok(_) => Ok(see_other(&with_done(&format!("/indices/{code}"), "index_published"))),
        Err(e) => {
            let errors = field_errors(lang, e)?;
            render_series(&app, &s, &code, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /indices/{code}/import` (multipart: `csrf`, then `file`): the file's values
/// imported, or every refused line listed with its number and nothing imported (422).
pub async fn import(
    State(app): State<App>,
    s: WebSession,
    headers: HeaderMap,
    Path(code): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let code = code_of(lang, &code)?;
    let form = upload::read_form(&app, &s, &headers, req).await?;
    let Ok(up) = form.file.map_err(|_| ()).and_then(|u| if u.bytes.is_empty() { Err(()) } else { Ok(u) }) else {
        let errors = vec![("file".to_string(), t(lang, "index.file_missing").to_string())];
        return render_series(&app, &s, &code, FormData::default(), errors, None, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let r = index_import::import(&app, s.rec.company_id, &code, &up.bytes).await.map_err(|e| WebError::api(lang, e))?;
    if r.rejected.is_empty() {
        let summary = t(lang, "index.imported")
            .replace("{created}", &text::count(r.created as u64, lang))
            .replace("{updated}", &text::count(r.updated as u64, lang));
        let imported = Imported { summary, rejected: Vec::new() };
        render_series(&app, &s, &code, FormData::default(), Vec::new(), Some(imported), StatusCode::OK).await
    } else {
        let rejected = r
            .rejected
            .iter()
            .map(|l| {
                let field = if l.field == "file" {
                    String::new()
                } else {
                    format!("{} : ", t(lang, &format!("index.{}", l.field)))
                };
                (l.line, format!("{field}{}", messages::message(lang, &l.message)))
            })
            .collect();
        let imported = Imported { summary: t(lang, "index.rejected").to_string(), rejected };
        render_series(
            &app,
            &s,
            &code,
            FormData::default(),
            Vec::new(),
            Some(imported),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }
}
