//! SQLite WAL checkpoints on a thread of their own, not inside the writer's commits.
//!
//! By default the connection that commits a transaction taking the write-ahead log past
//! 1 000 pages copies the log back into the database file and syncs it, before its
//! callers hear back. On a million invoices the pages a write touches are spread over
//! gigabytes, so that copy and sync had the writer thread wait on the disk while the CPU
//! sat idle (a quarter of the samples of a profile at 8 clients, docs/benchmarks.md).
//!
//! The writer's connection turns automatic checkpoints off, and this thread runs a
//! `PASSIVE` checkpoint every [`CHECKPOINT_EVERY`]: it never takes the write lock, so
//! the writer goes on appending while pages are copied. Should the log still hold more
//! than [`WAL_LIMIT`] pages after it (writes outpacing the copy, or a long read keeping
//! old pages), a `RESTART` checkpoint copies the rest and starts the log over, which
//! bounds its size. It holds new writes back while it waits, so it waits
//! [`RESTART_WAIT`] at most, and after a refusal (a read still running) it is not tried
//! again for [`RESTART_PAUSE`] rounds: a long export never stalls the writer for long.
//! Durability is unchanged: with `synchronous = NORMAL` the log is synced at
//! checkpoints, whichever thread runs them. The sqlx pool's connections keep SQLite's
//! automatic checkpoint, as before.

use crate::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// How often the log is copied back.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// Pages of log (4 KiB each) past which a checkpoint makes the writer wait: 64 MiB.
const WAL_LIMIT: i64 = 16_384;

/// How long a `RESTART` checkpoint waits for readers (and holds new writes back).
const RESTART_WAIT: Duration = Duration::from_millis(100);

/// Rounds without a `RESTART` after one was refused: 5 s.
const RESTART_PAUSE: u32 = 25;

/// What a round of checkpointing did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Round {
    /// Pages of the log not copied into the database.
    pub left: i64,
    /// A `RESTART` was needed and refused (readers still on old pages).
    pub restart_refused: bool,
}

/// The checkpoint thread's handle: dropping it ends the thread after a last checkpoint.
pub(crate) struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Opens its own connection to the database file and starts the thread.
    pub(crate) fn start(path: &Path) -> Result<Checkpointer> {
        let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        // Only `RESTART` calls the busy handler.
        c.busy_timeout(RESTART_WAIT)?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut pause = 0;
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                    match checkpoint(&c, pause == 0) {
                        Ok(Round { restart_refused: true, .. }) => pause = RESTART_PAUSE,
                        Ok(_) => pause = pause.saturating_sub(1),
                        // The log keeps what was not copied: the next round copies it.
                        Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed"),
                    }
                }
                let _ = checkpoint(&c, false);
            })
            .map_err(|e| StoreError::Write(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { _stop: stop })
    }
}

/// One round: copies what the log holds; if it is still too long and `may_restart`,
/// copies the rest and starts it over.
pub(crate) fn checkpoint(c: &Connection, may_restart: bool) -> rusqlite::Result<Round> {
    let (_, left) = run(c, "PASSIVE")?;
    if left <= WAL_LIMIT || !may_restart {
        return Ok(Round { left, restart_refused: false });
    }
    let (busy, left) = run(c, "RESTART")?;
    Ok(Round { left, restart_refused: busy })
}

/// Whether the checkpoint gave up waiting, and the pages of the log it left uncopied.
fn run(c: &Connection, mode: &str) -> rusqlite::Result<(bool, i64)> {
    // (busy, pages in the log, pages copied); -1, -1 when the database is not in WAL mode.
    let (busy, log, copied): (i64, i64, i64) =
        c.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok((busy != 0, (log - copied).max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer set up as the writer thread's: automatic checkpoints off.
    fn writer(path: &Path) -> Connection {
        let w = Connection::open(path).unwrap();
        w.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
             CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT);",
        )
        .unwrap();
        w
    }

    /// Writes `n` rows of about a page each, from `from`, in one transaction.
    fn fill(w: &Connection, from: i64, n: i64) {
        w.execute_batch("BEGIN").unwrap();
        for i in from..from + n {
            w.execute("INSERT INTO t VALUES (?1, ?2)", (i, "x".repeat(3_000))).unwrap();
        }
        w.execute_batch("COMMIT").unwrap();
    }

    /// Pages in the log since it last started over (a passive checkpoint reports them).
    fn log_pages(c: &Connection) -> i64 {
        c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).unwrap()
    }

    fn rows(path: &Path) -> i64 {
        Connection::open(path).unwrap().query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap()
    }

    /// Copied back after each write, the log starts over at the next write instead of
    /// growing with everything written. Past the limit, a read still on old pages makes
    /// the restart give up soon (the writer is held back that long at most); once the
    /// read ends, the log is copied and starts over. Nothing written is lost.
    #[test]
    fn the_log_is_copied_back_and_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let w = writer(&path);
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(RESTART_WAIT).unwrap();
        fill(&w, 0, 3_000);
        assert_eq!(checkpoint(&other, true).unwrap(), Round { left: 0, restart_refused: false });
        let first = log_pages(&other);
        assert!(first >= 3_000, "the rows went through the log: {first} pages");
        fill(&w, 3_000, 3_000);
        let second = log_pages(&other);
        assert!(second < first + first / 2, "the log started over ({second} pages) instead of growing");

        let reader = Connection::open(&path).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let seen: i64 = reader.query_row("SELECT count(*) FROM t", [], |x| x.get(0)).unwrap();
        fill(&w, 6_000, WAL_LIMIT + 1_000);
        let started = std::time::Instant::now();
        let round = checkpoint(&other, true).unwrap();
        assert!(round.restart_refused && round.left > WAL_LIMIT, "{round:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "the restart gave up soon: {:?}", started.elapsed());
        assert!(!checkpoint(&other, false).unwrap().restart_refused, "no restart when told not to");
        let still: i64 = reader.query_row("SELECT count(*) FROM t", [], |x| x.get(0)).unwrap();
        assert_eq!((seen, still), (6_000, 6_000), "the reader kept its snapshot");
        reader.execute_batch("COMMIT").unwrap();

        assert_eq!(checkpoint(&other, true).unwrap(), Round { left: 0, restart_refused: false });
        fill(&w, 6_000 + WAL_LIMIT + 1_000, 10);
        assert!(log_pages(&other) < 100, "the log started over once the read ended");
        assert_eq!(rows(&path), 6_000 + WAL_LIMIT + 1_010);
    }

    /// The thread copies the log back by itself, and once more when it is stopped.
    #[test]
    fn the_thread_copies_the_log_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let w = writer(&path);
        let main_file = || std::fs::metadata(&path).unwrap().len();
        let thread = Checkpointer::start(&path).unwrap();
        fill(&w, 0, 2_000);
        let before = main_file();
        assert!(before < 2_000 * 3_000, "the rows are only in the log yet");
        let copied = (0..250).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            main_file() > 2_000 * 3_000
        });
        assert!(copied, "the thread copied the rows into the database file");
        fill(&w, 2_000, 2_000);
        drop(thread);
        let copied = (0..250).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            main_file() > 4_000 * 3_000
        });
        assert!(copied, "the rest was copied too");
        assert_eq!(rows(&path), 4_000);
    }
}
