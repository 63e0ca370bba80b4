//! SEPA direct debit in a real headless Chromium on both backends: the administrator
//! sets the creditor identifier, adds a mandate on a customer's page (a wrong IBAN
//! first), makes a batch of the invoices ticked for the proposed collection date,
//! downloads its pain.008 file and marks it collected; the invoice is then paid.

use crate::browser;

use browser::*;
use serde_json::json;

async fn journey(db: &Db) {
    let served = Served::start(db).await;
    let app = served.url.clone();
    let bank = json!({"label": "Compte courant", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX", "default": true});
    served.identify(json!({"banks": [bank]})).await;
    let (customer, inv) = served.issued_invoice().await;

    let b = Browser::start(db.name).await;
    b.sign_in(&app, ADMIN).await;

    // The creditor identifier, in the payment settings.
    b.goto(&format!("{app}/settings/payments")).await;
    b.fill("[id='sepa.creditor_id']", "FR72ZZZ123456").await;
    b.click("#save").await;
    b.wait_text("#notice", "Modifications enregistrées").await;

    // A mandate from the customer's page: a wrong IBAN first, shown next to its field.
    b.goto(&format!("{app}/customers/{customer}")).await;
    b.click("#customer-mandates").await;
    b.wait_text("h1", "Mandats SEPA").await;
    b.fill("#mandate-iban", "FR76 3000 6000 0112 3456 7890 188").await;
    b.fill("#mandate-bic", "AGRIFRPP").await;
    b.fill("#mandate-signed_at_place", "Lyon").await;
    b.click("#mandate-save").await;
    b.wait_text("#mandate-iban-error", "IBAN").await;
    b.screenshot("sepa-01-mandate-error").await;
    b.fill("#mandate-iban", "FR76 3000 6000 0112 3456 7890 189").await;
    b.click("#mandate-save").await;
    b.wait_text("#notice", "Mandat enregistré").await;
    b.wait_text("#mandate-list", "FR7630006000011234567890189").await;
    b.screenshot("sepa-02-mandate").await;

    // A batch: the invoice is ticked, the proposed date is valid.
    b.click("#nav-sepa").await;
    b.wait_text("h1", "Prélèvements SEPA").await;
    b.click("#new-batch").await;
    b.wait_text("#candidates", "Boulangerie Martin").await;
    let ticked = b.script(&format!("return document.getElementById('pick-{inv}').checked")).await;
    assert_eq!(ticked, json!(true), "the open invoice is ticked");
    b.screenshot("sepa-03-new-batch").await;
    b.click("#create-batch").await;
    b.wait_text("#notice", "Lot créé").await;
    b.wait_text("#debits", "Boulangerie Martin").await;
    b.screenshot("sepa-04-batch").await;

    // The file, as the download link gives it.
    let xml = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById('download-xml').href).then(r => r.text()).then(done, e => done(String(e)));",
        )
        .await;
    let xml = xml.as_str().unwrap_or_default().to_string();
    assert!(xml.contains("pain.008.001.02") && xml.contains("<CtrlSum>126.60</CtrlSum>"), "{xml}");
    assert!(xml.contains("FR72ZZZ123456") && xml.contains("<SeqTp>FRST</SeqTp>"), "{xml}");

    // Collected: the invoice is paid.
    b.click("#collect").await;
    b.wait_text("#notice", "Lot marqué encaissé").await;
    b.wait_text("#batch-status", "Encaissé").await;
    b.screenshot("sepa-05-collected").await;
    let invoice = served.api(reqwest::Method::GET, &format!("/invoices/{inv}"), None).await;
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["payments"][0]["method"], "direct_debit");

    // On a phone, the batch page fits the screen.
    b.window(390, 844).await;
    b.screenshot("sepa-06-batch-phone").await;
    b.fits_the_phone("the batch page").await;
    b.quit().await;
}

#[tokio::test]
async fn a_user_adds_a_mandate_makes_a_sepa_batch_downloads_it_and_marks_it_collected() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        journey(&db).await;
    }
}
