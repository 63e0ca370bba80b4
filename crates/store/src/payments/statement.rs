//! The customer's statement per currency.

use super::rows::{AllocationRow, DocRow, HEADER_COLS, HeaderRow, allocations_sql, fill_allocations, payment_of};
use super::{CurrencyStatement, PaymentKind, StatementItem};
use crate::{Result, Store, StoreError, bind_args, on_conn};
use facturier_core::Decimal;
use facturier_core::money::Currency;
use facturier_core::payments::{self as rules};
use time::Date;
use uuid::Uuid;

impl Store {
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
