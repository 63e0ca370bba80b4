//! SEPA direct debit as operations: mandates of a customer, a batch of debits for a
//! collection date, its pain.008 file, its collection and a bank's reject. The rules
//! are `core::sepa`'s; the store keeps mandates and batches; `formats::sepa` writes the
//! file. The API, the web pages and the CLI all call these.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::sepa::{Debit, ReasonCode, plan_batch};
use facturier_formats::sepa::{CreditorParty, DebitParty, DirectDebitFile, Pain008, pain008};
use facturier_store::Store;
use facturier_store::sepa::{BatchRecord, Creditor, Mandate, NewMandate};
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

/// At most this many invoices in one batch.
pub const MAX_BATCH: usize = 1000;

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
    if collection_date < today {
        return Err(ApiError::field(
            "collection_date",
            Message::new("sepa_collection_date_past")
                .with("date", collection_date.to_string())
                .with("today", today.to_string()),
        ));
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
