//! Document lists for people: text search with an "except" term, a choice of sort
//! column, keyset pages on that column, and the customer's name read in the same query.
//!
//! Every sort is `ORDER BY key, id` (customer: `name, customer id, id`) and every next
//! page starts after the last row's keys, so with the indexes of migration 0011 a page deep
//! in a million documents costs what the first one does (checked with `EXPLAIN QUERY PLAN`
//! and PostgreSQL's `EXPLAIN` on a generated million: see `docs/web.md`).

use crate::documents::{COLS, DocumentRecord, Row};
use crate::sql::{Arg, Sql, like_escape};
use crate::{Result, Store, bind_args, on_pool};
use facturier_core::document::{DocumentKind, Status};
use std::collections::HashMap;
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

/// A list request.
#[derive(Clone, Debug)]
pub struct DocumentQuery {
    pub kind: DocumentKind,
    pub status: Option<Status>,
    pub customer_id: Option<Uuid>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Words that must all appear in the number, the customer's name or the document's text.
    pub q: Option<String>,
    /// Rows whose number, customer's name or text contain any of these are left out.
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

#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    row: Row,
    sort_key: String,
}

/// Lower-cased, so that `LOWER(column) LIKE pattern` finds it whatever its case.
fn pattern(s: &str) -> String {
    format!("%{}%", like_escape(&s.to_lowercase()))
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
        // Only the customer sort joins: customers in name order drive the documents. The
        // other sorts read documents alone, and the names of a page in one query after.
        let from = if by_customer {
            "FROM customers c JOIN documents d ON d.company_id = c.company_id AND d.customer_id = c.id WHERE c.company_id = "
        } else {
            "FROM documents d WHERE d.company_id = "
        };
        let mut q = Sql::new(&format!("SELECT {}, {key_text} AS sort_key {from}", cols.join(", ")));
        q.bind(Arg::Uuid(company_id));
        if by_customer {
            q.push(" AND d.company_id = ").bind(Arg::Uuid(company_id));
        }
        q.push(" AND d.kind = ").bind(Arg::Text(f.kind.as_str().into()));
        if let Some(cid) = f.customer_id {
            q.push(" AND d.customer_id = ").bind(Arg::Uuid(cid));
        }
        if let Some(s) = f.status {
            q.push(" AND d.status = ").bind(Arg::Text(s.as_str().into()));
        }
        if let Some(from) = f.from {
            q.push(" AND d.doc_date >= ").bind(Arg::Date(from));
        }
        if let Some(to) = f.to {
            q.push(" AND d.doc_date <= ").bind(Arg::Date(to));
        }
        // A term matches the number, the text of the document (notes, lines…) or the customer's name.
        let matches = |q: &mut Sql, term: &str| {
            let p = pattern(term);
            q.push("(LOWER(COALESCE(d.number, '') || ' ' || d.content) LIKE ").bind(Arg::Text(p.clone()));
            q.push(" ESCAPE '\\' OR d.customer_id IN (SELECT n.id FROM customers n WHERE n.company_id = ");
            q.bind(Arg::Uuid(company_id)).push(" AND LOWER(n.name) LIKE ").bind(Arg::Text(p)).push(" ESCAPE '\\'))");
        };
        for word in f.q.iter().flat_map(|s| s.split_whitespace()).take(10) {
            q.push(" AND ");
            matches(&mut q, word);
        }
        for x in f.except.iter().map(|x| x.trim()).filter(|x| !x.is_empty()).take(10) {
            q.push(" AND NOT ");
            matches(&mut q, x);
        }
        if let Some(c) = &f.after {
            let key_arg = match f.sort {
                DocSort::Date | DocSort::DueDate => {
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

    /// The names of some customers of a company, in one query.
    pub async fn customer_names(&self, company_id: Uuid, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut q = Sql::new("SELECT id, name FROM customers WHERE company_id = ");
        q.bind(Arg::Uuid(company_id)).push(" AND id IN (");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(Arg::Uuid(*id));
        }
        q.push(")");
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

    #[test]
    fn a_cursor_reads_back_what_it_wrote_even_with_underscores_in_the_key() {
        let c = SortCursor { key: "Durand_et_fils".into(), customer: Some(Uuid::now_v7()), id: Uuid::now_v7() };
        assert_eq!(SortCursor::decode(&c.encode()), Some(c));
        let d = SortCursor { key: "F2026-00001".into(), customer: None, id: Uuid::now_v7() };
        assert_eq!(SortCursor::decode(&d.encode()), Some(d));
        assert_eq!(SortCursor::decode("garbage"), None);
    }
}
