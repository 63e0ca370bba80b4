//! Accounting exports in a real headless Chromium on both backends: the user opens the
//! exports page from the menu, names a journal wrongly (shown next to the input), records
//! an export of the sales journal, finds it in the history and downloads its FEC through
//! the link; the page fits a phone's width.

use crate::browser;

use browser::*;
use serde_json::json;

async fn journey(db: &Db) {
    let served = Served::start(db).await;
    let app = served.url.clone();
    served.identify(json!({})).await;
    let customer = served
        .api(
            reqwest::Method::POST,
            "/customers",
            Some(json!({"name": "Boulangerie Martin", "legal": {"siren": "732829320"},
               "billing_address": {"line1": "1 rue Haute", "postal_code": "69002", "city": "Lyon", "country": "FR"}})),
        )
        .await;
    let customer = customer["id"].as_str().unwrap().to_string();
    let line = json!({"description": "Pain de campagne", "quantity": "100", "unit_price": "1.20", "vat_rate": "5.5"});
    let inv =
        served.api(reqwest::Method::POST, "/invoices", Some(json!({"customer_id": customer, "lines": [line]}))).await;
    let inv = inv["id"].as_str().unwrap().to_string();
    served.api(reqwest::Method::POST, &format!("/invoices/{inv}/issue"), Some(json!({}))).await;

    let b = Browser::start(db.name).await;
    b.sign_in(&app, ADMIN).await;

    // The exports page from the menu: a wrong journal code first, shown next to its input.
    b.goto(&format!("{app}/exports")).await;
    b.wait_text("h1", "Exports comptables").await;
    b.fill("#journals", "ventes").await;
    b.click("#create-export").await;
    b.wait_text("#journals-error", "code journal").await;
    b.screenshot("exports-01-error").await;
    b.fill("#journals", "VE").await;
    b.click("#create-export").await;
    b.wait_text("#notice", "Export enregistré").await;
    b.wait_text("#exports", "552100554FEC").await;
    b.screenshot("exports-02-history").await;

    // The file, as the history's link gives it.
    let fec = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.querySelector('#exports a[download]').href).then(r => r.text()).then(done, e => done(String(e)));",
        )
        .await;
    let fec = fec.as_str().unwrap_or_default().to_string();
    assert!(fec.starts_with("JournalCode\tJournalLib\tEcritureNum") && fec.contains("VE000001"), "{fec}");

    // On a phone, the page fits the screen.
    b.window(390, 844).await;
    b.screenshot("exports-03-phone").await;
    let fits = b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1").await;
    assert_eq!(fits, json!(true), "the exports page fits a phone's width");
    b.quit().await;
}

#[tokio::test]
async fn a_user_records_an_accounting_export_and_downloads_it_from_the_history() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        journey(&db).await;
    }
}
