//! Interventions (`0042_interventions`): time, parts and purchases consumed by a contract
//! or a customer, and the workload a contract plans.
//!
//! A part is taken out of stock in the transaction that records it (and put back if the
//! unbilled intervention is deleted). Billing sets `invoice_id` in the transaction that
//! creates the invoice, only where it is still empty: two bills at once, or a bill again,
//! bill each intervention once.

use crate::documents::draft::insert_draft_in;
use crate::documents::event;
use crate::pipeline::allow_negative_stock;
use crate::products::move_stock;
use crate::{Result, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind};
use facturier_core::message::Message;
use std::str::FromStr;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An intervention to record.
#[derive(Clone, Debug)]
pub struct NewIntervention {
    pub customer_id: Uuid,
    pub contract_id: Option<Uuid>,
    /// `time`, `part` or `purchase`.
    pub kind: &'static str,
    pub on: Date,
    pub description: String,
    /// A part's product, taken out of stock.
    pub product_id: Option<Uuid>,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    /// How it is priced, as the server writes it (JSON).
    pub pricing: String,
    pub vat_rate: String,
    pub created_by: Option<String>,
}

/// A stored intervention.
#[derive(Clone, Debug)]
pub struct InterventionRecord {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub contract_id: Option<Uuid>,
    pub kind: String,
    pub on: Date,
    pub description: String,
    pub product_id: Option<Uuid>,
    pub quantity: Decimal,
    pub unit_cost: Decimal,
    pub pricing: String,
    pub vat_rate: String,
    pub invoice_id: Option<Uuid>,
    pub invoice_number: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Which interventions to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct InterventionFilter {
    pub contract_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub unbilled: bool,
    /// On or before this day.
    pub through: Option<Date>,
    /// Every one (a contract's summary), not at most [`MAX_INTERVENTIONS`].
    pub all: bool,
}

/// The most interventions one read returns (a list, one invoice).
pub const MAX_INTERVENTIONS: u32 = 500;

const COLS: &str = "i.id, i.customer_id, i.contract_id, i.kind, i.on_date, i.description, i.product_id, i.quantity, \
                    i.unit_cost, i.pricing, i.vat_rate, i.invoice_id, d.number, i.created_at";

type Row = (
    Uuid,
    Uuid,
    Option<Uuid>,
    String,
    Date,
    String,
    Option<Uuid>,
    String,
    String,
    String,
    String,
    Option<Uuid>,
    Option<String>,
    OffsetDateTime,
);

fn record_of(r: Row) -> Result<InterventionRecord> {
    let decimal = |s: &str| Decimal::from_str(s).map_err(|e| StoreError::Corrupt(format!("intervention {}: {e}", r.0)));
    Ok(InterventionRecord {
        id: r.0,
        customer_id: r.1,
        contract_id: r.2,
        kind: r.3.clone(),
        on: r.4,
        description: r.5.clone(),
        product_id: r.6,
        quantity: decimal(&r.7)?,
        unit_cost: decimal(&r.8)?,
        pricing: r.9.clone(),
        vat_rate: r.10.clone(),
        invoice_id: r.11,
        invoice_number: r.12.clone(),
        created_at: r.13,
    })
}

/// Marks each of `ids` billed by `invoice_id`, only where none billed it yet, in id
/// order (every bill marks in that order: two at once wait, never deadlock). `false`
/// when one was billed already: the caller drops its transaction.
pub(crate) async fn mark_billed(tx: &mut Tx, company_id: Uuid, ids: &[Uuid], invoice_id: Uuid) -> Result<bool> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        let marked = on_conn!(tx, |c| {
            sqlx::query(
                "UPDATE interventions SET invoice_id = $3 WHERE company_id = $1 AND id = $2 AND invoice_id IS NULL",
            )
            .bind(company_id)
            .bind(id)
            .bind(invoice_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if marked == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Store {
    /// The interventions of `contracts` not billed yet, done on or before `through`, by
    /// contract, day and recording: one query for a page of the billing run.
    pub async fn unbilled_interventions_of(
        &self,
        company_id: Uuid,
        contracts: &[Uuid],
        through: Date,
    ) -> Result<Vec<InterventionRecord>> {
        if contracts.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..contracts.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT {COLS} FROM interventions i LEFT JOIN documents d ON d.id = i.invoice_id WHERE i.company_id = $1 \
             AND i.invoice_id IS NULL AND i.on_date <= $2 AND i.contract_id IN ({}) \
             ORDER BY i.contract_id, i.on_date, i.created_at, i.id",
            marks.join(", ")
        );
        let rows: Vec<Row> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(through);
            for id in contracts {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        rows.into_iter().map(record_of).collect()
    }

    /// Records an intervention; a part leaves the stock (409 when it would go below zero
    /// and the company does not allow it).
    pub async fn record_intervention(&self, company_id: Uuid, new: &NewIntervention) -> Result<InterventionRecord> {
        let mut tx = self.begin().await?;
        let id = new_id();
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO interventions (id, company_id, customer_id, contract_id, kind, on_date, description, \
                 product_id, quantity, unit_cost, pricing, vat_rate, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(id)
            .bind(company_id)
            .bind(new.customer_id)
            .bind(new.contract_id)
            .bind(new.kind)
            .bind(new.on)
            .bind(&new.description)
            .bind(new.product_id)
            .bind(new.quantity.normalize().to_string())
            .bind(new.unit_cost.normalize().to_string())
            .bind(&new.pricing)
            .bind(&new.vat_rate)
            .bind(&new.created_by)
            .bind(now())
            .execute(&mut *c)
            .await?;
        });
        if let Some(product) = new.product_id {
            let allow = allow_negative_stock(&mut tx, company_id).await?;
            move_stock(&mut tx, company_id, product, -new.quantity, None, "intervention", allow).await?;
        }
        tx.commit().await?;
        self.intervention(company_id, id).await
    }

    pub async fn intervention(&self, company_id: Uuid, id: Uuid) -> Result<InterventionRecord> {
        let sql = format!(
            "SELECT {COLS} FROM interventions i LEFT JOIN documents d ON d.id = i.invoice_id \
             WHERE i.company_id = $1 AND i.id = $2"
        );
        let row: Option<Row> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(id)
            .fetch_optional(c)
            .await?);
        record_of(row.ok_or(StoreError::NotFound("intervention"))?)
    }

    /// Interventions by day, oldest first, at most [`MAX_INTERVENTIONS`] unless `all`.
    pub async fn interventions(&self, company_id: Uuid, f: &InterventionFilter) -> Result<Vec<InterventionRecord>> {
        let mut sql = format!(
            "SELECT {COLS} FROM interventions i LEFT JOIN documents d ON d.id = i.invoice_id WHERE i.company_id = $1"
        );
        // Each filter is bound whether or not it is set: one statement shape per call.
        sql.push_str(" AND ($2 IS NULL OR i.contract_id = $2) AND ($3 IS NULL OR i.customer_id = $3)");
        sql.push_str(" AND ($4 IS NULL OR i.on_date <= $4)");
        if f.unbilled {
            sql.push_str(" AND i.invoice_id IS NULL");
        }
        sql.push_str(" ORDER BY i.on_date, i.created_at, i.id");
        if !f.all {
            sql.push_str(&format!(" LIMIT {MAX_INTERVENTIONS}"));
        }
        let rows: Vec<Row> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(f.contract_id)
            .bind(f.customer_id)
            .bind(f.through)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(record_of).collect()
    }

    /// Deletes an intervention not billed yet, putting a part back in stock (409 once billed).
    pub async fn delete_intervention(&self, company_id: Uuid, id: Uuid) -> Result<()> {
        let rec = self.intervention(company_id, id).await?;
        let mut tx = self.begin().await?;
        let gone = on_conn!(&mut tx, |c| {
            sqlx::query("DELETE FROM interventions WHERE company_id = $1 AND id = $2 AND invoice_id IS NULL")
                .bind(company_id)
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if gone == 0 {
            return Err(StoreError::Conflict(Message::new("intervention_billed")));
        }
        if let Some(product) = rec.product_id {
            move_stock(&mut tx, company_id, product, rec.quantity, None, "intervention_deleted", true).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Bills interventions: the draft invoice and each intervention's mark, in one
    /// transaction. `None` when another bill (or the billing run) took one of them first
    /// (nothing written).
    pub async fn bill_interventions(&self, company_id: Uuid, ids: &[Uuid], invoice: &Content) -> Result<Option<Uuid>> {
        let mut tx = self.begin().await?;
        let invoice_id = insert_draft_in(&mut tx, company_id, DocumentKind::Invoice, invoice, None, None).await?;
        if !mark_billed(&mut tx, company_id, ids, invoice_id).await? {
            return Ok(None); // dropped: rolled back
        }
        let detail = serde_json::json!({ "interventions": ids.len() });
        event(&mut tx, company_id, invoice_id, "interventions_billed", detail).await?;
        tx.commit().await?;
        Ok(Some(invoice_id))
    }

    /// Sets the hours a contract plans per billing period and what an hour costs.
    pub async fn set_contract_plan(
        &self,
        company_id: Uuid,
        contract_id: Uuid,
        hours_per_period: Decimal,
        hourly_cost: Decimal,
    ) -> Result<()> {
        self.contract(company_id, contract_id).await?;
        on_pool!(self, |c| sqlx::query(
            "INSERT INTO contract_plans (company_id, contract_id, hours_per_period, hourly_cost, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id, contract_id) \
             DO UPDATE SET hours_per_period = excluded.hours_per_period, hourly_cost = excluded.hourly_cost, \
             updated_at = excluded.updated_at"
        )
        .bind(company_id)
        .bind(contract_id)
        .bind(hours_per_period.normalize().to_string())
        .bind(hourly_cost.normalize().to_string())
        .bind(now())
        .execute(c)
        .await
        .map(|_| ())?);
        Ok(())
    }

    /// (hours per period, hourly cost); zeros when none was set.
    pub async fn contract_plan(&self, company_id: Uuid, contract_id: Uuid) -> Result<(Decimal, Decimal)> {
        let row: Option<(String, String)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT hours_per_period, hourly_cost FROM contract_plans WHERE company_id = $1 AND contract_id = $2"
        )
        .bind(company_id)
        .bind(contract_id)
        .fetch_optional(c)
        .await?);
        let Some((h, k)) = row else { return Ok((Decimal::ZERO, Decimal::ZERO)) };
        let decimal =
            |s: &str| Decimal::from_str(s).map_err(|e| StoreError::Corrupt(format!("plan {contract_id}: {e}")));
        Ok((decimal(&h)?, decimal(&k)?))
    }
}
