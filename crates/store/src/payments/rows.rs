//! The rows of a payment: its header, its allocations and the settlement they write, and reading them back.

use super::{AllocationRecord, Payment, PaymentKind, credit_movement};
use crate::documents::event;
use crate::sql::Sql;
use crate::{Arg, Result, Stamp, StoreError, Tx, new_id, on_conn};
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Settlement};
use facturier_core::money::Currency;
use facturier_core::payments::Allocated;
use time::Date;
use uuid::Uuid;

/// The row of one payment.
pub(super) struct Header<'a> {
    pub(super) id: Uuid,
    pub(super) customer_id: Uuid,
    pub(super) kind: PaymentKind,
    pub(super) currency: Currency,
    pub(super) amount: Decimal,
    pub(super) to_credit: Decimal,
    pub(super) date: Date,
    pub(super) method: &'a str,
    pub(super) reference: Option<&'a str>,
    pub(super) at: Stamp,
}

pub(super) async fn insert_header(tx: &mut Tx, company_id: Uuid, h: &Header<'_>) -> Result<()> {
    // Books closed through a day take no payment dated on or before it.
    crate::closings::check_open_in(tx, company_id, "date", h.date).await?;
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
pub(super) async fn insert_allocation(
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
pub(super) async fn write_settlement(tx: &mut Tx, company_id: Uuid, id: Uuid, s: &Settlement, at: Stamp) -> Result<()> {
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

pub(super) type HeaderRow = (
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
pub(super) const HEADER_COLS: &str = "id, customer_id, kind, currency, amount, to_credit, paid_on, method, reference, status, \
                           cancelled_at, cancel_reason, created_at";

pub(super) fn payment_of(r: HeaderRow) -> Result<Payment> {
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
pub(super) async fn header_in(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Payment> {
    let sql = format!("SELECT {HEADER_COLS} FROM customer_payments WHERE company_id = $1 AND id = $2");
    let row: Option<HeaderRow> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
    payment_of(row.ok_or(StoreError::NotFound("payment"))?)
}

/// A document as a statement reads it: id, kind, number, issue date, currency, gross.
pub(super) type DocRow = (Uuid, String, Option<String>, Option<Date>, String, String);

pub(super) type AllocationRow = (Uuid, Uuid, String, Option<String>, String);

/// Fills the allocations of these payments, in one statement.
pub(super) fn fill_allocations(payments: &mut [Payment], rows: Vec<AllocationRow>) -> Result<()> {
    for (payment_id, invoice_id, kind, number, applied) in rows {
        let kind: DocumentKind = kind.parse().map_err(StoreError::Corrupt)?;
        let amount = applied.parse().map_err(|_| StoreError::Corrupt(format!("payment {payment_id}: {applied:?}")))?;
        if let Some(p) = payments.iter_mut().find(|p| p.id == payment_id) {
            p.allocations.push(AllocationRecord { invoice_id, kind, number, amount });
        }
    }
    Ok(())
}

pub(super) fn allocations_sql(company_id: Uuid, ids: &[Uuid]) -> Sql {
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
pub(super) async fn write_receipt(
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
