//! Contracts (`0037_contracts`): their terms (a JSON document the server reads into
//! `core::contract`), their events, the periods they billed and the index values the
//! company publishes.
//!
//! A period is billed in one transaction with its invoice: the contract's row is locked,
//! the billed keys (line, period start) are inserted under their primary key, and a key
//! billed by another run already leaves the whole period alone. A billing run writes a
//! page's invoices in one transaction ([`Store::bill_contract_page`]), each checked so, a
//! period taken leaving only its own invoice out. Two runs at once, a run again, or a run
//! killed halfway (its transaction rolled back) never bill twice.

use crate::documents::draft::{PreparedDraft, insert_draft_in, insert_prepared_on};
use crate::documents::event;
use crate::outbox::{NewEmail, enqueue_in};
use crate::writer::{Val, bind_vals};
use crate::{Result, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, Line};
use facturier_core::message::Message;
use std::collections::HashMap;
use std::str::FromStr;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A contract to record.
#[derive(Clone, Debug)]
pub struct NewContract {
    pub customer_id: Uuid,
    pub reference: String,
    pub title: String,
    /// `draft` or `active`.
    pub status: String,
    pub start: Date,
    pub end: Option<Date>,
    /// The terms as the server writes them (JSON).
    pub terms: String,
}

/// A stored contract.
#[derive(Clone, Debug)]
pub struct ContractRecord {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub start: Date,
    pub end: Option<Date>,
    pub terms: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Filled by [`Store::contract`]; empty in lists.
    pub events: Vec<ContractEvent>,
    /// Filled by [`Store::contract`]; empty in lists.
    pub billed: Vec<Billed>,
}

/// Something that happened to a contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractEvent {
    /// `suspended`, `terminated`, `notice_given` or `notice_reminded` (the consumer's
    /// reminder of the deadline `on`).
    pub kind: String,
    pub on: Date,
    pub until: Option<Date>,
    pub reason: Option<String>,
}

/// A line's period billed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Billed {
    pub line: usize,
    pub period_start: Date,
    pub period_end: Date,
    pub billing_date: Date,
    pub invoice_id: Uuid,
    pub invoice_number: Option<String>,
    pub amount: Decimal,
}

/// A period to bill: its lines' keys and amounts, and the invoice that bills them.
#[derive(Clone, Debug)]
pub struct PeriodToBill {
    pub period_start: Date,
    pub period_end: Date,
    pub billing_date: Date,
    /// (line, amount billed).
    pub lines: Vec<(usize, Decimal)>,
    pub invoice: Content,
}

/// What billing periods did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodsBilled {
    /// The invoice made.
    Billed(Uuid),
    /// Another run billed one of the periods first: nothing written.
    Taken,
    /// Another bill took one of the interventions first: nothing written.
    InterventionTaken,
}

/// A period's keys on an invoice that bills several.
#[derive(Clone, Debug)]
pub struct PeriodKeys {
    pub contract_id: Uuid,
    pub period_start: Date,
    pub period_end: Date,
    pub billing_date: Date,
    /// (line, amount billed).
    pub lines: Vec<(usize, Decimal)>,
}

/// An invoice of [`Store::bill_contract_page`] and the periods it bills: one contract's
/// period, or a grouped customer's periods of several contracts.
#[derive(Clone, Debug)]
pub struct PeriodInvoice {
    pub keys: Vec<PeriodKeys>,
    pub invoice: Content,
}

/// The contracts an invoice's periods belong to, in id order (the order they are locked in).
fn contracts_in(periods: &[PeriodKeys]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = periods.iter().map(|p| p.contract_id).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The reference of a period's contract, as the lock read it.
fn reference_of(references: &[(Uuid, String)], p: &PeriodKeys) -> Option<String> {
    references.iter().find(|(id, _)| *id == p.contract_id).map(|(_, r)| r.clone())
}

// The statements of a period billed in a page, one text for both paths (sqlx and the
// SQLite writer thread). The lock's update takes the contract row's lock on PostgreSQL
// (SQLite holds the write lock already) and answers its reference for the history.
const LOCK_SQL: &str =
    "UPDATE contracts SET updated_at = updated_at WHERE company_id = $1 AND id = $2 RETURNING reference";
/// On the SQLite writer thread the transaction holds the database's write lock already:
/// the contract is only read (rewriting its row, terms and all, would log its page again
/// for each period).
const REFERENCE_SQL: &str = "SELECT reference FROM contracts WHERE company_id = $1 AND id = $2";
const KEY_SQL: &str = "SELECT COUNT(*) FROM contract_billings WHERE company_id = $1 AND contract_id = $2 AND line = $3 \
                       AND period_start = $4";
const BILLING_SQL: &str = "INSERT INTO contract_billings (company_id, contract_id, line, period_start, period_end, \
                           billing_date, invoice_id, amount, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const EVENT_SQL: &str =
    "INSERT INTO document_events (id, company_id, document_id, at, event, detail) VALUES ($1, $2, $3, $4, $5, $6)";

/// A line's number as stored.
fn line_number(line: usize) -> i64 {
    i64::try_from(line).unwrap_or(i64::MAX)
}

/// The arguments of [`KEY_SQL`], one list per line of the period.
fn key_args(company_id: Uuid, p: &PeriodKeys) -> Vec<[Val<'static>; 4]> {
    p.lines
        .iter()
        .map(|(line, _)| [company_id.into(), p.contract_id.into(), line_number(*line).into(), p.period_start.into()])
        .collect()
}

/// The arguments of [`BILLING_SQL`], one list per line of the period.
fn billing_args(company_id: Uuid, p: &PeriodKeys, invoice: Uuid) -> Vec<[Val<'static>; 9]> {
    let at = now();
    p.lines
        .iter()
        .map(|(line, amount)| {
            [
                company_id.into(),
                p.contract_id.into(),
                line_number(*line).into(),
                p.period_start.into(),
                p.period_end.into(),
                p.billing_date.into(),
                invoice.into(),
                Val::Owned(amount.to_string()),
                at.into(),
            ]
        })
        .collect()
}

/// The `contract_billed` history entry of a period on its invoice.
fn billed_detail(p: &PeriodKeys, reference: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "contract": p.contract_id,
        "reference": reference,
        "period_start": p.period_start.to_string(),
        "period_end": p.period_end.to_string(),
    })
}

/// Locks an invoice's contracts (in id order) and checks its periods' keys: the
/// contracts' references, or `None` when another run billed one of the keys first
/// (nothing written then).
async fn lock_and_check(tx: &mut Tx, company_id: Uuid, periods: &[PeriodKeys]) -> Result<Option<Vec<(Uuid, String)>>> {
    let mut references = Vec::new();
    for id in contracts_in(periods) {
        let lock = [company_id.into(), id.into()];
        let reference: Option<(String,)> =
            on_conn!(&mut *tx, |c| bind_vals!(sqlx::query_as(LOCK_SQL), &lock).fetch_optional(&mut *c).await?);
        let Some((reference,)) = reference else { return Err(StoreError::NotFound("contract")) };
        references.push((id, reference));
    }
    for args in periods.iter().flat_map(|p| key_args(company_id, p)) {
        let (n,): (i64,) =
            on_conn!(&mut *tx, |c| bind_vals!(sqlx::query_as(KEY_SQL), &args).fetch_one(&mut *c).await?);
        if n > 0 {
            return Ok(None);
        }
    }
    Ok(Some(references))
}

/// One invoice of [`Store::bill_contract_page`] on the SQLite writer thread: the same
/// statements and arguments as on sqlx, without leaving the thread. The invoice, or
/// `None` when another run billed one of its keys first (nothing written).
fn bill_period_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    periods: &[PeriodKeys],
    draft: &PreparedDraft,
) -> Result<Option<Uuid>> {
    use crate::writer::{execute, query_opt, text};
    let mut references = Vec::new();
    for id in contracts_in(periods) {
        let reference = query_opt(c, REFERENCE_SQL, &[company_id.into(), id.into()], |r| text(r, 0))?
            .ok_or(StoreError::NotFound("contract"))?;
        references.push((id, reference));
    }
    for args in periods.iter().flat_map(|p| key_args(company_id, p)) {
        let taken = query_opt(c, KEY_SQL, &args, |r| Ok(r.get::<_, i64>(0)?))?.unwrap_or(0);
        if taken > 0 {
            return Ok(None);
        }
    }
    let invoice = insert_prepared_on(c, company_id, DocumentKind::Invoice, draft)?;
    for args in periods.iter().flat_map(|p| billing_args(company_id, p, invoice)) {
        execute(c, BILLING_SQL, &args)?;
    }
    for p in periods {
        let detail = billed_detail(p, reference_of(&references, p).as_deref()).to_string();
        let args: [Val<'_>; 6] = [
            new_id().into(),
            company_id.into(),
            invoice.into(),
            now().into(),
            "contract_billed".into(),
            Val::Owned(detail),
        ];
        execute(c, EVENT_SQL, &args)?;
    }
    Ok(Some(invoice))
}

const COLS: &str = "k.id, k.customer_id, c.name, k.reference, k.title, k.status, k.start_date, k.end_date, k.terms, \
                    k.created_at, k.updated_at";

/// (line, period start, period end, billing date, invoice, its number, amount).
/// An event of a contract as read: contract, kind, day, until, reason.
type EventRow = (Uuid, String, Date, Option<Date>, Option<String>);

type BilledRow = (Uuid, i64, Date, Date, Date, Uuid, Option<String>, String);

type Row = (Uuid, Uuid, String, String, String, String, Date, Option<Date>, String, OffsetDateTime, OffsetDateTime);

fn record_of(r: Row) -> ContractRecord {
    ContractRecord {
        id: r.0,
        customer_id: r.1,
        customer_name: r.2,
        reference: r.3,
        title: r.4,
        status: r.5,
        start: r.6,
        end: r.7,
        terms: r.8,
        created_at: r.9,
        updated_at: r.10,
        events: Vec::new(),
        billed: Vec::new(),
    }
}

fn decimal(s: &str, what: &str) -> Result<Decimal> {
    Decimal::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

async fn lock(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<ContractRecord> {
    // The update takes the row's lock on PostgreSQL (SQLite holds the write lock already).
    let touched = on_conn!(tx, |c| {
        sqlx::query("UPDATE contracts SET updated_at = updated_at WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    if touched == 0 {
        return Err(StoreError::NotFound("contract"));
    }
    let sql = format!(
        "SELECT {COLS} FROM contracts k JOIN customers c ON c.id = k.customer_id WHERE k.company_id = $1 AND k.id = $2"
    );
    let row: Row = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_one(&mut *c)
        .await?);
    Ok(record_of(row))
}

/// Writes an event of a contract locked by the caller, and the status it leads to.
async fn insert_event(tx: &mut Tx, company_id: Uuid, id: Uuid, e: &ContractEvent, status: &str) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO contract_events (id, company_id, contract_id, kind, on_date, until_date, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(company_id)
        .bind(id)
        .bind(&e.kind)
        .bind(e.on)
        .bind(e.until)
        .bind(e.reason.as_deref())
        .bind(now())
        .execute(&mut *c)
        .await?;
        sqlx::query("UPDATE contracts SET status = $3, updated_at = $4 WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(id)
            .bind(status)
            .bind(now())
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

impl Store {
    /// Records a contract (422 on `reference` when the company has one by that reference).
    pub async fn create_contract(&self, company_id: Uuid, new: &NewContract) -> Result<ContractRecord> {
        self.customer(company_id, new.customer_id).await?;
        let id = new_id();
        let at = now();
        let inserted: std::result::Result<_, sqlx::Error> = on_pool!(self, |c| {
            sqlx::query(
            "INSERT INTO contracts (id, company_id, customer_id, reference, title, status, start_date, end_date, terms, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"
        )
        .bind(id)
        .bind(company_id)
        .bind(new.customer_id)
        .bind(&new.reference)
        .bind(&new.title)
        .bind(&new.status)
        .bind(new.start)
        .bind(new.end)
        .bind(&new.terms)
        .bind(at)
        .execute(c)
        .await
        .map(|_| ())
        });
        match inserted.map_err(StoreError::from) {
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::Invalid {
                    field: "reference".into(),
                    message: Message::new("contract_reference_taken").with("v", &new.reference),
                });
            }
            other => other?,
        }
        self.contract(company_id, id).await
    }

    /// A contract with its events and what it billed.
    pub async fn contract(&self, company_id: Uuid, id: Uuid) -> Result<ContractRecord> {
        self.contracts_of(company_id, &[id]).await?.pop().ok_or(StoreError::NotFound("contract"))
    }

    /// The contracts `ids` that exist, in that order, with their events and what they
    /// billed: three statements for them all (a billing run reads its page so).
    pub async fn contracts_of(&self, company_id: Uuid, ids: &[Uuid]) -> Result<Vec<ContractRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = (0..ids.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {COLS} FROM contracts k JOIN customers c ON c.id = k.customer_id WHERE k.company_id = $1 \
             AND k.id IN ({marks})"
        );
        let rows: Vec<Row> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        let mut by_id: HashMap<Uuid, ContractRecord> = rows
            .into_iter()
            .map(|r| {
                let rec = record_of(r);
                (rec.id, rec)
            })
            .collect();
        let sql = format!(
            "SELECT contract_id, kind, on_date, until_date, reason FROM contract_events \
             WHERE company_id = $1 AND contract_id IN ({marks}) ORDER BY created_at, id"
        );
        let events: Vec<EventRow> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        for (contract, kind, on, until, reason) in events {
            if let Some(rec) = by_id.get_mut(&contract) {
                rec.events.push(ContractEvent { kind, on, until, reason });
            }
        }
        let sql = format!(
            "SELECT b.contract_id, b.line, b.period_start, b.period_end, b.billing_date, b.invoice_id, d.number, \
             b.amount FROM contract_billings b JOIN documents d ON d.id = b.invoice_id \
             WHERE b.company_id = $1 AND b.contract_id IN ({marks}) ORDER BY b.period_start, b.line"
        );
        let billed: Vec<BilledRow> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        for (contract, line, period_start, period_end, billing_date, invoice_id, invoice_number, amount) in billed {
            let Some(rec) = by_id.get_mut(&contract) else { continue };
            rec.billed.push(Billed {
                line: usize::try_from(line)
                    .map_err(|_| StoreError::Corrupt(format!("contract {contract}: line {line}")))?,
                period_start,
                period_end,
                billing_date,
                invoice_id,
                invoice_number,
                amount: decimal(&amount, "contract billing amount")?,
            });
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// A page of the company's contracts by reference, after `after` (a reference).
    pub async fn contracts(&self, company_id: Uuid, after: Option<&str>, limit: u32) -> Result<Vec<ContractRecord>> {
        let sql = format!(
            "SELECT {COLS} FROM contracts k JOIN customers c ON c.id = k.customer_id WHERE k.company_id = $1 \
             AND k.reference > $2 ORDER BY k.reference LIMIT $3"
        );
        let rows: Vec<Row> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        Ok(rows.into_iter().map(record_of).collect())
    }

    /// The ids of the contracts a billing run looks at (active or suspended), after `after`.
    pub async fn billable_contracts(&self, company_id: Uuid, after: Option<Uuid>, limit: u32) -> Result<Vec<Uuid>> {
        let after = after.unwrap_or(Uuid::nil());
        let rows: Vec<(Uuid,)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT id FROM contracts WHERE company_id = $1 AND status IN ('active', 'suspended') AND id > $2 \
             ORDER BY id LIMIT $3"
        )
        .bind(company_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The contracts a billing run bills (active or suspended) as (customer, contract), by
    /// customer then id, after `after`: a customer's contracts come together, whatever the
    /// page they fall on (migration 0046 walks that order).
    pub async fn billable_contracts_by_customer(
        &self,
        company_id: Uuid,
        after: Option<(Uuid, Uuid)>,
        limit: u32,
    ) -> Result<Vec<(Uuid, Uuid)>> {
        let (customer, id) = after.unwrap_or((Uuid::nil(), Uuid::nil()));
        Ok(on_pool!(self, |c| sqlx::query_as(
            "SELECT customer_id, id FROM contracts WHERE company_id = $1 AND (customer_id, id) > ($2, $3) \
             AND status IN ('active', 'suspended') ORDER BY customer_id, id LIMIT $4"
        )
        .bind(company_id)
        .bind(customer)
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?))
    }

    /// Records an event and the status it leads to.
    pub async fn contract_event(
        &self,
        company_id: Uuid,
        id: Uuid,
        e: &ContractEvent,
        status: &str,
    ) -> Result<ContractRecord> {
        let mut tx = self.begin().await?;
        lock(&mut tx, company_id, id).await?;
        insert_event(&mut tx, company_id, id, e, status).await?;
        tx.commit().await?;
        self.contract(company_id, id).await
    }

    /// Terminates a contract: its `terminated` event and status, and each credit note of
    /// the days billed in advance after it (`credits`: the invoice, the lines credited on
    /// its terms, the note), drafted and issued on `today`, all in one transaction. A
    /// failure anywhere (an invoice that cannot be credited, books closed on `today`, a
    /// termination recorded meanwhile: 409) leaves the contract as it was and no credit
    /// note. Answers the contract and the credit notes issued.
    pub async fn terminate_contract(
        &self,
        company_id: Uuid,
        id: Uuid,
        e: &ContractEvent,
        credits: Vec<(Uuid, Vec<Line>, String)>,
        today: Date,
    ) -> Result<(ContractRecord, Vec<Uuid>)> {
        let mut tx = self.begin().await?;
        let rec = lock(&mut tx, company_id, id).await?;
        if rec.status == "terminated" {
            return Err(StoreError::Conflict(Message::new("contract_terminated")));
        }
        insert_event(&mut tx, company_id, id, e, "terminated").await?;
        let mut made = Vec::with_capacity(credits.len());
        for (invoice, lines, note) in credits {
            let draft = crate::pipeline::draft_credit_note_in(
                &mut tx,
                company_id,
                DocumentKind::Invoice,
                invoice,
                crate::pipeline::CreditOf::Lines(lines),
                Some(note),
            )
            .await?;
            // Books closed through the credit note's day take none (as `Store::issue`).
            crate::closings::check_open_in(&mut tx, company_id, "date", today).await?;
            crate::documents::issue::issue_in(&mut tx, company_id, DocumentKind::CreditNote, draft, today).await?;
            made.push(draft);
        }
        tx.commit().await?;
        Ok((self.contract(company_id, id).await?, made))
    }

    /// Ends a suspension (the one from `from`, until `until` as stored) on `end`, and sets
    /// the status it leads to; 409 when another request changed it first.
    pub async fn resume_contract(
        &self,
        company_id: Uuid,
        id: Uuid,
        from: Date,
        until: Option<Date>,
        end: Date,
        status: &str,
    ) -> Result<ContractRecord> {
        let mut tx = self.begin().await?;
        lock(&mut tx, company_id, id).await?;
        let changed = on_conn!(&mut tx, |c| {
            let changed = sqlx::query(
                "UPDATE contract_events SET until_date = $4 WHERE company_id = $1 AND contract_id = $2 \
                 AND kind = 'suspended' AND on_date = $3 AND (until_date = $5 OR (until_date IS NULL AND $6))",
            )
            .bind(company_id)
            .bind(id)
            .bind(from)
            .bind(end)
            .bind(until.unwrap_or(from))
            .bind(until.is_none())
            .execute(&mut *c)
            .await?
            .rows_affected();
            sqlx::query("UPDATE contracts SET status = $3, updated_at = $4 WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(id)
                .bind(status)
                .bind(now())
                .execute(&mut *c)
                .await?;
            changed
        });
        if changed == 0 {
            return Err(StoreError::Conflict(Message::new("contract_not_suspended")));
        }
        tx.commit().await?;
        self.contract(company_id, id).await
    }

    /// Records the consumer's notice reminder of the term whose deadline is `deadline`
    /// (a `notice_reminded` event) and queues its e-mail, in one transaction. `None`, and
    /// nothing written, when that deadline's reminder was recorded already.
    pub async fn remind_contract_notice(
        &self,
        company_id: Uuid,
        id: Uuid,
        deadline: Date,
        email: &NewEmail<'_>,
    ) -> Result<Option<Uuid>> {
        let mut tx = self.begin().await?;
        lock(&mut tx, company_id, id).await?;
        let reason = format!("e-mail: {}", email.to.join(", "));
        let inserted = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO contract_events (id, company_id, contract_id, kind, on_date, until_date, reason, created_at) \
                 VALUES ($1, $2, $3, 'notice_reminded', $4, NULL, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(new_id())
            .bind(company_id)
            .bind(id)
            .bind(deadline)
            .bind(&reason)
            .bind(now())
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Ok(None);
        }
        let email_id = enqueue_in(&mut tx, email).await?;
        tx.commit().await?;
        Ok(Some(email_id))
    }

    /// Sets a contract's status (`expired` at its term, `active` again).
    pub async fn set_contract_status(&self, company_id: Uuid, id: Uuid, status: &str) -> Result<()> {
        on_pool!(self, |c| sqlx::query(
            "UPDATE contracts SET status = $3, updated_at = $4 WHERE company_id = $1 AND id = $2"
        )
        .bind(company_id)
        .bind(id)
        .bind(status)
        .bind(now())
        .execute(c)
        .await
        .map(|_| ())?);
        Ok(())
    }

    /// Bills a period of a contract: its draft invoice and its keys, in one transaction.
    /// `None` when another run billed one of its keys first.
    pub async fn bill_contract_period(
        &self,
        company_id: Uuid,
        contract_id: Uuid,
        p: &PeriodToBill,
    ) -> Result<Option<Uuid>> {
        let keys = PeriodKeys {
            contract_id,
            period_start: p.period_start,
            period_end: p.period_end,
            billing_date: p.billing_date,
            lines: p.lines.clone(),
        };
        match self.bill_contract_periods(company_id, std::slice::from_ref(&keys), &p.invoice, &[]).await? {
            PeriodsBilled::Billed(id) => Ok(Some(id)),
            PeriodsBilled::Taken | PeriodsBilled::InterventionTaken => Ok(None),
        }
    }

    /// Bills periods of one or several contracts of a customer on one draft invoice: the
    /// invoice, every period's keys and the mark of each intervention it bills (its last
    /// lines) in one transaction, the contracts locked in id order, the interventions
    /// marked in id order (as an on-demand bill marks them, so neither waits on the other
    /// in a cycle). Nothing is written when another run billed one of the keys first
    /// ([`PeriodsBilled::Taken`]) or another bill took one of the interventions
    /// ([`PeriodsBilled::InterventionTaken`]: bill again without it).
    pub async fn bill_contract_periods(
        &self,
        company_id: Uuid,
        periods: &[PeriodKeys],
        invoice: &Content,
        interventions: &[Uuid],
    ) -> Result<PeriodsBilled> {
        let mut tx = self.begin().await?;
        let mut ids: Vec<Uuid> = periods.iter().map(|p| p.contract_id).collect();
        ids.sort();
        ids.dedup();
        let mut references = Vec::with_capacity(ids.len());
        for id in &ids {
            references.push((*id, lock(&mut tx, company_id, *id).await?.reference));
        }
        let mut taken = 0i64;
        for args in periods.iter().flat_map(|p| key_args(company_id, p)) {
            let (n,): (i64,) =
                on_conn!(&mut tx, |c| bind_vals!(sqlx::query_as(KEY_SQL), &args).fetch_one(&mut *c).await?);
            taken += n;
        }
        if taken > 0 {
            return Ok(PeriodsBilled::Taken);
        }
        let invoice = insert_draft_in(&mut tx, company_id, DocumentKind::Invoice, invoice, None, None).await?;
        if !crate::interventions::mark_billed(&mut tx, company_id, interventions, invoice).await? {
            return Ok(PeriodsBilled::InterventionTaken); // dropped: rolled back
        }
        for p in periods {
            for args in billing_args(company_id, p, invoice) {
                on_conn!(&mut tx, |c| {
                    bind_vals!(sqlx::query(BILLING_SQL), &args).execute(&mut *c).await?;
                });
            }
        }
        for p in periods {
            let reference = references.iter().find(|(id, _)| *id == p.contract_id).map(|(_, r)| r.as_str());
            event(&mut tx, company_id, invoice, "contract_billed", billed_detail(p, reference)).await?;
        }
        if !interventions.is_empty() {
            let detail = serde_json::json!({ "interventions": interventions.len() });
            event(&mut tx, company_id, invoice, "interventions_billed", detail).await?;
        }
        tx.commit().await?;
        Ok(PeriodsBilled::Billed(invoice))
    }

    /// Bills many invoices, each of one period (or of a grouped customer's periods), in one
    /// transaction (a page of a billing run: one writer call, not one per period). Each is
    /// written as [`Store::bill_contract_periods`] writes one: its contracts locked in id
    /// order, its keys checked, then the draft, the keys and a history event per period;
    /// an invoice one of whose keys another run billed first is skipped (`None` in its
    /// place, nothing written for it) and the others are still written. Give them in the
    /// order their contracts are to be locked (a run's, by customer then contract), so that
    /// two runs at once wait for each other, never in a cycle. Answers each invoice made,
    /// in order. Any other failure writes nothing at all.
    pub async fn bill_contract_page(&self, company_id: Uuid, periods: &[PeriodInvoice]) -> Result<Vec<Option<Uuid>>> {
        if periods.is_empty() {
            return Ok(Vec::new());
        }
        if let Store::Sqlite(_, queue) = self
            && let Some(writer) = queue.writer()
        {
            // Everything computed before the write turn: totals, JSON, search text.
            let prepared: Vec<(Vec<PeriodKeys>, PreparedDraft)> =
                periods.iter().map(|p| (p.keys.clone(), PreparedDraft::new(&p.invoice))).collect();
            return writer
                .run(move |c| {
                    let mut out = Vec::with_capacity(prepared.len());
                    for (keys, draft) in &prepared {
                        out.push(bill_period_on(c, company_id, keys, draft)?);
                    }
                    Ok(out)
                })
                .await;
        }
        let mut tx = self.begin().await?;
        let mut out = Vec::with_capacity(periods.len());
        for p in periods {
            let Some(references) = lock_and_check(&mut tx, company_id, &p.keys).await? else {
                out.push(None);
                continue;
            };
            let invoice = insert_draft_in(&mut tx, company_id, DocumentKind::Invoice, &p.invoice, None, None).await?;
            for args in p.keys.iter().flat_map(|k| billing_args(company_id, k, invoice)) {
                on_conn!(&mut tx, |c| {
                    bind_vals!(sqlx::query(BILLING_SQL), &args).execute(&mut *c).await?;
                });
            }
            for k in &p.keys {
                let detail = billed_detail(k, reference_of(&references, k).as_deref());
                event(&mut tx, company_id, invoice, "contract_billed", detail).await?;
            }
            out.push(Some(invoice));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The contracts an invoice bills periods of, by reference: (contract, reference).
    pub async fn contracts_of_invoice(&self, company_id: Uuid, invoice_id: Uuid) -> Result<Vec<(Uuid, String)>> {
        Ok(on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT DISTINCT b.contract_id, k.reference FROM contract_billings b \
             JOIN contracts k ON k.id = b.contract_id WHERE b.company_id = $1 AND b.invoice_id = $2 ORDER BY k.reference"
        )
        .bind(company_id)
        .bind(invoice_id)
        .fetch_all(c)
        .await?
        }))
    }

    /// The keys an invoice bills, in the order of its lines: (contract, period start,
    /// line), by contract reference, period and line.
    pub async fn invoice_billing_keys(&self, company_id: Uuid, invoice_id: Uuid) -> Result<Vec<(Uuid, Date, usize)>> {
        let rows: Vec<(Uuid, Date, i64)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT b.contract_id, b.period_start, b.line FROM contract_billings b \
             JOIN contracts k ON k.id = b.contract_id WHERE b.company_id = $1 AND b.invoice_id = $2 \
             ORDER BY k.reference, b.period_start, b.line"
        )
        .bind(company_id)
        .bind(invoice_id)
        .fetch_all(c)
        .await?);
        rows.into_iter()
            .map(|(c, p, l)| {
                Ok((c, p, usize::try_from(l).map_err(|_| StoreError::Corrupt(format!("contract {c}: line {l}")))?))
            })
            .collect()
    }

    /// The contract an invoice bills a period of: (contract, reference, period start, end).
    pub async fn contract_of_invoice(
        &self,
        company_id: Uuid,
        invoice_id: Uuid,
    ) -> Result<Option<(Uuid, String, Date, Date)>> {
        Ok(on_pool!(self, |c| sqlx::query_as(
            "SELECT b.contract_id, k.reference, b.period_start, b.period_end FROM contract_billings b \
             JOIN contracts k ON k.id = b.contract_id WHERE b.company_id = $1 AND b.invoice_id = $2 LIMIT 1"
        )
        .bind(company_id)
        .bind(invoice_id)
        .fetch_optional(c)
        .await?))
    }

    /// Publishes (or corrects) an index value. `true` when it is new.
    pub async fn publish_index_value(&self, company_id: Uuid, code: &str, month: &str, value: Decimal) -> Result<bool> {
        let mut tx = self.begin().await?;
        let updated = on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE index_values SET value = $4 WHERE company_id = $1 AND code = $2 AND month = $3")
                .bind(company_id)
                .bind(code)
                .bind(month)
                .bind(value.to_string())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if updated == 0 {
            on_conn!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO index_values (company_id, code, month, value, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(company_id)
                .bind(code)
                .bind(month)
                .bind(value.to_string())
                .bind(now())
                .execute(&mut *c)
                .await?;
            });
        }
        tx.commit().await?;
        Ok(updated == 0)
    }

    /// Every index value of the company: (code, month `YYYY-MM`, value), by code and month.
    pub async fn index_values(&self, company_id: Uuid, code: Option<&str>) -> Result<Vec<(String, String, Decimal)>> {
        let rows: Vec<(String, String, String)> = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT code, month, value FROM index_values WHERE company_id = $1 AND ($2 = '' OR code = $2) ORDER BY code, month"
        )
        .bind(company_id)
        .bind(code.unwrap_or(""))
        .fetch_all(c)
        .await?
        });
        rows.into_iter().map(|(code, month, v)| Ok((code, month, decimal(&v, "index value")?))).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Reads of the web pages: the list narrowed by words and status, and the billing grid's
// page of contracts with what they billed in a year and their events, three queries.
// ---------------------------------------------------------------------------------------

/// Most words a contract search takes.
const MAX_SEARCH_WORDS: usize = 5;

/// `%word%` for a `LIKE … ESCAPE '\'`, the word lower-cased.
fn like_pattern(word: &str) -> String {
    let mut p = String::from("%");
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// A page of the company's contracts by reference after `after`, each word found in
    /// the reference, the title or the customer's name (any case), of `status` when given.
    pub async fn contract_list(
        &self,
        company_id: Uuid,
        words: &str,
        status: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ContractRecord>> {
        let words: Vec<String> = words.split_whitespace().take(MAX_SEARCH_WORDS).map(like_pattern).collect();
        let mut sql = format!(
            "SELECT {COLS} FROM contracts k JOIN customers c ON c.id = k.customer_id WHERE k.company_id = $1 \
             AND k.reference > $2 AND ($3 = '' OR k.status = $3)"
        );
        for i in 0..words.len() {
            sql.push_str(&format!(
                " AND LOWER(k.reference || ' ' || k.title || ' ' || c.name) LIKE ${} ESCAPE '\\'",
                i + 5
            ));
        }
        sql.push_str(" ORDER BY k.reference LIMIT $4");
        let rows: Vec<Row> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(after.unwrap_or(""))
                .bind(status.unwrap_or(""))
                .bind(i64::from(limit));
            for w in &words {
                q = q.bind(w.as_str());
            }
            q.fetch_all(c).await?
        });
        Ok(rows.into_iter().map(record_of).collect())
    }

    /// A page of the contracts the billing grid of `from`..=`to` shows, by reference after
    /// `after`: not drafts, started by `to`, and running then or having billed in it.
    pub async fn grid_contracts(
        &self,
        company_id: Uuid,
        from: Date,
        to: Date,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ContractRecord>> {
        let sql = format!(
            "SELECT {COLS} FROM contracts k JOIN customers c ON c.id = k.customer_id WHERE k.company_id = $1 \
             AND k.reference > $2 AND k.status <> 'draft' AND k.start_date <= $4 \
             AND (k.status IN ('active', 'suspended') OR k.end_date IS NULL OR k.end_date >= $3 \
                  OR EXISTS (SELECT 1 FROM contract_billings b WHERE b.company_id = k.company_id \
                             AND b.contract_id = k.id AND b.billing_date >= $3)) \
             ORDER BY k.reference LIMIT $5"
        );
        let rows: Vec<Row> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(after.unwrap_or(""))
            .bind(from)
            .bind(to)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        Ok(rows.into_iter().map(record_of).collect())
    }

    /// What `ids` billed on days `from`..=`to`, with each row's contract.
    pub async fn billed_between(
        &self,
        company_id: Uuid,
        ids: &[Uuid],
        from: Date,
        to: Date,
    ) -> Result<Vec<(Uuid, Billed)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT b.contract_id, b.line, b.period_start, b.period_end, b.billing_date, b.invoice_id, d.number, b.amount \
             FROM contract_billings b JOIN documents d ON d.id = b.invoice_id \
             WHERE b.company_id = $1 AND b.billing_date >= $2 AND b.billing_date <= $3 AND b.contract_id IN ({}) \
             ORDER BY b.contract_id, b.period_start, b.line",
            placeholders(4, ids.len())
        );
        type WithContract = (Uuid, i64, Date, Date, Date, Uuid, Option<String>, String);
        let rows: Vec<WithContract> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(from).bind(to);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        rows.into_iter()
            .map(|(contract, line, period_start, period_end, billing_date, invoice_id, invoice_number, amount)| {
                Ok((
                    contract,
                    Billed {
                        line: usize::try_from(line)
                            .map_err(|_| StoreError::Corrupt(format!("contract {contract}: line {line}")))?,
                        period_start,
                        period_end,
                        billing_date,
                        invoice_id,
                        invoice_number,
                        amount: decimal(&amount, "contract billing amount")?,
                    },
                ))
            })
            .collect()
    }

    /// The events of `ids`, each with its contract, in the order they were recorded.
    pub async fn events_of_contracts(&self, company_id: Uuid, ids: &[Uuid]) -> Result<Vec<(Uuid, ContractEvent)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT contract_id, kind, on_date, until_date, reason FROM contract_events \
             WHERE company_id = $1 AND contract_id IN ({}) ORDER BY created_at, id",
            placeholders(2, ids.len())
        );
        type EventRow = (Uuid, String, Date, Option<Date>, Option<String>);
        let rows: Vec<EventRow> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        Ok(rows
            .into_iter()
            .map(|(contract, kind, on, until, reason)| (contract, ContractEvent { kind, on, until, reason }))
            .collect())
    }

    /// Publishes many values of one index in one transaction: all of them or none.
    /// (created, updated).
    pub async fn import_index_values(
        &self,
        company_id: Uuid,
        code: &str,
        values: &[(String, Decimal)],
    ) -> Result<(usize, usize)> {
        let mut tx = self.begin().await?;
        let (mut created, mut updated) = (0, 0);
        for (month, value) in values {
            let n = on_conn!(&mut tx, |c| {
                sqlx::query("UPDATE index_values SET value = $4 WHERE company_id = $1 AND code = $2 AND month = $3")
                    .bind(company_id)
                    .bind(code)
                    .bind(month)
                    .bind(value.to_string())
                    .execute(&mut *c)
                    .await?
                    .rows_affected()
            });
            if n > 0 {
                updated += 1;
                continue;
            }
            on_conn!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO index_values (company_id, code, month, value, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(company_id)
                .bind(code)
                .bind(month)
                .bind(value.to_string())
                .bind(now())
                .execute(&mut *c)
                .await?;
            });
            created += 1;
        }
        tx.commit().await?;
        Ok((created, updated))
    }

    /// Each index series of the company: (code, values published, latest month, its value).
    pub async fn index_series(&self, company_id: Uuid) -> Result<Vec<(String, i64, String, Decimal)>> {
        let rows: Vec<(String, i64, String, String)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT v.code, n.count, v.month, v.value FROM index_values v \
             JOIN (SELECT code, COUNT(*) AS count, MAX(month) AS latest FROM index_values WHERE company_id = $1 \
                   GROUP BY code) n ON n.code = v.code AND n.latest = v.month \
             WHERE v.company_id = $1 ORDER BY v.code"
        )
        .bind(company_id)
        .fetch_all(c)
        .await?);
        rows.into_iter().map(|(code, n, month, v)| Ok((code, n, month, decimal(&v, "index value")?))).collect()
    }
}
