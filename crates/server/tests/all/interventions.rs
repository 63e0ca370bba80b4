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
