//! Point reads on SQLite on the calling thread.
//!
//! A read through sqlx is a message to the connection's worker thread and an answer back:
//! two thread switches and a pool checkout for a lookup SQLite answers in microseconds.
//! Every API request authenticates (one read) and a new document reads its customer and
//! the company's settings (one more), so these hops were a large part of the server's
//! CPU (docs/benchmarks.md). Here a few read-only `rusqlite` connections to the same file
//! are kept idle, and a read takes one, runs on the caller's thread and gives it back.
//!
//! Only reads that use an index to find a handful of rows belong here: they hold the
//! async worker thread for as long as they run. In WAL mode a reader waits for no writer
//! (it reads the last committed state), so the wait is the read itself.

use crate::Result;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Idle connections kept at most: one per async worker thread is enough (2 cores here);
/// a burst beyond that opens more, closed when they come back.
const MAX_IDLE: usize = 4;

/// A small pool of read-only connections used on the caller's thread.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Readers")
    }
}

impl Readers {
    pub(crate) fn new(path: &Path) -> Readers {
        Readers { path: path.to_path_buf(), idle: Mutex::new(Vec::new()) }
    }

    /// Runs `work` on an idle read-only connection (opened if none is idle). It sees
    /// every transaction committed before it starts.
    pub(crate) fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let c = match taken {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let r = work(&c);
        // A connection is given back only when no statement is left running on it.
        if c.is_autocommit()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(c);
        }
        r
    }
}

fn open(path: &Path) -> Result<Connection> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // Reading a WAL database waits only while another process recovers it after a crash.
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    // Point reads touch a few pages; the process-wide soft heap limit recycles the rest.
    c.execute_batch("PRAGMA cache_size = -4000;")?;
    c.set_prepared_statement_cache_capacity(32);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use crate::writer::{query_opt, text};
    use crate::{Store, Tx};

    /// A fresh SQLite store in its own directory, removed with the value.
    struct Temp {
        dir: std::path::PathBuf,
        store: Store,
    }

    impl Temp {
        async fn new() -> Temp {
            let dir = std::env::temp_dir().join(format!("facturier-reader-{}", crate::new_id().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            let store = Store::connect(&format!("sqlite://{}", dir.join("r.db").display())).await.unwrap();
            Temp { dir, store }
        }

        fn read(&self, key: &str) -> Option<String> {
            let Store::Sqlite(_, q) = &self.store else { unreachable!() };
            q.readers()
                .unwrap()
                .read(|c| query_opt(c, "SELECT v FROM kv WHERE k = $1", &[key.into()], |r| text(r, 0)))
                .unwrap()
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[tokio::test]
    async fn a_read_sees_every_commit_and_never_waits_for_a_writer() {
        let db = Temp::new().await;
        let Store::Sqlite(pool, _) = &db.store else { unreachable!() };
        sqlx::query("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)").execute(pool).await.unwrap();
        sqlx::query("INSERT INTO kv VALUES ('a', 'one')").execute(pool).await.unwrap();
        assert_eq!(db.read("a").as_deref(), Some("one"));
        // A write transaction holds the database's write lock and has changed the row:
        // the read answers at once with the committed state.
        let mut tx = db.store.begin().await.unwrap();
        let Tx::Sqlite(t, _) = &mut tx else { unreachable!() };
        sqlx::query("UPDATE kv SET v = 'two' WHERE k = 'a'").execute(&mut **t).await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(db.read("a").as_deref(), Some("one"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "the read did not wait for the writer");
        tx.commit().await.unwrap();
        // The next read, on the same idle connection, sees the commit.
        assert_eq!(db.read("a").as_deref(), Some("two"));
        assert_eq!(db.read("missing"), None);
    }

    #[tokio::test]
    async fn a_failed_read_is_an_error_and_the_connection_serves_again() {
        let db = Temp::new().await;
        let Store::Sqlite(pool, q) = &db.store else { unreachable!() };
        sqlx::query("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)").execute(pool).await.unwrap();
        let readers = q.readers().unwrap();
        let bad = readers.read(|c| query_opt(c, "SELECT nothing FROM nowhere", &[], |r| text(r, 0)));
        assert!(bad.is_err());
        // Read-only: a write through a reader is refused, nothing is stored.
        let write = readers.read(|c| crate::writer::execute(c, "INSERT INTO kv VALUES ('x', 'y')", &[]));
        assert!(write.is_err());
        assert_eq!(db.read("x"), None);
    }
}
