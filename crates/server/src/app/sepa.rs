//! SEPA direct debit as operations: mandates of a customer, a batch of debits for a
//! collection date, its pain.008 file, its collection and a bank's reject. The rules
//! are `core::sepa`'s; the store keeps mandates and batches; `formats::sepa` writes the
//! file. The API, the web pages and the CLI all call these.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::sepa::{Debit, ReasonCode, check_collection_date, plan_batch};
use facturier_formats::sepa::status::{StatusError, read_status};
use facturier_formats::sepa::{CreditorParty, DebitParty, DirectDebitFile, Pain008, pain008};
use facturier_store::Store;
use facturier_store::sepa::{BatchRecord, Creditor, FileReject, Mandate, MandateChange, NewMandate, RejectOutcome};
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

/// At most this many invoices in one batch.
pub const MAX_BATCH: usize = 10_000;

/// Records a customer's mandate.
pub async fn create_mandate(app: &App, auth: &Auth, m: &NewMandate) -> Result<Mandate, ApiError> {
    auth.require_write()?;
    Ok(app.store.create_mandate(auth.company(), m).await?)
}

/// Revokes a customer's mandate.
pub async fn revoke_mandate(app: &App, auth: &Auth, customer_id: Uuid, id: Uuid) -> Result<Mandate, ApiError> {
    auth.require_write()?;
    Ok(app.store.revoke_mandate(auth.company(), customer_id, id).await?)
}

/// Amends a customer's mandate (a new IBAN or reference, reported by its next debit).
pub async fn amend_mandate(
    app: &App,
    auth: &Auth,
    customer_id: Uuid,
    id: Uuid,
    change: &MandateChange,
) -> Result<Mandate, ApiError> {
    auth.require_write()?;
    Ok(app.store.amend_mandate(auth.company(), customer_id, id, change).await?)
}

/// The company as creditor: its ICS (settings), name and default bank account; a 409
/// saying what to set up first when one is missing.
pub async fn creditor(store: &Store, company: Uuid) -> Result<Creditor, ApiError> {
    let settings = store.settings(company).await?;
    let Some(sepa) = &settings.sepa else { return Err(ApiError::Conflict(Message::new("sepa_no_creditor_id"))) };
    let Some(bank) = settings.default_bank() else {
        return Err(ApiError::Conflict(Message::new("sepa_no_company_iban")));
    };
    let name = match &settings.identity {
        Some(seller) => seller.name.clone(),
        None => store.company(company).await?.name,
    };
    Ok(Creditor {
        id: sepa.creditor_id.clone(),
        name,
        iban: bank.iban.as_str().to_string(),
        bic: bank.bic.as_deref().and_then(|b| b.parse::<facturier_core::sepa::Bic>().ok()).map(String::from),
    })
}

/// Makes a batch for `collection_date` (not before `today`) over the invoices, each
/// checked by the store; the CLI calls it for a company of the database.
pub async fn make_batch(
    store: &Store,
    company: Uuid,
    today: Date,
    collection_date: Date,
    invoice_ids: &[Uuid],
) -> Result<BatchRecord, ApiError> {
    if let Err(e) = check_collection_date(today, collection_date) {
        return Err(ApiError::field("collection_date", e.message(collection_date)));
    }
    if invoice_ids.len() > MAX_BATCH {
        return Err(ApiError::field("invoice_ids", Message::new("sepa_too_many_invoices").with("max", MAX_BATCH)));
    }
    let creditor = creditor(store, company).await?;
    Ok(store.create_batch(company, &creditor, collection_date, invoice_ids).await?)
}

/// Makes a batch for `collection_date` over the invoices (not for read-only roles).
pub async fn create_batch(
    app: &App,
    auth: &Auth,
    collection_date: Date,
    invoice_ids: &[Uuid],
) -> Result<BatchRecord, ApiError> {
    auth.require_write()?;
    make_batch(&app.store, auth.company(), auth.today(), collection_date, invoice_ids).await
}

/// Reads `?version=`: `02` (the default) or `08`.
pub fn pain_version(v: Option<&str>) -> Result<Pain008, ApiError> {
    match v {
        None | Some("02") | Some("2") => Ok(Pain008::V02),
        Some("08") | Some("8") => Ok(Pain008::V08),
        Some(_) => Err(ApiError::field("version", Message::new("sepa_pain_version"))),
    }
}

/// The batch's pain.008 file: the plan made again from the stored debits (the same rule
/// as when it was made), written with what the batch copied.
pub fn batch_xml(b: &BatchRecord, version: Pain008) -> Result<Vec<u8>, ApiError> {
    let debits: Vec<(Date, Debit)> = b
        .items
        .iter()
        .map(|i| {
            (
                b.collection_date,
                Debit {
                    invoice_id: i.invoice_id,
                    number: i.number.clone(),
                    currency: facturier_core::money::Currency::EUR,
                    amount: i.amount,
                    mandate_id: i.mandate_id,
                    sequence: i.sequence,
                },
            )
        })
        .collect();
    let batch = plan_batch(debits).map_err(|e| ApiError::Conflict(e.message()))?;
    let parties: BTreeMap<Uuid, DebitParty> = b
        .items
        .iter()
        .map(|i| {
            (
                i.invoice_id,
                DebitParty {
                    number: i.number.clone(),
                    mandate_reference: i.mandate_reference.clone(),
                    signed_on: i.signed_on,
                    original_reference: i.original_reference.clone(),
                    original_iban: i.original_iban.clone(),
                    new_debtor_agent: i.new_debtor_agent,
                    debtor_name: i.debtor_name.clone(),
                    debtor_iban: i.debtor_iban.clone(),
                    debtor_bic: i.debtor_bic.clone(),
                },
            )
        })
        .collect();
    let file = DirectDebitFile {
        message_id: b.message_id.clone(),
        created_at: b.created_at,
        creditor: CreditorParty {
            name: b.creditor_name.clone(),
            iban: b.creditor_iban.clone(),
            bic: b.creditor_bic.clone(),
            id: b.creditor_id.clone(),
        },
        batch,
        debits: parties,
    };
    Ok(pain008(&file, version)?)
}

/// Marks a batch collected on `date`: a payment on every invoice.
pub async fn collect(app: &App, auth: &Auth, id: Uuid, date: Date) -> Result<BatchRecord, ApiError> {
    auth.require_write()?;
    Ok(app.store.collect_batch(auth.company(), id, date).await?)
}

/// Records a bank's reject of one debit: its payment reversed, the fee kept.
pub async fn reject(
    app: &App,
    auth: &Auth,
    id: Uuid,
    invoice_id: Uuid,
    reason: &ReasonCode,
    fee: Option<Decimal>,
    date: Date,
) -> Result<BatchRecord, ApiError> {
    auth.require_write()?;
    Ok(app.store.reject_debit(auth.company(), id, invoice_id, reason, fee, date).await?)
}

/// One reject of a bank's file, as the result lists it.
#[derive(Clone, Debug)]
pub struct RejectLine {
    pub end_to_end_id: Option<String>,
    pub mandate_id: Option<String>,
    pub reason: String,
    pub amount: Option<Decimal>,
    pub fee: Option<Decimal>,
    /// `rejected` (now), `already` (by an earlier import or by hand), `unknown` (no debit
    /// of the company has these references) or `invalid` (the reason code is not one).
    pub outcome: &'static str,
    pub batch_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub number: Option<String>,
}

/// What importing a bank's file did.
#[derive(Clone, Debug)]
pub struct RejectImport {
    /// `pain.002` or `camt.054`.
    pub kind: &'static str,
    pub message_id: String,
    pub lines: Vec<RejectLine>,
}

impl RejectImport {
    /// How many lines have this outcome.
    pub fn count(&self, outcome: &str) -> usize {
        self.lines.iter().filter(|l| l.outcome == outcome).count()
    }
}

/// The most bytes a bank's status file may have.
pub const MAX_REJECT_FILE: usize = 20 * 1024 * 1024;

/// Reads a bank's pain.002 or camt.054 and applies its rejects (idempotent: a debit
/// rejected already is listed as such); the CLI calls it for a company of the database.
pub async fn import_rejects(store: &Store, company: Uuid, today: Date, xml: &[u8]) -> Result<RejectImport, ApiError> {
    let file = read_status(xml).map_err(|e| {
        let m = match &e {
            StatusError::Kind(ns) => Message::new("sepa_reject_file_kind").with("ns", format!("{ns:?}")),
            other => Message::new("sepa_reject_file").with("why", other),
        };
        ApiError::field("file", m)
    })?;
    let source = format!("{} {}", file.kind.as_str(), file.message_id);
    let mut lines = Vec::with_capacity(file.rejects.len());
    let mut parsed = Vec::new();
    let mut at = Vec::new();
    for (i, r) in file.rejects.iter().enumerate() {
        lines.push(RejectLine {
            end_to_end_id: r.end_to_end_id.clone(),
            mandate_id: r.mandate_id.clone(),
            reason: r.reason.clone(),
            amount: r.amount,
            fee: r.fee.filter(|f| *f >= Decimal::ZERO && f.round_dp(2) == *f),
            outcome: "invalid",
            batch_id: None,
            invoice_id: None,
            number: None,
        });
        if let Ok(reason) = r.reason.parse::<ReasonCode>() {
            parsed.push(FileReject {
                original_message_id: r.original_message_id.clone(),
                end_to_end_id: r.end_to_end_id.clone(),
                mandate_id: r.mandate_id.clone(),
                amount: r.amount,
                reason,
                fee: lines[i].fee,
                date: r.date.unwrap_or(today),
            });
            at.push(i);
        }
    }
    let outcomes = store.apply_rejects(company, &source, &parsed).await?;
    for (i, o) in at.into_iter().zip(outcomes) {
        let line = &mut lines[i];
        let hit = match o {
            RejectOutcome::Rejected(h) => {
                line.outcome = "rejected";
                Some(h)
            }
            RejectOutcome::Already(h) => {
                line.outcome = "already";
                Some(h)
            }
            RejectOutcome::Unknown => {
                line.outcome = "unknown";
                None
            }
        };
        if let Some(h) = hit {
            line.batch_id = Some(h.batch_id);
            line.invoice_id = Some(h.invoice_id);
            line.number = Some(h.number);
        }
    }
    Ok(RejectImport { kind: file.kind.as_str(), message_id: file.message_id, lines })
}

/// Imports a bank's reject file for the signed-in company (not for read-only roles).
pub async fn import_rejects_for(app: &App, auth: &Auth, xml: &[u8]) -> Result<RejectImport, ApiError> {
    auth.require_write()?;
    if xml.len() > MAX_REJECT_FILE {
        return Err(ApiError::field("file", Message::new("sepa_reject_file").with("why", "file too large")));
    }
    import_rejects(&app.store, auth.company(), auth.today(), xml).await
}
