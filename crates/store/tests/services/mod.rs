//! What the machine offers the tests: PostgreSQL. A test that needs it is not run without
//! it and says so, unless `FACTURIER_TEST_ALL=1` (scripts/test, CI), where its absence
//! fails: a skipped check there would read as a passed one.
//!
//! And the fresh stores the tests run on: a migrated SQLite file ([`sqlite_store`]) and
//! a migrated PostgreSQL database of their own ([`postgres_store`], [`drop_postgres`]).

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

/// The PostgreSQL server the tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh store on a SQLite file in `dir`, migrated.
pub async fn sqlite_store(dir: &std::path::Path, name: &str) -> facturier_store::Store {
    let store = facturier_store::Store::connect(&format!("sqlite://{}", dir.join(name).display()))
        .await
        .expect("open a SQLite file");
    store.migrate().await.expect("migrate SQLite");
    store
}

/// A fresh PostgreSQL database, migrated, and its name for [`drop_postgres`]; `None`
/// when no server answers (and the test may be skipped, see [`service_available`]).
pub async fn postgres_store(prefix: &str) -> Option<(facturier_store::Store, String)> {
    let admin = pg_admin_url();
    if !postgres_available(&admin).await {
        return None;
    }
    let name = format!("{prefix}_{}", facturier_store::new_id().simple());
    let url = facturier_store::bulk::create_postgres_database(&admin, &name).await.expect(
        "PostgreSQL must be running for this test (127.0.0.1:5432, user postgres; FACTURIER_TEST_PG overrides)",
    );
    let store = facturier_store::Store::connect(&url).await.expect("connect to the new PostgreSQL database");
    store.migrate().await.expect("migrate PostgreSQL");
    Some((store, name))
}

/// Closes a store of [`postgres_store`] and drops its database.
pub async fn drop_postgres(store: facturier_store::Store, name: &str) {
    store.close().await;
    facturier_store::bulk::drop_postgres_database(&pg_admin_url(), name).await.expect("drop the test database");
}

/// A company customer in Paris, French-speaking, with nothing else set.
#[allow(dead_code)] // Not every test binary that shares this module makes customers.
pub fn company_customer(name: &str) -> facturier_core::party::Customer {
    use facturier_core::party::{Address, Customer, CustomerKind, Language, LegalIds};
    Customer {
        kind: CustomerKind::Company,
        name: name.into(),
        email: None,
        activity: None,
        legal: LegalIds::default(),
        iban: None,
        billing_address: Address {
            line1: "1 rue de la Paix".into(),
            line2: None,
            postal_code: "75002".into(),
            city: "Paris".into(),
            country: "FR".parse().expect("a country"),
        },
        delivery_address: None,
        contacts: vec![],
        language: Language::Fr,
        currency: None,
        payment_terms: None,
        tags: vec![],
        notes: None,
        invoice_grouping: Default::default(),
        contract_billing: Default::default(),
        network: None,
    }
}
