//! Documents in a real headless Chromium, on SQLite then PostgreSQL: a quote written with
//! a product found by typing, its totals changing live as quantities and the discount are
//! typed (htmx, no page load), issued and accepted, converted to an order, a delivery note
//! and an invoice, each issued; a payment recorded and a credit note made. Screenshots in
//! `target/test-artefacts/web/` (`*-docs-*.png`).

use crate::browser;

use browser::*;
use serde_json::json;

async fn journey(db: &Db) {
    let served = Served::start(db).await;
    let app = served.url.clone();
    served.identify(json!({})).await;
    let customer = served
        .post(
            "/customers",
            json!({"name": "Boulangerie Martin", "email": "compta@martin.fr", "legal": {"siren": "732829320"},
               "billing_address": {"line1": "1 rue Haute", "postal_code": "69002", "city": "Lyon", "country": "FR"}}),
        )
        .await;
    let customer = customer["id"].as_str().unwrap().to_string();
    served
        .post(
            "/products",
            json!({"reference": "MAINT-01", "name": "Contrat de maintenance", "unit_price": "33.33", "vat_rate": "20"}),
        )
        .await;

    let b = Browser::start(db.name).await;
    b.sign_in(&app, ADMIN).await;

    // A quote: the product is found by typing part of its name.
    b.goto(&format!("{app}/quotes")).await;
    b.wait_text("h1", "Devis").await;
    b.goto(&format!("{app}/quotes/new?customer={customer}")).await;
    b.fill("#product_q", "mainten").await;
    b.wait_text("#product-results", "Contrat de maintenance").await;
    b.screenshot("docs-01-product-found").await;
    b.click(".product-choice").await;
    b.wait_text("#total-gross", "40,00 €").await;
    assert_eq!(b.script("return document.getElementById('line-0-unit_price').value").await, "33.33");

    // Totals follow the typing, without a page load.
    b.script("window.samePage = 'yes'; return null").await;
    b.fill("#line-0-quantity", "3").await;
    b.wait_text("#total-gross", "119,99 €").await;
    b.fill("#discount_percent", "10").await;
    b.wait_text("#total-net", "89,99 €").await;
    b.wait_text("#total-gross", "107,99 €").await;
    // A rate chosen from the company's list: 89.99 + 10 % = 98.99, then back to 20 %.
    b.click("#line-0-vat_rate option[value='10']").await;
    b.wait_text("#total-gross", "98,99 €").await;
    b.click("#line-0-vat_rate option[value='20']").await;
    b.wait_text("#total-gross", "107,99 €").await;
    assert_eq!(b.script("return window.samePage || 'reloaded'").await, "yes", "totals swapped in place");
    b.screenshot("docs-02-live-totals").await;
    b.click("#save-draft").await;
    b.wait_text("#document-status", "Brouillon").await;
    b.wait_text("#gross", "107,99 €").await;

    // Issued, accepted, then along the pipeline.
    b.click("#issue").await;
    b.click("#confirm").await;
    b.wait_text("#document-status", "Émis").await;
    assert!(b.text("h1").await.contains("D20"), "{}", b.text("h1").await);
    b.click("#accept").await;
    b.wait_text("#document-status", "Accepté").await;
    b.screenshot("docs-03-quote-accepted").await;
    b.click("#convert-order").await;
    b.wait_text("h1", "Commande").await;
    b.click("#issue").await;
    b.click("#confirm").await;
    b.wait_text("#document-status", "Confirmée").await;
    b.click("#convert-delivery-note").await;
    b.wait_text("h1", "Bon de livraison").await;
    b.click("#issue").await;
    b.click("#confirm").await;
    b.wait_text("#document-status", "Validé").await;
    b.click("#convert-invoice").await;
    b.wait_text("h1", "Facture").await;
    b.click("#issue").await;
    b.click("#confirm").await;
    b.wait_text("#document-status", "Émise").await;
    b.wait_text("#family", "Devis D20").await;
    b.wait_text("#family", "Bon de livraison BL20").await;
    b.screenshot("docs-04-invoice-family").await;

    // Paid in part, then a credit note.
    b.fill("#amount", "50").await;
    b.click("#record-payment").await;
    b.wait_text("#document-status", "Payée en partie").await;
    b.wait_text("#due", "57,99 €").await;
    b.click("#credit-note").await;
    b.click("#confirm").await;
    b.wait_text("h1", "Avoir").await;
    b.click("#issue").await;
    b.click("#confirm").await;
    // Un avoir émis: the status agrees with the document.
    b.wait_text("#document-status", "Émis").await;
    b.wait_text("#family", "Facture F20").await;
    b.screenshot("docs-05-credit-note").await;
    b.goto(&format!("{app}/credit-notes")).await;
    b.wait_text("#document-list", "107,99 €").await;
    b.quit().await;
}

#[tokio::test]
async fn a_quote_becomes_a_paid_invoice_and_a_credit_note_in_a_real_browser() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        journey(&db).await;
    }
}
