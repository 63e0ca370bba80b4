//! Document lists for people: text search with an "except" term, a choice of sort
//! column, keyset pages on that column, and the customer's name read in the same query.
//!
//! Every sort is `ORDER BY key, id` (customer: `name, customer id, id`) and every next
//! page starts after the last row's keys, so with the indexes of migration 0011 a page deep
//! in a million documents costs what the first one does (checked with `EXPLAIN QUERY PLAN`
//! and PostgreSQL's `EXPLAIN` on a generated million: see `docs/web.md`).

use crate::StoreError;
use crate::documents::{COLS, DocumentRecord, Row, parse_content};
use crate::reports::{FOREIGN_CONTENT, dec, rate_in};
use crate::sql::{Arg, Sql, like_escape};
use crate::{Result, Store, bind_args, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::listing::ListStatus;
use facturier_core::party::fold;
use std::collections::{HashMap, HashSet};
use time::Date;
use uuid::Uuid;

/// The column a list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocSort {
    /// The document date (issue date, or creation date of a draft).
    Date,
    /// The legal number (drafts, which have none, come first when ascending).
    Number,
    /// The customer's name.
    Customer,
    /// The due date (documents without one come last when ascending).
    DueDate,
    /// The total including VAT.
    Total,
}

impl DocSort {
    pub const ALL: [DocSort; 5] = [DocSort::Number, DocSort::Date, DocSort::Customer, DocSort::DueDate, DocSort::Total];

    /// The name in a query string.
    pub fn as_str(self) -> &'static str {
        match self {
            DocSort::Date => "date",
            DocSort::Number => "number",
            DocSort::Customer => "customer",
            DocSort::DueDate => "due_date",
            DocSort::Total => "total",
        }
    }

    pub fn parse(s: &str) -> Option<DocSort> {
        DocSort::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Where the next page starts: the last row's sort key, (customer sort) its customer, and its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortCursor {
    pub key: String,
    pub customer: Option<Uuid>,
    pub id: Uuid,
}

impl SortCursor {
    /// The opaque text form: `id_customer-or-dash_key`.
    pub fn encode(&self) -> String {
        let c = self.customer.map_or_else(|| "-".to_string(), |c| c.simple().to_string());
        format!("{}_{c}_{}", self.id.simple(), self.key)
    }

    /// Parses what [`encode`](Self::encode) produced.
    pub fn decode(s: &str) -> Option<SortCursor> {
        let (id, rest) = s.split_once('_')?;
        let (c, key) = rest.split_once('_')?;
        let customer = if c == "-" { None } else { Some(c.parse().ok()?) };
        Some(SortCursor { key: key.to_string(), customer, id: id.parse().ok()? })
    }
}

/// A list's status filter and the day it is read on (what is overdue depends on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusFilter {
    pub status: ListStatus,
    pub today: Date,
}

/// A list request.
#[derive(Clone, Debug)]
pub struct DocumentQuery {
    pub kind: DocumentKind,
    pub status: Option<StatusFilter>,
    pub customer_id: Option<Uuid>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Due dates from and to (both included): an aged-balance bucket's invoices.
    pub due_from: Option<Date>,
    pub due_to: Option<Date>,
    /// Words that must all appear in the number, the customer's name or the document's
    /// words (`Content::search_text`), case and accents ignored.
    pub q: Option<String>,
    /// Rows whose number, customer's name or words contain any of these are left out.
    pub except: Vec<String>,
    pub sort: DocSort,
    pub descending: bool,
    pub limit: u32,
    pub after: Option<SortCursor>,
}

/// A listed document with its customer's name.
#[derive(Clone, Debug)]
pub struct ListedDocument {
    pub doc: DocumentRecord,
    pub customer_name: String,
}

/// What a listed document counts for in the list's totals.
#[derive(Clone, Debug)]
pub struct ListedAmount {
    pub status: Status,
    pub currency: String,
    /// The total including VAT.
    pub gross: Decimal,
    /// What is still due (the gross for a draft or a credit note).
    pub due: Decimal,
    /// Company-currency units for one unit of `currency`, for a document in a foreign
    /// currency (fixed when it was issued).
    pub exchange_rate: Option<Decimal>,
}

#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    row: Row,
    sort_key: String,
}

/// `LIKE` pattern of a folded word: anywhere in the text.
fn pattern(folded: &str) -> String {
    format!("%{}%", like_escape(folded))
}

/// The text a word is looked for in, beside the customer's name: the number (lower case)
/// and the folded words of the content (migration 0013). PostgreSQL's trigram index is
/// on exactly this expression, and SQLite's `documents_fts` holds its two parts.
const SEARCHED: &str = "(lower(COALESCE(d.number, '')) || ' ' || COALESCE(d.search_text, ''))";

/// Above this many documents matching its rarest word, a search walks the list in its
/// order and tests each row, which fills a page sooner than fetching every match.
const SPARSE_MATCHES: usize = 2000;

/// Adds the condition that a folded word is in the document's number or words, or in
/// its customer's (folded) name.
pub(crate) fn push_match(q: &mut Sql, company_id: Uuid, word: &str, pg: bool) {
    q.push(&format!("({SEARCHED} LIKE ")).bind(Arg::Text(pattern(word)));
    q.push(" ESCAPE '\\' OR d.customer_id IN (");
    push_named_customers(q, company_id, word, pg, false);
    q.push("))");
}

/// `SELECT n.id` of the company's customers whose folded name holds a word. The names
/// are narrowed first through the directory's trigram index, whose search text starts
/// with the name (so it holds every name that matches): on PostgreSQL always
/// (`customers_search`, which the planner uses or not; without it a common word less an
/// "except" term took 133 ms at 100 k customers, two sequential scans), on SQLite when
/// `rare` (`customers_fts`, for the probe of a rare word; a common word reads `sort_name`
/// from its index sooner).
fn push_named_customers(q: &mut Sql, company_id: Uuid, word: &str, pg: bool, rare: bool) {
    let p = pattern(word);
    q.push("SELECT n.id FROM customers n WHERE n.company_id = ").bind(Arg::Uuid(company_id));
    q.push(" AND n.sort_name LIKE ").bind(Arg::Text(p.clone())).push(" ESCAPE '\\'");
    if pg {
        q.push(" AND n.search_text LIKE ").bind(Arg::Text(p)).push(" ESCAPE '\\'");
    } else if rare {
        q.push(
            " AND n.id IN (SELECT k.customer_id FROM customers_fts f \
             JOIN customer_search_keys k ON k.key = f.rowid WHERE customers_fts MATCH ",
        )
        .bind(Arg::Text(phrase(word)))
        .push(")");
    }
}

/// The words to find and the terms to leave out of a query, folded, ten of each at most.
fn folded_terms(f: &DocumentQuery) -> (Vec<String>, Vec<String>) {
    let words: Vec<String> = f.q.iter().flat_map(|s| s.split_whitespace()).take(10).map(fold).collect();
    let except: Vec<String> = f.except.iter().map(|x| x.trim()).filter(|x| !x.is_empty()).take(10).map(fold).collect();
    (words, except)
}

/// The conditions of a list beside its company, kind and page: customer, status (a stored
/// one, or what is owed as `core::listing` reads it), dates and search terms.
fn push_filters(q: &mut Sql, company_id: Uuid, f: &DocumentQuery, words: &[String], except: &[String], pg: bool) {
    if let Some(cid) = f.customer_id {
        q.push(" AND d.customer_id = ").bind(Arg::Uuid(cid));
    }
    if let Some(StatusFilter { status, today }) = f.status {
        let statuses = status.statuses(f.kind);
        let list: Vec<String> = statuses.iter().map(|s| s.as_str().to_string()).collect();
        match list.as_slice() {
            [one] => {
                q.push(" AND d.status = ").bind(Arg::Text(one.clone()));
            }
            _ => {
                q.push(" AND d.status IN (");
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    q.bind(Arg::Text(s.clone()));
                }
                q.push(")");
            }
        }
        if status.is_owed() {
            // Something still due: the `due` column, exact decimal text, compared as a number.
            q.push(" AND CAST(d.due AS NUMERIC) > 0");
        }
        if let Some((from, to)) = status.due_between(today) {
            q.push(" AND d.due_date IS NOT NULL");
            if let Some(from) = from {
                q.push(" AND d.due_date >= ").bind(Arg::Date(from));
            }
            if let Some(to) = to {
                q.push(" AND d.due_date <= ").bind(Arg::Date(to));
            }
        }
    }
    if let Some(from) = f.from {
        q.push(" AND d.doc_date >= ").bind(Arg::Date(from));
    }
    if let Some(to) = f.to {
        q.push(" AND d.doc_date <= ").bind(Arg::Date(to));
    }
    if let Some(from) = f.due_from {
        q.push(" AND d.due_date >= ").bind(Arg::Date(from));
    }
    if let Some(to) = f.due_to {
        q.push(" AND d.due_date <= ").bind(Arg::Date(to));
    }
    for word in words {
        q.push(" AND ");
        push_match(q, company_id, word, pg);
    }
    for x in except {
        q.push(" AND NOT ");
        push_match(q, company_id, x, pg);
    }
}

/// The FTS5 phrase of a folded word: the trigram tokenizer finds it as a substring.
fn phrase(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

impl Store {
    /// The sort key of each column as SQL (an expression indexed by migration 0011) and,
    /// for the cursor, that key as text.
    fn sort_sql(&self, sort: DocSort) -> (&'static str, &'static str) {
        let pg = matches!(self, Store::Postgres(_));
        match (sort, pg) {
            (DocSort::Date, _) => ("d.doc_date", if pg { "CAST(d.doc_date AS TEXT)" } else { "d.doc_date" }),
            (DocSort::Number, _) => ("COALESCE(d.number, '')", "COALESCE(d.number, '')"),
            (DocSort::Customer, _) => ("c.name", "c.name"),
            (DocSort::DueDate, false) => ("COALESCE(d.due_date, '9999-12-31')", "COALESCE(d.due_date, '9999-12-31')"),
            (DocSort::DueDate, true) => {
                ("COALESCE(d.due_date, DATE '9999-12-31')", "CAST(COALESCE(d.due_date, DATE '9999-12-31') AS TEXT)")
            }
            // Only to order rows: the amount itself is read from `content`, never from here.
            (DocSort::Total, _) => ("CAST(d.gross AS NUMERIC)", "d.gross"),
        }
    }

    /// A page of documents of one kind, with their customers' names, in the order asked.
    pub async fn search_documents(
        &self,
        company_id: Uuid,
        f: &DocumentQuery,
    ) -> Result<(Vec<ListedDocument>, Option<SortCursor>)> {
        let (key, key_text) = self.sort_sql(f.sort);
        let cols: Vec<String> = COLS.split(", ").map(|c| format!("d.{c}")).collect();
        let by_customer = f.sort == DocSort::Customer;
        let pg = matches!(self, Store::Postgres(_));
        // Every word must match, and no "except" term may: in the number, the document's
        // words or the customer's name, folded (case and accents ignored).
        let (words, except) = folded_terms(f);
        let sparse = self.sparse_candidates(company_id, f.kind, &words).await?;
        if sparse.as_ref().is_some_and(Vec::is_empty) {
            return Ok((Vec::new(), None));
        }
        // With few candidates, SQLite must read them by id and sort them, not walk the
        // sort index testing each row: `+` keeps it off the indexes led by the company,
        // and the customer sort starts from the documents. PostgreSQL's planner weighs
        // the id list against its statistics.
        let sqlite_by_id = sparse.is_some() && matches!(self, Store::Sqlite(..));
        let from = match (by_customer, sqlite_by_id) {
            // Only the customer sort joins: customers in name order drive the documents.
            // The other sorts read documents alone, and the names of a page in one query after.
            (true, false) => {
                "FROM customers c JOIN documents d ON d.company_id = c.company_id AND d.customer_id = c.id \
                 WHERE c.company_id = "
            }
            (true, true) => "FROM documents d CROSS JOIN customers c ON c.id = d.customer_id WHERE c.company_id = ",
            (false, false) => "FROM documents d WHERE d.company_id = ",
            (false, true) => "FROM documents d WHERE +d.company_id = ",
        };
        let mut q = Sql::new(&format!("SELECT {}, {key_text} AS sort_key {from}", cols.join(", ")));
        q.bind(Arg::Uuid(company_id));
        if by_customer {
            q.push(if sqlite_by_id { " AND +d.company_id = " } else { " AND d.company_id = " });
            q.bind(Arg::Uuid(company_id));
        }
        q.push(if sqlite_by_id { " AND +d.kind = " } else { " AND d.kind = " });
        q.bind(Arg::Text(f.kind.as_str().into()));
        if let Some(ids) = sparse {
            q.push(" AND d.id IN ").bind_ids(ids);
        }
        push_filters(&mut q, company_id, f, &words, &except, pg);
        if let Some(c) = &f.after {
            let key_arg = match f.sort {
                DocSort::Date | DocSort::DueDate => {
                    // The store's own key, not a date someone typed: drafts without a due
                    // date sort as 9999-12-31, which core's input rule (1900–2200) refuses.
                    match Date::parse(&c.key, &time::format_description::well_known::Iso8601::DATE) {
                        Ok(d) => Arg::Date(d),
                        Err(_) => return Ok((Vec::new(), None)),
                    }
                }
                _ => Arg::Text(c.key.clone()),
            };
            let key_placeholder = |q: &mut Sql| {
                if f.sort == DocSort::Total {
                    q.push("CAST(").bind(key_arg.clone()).push(" AS NUMERIC)");
                } else {
                    q.bind(key_arg.clone());
                }
            };
            // `key ≤ k AND (key < k OR …)` rather than a row value: both planners seek an
            // expression index on the first term (SQLite does not on a row value of an expression).
            let (op_eq, op_strict) = if f.descending { ("<=", "<") } else { (">=", ">") };
            q.push(&format!(" AND {key} {op_eq} "));
            key_placeholder(&mut q);
            q.push(&format!(" AND ({key} {op_strict} "));
            key_placeholder(&mut q);
            match (f.sort, c.customer) {
                (DocSort::Customer, Some(cust)) => {
                    q.push(&format!(" OR c.id {op_strict} ")).bind(Arg::Uuid(cust));
                    q.push(" OR (c.id = ").bind(Arg::Uuid(cust));
                    q.push(&format!(" AND d.id {op_strict} ")).bind(Arg::Uuid(c.id)).push("))");
                }
                _ => {
                    q.push(&format!(" OR d.id {op_strict} ")).bind(Arg::Uuid(c.id)).push(")");
                }
            }
        }
        let dir = if f.descending { "DESC" } else { "ASC" };
        if f.sort == DocSort::Customer {
            q.push(&format!(" ORDER BY {key} {dir}, c.id {dir}, d.id {dir} LIMIT "));
        } else {
            q.push(&format!(" ORDER BY {key} {dir}, d.id {dir} LIMIT "));
        }
        q.bind(Arg::I64(i64::from(f.limit) + 1));
        let mut rows: Vec<ListRow> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        let more = rows.len() > f.limit as usize;
        rows.truncate(f.limit as usize);
        let next = if more {
            rows.last().map(|r| SortCursor {
                key: r.sort_key.clone(),
                customer: (f.sort == DocSort::Customer).then_some(r.row.customer_id),
                id: r.row.id,
            })
        } else {
            None
        };
        let ids: Vec<Uuid> = rows.iter().map(|r| r.row.customer_id).collect();
        let names = self.customer_names(company_id, &ids).await?;
        let docs = rows
            .into_iter()
            .map(|r| {
                let customer_name = names.get(&r.row.customer_id).cloned().unwrap_or_default();
                Ok(ListedDocument { customer_name, doc: r.row.try_into()? })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((docs, next))
    }

    /// The amounts of every document a list's filters select, all pages together (`after`
    /// and `limit` are not read), for the list's totals; `None` when more than `max` match,
    /// which is too many to add up on each page view.
    pub async fn list_amounts(
        &self,
        company_id: Uuid,
        f: &DocumentQuery,
        max: u32,
    ) -> Result<Option<Vec<ListedAmount>>> {
        let pg = matches!(self, Store::Postgres(_));
        let (words, except) = folded_terms(f);
        let sparse = self.sparse_candidates(company_id, f.kind, &words).await?;
        if sparse.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Some(Vec::new()));
        }
        let mut q = Sql::new(&format!(
            "SELECT d.status, d.currency, d.gross, d.due, {FOREIGN_CONTENT} FROM documents d \
             JOIN companies co ON co.id = d.company_id WHERE d.company_id = "
        ));
        q.bind(Arg::Uuid(company_id)).push(" AND d.kind = ").bind(Arg::Text(f.kind.as_str().into()));
        if let Some(ids) = sparse {
            q.push(" AND d.id IN ").bind_ids(ids);
        }
        push_filters(&mut q, company_id, f, &words, &except, pg);
        q.push(" LIMIT ").bind(Arg::I64(i64::from(max) + 1));
        type AmountRow = (String, String, String, String, Option<String>);
        let rows: Vec<AmountRow> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        if rows.len() > max as usize {
            return Ok(None);
        }
        rows.into_iter()
            .map(|(status, currency, gross, due, content)| {
                Ok(ListedAmount {
                    status: status.parse().map_err(|_| StoreError::Corrupt(format!("status {status:?}")))?,
                    gross: dec("gross", &gross)?,
                    due: dec("due", &due)?,
                    currency,
                    exchange_rate: rate_in(content.as_deref())?,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// The documents of a kind that contain a search's rarest word, when it is rare: the
    /// ids of at most [`SPARSE_MATCHES`] rows the list then reads by key, instead of
    /// walking the kind until a page is full. `None` when no word has three letters (the
    /// shortest a trigram index finds) or every word is common. Candidates are the
    /// documents whose number or words hold the word (through `documents_fts` and its
    /// queue on SQLite, the `documents_search` trigram index on PostgreSQL) and the
    /// documents of customers whose name holds it; the list's own conditions then check
    /// every word exactly.
    pub(crate) async fn sparse_candidates(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        words: &[String],
    ) -> Result<Option<Vec<Uuid>>> {
        let pg = matches!(self, Store::Postgres(_));
        let mut best: Option<Vec<Uuid>> = None;
        for word in words.iter().filter(|w| w.chars().count() >= 3) {
            let p = pattern(word);
            let mut q = match self {
                Store::Sqlite(..) => {
                    // CROSS JOIN keeps this order: with a plain join SQLite may walk the
                    // company's documents and run the full-text query once for each.
                    let mut q = Sql::new(
                        "SELECT x.id FROM documents_fts f CROSS JOIN document_search_keys k ON k.key = f.rowid \
                         CROSS JOIN documents x ON x.id = k.document_id WHERE documents_fts MATCH ",
                    );
                    q.bind(Arg::Text(phrase(word)));
                    q
                }
                Store::Postgres(_) => {
                    let mut q = Sql::new(&format!("SELECT d.id FROM documents d WHERE {SEARCHED} LIKE "));
                    q.bind(Arg::Text(p.clone())).push(" ESCAPE '\\'");
                    q
                }
            };
            let alias = if pg { "d" } else { "x" };
            q.push(&format!(" AND {alias}.company_id = ")).bind(Arg::Uuid(company_id));
            q.push(&format!(" AND {alias}.kind = ")).bind(Arg::Text(kind.as_str().into()));
            // The customers' side: their folded name, checked exactly.
            // UNION ALL streams, so LIMIT stops a common word early; UNION would first
            // collect every match of both sides (seconds on a million documents).
            q.push(" UNION ALL SELECT y.id FROM documents y WHERE y.company_id = ").bind(Arg::Uuid(company_id));
            q.push(" AND y.kind = ").bind(Arg::Text(kind.as_str().into()));
            q.push(" AND y.customer_id IN (");
            push_named_customers(&mut q, company_id, word, pg, true);
            q.push(")");
            if !pg {
                // The documents written since the index last caught up (migration
                // 0015): a few hundred at most, read directly. Their rows in the
                // index may be stale, which the list's exact check below corrects.
                q.push(&format!(
                    " UNION ALL SELECT d.id FROM documents_fts_queue w CROSS JOIN documents d \
                     ON d.id = w.document_id WHERE {SEARCHED} LIKE "
                ))
                .bind(Arg::Text(p.clone()))
                .push(" ESCAPE '\\' AND d.company_id = ")
                .bind(Arg::Uuid(company_id))
                .push(" AND d.kind = ")
                .bind(Arg::Text(kind.as_str().into()));
            }
            q.push(" LIMIT ").bind(Arg::I64(SPARSE_MATCHES as i64 + 1));
            let ids: Vec<(Uuid,)> =
                on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                    .fetch_all(c)
                    .await?);
            if ids.len() > SPARSE_MATCHES {
                continue;
            }
            // A document may come from both sides.
            let mut ids: Vec<Uuid> = ids.into_iter().map(|(id,)| id).collect();
            ids.sort_unstable();
            ids.dedup();
            if best.as_ref().is_none_or(|b| ids.len() < b.len()) {
                best = Some(ids);
            }
        }
        Ok(best)
    }

    /// Writes the search text of documents stored before migration 0013 (NULL there), a
    /// thousand per transaction, found through the partial index `documents_unsearched`, so
    /// a store that has none left reads an empty index.
    pub(crate) async fn backfill_document_search(&self) -> Result<u64> {
        let mut done = 0u64;
        loop {
            let rows: Vec<(Uuid, Uuid, String, String)> = on_pool!(self, |c| sqlx::query_as(
                "SELECT id, customer_id, currency, content FROM documents WHERE search_text IS NULL LIMIT 1000"
            )
            .fetch_all(c)
            .await?);
            if rows.is_empty() {
                break;
            }
            let mut tx = self.begin().await?;
            for (id, customer_id, currency, json) in &rows {
                // Unreadable content (never written by this store) is searched by number only.
                let text =
                    parse_content(*id, *customer_id, currency, json).map(|c| c.search_text()).unwrap_or_default();
                on_conn!(&mut tx, |c| {
                    sqlx::query("UPDATE documents SET search_text = $2 WHERE id = $1")
                        .bind(id)
                        .bind(&text)
                        .execute(c)
                        .await?;
                });
            }
            tx.commit().await?;
            done += rows.len() as u64;
        }
        if done > 0 {
            tracing::info!(documents = done, "wrote the search text of earlier documents");
        }
        Ok(done)
    }

    /// Which of some documents of a company were e-mailed (a message of the outbox sent),
    /// in one query: a quote is "sent" only then, else merely issued.
    pub async fn emailed_documents(&self, company_id: Uuid, ids: &[Uuid]) -> Result<HashSet<Uuid>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let mut q = Sql::new("SELECT DISTINCT document_id FROM outbox WHERE company_id = ");
        // On SQLite `+status` keeps the planner off `outbox_due (status, …)`, which walked
        // every sent message of every company for each list page, and on the lookup by
        // document (`outbox_by_document`).
        let status = if matches!(self, Store::Sqlite(..)) { " AND +status = 'sent'" } else { " AND status = 'sent'" };
        q.bind(Arg::Uuid(company_id)).push(status).push(" AND document_id IN ").bind_ids(ids);
        let rows: Vec<(Uuid,)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The names of some customers of a company, in one query.
    pub async fn customer_names(&self, company_id: Uuid, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut q = Sql::new("SELECT id, name FROM customers WHERE company_id = ");
        q.bind(Arg::Uuid(company_id)).push(" AND id IN ").bind_ids(ids);
        let rows: Vec<(Uuid, String)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        Ok(rows.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::tests::customer;
    use crate::bulk::{BulkInvoice, create_postgres_database, drop_postgres_database};
    use crate::new_id;
    use facturier_core::document::{Content, Line};
    use facturier_core::money::Currency;
    use facturier_core::tax::Vat;
    use rust_decimal::Decimal;
    use time::macros::date;

    fn invoice(customer_id: Uuid, day: Date, text: &str, reference: Option<&str>) -> Content {
        let vat = Vat::new(Decimal::from(20), None).unwrap();
        Content {
            issue_date: Some(day),
            lines: vec![Line::item(text, Decimal::ONE, Decimal::from(100), vat)],
            customer_reference: reference.map(str::to_string),
            ..Content::new(customer_id, Currency::EUR)
        }
    }

    /// The ids a search lists, all pages in one (limit above any count here), by date.
    async fn found(store: &Store, company: Uuid, q: &str, except: &[&str]) -> Vec<Uuid> {
        found_by(store, company, q, except, DocSort::Date, 5000).await.0
    }

    async fn found_by(
        store: &Store,
        company: Uuid,
        q: &str,
        except: &[&str],
        sort: DocSort,
        limit: u32,
    ) -> (Vec<Uuid>, Option<SortCursor>) {
        let query = DocumentQuery {
            kind: DocumentKind::Invoice,
            status: None,
            customer_id: None,
            from: None,
            to: None,
            due_from: None,
            due_to: None,
            q: Some(q.into()),
            except: except.iter().map(|x| x.to_string()).collect(),
            sort,
            descending: false,
            limit,
            after: None,
        };
        let (docs, next) = store.search_documents(company, &query).await.unwrap();
        (docs.into_iter().map(|d| d.doc.id).collect(), next)
    }

    /// Words, not JSON: the search reads the number, the document's words and the
    /// customer's name, through the trigram index for rare words and by walking the list
    /// for common ones (over `SPARSE_MATCHES`), and follows every write.
    async fn searches_words(store: &Store) {
        store.migrate().await.unwrap();
        // On SQLite, what is written waits in the queue until this test indexes it.
        store.pause_search_indexing(true);
        let sqlite = matches!(store, Store::Sqlite(..));
        let company =
            store.create_company("Cherche SARL", &"FR".parse().unwrap(), Currency::EUR, "c@cherche.fr").await.unwrap();
        let cid = company.company_id;
        crate::bulk::tests::give_identity(store, cid).await;
        let ids =
            store.bulk_insert_customers(cid, &[customer("Crème Brûlée SARL"), customer("Atelier Nord")]).await.unwrap();
        let (creme, nord) = (ids[0], ids[1]);
        let day = date!(2026 - 03 - 02);
        let mut batch: Vec<BulkInvoice> = (0..SPARSE_MATCHES + 50)
            .map(|_| BulkInvoice { content: invoice(creme, day, "Maintenance informatique", None), payment: None })
            .collect();
        for r in ["BC-4471", "BC-4472", "BC-9000"] {
            batch.push(BulkInvoice { content: invoice(nord, day, "Rénovation façade", Some(r)), payment: None });
        }
        let issued = store.bulk_issue_invoices(cid, day, &batch).await.unwrap();
        let nord_ids: Vec<Uuid> = issued[SPARSE_MATCHES + 50..].iter().map(|d| d.id).collect();
        let other =
            store.create_company("Autre SAS", &"FR".parse().unwrap(), Currency::EUR, "o@autre.fr").await.unwrap();
        crate::bulk::tests::give_identity(store, other.company_id).await;
        let theirs = store.bulk_insert_customers(other.company_id, &[customer("Atelier Nord")]).await.unwrap();
        let stranger = BulkInvoice { content: invoice(theirs[0], day, "Rénovation façade", None), payment: None };
        store.bulk_issue_invoices(other.company_id, day, &[stranger]).await.unwrap();

        for key in ["quantity", "EUR", "unit_price", "C62", "customer_id"] {
            assert_eq!(found(store, cid, key, &[]).await.len(), 0, "{key:?} is JSON, not a word");
        }
        assert_eq!(found(store, cid, "facade", &[]).await, nord_ids, "accents are ignored");
        assert_eq!(found(store, cid, "FAÇADE", &[]).await, nord_ids, "and case");
        assert_eq!(found(store, cid, "nord", &[]).await, nord_ids, "the customer's name");
        assert_eq!(found(store, cid, "atelier façade", &[]).await, nord_ids, "a word each in name and text");
        assert_eq!(found(store, cid, "bc-447", &[]).await, nord_ids[..2], "inside the order reference");
        assert_eq!(found(store, cid, "bc-447", &["4472"]).await, nord_ids[..1], "less the except term");
        assert_eq!(found(store, cid, "nord maintenance", &[]).await, Vec::<Uuid>::new());
        assert_eq!(found(store, cid, "zqx", &[]).await, Vec::<Uuid>::new());
        for sort in DocSort::ALL {
            let (page, next) = found_by(store, cid, "facade", &[], sort, 2).await;
            assert_eq!((page.len(), next.is_some()), (2, true), "{sort:?}: a page of the few matches, then more");
            let (page, next) = found_by(store, cid, "maintenance", &[], sort, 2).await;
            assert_eq!((page.len(), next.is_some()), (2, true), "{sort:?}: a page of the many");
        }
        let number = issued[SPARSE_MATCHES + 51].number.to_lowercase();
        assert_eq!(found(store, cid, &number, &[]).await, nord_ids[1..2], "the number, in any case");

        // Common words walk the list: every match, the same as the index would give.
        let common = found(store, cid, "maintenance", &[]).await;
        assert_eq!(common.len(), SPARSE_MATCHES + 50);
        assert_eq!(found(store, cid, "brulee informatique", &[]).await, common);
        assert_eq!(found(store, cid, "maintenance", &["brûlée"]).await, Vec::<Uuid>::new());
        assert_eq!(found(store, cid, "sarl", &["maintenance"]).await, Vec::<Uuid>::new());
        assert_eq!(found(store, cid, "re", &["maintenance"]).await, nord_ids, "a short word is matched too");

        // A draft is found by its words, then by its new words, then not at all.
        let draft = store
            .insert_draft(cid, DocumentKind::Invoice, &invoice(nord, day, "Peinture intérieure", None), None)
            .await
            .unwrap();
        assert_eq!(found(store, cid, "peinture", &[]).await, vec![draft.id]);
        store
            .update_draft(cid, DocumentKind::Invoice, draft.id, &invoice(nord, day, "Carrelage cuisine", None))
            .await
            .unwrap();
        assert_eq!(found(store, cid, "peinture", &[]).await, Vec::<Uuid>::new());
        assert_eq!(found(store, cid, "carrelage", &[]).await, vec![draft.id]);
        let issued_draft = store.issue(cid, DocumentKind::Invoice, draft.id, day).await.unwrap();
        let number = issued_draft.number.unwrap();
        assert_eq!(found(store, cid, &number, &[]).await, vec![draft.id], "its number once issued");

        // The drafts above were found while queued (SQLite), and are once indexed.
        assert!(store.index_queued_documents().await.unwrap() >= u64::from(sqlite), "the draft was queued");
        assert_eq!(store.queued_for_search().await, 0);
        assert_eq!(found(store, cid, &number, &[]).await, vec![draft.id]);
        assert_eq!(found(store, cid, "carrelage", &[]).await, vec![draft.id]);
        assert_eq!(found(store, cid, "peinture", &[]).await, Vec::<Uuid>::new());
        // An indexed document edited: its stale row in the index is no match, its new
        // words are, before the index catches up and after.
        let third = store
            .insert_draft(cid, DocumentKind::Invoice, &invoice(nord, day, "Menuiserie", None), None)
            .await
            .unwrap();
        store.index_queued_documents().await.unwrap();
        store.update_draft(cid, DocumentKind::Invoice, third.id, &invoice(nord, day, "Vitrerie", None)).await.unwrap();
        assert_eq!(store.queued_for_search().await, i64::from(sqlite));
        for _ in 0..2 {
            assert_eq!(found(store, cid, "menuiserie", &[]).await, Vec::<Uuid>::new());
            assert_eq!(found(store, cid, "vitrerie", &[]).await, vec![third.id]);
            store.index_queued_documents().await.unwrap();
        }
        store.delete_draft(cid, DocumentKind::Invoice, third.id).await.unwrap();
        assert_eq!(found(store, cid, "vitrerie", &[]).await, Vec::<Uuid>::new());
        let second =
            store.insert_draft(cid, DocumentKind::Invoice, &invoice(nord, day, "Plomberie", None), None).await.unwrap();
        assert_eq!(found(store, cid, "plomberie", &[]).await, vec![second.id]);
        store.delete_draft(cid, DocumentKind::Invoice, second.id).await.unwrap();
        assert_eq!(found(store, cid, "plomberie", &[]).await, Vec::<Uuid>::new());

        // A renamed customer's documents answer to the new name.
        let mut renamed = customer("Zéphyr Conseil");
        renamed.activity = None;
        store.update_customer(cid, nord, &renamed).await.unwrap();
        let mut all_nord = nord_ids.clone();
        all_nord.push(draft.id);
        let mut zephyr = found(store, cid, "zephyr", &[]).await;
        zephyr.sort();
        all_nord.sort();
        assert_eq!(zephyr, all_nord);

        // Rows written before migration 0013 have no search text until the store opens.
        on_pool!(store, |c| {
            sqlx::query("UPDATE documents SET search_text = NULL").execute(c).await.unwrap();
        });
        assert_eq!(found(store, cid, "facade", &[]).await, Vec::<Uuid>::new());
        assert_eq!(found(store, cid, &number, &[]).await, vec![draft.id], "the number needs no search text");
        store.migrate().await.unwrap();
        assert_eq!(found(store, cid, "facade", &[]).await, nord_ids);
        assert_eq!(found(store, cid, "maintenance", &[]).await, common);
        assert_eq!(store.backfill_document_search().await.unwrap(), 0, "nothing left to write");
        assert_eq!(store.queued_for_search().await, 0, "and nothing left to index");
        // The writer thread catches up on its own once idle.
        store.pause_search_indexing(false);
        store.insert_draft(cid, DocumentKind::Invoice, &invoice(nord, day, "Ébénisterie", None), None).await.unwrap();
        let mut waited = 0;
        while store.queued_for_search().await > 0 && waited < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            waited += 1;
        }
        assert_eq!(store.queued_for_search().await, 0, "indexed by the writer thread");
        assert_eq!(found(store, cid, "ebenisterie", &[]).await.len(), 1);
    }

    #[tokio::test]
    async fn document_search_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("facturier-search-{}", new_id().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        searches_words(&store).await;
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn document_search_on_postgres() {
        let admin =
            std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("facturier_search_{}", new_id().simple());
        let url = create_postgres_database(&admin, &name).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        searches_words(&store).await;
        store.close().await;
        drop_postgres_database(&admin, &name).await.unwrap();
    }

    #[test]
    fn a_cursor_reads_back_what_it_wrote_even_with_underscores_in_the_key() {
        let c = SortCursor { key: "Durand_et_fils".into(), customer: Some(Uuid::now_v7()), id: Uuid::now_v7() };
        assert_eq!(SortCursor::decode(&c.encode()), Some(c));
        let d = SortCursor { key: "F2026-00001".into(), customer: None, id: Uuid::now_v7() };
        assert_eq!(SortCursor::decode(&d.encode()), Some(d));
        assert_eq!(SortCursor::decode("garbage"), None);
    }
}
