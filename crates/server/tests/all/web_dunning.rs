//! The dunning pages over HTTP on both databases (issue 23): the unpaid list and its
//! filters (dates, customer, words with "except", held / dunned / withdrawn invoices),
//! its totals and its export read back, the selection run sending its e-mails through a
//! real SMTP server and showing in the history, undo from the list, entries by hand and
//! "do not dun" on the invoice page, a customer's history and debtor account (the aged
//! balance's figures), and a selection that is empty, malformed or holds another
//! company's invoice refused without changing anything.

use crate::common;

use common::smtp::*;
use common::web_client::{ADMIN, Browser, Page, as_read, signed_in, signed_in_member};
use common::{TestApp, each_db, line, spawn_app_with_mail};
use facturier_store::companies::Role;
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};

/// A day `days` from today, as the API writes dates (tests stay away from midnight
/// boundaries by whole days).
fn day(days: i64) -> String {
    let today: Date = OffsetDateTime::now_utc().date();
    (today + Duration::days(days)).to_string()
}

/// An invoice issued `issued` days from today (terms: 30 days), worth 120.00; its body.
async fn invoice_on(app: &TestApp, customer: &str, issued: i64, words: &str) -> Value {
    let r = app
        .post(
            "/invoices",
            json!({"customer_id": customer, "issue_date": day(issued), "lines": [line(words, "1", "100", "20")]}),
        )
        .await;
    let id = r.assert_status(201)["id"].as_str().unwrap().to_string();
    app.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(200).clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn number(v: &Value) -> String {
    v["number"].as_str().unwrap().to_string()
}

/// The invoices a list page shows, in order.
fn rows(html: &str) -> Vec<String> {
    html.split(r#"<tr id="row-"#).skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
}

/// A page's text as read: entities decoded, tags dropped, spaces collapsed.
fn plain(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in as_read(html).chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the cell of class `class` in the row of `invoice`.
fn cell(html: &str, invoice: &str, class: &str) -> String {
    let start = html.find(&format!(r#"<tr id="row-{invoice}""#)).unwrap_or_else(|| panic!("no row {invoice}"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    let at = row.find(&format!(r#"class="{class}""#)).unwrap_or_else(|| panic!("no {class} in {row}"));
    let td = &row[at..];
    plain(&td[td.find('>').unwrap() + 1..td.find("</td>").unwrap()])
}

fn v(ids: &[&String]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The text of the row of `invoice`.
fn row_text(html: &str, invoice: &str) -> String {
    let start = html.find(&format!(r#"<tr id="row-{invoice}""#)).unwrap_or_else(|| panic!("no row {invoice}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    plain(&html[start..end])
}

async fn list(b: &mut Browser, query: &str) -> Page {
    let p = b.get(&format!("/dunning?{query}")).await;
    assert!(p.status == 200 || p.status == 422, "{}: {}", p.status, p.body);
    p
}

/// The selection form's POST: `ids` ticked, then `extra` fields.
async fn post_selection(b: &mut Browser, path: &str, ids: &[&str], extra: &[(&str, &str)]) -> Page {
    let csrf = b.csrf().await;
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf)];
    form.extend(ids.iter().map(|i| ("id".to_string(), i.to_string())));
    form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    b.post_pairs(path, &form).await
}

/// The customers and invoices of most tests, in date order (numbers follow dates):
/// Martin owes a1 (30 days late) and a2 (20 days late); Lefèvre b1 (15 days late) and b2
/// (not due yet); one of Lefèvre's is credited in full and one of Martin's paid.
struct Book {
    martin: String,
    lefevre: String,
    a1: Value,
    a2: Value,
    b1: Value,
    b2: Value,
    credited: Value,
    paid: Value,
}

/// The default levels, sent by letter: the server's daily job (e-mail levels only) then
/// takes none of these overdue invoices behind the test's back, while a run by hand sends
/// every step due through the channel it is asked for.
async fn letter_levels(app: &TestApp) {
    let level = |code: &str, days: u16| json!({"code": code, "days": days, "from": "due_date", "channel": "letter"});
    let levels = json!([level("reminder_1", 0), level("reminder_2", 15), level("formal_notice", 30)]);
    app.patch("/settings", json!({"dunning": {"levels": levels}})).await.assert_status(200);
}

async fn book(app: &TestApp) -> Book {
    letter_levels(app).await;
    let martin = app.customer_named("Boulangerie Martin").await;
    let lefevre = app.customer_named("Garage Lefèvre").await;
    let a1 = invoice_on(app, &martin, -60, "Pose de vitrine").await;
    let a2 = invoice_on(app, &martin, -50, "Entretien four").await;
    let b1 = invoice_on(app, &lefevre, -45, "Vidange").await;
    let credited = invoice_on(app, &lefevre, -42, "Pneus").await;
    let paid = invoice_on(app, &martin, -40, "Réglage").await;
    let b2 = invoice_on(app, &lefevre, -2, "Contrôle technique").await;
    app.post(
        &format!("/invoices/{}/payments", id(&paid)),
        json!({"amount": "120.00", "date": day(0), "method": "cheque"}),
    )
    .await
    .assert_status(200);
    let cn = app.post(&format!("/invoices/{}/credit-note", id(&credited)), json!({})).await;
    let cn = cn.assert_status(201)["id"].as_str().unwrap().to_string();
    app.post(&format!("/credit-notes/{cn}/issue"), json!({})).await.assert_status(200);
    Book { martin, lefevre, a1, a2, b1, b2, credited, paid }
}

#[tokio::test]
async fn the_unpaid_list_filters_by_dates_customer_and_words_and_hides_held_dunned_and_withdrawn_invoices() {
    each_db(|app| async move {
        let k = book(&app).await;
        let (a1, a2, b1, b2) = (id(&k.a1), id(&k.a2), id(&k.b1), id(&k.b2));
        let mut b = signed_in(&app, ADMIN).await;

        // Everything still owing, oldest due date first; paid and credited ones left out.
        let p = list(&mut b, "").await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert_eq!(rows(&p.body), v(&[&a1, &a2, &b1, &b2]));
        assert!(p.body.contains(r#"id="nav-dunning" aria-current="page""#), "in the main navigation");
        assert!(p.body.contains(r#"class="documents stack-sm""#), "stacks on a phone");
        let r = row_text(&p.body, &a1);
        for words in [number(&k.a1).as_str(), "Boulangerie Martin", "30 j", "120,00 €", "Relance 1"] {
            assert!(r.contains(words), "{words} in {r}");
        }
        assert!(row_text(&p.body, &b2).contains("non échue"));
        let total = plain(&p.body);
        assert!(total.contains("Total dû EUR (4 facture(s))") && total.contains("480,00 €"), "{total}");

        // Dates: due until yesterday (the overdue ones), due from a day, issued from a day.
        assert_eq!(rows(&list(&mut b, &format!("due_to={}", day(-1))).await.body), v(&[&a1, &a2, &b1]));
        assert_eq!(
            rows(&list(&mut b, &format!("due_from={}&due_to={}", day(-25), day(-1))).await.body),
            v(&[&a2, &b1])
        );
        assert_eq!(rows(&list(&mut b, &format!("issued_from={}", day(-55))).await.body), v(&[&a2, &b1, &b2]));
        assert_eq!(rows(&list(&mut b, &format!("issued_to={}", day(-55))).await.body), v(&[&a1]));
        // A customer; words in the name (accents ignored), the number or the lines, less "except".
        let one = list(&mut b, &format!("customer={}&q=pose", k.martin)).await;
        assert_eq!(rows(&one.body), v(&[&a1]));
        assert!(plain(&one.body).contains("Client : Boulangerie Martin"), "{}", one.body);
        let all =
            one.body.split(r#"<a href="/dunning?"#).find(|s| s.contains(r#"id="dunning-all-customers""#)).unwrap();
        let all = as_read(all.split('"').next().unwrap()).to_string();
        assert_eq!(all, "q=pose", "every customer, the other filters kept");
        assert_eq!(rows(&list(&mut b, &format!("customer={}", k.martin)).await.body), v(&[&a1, &a2]));
        assert_eq!(rows(&list(&mut b, "q=lefevre").await.body), v(&[&b1, &b2]));
        assert_eq!(rows(&list(&mut b, "except=LEFÈVRE").await.body), v(&[&a1, &a2]));
        assert_eq!(rows(&list(&mut b, &format!("q=garage&except={}", number(&k.b2))).await.body), v(&[&b1]));
        assert_eq!(rows(&list(&mut b, "q=four").await.body), v(&[&a2]));
        assert_eq!(rows(&list(&mut b, "q=martin -vitrine").await.body), v(&[&a2]));
        let filtered = list(&mut b, "q=lefevre").await;
        assert!(plain(&filtered.body).contains("Total dû EUR (2 facture(s))"), "totals of the filtered list");

        // "Do not dun": the invoice's own, then its customer's; shown on demand.
        app.request(reqwest::Method::PUT, &format!("/invoices/{a2}/dunning"), Some(json!({"dunning": "never"})), &[])
            .await
            .assert_status(200);
        assert_eq!(rows(&list(&mut b, "").await.body), v(&[&a1, &b1, &b2]));
        let with_held = list(&mut b, "held=1").await;
        assert_eq!(rows(&with_held.body), v(&[&a1, &a2, &b1, &b2]));
        assert!(row_text(&with_held.body, &a2).contains("Ne pas relancer"));
        let hold = b.submit(&format!("/customers/{}/dunning-hold", k.lefevre), &[("never", "1")]).await;
        assert_eq!(hold.status, 303, "{}", hold.body);
        assert_eq!(rows(&list(&mut b, "").await.body), v(&[&a1]));
        b.submit(&format!("/customers/{}/dunning-hold", k.lefevre), &[("never", "0")]).await;
        assert_eq!(rows(&list(&mut b, "").await.body), v(&[&a1, &b1, &b2]));

        // Already dunned: a1 reminded today; its last step and next action; hidden on demand.
        let run = app.post("/dunning/run", json!({"invoice_ids": [a1]})).await;
        assert_eq!(run.assert_status(200)["steps"].as_array().unwrap().len(), 1);
        let p = list(&mut b, "").await;
        let r = row_text(&p.body, &a1);
        let today_fr = {
            let d = Date::parse(&day(0), &time::format_description::well_known::Iso8601::DATE).unwrap();
            format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
        };
        assert_eq!(cell(&p.body, &a1, "last-step"), format!("Relance 1 · {today_fr}"), "{r}");
        assert!(cell(&p.body, &a1, "next-step").starts_with("Relance 2 · le "), "the next action: {r}");
        assert_eq!(rows(&list(&mut b, "hide_dunned=1").await.body), v(&[&b1, &b2]));

        // Withdrawn invoices on demand, with their status.
        let all = list(&mut b, "withdrawn=1").await;
        assert_eq!(rows(&all.body), v(&[&a1, &b1, &id(&k.credited), &b2]));
        assert!(row_text(&all.body, &id(&k.credited)).contains("Soldée par avoir"));
        assert!(!rows(&all.body).contains(&id(&k.paid)), "a paid invoice owes nothing");

        // A date that is none: said next to the field, nothing listed, what was typed kept.
        let bad = list(&mut b, "due_from=2026-13-45").await;
        assert_eq!(bad.status, 422);
        assert!(plain(&bad.body).contains("Ce n'est pas une date"), "{}", bad.body);
        assert!(bad.body.contains(r#"value="2026-13-45""#));
        assert!(rows(&bad.body).is_empty());
        let bad = list(&mut b, "customer=nobody").await;
        assert_eq!(bad.status, 422);
        assert!(plain(&bad.body).contains("Ce client n'existe pas"));

        // Pages follow each other by due date.
        let mut seen = Vec::new();
        let mut query = String::new();
        for _ in 0..10 {
            let p = list(&mut b, &query).await;
            seen.extend(rows(&p.body));
            match p.body.split(r#"href="/dunning?"#).find(|s| s.contains(r#"id="next-page""#)) {
                Some(s) => query = as_read(s.split('"').next().unwrap()).to_string(),
                None => break,
            }
        }
        assert_eq!(seen, v(&[&a1, &b1, &b2]), "one page here");

        // English.
        b.submit("/language", &[("lang", "en"), ("back", "/dunning")]).await;
        let en = plain(&list(&mut b, "").await.body);
        assert!(en.contains("Collections: unpaid invoices") && en.contains("Remind the selected invoices"), "{en}");

        // Another company lists its own.
        let other = app.other_company().await;
        let mut theirs = signed_in(&other, "boss@other.fr").await;
        assert!(rows(&list(&mut theirs, "").await.body).is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_filtered_list_exports_to_csv_and_xlsx_with_the_same_rows() {
    each_db(|app| async move {
        let k = book(&app).await;
        let mut b = signed_in(&app, ADMIN).await;
        let csv = b.get(&format!("/dunning.csv?due_to={}", day(-1))).await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        assert!(csv.header("content-disposition").contains("relances-"));
        let t = facturier_formats::table::read_csv(&csv.bytes).unwrap();
        assert_eq!(t.headers[..3], ["Facture", "Client", "Émise le"]);
        let numbers: Vec<&str> = t.rows.iter().map(|r| r.cells[0].as_str()).collect();
        assert_eq!(numbers, [number(&k.a1), number(&k.a2), number(&k.b1)]);
        assert_eq!(t.rows[0].cells[1], "Boulangerie Martin");
        assert_eq!(t.rows[0].cells[4], "30", "days late");
        assert_eq!(t.rows[0].cells[5..7], ["EUR", "120,00"]);
        assert_eq!(t.rows[0].cells[9].split(" · ").next(), Some("Relance 1"), "the next action");

        let xlsx = b.get(&format!("/dunning.xlsx?q=lefevre&due_to={}", day(-1))).await;
        assert_eq!(xlsx.status, 200);
        let book = facturier_formats::table::read_xlsx(&xlsx.bytes).unwrap();
        assert_eq!(book.rows.len(), 1);
        assert_eq!(book.rows[0].cells[0], number(&k.b1));
        assert_eq!(book.rows[0].cells[6], "120", "numbers as numbers");

        let bad = b.get("/dunning.csv?issued_from=hier").await;
        assert_eq!(bad.status, 400);
    })
    .await;
}

#[tokio::test]
async fn selected_invoices_are_reminded_by_email_after_a_confirmation_and_show_in_their_history() {
    if !python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let app = spawn_app_with_mail(&db, Some(mail_via(port))).await;
        let k = book(&app).await;
        let (a1, a2, b1, b2) = (id(&k.a1), id(&k.a2), id(&k.b1), id(&k.b2));
        let mut b = signed_in(&app, ADMIN).await;
        let list_page = list(&mut b, "").await;
        assert!(list_page.body.contains(&format!(r#"name="id" value="{a1}""#)), "a checkbox per row");

        // The confirmation says how many, of whom, which levels, and what is left out.
        let ask =
            post_selection(&mut b, "/dunning/run", &[&a1, &b1, &b2], &[("channel", "email"), ("back", "q=")]).await;
        assert_eq!(ask.status, 200, "{}", ask.body);
        let text = plain(&ask.body);
        assert!(text.contains("2 facture(s) de 2 client(s) seront relancées"), "{text}");
        assert!(text.contains("Relance 1 : 2"), "{text}");
        assert!(text.contains(&number(&k.b2)) && text.contains("pas en retard"), "b2 is not due: {text}");
        assert!(app.get(&format!("/invoices/{a1}/dunning")).await.body["steps"].as_array().unwrap().is_empty());

        // Confirmed: the run, its e-mails, its result.
        let fields = common::web_client::csrf_of(&ask.body);
        let mut form: Vec<(String, String)> = vec![("csrf".into(), fields)];
        for i in [&a1, &b1, &b2] {
            form.push(("id".into(), i.to_string()));
        }
        form.extend([("channel".into(), "email".into()), ("back".into(), "q=".into()), ("confirm".into(), "1".into())]);
        let done = b.post_pairs("/dunning/run", &form).await;
        assert_eq!(done.status, 200, "{}", done.body);
        let text = plain(&done.body);
        assert!(text.contains("2 e-mail(s) placé(s) dans la file d'envoi"), "{text}");
        assert!(text.contains(&number(&k.a1)) && text.contains(&number(&k.b1)), "{text}");
        assert!(text.contains("Non relancées") && text.contains(&number(&k.b2)), "{text}");
        let got = sink.wait_for(2).await;
        assert_eq!(got.len(), 2, "one message per customer: {got:#?}");
        let all: String = got.iter().map(|m| m["text"].as_str().unwrap_or_default().to_string()).collect();
        assert!(all.contains(&number(&k.a1)) && all.contains(&number(&k.b1)), "{all}");
        assert!(!all.contains(&number(&k.a2)), "a2 was not selected: {all}");
        for m in &got {
            assert_eq!(m["attachments"].as_array().unwrap().len(), 1, "the invoice's PDF");
        }

        // The history: the invoice's page, its dunning, the customer's history.
        let page = plain(&b.get(&format!("/invoices/{a1}")).await.body);
        assert!(page.contains("Relance 1 par e-mail"), "{page}");
        let history = page.rsplit("Historique").next().unwrap();
        assert!(history.contains("Relance"), "the history event: {history}");
        let hist = plain(&b.get(&format!("/customers/{}/dunning", k.martin)).await.body);
        assert!(hist.contains(&number(&k.a1)) && hist.contains("Relance 1 par e-mail"), "{hist}");
        assert!(!hist.contains(&number(&k.a2)));
        let p = list(&mut b, "").await;
        assert!(cell(&p.body, &a1, "last-step").starts_with("Relance 1 ·"));
        assert_eq!(cell(&p.body, &a2, "last-step"), "");

        // Again the same day: nothing more is sent.
        let again = b.post_pairs("/dunning/run", &form).await;
        assert!(plain(&again.body).contains("Aucune relance n'a été faite"), "{}", again.body);
        assert!(plain(&again.body).contains("son niveau suivant (Relance 2) n'est pas dû avant le"), "{}", again.body);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 2);
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_letter_run_from_the_list_links_each_letter() {
    each_db(|app| async move {
        let k = book(&app).await;
        let mut b = signed_in(&app, ADMIN).await;
        let a1 = id(&k.a1);
        let csrf = b.csrf().await;
        let done = b
            .post_pairs(
                "/dunning/run",
                &[
                    ("csrf".into(), csrf),
                    ("id".into(), a1.clone()),
                    ("channel".into(), "letter".into()),
                    ("confirm".into(), "1".into()),
                ],
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        let href = done.body.split(r#"<a href="/dunning/letters/"#).nth(1).expect("a letter link");
        let letter = format!("/dunning/letters/{}", href.split('"').next().unwrap());
        let pdf = b.get(&letter).await;
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.content_type, "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        let other = app.other_company().await;
        let mut theirs = signed_in(&other, "boss@other.fr").await;
        assert_eq!(theirs.get(&letter).await.status, 404);
        assert!(plain(&b.get(&format!("/invoices/{a1}")).await.body).contains("Relance 1 par courrier"));
    })
    .await;
}

#[tokio::test]
async fn undo_from_the_list_lets_an_invoice_be_reminded_again_and_bad_selections_change_nothing() {
    each_db(|app| async move {
        let k = book(&app).await;
        let (a1, b1) = (id(&k.a1), id(&k.b1));
        app.post("/dunning/run", json!({"invoice_ids": [a1, b1]})).await.assert_status(200);
        let mut b = signed_in(&app, ADMIN).await;

        // Undo asks first, then undoes the last step of each selected invoice.
        let ask = post_selection(&mut b, "/dunning/undo", &[&a1], &[("back", "q=martin")]).await;
        assert_eq!(ask.status, 200);
        assert!(plain(&ask.body).contains("Supprimer la dernière relance de 1 facture(s) ?"), "{}", ask.body);
        let steps = |inv: String| {
            let app = app.clone();
            async move { app.get(&format!("/invoices/{inv}/dunning")).await.body["steps"].as_array().unwrap().clone() }
        };
        assert!(steps(a1.clone()).await[0]["undone_at"].is_null(), "nothing done before the confirmation");
        let done = post_selection(&mut b, "/dunning/undo", &[&a1], &[("back", "q=martin"), ("confirm", "1")]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.location, "/dunning?q=martin&done=dunning_undone");
        assert!(steps(a1.clone()).await[0]["undone_at"].is_string());
        assert!(steps(b1.clone()).await[0]["undone_at"].is_null(), "b1 was not selected");
        let p = list(&mut b, "").await;
        assert_eq!(cell(&p.body, &a1, "last-step"), "", "no live step left");
        assert!(row_text(&p.body, &a1).contains("à faire"), "reminder 1 is due again");
        let page = plain(&b.get(&format!("/invoices/{a1}")).await.body);
        assert!(page.contains("Relance supprimée") && page.contains("supprimée"), "{page}");
        let again = app.post("/dunning/run", json!({"invoice_ids": [a1]})).await;
        assert_eq!(again.assert_status(200)["steps"][0]["level"], "reminder_1");

        // Bad selections: none, not an id, another company's invoice. Nothing is done.
        let before = (steps(a1.clone()).await.len(), steps(b1.clone()).await.len());
        let none = post_selection(&mut b, "/dunning/run", &[], &[("confirm", "1")]).await;
        assert_eq!(none.status, 400);
        assert!(plain(&none.body).contains("aucune facture n'est sélectionnée"), "{}", none.body);
        let garbage = post_selection(&mut b, "/dunning/undo", &[&b1, "nope"], &[("confirm", "1")]).await;
        assert_eq!(garbage.status, 400);
        let other = app.other_company().await;
        let theirs_customer = other.customer_named("Client Ailleurs").await;
        let theirs = invoice_on(&other, &theirs_customer, -60, "Pose").await;
        for path in ["/dunning/run", "/dunning/undo"] {
            let mixed = post_selection(&mut b, path, &[&b1, &id(&theirs)], &[("confirm", "1")]).await;
            assert_eq!(mixed.status, 400, "{path}");
            assert!(
                plain(&mixed.body)
                    .contains("1 facture(s) de la sélection ne sont pas des factures émises de cette société"),
                "{}",
                mixed.body
            );
        }
        assert_eq!((steps(a1.clone()).await.len(), steps(b1.clone()).await.len()), before, "nothing changed");
        let theirs_steps = other.get(&format!("/invoices/{}/dunning", id(&theirs))).await;
        assert!(theirs_steps.assert_status(200)["steps"].as_array().unwrap().is_empty());
        let channel = post_selection(&mut b, "/dunning/run", &[&b1], &[("channel", "pigeon"), ("confirm", "1")]).await;
        assert_eq!(channel.status, 400);

        // A read-only member sees the list without the selection, and may not post it.
        let mut reader = signed_in_member(&app, "lecture@test.fr", Role::ReadOnly).await;
        let p = list(&mut reader, "").await;
        assert!(!p.body.contains(r#"name="id""#) && !p.body.contains("dunning-run"));
        let refused = post_selection(&mut reader, "/dunning/run", &[&b1], &[("confirm", "1")]).await;
        assert_eq!(refused.status, 403);
        // Without the CSRF token: refused.
        let forged = reader.post("/dunning/undo", &[("id", b1.as_str()), ("confirm", "1")]).await;
        assert_eq!(forged.status, 403);
        assert_eq!(steps(b1.clone()).await.len(), before.1);
    })
    .await;
}

#[tokio::test]
async fn a_call_a_promise_to_pay_and_do_not_dun_are_written_from_the_invoice_page() {
    each_db(|app| async move {
        let k = book(&app).await;
        let a1 = id(&k.a1);
        let mut b = signed_in(&app, ADMIN).await;
        let page = b.get(&format!("/invoices/{a1}")).await;
        assert!(page.body.contains(r#"id="dunning-note-form""#) && page.body.contains(r#"id="dunning-hold""#));

        let promised = day(10);
        let r = b
            .submit(
                &format!("/dunning/invoices/{a1}/notes"),
                &[("kind", "promise"), ("date", &promised), ("text", "Paiera par virement")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.location, format!("/invoices/{a1}?done=dunning_note#dunning"));
        let api = app.get(&format!("/invoices/{a1}/dunning")).await.body.clone();
        let s = &api["steps"][0];
        assert_eq!((s["kind"].as_str(), s["taken_on"].as_str()), (Some("promise"), Some(promised.as_str())));
        assert_eq!(s["text"], "Paiera par virement");
        let page = plain(&b.get(&format!("/invoices/{a1}")).await.body);
        assert!(page.contains("Promesse de paiement") && page.contains("Paiera par virement"), "{page}");
        assert!(page.contains("Suivi de relance"), "in the invoice's history: {page}");
        b.submit(&format!("/dunning/invoices/{a1}/notes"), &[("kind", "call"), ("text", "Appel au comptable")]).await;

        // Bad input: a date that is none, a kind that is none, no text. Nothing written.
        for form in [
            vec![("kind", "promise"), ("date", "demain"), ("text", "x")],
            vec![("kind", "fax"), ("text", "x")],
            vec![("kind", "note"), ("text", "  ")],
        ] {
            let r = b.submit(&format!("/dunning/invoices/{a1}/notes"), &form).await;
            assert_eq!(r.status, 400, "{form:?}: {}", r.body);
        }
        assert_eq!(app.get(&format!("/invoices/{a1}/dunning")).await.body["steps"].as_array().unwrap().len(), 2);

        // Do not dun, from the page, then again.
        let r = b.submit(&format!("/dunning/invoices/{a1}/hold"), &[("never", "1")]).await;
        assert_eq!(r.status, 303);
        assert_eq!(app.get(&format!("/invoices/{a1}/dunning")).await.body["dunning"], "never");
        assert!(
            plain(&b.get(&format!("/invoices/{a1}")).await.body).contains("Cette facture ne doit pas être relancée")
        );
        assert_eq!(b.submit(&format!("/dunning/invoices/{a1}/hold"), &[("never", "maybe")]).await.status, 400);
        b.submit(&format!("/dunning/invoices/{a1}/hold"), &[("never", "0")]).await;
        assert_eq!(app.get(&format!("/invoices/{a1}/dunning")).await.body["dunning"], "auto");

        // A step undone from the page, after its confirmation.
        let run = app.post("/dunning/run", json!({"invoice_ids": [a1]})).await;
        let step = run.assert_status(200)["steps"][0]["id"].as_str().unwrap().to_string();
        let ask = b.submit(&format!("/dunning/steps/{step}/undo"), &[]).await;
        assert_eq!(ask.status, 200);
        assert!(plain(&ask.body).contains("Supprimer cette relance ?"));
        let done = b.submit(&format!("/dunning/steps/{step}/undo"), &[("confirm", "1")]).await;
        assert_eq!(done.status, 303);
        let again = b.submit(&format!("/dunning/steps/{step}/undo"), &[("confirm", "1")]).await;
        assert_eq!(again.status, 409, "already undone");

        // Another company's invoice and step are not found.
        let other = app.other_company().await;
        let mut theirs = signed_in(&other, "boss@other.fr").await;
        assert_eq!(
            theirs.submit(&format!("/dunning/invoices/{a1}/notes"), &[("kind", "note"), ("text", "x")]).await.status,
            404
        );
        assert_eq!(theirs.submit(&format!("/dunning/invoices/{a1}/hold"), &[("never", "1")]).await.status, 404);
        assert_eq!(theirs.submit(&format!("/dunning/steps/{step}/undo"), &[("confirm", "1")]).await.status, 404);
        assert_eq!(theirs.get(&format!("/customers/{}/dunning", k.martin)).await.status, 404);
        assert_eq!(theirs.get(&format!("/customers/{}/account", k.martin)).await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn the_debtor_account_shows_the_aged_balance_statement_open_invoices_and_exchanges() {
    each_db(|app| async move {
        let k = book(&app).await;
        let a1 = id(&k.a1);
        app.post(
            &format!("/invoices/{}/payments", id(&k.a2)),
            json!({"amount": "20.00", "date": day(0), "method": "cheque"}),
        )
        .await
        .assert_status(200);
        app.post("/dunning/run", json!({"invoice_ids": [a1]})).await.assert_status(200);
        app.post(&format!("/invoices/{a1}/dunning/notes"), json!({"kind": "call", "text": "Rappeler lundi"}))
            .await
            .assert_status(201);
        let mut b = signed_in(&app, ADMIN).await;
        let customer = b.get(&format!("/customers/{}", k.martin)).await;
        assert!(
            customer.body.contains(&format!(r#"href="/customers/{}/account""#, k.martin)),
            "linked from the customer"
        );

        let page = b.get(&format!("/customers/{}/account", k.martin)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        // The aged balance's own figures for this customer, in French notation.
        let aged = app.get("/reports/aged-balance").await.body.clone();
        let mine =
            aged["customers"].as_array().unwrap().iter().find(|c| c["customer_id"] == k.martin.as_str()).unwrap();
        let start = page.body.find(r#"<tr id="aged-EUR">"#).expect("the EUR row");
        let row = plain(&page.body[start..start + page.body[start..].find("</tr>").unwrap()]);
        let mut cells: Vec<String> = Vec::new();
        for bucket in ["not_due", "1_30", "31_60", "61_90", "over_90", "total"] {
            let v = mine[bucket].as_str().unwrap().replace('.', ",");
            cells.push(format!("{v} €"));
        }
        let mut at = 0;
        for c in &cells {
            let found = row[at..].find(c.as_str()).unwrap_or_else(|| panic!("{c} after {at} in {row}"));
            at += found + c.len();
        }
        assert_eq!(mine["total"], "220.00", "a1 120 and a2 100 owed");
        let text = plain(&page.body);
        // Its statement, open invoices with their next action, exchanges.
        assert!(text.contains("Relevé de compte") && text.contains(&number(&k.paid)), "{text}");
        assert!(text.contains(&number(&k.a2)) && text.contains("Relance 1 · le"), "{text}");
        assert!(text.contains("Rappeler lundi") && text.contains("Appel"), "{text}");
        assert!(text.contains("Relance 1 par e-mail"), "{text}");
        assert!(text.contains("E-mails") && text.contains("en attente d'envoi"), "the reminder's e-mail: {text}");
        // The customer's auxiliary account, the one the accounting exports write.
        let made = app.get(&format!("/customers/{}", k.martin)).await.body["accounting_account"].clone();
        let made = made.as_str().expect("an auxiliary account").to_string();
        assert!(made.starts_with("411BOULAN"), "{made}");
        assert!(text.contains(&format!("Compte client (auxiliaire) : {made}")), "{text}");
        app.patch(&format!("/customers/{}", k.martin), json!({"accounting_account": "411MARTIN"}))
            .await
            .assert_status(200);
        let text = plain(&b.get(&format!("/customers/{}/account", k.martin)).await.body);
        assert!(text.contains("Compte client (auxiliaire) : 411MARTIN"), "the customer's own: {text}");

        // The reminder history as CSV: every step and entry, an undone one marked.
        let history = b.get(&format!("/customers/{}/dunning", k.martin)).await;
        assert!(history.body.contains(&format!(r#"href="/customers/{}/dunning.csv""#, k.martin)));
        let step = app.get(&format!("/invoices/{a1}/dunning")).await.body.clone();
        let step = step["steps"].as_array().unwrap().iter().find(|s| s["kind"] == "auto").unwrap()["id"].clone();
        app.delete(&format!("/dunning/steps/{}", step.as_str().unwrap())).await.assert_status(204);
        let csv = b.get(&format!("/customers/{}/dunning.csv", k.martin)).await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        assert!(csv.header("content-disposition").contains("historique-relances-"));
        let t = facturier_formats::table::read_csv(&csv.bytes).unwrap();
        assert_eq!(t.headers, ["Date", "Facture", "Quoi", "Note", "État", "Enregistré le"]);
        let rows: Vec<Vec<&str>> = t.rows.iter().map(|r| r.cells.iter().map(String::as_str).collect()).collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0][1..5], [number(&k.a1).as_str(), "Appel", "Rappeler lundi", "en cours"], "newest first");
        assert_eq!(rows[1][1..5], [number(&k.a1).as_str(), "Relance 1 par e-mail", "", "supprimée"]);
        let stranger = app.other_company().await;
        stranger.store.create_user_token(stranger.company_id, "autre@test.fr", Role::Admin).await.unwrap();
        let mut o = signed_in(&stranger, "autre@test.fr").await;
        assert_eq!(o.get(&format!("/customers/{}/dunning.csv", k.martin)).await.status, 404);

        // Do not dun the customer, from its account.
        let r = b.submit(&format!("/customers/{}/dunning-hold", k.martin), &[("never", "1")]).await;
        assert_eq!(r.status, 303);
        let text = plain(&b.get(&format!("/customers/{}/account", k.martin)).await.body);
        assert!(text.contains("Ce client ne doit pas être relancé"), "{text}");
        let api = app.get("/dunning").await.body.clone();
        assert!(api["data"].as_array().unwrap().iter().all(|i| i["customer_id"] != k.martin.as_str()));
        let _ = (k.lefevre, k.b1, k.b2, k.credited);
    })
    .await;
}
