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

/// The first collection date a batch made now may ask for (a TARGET2 business day, one
/// business day after sending), a day later to stay clear of midnight in Paris.
fn tomorrow() -> String {
    let today = facturier_core::calendar::today("FR") + time::Duration::days(1);
    facturier_core::sepa::earliest_collection_date(today).to_string()
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

async fn post_xml(app: &TestApp, path: &str, xml: &str) -> (u16, Value) {
    let r = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(&app.token)
        .header("content-type", "application/xml")
        .body(xml.to_string())
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn collected_batch(app: &TestApp, invoices: &[&str]) -> Value {
    let date = tomorrow();
    let r = app.post("/sepa/direct-debits", json!({"collection_date": date, "invoice_ids": invoices})).await;
    let batch = r.assert_status(201).clone();
    let id = batch["id"].as_str().unwrap();
    app.post(&format!("/sepa/direct-debits/{id}/collected"), json!({"date": date})).await.assert_status(200).clone()
}

#[tokio::test]
async fn a_mandate_amended_through_the_api_is_reported_by_the_next_debit() {
    each_db(|app| async move {
        setup_creditor(&app).await;
        let c = app.customer_named("Boulangerie Martin").await;
        let m = mandate(&app, &c, "RUM-OLD-1").await;
        let path = format!("/customers/{c}/mandates/{}/amend", m["id"].as_str().unwrap());
        // Checked input; nothing to change is refused; nothing lost.
        let r = app.post(&path, json!({"iban": "FR76 3000 6000 0112 3456 7890 188", "bic": "AGRI"})).await;
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!((r.status, fields), (422, vec!["bic".to_string(), "iban".to_string()]), "{}", r.body);
        let r = app.post(&path, json!({"reference": "RUM-OLD-1"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["iban".to_string()]), "{}", r.body);
        assert_eq!(
            app.get(&format!("/customers/{c}/mandates")).await.assert_status(200)["data"][0]["reference"],
            "RUM-OLD-1"
        );
        // A first collection: the bank knows RUM-OLD-1 and the first IBAN.
        let first = invoice(&app, &c, "100").await;
        collected_batch(&app, &[&first]).await;
        // A new reference and a new account at the same bank (30006).
        let r = app.post(&path, json!({"reference": "RUM-NEW-1", "iban": "FR7630006000019876543210173"})).await;
        let v = r.assert_status(200).clone();
        assert_eq!(
            (v["amended"].as_bool(), v["original_reference"].as_str(), v["original_iban"].as_str()),
            (Some(true), Some("RUM-OLD-1"), Some("FR7630006000011234567890189"))
        );
        assert_eq!((v["next_sequence"].as_str(), v["bic"].as_str()), (Some("RCUR"), None));
        let second = invoice(&app, &c, "10").await;
        let b = app.post("/sepa/direct-debits", json!({"collection_date": tomorrow(), "invoice_ids": [second]})).await;
        let b = b.assert_status(201).clone();
        assert_eq!(
            (b["debits"][0]["sequence"].as_str(), b["debits"][0]["amended"].as_bool()),
            (Some("RCUR"), Some(true))
        );
        let (_, _, xml) = fetch(&app, &format!("/sepa/direct-debits/{}/xml", b["id"].as_str().unwrap())).await;
        let text: String = String::from_utf8(xml.clone()).unwrap().split_whitespace().collect();
        assert!(text.contains("<AmdmntInd>true</AmdmntInd>"), "{text}");
        assert!(text.contains("<OrgnlMndtId>RUM-OLD-1</OrgnlMndtId>"), "{text}");
        assert!(
            text.contains("<OrgnlDbtrAcct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></OrgnlDbtrAcct>"),
            "{text}"
        );
        assert!(text.contains("<MndtId>RUM-NEW-1</MndtId>"), "{text}");
        assert_valid_sepa("amended-02.xml", &xml);
        let (_, _, xml08) =
            fetch(&app, &format!("/sepa/direct-debits/{}/xml?version=08", b["id"].as_str().unwrap())).await;
        assert_valid_sepa("amended-08.xml", &xml08);
        // While that batch awaits collection the mandate stays as the batch wrote it: a
        // clear refusal naming the batch, nothing changed; collected, it can be amended.
        let r = app.post(&path, json!({"iban": "FR7630004000031234567890143", "bic": "BNPAFRPP"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        let said = r.body.to_string();
        assert!(said.contains(b["message_id"].as_str().unwrap()) && said.contains("awaiting collection"), "{said}");
        let listed = app.get(&format!("/customers/{c}/mandates")).await.assert_status(200)["data"][0].clone();
        assert_eq!(listed["iban"], v["iban"], "unchanged");
        let batch = b["id"].as_str().unwrap();
        let collected = json!({"date": tomorrow()});
        app.post(&format!("/sepa/direct-debits/{batch}/collected"), collected).await.assert_status(200);
        // Reported once: the mandate is plain again.
        let now = app.get(&format!("/customers/{c}/mandates")).await.assert_status(200)["data"][0].clone();
        assert_eq!((now["amended"].as_bool(), now["original_reference"].as_str()), (Some(false), None));
        // Moved to another bank (30004): SMNDA, and a first collection again.
        let r = app.post(&path, json!({"iban": "FR7630004000031234567890143", "bic": "BNPAFRPP"})).await;
        let v = r.assert_status(200).clone();
        assert_eq!(
            (v["new_debtor_agent"].as_bool(), v["next_sequence"].as_str(), v["original_iban"].as_str()),
            (Some(true), Some("FRST"), None)
        );
        let third = invoice(&app, &c, "20").await;
        let b = app.post("/sepa/direct-debits", json!({"collection_date": tomorrow(), "invoice_ids": [third]})).await;
        let b = b.assert_status(201).clone();
        assert_eq!(b["debits"][0]["sequence"], "FRST");
        let (_, _, xml) = fetch(&app, &format!("/sepa/direct-debits/{}/xml", b["id"].as_str().unwrap())).await;
        let text: String = String::from_utf8(xml.clone()).unwrap().split_whitespace().collect();
        assert!(
            text.contains("<OrgnlDbtrAgt><FinInstnId><Othr><Id>SMNDA</Id></Othr></FinInstnId></OrgnlDbtrAgt>"),
            "{text}"
        );
        assert!(text.contains("<SeqTp>FRST</SeqTp>") && !text.contains("OrgnlDbtrAcct"), "{text}");
        assert_valid_sepa("smnda-02.xml", &xml);
        // A mandate never presented is simply corrected; a revoked one cannot be amended.
        let other = app.customer_named("Garage Dupont").await;
        let fresh = mandate(&app, &other, "RUM-FRESH").await;
        let fpath = format!("/customers/{other}/mandates/{}/amend", fresh["id"].as_str().unwrap());
        let v = app.post(&fpath, json!({"reference": "RUM-FRESH-2"})).await.assert_status(200).clone();
        assert_eq!((v["amended"].as_bool(), v["reference"].as_str()), (Some(false), Some("RUM-FRESH-2")));
        // A reference another mandate holds is refused.
        let r = app.post(&fpath, json!({"reference": "RUM-NEW-1"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["reference".to_string()]), "{}", r.body);
        let revoke = format!("/customers/{other}/mandates/{}/revoke", fresh["id"].as_str().unwrap());
        app.post(&revoke, json!({})).await.assert_status(200);
        assert_eq!(app.post(&fpath, json!({"reference": "RUM-FRESH-3"})).await.status, 409);
        // Another company cannot amend it.
        let stranger = app.other_company().await;
        assert_eq!(stranger.post(&path, json!({"reference": "RUM-PIRATE"})).await.status, 404);
    })
    .await;
}

/// A bank's pain.002.001.03 payment status report rejecting some transactions of a
/// pain.008 (ISO 20022 message definition; the elements in the XSD's order).
fn pain002(original: &str, rejected: &[(&str, &str, &str, &str)]) -> String {
    let mut txs = String::new();
    for (i, (e2e, mandate, amount, reason)) in rejected.iter().enumerate() {
        txs.push_str(&format!(
            r#"
      <TxInfAndSts>
        <StsId>RJ{i:04}</StsId>
        <OrgnlEndToEndId>{e2e}</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf>
          <Orgtr><Id><OrgId><BICOrBEI>AGRIFRPPXXX</BICOrBEI></OrgId></Id></Orgtr>
          <Rsn><Cd>{reason}</Cd></Rsn>
        </StsRsnInf>
        <OrgnlTxRef>
          <Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>
          <ReqdColltnDt>2026-12-15</ReqdColltnDt>
          <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>FRST</SeqTp></PmtTpInf>
          <MndtRltdInf><MndtId>{mandate}</MndtId><DtOfSgntr>2026-01-15</DtOfSgntr></MndtRltdInf>
          <Dbtr><Nm>Client</Nm></Dbtr>
          <DbtrAcct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></DbtrAcct>
          <DbtrAgt><FinInstnId><BIC>AGRIFRPP</BIC></FinInstnId></DbtrAgt>
        </OrgnlTxRef>
      </TxInfAndSts>"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrPmtStsRpt>
    <GrpHdr>
      <MsgId>STS-20261209-0001</MsgId>
      <CreDtTm>2026-12-09T07:45:12</CreDtTm>
      <InitgPty><Id><OrgId><BICOrBEI>BNPAFRPPXXX</BICOrBEI></OrgId></Id></InitgPty>
    </GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>{original}</OrgnlMsgId>
      <OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>
      <GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>{original}-1-FRST</OrgnlPmtInfId>
      <PmtInfSts>PART</PmtInfSts>{txs}
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"#
    )
}

/// A bank's camt.054.001.02 debit notification: the returns of collected debits, booked
/// as one entry with the bank's charges (ISO 20022 message definition, XSD order).
fn camt054(original: &str, returned: &[(&str, &str, &str, &str, &str)]) -> String {
    let mut txs = String::new();
    for (e2e, mandate, amount, reason, fee) in returned {
        txs.push_str(&format!(
            r#"
          <TxDtls>
            <Refs>
              <MsgId>{original}</MsgId>
              <PmtInfId>{original}-1-FRST</PmtInfId>
              <EndToEndId>{e2e}</EndToEndId>
              <MndtId>{mandate}</MndtId>
            </Refs>
            <AmtDtls><InstdAmt><Amt Ccy="EUR">{amount}</Amt></InstdAmt></AmtDtls>
            <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>
            <Chrgs><Amt Ccy="EUR">{fee}</Amt><CdtDbtInd>DBIT</CdtDbtInd></Chrgs>
            <RtrInf>
              <Orgtr><Id><OrgId><BICOrBEI>AGRIFRPPXXX</BICOrBEI></OrgId></Id></Orgtr>
              <Rsn><Cd>{reason}</Cd></Rsn>
              <AddtlInf>Retour prelevement</AddtlInf>
            </RtrInf>
          </TxDtls>"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr>
      <MsgId>CAMT054-20261216-0001</MsgId>
      <CreDtTm>2026-12-16T06:00:00</CreDtTm>
    </GrpHdr>
    <Ntfctn>
      <Id>NTF-20261216-0001</Id>
      <CreDtTm>2026-12-16T06:00:00</CreDtTm>
      <Acct><Id><IBAN>FR7630004000031234567890143</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Ntry>
        <Amt Ccy="EUR">68.10</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-12-16</Dt></BookgDt>
        <ValDt><Dt>2026-12-16</Dt></ValDt>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>{txs}
        </NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"#
    )
}

#[tokio::test]
async fn reject_files_are_applied_once_and_unknown_references_listed() {
    each_db(|app| async move {
        setup_creditor(&app).await;
        let a = app.customer_named("Boulangerie Martin").await;
        let b = app.customer_named("Garage Dupont & Fils").await;
        mandate(&app, &a, "RUM-A-001").await;
        mandate(&app, &b, "RUM-B-001").await;
        let a1 = invoice(&app, &a, "100").await; // 120.00
        let b1 = invoice(&app, &b, "50.50").await; // 60.60
        let batch = collected_batch(&app, &[&a1, &b1]).await;
        // The bank names the batch by the file's MsgId (at most 35 characters).
        let msg: String = batch["message_id"].as_str().unwrap().chars().take(35).collect();
        let bnum = batch["debits"][1]["number"].as_str().unwrap().to_string();
        // camt.054: B's debit returned for insufficient funds with 7.50 of charges, and a
        // return of a debit this company never made.
        let file = camt054(
            &msg,
            &[(&bnum, "RUM-B-001", "60.60", "AM04", "7.50"), ("F2099-99999", "RUM-ZZZ", "8.00", "MD01", "0.60")],
        );
        let (status, r) = post_xml(&app, "/sepa/rejects", &file).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(
            (r["kind"].as_str(), r["rejected"].as_u64(), r["unknown"].as_u64()),
            (Some("camt.054"), Some(1), Some(1)),
            "{r}"
        );
        let lines = r["lines"].as_array().unwrap();
        assert_eq!(
            (lines[0]["outcome"].as_str(), lines[0]["number"].as_str()),
            (Some("rejected"), Some(bnum.as_str()))
        );
        assert_eq!(lines[0]["reason_label"], "Insufficient funds");
        assert_eq!(
            (lines[1]["outcome"].as_str(), lines[1]["end_to_end_id"].as_str(), lines[1]["reason"].as_str()),
            (Some("unknown"), Some("F2099-99999"), Some("MD01"))
        );
        let i = app.get(&format!("/invoices/{b1}")).await.assert_status(200).clone();
        assert_eq!((i["status"].as_str(), i["totals"]["due"].as_str()), (Some("issued"), Some("60.60")));
        assert!(i["history"].to_string().contains("AM04"), "{}", i["history"]);
        let id = batch["id"].as_str().unwrap();
        let after = app.get(&format!("/sepa/direct-debits/{id}")).await.assert_status(200).clone();
        let d = &after["debits"][1];
        assert_eq!(
            (d["status"].as_str(), d["reject_reason"].as_str(), d["reject_fee"].as_str(), d["rejected_on"].as_str()),
            (Some("rejected"), Some("AM04"), Some("7.50"), Some("2026-12-16"))
        );
        assert_eq!(d["reject_source"], "camt.054 CAMT054-20261216-0001");
        // The same file again: nothing rejected twice, the payment cancelled once.
        let (status, r) = post_xml(&app, "/sepa/rejects", &file).await;
        assert_eq!(
            (status, r["rejected"].as_u64(), r["already"].as_u64(), r["unknown"].as_u64()),
            (200, Some(0), Some(1), Some(1)),
            "{r}"
        );
        let i = app.get(&format!("/invoices/{b1}")).await.assert_status(200).clone();
        let cancelled = i["payments"].as_array().unwrap().iter().filter(|p| p["status"] == "cancelled").count();
        assert_eq!((i["totals"]["due"].as_str(), cancelled), (Some("60.60"), 1), "{}", i["payments"]);
        assert_eq!(app.get(&format!("/invoices/{a1}")).await.assert_status(200)["status"], "paid");

        // pain.002 before settlement: A's next debit refused by the debtor's bank (no
        // valid mandate) while the batch still awaits collection; the batch's collection
        // then pays the others only.
        let a2 = invoice(&app, &a, "10").await; // 12.00
        let a3 = invoice(&app, &a, "20").await; // 24.00
        let r = app.post("/sepa/direct-debits", json!({"collection_date": tomorrow(), "invoice_ids": [a2, a3]})).await;
        let pending = r.assert_status(201).clone();
        let pmsg: String = pending["message_id"].as_str().unwrap().chars().take(35).collect();
        let a2num = pending["debits"][0]["number"].as_str().unwrap().to_string();
        let file = pain002(&pmsg, &[(&a2num, "RUM-A-001", "12.00", "MD01")]);
        let (status, r) = post_xml(&app, "/sepa/rejects", &file).await;
        assert_eq!((status, r["kind"].as_str(), r["rejected"].as_u64()), (200, Some("pain.002"), Some(1)), "{r}");
        let (_, r) = post_xml(&app, "/sepa/rejects", &file).await;
        assert_eq!((r["rejected"].as_u64(), r["already"].as_u64()), (Some(0), Some(1)), "{r}");
        let pid = pending["id"].as_str().unwrap();
        app.post(&format!("/sepa/direct-debits/{pid}/collected"), json!({})).await.assert_status(200);
        assert_eq!(app.get(&format!("/invoices/{a2}")).await.assert_status(200)["totals"]["due"], "12.00");
        assert_eq!(app.get(&format!("/invoices/{a3}")).await.assert_status(200)["status"], "paid");
        // The rejected invoice can go into a new batch.
        app.post("/sepa/direct-debits", json!({"collection_date": tomorrow(), "invoice_ids": [a2]}))
            .await
            .assert_status(201);

        // Not a bank file: a clear error, nothing changed.
        let (status, r) =
            post_xml(&app, "/sepa/rejects", "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.008.001.02\"/>")
                .await;
        assert_eq!(status, 422, "{r}");
        assert_eq!(r["errors"][0]["field"], "file");
        let (status, _) = post_xml(&app, "/sepa/rejects", "pas du XML <").await;
        assert_eq!(status, 422);
        // Another company's import finds none of these debits.
        let other = app.other_company().await;
        let (status, r) =
            post_xml(&other, "/sepa/rejects", &camt054(&msg, &[(&bnum, "RUM-B-001", "60.60", "AM04", "7.50")])).await;
        assert_eq!((status, r["unknown"].as_u64()), (200, Some(1)), "{r}");
    })
    .await;
}

#[tokio::test]
async fn a_collection_date_on_a_target_holiday_is_refused_with_the_next_valid_date() {
    each_db(|app| async move {
        setup_creditor(&app).await;
        let c = app.customer().await;
        mandate(&app, &c, "RUM-XMAS").await;
        let inv = invoice(&app, &c, "100").await;
        let today = facturier_core::calendar::today("FR");
        let year =
            if today.month() == time::Month::December && today.day() > 20 { today.year() + 1 } else { today.year() };
        let christmas = time::Date::from_calendar_date(year, time::Month::December, 25).unwrap();
        let next = facturier_core::sepa::target_day_on_or_after(christmas);
        let r = app
            .post("/sepa/direct-debits", json!({"collection_date": christmas.to_string(), "invoice_ids": [inv]}))
            .await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["collection_date".to_string()]), "{}", r.body);
        let message = r.body["errors"][0]["message"].as_str().unwrap_or_default().to_string();
        assert!(message.contains(&next.to_string()) && message.contains("TARGET2"), "{message}");
        // Today itself is too early (the file must reach the bank the business day before).
        let r =
            app.post("/sepa/direct-debits", json!({"collection_date": today.to_string(), "invoice_ids": [inv]})).await;
        assert_eq!(r.error_fields(), ["collection_date"], "{}", r.body);
        assert!(
            r.body.to_string().contains(&facturier_core::sepa::earliest_collection_date(today).to_string()),
            "{}",
            r.body
        );
        // The proposed date is taken.
        app.post("/sepa/direct-debits", json!({"collection_date": next.to_string(), "invoice_ids": [inv]}))
            .await
            .assert_status(201);
    })
    .await;
}
