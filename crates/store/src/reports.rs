//! Reads for the dashboard and the customer page: open receivables, sales of a period,
//! quotes awaiting an answer. Amounts come from the `net`/`due` columns written from
//! `core::totals` when a document is saved or settled; they are summed by the caller
//! with `Decimal`, never in SQL (SQLite has no exact decimal type).

use crate::{Result, Store, StoreError, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::aging;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// An invoice the aged balance on a date reads: with its payments and credit notes.
#[derive(Clone, Debug)]
pub struct AgedRow {
    pub receivable: aging::Receivable,
    pub customer_name: String,
    /// As [`Receivable::exchange_rate`].
    pub exchange_rate: Option<Decimal>,
}

/// The invoices and deposit invoices that may have owed something at the end of `$2`:
/// open now, or paid or credited after that day. Settled ones are read only when
/// something settled them later, so a report on today reads the open ones only.
const OWED_ON: &str = "WITH touched AS ( \
      SELECT d.id FROM documents d WHERE d.company_id = $1 AND d.kind IN ('invoice', 'deposit_invoice') \
        AND d.status IN ('issued', 'partially_paid') \
      UNION SELECT p.document_id FROM payments p WHERE p.company_id = $1 AND p.paid_on > $2 \
      UNION SELECT c.parent_id FROM documents c WHERE c.company_id = $1 AND c.kind = 'credit_note' \
        AND c.status NOT IN ('draft', 'cancelled') AND c.issue_date > $2 AND c.parent_id IS NOT NULL \
    ), owed AS ( \
      SELECT d.id FROM documents d JOIN touched t ON t.id = d.id \
      WHERE d.company_id = $1 AND d.kind IN ('invoice', 'deposit_invoice') \
        AND d.status NOT IN ('draft', 'cancelled') AND d.issue_date <= $2 \
    ) ";

/// An issued invoice not yet settled.
#[derive(Clone, Debug)]
pub struct Receivable {
    pub id: Uuid,
    pub kind: String,
    /// `issued` or `partially_paid`.
    pub status: String,
    pub number: Option<String>,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub due_date: Option<Date>,
    pub due: Decimal,
    pub currency: String,
    /// Company-currency units for one unit of `currency`, for a document in a foreign
    /// currency (fixed when it was issued).
    pub exchange_rate: Option<Decimal>,
}

/// An issued invoice, deposit invoice or credit note (whose net counts negative).
#[derive(Clone, Debug)]
pub struct Sale {
    pub kind: String,
    pub issue_date: Date,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub net: Decimal,
    pub currency: String,
    /// As [`Receivable::exchange_rate`].
    pub exchange_rate: Option<Decimal>,
}

/// What one issued, unsettled invoice leaves a customer owing.
#[derive(Clone, Debug)]
pub struct OpenAmount {
    pub customer_id: Uuid,
    pub currency: String,
    pub due: Decimal,
    pub due_date: Option<Date>,
}

/// A quote sent and not yet accepted or refused.
#[derive(Clone, Debug)]
pub struct OpenQuote {
    pub id: Uuid,
    pub number: Option<String>,
    pub customer_name: String,
    pub doc_date: Date,
    pub gross: Decimal,
    pub currency: String,
}

pub(crate) fn dec(what: &str, s: &str) -> Result<Decimal> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("{what} {s:?} is not a decimal")))
}

/// The exchange rate in a document's stored content (given only for documents in a
/// currency other than the company's, the only ones that carry one).
pub(crate) fn rate_in(content: Option<&str>) -> Result<Option<Decimal>> {
    let Some(content) = content else { return Ok(None) };
    let v: serde_json::Value =
        serde_json::from_str(content).map_err(|e| StoreError::Corrupt(format!("document content: {e}")))?;
    match v.get("exchange_rate") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => dec("exchange_rate", s).map(Some),
        Some(other) => dec("exchange_rate", &other.to_string()).map(Some),
    }
}

/// The content column, read only where the document's currency is not the company's.
pub(crate) const FOREIGN_CONTENT: &str = "CASE WHEN d.currency <> co.currency THEN d.content END";

impl Store {
    /// What the aged balance on `as_of` reads: every invoice that may have owed something
    /// at the end of that day, with its payments and credit notes up to it (one read
    /// transaction: the three reads agree).
    pub async fn aged_receivables(&self, company_id: Uuid, as_of: Date) -> Result<Vec<AgedRow>> {
        type DocRow = (Uuid, Uuid, String, Date, Option<Date>, String, String, Option<String>);
        let docs_sql = format!(
            "{OWED_ON} SELECT d.id, d.customer_id, cu.name, d.issue_date, d.due_date, d.gross, d.currency, {FOREIGN_CONTENT} \
             FROM documents d JOIN owed o ON o.id = d.id \
             JOIN customers cu ON cu.company_id = d.company_id AND cu.id = d.customer_id \
             JOIN companies co ON co.id = d.company_id \
             WHERE d.company_id = $1 ORDER BY d.id"
        );
        let pay_sql = format!(
            "{OWED_ON} SELECT p.document_id, p.paid_on, p.applied FROM payments p JOIN owed o ON o.id = p.document_id \
             WHERE p.company_id = $1 AND p.paid_on <= $2 AND p.status = 'recorded'"
        );
        let credit_sql = format!(
            "{OWED_ON} SELECT c.parent_id, c.issue_date, c.gross FROM documents c JOIN owed o ON o.id = c.parent_id \
             WHERE c.company_id = $1 AND c.kind = 'credit_note' AND c.status NOT IN ('draft', 'cancelled') \
             AND c.issue_date <= $2"
        );
        let mut tx = self.begin_read().await?;
        type Dated = Vec<(Uuid, Date, String)>;
        let (docs, pays, credits): (Vec<DocRow>, Dated, Dated) = on_conn!(&mut tx, |c| {
            let docs = sqlx::query_as(sqlx::AssertSqlSafe(docs_sql.as_str()))
                .bind(company_id)
                .bind(as_of)
                .fetch_all(&mut *c)
                .await?;
            let pays = sqlx::query_as(sqlx::AssertSqlSafe(pay_sql.as_str()))
                .bind(company_id)
                .bind(as_of)
                .fetch_all(&mut *c)
                .await?;
            let credits = sqlx::query_as(sqlx::AssertSqlSafe(credit_sql.as_str()))
                .bind(company_id)
                .bind(as_of)
                .fetch_all(&mut *c)
                .await?;
            (docs, pays, credits)
        });
        tx.commit().await?;
        let mut rows: Vec<AgedRow> = Vec::with_capacity(docs.len());
        let mut at: HashMap<Uuid, usize> = HashMap::with_capacity(docs.len());
        for d in docs {
            at.insert(d.0, rows.len());
            rows.push(AgedRow {
                receivable: aging::Receivable {
                    customer_id: d.1,
                    currency: d.6,
                    issue_date: d.3,
                    due_date: d.4,
                    gross: dec("gross", &d.5)?,
                    payments: Vec::new(),
                    credit_notes: Vec::new(),
                },
                customer_name: d.2,
                exchange_rate: rate_in(d.7.as_deref())?,
            });
        }
        for (doc, day, applied) in pays {
            if let Some(r) = at.get(&doc).and_then(|i| rows.get_mut(*i)) {
                r.receivable.payments.push((day, dec("applied", &applied)?));
            }
        }
        for (doc, day, gross) in credits {
            if let Some(r) = at.get(&doc).and_then(|i| rows.get_mut(*i)) {
                r.receivable.credit_notes.push((day, dec("gross", &gross)?));
            }
        }
        Ok(rows)
    }

    /// The gross sales issued from `from` to `to` (both included): invoices and deposit
    /// invoices, credit notes counting negative, each with its currency and exchange rate.
    pub async fn gross_sales_between(
        &self,
        company_id: Uuid,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Decimal, String, Option<Decimal>)>> {
        let sql = format!(
            "SELECT d.kind, d.gross, d.currency, {FOREIGN_CONTENT} FROM documents d JOIN companies co ON co.id = d.company_id \
             WHERE d.company_id = $1 AND d.kind IN ('invoice', 'deposit_invoice', 'credit_note') \
             AND d.status NOT IN ('draft', 'cancelled') AND d.issue_date >= $2 AND d.issue_date <= $3"
        );
        let rows: Vec<(String, String, String, Option<String>)> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(from).bind(to).fetch_all(c).await?
        });
        rows.into_iter()
            .map(|r| {
                let gross = dec("gross", &r.1)?;
                Ok((if r.0 == "credit_note" { -gross } else { gross }, r.2, rate_in(r.3.as_deref())?))
            })
            .collect()
    }

    /// Every issued, unsettled invoice of the company (or of one customer), oldest due first.
    pub async fn receivables(&self, company_id: Uuid, customer_id: Option<Uuid>) -> Result<Vec<Receivable>> {
        type Row = (Uuid, String, Option<String>, Uuid, String, Option<Date>, String, String, Option<String>, String);
        let sql = format!(
            "SELECT d.id, d.kind, d.number, d.customer_id, cu.name, d.due_date, d.due, d.currency, {FOREIGN_CONTENT}, d.status \
                 FROM documents d JOIN customers cu ON cu.company_id = d.company_id AND cu.id = d.customer_id \
                 JOIN companies co ON co.id = d.company_id \
                 WHERE d.company_id = $1 AND d.kind IN ('invoice', 'deposit_invoice') \
                 AND d.status IN ('issued', 'partially_paid') AND ($2 IS NULL OR d.customer_id = $2) \
                 ORDER BY d.due_date, d.id"
        );
        let rows: Vec<Row> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(customer_id).fetch_all(c).await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(Receivable {
                    id: r.0,
                    kind: r.1,
                    status: r.9,
                    number: r.2,
                    customer_id: r.3,
                    customer_name: r.4,
                    due_date: r.5,
                    due: dec("due", &r.6)?,
                    currency: r.7,
                    exchange_rate: rate_in(r.8.as_deref())?,
                })
            })
            .collect()
    }

    /// Invoices, deposit invoices and credit notes issued on or after `from`.
    pub async fn sales_since(&self, company_id: Uuid, from: Date) -> Result<Vec<Sale>> {
        type Row = (String, Date, Uuid, String, String, String, Option<String>);
        let sql = format!(
            "SELECT d.kind, d.issue_date, d.customer_id, cu.name, d.net, d.currency, {FOREIGN_CONTENT} \
             FROM documents d JOIN customers cu ON cu.company_id = d.company_id AND cu.id = d.customer_id \
             JOIN companies co ON co.id = d.company_id \
             WHERE d.company_id = $1 AND d.kind IN ('invoice', 'deposit_invoice', 'credit_note') \
             AND d.status <> 'draft' AND d.issue_date >= $2"
        );
        let rows: Vec<Row> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(from).fetch_all(c).await?
        });
        rows.into_iter()
            .map(|r| {
                let net = dec("net", &r.4)?;
                let net = if r.0 == "credit_note" { -net } else { net };
                Ok(Sale {
                    kind: r.0,
                    issue_date: r.1,
                    customer_id: r.2,
                    customer_name: r.3,
                    net,
                    currency: r.5,
                    exchange_rate: rate_in(r.6.as_deref())?,
                })
            })
            .collect()
    }

    /// The unsettled invoices of a page of customers (at most a few hundred ids), read
    /// through the documents-by-customer index: the directory shows each one's balance.
    pub async fn open_amounts(&self, company_id: Uuid, customers: &[Uuid]) -> Result<Vec<OpenAmount>> {
        if customers.is_empty() {
            return Ok(Vec::new());
        }
        type Row = (Uuid, String, String, Option<Date>);
        let list = (0..customers.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT customer_id, currency, due, due_date FROM documents \
             WHERE company_id = $1 AND customer_id IN ({list}) AND kind IN ('invoice', 'deposit_invoice') \
             AND status IN ('issued', 'partially_paid')"
        );
        let rows: Vec<Row> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in customers {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        rows.into_iter()
            .map(|r| Ok(OpenAmount { customer_id: r.0, currency: r.1, due: dec("due", &r.2)?, due_date: r.3 }))
            .collect()
    }

    /// Quotes sent and awaiting an answer, oldest first.
    pub async fn quotes_awaiting(&self, company_id: Uuid, limit: u32) -> Result<Vec<OpenQuote>> {
        type Row = (Uuid, Option<String>, String, Date, String, String);
        let rows: Vec<Row> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT d.id, d.number, cu.name, d.doc_date, d.gross, d.currency \
                 FROM documents d JOIN customers cu ON cu.company_id = d.company_id AND cu.id = d.customer_id \
                 WHERE d.company_id = $1 AND d.kind = 'quote' AND d.status = 'sent' \
                 ORDER BY d.doc_date, d.id LIMIT $2",
            )
            .bind(company_id)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(OpenQuote {
                    id: r.0,
                    number: r.1,
                    customer_name: r.2,
                    doc_date: r.3,
                    gross: dec("gross", &r.4)?,
                    currency: r.5,
                })
            })
            .collect()
    }
}
