//! The customer's credit applied to an invoice or paid back.

use super::rows::{Header, insert_allocation, insert_header};
use super::{Payment, PaymentKind, credit_in, credit_movement, lock_customer, open, refused};
use crate::documents::{event, lock_document};
use crate::{Result, Store, StoreError, new_id, now};
use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::payments as rules;
use time::Date;
use uuid::Uuid;

impl Store {
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
}
