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
        after_the_daily_run(&app).await;
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
        after_the_daily_run(&app).await;
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
        after_the_daily_run(&app).await;
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
        after_the_daily_run(&app).await;
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

/// Waits for the day's `billing.run` the server schedules when it starts: it bills up to
/// today, so a test billing past days by hand starts once it is over.
pub(crate) async fn after_the_daily_run(app: &TestApp) {
    use facturier_store::jobs::{JobQuery, JobState};
    common::smtp::wait_until("the day's billing job", || async {
        let q = JobQuery { company_id: None, failed_only: false, limit: 100 };
        let jobs = app.store.jobs(&q).await.unwrap();
        jobs.iter()
            .any(|j| j.kind == "billing.run" && j.company_id.is_none() && j.state == JobState::Done)
            .then_some(())
    })
    .await;
}

/// A quarterly contract billed in advance from 2015-01-01 at 3 500 a quarter, its invoices
/// issued (or drafts when `issue` is false).
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

#[tokio::test]
async fn a_termination_mid_quarter_credits_the_days_billed_in_advance_once() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let c = app.post("/contracts", quarterly(&customer, "Q-1", true)).await.assert_status(201).clone();
        let id = c["id"].as_str().unwrap();
        let run = app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200).clone();
        assert_eq!(run["issued"].as_array().map(Vec::len), Some(2), "{run}");
        let q2 = run["created"][1].clone();

        // Ends on 15 May: 45 of the quarter's 91 days kept, 3500 × 45 / 91 = 1730.77;
        // 3500 − 1730.77 = 1769.23 given back (+ 20 % VAT).
        let t = app
            .post(&format!("/contracts/{id}/terminate"), json!({"date": "2015-05-15", "reason": "Départ du client"}))
            .await
            .assert_status(200)
            .clone();
        assert_eq!(t["status"], "terminated");
        let notes = t["credit_notes"].as_array().unwrap().clone();
        assert_eq!(notes.len(), 1, "{t}");
        let cn = app.get(&format!("/credit-notes/{}", notes[0].as_str().unwrap())).await.assert_status(200).clone();
        assert_eq!(cn["status"], "issued");
        assert_eq!((cn["totals"]["net"].as_str(), cn["totals"]["gross"].as_str()), (Some("1769.23"), Some("2123.08")));
        let parent = cn["links"].as_array().unwrap().iter().find(|l| l["kind"] == "invoice").cloned().unwrap();
        assert_eq!((parent["id"].clone(), parent["relation"].as_str()), (q2.clone(), Some("parent")));
        let description = cn["lines"][0]["description"].as_str().unwrap().replace(['\u{a0}', '\u{202f}'], " ");
        assert!(description.contains("16/05/2015") && description.contains("30/06/2015"), "{description}");
        let q2 = invoice(&app, &q2).await;
        assert_eq!(q2["totals"]["credited"], "2123.08", "{q2}");

        // Once: a second termination is refused and credits nothing more.
        let again = app.post(&format!("/contracts/{id}/terminate"), json!({"date": "2015-04-10"})).await;
        assert_eq!(again.status, 409);
        assert_eq!(app.get("/credit-notes").await.assert_status(200)["data"].as_array().map(Vec::len), Some(1));

        // A period's invoice still a draft cannot be credited: refused, nothing recorded.
        let d = app.post("/contracts", quarterly(&customer, "Q-2", false)).await.assert_status(201).clone();
        let did = d["id"].as_str().unwrap();
        app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200);
        let refused = app.post(&format!("/contracts/{did}/terminate"), json!({"date": "2015-05-15"})).await;
        assert_eq!((refused.status, refused.body["code"].as_str()), (409, Some("contract_credit_draft_invoice")));
        assert_eq!(app.get(&format!("/contracts/{did}")).await.assert_status(200)["status"], "active");
        // Terminated at the end of a billed quarter: nothing to give back.
        let ok = app.post(&format!("/contracts/{did}/terminate"), json!({"date": "2015-06-30"})).await;
        assert_eq!(ok.assert_status(200)["credit_notes"], json!([]));
    })
    .await;
}

async fn nets(app: &TestApp, run: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for id in run["created"].as_array().unwrap() {
        out.push(invoice(app, id).await["totals"]["net"].as_str().unwrap().to_string());
    }
    out
}

#[tokio::test]
async fn a_suspension_is_not_billed_and_the_periods_it_cuts_bill_pro_rata() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let mut body = quarterly(&customer, "S-1", false);
        body["billing"] = json!({"period_months": 1, "mode": "advance"});
        body["lines"] = json!([line("Location", "1", "3100", "20")]);
        let c = app.post("/contracts", body).await.assert_status(201).clone();
        let id = c["id"].as_str().unwrap();
        let s = app
            .post(
                &format!("/contracts/{id}/suspend"),
                json!({"from": "2015-02-10", "to": "2015-03-20", "reason": "Travaux"}),
            )
            .await
            .assert_status(200)
            .clone();
        assert_eq!(s["status"], "active", "the suspension is over today");
        assert_eq!(s["events"][0]["kind"], "suspended");
        let run = app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200).clone();
        // February: 9 of 28 days, 3100 × 9 / 28 = 996.43; March: 11 of 31 days = 1100.00.
        assert_eq!(nets(&app, &run).await, ["3100.00", "996.43", "1100.00", "3100.00"]);

        // Until resumed: from 1 May nothing is billed, the status says so.
        let open = app
            .post(&format!("/contracts/{id}/suspend"), json!({"from": "2015-05-01", "reason": "Fermeture"}))
            .await
            .assert_status(200)
            .clone();
        assert_eq!(open["status"], "suspended");
        assert_eq!(open["schedule"], json!([]), "nothing to come while suspended");
        let twice = app.post(&format!("/contracts/{id}/suspend"), json!({"from": "2015-08-01", "reason": "x"})).await;
        assert_eq!((twice.status, twice.body["code"].as_str()), (409, Some("contract_suspension_open")));
        let run = app.post("/billing/run", json!({"date": "2015-06-01"})).await.assert_status(200).clone();
        assert_eq!(run["created"], json!([]));
        let early = app.post(&format!("/contracts/{id}/resume"), json!({"date": "2015-04-30"})).await;
        assert_eq!((early.status, early.body["errors"][0]["field"].as_str()), (422, Some("date")));
        let resumed = app
            .post(&format!("/contracts/{id}/resume"), json!({"date": "2015-06-16"}))
            .await
            .assert_status(200)
            .clone();
        assert_eq!(resumed["status"], "active");
        assert_eq!(resumed["events"][1]["until"], "2015-06-15");
        // June from the 16th: 15 of 30 days, 1550.00; July whole.
        let run = app.post("/billing/run", json!({"date": "2015-07-01"})).await.assert_status(200).clone();
        assert_eq!(nets(&app, &run).await, ["1550.00", "3100.00"]);
        let again = app.post(&format!("/contracts/{id}/resume"), json!({"date": "2015-07-01"})).await;
        assert_eq!((again.status, again.body["code"].as_str()), (409, Some("contract_not_suspended")));
        app.post(&format!("/contracts/{id}/terminate"), json!({"date": "2015-07-31"})).await.assert_status(200);
        let ended = app.post(&format!("/contracts/{id}/suspend"), json!({"from": "2015-08-01", "reason": "x"})).await;
        assert_eq!((ended.status, ended.body["code"].as_str()), (409, Some("contract_not_running")));
    })
    .await;
}

/// Runs the daily `billing.run` job of the app's company and waits until it is done.
async fn daily_billing_job(app: &TestApp) {
    use facturier_store::jobs::{JobState, NewJob};
    let job = NewJob::now("billing.run", Some(app.company_id), json!({}));
    let id = app.store.enqueue_job(&job).await.unwrap().expect("a new job");
    common::smtp::wait_until("the billing job", || async {
        let j = app.store.job(None, id).await.unwrap();
        assert_ne!(j.state, JobState::Failed, "{j:?}");
        (j.state == JobState::Done).then_some(())
    })
    .await;
}

fn french(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

#[tokio::test]
async fn notices_near_their_deadline_are_listed_and_a_consumer_is_reminded_once_by_the_daily_run() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = common::smtp::free_port();
        let sink = common::smtp::SmtpSink::start(port);
        let app = common::spawn_app_with_mail(&db, Some(common::smtp::mail_via(port))).await;
        after_the_daily_run(&app).await;
        let today = time::OffsetDateTime::now_utc().date();
        let day = |n: i64| today + time::Duration::days(n);
        let mut person = common::customer_body("Jeanne Dupont");
        person["kind"] = json!("individual");
        person["email"] = json!("jeanne@exemple.fr");
        person.as_object_mut().unwrap().remove("legal");
        let consumer = app.post("/customers", person).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let business = app.customer().await;
        // Renewed tacitly for a year unless notice is given 10 days before the end, in 70
        // days: the deadline is in 60 days.
        let tacit = |customer: &str, reference: &str, alert: Option<u32>| {
            let mut b = quarterly(customer, reference, false);
            b["start_date"] = json!(day(-300).to_string());
            b["end_date"] = json!(day(70).to_string());
            b["renewal"] = json!("tacit");
            b["notice_days"] = json!(10);
            if let Some(a) = alert {
                b["notice_alert_days"] = json!(a);
            }
            b
        };
        let c = app.post("/contracts", tacit(&consumer, "N-CONS", Some(90))).await.assert_status(201).clone();
        assert_eq!(
            (c["notice_deadline"].as_str(), c["notice_alert_days"].as_u64()),
            (Some(&*day(60).to_string()), Some(90))
        );
        app.post("/contracts", tacit(&business, "N-PRO", None)).await.assert_status(201);
        let mut fixed = tacit(&consumer, "N-FIXED", Some(365));
        fixed["renewal"] = json!("none");
        app.post("/contracts", fixed).await.assert_status(201);

        // Today only the consumer's is within its 90 days; in 40 days the other's 30 too.
        let now = app.get("/contracts/notices").await.assert_status(200).clone();
        let refs = |v: &Value| v["data"].as_array().unwrap().iter().map(|n| n["reference"].clone()).collect::<Vec<_>>();
        assert_eq!(refs(&now), [json!("N-CONS")], "{now}");
        let n = &now["data"][0];
        assert_eq!((n["consumer"].as_bool(), n["reminded"].as_bool()), (Some(true), Some(false)));
        assert_eq!(
            (n["deadline"].as_str(), n["term_end"].as_str()),
            (Some(&*day(60).to_string()), Some(&*day(70).to_string()))
        );
        let later = app.get(&format!("/contracts/notices?as_of={}", day(40))).await.assert_status(200).clone();
        assert_eq!(refs(&later), [json!("N-CONS"), json!("N-PRO")]);
        let past = app.get(&format!("/contracts/notices?as_of={}", day(61))).await.assert_status(200).clone();
        assert_eq!(refs(&past), Vec::<Value>::new(), "the next deadlines are a year later");
        assert_eq!(app.get("/contracts/notices?as_of=2026-13-01").await.status, 422);

        // The daily run e-mails the consumer (3 to 1 months before the deadline), once.
        daily_billing_job(&app).await;
        let got = sink.wait_for(1).await;
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0]["to"], json!(["jeanne@exemple.fr"]));
        let subject = got[0]["subject"].as_str().unwrap();
        assert!(subject.contains("N-CONS") && subject.contains(&french(day(60))), "{subject}");
        let text = got[0]["text"].as_str().unwrap();
        assert!(text.contains("L215-1") && text.contains(&french(day(60))), "{text}");
        daily_billing_job(&app).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 1, "never twice");
        let after = app.get("/contracts/notices").await.assert_status(200).clone();
        assert_eq!(after["data"][0]["reminded"], true);
        let shown = app.get(&format!("/contracts/{}", c["id"].as_str().unwrap())).await.assert_status(200).clone();
        let reminded: Vec<&Value> =
            shown["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "notice_reminded").collect();
        assert_eq!(reminded.len(), 1);
        assert_eq!(reminded[0]["date"], day(60).to_string());
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_grouped_customer_gets_one_invoice_per_billing_day_for_all_its_contracts_once() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let grouped = app.customer().await;
        let p = app.patch(&format!("/customers/{grouped}"), json!({"contract_billing": "grouped"})).await;
        assert_eq!(p.assert_status(200)["contract_billing"], "grouped");
        let bad = app.patch(&format!("/customers/{grouped}"), json!({"contract_billing": "monthly"})).await;
        assert_eq!((bad.status, bad.body["errors"][0]["field"].as_str()), (422, Some("contract_billing")));
        let single = app.customer_named("Garage Durand").await;
        assert_eq!(
            app.get(&format!("/customers/{single}")).await.assert_status(200)["contract_billing"],
            "per_contract"
        );
        let mut second = quarterly(&grouped, "G-2", true);
        second["lines"] = json!([line("Hébergement", "1", "1200", "20")]);
        let g2 = app.post("/contracts", second).await.assert_status(201).clone();
        let g1 = app.post("/contracts", quarterly(&grouped, "G-1", true)).await.assert_status(201).clone();
        app.post("/contracts", quarterly(&single, "S-1", false)).await.assert_status(201);

        let run = app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200).clone();
        assert_eq!(run["created"].as_array().map(Vec::len), Some(4), "two quarters, grouped, and two of S-1: {run}");
        let mut grouped_invoices = Vec::new();
        for id in run["created"].as_array().unwrap() {
            let inv = invoice(&app, id).await;
            if inv["customer_id"] == json!(grouped) {
                grouped_invoices.push(inv);
            }
        }
        assert_eq!(grouped_invoices.len(), 2);
        let q2 = grouped_invoices.iter().find(|i| i["issue_date"] == "2015-04-01").unwrap().clone();
        assert_eq!(q2["status"], "issued");
        assert_eq!(q2["totals"]["net"], "4700.00", "3500 + 1200: {q2}");
        let lines: Vec<&str> =
            q2["lines"].as_array().unwrap().iter().map(|l| l["description"].as_str().unwrap()).collect();
        assert!(lines[0].starts_with("G-1 — Maintenance") && lines[1].starts_with("G-2 — Hébergement"), "{lines:?}");
        let mut linked: Vec<Value> = q2["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["kind"] == "contract")
            .map(|l| l["id"].clone())
            .collect();
        linked.sort_by_key(|v| v.as_str().unwrap().to_string());
        let mut both = vec![g1["id"].clone(), g2["id"].clone()];
        both.sort_by_key(|v| v.as_str().unwrap().to_string());
        assert_eq!(linked, both, "linked to each contract");

        let again = app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200).clone();
        assert_eq!(again["created"], json!([]), "nothing twice");
        let c2 = app.get(&format!("/contracts/{}", g2["id"].as_str().unwrap())).await.assert_status(200).clone();
        assert_eq!(c2["billed"].as_array().map(Vec::len), Some(2));

        // Terminating G-2 mid-quarter credits its own line of the grouped invoice:
        // 1200 − round(1200 × 45 / 91) = 1200 − 593.41 = 606.59.
        let t = app
            .post(&format!("/contracts/{}/terminate", g2["id"].as_str().unwrap()), json!({"date": "2015-05-15"}))
            .await
            .assert_status(200)
            .clone();
        let cn = app
            .get(&format!("/credit-notes/{}", t["credit_notes"][0].as_str().unwrap()))
            .await
            .assert_status(200)
            .clone();
        assert_eq!(cn["totals"]["net"], "606.59", "{cn}");
        assert!(cn["lines"][0]["description"].as_str().unwrap().starts_with("G-2 — Hébergement"));
    })
    .await;
}

/// The run reads its contracts by customer, in pages of 200: a grouped customer whose
/// contracts fill more than a page still gets one invoice for the day, billed once its
/// last contract is read, and the customers around it are billed as before — also by
/// two runs at once.
#[tokio::test]
async fn a_grouped_customer_whose_contracts_span_pages_of_the_run_gets_one_invoice() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let many = app.customer().await;
        let few = app.customer_named("Garage Durand").await;
        let single = app.customer_named("Boulangerie Martin").await;
        for c in [&many, &few] {
            let p = app.patch(&format!("/customers/{c}"), json!({"contract_billing": "grouped"})).await;
            p.assert_status(200);
        }
        const MANY: usize = 201;
        for i in 0..MANY {
            app.post("/contracts", quarterly(&many, &format!("G-{i:03}"), false)).await.assert_status(201);
        }
        app.post("/contracts", quarterly(&few, "F-1", false)).await.assert_status(201);
        app.post("/contracts", quarterly(&single, "S-1", false)).await.assert_status(201);
        app.post("/contracts", quarterly(&single, "S-2", false)).await.assert_status(201);

        // Two runs at once: each invoice once between them.
        let (a, b) = tokio::join!(
            app.post("/billing/run", json!({"date": "2015-01-01"})),
            app.post("/billing/run", json!({"date": "2015-01-01"}))
        );
        let mut created = a.assert_status(200)["created"].as_array().unwrap().clone();
        created.extend(b.assert_status(200)["created"].as_array().unwrap().iter().cloned());
        assert_eq!(created.len(), 4, "one invoice per grouped customer, one per contract of the other: {created:?}");
        let mut by_customer: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
        for id in &created {
            let inv = invoice(&app, id).await;
            by_customer.entry(inv["customer_id"].as_str().unwrap().to_string()).or_default().push(inv);
        }
        let grouped = &by_customer[&many];
        assert_eq!(grouped.len(), 1, "one invoice for the {MANY} contracts");
        let lines = grouped[0]["lines"].as_array().unwrap();
        assert_eq!(lines.len(), MANY);
        let first = lines[0]["description"].as_str().unwrap();
        let last = lines[MANY - 1]["description"].as_str().unwrap();
        assert!(first.starts_with("G-000 — ") && last.starts_with("G-200 — "), "by reference: {first} … {last}");
        assert_eq!(grouped[0]["totals"]["net"], "703500.00", "201 × 3500");
        // 201 references would not fit in a title: how many, the first and the last.
        assert_eq!(grouped[0]["title"], "201 contrats (G-000 à G-200) : facturation du 01/01/2015");
        assert_eq!(by_customer[&few].len(), 1);
        assert_eq!(by_customer[&single].len(), 2);

        let again = app.post("/billing/run", json!({"date": "2015-01-01"})).await.assert_status(200).clone();
        assert_eq!(again["created"], json!([]), "nothing twice");
    })
    .await;
}

#[tokio::test]
async fn a_recurring_invoice_bills_its_count_once_by_the_billing_run_and_stops() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let body = json!({
            "customer_id": customer, "frequency_months": 1, "next_date": "2025-01-31", "count": 3,
            "title": "Abonnement logiciel", "lines": [line("Abonnement", "1", "49.90", "20")],
        });
        let r = app.post("/recurring-invoices", body.clone()).await.assert_status(201).clone();
        let id = r["id"].as_str().unwrap();
        assert_eq!(
            (r["status"].as_str(), r["next_date"].as_str(), r["count"].as_u64()),
            (Some("active"), Some("2025-01-31"), Some(3))
        );
        // A contract's run bills it too, listed apart from the contracts' invoices.
        let run = app.post("/billing/run", json!({"date": "2025-02-28"})).await.assert_status(200).clone();
        assert_eq!((run["created"].clone(), run["recurring"].as_array().map(Vec::len)), (json!([]), Some(2)), "{run}");
        let feb = invoice(&app, &run["recurring"][1]).await;
        assert_eq!((feb["issue_date"].as_str(), feb["totals"]["net"].as_str()), (Some("2025-02-28"), Some("49.90")));
        assert_eq!(feb["title"], "Abonnement logiciel");
        let again = app.post("/billing/run", json!({"date": "2025-02-28"})).await.assert_status(200).clone();
        assert_eq!(again["recurring"], json!([]), "each date once");
        // The count is honoured: the third and last on 31 March, then finished.
        let later = app.post("/billing/run", json!({"date": "2026-01-01"})).await.assert_status(200).clone();
        assert_eq!(later["recurring"].as_array().map(Vec::len), Some(1), "{later}");
        let done = app.get(&format!("/recurring-invoices/{id}")).await.assert_status(200).clone();
        assert_eq!((done["status"].as_str(), done["next_date"].clone()), (Some("finished"), Value::Null));
        let dates: Vec<&str> = done["billed"].as_array().unwrap().iter().map(|b| b["date"].as_str().unwrap()).collect();
        assert_eq!(dates, ["2025-01-31", "2025-02-28", "2025-03-31"]);
        assert_eq!(app.post(&format!("/recurring-invoices/{id}/stop"), json!({})).await.status, 409);

        // Until an end date, issued, and stopped by hand.
        let mut issued = body.clone();
        issued.as_object_mut().unwrap().remove("count");
        issued["end_date"] = json!("2025-12-31");
        issued["frequency_months"] = json!(3);
        issued["issue"] = json!(true);
        let s = app.post("/recurring-invoices", issued).await.assert_status(201).clone();
        let sid = s["id"].as_str().unwrap();
        let run = app.post("/billing/run", json!({"date": "2025-05-01"})).await.assert_status(200).clone();
        assert_eq!(run["recurring"].as_array().map(Vec::len), Some(2), "31 January and 30 April: {run}");
        assert_eq!(run["issued"], run["recurring"]);
        let stopped = app.post(&format!("/recurring-invoices/{sid}/stop"), json!({})).await.assert_status(200).clone();
        assert_eq!((stopped["status"].as_str(), stopped["next_date"].clone()), (Some("stopped"), Value::Null));
        let none = app.post("/billing/run", json!({"date": "2026-01-01"})).await.assert_status(200).clone();
        assert_eq!(none["recurring"], json!([]));
        let page = app.get("/recurring-invoices").await.assert_status(200).clone();
        assert_eq!(page["data"].as_array().map(Vec::len), Some(2));

        // Bad input names its field.
        for (field, value, named) in [
            ("frequency_months", json!(0), "frequency_months"),
            ("end_date", json!("2024-01-01"), "end_date"),
            ("lines", json!([]), "lines"),
            ("next_date", json!("31/01/2025"), "next_date"),
        ] {
            let mut b = body.clone();
            b[field] = value;
            if field == "end_date" {
                b.as_object_mut().unwrap().remove("count");
            }
            let r = app.post("/recurring-invoices", b).await;
            assert_eq!(r.status, 422, "{field}: {}", r.body);
            assert_eq!(r.body["errors"][0]["field"], named, "{}", r.body);
        }
        let mut both = body.clone();
        both["end_date"] = json!("2025-12-31");
        assert_eq!(app.post("/recurring-invoices", both).await.body["errors"][0]["code"], "recurring_end_or_count");
        assert_eq!(app.other_company().await.get(&format!("/recurring-invoices/{id}")).await.status, 404);
    })
    .await;
}

/// Two lines billed by quantity, the second with a discount: a quarter bills
/// 2 × 1 750.25 = 3 500.50 and 3 × 99.99 = 299.97 less 12.5 % (37.50) = 262.47, 3 762.97 in
/// all; from 1 February the first quarter keeps 59 of its 90 days, each unit price pro
/// rata rounded first as the invoice's line holds it (1 147.39 and 65.55), then
/// 2 × 1 147.39 = 2 294.78 and 3 × 65.55 = 196.65 less 24.58 = 172.07: 2 466.85.
fn by_quantity(customer: &str, reference: &str) -> Value {
    let mut discounted = line("Astreinte", "3", "99.99", "20");
    discounted["discount_percent"] = json!("12.5");
    json!({
        "customer_id": customer,
        "reference": reference,
        "title": "Maintenance de deux fours",
        "start_date": "2015-02-01",
        "end_date": "2015-12-31",
        "billing": {"period_months": 3, "mode": "advance"},
        "lines": [line("Maintenance", "2", "1750.25", "20"), discounted],
    })
}

#[tokio::test]
async fn the_schedule_the_billed_periods_and_the_summary_show_what_the_invoices_bill_by_quantity() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let c = app.post("/contracts", by_quantity(&customer, "QTY-2")).await.assert_status(201).clone();
        let id = c["id"].as_str().unwrap();
        let planned: Vec<(&str, &str)> = c["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["billing_date"].as_str().unwrap(), s["amount"].as_str().unwrap()))
            .collect();
        assert_eq!(
            planned,
            [
                ("2015-02-01", "2466.85"),
                ("2015-04-01", "3762.97"),
                ("2015-07-01", "3762.97"),
                ("2015-10-01", "3762.97")
            ]
        );

        let run = app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200).clone();
        assert_eq!(nets(&app, &run).await, ["2466.85", "3762.97"], "the invoices bill what the schedule said");
        let q1 = invoice(&app, &run["created"][0]).await;
        assert_eq!(
            (q1["lines"][0]["unit_price"].as_str(), q1["lines"][1]["net"].as_str()),
            (Some("1147.39"), Some("172.07")),
            "{q1}"
        );
        let after = app.get(&format!("/contracts/{id}")).await.assert_status(200).clone();
        let billed: Vec<&str> =
            after["billed"].as_array().unwrap().iter().map(|b| b["amount"].as_str().unwrap()).collect();
        assert_eq!(billed, ["2466.85", "3762.97"]);
        assert_eq!(
            (after["schedule"][0]["billing_date"].as_str(), after["schedule"][0]["amount"].as_str()),
            (Some("2015-07-01"), Some("3762.97"))
        );

        // Planned and billed agree with the invoices: 2 466.85 + 3 762.97 = 6 229.82.
        let s = app.get(&format!("/contracts/{id}/summary?as_of=2015-06-30")).await.assert_status(200).clone();
        assert_eq!(
            (s["periods"].as_u64(), s["planned_amount"].as_str(), s["billed_amount"].as_str()),
            (Some(2), Some("6229.82"), Some("6229.82")),
            "{s}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_termination_whose_credit_note_fails_records_nothing() {
    each_db(|app| async move {
        after_the_daily_run(&app).await;
        let customer = app.customer().await;
        let c = app.post("/contracts", quarterly(&customer, "Q-9", true)).await.assert_status(201).clone();
        let id = c["id"].as_str().unwrap();
        let run = app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200).clone();
        assert_eq!(run["issued"].as_array().map(Vec::len), Some(2), "{run}");
        // The books closed through today: the credit note of 16 May – 30 June cannot be
        // issued, after the termination is written in the same transaction.
        let today = time::OffsetDateTime::now_utc().date();
        app.store.close_books(app.company_id, today, None).await.unwrap();
        let t =
            app.post(&format!("/contracts/{id}/terminate"), json!({"date": "2015-05-15", "reason": "Départ"})).await;
        assert_eq!(
            (t.status, t.body["errors"][0]["code"].as_str()),
            (422, Some("accounting_period_closed")),
            "{}",
            t.body
        );
        // Nothing half-done: still active, no event, no credit note, not even a draft.
        let after = app.get(&format!("/contracts/{id}")).await.assert_status(200).clone();
        assert_eq!((after["status"].as_str(), after["events"].clone()), (Some("active"), json!([])), "{after}");
        let notes = app.get("/credit-notes").await.assert_status(200).clone();
        assert_eq!(notes["data"], json!([]), "{notes}");
        // It runs on: July's quarter still to bill, whole.
        assert_eq!(
            (after["schedule"][0]["period_start"].as_str(), after["schedule"][0]["amount"].as_str()),
            (Some("2015-07-01"), Some("3500.00"))
        );
        let invoices = app.get(&format!("/invoices?customer_id={customer}&limit=100")).await.assert_status(200).clone();
        assert_eq!(invoices["data"].as_array().map(Vec::len), Some(2), "the two quarters only");
    })
    .await;
}
