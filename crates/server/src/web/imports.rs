//! The import page: a CSV or XLSX file of customers or products sent as a plain
//! multipart form (no JavaScript needed), checked first (a dry run: the columns as they
//! were understood, the first rows, every rejected row with its reason in the reader's
//! language), then imported with the same operation as the API (`app::imports`).

use super::i18n::{Labels, t};
use super::session::{Chrome, WebSession, same_secret};
use super::{WebError, html};
use crate::App;
use crate::api::customer_files::{self as files, UploadError};
use crate::app::imports::{self as ops, FileKind, ImportRequest, Outcome};
use crate::catalogue;
use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use facturier_core::import::Target;
use facturier_core::message::Message;
use facturier_core::party::Language;

pub const LABELS: Labels = &[
    ("imports.title", "Importer", "Import"),
    ("imports.link", "Importer un fichier", "Import a file"),
    (
        "imports.help",
        "Un fichier CSV ou XLSX (export Dolibarr, EBP ou tableur) dont la première ligne nomme les colonnes. Vérifiez d'abord : rien n'est enregistré tant qu'une ligne est refusée. Réimporter le même fichier met les fiches à jour sans les dupliquer (clients par SIREN, e-mail, ou nom et code postal ; produits par référence).",
        "A CSV or XLSX file (a Dolibarr, EBP or spreadsheet export) whose first row names the columns. Check first: nothing is saved while a row is refused. Importing the same file again updates the records without duplicating them (customers by SIREN, e-mail, or name and postal code; products by reference).",
    ),
    ("imports.what", "Que contient le fichier ?", "What does the file hold?"),
    ("imports.customers", "Des clients", "Customers"),
    ("imports.products", "Des produits et services", "Products and services"),
    ("imports.file", "Fichier CSV ou XLSX (10 Mo au plus)", "CSV or XLSX file (at most 10 MB)"),
    ("imports.mapping", "Correspondance des colonnes (facultatif)", "Column mapping (optional)"),
    (
        "imports.mapping_hint",
        "Une colonne par paire « en-tête du fichier:champ », séparées par des points-virgules ; « En-tête: » seul ignore une colonne. Par exemple :",
        "One “file header:field” pair per column, separated by semicolons; “Header:” alone leaves a column out. For example:",
    ),
    ("imports.check", "Vérifier sans enregistrer", "Check without saving"),
    ("imports.run", "Importer", "Import"),
    (
        "imports.again",
        "Pour importer, choisissez à nouveau le fichier puis « Importer ».",
        "To import, choose the file again, then “Import”.",
    ),
    ("imports.columns", "Colonnes reconnues", "Columns recognised"),
    ("imports.header", "En-tête du fichier", "Header in the file"),
    ("imports.field", "Champ", "Field"),
    ("imports.ignored", "ignorée", "left out"),
    ("imports.preview", "Premières lignes", "First rows"),
    ("imports.rejected", "Lignes refusées", "Rejected rows"),
    ("imports.row", "Ligne", "Row"),
    ("imports.reason", "Motif", "Reason"),
    (
        "imports.summary_check",
        "Lignes lues : {rows}. Fiches à créer : {created} ; à mettre à jour : {updated}.",
        "Rows read: {rows}. Records to create: {created}; to update: {updated}.",
    ),
    (
        "imports.summary_done",
        "Lignes importées : {rows}. Fiches créées : {created} ; mises à jour : {updated}.",
        "Rows imported: {rows}. Records created: {created}; updated: {updated}.",
    ),
    (
        "imports.summary_rejected",
        "Lignes lues : {rows} ; refusées : {rejected}. Rien n'a été enregistré.",
        "Rows read: {rows}; rejected: {rejected}. Nothing was saved.",
    ),
    ("imports.file_missing", "Choisissez un fichier non vide.", "Choose a file that is not empty."),
    ("imports.file_too_large", "Ce fichier dépasse 10 Mo.", "This file is over 10 MB."),
];

pub struct RejectedRow {
    pub row: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportPage {
    p: Chrome,
    products: bool,
    mapping: String,
    /// A problem with the file or the mapping as a whole.
    error: Option<String>,
    summary: Option<String>,
    /// A dry run that found nothing wrong: the file can be imported.
    ready: bool,
    columns: Vec<(String, String)>,
    preview: Vec<Vec<String>>,
    rejected: Vec<RejectedRow>,
}

impl ImportPage {
    async fn new(app: &App, s: &WebSession, products: bool, mapping: String) -> Result<ImportPage, WebError> {
        Ok(ImportPage {
            p: s.chrome(app, "customers", t(s.lang(), "imports.title").into()).await?,
            products,
            mapping,
            error: None,
            summary: None,
            ready: false,
            columns: Vec::new(),
            preview: Vec::new(),
            rejected: Vec::new(),
        })
    }

    fn show(&mut self, lang: Language, out: &Outcome, dry_run: bool) {
        let count = |key: &str| {
            t(lang, key)
                .replace("{rows}", &out.rows.to_string())
                .replace("{created}", &out.created.to_string())
                .replace("{updated}", &out.updated.to_string())
                .replace("{rejected}", &out.rejected.len().to_string())
        };
        self.summary = Some(match (out.rejected.is_empty(), dry_run) {
            (false, _) => count("imports.summary_rejected"),
            (true, true) => count("imports.summary_check"),
            (true, false) => count("imports.summary_done"),
        });
        self.ready = dry_run && out.rejected.is_empty();
        self.columns = out
            .columns
            .iter()
            .map(|(h, f)| {
                (
                    h.clone(),
                    f.map_or_else(|| t(lang, "imports.ignored").to_string(), |f| catalogue::field_name(lang, f)),
                )
            })
            .collect();
        self.preview = out.preview.clone();
        self.rejected = out
            .rejected
            .iter()
            .map(|r| RejectedRow {
                row: r.row,
                field: catalogue::field_name(lang, &r.field),
                reason: catalogue::localize(lang, &r.message),
            })
            .collect();
    }
}

/// `GET /imports`
pub async fn page(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    s.auth().require_write().map_err(|e| WebError::api(s.lang(), e))?;
    html(StatusCode::OK, &ImportPage::new(&app, &s, false, String::new()).await?)
}

/// `POST /imports` (multipart: `csrf`, `what`, `mapping`, `action`, then `file`): a dry
/// run (`action=check`) or the import, shown on the same page.
pub async fn run(
    State(app): State<App>,
    s: WebSession,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let mp = Multipart::from_request(req, &app)
        .await
        .map_err(|e| WebError::BadRequest(lang, Message::new("multipart_unreadable").with("e", e.body_text())))?;
    let mut fields = Vec::new();
    let read = files::read_upload(mp, &mut fields).await;
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(String::from).or_else(|| field("csrf"));
    if !same_secret(&sent.unwrap_or_default(), &s.rec.csrf_token) {
        return Err(WebError::Csrf(lang));
    }
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let products = field("what").as_deref() == Some("products");
    let mapping = field("mapping").unwrap_or_default();
    let dry_run = field("action").as_deref() != Some("import");
    let mut page = ImportPage::new(&app, &s, products, mapping.clone()).await?;
    let up = match read {
        Ok(up) => up,
        Err(UploadError::TooLarge) => {
            page.error = Some(t(lang, "imports.file_too_large").into());
            return html(StatusCode::PAYLOAD_TOO_LARGE, &page);
        }
        Err(UploadError::NoFile) => {
            page.error = Some(t(lang, "imports.file_missing").into());
            return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(UploadError::Malformed(m)) => return Err(WebError::BadRequest(lang, m)),
    };
    let file = FileKind::of_name(&up.name)
        .or_else(|| FileKind::of_content_type(&up.content_type).ok())
        .unwrap_or(if up.bytes.starts_with(b"PK\x03\x04") { FileKind::Xlsx } else { FileKind::Csv });
    let target = if products { Target::Products } else { Target::Customers };
    let req = ImportRequest { target, file, bytes: &up.bytes, mapping: Some(&mapping), dry_run };
    match ops::import(&app, &s.auth(), req).await {
        Ok(out) => {
            page.show(lang, &out, dry_run);
            let status = if out.rejected.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            html(status, &page)
        }
        Err(crate::error::ApiError::Invalid(errors)) => {
            let text: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!("{} : {}", catalogue::field_name(lang, &e.field), catalogue::localize(lang, &e.message))
                })
                .collect();
            page.error = Some(text.join(" ; "));
            html(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}
