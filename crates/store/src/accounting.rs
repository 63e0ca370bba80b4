//! What the accounting hand-off reads: issued sales documents and money movements of a
//! period, in keyset pages (so a FEC of a million invoices is read in constant memory),
//! each with what its entry needs: the customer's auxiliary account and, for invoices
//! settled within the period, their lettering.

use crate::documents::parse_content;
use crate::reports::{FOREIGN_CONTENT, dec, rate_in};
use crate::sql::{Arg, Sql};
use crate::stamp::Stamp;
use crate::{Result, Store, StoreError, on_pool};
use facturier_core::Decimal;
use facturier_core::accounting::{Lettering, Settlement, lettering_date};
use facturier_core::document::{Content, DocumentKind};
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// An issued invoice, deposit invoice or credit note of the period.
#[derive(Clone, Debug)]
pub struct SaleRow {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub number: String,
    pub issue_date: Date,
    pub content: Content,
    pub customer_id: Uuid,
    pub customer_name: String,
    /// The customer's own auxiliary account, if set.
    pub customer_account: Option<String>,
    /// Set when the invoice (for a credit note: its invoice) is settled within the period.
    pub lettering: Option<Lettering>,
    /// A credit note's invoice.
    pub parent: Option<Uuid>,
}

/// One invoice's share of a movement.
#[derive(Clone, Debug)]
pub struct ShareRow {
    /// The invoice's id and number.
    pub document_id: Uuid,
    pub invoice: String,
    /// The day the share was applied.
    pub paid_on: Date,
    pub amount: Decimal,
    pub lettering: Option<Lettering>,
}

/// A receipt or refund (`cancelled_on` set when it was cancelled: a SEPA reject, a
/// correction), with its shares.
#[derive(Clone, Debug)]
pub struct MoneyRow {
    pub id: Uuid,
    /// `receipt` or `refund`.
    pub kind: String,
    pub paid_on: Date,
    pub method: String,
    pub reference: Option<String>,
    pub currency: String,
    pub amount: Decimal,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub customer_account: Option<String>,
    pub cancelled_on: Option<Date>,
    /// The exchange rate of the invoices it pays (foreign currency only).
    pub exchange_rate: Option<Decimal>,
    pub shares: Vec<ShareRow>,
}

/// Where a page of sales starts: after this issue date and id.
pub type SaleCursor = (Date, Uuid);

type DocRow = (Uuid, String, Option<String>, Date, String, Uuid, String, String, Option<String>);
type MoneyDb =
    (Uuid, String, Date, String, Option<String>, String, String, Uuid, String, Option<String>, String, Option<Stamp>);

impl Store {
    /// A page of at most `limit` issued invoices, deposit invoices and credit notes dated
    /// from `from` to `to`, in (issue date, id) order after `after`.
    pub async fn accounting_sales(
        &self,
        company_id: Uuid,
        from: Date,
        to: Date,
        after: Option<SaleCursor>,
        limit: u32,
    ) -> Result<Vec<SaleRow>> {
        let mut q = Sql::new(
            "SELECT d.id, d.kind, d.number, d.issue_date, d.content, d.customer_id, d.currency, cu.name, cu.accounting_account \
             FROM documents d JOIN customers cu ON cu.company_id = d.company_id AND cu.id = d.customer_id \
             WHERE d.company_id = ",
        );
        issued_page(&mut q, company_id, from, to, after, limit);
        let rows: Vec<DocRow> = self.rows(&q).await?;
        let mut sales = Vec::with_capacity(rows.len());
        let mut parents: HashMap<Uuid, Uuid> = HashMap::new();
        for (id, kind, number, issue_date, content, customer_id, currency, name, account) in rows {
            let kind: DocumentKind =
                kind.parse().map_err(|_| StoreError::Corrupt(format!("document {id}: kind {kind:?}")))?;
            let content = parse_content(id, customer_id, &currency, &content)?;
            sales.push(SaleRow {
                id,
                kind,
                number: number.unwrap_or_default(),
                issue_date,
                content,
                customer_id,
                customer_name: name,
                customer_account: account,
                lettering: None,
                parent: None,
            });
        }
        if sales.iter().any(|s| s.kind == DocumentKind::CreditNote) {
            let ids: Vec<Uuid> = sales.iter().filter(|s| s.kind == DocumentKind::CreditNote).map(|s| s.id).collect();
            // By id alone: `parent_id IS NOT NULL` in the query led SQLite through every
            // child document of the company.
            let mut q = Sql::new("SELECT id, parent_id FROM documents WHERE company_id = ");
            q.bind(Arg::Uuid(company_id)).push(" AND id IN ").bind_ids(ids);
            let pairs: Vec<(Uuid, Option<Uuid>)> = self.rows(&q).await?;
            parents.extend(pairs.into_iter().filter_map(|(id, parent)| Some((id, parent?))));
        }
        let invoices: Vec<Uuid> = sales
            .iter()
            .filter_map(|s| if s.kind == DocumentKind::CreditNote { parents.get(&s.id).copied() } else { Some(s.id) })
            .collect();
        let letters = self.letterings(company_id, &invoices, from, to).await?;
        for s in &mut sales {
            let invoice = if s.kind == DocumentKind::CreditNote { parents.get(&s.id).copied() } else { Some(s.id) };
            s.lettering = invoice.and_then(|i| letters.get(&i).cloned());
            if s.kind == DocumentKind::CreditNote {
                s.parent = parents.get(&s.id).copied();
            }
        }
        Ok(sales)
    }

    /// Receipts and refunds paid from `from` to `to`, in (date, id) order after `after`,
    /// and, when `cancelled` is set, instead those cancelled within the period (their
    /// reversals), whatever day they were paid. With the page, where the next one starts
    /// (`None`: this was the last).
    pub async fn accounting_money(
        &self,
        company_id: Uuid,
        from: Date,
        to: Date,
        after: Option<SaleCursor>,
        limit: u32,
        cancelled: bool,
    ) -> Result<(Vec<MoneyRow>, Option<SaleCursor>)> {
        let mut q = Sql::new(
            "SELECT p.id, p.kind, p.paid_on, p.method, p.reference, p.currency, p.amount, p.customer_id, cu.name, \
             cu.accounting_account, p.status, p.cancelled_at \
             FROM customer_payments p JOIN customers cu ON cu.company_id = p.company_id AND cu.id = p.customer_id \
             WHERE p.company_id = ",
        );
        q.bind(Arg::Uuid(company_id));
        q.push(" AND p.kind IN ('receipt', 'refund')");
        if cancelled {
            // The reversal is dated by the cancellation; a payment is cancelled after it was made.
            q.push(" AND p.status = 'cancelled' AND p.paid_on <= ").bind(Arg::Date(to));
        } else {
            q.push(" AND p.paid_on <= ").bind(Arg::Date(to));
            if after.is_none() {
                q.push(" AND p.paid_on >= ").bind(Arg::Date(from));
            }
        }
        if let Some((day, id)) = after {
            // A row value as the lower bound: both planners seek the index's (date, id) suffix.
            q.push(" AND (p.paid_on, p.id) > (").bind(Arg::Date(day));
            q.push(", ").bind(Arg::Uuid(id)).push(")");
        }
        q.push(" ORDER BY p.paid_on, p.id LIMIT ").bind(Arg::I64(i64::from(limit)));
        let rows: Vec<MoneyDb> = self.rows(&q).await?;
        let next = if rows.len() >= limit as usize { rows.last().map(|r| (r.2, r.0)) } else { None };
        let mut out: Vec<MoneyRow> = Vec::with_capacity(rows.len());
        for (id, kind, paid_on, method, reference, currency, amount, customer_id, name, account, status, at) in rows {
            let cancelled_on = if status == "cancelled" { at.map(|s| s.instant().date()) } else { None };
            out.push(MoneyRow {
                id,
                kind,
                paid_on,
                method,
                reference,
                currency,
                amount: dec("amount", &amount)?,
                customer_id,
                customer_name: name,
                customer_account: account,
                cancelled_on,
                exchange_rate: None,
                shares: Vec::new(),
            });
        }
        if out.is_empty() {
            return Ok((out, next));
        }
        // The shares: one row per invoice, with its number and exchange rate.
        let mut q = Sql::new(&format!(
            "SELECT a.payment_id, a.document_id, d.number, a.applied, a.paid_on, {FOREIGN_CONTENT} \
             FROM payments a JOIN documents d ON d.company_id = a.company_id AND d.id = a.document_id \
             JOIN companies co ON co.id = d.company_id WHERE a.company_id = "
        ));
        q.bind(Arg::Uuid(company_id)).push(" AND a.payment_id IN ").bind_ids(out.iter().map(|m| m.id));
        q.push(" ORDER BY a.payment_id, d.issue_date, a.id");
        type ShareDb = (Uuid, Uuid, Option<String>, String, Date, Option<String>);
        let shares: Vec<ShareDb> = self.rows(&q).await?;
        let invoices: Vec<Uuid> = shares.iter().map(|s| s.1).collect();
        let letters = self.letterings(company_id, &invoices, from, to).await?;
        let at: HashMap<Uuid, usize> = out.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
        for (payment, invoice, number, applied, paid_on, content) in shares {
            let Some(m) = at.get(&payment).and_then(|i| out.get_mut(*i)) else { continue };
            if m.exchange_rate.is_none() {
                m.exchange_rate = rate_in(content.as_deref())?;
            }
            // A cancelled payment's share settles nothing any more: never lettered.
            let lettering = if m.cancelled_on.is_some() { None } else { letters.get(&invoice).cloned() };
            m.shares.push(ShareRow {
                document_id: invoice,
                invoice: number.unwrap_or_default(),
                paid_on,
                amount: dec("applied", &applied)?,
                lettering,
            });
        }
        if cancelled {
            out.retain(|m| m.cancelled_on.is_some_and(|d| d >= from && d <= to));
        }
        Ok((out, next))
    }

    /// What VAT on collection needs of each of `invoices`: its content and every
    /// settlement it had (payments applied to it, cancelled or not, with their
    /// cancellations, and the credit notes on it), whatever their day.
    pub async fn collection_facts(
        &self,
        company_id: Uuid,
        invoices: &[Uuid],
    ) -> Result<HashMap<Uuid, (Content, Vec<Settlement>)>> {
        let mut out: HashMap<Uuid, (Content, Vec<Settlement>)> = HashMap::new();
        if invoices.is_empty() {
            return Ok(out);
        }
        let mut ids = invoices.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut q = Sql::new("SELECT id, customer_id, currency, content FROM documents WHERE company_id = ");
        q.bind(Arg::Uuid(company_id)).push(" AND id IN ").bind_ids(ids.iter().copied());
        let docs: Vec<(Uuid, Uuid, String, String)> = self.rows(&q).await?;
        for (id, customer_id, currency, content) in docs {
            out.insert(id, (parse_content(id, customer_id, &currency, &content)?, Vec::new()));
        }
        let mut q = Sql::new(
            "SELECT a.document_id, a.paid_on, a.applied, a.payment_id, p.status, p.cancelled_at FROM payments a \
             JOIN customer_payments p ON p.company_id = a.company_id AND p.id = a.payment_id WHERE a.company_id = ",
        );
        q.bind(Arg::Uuid(company_id)).push(" AND a.document_id IN ").bind_ids(ids.iter().copied());
        let pays: Vec<(Uuid, Date, String, Uuid, String, Option<Stamp>)> = self.rows(&q).await?;
        for (doc, day, applied, payment, status, at) in pays {
            let Some((_, events)) = out.get_mut(&doc) else { continue };
            let amount = dec("applied", &applied)?;
            events.push(Settlement { day, cancellation: false, id: payment, amount });
            if status == "cancelled" {
                let day = at.map_or(day, |s| s.instant().date());
                events.push(Settlement { day, cancellation: true, id: payment, amount: -amount });
            }
        }
        let mut q = Sql::new("SELECT parent_id, id, issue_date, gross FROM documents WHERE company_id = ");
        q.bind(Arg::Uuid(company_id));
        q.push(" AND kind = 'credit_note' AND status NOT IN ('draft', 'cancelled') AND parent_id IN ")
            .bind_ids(ids.iter().copied());
        let credits: Vec<(Uuid, Uuid, Option<Date>, String)> = self.rows(&q).await?;
        for (doc, id, day, gross) in credits {
            let (Some((_, events)), Some(day)) = (out.get_mut(&doc), day) else { continue };
            events.push(Settlement { day, cancellation: false, id, amount: dec("gross", &gross)? });
        }
        Ok(out)
    }

    /// The lettering of each of `invoices` settled in full within the period by receipts
    /// and credit notes (one settled partly by the customer's credit is left open: that
    /// movement writes no line to letter). Its code is the invoice's number.
    async fn letterings(
        &self,
        company_id: Uuid,
        invoices: &[Uuid],
        from: Date,
        to: Date,
    ) -> Result<HashMap<Uuid, Lettering>> {
        let mut out = HashMap::new();
        if invoices.is_empty() {
            return Ok(out);
        }
        let mut ids = invoices.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut q = Sql::new("SELECT id, number, issue_date, gross, status FROM documents WHERE company_id = ");
        q.bind(Arg::Uuid(company_id)).push(" AND id IN ").bind_ids(ids.iter().copied());
        type Settled = (Uuid, Option<String>, Option<Date>, String, String);
        let docs: Vec<Settled> = self.rows(&q).await?;
        let settled: Vec<Uuid> = docs.iter().filter(|d| d.4 == "paid" || d.4 == "credited").map(|d| d.0).collect();
        if settled.is_empty() {
            return Ok(out);
        }
        let mut q = Sql::new(
            "SELECT a.document_id, a.paid_on, a.applied, p.kind FROM payments a \
             JOIN customer_payments p ON p.company_id = a.company_id AND p.id = a.payment_id \
             WHERE a.status = 'recorded' AND a.company_id = ",
        );
        q.bind(Arg::Uuid(company_id)).push(" AND a.document_id IN ").bind_ids(settled.iter().copied());
        let pays: Vec<(Uuid, Date, String, String)> = self.rows(&q).await?;
        let mut q = Sql::new("SELECT parent_id, issue_date, gross FROM documents WHERE company_id = ");
        q.bind(Arg::Uuid(company_id));
        q.push(" AND kind = 'credit_note' AND status NOT IN ('draft', 'cancelled') AND parent_id IN ")
            .bind_ids(settled.iter().copied());
        let credits: Vec<(Uuid, Option<Date>, String)> = self.rows(&q).await?;
        let mut parts: HashMap<Uuid, (Vec<(Date, Decimal)>, bool)> = HashMap::new();
        for (doc, day, applied, kind) in pays {
            let e = parts.entry(doc).or_default();
            e.0.push((day, dec("applied", &applied)?));
            e.1 |= kind != "receipt";
        }
        for (doc, day, gross) in credits {
            let e = parts.entry(doc).or_default();
            e.0.push((day.unwrap_or(to), dec("gross", &gross)?));
        }
        for (id, number, issue_date, gross, _) in docs {
            let (Some(number), Some(issued)) = (number, issue_date) else { continue };
            let Some((p, by_credit)) = parts.get(&id) else { continue };
            if *by_credit {
                continue;
            }
            if let Some(date) = lettering_date(issued, dec("gross", &gross)?, p, from, to) {
                out.insert(id, Lettering { code: number, date });
            }
        }
        Ok(out)
    }

    /// The customer's own auxiliary account (`None`: derived from its name).
    pub async fn set_customer_account(
        &self,
        company_id: Uuid,
        customer_id: Uuid,
        account: Option<&str>,
    ) -> Result<bool> {
        let n = on_pool!(self, |c| sqlx::query(
            "UPDATE customers SET accounting_account = $3 WHERE company_id = $1 AND id = $2"
        )
        .bind(company_id)
        .bind(customer_id)
        .bind(account)
        .execute(c)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// The customer's own auxiliary account, if set.
    pub async fn customer_account(&self, company_id: Uuid, customer_id: Uuid) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT accounting_account FROM customers WHERE company_id = $1 AND id = $2"
        )
        .bind(company_id)
        .bind(customer_id)
        .fetch_optional(c)
        .await?);
        Ok(row.and_then(|r| r.0))
    }
}

/// Ends `q` (which selects from `documents d` and ends with `WHERE d.company_id = `) with
/// the company, the issued sales documents of the period, after `after`, a page of `limit`
/// in (issue date, id) order.
fn issued_page(q: &mut Sql, company_id: Uuid, from: Date, to: Date, after: Option<SaleCursor>, limit: u32) {
    q.bind(Arg::Uuid(company_id));
    q.push(" AND d.kind IN ('invoice', 'deposit_invoice', 'credit_note') AND d.status NOT IN ('draft', 'cancelled') AND d.issue_date <= ");
    q.bind(Arg::Date(to));
    match after {
        // A row value as the only lower bound: both planners seek the index's (date, id)
        // suffix, so a page deep in a million documents costs what the first one does.
        Some((day, id)) => {
            q.push(" AND (d.issue_date, d.id) > (").bind(Arg::Date(day));
            q.push(", ").bind(Arg::Uuid(id)).push(")");
        }
        None => {
            q.push(" AND d.issue_date >= ").bind(Arg::Date(from));
        }
    }
    q.push(" ORDER BY d.issue_date, d.id LIMIT ").bind(Arg::I64(i64::from(limit)));
}

/// One row of the invoice list of a period (`GET /exports/invoices.csv`): the stored
/// columns written from `core::totals` when the document was issued and settled.
#[derive(Clone, Debug)]
pub struct InvoiceListRow {
    pub id: Uuid,
    pub kind: String,
    pub number: String,
    pub issue_date: Date,
    pub due_date: Option<Date>,
    pub customer_name: String,
    pub currency: String,
    pub net: Decimal,
    pub vat_total: Decimal,
    pub gross: Decimal,
    pub paid: Decimal,
    pub due: Decimal,
    pub status: String,
}

type ListDb =
    (Uuid, String, Option<String>, Date, Option<Date>, String, String, String, String, String, String, String, String);

impl Store {
    /// A page of the issued invoices, deposit invoices and credit notes of a period, in
    /// (issue date, id) order after `after`.
    pub async fn invoice_list(
        &self,
        company_id: Uuid,
        from: Date,
        to: Date,
        after: Option<SaleCursor>,
        limit: u32,
    ) -> Result<Vec<InvoiceListRow>> {
        let mut q = Sql::new(
            "SELECT d.id, d.kind, d.number, d.issue_date, d.due_date, cu.name, d.currency, d.net, d.vat_total, d.gross, \
             d.paid, d.due, d.status FROM documents d JOIN customers cu ON cu.company_id = d.company_id AND cu.id = d.customer_id \
             WHERE d.company_id = ",
        );
        issued_page(&mut q, company_id, from, to, after, limit);
        let rows: Vec<ListDb> = self.rows(&q).await?;
        rows.into_iter()
            .map(|r| {
                Ok(InvoiceListRow {
                    id: r.0,
                    kind: r.1,
                    number: r.2.unwrap_or_default(),
                    issue_date: r.3,
                    due_date: r.4,
                    customer_name: r.5,
                    currency: r.6,
                    net: dec("net", &r.7)?,
                    vat_total: dec("vat_total", &r.8)?,
                    gross: dec("gross", &r.9)?,
                    paid: dec("paid", &r.10)?,
                    due: dec("due", &r.11)?,
                    status: r.12,
                })
            })
            .collect()
    }
}
