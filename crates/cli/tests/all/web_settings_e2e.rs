//! The settings pages in a real headless Chromium on both backends: an administrator
//! fixes the company's identity (a wrong SIREN first), adds a bank account, creates an
//! API token and uses it, then does the same in English and revokes the token.
//! Screenshots of the settings pages go to the test artefacts directory.

use crate::browser;

use browser::*;
use serde_json::{Value, json};

async fn api(app: &str, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new().get(format!("{app}/api/v1{path}")).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn new_token(b: &Browser, app: &str, name: &str) -> String {
    b.goto(&format!("{app}/tokens")).await;
    b.fill("#token-name", name).await;
    b.click("#create-token").await;
    b.find("#new-token").await;
    b.text("#new-token").await.trim().to_string()
}

async fn settings_journey(db: &Db) {
    let served = Served::start(db).await;
    let app = served.url.clone();
    // Another company's admin, whom this company will invite.
    run(db, &["init", "--company-name", "Zeta SAS", "--admin-email", "boss@zeta.fr", "--json"], &[]);
    run(db, &["user", "set-password", "--email", "boss@zeta.fr"], &[("FACTURIER_PASSWORD", PASSWORD)]);
    let b = Browser::start(db.name).await;

    b.sign_in(&app, ADMIN).await;

    // Identity, in French: a wrong SIREN is shown next to its field, then fixed.
    // The administration pages are grouped in one menu of the navigation bar.
    b.click("#nav-admin > summary").await;
    b.screenshot("settings-00-admin-menu-fr").await;
    b.click("#nav-settings").await;
    b.wait_text("h1", "Paramètres").await;
    b.fill("[id='identity.name']", "Atelier Lumière SARL").await;
    b.fill("[id='identity.legal_form']", "SARL").await;
    b.fill("[id='identity.share_capital']", "10000").await;
    b.fill("[id='identity.siren']", "732829321").await;
    b.fill("[id='identity.address.line1']", "3 quai Saint-Antoine").await;
    b.fill("[id='identity.address.postal_code']", "69002").await;
    b.fill("[id='identity.address.city']", "Lyon").await;
    b.click("#save").await;
    b.wait_text("[id='identity.siren-error']", "SIREN").await;
    b.screenshot("settings-01-identity-error").await;
    b.fill("[id='identity.siren']", "732829320").await;
    b.click("#save").await;
    b.wait_text("#notice", "Modifications enregistrées").await;
    b.screenshot("settings-02-identity-saved").await;

    // A bank account.
    b.click("#tab-banks").await;
    b.fill("[id='banks[0].label']", "Compte courant").await;
    b.fill("[id='banks[0].iban']", "FR76 3000 6000 0112 3456 7890 189").await;
    b.fill("[id='banks[0].bic']", "AGRIFRPP").await;
    b.click("#save").await;
    b.wait_text("#notice", "Modifications enregistrées").await;
    b.screenshot("settings-03-bank").await;
    b.click("#tab-numbering").await;
    b.find("#example-invoice").await;
    b.screenshot("settings-04-numbering").await;
    b.click("#tab-emails").await;
    b.wait_text("#merge-fields", "{document_number}").await;
    b.screenshot("settings-05-emails").await;

    // An API token, shown once, that the API accepts.
    let token = new_token(&b, &app, "Export comptable").await;
    b.screenshot("settings-06-token-created").await;
    let (status, settings) = api(&app, &token, "/settings").await;
    assert_eq!(status, 200);
    assert_eq!(settings["identity"]["name"], "Atelier Lumière SARL");
    assert_eq!(settings["identity"]["siren"], "732829320");
    let iban = settings["banks"][0]["iban"].as_str().unwrap_or_default().replace(' ', "");
    assert_eq!(iban, "FR7630006000011234567890189");

    // The same in English.
    b.click("#lang-switch").await;
    b.wait_text("h1", "Dashboard").await;
    b.click("#nav-admin > summary").await;
    b.click("#nav-settings").await;
    b.wait_text("h1", "Settings").await;
    b.wait_text("label[for='identity.name']", "Company name").await;
    b.fill("[id='identity.phone']", "04 78 00 00 00").await;
    b.click("#save").await;
    b.wait_text("#notice", "Changes saved").await;
    b.screenshot("settings-07-identity-en").await;
    b.click("#tab-banks").await;
    b.fill("[id='banks[1].label']", "Savings").await;
    b.fill("[id='banks[1].iban']", "FR76 3000 6000 0112 3456 7890 100").await;
    b.click("#save").await;
    b.wait_text("[id='banks[1].iban-error']", "IBAN").await;
    b.screenshot("settings-08-bank-error-en").await;
    let token_en = new_token(&b, &app, "Second token").await;
    let (status, settings) = api(&app, &token_en, "/settings").await;
    assert_eq!(status, 200);
    assert_eq!(settings["identity"]["phone"], "04 78 00 00 00");
    assert_eq!(settings["banks"].as_array().map(Vec::len), Some(1), "the refused account was not stored");
    b.screenshot("settings-09-tokens-en").await;

    // Revoked from the list: the API refuses it at once; the other still works.
    b.goto(&format!("{app}/tokens")).await;
    b.click("#tokens tbody tr:first-child button").await;
    b.click("#confirm").await;
    b.wait_text("#notice", "Token revoked").await;
    assert_eq!(api(&app, &token_en, "/settings").await.0, 401);
    assert_eq!(api(&app, &token, "/settings").await.0, 200);
    b.click("#nav-admin > summary").await;
    b.click("#nav-users").await;
    b.wait_text("#members", "admin@test.fr").await;
    b.screenshot("settings-10-users-en").await;

    // On a phone: adding the address of another company's admin only invites them.
    b.window(390, 844).await;
    b.fill("#email", "boss@zeta.fr").await;
    b.click("#add-user-submit").await;
    b.wait_text("#notice", "already has an account: an invitation was sent").await;
    b.wait_text("#pending-invitations", "boss@zeta.fr").await;
    assert!(!b.text("#members").await.contains("boss@zeta.fr"), "not a member before accepting");
    b.fits_the_phone("the users page").await;
    b.screenshot("settings-11-invitation-sent-phone-en").await;
    b.click("#nav-toggle").await; // the account is in the menu on a phone
    b.click("#logout button").await;
    b.wait_text("h1", "facturier").await; // the sign-in page, whose form replaces the users page's

    // The invited admin signs in to their own company and answers from the header's link.
    b.sign_in(&app, "boss@zeta.fr").await;
    assert!(b.text("header").await.contains("Zeta SAS"), "lands in their own company");
    b.click("#nav-invitations").await;
    b.wait_text("#invitations", "Atelier Test").await;
    b.screenshot("settings-12-invitation-phone-fr").await;
    b.click("#invitations button.primary").await;
    b.wait_text("h1", "Tableau de bord").await;
    let current = b.script("return document.querySelector('#company-switch option:checked').textContent").await;
    assert_eq!(current, json!("Atelier Test"), "working in the company joined");
    assert!(!b.exists("#nav-invitations").await, "nothing left to answer");
    b.quit().await;
}

#[tokio::test]
async fn an_admin_edits_the_settings_and_uses_an_api_token_in_a_real_browser() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        settings_journey(&db).await;
    }
}
