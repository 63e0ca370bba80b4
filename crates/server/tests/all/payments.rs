//! Payments that can be corrected (API.md, "Payments, credit and statements"), over
//! HTTP on SQLite and PostgreSQL: overpayments refused or kept as credit, one payment
//! over several invoices, cancellation, customer credit applied and refunded, the
//! customer's statement.

use crate::common;

use common::{TestApp, each_db, line};
use serde_json::{Value, json};

/// An issued invoice of `net` at 20 % VAT for `customer`: (id, issue date).
async fn invoice(app: &TestApp, customer: &str, net: &str) -> (String, String) {
    let inv = app.issued_invoice(customer, &[line("Prestation", "1", net, "20")]).await;
    (inv["id"].as_str().unwrap().to_string(), inv["issue_date"].as_str().unwrap().to_string())
}

async fn pay(app: &TestApp, id: &str, body: Value) -> common::Resp {
    app.post(&format!("/invoices/{id}/payments"), body).await
}

async fn credit(app: &TestApp, customer: &str) -> Value {
    app.get(&format!("/customers/{customer}/credit")).await.assert_status(200)["credit"].clone()
}

/// The customer's `open_balance` sort key (thousandths of the company's currency), kept
/// by the 0014 triggers from the invoices' `due`.
async fn open_balance(app: &TestApp, customer: &str) -> i64 {
    use facturier_store::Store;
    let id: uuid::Uuid = customer.parse().unwrap();
    let q = "SELECT open_balance FROM customers WHERE id = $1";
    match &app.store {
        Store::Sqlite(p, _) => sqlx::query_scalar(q).bind(id).fetch_one(p).await.unwrap(),
        Store::Postgres(p) => sqlx::query_scalar(q).bind(id).fetch_one(p).await.unwrap(),
    }
}

fn eur(amount: &str) -> Value {
    json!([{"currency": "EUR", "amount": amount}])
}

#[tokio::test]
async fn an_overpayment_is_refused_and_nothing_is_recorded() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (id, date) = invoice(&app, &customer, "100").await;
        let r = pay(&app, &id, json!({"amount": "1200.00", "date": date, "method": "bank_transfer"})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(r.error_fields(), ["amount"]);
        let message = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("120.00 EUR due") && message.contains("\"excess\": \"credit\""), "{message}");
        let inv = app.get(&format!("/invoices/{id}")).await;
        let inv = inv.assert_status(200);
        assert_eq!((inv["status"].as_str(), inv["totals"]["paid"].as_str()), (Some("issued"), Some("0.00")));
        assert_eq!(inv["payments"], json!([]));
        assert_eq!(app.get("/payments").await.assert_status(200)["data"], json!([]));
        // An exact payment goes through.
        let r = pay(&app, &id, json!({"amount": "120.00", "date": date, "method": "card"})).await;
        assert_eq!(r.assert_status(200)["status"], "paid");
    })
    .await;
}

#[tokio::test]
async fn an_overpayment_with_excess_credit_keeps_the_rest_as_credit() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (id, date) = invoice(&app, &customer, "100").await;
        let r = pay(&app, &id, json!({"amount": "150.00", "date": date, "method": "bank_transfer", "reference": "VIR 42", "excess": "credit"}))
            .await;
        let inv = r.assert_status(200);
        assert_eq!(inv["status"], "paid");
        let p = &inv["payments"][0];
        assert_eq!((p["amount"].as_str(), p["applied"].as_str()), (Some("150.00"), Some("120.00")));
        assert_eq!((p["status"].as_str(), p["method"].as_str(), p["reference"].as_str()), (Some("recorded"), Some("bank_transfer"), Some("VIR 42")));
        assert_eq!(credit(&app, &customer).await, eur("30.00"));
        let c = app.get(&format!("/customers/{customer}")).await;
        assert_eq!(c.assert_status(200)["credit"], eur("30.00"));
        let listed = app.get(&format!("/payments?customer_id={customer}")).await;
        let listed = &listed.assert_status(200)["data"][0];
        assert_eq!((listed["to_credit"].as_str(), listed["kind"].as_str()), (Some("30.00"), Some("receipt")));
        // Any other way to keep an excess is refused.
        let (other, _) = invoice(&app, &customer, "10").await;
        let r = pay(&app, &other, json!({"amount": "50", "excess": "keep"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["excess".to_string()]));
    })
    .await;
}

#[tokio::test]
async fn a_cancelled_payment_is_kept_and_the_invoice_settled_again() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (id, date) = invoice(&app, &customer, "100").await;
        pay(&app, &id, json!({"amount": "50.00", "date": date, "method": "cheque"})).await.assert_status(200);
        let inv = pay(&app, &id, json!({"amount": "70.00", "date": date, "method": "card"})).await;
        assert_eq!(inv.assert_status(200)["status"], "paid");
        let first = inv.body["payments"].as_array().unwrap().iter().find(|p| p["amount"] == "50.00").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();

        // A reason is required.
        let r = app.post(&format!("/payments/{first}/cancel"), json!({})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["reason".to_string()]));
        let r = app.post(&format!("/payments/{first}/cancel"), json!({"reason": "  "})).await;
        assert_eq!(r.status, 422);

        assert_eq!(open_balance(&app, &customer).await, 0);
        let p = app.post(&format!("/payments/{first}/cancel"), json!({"reason": "chèque rejeté"})).await;
        let p = p.assert_status(200);
        assert_eq!((p["status"].as_str(), p["cancel_reason"].as_str()), (Some("cancelled"), Some("chèque rejeté")));
        assert!(p["cancelled_at"].is_string());

        let inv = app.get(&format!("/invoices/{id}")).await;
        let inv = inv.assert_status(200);
        assert_eq!(inv["status"], "partially_paid");
        assert_eq!(open_balance(&app, &customer).await, 50_000);
        assert_eq!((inv["totals"]["paid"].as_str(), inv["totals"]["due"].as_str()), (Some("70.00"), Some("50.00")));
        let statuses: Vec<(&str, &str)> = inv["payments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["amount"].as_str().unwrap(), p["status"].as_str().unwrap()))
            .collect();
        assert!(
            statuses.contains(&("50.00", "cancelled")) && statuses.contains(&("70.00", "recorded")),
            "{statuses:?}"
        );
        let events: Vec<&str> = inv["history"].as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
        assert!(events.contains(&"payment_cancelled"), "{events:?}");

        // Still listed, as cancelled.
        let list = app.get(&format!("/payments?customer_id={customer}")).await;
        let data = list.assert_status(200)["data"].as_array().unwrap().clone();
        assert_eq!(data.len(), 2);
        assert!(data.iter().any(|p| p["id"] == first.as_str() && p["status"] == "cancelled"));

        // Twice is a conflict; an unknown payment is 404.
        let r = app.post(&format!("/payments/{first}/cancel"), json!({"reason": "again"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = app.post("/payments/0190a7a4-0000-7000-8000-000000000000/cancel", json!({"reason": "x"})).await;
        assert_eq!(r.status, 404);

        // Cancelling the other one gives the invoice back its issued state.
        let second = data.iter().find(|p| p["status"] == "recorded").unwrap()["id"].as_str().unwrap().to_string();
        app.post(&format!("/payments/{second}/cancel"), json!({"reason": "erreur de saisie"})).await.assert_status(200);
        let inv = app.get(&format!("/invoices/{id}")).await;
        assert_eq!(inv.assert_status(200)["status"], "issued");
        assert_eq!(inv.body["totals"]["due"], "120.00");
        // The directory's balance key followed each change of what is due.
        assert_eq!(open_balance(&app, &customer).await, 120_000);
        // The sealed chain still checks: the figures follow the payments that count.
        let report = app.store.verify_chain(app.company_id).await.unwrap();
        assert!(matches!(report, facturier_store::documents::ChainReport::Intact { .. }), "{report:?}");
    })
    .await;
}

#[tokio::test]
async fn a_payment_whose_credit_was_used_cannot_be_cancelled() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (a, date) = invoice(&app, &customer, "100").await;
        let (b, _) = invoice(&app, &customer, "50").await;
        let inv = pay(&app, &a, json!({"amount": "150.00", "date": date, "excess": "credit"})).await;
        let payment = inv.assert_status(200)["payments"][0]["id"].as_str().unwrap().to_string();
        let applied =
            app.post(&format!("/customers/{customer}/credit/apply"), json!({"invoice_id": b, "amount": "30.00"})).await;
        let applied = applied.assert_status(200)["id"].as_str().unwrap().to_string();
        let r = app.post(&format!("/payments/{payment}/cancel"), json!({"reason": "rejet"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body["detail"].as_str().unwrap_or_default().contains("already used"), "{}", r.body);
        // Undo the use of the credit first: then the payment can go.
        app.post(&format!("/payments/{applied}/cancel"), json!({"reason": "erreur"})).await.assert_status(200);
        assert_eq!(credit(&app, &customer).await, eur("30.00"));
        let b_now = app.get(&format!("/invoices/{b}")).await;
        assert_eq!(b_now.assert_status(200)["status"], "issued");
        app.post(&format!("/payments/{payment}/cancel"), json!({"reason": "rejet"})).await.assert_status(200);
        assert_eq!(credit(&app, &customer).await, eur("0.00"));
        let a_now = app.get(&format!("/invoices/{a}")).await;
        assert_eq!(a_now.assert_status(200)["status"], "issued");
    })
    .await;
}

#[tokio::test]
async fn one_payment_is_allocated_over_two_invoices() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (a, date) = invoice(&app, &customer, "100").await;
        let (b, _) = invoice(&app, &customer, "50").await;
        let body = |amount: &str, b_part: &str| {
            json!({"customer_id": customer, "amount": amount, "date": date, "method": "bank_transfer",
                   "allocations": [{"invoice_id": a, "amount": "120.00"}, {"invoice_id": b, "amount": b_part}]})
        };
        // Above what the second invoice has due.
        let r = app.post("/payments", body("200.00", "60.01")).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["allocations[1].amount".to_string()]));
        // More received than allocated, and no word on the excess.
        let r = app.post("/payments", body("200.00", "60.00")).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
        // Less received than allocated.
        let r = app.post("/payments", body("170.00", "60.00")).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
        assert_eq!(app.get("/payments").await.assert_status(200)["data"], json!([]));

        let r = app.post("/payments", body("180.00", "60.00")).await;
        let p = r.assert_status(201).clone();
        assert_eq!(
            (p["amount"].as_str(), p["to_credit"].as_str(), p["status"].as_str()),
            (Some("180.00"), Some("0.00"), Some("recorded"))
        );
        assert_eq!(p["customer_id"], customer.as_str());
        let allocations = p["allocations"].as_array().unwrap();
        assert_eq!(allocations.len(), 2);
        assert!(allocations.iter().all(|x| x["number"].is_string()));
        for id in [&a, &b] {
            let inv = app.get(&format!("/invoices/{id}")).await;
            let inv = inv.assert_status(200);
            assert_eq!(inv["status"], "paid");
            assert_eq!(inv["payments"][0]["id"], p["id"]);
        }
        let got = app.get(&format!("/payments/{}", p["id"].as_str().unwrap())).await;
        assert_eq!(got.assert_status(200)["allocations"].as_array().unwrap().len(), 2);

        // Cancelling it reopens both.
        let id = p["id"].as_str().unwrap();
        app.post(&format!("/payments/{id}/cancel"), json!({"reason": "virement rejeté"})).await.assert_status(200);
        for id in [&a, &b] {
            let inv = app.get(&format!("/invoices/{id}")).await;
            assert_eq!(inv.assert_status(200)["status"], "issued");
        }
        // With excess credit, what is not allocated becomes credit.
        let mut with_excess = body("200.00", "60.00");
        with_excess["excess"] = json!("credit");
        let r = app.post("/payments", with_excess).await;
        assert_eq!(r.assert_status(201)["to_credit"], "20.00");
        assert_eq!(credit(&app, &customer).await, eur("20.00"));
    })
    .await;
}

#[tokio::test]
async fn customer_credit_is_applied_to_another_invoice() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (a, date) = invoice(&app, &customer, "100").await;
        let (b, _) = invoice(&app, &customer, "50").await;
        pay(&app, &a, json!({"amount": "150.00", "date": date, "excess": "credit"})).await.assert_status(200);
        let path = format!("/customers/{customer}/credit/apply");
        // More than the credit available.
        let r = app.post(&path, json!({"invoice_id": b, "amount": "30.01"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
        // An invoice of another customer.
        let other = app.customer_named("Autre SARL").await;
        let (theirs, _) = invoice(&app, &other, "10").await;
        let r = app.post(&path, json!({"invoice_id": theirs, "amount": "1.00"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["invoice_id".to_string()]));

        let r = app.post(&path, json!({"invoice_id": b, "amount": "30.00"})).await;
        let p = r.assert_status(200);
        assert_eq!((p["kind"].as_str(), p["method"].as_str()), (Some("credit"), Some("credit")));
        let inv = app.get(&format!("/invoices/{b}")).await;
        let inv = inv.assert_status(200);
        assert_eq!((inv["status"].as_str(), inv["totals"]["due"].as_str()), (Some("partially_paid"), Some("30.00")));
        assert_eq!(credit(&app, &customer).await, eur("0.00"));
        // Nothing left to apply.
        let r = app.post(&path, json!({"invoice_id": b, "amount": "1.00"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
    })
    .await;
}

#[tokio::test]
async fn customer_credit_is_refunded_within_what_is_available() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (a, date) = invoice(&app, &customer, "100").await;
        pay(&app, &a, json!({"amount": "150.00", "date": date, "excess": "credit"})).await.assert_status(200);
        let path = format!("/customers/{customer}/credit/refund");
        let r = app.post(&path, json!({"amount": "30.01", "date": date, "method": "bank_transfer"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
        let r = app.post(&path, json!({"amount": "-5", "date": date, "method": "bank_transfer"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
        let r = app
            .post(&path, json!({"amount": "10.00", "date": date, "method": "bank_transfer", "reference": "REMB 1"}))
            .await;
        let p = r.assert_status(201);
        assert_eq!(
            (p["kind"].as_str(), p["amount"].as_str(), p["allocations"].clone()),
            (Some("refund"), Some("10.00"), json!([]))
        );
        assert_eq!(credit(&app, &customer).await, eur("20.00"));
        let r = app.post(&path, json!({"amount": "25.00", "date": date, "method": "bank_transfer"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
        // A cancelled refund gives the credit back.
        let id = p["id"].as_str().unwrap();
        app.post(&format!("/payments/{id}/cancel"), json!({"reason": "virement revenu"})).await.assert_status(200);
        assert_eq!(credit(&app, &customer).await, eur("30.00"));
        let r = app.post("/customers/0190a7a4-0000-7000-8000-000000000000/credit/refund", json!({"amount": "1"})).await;
        assert_eq!(r.status, 404);
    })
    .await;
}

#[tokio::test]
async fn the_statement_runs_the_balance_per_currency() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (a, date) = invoice(&app, &customer, "100").await;
        let (b, _) = invoice(&app, &customer, "50").await;
        pay(&app, &a, json!({"amount": "150.00", "date": date, "excess": "credit"})).await.assert_status(200);
        app.post(
            &format!("/customers/{customer}/credit/apply"),
            json!({"invoice_id": b, "amount": "20.00", "date": date}),
        )
        .await
        .assert_status(200);
        app.post(&format!("/customers/{customer}/credit/refund"), json!({"amount": "10.00", "date": date}))
            .await
            .assert_status(201);
        let s = app.get(&format!("/customers/{customer}/statement")).await;
        let s = s.assert_status(200);
        let eur = &s["currencies"][0];
        assert_eq!(eur["currency"], "EUR");
        assert_eq!(eur["opening_balance"], "0.00");
        let lines: Vec<(String, String)> = eur["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["kind"].as_str().unwrap().to_string(), l["balance"].as_str().unwrap().to_string()))
            .collect();
        let kinds: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["invoice", "invoice", "payment", "credit_applied", "refund"]);
        let balances: Vec<&str> = lines.iter().map(|(_, b)| b.as_str()).collect();
        // 120 + 60 owed, 150 received, 20 of credit set against B (no change), 10 paid back.
        assert_eq!(balances, ["120.00", "180.00", "30.00", "30.00", "40.00"]);
        // What the customer owes: B's 40.00 due, and no credit left.
        assert_eq!(eur["closing_balance"], "40.00");
        let b_due = app.get(&format!("/invoices/{b}")).await;
        assert_eq!(b_due.assert_status(200)["totals"]["due"], "40.00");
        assert_eq!(credit(&app, &customer).await, json!([{"currency": "EUR", "amount": "0.00"}]));
        // A period after everything: all of it in the opening balance.
        let s = app.get(&format!("/customers/{customer}/statement?from=2099-01-01")).await;
        let eur = &s.assert_status(200)["currencies"][0];
        assert_eq!((eur["opening_balance"].as_str(), eur["closing_balance"].as_str()), (Some("40.00"), Some("40.00")));
        assert_eq!(eur["entries"], json!([]));
        let r = app.get(&format!("/customers/{customer}/statement?from=yesterday")).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["from".to_string()]));
    })
    .await;
}

#[tokio::test]
async fn bad_payment_input_is_refused_with_4xx() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (id, _) = invoice(&app, &customer, "100").await;
        // Missing fields, all named at once.
        let r = app.post("/payments", json!({})).await;
        assert_eq!(r.status, 422);
        let fields = r.error_fields();
        for f in ["customer_id", "amount", "allocations"] {
            assert!(fields.contains(&f.to_string()), "{fields:?}");
        }
        let r = pay(&app, &id, json!({"amount": "-10"})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["amount".to_string()]));
        let r = app
            .post("/payments", json!({"customer_id": customer, "amount": "-1", "allocations": [{"invoice_id": id, "amount": "0"}]}))
            .await;
        assert_eq!(r.status, 422);
        assert!(r.error_fields().contains(&"allocations[0].amount".to_string()), "{:?}", r.error_fields());
        // Unknown invoice, on the path (404) and in the body (422).
        let unknown = "0190a7a4-0000-7000-8000-000000000000";
        assert_eq!(pay(&app, unknown, json!({"amount": "10"})).await.status, 404);
        assert_eq!(pay(&app, "not-an-id", json!({"amount": "10"})).await.status, 404);
        let r = app
            .post("/payments", json!({"customer_id": customer, "amount": "10", "allocations": [{"invoice_id": unknown, "amount": "10"}]}))
            .await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["allocations[0].invoice_id".to_string()]));
        let r = app.post("/payments", json!({"customer_id": unknown, "amount": "10", "allocations": []})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["customer_id".to_string()]));
        // Another company's invoice and customer are unknown here.
        let other = app.other_company().await;
        let theirs_customer = other.customer().await;
        let (theirs, _) = invoice(&other, &theirs_customer, "10").await;
        assert_eq!(pay(&app, &theirs, json!({"amount": "10"})).await.status, 404);
        let r = app
            .post("/payments", json!({"customer_id": customer, "amount": "12", "allocations": [{"invoice_id": theirs, "amount": "12"}]}))
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(app.get(&format!("/customers/{theirs_customer}/statement")).await.status, 404);
        assert_eq!(app.get(&format!("/customers/{theirs_customer}/credit")).await.status, 404);
        let r = app.post(&format!("/customers/{theirs_customer}/credit/apply"), json!({"invoice_id": theirs, "amount": "1"})).await;
        assert_eq!(r.status, 404);
        // Their payments are not listed nor cancellable here.
        let p = pay(&other, &theirs, json!({"amount": "12.00"})).await;
        let pid = p.assert_status(200)["payments"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(app.post(&format!("/payments/{pid}/cancel"), json!({"reason": "x"})).await.status, 404);
        assert_eq!(app.get("/payments").await.assert_status(200)["data"], json!([]));
        // A draft takes no payment.
        let draft = app.draft_invoice(&customer, &[line("x", "1", "10", "20")]).await;
        let r = pay(&app, draft["id"].as_str().unwrap(), json!({"amount": "1"})).await;
        assert_eq!(r.status, 409);
        // Bad list filters.
        assert_eq!(app.get("/payments?customer_id=nope").await.status, 422);
        assert_eq!(app.get("/payments?after=nope").await.status, 422);
    })
    .await;
}

#[tokio::test]
async fn payments_are_listed_newest_first_page_by_page() {
    each_db(|app| async move {
        let customer = app.customer().await;
        for (i, day) in ["2026-03-01", "2026-03-03", "2026-03-02"].iter().enumerate() {
            let (id, _) = invoice(&app, &customer, "10").await;
            pay(&app, &id, json!({"amount": "12.00", "date": day, "reference": format!("P{i}")}))
                .await
                .assert_status(200);
        }
        let r = app.get("/payments?limit=2").await;
        let page = r.assert_status(200);
        let dates: Vec<&str> = page["data"].as_array().unwrap().iter().map(|p| p["date"].as_str().unwrap()).collect();
        assert_eq!(dates, ["2026-03-03", "2026-03-02"]);
        let next = page["next_cursor"].as_str().unwrap();
        let r = app.get(&format!("/payments?limit=2&after={next}")).await;
        let page = r.assert_status(200);
        assert_eq!(page["data"][0]["date"], "2026-03-01");
        assert_eq!(page["next_cursor"], Value::Null);
        let r = app.get("/payments?from=2026-03-02&to=2026-03-02").await;
        assert_eq!(r.assert_status(200)["data"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn two_simultaneous_payments_cannot_both_pass_the_amount_due() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (id, date) = invoice(&app, &customer, "100").await;
        let body = json!({"amount": "100.00", "date": date});
        let (r1, r2) = tokio::join!(pay(&app, &id, body.clone()), pay(&app, &id, body.clone()));
        let mut statuses = [r1.status, r2.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 422], "{} / {}", r1.body, r2.body);
        let inv = app.get(&format!("/invoices/{id}")).await;
        assert_eq!(inv.assert_status(200)["totals"]["paid"], "100.00");
    })
    .await;
}

#[tokio::test]
async fn the_web_app_cancels_payments_and_applies_and_refunds_credit() {
    use common::web_client::{Browser, with_password};
    each_db(|app| async move {
        let customer = app.customer().await;
        let (a, date) = invoice(&app, &customer, "100").await;
        let (b, _) = invoice(&app, &customer, "50").await;
        pay(&app, &a, json!({"amount": "150.00", "date": date, "excess": "credit"})).await.assert_status(200);
        with_password(&app, "admin@test.fr").await;
        let mut web = Browser::new(&app);
        let csrf = web.sign_in_as("admin@test.fr").await;

        // The invoice lists its payment with its status and a cancel form asking for a reason.
        let page = web.get(&format!("/invoices/{a}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("payment-status") && page.body.contains("Enregistré"), "{}", page.body);
        assert!(page.body.contains(r#"name="reason""#));

        // The customer page shows the credit, its two forms and the statement link.
        let page = web.get(&format!("/customers/{customer}")).await;
        for id in [r#"id="apply-credit-form""#, r#"id="refund-credit-form""#, r#"id="customer-statement""#] {
            assert!(page.body.contains(id), "{id}");
        }
        let r = web
            .act(&csrf, &format!("/customers/{customer}/credit/apply"), &[("invoice_id", &b), ("amount", "10,00")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(credit(&app, &customer).await, eur("20.00"));
        let r = web
            .act(
                &csrf,
                &format!("/customers/{customer}/credit/refund"),
                &[("amount", "5"), ("method", "cheque"), ("confirm", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(credit(&app, &customer).await, eur("15.00"));
        // More than the credit: refused, in French.
        let r = web
            .act(&csrf, &format!("/customers/{customer}/credit/refund"), &[("amount", "500"), ("confirm", "1")])
            .await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("crédit du client"), "{}", r.body);

        let page = web.get(&format!("/customers/{customer}/statement")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Solde de clôture") && page.body.contains("Remboursement"), "{}", page.body);

        // Cancelling needs the confirmation; then the invoice is settled again.
        let applied = app.get(&format!("/payments?customer_id={customer}")).await;
        let applied = applied.body["data"].as_array().unwrap().iter().find(|p| p["kind"] == "credit").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let back = format!("/invoices/{b}");
        let path = format!("/payments/{applied}/cancel");
        let r = web.act(&csrf, &path, &[("reason", "erreur"), ("back", &back)]).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains(r#"id="confirm""#) && r.body.contains("« erreur »"), "{}", r.body);
        assert_eq!(credit(&app, &customer).await, eur("15.00"), "nothing cancelled yet");
        let r = web.act(&csrf, &path, &[("reason", "erreur"), ("confirm", "1"), ("back", &back)]).await;
        assert_eq!((r.status, r.location.clone()), (303, format!("{back}?done=payment_cancelled")));
        let inv = app.get(&back).await;
        assert_eq!(inv.assert_status(200)["status"], "issued");
        let page = web.get(&back).await;
        assert!(page.body.contains("Annulé"), "the cancelled payment stays listed");
        assert_eq!(credit(&app, &customer).await, eur("25.00"));
        // The payment form: an overpayment is refused unless its box keeps the excess as credit.
        assert!(page.body.contains(r#"id="keep-excess""#));
        let pay_b = format!("/invoices/{b}/payments");
        let r = web.act(&csrf, &pay_b, &[("amount", "70,00"), ("method", "cheque")]).await;
        assert_ne!(r.status, 303, "refused");
        assert_eq!(credit(&app, &customer).await, eur("25.00"));
        let r = web.act(&csrf, &pay_b, &[("amount", "70,00"), ("method", "cheque"), ("excess", "credit")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(credit(&app, &customer).await, eur("35.00"));
    })
    .await;
}

#[tokio::test]
async fn the_same_credit_cannot_be_used_twice_at_once() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (a, date) = invoice(&app, &customer, "100").await;
        let (b, _) = invoice(&app, &customer, "50").await;
        let (c, _) = invoice(&app, &customer, "50").await;
        pay(&app, &a, json!({"amount": "150.00", "date": date, "excess": "credit"})).await.assert_status(200);
        let path = format!("/customers/{customer}/credit/apply");
        let refund = format!("/customers/{customer}/credit/refund");
        let (r1, r2, r3) = tokio::join!(
            app.post(&path, json!({"invoice_id": b, "amount": "30.00"})),
            app.post(&path, json!({"invoice_id": c, "amount": "30.00"})),
            app.post(&refund, json!({"amount": "30.00"})),
        );
        let ok = [&r1, &r2, &r3].iter().filter(|r| r.status == 200 || r.status == 201).count();
        let refused = [&r1, &r2, &r3].iter().filter(|r| r.status == 422).count();
        assert_eq!((ok, refused), (1, 2), "{} / {} / {}", r1.body, r2.body, r3.body);
        assert_eq!(credit(&app, &customer).await, eur("0.00"));
    })
    .await;
}

#[tokio::test]
async fn cancelling_a_payment_takes_back_the_credit_a_credit_note_made_of_it() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (id, date) = invoice(&app, &customer, "100").await;
        let inv = pay(&app, &id, json!({"amount": "120.00", "date": date})).await;
        let payment = inv.assert_status(200)["payments"][0]["id"].as_str().unwrap().to_string();
        // The paid invoice is credited in full: the customer has 120.00 to its credit.
        let cn = app
            .post(&format!("/invoices/{id}/credit-note"), json!({"lines": [line("Prestation", "1", "100", "20")]}))
            .await;
        let cn = cn.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{cn}/issue"), json!({})).await.assert_status(200);
        assert_eq!(credit(&app, &customer).await, eur("120.00"));
        // Refunded, that credit cannot vanish with the payment: refused until the refund is undone.
        let refund = app.post(&format!("/customers/{customer}/credit/refund"), json!({"amount": "120.00"})).await;
        let refund = refund.assert_status(201)["id"].as_str().unwrap().to_string();
        let r = app.post(&format!("/payments/{payment}/cancel"), json!({"reason": "chèque sans provision"})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        app.post(&format!("/payments/{refund}/cancel"), json!({"reason": "erreur"})).await.assert_status(200);
        app.post(&format!("/payments/{payment}/cancel"), json!({"reason": "chèque sans provision"}))
            .await
            .assert_status(200);
        // Nothing was paid: the credit note settles the invoice and leaves no credit.
        assert_eq!(credit(&app, &customer).await, eur("0.00"));
        let inv = app.get(&format!("/invoices/{id}")).await;
        let inv = inv.assert_status(200);
        assert_eq!((inv["status"].as_str(), inv["totals"]["due"].as_str()), (Some("credited"), Some("0.00")));
        let s = app.get(&format!("/customers/{customer}/statement")).await;
        assert_eq!(s.assert_status(200)["currencies"][0]["closing_balance"], "0.00");
        let report = app.store.verify_chain(app.company_id).await.unwrap();
        assert!(matches!(report, facturier_store::documents::ChainReport::Intact { .. }), "{report:?}");
    })
    .await;
}
