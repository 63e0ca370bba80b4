//! What the machine offers the tests: PostgreSQL. A test that needs it is not run without
//! it and says so, unless `FACTURIER_TEST_ALL=1` (scripts/test, CI), where its absence
//! fails: a skipped check there would read as a passed one.

use std::io::Write;

/// Whether a test may use `service` (`present`); absent, one line on stderr names it, the
/// test and how to get it (`setup`).
pub fn service_available(service: &str, setup: &str, present: bool) -> bool {
    if present {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    assert!(
        std::env::var_os("FACTURIER_TEST_ALL").is_none_or(|v| v != "1"),
        "not available: {service}, and FACTURIER_TEST_ALL=1 runs every test ({setup})"
    );
    // Once per test and service; straight to stderr, as the test harness would hide a
    // passing test's `eprintln!`.
    static TOLD: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let mut told = TOLD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !told.contains(&(test.clone(), service.to_string())) {
        let _ = writeln!(std::io::stderr(), "not run: {test} on {service}, not available here ({setup})");
        told.push((test, service.to_string()));
    }
    false
}

/// Whether the PostgreSQL server at `admin` answers.
pub async fn postgres_available(admin: &str) -> bool {
    let probe =
        sqlx::postgres::PgPoolOptions::new().acquire_timeout(std::time::Duration::from_secs(5)).connect(admin).await;
    let up = match probe {
        Ok(pool) => {
            pool.close().await;
            true
        }
        Err(_) => false,
    };
    service_available("PostgreSQL", "run scripts/setup-postgres, or set FACTURIER_TEST_PG", up)
}
