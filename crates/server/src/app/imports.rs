//! Imports of customers and products from a CSV or XLSX file: the table is read
//! (`formats::table`), its columns mapped to fields (`core::import`), each row turned into
//! the input of `POST /customers` or `POST /products` and checked by the same `parse`, so a
//! rejected row names the field and the message a POST would. A row that finds a stored
//! record (a customer by SIREN, e-mail, or name and postal code; a product by reference)
//! updates it: the row's cells are laid over the record as a merge patch would. A dry run,
//! or a run with any rejected row, writes nothing; a real run writes every row in one
//! transaction (`Store::import_customers`, `import_products`).

use crate::App;
use crate::api::products::ProductInput;
use crate::app::customers::{ContactInput, CustomerInput};
use crate::auth::Auth;
use crate::catalogue;
use crate::error::ApiError;
use crate::input::DecText;
use facturier_core::import::{self as map, CustomerIndex, CustomerKey, Target};
use facturier_core::message::Message;
use facturier_core::party::{Customer, Language, fold};
use facturier_core::product::Product;
use facturier_formats::table::{self, Row, Table};
use facturier_store::Store;
use facturier_store::StoreError;
use facturier_store::import_uploads::{ImportRun, RunState, UploadTarget};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The media type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Largest file an import reads: 10 MiB (some 80 000 customers of a Dolibarr export).
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// From this size on (some 1 500 rows), the web page imports a file in the background and
/// shows how far it got, instead of making the user wait on a request.
pub const BACKGROUND_FROM_BYTES: usize = 128 * 1024;
/// Rows shown in a preview.
pub const PREVIEW_ROWS: usize = 5;

/// The format of an imported file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    /// The format a `Content-Type` names (`text/csv`, or the XLSX media type), or 415.
    pub fn of_content_type(content_type: &str) -> Result<FileKind, ApiError> {
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" | "application/csv" | "text/plain" => Ok(FileKind::Csv),
            XLSX => Ok(FileKind::Xlsx),
            _ => Err(ApiError::UnsupportedMediaType { expected: "import_media_type", got: content_type.to_string() }),
        }
    }

    /// The format a file name tells (`.csv`, `.xlsx`), for the command line and uploads
    /// whose browser sent no useful type.
    pub fn of_name(name: &str) -> Option<FileKind> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".txt") {
            Some(FileKind::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(FileKind::Xlsx)
        } else {
            None
        }
    }
}

/// An import to run.
pub struct ImportRequest<'a> {
    pub target: Target,
    pub file: FileKind,
    pub bytes: &'a [u8],
    /// The `mapping` parameter (`Header:field;…`), which overrides the headers.
    pub mapping: Option<&'a str>,
    pub dry_run: bool,
}

/// A row that cannot be imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// Its line in the file (the header row is line 1).
    pub row: usize,
    /// The field a POST would name.
    pub field: String,
    pub message: Message,
}

/// What a run did, or (a dry run) would do.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub rejected: Vec<Rejected>,
    /// Each column's header and the field it fills (`None`: left out).
    pub columns: Vec<(String, Option<&'static str>)>,
    /// The first rows' cells, for a preview.
    pub preview: Vec<Vec<String>>,
    /// Whether anything was written.
    pub written: bool,
}

/// Rows checked between two looks at the clock when a run reports its progress.
const PROGRESS_EVERY_ROWS: usize = 500;
/// The least time between two progress records.
const PROGRESS_EVERY: Duration = Duration::from_millis(300);

/// The rows written so far by the background imports this process runs, by upload. A
/// write is one transaction, during which SQLite takes no other write: the count of a run
/// under way lives here, for the page, while its state and the checked rows are stored.
static WRITING: LazyLock<Mutex<HashMap<Uuid, Arc<AtomicUsize>>>> = LazyLock::new(Mutex::default);

/// The rows written so far by the import of `upload` when this process runs it.
pub fn rows_written(upload: Uuid) -> Option<usize> {
    let runs = WRITING.lock().ok()?;
    runs.get(&upload).map(|n| n.load(Ordering::Relaxed))
}

/// Where a run reports how far it got: nowhere (the API, the command line), or the upload
/// a background import runs for, which its page follows.
pub struct Progress<'a> {
    upload: Option<(&'a Store, Uuid)>,
    last: Mutex<Instant>,
    written: Arc<AtomicUsize>,
}

impl<'a> Progress<'a> {
    /// A run nobody follows.
    pub fn none() -> Progress<'static> {
        Progress { upload: None, last: Mutex::new(Instant::now()), written: Arc::default() }
    }

    /// A run recorded on the company's upload `upload`.
    pub fn of_upload(store: &'a Store, upload: Uuid) -> Progress<'a> {
        let written = Arc::<AtomicUsize>::default();
        if let Ok(mut runs) = WRITING.lock() {
            runs.insert(upload, Arc::clone(&written));
        }
        Progress { upload: Some((store, upload)), last: Mutex::new(Instant::now()), written }
    }

    async fn record(&self, company: Uuid, state: RunState, total: usize, checked: usize) {
        if let Some((store, upload)) = self.upload {
            let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
            // A lost progress record only delays what the page shows; the import goes on.
            if let Err(e) = store.import_run_progress(company, upload, state, n(total), n(checked)).await {
                tracing::warn!(error = %e, %upload, "imports: cannot record the progress");
            }
        }
    }

    /// `checked` of `total` rows checked: recorded now and then.
    async fn checked(&self, company: Uuid, total: usize, checked: usize) {
        if self.upload.is_none() || !checked.is_multiple_of(PROGRESS_EVERY_ROWS) {
            return;
        }
        let due = match self.last.lock() {
            Ok(mut last) if last.elapsed() >= PROGRESS_EVERY => {
                *last = Instant::now();
                true
            }
            _ => false,
        };
        if due {
            self.record(company, RunState::Checking, total, checked).await;
        }
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if let (Some((_, upload)), Ok(mut runs)) = (self.upload, WRITING.lock()) {
            runs.remove(&upload);
        }
    }
}

/// Imports a file into the caller's company.
pub async fn import(app: &App, auth: &Auth, req: ImportRequest<'_>) -> Result<Outcome, ApiError> {
    auth.require_write()?;
    run(&app.store, auth.company(), req).await
}

/// Imports a file into a company (the command line calls it directly).
pub async fn run(store: &Store, company: Uuid, req: ImportRequest<'_>) -> Result<Outcome, ApiError> {
    run_with_progress(store, company, req, &Progress::none()).await
}

/// As [`run`], recording how far it got where `progress` says.
pub async fn run_with_progress(
    store: &Store,
    company: Uuid,
    req: ImportRequest<'_>,
    progress: &Progress<'_>,
) -> Result<Outcome, ApiError> {
    if req.bytes.len() > MAX_FILE {
        return Err(ApiError::TooLarge);
    }
    let read = match req.file {
        FileKind::Csv => table::read_csv(req.bytes),
        FileKind::Xlsx => table::read_xlsx(req.bytes),
    };
    let table = read.map_err(|e| ApiError::field("file", e.message()))?;
    let overrides = match req.mapping.filter(|m| !m.trim().is_empty()) {
        Some(m) => map::parse_mapping(req.target, m).map_err(|e| ApiError::field("mapping", e))?,
        None => Vec::new(),
    };
    let columns =
        map::map_columns(req.target, &table.headers, &overrides).map_err(|e| ApiError::field("mapping", e))?;
    let mut out = Outcome {
        rows: table.rows.len(),
        columns: table.headers.iter().cloned().zip(columns.iter().copied()).collect(),
        preview: table.rows.iter().take(PREVIEW_ROWS).map(|r| r.cells.clone()).collect(),
        ..Default::default()
    };
    match req.target {
        Target::Customers => {
            let customers = check_customers(store, company, &table, &columns, &mut out, progress).await?;
            if out.rejected.is_empty() && !req.dry_run {
                progress.record(company, RunState::Writing, out.rows, out.rows).await;
                let counts = store.import_customers_counted(company, &customers, &progress.written).await?;
                (out.created, out.updated, out.written) = (counts.created, counts.updated, true);
            }
        }
        Target::Products => {
            let products = check_products(store, company, &table, &columns, &mut out, progress).await?;
            if out.rejected.is_empty() && !req.dry_run {
                progress.record(company, RunState::Writing, out.rows, out.rows).await;
                let counts = store.import_products_counted(company, &products, &progress.written).await?;
                (out.created, out.updated, out.written) = (counts.created, counts.updated, true);
            }
        }
    }
    if !out.rejected.is_empty() && !req.dry_run {
        (out.created, out.updated) = (0, 0);
    }
    Ok(out)
}

/// The target an upload was kept for.
pub fn target_of_upload(t: UploadTarget) -> Target {
    match t {
        UploadTarget::Customers => Target::Customers,
        UploadTarget::Products => Target::Products,
    }
}

/// The background import of a kept upload (the job `import.run`): runs it with the mapping
/// it was queued with, records its progress on the upload, then how it ended. A store
/// failure is returned for the job to be tried again; anything else ends the run, recorded
/// in `lang`, the language of the user who started it.
pub async fn run_upload(store: &Store, company: Uuid, upload: Uuid, lang: Language) -> Result<(), String> {
    let kept = match store.import_upload(company, upload).await {
        Ok(kept) => kept,
        // Removed meanwhile (housekeeping): nothing to do.
        Err(StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    let Some(run) = kept.run.filter(|r| r.state.is_running()) else { return Ok(()) };
    let file = if kept.file_kind == "xlsx" { FileKind::Xlsx } else { FileKind::Csv };
    let req = ImportRequest {
        target: target_of_upload(kept.target),
        file,
        bytes: &kept.bytes,
        mapping: run.mapping.as_deref(),
        dry_run: false,
    };
    let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    let end = match run_with_progress(store, company, req, &Progress::of_upload(store, upload)).await {
        Ok(out) => ImportRun {
            state: if out.written { RunState::Done } else { RunState::Failed },
            rows_total: n(out.rows),
            rows_checked: n(out.rows),
            created: n(out.created),
            updated: n(out.updated),
            ..run
        },
        Err(ApiError::Internal(e)) => return Err(e),
        Err(ApiError::Invalid(errors)) => ImportRun {
            state: RunState::Failed,
            error: Some(
                errors
                    .iter()
                    .map(|e| {
                        format!("{} : {}", catalogue::field_name(lang, &e.field), catalogue::localize(lang, &e.message))
                    })
                    .collect::<Vec<_>>()
                    .join(" ; "),
            ),
            ..run
        },
        Err(e) => ImportRun { state: RunState::Failed, error: Some(catalogue::localize(lang, &e.message())), ..run },
    };
    store.finish_import_run(company, upload, &end).await.map_err(|e| e.to_string())
}

/// A row's non-empty cells by the field their column fills.
fn fields_of<'r>(row: &'r Row, columns: &[Option<&'static str>]) -> HashMap<&'static str, &'r str> {
    columns.iter().enumerate().filter_map(|(i, f)| f.map(|f| (f, row.cell(i)))).filter(|(_, v)| !v.is_empty()).collect()
}

/// Records the field errors of a row's `parse`.
fn reject(out: &mut Outcome, row: usize, e: ApiError) {
    match e {
        ApiError::Invalid(errors) => {
            out.rejected.extend(errors.into_iter().map(|e| Rejected { row, field: e.field, message: e.message }))
        }
        other => out.rejected.push(Rejected { row, field: String::new(), message: other.message() }),
    }
}

/// Lays a row's cells over a customer's input (the stored customer's for an update).
fn customer_input(mut input: CustomerInput, f: &HashMap<&'static str, &str>) -> CustomerInput {
    let text = |k: &str| f.get(k).map(|v| v.to_string());
    let set = |slot: &mut Option<String>, k: &str| {
        if let Some(v) = text(k) {
            *slot = Some(v);
        }
    };
    set(&mut input.name, "name");
    set(&mut input.kind, "kind");
    set(&mut input.email, "email");
    set(&mut input.activity, "activity");
    set(&mut input.iban, "iban");
    set(&mut input.language, "language");
    set(&mut input.currency, "currency");
    set(&mut input.notes, "notes");
    if let Some(t) = text("payment_terms") {
        input.payment_terms = Some(DecText(t));
    }
    if ["siren", "siret", "vat_number"].iter().any(|k| f.contains_key(k)) {
        let mut legal = input.legal.take().unwrap_or_default();
        set(&mut legal.siren, "siren");
        set(&mut legal.siret, "siret");
        set(&mut legal.vat_number, "vat_number");
        input.legal = Some(legal);
    }
    if ["line1", "line2", "postal_code", "city", "country"].iter().any(|k| f.contains_key(k)) {
        let mut a = input.billing_address.take().unwrap_or_default();
        set(&mut a.line1, "line1");
        set(&mut a.line2, "line2");
        set(&mut a.city, "city");
        // An empty country is France, unless the stored address has one.
        match (text("country"), &a.country) {
            (Some(c), _) => a.country = Some(map::country_code(&c)),
            (None, None) => a.country = Some(map::country_code("")),
            (None, Some(_)) => {}
        }
        if let Some(pc) = text("postal_code") {
            a.postal_code = Some(map::postal_code(&pc, a.country.as_deref().unwrap_or_default()));
        }
        input.billing_address = Some(a);
    }
    if ["contact_name", "contact_role", "contact_email", "phone", "mobile"].iter().any(|k| f.contains_key(k)) {
        // A contact without a name of its own is the customer's switchboard: it takes its name.
        let name = text("contact_name").or_else(|| input.name.clone());
        let mut contacts = input.contacts.take().unwrap_or_default();
        let same = |c: &ContactInput| c.name.as_deref().map(fold) == name.as_deref().map(fold);
        let at = match contacts.iter().position(same) {
            Some(i) => i,
            None => {
                contacts.push(ContactInput { name: name.clone(), ..Default::default() });
                contacts.len() - 1
            }
        };
        let c = &mut contacts[at];
        set(&mut c.role, "contact_role");
        set(&mut c.email, "contact_email");
        set(&mut c.phone, "phone");
        set(&mut c.mobile, "mobile");
        input.contacts = Some(contacts);
    }
    input
}

/// The keys a row that does not check on its own may still find its customer by: its
/// SIREN (or its SIRET's first nine digits) and its e-mail, as written.
fn raw_keys(f: &HashMap<&'static str, &str>) -> Vec<CustomerKey> {
    let digits = |k: &str| f.get(k).map(|v| v.chars().filter(char::is_ascii_digit).collect::<String>());
    let mut keys = Vec::new();
    match (digits("siren"), digits("siret")) {
        (Some(s), _) if s.len() == 9 => keys.push(CustomerKey::Siren(s)),
        (_, Some(s)) if s.len() == 14 => keys.push(CustomerKey::Siren(s[..9].to_string())),
        _ => {}
    }
    if let Some(e) = f.get("email") {
        keys.push(CustomerKey::Email(e.trim().to_lowercase()));
    }
    keys
}

/// Checks every row of a customer file; returns the customers to write (updates merged
/// over the stored customer they find).
async fn check_customers(
    store: &Store,
    company: Uuid,
    table: &Table,
    columns: &[Option<&'static str>],
    out: &mut Outcome,
    progress: &Progress<'_>,
) -> Result<Vec<Customer>, ApiError> {
    let stored = store.all_customers(company).await?;
    let mut index = CustomerIndex::default();
    for (i, r) in stored.iter().enumerate() {
        index.insert(&r.customer, i);
    }
    let mut seen: CustomerIndex<usize> = CustomerIndex::default();
    let mut customers = Vec::with_capacity(table.rows.len());
    progress.record(company, RunState::Checking, table.rows.len(), 0).await;
    for (i, row) in table.rows.iter().enumerate() {
        progress.checked(company, table.rows.len(), i).await;
        let f = fields_of(row, columns);
        let alone = customer_input(CustomerInput::default(), &f).parse();
        let keys = match &alone {
            Ok(c) => map::customer_keys(c),
            Err(_) => raw_keys(&f),
        };
        let found = index.find(&keys).map(|(_, i)| *i);
        let parsed = match found {
            Some(i) => customer_input(CustomerInput::from_customer(&stored[i].customer), &f).parse(),
            None => alone,
        };
        let customer = match parsed {
            Ok(c) => c,
            Err(e) => {
                reject(out, row.number, e);
                continue;
            }
        };
        let keys = map::customer_keys(&customer);
        if let Some((key, first)) = seen.find(&keys) {
            out.rejected.push(Rejected {
                row: row.number,
                field: field_of_key(key).into(),
                message: key.duplicate(*first),
            });
            continue;
        }
        seen.insert(&customer, row.number);
        match found {
            Some(_) => out.updated += 1,
            None => out.created += 1,
        }
        customers.push(customer);
    }
    Ok(customers)
}

/// The field a customer key comes from, as a POST names it.
fn field_of_key(key: &CustomerKey) -> &'static str {
    match key {
        CustomerKey::Siren(_) => "legal.siren",
        CustomerKey::Email(_) => "email",
        CustomerKey::Name(..) => "name",
    }
}

/// Lays a row's cells over a product's input (the stored product's for an update).
fn product_input(mut input: ProductInput, f: &HashMap<&'static str, &str>) -> ProductInput {
    let text = |k: &str| f.get(k).map(|v| v.to_string());
    let dec = |k: &str| f.get(k).map(|v| DecText(map::decimal_text(v)));
    if let Some(v) = text("reference") {
        input.reference = Some(v);
    }
    if let Some(v) = text("name") {
        input.name = Some(v);
    }
    if let Some(v) = text("unit") {
        input.unit = Some(v);
    }
    if let Some(v) = text("vat_category") {
        input.vat_category = Some(v);
    }
    if let Some(v) = text("nature") {
        input.nature = Some(v);
    }
    if let Some(v) = dec("unit_price") {
        input.unit_price = Some(v);
    }
    if let Some(v) = dec("vat_rate") {
        input.vat_rate = Some(v);
    }
    if let Some(v) = dec("purchase_price") {
        input.purchase_price = Some(v);
    }
    if let Some(v) = dec("stock") {
        input.stock = Some(v);
    }
    input
}

/// Checks every row of a product file; returns the products to write.
async fn check_products(
    store: &Store,
    company: Uuid,
    table: &Table,
    columns: &[Option<&'static str>],
    out: &mut Outcome,
    progress: &Progress<'_>,
) -> Result<Vec<Product>, ApiError> {
    let stored: HashMap<String, Product> =
        store.all_products(company).await?.into_iter().map(|r| (r.product.reference.clone(), r.product)).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut products = Vec::with_capacity(table.rows.len());
    progress.record(company, RunState::Checking, table.rows.len(), 0).await;
    for (i, row) in table.rows.iter().enumerate() {
        progress.checked(company, table.rows.len(), i).await;
        let f = fields_of(row, columns);
        let found = f.get("reference").and_then(|r| stored.get(r.trim()));
        let base = found.map(ProductInput::from_product).unwrap_or_default();
        let product = match product_input(base, &f).parse() {
            Ok(p) => p,
            Err(e) => {
                reject(out, row.number, e);
                continue;
            }
        };
        if let Some(first) = seen.get(&product.reference) {
            out.rejected.push(Rejected {
                row: row.number,
                field: "reference".into(),
                message: map::duplicate_reference(*first),
            });
            continue;
        }
        seen.insert(product.reference.clone(), row.number);
        match found {
            Some(_) => out.updated += 1,
            None => out.created += 1,
        }
        products.push(product);
    }
    Ok(products)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(pairs: &[(&'static str, &'a str)]) -> HashMap<&'static str, &'a str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_row_makes_the_input_a_post_would_take() {
        let f = fields(&[
            ("name", "Boulangerie Durand"),
            ("line1", "3 rue des Lilas"),
            ("postal_code", "1000"),
            ("city", "Bourg-en-Bresse"),
            ("phone", "04 74 00 00 00"),
            ("siret", "73282932000074"),
        ]);
        let c = customer_input(CustomerInput::default(), &f).parse().expect("customer");
        assert_eq!(c.billing_address.postal_code, "01000");
        assert_eq!(c.billing_address.country.as_str(), "FR");
        assert_eq!(c.legal.siren.as_ref().map(|s| s.as_str()), Some("732829320"));
        assert_eq!(c.contacts.len(), 1);
        assert_eq!(c.contacts[0].name, "Boulangerie Durand");
        assert_eq!(c.contacts[0].phone.as_deref(), Some("04 74 00 00 00"));
    }

    #[test]
    fn a_row_is_rejected_with_the_fields_a_post_names() {
        let f = fields(&[("name", "Sans adresse"), ("email", "pas-un-email")]);
        let Err(ApiError::Invalid(errors)) = customer_input(CustomerInput::default(), &f).parse() else {
            panic!("accepted")
        };
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, vec!["email", "billing_address"]);
    }

    #[test]
    fn an_update_keeps_what_the_file_does_not_say() {
        let f = fields(&[("name", "Durand"), ("line1", "1 rue"), ("postal_code", "75001"), ("city", "Paris")]);
        let mut base = customer_input(CustomerInput::default(), &f);
        base.notes = Some("à garder".into());
        let c = customer_input(base, &fields(&[("city", "Lyon"), ("contact_name", "Léa")])).parse().expect("customer");
        assert_eq!(c.notes.as_deref(), Some("à garder"));
        assert_eq!(c.billing_address.city, "Lyon");
        assert_eq!(c.contacts[0].name, "Léa");
    }

    #[test]
    fn product_prices_are_read_with_decimal_commas() {
        let f = fields(&[("reference", "P-1"), ("name", "Pose"), ("unit_price", "1 234,50"), ("vat_rate", "5,5 %")]);
        let p = product_input(ProductInput::default(), &f).parse().expect("product");
        assert_eq!(p.unit_price.to_string(), "1234.5");
        assert_eq!(p.vat.rate().to_string(), "5.5");
    }

    #[test]
    fn the_content_type_names_the_format() {
        assert_eq!(FileKind::of_content_type("text/csv; charset=utf-8").ok(), Some(FileKind::Csv));
        assert_eq!(FileKind::of_content_type(XLSX).ok(), Some(FileKind::Xlsx));
        assert!(matches!(FileKind::of_content_type("application/json"), Err(ApiError::UnsupportedMediaType { .. })));
    }
}
