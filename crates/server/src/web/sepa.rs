//! SEPA direct debit in the web app ("Prélèvements"): a customer's mandates (add with
//! IBAN, BIC, reference, signature date and place; amend; revoke), the batches
//! (`/sepa`), a new batch over the open invoices of customers holding a mandate, a
//! batch's page (its debits, its pain.008 file, its collection, a reject per debit or a
//! bank's reject file). Every action calls `app::sepa`, as the API does; a refused form
//! comes back with each error next to its input and what was typed kept.

use super::confirm::{self, Ask};
use super::i18n::{Labels, t};
use super::messages;
use super::notice::with_done;
use super::session::{Chrome, CsrfForm, FormData, WebSession};
use super::{WebError, html, see_other};
use crate::App;
use crate::api::sepa::{MandateAmendInput, MandateInput, parse_amendment, parse_mandate};
use crate::app::sepa as ops;
use crate::error::ApiError;
use crate::input::{Check, DecRules, DecText};
use crate::web::upload;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::money::{Currency, MAX_MAGNITUDE};
use facturier_core::party::Language;
use facturier_core::sepa::{REJECT_REASONS, ReasonCode, earliest_collection_date};
use facturier_formats::text;
use facturier_store::sepa::{BatchRecord, Mandate};
use serde::Deserialize;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.sepa", "Prélèvements", "Direct debits"),
    ("sepa.title", "Prélèvements SEPA", "SEPA direct debits"),
    ("sepa.mandates", "Mandats de prélèvement SEPA", "SEPA direct-debit mandates"),
    ("sepa.mandates_of", "Mandats SEPA de", "SEPA mandates of"),
    ("sepa.no_mandate", "Aucun mandat.", "No mandate."),
    ("sepa.reference", "Référence unique du mandat (RUM)", "Unique mandate reference (UMR)"),
    ("sepa.iban", "IBAN du débiteur", "Debtor's IBAN"),
    ("sepa.bic", "BIC (facultatif)", "BIC (optional)"),
    ("sepa.signed_on", "Date de signature", "Signature date"),
    ("sepa.signed_at", "Lieu de signature", "Place of signature"),
    ("sepa.recurrence", "Type de paiement", "Payment type"),
    ("sepa.recurrent", "Récurrent", "Recurrent"),
    ("sepa.one_off", "Ponctuel", "One-off"),
    ("sepa.status", "État", "Status"),
    ("sepa.status.active", "Actif", "Active"),
    ("sepa.status.revoked", "Révoqué", "Revoked"),
    ("sepa.next", "Prochain prélèvement", "Next debit"),
    ("sepa.add", "Ajouter un mandat", "Add a mandate"),
    ("sepa.add_button", "Enregistrer le mandat", "Save the mandate"),
    ("sepa.amend", "Modifier (amendement)", "Amend"),
    (
        "sepa.amend_help",
        "Un nouvel IBAN ou une nouvelle référence : le prochain prélèvement le signale à la banque (ancienne référence, ancien compte ; « SMNDA » et premier prélèvement FRST si la banque change).",
        "A new IBAN or a new reference: the next debit reports it to the bank (former reference, former account; “SMNDA” and a first debit FRST when the bank changes).",
    ),
    ("sepa.new_iban", "Nouvel IBAN", "New IBAN"),
    ("sepa.new_bic", "Nouveau BIC", "New BIC"),
    ("sepa.new_reference", "Nouvelle référence", "New reference"),
    ("sepa.amend_button", "Enregistrer l'amendement", "Save the amendment"),
    ("sepa.amended", "Amendement à signaler", "Amendment to report"),
    ("sepa.revoke", "Révoquer", "Revoke"),
    ("sepa.back_customer", "Retour à la fiche client", "Back to the customer"),
    ("sepa.batches", "Lots de prélèvements", "Direct-debit batches"),
    ("sepa.no_batch", "Aucun lot pour l'instant.", "No batch yet."),
    ("sepa.new", "Nouveau prélèvement", "New direct debit"),
    ("sepa.collection_date", "Date de prélèvement", "Collection date"),
    (
        "sepa.date_help",
        "Un jour ouvré TARGET2, au plus tôt le {date} (le fichier doit parvenir à la banque un jour ouvré avant).",
        "A TARGET2 business day, {date} at the earliest (the file must reach the bank one business day before).",
    ),
    ("sepa.count", "Prélèvements", "Debits"),
    ("sepa.total", "Total", "Total"),
    ("sepa.created", "Créé le", "Made on"),
    ("sepa.batch", "Lot", "Batch"),
    ("sepa.batch_of", "Lot de prélèvements du", "Direct-debit batch of"),
    ("sepa.batch_status.created", "À encaisser", "Awaiting collection"),
    ("sepa.batch_status.collected", "Encaissé", "Collected"),
    ("sepa.invoices", "Factures à prélever", "Invoices to collect"),
    (
        "sepa.none_collectable",
        "Aucune facture à prélever : il faut une facture émise, en euros, restant due, d'un client ayant un mandat actif.",
        "No invoice to collect: an issued invoice in euros with something due, of a customer with an active mandate, is needed.",
    ),
    ("sepa.invoice", "Facture", "Invoice"),
    ("sepa.customer", "Client", "Customer"),
    ("sepa.due", "Dû", "Due"),
    ("sepa.create", "Créer le lot", "Create the batch"),
    ("sepa.debits", "Prélèvements du lot", "Debits of the batch"),
    ("sepa.amount", "Montant", "Amount"),
    ("sepa.mandate", "Mandat", "Mandate"),
    ("sepa.sequence", "Séquence", "Sequence"),
    ("sepa.debit_status.pending", "En attente", "Pending"),
    ("sepa.debit_status.collected", "Encaissé", "Collected"),
    ("sepa.debit_status.rejected", "Rejeté", "Rejected"),
    ("sepa.download", "Télécharger le fichier (pain.008.001.02)", "Download the file (pain.008.001.02)"),
    ("sepa.download_08", "Version pain.008.001.08", "Version pain.008.001.08"),
    ("sepa.collect", "Marquer encaissé", "Mark collected"),
    ("sepa.collected_on", "Encaissé le", "Collected on"),
    ("sepa.reject", "Rejet", "Reject"),
    ("sepa.reason", "Motif (code ISO 20022)", "Reason (ISO 20022 code)"),
    ("sepa.fee", "Frais bancaires", "Bank fee"),
    ("sepa.reject_date", "Date du rejet", "Date of the reject"),
    ("sepa.reject_button", "Enregistrer le rejet", "Record the reject"),
    ("sepa.file", "Fichier de rejets de la banque (pain.002 ou camt.054)", "Bank's reject file (pain.002 or camt.054)"),
    ("sepa.file_button", "Importer le fichier", "Import the file"),
    ("sepa.file_result", "Fichier importé", "File imported"),
    ("sepa.outcome.rejected", "Rejet enregistré", "Reject recorded"),
    ("sepa.outcome.already", "Déjà rejeté (rien de refait)", "Already rejected (nothing done again)"),
    ("sepa.outcome.unknown", "Référence inconnue", "Unknown reference"),
    ("sepa.outcome.invalid", "Code motif invalide", "Invalid reason code"),
    ("sepa.reference_col", "Référence", "Reference"),
    ("sepa.outcome", "Résultat", "Outcome"),
    ("sepa.file_missing", "Choisissez le fichier XML de la banque.", "Choose the bank's XML file."),
    // The form field of the payment settings, named by its API path.
    ("sepa.creditor_id", "Identifiant créancier SEPA (ICS)", "SEPA creditor identifier (ICS)"),
    ("sepa.settings_link", "Réglages des paiements (ICS, Stripe)", "Payment settings (creditor id, Stripe)"),
    // Confirmations.
    ("confirm.sepa_revoke_q", "Révoquer le mandat {reference}\u{a0}?", "Revoke mandate {reference}?"),
    (
        "confirm.sepa_revoke",
        "Plus aucun prélèvement ne sera fait sous ce mandat. Il restera dans la liste, révoqué.",
        "No debit will be made under this mandate any more. It stays in the list, revoked.",
    ),
    ("confirm.sepa_revoke_button", "Révoquer le mandat", "Revoke the mandate"),
    (
        "confirm.sepa_reject_q",
        "Enregistrer le rejet du prélèvement {number}\u{a0}?",
        "Record the reject of debit {number}?",
    ),
    (
        "confirm.sepa_reject",
        "Motif {reason}. Le règlement du prélèvement sera annulé : la facture redeviendra due, avec le motif dans son historique ; les frais de {fee} seront notés.",
        "Reason {reason}. The debit's payment will be cancelled: the invoice becomes due again, with the reason in its history; the fee of {fee} is kept.",
    ),
    ("confirm.sepa_reject_button", "Enregistrer le rejet", "Record the reject"),
];

/// The reason codes offered, `code — label`, in the reader's language.
fn reasons(lang: Language) -> Vec<(&'static str, String)> {
    REJECT_REASONS
        .iter()
        .map(|(code, en, fr)| (*code, format!("{code} — {}", if lang == Language::Fr { fr } else { en })))
        .collect()
}

/// An API error as (field, message) pairs in the reader's language.
fn field_errors(lang: Language, e: ApiError) -> Result<Vec<(String, String)>, WebError> {
    match e {
        ApiError::Invalid(errors) => {
            Ok(errors.into_iter().map(|f| (f.field, messages::message(lang, &f.message))).collect())
        }
        other => Err(WebError::api(lang, other)),
    }
}

fn id_of(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

fn first_error(errors: &[(String, String)], name: &str) -> Option<String> {
    errors.iter().find(|(k, _)| k == name).map(|(_, m)| m.clone())
}

// ---------------------------------------------------------------------------------------
// Mandates
// ---------------------------------------------------------------------------------------

pub struct MandateRow {
    pub id: String,
    pub reference: String,
    pub iban: String,
    pub bic: String,
    pub signed: String,
    pub recurrence: &'static str,
    pub status: &'static str,
    pub active: bool,
    pub next: &'static str,
    pub amended: bool,
    /// The amendment form's values and errors, when this mandate's form came back.
    pub form: FormData,
    pub errors: Vec<(String, String)>,
}

impl MandateRow {
    pub fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
    pub fn value(&self, name: &str) -> String {
        self.form.get(name).unwrap_or_default().to_string()
    }
}

#[derive(Template)]
#[template(path = "sepa_mandates.html")]
struct MandatesPage {
    p: Chrome,
    customer_id: String,
    mandates: Vec<MandateRow>,
    /// The add form's values and errors.
    form: FormData,
    errors: Vec<(String, String)>,
    today: String,
    proposed: String,
}

impl MandatesPage {
    fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
    fn value(&self, name: &str) -> String {
        self.form.get(name).unwrap_or_default().to_string()
    }
}

fn mandate_row(m: &Mandate, lang: Language) -> MandateRow {
    let mut signed = text::date(m.signed_on, lang);
    if let Some(place) = &m.signed_at_place {
        signed.push_str(&format!(" · {place}"));
    }
    MandateRow {
        id: m.id.to_string(),
        reference: m.reference.clone(),
        iban: m.iban.clone(),
        bic: m.bic.clone().unwrap_or_default(),
        signed,
        recurrence: if m.recurrence == "one_off" { "sepa.one_off" } else { "sepa.recurrent" },
        status: if m.status == "revoked" { "sepa.status.revoked" } else { "sepa.status.active" },
        active: m.status == "active",
        next: m.next_sequence().as_str(),
        amended: m.amended(),
        form: FormData::default(),
        errors: Vec::new(),
    }
}

/// A reference not yet used by the company's mandates: `RUM-<customer's first letters>-<n>`.
async fn proposed_reference(app: &App, company: Uuid, customer: &str, taken: usize) -> String {
    let stem: String =
        customer.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect::<String>().to_uppercase();
    let stem = if stem.is_empty() { "CLIENT".to_string() } else { stem };
    let year = time::OffsetDateTime::now_utc().year();
    for n in taken + 1..taken + 50 {
        let candidate = format!("RUM-{stem}-{year}-{n:03}");
        if !app.store.mandate_reference_taken(company, &candidate).await.unwrap_or(true) {
            return candidate;
        }
    }
    format!("RUM-{}", Uuid::now_v7().simple()).chars().take(35).collect()
}

/// A mandate's amendment form that came back: the mandate, what was typed, the errors.
type AmendForm = (Uuid, FormData, Vec<(String, String)>);

async fn render_mandates(
    app: &App,
    s: &WebSession,
    customer_id: Uuid,
    form: FormData,
    errors: Vec<(String, String)>,
    amend: Option<AmendForm>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let company = s.rec.company_id;
    let rec = app.store.customer(company, customer_id).await.map_err(|e| WebError::store(lang, e))?;
    let all = app.store.mandates(company, customer_id).await.map_err(|e| WebError::store(lang, e))?;
    let mut mandates: Vec<MandateRow> = all.iter().map(|m| mandate_row(m, lang)).collect();
    if let Some((id, f, e)) = amend
        && let Some(row) = mandates.iter_mut().find(|r| r.id == id.to_string())
    {
        row.form = f;
        row.errors = e;
    }
    let name = rec.customer.name.clone();
    let proposed = proposed_reference(app, company, &name, all.len()).await;
    let page = MandatesPage {
        p: s.chrome(app, "customers", format!("{} {}", t(lang, "sepa.mandates_of"), name)).await?,
        customer_id: customer_id.to_string(),
        mandates,
        form,
        errors,
        today: s.today().to_string(),
        proposed,
    };
    html(status, &page)
}

/// `GET /customers/{id}/mandates`
pub async fn mandates(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = id_of(s.lang(), &id)?;
    render_mandates(&app, &s, id, FormData::default(), Vec::new(), None, StatusCode::OK).await
}

/// `POST /customers/{id}/mandates`: the mandate, or the page again with the errors.
pub async fn add_mandate(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = id_of(lang, &id)?;
    app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let input = MandateInput {
        iban: form.text("iban"),
        bic: form.text("bic"),
        reference: form.text("reference"),
        signed_on: form.text("signed_on"),
        signed_at_place: form.text("signed_at_place"),
        recurrence: form.text("recurrence"),
    };
    let made = match parse_mandate(id, &input, s.today()) {
        Ok(m) => ops::create_mandate(&app, &s.auth(), &m).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(_) => Ok(see_other(&with_done(&format!("/customers/{id}/mandates"), "sepa_mandate_added"))),
        Err(e) => {
            let errors = field_errors(lang, e)?;
            render_mandates(&app, &s, id, form, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /customers/{id}/mandates/{mandate_id}/amend`.
pub async fn amend_mandate(
    State(app): State<App>,
    Path((id, mandate_id)): Path<(String, String)>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let (id, mandate_id) = (id_of(lang, &id)?, id_of(lang, &mandate_id)?);
    app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let input = MandateAmendInput { iban: form.text("iban"), bic: form.text("bic"), reference: form.text("reference") };
    let done = match parse_amendment(&input) {
        Ok(change) => ops::amend_mandate(&app, &s.auth(), id, mandate_id, &change).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(see_other(&with_done(&format!("/customers/{id}/mandates"), "sepa_mandate_amended"))),
        Err(e) => {
            let errors = field_errors(lang, e)?;
            let amend = Some((mandate_id, form, errors));
            render_mandates(&app, &s, id, FormData::default(), Vec::new(), amend, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

/// `POST /customers/{id}/mandates/{mandate_id}/revoke`, once confirmed.
pub async fn revoke_mandate(
    State(app): State<App>,
    Path((id, mandate_id)): Path<(String, String)>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let (id, mandate_id) = (id_of(lang, &id)?, id_of(lang, &mandate_id)?);
    let back = format!("/customers/{id}/mandates");
    if !confirm::confirmed(&form) {
        let all = app.store.mandates(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
        let m = all.iter().find(|m| m.id == mandate_id).ok_or(WebError::NotFound(lang))?;
        let ask = Ask::of(lang, "sepa_revoke", &[("reference", &m.reference)], back);
        return confirm::ask(
            &app,
            &s,
            "customers",
            &format!("/customers/{id}/mandates/{mandate_id}/revoke"),
            &form,
            ask,
        )
        .await;
    }
    ops::revoke_mandate(&app, &s.auth(), id, mandate_id).await.map_err(|e| WebError::api(lang, e))?;
    Ok(see_other(&with_done(&back, "sepa_mandate_revoked")))
}

// ---------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------

pub struct BatchRow {
    pub href: String,
    pub message_id: Vec<String>,
    pub date: String,
    pub count: i64,
    pub total: String,
    pub status: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "sepa_batches.html")]
struct BatchesPage {
    p: Chrome,
    batches: Vec<BatchRow>,
}

/// A long identifier cut into pieces a narrow screen may wrap between (`<wbr>`).
fn pieces(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(10).map(|c| c.iter().collect()).collect()
}

fn eur(d: Decimal, lang: Language) -> String {
    text::money(d, Currency::EUR, lang)
}

/// `GET /sepa`: the batches, newest first.
pub async fn batches(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    let lang = s.lang();
    let all = app.store.batches(s.rec.company_id, 200).await.map_err(|e| WebError::store(lang, e))?;
    let batches = all
        .iter()
        .map(|b| BatchRow {
            href: format!("/sepa/{}", b.id),
            message_id: pieces(&b.message_id),
            date: text::date(b.collection_date, lang),
            count: b.count,
            total: eur(b.control_sum, lang),
            status: t(lang, &format!("sepa.batch_status.{}", b.status)).to_string(),
            created: text::local_date(b.created_at, &s.rec.country, lang),
        })
        .collect();
    let page = BatchesPage { p: s.chrome(&app, "sepa", t(lang, "sepa.title").into()).await?, batches };
    html(StatusCode::OK, &page)
}

pub struct Candidate {
    pub id: String,
    pub number: String,
    pub customer: String,
    pub due: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "sepa_new.html")]
struct NewPage {
    p: Chrome,
    date: String,
    date_help: String,
    candidates: Vec<Candidate>,
    errors: Vec<(String, String)>,
}

impl NewPage {
    fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
}

async fn render_new(
    app: &App,
    s: &WebSession,
    date: String,
    picked: Option<Vec<String>>,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let company = s.rec.company_id;
    let err = |e| WebError::store(lang, e);
    let ids = app.store.collectable_invoices(company, ops::MAX_BATCH).await.map_err(err)?;
    let mut candidates = Vec::with_capacity(ids.len());
    let mut names: std::collections::BTreeMap<Uuid, String> = Default::default();
    for id in ids {
        let d = app.store.document(company, facturier_core::document::DocumentKind::Invoice, id).await;
        let d = match d {
            Ok(d) => d,
            Err(_) => {
                match app.store.document(company, facturier_core::document::DocumentKind::DepositInvoice, id).await {
                    Ok(d) => d,
                    Err(_) => continue,
                }
            }
        };
        let cid = d.content.customer_id;
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(cid) {
            e.insert(app.store.customer(company, cid).await.map(|c| c.customer.name).unwrap_or_default());
        }
        let checked = picked.as_ref().is_none_or(|p| p.contains(&id.to_string()));
        candidates.push(Candidate {
            id: id.to_string(),
            number: d.number.clone().unwrap_or_default(),
            customer: names.get(&cid).cloned().unwrap_or_default(),
            due: eur(d.due(), lang),
            checked,
        });
    }
    let earliest = earliest_collection_date(s.today());
    let page = NewPage {
        p: s.chrome(app, "sepa", t(lang, "sepa.new").into()).await?,
        date,
        date_help: t(lang, "sepa.date_help").replace("{date}", &text::date(earliest, lang)),
        candidates,
        errors,
    };
    html(status, &page)
}

/// `GET /sepa/new`: a collection date (the earliest valid one proposed) and the open
/// invoices of customers holding a mandate, all ticked.
pub async fn new_form(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    let date = earliest_collection_date(s.today()).to_string();
    render_new(&app, &s, date, None, Vec::new(), StatusCode::OK).await
}

/// `POST /sepa/new`: the batch, or the form again with the errors (a refused date says
/// the next valid one).
pub async fn create(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let picked: Vec<String> = form.0.iter().filter(|(k, _)| k == "invoice_ids").map(|(_, v)| v.clone()).collect();
    let date_text = form.text("collection_date").unwrap_or_default();
    let mut v = Check::default();
    let date = if date_text.is_empty() {
        v.error("collection_date", Message::new("required"));
        None
    } else {
        v.date("collection_date", &date_text)
    };
    let mut ids = Vec::new();
    if picked.is_empty() {
        v.error("invoice_ids", Message::new("sepa_empty_batch"));
    }
    for (i, p) in picked.iter().enumerate() {
        match p.parse::<Uuid>() {
            Ok(id) => ids.push(id),
            Err(_) => v.error(format!("invoice_ids[{i}]"), Message::new("no_such_invoice")),
        }
    }
    let made = match (v.finish(), date) {
        (Ok(()), Some(date)) => ops::create_batch(&app, &s.auth(), date, &ids).await,
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(ApiError::field("collection_date", Message::new("required"))),
    };
    match made {
        Ok(b) => Ok(see_other(&with_done(&format!("/sepa/{}", b.id), "sepa_batch_created"))),
        Err(e) => {
            let errors = field_errors(lang, e)?
                .into_iter()
                .map(|(f, m)| if f.starts_with("invoice_ids") { ("invoice_ids".to_string(), m) } else { (f, m) })
                .collect();
            render_new(&app, &s, date_text, Some(picked), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub struct DebitRow {
    pub invoice_id: String,
    pub href: String,
    pub number: String,
    pub debtor: String,
    pub amount: String,
    pub mandate: String,
    pub sequence: &'static str,
    pub status: String,
    pub rejectable: bool,
    pub reject: String,
}

#[derive(Template)]
#[template(path = "sepa_batch.html")]
struct BatchPage {
    p: Chrome,
    id: String,
    message_id: Vec<String>,
    date: String,
    count: i64,
    total: String,
    status: String,
    collected: bool,
    collected_on: String,
    debits: Vec<DebitRow>,
    reasons: Vec<(&'static str, String)>,
    today: String,
    errors: Vec<(String, String)>,
    /// The result of a reject file imported just now.
    imported: Option<ImportedView>,
}

impl BatchPage {
    fn err(&self, name: &str) -> Option<String> {
        first_error(&self.errors, name)
    }
}

pub struct ImportedLine {
    pub outcome: &'static str,
    pub reference: String,
    pub reason: String,
}

pub struct ImportedView {
    pub summary: String,
    pub lines: Vec<ImportedLine>,
}

async fn render_batch(
    app: &App,
    s: &WebSession,
    b: &BatchRecord,
    errors: Vec<(String, String)>,
    imported: Option<ImportedView>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let debits = b
        .items
        .iter()
        .map(|i| {
            let reject = match (&i.reject_reason, i.reject_fee) {
                (Some(r), fee) => {
                    let label = facturier_core::sepa::reject_reason_label(r)
                        .map(|(en, fr)| if lang == Language::Fr { fr } else { en })
                        .unwrap_or("");
                    let fee = fee.map(|f| format!(" · {} {}", t(lang, "sepa.fee"), eur(f, lang))).unwrap_or_default();
                    format!("{r} {label}{fee}")
                }
                _ => String::new(),
            };
            DebitRow {
                invoice_id: i.invoice_id.to_string(),
                href: format!("/invoices/{}", i.invoice_id),
                number: i.number.clone(),
                debtor: i.debtor_name.clone(),
                amount: eur(i.amount, lang),
                mandate: i.mandate_reference.clone(),
                sequence: i.sequence.as_str(),
                status: t(lang, &format!("sepa.debit_status.{}", i.status)).to_string(),
                rejectable: i.status == "collected",
                reject,
            }
        })
        .collect();
    let page = BatchPage {
        p: s.chrome(app, "sepa", format!("{} {}", t(lang, "sepa.batch_of"), text::date(b.collection_date, lang)))
            .await?,
        id: b.id.to_string(),
        message_id: pieces(&b.message_id),
        date: text::date(b.collection_date, lang),
        count: b.count,
        total: eur(b.control_sum, lang),
        status: t(lang, &format!("sepa.batch_status.{}", b.status)).to_string(),
        collected: b.status == "collected",
        collected_on: b.collected_on.map(|d| text::date(d, lang)).unwrap_or_default(),
        debits,
        reasons: reasons(lang),
        today: s.today().to_string(),
        errors,
        imported,
    };
    html(status, &page)
}

/// `GET /sepa/{id}`
pub async fn batch(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = id_of(lang, &id)?;
    let b = app.store.batch(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    render_batch(&app, &s, &b, Vec::new(), None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct XmlQuery {
    pub version: Option<String>,
}

/// `GET /sepa/{id}/xml?version=`: the pain.008 file.
pub async fn xml(
    State(app): State<App>,
    s: WebSession,
    Path(id): Path<String>,
    Query(q): Query<XmlQuery>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = id_of(lang, &id)?;
    let b = app.store.batch(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let version = ops::pain_version(q.version.as_deref()).map_err(|e| WebError::api(lang, e))?;
    let bytes = ops::batch_xml(&b, version).map_err(|e| WebError::api(lang, e))?;
    let name = format!("attachment; filename=\"{}.xml\"", b.message_id);
    Ok(([(header::CONTENT_TYPE, "application/xml".to_string()), (header::CONTENT_DISPOSITION, name)], bytes)
        .into_response())
}

/// `POST /sepa/{id}/collected`: a payment on every invoice of the batch.
pub async fn collected(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = id_of(lang, &id)?;
    let b = app.store.batch(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let mut v = Check::default();
    let date = crate::app::payments::date(&mut v, form.text("date").as_deref(), s.today());
    let done = match (v.finish(), date) {
        (Ok(()), Some(date)) => ops::collect(&app, &s.auth(), id, date).await,
        (Err(e), _) => Err(e),
        (Ok(()), None) => Err(ApiError::field("date", Message::new("required"))),
    };
    match done {
        Ok(_) => Ok(see_other(&with_done(&format!("/sepa/{id}"), "sepa_collected"))),
        Err(e) => {
            let errors = field_errors(lang, e)?;
            render_batch(&app, &s, &b, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /sepa/{id}/rejects`: a bank's reject of one debit, once confirmed.
pub async fn reject(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = id_of(lang, &id)?;
    let b = app.store.batch(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let mut v = Check::default();
    let invoice = form.text("invoice_id").and_then(|x| x.parse::<Uuid>().ok());
    let item = invoice.and_then(|i| b.items.iter().find(|d| d.invoice_id == i));
    if item.is_none() {
        v.error("invoice_id", Message::new("sepa_not_in_batch"));
    }
    let reason = v.text("reason", &form.text("reason"), 10).and_then(|r| v.parse::<ReasonCode>("reason", &r));
    let fee = form
        .text("fee")
        .map(|f| DecText(f.replace(',', ".").replace([' ', '\u{a0}', '\u{202f}'], "")))
        .and_then(|f| v.decimal("fee", &f, DecRules::new(2).non_negative().at_most(MAX_MAGNITUDE)));
    let date = crate::app::payments::date(&mut v, form.text("date").as_deref(), s.today());
    if let Err(e) = v.finish() {
        let errors = field_errors(lang, e)?;
        return render_batch(&app, &s, &b, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (Some(item), Some(reason), Some(date)) = (item, reason, date) else {
        return Err(WebError::BadRequest(lang, Message::new("required")));
    };
    if !confirm::confirmed(&form) {
        let label = facturier_core::sepa::reject_reason_label(reason.as_str())
            .map(|(en, fr)| format!("{} ({})", reason.as_str(), if lang == Language::Fr { fr } else { en }))
            .unwrap_or_else(|| reason.as_str().to_string());
        let fee_text = eur(fee.unwrap_or(Decimal::ZERO), lang);
        let ask = Ask::of(
            lang,
            "sepa_reject",
            &[("number", &item.number), ("reason", &label), ("fee", &fee_text)],
            format!("/sepa/{id}"),
        );
        return confirm::ask(&app, &s, "sepa", &format!("/sepa/{id}/rejects"), &form, ask).await;
    }
    match ops::reject(&app, &s.auth(), id, item.invoice_id, &reason, fee, date).await {
        Ok(_) => Ok(see_other(&with_done(&format!("/sepa/{id}"), "sepa_rejected"))),
        Err(e) => {
            let errors = field_errors(lang, e)?;
            render_batch(&app, &s, &b, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /sepa/{id}/rejects/file` (multipart: `csrf`, then `file`): a bank's pain.002 or
/// camt.054 applied (the same as `POST /api/v1/sepa/rejects`); the batch's page again with
/// what the file did, line by line.
pub async fn reject_file(
    State(app): State<App>,
    s: WebSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = id_of(lang, &id)?;
    app.store.batch(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let form = upload::read_form(&app, &s, &headers, req).await?;
    let outcome = match form.file {
        Ok(up) => ops::import_rejects_for(&app, &s.auth(), &up.bytes).await,
        Err(_) => {
            Err(ApiError::field("file", Message::new("sepa_reject_file").with("why", t(lang, "sepa.file_missing"))))
        }
    };
    let b = app.store.batch(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    match outcome {
        Ok(r) => {
            let summary = format!(
                "{} {} : {} {}, {} {}, {} {}",
                r.kind,
                r.message_id,
                r.count("rejected"),
                t(lang, "sepa.outcome.rejected"),
                r.count("already"),
                t(lang, "sepa.outcome.already"),
                r.count("unknown"),
                t(lang, "sepa.outcome.unknown"),
            );
            let lines = r
                .lines
                .iter()
                .map(|l| ImportedLine {
                    outcome: match l.outcome {
                        "rejected" => "sepa.outcome.rejected",
                        "already" => "sepa.outcome.already",
                        "unknown" => "sepa.outcome.unknown",
                        _ => "sepa.outcome.invalid",
                    },
                    reference: l
                        .number
                        .clone()
                        .or_else(|| l.end_to_end_id.clone())
                        .or_else(|| l.mandate_id.clone())
                        .unwrap_or_default(),
                    reason: l.reason.clone(),
                })
                .collect();
            render_batch(&app, &s, &b, Vec::new(), Some(ImportedView { summary, lines }), StatusCode::OK).await
        }
        Err(e) => {
            let errors = field_errors(lang, e)?;
            render_batch(&app, &s, &b, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
