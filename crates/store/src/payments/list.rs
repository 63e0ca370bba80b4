//! One payment, and the list of payments.

use super::rows::{AllocationRow, HEADER_COLS, HeaderRow, allocations_sql, fill_allocations, header_in, payment_of};
use super::{Payment, PaymentFilter};
use crate::documents::DocCursor;
use crate::sql::{Sql, like_escape};
use crate::{Arg, Result, Store, bind_args, on_conn, on_pool};
use facturier_core::party::fold;
use uuid::Uuid;

impl Store {
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
        // Every word in the reference, the customer's name or the number of an invoice
        // the payment settles; case and accents ignored.
        let words: Vec<String> = f.q.iter().flat_map(|s| s.split_whitespace()).take(10).map(fold).collect();
        for w in &words {
            let p = format!("%{}%", like_escape(w));
            q.push(" AND (lower(COALESCE(reference, '')) LIKE ").bind(Arg::Text(p.clone())).push(" ESCAPE '\\'");
            q.push(" OR customer_id IN (SELECT n.id FROM customers n WHERE n.company_id = ")
                .bind(Arg::Uuid(company_id));
            q.push(" AND n.sort_name LIKE ").bind(Arg::Text(p.clone())).push(" ESCAPE '\\')");
            q.push(
                " OR id IN (SELECT a.payment_id FROM payments a JOIN documents d ON d.company_id = a.company_id \
                     AND d.id = a.document_id WHERE a.company_id = ",
            )
            .bind(Arg::Uuid(company_id));
            q.push(" AND lower(COALESCE(d.number, '')) LIKE ").bind(Arg::Text(p)).push(" ESCAPE '\\'))");
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
}
