//! Interventions on a contract, over HTTP on SQLite and PostgreSQL: time spent, a part
//! taken out of stock and a purchase re-billed with a coefficient become one invoice,
//! billed once however often and however concurrently "bill" is asked; a deleted part
//! goes back in stock; bad input names its field and records nothing; the contract's
//! technical-financial summary sets the planned against the actual.

use crate::common;

use common::{TestApp, each_db, line};
use serde_json::{Value, json};

async fn maintenance_contract(app: &TestApp, customer: &str) -> String {
    let contract = json!({
        "customer_id": customer, "reference": "RT-700", "title": "Maintenance du four", "start_date": "2026-01-01",
        "end_date": "2026-12-31", "billing": {"period_months": 3, "mode": "advance"},
        "lines": [line("Maintenance", "1", "1200", "20")],
    });
    app.post("/contracts", contract).await.assert_status(201)["id"].as_str().unwrap().to_string()
}

async fn stock_of(app: &TestApp, product: &str) -> String {
    app.get(&format!("/products/{product}")).await.assert_status(200)["stock"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn time_parts_and_purchases_are_billed_once_with_their_prices() {
    each_db(|app| async move {
        crate::contracts::after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let contract = maintenance_contract(&app, &customer).await;
        let product = app
            .post(
                "/products",
                json!({"reference": "JOINT-12", "name": "Joint de porte", "unit_price": "18.40",
                       "purchase_price": "7.10", "vat_rate": "20", "stock": "10"}),
            )
            .await
            .assert_status(201)["id"]
            .as_str()
            .unwrap()
            .to_string();

        let time = json!({"contract_id": contract, "kind": "time", "date": "2026-02-03", "description": "Dépannage",
                          "hours": "2.5", "rate": "65", "hourly_cost": "31", "vat_rate": "20"});
        let time = app.post("/interventions", time).await.assert_status(201).clone();
        assert_eq!((time["customer_id"].as_str(), time["net"].as_str()), (Some(customer.as_str()), Some("162.50")));
        let part = json!({"contract_id": contract, "kind": "part", "date": "2026-02-03", "product_id": product,
                          "quantity": "3"});
        let part = app.post("/interventions", part).await.assert_status(201).clone();
        assert_eq!((part["description"].as_str(), part["net"].as_str()), (Some("Joint de porte"), Some("55.20")));
        assert_eq!(stock_of(&app, &product).await, "7", "the parts left the stock when recorded");
        // 83.37 × 1.25 = 104.2125: rounded once to the cent.
        let purchase = json!({"contract_id": contract, "kind": "purchase", "date": "2026-02-04",
                              "description": "Thermostat", "cost": "83.37", "coefficient": "1.25", "vat_rate": "20"});
        let purchase = app.post("/interventions", purchase).await.assert_status(201).clone();
        assert_eq!(purchase["unit_price"], "104.21");
        // One more, recorded after the bill's day: left for the next bill.
        let later = json!({"contract_id": contract, "kind": "purchase", "date": "2026-03-10", "cost": "10",
                           "price": "15", "vat_rate": "20"});
        app.post("/interventions", later).await.assert_status(201);

        // Two bills at once: one invoice, the other finds nothing left or loses the race.
        let body = json!({"contract_id": contract, "through": "2026-02-28"});
        let (a, b) =
            tokio::join!(app.post("/interventions/bill", body.clone()), app.post("/interventions/bill", body.clone()));
        let billed: Vec<&Value> = [&a, &b].into_iter().filter(|r| r.status == 200).map(|r| &r.body).collect();
        let invoices: Vec<&str> = billed.iter().filter_map(|b| b["invoice_id"].as_str()).collect();
        assert_eq!(invoices.len(), 1, "one invoice: {} / {}", a.body, b.body);
        for r in [&a, &b] {
            assert!(r.status == 200 || r.status == 409, "{} {}", r.status, r.body);
        }
        let invoice = app.get(&format!("/invoices/{}", invoices[0])).await.assert_status(200).clone();
        assert_eq!(invoice["status"], "draft");
        assert_eq!(invoice["lines"].as_array().unwrap().len(), 3);
        // 162.50 + 55.20 + 104.21 = 321.91, VAT 20 %: 64.38.
        assert_eq!(invoice["totals"]["net"], "321.91", "{invoice}");
        assert_eq!(invoice["totals"]["gross"], "386.29");
        assert!(invoice["lines"][0]["description"].as_str().unwrap().contains("03/02/2026"), "{invoice}");

        // Asked again: nothing more up to that day.
        let again = app.post("/interventions/bill", body).await.assert_status(200).clone();
        assert_eq!(again, json!({"invoice_id": null, "interventions": 0}));
        let unbilled = app.get(&format!("/interventions?contract_id={contract}&unbilled=true")).await;
        let unbilled = unbilled.assert_status(200)["data"].as_array().unwrap().clone();
        assert_eq!(unbilled.len(), 1, "only the later purchase is left");
        assert_eq!(unbilled[0]["net"], "15.00");

        // A billed intervention stays; an unbilled part goes back in stock.
        let billed_part = app.delete(&format!("/interventions/{}", part["id"].as_str().unwrap())).await;
        assert_eq!(billed_part.status, 409, "{}", billed_part.body);
        let spare = json!({"customer_id": customer, "kind": "part", "product_id": product, "quantity": "2"});
        let spare = app.post("/interventions", spare).await.assert_status(201).clone();
        assert_eq!(stock_of(&app, &product).await, "5");
        app.delete(&format!("/interventions/{}", spare["id"].as_str().unwrap())).await.assert_status(204);
        assert_eq!(stock_of(&app, &product).await, "7");
        app.get(&format!("/interventions/{}", spare["id"].as_str().unwrap())).await.assert_status(404);
    })
    .await;
}

#[tokio::test]
async fn bad_interventions_name_their_field_and_record_nothing() {
    each_db(|app| async move {
        crate::contracts::after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let contract = maintenance_contract(&app, &customer).await;
        let cases = [
            (json!({"contract_id": contract, "kind": "repair"}), "kind"),
            (json!({"contract_id": contract, "kind": "time", "rate": "65", "vat_rate": "20"}), "hours"),
            (json!({"contract_id": contract, "kind": "time", "hours": "-1", "rate": "65", "vat_rate": "20"}), "hours"),
            (json!({"contract_id": contract, "kind": "time", "hours": "1", "rate": "65", "vat_rate": "120"}), "vat_rate"),
            (json!({"contract_id": contract, "kind": "time", "hours": "1", "rate": "65", "cost": "3", "vat_rate": "20"}), "cost"),
            (json!({"contract_id": contract, "kind": "purchase", "cost": "10", "vat_rate": "20"}), "coefficient"),
            (json!({"contract_id": contract, "kind": "part", "product_id": "nope", "quantity": "1"}), "product_id"),
            (json!({"kind": "time", "hours": "1", "rate": "65", "vat_rate": "20"}), "customer_id"),
            (json!({"contract_id": contract, "customer_id": app.customer_named("Autre").await, "kind": "purchase",
                    "cost": "1", "price": "2", "vat_rate": "20"}), "customer_id"),
        ];
        for (body, field) in cases {
            let r = app.post("/interventions", body.clone()).await;
            assert_eq!(r.status, 422, "{body}: {}", r.body);
            assert!(r.error_fields().contains(&field.to_string()), "{body}: {:?}", r.error_fields());
        }
        let all = app.get(&format!("/interventions?contract_id={contract}")).await.assert_status(200).clone();
        assert_eq!(all["data"], json!([]), "nothing recorded");
        let r = app.post("/interventions/bill", json!({"through": "2026-02-28"})).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(app.get("/interventions?unbilled=maybe").await.status, 422);
    })
    .await;
}

#[tokio::test]
async fn the_summary_sets_planned_against_actual_work_and_margin() {
    each_db(|app| async move {
        crate::contracts::after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let contract = maintenance_contract(&app, &customer).await;
        let plan = json!({"hours_per_period": "6", "hourly_cost": "40"});
        assert_eq!(
            app.request(reqwest::Method::PUT, &format!("/contracts/{contract}/plan"), Some(plan), &[]).await.status,
            204
        );
        app.post("/billing/run", json!({"date": "2026-04-01"})).await.assert_status(200);
        let time = json!({"contract_id": contract, "kind": "time", "date": "2026-02-03", "hours": "7.5", "rate": "65",
                          "vat_rate": "20"});
        app.post("/interventions", time).await.assert_status(201);
        let purchase = json!({"contract_id": contract, "kind": "purchase", "date": "2026-03-01", "cost": "100",
                              "coefficient": "1.3", "vat_rate": "20"});
        app.post("/interventions", purchase).await.assert_status(201);
        app.post("/interventions/bill", json!({"contract_id": contract, "through": "2026-02-28"}))
            .await
            .assert_status(200);

        let s = app.get(&format!("/contracts/{contract}/summary?as_of=2026-04-30")).await.assert_status(200).clone();
        // Two quarters due by 30 April (January and April), 1 200 each; 6 h planned per quarter at 40 €.
        assert_eq!(s["periods"], 2, "{s}");
        assert_eq!(s["planned_amount"], "2400.00");
        assert_eq!(s["theoretical_hours"], "12");
        assert_eq!(s["theoretical_margin"], "1920.00");
        // Billed: both quarters and the 7.5 h (487.50); the purchase (130.00) not yet.
        assert_eq!(s["billed_amount"], "2887.50");
        assert_eq!(s["unbilled_interventions"], "130.00");
        assert_eq!(s["actual_hours"], "7.5");
        // Spent: 7.5 h at the plan's 40 € and the purchase's 100.
        assert_eq!(s["actual_margin"], "2487.50");
        let other = app.other_company().await;
        assert_eq!(other.get(&format!("/contracts/{contract}/summary")).await.status, 404);
    })
    .await;
}

async fn contract_of(app: &TestApp, customer: &str, reference: &str, price: &str, bill: Option<&str>) -> String {
    let mut contract = json!({
        "customer_id": customer, "reference": reference, "title": "Maintenance", "start_date": "2026-01-01",
        "end_date": "2026-12-31", "billing": {"period_months": 3, "mode": "advance"},
        "lines": [line("Maintenance", "1", price, "20")],
    });
    if let Some(b) = bill {
        contract["bill_interventions"] = json!(b);
    }
    let c = app.post("/contracts", contract).await.assert_status(201).clone();
    assert_eq!(c["bill_interventions"], bill.unwrap_or("with_period"), "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn time_on(app: &TestApp, contract: &str, date: &str, hours: &str) -> String {
    let body =
        json!({"contract_id": contract, "kind": "time", "date": date, "hours": hours, "rate": "65", "vat_rate": "20"});
    app.post("/interventions", body).await.assert_status(201)["id"].as_str().unwrap().to_string()
}

async fn invoice_of(app: &TestApp, intervention: &str) -> Value {
    app.get(&format!("/interventions/{intervention}")).await.assert_status(200)["invoice_id"].clone()
}

#[tokio::test]
async fn the_run_bills_a_contract_s_interventions_with_its_next_period_once() {
    each_db(|app| async move {
        crate::contracts::after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let with = contract_of(&app, &customer, "RT-701", "1200", None).await;
        let apart = contract_of(&app, &customer, "RT-702", "1200", Some("on_demand")).await;
        // 2.5 h × 65 = 162.50 on 3 February; a purchase re-sold 15.00 on 20 April.
        let time = time_on(&app, &with, "2026-02-03", "2.5").await;
        let purchase = json!({"contract_id": with, "kind": "purchase", "date": "2026-04-20", "cost": "10",
                              "price": "15", "vat_rate": "20"});
        let purchase =
            app.post("/interventions", purchase).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let kept = time_on(&app, &apart, "2026-02-03", "1").await;

        // Up to 1 April: January's quarter was billed on 1 January, before the work; April's
        // takes it: 1 200 + 162.50 = 1 362.50 (VAT 272.50). The purchase comes after.
        let run = app.post("/billing/run", json!({"date": "2026-04-01"})).await.assert_status(200).clone();
        assert_eq!(
            (run["created"].as_array().map(Vec::len), run["interventions"].as_u64()),
            (Some(4), Some(1)),
            "{run}"
        );
        let april = invoice_of(&app, &time).await;
        let inv = app.get(&format!("/invoices/{}", april.as_str().unwrap())).await.assert_status(200).clone();
        assert_eq!(
            (inv["totals"]["net"].as_str(), inv["totals"]["gross"].as_str()),
            (Some("1362.50"), Some("1635.00")),
            "{inv}"
        );
        assert_eq!(inv["issue_date"], "2026-04-01");
        let lines = inv["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines[0]["description"].as_str().unwrap().starts_with("Maintenance\nPériode du 01/04/2026"), "{inv}");
        assert!(lines[1]["description"].as_str().unwrap().contains("03/02/2026"), "{inv}");
        assert_eq!(lines[1]["net"], "162.50");
        assert_eq!(invoice_of(&app, &purchase).await, Value::Null, "done after the billing day");
        assert_eq!(invoice_of(&app, &kept).await, Value::Null, "RT-702 bills them on demand");

        // Again: nothing; the next quarter takes the purchase, 1 200 + 15 = 1 215.00.
        let again = app.post("/billing/run", json!({"date": "2026-04-01"})).await.assert_status(200).clone();
        assert_eq!((again["created"].clone(), again["interventions"].as_u64()), (json!([]), Some(0)));
        app.post("/billing/run", json!({"date": "2026-07-01"})).await.assert_status(200);
        let july = invoice_of(&app, &purchase).await;
        let inv = app.get(&format!("/invoices/{}", july.as_str().unwrap())).await.assert_status(200).clone();
        assert_eq!(inv["totals"]["net"], "1215.00", "{inv}");
        assert_eq!(invoice_of(&app, &time).await, april, "billed once");
        assert_eq!(invoice_of(&app, &kept).await, Value::Null);
        // The summary: three quarters planned (3 600.00), billed with the interventions.
        let s = app.get(&format!("/contracts/{with}/summary?as_of=2026-07-31")).await.assert_status(200).clone();
        assert_eq!(
            (s["planned_amount"].as_str(), s["billed_amount"].as_str()),
            (Some("3600.00"), Some("3777.50")),
            "{s}"
        );
        // On demand, RT-702's: 65.00.
        let bill = app.post("/interventions/bill", json!({"contract_id": apart, "through": "2026-07-31"})).await;
        assert_eq!(bill.assert_status(200)["interventions"], 1);

        let mut bad = json!({"customer_id": customer, "title": "x", "start_date": "2026-01-01",
            "billing": {"period_months": 3, "mode": "advance"}, "lines": [line("M", "1", "10", "20")]});
        bad["bill_interventions"] = json!("monthly");
        let r = app.post("/contracts", bad).await;
        assert_eq!((r.status, r.body["errors"][0]["field"].as_str()), (422, Some("bill_interventions")), "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn a_grouped_customer_s_interventions_come_last_on_its_grouped_invoice() {
    each_db(|app| async move {
        crate::contracts::after_the_daily_run(&app).await;
        let customer = app.customer().await;
        app.patch(&format!("/customers/{customer}"), json!({"contract_billing": "grouped"})).await.assert_status(200);
        let g1 = contract_of(&app, &customer, "G-1", "3500", None).await;
        let g2 = contract_of(&app, &customer, "G-2", "1200", None).await;
        let t = time_on(&app, &g1, "2026-02-10", "1").await;
        let p = json!({"contract_id": g2, "kind": "purchase", "date": "2026-03-02", "cost": "64", "coefficient": "1.25",
                       "vat_rate": "20"});
        let p = app.post("/interventions", p).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let run = app.post("/billing/run", json!({"date": "2026-04-01"})).await.assert_status(200).clone();
        assert_eq!(
            (run["created"].as_array().map(Vec::len), run["interventions"].as_u64()),
            (Some(2), Some(2)),
            "{run}"
        );
        let april = invoice_of(&app, &t).await;
        assert_eq!(invoice_of(&app, &p).await, april, "one invoice for the day");
        let inv = app.get(&format!("/invoices/{}", april.as_str().unwrap())).await.assert_status(200).clone();
        // 3 500 + 1 200 + 65.00 + 64 × 1.25 = 80.00: 4 845.00.
        assert_eq!(inv["totals"]["net"], "4845.00", "{inv}");
        let lines: Vec<&str> =
            inv["lines"].as_array().unwrap().iter().map(|l| l["description"].as_str().unwrap()).collect();
        assert!(
            lines[0].starts_with("G-1 — Maintenance")
                && lines[1].starts_with("G-2 — Maintenance")
                && lines[2].starts_with("G-1 — ")
                && lines[2].contains("10/02/2026")
                && lines[3].starts_with("G-2 — ")
                && lines[3].contains("02/03/2026"),
            "{lines:?}"
        );
        // Once issued, terminating G-2 mid-quarter still credits its own period's line:
        // 1200 − round(1200 × 45 / 91) = 606.59.
        app.post(&format!("/invoices/{}/issue", april.as_str().unwrap()), json!({})).await.assert_status(200);
        let t = app.post(&format!("/contracts/{g2}/terminate"), json!({"date": "2026-05-15"})).await;
        let t = t.assert_status(200).clone();
        let cn = app
            .get(&format!("/credit-notes/{}", t["credit_notes"][0].as_str().unwrap()))
            .await
            .assert_status(200)
            .clone();
        assert_eq!(cn["totals"]["net"], "606.59", "{cn}");
    })
    .await;
}

#[tokio::test]
async fn a_run_and_an_on_demand_bill_at_once_bill_each_intervention_once() {
    each_db(|app| async move {
        crate::contracts::after_the_daily_run(&app).await;
        for round in 0..3 {
            let customer = app.customer_named(&format!("Client {round}")).await;
            let contract = contract_of(&app, &customer, &format!("RACE-{round}"), "1200", None).await;
            let mut ids = Vec::new();
            for day in 1..=6 {
                ids.push(time_on(&app, &contract, &format!("2026-03-{day:02}"), &day.to_string()).await);
            }
            let (run, bill) = tokio::join!(
                app.post("/billing/run", json!({"date": "2026-04-01"})),
                app.post("/interventions/bill", json!({"contract_id": contract, "through": "2026-03-31"}))
            );
            assert_eq!(run.status, 200, "{}", run.body);
            assert!(bill.status == 200 || bill.status == 409, "{} {}", bill.status, bill.body);
            // Each intervention on exactly one invoice, which bills it once: 21 hours × 65
            // = 1 365.00 over the invoices, whichever took them.
            let mut invoices = std::collections::BTreeSet::new();
            for id in &ids {
                let inv = invoice_of(&app, id).await;
                assert!(inv.is_string(), "{id} billed");
                invoices.insert(inv.as_str().unwrap().to_string());
            }
            let mut hours = 0.0;
            for inv in &invoices {
                let inv = app.get(&format!("/invoices/{inv}")).await.assert_status(200).clone();
                for l in inv["lines"].as_array().unwrap() {
                    if l["description"].as_str().unwrap().contains("Intervention du") {
                        hours += l["quantity"].as_str().unwrap().parse::<f64>().unwrap();
                    }
                }
            }
            assert_eq!(hours, 21.0, "round {round}: {invoices:?}");
        }
    })
    .await;
}
