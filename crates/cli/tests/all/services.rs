//! What the machine offers the tests: PostgreSQL, the Python validators (and poppler's
//! `pdftoppm`, which `scripts/setup-validators` installs with them), Chromium. A test
//! that needs an absent one is not run and says so, unless `FACTURIER_TEST_ALL=1`
//! (scripts/test, CI), where an absent one fails: a skipped check there would read as a
//! passed one.

use std::io::Write;
use std::path::{Path, PathBuf};

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

/// The validators' interpreter (`FACTURIER_VALIDATORS_PYTHON` or the repository's
/// virtualenv).
pub fn validators_python() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("FACTURIER_VALIDATORS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target/validators-venv/bin/python"))
}

/// Whether the Python validators and SMTP sink are installed.
pub fn validators_available() -> bool {
    service_available("the Python validators", "run scripts/setup-validators", validators_python().is_file())
}

/// Whether poppler's `pdftoppm` is installed.
pub fn pdftoppm_available() -> bool {
    service_available("pdftoppm", "run scripts/setup-validators", on_path("pdftoppm"))
}

/// Whether Chromium and its WebDriver are installed.
pub fn browser_available() -> bool {
    let present = Path::new("/usr/bin/chromium").is_file() && on_path("chromedriver");
    service_available("Chromium", "run scripts/setup-browser", present)
}

fn on_path(command: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(command).is_file()))
}
