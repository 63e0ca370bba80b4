//! Recurring invoices without a contract (`0039_contracts_engine`): a template (an
//! invoice's input, as JSON the server reads) and the dates it billed. A date is billed in
//! one transaction with its invoice, under the primary key (company, template, date): a
//! run again or two runs at once never bill it twice.

use crate::documents::draft::insert_draft_in;
use crate::documents::event;
use crate::{Result, Store, StoreError, new_id, now, on_conn, on_pool};
use facturier_core::document::{Content, DocumentKind};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A template to record.
#[derive(Clone, Debug)]
pub struct NewRecurring {
    pub customer_id: Uuid,
    pub frequency_months: u32,
    pub first_date: Date,
    pub end_date: Option<Date>,
    pub occurrences: Option<u32>,
    pub issue: bool,
    /// The invoice's input as the server writes it (JSON).
    pub template: String,
}

/// A stored template with the dates it billed.
#[derive(Clone, Debug)]
pub struct RecurringRecord {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `active`, `stopped` or `finished`.
    pub status: String,
    pub frequency_months: u32,
    pub first_date: Date,
    pub end_date: Option<Date>,
    pub occurrences: Option<u32>,
    pub issue: bool,
    pub template: String,
    pub created_at: OffsetDateTime,
    /// (date, invoice), by date.
    pub billed: Vec<(Date, Uuid)>,
}

const COLS: &str = "id, customer_id, status, frequency_months, first_date, end_date, occurrences, issue, template, \
                    created_at";

type Row = (Uuid, Uuid, String, i64, Date, Option<Date>, Option<i64>, bool, String, OffsetDateTime);

fn record_of(r: Row) -> Result<RecurringRecord> {
    let months = u32::try_from(r.3).map_err(|_| StoreError::Corrupt(format!("recurring {}: months {}", r.0, r.3)))?;
    let occurrences =
        r.6.map(|n| u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("recurring {}: occurrences {n}", r.0))))
            .transpose()?;
    Ok(RecurringRecord {
        id: r.0,
        customer_id: r.1,
        status: r.2,
        frequency_months: months,
        first_date: r.4,
        end_date: r.5,
        occurrences,
        issue: r.7,
        template: r.8,
        created_at: r.9,
        billed: Vec::new(),
    })
}

impl Store {
    /// Records a recurring invoice template.
    pub async fn create_recurring(&self, company_id: Uuid, new: &NewRecurring) -> Result<RecurringRecord> {
        self.customer(company_id, new.customer_id).await?;
        let id = new_id();
        let at = now();
        on_pool!(self, |c| {
            sqlx::query(
            "INSERT INTO recurring_invoices (id, company_id, customer_id, status, frequency_months, first_date, end_date, \
             occurrences, issue, template, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $8, $9, $10, $10)"
        )
        .bind(id)
        .bind(company_id)
        .bind(new.customer_id)
        .bind(i64::from(new.frequency_months))
        .bind(new.first_date)
        .bind(new.end_date)
        .bind(new.occurrences.map(i64::from))
        .bind(new.issue)
        .bind(&new.template)
        .bind(at)
        .execute(c)
        .await
        .map(|_| ())?
        });
        self.recurring(company_id, id).await
    }

    /// A template with the dates it billed.
    pub async fn recurring(&self, company_id: Uuid, id: Uuid) -> Result<RecurringRecord> {
        let sql = format!("SELECT {COLS} FROM recurring_invoices WHERE company_id = $1 AND id = $2");
        let row: Option<Row> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(id)
            .fetch_optional(c)
            .await?);
        let mut rec = record_of(row.ok_or(StoreError::NotFound("recurring invoice"))?)?;
        rec.billed = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT occurrence_date, invoice_id FROM recurring_occurrences WHERE company_id = $1 AND template_id = $2 \
             ORDER BY occurrence_date"
        )
        .bind(company_id)
        .bind(id)
        .fetch_all(c)
        .await?
        });
        Ok(rec)
    }

    /// A page of the company's templates by id, after `after`; `active_only` for the run.
    pub async fn recurring_page(
        &self,
        company_id: Uuid,
        after: Option<Uuid>,
        limit: u32,
        active_only: bool,
    ) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT id FROM recurring_invoices WHERE company_id = $1 AND id > $2 AND (status = 'active' OR NOT $3) \
             ORDER BY id LIMIT $4"
        )
        .bind(company_id)
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(active_only)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Sets a template's status: `stopped` by hand (`false` when it was not active),
    /// `finished` after its last occurrence.
    pub async fn set_recurring_status(&self, company_id: Uuid, id: Uuid, status: &str) -> Result<bool> {
        let n = on_pool!(self, |c| {
            sqlx::query(
            "UPDATE recurring_invoices SET status = $3, updated_at = $4 WHERE company_id = $1 AND id = $2 AND status = 'active'"
        )
        .bind(company_id)
        .bind(id)
        .bind(status)
        .bind(now())
        .execute(c)
        .await?
        .rows_affected()
        });
        Ok(n > 0)
    }

    /// Bills one date of a template: its draft invoice and its key, in one transaction.
    /// `None`, and nothing written, when that date was billed already.
    pub async fn bill_recurring(
        &self,
        company_id: Uuid,
        template_id: Uuid,
        on: Date,
        invoice: &Content,
    ) -> Result<Option<Uuid>> {
        let mut tx = self.begin().await?;
        // Takes the template's row lock (PostgreSQL) and checks it is still active.
        let active = on_conn!(&mut tx, |c| {
            sqlx::query(
            "UPDATE recurring_invoices SET updated_at = updated_at WHERE company_id = $1 AND id = $2 AND status = 'active'"
        )
        .bind(company_id)
        .bind(template_id)
        .execute(&mut *c)
        .await?
        .rows_affected()
        });
        if active == 0 {
            return Ok(None);
        }
        let (taken,): (i64,) = on_conn!(&mut tx, |c| {
            sqlx::query_as(
            "SELECT COUNT(*) FROM recurring_occurrences WHERE company_id = $1 AND template_id = $2 AND occurrence_date = $3"
        )
        .bind(company_id)
        .bind(template_id)
        .bind(on)
        .fetch_one(&mut *c)
        .await?
        });
        if taken > 0 {
            return Ok(None);
        }
        let invoice = insert_draft_in(&mut tx, company_id, DocumentKind::Invoice, invoice, None, None).await?;
        on_conn!(&mut tx, |c| sqlx::query(
            "INSERT INTO recurring_occurrences (company_id, template_id, occurrence_date, invoice_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(company_id)
        .bind(template_id)
        .bind(on)
        .bind(invoice)
        .bind(now())
        .execute(&mut *c)
        .await
        .map(|_| ())?);
        let detail = serde_json::json!({"recurring": template_id, "date": on.to_string()});
        event(&mut tx, company_id, invoice, "recurring_billed", detail).await?;
        tx.commit().await?;
        Ok(Some(invoice))
    }
}
