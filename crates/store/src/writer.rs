//! SQLite write transactions as one blocking call each, on a connection of our own.
//!
//! sqlx runs every SQLite statement on a worker thread of its connection and hands the
//! answer back over a channel: a create + issue was a dozen rendezvous between threads
//! while holding the write turn, and the kernel's thread switches took half the server's
//! CPU (docs/benchmarks.md). Here one thread owns one `rusqlite` connection to the same
//! file (the same SQLite build: `libsqlite3-sys` is shared with sqlx) and runs each job —
//! a closure doing all the statements of one write — without leaving the thread.
//!
//! Jobs that queue while a transaction runs are committed together (group commit): one
//! `BEGIN IMMEDIATE … COMMIT` for all of them, each job inside its own `SAVEPOINT` so
//! that a job that fails rolls back only its own work. A job hears its result only once
//! the transaction is committed, so nothing is reported stored that could still be lost.
//!
//! The thread takes the process's writer turn (`WriterQueue`) for each transaction, so
//! it queues fairly with the writes that still run through sqlx. Any write can move here:
//! give [`Writer::run`] a closure over a `rusqlite::Connection` (helpers below bind `$N`
//! placeholders as sqlx does and encode values the way sqlx stores them).
//!
//! Between groups, the thread fills the document search index from its queue
//! (`search_index.rs`): when no job came for `INDEX_EVERY`, and at least that often under
//! load, after the group's callers have their answers.

use crate::checkpoint::Checkpointer;
use crate::search_index::{INDEX_EVERY, index_queued_on};
use crate::{Result, StoreError};
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description as fd;
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

/// Jobs committed in one transaction at most: bounds how long the first one waits.
const MAX_GROUP: usize = 64;

/// A job of the writer thread: runs inside the group's transaction, then hears whether
/// the transaction committed.
trait Job: Send {
    /// Runs the job's statements; false if they failed (its savepoint is rolled back).
    fn run(&mut self, c: &Connection) -> bool;
    /// Hands the result over; `committed` is the transaction's fate.
    fn finish(self: Box<Self>, committed: std::result::Result<(), String>);
}

struct Pending<T, F> {
    work: Option<F>,
    result: Option<Result<T>>,
    reply: tokio::sync::oneshot::Sender<Result<T>>,
}

impl<T: Send, F: FnOnce(&Connection) -> Result<T> + Send> Job for Pending<T, F> {
    fn run(&mut self, c: &Connection) -> bool {
        let Some(work) = self.work.take() else { return false };
        // A panicking job must not take the writer thread (and every later write) with it.
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| work(c)))
            .unwrap_or_else(|_| Err(StoreError::Write("a write job panicked".into())));
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn finish(self: Box<Self>, committed: std::result::Result<(), String>) {
        let r = match (self.result, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(e)) | (None, Err(e)) => Err(StoreError::Write(e)),
            (None, Ok(())) => Err(StoreError::Write("the job did not run".into())),
        };
        // The caller may have gone (a dropped request): its work is committed anyway,
        // exactly as a sqlx transaction committed before the answer was sent.
        let _ = self.reply.send(r);
    }
}

/// The writer thread's handle. Dropping the last one (or [`Writer::close`]) ends the
/// thread once the queued jobs are done, which closes its connection.
pub struct Writer {
    jobs: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
    /// Copies the write-ahead log back into the database, off this thread's commits.
    _checkpoints: Checkpointer,
    /// Set by tests to hold documents in the search queue (`search_index.rs`).
    #[cfg_attr(not(test), expect(dead_code, reason = "only tests pause the indexing"))]
    indexing_paused: Arc<AtomicBool>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    /// Opens the database file and starts the thread. `turn` is the process's writer turn.
    pub(crate) fn start(path: &Path, turn: Arc<tokio::sync::Mutex<()>>) -> Result<Writer> {
        let c = open(path)?;
        let checkpoints = Checkpointer::start(path)?;
        let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
        let indexing_paused = Arc::new(AtomicBool::new(false));
        let paused = Arc::clone(&indexing_paused);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(c, rx, turn, &paused))
            .map_err(|e| StoreError::Write(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { jobs: Mutex::new(Some(tx)), _checkpoints: checkpoints, indexing_paused })
    }

    /// Runs `work` in a write transaction on the writer thread and returns its result
    /// once that transaction is committed. If `work` fails, none of its writes are kept.
    /// `work` must not wait for anything async: it holds the database's write lock.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Box<dyn Job> = Box::new(Pending { work: Some(work), result: None, reply });
        let sent = match self.jobs.lock() {
            Ok(g) => g.as_ref().is_some_and(|s| s.send(job).is_ok()),
            Err(_) => false,
        };
        if !sent {
            return Err(StoreError::Db(sqlx::Error::PoolClosed));
        }
        answer.await.map_err(|_| StoreError::Write("the writer thread stopped".into()))?
    }

    /// Stops (or resumes) indexing queued documents for search, so that a test can see
    /// what a search finds before the index catches up.
    #[cfg(test)]
    pub(crate) fn pause_indexing(&self, paused: bool) {
        self.indexing_paused.store(paused, Ordering::SeqCst);
    }

    /// Stops taking jobs; the thread ends after the queued ones.
    pub(crate) fn close(&self) {
        if let Ok(mut g) = self.jobs.lock() {
            g.take();
        }
    }
}

/// The connection, set up as the sqlx pool's connections are (`Store::connect`), except
/// that its commits never checkpoint: `checkpoint.rs` does, on its own thread.
fn open(path: &Path) -> Result<Connection> {
    use rusqlite::OpenFlags;
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(std::time::Duration::from_secs(30))?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000; \
         PRAGMA wal_autocheckpoint = 0;",
    )?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(c)
}

fn serve(c: Connection, rx: mpsc::Receiver<Box<dyn Job>>, turn: Arc<tokio::sync::Mutex<()>>, paused: &AtomicBool) {
    let mut last_indexed = Instant::now();
    loop {
        let first = match rx.recv_timeout(INDEX_EVERY) {
            Ok(j) => Some(j),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let idle = first.is_none();
        if let Some(first) = first {
            // Wait for writes still made through sqlx (FIFO with them); more jobs queue meanwhile.
            let held = turn.blocking_lock();
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(j) => group.push(j),
                    Err(_) => break,
                }
            }
            let committed = run_group(&c, &mut group);
            drop(held);
            for j in group {
                j.finish(committed.clone());
            }
        }
        // The search index catches up when the thread is idle, and at least every
        // `INDEX_EVERY` under load, after the group's callers have their answers.
        if (idle || last_indexed.elapsed() >= INDEX_EVERY) && !paused.load(Ordering::SeqCst) {
            if let Err(e) = index_queued_on(&c, &turn) {
                // The documents stay queued, and searches still find them: retried later.
                tracing::warn!(error = %e, "could not index the queued documents for search");
            }
            last_indexed = Instant::now();
        }
    }
}

/// One transaction for the group, a savepoint per job.
fn run_group(c: &Connection, group: &mut [Box<dyn Job>]) -> std::result::Result<(), String> {
    c.execute_batch("BEGIN IMMEDIATE").map_err(|e| e.to_string())?;
    for j in group.iter_mut() {
        let step = c.execute_batch("SAVEPOINT job").and_then(|()| {
            let ok = j.run(c);
            if c.is_autocommit() {
                // SQLite rolled the whole transaction back (I/O error, disk full…): the
                // jobs before this one are lost too, and must hear it.
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                    Some("the transaction was rolled back".into()),
                ));
            }
            if !ok {
                c.execute_batch("ROLLBACK TO job")?;
            }
            c.execute_batch("RELEASE job")
        });
        if let Err(e) = step {
            if !c.is_autocommit() {
                let _ = c.execute_batch("ROLLBACK");
            }
            return Err(e.to_string());
        }
    }
    if let Err(e) = c.execute_batch("COMMIT") {
        if !c.is_autocommit() {
            let _ = c.execute_batch("ROLLBACK");
        }
        return Err(e.to_string());
    }
    Ok(())
}

/// A value bound to a `$N` placeholder, encoded as sqlx-sqlite encodes it: a UUID as its
/// 16 bytes, a date as `YYYY-MM-DD`, an instant as a `Stamp`'s fixed-width text, a bool as 0 or 1.
/// Each value keeps its type, so that one argument list also binds through sqlx on either
/// backend ([`bind_vals!`]): a statement's arguments are written once for both paths.
#[derive(Clone, Debug)]
pub(crate) enum Val<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Owned(String),
    Uuid(Uuid),
    OptUuid(Option<Uuid>),
    Date(Date),
    Stamp(crate::Stamp),
}

impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null | Val::OptUuid(None) => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Owned(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Uuid(u) | Val::OptUuid(Some(u)) => ToSqlOutput::Borrowed(ValueRef::Blob(u.as_bytes())),
            // Years 0–9999 always format; `Date`'s own `Display` would give the same text.
            Val::Date(d) => {
                ToSqlOutput::Owned(Value::Text(d.format(fd!("[year]-[month]-[day]")).unwrap_or_else(|_| d.to_string())))
            }
            Val::Stamp(t) => ToSqlOutput::Owned(Value::Text(t.text())),
        })
    }
}

/// Binds a list of [`Val`] onto a sqlx `query` or `query_as` (either backend), each
/// value with its own type, in `$N` order.
macro_rules! bind_vals {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::writer::Val::Null => q.bind(None::<String>),
                $crate::writer::Val::Int(i) => q.bind(*i),
                $crate::writer::Val::Text(s) => q.bind(*s),
                $crate::writer::Val::Owned(s) => q.bind(s.as_str()),
                $crate::writer::Val::Uuid(u) => q.bind(*u),
                $crate::writer::Val::OptUuid(u) => q.bind(*u),
                $crate::writer::Val::Date(d) => q.bind(*d),
                $crate::writer::Val::Stamp(t) => q.bind(*t),
            };
        }
        q
    }};
}
pub(crate) use bind_vals;

impl<'a> From<&'a str> for Val<'a> {
    fn from(s: &'a str) -> Val<'a> {
        Val::Text(s)
    }
}

impl<'a> From<&'a String> for Val<'a> {
    fn from(s: &'a String) -> Val<'a> {
        Val::Text(s)
    }
}

impl From<Uuid> for Val<'_> {
    fn from(u: Uuid) -> Self {
        Val::Uuid(u)
    }
}

impl From<Option<Uuid>> for Val<'_> {
    fn from(u: Option<Uuid>) -> Self {
        Val::OptUuid(u)
    }
}

impl From<i64> for Val<'_> {
    fn from(i: i64) -> Self {
        Val::Int(i)
    }
}

impl From<Date> for Val<'_> {
    fn from(d: Date) -> Self {
        Val::Date(d)
    }
}

impl From<crate::Stamp> for Val<'_> {
    fn from(t: crate::Stamp) -> Self {
        Val::Stamp(t)
    }
}

/// Binds `args[N-1]` to each `$N` of the statement, as sqlx does (SQLite itself numbers
/// named parameters in order of first appearance, not by their digits).
pub(crate) fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[Val<'_>]) -> Result<()> {
    for i in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|d| d.parse::<usize>().ok())
            .filter(|n| (1..=args.len()).contains(n))
            .ok_or_else(|| StoreError::Write(format!("placeholder {i} has no argument")))?;
        stmt.raw_bind_parameter(i, &args[n - 1])?;
    }
    Ok(())
}

/// Runs one statement (cached) and returns the number of rows it changed.
pub(crate) fn execute(c: &Connection, sql: &str, args: &[Val<'_>]) -> Result<usize> {
    let mut stmt = c.prepare_cached(sql)?;
    bind(&mut stmt, args)?;
    Ok(stmt.raw_execute()?)
}

/// Runs one query (cached) and maps its rows.
pub(crate) fn query<T>(
    c: &Connection,
    sql: &str,
    args: &[Val<'_>],
    mut map: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    bind(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(map(r)?);
    }
    Ok(out)
}

/// The first row of a query, if any.
pub(crate) fn query_opt<T>(
    c: &Connection,
    sql: &str,
    args: &[Val<'_>],
    map: impl FnOnce(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    let mut stmt = c.prepare_cached(sql)?;
    bind(&mut stmt, args)?;
    let mut rows = stmt.raw_query();
    match rows.next()? {
        Some(r) => Ok(Some(map(r)?)),
        None => Ok(None),
    }
}

// Decoding, as sqlx-sqlite decodes what it stored.

fn bad(i: usize, what: &str) -> StoreError {
    StoreError::Corrupt(format!("column {i} is not {what}"))
}

/// A UUID column (16 bytes), possibly NULL.
pub(crate) fn opt_uuid(r: &rusqlite::Row<'_>, i: usize) -> Result<Option<Uuid>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Blob(b) => Uuid::from_slice(b).map(Some).map_err(|_| bad(i, "a UUID")),
        _ => Err(bad(i, "a UUID")),
    }
}

/// A UUID column.
pub(crate) fn uuid(r: &rusqlite::Row<'_>, i: usize) -> Result<Uuid> {
    opt_uuid(r, i)?.ok_or_else(|| bad(i, "a UUID"))
}

/// A text column, possibly NULL.
pub(crate) fn opt_text(r: &rusqlite::Row<'_>, i: usize) -> Result<Option<String>> {
    Ok(r.get::<_, Option<String>>(i)?)
}

/// A text column.
pub(crate) fn text(r: &rusqlite::Row<'_>, i: usize) -> Result<String> {
    opt_text(r, i)?.ok_or_else(|| bad(i, "text"))
}

/// An integer column, possibly NULL.
pub(crate) fn opt_int(r: &rusqlite::Row<'_>, i: usize) -> Result<Option<i64>> {
    Ok(r.get::<_, Option<i64>>(i)?)
}

/// A boolean column (0 or 1).
pub(crate) fn boolean(r: &rusqlite::Row<'_>, i: usize) -> Result<bool> {
    Ok(r.get::<_, i64>(i)? != 0)
}

/// A `YYYY-MM-DD` column, possibly NULL.
pub(crate) fn opt_date(r: &rusqlite::Row<'_>, i: usize) -> Result<Option<Date>> {
    match opt_text(r, i)? {
        None => Ok(None),
        Some(s) => Date::parse(&s, fd!("[year]-[month]-[day]")).map(Some).map_err(|_| bad(i, "a date")),
    }
}

/// An instant column (RFC 3339, as a `Stamp` or older sqlx versions wrote it; SQLite's own `YYYY-MM-DD HH:MM:SS` or
/// a Unix time are read as UTC), possibly NULL.
pub(crate) fn opt_instant(r: &rusqlite::Row<'_>, i: usize) -> Result<Option<OffsetDateTime>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(t) => OffsetDateTime::from_unix_timestamp(t).map(Some).map_err(|_| bad(i, "an instant")),
        ValueRef::Text(b) => {
            let s = std::str::from_utf8(b).map_err(|_| bad(i, "an instant"))?;
            if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
                return Ok(Some(t));
            }
            let formats = [
                fd!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]"),
                fd!("[year]-[month]-[day] [hour]:[minute]:[second]"),
                fd!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
                fd!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
            ];
            formats
                .iter()
                .find_map(|f| PrimitiveDateTime::parse(s, f).ok())
                .map(|t| Some(t.assume_utc()))
                .ok_or_else(|| bad(i, "an instant"))
        }
        _ => Err(bad(i, "an instant")),
    }
}

/// An instant column.
pub(crate) fn instant(r: &rusqlite::Row<'_>, i: usize) -> Result<OffsetDateTime> {
    opt_instant(r, i)?.ok_or_else(|| bad(i, "an instant"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use std::time::Duration;

    /// A fresh SQLite store in its own directory, removed with the value.
    struct Temp {
        dir: std::path::PathBuf,
        store: Store,
    }

    impl Temp {
        async fn new() -> Temp {
            let dir = std::env::temp_dir().join(format!("facturier-writer-{}", crate::new_id().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            let store = Store::connect(&format!("sqlite://{}", dir.join("w.db").display())).await.unwrap();
            Temp { dir, store }
        }

        fn writer(&self) -> &Writer {
            match &self.store {
                Store::Sqlite(_, q) => q.writer().unwrap(),
                Store::Postgres(_) => unreachable!(),
            }
        }

        fn turn(&self) -> Arc<tokio::sync::Mutex<()>> {
            match &self.store {
                Store::Sqlite(_, q) => Arc::clone(&q.turn),
                Store::Postgres(_) => unreachable!(),
            }
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn insert(c: &Connection, x: i64) -> Result<usize> {
        execute(c, "INSERT INTO t (x) VALUES ($1)", &[x.into()])
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_committed_together_keep_their_own_failures_to_themselves() {
        let db = Temp::new().await;
        let w = db.writer();
        w.run(|c| Ok(c.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)")?)).await.unwrap();
        // Holding the writer turn makes the four jobs queue, then run in one transaction.
        let held = db.turn().lock_owned().await;
        let release = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            drop(held);
        };
        let (ok, refused, also_ok, duplicate, ()) = tokio::join!(
            w.run(|c| insert(c, 1)),
            w.run(|c| {
                insert(c, 2)?;
                Err::<usize, _>(StoreError::Conflict(facturier_core::message::Message::new("internal_error")))
            }),
            w.run(|c| insert(c, 3)),
            w.run(|c| insert(c, 1)),
            release,
        );
        assert_eq!(ok.unwrap(), 1);
        assert!(matches!(refused, Err(StoreError::Conflict(_))));
        assert_eq!(also_ok.unwrap(), 1);
        assert!(duplicate.unwrap_err().is_unique_violation());
        // What the failed jobs wrote is gone; the others are committed, seen by sqlx too.
        let Store::Sqlite(pool, _) = &db.store else { unreachable!() };
        let xs: Vec<(i64,)> = sqlx::query_as("SELECT x FROM t ORDER BY x").fetch_all(pool).await.unwrap();
        assert_eq!(xs, [(1,), (3,)]);
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_writer_goes_on() {
        let db = Temp::new().await;
        let w = db.writer();
        w.run(|c| Ok(c.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)")?)).await.unwrap();
        let r = w
            .run(|c| -> Result<()> {
                insert(c, 7)?;
                panic!("a bug in a job");
            })
            .await;
        assert!(matches!(r, Err(StoreError::Write(_))));
        assert_eq!(w.run(|c| insert(c, 8)).await.unwrap(), 1);
        let xs = w.run(|c| query(c, "SELECT x FROM t", &[], |r| Ok(r.get::<_, i64>(0)?))).await.unwrap();
        assert_eq!(xs, [8]);
    }

    #[tokio::test]
    async fn values_round_trip_between_the_writer_and_sqlx() {
        let db = Temp::new().await;
        let w = db.writer();
        let Store::Sqlite(pool, _) = &db.store else { unreachable!() };
        sqlx::query("CREATE TABLE v (id BLOB, d TEXT, at TEXT, flag INTEGER, s TEXT, none BLOB)")
            .execute(pool)
            .await
            .unwrap();
        let id = crate::new_id();
        let d = time::macros::date!(2026 - 03 - 09);
        let at = crate::now();
        // Written by the writer, read by sqlx.
        w.run(move |c| {
            execute(
                c,
                "INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)",
                &[id.into(), d.into(), at.into(), 1i64.into(), "héllo".into(), None::<Uuid>.into()],
            )
        })
        .await
        .unwrap();
        type V = (Uuid, Date, crate::Stamp, bool, String, Option<Uuid>);
        let got: V = sqlx::query_as("SELECT * FROM v").fetch_one(pool).await.unwrap();
        assert_eq!(got, (id, d, at, true, "héllo".to_string(), None));
        // The same text as sqlx's own encoding, so that indexes and comparisons agree.
        let same: (bool, bool) =
            sqlx::query_as("SELECT d = $1, at = $2 FROM v").bind(d).bind(at).fetch_one(pool).await.unwrap();
        assert_eq!(same, (true, true));
        // Written by sqlx, read by the writer.
        sqlx::query("DELETE FROM v").execute(pool).await.unwrap();
        sqlx::query("INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(d)
            .bind(at)
            .bind(false)
            .bind("x")
            .bind(None::<Uuid>)
            .execute(pool)
            .await
            .unwrap();
        let back = w
            .run(|c| {
                query_opt(c, "SELECT * FROM v", &[], |r| {
                    Ok((uuid(r, 0)?, opt_date(r, 1)?, instant(r, 2)?, boolean(r, 3)?, text(r, 4)?, opt_uuid(r, 5)?))
                })
            })
            .await
            .unwrap();
        assert_eq!(back, Some((id, Some(d), at.instant(), false, "x".to_string(), None)));
    }

    #[tokio::test]
    async fn placeholders_bind_by_their_number_not_their_position() {
        let db = Temp::new().await;
        let got = db
            .writer()
            .run(|c| query_opt(c, "SELECT $2 || $1 || $2", &["a".into(), "b".into()], |r| text(r, 0)))
            .await
            .unwrap();
        assert_eq!(got.as_deref(), Some("bab"));
    }
}
