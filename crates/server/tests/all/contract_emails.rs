//! The billing run e-mails every invoice it issues (issue 25: "drafts or issued according
//! to the contract, e-mailed when issued"), as `POST /invoices/{id}/send` with an empty
//! body would: the customer's address, the invoice's template, its stored PDF attached by
//! reference. A customer without an address is listed in `not_emailed`, never an error;
//! drafts and a run again send nothing.

use crate::common;
use crate::contracts::after_the_daily_run;

use base64::Engine;
use common::smtp::*;
use common::{TestApp, customer_body, each_db, line};
use serde_json::{Value, json};

/// A quarterly contract billed in advance from 2015-01-01, issued when `issue` says so.
fn quarterly(customer: &str, reference: &str, issue: bool) -> Value {
    json!({
        "customer_id": customer,
        "reference": reference,
        "title": "Contrat de maintenance",
        "start_date": "2015-01-01",
        "end_date": "2017-12-31",
        "billing": {"period_months": 3, "mode": "advance", "issue": issue},
        "lines": [line("Maintenance", "1", "3500", "20")],
    })
}

async fn emails(app: &TestApp, inv: &str) -> Vec<Value> {
    app.get(&format!("/invoices/{inv}/emails")).await.assert_status(200).as_array().expect("a list").clone()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    match &app.store {
        facturier_store::Store::Sqlite(p, _) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(p).await,
        facturier_store::Store::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(p).await,
    }
    .expect(sql)
}

/// The PDF attachments naming document `id`'s stored file, without a copy of its bytes.
async fn stored_pdf_attachments(app: &TestApp, id: &str) -> i64 {
    let id = uuid::Uuid::parse_str(id).expect("a uuid");
    const SQL: &str =
        "SELECT COUNT(*) FROM outbox_attachments WHERE document_id = $1 AND format = 'pdf' AND bytes IS NULL";
    match &app.store {
        facturier_store::Store::Sqlite(p, _) => sqlx::query_scalar(SQL).bind(id).fetch_one(p).await,
        facturier_store::Store::Postgres(p) => sqlx::query_scalar(SQL).bind(id).fetch_one(p).await,
    }
    .expect(SQL)
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array().expect("a list").iter().map(|x| x.as_str().expect("an id").to_string()).collect()
}

#[tokio::test]
async fn an_invoice_the_run_issues_is_emailed_to_its_customer_with_its_stored_pdf_once() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let app = common::spawn_app_with_mail(&db, Some(mail_via(port))).await;
        after_the_daily_run(&app).await;
        let customer = app.customer().await;
        app.post("/contracts", quarterly(&customer, "Q-1", true)).await.assert_status(201);

        let run = app.post("/billing/run", json!({"date": "2015-01-01"})).await.assert_status(200).clone();
        assert_eq!(ids(&run["issued"]), ids(&run["created"]), "{run}");
        assert_eq!(run["not_emailed"], json!([]), "{run}");
        let id = ids(&run["issued"]).pop().expect("one invoice");
        let inv = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        let number = inv["number"].as_str().expect("issued: a number").to_string();

        // One message in the outbox, to the customer, naming the invoice.
        let queued = emails(&app, &id).await;
        assert_eq!(queued.len(), 1, "{queued:#?}");
        assert_eq!(queued[0]["to"], json!(["compta@exemple.fr"]));
        assert!(queued[0]["subject"].as_str().unwrap().contains(&number), "{}", queued[0]["subject"]);
        // Its attachment names the invoice's stored PDF; the outbox keeps no copy of it.
        assert_eq!(stored_pdf_attachments(&app, &id).await, 1);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE attachment IS NOT NULL").await, 0);

        // What the customer receives: the template's subject and the PDF `GET …/pdf` serves.
        let got = sink.wait_for(1).await;
        assert_eq!(got.len(), 1, "{got:#?}");
        let m = &got[0];
        assert_eq!(m["to"], json!(["compta@exemple.fr"]));
        assert_eq!(m["subject"], format!("Facture {number} – Test SARL"), "as `send` writes it");
        let atts = m["attachments"].as_array().expect("attachments");
        assert_eq!(atts.len(), 1, "{atts:#?}");
        assert_eq!(atts[0]["filename"], format!("Facture-{number}.pdf"));
        let pdf = base64::engine::general_purpose::STANDARD.decode(atts[0]["data"].as_str().expect("data")).unwrap();
        assert_eq!(pdf, app.invoice_pdf(&id).await, "byte for byte the invoice's stored PDF");
        wait_until("the message sent", || async {
            emails(&app, &id).await.into_iter().find(|e| e["status"] == "sent")
        })
        .await;

        // A run again the same day bills nothing and sends nothing.
        let again = app.post("/billing/run", json!({"date": "2015-01-01"})).await.assert_status(200).clone();
        assert_eq!((again["created"].clone(), again["issued"].clone()), (json!([]), json!([])), "{again}");
        assert_eq!(emails(&app, &id).await.len(), 1);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 1);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 1, "no second message");
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_customer_without_an_address_is_listed_not_emailed_and_drafts_send_nothing() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let mut body = customer_body("Sans Courriel");
        body["email"] = Value::Null;
        body["contacts"] = json!([{"name": "Paul", "phone": "01 02 03 04 05"}]);
        let silent = app.post("/customers", body).await.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post("/contracts", quarterly(&silent, "S-1", true)).await.assert_status(201);
        let drafts = app.customer_named("Garage Durand").await;
        app.post("/contracts", quarterly(&drafts, "D-1", false)).await.assert_status(201);
        // A grouped customer's invoice and a recurring template that issues are e-mailed too.
        let grouped = app.customer_named("Grand Groupe").await;
        app.patch(&format!("/customers/{grouped}"), json!({"contract_billing": "grouped"})).await.assert_status(200);
        app.post("/contracts", quarterly(&grouped, "G-1", true)).await.assert_status(201);
        app.post("/contracts", quarterly(&grouped, "G-2", true)).await.assert_status(201);
        let subscriber = app.customer_named("Abonné").await;
        let template = json!({
            "customer_id": subscriber, "frequency_months": 12, "next_date": "2015-01-01", "count": 1,
            "issue": true, "lines": [line("Abonnement", "1", "49.90", "20")],
        });
        app.post("/recurring-invoices", template).await.assert_status(201);

        let run = app.post("/billing/run", json!({"date": "2015-01-01"})).await.assert_status(200).clone();
        let created = ids(&run["created"]);
        let issued = ids(&run["issued"]);
        assert_eq!((created.len(), issued.len()), (3, 3), "S-1, D-1, one grouped; + the recurring one: {run}");
        let not_emailed = ids(&run["not_emailed"]);
        assert_eq!(not_emailed.len(), 1, "{run}");
        let silent_inv = &not_emailed[0];
        let inv = app.get(&format!("/invoices/{silent_inv}")).await.assert_status(200).clone();
        assert_eq!((inv["customer_id"].as_str(), inv["status"].as_str()), (Some(silent.as_str()), Some("issued")));
        assert!(emails(&app, silent_inv).await.is_empty(), "nothing queued without an address");
        for id in created.iter().filter(|id| !issued.contains(id)) {
            let draft = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
            assert_eq!(
                (draft["status"].as_str(), draft["customer_id"].as_str()),
                (Some("draft"), Some(drafts.as_str()))
            );
            assert!(emails(&app, id).await.is_empty(), "a draft is not sent");
        }
        for id in issued.iter().filter(|id| *id != silent_inv) {
            let queued = emails(&app, id).await;
            assert_eq!(queued.len(), 1, "{id}: {queued:#?}");
            assert_eq!(queued[0]["to"], json!(["compta@exemple.fr"]));
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 2, "the grouped invoice and the recurring one");

        let again = app.post("/billing/run", json!({"date": "2015-01-01"})).await.assert_status(200).clone();
        assert_eq!((again["issued"].clone(), again["not_emailed"].clone()), (json!([]), json!([])), "{again}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 2, "a run again sends nothing");
    })
    .await;
}
