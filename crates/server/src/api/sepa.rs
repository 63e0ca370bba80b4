//! SEPA direct debit: `/customers/{id}/mandates` and `/sepa/direct-debits` (a batch for a
//! collection date, its pain.008 file, its collection, a bank's rejects). The handlers
//! parse and render; `app::sepa` does the rest.

use super::{date_text, instant_text, limit, path_id};
use crate::App;
use crate::app::sepa as ops;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check, DecRules, DecText};
use crate::openapi::written;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::message::Message;
use facturier_core::money::MAX_MAGNITUDE;
use facturier_core::sepa::{Bic, MandateReference, ReasonCode};
use facturier_store::sepa::{BatchItem, BatchRecord, Mandate, MandateChange, NewMandate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The body of `POST /customers/{id}/mandates`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MandateInput {
    /// The debtor's IBAN (checked: country, length, MOD 97).
    #[schema(required = true, value_type = String, examples("FR7630006000011234567890189"))]
    pub iban: Option<String>,
    /// The debtor bank's BIC (8 or 11 characters).
    #[schema(examples("AGRIFRPP"))]
    pub bic: Option<String>,
    /// The mandate's unique reference (RUM): 1 to 35 characters of the SEPA set, unique in the company.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 35, examples("RUM-2026-0001"))]
    pub reference: Option<String>,
    /// The date the debtor signed the mandate (not in the future).
    #[schema(required = true, value_type = written::DateText)]
    pub signed_on: Option<String>,
    /// Where the debtor signed it.
    #[schema(max_length = 70)]
    pub signed_at_place: Option<String>,
    /// `recurrent` (the default: FRST, then RCUR) or `one_off` (OOFF).
    #[schema(required = false, value_type = String, pattern = "^(recurrent|one_off)$")]
    pub recurrence: Option<String>,
}

/// A customer's SEPA direct-debit mandate.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MandateView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub reference: String,
    pub iban: String,
    pub bic: Option<String>,
    #[schema(value_type = written::DateText)]
    pub signed_on: String,
    pub signed_at_place: Option<String>,
    /// `recurrent` or `one_off`.
    pub recurrence: String,
    /// `active` or `revoked`.
    pub status: String,
    /// The sequence type of its next collection: `FRST`, `RCUR` or `OOFF`.
    pub next_sequence: &'static str,
    /// Whether its next collection reports an amendment (`AmdmntInd`).
    pub amended: bool,
    /// The reference before an amendment the next collection reports (`OrgnlMndtId`).
    pub original_reference: Option<String>,
    /// The IBAN (same bank) before an amendment the next collection reports (`OrgnlDbtrAcct`).
    pub original_iban: Option<String>,
    /// The account moved to another bank: the next collection reports `SMNDA` and is a `FRST`.
    pub new_debtor_agent: bool,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

fn mandate_view(m: &Mandate) -> MandateView {
    MandateView {
        id: m.id,
        customer_id: m.customer_id,
        reference: m.reference.clone(),
        iban: m.iban.clone(),
        bic: m.bic.clone(),
        signed_on: date_text(m.signed_on),
        signed_at_place: m.signed_at_place.clone(),
        recurrence: m.recurrence.clone(),
        status: m.status.clone(),
        next_sequence: m.next_sequence().as_str(),
        amended: m.amended(),
        original_reference: m.original_reference.clone(),
        original_iban: m.original_iban.clone(),
        new_debtor_agent: m.original_new_bank,
        created_at: instant_text(m.created_at),
        revoked_at: m.revoked_at.map(instant_text),
    }
}

/// A customer's mandates.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MandateList {
    pub data: Vec<MandateView>,
}

/// Parses a mandate's body (every problem at once).
pub fn parse_mandate(customer_id: Uuid, input: &MandateInput, today: time::Date) -> Result<NewMandate, ApiError> {
    let mut v = Check::default();
    let iban = v.text("iban", &input.iban, 50).and_then(|s| v.parse::<facturier_core::ids::Iban>("iban", &s));
    let bic = v.opt_text("bic", &input.bic, 20).and_then(|s| v.parse::<Bic>("bic", &s));
    let reference =
        v.text("reference", &input.reference, 70).and_then(|s| v.parse::<MandateReference>("reference", &s));
    let signed_on = match &input.signed_on {
        Some(d) => v.date("signed_on", d),
        None => {
            v.error("signed_on", Message::new("required"));
            None
        }
    };
    if let Some(d) = signed_on
        && d > today
    {
        v.error("signed_on", Message::new("sepa_signed_in_future").with("date", d.to_string()));
    }
    let signed_at_place = v.opt_text("signed_at_place", &input.signed_at_place, 70);
    let one_off = match input.recurrence.as_deref() {
        None | Some("recurrent") => false,
        Some("one_off") => true,
        Some(other) => {
            v.error("recurrence", Message::new("sepa_recurrence").with("v", format!("{other:?}")));
            false
        }
    };
    v.finish()?;
    match (iban, reference, signed_on) {
        (Some(iban), Some(reference), Some(signed_on)) => {
            Ok(NewMandate { customer_id, reference, iban, bic, signed_on, signed_at_place, one_off })
        }
        _ => Err(ApiError::field("iban", Message::new("required"))),
    }
}

/// `POST /customers/{id}/mandates`.
pub async fn create_mandate(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MandateInput>,
) -> Result<(StatusCode, Json<MandateView>), ApiError> {
    auth.require_write()?;
    let customer_id = path_id(&id, "customer")?;
    app.store.customer(auth.company(), customer_id).await?;
    let m = parse_mandate(customer_id, &input, auth.today())?;
    let m = ops::create_mandate(&app, &auth, &m).await?;
    Ok((StatusCode::CREATED, Json(mandate_view(&m))))
}

/// `GET /customers/{id}/mandates`.
pub async fn list_mandates(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<MandateList>, ApiError> {
    let customer_id = path_id(&id, "customer")?;
    app.store.customer(auth.company(), customer_id).await?;
    let all = app.store.mandates(auth.company(), customer_id).await?;
    Ok(Json(MandateList { data: all.iter().map(mandate_view).collect() }))
}

/// `POST /customers/{id}/mandates/{mandate_id}/revoke`.
pub async fn revoke_mandate(
    State(app): State<App>,
    auth: Auth,
    Path((id, mandate_id)): Path<(String, String)>,
) -> Result<Json<MandateView>, ApiError> {
    let customer_id = path_id(&id, "customer")?;
    let mandate_id = path_id(&mandate_id, "mandate")?;
    let m = ops::revoke_mandate(&app, &auth, customer_id, mandate_id).await?;
    Ok(Json(mandate_view(&m)))
}

/// The body of `POST /customers/{id}/mandates/{mandate_id}/amend`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MandateAmendInput {
    /// The debtor's new IBAN (checked); at another bank, the next debit is a `FRST` reporting `SMNDA`.
    #[schema(examples("FR7630004000031234567890143"))]
    pub iban: Option<String>,
    /// The new account's BIC (an empty text removes it; with a new IBAN and no BIC, none).
    pub bic: Option<String>,
    /// The mandate's new unique reference (RUM); the next debit reports the former one.
    #[schema(min_length = 1, max_length = 35)]
    pub reference: Option<String>,
}

/// Parses an amendment (every problem at once).
pub fn parse_amendment(input: &MandateAmendInput) -> Result<MandateChange, ApiError> {
    let mut v = Check::default();
    let iban = v.opt_text("iban", &input.iban, 50).and_then(|s| v.parse::<facturier_core::ids::Iban>("iban", &s));
    let bic = match input.bic.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(_) => v.opt_text("bic", &input.bic, 20).and_then(|s| v.parse::<Bic>("bic", &s)).map(Some),
    };
    let reference =
        v.opt_text("reference", &input.reference, 70).and_then(|s| v.parse::<MandateReference>("reference", &s));
    v.finish()?;
    if iban.is_none() && reference.is_none() && bic.is_none() {
        return Err(ApiError::field("iban", Message::new("sepa_mandate_unchanged")));
    }
    Ok(MandateChange { reference, iban, bic })
}

/// `POST /customers/{id}/mandates/{mandate_id}/amend`.
pub async fn amend_mandate(
    State(app): State<App>,
    auth: Auth,
    Path((id, mandate_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<MandateAmendInput>,
) -> Result<Json<MandateView>, ApiError> {
    auth.require_write()?;
    let customer_id = path_id(&id, "customer")?;
    let mandate_id = path_id(&mandate_id, "mandate")?;
    app.store.customer(auth.company(), customer_id).await?;
    let change = parse_amendment(&input)?;
    let m = ops::amend_mandate(&app, &auth, customer_id, mandate_id, &change).await?;
    Ok(Json(mandate_view(&m)))
}

/// The body of `POST /sepa/direct-debits`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectDebitInput {
    /// The requested collection date (today or later).
    #[schema(required = true, value_type = written::DateText)]
    pub collection_date: Option<String>,
    /// The invoices to collect: issued, in euros, with something due, their customer holding an active mandate.
    #[schema(required = true, value_type = Vec<Uuid>, min_items = 1, max_items = 10000)]
    pub invoice_ids: Option<Vec<String>>,
}

/// One debit of a batch.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DebitView {
    pub invoice_id: Uuid,
    pub number: String,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    pub mandate_id: Uuid,
    pub mandate_reference: String,
    /// `FRST`, `RCUR`, `OOFF` or `FNAL`.
    pub sequence: &'static str,
    /// `pending`, `collected` or `rejected`.
    pub status: String,
    pub payment_id: Option<Uuid>,
    /// The ISO 20022 reason code of a reject (`AM04`, `MD01`…).
    pub reject_reason: Option<String>,
    #[schema(value_type = Option<written::DecimalText>)]
    pub reject_fee: Option<String>,
    #[schema(value_type = Option<written::DateText>)]
    pub rejected_on: Option<String>,
    /// The bank file the reject was read from (`pain.002 MSGID`); none when entered by hand.
    pub reject_source: Option<String>,
    /// Whether this debit reports an amendment of its mandate (`AmdmntInd`).
    pub amended: bool,
}

/// A batch of SEPA direct debits.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DirectDebitView {
    pub id: Uuid,
    /// The file's message id.
    pub message_id: String,
    #[schema(value_type = written::DateText)]
    pub collection_date: String,
    /// `created` or `collected`.
    pub status: String,
    #[schema(value_type = Option<written::DateText>)]
    pub collected_on: Option<String>,
    pub creditor_id: String,
    /// The sum of the debits (the file's `CtrlSum`).
    #[schema(value_type = written::DecimalText)]
    pub control_sum: String,
    /// The number of debits (`NbOfTxs`).
    pub count: i64,
    pub currency: &'static str,
    pub created_at: String,
    /// Empty in the list.
    pub debits: Vec<DebitView>,
}

/// A page of batches.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DirectDebitList {
    pub data: Vec<DirectDebitView>,
}

fn debit_view(i: &BatchItem) -> DebitView {
    DebitView {
        invoice_id: i.invoice_id,
        number: i.number.clone(),
        amount: i.amount.to_string(),
        mandate_id: i.mandate_id,
        mandate_reference: i.mandate_reference.clone(),
        sequence: i.sequence.as_str(),
        status: i.status.clone(),
        payment_id: i.payment_id,
        reject_reason: i.reject_reason.clone(),
        reject_fee: i.reject_fee.map(|f| f.to_string()),
        rejected_on: i.rejected_on.map(date_text),
        reject_source: i.reject_source.clone(),
        amended: i.original_reference.is_some() || i.original_iban.is_some() || i.new_debtor_agent,
    }
}

/// A batch as the API shows it.
pub fn batch_view(b: &BatchRecord) -> DirectDebitView {
    DirectDebitView {
        id: b.id,
        message_id: b.message_id.clone(),
        collection_date: date_text(b.collection_date),
        status: b.status.clone(),
        collected_on: b.collected_on.map(date_text),
        creditor_id: b.creditor_id.clone(),
        control_sum: b.control_sum.to_string(),
        count: b.count,
        currency: "EUR",
        created_at: instant_text(b.created_at),
        debits: b.items.iter().map(debit_view).collect(),
    }
}

/// `POST /sepa/direct-debits`.
pub async fn create_batch(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<DirectDebitInput>,
) -> Result<(StatusCode, Json<DirectDebitView>), ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let date = match &input.collection_date {
        Some(d) => v.date("collection_date", d),
        None => {
            v.error("collection_date", Message::new("required"));
            None
        }
    };
    let mut ids = Vec::new();
    match &input.invoice_ids {
        None => v.error("invoice_ids", Message::new("required")),
        Some(list) if list.is_empty() => v.error("invoice_ids", Message::new("sepa_empty_batch")),
        Some(list) if list.len() > ops::MAX_BATCH => {
            v.error("invoice_ids", Message::new("sepa_too_many_invoices").with("max", ops::MAX_BATCH))
        }
        Some(list) => {
            for (i, s) in list.iter().enumerate() {
                match s.parse::<Uuid>() {
                    Ok(id) => ids.push(id),
                    Err(_) => v.error(format!("invoice_ids[{i}]"), Message::new("no_such_invoice")),
                }
            }
        }
    }
    v.finish()?;
    let Some(date) = date else { return Err(ApiError::field("collection_date", Message::new("required"))) };
    let b = ops::create_batch(&app, &auth, date, &ids).await?;
    Ok((StatusCode::CREATED, Json(batch_view(&b))))
}

/// The query of `GET /sepa/direct-debits`.
#[derive(Deserialize)]
pub struct BatchListQuery {
    pub limit: Option<String>,
}

/// `GET /sepa/direct-debits`: the newest batches.
pub async fn list_batches(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<BatchListQuery>,
) -> Result<Json<DirectDebitList>, ApiError> {
    let n = limit(q.limit.as_deref())?;
    let all = app.store.batches(auth.company(), n).await?;
    Ok(Json(DirectDebitList { data: all.iter().map(batch_view).collect() }))
}

/// `GET /sepa/direct-debits/{id}`.
pub async fn show_batch(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<DirectDebitView>, ApiError> {
    let id = path_id(&id, "batch")?;
    Ok(Json(batch_view(&app.store.batch(auth.company(), id).await?)))
}

/// The query of `GET /sepa/direct-debits/{id}/xml`.
#[derive(Deserialize)]
pub struct XmlQuery {
    pub version: Option<String>,
}

/// `GET /sepa/direct-debits/{id}/xml`: the pain.008 file.
pub async fn batch_xml(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<XmlQuery>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "batch")?;
    let b = app.store.batch(auth.company(), id).await?;
    let version = ops::pain_version(q.version.as_deref())?;
    let xml = ops::batch_xml(&b, version)?;
    let name = format!("attachment; filename=\"{}.xml\"", b.message_id);
    Ok(([(header::CONTENT_TYPE, "application/xml".to_string()), (header::CONTENT_DISPOSITION, name)], xml)
        .into_response())
}

/// The body of `POST /sepa/direct-debits/{id}/collected`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectedInput {
    /// The date the bank credited the batch (default today).
    #[schema(required = false, value_type = written::DateText)]
    pub date: Option<String>,
}

/// `POST /sepa/direct-debits/{id}/collected`.
pub async fn collected(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CollectedInput>,
) -> Result<Json<DirectDebitView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "batch")?;
    app.store.batch(auth.company(), id).await?;
    let mut v = Check::default();
    let date = crate::app::payments::date(&mut v, input.date.as_deref(), auth.today());
    v.finish()?;
    let Some(date) = date else { return Err(ApiError::field("date", Message::new("required"))) };
    Ok(Json(batch_view(&ops::collect(&app, &auth, id, date).await?)))
}

/// The body of `POST /sepa/direct-debits/{id}/rejects`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    /// The invoice whose debit the bank rejected.
    #[schema(required = true, value_type = Uuid)]
    pub invoice_id: Option<String>,
    /// The ISO 20022 reason code (`AC01`, `AM04`, `MD01`, `MS02`…).
    #[schema(required = true, value_type = String, examples("AM04"))]
    pub reason: Option<String>,
    /// The bank's fee for the reject, in euros.
    #[schema(required = false, value_type = written::DecimalText)]
    pub fee: Option<DecText>,
    /// The date of the reject (default today).
    #[schema(required = false, value_type = written::DateText)]
    pub date: Option<String>,
}

/// `POST /sepa/direct-debits/{id}/rejects`.
pub async fn reject(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RejectInput>,
) -> Result<Json<DirectDebitView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "batch")?;
    app.store.batch(auth.company(), id).await?;
    let mut v = Check::default();
    let invoice_id = match v.text("invoice_id", &input.invoice_id, 40) {
        Some(s) => match s.parse::<Uuid>() {
            Ok(u) => Some(u),
            Err(_) => {
                v.error("invoice_id", Message::new("sepa_not_in_batch"));
                None
            }
        },
        None => None,
    };
    let reason = v.text("reason", &input.reason, 10).and_then(|s| v.parse::<ReasonCode>("reason", &s));
    let fee =
        input.fee.as_ref().and_then(|f| v.decimal("fee", f, DecRules::new(2).non_negative().at_most(MAX_MAGNITUDE)));
    let date = crate::app::payments::date(&mut v, input.date.as_deref(), auth.today());
    v.finish()?;
    let (Some(invoice_id), Some(reason), Some(date)) = (invoice_id, reason, date) else {
        return Err(ApiError::field("reason", Message::new("required")));
    };
    Ok(Json(batch_view(&ops::reject(&app, &auth, id, invoice_id, &reason, fee, date).await?)))
}

/// One reject of a bank's file and what became of it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RejectLineView {
    /// `rejected` (now), `already` (by an earlier import or by hand: nothing done again),
    /// `unknown` (no debit of the company has these references) or `invalid` (not a reason code).
    pub outcome: &'static str,
    pub end_to_end_id: Option<String>,
    pub mandate_id: Option<String>,
    /// The ISO 20022 reason code as the bank wrote it.
    pub reason: String,
    /// The reason's meaning in English, when the code is one of the SEPA list.
    pub reason_label: Option<&'static str>,
    #[schema(value_type = Option<written::DecimalText>)]
    pub amount: Option<String>,
    #[schema(value_type = Option<written::DecimalText>)]
    pub fee: Option<String>,
    pub batch_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    /// The invoice's number.
    pub number: Option<String>,
}

/// What importing a bank's reject file did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RejectImportView {
    /// `pain.002` or `camt.054`.
    pub kind: &'static str,
    /// The file's message id.
    pub message_id: String,
    pub rejected: usize,
    pub already: usize,
    pub unknown: usize,
    pub invalid: usize,
    pub lines: Vec<RejectLineView>,
}

/// The result as the API shows it.
pub fn reject_import_view(r: &ops::RejectImport) -> RejectImportView {
    RejectImportView {
        kind: r.kind,
        message_id: r.message_id.clone(),
        rejected: r.count("rejected"),
        already: r.count("already"),
        unknown: r.count("unknown"),
        invalid: r.count("invalid"),
        lines: r
            .lines
            .iter()
            .map(|l| RejectLineView {
                outcome: l.outcome,
                end_to_end_id: l.end_to_end_id.clone(),
                mandate_id: l.mandate_id.clone(),
                reason: l.reason.clone(),
                reason_label: facturier_core::sepa::reject_reason_label(&l.reason).map(|x| x.0),
                amount: l.amount.map(|a| a.to_string()),
                fee: l.fee.map(|a| a.to_string()),
                batch_id: l.batch_id,
                invoice_id: l.invoice_id,
                number: l.number.clone(),
            })
            .collect(),
    }
}

/// `POST /sepa/rejects`: a bank's pain.002 or camt.054, as the request body.
pub async fn import_rejects(
    State(app): State<App>,
    auth: Auth,
    body: axum::body::Bytes,
) -> Result<Json<RejectImportView>, ApiError> {
    let r = ops::import_rejects_for(&app, &auth, &body).await?;
    Ok(Json(reject_import_view(&r)))
}
