//! Issued documents' files, rendered once and stored (`store::files`).
//!
//! `POST /{kind}/{id}/issue` renders every format of the document from its sealed content
//! and stores it before it answers ([`render_issued`]). Documents issued by any other path
//! (the bulk loader, the demo, a server stopped between issue and render) and those issued
//! before files were stored (a backfill) are listed by the store's pending list; each row
//! of it comes with a `document.render` job (a trigger writes it in the same transaction,
//! and storing the files removes both), which the job runner of `serve` runs
//! ([`render_job`]) from 5 s after the issue (the issue handler has stored the files by
//! then), at start-up for those already due, and at each poll. A download that finds no
//! file renders and stores it then ([`ensure`]). Nothing renders a stored file again: the
//! first one stored is the one served, for ever.

use crate::app::render::{model_of, pdf_bytes};
use crate::error::ApiError;
use crate::jobs::Waker;
use facturier_core::document::{DocumentKind, Status};
use facturier_formats::ubl::UblFlavor;
use facturier_store::Store;
use facturier_store::documents::DocumentRecord;
use facturier_store::files::{FileFormat, StoredFile};
use uuid::Uuid;

/// Renders under way at once in the process: one per core.
static RENDER_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

/// The formats a document of `kind` is stored in once issued: its PDF, and both UBL
/// flavours of an e-invoice (Peppol's and the French network's).
pub fn formats(kind: DocumentKind) -> Vec<FileFormat> {
    if kind.is_invoice() { vec![FileFormat::Pdf, FileFormat::Ubl, FileFormat::UblFr] } else { vec![FileFormat::Pdf] }
}

/// Wakes the job runner when an issued document still needs its files.
#[derive(Clone, Debug, Default)]
pub struct Renderer {
    wake: Waker,
}

impl Renderer {
    /// A renderer that wakes `runner`.
    pub fn new(runner: &Waker) -> Renderer {
        Renderer { wake: runner.clone() }
    }

    /// Asks the runner to look for documents without files now.
    pub fn wake(&self) {
        self.wake.wake();
    }
}

/// Runs a `document.render` job: renders and stores whatever files the document lacks
/// (nothing when a download or the issue handler stored them first).
pub async fn render_job(store: &Store, company: Uuid, id: Uuid) -> Result<(), ApiError> {
    let rec = store.issued_document(company, id).await?;
    ensure(store, company, &rec).await.map(drop)
}

/// Renders and stores the files of a document just issued, before the API answers. A
/// failure does not undo the issue (the number is drawn and sealed): it is logged, and the
/// document's render job, due 5 s after the issue, renders it again.
pub async fn render_issued(store: &Store, renderer: &Renderer, company: Uuid, rec: &DocumentRecord) {
    if let Err(e) = ensure(store, company, rec).await {
        tracing::error!(error = %e, document = %rec.id, "could not render an issued document's files");
        renderer.wake();
    }
}

/// The stored files of an issued document in every format of its kind, rendering and
/// storing those it has none of yet. When two renders race, the first stored wins and
/// both return it.
pub async fn ensure(store: &Store, company: Uuid, rec: &DocumentRecord) -> Result<Vec<StoredFile>, ApiError> {
    if rec.status == Status::Draft {
        return Err(ApiError::Internal("a draft has no stored files".into()));
    }
    let wanted = formats(rec.kind);
    let mut stored = store.document_files(company, rec.id).await?;
    stored.retain(|f| wanted.contains(&f.format));
    let missing: Vec<FileFormat> = wanted.iter().copied().filter(|w| stored.iter().all(|f| f.format != *w)).collect();
    if missing.is_empty() {
        return Ok(stored);
    }
    // Rendering is CPU work (a few milliseconds and some 10 MiB per PDF): as many at once
    // as there are cores, so that eight clients issuing at once do not take eight times
    // the memory for no more throughput.
    let _slot = RENDER_SLOTS.acquire().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    // An issued document renders from its sealed content alone; the date is a draft's.
    let today = rec.issue_date.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let doc = model_of(store, company, today, rec).await?;
    let mut rendered = Vec::with_capacity(missing.len());
    for format in missing {
        let bytes = match format {
            FileFormat::Pdf => pdf_bytes(rec, doc.clone()).await?,
            FileFormat::Ubl | FileFormat::UblFr => {
                let doc = doc.clone();
                let flavor = if format == FileFormat::Ubl { UblFlavor::Peppol } else { UblFlavor::France };
                tokio::task::spawn_blocking(move || facturier_formats::ubl::ubl_xml_for(&doc, flavor))
                    .await
                    .map_err(|e| ApiError::Internal(e.to_string()))??
            }
        };
        rendered.push((format, bytes));
    }
    let mut files = store.store_document_files(company, rec.id, rendered).await?;
    files.extend(stored);
    files.sort_by_key(|f| wanted.iter().position(|w| *w == f.format));
    Ok(files)
}
