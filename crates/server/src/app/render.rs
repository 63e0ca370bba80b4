//! A document's files (PDF, UBL): an issued document's as they were stored when it was
//! issued (`crate::files`), never rendered again; a draft's rendered at each download from
//! its content, its current parties and the company's settings, through the one render
//! model every output format reads.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use facturier_core::company::parse_colour;
use facturier_core::document::{DocumentKind, Status, settle};
use facturier_core::message::Message;
use facturier_core::party::Network;
use facturier_formats::model::{Appearance, Reference, RenderDocument, Settled};
use facturier_formats::text;
use facturier_store::Store;
use facturier_store::documents::DocumentRecord;
use facturier_store::files::FileFormat;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// Builds the render model of a document.
pub async fn model(app: &App, auth: &Auth, rec: &DocumentRecord) -> Result<RenderDocument, ApiError> {
    model_of(&app.store, auth.company(), auth.today(), rec).await
}

/// Builds the render model of a document of `company`; `today` dates a draft.
pub async fn model_of(
    store: &Store,
    company: Uuid,
    today: Date,
    rec: &DocumentRecord,
) -> Result<RenderDocument, ApiError> {
    let parties = store.parties(company, &rec.content).await?;
    let settings = store.settings(company).await?;
    let logo = store.logo(company).await?;
    let language = parties.buyer.language;
    let mut content = rec.content.clone();
    // An issued document prints what was sealed with it: its settings of the day, and
    // neither the payments nor the credit notes that came after (they live in the API and
    // the history). Its files are then the same bytes at every download. Documents issued
    // before the settings were sealed (no `printed`) still read the current ones.
    let printed = content.printed.clone().unwrap_or_else(|| {
        facturier_core::company::Printed::of(settings.default_bank(), &settings.legal, &settings.documents)
    });
    let frozen = content.printed.is_some();
    if content.terms.is_none() && !frozen {
        content.terms = settings.documents.default_terms.clone();
    }
    let totals = content.totals();
    let cur = content.currency;

    let mut settled = Vec::new();
    for p in rec.payments.iter().filter(|p| p.status == "recorded" && !frozen) {
        let label = match language {
            facturier_core::party::Language::Fr => format!("Règlement du {}", text::date(p.date, language)),
            facturier_core::party::Language::En => format!("Payment of {}", text::date(p.date, language)),
        };
        settled.push(Settled { label, amount: p.applied });
    }
    if !rec.credited.is_zero() && !frozen {
        let label = match language {
            facturier_core::party::Language::Fr => "Avoirs".to_string(),
            facturier_core::party::Language::En => "Credit notes".to_string(),
        };
        settled.push(Settled { label, amount: rec.credited });
    }
    let due =
        if rec.kind.is_payable() && !frozen { settle(totals.gross, rec.paid, rec.credited).due } else { totals.gross };
    let status = if frozen { rec.kind.issued_status() } else { rec.status };

    let mut preceding = Vec::new();
    if rec.kind == DocumentKind::CreditNote
        && let Some(parent) = rec.parent_id
    {
        let inv = store.document(company, DocumentKind::Invoice, parent).await;
        let inv = match inv {
            Ok(d) => d,
            Err(_) => store.document(company, DocumentKind::DepositInvoice, parent).await?,
        };
        if let Some(number) = inv.number {
            preceding.push(Reference { number, issue_date: inv.issue_date });
        }
    }

    // A final invoice names every deposit invoice it deducts (BG-3), which also makes
    // its billing frame "final invoice after deposits" (BT-23 …4).
    if rec.kind == DocumentKind::Invoice {
        for l in rec.links.iter().filter(|l| l.kind == DocumentKind::DepositInvoice && l.relation == "parent") {
            let dep = store.document(company, DocumentKind::DepositInvoice, l.id).await?;
            if let Some(number) = dep.number {
                preceding.push(Reference { number, issue_date: dep.issue_date });
            }
        }
    }

    let mut references = HashMap::new();
    for id in content.lines.iter().filter_map(|l| l.product_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = references.entry(id)
            && let Ok(p) = store.product(company, id).await
        {
            e.insert(p.product.reference);
        }
    }
    // The payment link decided when the invoice was issued (`app::documents::issue`): part
    // of what it prints for ever, whatever the Stripe settings became since.
    let payment_url = if rec.status != Status::Draft && rec.kind.is_payable() {
        store.printed_payment_link(company, rec.id).await?
    } else {
        None
    };
    Ok(RenderDocument {
        kind: rec.kind,
        status,
        number: rec.number.clone(),
        issue_date: rec.issue_date.unwrap_or(today),
        due_date: rec.due_date,
        operation: content.operation(),
        totals,
        content,
        seller: parties.seller,
        buyer: parties.buyer,
        language,
        bank: printed.bank,
        legal: printed.legal,
        settled,
        due: cur.round(due),
        preceding,
        profile: printed.facturx_profile,
        appearance: Appearance {
            logo: logo.map(|l| l.bytes),
            accent: printed.accent.as_deref().and_then(parse_colour),
            show_reference: printed.show_reference,
            show_discount: printed.show_discount,
            totals_on_every_page: printed.totals_on_every_page,
        },
        references,
        payment_url,
    })
}

fn file_name(rec: &DocumentRecord, ext: &str) -> String {
    let base = rec.number.clone().unwrap_or_else(|| format!("{}-draft-{}", rec.kind.as_str(), rec.id));
    let safe: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    format!("{safe}.{ext}")
}

/// A file to download: its bytes, media type and name.
pub struct DocumentFile {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub name: String,
}

/// The PDF of any document; issued invoices and credit notes carry their Factur-X XML.
/// An issued document's is the file stored when it was issued.
pub async fn pdf(app: &App, auth: &Auth, rec: &DocumentRecord) -> Result<DocumentFile, ApiError> {
    let bytes = if rec.status == Status::Draft {
        let doc = model(app, auth, rec).await?;
        pdf_bytes(rec, doc).await?
    } else {
        stored_bytes(app, auth, rec, FileFormat::Pdf).await?
    };
    Ok(DocumentFile { bytes, content_type: "application/pdf", name: file_name(rec, "pdf") })
}

/// The bytes of an issued document's stored file in `format`: rendered and stored first
/// if it has none yet (a document issued by another path whose files the worker has not
/// rendered yet, or a format added later).
pub async fn stored_bytes(
    app: &App,
    auth: &Auth,
    rec: &DocumentRecord,
    format: FileFormat,
) -> Result<Vec<u8>, ApiError> {
    let files = crate::files::ensure(&app.store, auth.company(), rec).await?;
    // Every route that asks for a format is one of the kind's formats (`files::formats`).
    files
        .into_iter()
        .find(|f| f.format == format)
        .map(|f| f.bytes)
        .ok_or_else(|| ApiError::Internal(format!("a {} has no {format} file", rec.kind.as_str())))
}

/// The PDF of a document from its render model (see [`model`]).
pub async fn pdf_bytes(rec: &DocumentRecord, doc: RenderDocument) -> Result<Vec<u8>, ApiError> {
    // Invoices in the legal sense (`DocumentKind::is_invoice`) are the e-invoices: Factur-X.
    let xml = if rec.kind.is_invoice() && rec.status != Status::Draft {
        Some(facturier_formats::cii::factur_x_xml(&doc)?)
    } else {
        None
    };
    // Rendering is CPU work of a few milliseconds; keep it off the async workers.
    let bytes = tokio::task::spawn_blocking(move || facturier_formats::pdf::render(&doc, xml.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(bytes)
}

/// Which UBL a buyer receives when none is asked for: the network the customer chose,
/// else its country's (a French buyer's platform checks BR-FR; others use Peppol).
async fn network_format(app: &App, auth: &Auth, rec: &DocumentRecord) -> Result<FileFormat, ApiError> {
    let network = app.store.customer(auth.company(), rec.content.customer_id).await?.customer.network();
    Ok(match network {
        Network::Fr => FileFormat::UblFr,
        Network::Peppol => FileFormat::Ubl,
    })
}

/// The UBL 2.1 invoice or credit note of an issued invoice: the file stored at issue, in
/// the flavour asked for (`peppol` or `fr`), else the buyer's network's.
pub async fn ubl(app: &App, auth: &Auth, rec: &DocumentRecord, flavor: Option<&str>) -> Result<DocumentFile, ApiError> {
    let format = match flavor.filter(|f| !f.is_empty()).map(str::parse::<Network>) {
        None => network_format(app, auth, rec).await?,
        Some(Ok(Network::Peppol)) => FileFormat::Ubl,
        Some(Ok(Network::Fr)) => FileFormat::UblFr,
        Some(Err(e)) => return Err(ApiError::field("flavor", e)),
    };
    if rec.status == Status::Draft {
        return Err(ApiError::Conflict(Message::new("draft_legal_number_yet")));
    }
    let xml = stored_bytes(app, auth, rec, format).await?;
    Ok(DocumentFile { bytes: xml, content_type: "application/xml", name: file_name(rec, "xml") })
}
