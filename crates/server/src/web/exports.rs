//! Accounting exports in the web app ("Exports comptables", `/exports`): the line
//! selector of a new export run (period, format, journals, re-export) and the history of
//! runs with their files to download again. The form calls `app::accounting`, as
//! `POST /exports` does; a refused form comes back with each error by its input.

use super::i18n::{Labels, t};
use super::messages;
use super::notice::with_done;
use super::session::{Chrome, CsrfForm, WebSession};
use super::{WebError, html, see_other};
use crate::App;
use crate::api::accounting::{ExportInput, parse_export};
use crate::app::accounting::{ExportFormat, record_export};
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::party::Language;
use facturier_formats::text;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.exports", "Exports comptables", "Accounting exports"),
    ("exports.title", "Exports comptables", "Accounting exports"),
    ("exports.new", "Nouvel export", "New export"),
    (
        "exports.help",
        "Seules les écritures jamais exportées de la période et des journaux choisis sont exportées ; elles reçoivent leur numéro définitif. Cochez « réexporter » pour obtenir à nouveau celles déjà exportées, avec leurs numéros.",
        "Only the entries of the period and journals chosen that were never exported are exported; they get their final number. Tick “re-export” to get those exported before again, with their numbers.",
    ),
    ("exports.from", "Du", "From"),
    ("exports.to", "Au", "To"),
    ("exports.format", "Format", "Format"),
    ("exports.format.fec", "FEC (fichier des écritures comptables)", "FEC (French audit file)"),
    ("exports.format.ximport", "Ciel / Sage 50 (XIMPORT)", "Ciel / Sage 50 (XIMPORT)"),
    ("exports.format.quadratus", "Quadratus", "Quadratus"),
    ("exports.format.ebp", "EBP", "EBP"),
    ("exports.format.csv", "CSV des écritures", "CSV of the entries"),
    ("exports.format.xlsx", "Classeur XLSX des écritures", "XLSX workbook of the entries"),
    ("exports.journals", "Journaux (codes séparés par des virgules)", "Journals (codes, comma-separated)"),
    (
        "exports.journals_help",
        "Vide : tous les journaux (VE ventes, BQ banque, CA caisse…).",
        "Empty: every journal (VE sales, BQ bank, CA cash…).",
    ),
    ("exports.reexport", "Réexporter les écritures déjà exportées", "Re-export the entries exported before"),
    ("exports.create", "Exporter", "Export"),
    ("exports.history", "Historique des exports", "Export history"),
    ("exports.none", "Aucun export pour l'instant.", "No export yet."),
    ("exports.run", "N°", "No."),
    ("exports.period", "Période", "Period"),
    ("exports.entries", "Écritures (nouvelles)", "Entries (new)"),
    ("exports.made", "Fait le", "Made on"),
    ("exports.file", "Fichier", "File"),
    ("exports.reexported", "Réexport", "Re-export"),
];

pub struct FormatOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct RunRow {
    pub seq: i64,
    pub period: String,
    pub format: String,
    pub journals: String,
    pub entries: i64,
    pub new_entries: i64,
    pub reexport: bool,
    pub made: String,
    pub href: String,
    pub file_name: String,
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    p: Chrome,
    from: String,
    to: String,
    journals: String,
    reexport: bool,
    formats: Vec<FormatOption>,
    runs: Vec<RunRow>,
    errors: Vec<(String, String)>,
}

impl ExportsPage {
    fn err(&self, name: &str) -> Option<String> {
        self.errors.iter().find(|(k, _)| k == name || k.starts_with(&format!("{name}["))).map(|(_, m)| m.clone())
    }
}

/// What the form holds.
struct Typed {
    from: String,
    to: String,
    format: String,
    journals: String,
    reexport: bool,
}

async fn render(
    app: &App,
    s: &WebSession,
    typed: Typed,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let all = app.store.accounting_exports(s.rec.company_id, None, 200).await.map_err(|e| WebError::store(lang, e))?;
    let runs = all
        .iter()
        .map(|r| RunRow {
            seq: r.seq,
            period: format!("{} – {}", text::date(r.from, lang), text::date(r.to, lang)),
            format: t(lang, &format!("exports.format.{}", r.format)).to_string(),
            journals: r.journals.join(", "),
            entries: r.entries,
            new_entries: r.new_entries,
            reexport: r.reexport,
            made: text::local_date(r.created_at.instant(), &s.rec.country, lang),
            href: format!("/exports/{}/file", r.id),
            file_name: r.file_name.clone(),
        })
        .collect();
    let formats = ExportFormat::ALL
        .iter()
        .map(|f| FormatOption {
            value: f.as_str(),
            label: t(lang, &format!("exports.format.{}", f.as_str())).to_string(),
            selected: f.as_str() == typed.format,
        })
        .collect();
    let page = ExportsPage {
        p: s.chrome(app, "exports", t(lang, "exports.title").into()).await?,
        from: typed.from,
        to: typed.to,
        journals: typed.journals,
        reexport: typed.reexport,
        formats,
        runs,
        errors,
    };
    html(status, &page)
}

/// `GET /exports`: the form (the current fiscal year proposed) and the history.
pub async fn page(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    let lang = s.lang();
    let chart = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?.accounting;
    let (from, to) = chart.fiscal_year(s.today());
    let typed = Typed {
        from: from.to_string(),
        to: to.to_string(),
        format: "fec".into(),
        journals: String::new(),
        reexport: false,
    };
    render(&app, &s, typed, Vec::new(), StatusCode::OK).await
}

/// `POST /exports`: records the run, or the form again with the errors.
pub async fn create(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let typed = Typed {
        from: form.text("from").unwrap_or_default(),
        to: form.text("to").unwrap_or_default(),
        format: form.text("format").unwrap_or_default(),
        journals: form.text("journals").unwrap_or_default(),
        reexport: form.text("reexport").is_some(),
    };
    let input = ExportInput {
        format: Some(typed.format.clone()).filter(|f| !f.is_empty()),
        from: Some(typed.from.clone()).filter(|f| !f.is_empty()),
        to: Some(typed.to.clone()).filter(|f| !f.is_empty()),
        journals: Some(
            typed.journals.split([',', ' ', ';']).filter(|j| !j.trim().is_empty()).map(String::from).collect(),
        ),
        reexport: Some(typed.reexport),
        csv: None,
    };
    let auth = s.auth();
    let made = match (auth.require_write(), parse_export(&input)) {
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(request)) => {
            record_export(&app.store, s.rec.company_id, Some(auth.0.user_id), &request, s.today()).await
        }
    };
    match made {
        Ok(_) => Ok(see_other(&with_done("/exports", "export_recorded"))),
        Err(ApiError::Invalid(errors)) => {
            let errors = errors.into_iter().map(|f| (f.field, messages::message(lang, &f.message))).collect();
            render(&app, &s, typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(WebError::api(lang, other)),
    }
}

/// `GET /exports/{id}/file`: the run's stored file.
pub async fn file(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang: Language = s.lang();
    let id: Uuid = id.parse().map_err(|_| WebError::NotFound(lang))?;
    let f = app.store.accounting_export_file(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(crate::api::accounting::stored_file(app.store.clone(), s.rec.company_id, f))
}
