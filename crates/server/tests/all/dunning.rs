//! Dunning over HTTP on both databases: the overdue list and its next step, the run that
//! takes each level once (again the same day: nothing; after an outage: the next level
//! only; two runs at once: each step once), undo, "never dun" for a customer and an
//! invoice, entries by hand, the policy in the settings, the e-mail through a real SMTP
//! server with every invoice's PDF attached, and the printable letter read back.

use crate::common;

use base64::Engine;
use common::smtp::*;
use common::*;
use serde_json::{Value, json};
use time::{Date, Duration, format_description::well_known::Iso8601};

fn day(s: &str) -> Date {
    Date::parse(s, &Iso8601::DATE).expect("a date")
}

fn plus(d: &str, n: i64) -> String {
    (day(d) + Duration::days(n)).to_string()
}

async fn overdue(app: &TestApp, as_of: &str) -> Vec<Value> {
    app.get(&format!("/dunning?as_of={as_of}")).await.assert_status(200)["data"].as_array().expect("data").clone()
}

async fn run(app: &TestApp, body: Value) -> Value {
    app.post("/dunning/run", body).await.assert_status(200).clone()
}

fn levels(run: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        run["steps"].as_array().expect("steps").iter().map(|s| s["level"].as_str().unwrap_or("").to_string()).collect();
    out.sort();
    out
}

fn events(doc: &Value, name: &str) -> Vec<Value> {
    doc["history"].as_array().into_iter().flatten().filter(|e| e["event"] == name).cloned().collect()
}

#[tokio::test]
async fn the_levels_follow_each_other_once_per_run_from_the_steps_taken() {
    each_db(|app| async move {
        let martin = app.customer_named("Boulangerie Martin").await;
        let inv = app.issued_invoice(&martin, &[line("Pose", "2", "180.50", "10")]).await;
        let id = inv["id"].as_str().unwrap();
        let due = inv["due_date"].as_str().expect("a due date").to_string();

        // Not overdue on its due date; overdue the day after, reminder 1 next.
        assert!(overdue(&app, &due).await.is_empty());
        let d1 = plus(&due, 1);
        let list = overdue(&app, &d1).await;
        assert_eq!(list.len(), 1, "{list:#?}");
        assert_eq!(list[0]["id"], id);
        assert_eq!(list[0]["days_overdue"], 1);
        assert_eq!(list[0]["due"], inv["totals"]["due"]);
        assert_eq!(list[0]["next_step"], "reminder_1");
        assert_eq!(list[0]["next_step_due"], true);

        let first = run(&app, json!({"as_of": d1, "channel": "email"})).await;
        assert_eq!(levels(&first), ["reminder_1"]);
        assert_eq!(first["emails"].as_array().unwrap().len(), 1);
        // Again the same day: nothing, though reminder 2 would be "late" by the calendar.
        let again = run(&app, json!({"as_of": d1})).await;
        assert!(again["steps"].as_array().unwrap().is_empty(), "{again:#}");
        let list = overdue(&app, &d1).await;
        assert_eq!(
            (list[0]["next_step"].as_str(), list[0]["next_step_due"].as_bool()),
            (Some("reminder_2"), Some(false))
        );
        assert_eq!(list[0]["last_step"], "reminder_1");

        // Ten days of outage past every level's date: the next level only, once.
        let d40 = plus(&due, 40);
        assert_eq!(levels(&run(&app, json!({"as_of": d40})).await), ["reminder_2"]);
        assert!(run(&app, json!({"as_of": d40})).await["steps"].as_array().unwrap().is_empty());
        let d41 = plus(&due, 41);
        assert_eq!(levels(&run(&app, json!({"as_of": d41})).await), ["formal_notice"]);
        assert_eq!(overdue(&app, &plus(&due, 90)).await[0]["next_step"], Value::Null, "every level taken");
        assert!(run(&app, json!({"as_of": plus(&due, 90)})).await["steps"].as_array().unwrap().is_empty());

        // Each step is in the invoice's history; undoing the last lets it be taken again.
        let doc = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        let taken = events(&doc, "dunning_step");
        assert_eq!(taken.len(), 3, "{:#?}", doc["history"]);
        let mine = app.get(&format!("/invoices/{id}/dunning")).await.assert_status(200).clone();
        assert_eq!(mine["dunning"], "auto");
        let last = mine["steps"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string();
        app.delete(&format!("/dunning/steps/{last}")).await.assert_status(204);
        let mine = app.get(&format!("/invoices/{id}/dunning")).await.assert_status(200).clone();
        assert!(mine["steps"].as_array().unwrap().last().unwrap()["undone_at"].is_string());
        app.delete(&format!("/dunning/steps/{last}")).await.assert_status(409);
        let d92 = plus(&due, 92);
        assert_eq!(overdue(&app, &d92).await[0]["next_step"], "formal_notice");
        assert_eq!(levels(&run(&app, json!({"as_of": d92})).await), ["formal_notice"]);
        let doc = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        assert_eq!(events(&doc, "dunning_undone").len(), 1);

        // Another company sees none of it.
        let other = app.other_company().await;
        assert!(overdue(&other, &d1).await.is_empty());
        other.delete(&format!("/dunning/steps/{last}")).await.assert_status(404);
        other.get(&format!("/invoices/{id}/dunning")).await.assert_status(404);
    })
    .await;
}

#[tokio::test]
async fn a_customer_or_an_invoice_marked_never_is_not_dunned() {
    each_db(|app| async move {
        let a = app.customer_named("Alpha SARL").await;
        let b = app.customer_named("Beta SAS").await;
        let ia = app.issued_invoice(&a, &[line("Pose", "1", "100", "20")]).await;
        let ib = app.issued_invoice(&b, &[line("Pose", "1", "200", "20")]).await;
        let (ida, idb) = (ia["id"].as_str().unwrap(), ib["id"].as_str().unwrap());
        let d = plus(ia["due_date"].as_str().unwrap(), 3);
        assert_eq!(overdue(&app, &d).await.len(), 2);

        let r = app
            .request(reqwest::Method::PUT, &format!("/invoices/{ida}/dunning"), Some(json!({"dunning": "never"})), &[])
            .await;
        assert_eq!(r.assert_status(200)["dunning"], "never");
        let r = app
            .request(reqwest::Method::PUT, &format!("/invoices/{ida}/dunning"), Some(json!({"dunning": "soon"})), &[])
            .await;
        assert_eq!(r.assert_status(422).clone()["errors"][0]["field"], "dunning");
        let c = app.patch(&format!("/customers/{b}"), json!({"dunning": "never"})).await;
        assert_eq!(c.assert_status(200)["dunning"], "never");
        app.patch(&format!("/customers/{b}"), json!({"dunning": "parfois"})).await.assert_status(422);
        assert!(overdue(&app, &d).await.is_empty());
        assert!(run(&app, json!({"as_of": d})).await["steps"].as_array().unwrap().is_empty());
        // The sealed invoice did not change.
        let sealed = app.get(&format!("/invoices/{ida}")).await.assert_status(200).clone();
        assert_eq!(sealed["number"], ia["number"]);

        app.patch(&format!("/customers/{b}"), json!({"dunning": "auto"})).await.assert_status(200);
        let r = run(&app, json!({"as_of": d})).await;
        assert_eq!(r["steps"].as_array().unwrap().len(), 1);
        assert_eq!(r["steps"][0]["invoice_id"], idb);
        app.request(reqwest::Method::PUT, &format!("/invoices/{ida}/dunning"), Some(json!({"dunning": "auto"})), &[])
            .await
            .assert_status(200);
        let r = run(&app, json!({"as_of": d, "invoice_ids": [ida]})).await;
        assert_eq!(r["steps"][0]["invoice_id"], ida);
    })
    .await;
}

#[tokio::test]
async fn two_runs_at_once_take_each_step_once() {
    each_db(|app| async move {
        let mut due = String::new();
        for n in 0..4 {
            let c = app.customer_named(&format!("Client {n}")).await;
            for _ in 0..2 {
                let inv = app.issued_invoice(&c, &[line("Pose", "1", "100", "20")]).await;
                due = inv["due_date"].as_str().unwrap().to_string();
            }
        }
        let d = plus(&due, 2);
        let body = json!({"as_of": d});
        let (r1, r2, r3) = tokio::join!(run(&app, body.clone()), run(&app, body.clone()), run(&app, body.clone()));
        let total: usize = [&r1, &r2, &r3].iter().map(|r| r["steps"].as_array().unwrap().len()).sum();
        assert_eq!(total, 8, "eight invoices, each taken once: {r1:#}\n{r2:#}\n{r3:#}");
        let emails: usize = [&r1, &r2, &r3].iter().map(|r| r["emails"].as_array().unwrap().len()).sum();
        assert_eq!(emails, 4, "one e-mail per customer");
        assert!(overdue(&app, &d).await.iter().all(|o| o["next_step"] == "reminder_2"));
    })
    .await;
}

#[tokio::test]
async fn the_policy_is_set_in_the_settings_and_checked() {
    each_db(|app| async move {
        let s = app.get("/settings").await.assert_status(200).clone();
        assert_eq!(s["dunning"]["levels"][2], json!({"code": "formal_notice", "days": 30, "from": "due_date", "channel": "email"}));
        let bad = app
            .patch(
                "/settings",
                json!({"dunning": {"levels": [{"code": "Relance 1", "days": 0}, {"code": "r2", "days": 400}, {"code": "r3", "days": 1, "channel": "fax"}]}}),
            )
            .await;
        let fields = bad.error_fields();
        assert_eq!(bad.status, 422);
        for f in ["dunning.levels[0].code", "dunning.levels[1].days", "dunning.levels[2].channel"] {
            assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
        }
        let policy = json!([
            {"code": "rappel", "days": 5, "from": "due_date", "channel": "email"},
            {"code": "mise_en_demeure", "days": 10, "from": "previous_level", "channel": "letter"},
        ]);
        let ok = app.patch("/settings", json!({"dunning": {"levels": policy}})).await;
        assert_eq!(ok.assert_status(200)["dunning"]["levels"], policy);

        let c = app.customer().await;
        let inv = app.issued_invoice(&c, &[line("Pose", "1", "100", "20")]).await;
        let due = inv["due_date"].as_str().unwrap();
        assert_eq!(overdue(&app, &plus(due, 4)).await[0]["next_step_due"], false, "5 days after the due date");
        assert_eq!(levels(&run(&app, json!({"as_of": plus(due, 7)})).await), ["rappel"]);
        // The second level counts from the day "rappel" was taken.
        let list = overdue(&app, &plus(due, 8)).await;
        assert_eq!(list[0]["next_step_on"], plus(due, 17));
        let letter = run(&app, json!({"as_of": plus(due, 30), "channel": "letter"})).await;
        assert_eq!(levels(&letter), ["mise_en_demeure"]);
        assert_eq!(letter["letters"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_call_or_a_promise_to_pay_is_written_in_the_invoice_history() {
    each_db(|app| async move {
        let c = app.customer().await;
        let inv = app.issued_invoice(&c, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/invoices/{id}/dunning/notes"),
                json!({"kind": "promise", "text": "Paiement promis pour vendredi"}),
            )
            .await;
        let note = r.assert_status(201).clone();
        assert_eq!((note["kind"].as_str(), note["level"].as_str()), (Some("promise"), None));
        let bad = app.post(&format!("/invoices/{id}/dunning/notes"), json!({"kind": "auto", "text": "x"})).await;
        assert_eq!(bad.status, 422);
        let doc = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        let notes = events(&doc, "dunning_note");
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["detail"]["text"], "Paiement promis pour vendredi");
        // A note is no level: reminder 1 still comes next.
        let d = plus(inv["due_date"].as_str().unwrap(), 1);
        assert_eq!(overdue(&app, &d).await[0]["next_step"], "reminder_1");
    })
    .await;
}

fn attachment_bytes(a: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(a["data"].as_str().expect("data")).expect("base64")
}

#[tokio::test]
async fn one_email_per_customer_lists_its_invoices_with_their_pdfs() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let app = spawn_app_with_mail(&db, Some(mail_via(port))).await;
        app.patch("/settings", json!({"legal": {"late_penalty_rate": "12"}})).await.assert_status(200);
        let c = app.customer().await;
        let i1 = app.issued_invoice(&c, &[line("Pose", "2", "180.50", "10")]).await;
        let i2 = app.issued_invoice(&c, &[line("Dépose", "1", "100", "20")]).await;
        let due = i2["due_date"].as_str().unwrap();
        let r = run(&app, json!({"as_of": plus(due, 20), "channel": "email"})).await;
        assert_eq!(r["steps"].as_array().unwrap().len(), 2);
        assert_eq!(r["emails"].as_array().unwrap().len(), 1);

        let got = sink.wait_for(1).await;
        assert_eq!(got.len(), 1, "one message for the customer: {got:#?}");
        let m = &got[0];
        assert_eq!(m["to"], json!(["compta@exemple.fr"]));
        assert!(m["subject"].as_str().unwrap().starts_with("Rappel"), "{}", m["subject"]);
        let text = m["text"].as_str().unwrap();
        for n in [&i1["number"], &i2["number"]] {
            assert!(text.contains(n.as_str().unwrap()), "{n} in {text}");
        }
        assert!(text.contains("20 jours de retard"), "{text}");
        assert!(text.contains("L441-10") && text.contains("40,00"), "the indemnity of a business: {text}");
        assert!(text.contains("Pénalités de retard au taux annuel de 12 %"), "{text}");
        let atts = m["attachments"].as_array().unwrap();
        assert_eq!(atts.len(), 2, "both invoices' PDFs");
        for (a, inv) in atts.iter().zip([&i1, &i2]) {
            assert_eq!(a["filename"], format!("Facture-{}.pdf", inv["number"].as_str().unwrap()));
            let pdf = attachment_bytes(a);
            let id = inv["id"].as_str().unwrap();
            let stored = app.http.get(format!("{}/invoices/{id}/pdf", app.base)).bearer_auth(&app.token).send().await;
            let stored = stored.expect("pdf").bytes().await.expect("bytes").to_vec();
            assert_eq!(pdf, stored, "the invoice's own PDF");
        }
        // The outbox names the invoices' stored files; it keeps no copy of their bytes.
        const COPIES: &str = "SELECT COUNT(*) FROM outbox_attachments WHERE bytes IS NOT NULL";
        const NAMED: &str = "SELECT COUNT(*) FROM outbox_attachments WHERE document_id IS NOT NULL AND format = 'pdf'";
        const ON_ROW: &str = "SELECT COUNT(*) FROM outbox WHERE attachment IS NOT NULL";
        for (sql, want) in [(COPIES, 0), (NAMED, 2), (ON_ROW, 0)] {
            let n: i64 = match &app.store {
                facturier_store::Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
                facturier_store::Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
            };
            assert_eq!(n, want, "{sql}");
        }
        drop(sink);
        db.cleanup().await;
    }
}

/// The text of a PDF as pypdf (the validators' virtualenv) extracts it.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new(python())
        .args([
            "-c",
            "import sys, pypdf; print('\\n'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))",
        ])
        .arg(&path)
        .output()
        .expect("pypdf");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_letter_run_makes_one_printable_letter_per_customer() {
    let read_back = common::smtp::python_available();
    each_db(|app| async move {
        let c = app.customer_named("Garage Lefèvre").await;
        let i1 = app.issued_invoice(&c, &[line("Pose", "1", "100", "20")]).await;
        let i2 = app.issued_invoice(&c, &[line("Pose", "1", "50", "20")]).await;
        let due = i2["due_date"].as_str().unwrap();
        let r = run(&app, json!({"as_of": plus(due, 5), "channel": "letter"})).await;
        assert_eq!(r["steps"].as_array().unwrap().len(), 2);
        assert!(r["emails"].as_array().unwrap().is_empty());
        let letters = r["letters"].as_array().unwrap();
        assert_eq!(letters.len(), 1);
        let url = letters[0]["url"].as_str().unwrap().trim_start_matches("/api/v1").to_string();
        let resp = app.http.get(format!("{}{url}", app.base)).bearer_auth(&app.token).send().await.expect("GET");
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/pdf");
        let pdf = resp.bytes().await.expect("bytes").to_vec();
        assert!(pdf.starts_with(b"%PDF-"));
        if read_back {
            let text = pdf_text(&pdf);
            assert!(text.contains("Garage Lefèvre"), "{text}");
            assert!(text.contains("Rappel de paiement"), "{text}");
            for n in [&i1["number"], &i2["number"]] {
                assert!(text.contains(n.as_str().unwrap()), "{n} in {text}");
            }
            assert!(text.contains("L441-10"), "{text}");
        }
        app.other_company().await.get(&url).await.assert_status(404);
    })
    .await;
}

/// A run walks the customers a page at a time (`PAGE_CUSTOMERS`, keyset on the customer
/// over migration 0041's index): over more than two pages every customer gets one e-mail
/// listing its invoices, every invoice one step; a run that keeps only its counts (the
/// daily job, the benchmark) counts the same; again the same day, nothing.
#[tokio::test]
async fn a_run_over_several_pages_of_customers_duns_each_invoice_once() {
    use facturier_core::dunning::Channel;
    use facturier_core::tax::Vat;
    use facturier_server::app::dunning::{Keep, Levels, PAGE_CUSTOMERS, RunRequest, run};
    use facturier_store::bulk::BulkInvoice;
    use facturier_store::files::FileFormat;
    each_db(|app| async move {
        let model: uuid::Uuid = app.customer().await.parse().unwrap();
        let model = app.store.customer(app.company_id, model).await.unwrap().customer;
        let n = PAGE_CUSTOMERS * 2 + 17;
        let customers: Vec<_> = (0..n)
            .map(|i| facturier_core::party::Customer { name: format!("Client {i:04}"), ..model.clone() })
            .collect();
        let ids = app.store.bulk_insert_customers(app.company_id, &customers).await.unwrap();
        let today = time::OffsetDateTime::now_utc().date();
        let vat = Vat::new(facturier_core::Decimal::from(20), None).unwrap();
        // Two invoices for every other customer, one for the rest.
        let batch: Vec<BulkInvoice> = ids
            .iter()
            .enumerate()
            .flat_map(|(i, c)| std::iter::repeat_n(*c, if i % 2 == 0 { 2 } else { 1 }))
            .map(|c| BulkInvoice {
                content: facturier_core::document::Content {
                    issue_date: Some(today),
                    payment_terms: facturier_core::terms::PaymentTerms::Days(30),
                    lines: vec![facturier_core::document::Line::item(
                        "Pose",
                        facturier_core::Decimal::ONE,
                        facturier_core::Decimal::from(100),
                        vat,
                    )],
                    ..facturier_core::document::Content::new(c, facturier_core::money::Currency::EUR)
                },
                payment: None,
            })
            .collect();
        let issued = app.store.bulk_issue_invoices(app.company_id, today, &batch).await.unwrap();
        for d in &issued {
            let files = facturier_server::files::formats(facturier_core::document::DocumentKind::Invoice)
                .into_iter()
                .map(|f| (f, if f == FileFormat::Pdf { b"%PDF-1.7 stub".to_vec() } else { b"<x/>".to_vec() }))
                .collect();
            app.store.store_document_files(app.company_id, d.id, files).await.unwrap();
        }
        let mut req = RunRequest {
            company: app.company_id,
            by_user: None,
            as_of: today + Duration::days(45),
            only: None,
            channel: Channel::Email,
            levels: Levels::All,
            keep: Keep::Counts,
        };
        let runs = facturier_server::App::new(app.store.clone());
        let counted = run(&runs, &req, &|_, _| {}).await.unwrap();
        assert_eq!(counted.customers, n, "every customer walked once");
        assert_eq!(counted.counts.steps, issued.len(), "every invoice dunned once");
        assert_eq!(counted.counts.emails, n, "one e-mail per customer");
        assert!(counted.steps.is_empty() && counted.emails.is_empty(), "a run that counts keeps no list");
        req.keep = Keep::Everything;
        let again = run(&runs, &req, &|_, _| {}).await.unwrap();
        assert_eq!((again.counts.steps, again.steps.len(), again.customers), (0, 0, n), "the same day: nothing");
        // The next level, kept: the lists and their counts agree, one e-mail per customer.
        req.as_of = today + Duration::days(30 + 15 + 1);
        let next = run(&runs, &req, &|_, _| {}).await.unwrap();
        assert_eq!(next.steps.len(), issued.len());
        assert_eq!(next.counts.steps, next.steps.len());
        assert_eq!((next.counts.emails, next.emails.len()), (n, n));
        let mut dunned: Vec<uuid::Uuid> = next.steps.iter().map(|s| s.invoice_id).collect();
        dunned.sort();
        dunned.dedup();
        assert_eq!(dunned.len(), issued.len(), "each invoice once");
        assert!(next.steps.iter().all(|s| s.level.as_deref() == Some("reminder_2")), "the second level");
    })
    .await;
}
