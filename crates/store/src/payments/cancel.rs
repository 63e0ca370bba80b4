//! Cancelling a payment: it is kept, its invoices settled again without it.

use super::rows::{header_in, write_settlement};
use super::{Payment, PaymentKind, credit_in, credit_movement, lock_customer, open, refused};
use crate::documents::{event, lock_document};
use crate::{Result, Store, StoreError, Tx, now, on_conn};
use facturier_core::Decimal;
use facturier_core::payments::{self as rules, PaymentError};
use uuid::Uuid;

impl Store {
    /// Cancels a payment: it is kept, marked `cancelled` with the reason; the invoices it
    /// settled are settled again without it; the customer credit it made is taken back
    /// (refused, 409, when that credit was already used), the credit it used given back.
    pub async fn cancel_payment(&self, company_id: Uuid, id: Uuid, reason: &str) -> Result<Payment> {
        let mut tx = self.begin().await?;
        cancel_payment_in(&mut tx, company_id, id, reason).await?;
        tx.commit().await?;
        self.payment(company_id, id).await
    }
}

/// Cancels a payment inside the caller's transaction (a direct debit's reject reverses
/// its payment with the batch's row in the same one).
pub(crate) async fn cancel_payment_in(tx: &mut Tx, company_id: Uuid, id: Uuid, reason: &str) -> Result<()> {
    let customer_id = header_in(tx, company_id, id).await?.customer_id;
    let rows: Vec<(Uuid, String)> = on_conn!(tx, |c| {
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
        docs.push((lock_document(tx, company_id, doc_id, None).await?, applied));
    }
    lock_customer(tx, company_id, customer_id).await?;
    // Read again under the locks: a concurrent cancellation has finished by now.
    let p = header_in(tx, company_id, id).await?;
    if p.status == "cancelled" {
        return Err(refused(PaymentError::AlreadyCancelled));
    }
    let at = now();
    let cancellations: Vec<(Uuid, Decimal, rules::Cancellation)> =
        docs.iter().map(|(doc, applied)| (doc.id, *applied, rules::cancel_allocation(&open(doc), *applied))).collect();
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
        credit_movement(tx, company_id, customer_id, give_back, p.currency, (source, id), at).await?;
    }
    if take_back > Decimal::ZERO {
        let available = credit_in(tx, company_id, customer_id, p.currency).await?;
        rules::reverse_credit(available, take_back, p.currency).map_err(refused)?;
        credit_movement(tx, company_id, customer_id, -take_back, p.currency, ("payment_cancelled", id), at).await?;
    }
    for (doc_id, applied, c) in cancellations {
        write_settlement(tx, company_id, doc_id, &c.after, at).await?;
        let detail = serde_json::json!({
            "payment_id": id, "applied": applied.to_string(), "credit_back": c.credit_back.to_string(), "reason": reason,
        });
        event(tx, company_id, doc_id, "payment_cancelled", detail).await?;
    }
    on_conn!(tx, |c| {
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
    crate::customers::customer_event(tx, company_id, customer_id, at, "payment_cancelled", &detail).await?;
    Ok(())
}
