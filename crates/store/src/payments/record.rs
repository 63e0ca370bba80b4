//! Recording a payment: on one invoice, or allocated over several of a customer's.

use super::rows::{Header, write_receipt};
use super::{NewReceipt, Payment, PaymentKind, lock_customer, open, refused};
use crate::documents::{DocumentRecord, NewPayment, lock_document};
use crate::{Result, Store, StoreError, Tx, new_id, now, on_conn};
use facturier_core::Decimal;
use facturier_core::document::DocumentKind;
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::payments::{Allocated, Excess, OpenInvoice, allocate, pay_one};
use uuid::Uuid;

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
        let mut tx = self.begin().await?;
        pay_invoice_in(&mut tx, company_id, kind, id, payment, excess).await?;
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
}

/// Records a payment on one issued invoice inside the caller's transaction (a direct-debit
/// batch collects all its invoices in one); answers the payment's id.
pub(crate) async fn pay_invoice_in(
    tx: &mut Tx,
    company_id: Uuid,
    kind: DocumentKind,
    id: Uuid,
    payment: NewPayment<'_>,
    excess: Excess,
) -> Result<Uuid> {
    let NewPayment { amount, date, method, reference } = payment;
    let doc = lock_document(tx, company_id, id, Some(kind)).await?;
    let customer_id = doc.content.customer_id;
    lock_customer(tx, company_id, customer_id).await?;
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
    write_receipt(tx, company_id, &h, &allocations).await?;
    Ok(h.id)
}
