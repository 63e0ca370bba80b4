//! SEPA direct debit over HTTP on SQLite and PostgreSQL (API.md, "Collections"): the
//! creditor identifier in the settings, mandates, a batch over selected invoices with
//! its refusals, its pain.008 file checked by `scripts/validate.py sepa` (the sepaxml
//! XSDs and the EPC rules), its collection recording a payment on every invoice, and a
//! bank's reject reopening one invoice with the reason and the fee.

use crate::common;

use common::{TestApp, each_db, line};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

const ICS: &str = "FR72ZZZ123456";

async fn setup_creditor(app: &TestApp) {
    let r = app
        .patch(
            "/settings",
            json!({
                "sepa": {"creditor_id": "fr72 zzz 123456"},
                "banks": [{"label": "Compte principal", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX", "default": true}],
            }),
        )
        .await;
    assert_eq!(r.assert_status(200)["sepa"]["creditor_id"], ICS);
}

async fn mandate(app: &TestApp, customer: &str, reference: &str) -> Value {
    let body = json!({"iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP", "reference": reference, "signed_on": "2026-01-15", "signed_at_place": "Lyon"});
    app.post(&format!("/customers/{customer}/mandates"), body).await.assert_status(201).clone()
}

async fn invoice(app: &TestApp, customer: &str, net: &str) -> String {
    let inv = app.issued_invoice(customer, &[line("Abonnement", "1", net, "20")]).await;
    inv["id"].as_str().unwrap().to_string()
}

async fn fetch(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, r.bytes().await.expect("body").to_vec())
}

fn assert_valid_sepa(name: &str, xml: &[u8]) {
    if !common::smtp::python_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join(name);
    std::fs::write(&file, xml).expect("write");
    let run = Command::new(common::smtp::python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/validate.py"))
        .arg("sepa")
        .arg(&file)
        .output()
        .expect("run scripts/validate.py");
    let out = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert_eq!(run.status.code(), Some(0), "{name}:\n{out}\n{}", String::from_utf8_lossy(xml));
    assert!(out.contains(" 0 error(s)"), "{out}");
}

fn tomorrow() -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(2)).to_string()
}

#[tokio::test]
async fn the_creditor_identifier_and_mandates_are_checked() {
    each_db(|app| async move {
        let r = app.patch("/settings", json!({"sepa": {"creditor_id": "FR73ZZZ123456"}})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(r.error_fields(), ["sepa.creditor_id"]);
        setup_creditor(&app).await;
        assert_eq!(app.get("/settings").await.assert_status(200)["sepa"]["creditor_id"], ICS);
        let customer = app.customer().await;
        let bad = json!({"iban": "FR76 3000 6000 0112 3456 7890 188", "bic": "AGRI", "reference": "RUM_1", "signed_on": "2999-01-01"});
        let r = app.post(&format!("/customers/{customer}/mandates"), bad).await;
        assert_eq!(r.status, 422, "{}", r.body);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, ["bic", "iban", "reference", "signed_on"]);
        let m = mandate(&app, &customer, "RUM-0001").await;
        assert_eq!((m["iban"].as_str(), m["next_sequence"].as_str()), (Some("FR7630006000011234567890189"), Some("FRST")));
        assert_eq!(m["status"], "active");
        // The reference is unique in the company.
        let again = json!({"iban": "FR7630006000011234567890189", "reference": "RUM-0001", "signed_on": "2026-02-01"});
        let r = app.post(&format!("/customers/{customer}/mandates"), again).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["reference".to_string()]), "{}", r.body);
        let list = app.get(&format!("/customers/{customer}/mandates")).await;
        assert_eq!(list.assert_status(200)["data"].as_array().map(Vec::len), Some(1));
        let id = m["id"].as_str().unwrap();
        let r = app.post(&format!("/customers/{customer}/mandates/{id}/revoke"), json!({})).await;
        assert_eq!(r.assert_status(200)["status"], "revoked");
        let r = app.post(&format!("/customers/{customer}/mandates/{id}/revoke"), json!({})).await;
        assert_eq!(r.status, 409);
        // Another company sees neither the customer nor its mandates.
        let other = app.other_company().await;
        assert_eq!(other.get(&format!("/customers/{customer}/mandates")).await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn a_batch_is_refused_naming_the_invoice_that_cannot_be_collected() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let paid = invoice(&app, &customer, "100").await;
        let date = tomorrow();
        // No creditor identifier yet: 409 saying what to set.
        mandate(&app, &customer, "RUM-A").await;
        let r = app.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": [paid]})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        setup_creditor(&app).await;
        let other = app.customer_named("Sans Mandat SARL").await;
        let no_mandate = invoice(&app, &other, "50").await;
        let draft = app.draft_invoice(&customer, &[line("Brouillon", "1", "10", "20")]).await;
        let draft = draft["id"].as_str().unwrap().to_string();
        let ok = invoice(&app, &customer, "30").await;
        app.post(&format!("/invoices/{paid}/payments"), json!({"amount": "120.00", "method": "cheque"}))
            .await
            .assert_status(200);
        for (ids, field) in [
            (json!([ok, no_mandate]), "invoice_ids[1]"),
            (json!([draft]), "invoice_ids[0]"),
            (json!([ok, paid]), "invoice_ids[1]"),
            (json!([ok, ok]), "invoice_ids[1]"),
            (json!(["not-an-id"]), "invoice_ids[0]"),
        ] {
            let r = app.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": ids})).await;
            assert_eq!((r.status, r.error_fields()), (422, vec![field.to_string()]), "{ids}: {}", r.body);
        }
        let r = app.post("/sepa/direct-debits", json!({"collection_date": "2000-01-01", "invoice_ids": [ok]})).await;
        assert_eq!(r.error_fields(), ["collection_date"], "{}", r.body);
        // Nothing was made by the refusals; the good invoice goes through, once.
        assert_eq!(app.get("/sepa/direct-debits").await.assert_status(200)["data"], json!([]));
        app.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": [ok]})).await.assert_status(201);
        let r = app.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": [ok]})).await;
        assert_eq!(r.error_fields(), ["invoice_ids[0]"], "{}", r.body);
        // Another company cannot collect this company's invoice.
        let stranger = app.other_company().await;
        let r = stranger.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": [ok]})).await;
        assert!(r.status == 409 || r.error_fields() == ["invoice_ids[0]"], "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn a_batch_is_written_collected_and_a_reject_reopens_its_invoice() {
    each_db(|app| async move {
        setup_creditor(&app).await;
        let a = app.customer_named("Boulangerie Martin").await;
        let b = app.customer_named("Garage Dupont & Fils").await;
        mandate(&app, &a, "RUM-A-001").await;
        mandate(&app, &b, "RUM-B-001").await;
        let a1 = invoice(&app, &a, "100").await; // 120.00
        let b1 = invoice(&app, &b, "50.50").await; // 60.60
        let date = tomorrow();
        let r = app.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": [a1, b1]})).await;
        let batch = r.assert_status(201).clone();
        let id = batch["id"].as_str().unwrap().to_string();
        assert_eq!((batch["count"].as_i64(), batch["control_sum"].as_str()), (Some(2), Some("180.60")));
        assert_eq!(batch["debits"][0]["sequence"], "FRST");
        assert_eq!(batch["debits"][1]["amount"], "60.60");
        assert_eq!(app.get(&format!("/sepa/direct-debits/{id}")).await.assert_status(200), &batch);
        // The file, in both versions, as the validators see it.
        let (status, ct, xml) = fetch(&app, &format!("/sepa/direct-debits/{id}/xml")).await;
        assert_eq!((status, ct.as_str()), (200, "application/xml"));
        let text = String::from_utf8(xml.clone()).unwrap();
        assert!(
            text.contains("pain.008.001.02") && text.contains("<CtrlSum>180.60</CtrlSum>") && text.contains(ICS),
            "{text}"
        );
        assert!(text.contains("<MndtId>RUM-B-001</MndtId>") && text.contains("Garage Dupont &amp; Fils"), "{text}");
        assert_valid_sepa("batch-02.xml", &xml);
        let (status, _, xml08) = fetch(&app, &format!("/sepa/direct-debits/{id}/xml?version=08")).await;
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&xml08).contains("pain.008.001.08"));
        assert_valid_sepa("batch-08.xml", &xml08);
        assert_eq!(fetch(&app, &format!("/sepa/direct-debits/{id}/xml?version=99")).await.0, 422);
        // A reject before the collection is refused.
        let r =
            app.post(&format!("/sepa/direct-debits/{id}/rejects"), json!({"invoice_id": a1, "reason": "AM04"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        // Collected: a direct-debit payment on every invoice.
        let r = app.post(&format!("/sepa/direct-debits/{id}/collected"), json!({"date": date})).await;
        let collected = r.assert_status(200).clone();
        assert_eq!(collected["status"], "collected");
        for inv in [&a1, &b1] {
            let i = app.get(&format!("/invoices/{inv}")).await.assert_status(200).clone();
            assert_eq!(i["status"], "paid");
            assert_eq!(i["payments"][0]["method"], "direct_debit");
        }
        let r = app.post(&format!("/sepa/direct-debits/{id}/collected"), json!({"date": date})).await;
        assert_eq!(r.status, 409);
        // The bank rejects B's debit: B's invoice is open again, with the reason; the fee is kept.
        let r = app
            .post(
                &format!("/sepa/direct-debits/{id}/rejects"),
                json!({"invoice_id": b1, "reason": "am04", "fee": "7.50", "date": date}),
            )
            .await;
        let after = r.assert_status(200).clone();
        let d = &after["debits"][1];
        assert_eq!(
            (d["status"].as_str(), d["reject_reason"].as_str(), d["reject_fee"].as_str()),
            (Some("rejected"), Some("AM04"), Some("7.50"))
        );
        let i = app.get(&format!("/invoices/{b1}")).await.assert_status(200).clone();
        assert_eq!((i["status"].as_str(), i["totals"]["due"].as_str()), (Some("issued"), Some("60.60")));
        let events: Vec<&str> = i["history"].as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
        assert!(events.contains(&"payment_cancelled") && events.contains(&"sepa_debit_rejected"), "{events:?}");
        assert!(i["history"].to_string().contains("AM04"));
        assert_eq!(app.get(&format!("/invoices/{a1}")).await.assert_status(200)["status"], "paid");
        let r =
            app.post(&format!("/sepa/direct-debits/{id}/rejects"), json!({"invoice_id": b1, "reason": "AM04"})).await;
        assert_eq!(r.status, 409);
        let r =
            app.post(&format!("/sepa/direct-debits/{id}/rejects"), json!({"invoice_id": b1, "reason": "AM0"})).await;
        assert_eq!(r.error_fields(), ["reason"]);
        // The rejected first debit leaves B's mandate at FRST again; A's goes on with RCUR.
        let mb = app.get(&format!("/customers/{b}/mandates")).await.assert_status(200).clone();
        assert_eq!(mb["data"][0]["next_sequence"], "FRST");
        let ma = app.get(&format!("/customers/{a}/mandates")).await.assert_status(200).clone();
        assert_eq!(ma["data"][0]["next_sequence"], "RCUR");
        let a2 = invoice(&app, &a, "10").await;
        let r = app.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": [a2, b1]})).await;
        let next = r.assert_status(201).clone();
        let seqs: Vec<&str> =
            next["debits"].as_array().unwrap().iter().filter_map(|d| d["sequence"].as_str()).collect();
        assert_eq!(seqs, ["RCUR", "FRST"]);
        let (_, _, xml) = fetch(&app, &format!("/sepa/direct-debits/{}/xml", next["id"].as_str().unwrap())).await;
        assert_valid_sepa("batch-next.xml", &xml);
        // Another company knows none of it.
        let other = app.other_company().await;
        assert_eq!(other.get(&format!("/sepa/direct-debits/{id}")).await.status, 404);
        assert_eq!(fetch(&other, &format!("/sepa/direct-debits/{id}/xml")).await.0, 404);
        assert_eq!(other.post(&format!("/sepa/direct-debits/{id}/collected"), json!({})).await.status, 404);
    })
    .await;
}
