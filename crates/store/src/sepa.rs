//! SEPA direct debit (`0030_sepa`): customers' mandates, batches of debits and what a
//! batch's collection and a bank's reject do to its invoices.
//!
//! The rules come from `facturier_core::sepa` (identifiers, sequencing, the batch plan
//! and its control sums); payments are recorded and cancelled by `payments`, in the
//! same transaction as the batch's rows. A batch copies what its file writes (creditor,
//! debtor names, IBANs, mandates, amounts) when it is made, so its pain.008 reads the
//! same ever after, whatever happens to the mandates and settings.

use crate::documents::{NewPayment, event, lock_document};
use crate::payments::{cancel::cancel_payment_in, record::pay_invoice_in};
use crate::{Result, Stamp, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::ids::Iban;
use facturier_core::lifecycle;
use facturier_core::message::Message;
use facturier_core::payments::Excess;
use facturier_core::sepa::{
    self, Bic, CreditorId, Debit, MandateReference, MandateUse, ReasonCode, SequenceType, plan_batch,
};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A customer's direct-debit mandate.
#[derive(Clone, Debug)]
pub struct Mandate {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub reference: String,
    pub iban: String,
    pub bic: Option<String>,
    pub signed_on: Date,
    pub signed_at_place: Option<String>,
    /// `recurrent` or `one_off`.
    pub recurrence: String,
    /// Collections presented under it so far (amendments included).
    pub presented: i64,
    /// `active` or `revoked`.
    pub status: String,
    /// The reference and IBAN before an amendment the next collection has not reported yet.
    pub original_reference: Option<String>,
    pub original_iban: Option<String>,
    /// The account moved to another bank since the last collection (reported as SMNDA).
    pub original_new_bank: bool,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl Mandate {
    /// Whether its next collection reports an amendment.
    pub fn amended(&self) -> bool {
        self.original_reference.is_some() || self.original_iban.is_some() || self.original_new_bank
    }
}

/// A mandate's amendment: a new IBAN (and BIC) or a new reference, parsed.
#[derive(Clone, Debug, Default)]
pub struct MandateChange {
    pub reference: Option<MandateReference>,
    pub iban: Option<Iban>,
    /// A new BIC; `Some(None)` removes it.
    pub bic: Option<Option<Bic>>,
}

impl Mandate {
    /// The sequence type its next collection takes.
    pub fn next_sequence(&self) -> SequenceType {
        sepa::next_sequence(MandateUse {
            one_off: self.recurrence == "one_off",
            presented: u32::try_from(self.presented).unwrap_or(u32::MAX),
        })
    }
}

/// A mandate to record, parsed.
#[derive(Clone, Debug)]
pub struct NewMandate {
    pub customer_id: Uuid,
    pub reference: MandateReference,
    pub iban: Iban,
    pub bic: Option<Bic>,
    pub signed_on: Date,
    pub signed_at_place: Option<String>,
    pub one_off: bool,
}

/// The company as the creditor of its debits.
#[derive(Clone, Debug)]
pub struct Creditor {
    pub id: CreditorId,
    pub name: String,
    pub iban: String,
    pub bic: Option<String>,
}

/// A stored batch with its debits.
#[derive(Clone, Debug)]
pub struct BatchRecord {
    pub id: Uuid,
    /// The file's message id (`GrpHdr/MsgId`).
    pub message_id: String,
    pub collection_date: Date,
    /// `created` or `collected`.
    pub status: String,
    pub collected_on: Option<Date>,
    pub creditor_id: String,
    pub creditor_name: String,
    pub creditor_iban: String,
    pub creditor_bic: Option<String>,
    pub control_sum: Decimal,
    pub count: i64,
    pub created_at: OffsetDateTime,
    /// Empty in lists.
    pub items: Vec<BatchItem>,
}

/// One debit of a batch.
#[derive(Clone, Debug)]
pub struct BatchItem {
    pub invoice_id: Uuid,
    pub number: String,
    pub amount: Decimal,
    pub mandate_id: Uuid,
    pub mandate_reference: String,
    pub signed_on: Date,
    pub debtor_name: String,
    pub debtor_iban: String,
    pub debtor_bic: Option<String>,
    pub sequence: SequenceType,
    pub original_reference: Option<String>,
    pub original_iban: Option<String>,
    /// The collection reports the mandate moved to another bank (SMNDA).
    pub new_debtor_agent: bool,
    /// `pending`, `collected` or `rejected`.
    pub status: String,
    pub payment_id: Option<Uuid>,
    pub reject_reason: Option<String>,
    pub reject_fee: Option<Decimal>,
    pub rejected_on: Option<Date>,
    /// The bank file a reject was read from (`pain.002 MSGID`), none when entered by hand.
    pub reject_source: Option<String>,
}

const MANDATE_COLS: &str = "id, customer_id, reference, iban, bic, signed_on, signed_at_place, recurrence, presented, \
                            status, original_reference, original_iban, created_at, revoked_at, original_new_bank";

type MandateRow = (
    Uuid,
    Uuid,
    String,
    String,
    Option<String>,
    Date,
    Option<String>,
    String,
    i32,
    String,
    Option<String>,
    Option<String>,
    Stamp,
    Option<Stamp>,
    i32,
);

fn mandate_of(r: MandateRow) -> Mandate {
    Mandate {
        id: r.0,
        customer_id: r.1,
        reference: r.2,
        iban: r.3,
        bic: r.4,
        signed_on: r.5,
        signed_at_place: r.6,
        recurrence: r.7,
        presented: i64::from(r.8),
        status: r.9,
        original_reference: r.10,
        original_iban: r.11,
        original_new_bank: r.14 != 0,
        created_at: r.12.instant(),
        revoked_at: r.13.map(Stamp::instant),
    }
}

const BATCH_COLS: &str = "id, message_id, collection_date, status, collected_on, creditor_id, creditor_name, \
                          creditor_iban, creditor_bic, control_sum, item_count, created_at";

type BatchRow = (Uuid, String, Date, String, Option<Date>, String, String, String, Option<String>, String, i32, Stamp);

fn decimal(s: &str, what: &str) -> Result<Decimal> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("{what} {s:?}")))
}

fn batch_of(r: BatchRow) -> Result<BatchRecord> {
    Ok(BatchRecord {
        id: r.0,
        message_id: r.1,
        collection_date: r.2,
        status: r.3,
        collected_on: r.4,
        creditor_id: r.5,
        creditor_name: r.6,
        creditor_iban: r.7,
        creditor_bic: r.8,
        control_sum: decimal(&r.9, "batch control sum")?,
        count: i64::from(r.10),
        created_at: r.11.instant(),
        items: Vec::new(),
    })
}

const ITEM_COLS: &str = "invoice_id, number, amount, mandate_id, mandate_reference, signed_on, debtor_name, debtor_iban, \
                         debtor_bic, sequence, original_reference, original_iban, status, payment_id, reject_reason, \
                         reject_fee, rejected_on, new_debtor_agent, reject_source";

#[derive(sqlx::FromRow)]
struct ItemRow {
    invoice_id: Uuid,
    number: String,
    amount: String,
    mandate_id: Uuid,
    mandate_reference: String,
    signed_on: Date,
    debtor_name: String,
    debtor_iban: String,
    debtor_bic: Option<String>,
    sequence: String,
    original_reference: Option<String>,
    original_iban: Option<String>,
    status: String,
    payment_id: Option<Uuid>,
    reject_reason: Option<String>,
    reject_fee: Option<String>,
    rejected_on: Option<Date>,
    new_debtor_agent: i32,
    reject_source: Option<String>,
}

fn item_of(r: ItemRow) -> Result<BatchItem> {
    Ok(BatchItem {
        invoice_id: r.invoice_id,
        number: r.number,
        amount: decimal(&r.amount, "debit amount")?,
        mandate_id: r.mandate_id,
        mandate_reference: r.mandate_reference,
        signed_on: r.signed_on,
        debtor_name: r.debtor_name,
        debtor_iban: r.debtor_iban,
        debtor_bic: r.debtor_bic,
        sequence: SequenceType::parse(&r.sequence)
            .ok_or_else(|| StoreError::Corrupt(format!("sequence {:?}", r.sequence)))?,
        original_reference: r.original_reference,
        original_iban: r.original_iban,
        status: r.status,
        payment_id: r.payment_id,
        reject_reason: r.reject_reason,
        reject_fee: r.reject_fee.as_deref().map(|f| decimal(f, "reject fee")).transpose()?,
        rejected_on: r.rejected_on,
        new_debtor_agent: r.new_debtor_agent != 0,
        reject_source: r.reject_source,
    })
}

fn invalid(field: impl Into<String>, message: Message) -> StoreError {
    StoreError::Invalid { field: field.into(), message }
}

impl Store {
    /// Records a mandate of a customer; a reference the company already uses is a 422 on
    /// `reference`.
    pub async fn create_mandate(&self, company_id: Uuid, m: &NewMandate) -> Result<Mandate> {
        self.customer(company_id, m.customer_id).await?;
        let mut tx = self.begin().await?;
        let id = new_id();
        let inserted = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO sepa_mandates (id, company_id, customer_id, reference, iban, bic, signed_on, signed_at_place, \
                 recurrence, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(company_id)
            .bind(m.customer_id)
            .bind(m.reference.as_str())
            .bind(m.iban.as_str())
            .bind(m.bic.as_ref().map(Bic::as_str))
            .bind(m.signed_on)
            .bind(m.signed_at_place.as_deref())
            .bind(if m.one_off { "one_off" } else { "recurrent" })
            .bind(now())
            .execute(&mut *c)
            .await
            .map(|_| ())
        });
        match inserted.map_err(StoreError::from) {
            Err(e) if e.is_unique_violation() => {
                return Err(invalid(
                    "reference",
                    Message::new("sepa_mandate_reference_taken").with("v", m.reference.as_str()),
                ));
            }
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let mandate = mandate_in(&mut tx, company_id, m.customer_id, id).await?;
        tx.commit().await?;
        Ok(mandate)
    }

    /// Whether a mandate of the company already holds this reference.
    pub async fn mandate_reference_taken(&self, company_id: Uuid, reference: &str) -> Result<bool> {
        let row: Option<(Uuid,)> =
            on_pool!(self, |c| sqlx::query_as("SELECT id FROM sepa_mandates WHERE company_id = $1 AND reference = $2")
                .bind(company_id)
                .bind(reference)
                .fetch_optional(c)
                .await?);
        Ok(row.is_some())
    }

    /// A customer's mandates, newest first.
    pub async fn mandates(&self, company_id: Uuid, customer_id: Uuid) -> Result<Vec<Mandate>> {
        let sql = format!(
            "SELECT {MANDATE_COLS} FROM sepa_mandates WHERE company_id = $1 AND customer_id = $2 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<MandateRow> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(customer_id)
            .fetch_all(c)
            .await?);
        Ok(rows.into_iter().map(mandate_of).collect())
    }

    /// Revokes a mandate: no batch takes it any more (409 when it is revoked already).
    pub async fn revoke_mandate(&self, company_id: Uuid, customer_id: Uuid, id: Uuid) -> Result<Mandate> {
        let mut tx = self.begin().await?;
        let m = mandate_in(&mut tx, company_id, customer_id, id).await?;
        if m.status == "revoked" {
            return Err(StoreError::Conflict(Message::new("sepa_mandate_revoked")));
        }
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE sepa_mandates SET status = 'revoked', revoked_at = $3 WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(now())
            .execute(&mut *c)
            .await?;
        });
        let m = mandate_in(&mut tx, company_id, customer_id, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Amends a mandate (EPC rulebook): a new reference and/or a new IBAN (with its BIC).
    /// The values the bank knows are kept until the next collection reports them
    /// (`OrgnlMndtId`, `OrgnlDbtrAcct`); an account at another bank is reported as SMNDA
    /// and the next collection is a first one again (FRST). A mandate never presented is
    /// simply corrected. 422 when nothing changes or the reference is taken, 409 when
    /// revoked.
    pub async fn amend_mandate(
        &self,
        company_id: Uuid,
        customer_id: Uuid,
        id: Uuid,
        change: &MandateChange,
    ) -> Result<Mandate> {
        let mut tx = self.begin().await?;
        let m = mandate_in(&mut tx, company_id, customer_id, id).await?;
        if m.status == "revoked" {
            return Err(StoreError::Conflict(Message::new("sepa_mandate_revoked")));
        }
        // A batch awaiting collection was written with the mandate as it is: the bank
        // collects those debits under it, so it changes only once the batch is collected.
        let open: Option<(String,)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT b.message_id FROM sepa_batch_items i \
                 JOIN sepa_batches b ON b.company_id = i.company_id AND b.id = i.batch_id \
                 WHERE i.company_id = $1 AND i.mandate_id = $2 AND i.status = 'pending' AND b.status = 'created' \
                 ORDER BY b.created_at LIMIT 1",
            )
            .bind(company_id)
            .bind(id)
            .fetch_optional(&mut *c)
            .await?
        });
        if let Some((batch,)) = open {
            return Err(StoreError::Conflict(Message::new("sepa_mandate_in_open_batch").with("batch", batch)));
        }
        let reference =
            change.reference.as_ref().map(|r| r.as_str().to_string()).unwrap_or_else(|| m.reference.clone());
        let iban = change.iban.as_ref().map(|i| i.as_str().to_string()).unwrap_or_else(|| m.iban.clone());
        let bic = match &change.bic {
            Some(b) => b.as_ref().map(|b| b.as_str().to_string()),
            None if change.iban.is_some() && iban != m.iban => None,
            None => m.bic.clone(),
        };
        let what = sepa::amendment(&m.reference, &m.iban, &reference, &iban);
        if !what.any() && bic == m.bic {
            return Err(invalid("iban", Message::new("sepa_mandate_unchanged")));
        }
        // What the bank knows: the values of the last collection presented, if any.
        let known = m.presented > 0 || m.amended();
        let (mut original_reference, mut original_iban, mut new_bank, mut presented) =
            (m.original_reference.clone(), m.original_iban.clone(), m.original_new_bank, m.presented);
        if known {
            if what.reference_changed && original_reference.is_none() {
                original_reference = Some(m.reference.clone());
            }
            if original_reference.as_deref() == Some(reference.as_str()) {
                original_reference = None;
            }
            if what.bank_changed {
                new_bank = true;
                original_iban = None;
                presented = 0;
            } else if what.account_changed && !new_bank && original_iban.is_none() {
                original_iban = Some(m.iban.clone());
            }
            if original_iban.as_deref() == Some(iban.as_str()) {
                original_iban = None;
            }
        }
        let updated = on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE sepa_mandates SET reference = $3, iban = $4, bic = $5, original_reference = $6, \
                 original_iban = $7, original_new_bank = $8, presented = $9 WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(&reference)
            .bind(&iban)
            .bind(bic.as_deref())
            .bind(original_reference.as_deref())
            .bind(original_iban.as_deref())
            .bind(i32::from(new_bank))
            .bind(i32::try_from(presented).unwrap_or(i32::MAX))
            .execute(&mut *c)
            .await
            .map(|_| ())
        });
        match updated.map_err(StoreError::from) {
            Err(e) if e.is_unique_violation() => {
                return Err(invalid("reference", Message::new("sepa_mandate_reference_taken").with("v", &reference)));
            }
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        let m = mandate_in(&mut tx, company_id, customer_id, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Makes a batch of debits for a collection date: each invoice issued with something
    /// due, in euros, its customer holding an active mandate and not already in a batch
    /// awaiting collection; otherwise a 422 on `invoice_ids[i]` naming the invoice. Each
    /// mandate's sequence type is taken now (FRST for its first collection, then RCUR).
    pub async fn create_batch(
        &self,
        company_id: Uuid,
        creditor: &Creditor,
        collection_date: Date,
        invoice_ids: &[Uuid],
    ) -> Result<BatchRecord> {
        if invoice_ids.is_empty() {
            return Err(invalid("invoice_ids", sepa::SepaError::Empty.message()));
        }
        let mut tx = self.begin().await?;
        let mut mandates: BTreeMap<Uuid, Option<Mandate>> = BTreeMap::new();
        let mut debits = Vec::with_capacity(invoice_ids.len());
        let mut rows = Vec::with_capacity(invoice_ids.len());
        for (i, id) in invoice_ids.iter().enumerate() {
            let field = format!("invoice_ids[{i}]");
            let doc = match lock_document(&mut tx, company_id, *id, None).await {
                Ok(d) => d,
                Err(StoreError::NotFound(_)) => return Err(invalid(field, Message::new("no_such_invoice"))),
                Err(e) => return Err(e),
            };
            let number = doc.number.clone().unwrap_or_default();
            let due = facturier_core::document::settle(doc.content.totals().gross, doc.paid, doc.credited).due;
            if !doc.kind.is_payable() || !lifecycle::is_open(doc.kind, doc.status) || due <= Decimal::ZERO {
                let shown = if number.is_empty() { id.to_string() } else { number.clone() };
                return Err(invalid(field, Message::new("sepa_invoice_not_collectable").with("number", shown)));
            }
            if let Some(batch) = pending_batch_of(&mut tx, company_id, *id).await? {
                return Err(invalid(
                    field,
                    Message::new("sepa_invoice_in_open_batch").with("number", &number).with("batch", batch),
                ));
            }
            let customer_id = doc.content.customer_id;
            if let std::collections::btree_map::Entry::Vacant(e) = mandates.entry(customer_id) {
                e.insert(active_mandate_in(&mut tx, company_id, customer_id).await?);
            }
            let Some(Some(mandate)) = mandates.get(&customer_id) else {
                return Err(invalid(field, Message::new("sepa_no_active_mandate").with("number", &number)));
            };
            let debit = Debit {
                invoice_id: doc.id,
                number: number.clone(),
                currency: doc.content.currency,
                amount: due,
                mandate_id: mandate.id,
                sequence: mandate.next_sequence(),
            };
            let name = self.customer(company_id, customer_id).await.map(|c| c.customer.name).unwrap_or_default();
            rows.push((debit.clone(), mandate.clone(), name));
            debits.push((collection_date, debit));
        }
        let plan = plan_batch(debits).map_err(|e| {
            let field = match &e {
                sepa::SepaError::NotEuro(n) | sepa::SepaError::Amount(n) | sepa::SepaError::Duplicate(n) => rows
                    .iter()
                    .rposition(|(d, _, _)| &d.number == n)
                    .map(|i| format!("invoice_ids[{i}]"))
                    .unwrap_or_else(|| "invoice_ids".into()),
                _ => "invoice_ids".into(),
            };
            invalid(field, e.message())
        })?;
        let id = new_id();
        let at = now();
        let message_id = format!("FACT-{}", id.simple());
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO sepa_batches (id, company_id, message_id, collection_date, creditor_id, creditor_name, \
                 creditor_iban, creditor_bic, control_sum, item_count, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(company_id)
            .bind(&message_id)
            .bind(collection_date)
            .bind(creditor.id.as_str())
            .bind(&creditor.name)
            .bind(&creditor.iban)
            .bind(creditor.bic.as_deref())
            .bind(plan.control_sum.to_string())
            .bind(i32::try_from(plan.count).unwrap_or(i32::MAX))
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        for (position, (d, m, name)) in rows.iter().enumerate() {
            let mut amount = d.amount;
            amount.rescale(2);
            on_conn!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO sepa_batch_items (company_id, batch_id, invoice_id, position, number, amount, mandate_id, \
                     mandate_reference, signed_on, debtor_name, debtor_iban, debtor_bic, sequence, original_reference, \
                     original_iban, new_debtor_agent) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(company_id)
                .bind(id)
                .bind(d.invoice_id)
                .bind(i32::try_from(position).unwrap_or(i32::MAX))
                .bind(&d.number)
                .bind(amount.to_string())
                .bind(m.id)
                .bind(&m.reference)
                .bind(m.signed_on)
                .bind(name)
                .bind(&m.iban)
                .bind(m.bic.as_deref())
                .bind(d.sequence.as_str())
                .bind(m.original_reference.as_deref())
                .bind(m.original_iban.as_deref())
                .bind(i32::from(m.original_new_bank))
                .execute(&mut *c)
                .await?;
            });
            let detail = serde_json::json!({
                "batch_id": id, "amount": amount.to_string(), "collection_date": collection_date.to_string(),
                "mandate": m.reference, "sequence": d.sequence.as_str(),
            });
            event(&mut tx, company_id, d.invoice_id, "sepa_debit_scheduled", detail).await?;
        }
        // The mandates used are presented once more; the amendments reported are cleared.
        for m in mandates.values().flatten() {
            on_conn!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE sepa_mandates SET presented = presented + 1, original_reference = NULL, original_iban = NULL, \
                     original_new_bank = 0 WHERE company_id = $1 AND id = $2",
                )
                .bind(company_id)
                .bind(m.id)
                .execute(&mut *c)
                .await?;
            });
        }
        tx.commit().await?;
        self.batch(company_id, id).await
    }

    /// The invoices a batch may take now: issued, open with something due, in euros,
    /// their customer holding an active mandate, in no batch awaiting collection; oldest
    /// first, at most `limit`.
    pub async fn collectable_invoices(&self, company_id: Uuid, limit: usize) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT d.id FROM documents d WHERE d.company_id = $1 AND d.currency = 'EUR' AND d.number IS NOT NULL \
             AND EXISTS (SELECT 1 FROM sepa_mandates m WHERE m.company_id = d.company_id \
                         AND m.customer_id = d.customer_id AND m.status = 'active') \
             AND NOT EXISTS (SELECT 1 FROM sepa_batch_items i WHERE i.company_id = d.company_id \
                             AND i.invoice_id = d.id AND i.status = 'pending') \
             ORDER BY d.issue_date, d.id"
        )
        .bind(company_id)
        .fetch_all(c)
        .await?);
        let mut out = Vec::new();
        let mut tx = self.begin_read().await?;
        for (id,) in rows {
            if out.len() >= limit {
                break;
            }
            let doc = crate::documents::read_in(&mut tx, company_id, id).await?;
            let due = facturier_core::document::settle(doc.content.totals().gross, doc.paid, doc.credited).due;
            if doc.kind.is_payable() && lifecycle::is_open(doc.kind, doc.status) && due > Decimal::ZERO {
                out.push(id);
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// One batch with its debits.
    pub async fn batch(&self, company_id: Uuid, id: Uuid) -> Result<BatchRecord> {
        let mut tx = self.begin_read().await?;
        let b = batch_in(&mut tx, company_id, id).await?;
        tx.commit().await?;
        Ok(b)
    }

    /// The company's batches, newest first (without their debits).
    pub async fn batches(&self, company_id: Uuid, limit: u32) -> Result<Vec<BatchRecord>> {
        let sql = format!(
            "SELECT {BATCH_COLS} FROM sepa_batches WHERE company_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let rows: Vec<BatchRow> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        rows.into_iter().map(batch_of).collect()
    }

    /// Marks a batch collected on `date`: a `direct_debit` payment of each debit's amount
    /// on its invoice, all in one transaction (409 when collected already).
    pub async fn collect_batch(&self, company_id: Uuid, id: Uuid, date: Date) -> Result<BatchRecord> {
        let mut tx = self.begin().await?;
        let b = batch_in(&mut tx, company_id, id).await?;
        if b.status == "collected" {
            return Err(StoreError::Conflict(Message::new("sepa_batch_collected")));
        }
        for (i, item) in b.items.iter().enumerate() {
            // A debit the bank rejected before settlement (pain.002) is not collected.
            if item.status == "rejected" {
                continue;
            }
            let doc = lock_document(&mut tx, company_id, item.invoice_id, None).await?;
            let reference = format!("{} {}", b.message_id, item.number);
            let payment = NewPayment { amount: item.amount, date, method: "direct_debit", reference: Some(&reference) };
            let paid = pay_invoice_in(&mut tx, company_id, doc.kind, doc.id, payment, Excess::Refuse).await;
            let payment_id = match paid {
                Ok(p) => p,
                // The invoice changed since the batch was made (a payment, a credit note).
                Err(StoreError::Invalid { message, .. }) => {
                    return Err(invalid(format!("items[{i}]"), message));
                }
                Err(e) => return Err(e),
            };
            on_conn!(&mut tx, |c| {
                sqlx::query(
                    "UPDATE sepa_batch_items SET status = 'collected', payment_id = $4 \
                     WHERE company_id = $1 AND batch_id = $2 AND invoice_id = $3",
                )
                .bind(company_id)
                .bind(id)
                .bind(item.invoice_id)
                .bind(payment_id)
                .execute(&mut *c)
                .await?;
            });
        }
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE sepa_batches SET status = 'collected', collected_on = $3 WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(date)
            .execute(&mut *c)
            .await?;
        });
        let b = batch_in(&mut tx, company_id, id).await?;
        tx.commit().await?;
        Ok(b)
    }

    /// Records a bank's reject of one debit of a collected batch: its payment is cancelled
    /// with the reason (the invoice is open again, the reason in its history) and the
    /// bank's fee kept with the debit. A rejected first collection leaves the mandate
    /// to start again with FRST.
    pub async fn reject_debit(
        &self,
        company_id: Uuid,
        id: Uuid,
        invoice_id: Uuid,
        reason: &ReasonCode,
        fee: Option<Decimal>,
        date: Date,
    ) -> Result<BatchRecord> {
        let mut tx = self.begin().await?;
        let b = batch_in(&mut tx, company_id, id).await?;
        let Some(item) = b.items.iter().find(|i| i.invoice_id == invoice_id) else {
            return Err(invalid("invoice_id", Message::new("sepa_not_in_batch")));
        };
        if item.status == "pending" {
            return Err(StoreError::Conflict(Message::new("sepa_batch_not_collected")));
        }
        reject_item_in(&mut tx, company_id, &b, item, reason, fee, date, None).await?;
        let b = batch_in(&mut tx, company_id, id).await?;
        tx.commit().await?;
        Ok(b)
    }

    /// Applies the rejects a bank's file reports, each in its own transaction, through the
    /// same path as a reject entered by hand (a debit still awaiting collection is simply
    /// marked rejected: no payment was recorded for it). A debit is found by its
    /// end-to-end id (the invoice number), within the original file when the bank names
    /// it, else by its mandate reference and amount. A debit rejected already is reported
    /// as such (the same file twice rejects once); a reference matching no debit is
    /// reported, never dropped.
    pub async fn apply_rejects(
        &self,
        company_id: Uuid,
        source: &str,
        rejects: &[FileReject],
    ) -> Result<Vec<RejectOutcome>> {
        let mut out = Vec::with_capacity(rejects.len());
        for r in rejects {
            let mut tx = self.begin().await?;
            let found = match_debit_in(&mut tx, company_id, r).await?;
            let Some((batch_id, invoice_id)) = found else {
                tx.commit().await?;
                out.push(RejectOutcome::Unknown);
                continue;
            };
            let b = batch_in(&mut tx, company_id, batch_id).await?;
            let Some(item) = b.items.iter().find(|i| i.invoice_id == invoice_id) else {
                out.push(RejectOutcome::Unknown);
                continue;
            };
            let hit = RejectHit { batch_id, message_id: b.message_id.clone(), invoice_id, number: item.number.clone() };
            if item.status == "rejected" {
                tx.commit().await?;
                out.push(RejectOutcome::Already(hit));
                continue;
            }
            reject_item_in(&mut tx, company_id, &b, item, &r.reason, r.fee, r.date, Some(source)).await?;
            tx.commit().await?;
            out.push(RejectOutcome::Rejected(hit));
        }
        Ok(out)
    }
}

/// One reject a bank's file reports, parsed.
#[derive(Clone, Debug)]
pub struct FileReject {
    pub original_message_id: Option<String>,
    pub end_to_end_id: Option<String>,
    pub mandate_id: Option<String>,
    pub amount: Option<Decimal>,
    pub reason: ReasonCode,
    pub fee: Option<Decimal>,
    pub date: Date,
}

/// The debit a file's reject named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectHit {
    pub batch_id: Uuid,
    pub message_id: String,
    pub invoice_id: Uuid,
    pub number: String,
}

/// What became of one reject of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectOutcome {
    /// The debit is rejected now.
    Rejected(RejectHit),
    /// The debit was rejected already (by this file before, or by hand).
    Already(RejectHit),
    /// No debit of the company has these references.
    Unknown,
}

fn cut35(s: &str) -> String {
    s.trim().chars().take(35).collect()
}

/// The (batch, invoice) of the debit a file's reject names, the most recent first.
async fn match_debit_in(tx: &mut Tx, company_id: Uuid, r: &FileReject) -> Result<Option<(Uuid, Uuid)>> {
    type Hit = (Uuid, Uuid, String, String, String);
    let sql = "SELECT i.batch_id, i.invoice_id, i.status, b.message_id, i.amount FROM sepa_batch_items i \
               JOIN sepa_batches b ON b.id = i.batch_id AND b.company_id = i.company_id \
               WHERE i.company_id = $1 AND (i.number = $2 OR ($2 = '' AND i.mandate_reference = $3)) \
               ORDER BY b.created_at DESC, b.id DESC";
    let e2e = r.end_to_end_id.clone().unwrap_or_default();
    let mandate = r.mandate_id.clone().unwrap_or_default();
    if e2e.is_empty() && mandate.is_empty() {
        return Ok(None);
    }
    let rows: Vec<Hit> =
        on_conn!(tx, |c| sqlx::query_as(sql).bind(company_id).bind(&e2e).bind(&mandate).fetch_all(&mut *c).await?);
    let rows: Vec<Hit> = rows
        .into_iter()
        // The file carries the message id cut to the 35 characters of `Max35Text`.
        .filter(|h| r.original_message_id.as_deref().is_none_or(|m| cut35(m) == cut35(&h.3)))
        .filter(|h| !e2e.is_empty() || r.amount.is_none_or(|a| h.4.parse::<Decimal>().is_ok_and(|x| x == a)))
        .collect();
    // A debit not rejected yet first; otherwise the latest (reported as rejected already).
    let pick = rows.iter().find(|h| h.2 != "rejected").or(rows.first());
    Ok(pick.map(|h| (h.0, h.1)))
}

/// Rejects one debit of a batch: a collected one has its payment cancelled with the
/// reason (the invoice is open again); one awaiting collection is only marked (its
/// invoice was never paid). The fee is kept with the debit, the reason in the invoice's
/// history; a rejected first collection leaves the mandate to start again with FRST.
#[allow(clippy::too_many_arguments)]
async fn reject_item_in(
    tx: &mut Tx,
    company_id: Uuid,
    b: &BatchRecord,
    item: &BatchItem,
    reason: &ReasonCode,
    fee: Option<Decimal>,
    date: Date,
    source: Option<&str>,
) -> Result<()> {
    let id = b.id;
    let invoice_id = item.invoice_id;
    match (item.status.as_str(), item.payment_id) {
        ("rejected", _) => return Err(StoreError::Conflict(Message::new("sepa_already_rejected"))),
        ("collected", Some(payment_id)) => {
            let why = format!("SEPA {} {}", reason.as_str(), b.message_id);
            cancel_payment_in(tx, company_id, payment_id, &why).await?;
        }
        ("pending", _) => {}
        _ => return Err(StoreError::Conflict(Message::new("sepa_batch_not_collected"))),
    }
    let fee_text = fee.map(|f| {
        let mut f = f;
        f.rescale(2);
        f.to_string()
    });
    on_conn!(tx, |c| {
        sqlx::query(
            "UPDATE sepa_batch_items SET status = 'rejected', reject_reason = $4, reject_fee = $5, rejected_on = $6, \
             reject_source = $7 WHERE company_id = $1 AND batch_id = $2 AND invoice_id = $3",
        )
        .bind(company_id)
        .bind(id)
        .bind(invoice_id)
        .bind(reason.as_str())
        .bind(fee_text.as_deref())
        .bind(date)
        .bind(source)
        .execute(&mut *c)
        .await?;
        if item.sequence == SequenceType::Frst {
            sqlx::query("UPDATE sepa_mandates SET presented = 0 WHERE company_id = $1 AND id = $2 AND presented = 1")
                .bind(company_id)
                .bind(item.mandate_id)
                .execute(&mut *c)
                .await?;
        }
    });
    let detail = serde_json::json!({
        "batch_id": id, "reason": reason.as_str(), "fee": fee_text, "date": date.to_string(),
        "amount": item.amount.to_string(), "source": source,
    });
    event(tx, company_id, invoice_id, "sepa_debit_rejected", detail).await?;
    Ok(())
}

async fn mandate_in(tx: &mut Tx, company_id: Uuid, customer_id: Uuid, id: Uuid) -> Result<Mandate> {
    let sql =
        format!("SELECT {MANDATE_COLS} FROM sepa_mandates WHERE company_id = $1 AND customer_id = $2 AND id = $3");
    let row: Option<MandateRow> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(customer_id)
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
    row.map(mandate_of).ok_or(StoreError::NotFound("mandate"))
}

/// The customer's most recent active mandate.
async fn active_mandate_in(tx: &mut Tx, company_id: Uuid, customer_id: Uuid) -> Result<Option<Mandate>> {
    let sql = format!(
        "SELECT {MANDATE_COLS} FROM sepa_mandates WHERE company_id = $1 AND customer_id = $2 AND status = 'active' \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    let row: Option<MandateRow> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(customer_id)
        .fetch_optional(&mut *c)
        .await?);
    Ok(row.map(mandate_of))
}

/// The message id of a batch not yet collected that holds the invoice, if any.
async fn pending_batch_of(tx: &mut Tx, company_id: Uuid, invoice_id: Uuid) -> Result<Option<String>> {
    let row: Option<(String,)> = on_conn!(tx, |c| {
        sqlx::query_as(
        "SELECT b.message_id FROM sepa_batch_items i JOIN sepa_batches b ON b.id = i.batch_id AND b.company_id = i.company_id \
         WHERE i.company_id = $1 AND i.invoice_id = $2 AND i.status = 'pending'"
    )
    .bind(company_id)
    .bind(invoice_id)
    .fetch_optional(&mut *c)
    .await?
    });
    Ok(row.map(|(m,)| m))
}

async fn batch_in(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<BatchRecord> {
    let sql = format!("SELECT {BATCH_COLS} FROM sepa_batches WHERE company_id = $1 AND id = $2");
    let row: Option<BatchRow> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
    let mut b = batch_of(row.ok_or(StoreError::NotFound("batch"))?)?;
    let sql =
        format!("SELECT {ITEM_COLS} FROM sepa_batch_items WHERE company_id = $1 AND batch_id = $2 ORDER BY position");
    let rows: Vec<ItemRow> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_all(&mut *c)
        .await?);
    b.items = rows.into_iter().map(item_of).collect::<Result<_>>()?;
    Ok(b)
}
