//! The import page: a CSV or XLSX file of customers or products sent once as a plain
//! multipart form (no JavaScript needed) and read at once (a dry run: the columns as they
//! were understood, the first rows, every rejected row with its reason in the reader's
//! language). The file is kept (`store::import_uploads`) so that the next steps name it:
//! the user changes which column fills which field, checks again and imports, with the
//! same operation as the API (`app::imports`).

use super::i18n::{Labels, t};
use super::session::{Chrome, CsrfForm, FormData, WebSession};
use super::{WebError, html, see_other};
use crate::App;
use crate::api::customer_files::UploadError;
use crate::app::imports::{self as ops, FileKind, ImportRequest, Outcome};
use crate::catalogue;
use crate::web::upload;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use facturier_core::import::{Target, header_key};
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::import_uploads::{IMPORT_RUN, ImportUpload, RunState, UploadTarget};
use facturier_store::jobs::NewJob;
use uuid::Uuid;

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
    ("imports.check", "Lire le fichier", "Read the file"),
    ("imports.recheck", "Vérifier à nouveau", "Check again"),
    ("imports.run", "Importer", "Import"),
    (
        "imports.again",
        "Rien n'est encore enregistré : vérifiez les colonnes, puis « Importer ».",
        "Nothing is saved yet: check the columns, then “Import”.",
    ),
    (
        "imports.mapping_help",
        "Chaque colonne du fichier remplit le champ choisi en face ; « Ne pas importer » la laisse de côté. Changez un choix puis « Vérifier à nouveau » : le fichier n'est pas à renvoyer.",
        "Each column of the file fills the field chosen beside it; “Leave out” skips it. Change a choice, then “Check again”: there is no need to send the file again.",
    ),
    ("imports.other_file", "Choisir un autre fichier", "Choose another file"),
    ("imports.file_name", "Fichier", "File"),
    (
        "imports.upload_gone",
        "Ce fichier n'est plus disponible (il est gardé un jour) : envoyez-le à nouveau.",
        "This file is no longer available (it is kept for a day): send it again.",
    ),
    ("imports.columns", "Colonnes du fichier", "Columns of the file"),
    ("imports.header", "En-tête du fichier", "Header in the file"),
    ("imports.field", "Champ", "Field"),
    ("imports.examples", "Exemples", "Examples"),
    ("imports.ignored", "Ne pas importer", "Leave out"),
    ("imports.see_customers", "Voir les clients", "See the customers"),
    ("imports.see_products", "Voir le catalogue", "See the catalogue"),
    ("imports.f.name", "Nom", "Name"),
    ("imports.f.kind", "Type (entreprise ou particulier)", "Kind (company or individual)"),
    ("imports.f.email", "E-mail", "E-mail"),
    ("imports.f.activity", "Activité", "Activity"),
    ("imports.f.siren", "SIREN", "SIREN"),
    ("imports.f.siret", "SIRET", "SIRET"),
    ("imports.f.vat_number", "N° de TVA intracommunautaire", "VAT number"),
    ("imports.f.iban", "IBAN", "IBAN"),
    ("imports.f.line1", "Adresse", "Address"),
    ("imports.f.line2", "Complément d'adresse", "Address line 2"),
    ("imports.f.postal_code", "Code postal", "Postal code"),
    ("imports.f.city", "Ville", "City"),
    ("imports.f.country", "Pays", "Country"),
    ("imports.f.contact_name", "Contact : nom", "Contact: name"),
    ("imports.f.contact_role", "Contact : fonction", "Contact: role"),
    ("imports.f.contact_email", "Contact : e-mail", "Contact: e-mail"),
    ("imports.f.phone", "Téléphone", "Phone"),
    ("imports.f.mobile", "Mobile", "Mobile"),
    ("imports.f.language", "Langue", "Language"),
    ("imports.f.currency", "Devise", "Currency"),
    ("imports.f.payment_terms", "Conditions de paiement", "Payment terms"),
    ("imports.f.notes", "Notes", "Notes"),
    ("imports.f.reference", "Référence", "Reference"),
    ("imports.f.unit", "Unité", "Unit"),
    ("imports.f.unit_price", "Prix unitaire HT", "Unit price excl. VAT"),
    ("imports.f.vat_rate", "Taux de TVA", "VAT rate"),
    ("imports.f.vat_category", "Catégorie de TVA", "VAT category"),
    ("imports.f.purchase_price", "Prix d'achat HT", "Purchase price excl. VAT"),
    ("imports.f.stock", "Stock", "Stock"),
    ("imports.f.nature", "Nature (bien ou service)", "Nature (goods or service)"),
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
    ("imports.progress", "Import en cours", "Import under way"),
    (
        "imports.queued",
        "L'import va commencer. Cette page se met à jour d'elle-même ; vous pouvez la quitter, l'import continue.",
        "The import is about to start. This page updates itself; you may leave it, the import goes on.",
    ),
    (
        "imports.checking",
        "Vérification des lignes : {done} sur {total}. Cette page se met à jour d'elle-même ; vous pouvez la quitter, l'import continue.",
        "Checking the rows: {done} of {total}. This page updates itself; you may leave it, the import goes on.",
    ),
    (
        "imports.writing",
        "Enregistrement des lignes : {done} sur {total} (tout est enregistré ensemble à la fin). Cette page se met à jour d'elle-même.",
        "Saving the rows: {done} of {total} (everything is saved together at the end). This page updates itself.",
    ),
    (
        "imports.writing_elsewhere",
        "Enregistrement des {total} lignes, en une seule fois. Cette page se met à jour d'elle-même.",
        "Saving the {total} rows, all at once. This page updates itself.",
    ),
    (
        "imports.failed",
        "L'import n'a rien enregistré. Voici le fichier vérifié à nouveau :",
        "The import saved nothing. Here is the file checked again:",
    ),
    ("imports.file_too_large", "Ce fichier dépasse 10 Mo.", "This file is over 10 MB."),
];

pub struct RejectedRow {
    pub row: usize,
    pub field: String,
    pub reason: String,
}

/// A column of the file: its header, the field it fills (`""`: left out) and a few of its
/// values.
pub struct Column {
    pub header: String,
    pub field: &'static str,
    pub examples: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportPage {
    p: Chrome,
    products: bool,
    /// A problem with the file or the mapping as a whole.
    error: Option<String>,
    summary: Option<String>,
    /// A check that found nothing wrong: the file can be imported.
    ready: bool,
    /// The kept file the mapping form names, and its name.
    upload: Option<(Uuid, String)>,
    /// The fields a column may fill, with their words.
    fields: Vec<(&'static str, &'static str)>,
    columns: Vec<Column>,
    headers: Vec<String>,
    preview: Vec<Vec<String>>,
    rejected: Vec<RejectedRow>,
    /// After an import: where to see what was imported.
    imported: Option<&'static str>,
    /// A background import under way: what it is doing, and how far it got.
    running: Option<Running>,
}

/// A background import under way, as its page shows it.
pub struct Running {
    pub words: String,
    /// Rows done and in all (`None`: no count to show yet).
    pub bar: Option<(u64, u64)>,
}

fn target_of(products: bool) -> Target {
    if products { Target::Products } else { Target::Customers }
}

impl ImportPage {
    async fn new(app: &App, s: &WebSession, products: bool) -> Result<ImportPage, WebError> {
        let lang = s.lang();
        let fields = target_of(products).fields().iter().map(|f| (*f, field_words(lang, f))).collect();
        Ok(ImportPage {
            p: s.chrome(app, "customers", t(lang, "imports.title").into()).await?,
            products,
            error: None,
            summary: None,
            ready: false,
            upload: None,
            fields,
            columns: Vec::new(),
            headers: Vec::new(),
            preview: Vec::new(),
            rejected: Vec::new(),
            imported: None,
            running: None,
        })
    }

    fn show(&mut self, lang: Language, out: &Outcome, dry_run: bool) {
        let n = |v: usize| text::count(u64::try_from(v).unwrap_or(u64::MAX), lang);
        let count = |key: &str| {
            t(lang, key)
                .replace("{rows}", &n(out.rows))
                .replace("{created}", &n(out.created))
                .replace("{updated}", &n(out.updated))
                .replace("{rejected}", &n(out.rejected.len()))
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
            .enumerate()
            .map(|(i, (h, f))| Column {
                header: h.clone(),
                field: f.unwrap_or(""),
                examples: out
                    .preview
                    .iter()
                    .filter_map(|row| row.get(i))
                    .filter(|c| !c.trim().is_empty())
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · "),
            })
            .collect();
        self.headers = out.columns.iter().map(|(h, _)| h.clone()).collect();
        self.preview = out.preview.clone();
        self.rejected = out
            .rejected
            .iter()
            .map(|r| RejectedRow {
                row: r.row,
                field: row_field(lang, &r.field),
                reason: catalogue::localize(lang, &r.message),
            })
            .collect();
        if !dry_run && out.rejected.is_empty() {
            self.imported = Some(if self.products { "/products" } else { "/customers" });
        }
    }

    fn refuse(&mut self, lang: Language, e: crate::error::ApiError) -> Result<Response, WebError> {
        match e {
            crate::error::ApiError::Invalid(errors) => {
                let text: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        format!("{} : {}", catalogue::field_name(lang, &e.field), catalogue::localize(lang, &e.message))
                    })
                    .collect();
                self.error = Some(text.join(" ; "));
                html(StatusCode::UNPROCESSABLE_ENTITY, self)
            }
            e => Err(WebError::api(lang, e)),
        }
    }
}

/// An import field in the reader's words.
fn field_words(lang: Language, field: &str) -> &'static str {
    super::i18n::lookup(lang, &format!("imports.f.{field}")).unwrap_or_else(|| t(lang, "imports.field"))
}

/// The field of a rejected row: an import field in words, else the API's field path.
fn row_field(lang: Language, field: &str) -> String {
    super::i18n::lookup(lang, &format!("imports.f.{field}"))
        .map_or_else(|| catalogue::field_name(lang, field), str::to_string)
}

/// The mapping the form's choices make, in the API's `Header:field;…` notation (headers
/// as `header_key` folds them, so a `;` or `:` in a header cannot break it).
fn mapping_of(form: &FormData, products: bool) -> String {
    let fields = target_of(products).fields();
    let mut entries = Vec::new();
    for i in 0.. {
        let Some(header) = form.get(&format!("header-{i}")) else { break };
        let chosen = form.get(&format!("field-{i}")).unwrap_or("");
        // A value outside the list is left out rather than trusted.
        let field = fields.iter().find(|f| **f == chosen).copied().unwrap_or("");
        let key = header_key(header);
        if !key.is_empty() {
            entries.push(format!("{key}:{field}"));
        }
    }
    entries.join(";")
}

fn upload_target(products: bool) -> UploadTarget {
    if products { UploadTarget::Products } else { UploadTarget::Customers }
}

fn file_kind_name(k: FileKind) -> &'static str {
    match k {
        FileKind::Csv => "csv",
        FileKind::Xlsx => "xlsx",
    }
}

/// `GET /imports`
pub async fn page(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    s.auth().require_write().map_err(|e| WebError::api(s.lang(), e))?;
    html(StatusCode::OK, &ImportPage::new(&app, &s, false).await?)
}

/// `POST /imports` (multipart: `csrf`, `what`, then `file`; optionally `mapping` and
/// `action=import` for a script): the file is read and checked, kept, and its columns
/// offered for mapping.
pub async fn run(
    State(app): State<App>,
    s: WebSession,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let form = upload::read_form(&app, &s, &headers, req).await?;
    let products = form.field("what") == Some("products");
    let mapping = form.field("mapping").filter(|m| !m.trim().is_empty()).map(String::from);
    let dry_run = form.field("action") != Some("import");
    let mut page = ImportPage::new(&app, &s, products).await?;
    let up = match form.file {
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
    let req =
        ImportRequest { target: target_of(products), file, bytes: &up.bytes, mapping: mapping.as_deref(), dry_run };
    let out = match ops::import(&app, &s.auth(), req).await {
        Ok(out) => out,
        Err(e) => return page.refuse(lang, e),
    };
    if dry_run {
        let id = app
            .store
            .save_import_upload(s.rec.company_id, upload_target(products), &up.name, file_kind_name(file), &up.bytes)
            .await
            .map_err(|e| WebError::store(lang, e))?;
        page.upload = Some((id, up.name.clone()));
    }
    page.show(lang, &out, dry_run);
    let status = if out.rejected.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    html(status, &page)
}

/// `POST /imports/{upload}` (`action=check|import`, `header-N` and `field-N` per column):
/// the kept file checked again with the columns as chosen, or imported.
pub async fn mapped(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let company = s.rec.company_id;
    let found = match Uuid::parse_str(&id) {
        Ok(id) => app.store.import_upload(company, id).await,
        Err(_) => Err(facturier_store::StoreError::NotFound("import_upload")),
    };
    let upload: ImportUpload = match found {
        Ok(u) => u,
        Err(facturier_store::StoreError::NotFound(_)) => {
            let mut page = ImportPage::new(&app, &s, false).await?;
            page.error = Some(t(lang, "imports.upload_gone").into());
            return html(StatusCode::NOT_FOUND, &page);
        }
        Err(e) => return Err(WebError::store(lang, e)),
    };
    let products = upload.target == UploadTarget::Products;
    if upload.run.as_ref().is_some_and(|r| r.state != RunState::Failed) {
        // Started already (a second click, the back button): its page says how it goes.
        return Ok(see_other(&format!("/imports/{}", upload.id)));
    }
    let mapping = mapping_of(&form, products);
    let dry_run = form.get("action") != Some("import");
    if !dry_run && upload.bytes.len() >= ops::BACKGROUND_FROM_BYTES {
        let payload = serde_json::json!({"upload_id": upload.id, "lang": lang});
        let job = NewJob::now(IMPORT_RUN, Some(company), payload);
        app.store.queue_import_run(company, upload.id, &mapping, &job).await.map_err(|e| WebError::store(lang, e))?;
        app.jobs.wake();
        return Ok(see_other(&format!("/imports/{}", upload.id)));
    }
    let file = if upload.file_kind == "xlsx" { FileKind::Xlsx } else { FileKind::Csv };
    let mut page = ImportPage::new(&app, &s, products).await?;
    let req =
        ImportRequest { target: target_of(products), file, bytes: &upload.bytes, mapping: Some(&mapping), dry_run };
    let out = match ops::import(&app, &s.auth(), req).await {
        Ok(out) => out,
        Err(e) => {
            page.upload = Some((upload.id, upload.name));
            return page.refuse(lang, e);
        }
    };
    page.show(lang, &out, dry_run);
    if out.written {
        app.store.delete_import_upload(company, upload.id).await.map_err(|e| WebError::store(lang, e))?;
    } else {
        page.upload = Some((upload.id, upload.name));
    }
    let status = if out.rejected.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    html(status, &page)
}

/// `GET /imports/{upload}`: a background import as far as it got (the page looks again
/// every second while it runs), then what it did; a failed one is checked again to show why.
pub async fn progress(State(app): State<App>, Path(id): Path<String>, s: WebSession) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let company = s.rec.company_id;
    let found = match Uuid::parse_str(&id) {
        Ok(id) => app.store.import_upload(company, id).await,
        Err(_) => Err(facturier_store::StoreError::NotFound("import_upload")),
    };
    let upload = match found {
        Ok(u) => u,
        Err(facturier_store::StoreError::NotFound(_)) => {
            let mut page = ImportPage::new(&app, &s, false).await?;
            page.error = Some(t(lang, "imports.upload_gone").into());
            return html(StatusCode::NOT_FOUND, &page);
        }
        Err(e) => return Err(WebError::store(lang, e)),
    };
    let Some(run) = upload.run.clone() else { return Ok(see_other("/imports")) };
    let products = upload.target == UploadTarget::Products;
    let mut page = ImportPage::new(&app, &s, products).await?;
    let words = |key: &str, done: u64| {
        t(lang, key).replace("{done}", &text::count(done, lang)).replace("{total}", &text::count(run.rows_total, lang))
    };
    match run.state {
        RunState::Queued => page.running = Some(Running { words: t(lang, "imports.queued").into(), bar: None }),
        RunState::Checking => {
            page.running = Some(Running {
                words: words("imports.checking", run.rows_checked),
                bar: Some((run.rows_checked, run.rows_total)),
            })
        }
        RunState::Writing => {
            page.running = Some(match ops::rows_written(upload.id) {
                Some(n) => {
                    let n = u64::try_from(n).unwrap_or(u64::MAX);
                    Running { words: words("imports.writing", n), bar: Some((n, run.rows_total)) }
                }
                // Another server runs it: its count is not here.
                None => Running { words: words("imports.writing_elsewhere", 0), bar: None },
            })
        }
        RunState::Done => {
            let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
            let out = Outcome {
                rows: n(run.rows_total),
                created: n(run.created),
                updated: n(run.updated),
                written: true,
                ..Outcome::default()
            };
            page.show(lang, &out, false);
        }
        RunState::Failed => {
            // Checked again with the same columns: every refused row with its reason.
            let file = if upload.file_kind == "xlsx" { FileKind::Xlsx } else { FileKind::Csv };
            let req = ImportRequest {
                target: target_of(products),
                file,
                bytes: &upload.bytes,
                mapping: run.mapping.as_deref(),
                dry_run: true,
            };
            page.upload = Some((upload.id, upload.name.clone()));
            let out = match ops::import(&app, &s.auth(), req).await {
                Ok(out) => out,
                Err(e) => return page.refuse(lang, e),
            };
            page.show(lang, &out, true);
            let why = run.error.clone().unwrap_or_else(|| t(lang, "imports.failed").into());
            page.error = Some(why);
        }
    }
    html(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_import_field_has_words_in_both_languages() {
        for target in [Target::Customers, Target::Products] {
            for f in target.fields() {
                for lang in [Language::Fr, Language::En] {
                    assert!(super::super::i18n::lookup(lang, &format!("imports.f.{f}")).is_some(), "{f} in {lang:?}");
                }
            }
        }
    }

    #[test]
    fn the_choices_make_a_mapping_that_keeps_only_known_fields() {
        let form = FormData(vec![
            ("header-0".into(), "Nom du tiers".into()),
            ("field-0".into(), "name".into()),
            ("header-1".into(), "Code; client: interne".into()),
            ("field-1".into(), "".into()),
            ("header-2".into(), "CP".into()),
            ("field-2".into(), "colour".into()),
            ("header-3".into(), "Ville".into()),
            ("field-3".into(), "city".into()),
        ]);
        assert_eq!(mapping_of(&form, false), "nom du tiers:name;code client interne:;cp:;ville:city");
        let parsed = facturier_core::import::parse_mapping(Target::Customers, &mapping_of(&form, false)).unwrap();
        assert_eq!(parsed.len(), 4);
    }
}
