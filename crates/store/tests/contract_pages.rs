//! A billing run's page of periods written in one call (`Store::bill_contract_page`), on
//! SQLite (the writer thread) and PostgreSQL: each period still billed once under its keys
//! — one another run billed first is skipped and the others of the page are written, two
//! pages at once bill each period once, a page written again bills nothing, a grouped
//! invoice of several contracts is written whole or not at all — and a page
//! that fails part way (a contract gone) writes nothing at all, so the next run bills it.

mod services;

use facturier_core::Decimal;
use facturier_core::document::{Content, Line};
use facturier_core::money::Currency;
use facturier_core::tax::Vat;
use facturier_store::Store;
use facturier_store::contracts::{NewContract, PeriodInvoice, PeriodKeys};
use time::macros::date;
use uuid::Uuid;

/// A company with a customer and `n` active contracts (the store does not read their terms).
async fn contracts(store: &Store, name: &str, n: usize) -> (Uuid, Uuid, Vec<Uuid>) {
    let company = store
        .create_company(name, &"FR".parse().expect("a country"), Currency::EUR, "m@maintenance.fr")
        .await
        .expect("a company")
        .company_id;
    let customer = store
        .insert_customer(company, &services::company_customer("Maintenance cliente SARL"))
        .await
        .expect("a customer")
        .id;
    let mut ids = Vec::new();
    for i in 0..n {
        let new = NewContract {
            customer_id: customer,
            reference: format!("CT-{i}"),
            title: "Contrat de maintenance".into(),
            status: "active".into(),
            start: date!(2026 - 01 - 01),
            end: None,
            terms: "{}".into(),
        };
        ids.push(store.create_contract(company, &new).await.expect("a contract").id);
    }
    (company, customer, ids)
}

/// January 2026 of a contract: two lines, on its own invoice.
fn january(contract_id: Uuid, customer: Uuid) -> PeriodInvoice {
    let vat = Vat::new(Decimal::from(20), None).expect("20 %");
    PeriodInvoice {
        keys: vec![PeriodKeys {
            contract_id,
            period_start: date!(2026 - 01 - 01),
            period_end: date!(2026 - 01 - 31),
            billing_date: date!(2026 - 01 - 01),
            lines: vec![(0, Decimal::from(250)), (1, Decimal::new(4550, 2))],
        }],
        invoice: Content {
            lines: vec![
                Line::item("Maintenance", Decimal::ONE, Decimal::from(250), vat),
                Line::item("Astreinte", Decimal::from(2), Decimal::new(4550, 2), vat),
            ],
            ..Content::new(customer, Currency::EUR)
        },
    }
}

/// Rows of a table for the company.
async fn count(store: &Store, table: &str, company: Uuid) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE company_id = $1");
    let (n,): (i64,) = match store {
        Store::Sqlite(p, _) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(company).fetch_one(p).await,
        Store::Postgres(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(company).fetch_one(p).await,
    }
    .expect("count");
    n
}

async fn a_page_bills_each_period_once(store: &Store, backend: &str) {
    let (company, customer, ids) = contracts(store, "Maintenance SARL", 4).await;
    // Another run billed the second contract's January first, on its own.
    let taken = january(ids[1], customer);
    let first = store.bill_contract_period(company, ids[1], &to_bill(&taken)).await.expect("bill one period");
    assert!(first.is_some(), "{backend}: the lone period is billed");

    let page: Vec<PeriodInvoice> = ids[..3].iter().map(|id| january(*id, customer)).collect();
    let made = store.bill_contract_page(company, &page).await.expect("bill the page");
    assert_eq!(made.len(), 3, "{backend}");
    assert!(made[0].is_some() && made[2].is_some(), "{backend}: the free periods are written: {made:?}");
    assert_eq!(made[1], None, "{backend}: the period billed by the other run is skipped");
    assert_eq!(count(store, "documents", company).await, 3, "{backend}: one invoice per period, none twice");
    assert_eq!(count(store, "contract_billings", company).await, 6, "{backend}: two keys per period");
    for (id, invoice) in ids[..3].iter().zip(&made) {
        let billed = store.contract(company, *id).await.expect("the contract").billed;
        assert_eq!(billed.len(), 2, "{backend}: both lines keyed");
        if let Some(invoice) = invoice {
            assert!(billed.iter().all(|b| b.invoice_id == *invoice), "{backend}: keyed to its own invoice");
        }
    }

    // Again: nothing.
    let again = store.bill_contract_page(company, &page).await.expect("bill the page again");
    assert_eq!(again, vec![None, None, None], "{backend}");
    assert_eq!(count(store, "documents", company).await, 3, "{backend}");

    // Two pages at once over the same periods: each period once in all.
    let (more, their_customer, fresh) = contracts(store, "Dépannage SAS", 3).await;
    let page: Vec<PeriodInvoice> = fresh.iter().map(|id| january(*id, their_customer)).collect();
    let (a, b) = tokio::join!(store.bill_contract_page(more, &page), store.bill_contract_page(more, &page));
    let (a, b) = (a.expect("first page"), b.expect("second page"));
    for i in 0..page.len() {
        assert!(a[i].is_some() != b[i].is_some(), "{backend}: period {i} billed by exactly one: {a:?} / {b:?}");
    }
    assert_eq!(count(store, "documents", more).await, 3, "{backend}");

    // A grouped customer's invoice bills several contracts' periods: all of them, or none
    // when one was billed first (the second invoice shares the first one's period of the
    // second contract).
    let february = |ids: &[Uuid]| {
        let mut p = january(ids[0], their_customer);
        p.keys = ids
            .iter()
            .map(|id| PeriodKeys {
                contract_id: *id,
                period_start: date!(2026 - 02 - 01),
                period_end: date!(2026 - 02 - 28),
                billing_date: date!(2026 - 02 - 01),
                lines: vec![(0, Decimal::from(250))],
            })
            .collect();
        p
    };
    let page = vec![february(&[fresh[1], fresh[0]]), february(&[fresh[1], fresh[2]])];
    let made = store.bill_contract_page(more, &page).await.expect("bill grouped invoices");
    assert!(made[0].is_some() && made[1].is_none(), "{backend}: {made:?}");
    for (id, february_billed) in [(fresh[0], true), (fresh[1], true), (fresh[2], false)] {
        let billed = store.contract(more, id).await.expect("the contract").billed;
        let february = billed.iter().filter(|b| b.period_start == date!(2026 - 02 - 01)).count();
        assert_eq!(february, usize::from(february_billed), "{backend}: February of {id}");
    }
    assert_eq!(count(store, "documents", more).await, 4, "{backend}: the second grouped invoice is not written");

    // A page that fails part way (its last contract is not the company's) writes nothing:
    // not even the periods before it, which the next run then bills.
    let mut page = vec![january(ids[3], customer)];
    page.push(january(Uuid::now_v7(), customer));
    assert!(store.bill_contract_page(company, &page).await.is_err(), "{backend}: an unknown contract fails the page");
    assert_eq!(count(store, "documents", company).await, 3, "{backend}: nothing of the failed page is kept");
    assert_eq!(store.contract(company, ids[3]).await.expect("the contract").billed, vec![], "{backend}");
    let made = store.bill_contract_page(company, &page[..1]).await.expect("the next run");
    assert!(made[0].is_some(), "{backend}: billed by the next run");
}

/// The lone-period form of a page's period.
fn to_bill(p: &PeriodInvoice) -> facturier_store::contracts::PeriodToBill {
    facturier_store::contracts::PeriodToBill {
        period_start: p.keys[0].period_start,
        period_end: p.keys[0].period_end,
        billing_date: p.keys[0].billing_date,
        lines: p.keys[0].lines.clone(),
        invoice: p.invoice.clone(),
    }
}

#[tokio::test]
async fn a_page_of_periods_bills_each_once_skips_those_taken_and_writes_nothing_when_it_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = services::sqlite_store(dir.path(), "pages.db").await;
    a_page_bills_each_period_once(&sqlite, "sqlite").await;
    let Some((postgres, name)) = services::postgres_store("facturier_pages").await else { return };
    a_page_bills_each_period_once(&postgres, "postgres").await;
    services::drop_postgres(postgres, &name).await;
}
