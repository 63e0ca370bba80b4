//! Persistence for facturier on SQLite (embedded default, WAL) and PostgreSQL.
//!
//! Every query is written once with `$N` placeholders, which both backends accept,
//! and dispatched to the right driver by [`on_conn!`]. Schemas differ only in column
//! types (`migrations/sqlite`, `migrations/postgres`). Every query filters by
//! `company_id`; only [`documents`] allocates legal numbers and seals.

pub mod accounting;
pub mod accounting_exports;
pub mod accounts;
pub mod bulk;
mod checkpoint;
pub mod closings;
pub mod companies;
pub mod contracts;
pub mod customer_files;
pub mod customers;
pub mod documents;
pub mod dunning;
pub mod dunning_list;
mod family;
pub mod files;
pub mod idempotency;
pub mod import_uploads;
pub mod imports;
pub mod interventions;
pub mod jobs;
pub mod lists;
pub mod members;
pub mod outbox;
pub mod password_links;
pub mod payments;
pub mod pipeline;
pub mod products;
mod reader;
pub mod recurring;
pub mod reports;
mod rows;
mod search_index;
pub mod sepa;
mod sql;
pub mod stamp;
mod verify;
mod writer;

use facturier_core::message::Message;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use sql::Arg;
pub use stamp::Stamp;

/// Why a store operation failed. Each variant maps to one HTTP status at the edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error(transparent)]
    Lifecycle(#[from] facturier_core::document::LifecycleError),
    #[error("{}", .0.english())]
    Conflict(Message),
    #[error("invalid {field}: {}", message.english())]
    Invalid { field: String, message: Message },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database write failed: {0}")]
    Write(String),
    /// The e-invoice would break its rules: nothing was written, no number was drawn.
    #[error("the document cannot be issued yet: {} problems to fix ({})", .0.len(), problem_codes(.0))]
    NotIssuable(Vec<facturier_core::compliance::Problem>),
}

impl StoreError {
    /// True for a unique-key violation (a duplicate reference, an idempotency race…).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => e.is_unique_violation(),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
    }
}

/// The codes and fields of an issue's problems, for logs and the CLI.
fn problem_codes(problems: &[facturier_core::compliance::Problem]) -> String {
    problems.iter().map(|p| format!("{} at {}", p.code.as_str(), p.field)).collect::<Vec<_>>().join(", ")
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool, WriterQueue),
    Postgres(PgPool),
}

/// SQLite admits one writer at a time. Writers of this process queue here, in order,
/// before `BEGIN IMMEDIATE`: without it they would meet in SQLite's busy handler, which
/// sleeps in steps of milliseconds, and 8 concurrent writers spent most of their time
/// asleep (docs/benchmarks.md). Other processes still meet the busy timeout.
///
/// It also holds the writer thread (see `writer.rs`): the hot writes (a new draft,
/// issuing) run there as one blocking call each, and that thread takes the same turn.
#[derive(Clone, Debug, Default)]
pub struct WriterQueue {
    turn: Arc<tokio::sync::Mutex<()>>,
    writer: Option<Arc<writer::Writer>>,
    readers: Option<Arc<reader::Readers>>,
}

impl WriterQueue {
    /// The writer thread, when the database is a file (an in-memory database is private
    /// to its connection, so it keeps every write on sqlx).
    pub(crate) fn writer(&self) -> Option<&writer::Writer> {
        self.writer.as_deref()
    }

    /// The read-only connections for point reads on the caller's thread (`reader.rs`),
    /// when the database is a file.
    pub(crate) fn readers(&self) -> Option<&reader::Readers> {
        self.readers.as_deref()
    }

    /// The same, to move onto a blocking thread (`rows.rs`).
    pub(crate) fn shared_readers(&self) -> Option<Arc<reader::Readers>> {
        self.readers.clone()
    }
}

/// A transaction on one of the two backends. A SQLite write transaction holds its place
/// in the [`WriterQueue`] until it ends (fields drop in order: the transaction first).
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, Option<tokio::sync::OwnedMutexGuard<()>>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A connection taken from the pool for several reads in a row: one acquire and one
/// release instead of one per statement.
pub enum Conn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// Like [`on_conn!`] for a [`Conn`].
#[macro_export]
macro_rules! on_acquired {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::Conn::Sqlite(x) => {
                let $c = &mut **x;
                $body
            }
            $crate::Conn::Postgres(x) => {
                let $c = &mut **x;
                $body
            }
        }
    };
}

/// Runs `$body` with `$c` bound to the backend's connection (`&mut SqliteConnection`
/// or `&mut PgConnection`); the body is compiled once per backend.
#[macro_export]
macro_rules! on_conn {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t, _) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Like [`on_conn!`] for a pool (reads outside a transaction).
#[macro_export]
macro_rules! on_pool {
    ($store:expr, |$c:ident| $body:expr) => {
        match $store {
            $crate::Store::Sqlite(p, _) => {
                let $c = p;
                $body
            }
            $crate::Store::Postgres(p) => {
                let $c = p;
                $body
            }
        }
    };
}

impl Store {
    /// Connects to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // NORMAL is durable across application crashes in WAL mode; only a power
                // loss may lose the last transactions, never corrupt the file.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                // Each connection keeps up to 16 MiB of pages, and SQLite keeps its whole
                // heap near 96 MiB by recycling cached pages first: the pool's 8 caches
                // had taken the server to 196 MiB on a million invoices (target 150).
                .pragma("cache_size", "-16000")
                .pragma("soft_heap_limit", "100663296");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                // A connection to a file cannot go stale; the check before each use is
                // a round trip to the connection's thread for nothing.
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts.clone())
                .await?;
            let turn = Arc::new(tokio::sync::Mutex::new(()));
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let (writer, readers) = if in_memory {
                (None, None)
            } else {
                let path = opts.get_filename();
                (
                    Some(Arc::new(writer::Writer::start(path, Arc::clone(&turn))?)),
                    Some(Arc::new(reader::Readers::new(path))),
                )
            };
            Ok(Store::Sqlite(pool, WriterQueue { turn, writer, readers }))
        } else {
            Err(StoreError::Invalid {
                field: "database_url".into(),
                message: Message::new("neither_sqlite_nor_postgres").with("v", format!("{url:?}")),
            })
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(..) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite(p, _) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Store::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        self.backfill_document_search().await?;
        self.index_queued_documents().await?;
        Ok(())
    }

    /// Starts a write transaction. On SQLite it waits its turn in the process's writer
    /// queue, then takes the write lock at once (`BEGIN IMMEDIATE`) so that a writer of
    /// another process makes it wait instead of failing.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite(p, queue) => {
                let turn = Arc::clone(&queue.turn).lock_owned().await;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, Some(turn))
            }
            Store::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Takes a connection from the pool (reads outside a transaction).
    pub async fn acquire(&self) -> Result<Conn> {
        Ok(match self {
            Store::Sqlite(p, _) => Conn::Sqlite(p.acquire().await?),
            Store::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// Starts a transaction for consistent reads (plain `BEGIN` on both backends).
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite(p, _) => Tx::Sqlite(p.begin().await?, None),
            Store::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Store::Sqlite(p, queue) => {
                if let Some(w) = queue.writer() {
                    w.close();
                }
                p.close().await
            }
            Store::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// The backend the transaction runs on.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Commits.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t, _turn) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// The current instant, truncated to microseconds so both backends store it identically
/// (and fixed-width on SQLite, see [`Stamp`]).
pub fn now() -> Stamp {
    Stamp::now()
}

/// A new time-ordered identifier.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
