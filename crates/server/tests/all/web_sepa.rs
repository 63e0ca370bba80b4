//! SEPA direct debit in the web app over HTTP, on SQLite and PostgreSQL: the creditor
//! identifier in the payment settings, a customer's mandates (added, refused with what
//! was typed kept, amended, revoked after a confirmation), a batch made over the ticked
//! invoices (a TARGET2 holiday refused with the next valid date), its file downloaded,
//! its collection, a reject confirmed, a bank's reject file uploaded; another company
//! sees none of it.

use crate::common;

use common::web_client::{ADMIN, as_read, multipart, signed_in};
use common::{each_db, line};
use serde_json::json;

fn id_in(location: &str, prefix: &str) -> String {
    location.strip_prefix(prefix).unwrap_or("").split(['?', '#', '/']).next().unwrap_or("").to_string()
}

#[tokio::test]
async fn a_user_sets_the_ics_adds_a_mandate_makes_a_batch_collects_it_and_records_a_reject() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        // The ICS: a wrong check digit is refused next to the input, what was typed kept.
        let p = b.get("/settings/payments").await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("id=\"stripe-webhook-url") , "{}", p.body);
        let p = b.act(&csrf, "/settings/payments", &[("sepa.creditor_id", "FR73ZZZ123456")]).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("value=\"FR73ZZZ123456\"") && p.body.contains("field-error"), "{}", p.body);
        let p = b.act(&csrf, "/settings/payments", &[("sepa.creditor_id", "fr72 zzz 123456")]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert!(b.get("/settings/payments").await.body.contains("value=\"FR72ZZZ123456\""));
        let banks = json!({"banks": [{"label": "Compte", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX", "default": true}]});
        app.patch("/settings", banks).await.assert_status(200);

        // A mandate: the page proposes a unique reference; a wrong IBAN is refused.
        let customer = app.customer_named("Boulangerie Martin").await;
        let page = b.get(&format!("/customers/{customer}")).await;
        assert!(page.body.contains(&format!("/customers/{customer}/mandates")), "the customer page links to its mandates");
        let page = b.get(&format!("/customers/{customer}/mandates")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"no-mandate\"") && page.body.contains("RUM-BOULANGE-"), "{}", page.body);
        let path = format!("/customers/{customer}/mandates");
        let bad = [("iban", "FR76 3000 6000 0112 3456 7890 188"), ("reference", "RUM-MARTIN-1"), ("signed_on", "2026-01-15"), ("signed_at_place", "Lyon")];
        let p = b.act(&csrf, &path, &bad).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("id=\"mandate-iban-error\"") && p.body.contains("value=\"RUM-MARTIN-1\"") && p.body.contains("value=\"Lyon\""), "{}", p.body);
        assert!(app.get(&path).await.assert_status(200)["data"].as_array().unwrap().is_empty(), "nothing stored");
        let good = [("iban", "FR76 3000 6000 0112 3456 7890 189"), ("bic", "AGRIFRPP"), ("reference", "RUM-MARTIN-1"), ("signed_on", "2026-01-15"), ("signed_at_place", "Lyon"), ("recurrence", "recurrent")];
        let p = b.act(&csrf, &path, &good).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let list = b.get(&path).await;
        assert!(as_read(&list.body).contains("RUM-MARTIN-1") && list.body.contains("FRST"), "{}", list.body);
        let mandate = app.get(&path).await.assert_status(200)["data"][0]["id"].as_str().unwrap().to_string();
        // Amended: a new reference, reported by the next debit.
        let p = b.act(&csrf, &format!("{path}/{mandate}/amend"), &[("iban", "FR00")]).await;
        assert_eq!(p.status, 422, "{}", p.body);
        let p = b.act(&csrf, &format!("{path}/{mandate}/amend"), &[("reference", "RUM-MARTIN-2")]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert!(b.get(&path).await.body.contains("RUM-MARTIN-2"));

        // A batch over the ticked invoices; Christmas is refused with the next valid date.
        let inv = app.issued_invoice(&customer, &[line("Pain", "100", "1.20", "5.5")]).await;
        let inv = inv["id"].as_str().unwrap().to_string();
        let new = b.get("/sepa/new").await;
        assert_eq!(new.status, 200, "{}", new.body);
        assert!(new.body.contains(&format!("value=\"{inv}\" id=\"pick-{inv}\" checked")), "{}", new.body);
        let today = facturier_core::calendar::today("FR");
        let year = if today.month() == time::Month::December && today.day() > 20 { today.year() + 1 } else { today.year() };
        let christmas = time::Date::from_calendar_date(year, time::Month::December, 25).unwrap();
        let next = facturier_core::sepa::target_day_on_or_after(christmas);
        let p = b.act(&csrf, "/sepa/new", &[("collection_date", &christmas.to_string()), ("invoice_ids", &inv)]).await;
        assert_eq!(p.status, 422, "{}", p.body);
        let shown = format!("{:02}/{:02}/{}", next.day(), u8::from(next.month()), next.year());
        assert!(as_read(&p.body).contains(&shown) && p.body.contains("TARGET2"), "{}", p.body);
        assert!(p.body.contains(&format!("value=\"{christmas}\"")), "the date typed is kept");
        let p = b.act(&csrf, "/sepa/new", &[("collection_date", &next.to_string())]).await;
        assert_eq!(p.status, 422, "no invoice ticked: {}", p.body);
        let p = b.act(&csrf, "/sepa/new", &[("collection_date", &next.to_string()), ("invoice_ids", &inv)]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let batch = id_in(&p.location, "/sepa/");
        let page = b.get(&format!("/sepa/{batch}")).await;
        assert_eq!(page.status, 200);
        assert!(as_read(&page.body).contains("RUM-MARTIN-2") && page.body.contains("id=\"collect\""), "{}", page.body);
        let list = b.get("/sepa").await;
        assert!(list.body.contains(&format!("/sepa/{batch}")), "{}", list.body);
        // The file.
        let xml = b.get(&format!("/sepa/{batch}/xml")).await;
        assert_eq!((xml.status, xml.content_type.as_str()), (200, "application/xml"));
        assert!(xml.body.contains("pain.008.001.02") && xml.body.contains("<MndtId>RUM-MARTIN-2</MndtId>"));
        assert!(b.get(&format!("/sepa/{batch}/xml?version=08")).await.body.contains("pain.008.001.08"));
        // Collected, then B's bank rejects it: confirmation first.
        let p = b.act(&csrf, &format!("/sepa/{batch}/collected"), &[("date", &next.to_string())]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(app.get(&format!("/invoices/{inv}")).await.assert_status(200)["status"], "paid");
        let reject = [("invoice_id", inv.as_str()), ("reason", "AM04"), ("fee", "7,50"), ("date", &next.to_string())];
        let ask = b.act(&csrf, &format!("/sepa/{batch}/rejects"), &reject).await;
        assert_eq!(ask.status, 200, "{}", ask.body);
        assert!(ask.body.contains("id=\"confirm-form\"") && as_read(&ask.body).contains("Provision insuffisante"), "{}", ask.body);
        assert_eq!(app.get(&format!("/invoices/{inv}")).await.assert_status(200)["status"], "paid", "nothing done yet");
        let mut confirmed = reject.to_vec();
        confirmed.push(("confirm", "1"));
        let p = b.act(&csrf, &format!("/sepa/{batch}/rejects"), &confirmed).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let i = app.get(&format!("/invoices/{inv}")).await.assert_status(200).clone();
        assert_eq!((i["status"].as_str(), i["totals"]["due"].as_str()), (Some("issued"), Some("126.60")));
        let page = b.get(&format!("/sepa/{batch}")).await;
        assert!(as_read(&page.body).contains("AM04 Provision insuffisante"), "{}", page.body);
        // A bank's file naming a debit this company never made: listed, nothing lost.
        let file = r#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>STS-WEB</MsgId><CreDtTm>2026-12-01T10:00:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>F-INCONNUE</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>MD01</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"#;
        let body = multipart(&[("csrf", &csrf)], Some(("rejets.xml", "application/xml", file.as_bytes())));
        let p = b.post_multipart(&format!("/sepa/{batch}/rejects/file"), body).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(as_read(&p.body).contains("F-INCONNUE") && as_read(&p.body).contains("Référence inconnue"), "{}", p.body);
        let body = multipart(&[("csrf", &csrf)], Some(("rejets.xml", "application/xml", b"<pas-un-fichier/>")));
        let p = b.post_multipart(&format!("/sepa/{batch}/rejects/file"), body).await;
        assert_eq!(p.status, 422, "{}", p.body);

        // Revoked after a confirmation.
        let ask = b.act(&csrf, &format!("{path}/{mandate}/revoke"), &[]).await;
        assert_eq!(ask.status, 200);
        assert!(ask.body.contains("id=\"confirm-form\""), "{}", ask.body);
        let p = b.act(&csrf, &format!("{path}/{mandate}/revoke"), &[("confirm", "1")]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(app.get(&path).await.assert_status(200)["data"][0]["status"], "revoked");

        // Another company's user sees none of it.
        let other = app.other_company().await;
        let email = "autre@test.fr";
        other.store.create_user_token(other.company_id, email, facturier_store::companies::Role::Admin).await.unwrap();
        let mut o = signed_in(&other, email).await;
        assert_eq!(o.get(&format!("/sepa/{batch}")).await.status, 404);
        assert_eq!(o.get(&format!("/sepa/{batch}/xml")).await.status, 404);
        assert_eq!(o.get(&format!("/customers/{customer}/mandates")).await.status, 404);
        assert!(!o.get("/sepa").await.body.contains(&batch));
    })
    .await;
}
