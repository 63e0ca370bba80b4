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

use crate::documents::{DocCursor, DocumentRecord, NewPayment, event, lock_document};
use crate::sql::Sql;
use crate::{Arg, Result, Stamp, Store, StoreError, Tx, bind_args, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Settlement};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::payments::{
    self as rules, Allocated, Excess, OpenInvoice, PaymentError, Statement, allocate, pay_one,
};
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

/// The row of one payment.
struct Header<'a> {
    id: Uuid,
    customer_id: Uuid,
    kind: PaymentKind,
    currency: Currency,
    amount: Decimal,
    to_credit: Decimal,
    date: Date,
    method: &'a str,
    reference: Option<&'a str>,
    at: Stamp,
}

async fn insert_header(tx: &mut Tx, company_id: Uuid, h: &Header<'_>) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO customer_payments (id, company_id, customer_id, kind, currency, amount, to_credit, paid_on, \
             method, reference, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'recorded', $11)",
        )
        .bind(h.id)
        .bind(company_id)
        .bind(h.customer_id)
        .bind(h.kind.as_str())
        .bind(h.currency.code())
        .bind(h.amount.to_string())
        .bind(h.to_credit.to_string())
        .bind(h.date)
        .bind(h.method)
        .bind(h.reference)
        .bind(h.at)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

/// One invoice's share of a payment, and the invoice's new settlement.
async fn insert_allocation(
    tx: &mut Tx,
    company_id: Uuid,
    h: &Header<'_>,
    document_id: Uuid,
    applied: Decimal,
    after: &Settlement,
) -> Result<()> {
    // `amount` is what the payment received in all (as rows before 0020 hold it),
    // `applied` this invoice's share.
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO payments (id, company_id, document_id, amount, applied, paid_on, method, reference, created_at, \
             payment_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'recorded')",
        )
        .bind(new_id())
        .bind(company_id)
        .bind(document_id)
        .bind(h.amount.to_string())
        .bind(applied.to_string())
        .bind(h.date)
        .bind(h.method)
        .bind(h.reference)
        .bind(h.at)
        .bind(h.id)
        .execute(&mut *c)
        .await?;
    });
    write_settlement(tx, company_id, document_id, after, h.at).await
}

/// Writes what core's `settle` decided (the 0014 triggers follow `due` and `status`).
async fn write_settlement(tx: &mut Tx, company_id: Uuid, id: Uuid, s: &Settlement, at: Stamp) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "UPDATE documents SET paid = $3, due = $4, status = $5, updated_at = $6 WHERE company_id = $1 AND id = $2",
        )
        .bind(company_id)
        .bind(id)
        .bind(s.paid.to_string())
        .bind(s.due.to_string())
        .bind(s.status.as_str())
        .bind(at)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

type HeaderRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    String,
    Date,
    String,
    Option<String>,
    String,
    Option<Stamp>,
    Option<String>,
    Stamp,
);
const HEADER_COLS: &str = "id, customer_id, kind, currency, amount, to_credit, paid_on, method, reference, status, \
                           cancelled_at, cancel_reason, created_at";

fn payment_of(r: HeaderRow) -> Result<Payment> {
    let (
        id,
        customer_id,
        kind,
        currency,
        amount,
        to_credit,
        date,
        method,
        reference,
        status,
        cancelled_at,
        reason,
        created,
    ) = r;
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("payment {id}: {what} {v:?}"));
    Ok(Payment {
        id,
        customer_id,
        kind: PaymentKind::parse(&kind)?,
        currency: currency.parse().map_err(|_| corrupt("currency", &currency))?,
        amount: amount.parse().map_err(|_| corrupt("amount", &amount))?,
        to_credit: to_credit.parse().map_err(|_| corrupt("to_credit", &to_credit))?,
        date,
        method,
        reference,
        status,
        cancelled_at: cancelled_at.map(Stamp::instant),
        cancel_reason: reason,
        created_at: created.instant(),
        allocations: Vec::new(),
    })
}

/// Reads one payment's row (the caller's lock, if any, is already taken).
async fn header_in(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Payment> {
    let sql = format!("SELECT {HEADER_COLS} FROM customer_payments WHERE company_id = $1 AND id = $2");
    let row: Option<HeaderRow> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
    payment_of(row.ok_or(StoreError::NotFound("payment"))?)
}

/// A document as a statement reads it: id, kind, number, issue date, currency, gross.
type DocRow = (Uuid, String, Option<String>, Option<Date>, String, String);

type AllocationRow = (Uuid, Uuid, String, Option<String>, String);

/// Fills the allocations of these payments, in one statement.
fn fill_allocations(payments: &mut [Payment], rows: Vec<AllocationRow>) -> Result<()> {
    for (payment_id, invoice_id, kind, number, applied) in rows {
        let kind: DocumentKind = kind.parse().map_err(StoreError::Corrupt)?;
        let amount = applied.parse().map_err(|_| StoreError::Corrupt(format!("payment {payment_id}: {applied:?}")))?;
        if let Some(p) = payments.iter_mut().find(|p| p.id == payment_id) {
            p.allocations.push(AllocationRecord { invoice_id, kind, number, amount });
        }
    }
    Ok(())
}

fn allocations_sql(company_id: Uuid, ids: &[Uuid]) -> Sql {
    let mut q = Sql::new(
        "SELECT p.payment_id, p.document_id, d.kind, d.number, p.applied FROM payments p \
         JOIN documents d ON d.company_id = p.company_id AND d.id = p.document_id WHERE p.company_id = ",
    );
    q.bind(Arg::Uuid(company_id)).push(" AND p.payment_id IN ").bind_ids(ids.iter().copied());
    q.push(" ORDER BY d.number, p.id");
    q
}

/// Writes a receipt: its row, its allocations `(invoice, allocation)` (each with its
/// invoice's new settlement), its credit, and an event on each invoice and on the customer.
async fn write_receipt(
    tx: &mut Tx,
    company_id: Uuid,
    h: &Header<'_>,
    allocations: &[(Uuid, &Allocated)],
) -> Result<()> {
    insert_header(tx, company_id, h).await?;
    let mut invoices = Vec::new();
    for (doc_id, a) in allocations {
        insert_allocation(tx, company_id, h, *doc_id, a.amount, &a.after).await?;
        let detail = serde_json::json!({
            "payment_id": h.id, "amount": h.amount.to_string(), "applied": a.amount.to_string(),
            "to_credit": h.to_credit.to_string(), "method": h.method,
        });
        event(tx, company_id, *doc_id, "payment_recorded", detail).await?;
        invoices.push(doc_id.to_string());
    }
    if h.to_credit > Decimal::ZERO {
        credit_movement(tx, company_id, h.customer_id, h.to_credit, h.currency, ("payment", h.id), h.at).await?;
    }
    let detail = serde_json::json!({
        "payment_id": h.id, "amount": h.amount.to_string(), "currency": h.currency.code(),
        "to_credit": h.to_credit.to_string(), "invoices": invoices,
    });
    crate::customers::customer_event(tx, company_id, h.customer_id, h.at, "payment_recorded", &detail).await
}

impl Store {
    /// Records a payment on one issued invoice; an amount above what is due is refused
    /// (422 on `amount`) unless `excess` keeps the rest as customer credit.
    pub async fn pay_invoice(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        id: Uuid,
        payment: NewPayment<'_>,
        excess: Excess,
    ) -> Result<DocumentRecord> {
        let NewPayment { amount, date, method, reference } = payment;
        let mut tx = self.begin().await?;
        let doc = lock_document(&mut tx, company_id, id, Some(kind)).await?;
        let customer_id = doc.content.customer_id;
        lock_customer(&mut tx, company_id, customer_id).await?;
        if !kind.is_payable() {
            return Err(facturier_core::document::LifecycleError::NotPayable(doc.status.as_str()).into());
        }
        let plan = pay_one(&open(&doc), amount, excess).map_err(refused)?;
        let h = Header {
            id: new_id(),
            customer_id,
            kind: PaymentKind::Receipt,
            currency: doc.content.currency,
            amount,
            to_credit: plan.to_credit,
            date,
            method,
            reference,
            at: now(),
        };
        let allocations: Vec<(Uuid, &Allocated)> = plan.allocations.iter().map(|a| (doc.id, a)).collect();
        write_receipt(&mut tx, company_id, &h, &allocations).await?;
        tx.commit().await?;
        self.document(company_id, kind, id).await
    }

    /// Records a payment on one issued invoice, refusing any amount above what is due.
    pub async fn add_payment(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        id: Uuid,
        payment: NewPayment<'_>,
    ) -> Result<DocumentRecord> {
        self.pay_invoice(company_id, kind, id, payment, Excess::Refuse).await
    }

    /// Records one payment allocated over several invoices of a customer.
    pub async fn record_payment(&self, company_id: Uuid, p: &NewReceipt) -> Result<Payment> {
        let mut tx = self.begin().await?;
        let mut ids: Vec<Uuid> = p.allocations.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut locked = Vec::with_capacity(ids.len());
        for id in ids {
            match lock_document(&mut tx, company_id, id, None).await {
                Ok(doc) => locked.push(doc),
                Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if !lock_customer(&mut tx, company_id, p.customer_id).await? {
            return Err(StoreError::Invalid { field: "customer_id".into(), message: Message::new("no_such_customer") });
        }
        let mut docs = Vec::with_capacity(p.allocations.len());
        for (i, (invoice_id, _)) in p.allocations.iter().enumerate() {
            let field = format!("allocations[{i}].invoice_id");
            let Some(doc) = locked.iter().find(|d| d.id == *invoice_id).cloned() else {
                return Err(StoreError::Invalid { field, message: Message::new("no_such_invoice") });
            };
            if !doc.kind.is_payable() {
                return Err(StoreError::Invalid { field, message: Message::new("invoice_deposit_invoice") });
            }
            if doc.content.customer_id != p.customer_id {
                return Err(StoreError::Invalid { field, message: Message::new("invoice_another_customer") });
            }
            docs.push(doc);
        }
        let currency = match (p.currency, docs.first()) {
            (Some(c), _) => c,
            (None, Some(d)) => d.content.currency,
            (None, None) => self.company_currency(&mut tx, company_id).await?,
        };
        let opens: Vec<OpenInvoice> = docs.iter().map(open).collect();
        let parts: Vec<(Uuid, &OpenInvoice, Decimal)> =
            p.allocations.iter().zip(&opens).map(|((id, amount), inv)| (*id, inv, *amount)).collect();
        let plan = allocate(p.amount, currency, p.excess, &parts).map_err(refused)?;
        let h = Header {
            id: new_id(),
            customer_id: p.customer_id,
            kind: PaymentKind::Receipt,
            currency,
            amount: p.amount,
            to_credit: plan.to_credit,
            date: p.date,
            method: &p.method,
            reference: p.reference.as_deref(),
            at: now(),
        };
        // `allocate` answers in the order of the request: each allocation meets its invoice.
        let allocations: Vec<(Uuid, &Allocated)> = docs.iter().map(|d| d.id).zip(plan.allocations.iter()).collect();
        write_receipt(&mut tx, company_id, &h, &allocations).await?;
        tx.commit().await?;
        self.payment(company_id, h.id).await
    }

    async fn company_currency(&self, tx: &mut Tx, company_id: Uuid) -> Result<Currency> {
        let row: Option<(String,)> = on_conn!(tx, |c| sqlx::query_as("SELECT currency FROM companies WHERE id = $1")
            .bind(company_id)
            .fetch_optional(&mut *c)
            .await?);
        let (code,) = row.ok_or(StoreError::NotFound("company"))?;
        code.parse().map_err(|_| StoreError::Corrupt(format!("company currency {code:?}")))
    }

    /// One payment with its allocations.
    pub async fn payment(&self, company_id: Uuid, id: Uuid) -> Result<Payment> {
        let mut tx = self.begin_read().await?;
        let mut p = vec![header_in(&mut tx, company_id, id).await?];
        let q = allocations_sql(company_id, &[id]);
        let rows: Vec<AllocationRow> =
            on_conn!(&mut tx, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(&mut *c)
                .await?);
        fill_allocations(&mut p, rows)?;
        tx.commit().await?;
        Ok(p.remove(0))
    }

    /// A page of payments, newest first (by date, then by id).
    pub async fn list_payments(
        &self,
        company_id: Uuid,
        f: &PaymentFilter,
    ) -> Result<(Vec<Payment>, Option<DocCursor>)> {
        let mut q = Sql::new(&format!("SELECT {HEADER_COLS} FROM customer_payments WHERE company_id = "));
        q.bind(Arg::Uuid(company_id));
        if let Some(c) = f.customer_id {
            q.push(" AND customer_id = ").bind(Arg::Uuid(c));
        }
        if let Some(from) = f.from {
            q.push(" AND paid_on >= ").bind(Arg::Date(from));
        }
        if let Some(to) = f.to {
            q.push(" AND paid_on <= ").bind(Arg::Date(to));
        }
        if let Some(c) = f.after {
            q.push(" AND (paid_on, id) < (").bind(Arg::Date(c.date));
            q.push(", ").bind(Arg::Uuid(c.id)).push(")");
        }
        q.push(" ORDER BY paid_on DESC, id DESC LIMIT ").bind(Arg::I64(i64::from(f.limit) + 1));
        let rows: Vec<HeaderRow> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        let more = rows.len() > f.limit as usize;
        let mut payments = rows.into_iter().take(f.limit as usize).map(payment_of).collect::<Result<Vec<_>>>()?;
        let next = if more { payments.last().map(|p| DocCursor { date: p.date, id: p.id }) } else { None };
        if !payments.is_empty() {
            let ids: Vec<Uuid> = payments.iter().map(|p| p.id).collect();
            let q = allocations_sql(company_id, &ids);
            let rows: Vec<AllocationRow> =
                on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                    .fetch_all(c)
                    .await?);
            fill_allocations(&mut payments, rows)?;
        }
        Ok((payments, next))
    }

    /// Cancels a payment: it is kept, marked `cancelled` with the reason; the invoices it
    /// settled are settled again without it; the customer credit it made is taken back
    /// (refused, 409, when that credit was already used), the credit it used given back.
    pub async fn cancel_payment(&self, company_id: Uuid, id: Uuid, reason: &str) -> Result<Payment> {
        let mut tx = self.begin().await?;
        let customer_id = header_in(&mut tx, company_id, id).await?.customer_id;
        let rows: Vec<(Uuid, String)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT document_id, applied FROM payments WHERE company_id = $1 AND payment_id = $2 \
                 AND status = 'recorded' ORDER BY document_id",
            )
            .bind(company_id)
            .bind(id)
            .fetch_all(&mut *c)
            .await?
        });
        let mut docs = Vec::with_capacity(rows.len());
        for (doc_id, applied) in rows {
            let applied: Decimal =
                applied.parse().map_err(|_| StoreError::Corrupt(format!("payment {id}: applied {applied:?}")))?;
            docs.push((lock_document(&mut tx, company_id, doc_id, None).await?, applied));
        }
        lock_customer(&mut tx, company_id, customer_id).await?;
        // Read again under the locks: a concurrent cancellation has finished by now.
        let p = header_in(&mut tx, company_id, id).await?;
        if p.status == "cancelled" {
            return Err(refused(PaymentError::AlreadyCancelled));
        }
        let at = now();
        let cancellations: Vec<(Uuid, Decimal, rules::Cancellation)> = docs
            .iter()
            .map(|(doc, applied)| (doc.id, *applied, rules::cancel_allocation(&open(doc), *applied)))
            .collect();
        // Credit given back (what a credit application or a refund took), then credit taken
        // back (what a receipt left over, and what credit notes made of what it settled).
        let (give_back, source) = match p.kind {
            PaymentKind::Receipt => (Decimal::ZERO, "payment_cancelled"),
            PaymentKind::Credit => (p.amount, "credit_applied_cancelled"),
            PaymentKind::Refund => (p.amount, "refund_cancelled"),
        };
        let own_excess = if p.kind == PaymentKind::Receipt { p.to_credit } else { Decimal::ZERO };
        let take_back = own_excess + cancellations.iter().map(|(_, _, c)| c.credit_back).sum::<Decimal>();
        if give_back > Decimal::ZERO {
            credit_movement(&mut tx, company_id, customer_id, give_back, p.currency, (source, id), at).await?;
        }
        if take_back > Decimal::ZERO {
            let available = credit_in(&mut tx, company_id, customer_id, p.currency).await?;
            rules::reverse_credit(available, take_back, p.currency).map_err(refused)?;
            credit_movement(&mut tx, company_id, customer_id, -take_back, p.currency, ("payment_cancelled", id), at)
                .await?;
        }
        for (doc_id, applied, c) in cancellations {
            write_settlement(&mut tx, company_id, doc_id, &c.after, at).await?;
            let detail = serde_json::json!({
                "payment_id": id, "applied": applied.to_string(), "credit_back": c.credit_back.to_string(), "reason": reason,
            });
            event(&mut tx, company_id, doc_id, "payment_cancelled", detail).await?;
        }
        on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE payments SET status = 'cancelled' WHERE company_id = $1 AND payment_id = $2")
                .bind(company_id)
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE customer_payments SET status = 'cancelled', cancelled_at = $3, cancel_reason = $4 \
                 WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(at)
            .bind(reason)
            .execute(&mut *c)
            .await?;
        });
        let detail = serde_json::json!({"payment_id": id, "kind": p.kind.as_str(), "amount": p.amount.to_string(), "reason": reason});
        crate::customers::customer_event(&mut tx, company_id, customer_id, at, "payment_cancelled", &detail).await?;
        tx.commit().await?;
        self.payment(company_id, id).await
    }

    /// Applies `amount` of the customer's credit (in the invoice's currency) to one of
    /// its open invoices: a payment of kind `credit`.
    pub async fn apply_credit(
        &self,
        company_id: Uuid,
        customer_id: Uuid,
        invoice_id: Uuid,
        amount: Decimal,
        date: Date,
    ) -> Result<Payment> {
        let mut tx = self.begin().await?;
        let no_invoice =
            || StoreError::Invalid { field: "invoice_id".into(), message: Message::new("no_such_invoice") };
        let doc = match lock_document(&mut tx, company_id, invoice_id, None).await {
            Err(StoreError::NotFound(_)) => return Err(no_invoice()),
            other => other?,
        };
        if !lock_customer(&mut tx, company_id, customer_id).await? {
            return Err(StoreError::NotFound("customer"));
        }
        if !doc.kind.is_payable() {
            return Err(StoreError::Invalid {
                field: "invoice_id".into(),
                message: Message::new("invoice_deposit_invoice"),
            });
        }
        if doc.content.customer_id != customer_id {
            return Err(StoreError::Invalid {
                field: "invoice_id".into(),
                message: Message::new("invoice_another_customer"),
            });
        }
        let currency = doc.content.currency;
        let available = credit_in(&mut tx, company_id, customer_id, currency).await?;
        let (after, _) = rules::apply_credit(available, &open(&doc), amount).map_err(refused)?;
        let h = Header {
            id: new_id(),
            customer_id,
            kind: PaymentKind::Credit,
            currency,
            amount,
            to_credit: Decimal::ZERO,
            date,
            method: "credit",
            reference: None,
            at: now(),
        };
        insert_header(&mut tx, company_id, &h).await?;
        insert_allocation(&mut tx, company_id, &h, invoice_id, amount, &after).await?;
        credit_movement(&mut tx, company_id, customer_id, -amount, currency, ("credit_applied", h.id), h.at).await?;
        let detail = serde_json::json!({"payment_id": h.id, "amount": amount.to_string(), "applied": amount.to_string(), "method": "credit"});
        event(&mut tx, company_id, invoice_id, "credit_applied", detail).await?;
        let detail = serde_json::json!({"payment_id": h.id, "amount": amount.to_string(), "currency": currency.code(), "invoice_id": invoice_id});
        crate::customers::customer_event(&mut tx, company_id, customer_id, h.at, "credit_applied", &detail).await?;
        tx.commit().await?;
        self.payment(company_id, h.id).await
    }

    /// Pays `amount` of the customer's credit back: an outgoing payment of kind `refund`.
    #[allow(clippy::too_many_arguments)]
    pub async fn refund_credit(
        &self,
        company_id: Uuid,
        customer_id: Uuid,
        amount: Decimal,
        currency: Currency,
        date: Date,
        method: &str,
        reference: Option<&str>,
    ) -> Result<Payment> {
        let mut tx = self.begin().await?;
        if !lock_customer(&mut tx, company_id, customer_id).await? {
            return Err(StoreError::NotFound("customer"));
        }
        let available = credit_in(&mut tx, company_id, customer_id, currency).await?;
        rules::take_credit(available, amount, currency).map_err(refused)?;
        let h = Header {
            id: new_id(),
            customer_id,
            kind: PaymentKind::Refund,
            currency,
            amount,
            to_credit: Decimal::ZERO,
            date,
            method,
            reference,
            at: now(),
        };
        insert_header(&mut tx, company_id, &h).await?;
        credit_movement(&mut tx, company_id, customer_id, -amount, currency, ("refund", h.id), h.at).await?;
        let detail = serde_json::json!({"payment_id": h.id, "amount": amount.to_string(), "currency": currency.code(), "method": method});
        crate::customers::customer_event(&mut tx, company_id, customer_id, h.at, "credit_refunded", &detail).await?;
        tx.commit().await?;
        self.payment(company_id, h.id).await
    }

    /// The customer's statement per currency: issued invoices and deposit invoices
    /// (debit), credit notes and payments received (credit), refunds (debit), credit
    /// applications (no balance change), cancellations as reversing lines on the day
    /// they were made; the running balance from the opening one.
    pub async fn customer_statement(
        &self,
        company_id: Uuid,
        customer_id: Uuid,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<CurrencyStatement>> {
        let mut tx = self.begin_read().await?;
        let found: Option<(Uuid,)> =
            on_conn!(&mut tx, |c| sqlx::query_as("SELECT id FROM customers WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(customer_id)
                .fetch_optional(&mut *c)
                .await?);
        if found.is_none() {
            return Err(StoreError::NotFound("customer"));
        }
        let docs: Vec<DocRow> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT id, kind, number, issue_date, currency, gross FROM documents \
                 WHERE company_id = $1 AND customer_id = $2 AND number IS NOT NULL \
                 AND kind IN ('invoice', 'deposit_invoice', 'credit_note') ORDER BY issue_date, number",
            )
            .bind(company_id)
            .bind(customer_id)
            .fetch_all(&mut *c)
            .await?
        });
        let sql = format!(
            "SELECT {HEADER_COLS} FROM customer_payments WHERE company_id = $1 AND customer_id = $2 ORDER BY paid_on, id"
        );
        let rows: Vec<HeaderRow> = on_conn!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(customer_id)
            .fetch_all(&mut *c)
            .await?);
        let mut payments = rows.into_iter().map(payment_of).collect::<Result<Vec<_>>>()?;
        if !payments.is_empty() {
            let ids: Vec<Uuid> = payments.iter().map(|p| p.id).collect();
            let q = allocations_sql(company_id, &ids);
            let rows: Vec<AllocationRow> =
                on_conn!(&mut tx, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                    .fetch_all(&mut *c)
                    .await?);
            fill_allocations(&mut payments, rows)?;
        }
        tx.commit().await?;

        type Move = (Date, Decimal, Decimal, StatementItem);
        let mut by_currency: Vec<(Currency, Vec<Move>)> = Vec::new();
        let mut push = |cur: Currency, m: Move| match by_currency.iter_mut().find(|(c, _)| *c == cur) {
            Some((_, v)) => v.push(m),
            None => by_currency.push((cur, vec![m])),
        };
        let zero = Decimal::ZERO;
        for (id, kind, number, issue_date, currency, gross) in docs {
            let cur: Currency =
                currency.parse().map_err(|_| StoreError::Corrupt(format!("document {id}: currency")))?;
            let gross: Decimal = gross.parse().map_err(|_| StoreError::Corrupt(format!("document {id}: gross")))?;
            let Some(date) = issue_date else { continue };
            let (kind, debit, credit) = match kind.as_str() {
                "invoice" => ("invoice", gross, zero),
                "deposit_invoice" => ("deposit_invoice", gross, zero),
                _ => ("credit_note", zero, gross),
            };
            push(cur, (date, debit, credit, StatementItem { kind, id, number, reference: None, amount: gross }));
        }
        for p in payments {
            let numbers: Vec<&str> = p.allocations.iter().filter_map(|a| a.number.as_deref()).collect();
            let number = (!numbers.is_empty()).then(|| numbers.join(", "));
            let item = |kind: &'static str| StatementItem {
                kind,
                id: p.id,
                number: number.clone(),
                reference: p.reference.clone(),
                amount: p.amount,
            };
            let (kind, debit, credit, undo) = match p.kind {
                PaymentKind::Receipt => ("payment", zero, p.amount, "payment_cancelled"),
                PaymentKind::Credit => ("credit_applied", zero, zero, "credit_applied_cancelled"),
                PaymentKind::Refund => ("refund", p.amount, zero, "refund_cancelled"),
            };
            push(p.currency, (p.date, debit, credit, item(kind)));
            if let Some(at) = p.cancelled_at.filter(|_| p.status == "cancelled") {
                // The reversal on the day of the cancellation, never before the payment.
                let day = at.date().max(p.date);
                push(p.currency, (day, credit, debit, item(undo)));
            }
        }
        Ok(by_currency.into_iter().map(|(cur, moves)| (cur, rules::statement(moves, from, to))).collect())
    }
}
