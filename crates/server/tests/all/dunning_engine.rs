//! The dunning engine over HTTP on both databases: the late fee of a level invoiced once
//! (two runs, three at once) and cancelled by a credit note when its step is undone; the
//! friendly reminder before the due date, once, never for a paid invoice; the company's
//! texts per language and customer type with their merge fields, received through a
//! real SMTP server; an unknown merge field refused by name; quote follow-ups, once.

use crate::common;

use common::smtp::*;
use common::*;
use serde_json::{Value, json};
use time::{Date, Duration, format_description::well_known::Iso8601};

fn plus(d: &str, n: i64) -> String {
    (Date::parse(d, &Iso8601::DATE).expect("a date") + Duration::days(n)).to_string()
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

fn count(run: &Value, what: &str) -> usize {
    run[what].as_array().map_or(0, Vec::len)
}

/// A customer of `kind` (`company` or `individual`) writing in `language`, at `email`.
async fn customer(app: &TestApp, name: &str, kind: &str, language: &str, email: &str) -> String {
    let mut body = customer_body(name);
    body["kind"] = json!(kind);
    body["language"] = json!(language);
    body["email"] = json!(email);
    if kind == "individual" {
        body.as_object_mut().expect("object").remove("legal");
    }
    app.post("/customers", body).await.assert_status(201)["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn a_late_fee_is_invoiced_once_per_level_and_cancelled_by_a_credit_note_on_undo() {
    each_db(|app| async move {
        app.patch("/settings", json!({"legal": {"late_penalty_rate": "12"}})).await.assert_status(200);
        let fees = json!({"reminder_1": {"fixed": "10", "indemnity": true}});
        let s = app.patch("/settings", json!({"dunning": {"late_fees": fees}})).await.assert_status(200).clone();
        assert_eq!(
            s["dunning"]["late_fees"]["reminder_1"],
            json!({"fixed": "10.00", "indemnity": true, "penalties": false})
        );
        assert_eq!(s["dunning"]["levels"].as_array().map(Vec::len), Some(3), "the levels are kept");

        let c = app.customer_named("Garage Lefèvre").await;
        let inv = app.issued_invoice(&c, &[line("Pose", "1", "1000", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        let due = inv["due_date"].as_str().unwrap().to_string();

        // The runs name the invoice: the fee invoice, due at once, is dunned in its turn.
        let first = run(&app, json!({"as_of": plus(&due, 5), "invoice_ids": [id]})).await;
        assert_eq!(levels(&first), ["reminder_1"]);
        assert_eq!(count(&first, "fees"), 1, "{first:#}");
        assert_eq!(first["fees"][0]["invoice_id"], id);
        let fee_id = first["fees"][0]["fee_invoice_id"].as_str().unwrap().to_string();
        let fee = app.get(&format!("/invoices/{fee_id}")).await.assert_status(200).clone();
        assert_eq!(fee["status"], "issued", "issued through the normal path: {fee:#}");
        assert!(fee["number"].as_str().is_some_and(|n| !n.is_empty()));
        assert_eq!(fee["customer_id"], c.as_str());
        assert_eq!(fee["totals"]["gross"], "50.00", "10 € fee + 40 € indemnity, no VAT");
        let vat = &fee["totals"]["vat"][0];
        assert_eq!((vat["category"].as_str(), vat["amount"].as_str()), (Some("O"), Some("0.00")), "not subject to VAT");
        assert_eq!(vat["exemption_reason_code"], "VATEX-EU-O");
        let lines = fee["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l["vat_category"] == "O"), "outside the scope of VAT: {lines:#?}");
        assert!(
            lines[1]["description"].as_str().unwrap().starts_with("Indemnité forfaitaire pour frais de recouvrement"),
            "{lines:#?}"
        );
        let pdf = app.http.get(format!("{}/invoices/{fee_id}/pdf", app.base)).bearer_auth(&app.token).send().await;
        assert_eq!(pdf.expect("pdf").status(), 200);

        // Again the same day, and the next level (no fee set): nothing more billed.
        assert_eq!(count(&run(&app, json!({"as_of": plus(&due, 5), "invoice_ids": [id]})).await, "fees"), 0);
        // Three runs at once over another overdue invoice: one fee.
        let d = app.customer_named("Boulangerie Martin").await;
        let other = app.issued_invoice(&d, &[line("Pose", "1", "200", "20")]).await;
        let body = json!({"as_of": plus(other["due_date"].as_str().unwrap(), 3), "invoice_ids": [other["id"]]});
        let (r1, r2, r3) = tokio::join!(run(&app, body.clone()), run(&app, body.clone()), run(&app, body.clone()));
        let fees: usize = [&r1, &r2, &r3].iter().map(|r| count(r, "fees")).sum();
        let steps: usize = [&r1, &r2, &r3].iter().map(|r| count(r, "steps")).sum();
        assert_eq!((steps, fees), (1, 1), "{r1:#}\n{r2:#}\n{r3:#}");
        // That fee invoice, due at once, is dunned like any invoice, but never billed a fee.
        let other_fee =
            [&r1, &r2, &r3].iter().find_map(|r| r["fees"][0]["fee_invoice_id"].as_str()).unwrap().to_string();
        let on_fee =
            run(&app, json!({"as_of": plus(other["due_date"].as_str().unwrap(), 3), "invoice_ids": [other_fee]})).await;
        assert_eq!((levels(&on_fee), count(&on_fee, "fees")), (vec!["reminder_1".to_string()], 0), "{on_fee:#}");

        // Undoing reminder 1 cancels its fee by a credit note; the fee invoice stays as issued.
        let mine = app.get(&format!("/invoices/{id}/dunning")).await.assert_status(200).clone();
        let step = mine["steps"].as_array().unwrap().iter().find(|s| s["level"] == "reminder_1").unwrap().clone();
        app.delete(&format!("/dunning/steps/{}", step["id"].as_str().unwrap())).await.assert_status(204);
        let after = app.get(&format!("/invoices/{fee_id}")).await.assert_status(200).clone();
        assert_eq!(after["number"], fee["number"]);
        assert_eq!(after["lines"], fee["lines"], "an issued document never changes");
        assert_eq!(after["totals"]["due"], "0.00", "credited in full: {after:#}");
        let credited: Vec<_> =
            after["history"].as_array().unwrap().iter().filter(|e| e["event"] == "credited").collect();
        assert_eq!(credited.len(), 1, "{:#?}", after["history"]);
        // Taking the level again bills nothing more: once per invoice and level.
        let again = run(&app, json!({"as_of": plus(&due, 6), "invoice_ids": [id]})).await;
        assert_eq!((levels(&again), count(&again, "fees")), (vec!["reminder_1".to_string()], 0));
        // The next level has no fee set: nothing billed.
        let second = run(&app, json!({"as_of": plus(&due, 20), "invoice_ids": [id]})).await;
        assert_eq!((levels(&second), count(&second, "fees")), (vec!["reminder_2".to_string()], 0));

        // A bad fee is refused with its field named, and the stored policy is kept.
        let bad = app.patch("/settings", json!({"dunning": {"late_fees": {"reminder_9": {"fixed": "-3"}}}})).await;
        assert_eq!(bad.status, 422);
        let fields = bad.error_fields();
        assert!(fields.contains(&"dunning.late_fees.reminder_9.fixed".to_string()), "{fields:?}");
        let s = app.get("/settings").await.assert_status(200).clone();
        assert_eq!(s["dunning"]["late_fees"]["reminder_1"]["fixed"], "10.00");
    })
    .await;
}

#[tokio::test]
async fn the_friendly_reminder_goes_once_before_the_due_date_and_never_after_payment() {
    each_db(|app| async move {
        let off = app.get("/settings").await.assert_status(200)["dunning"]["friendly_reminder"].clone();
        assert_eq!(off, Value::Null, "off until set");
        let bad = app.patch("/settings", json!({"dunning": {"friendly_reminder": {"days_before": 90}}})).await;
        assert_eq!(bad.status, 422);
        assert!(bad.error_fields().contains(&"dunning.friendly_reminder.days_before".to_string()));
        app.patch("/settings", json!({"dunning": {"friendly_reminder": {"days_before": 5}}})).await.assert_status(200);

        let a = app.customer_named("Alpha SARL").await;
        let b = app.customer_named("Beta SAS").await;
        let ia = app.issued_invoice(&a, &[line("Pose", "1", "100", "20")]).await;
        let ib = app.issued_invoice(&b, &[line("Pose", "1", "100", "20")]).await;
        let due = ia["due_date"].as_str().unwrap().to_string();
        // Beta pays before the reminder would go.
        let paid = app
            .post(
                &format!("/invoices/{}/payments", ib["id"].as_str().unwrap()),
                json!({"amount": ib["totals"]["due"], "date": ib["issue_date"], "method": "bank_transfer"}),
            )
            .await;
        assert_eq!(paid.assert_status(200)["status"], "paid");

        assert_eq!(count(&run(&app, json!({"as_of": plus(&due, -6)})).await, "steps"), 0, "too early");
        let r = run(&app, json!({"as_of": plus(&due, -4)})).await;
        assert_eq!(levels(&r), ["friendly_reminder"], "{r:#}");
        assert_eq!(r["steps"][0]["invoice_id"], ia["id"]);
        assert_eq!(count(&r, "emails"), 1);
        assert_eq!(count(&run(&app, json!({"as_of": plus(&due, -2)})).await, "steps"), 0, "once");
        assert_eq!(count(&run(&app, json!({"as_of": due})).await, "steps"), 0, "once, even on the due date");
        // Late: the levels follow as before.
        assert_eq!(levels(&run(&app, json!({"as_of": plus(&due, 1)})).await), ["reminder_1"]);
        app.patch("/settings", json!({"dunning": {"friendly_reminder": null}})).await.assert_status(200);
        let s = app.get("/settings").await.assert_status(200).clone();
        assert_eq!(s["dunning"]["friendly_reminder"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn templates_per_language_and_customer_type_render_their_merge_fields() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let app = spawn_app_with_mail(&db, Some(mail_via(port))).await;

        // An unknown merge field is refused, the field and the known ones named.
        let bad = json!({"reminder_1": {"fr": {"individual": {"subject": "Relance", "body": "Bonjour {client}"}}}});
        let r = app.patch("/settings", json!({"dunning": {"templates": bad}})).await;
        assert_eq!(r.status, 422);
        let body = r.body.to_string();
        assert!(r.error_fields().contains(&"dunning.templates.reminder_1.fr.individual.body".to_string()), "{body}");
        assert!(body.contains("{client}") && body.contains("{customer_name}"), "{body}");
        let unknown_step = json!({"relance_9": {"fr": {"individual": {"subject": "x", "body": "y"}}}});
        let r = app.patch("/settings", json!({"dunning": {"templates": unknown_step}})).await;
        assert!(r.error_fields().contains(&"dunning.templates.relance_9".to_string()), "{}", r.body);
        let bad_type = json!({"reminder_1": {"fr": {"vip": {"subject": "x", "body": "y"}}}});
        let r = app.patch("/settings", json!({"dunning": {"templates": bad_type}})).await;
        assert!(r.error_fields().contains(&"dunning.templates.reminder_1.fr.vip".to_string()), "{}", r.body);
        assert_eq!(app.get("/settings").await.assert_status(200)["dunning"]["templates"], json!({}), "nothing saved");

        let templates = json!({"reminder_1": {
            "fr": {
                "individual": {"subject": "Relance {invoice_numbers}", "body": "Bonjour {customer_name},\n{invoice_list}\n{total_due}\nRetard : {days_late} jours.\n{late_charges}\n{company_name}"},
                "key_account": {"subject": "Grand compte — {customer_name}", "body": "Cher partenaire {customer_name}, merci de régler {total_due}."},
            },
            "en": {"individual": {"subject": "Reminder {invoice_numbers}", "body": "Hello {customer_name}, {days_late} days late: {total_due}"}},
        }});
        let saved = app.patch("/settings", json!({"dunning": {"templates": templates}})).await;
        assert_eq!(saved.assert_status(200)["dunning"]["templates"], templates);

        let fr = customer(&app, "Dupont SARL", "company", "fr", "fr@exemple.fr").await;
        let key = customer(&app, "Grand Groupe SA", "company", "fr", "key@exemple.fr").await;
        let k = app.patch(&format!("/customers/{key}"), json!({"key_account": true})).await;
        assert_eq!(k.assert_status(200)["key_account"], true);
        let en = customer(&app, "Smith Ltd", "company", "en", "en@exemple.fr").await;
        let consumer = customer(&app, "Jeanne Martin", "individual", "fr", "jeanne@exemple.fr").await;
        let mut due = String::new();
        let mut numbers = std::collections::HashMap::new();
        for c in [&fr, &key, &en, &consumer] {
            let inv = app.issued_invoice(c, &[line("Pose", "1", "100", "20")]).await;
            due = inv["due_date"].as_str().unwrap().to_string();
            numbers.insert(c.clone(), inv["number"].as_str().unwrap().to_string());
        }
        let r = run(&app, json!({"as_of": plus(&due, 12)})).await;
        assert_eq!(count(&r, "emails"), 4, "{r:#}");
        let got = sink.wait_for(4).await;
        let to =
            |addr: &str| got.iter().find(|m| m["to"] == json!([addr])).unwrap_or_else(|| panic!("{addr}: {got:#?}"));

        let m = to("fr@exemple.fr");
        assert_eq!(m["subject"], format!("Relance {}", numbers[&fr]));
        let text = m["text"].as_str().unwrap();
        assert!(text.starts_with("Bonjour Dupont SARL,"), "{text}");
        assert!(text.contains(&format!("- Facture {}", numbers[&fr])), "{text}");
        assert!(text.contains("Total restant dû : 120,00"), "{text}");
        assert!(text.contains("Retard : 12 jours."), "{text}");
        assert!(text.contains("L441-10") && text.contains("40,00"), "the business's indemnity: {text}");
        assert_eq!(m["attachments"].as_array().map(Vec::len), Some(1), "the invoice's PDF still attached");

        let m = to("key@exemple.fr");
        assert_eq!(m["subject"], "Grand compte — Grand Groupe SA");
        assert!(
            m["text"]
                .as_str()
                .unwrap()
                .contains("Cher partenaire Grand Groupe SA, merci de régler Total restant dû : 120,00")
        );

        let m = to("en@exemple.fr");
        assert_eq!(m["subject"], format!("Reminder {}", numbers[&en]));
        assert!(
            m["text"].as_str().unwrap().contains("Hello Smith Ltd, 12 days late: Total due : €120.00"),
            "{}",
            m["text"]
        );

        // The consumer in French gets the individual text, without the business charges.
        let m = to("jeanne@exemple.fr");
        let text = m["text"].as_str().unwrap();
        assert!(text.starts_with("Bonjour Jeanne Martin,"), "{text}");
        assert!(!text.contains("L441-10"), "{text}");
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_sent_quote_is_followed_up_once_after_fifteen_days() {
    each_db(|app| async move {
        let s = app.get("/settings").await.assert_status(200).clone();
        assert_eq!(s["dunning"]["quote_follow_ups"], json!([{"code": "quote_follow_up_1", "days": 15}]));
        let c = app.customer().await;
        let mut quotes = Vec::new();
        for _ in 0..2 {
            let q = app.post("/quotes", json!({"customer_id": c, "lines": [line("Audit", "1", "900", "20")]})).await;
            let id = q.assert_status(201)["id"].as_str().unwrap().to_string();
            let issued = app.post(&format!("/quotes/{id}/issue"), json!({})).await.assert_status(200).clone();
            quotes.push(issued);
        }
        // The second is accepted: never followed up.
        let accepted = quotes[1]["id"].as_str().unwrap();
        app.post(&format!("/quotes/{accepted}/accept"), json!({})).await.assert_status(200);
        let sent = quotes[0]["issue_date"].as_str().unwrap().to_string();

        let list = app.get(&format!("/dunning/quotes?as_of={}", plus(&sent, 14))).await.assert_status(200).clone();
        let data = list["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{list:#}");
        assert_eq!(data[0]["id"], quotes[0]["id"]);
        assert_eq!(
            (data[0]["next_step"].as_str(), data[0]["next_step_due"].as_bool()),
            (Some("quote_follow_up_1"), Some(false))
        );
        assert_eq!(data[0]["next_step_on"], plus(&sent, 15));
        assert_eq!(count(&run(&app, json!({"as_of": plus(&sent, 14), "documents": "quotes"})).await, "steps"), 0);

        let r = run(&app, json!({"as_of": plus(&sent, 15), "documents": "quotes"})).await;
        assert_eq!(levels(&r), ["quote_follow_up_1"], "{r:#}");
        assert_eq!(count(&r, "emails"), 1);
        assert_eq!(count(&run(&app, json!({"as_of": plus(&sent, 15), "documents": "quotes"})).await, "steps"), 0);
        assert_eq!(count(&run(&app, json!({"as_of": plus(&sent, 25), "documents": "quotes"})).await, "steps"), 0);
        let list = app.get(&format!("/dunning/quotes?as_of={}", plus(&sent, 16))).await.assert_status(200).clone();
        assert_eq!(list["data"][0]["next_step"], Value::Null);
        assert_eq!(list["data"][0]["last_step"], "quote_follow_up_1");
        // An invoice run takes no quote, and a bad `documents` is refused.
        assert_eq!(count(&run(&app, json!({"as_of": plus(&sent, 30)})).await, "steps"), 0);
        let bad = app.post("/dunning/run", json!({"documents": "orders"})).await;
        assert_eq!(bad.status, 422);
        assert!(bad.error_fields().contains(&"documents".to_string()));
        // Another company sees none of it.
        let other = app.other_company().await;
        assert_eq!(other.get("/dunning/quotes").await.assert_status(200)["data"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn the_policy_page_saves_levels_fees_reminders_and_texts_and_names_bad_input() {
    use common::web_client::*;
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let page = b.get("/settings/dunning").await;
        assert_eq!(page.status, 200, "{}", page.body);
        for id in [
            r#"id="dunning.levels[2].code""#,
            r#"id="dunning.levels[3].code""#,
            r#"id="merge-fields""#,
            "{invoice_list}",
        ] {
            assert!(page.body.contains(id), "{id} in {}", page.body);
        }
        assert!(page.body.contains("formal_notice") && page.body.contains("quote_follow_up_1"));

        // A bad level and a bad fee: refused, each next to its input, nothing stored.
        let bad = b
            .submit(
                "/settings/dunning",
                &[
                    ("dunning.levels[0].code", "reminder_1"),
                    ("dunning.levels[0].days", "0"),
                    ("dunning.levels[0].fee_fixed", "-5"),
                    ("dunning.levels[1].code", "Relance 2"),
                    ("dunning.levels[1].days", "15"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains(r#"id="dunning.levels[1].code-error""#), "{}", bad.body);
        assert_eq!(app.get("/settings").await.body["dunning"]["levels"].as_array().map(Vec::len), Some(3));

        let ok = b
            .submit(
                "/settings/dunning",
                &[
                    ("dunning.levels[0].code", "reminder_1"),
                    ("dunning.levels[0].days", "0"),
                    ("dunning.levels[0].from", "due_date"),
                    ("dunning.levels[0].channel", "email"),
                    ("dunning.levels[1].code", "formal_notice"),
                    ("dunning.levels[1].days", "20"),
                    ("dunning.levels[1].from", "previous_level"),
                    ("dunning.levels[1].channel", "both"),
                    ("dunning.levels[1].fee_fixed", "12,50"),
                    ("dunning.levels[1].fee_indemnity", "on"),
                    ("dunning.levels[2].code", "reminder_2"),
                    ("dunning.levels[2].days", "15"),
                    ("dunning.levels[2].remove", "on"),
                    ("dunning.friendly_reminder.days_before", "4"),
                    ("dunning.quote_follow_ups[0].code", "relance_devis"),
                    ("dunning.quote_follow_ups[0].days", "10"),
                ],
            )
            .await;
        assert_eq!((ok.status, ok.location.as_str()), (303, "/settings/dunning?done=saved"), "{}", ok.body);
        let d = app.get("/settings").await.body["dunning"].clone();
        let codes: Vec<_> =
            d["levels"].as_array().unwrap().iter().map(|l| l["code"].as_str().unwrap().to_string()).collect();
        assert_eq!(codes, ["reminder_1", "formal_notice"]);
        assert_eq!(d["levels"][1]["from"], "previous_level");
        assert_eq!(d["late_fees"], json!({"formal_notice": {"fixed": "12.50", "indemnity": true, "penalties": false}}));
        assert_eq!(d["friendly_reminder"], json!({"days_before": 4}));
        assert_eq!(d["quote_follow_ups"], json!([{"code": "relance_devis", "days": 10}]));

        // A text with an unknown field is refused next to its input; a good one previews and saves.
        let text = |subject: &'static str, body: &'static str, extra: Option<(&'static str, &'static str)>| {
            let mut f = vec![
                ("step", "formal_notice"),
                ("lang", "fr"),
                ("audience", "key_account"),
                ("subject", subject),
                ("body", body),
            ];
            f.extend(extra);
            f
        };
        let typo = b.submit("/settings/dunning/text", &text("Relance", "Bonjour {client}", None)).await;
        assert_eq!(typo.status, 422, "{}", typo.body);
        assert!(typo.body.contains(r#"id="body-error""#) && typo.body.contains("{client}"), "{}", typo.body);
        let shown = b
            .submit(
                "/settings/dunning/text",
                &text(
                    "Mise en demeure {invoice_numbers}",
                    "Cher {customer_name}\n{invoice_list}",
                    Some(("preview", "1")),
                ),
            )
            .await;
        assert_eq!(shown.status, 200);
        assert!(shown.body.contains("Mise en demeure F2026-00017, F2026-00023"), "{}", shown.body);
        assert!(shown.body.contains("Cher Client Exemple SARL"), "{}", shown.body);
        assert_eq!(app.get("/settings").await.body["dunning"]["templates"], json!({}), "a preview saves nothing");
        let saved =
            b.submit("/settings/dunning/text", &text("MED {invoice_numbers}", "Cher {customer_name}", None)).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let t = app.get("/settings").await.body["dunning"]["templates"].clone();
        assert_eq!(
            t["formal_notice"]["fr"]["key_account"],
            json!({"subject": "MED {invoice_numbers}", "body": "Cher {customer_name}"})
        );
        let page = b.get("/settings/dunning?step=formal_notice&lang=fr&audience=key_account").await;
        assert!(page.body.contains(r#"id="restore""#) && page.body.contains("MED F2026-00017"), "{}", page.body);

        // Only an administrator.
        let mut sales = signed_in_member(&app, "vente@test.fr", facturier_store::companies::Role::Sales).await;
        assert_eq!(sales.get("/settings/dunning").await.status, 403);
    })
    .await;
}
