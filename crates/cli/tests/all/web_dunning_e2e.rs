//! Collections in a real headless Chromium on a phone-sized window, on SQLite then
//! PostgreSQL: the unpaid list filtered by a customer's name, two invoices ticked and
//! reminded after the confirmation page, the reminder in the invoice's dunning history,
//! then undone from there. Screenshots in `target/test-artefacts/web/` (`*-dunning-*.png`).

use crate::browser;

use browser::*;
use serde_json::json;

/// A day `days` from today, as the API writes dates.
fn day(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

/// An invoice of 120.00 issued `issued` days from today (30 days' terms): its id and number.
async fn invoice(served: &Served, customer: &str, issued: i64) -> (String, String) {
    let line = json!({"description": "Entretien", "quantity": "1", "unit_price": "100", "vat_rate": "20"});
    let draft =
        served.post("/invoices", json!({"customer_id": customer, "issue_date": day(issued), "lines": [line]})).await;
    let id = draft["id"].as_str().unwrap().to_string();
    let issued = served.post(&format!("/invoices/{id}/issue"), json!({})).await;
    (id, issued["number"].as_str().unwrap().to_string())
}

async fn journey(db: &Db) {
    let served = Served::start(db).await;
    let app = served.url.clone();
    // Levels sent by letter: the daily job (e-mail levels only) leaves these overdue
    // invoices to the user, who reminds them by e-mail from the list.
    let level = |code: &str, days: u16| json!({"code": code, "days": days, "from": "due_date", "channel": "letter"});
    let policy = json!({"levels": [level("reminder_1", 0), level("reminder_2", 15), level("formal_notice", 30)]});
    served.identify(json!({"dunning": policy})).await;
    let customer = |name: &str| {
        json!({"name": name, "email": "compta@exemple.fr", "legal": {"siren": "732829320"},
               "billing_address": {"line1": "1 rue Haute", "postal_code": "69002", "city": "Lyon", "country": "FR"}})
    };
    let martin = served.post("/customers", customer("Boulangerie Martin")).await;
    let martin = martin["id"].as_str().unwrap().to_string();
    let durand = served.post("/customers", customer("Menuiserie Durand")).await;
    let durand = durand["id"].as_str().unwrap().to_string();
    let (m1, m1_number) = invoice(&served, &martin, -60).await;
    let (d1, _) = invoice(&served, &durand, -55).await;
    let (m2, m2_number) = invoice(&served, &martin, -50).await;

    let b = Browser::start(db.name).await;
    b.window(390, 844).await;
    b.sign_in(&app, ADMIN).await;

    // The unpaid list, filtered by the customer's name.
    b.goto(&format!("{app}/dunning")).await;
    b.wait_text("h1", "Relances").await;
    assert!(b.exists(&format!("#row-{d1}")).await);
    b.fill("#q", "martin").await;
    b.click("#dunning-apply").await;
    b.wait_text("#dunning-list", &m2_number).await;
    assert!(!b.exists(&format!("#row-{d1}")).await, "Durand's invoice is filtered out");
    b.wait_text(&format!("#row-{m1} .next-step"), "Relance 1").await;
    b.screenshot("dunning-01-filtered").await;

    // Both ticked and reminded, after the page that says what will happen.
    b.click(&format!("#select-{m1}")).await;
    b.click(&format!("#select-{m2}")).await;
    b.click("#dunning-run").await;
    b.wait_text("#confirm-consequence", "2 facture(s) de 1 client(s)").await;
    b.wait_text("#confirm-levels", "Relance 1").await;
    b.screenshot("dunning-02-confirm").await;
    b.click("#confirm").await;
    b.wait_text("#done-steps", &m1_number).await;
    b.wait_text("#done-steps", &m2_number).await;
    b.wait_text("#done-emails", "1").await;
    b.screenshot("dunning-03-done").await;
    b.click("#dunning-back").await;
    b.wait_text(&format!("#row-{m1} .last-step"), "Relance 1").await;
    b.wait_text(&format!("#row-{m1} .next-step"), "Relance 2").await;

    // The invoice's history shows it; undone from there, its level is due again.
    b.goto(&format!("{app}/invoices/{m1}")).await;
    b.wait_text("#dunning-steps", "Relance 1 par e-mail").await;
    b.wait_text("#history", "Relance").await;
    b.screenshot("dunning-04-history").await;
    b.click("#dunning-steps .undo-step").await;
    b.click("#confirm").await;
    b.wait_text("#notice", "Relance supprimée").await;
    b.wait_text("#dunning-steps", "supprimée").await;
    b.wait_text("#dunning-next", "Relance 1").await;
    assert!(!b.exists("#dunning-steps .undo-step").await, "nothing left to undo");
    b.screenshot("dunning-05-undone").await;
    b.goto(&format!("{app}/dunning?q=martin")).await;
    b.wait_text(&format!("#row-{m1} .next-step"), "à faire").await;
    b.wait_text(&format!("#row-{m2} .last-step"), "Relance 1").await;
    b.quit().await;
}

#[tokio::test]
async fn unpaid_invoices_are_filtered_reminded_and_undone_on_a_phone_in_a_real_browser() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        journey(&db).await;
    }
}
