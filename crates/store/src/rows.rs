//! Pages of rows read on SQLite in one hop.
//!
//! sqlx runs each SQLite connection on its own worker thread and hands every row of a
//! result to the async side through a channel: a thread wake-up per row. Reading the
//! FEC of a million invoices (pages of 500 documents or payments, six queries a page)
//! spent a fifth of its time in those hand-offs (`perf`, docs/benchmarks.md). Here the
//! whole query runs on a blocking thread through one of the read-only connections of
//! `reader.rs` and its rows come back at once. It sees every committed transaction, as
//! a read through the pool does; a read that must see the caller's own open transaction
//! does not belong here. PostgreSQL, and SQLite in memory (no file to share), read
//! through sqlx as before, with the same SQL and the same row types.

use crate::sql::{Arg, Sql};
use crate::stamp::Stamp;
use crate::writer::{Val, bind, opt_date, opt_instant, opt_text, opt_uuid};
use crate::{Result, Store, StoreError, bind_args, on_pool};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use time::Date;
use uuid::Uuid;

/// A column read from a `rusqlite` row, as sqlx-sqlite decodes it.
pub(crate) trait Col: Sized {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self>;
}

fn missing(i: usize, what: &str) -> StoreError {
    StoreError::Corrupt(format!("column {i} is NULL, not {what}"))
}

impl Col for Option<Uuid> {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        opt_uuid(r, i)
    }
}

impl Col for Uuid {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        opt_uuid(r, i)?.ok_or_else(|| missing(i, "a UUID"))
    }
}

impl Col for Option<String> {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        opt_text(r, i)
    }
}

impl Col for String {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        opt_text(r, i)?.ok_or_else(|| missing(i, "text"))
    }
}

impl Col for Option<Date> {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        opt_date(r, i)
    }
}

impl Col for Date {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        opt_date(r, i)?.ok_or_else(|| missing(i, "a date"))
    }
}

impl Col for Option<Stamp> {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        Ok(opt_instant(r, i)?.map(Stamp::from))
    }
}

impl Col for i64 {
    fn col(r: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        r.get::<_, Option<i64>>(i)?.ok_or_else(|| missing(i, "an integer"))
    }
}

/// A row as a tuple of columns.
pub(crate) trait FromCols: Sized {
    fn from_cols(r: &rusqlite::Row<'_>) -> Result<Self>;
}

macro_rules! from_cols {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Col),+> FromCols for ($($t,)+) {
            fn from_cols(r: &rusqlite::Row<'_>) -> Result<Self> {
                Ok(($($t::col(r, $i)?,)+))
            }
        }
    };
}

from_cols!(A 0, B 1);
from_cols!(A 0, B 1, C 2);
from_cols!(A 0, B 1, C 2, D 3);
from_cols!(A 0, B 1, C 2, D 3, E 4);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
from_cols!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);

/// Runs `sql` and maps its rows. [`Sql`] numbers its placeholders `$1`, `$2`… in the
/// order it writes them, each once, so they are bound by position: looking each name up
/// (`writer::bind`) walks SQLite's list of names once per placeholder, which a page of
/// 500 ids made a noticeable share of the export's time.
fn query<T>(c: &rusqlite::Connection, sql: &str, args: &[Val<'_>]) -> Result<Vec<T>>
where
    T: FromCols,
{
    let mut stmt = c.prepare_cached(sql)?;
    let n = stmt.parameter_count();
    let in_order = n == args.len()
        && (n == 0
            || (stmt.parameter_name(1) == Some("$1") && stmt.parameter_name(n) == Some(format!("${n}").as_str())));
    if in_order {
        for (i, a) in args.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, a)?;
        }
    } else {
        bind(&mut stmt, args)?;
    }
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(T::from_cols(r)?);
    }
    Ok(out)
}

fn val(a: &Arg) -> Val<'static> {
    match a {
        Arg::Uuid(u) => Val::Uuid(*u),
        Arg::Text(s) => Val::Owned(s.clone()),
        Arg::Date(d) => Val::Date(*d),
        Arg::I64(i) => Val::Int(*i),
    }
}

impl Store {
    /// Every row of `q`, committed data only (see the module's note).
    pub(crate) async fn rows<T>(&self, q: &Sql) -> Result<Vec<T>>
    where
        T: FromCols + Send + Unpin + 'static,
        T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow>,
    {
        if let Store::Sqlite(_, queue) = self
            && let Some(readers) = queue.shared_readers()
        {
            let text = q.text.clone();
            let args: Vec<Val<'static>> = q.args.iter().map(val).collect();
            return tokio::task::spawn_blocking(move || readers.read(|c| query::<T>(c, &text, &args)))
                .await
                .map_err(|e| StoreError::Write(format!("a read stopped: {e}")))?;
        }
        Ok(on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
            .fetch_all(c)
            .await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh SQLite store in its own directory, removed with the value.
    struct Temp {
        dir: std::path::PathBuf,
        store: Store,
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    async fn temp() -> Temp {
        let dir = std::env::temp_dir().join(format!("facturier-rows-{}", crate::new_id().simple()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let store = Store::connect(&format!("sqlite://{}", dir.join("r.db").display())).await.expect("a store");
        Temp { dir, store }
    }

    type Row = (Uuid, Option<Uuid>, String, Option<String>, Date, Option<Date>, Option<Stamp>, i64);

    /// The same query through sqlx and through a reader on a blocking thread gives the
    /// same rows, NULLs, dates, instants and ids included, whatever order the
    /// placeholders are numbered in.
    #[tokio::test]
    async fn a_page_read_in_one_hop_is_what_sqlx_reads() {
        let db = temp().await;
        let Store::Sqlite(pool, _) = &db.store else { unreachable!() };
        sqlx::query(
            "CREATE TABLE t (id BLOB, other BLOB, name TEXT, note TEXT, day TEXT, due TEXT, at TEXT, n INTEGER)",
        )
        .execute(pool)
        .await
        .expect("a table");
        let day = Date::from_calendar_date(2024, time::Month::February, 29).expect("a day");
        let at = Stamp::now();
        let rows: Vec<Row> = vec![
            (crate::new_id(), None, "Émile".into(), None, day, None, None, -3),
            (crate::new_id(), Some(crate::new_id()), "Zoé".into(), Some("n°1".into()), day, Some(day), Some(at), 7),
        ];
        for r in &rows {
            sqlx::query("INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(r.0)
                .bind(r.1)
                .bind(&r.2)
                .bind(&r.3)
                .bind(r.4)
                .bind(r.5)
                .bind(r.6)
                .bind(r.7)
                .execute(pool)
                .await
                .expect("a row");
        }
        let mut q = Sql::new("SELECT id, other, name, note, day, due, at, n FROM t WHERE n > ");
        q.bind(Arg::I64(-10)).push(" AND id IN ").bind_ids(rows.iter().map(|r| r.0));
        q.push(" ORDER BY n");
        let fast: Vec<Row> = db.store.rows(&q).await.expect("read in one hop");
        let slow: Vec<Row> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
            .fetch_all(pool)
            .await
            .expect("read through sqlx");
        assert_eq!(fast, slow);
        assert_eq!(fast, rows);

        // Placeholders written out of order are bound by name.
        let q = Sql {
            text: "SELECT id, n FROM t WHERE name = $2 AND n = $1".into(),
            args: vec![Arg::I64(7), Arg::Text("Zoé".into())],
        };
        let found: Vec<(Uuid, i64)> = db.store.rows(&q).await.expect("read by name");
        assert_eq!(found, [(rows[1].0, 7)]);

        // A broken query is an error, not an empty page.
        let q = Sql::new("SELECT id, n FROM nowhere");
        assert!(db.store.rows::<(Uuid, i64)>(&q).await.is_err());
    }
}
