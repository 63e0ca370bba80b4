//! Dunning (migration 0029): the overdue invoices a run may dun, the steps taken (one live
//! step per invoice and level, kept by a unique index so two runs at once take each step
//! once), entries by hand, undo, "never dun" holds for customers and invoices, the letters
//! of a run and the extra attachments of its e-mail. Every query filters by company.
//! Which level comes next is `core::dunning`'s rule, not this module's.

use crate::documents::event;
use crate::files::FileFormat;
pub use crate::outbox::Attachment;
use crate::outbox::{NewEmail, attach_in, enqueue_in};
use crate::{Result, Stamp, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::DocumentKind;
use facturier_core::message::Message;
use serde_json::json;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The kinds of document a run duns: those that are paid.
pub const DUNNED_KINDS: [DocumentKind; 2] = [DocumentKind::Invoice, DocumentKind::DepositInvoice];

/// An issued invoice overdue on the day asked, with its live steps.
#[derive(Clone, Debug)]
pub struct OverdueInvoice {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub number: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub currency: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub gross: Decimal,
    pub due: Decimal,
    /// Live steps taken by runs: (level, day taken).
    pub steps: Vec<(String, Date)>,
    /// The payment link printed on the invoice (`payment_links.printed_url`), if any.
    pub payment_link: Option<String>,
}

#[derive(sqlx::FromRow)]
struct OverdueRow {
    id: Uuid,
    kind: String,
    number: Option<String>,
    customer_id: Uuid,
    customer_name: String,
    currency: String,
    doc_date: Date,
    due_date: Date,
    gross: String,
    due: String,
    printed_url: Option<String>,
}

/// A sent quote as read: id, number, customer, currency, issue date, gross.
type QuoteRow = (Uuid, Option<String>, Uuid, String, Option<Date>, String);

/// A sent quote not accepted yet, with its live follow-ups.
#[derive(Clone, Debug)]
pub struct SentQuote {
    pub id: Uuid,
    pub number: String,
    pub customer_id: Uuid,
    pub currency: String,
    pub sent_on: Date,
    pub gross: Decimal,
    /// Live follow-ups taken: (code, day taken).
    pub steps: Vec<(String, Date)>,
}

/// What a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A level of the policy, taken by a run.
    Auto,
    /// A call to the customer.
    Call,
    /// The customer promised to pay.
    Promise,
    Note,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Auto => "auto",
            StepKind::Call => "call",
            StepKind::Promise => "promise",
            StepKind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        Some(match s {
            "auto" => StepKind::Auto,
            "call" => StepKind::Call,
            "promise" => StepKind::Promise,
            "note" => StepKind::Note,
            _ => return None,
        })
    }
}

/// A step as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub customer_id: Uuid,
    pub kind: StepKind,
    pub level: Option<String>,
    pub channel: Option<String>,
    pub taken_on: Date,
    pub taken_at: OffsetDateTime,
    pub by_user: Option<Uuid>,
    pub text: Option<String>,
    pub email_id: Option<Uuid>,
    pub letter_id: Option<Uuid>,
    pub undone_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct StepRow {
    id: Uuid,
    invoice_id: Uuid,
    customer_id: Uuid,
    kind: String,
    level: Option<String>,
    channel: Option<String>,
    taken_on: Date,
    taken_at: OffsetDateTime,
    by_user: Option<Uuid>,
    note: Option<String>,
    email_id: Option<Uuid>,
    letter_id: Option<Uuid>,
    undone_at: Option<OffsetDateTime>,
}

impl TryFrom<StepRow> for StepRecord {
    type Error = StoreError;
    fn try_from(r: StepRow) -> Result<StepRecord> {
        Ok(StepRecord {
            id: r.id,
            invoice_id: r.invoice_id,
            customer_id: r.customer_id,
            kind: StepKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("dunning step kind {:?}", r.kind)))?,
            level: r.level,
            channel: r.channel,
            taken_on: r.taken_on,
            taken_at: r.taken_at,
            by_user: r.by_user,
            text: r.note,
            email_id: r.email_id,
            letter_id: r.letter_id,
            undone_at: r.undone_at,
        })
    }
}

const STEP_COLS: &str = "id, invoice_id, customer_id, kind, level, channel, taken_on, taken_at, by_user, note, \
                         email_id, letter_id, undone_at";

/// A level to take for one invoice in a run.
#[derive(Clone, Debug)]
pub struct PlannedStep {
    pub invoice_id: Uuid,
    pub customer_id: Uuid,
    pub level: String,
    /// `email` or `letter`.
    pub channel: &'static str,
}

/// What goes out with a customer's steps: the e-mail (with its further attachments) or the letter.
pub enum Dispatch<'a> {
    Email { email: NewEmail<'a>, more_attachments: &'a [Attachment] },
    Letter { level: &'a str, pdf: &'a [u8] },
}

/// What taking a customer's steps did.
#[derive(Debug)]
pub enum Taken {
    /// Every step was taken, with its dispatch (`email_id` or `letter_id` on each step).
    All(Vec<StepRecord>),
    /// Another run took some of the steps first: nothing was written; these are the
    /// invoices still to take (compose again for them).
    Partly(Vec<Uuid>),
}

/// An entry by hand on an invoice.
#[derive(Clone, Copy, Debug)]
pub struct NewNote<'a> {
    pub invoice_id: Uuid,
    pub customer_id: Uuid,
    /// `Call`, `Promise` or `Note`.
    pub kind: StepKind,
    pub on: Date,
    pub text: &'a str,
    pub by_user: Option<Uuid>,
}

/// One row of the company's holds.
pub enum HoldSubject {
    Customer,
    Invoice,
}

impl Store {
    /// The company's issued invoices overdue on `as_of` (due date before it, something
    /// still due), oldest due date first, without those of customers or invoices held
    /// from dunning; only `only` when given.
    pub async fn overdue_for_dunning(
        &self,
        company_id: Uuid,
        as_of: Date,
        only: Option<&[Uuid]>,
    ) -> Result<Vec<OverdueInvoice>> {
        let rows = self.open_invoices(company_id, None, as_of).await?;
        let steps = self.live_steps(company_id, None).await?;
        let mut out = rows_to_invoices(rows, &steps, only)?;
        out.sort_by_key(|a| (a.due_date, a.id));
        Ok(out)
    }

    /// One page of the walk a run makes customer by customer: the open invoices (issued,
    /// something due, not held) due before `due_before` of the next `max_customers`
    /// customers after `after` (in id order), grouped by customer, oldest due date first,
    /// with their live steps. Memory stays that of one page whatever the company's size,
    /// and so does the work: the customers are read in the order of the partial index
    /// `documents_open_by_customer` (migration 0041) from `after` on, so a page reads only
    /// its own customers' open invoices, never the whole company's.
    /// `None` once every customer was walked; otherwise the page and the last customer of it.
    pub async fn dunning_page(
        &self,
        company_id: Uuid,
        due_before: Date,
        after: Option<Uuid>,
        max_customers: usize,
        only: Option<&[Uuid]>,
    ) -> Result<Option<(Vec<OverdueInvoice>, Uuid)>> {
        let sql = format!(
            "SELECT DISTINCT d.customer_id FROM documents d WHERE d.company_id = $1 AND {OPEN_BY_CUSTOMER} \
             AND d.due_date < $2 {} ORDER BY d.customer_id LIMIT {}",
            if after.is_some() { "AND d.customer_id > $3" } else { "AND $3 IS NULL" },
            max_customers.max(1),
        );
        let customers: Vec<(Uuid,)> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(due_before)
                .bind(after)
                .fetch_all(p)
                .await?
        });
        let (Some(first), Some(last)) = (customers.first().map(|c| c.0), customers.last().map(|c| c.0)) else {
            return Ok(None);
        };
        let rows = self.open_invoices(company_id, Some((first, last)), due_before).await?;
        let steps = self.live_steps(company_id, Some((first, last))).await?;
        let mut out = rows_to_invoices(rows, &steps, only)?;
        out.sort_by_key(|a| (a.customer_id, a.due_date, a.id));
        Ok(Some((out, last)))
    }

    /// How many customers have open invoices due before `due_before` (a run's progress).
    pub async fn dunning_customers(&self, company_id: Uuid, due_before: Date) -> Result<usize> {
        let sql = format!(
            "SELECT COUNT(DISTINCT d.customer_id) FROM documents d WHERE d.company_id = $1 AND {OPEN_BY_CUSTOMER} \
             AND d.due_date < $2"
        );
        let (n,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(due_before).fetch_one(p).await?
        });
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// The open invoices due before `due_before` (of the customers between the two given,
    /// both included), not held: one statement for a whole page.
    async fn open_invoices(
        &self,
        company_id: Uuid,
        customers: Option<(Uuid, Uuid)>,
        due_before: Date,
    ) -> Result<Vec<OverdueRow>> {
        let sql = format!(
            "SELECT d.id, d.kind, d.number, d.customer_id, c.name AS customer_name, d.currency, d.doc_date, d.due_date, \
             d.gross, d.due, pl.printed_url FROM documents d \
             JOIN customers c ON c.company_id = d.company_id AND c.id = d.customer_id \
             LEFT JOIN payment_links pl ON pl.company_id = d.company_id AND pl.invoice_id = d.id \
             WHERE d.company_id = $1 AND {OPEN_BY_CUSTOMER} AND d.due_date < $2 {} \
             AND NOT EXISTS (SELECT 1 FROM dunning_holds h WHERE h.company_id = d.company_id \
             AND (h.subject_id = d.id OR h.subject_id = d.customer_id))",
            if customers.is_some() {
                "AND d.customer_id >= $3 AND d.customer_id <= $4"
            } else {
                "AND $3 IS NULL AND $4 IS NULL"
            },
        );
        Ok(on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(due_before)
                .bind(customers.map(|c| c.0))
                .bind(customers.map(|c| c.1))
                .fetch_all(p)
                .await?
        }))
    }

    /// The live steps taken by runs, per invoice (of the customers between the two given).
    async fn live_steps(
        &self,
        company_id: Uuid,
        customers: Option<(Uuid, Uuid)>,
    ) -> Result<HashMap<Uuid, Vec<(String, Date)>>> {
        let sql = format!(
            "SELECT invoice_id, level, taken_on FROM dunning_steps \
             WHERE company_id = $1 AND kind = 'auto' AND undone_at IS NULL AND level IS NOT NULL {}",
            if customers.is_some() {
                "AND customer_id >= $2 AND customer_id <= $3"
            } else {
                "AND $2 IS NULL AND $3 IS NULL"
            }
        );
        let rows: Vec<(Uuid, String, Date)> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(customers.map(|c| c.0))
                .bind(customers.map(|c| c.1))
                .fetch_all(p)
                .await?
        });
        let mut out: HashMap<Uuid, Vec<(String, Date)>> = HashMap::new();
        for (id, level, on) in rows {
            out.entry(id).or_default().push((level, on));
        }
        Ok(out)
    }

    /// Takes a customer's planned steps on `taken_on` with their dispatch, in one
    /// transaction: each step, its history entry on the invoice, and the e-mail (outbox,
    /// attachments) or the letter. A step another run took first makes it write nothing
    /// and say which invoices are left ([`Taken::Partly`]).
    pub async fn take_dunning_steps(
        &self,
        company_id: Uuid,
        by_user: Option<Uuid>,
        taken_on: Date,
        steps: &[PlannedStep],
        dispatch: &Dispatch<'_>,
    ) -> Result<Taken> {
        let mut tx = self.begin().await?;
        let at: Stamp = now();
        let (email_id, letter_id) = match dispatch {
            Dispatch::Email { email, more_attachments } => {
                let id = enqueue_in(&mut tx, email).await?;
                attach_in(&mut tx, company_id, id, more_attachments).await?;
                (Some(id), None)
            }
            Dispatch::Letter { level, pdf } => {
                let id = new_id();
                let customer = steps.first().map(|s| s.customer_id).unwrap_or_default();
                on_conn!(&mut tx, |c| {
                    sqlx::query(
                        "INSERT INTO dunning_letters (id, company_id, customer_id, level, created_at, pdf) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(company_id)
                    .bind(customer)
                    .bind(*level)
                    .bind(at)
                    .bind(*pdf)
                    .execute(&mut *c)
                    .await?;
                });
                (None, Some(id))
            }
        };
        let mut ids = Vec::new();
        let mut left = Vec::new();
        for s in steps {
            let id = new_id();
            let n = on_conn!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO dunning_steps (id, company_id, invoice_id, customer_id, kind, level, channel, taken_on, \
                     taken_at, by_user, email_id, letter_id) VALUES ($1, $2, $3, $4, 'auto', $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(company_id)
                .bind(s.invoice_id)
                .bind(s.customer_id)
                .bind(s.level.as_str())
                .bind(s.channel)
                .bind(taken_on)
                .bind(at)
                .bind(by_user)
                .bind(email_id)
                .bind(letter_id)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
            if n == 0 {
                continue;
            }
            ids.push(id);
            left.push(s.invoice_id);
            let detail = json!({
                "step_id": id, "level": s.level, "channel": s.channel, "taken_on": taken_on.to_string(),
                "email_id": email_id, "letter_id": letter_id,
            });
            event(&mut tx, company_id, s.invoice_id, "dunning_step", detail).await?;
        }
        if ids.len() != steps.len() {
            // Dropped: rolled back, the e-mail or letter with it.
            drop(tx);
            return Ok(Taken::Partly(left));
        }
        let records = steps_by_ids(&mut tx, company_id, &ids).await?;
        tx.commit().await?;
        Ok(Taken::All(records))
    }

    /// A step of the company.
    pub async fn dunning_step(&self, company_id: Uuid, id: Uuid) -> Result<StepRecord> {
        let sql = format!("SELECT {STEP_COLS} FROM dunning_steps WHERE company_id = $1 AND id = $2");
        let row: Option<StepRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(id).fetch_optional(p).await?
        });
        row.ok_or(StoreError::NotFound("dunning step"))?.try_into()
    }

    /// Every step of an invoice, undone ones included, oldest first.
    pub async fn dunning_steps_of(&self, company_id: Uuid, invoice_id: Uuid) -> Result<Vec<StepRecord>> {
        let sql = format!(
            "SELECT {STEP_COLS} FROM dunning_steps WHERE company_id = $1 AND invoice_id = $2 ORDER BY taken_at, id"
        );
        let rows: Vec<StepRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(invoice_id).fetch_all(p).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Undoes a step: it stays in the history, marked undone, and its level may be taken
    /// again. 409 when already undone.
    pub async fn undo_dunning_step(&self, company_id: Uuid, id: Uuid) -> Result<StepRecord> {
        let step = self.dunning_step(company_id, id).await?;
        let mut tx = self.begin().await?;
        let at: Stamp = now();
        let n = on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE dunning_steps SET undone_at = $3 WHERE company_id = $1 AND id = $2 AND undone_at IS NULL",
            )
            .bind(company_id)
            .bind(id)
            .bind(at)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(Message::new("dunning_step_undone")));
        }
        let detail = json!({"step_id": id, "level": step.level, "kind": step.kind.as_str()});
        event(&mut tx, company_id, step.invoice_id, "dunning_undone", detail).await?;
        let rec = steps_by_ids(&mut tx, company_id, &[id]).await?.pop().ok_or(StoreError::NotFound("dunning step"))?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Records an entry by hand on an invoice (a call, a promise to pay, a note), in its history.
    pub async fn add_dunning_note(&self, company_id: Uuid, n: &NewNote<'_>) -> Result<StepRecord> {
        let NewNote { invoice_id, customer_id, kind, on, text, by_user } = *n;
        let id = new_id();
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO dunning_steps (id, company_id, invoice_id, customer_id, kind, taken_on, taken_at, by_user, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(company_id)
            .bind(invoice_id)
            .bind(customer_id)
            .bind(kind.as_str())
            .bind(on)
            .bind(at)
            .bind(by_user)
            .bind(text)
            .execute(&mut *c)
            .await?;
        });
        let detail = json!({"step_id": id, "kind": kind.as_str(), "text": text, "taken_on": on.to_string()});
        event(&mut tx, company_id, invoice_id, "dunning_note", detail).await?;
        let rec = steps_by_ids(&mut tx, company_id, &[id]).await?.pop().ok_or(StoreError::NotFound("dunning step"))?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Holds a customer or an invoice from dunning (`never`), or lets it be dunned again.
    pub async fn set_dunning_hold(&self, company_id: Uuid, subject: HoldSubject, id: Uuid, never: bool) -> Result<()> {
        let subject = match subject {
            HoldSubject::Customer => "customer",
            HoldSubject::Invoice => "invoice",
        };
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            if never {
                sqlx::query(
                    "INSERT INTO dunning_holds (company_id, subject_id, subject, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(company_id)
                .bind(id)
                .bind(subject)
                .bind(at)
                .execute(&mut *c)
                .await?;
            } else {
                sqlx::query("DELETE FROM dunning_holds WHERE company_id = $1 AND subject_id = $2")
                    .bind(company_id)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
            }
        });
        tx.commit().await?;
        Ok(())
    }

    /// Whether a customer or an invoice is held from dunning.
    pub async fn dunning_held(&self, company_id: Uuid, id: Uuid) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT CAST(1 AS BIGINT) FROM dunning_holds WHERE company_id = $1 AND subject_id = $2")
                .bind(company_id)
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.is_some())
    }

    /// A letter of a run: its customer, level and PDF.
    pub async fn dunning_letter(&self, company_id: Uuid, id: Uuid) -> Result<(Uuid, String, Vec<u8>)> {
        let row: Option<(Uuid, String, Vec<u8>)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT customer_id, level, pdf FROM dunning_letters WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.ok_or(StoreError::NotFound("dunning letter"))
    }

    /// One page of the sent quotes (status `sent`, issued on or before `sent_by`) of the
    /// next `max_customers` customers after `after`, not held, with their live follow-ups;
    /// `None` once every customer was walked.
    pub async fn quote_page(
        &self,
        company_id: Uuid,
        sent_by: Date,
        after: Option<Uuid>,
        max_customers: usize,
    ) -> Result<Option<(Vec<SentQuote>, Uuid)>> {
        let held = "NOT EXISTS (SELECT 1 FROM dunning_holds h WHERE h.company_id = d.company_id \
                    AND (h.subject_id = d.id OR h.subject_id = d.customer_id))";
        let sql = format!(
            "SELECT DISTINCT d.customer_id FROM documents d WHERE d.company_id = $1 AND d.kind = 'quote' \
             AND d.status = 'sent' AND d.issue_date <= $2 AND d.number IS NOT NULL AND {held} {} \
             ORDER BY d.customer_id LIMIT {}",
            if after.is_some() { "AND d.customer_id > $3" } else { "AND $3 IS NULL" },
            max_customers.max(1),
        );
        let customers: Vec<(Uuid,)> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(sent_by)
                .bind(after)
                .fetch_all(p)
                .await?
        });
        let (Some(first), Some(last)) = (customers.first().map(|c| c.0), customers.last().map(|c| c.0)) else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT d.id, d.number, d.customer_id, d.currency, d.issue_date, d.gross FROM documents d \
             WHERE d.company_id = $1 AND d.kind = 'quote' AND d.status = 'sent' AND d.issue_date <= $2 \
             AND d.number IS NOT NULL AND d.customer_id >= $3 AND d.customer_id <= $4 AND {held} \
             ORDER BY d.customer_id, d.issue_date, d.id"
        );
        let rows: Vec<QuoteRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(sent_by)
                .bind(first)
                .bind(last)
                .fetch_all(p)
                .await?
        });
        let steps = self.live_steps(company_id, Some((first, last))).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, number, customer_id, currency, issued, gross) in rows {
            out.push(SentQuote {
                id,
                number: number.unwrap_or_default(),
                customer_id,
                currency,
                sent_on: issued.unwrap_or(sent_by),
                gross: gross.parse().map_err(|_| StoreError::Corrupt(format!("gross {gross:?}")))?,
                steps: steps.get(&id).cloned().unwrap_or_default(),
            });
        }
        Ok(Some((out, last)))
    }

    /// Marks a customer a key account (its reminders use the key-account texts) or not.
    pub async fn set_key_account(&self, company_id: Uuid, customer_id: Uuid, key: bool) -> Result<()> {
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            if key {
                sqlx::query(
                    "INSERT INTO customer_key_accounts (company_id, customer_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(company_id)
                .bind(customer_id)
                .bind(at)
                .execute(&mut *c)
                .await?;
            } else {
                sqlx::query("DELETE FROM customer_key_accounts WHERE company_id = $1 AND customer_id = $2")
                    .bind(company_id)
                    .bind(customer_id)
                    .execute(&mut *c)
                    .await?;
            }
        });
        tx.commit().await?;
        Ok(())
    }

    /// Whether a customer is a key account.
    pub async fn is_key_account(&self, company_id: Uuid, customer_id: Uuid) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT CAST(1 AS BIGINT) FROM customer_key_accounts WHERE company_id = $1 AND customer_id = $2",
            )
            .bind(company_id)
            .bind(customer_id)
            .fetch_optional(p)
            .await?
        });
        Ok(row.is_some())
    }

    /// Invoices the late fee of `level` for `invoice_id` as a draft of `content` issued
    /// at once (number, seal, like any invoice), in one transaction with the fee's row,
    /// whose unique key (company, invoice, level) makes it happen once ever: `None` when
    /// the fee was already billed (by this run, an earlier one or one running at once).
    pub async fn issue_late_fee(
        &self,
        company_id: Uuid,
        invoice_id: Uuid,
        level: &str,
        step_id: Uuid,
        content: &facturier_core::document::Content,
        today: Date,
    ) -> Result<Option<crate::documents::DocumentRecord>> {
        let mut tx = self.begin().await?;
        let fee_id = new_id();
        let at: Stamp = now();
        let claimed = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO dunning_fees (id, company_id, invoice_id, level, step_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(fee_id)
            .bind(company_id)
            .bind(invoice_id)
            .bind(level)
            .bind(step_id)
            .bind(at)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if claimed == 0 {
            return Ok(None);
        }
        let doc_id =
            crate::documents::draft::insert_draft_in(&mut tx, company_id, DocumentKind::Invoice, content, None, None)
                .await?;
        crate::documents::issue_in(&mut tx, company_id, DocumentKind::Invoice, doc_id, today).await?;
        on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE dunning_fees SET fee_invoice_id = $3 WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(fee_id)
                .bind(doc_id)
                .execute(&mut *c)
                .await?;
        });
        let detail = json!({"step_id": step_id, "level": level, "fee_invoice_id": doc_id});
        event(&mut tx, company_id, invoice_id, "dunning_late_fee", detail).await?;
        tx.commit().await?;
        Ok(Some(self.document(company_id, DocumentKind::Invoice, doc_id).await?))
    }

    /// Whether an invoice is itself a late fee (it is never billed a fee of its own).
    pub async fn is_late_fee_invoice(&self, company_id: Uuid, invoice_id: Uuid) -> Result<bool> {
        let row: Option<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT CAST(1 AS BIGINT) FROM dunning_fees WHERE company_id = $1 AND fee_invoice_id = $2")
                .bind(company_id)
                .bind(invoice_id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.is_some())
    }

    /// The late fee billed with a step: (fee row, fee invoice, credit note cancelling it).
    pub async fn late_fee_of_step(
        &self,
        company_id: Uuid,
        step_id: Uuid,
    ) -> Result<Option<(Uuid, Option<Uuid>, Option<Uuid>)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, fee_invoice_id, credit_note_id FROM dunning_fees WHERE company_id = $1 AND step_id = $2",
            )
            .bind(company_id)
            .bind(step_id)
            .fetch_optional(p)
            .await?
        }))
    }

    /// Records the credit note that cancelled a late fee.
    pub async fn set_late_fee_credit_note(&self, company_id: Uuid, fee_id: Uuid, credit_note_id: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE dunning_fees SET credit_note_id = $3 WHERE company_id = $1 AND id = $2 AND credit_note_id IS NULL",
            )
            .bind(company_id)
            .bind(fee_id)
            .bind(credit_note_id)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// The late-fee invoices billed for an invoice: (level, fee invoice, credit note).
    pub async fn late_fees_of(
        &self,
        company_id: Uuid,
        invoice_id: Uuid,
    ) -> Result<Vec<(String, Option<Uuid>, Option<Uuid>)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT level, fee_invoice_id, credit_note_id FROM dunning_fees WHERE company_id = $1 AND invoice_id = $2 \
                 ORDER BY created_at",
            )
            .bind(company_id)
            .bind(invoice_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// The attachments of a message beyond its own, in order, a stored file's bytes read
    /// from the document's files.
    pub async fn outbox_attachments(&self, company_id: Uuid, email_id: Uuid) -> Result<Vec<(String, Vec<u8>)>> {
        let rows: Vec<(String, Option<Vec<u8>>, Option<Uuid>)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT a.name, COALESCE(a.bytes, f.bytes), a.document_id FROM outbox_attachments a \
                 LEFT JOIN document_files f ON f.company_id = a.company_id AND f.document_id = a.document_id \
                 AND f.format = a.format \
                 WHERE a.company_id = $1 AND a.email_id = $2 ORDER BY a.position",
            )
            .bind(company_id)
            .bind(email_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(name, bytes, document)| match bytes {
                Some(b) => Ok((name, b)),
                // Files of an issued document are never deleted: a missing one is a fault.
                None => Err(StoreError::Corrupt(format!("the stored file {name} of document {document:?} is missing"))),
            })
            .collect()
    }

    /// Whether a document has its file of `format` stored (without reading it).
    pub async fn has_document_file(&self, company_id: Uuid, document_id: Uuid, format: FileFormat) -> Result<bool> {
        let found: Option<i32> = on_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT 1 FROM document_files WHERE company_id = $1 AND document_id = $2 AND format = $3",
            )
            .bind(company_id)
            .bind(document_id)
            .bind(format.as_str())
            .fetch_optional(p)
            .await?
        });
        Ok(found.is_some())
    }
}

/// The WHERE clause of the partial index `documents_open_by_customer` (migration 0041),
/// word for word: SQLite uses a partial index only for a query that repeats its terms.
/// The kinds a run duns ([`DUNNED_KINDS`]) in the statuses that still take payments
/// (`core::lifecycle::is_open`; a test keeps the two equal).
const OPEN_BY_CUSTOMER: &str = "d.kind IN ('invoice', 'deposit_invoice') AND d.status IN ('issued', 'partially_paid')";

fn rows_to_invoices(
    rows: Vec<OverdueRow>,
    steps: &HashMap<Uuid, Vec<(String, Date)>>,
    only: Option<&[Uuid]>,
) -> Result<Vec<OverdueInvoice>> {
    let mut out = Vec::new();
    for r in rows {
        if only.is_some_and(|ids| !ids.contains(&r.id)) {
            continue;
        }
        let due: Decimal = r.due.parse().map_err(|_| StoreError::Corrupt(format!("due {:?}", r.due)))?;
        if due <= Decimal::ZERO {
            continue;
        }
        let kind: DocumentKind =
            r.kind.parse().map_err(|_| StoreError::Corrupt(format!("document kind {:?}", r.kind)))?;
        out.push(OverdueInvoice {
            id: r.id,
            kind,
            number: r.number.unwrap_or_default(),
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            currency: r.currency,
            issue_date: r.doc_date,
            due_date: r.due_date,
            gross: r.gross.parse().map_err(|_| StoreError::Corrupt(format!("gross {:?}", r.gross)))?,
            due,
            steps: steps.get(&r.id).cloned().unwrap_or_default(),
            payment_link: r.printed_url,
        });
    }
    Ok(out)
}

async fn steps_by_ids(tx: &mut Tx, company_id: Uuid, ids: &[Uuid]) -> Result<Vec<StepRecord>> {
    let mut out = Vec::new();
    let sql = format!("SELECT {STEP_COLS} FROM dunning_steps WHERE company_id = $1 AND id = $2");
    for id in ids {
        let row: StepRow = on_conn!(tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(*id).fetch_one(&mut *c).await?
        });
        out.push(row.try_into()?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use facturier_core::listing::ListStatus;

    #[test]
    fn the_runs_index_clause_is_cores_open_invoices() {
        let kinds: Vec<String> = DUNNED_KINDS.iter().map(|k| format!("'{}'", k.as_str())).collect();
        assert!(OPEN_BY_CUSTOMER.starts_with(&format!("d.kind IN ({}) ", kinds.join(", "))), "{OPEN_BY_CUSTOMER}");
        for kind in DUNNED_KINDS {
            let open: Vec<String> =
                ListStatus::Overdue.statuses(kind).iter().map(|s| format!("'{}'", s.as_str())).collect();
            assert!(OPEN_BY_CUSTOMER.ends_with(&format!(" AND d.status IN ({})", open.join(", "))), "{kind:?}");
        }
        let migration = include_str!("../migrations/sqlite/0041_collections.sql");
        assert!(migration.contains(&OPEN_BY_CUSTOMER.replace("d.", "")), "the index's clause is the query's");
        assert_eq!(migration, include_str!("../migrations/postgres/0041_collections.sql"));
    }
}
