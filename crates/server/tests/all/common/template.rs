//! Migrated databases to copy. Each test gets a fresh database; migrating each of the
//! suite's few hundred from nothing took a large part of its time. The migrations run once
//! per test run into a template (a SQLite file, a PostgreSQL database), and each test's
//! database is a copy: the server's `migrate()` still runs on it and finds every migration
//! applied with the same checksums. A template is named by a hash of the migration files,
//! so a changed migration makes a new one.

use facturier_store::Store;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A hash of the migration files of both backends (names and contents).
fn migrations_hash() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations");
    let mut files: Vec<PathBuf> = ["sqlite", "postgres"]
        .iter()
        .flat_map(|b| {
            std::fs::read_dir(root.join(b)).expect("the store's migrations").map(|e| e.expect("entry").path())
        })
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.file_name().unwrap_or_default().as_encoded_bytes());
        h.update(std::fs::read(&f).expect("a migration"));
    }
    h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Runs `f` to its end on a runtime of its own, on a thread of its own: the templates are
/// made once for every test, whichever test's runtime asks first.
fn on_own_runtime<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(f)
    })
    .join()
    .expect("the template's thread")
}

/// Runs `f` beside the tests, on a thread of its own, without waiting for it.
pub fn in_background(f: impl Future<Output = ()> + Send + 'static) {
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(f);
        }
    });
}

/// The migrated SQLite file to copy: written whole by `VACUUM INTO` from a migrated
/// database, so no write-ahead log is left beside it whatever the pool's connections and
/// the writer thread still hold when it is made.
pub fn sqlite() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("facturier-template-{}.db", migrations_hash()));
        if !path.exists() {
            // Made under names of their own, then renamed: another run never sees half of it.
            let id = uuid::Uuid::now_v7().simple();
            let building = dir.join(format!("facturier-template-{id}.building"));
            let whole = dir.join(format!("facturier-template-{id}.whole"));
            let url = format!("sqlite://{}", building.display());
            let into = whole.display().to_string();
            on_own_runtime(async move {
                let store = Store::connect(&url).await.expect("connect to the SQLite template");
                store.migrate().await.expect("migrate the SQLite template");
                if let Store::Sqlite(pool, _) = &store {
                    sqlx::query("VACUUM INTO ?")
                        .bind(into)
                        .execute(pool)
                        .await
                        .expect("write the SQLite template whole");
                }
                store.close().await;
            });
            std::fs::rename(&whole, &path).expect("name the SQLite template");
            for leftover in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{leftover}", building.display()));
            }
        }
        path
    })
}

/// The name of the migrated PostgreSQL database to copy on the server of `admin`.
pub fn postgres(admin: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let admin = admin.to_string();
        on_own_runtime(async move {
            let name = format!("facturier_template_{}", migrations_hash());
            let pool = sqlx::PgPool::connect(&admin).await.expect("connect to PostgreSQL");
            sweep(&pool).await;
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&name)
                .fetch_one(&pool)
                .await
                .expect("look for the template");
            if !exists {
                // Made under a name of its own, then renamed: a test never copies half of it.
                let building = format!("facturier_building_{}", uuid::Uuid::now_v7().simple());
                exec(&pool, &format!("CREATE DATABASE {building}")).await.expect("create the template");
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                let store = Store::connect(&format!("{base}/{building}")).await.expect("connect to the template");
                store.migrate().await.expect("migrate the PostgreSQL template");
                store.close().await;
                if exec(&pool, &format!("ALTER DATABASE {building} RENAME TO {name}")).await.is_err() {
                    // Another run named its own first: keep that one.
                    let _ = exec(&pool, &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await;
                }
            }
            pool.close().await;
            name
        })
    })
}

async fn exec(pool: &sqlx::PgPool, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.map(|_| ())
}

/// Drops the database `name` of the server of `admin`.
pub async fn drop_database(admin: &str, name: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(admin).await {
        let _ = exec(&pool, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        pool.close().await;
    }
}

/// Drops the test databases an earlier run left (its process ended before their drop
/// did): those over an hour old by the time in their UUIDv7, and unfinished templates.
async fn sweep(pool: &sqlx::PgPool) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'facturier\\_test\\_%' OR datname LIKE 'facturier\\_building\\_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for name in names {
        let id = name.rsplit('_').next().and_then(|s| uuid::Uuid::parse_str(s).ok());
        let made = id.and_then(|u| u.get_timestamp()).map(|t| {
            let (secs, nanos) = t.to_unix();
            std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos)
        });
        if made.is_some_and(|m| m < hour_ago) {
            let _ = exec(pool, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}
