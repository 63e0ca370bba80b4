//! Lists that say what they show (issue 22): `status=unpaid|overdue|due_soon` on the API
//! and the web list, an unknown status refused, `q` on every API list, totals that count
//! only what their label says and equal the dashboard figure that links to them, the date
//! that matters for each kind, and the word of an issued quote.

use crate::common;

use common::web_client::{ADMIN, as_read, signed_in};
use common::{TestApp, each_db, line};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use time::{Date, Duration, OffsetDateTime};

/// A day `days` from today (negative: in the past), as the API writes dates. Tests stay
/// two days away from every boundary, so the company's local date (Paris) cannot differ.
fn day(days: i64) -> String {
    let today: Date = OffsetDateTime::now_utc().date();
    (today + Duration::days(days)).to_string()
}

/// An invoice issued on `issued` days from today (terms: 30 days), worth 120.00.
async fn invoice_issued_on(app: &TestApp, customer: &str, issued: i64) -> String {
    let r = app
        .post(
            "/invoices",
            json!({"customer_id": customer, "issue_date": day(issued), "lines": [line("Pose", "1", "100", "20")]}),
        )
        .await;
    let id = r.assert_status(201)["id"].as_str().unwrap().to_string();
    app.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(200);
    id
}

async fn pay(app: &TestApp, id: &str, amount: &str) {
    app.post(&format!("/invoices/{id}/payments"), json!({"amount": amount, "date": day(0), "method": "bank_transfer"}))
        .await
        .assert_status(200);
}

/// The invoices of every state, by name: draft, issued not due, due soon, overdue,
/// partially paid and overdue, paid, credited.
struct Invoices {
    draft: String,
    not_due: String,
    due_soon: String,
    overdue: String,
    partly_paid_overdue: String,
    paid: String,
    credited: String,
}

/// Issued in date order (numbers follow dates).
async fn invoices_in_every_state(app: &TestApp) -> Invoices {
    let customer = app.customer().await;
    let overdue = invoice_issued_on(app, &customer, -60).await;
    let partly_paid_overdue = invoice_issued_on(app, &customer, -50).await;
    let credited = invoice_issued_on(app, &customer, -45).await;
    let paid = invoice_issued_on(app, &customer, -40).await;
    let due_soon = invoice_issued_on(app, &customer, -27).await;
    let not_due = invoice_issued_on(app, &customer, -2).await;
    let draft =
        app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await["id"].as_str().unwrap().to_string();
    pay(app, &partly_paid_overdue, "20.00").await;
    pay(app, &paid, "120.00").await;
    let cn = app.post(&format!("/invoices/{credited}/credit-note"), json!({})).await;
    let cn = cn.assert_status(201)["id"].as_str().unwrap().to_string();
    app.post(&format!("/credit-notes/{cn}/issue"), json!({})).await.assert_status(200);
    let status = |id: String| async move { app.get(&format!("/invoices/{id}")).await.body["status"].clone() };
    assert_eq!(status(credited.clone()).await, "credited");
    assert_eq!(status(partly_paid_overdue.clone()).await, "partially_paid");
    assert_eq!(status(paid.clone()).await, "paid");
    Invoices { draft, not_due, due_soon, overdue, partly_paid_overdue, paid, credited }
}

/// The ids of every page of an API list.
async fn listed(app: &TestApp, path: &str) -> BTreeSet<String> {
    let r = app.get(path).await;
    let body = r.assert_status(200);
    assert_eq!(body["next_cursor"], Value::Null, "{path}: one page");
    body["data"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_string()).collect()
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn the_api_lists_unpaid_overdue_and_due_soon_invoices_and_nothing_else() {
    each_db(|app| async move {
        let i = invoices_in_every_state(&app).await;
        assert_eq!(
            listed(&app, "/invoices?status=unpaid").await,
            set(&[&i.not_due, &i.due_soon, &i.overdue, &i.partly_paid_overdue]),
            "issued with something due"
        );
        assert_eq!(listed(&app, "/invoices?status=overdue").await, set(&[&i.overdue, &i.partly_paid_overdue]));
        assert_eq!(listed(&app, "/invoices?status=due_soon").await, set(&[&i.due_soon]));
        assert_eq!(listed(&app, "/invoices?status=draft").await, set(&[&i.draft]));
        assert_eq!(listed(&app, "/invoices?status=paid").await, set(&[&i.paid]));
        assert_eq!(listed(&app, "/invoices?status=credited").await, set(&[&i.credited]));
        assert_eq!(listed(&app, "/invoices").await.len(), 7, "no filter: all of them");
        // Deposit invoices take the same filters.
        assert_eq!(listed(&app, "/deposit-invoices?status=overdue").await, BTreeSet::new());
        // Pages of a filtered list follow each other.
        let first = app.get("/invoices?status=unpaid&limit=3").await;
        let cursor = first.body["next_cursor"].as_str().expect("a next page").to_string();
        let second = app.get(&format!("/invoices?status=unpaid&limit=3&after={cursor}")).await;
        assert_eq!(second.assert_status(200)["data"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_list_status_is_refused_with_the_field_named() {
    each_db(|app| async move {
        for path in
            ["/invoices?status=zzz", "/quotes?status=overdue", "/credit-notes?status=unpaid", "/orders?status=expired"]
        {
            let r = app.get(path).await;
            r.assert_status(422);
            assert_eq!(r.error_fields(), vec!["status"], "{path}: {}", r.body);
            assert_eq!(r.body["errors"][0]["code"], "not_a_list_status", "{path}: {}", r.body);
        }
        let r = app.get("/invoices?status=zzz").await;
        let message = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("overdue") && message.contains("due_soon"), "names what it takes: {message}");
    })
    .await;
}

#[tokio::test]
async fn every_api_list_searches_q() {
    each_db(|app| async move {
        let martin = app.customer_named("Boulangerie Martin").await;
        let durand = app.customer_named("Ateliers Durand").await;
        for seg in ["quotes", "orders", "delivery-notes", "proformas", "invoices", "deposit-invoices"] {
            let mk = |c: String, what: &'static str| {
                let app = app.clone();
                async move {
                    let r = app
                        .post(&format!("/{seg}"), json!({"customer_id": c, "lines": [line(what, "1", "10", "20")]}))
                        .await;
                    r.assert_status(201)["id"].as_str().unwrap().to_string()
                }
            };
            let ravalement = mk(martin.clone(), "Ravalement de façade").await;
            let plomberie = mk(durand.clone(), "Plomberie sanitaire").await;
            assert_eq!(listed(&app, &format!("/{seg}?q=FACADE")).await, set(&[&ravalement]), "{seg}: a line's words");
            assert_eq!(
                listed(&app, &format!("/{seg}?q=durand")).await,
                set(&[&plomberie]),
                "{seg}: the customer's name"
            );
            assert_eq!(listed(&app, &format!("/{seg}?q=zqxw")).await, BTreeSet::new(), "{seg}");
        }
        // Credit notes: made from an invoice, found by its words and by their number.
        let inv = app.issued_invoice(&durand, &[line("Carrelage cuisine", "1", "50", "20")]).await;
        let cn = app.post(&format!("/invoices/{}/credit-note", inv["id"].as_str().unwrap()), json!({})).await;
        let cn = cn.assert_status(201)["id"].as_str().unwrap().to_string();
        let issued = app.post(&format!("/credit-notes/{cn}/issue"), json!({})).await;
        let number = issued.assert_status(200)["number"].as_str().unwrap().to_string();
        assert_eq!(listed(&app, "/credit-notes?q=carrelage").await, set(&[&cn]));
        assert_eq!(listed(&app, &format!("/credit-notes?q={number}")).await, set(&[&cn]));
        assert_eq!(listed(&app, "/credit-notes?q=plomberie").await, BTreeSet::new());

        // Payments: by reference, by the customer's name, by an invoice's number.
        let a = app.issued_invoice(&martin, &[line("Pain", "1", "100", "5.5")]).await;
        let b = app.issued_invoice(&durand, &[line("Pose", "1", "100", "20")]).await;
        let pay = |inv: Value, reference: &'static str| {
            let app = app.clone();
            async move {
                let id = inv["id"].as_str().unwrap();
                let body =
                    json!({"amount": "10.00", "date": day(0), "method": "bank_transfer", "reference": reference});
                let r = app.post(&format!("/invoices/{id}/payments"), body).await;
                r.assert_status(200)["payments"][0]["id"].as_str().unwrap().to_string()
            }
        };
        let pa = pay(a.clone(), "VIR-778899").await;
        let pb = pay(b.clone(), "CHQ-0042").await;
        assert_eq!(listed(&app, "/payments?q=778899").await, set(&[&pa]));
        assert_eq!(listed(&app, "/payments?q=ateliers").await, set(&[&pb]));
        let number_a = a["number"].as_str().unwrap().to_lowercase();
        assert_eq!(listed(&app, &format!("/payments?q={number_a}")).await, set(&[&pa]));
        assert_eq!(listed(&app, "/payments").await.len(), 2);
        // A control character in q is refused by the string rule, on `q`.
        let r = app.get("/invoices?q=a%00b").await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), vec!["q"]);
    })
    .await;
}

/// The text of the element with `id` (up to the next tag), as read.
fn text_of(html: &str, id: &str) -> String {
    let marker = format!(r#"id="{id}">"#);
    let at = html.find(&marker).unwrap_or_else(|| panic!("no #{id}")) + marker.len();
    as_read(html[at..].split('<').next().unwrap()).trim().to_string()
}

/// The `href` of the link with `id`.
fn href_of(html: &str, id: &str) -> String {
    let marker = format!(r#"" id="{id}""#);
    let end = html.find(&marker).unwrap_or_else(|| panic!("no link #{id}"));
    let start = html[..end].rfind(r#"href=""#).unwrap() + r#"href=""#.len();
    as_read(&html[start..end])
}

#[tokio::test]
async fn each_dashboard_figure_links_to_the_list_whose_total_it_is() {
    each_db(|app| async move {
        invoices_in_every_state(&app).await;
        let mut b = signed_in(&app, ADMIN).await;
        let dash = b.get("/").await;
        assert_eq!(dash.status, 200);
        // Unpaid: 120 + 120 + 120 + 100 (120 less 20 paid).
        assert_eq!(text_of(&dash.body, "outstanding-link"), "460,00 €");
        assert_eq!(text_of(&dash.body, "overdue-link"), "220,00 €");
        for (link, figure) in [("outstanding-link", "460,00 €"), ("overdue-link", "220,00 €")] {
            let href = href_of(&dash.body, link);
            let list = b.get(&href).await;
            assert_eq!(list.status, 200, "{href}");
            assert_eq!(text_of(&list.body, "total-due"), figure, "{href}: its total is the figure");
        }
        assert_eq!(href_of(&dash.body, "overdue-count"), "/invoices?status=overdue");
        let overdue = b.get("/invoices?status=overdue").await;
        assert_eq!(text_of(&overdue.body, "total-count"), "2");
        assert_eq!(text_of(&overdue.body, "total-gross"), "240,00 €");

        // The whole list: the draft and the credited invoice do not count, the paid one
        // counts in the gross, not in what is due.
        let all = b.get("/invoices").await;
        assert_eq!(text_of(&all.body, "total-count"), "5");
        assert_eq!(text_of(&all.body, "total-gross"), "600,00 €");
        assert_eq!(text_of(&all.body, "total-due"), "460,00 €");
        assert!(as_read(&all.body).contains("Total TTC des documents émis"));
        assert!(!as_read(&all.body).contains("Total des lignes affichées"));
    })
    .await;
}

#[tokio::test]
async fn an_unknown_status_on_a_web_list_lists_nothing_and_says_so() {
    each_db(|app| async move {
        let customer = app.customer().await;
        app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let mut b = signed_in(&app, ADMIN).await;
        let page = b.get("/invoices?status=zzz").await;
        assert_eq!(page.status, 400);
        assert!(page.body.contains(r#"id="status-error""#));
        assert!(as_read(&page.body).contains("Ce statut n'existe pas pour cette liste :"));
        assert!(!page.body.contains(r#"id="document-list""#), "no rows");
        let overdue = b.get("/invoices?status=overdue").await;
        assert_eq!(overdue.status, 200);
        assert!(overdue.body.contains(r#"<option value="overdue" selected>"#));
        assert!(overdue.body.contains(r#"id="no-documents""#), "nothing is overdue");
    })
    .await;
}

#[tokio::test]
async fn the_quotes_list_shows_the_validity_date_and_an_issued_quote_reads_issued_until_emailed() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let until = day(20);
        let r = app
            .post(
                "/quotes",
                json!({"customer_id": customer, "valid_until": until, "lines": [line("Pose", "1", "100", "20")]}),
            )
            .await;
        let id = r.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/quotes/{id}/issue"), json!({})).await.assert_status(200);
        let mut b = signed_in(&app, ADMIN).await;
        let list = b.get("/quotes").await;
        let read = as_read(&list.body);
        assert!(read.contains("Valable jusqu'au"), "the validity column");
        assert!(!read.contains("Échéance"), "no due date on a quote");
        let d: Date = Date::parse(&until, &time::format_description::well_known::Iso8601::DATE).unwrap();
        let shown = format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
        assert!(read.contains(&shown), "{shown} in the list");
        let row =
            |html: &str| as_read(html.split(&format!("/quotes/{id}")).nth(1).unwrap().split("</tr>").next().unwrap());
        assert!(row(&list.body).contains(">Émis</td>"), "issued, not sent: {}", row(&list.body));
        let page = b.get(&format!("/quotes/{id}")).await;
        assert!(as_read(&page.body).contains("Émis") && !as_read(&page.body).contains("Envoyé"));

        // E-mailed, it is sent.
        let queued = app.post(&format!("/quotes/{id}/send"), json!({})).await;
        let email: uuid::Uuid = queued.assert_status(202)["id"].as_str().unwrap().parse().unwrap();
        app.store.email_sent(app.company_id, email, "<m@test>").await.unwrap();
        let list = b.get("/quotes").await;
        assert!(row(&list.body).contains(">Envoyé</td>"), "{}", row(&list.body));

        // A credit note is « émis », an invoice « émise ».
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let cn = app.post(&format!("/invoices/{}/credit-note", inv["id"].as_str().unwrap()), json!({})).await;
        let cn = cn.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{cn}/issue"), json!({})).await.assert_status(200);
        let notes = b.get("/credit-notes").await;
        assert!(as_read(&notes.body).contains(">Émis</td>"));
        assert!(!as_read(&notes.body).contains("Émise"));
    })
    .await;
}

#[tokio::test]
async fn with_deposit_invoices_owing_too_each_part_of_a_figure_links_to_its_own_list() {
    each_db(|app| async move {
        let customer = app.customer().await;
        invoice_issued_on(&app, &customer, -60).await;
        let r = app
            .post(
                "/deposit-invoices",
                json!({"customer_id": customer, "issue_date": day(-50), "lines": [line("Acompte", "1", "50", "20")]}),
            )
            .await;
        let deposit = r.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/deposit-invoices/{deposit}/issue"), json!({})).await.assert_status(200);
        let mut b = signed_in(&app, ADMIN).await;
        let dash = b.get("/").await;
        assert_eq!(text_of(&dash.body, "outstanding"), "180,00 €", "both kinds make the figure");
        assert!(!dash.body.contains(r#"id="outstanding-link""#), "no single list adds up to it");
        for (part, list_total) in [
            ("unpaid-invoices", "120,00 €"),
            ("unpaid-deposit-invoices", "60,00 €"),
            ("overdue-invoices", "120,00 €"),
            ("overdue-deposit-invoices", "60,00 €"),
        ] {
            let href = href_of(&dash.body, part);
            let list = b.get(&href).await;
            assert_eq!(text_of(&list.body, "total-due"), list_total, "{part}: {href}");
            assert!(as_read(&dash.body).contains(list_total), "{part}: the part's amount is shown");
        }
        assert_eq!(listed(&app, "/deposit-invoices?status=overdue").await, set(&[&deposit]));
    })
    .await;
}

/// The amounts of `bucket` in the aged balance's totals for euros.
fn euros<'a>(report: &'a Value, bucket: &str) -> &'a str {
    let totals = report["totals"].as_array().unwrap();
    let eur = totals.iter().find(|t| t["currency"] == "EUR").unwrap_or_else(|| panic!("no euros: {report}"));
    eur[bucket].as_str().unwrap()
}

#[tokio::test]
async fn the_aged_balance_counts_what_was_owed_on_its_day_by_lateness() {
    each_db(|app| async move {
        let i = invoices_in_every_state(&app).await;
        // Today: the invoices of -60 and -50 days are 30 and 20 days late (120 and 100
        // due), those of -27 and -2 not due yet; paid, credited and draft ones owe nothing.
        let today = app.get("/reports/aged-balance").await.assert_status(200).clone();
        assert_eq!(today["as_of"], day(0));
        for (bucket, amount) in [
            ("not_due", "240.00"),
            ("1_30", "220.00"),
            ("31_60", "0.00"),
            ("61_90", "0.00"),
            ("over_90", "0.00"),
            ("total", "460.00"),
            ("overdue", "220.00"),
        ] {
            assert_eq!(euros(&today, bucket), amount, "{bucket}: {today}");
        }
        let customers = today["customers"].as_array().unwrap();
        assert_eq!(customers.len(), 1, "{today}");
        assert_eq!((customers[0]["1_30"].as_str(), customers[0]["total"].as_str()), (Some("220.00"), Some("460.00")));
        // Sales of the last 90 days: six invoices of 120, less the credit note: 600.
        // 460 owed is 69 days of them.
        assert_eq!(today["days_sales_outstanding"], "69");
        assert_eq!(today["dso_days"], 90);

        // 25 days ago: the invoice of -2 did not exist; today's payments and credit note
        // had not come; only the invoice of -60 (due 30 days after) was late, by 5 days.
        let past = app.get(&format!("/reports/aged-balance?as_of={}", day(-25))).await.assert_status(200).clone();
        assert_eq!(euros(&past, "not_due"), "480.00", "{past}");
        assert_eq!(euros(&past, "1_30"), "120.00");
        assert_eq!(euros(&past, "total"), "600.00");
        assert_eq!(past["days_sales_outstanding"], "90", "all the period's sales were owed");
        let _ = (i.draft, i.not_due, i.due_soon, i.overdue, i.partly_paid_overdue, i.paid, i.credited);

        // Bad input names the field; another company's report is its own (empty).
        let bad = app.get("/reports/aged-balance?as_of=31/12/2026").await;
        assert_eq!(bad.status, 422);
        assert_eq!(bad.body["errors"][0]["field"], "as_of");
        let other = app.other_company().await;
        let theirs = other.get("/reports/aged-balance").await.assert_status(200).clone();
        assert_eq!(theirs["customers"].as_array().map(Vec::len), Some(0));
        assert_eq!(theirs["totals"].as_array().map(Vec::len), Some(0));
        assert_eq!(theirs["days_sales_outstanding"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn the_aged_balance_page_shows_each_customer_by_lateness_and_exports_the_same_figures() {
    each_db(|app| async move {
        invoices_in_every_state(&app).await;
        let mut b = signed_in(&app, ADMIN).await;
        let dash = b.get("/").await;
        assert_eq!(
            href_of(&dash.body, "aged-link"),
            "/reports/aged-balance",
            "the dashboard's aged balance leads to it"
        );
        assert_eq!(href_of(&dash.body, "aged-1"), "/reports/aged-balance");
        let page = b.get("/reports/aged-balance").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let text = as_read(&page.body);
        for words in [
            "Balance âgée",
            "Non échu",
            "1 à 30 j",
            "Plus de 90 j",
            "240,00 €",
            "220,00 €",
            "460,00 €",
            "Tous les clients",
        ] {
            assert!(text.contains(words), "{words}: {text}");
        }
        assert!(text.contains("Délai moyen de paiement (DSO) : 69 jours de ventes"), "{text}");
        assert!(page.body.contains(r#"class="stack-sm""#), "stacks on a phone");

        // The same figures, for a spreadsheet: French CSV, then XLSX.
        let csv = b.get(&format!("/reports/aged-balance.csv?as_of={}", day(0))).await;
        assert_eq!(csv.status, 200);
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        let table = facturier_formats::table::read_csv(&csv.bytes).unwrap();
        assert_eq!(table.headers[0], "Client");
        assert_eq!(
            table.headers[2..].to_vec(),
            ["Non échu", "1 à 30 j", "31 à 60 j", "61 à 90 j", "Plus de 90 j", "Total"]
        );
        let all = table.rows.iter().find(|r| r.cells[0] == "Tous les clients").expect("a totals row");
        assert_eq!(all.cells[1..].to_vec(), ["EUR", "240,00", "220,00", "0,00", "0,00", "0,00", "460,00"]);
        let xlsx = b.get("/reports/aged-balance.xlsx").await;
        assert_eq!(xlsx.status, 200);
        let book = facturier_formats::table::read_xlsx(&xlsx.bytes).unwrap();
        let all = book.rows.iter().find(|r| r.cells[0] == "Tous les clients").expect("a totals row");
        assert_eq!(all.cells[7], "460", "numbers as numbers");

        // A past day, and a day that is none.
        let past = as_read(&b.get(&format!("/reports/aged-balance?as_of={}", day(-25))).await.body);
        assert!(past.contains("480,00 €") && past.contains("600,00 €"), "{past}");
        let bad = b.get("/reports/aged-balance?as_of=31-31-2026").await;
        assert_eq!(bad.status, 422);
        assert!(as_read(&bad.body).contains("Ce n'est pas une date"), "{}", bad.body);
        assert!(bad.body.contains(r#"value="31-31-2026""#), "what was typed is kept");

        // English.
        let csrf = b.csrf().await;
        b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        let en = as_read(&b.get("/reports/aged-balance").await.body);
        assert!(en.contains("Aged balance") && en.contains("1–30 days") && en.contains("€460.00"), "{en}");
        let csv = b.get("/reports/aged-balance.csv").await;
        let text = String::from_utf8_lossy(&csv.bytes).to_string();
        assert!(text.contains("All customers,EUR,240.00,220.00,0.00,0.00,0.00,460.00"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn each_amount_of_today_s_aged_balance_links_to_the_invoices_it_adds_up() {
    each_db(|app| async move {
        let i = invoices_in_every_state(&app).await;
        // The API's due-date filters: the invoices due 30 to 1 days ago, still owing.
        let (from, to) = (day(-30), day(-1));
        let late = listed(&app, &format!("/invoices?status=unpaid&due_from={from}&due_to={to}")).await;
        assert_eq!(late, set(&[&i.overdue, &i.partly_paid_overdue]));
        let bad = app.get("/invoices?due_from=tomorrow").await;
        assert_eq!(bad.status, 422);
        assert_eq!(bad.body["errors"][0]["field"], "due_from");

        let mut b = signed_in(&app, ADMIN).await;
        let page = b.get("/reports/aged-balance").await;
        for (bucket, amount) in [("not_due", "240,00 €"), ("1_30", "220,00 €")] {
            let id = format!("aged-EUR-{bucket}");
            assert_eq!(text_of(&page.body, &id), amount);
            let href = href_of(&page.body, &id).replace("&amp;", "&");
            let list = b.get(&href).await;
            assert_eq!(list.status, 200, "{href}");
            assert_eq!(text_of(&list.body, "total-due"), amount, "{bucket}: {href}");
        }
        assert!(!page.body.contains("id=\"aged-EUR-31_60\""), "nothing to list, no link");
        // A past day's amounts were settled since: no link leads to today's lists.
        let past = b.get(&format!("/reports/aged-balance?as_of={}", day(-25))).await;
        assert!(!past.body.contains("id=\"aged-EUR-1_30\""), "{}", past.body);
    })
    .await;
}
