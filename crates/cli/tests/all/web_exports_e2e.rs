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
    served.issued_invoice().await;

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
    b.fits_the_phone("the exports page").await;
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
