//! SQLite's document search index, filled in batches off the write path (migration 0015).
//!
//! A write only queues the document's id (`documents_fts_queue`, by trigger). The writer
//! thread moves the queue into `documents_fts` in its own transactions, when it is idle or
//! every [`INDEX_EVERY`] under load; the bulk loader does it in its own transaction; a store
//! does it when it opens. Until then a search reads the queued rows directly
//! (`lists.rs`), so what it finds never depends on when the index caught up.
//! PostgreSQL needs none of this: its GIN index defers its own work (`fastupdate`).

use crate::{Result, Store, Tx, on_conn};
use std::sync::LazyLock;
use std::time::Duration;

/// How long the writer thread lets the queue grow under load: the search's direct read
/// of the queue stays small (a few hundred rows at a thousand writes a second).
pub(crate) const INDEX_EVERY: Duration = Duration::from_millis(500);

/// Documents indexed in one transaction at most, so that writes waiting behind it wait
/// tens of milliseconds, not seconds; a longer queue (a restore, the 0013 backfill) is
/// drained by successive transactions.
const INDEX_BATCH: usize = 1000;

/// The statements that index one batch of the queue, in order, inside one transaction.
/// The batch is the first [`INDEX_BATCH`] queued ids: the same set in each statement, as
/// nothing else writes during the transaction. An edited document loses its old row first.
/// Written once: the writer thread runs them every half second under load.
static INDEX_STATEMENTS: LazyLock<[String; 4]> = LazyLock::new(index_statements);

fn index_statements() -> [String; 4] {
    let batch = format!("(SELECT document_id FROM documents_fts_queue ORDER BY document_id LIMIT {INDEX_BATCH})");
    [
        format!(
            "INSERT OR IGNORE INTO document_search_keys (document_id) \
             SELECT d.id FROM documents d WHERE d.id IN {batch}"
        ),
        format!(
            "DELETE FROM documents_fts WHERE rowid IN (SELECT key FROM document_search_keys WHERE document_id IN {batch})"
        ),
        format!(
            "INSERT INTO documents_fts (rowid, number, search_text) \
             SELECT k.key, lower(COALESCE(d.number, '')), COALESCE(d.search_text, '') \
             FROM document_search_keys k CROSS JOIN documents d ON d.id = k.document_id WHERE k.document_id IN {batch}"
        ),
        format!("DELETE FROM documents_fts_queue WHERE document_id IN {batch}"),
    ]
}

const QUEUED: &str = "SELECT EXISTS (SELECT 1 FROM documents_fts_queue)";

/// On the writer thread's connection: indexes one batch of the queue if it holds any, in
/// a transaction taken in the process's writer turn. Returns how many were indexed.
pub(crate) fn index_queued_on(
    c: &rusqlite::Connection,
    turn: &tokio::sync::Mutex<()>,
) -> std::result::Result<usize, rusqlite::Error> {
    let queued: bool = c.prepare_cached(QUEUED)?.query_row([], |r| r.get(0))?;
    if !queued {
        return Ok(0);
    }
    let _held = turn.blocking_lock();
    c.execute_batch("BEGIN IMMEDIATE")?;
    let run = || -> std::result::Result<usize, rusqlite::Error> {
        let [keys, stale, rows, dequeue] = &*INDEX_STATEMENTS;
        for sql in [keys, stale, rows] {
            c.prepare_cached(sql)?.execute([])?;
        }
        c.prepare_cached(dequeue)?.execute([])
    };
    match run().and_then(|n| c.execute_batch("COMMIT").map(|()| n)) {
        Ok(n) => Ok(n),
        Err(e) => {
            if !c.is_autocommit() {
                let _ = c.execute_batch("ROLLBACK");
            }
            Err(e)
        }
    }
}

/// In a transaction of the store: indexes one batch of the queue; how many were indexed.
pub(crate) async fn index_queued_in(tx: &mut Tx) -> Result<u64> {
    if let Tx::Postgres(_) = tx {
        return Ok(0);
    }
    let mut dequeued = 0;
    // The last statement empties the batch from the queue: its count is the batch's.
    for sql in INDEX_STATEMENTS.iter() {
        dequeued =
            on_conn!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).execute(c).await?.rows_affected());
    }
    Ok(dequeued)
}

/// In a transaction of the store: indexes the whole queue (the bulk loader's batch).
pub(crate) async fn index_all_queued_in(tx: &mut Tx) -> Result<u64> {
    let mut done = 0;
    loop {
        let n = index_queued_in(tx).await?;
        done += n;
        if n < INDEX_BATCH as u64 {
            return Ok(done);
        }
    }
}

impl Store {
    /// Indexes every queued document (SQLite; nothing to do on PostgreSQL), a batch per
    /// transaction. Returns how many were indexed.
    pub async fn index_queued_documents(&self) -> Result<u64> {
        let mut done = 0;
        if let Store::Sqlite(..) = self {
            loop {
                let mut tx = self.begin().await?;
                let n = index_queued_in(&mut tx).await?;
                tx.commit().await?;
                done += n;
                if n < INDEX_BATCH as u64 {
                    break;
                }
            }
            if done > 0 {
                tracing::info!(documents = done, "indexed the queued documents for search");
            }
        }
        Ok(done)
    }

    /// Holds written documents in the search queue (SQLite with a writer thread).
    #[cfg(test)]
    pub(crate) fn pause_search_indexing(&self, paused: bool) {
        if let Store::Sqlite(_, queue) = self
            && let Some(w) = queue.writer()
        {
            w.pause_indexing(paused);
        }
    }

    /// How many documents wait for the index (0 on PostgreSQL).
    #[cfg(test)]
    pub(crate) async fn queued_for_search(&self) -> i64 {
        match self {
            Store::Sqlite(p, _) => {
                sqlx::query_scalar("SELECT count(*) FROM documents_fts_queue").fetch_one(p).await.unwrap_or(-1)
            }
            Store::Postgres(_) => 0,
        }
    }
}
