//! The reads of the dunning pages (web `/dunning`, a customer's dunning history and debtor
//! account): the unpaid list with its filters in keyset pages over the index of migration
//! 0036, the amounts its totals add up, the live steps of a page, a customer's steps and
//! e-mails, and the checks of a selection. Every query filters by company. Which level
//! comes next is `core::dunning::next_step`'s rule, read by the caller from the steps
//! given here; the writes (runs, undo, entries, holds) are `store::dunning`'s.

use crate::dunning::{StepKind, StepRecord};
use crate::lists::push_match;
use crate::sql::{Arg, Sql};
use crate::{Result, Store, StoreError, bind_args, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::party::fold;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The statuses of an invoice that still takes payments (`core::lifecycle::is_open`).
pub const OPEN: [&str; 2] = ["issued", "partially_paid"];
/// The statuses of a withdrawn invoice (cancelled, or credited in full).
pub const WITHDRAWN: [&str; 2] = ["cancelled", "credited"];

/// The WHERE clause of the partial index `documents_dunning_due` (migration 0036), word for
/// word: SQLite uses a partial index only for a query that repeats its terms.
const LISTED: &str = "d.kind IN ('invoice', 'deposit_invoice') \
                      AND d.status IN ('issued', 'partially_paid', 'cancelled', 'credited')";

/// What the unpaid list is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct UnpaidQuery {
    pub due_from: Option<Date>,
    pub due_to: Option<Date>,
    pub issued_from: Option<Date>,
    pub issued_to: Option<Date>,
    pub customer_id: Option<Uuid>,
    /// Words that must all appear in the number, the customer's name or the invoice's words.
    pub words: Vec<String>,
    /// Rows holding any of these are left out.
    pub except: Vec<String>,
    /// Show the invoices held from dunning ("do not dun", the invoice's or its customer's).
    pub held: bool,
    /// Show the invoices with a live step taken.
    pub dunned: bool,
    /// Show the cancelled and credited invoices.
    pub withdrawn: bool,
}

/// Where a page of the unpaid list starts: after this due date and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnpaidCursor {
    pub due_date: Date,
    pub id: Uuid,
}

impl UnpaidCursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.due_date, self.id.simple())
    }

    pub fn decode(s: &str) -> Option<UnpaidCursor> {
        let (d, id) = s.split_once('_')?;
        let due_date = Date::parse(d, &time::format_description::well_known::Iso8601::DATE).ok()?;
        Some(UnpaidCursor { due_date, id: id.parse().ok()? })
    }
}

/// An invoice of the unpaid list.
#[derive(Clone, Debug)]
pub struct UnpaidInvoice {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub number: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub currency: String,
    pub status: Status,
    pub issue_date: Date,
    pub due_date: Date,
    pub gross: Decimal,
    pub due: Decimal,
    /// Held from dunning, itself or through its customer.
    pub held: bool,
    /// Live steps taken by runs: (level, day taken).
    pub steps: Vec<(String, Date)>,
}

#[derive(sqlx::FromRow)]
struct UnpaidRow {
    id: Uuid,
    kind: String,
    number: Option<String>,
    customer_id: Uuid,
    currency: String,
    status: String,
    doc_date: Date,
    due_date: Date,
    gross: String,
    due: String,
    held: i64,
}

fn dec(what: &str, s: &str) -> Result<Decimal> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("{what} {s:?}")))
}

/// The list's conditions beside its company and page.
fn push_filters(q: &mut Sql, company_id: Uuid, f: &UnpaidQuery, pg: bool) {
    q.push(&format!(" AND {LISTED} AND d.due_date IS NOT NULL AND d.number IS NOT NULL"));
    let open = |q: &mut Sql| {
        q.push("(d.status IN (").bind(Arg::Text(OPEN[0].into())).push(", ").bind(Arg::Text(OPEN[1].into()));
        // Something still due: the `due` column, exact decimal text, compared as a number.
        q.push(") AND CAST(d.due AS NUMERIC) > 0)");
    };
    if f.withdrawn {
        q.push(" AND (");
        open(q);
        q.push(" OR d.status IN (").bind(Arg::Text(WITHDRAWN[0].into())).push(", ");
        q.bind(Arg::Text(WITHDRAWN[1].into())).push("))");
    } else {
        q.push(" AND ");
        open(q);
    }
    if let Some(c) = f.customer_id {
        q.push(" AND d.customer_id = ").bind(Arg::Uuid(c));
    }
    if let Some(d) = f.due_from {
        q.push(" AND d.due_date >= ").bind(Arg::Date(d));
    }
    if let Some(d) = f.due_to {
        q.push(" AND d.due_date <= ").bind(Arg::Date(d));
    }
    if let Some(d) = f.issued_from {
        q.push(" AND d.doc_date >= ").bind(Arg::Date(d));
    }
    if let Some(d) = f.issued_to {
        q.push(" AND d.doc_date <= ").bind(Arg::Date(d));
    }
    if !f.held {
        q.push(
            " AND NOT EXISTS (SELECT 1 FROM dunning_holds h WHERE h.company_id = d.company_id \
             AND h.subject_id IN (d.id, d.customer_id))",
        );
    }
    if !f.dunned {
        q.push(
            " AND NOT EXISTS (SELECT 1 FROM dunning_steps s WHERE s.company_id = d.company_id \
             AND s.invoice_id = d.id AND s.kind = 'auto' AND s.undone_at IS NULL)",
        );
    }
    let folded = |v: &[String]| -> Vec<String> {
        v.iter().map(|w| fold(w.trim())).filter(|w| !w.is_empty()).take(10).collect::<Vec<_>>()
    };
    for w in folded(&f.words) {
        q.push(" AND ");
        push_match(q, company_id, &w, pg);
    }
    for x in folded(&f.except) {
        q.push(" AND NOT ");
        push_match(q, company_id, &x, pg);
    }
}

/// A step with its invoice, as a customer's history lists it.
#[derive(Clone, Debug)]
pub struct CustomerStep {
    pub step: StepRecord,
    pub invoice_kind: DocumentKind,
    pub invoice_number: String,
}

#[derive(sqlx::FromRow)]
struct CustomerStepRow {
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
    doc_kind: String,
    number: Option<String>,
}

/// An e-mail written to a customer (a document sent, or a reminder).
#[derive(Clone, Debug)]
pub struct CustomerEmail {
    pub id: Uuid,
    pub document_id: Option<Uuid>,
    pub to: Vec<String>,
    pub subject: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

/// An invoice of a selection, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub customer_id: Uuid,
    pub number: String,
}

impl Store {
    /// The invoices holding the search's rarest word when it is rare (the document lists'
    /// trigram index, `Store::sparse_candidates`, for both dunned kinds): the list then
    /// reads them by id instead of walking every unpaid invoice. `None`: no rare word.
    async fn unpaid_candidates(&self, company_id: Uuid, f: &UnpaidQuery) -> Result<Option<Vec<Uuid>>> {
        let words: Vec<String> = f.words.iter().map(|w| fold(w.trim())).filter(|w| !w.is_empty()).take(10).collect();
        if words.is_empty() {
            return Ok(None);
        }
        let mut all = Vec::new();
        for kind in crate::dunning::DUNNED_KINDS {
            match self.sparse_candidates(company_id, kind, &words).await? {
                Some(ids) => all.extend(ids),
                None => return Ok(None),
            }
        }
        Ok(Some(all))
    }

    /// A page of the unpaid list, oldest due date first, with its customers' names, hold
    /// and live steps, and where the next page starts.
    pub async fn unpaid_invoices(
        &self,
        company_id: Uuid,
        f: &UnpaidQuery,
        limit: u32,
        after: Option<UnpaidCursor>,
    ) -> Result<(Vec<UnpaidInvoice>, Option<UnpaidCursor>)> {
        let pg = matches!(self, Store::Postgres(_));
        let candidates = self.unpaid_candidates(company_id, f).await?;
        if candidates.as_ref().is_some_and(Vec::is_empty) {
            return Ok((Vec::new(), None));
        }
        let mut q = Sql::new(
            "SELECT d.id, d.kind, d.number, d.customer_id, d.currency, d.status, d.doc_date, d.due_date, d.gross, \
             d.due, CASE WHEN EXISTS (SELECT 1 FROM dunning_holds h WHERE h.company_id = d.company_id \
             AND h.subject_id IN (d.id, d.customer_id)) THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS held \
             FROM documents d WHERE d.company_id = ",
        );
        q.bind(Arg::Uuid(company_id));
        push_filters(&mut q, company_id, f, pg);
        if let Some(ids) = &candidates {
            q.push(" AND d.id IN ").bind_ids(ids.iter().copied());
        }
        if let Some(c) = after {
            // `key ≥ k AND (key > k OR id > i)`: both planners seek the index on the first term.
            q.push(" AND d.due_date >= ").bind(Arg::Date(c.due_date));
            q.push(" AND (d.due_date > ").bind(Arg::Date(c.due_date));
            q.push(" OR d.id > ").bind(Arg::Uuid(c.id)).push(")");
        }
        // A customer's invoices, or a rare word's, are few: SQLite reads them through the
        // customer's index or by id and sorts them (`+` keeps the order off the due-date
        // index, whose walk would test every unpaid invoice). PostgreSQL weighs it itself.
        let few = !pg && (f.customer_id.is_some() || candidates.is_some());
        q.push(if few { " ORDER BY +d.due_date, d.id LIMIT " } else { " ORDER BY d.due_date, d.id LIMIT " });
        q.bind(Arg::I64(i64::from(limit) + 1));
        let mut rows: Vec<UnpaidRow> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(|r| UnpaidCursor { due_date: r.due_date, id: r.id }) } else { None };
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut steps = self.live_steps_of(company_id, &ids).await?;
        let customers: Vec<Uuid> = rows.iter().map(|r| r.customer_id).collect();
        let names = self.customer_names(company_id, &customers).await?;
        let out = rows
            .into_iter()
            .map(|r| {
                Ok(UnpaidInvoice {
                    kind: r.kind.parse().map_err(|_| StoreError::Corrupt(format!("document kind {:?}", r.kind)))?,
                    status: r.status.parse().map_err(|_| StoreError::Corrupt(format!("status {:?}", r.status)))?,
                    number: r.number.unwrap_or_default(),
                    customer_name: names.get(&r.customer_id).cloned().unwrap_or_default(),
                    customer_id: r.customer_id,
                    currency: r.currency,
                    issue_date: r.doc_date,
                    due_date: r.due_date,
                    gross: dec("gross", &r.gross)?,
                    due: dec("due", &r.due)?,
                    held: r.held != 0,
                    steps: steps.remove(&r.id).unwrap_or_default(),
                    id: r.id,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((out, next))
    }

    /// What every row of the unpaid list owes, all pages together, by currency:
    /// (currency, due); `None` when more than `max` invoices match (too many to add up on
    /// each view).
    pub async fn unpaid_amounts(
        &self,
        company_id: Uuid,
        f: &UnpaidQuery,
        max: u32,
    ) -> Result<Option<Vec<(String, Decimal)>>> {
        let pg = matches!(self, Store::Postgres(_));
        let candidates = self.unpaid_candidates(company_id, f).await?;
        if candidates.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Some(Vec::new()));
        }
        let mut q = Sql::new("SELECT d.currency, d.due FROM documents d WHERE d.company_id = ");
        q.bind(Arg::Uuid(company_id));
        push_filters(&mut q, company_id, f, pg);
        if let Some(ids) = &candidates {
            q.push(" AND d.id IN ").bind_ids(ids.iter().copied());
        }
        q.push(" LIMIT ").bind(Arg::I64(i64::from(max) + 1));
        let rows: Vec<(String, String)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        if rows.len() > max as usize {
            return Ok(None);
        }
        rows.into_iter().map(|(cur, due)| Ok((cur, dec("due", &due)?))).collect::<Result<Vec<_>>>().map(Some)
    }

    /// The live steps taken by runs of some invoices: (level, day taken), per invoice.
    pub async fn live_steps_of(&self, company_id: Uuid, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<(String, Date)>>> {
        let mut out: HashMap<Uuid, Vec<(String, Date)>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = Sql::new("SELECT invoice_id, level, taken_on FROM dunning_steps WHERE company_id = ");
        q.bind(Arg::Uuid(company_id));
        q.push(" AND kind = 'auto' AND undone_at IS NULL AND level IS NOT NULL AND invoice_id IN ");
        q.bind_ids(ids.iter().copied());
        let rows: Vec<(Uuid, String, Date)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        for (id, level, on) in rows {
            out.entry(id).or_default().push((level, on));
        }
        Ok(out)
    }

    /// The last live step taken by a run on each of some invoices (the one an undo from
    /// the list takes back), per invoice.
    pub async fn last_live_steps(&self, company_id: Uuid, ids: &[Uuid]) -> Result<HashMap<Uuid, Uuid>> {
        let mut best: HashMap<Uuid, (OffsetDateTime, Uuid)> = HashMap::new();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut q = Sql::new("SELECT id, invoice_id, taken_at FROM dunning_steps WHERE company_id = ");
        q.bind(Arg::Uuid(company_id));
        q.push(" AND kind = 'auto' AND undone_at IS NULL AND invoice_id IN ");
        q.bind_ids(ids.iter().copied());
        let rows: Vec<(Uuid, Uuid, OffsetDateTime)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        for (id, invoice, at) in rows {
            let e = best.entry(invoice).or_insert((at, id));
            if (at, id) > *e {
                *e = (at, id);
            }
        }
        Ok(best.into_iter().map(|(k, (_, id))| (k, id)).collect())
    }

    /// Which of some ids are issued invoices or deposit invoices of the company (any other
    /// id, another company's invoice among them, is left out of the answer).
    pub async fn selected_invoices(&self, company_id: Uuid, ids: &[Uuid]) -> Result<Vec<Selected>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new("SELECT id, kind, customer_id, number FROM documents WHERE company_id = ");
        q.bind(Arg::Uuid(company_id));
        q.push(" AND kind IN ('invoice', 'deposit_invoice') AND number IS NOT NULL AND id IN ");
        q.bind_ids(ids.iter().copied());
        let rows: Vec<(Uuid, String, Uuid, Option<String>)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        rows.into_iter()
            .map(|(id, kind, customer_id, number)| {
                let kind = kind.parse().map_err(|_| StoreError::Corrupt(format!("document kind {kind:?}")))?;
                Ok(Selected { id, kind, customer_id, number: number.unwrap_or_default() })
            })
            .collect()
    }

    /// A page of the steps and entries of all a customer's invoices, newest first, undone
    /// ones included; `limit + 1` rows are read so the caller knows whether more follow.
    pub async fn customer_dunning_steps(
        &self,
        company_id: Uuid,
        customer_id: Uuid,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CustomerStep>> {
        let rows: Vec<CustomerStepRow> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT s.id, s.invoice_id, s.customer_id, s.kind, s.level, s.channel, s.taken_on, s.taken_at, \
                 s.by_user, s.note, s.email_id, s.letter_id, s.undone_at, d.kind AS doc_kind, d.number \
                 FROM dunning_steps s JOIN documents d ON d.company_id = s.company_id AND d.id = s.invoice_id \
                 WHERE s.company_id = $1 AND s.customer_id = $2 ORDER BY s.taken_at DESC, s.id DESC LIMIT $3 OFFSET $4",
            )
            .bind(company_id)
            .bind(customer_id)
            .bind(i64::from(limit) + 1)
            .bind(i64::from(offset))
            .fetch_all(c)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(CustomerStep {
                    invoice_kind: r
                        .doc_kind
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("document kind {:?}", r.doc_kind)))?,
                    invoice_number: r.number.unwrap_or_default(),
                    step: StepRecord {
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
                    },
                })
            })
            .collect()
    }

    /// The e-mails written to a customer, newest first, at most `limit`: its documents
    /// sent, and the reminders of runs that dunned it.
    pub async fn customer_emails(&self, company_id: Uuid, customer_id: Uuid, limit: u32) -> Result<Vec<CustomerEmail>> {
        type EmailRow = (Uuid, Option<Uuid>, String, String, String, OffsetDateTime, Option<OffsetDateTime>);
        let rows: Vec<EmailRow> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT o.id, o.document_id, o.recipients, o.subject, o.status, o.created_at, o.sent_at FROM outbox o \
                 WHERE o.company_id = $1 AND (o.document_id IN (SELECT x.id FROM documents x \
                 WHERE x.company_id = $1 AND x.customer_id = $2) OR o.id IN (SELECT s.email_id FROM dunning_steps s \
                 WHERE s.company_id = $1 AND s.customer_id = $2 AND s.email_id IS NOT NULL)) \
                 ORDER BY o.created_at DESC, o.id DESC LIMIT $3",
            )
            .bind(company_id)
            .bind(customer_id)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, document_id, to, subject, status, created_at, sent_at)| CustomerEmail {
                id,
                document_id,
                // Written by the outbox as a JSON list; unreadable, shown as stored.
                to: serde_json::from_str(&to).unwrap_or_else(|_| vec![to]),
                subject,
                status,
                created_at,
                sent_at,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use facturier_core::lifecycle;

    #[test]
    fn the_listed_statuses_are_cores_open_and_withdrawn_ones() {
        for kind in crate::dunning::DUNNED_KINDS {
            let open: Vec<&str> = lifecycle::of(kind)
                .statuses
                .iter()
                .filter(|s| lifecycle::is_open(kind, **s))
                .map(|s| s.as_str())
                .collect();
            assert_eq!(open, OPEN, "{kind:?}");
            for s in OPEN.iter().chain(WITHDRAWN.iter()) {
                assert!(LISTED.contains(&format!("'{s}'")), "{s} is in the index's clause");
                assert!(LISTED.contains(&format!("'{}'", kind.as_str())));
            }
        }
        assert_eq!(
            WITHDRAWN,
            [Status::Cancelled.as_str(), Status::Credited.as_str()],
            "withdrawn: cancelled or credited in full"
        );
    }

    #[test]
    fn a_cursor_reads_back() {
        let c = UnpaidCursor {
            due_date: Date::from_calendar_date(2026, time::Month::March, 1).unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(UnpaidCursor::decode(&c.encode()), Some(c));
        assert_eq!(UnpaidCursor::decode("nope"), None);
    }
}
