//! The SQL triggers that keep `customers.open_balance` (migration 0014) agree with
//! `core::lifecycle::is_open`: SQL cannot read the lifecycle tables, so this test walks
//! every kind through every status its table stores, on SQLite and on PostgreSQL, and
//! checks the customer's balance counts the document exactly when the table calls it open.

mod services;

use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, Line};
use facturier_core::lifecycle::{self, Status};
use facturier_core::money::Currency;
use facturier_core::tax::Vat;
use facturier_store::Store;
use uuid::Uuid;

/// What each document is left owing while the test moves it around: 123.45.
const DUE: &str = "123.45";
/// The same, in the thousandths `open_balance` counts in.
const DUE_MILLI: i64 = 123_450;

/// Sets a document's status and what it owes, as the store's writers do (one UPDATE).
async fn set(store: &Store, id: Uuid, status: Status) {
    let sql = "UPDATE documents SET status = $1, due = $2 WHERE id = $3";
    match store {
        Store::Sqlite(p, _) => sqlx::query(sql).bind(status.as_str()).bind(DUE).bind(id).execute(p).await.map(drop),
        Store::Postgres(p) => sqlx::query(sql).bind(status.as_str()).bind(DUE).bind(id).execute(p).await.map(drop),
    }
    .expect("update the document");
}

async fn balance(store: &Store, customer_id: Uuid) -> i64 {
    let sql = "SELECT open_balance FROM customers WHERE id = $1";
    let (b,): (i64,) = match store {
        Store::Sqlite(p, _) => sqlx::query_as(sql).bind(customer_id).fetch_one(p).await,
        Store::Postgres(p) => sqlx::query_as(sql).bind(customer_id).fetch_one(p).await,
    }
    .expect("read the balance");
    b
}

/// Every kind × every status its table stores, back and forth: the balance counts the
/// document exactly while `lifecycle::is_open` holds.
async fn balance_follows_the_lifecycle(store: &Store, backend: &str) {
    let company = store
        .create_company("Balance SARL", &"FR".parse().expect("a country"), Currency::EUR, "b@balance.fr")
        .await
        .expect("a company");
    let cid = company.company_id;
    let customer_id =
        store.insert_customer(cid, &services::company_customer("Balance SARL")).await.expect("a customer").id;
    let vat = Vat::new(Decimal::from(20), None).expect("20 %");
    let content = Content {
        lines: vec![Line::item("Pose", Decimal::ONE, Decimal::from(100), vat)],
        ..Content::new(customer_id, Currency::EUR)
    };
    let mut checked = 0;
    for kind in DocumentKind::ALL {
        let doc = store.insert_draft(cid, kind, &content, None).await.expect("a draft");
        let statuses: Vec<Status> = lifecycle::of(kind).stored_statuses().collect();
        // Each status from each other one: the triggers see every change, both ways.
        for from in &statuses {
            for to in &statuses {
                for status in [*from, *to] {
                    set(store, doc.id, status).await;
                    let expected = if lifecycle::is_open(kind, status) { DUE_MILLI } else { 0 };
                    let got = balance(store, customer_id).await;
                    assert_eq!(got, expected, "{backend}: a {kind:?} in {status:?}");
                    checked += 1;
                }
            }
        }
        // Back to a draft, it no longer counts.
        set(store, doc.id, Status::Draft).await;
        assert_eq!(balance(store, customer_id).await, 0, "{backend}: a {kind:?} back in draft");
    }
    assert!(checked > 100, "{backend}: only {checked} checks");
}

#[tokio::test]
async fn the_open_balance_counts_what_the_lifecycle_calls_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = services::sqlite_store(dir.path(), "balance.db").await;
    balance_follows_the_lifecycle(&sqlite, "sqlite").await;
    let Some((postgres, name)) = services::postgres_store("facturier_balance").await else { return };
    balance_follows_the_lifecycle(&postgres, "postgres").await;
    services::drop_postgres(postgres, &name).await;
}
