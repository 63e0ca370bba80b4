//! Payments that can be corrected (`0020_payments`): a payment received on one or
//! several invoices, customer credit applied to an invoice or refunded, the
//! cancellation of any of them, the list of payments and the customer's statement.
//!
//! `customer_payments` holds one row per payment (`receipt`, `credit` or `refund`);
//! `payments` one row per invoice it settles (`applied`), pointing at it by
//! `payment_id`; `customer_credits` the movements of the customer's credit. Every rule
//! comes from `facturier_core::payments`: this module loads, locks and writes. Each
//! operation locks its invoices' rows (in id order), then the customer's row, so that two
//! payments, two uses of the same credit or a payment and its cancellation never both
//! pass a check made on what the other changes (on SQLite writes are serialised anyway).
//! That is the order of every other writer of documents (the 0014 balance triggers update
//! the customer's row after its document's): no two transactions wait on each other in a
//! cycle.
//!
//! Along its seams: recording a payment over invoices (`record`), reading and listing
//! them (`list`), cancelling one (`cancel`), the customer's credit applied or refunded
//! (`credit`) and the customer's statement (`statement`); the rows they write and read
//! (`rows`); here, the types and the locks and credit they share.

pub(crate) mod cancel;
mod credit;
mod list;
pub mod online;
pub(crate) mod record;
mod rows;
mod statement;

use crate::documents::{DocCursor, DocumentRecord};
use crate::{Result, Stamp, StoreError, Tx, new_id, on_conn};
use facturier_core::Decimal;
use facturier_core::document::DocumentKind;
use facturier_core::money::Currency;
use facturier_core::payments::{self as rules, Excess, OpenInvoice, PaymentError, Statement};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What a payment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentKind {
    /// Money received from the customer.
    Receipt,
    /// The customer's credit set against an invoice.
    Credit,
    /// Credit paid back to the customer (outgoing).
    Refund,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Receipt => "receipt",
            PaymentKind::Credit => "credit",
            PaymentKind::Refund => "refund",
        }
    }

    fn parse(s: &str) -> Result<PaymentKind> {
        Ok(match s {
            "receipt" => PaymentKind::Receipt,
            "credit" => PaymentKind::Credit,
            "refund" => PaymentKind::Refund,
            other => return Err(StoreError::Corrupt(format!("payment kind {other:?}"))),
        })
    }
}

/// The part of a payment that settles one invoice.
#[derive(Clone, Debug)]
pub struct AllocationRecord {
    pub invoice_id: Uuid,
    pub kind: DocumentKind,
    pub number: Option<String>,
    pub amount: Decimal,
}

/// A stored payment.
#[derive(Clone, Debug)]
pub struct Payment {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub kind: PaymentKind,
    pub currency: Currency,
    pub amount: Decimal,
    /// What the payment left as customer credit (receipts only).
    pub to_credit: Decimal,
    pub date: Date,
    pub method: String,
    pub reference: Option<String>,
    /// `recorded` or `cancelled`.
    pub status: String,
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub allocations: Vec<AllocationRecord>,
}

/// A payment received from a customer, to allocate over its invoices.
#[derive(Clone, Debug)]
pub struct NewReceipt {
    pub customer_id: Uuid,
    pub amount: Decimal,
    /// The payment's currency; default that of the first invoice, else the company's.
    pub currency: Option<Currency>,
    pub date: Date,
    pub method: String,
    pub reference: Option<String>,
    /// `(invoice id, amount)`, in the order the request gave them (errors name the index).
    pub allocations: Vec<(Uuid, Decimal)>,
    pub excess: Excess,
}

/// Filters of the payment list.
#[derive(Clone, Debug)]
pub struct PaymentFilter {
    pub customer_id: Option<Uuid>,
    /// Words that must all appear in the reference, the customer's name or the number of
    /// an invoice the payment settles (case and accents ignored).
    pub q: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub limit: u32,
    pub after: Option<DocCursor>,
}

/// One line of a customer's statement.
#[derive(Clone, Debug)]
pub struct StatementItem {
    /// `invoice`, `deposit_invoice`, `credit_note`, `payment`, `payment_cancelled`,
    /// `credit_applied`, `credit_applied_cancelled`, `refund` or `refund_cancelled`.
    pub kind: &'static str,
    pub id: Uuid,
    /// The document's number, or the invoices a payment settled.
    pub number: Option<String>,
    pub reference: Option<String>,
    /// The amount of the document or payment (a credit application moves no balance).
    pub amount: Decimal,
}

/// A customer's statement in one currency.
pub type CurrencyStatement = (Currency, Statement<StatementItem>);

/// The refusal of a payment rule as the store reports it: a 422 on the field at fault,
/// a 409 for a refusal by the state.
fn refused(e: PaymentError) -> StoreError {
    match e.field() {
        Some(field) => StoreError::Invalid { field, message: e.message() },
        None => match e {
            PaymentError::NotPayable { index: None, source, .. } => StoreError::Lifecycle(source),
            other => StoreError::Conflict(other.message()),
        },
    }
}

/// Takes the customer's row lock (PostgreSQL; SQLite holds the write lock already).
async fn lock_customer(tx: &mut Tx, company_id: Uuid, customer_id: Uuid) -> Result<bool> {
    let found: Option<(Uuid,)> = match tx {
        Tx::Sqlite(t, _) => {
            sqlx::query_as("SELECT id FROM customers WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(customer_id)
                .fetch_optional(&mut **t)
                .await?
        }
        Tx::Postgres(t) => {
            sqlx::query_as("SELECT id FROM customers WHERE company_id = $1 AND id = $2 FOR UPDATE")
                .bind(company_id)
                .bind(customer_id)
                .fetch_optional(&mut **t)
                .await?
        }
    };
    Ok(found.is_some())
}

/// An issued invoice as the payment rules see it.
fn open(doc: &DocumentRecord) -> OpenInvoice {
    OpenInvoice {
        status: doc.status,
        currency: doc.content.currency,
        number: doc.number.clone().unwrap_or_else(|| "the draft".into()),
        gross: doc.content.totals().gross,
        paid: doc.paid,
        credited: doc.credited,
    }
}

/// The customer's available credit in `currency`.
async fn credit_in(tx: &mut Tx, company_id: Uuid, customer_id: Uuid, currency: Currency) -> Result<Decimal> {
    let rows: Vec<(String,)> = on_conn!(tx, |c| {
        sqlx::query_as(
            "SELECT amount FROM customer_credits WHERE company_id = $1 AND customer_id = $2 AND currency = $3",
        )
        .bind(company_id)
        .bind(customer_id)
        .bind(currency.code())
        .fetch_all(&mut *c)
        .await?
    });
    let amounts = rows
        .into_iter()
        .map(|(a,)| a.parse::<Decimal>().map_err(|_| StoreError::Corrupt(format!("credit amount {a:?}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(rules::credit_balance(amounts))
}

/// A movement of the customer's credit (positive: credit made; negative: credit used).
async fn credit_movement(
    tx: &mut Tx,
    company_id: Uuid,
    customer_id: Uuid,
    amount: Decimal,
    currency: Currency,
    (source_kind, source_id): (&str, Uuid),
    at: Stamp,
) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO customer_credits (id, company_id, customer_id, amount, currency, source_kind, source_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(company_id)
        .bind(customer_id)
        .bind(amount.to_string())
        .bind(currency.code())
        .bind(source_kind)
        .bind(source_id)
        .bind(at)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}
