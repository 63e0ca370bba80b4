//! Documents as records: the row ↔ [`DocumentRecord`] mapping, the reads (one document
//! with its payments, links and history; a page of a list), the row lock of a write,
//! status changes and history entries. Nothing here issues or writes a draft.

use super::content::parse_content;
use crate::sql::Sql;
use crate::{Arg, Result, Stamp, Store, StoreError, Tx, bind_args, new_id, now, on_acquired, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, Status, settle};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A payment received on an invoice.
#[derive(Clone, Debug)]
pub struct PaymentRecord {
    pub id: Uuid,
    pub amount: Decimal,
    /// The part that settled the invoice; the rest went to the customer's credit.
    pub applied: Decimal,
    pub date: Date,
    pub method: String,
    pub reference: Option<String>,
    /// `recorded` or `cancelled` (kept, no longer counted).
    pub status: String,
}

/// A row of `payments` as a document reads it: the payment's id, amount, applied, date,
/// method, reference, status.
type PaymentRow = (Uuid, String, String, Date, String, Option<String>, String);

/// A payment to record.
#[derive(Clone, Copy, Debug)]
pub struct NewPayment<'a> {
    pub amount: Decimal,
    pub date: Date,
    /// `bank_transfer`, `card`, `cheque`…
    pub method: &'a str,
    pub reference: Option<&'a str>,
}

/// A link between two documents.
#[derive(Clone, Debug)]
pub struct Link {
    pub kind: DocumentKind,
    pub id: Uuid,
    pub number: Option<String>,
    /// `parent` or `child` (seen from the document holding the link).
    pub relation: &'static str,
}

/// A stored document.
#[derive(Clone, Debug)]
pub struct DocumentRecord {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub status: Status,
    pub number: Option<String>,
    pub content: Content,
    pub issue_date: Option<Date>,
    pub due_date: Option<Date>,
    pub paid: Decimal,
    pub credited: Decimal,
    pub parent_id: Option<Uuid>,
    pub seal: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub issued_at: Option<OffsetDateTime>,
    /// Filled by [`Store::document`]; empty in lists.
    pub payments: Vec<PaymentRecord>,
    /// Filled by [`Store::document`]; empty in lists.
    pub links: Vec<Link>,
    /// What happened to the document, oldest first. Filled by [`Store::document`].
    pub history: Vec<Event>,
}

/// One entry of a document's history.
#[derive(Clone, Debug)]
pub struct Event {
    pub at: OffsetDateTime,
    pub event: String,
    pub detail: serde_json::Value,
}

pub(crate) const COLS: &str = "id, kind, status, number, customer_id, parent_id, currency, doc_date, issue_date, due_date, content, \
                    paid, credited, gross, chain_seq, prev_seal, seal, created_at, updated_at, issued_at";

/// How many columns [`COLS`] names.
pub(super) const COLUMNS: usize = 20;

/// One document with whether it has payments and links, as [`Store::document`] reads it.
static DOCUMENT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLS}, \
         EXISTS (SELECT 1 FROM payments p WHERE p.company_id = documents.company_id AND p.document_id = documents.id) \
         AS has_payments, \
         EXISTS (SELECT 1 FROM document_links l WHERE l.company_id = documents.company_id \
         AND (l.parent_id = documents.id OR l.child_id = documents.id)) AS has_links \
         FROM documents WHERE company_id = $1 AND id = $2 AND kind = $3"
    )
});

/// A document's history, oldest first.
const EVENTS_SQL: &str =
    "SELECT at, event, detail FROM document_events WHERE company_id = $1 AND document_id = $2 ORDER BY at, id";

fn history(events: Vec<(OffsetDateTime, String, String)>) -> Vec<Event> {
    events
        .into_iter()
        .map(|(at, event, detail)| Event {
            at,
            event,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
        })
        .collect()
}

/// A document the writer thread wrote, read back in its transaction as
/// [`Store::document`] reads it; parsed by [`Store::read_back`], off the writer thread.
pub(crate) struct ReadBack {
    row: Row,
    has_payments: bool,
    has_links: bool,
    events: Vec<(OffsetDateTime, String, String)>,
}

pub(super) fn read_back(
    c: &rusqlite::Connection,
    company_id: Uuid,
    kind: DocumentKind,
    id: Uuid,
) -> Result<Option<ReadBack>> {
    use crate::writer::{boolean, instant, query, query_opt, text};
    let args = [company_id.into(), id.into(), kind.as_str().into()];
    let Some((row, has_payments, has_links)) = query_opt(c, &DOCUMENT_SQL, &args, |r| {
        Ok((Row::from_sqlite(r)?, boolean(r, COLUMNS)?, boolean(r, COLUMNS + 1)?))
    })?
    else {
        return Ok(None);
    };
    let events = query(c, EVENTS_SQL, &args[..2], |r| Ok((instant(r, 0)?, text(r, 1)?, text(r, 2)?)))?;
    Ok(Some(ReadBack { row, has_payments, has_links, events }))
}

impl Store {
    /// The record of what the writer thread read back. A document with payments or
    /// links is read again in full (not the case of a new draft or a plain issue).
    pub(super) async fn read_back(&self, company_id: Uuid, kind: DocumentKind, rb: ReadBack) -> Result<DocumentRecord> {
        if rb.has_payments || rb.has_links {
            return self.document(company_id, kind, rb.row.id).await;
        }
        let mut rec: DocumentRecord = rb.row.try_into()?;
        rec.history = history(rb.events);
        Ok(rec)
    }
}

/// A document row with whether it has payments and links.
#[derive(sqlx::FromRow)]
struct RowWithFlags {
    #[sqlx(flatten)]
    row: Row,
    has_payments: bool,
    has_links: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    pub(crate) id: Uuid,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) number: Option<String>,
    pub(crate) customer_id: Uuid,
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) currency: String,
    pub(crate) doc_date: Date,
    pub(crate) issue_date: Option<Date>,
    pub(crate) due_date: Option<Date>,
    pub(crate) content: String,
    pub(crate) paid: String,
    pub(crate) credited: String,
    pub(crate) gross: String,
    pub(crate) chain_seq: Option<i64>,
    pub(crate) prev_seal: Option<String>,
    pub(crate) seal: Option<String>,
    pub(crate) created_at: Stamp,
    pub(crate) updated_at: Stamp,
    pub(crate) issued_at: Option<Stamp>,
}

impl Row {
    /// A row of [`COLS`] (its first columns) read on the writer thread.
    pub(super) fn from_sqlite(r: &rusqlite::Row<'_>) -> Result<Row> {
        use crate::writer::{instant, opt_date, opt_instant, opt_int, opt_text, opt_uuid, text, uuid};
        Ok(Row {
            id: uuid(r, 0)?,
            kind: text(r, 1)?,
            status: text(r, 2)?,
            number: opt_text(r, 3)?,
            customer_id: uuid(r, 4)?,
            parent_id: opt_uuid(r, 5)?,
            currency: text(r, 6)?,
            doc_date: opt_date(r, 7)?.ok_or_else(|| StoreError::Corrupt("a document has no date".into()))?,
            issue_date: opt_date(r, 8)?,
            due_date: opt_date(r, 9)?,
            content: text(r, 10)?,
            paid: text(r, 11)?,
            credited: text(r, 12)?,
            gross: text(r, 13)?,
            chain_seq: opt_int(r, 14)?,
            prev_seal: opt_text(r, 15)?,
            seal: opt_text(r, 16)?,
            created_at: instant(r, 17)?.into(),
            updated_at: instant(r, 18)?.into(),
            issued_at: opt_instant(r, 19)?.map(Stamp::from),
        })
    }
}

fn dec(id: Uuid, what: &str, s: &str) -> Result<Decimal> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("document {id}: {what} {s:?}")))
}

impl TryFrom<Row> for DocumentRecord {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<DocumentRecord> {
        let corrupt = |e: String| StoreError::Corrupt(format!("document {}: {e}", r.id));
        Ok(DocumentRecord {
            id: r.id,
            kind: r.kind.parse().map_err(corrupt)?,
            status: r.status.parse().map_err(|e: facturier_core::message::Message| corrupt(e.english()))?,
            number: r.number,
            content: parse_content(r.id, r.customer_id, &r.currency, &r.content)?,
            issue_date: r.issue_date,
            due_date: r.due_date,
            paid: dec(r.id, "paid", &r.paid)?,
            credited: dec(r.id, "credited", &r.credited)?,
            parent_id: r.parent_id,
            seal: r.seal,
            created_at: r.created_at.instant(),
            updated_at: r.updated_at.instant(),
            issued_at: r.issued_at.map(Stamp::instant),
            payments: Vec::new(),
            links: Vec::new(),
            history: Vec::new(),
        })
    }
}

impl DocumentRecord {
    /// What the customer still owes.
    pub fn due(&self) -> Decimal {
        let gross = self.content.totals().gross;
        if self.status == Status::Draft || self.kind == DocumentKind::CreditNote {
            gross
        } else {
            settle(gross, self.paid, self.credited).due
        }
    }
}

/// Filters of a document list.
#[derive(Clone, Debug)]
pub struct DocumentFilter {
    pub kind: DocumentKind,
    pub status: Option<Status>,
    pub customer_id: Option<Uuid>,
    /// Inclusive bounds on the document date (issue date, or creation date of a draft).
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub limit: u32,
    pub after: Option<DocCursor>,
}

/// Position in a list ordered by date then id, newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocCursor {
    pub date: Date,
    pub id: Uuid,
}

impl DocCursor {
    /// The opaque text form: `YYYY-MM-DD_uuid`.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.date, self.id.simple())
    }

    /// Parses what [`encode`](Self::encode) produced.
    pub fn decode(s: &str) -> Option<DocCursor> {
        let (d, id) = s.split_once('_')?;
        let date = Date::parse(d, &time::format_description::well_known::Iso8601::DATE).ok()?;
        Some(DocCursor { date, id: id.parse().ok()? })
    }
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainReport {
    Intact { documents: u64 },
    Broken { kind: DocumentKind, id: Option<Uuid>, number: Option<String>, reason: String },
}

/// Reads a document inside a transaction (without payments, links or history).
pub(crate) async fn read_in(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<DocumentRecord> {
    let sql = format!("SELECT {COLS} FROM documents WHERE company_id = $1 AND id = $2");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await?);
    row.ok_or(StoreError::NotFound("document"))?.try_into()
}

pub(crate) async fn lock_document(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    kind: Option<DocumentKind>,
) -> Result<DocumentRecord> {
    // A no-op UPDATE takes the row lock on PostgreSQL (SQLite holds the write lock already).
    let sql =
        format!("UPDATE documents SET updated_at = updated_at WHERE company_id = $1 AND id = $2 RETURNING {COLS}");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await?);
    let rec: DocumentRecord = row.ok_or(StoreError::NotFound("document"))?.try_into()?;
    match kind {
        Some(k) if k != rec.kind => Err(StoreError::NotFound("document")),
        _ => Ok(rec),
    }
}

/// Sets a document's status (the caller holds its row lock and writes the event).
pub(crate) async fn set_status(tx: &mut Tx, company_id: Uuid, id: Uuid, status: Status) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query("UPDATE documents SET status = $3, updated_at = $4 WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(id)
            .bind(status.as_str())
            .bind(now())
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Adds an entry to a document's history.
pub(crate) async fn event(
    tx: &mut Tx,
    company_id: Uuid,
    document_id: Uuid,
    name: &str,
    detail: serde_json::Value,
) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query("INSERT INTO document_events (id, company_id, document_id, at, event, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(new_id())
            .bind(company_id)
            .bind(document_id)
            .bind(now())
            .bind(name)
            .bind(detail.to_string())
            .execute(c)
            .await?;
    });
    Ok(())
}

impl Store {
    /// One document with its payments and links.
    pub async fn document(&self, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<DocumentRecord> {
        // The row says whether there are payments and links to read: a new draft or a
        // just-issued invoice needs two statements, on one pooled connection.
        let sql = &*DOCUMENT_SQL;
        let mut conn = self.acquire().await?;
        let row: Option<RowWithFlags> = on_acquired!(&mut conn, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(id)
                .bind(kind.as_str())
                .fetch_optional(c)
                .await?
        });
        let RowWithFlags { row, has_payments, has_links } = row.ok_or(StoreError::NotFound("document"))?;
        let mut rec: DocumentRecord = row.try_into()?;
        let payments: Vec<PaymentRow> = if has_payments {
            on_acquired!(&mut conn, |c| {
                sqlx::query_as(
                    "SELECT COALESCE(payment_id, id), amount, applied, paid_on, method, reference, status FROM payments \
                     WHERE company_id = $1 AND document_id = $2 ORDER BY id",
                )
                .bind(company_id)
                .bind(id)
                .fetch_all(c)
                .await?
            })
        } else {
            Vec::new()
        };
        rec.payments = payments
            .into_iter()
            .map(|(pid, amount, applied, date, method, reference, status)| {
                Ok(PaymentRecord {
                    id: pid,
                    amount: dec(id, "payment", &amount)?,
                    applied: dec(id, "payment", &applied)?,
                    date,
                    method,
                    reference,
                    status,
                })
            })
            .collect::<Result<_>>()?;
        let links: Vec<(Uuid, String, Option<String>, String)> = if !has_links {
            Vec::new()
        } else {
            on_acquired!(&mut conn, |c| {
                sqlx::query_as(
                    "SELECT d.id, d.kind, d.number, 'parent' AS rel FROM document_links l \
                 JOIN documents d ON d.company_id = l.company_id AND d.id = l.parent_id \
                 WHERE l.company_id = $1 AND l.child_id = $2 \
                 UNION ALL SELECT d.id, d.kind, d.number, 'child' AS rel FROM document_links l \
                 JOIN documents d ON d.company_id = l.company_id AND d.id = l.child_id \
                 WHERE l.company_id = $1 AND l.parent_id = $2 \
                 ORDER BY 4 DESC, 1",
                )
                .bind(company_id)
                .bind(id)
                .fetch_all(c)
                .await?
            })
        };
        rec.links = links
            .into_iter()
            .map(|(lid, kind, number, rel)| {
                Ok(Link {
                    kind: kind.parse().map_err(StoreError::Corrupt)?,
                    id: lid,
                    number,
                    relation: if rel == "parent" { "parent" } else { "child" },
                })
            })
            .collect::<Result<_>>()?;
        let events: Vec<(OffsetDateTime, String, String)> =
            on_acquired!(&mut conn, |c| sqlx::query_as(EVENTS_SQL).bind(company_id).bind(id).fetch_all(c).await?);
        rec.history = history(events);
        Ok(rec)
    }

    /// A page of documents of one kind, newest first.
    pub async fn list_documents(
        &self,
        company_id: Uuid,
        f: &DocumentFilter,
    ) -> Result<(Vec<DocumentRecord>, Option<DocCursor>)> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM documents WHERE company_id = "));
        q.bind(Arg::Uuid(company_id));
        if let Some(cid) = f.customer_id {
            q.push(" AND customer_id = ").bind(Arg::Uuid(cid));
        }
        q.push(" AND kind = ").bind(Arg::Text(f.kind.as_str().into()));
        if let Some(s) = f.status {
            q.push(" AND status = ").bind(Arg::Text(s.as_str().into()));
        }
        if let Some(from) = f.from {
            q.push(" AND doc_date >= ").bind(Arg::Date(from));
        }
        if let Some(to) = f.to {
            q.push(" AND doc_date <= ").bind(Arg::Date(to));
        }
        if let Some(c) = f.after {
            // A row value, not `date < d OR (date = d AND id < i)`: both planners turn it
            // into a seek on the index's (doc_date, id) suffix, so a page deep in a
            // million invoices costs what the first one does.
            q.push(" AND (doc_date, id) < (").bind(Arg::Date(c.date));
            q.push(", ").bind(Arg::Uuid(c.id)).push(")");
        }
        q.push(" ORDER BY doc_date DESC, id DESC LIMIT ").bind(Arg::I64(i64::from(f.limit) + 1));
        let rows: Vec<Row> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        crate::customers::page(rows, f.limit, |r| DocCursor { date: r.doc_date, id: r.id })
    }
}
