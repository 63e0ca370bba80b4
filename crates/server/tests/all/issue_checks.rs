//! An e-invoice that would break EN 16931, BR-FR or French invoicing law is refused
//! before a number is drawn (422 naming each problem, in the reader's language), on
//! SQLite and PostgreSQL: the draft stays a draft, the next invoice gets the next number,
//! `GET …/issue-check` says the same beforehand, and the same data completed issues an
//! invoice the independent validators accept.

use crate::common;

use common::{TestApp, each_db, forget_identity};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

fn item(quantity: &str, price: &str, rate: &str, category: &str) -> Value {
    json!({"description": "Prestation", "quantity": quantity, "unit_price": price, "vat_rate": rate,
           "vat_category": category})
}

fn address(country: &str) -> Value {
    json!({"line1": "3 quai Saint-Antoine", "postal_code": "69002", "city": "Lyon", "country": country})
}

/// A customer of this shape: `fr` a French business with SIREN and VAT number, `de` a
/// German one with its VAT number, `us` an American one, `person` a consumer.
async fn customer(app: &TestApp, who: &str) -> String {
    let body = match who {
        "fr" => json!({"name": "Client SARL", "email": "compta@client.fr",
                       "legal": {"siren": "732829320", "vat_number": "FR44732829320"}, "billing_address": address("FR")}),
        "fr-no-vat" => json!({"name": "Client SARL", "email": "compta@client.fr",
                       "legal": {"siren": "732829320"}, "billing_address": address("FR")}),
        "de" => json!({"name": "Kunde GmbH", "email": "buchhaltung@kunde.de", "legal": {"vat_number": "DE123456789"},
                       "billing_address": {"line1": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin", "country": "DE"}}),
        "us" => json!({"name": "Client Inc", "email": "ap@client.example",
                       "billing_address": {"line1": "1 Main Street", "postal_code": "10001", "city": "New York", "country": "US"}}),
        _ => json!({"kind": "individual", "name": "Camille Petit", "email": "camille@example.fr",
                    "billing_address": address("FR")}),
    };
    let r = app.post("/customers", body).await;
    id(r.assert_status(201))
}

async fn draft(app: &TestApp, customer: &str, lines: Value, extra: Value) -> Value {
    let mut body = json!({"customer_id": customer, "lines": lines});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post("/invoices", body).await.assert_status(201).clone()
}

fn codes(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["code"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// Issuing is refused with 422 and these codes; the draft is left as it was.
async fn refused(app: &TestApp, doc: &Value, want: &[&str]) -> Value {
    let r = app.post(&format!("/invoices/{}/issue", id(doc)), json!({})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    let got = codes(&r.body);
    for w in want {
        assert!(got.iter().any(|g| g == w), "{w} expected among {got:?}: {}", r.body);
    }
    for e in r.body["errors"].as_array().expect("errors") {
        assert!(e["field"].as_str().is_some_and(|f| !f.is_empty()), "{e}");
        assert!(e["message"].as_str().is_some_and(|m| m.len() > 20), "{e}");
        assert!(e["rule"].is_string(), "{e}");
    }
    let after = app.get(&format!("/invoices/{}", id(doc))).await;
    assert_eq!(after.body["status"], "draft");
    assert!(after.body["number"].is_null(), "no number was given: {}", after.body);
    // The check beforehand says the same.
    let check = app.get(&format!("/invoices/{}/issue-check", id(doc))).await;
    assert_eq!(check.assert_status(200)["issuable"], false);
    let before: Vec<&str> =
        check.body["problems"].as_array().unwrap().iter().filter_map(|p| p["code"].as_str()).collect();
    assert_eq!(before, got.iter().map(String::as_str).collect::<Vec<_>>());
    r.body
}

async fn issued_number(app: &TestApp, doc: &Value) -> String {
    let r = app.post(&format!("/invoices/{}/issue", id(doc)), json!({})).await;
    r.assert_status(200)["number"].as_str().expect("a number").to_string()
}

#[tokio::test]
async fn a_company_without_identity_is_told_what_to_complete_and_loses_no_number() {
    each_db(|app| async move {
        forget_identity(&app.store, app.company_id).await;
        let client = customer(&app, "fr").await;
        let inv = draft(&app, &client, json!([item("2", "450", "20", "S")]), json!({})).await;
        let problem = refused(
            &app,
            &inv,
            &["seller_address_missing", "seller_siren_missing", "seller_vat_number_missing", "seller_legal_form_missing"],
        )
        .await;
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
        assert!(fields.contains(&"settings.identity.siren"), "{fields:?}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("Settings → Identity"), "{problem}");

        // In French for a reader who asks for it.
        let fr = app.request(Method::POST, &format!("/invoices/{}/issue", id(&inv)), None, &[("accept-language", "fr-FR,fr;q=0.9")]).await;
        assert_eq!(fr.status, 422);
        let siren = fr.body["errors"].as_array().unwrap().iter().find(|e| e["code"] == "seller_siren_missing").unwrap().clone();
        assert_eq!(siren["message"], "Le SIREN de l'entreprise manque : complétez-le dans Paramètres → Identité.");
        assert!(fr.body["detail"].as_str().unwrap().contains("aucun numéro"), "{}", fr.body);

        // Completed, the same draft takes the first number: nothing was used before.
        let r = app
            .patch(
                "/settings",
                json!({"identity": {"name": "Atelier Lumière SAS", "legal_form": "SAS", "share_capital": "20000",
                    "rcs_city": "Lyon", "siren": "552100554", "vat_number": "FR96552100554",
                    "address": {"line1": "14 rue de la Charité", "postal_code": "69002", "city": "Lyon", "country": "FR"}}}),
            )
            .await;
        r.assert_status(200);
        let check = app.get(&format!("/invoices/{}/issue-check", id(&inv))).await;
        assert_eq!(check.assert_status(200)["issuable"], true, "{}", check.body);
        assert!(issued_number(&app, &inv).await.ends_with("00001"));
    })
    .await;
}

#[tokio::test]
async fn vat_categories_decimals_rates_and_terms_the_rules_refuse_are_named() {
    each_db(|app| async move {
        let (fr, fr_no_vat, de, us, person) = (
            customer(&app, "fr").await,
            customer(&app, "fr-no-vat").await,
            customer(&app, "de").await,
            customer(&app, "us").await,
            customer(&app, "person").await,
        );
        let s20 = item("1", "100", "20", "S");
        let cases: Vec<(&str, &str, Value, Value, &str)> = vec![
            (
                "reverse charge to a consumer",
                &person,
                json!([item("1", "5000", "0", "AE")]),
                json!({}),
                "reverse_charge_buyer",
            ),
            (
                "reverse charge, no buyer VAT",
                &fr_no_vat,
                json!([item("1", "5000", "0", "AE")]),
                json!({}),
                "reverse_charge_buyer",
            ),
            ("intra-EU to a French buyer", &fr, json!([item("10", "50", "0", "K")]), json!({}), "intra_eu_buyer"),
            ("intra-EU outside the EU", &us, json!([item("10", "50", "0", "K")]), json!({}), "intra_eu_buyer"),
            ("export to an EU buyer", &de, json!([item("10", "50", "0", "G")]), json!({}), "export_buyer"),
            (
                "disbursements beside VAT",
                &fr,
                json!([s20.clone(), item("1", "35", "0", "O")]),
                json!({}),
                "not_subject_mixed",
            ),
            (
                "exemption with no legal basis",
                &fr,
                json!([item("1", "900", "0", "E")]),
                json!({}),
                "exemption_reason_missing",
            ),
            ("six-decimal quantity", &fr, json!([item("1.123456", "100", "20", "S")]), json!({}), "quantity_decimals"),
            ("19.6 %", &fr, json!([item("1", "100", "19.6", "S")]), json!({}), "vat_rate_not_french"),
            ("7 %", &fr, json!([item("1", "100", "7", "S")]), json!({}), "vat_rate_not_french"),
            (
                "90 days between businesses",
                &fr,
                json!([s20.clone()]),
                json!({"payment_terms": "90_days"}),
                "payment_terms_too_long",
            ),
        ];
        for (what, who, lines, extra, code) in cases {
            let inv = draft(&app, who, lines, extra).await;
            let body = refused(&app, &inv, &[code]).await;
            assert!(!body["errors"].as_array().unwrap().is_empty(), "{what}");
        }
        // The company's own settings: no penalty at all, the MINIMUM profile.
        let inv = draft(&app, &fr, json!([s20.clone()]), json!({})).await;
        app.patch("/settings", json!({"legal": {"late_penalty_rate": "0"}})).await.assert_status(200);
        refused(&app, &inv, &["late_penalty_zero"]).await;
        app.patch("/settings", json!({"legal": {}, "documents": {"facturx_profile": "minimum"}}))
            .await
            .assert_status(200);
        refused(&app, &inv, &["profile_minimum"]).await;
        app.patch("/settings", json!({"documents": {"facturx_profile": "en16931"}})).await.assert_status(200);

        // None of the refusals took a number; quotes are not e-invoices and are not checked.
        assert!(issued_number(&app, &inv).await.ends_with("00001"));
        let q =
            app.post("/quotes", json!({"customer_id": person, "lines": [item("1.123456", "10", "19.6", "S")]})).await;
        app.post(&format!("/quotes/{}/issue", id(q.assert_status(201))), json!({})).await.assert_status(200);
    })
    .await;
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.bytes().await.expect("bytes").to_vec()
}

/// The Factur-X PDF of an issued invoice passes the independent validators.
async fn assert_valid_pdf(app: &TestApp, doc: &Value, name: &str) {
    if !common::smtp::python_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&file, download(app, &format!("/invoices/{}/pdf", id(doc))).await).expect("write");
    let run = Command::new(common::smtp::python())
        .arg(repo().join("scripts/validate.py"))
        .arg("pdf")
        .arg(&file)
        .output()
        .expect("run scripts/validate.py");
    let out = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert_eq!(run.status.code(), Some(0), "{name}:\n{out}");
}

#[tokio::test]
async fn completed_data_issues_an_invoice_the_validators_accept_and_a_micro_entrepreneur_issues_exempt_lines() {
    each_db(|app| async move {
        // What the table above refused, corrected: reverse charge to a VAT-registered
        // contractor, the intra-EU supply to the German company, an exemption with its basis.
        let fr = customer(&app, "fr").await;
        let de = customer(&app, "de").await;
        let ae = draft(&app, &fr, json!([item("1", "5000", "0", "AE")]), json!({})).await;
        issued_number(&app, &ae).await;
        assert_valid_pdf(&app, &ae, "reverse-charge").await;
        let k = draft(&app, &de, json!([item("10", "50", "0", "K")]), json!({})).await;
        issued_number(&app, &k).await;
        assert_valid_pdf(&app, &k, "intra-eu").await;
        let e = draft(
            &app,
            &fr,
            json!([item("1", "900", "0", "E")]),
            json!({"vat_exemptions": [{"category": "E", "code": "VATEX-FR-CGI261-4", "text": "Exonération de TVA, art. 261-4-4° a du CGI"}]}),
        )
        .await;
        issued_number(&app, &e).await;
        assert_valid_pdf(&app, &e, "exempt-training").await;

        // A micro-entrepreneur: SIREN, no VAT number, the franchise.
        let micro = app.other_company().await;
        let r = micro
            .patch(
                "/settings",
                json!({"identity": {"name": "Camille Roux", "legal_form": "EI", "siren": "732829320",
                    "address": {"line1": "14 rue de la Charité", "postal_code": "69002", "city": "Lyon", "country": "FR"}},
                    "legal": {"vat_regime": "franchise"}}),
            )
            .await;
        r.assert_status(200);
        let client = customer(&micro, "fr").await;
        // Charging VAT under the franchise is refused…
        let wrong = draft(&micro, &client, json!([item("1", "400", "20", "S")]), json!({})).await;
        refused(&micro, &wrong, &["franchise_charges_vat"]).await;
        // …exempt lines issue, with the 293 B mention, and pass the validators.
        let inv = draft(&micro, &client, json!([item("3", "400", "0", "E")]), json!({})).await;
        assert!(issued_number(&micro, &inv).await.ends_with("00001"));
        let ubl = String::from_utf8(download(&micro, &format!("/invoices/{}/ubl", id(&inv))).await).unwrap();
        assert!(ubl.contains("293 B"), "{ubl}");
        assert_valid_pdf(&micro, &inv, "micro-entrepreneur").await;
    })
    .await;
}

#[tokio::test]
async fn the_draft_page_shows_what_to_complete_before_issue_and_the_first_invoice_asks_for_the_identity() {
    use common::web_client::{Browser, as_read, csrf_of, with_password};
    each_db(|app| async move {
        forget_identity(&app.store, app.company_id).await;
        let client = customer(&app, "fr").await;
        let inv = draft(&app, &client, json!([item("2", "450", "20", "S")]), json!({})).await;
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        b.sign_in_as("admin@test.fr").await;

        // The first invoice of a company with no identity: the editor asks for it first.
        let new = b.get("/invoices/new").await;
        assert_eq!(new.status, 200);
        assert!(new.body.contains(r#"id="first-run""#), "{}", new.body);
        assert!(new.body.contains(r#"href="/settings" id="first-run-identity""#));

        // The draft's page lists each problem with a link to where it is fixed, and the
        // button is there but cannot be used.
        let page = b.get(&format!("/invoices/{}", id(&inv))).await;
        assert_eq!(page.status, 200);
        let text = as_read(&page.body);
        assert!(page.body.contains(r#"id="issue-problems""#), "{}", page.body);
        assert!(text.contains("Le SIREN de l'entreprise manque : complétez-le dans Paramètres → Identité."), "{text}");
        assert!(text.contains(r#"<a href="/settings">Compléter l'identité</a>"#), "{text}");
        assert!(page.body.contains(r#"id="issue" class="primary" disabled"#), "{}", page.body);

        // Posted anyway (an old page), it is refused with the same list; nothing changes.
        let csrf = csrf_of(&page.body);
        let refused = b.act(&csrf, &format!("/invoices/{}/issue", id(&inv)), &[]).await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains(r#"id="issue-problems""#));
        assert_eq!(app.get(&format!("/invoices/{}", id(&inv))).await.body["status"], "draft");

        // In English for an English reader.
        let switched = b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        assert_eq!(switched.status, 303);
        let text = as_read(&b.get(&format!("/invoices/{}", id(&inv))).await.body);
        assert!(text.contains("The company's SIREN is missing: complete it in Settings → Identity."), "{text}");
        assert!(text.contains(r#"<a href="/settings">Complete the identity</a>"#), "{text}");

        // Completed: no panel, no banner, the button issues.
        common::give_identity(&app.store, app.company_id, "Test SARL").await;
        let page = b.get(&format!("/invoices/{}", id(&inv))).await;
        assert!(!page.body.contains(r#"id="issue-problems""#));
        assert!(!b.get("/invoices/new").await.body.contains(r#"id="first-run""#));
        let done = b.act(&csrf_of(&page.body), &format!("/invoices/{}/issue", id(&inv)), &[("confirm", "1")]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(app.get(&format!("/invoices/{}", id(&inv))).await.body["status"], "issued");
    })
    .await;
}
