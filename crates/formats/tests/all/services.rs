//! What the machine offers the tests: the Python validators (`scripts/setup-validators`).
//! A test that needs them is not run without them and says so, unless
//! `FACTURIER_TEST_ALL=1` (scripts/test, CI), where their absence fails: a skipped check
//! there would read as a passed one.

use std::io::Write;
use std::path::PathBuf;

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

/// The validators' interpreter (`FACTURIER_VALIDATORS_PYTHON` or the repository's
/// virtualenv).
pub fn validators_python() -> PathBuf {
    std::env::var_os("FACTURIER_VALIDATORS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/validators-venv/bin/python"))
}

/// Whether the Python validators are installed.
pub fn validators_available() -> bool {
    service_available("the Python validators", "run scripts/setup-validators", validators_python().is_file())
}
