//! Contracts that bill themselves, over HTTP on SQLite and PostgreSQL (API.md, "Contracts
//! and recurring billing"): the seed's maintenance contract (2014-01-01 to 2017-12-31,
//! quarterly in advance, `1500 + 2000 × S / S0`, VAT 20 %) billed up to 2016-12-31 gives
//! exactly its twelve quarterly invoices with their revised amounts, once however often
//! and however concurrently the run is started; a contract waiting for an index value is
//! reported and the others billed; bad terms are refused with the field named.

use crate::common;

use common::{TestApp, each_db, line};
use serde_json::{Value, json};

/// SYNTEC values published a month before each quarter's billing (the base is 239.5).
const SYNTEC: [(&str, &str); 12] = [
    ("2013-12", "239.5"),
    ("2014-03", "241.0"),
    ("2014-06", "242.4"),
    ("2014-09", "243.9"),
    ("2014-12", "244.6"),
    ("2015-03", "245.2"),
    ("2015-06", "246.1"),
    ("2015-09", "247.0"),
    ("2015-12", "247.6"),
    ("2016-03", "248.3"),
    ("2016-06", "249.2"),
    ("2016-09", "250.1"),
];

/// `round(1500 + 2000 × S / 239.5)`, worked out by hand (Python's decimal) for each value.
const EXPECTED_NET: [&str; 12] = [
    "3500.00", "3512.53", "3524.22", "3536.74", "3542.59", "3547.60", "3555.11", "3562.63", "3567.64", "3573.49",
    "3581.00", "3588.52",
];

async fn publish_syntec(app: &TestApp) {
    for (period, value) in SYNTEC {
        let r = app.post("/indices/syntec/values", json!({"period": period, "value": value})).await;
        assert_eq!(r.assert_status(201)["index"], "SYNTEC");
    }
}

fn seed_contract(customer: &str, reference: &str, revision: Value) -> Value {
    json!({
        "customer_id": customer,
        "reference": reference,
        "title": "Contrat de maintenance",
        "nature": "DEPA",
        "start_date": "2014-01-01",
        "end_date": "2017-12-31",
        "renewal": "none",
        "billing": {"period_months": 3, "mode": "advance"},
        "lines": [line("Maintenance préventive et dépannage", "1", "3500", "20")],
        "revision": revision,
    })
}

fn seed_revision() -> Value {
    json!({"fixed_amount": "1500", "indices": [{"index": "SYNTEC", "amount": "2000", "base_value": "239.5"}]})
}

async fn invoice(app: &TestApp, id: &Value) -> Value {
    app.get(&format!("/invoices/{}", id.as_str().unwrap())).await.assert_status(200).clone()
}

#[tokio::test]
async fn the_seed_s_maintenance_contract_bills_its_twelve_revised_quarters_once() {
    each_db(|app| async move {
        let customer = app.customer().await;
        publish_syntec(&app).await;
        let created = app.post("/contracts", seed_contract(&customer, "RT-684", seed_revision())).await;
        let contract = created.assert_status(201).clone();
        let id = contract["id"].as_str().unwrap().to_string();
        assert_eq!(contract["status"], "active");
        assert_eq!((contract["period_months"].as_u64(), contract["mode"].as_str()), (Some(3), Some("advance")));
        // Nothing billed yet: the schedule starts with the first quarter, at P0.
        assert_eq!(contract["schedule"][0]["period_start"], "2014-01-01");
        assert_eq!(contract["schedule"][0]["period_end"], "2014-03-31");
        assert_eq!(contract["schedule"][0]["amount"], "3500.00");

        let run = app.post("/billing/run", json!({"date": "2016-12-31"})).await.assert_status(200).clone();
        let made = run["created"].as_array().unwrap().clone();
        assert_eq!(made.len(), 12, "{run}");
        assert_eq!(run["blocked"], json!([]));
        for (i, inv) in made.iter().enumerate() {
            let inv = invoice(&app, inv).await;
            assert_eq!(inv["status"], "draft");
            assert_eq!(inv["totals"]["net"], EXPECTED_NET[i], "quarter {i}: {inv}");
            let link = inv["links"].as_array().unwrap().iter().find(|l| l["kind"] == "contract").cloned();
            assert_eq!(link.map(|l| (l["id"].clone(), l["number"].clone())), Some((json!(id), json!("RT-684"))));
            let description = inv["lines"][0]["description"].as_str().unwrap().replace(['\u{a0}', '\u{202f}'], " ");
            assert!(description.starts_with("Maintenance préventive et dépannage\nPériode du "), "{description}");
            if i > 0 {
                assert!(description.contains("Révision : P0 3 500,00 € × "), "{description}");
                assert!(description.contains(&format!("SYNTEC {} = ", SYNTEC[i].0)), "{description}");
            }
        }
        let first = invoice(&app, &made[0]).await;
        assert_eq!(first["issue_date"], "2014-01-01", "dated on its billing day");
        assert_eq!(first["totals"]["gross"], "4200.00", "the seed's 4 200,00 € TTC");

        // Again, and twice at once: nothing more.
        let again = app.post("/billing/run", json!({"date": "2016-12-31"})).await.assert_status(200).clone();
        assert_eq!(again["created"], json!([]));
        let (a, b) = tokio::join!(
            app.post("/billing/run", json!({"date": "2016-12-31"})),
            app.post("/billing/run", json!({"date": "2016-12-31"}))
        );
        assert_eq!((a.status, b.status), (200, 200));
        assert_eq!((a.body["created"].clone(), b.body["created"].clone()), (json!([]), json!([])));

        // 2017 is still to bill.
        let after = app.get(&format!("/contracts/{id}")).await.assert_status(200).clone();
        assert_eq!(after["billed"].as_array().map(Vec::len), Some(12));
        let schedule: Vec<&str> =
            after["schedule"].as_array().unwrap().iter().map(|s| s["period_start"].as_str().unwrap()).collect();
        assert_eq!(schedule, ["2017-01-01", "2017-04-01", "2017-07-01", "2017-10-01"]);
        let invoices = app.get(&format!("/invoices?customer_id={customer}&limit=100")).await.assert_status(200).clone();
        assert_eq!(invoices["data"].as_array().map(Vec::len), Some(12), "twelve invoices in all");
    })
    .await;
}

#[tokio::test]
async fn two_concurrent_runs_bill_each_period_once() {
    each_db(|app| async move {
        let customer = app.customer().await;
        publish_syntec(&app).await;
        for n in 0..3 {
            let body = seed_contract(&customer, &format!("RT-{n}"), seed_revision());
            app.post("/contracts", body).await.assert_status(201);
        }
        let (a, b) = tokio::join!(
            app.post("/billing/run", json!({"date": "2015-12-31"})),
            app.post("/billing/run", json!({"date": "2015-12-31"}))
        );
        let total = a.assert_status(200)["created"].as_array().unwrap().len()
            + b.assert_status(200)["created"].as_array().unwrap().len();
        assert_eq!(total, 3 * 8, "{} / {}", a.body, b.body);
        let invoices = app.get(&format!("/invoices?customer_id={customer}&limit=100")).await.assert_status(200).clone();
        assert_eq!(invoices["data"].as_array().map(Vec::len), Some(24));
    })
    .await;
}

#[tokio::test]
async fn a_contract_waiting_for_an_index_value_is_reported_and_the_others_are_billed() {
    each_db(|app| async move {
        let customer = app.customer().await;
        publish_syntec(&app).await;
        // The API's one-index form: P0 × (0.15 + 0.85 × I / I0).
        let waiting = json!({"index": "ICHT-REV-TS", "base_value": "120.4", "fixed_part": "0.15"});
        let w = app.post("/contracts", seed_contract(&customer, "WAIT-1", waiting)).await.assert_status(201).clone();
        app.post("/contracts", seed_contract(&customer, "RT-684", seed_revision())).await.assert_status(201);
        let run = app.post("/billing/run", json!({"date": "2014-06-30"})).await.assert_status(200).clone();
        assert_eq!(run["created"].as_array().map(Vec::len), Some(2), "the seed's contract: two quarters: {run}");
        let blocked = &run["blocked"][0];
        assert_eq!(
            (blocked["contract_id"].clone(), blocked["code"].clone()),
            (w["id"].clone(), json!("contract_index_missing"))
        );
        assert!(blocked["message"].as_str().unwrap().contains("ICHT-REV-TS"), "{blocked}");

        // Published, the next run bills it; the other has nothing more.
        app.post("/indices/ICHT-REV-TS/values", json!({"period": "2013-12", "value": "121.0"}))
            .await
            .assert_status(201);
        app.post("/indices/ICHT-REV-TS/values", json!({"period": "2014-03", "value": "122.8"}))
            .await
            .assert_status(201);
        let run = app.post("/billing/run", json!({"date": "2014-06-30"})).await.assert_status(200).clone();
        assert_eq!(run["created"].as_array().map(Vec::len), Some(2), "{run}");
        // 3500 × (0.15 + 0.85 × 122.8 / 120.4) = 3559.3023… for the second quarter.
        let q2 = invoice(&app, &run["created"][1]).await;
        assert_eq!(q2["totals"]["net"], "3559.30", "{q2}");
        let values = app.get("/indices/icht-rev-ts/values").await.assert_status(200).clone();
        assert_eq!(values["data"].as_array().map(Vec::len), Some(2));
        // A correction answers 200.
        let r = app.post("/indices/ICHT-REV-TS/values", json!({"period": "2014-03", "value": "122.9"})).await;
        assert_eq!(r.status, 200);
    })
    .await;
}

#[tokio::test]
async fn a_termination_stops_billing_and_bad_terms_are_refused_with_the_field_named() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let mut body = seed_contract(&customer, "X-1", Value::Null);
        body["billing"] = json!({"period_months": 1, "mode": "arrears"});
        body["start_date"] = json!("2024-01-15");
        body["end_date"] = json!("2024-12-31");
        body.as_object_mut().unwrap().remove("revision");
        let c = app.post("/contracts", body.clone()).await.assert_status(201).clone();
        let id = c["id"].as_str().unwrap();
        // January from the 15th: 17 of 31 days: 3500 × 17 / 31 = 1919.35, billed on the 31st.
        assert_eq!(
            (c["schedule"][0]["billing_date"].as_str(), c["schedule"][0]["amount"].as_str()),
            (Some("2024-01-31"), Some("1919.35"))
        );
        let t = app
            .post(&format!("/contracts/{id}/terminate"), json!({"date": "2024-03-10", "reason": "Départ du client"}))
            .await;
        assert_eq!(t.assert_status(200)["status"], "terminated");
        let run = app.post("/billing/run", json!({"date": "2024-12-31"})).await.assert_status(200).clone();
        // Terminated contracts are not run: the three periods stay unbilled, nothing after.
        assert_eq!(run["created"], json!([]));
        let again = app.post(&format!("/contracts/{id}/terminate"), json!({"date": "2024-03-10"})).await;
        assert_eq!(again.status, 409);

        let customer_field = |mut b: Value, path: &[&str], v: Value| {
            let mut at = &mut b;
            for p in &path[..path.len() - 1] {
                at = &mut at[*p];
            }
            at[path[path.len() - 1]] = v;
            b
        };
        for (path, value, field) in [
            (&["billing", "period_months"][..], json!(5), "billing.period_months"),
            (&["billing", "mode"][..], json!("monthly"), "billing.mode"),
            (&["end_date"][..], json!("2023-12-31"), "end_date"),
            (&["customer_id"][..], json!(uuid::Uuid::nil().to_string()), "customer_id"),
            (
                &["revision"][..],
                json!({"fixed_part": "0.2", "indices": [{"index": "SYNTEC", "weight": "0.7", "base_value": "239.5"}]}),
                "revision",
            ),
            (&["revision"][..], json!({"index": "SYN TEC", "base_value": "239.5"}), "revision.index"),
            (&["lines"][..], json!([]), "lines"),
        ] {
            let r = app.post("/contracts", customer_field(body.clone(), path, value)).await;
            assert_eq!(r.status, 422, "{field}: {}", r.body);
            let fields: Vec<&str> =
                r.body["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
            assert!(fields.contains(&field), "{field}: {}", r.body);
        }
        let dup = app.post("/contracts", body).await;
        assert_eq!(dup.status, 422);
        assert_eq!(dup.body["errors"][0]["field"], "reference");
        let bad = app.post("/indices/SYNTEC/values", json!({"period": "2026-13", "value": "250"})).await;
        assert_eq!((bad.status, bad.body["errors"][0]["field"].as_str()), (422, Some("period")));
        let later = (time::OffsetDateTime::now_utc().date() + time::Duration::days(40)).to_string();
        let future = app.post("/billing/run", json!({"date": later})).await;
        assert_eq!((future.status, future.body["errors"][0]["field"].as_str()), (422, Some("date")));
        assert_eq!(future.body["errors"][0]["code"], "contract_run_future", "{}", future.body);
        let page = app.get("/contracts").await.assert_status(200).clone();
        assert_eq!(page["data"].as_array().map(Vec::len), Some(1), "the refused contracts were not stored");
        let other = app.other_company().await;
        assert_eq!(other.get(&format!("/contracts/{id}")).await.status, 404);
    })
    .await;
}
