//! The web pages of every kind of document over HTTP, without a browser, on SQLite and
//! PostgreSQL: lists and pages of each kind, every action (and that a read-only user gets
//! none), the pipeline quote → order → delivery note → invoice with its family, credit
//! note, duplicate, e-mail, UBL, the draft editor with live totals, bad input kept as
//! typed, search with an "except" term, sort orders and page boundaries.

use crate::common;

use common::web_client::{ADMIN, Browser, as_read, csrf_of, signed_in, signed_in_member};
use common::{TestApp, each_db, line};
use facturier_store::companies::Role;
use serde_json::{Value, json};

/// The id at the end of a redirect to a document page.
fn id_of(location: &str) -> String {
    let path = location.split('?').next().unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

/// The company's administrator, signed in, and the session's CSRF token.
async fn admin(app: &TestApp) -> (Browser, String) {
    let mut b = signed_in(app, ADMIN).await;
    let csrf = b.csrf().await;
    (b, csrf)
}

/// A read-only user, signed in, and the session's CSRF token.
async fn reader(app: &TestApp) -> (Browser, String) {
    let mut b = signed_in_member(app, "lecture@test.fr", Role::ReadOnly).await;
    let csrf = b.csrf().await;
    (b, csrf)
}

async fn draft(app: &TestApp, seg: &str, customer: &str, lines: &[Value]) -> String {
    let r = app.post(&format!("/{seg}"), json!({"customer_id": customer, "lines": lines})).await;
    r.assert_status(201)["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_kind_has_its_list_and_its_page_with_the_actions_of_its_status() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (mut b, _) = admin(&app).await;
        for (seg, title) in [
            ("quotes", "Devis"),
            ("orders", "Commande"),
            ("delivery-notes", "Bon de livraison"),
            ("proformas", "Facture pro forma"),
            ("invoices", "Facture"),
            ("deposit-invoices", "acompte"),
        ] {
            let id = draft(&app, seg, &customer, &[line("Pose", "2", "100", "20")]).await;
            let list = b.get(&format!("/{seg}")).await;
            assert_eq!(list.status, 200, "{seg}");
            assert!(list.body.contains(&format!("/{seg}/{id}")), "{seg}: the draft is listed");
            assert!(list.body.contains("240,00"), "{seg}: its total");
            assert!(list.body.contains(r#"id="new-document""#), "{seg}");
            let page = b.get(&format!("/{seg}/{id}")).await;
            assert_eq!(page.status, 200, "{seg}");
            assert!(page.body.contains(title), "{seg}");
            assert!(page.body.contains(r#"id="issue""#) && page.body.contains(r#"id="edit-draft""#), "{seg}");
            assert!(!page.body.contains(r#"id="send-email""#), "{seg}: a draft is not sent");
            assert!(b.get(&format!("/{seg}/new")).await.status == 200, "{seg}");
        }
        // In English: the kind, its actions and its amounts in the reader's notation.
        let csrf = csrf_of(&b.get("/").await.body);
        b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        let quotes = b.get("/quotes").await.body;
        assert!(quotes.contains(">Quotes<") && quotes.contains("€240.00") && quotes.contains("New draft"), "{quotes}");
        let id = row_ids(&quotes, "quotes").pop().unwrap();
        let page = b.get(&format!("/quotes/{id}")).await.body;
        assert!(page.contains("Quote (draft)") && page.contains("Edit the draft") && page.contains(">Draft<"));
        b.act(&csrf, "/language", &[("lang", "fr"), ("back", "/")]).await;
        // Credit notes have a list but no blank form: they come from an invoice.
        assert_eq!(b.get("/credit-notes").await.status, 200);
        assert!(!b.get("/credit-notes").await.body.contains(r#"id="new-document""#));
        assert_eq!(b.get("/credit-notes/new").await.status, 404);
        // The navigation leads to every kind.
        let home = b.get("/").await.body;
        for seg in ["/quotes", "/orders", "/delivery-notes", "/invoices", "/credit-notes"] {
            assert!(home.contains(&format!(r#"href="{seg}""#)), "{seg} in the navigation");
        }
        // The less used kinds sit in one menu, marked when the page is one of them.
        assert!(home.contains(r#"<summary>Autres documents</summary>"#));
        let orders = b.get("/orders").await.body;
        assert!(orders.contains(r#"<summary class="current">Autres documents</summary>"#), "{orders}");
        // Someone else's document, or no document at all, is a 404.
        let other = app.other_company().await;
        let theirs = draft(&other, "quotes", &other.customer().await, &[line("X", "1", "1", "20")]).await;
        assert_eq!(b.get(&format!("/quotes/{theirs}")).await.status, 404);
        assert_eq!(b.act(&csrf, &format!("/quotes/{theirs}/issue"), &[("confirm", "1")]).await.status, 404);
        assert_eq!(b.act(&csrf, &format!("/quotes/{theirs}/duplicate"), &[]).await.status, 404);
        assert_eq!(other.get(&format!("/quotes/{theirs}")).await.body["status"], "draft");
        assert_eq!(b.get("/quotes/pas-un-id").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn a_quote_goes_through_order_and_delivery_note_to_a_paid_invoice_and_a_credit_note() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (mut b, csrf) = admin(&app).await;
        // Written in the web editor.
        let p = b
            .act(
                &csrf,
                "/quotes/new",
                &[
                    ("customer_id", &customer),
                    ("lines[0].description", "Maintenance annuelle"),
                    ("lines[0].quantity", "3"),
                    ("lines[0].unit_price", "33.33"),
                    ("lines[0].vat_rate", "20"),
                    ("discount_percent", "10"),
                    ("note", "Intervention sous 48 h"),
                    ("valid_until", "2099-12-31"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let quote = id_of(&p.location);
        let v = app.get(&format!("/quotes/{quote}")).await.body;
        assert_eq!(v["totals"]["gross"], "107.99");
        assert_eq!(v["valid_until"], "2099-12-31");

        let issued = b.act(&csrf, &format!("/quotes/{quote}/issue"), &[("confirm", "1")]).await;
        assert_eq!((issued.status, issued.location.clone()), (303, format!("/quotes/{quote}?done=issued")));
        let page = b.get(&format!("/quotes/{quote}")).await.body;
        // Issued, not e-mailed: « Émis », not « Envoyé » (issue 22).
        assert!(page.contains("Émis") && !page.contains("Envoyé"));
        assert!(page.contains(r#"id="accept""#) && page.contains(r#"id="refuse""#));
        assert!(page.contains(r#"id="convert-order""#) && page.contains(r#"id="convert-invoice""#));
        // The dashboard lists it among the quotes awaiting an answer, with a link to it.
        let dash = b.get("/").await.body;
        assert!(dash.contains(&format!(r#"href="/quotes/{quote}""#)), "no link to the waiting quote");
        assert_eq!(b.act(&csrf, &format!("/quotes/{quote}/accept"), &[]).await.status, 303);
        // Accepted, it no longer waits.
        assert!(!b.get("/").await.body.contains(&format!(r#"href="/quotes/{quote}""#)));
        assert_eq!(app.get(&format!("/quotes/{quote}")).await.body["status"], "accepted");

        let p = b.act(&csrf, &format!("/quotes/{quote}/convert"), &[("to", "order")]).await;
        assert_eq!(p.status, 303);
        assert!(p.location.starts_with("/orders/"), "{}", p.location);
        let order = id_of(&p.location);
        assert_eq!(b.act(&csrf, &format!("/orders/{order}/issue"), &[("confirm", "1")]).await.status, 303);
        // An order takes a deposit invoice (30 % of 107.99 = 32.40) before it is delivered.
        let bad = b.act(&csrf, &format!("/orders/{order}/deposit-invoice"), &[("percent", "130")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"id="percent-error""#));
        let p = b.act(&csrf, &format!("/orders/{order}/deposit-invoice"), &[("percent", "30")]).await;
        assert!(p.location.starts_with("/deposit-invoices/"), "{}", p.location);
        let deposit = app.get(&format!("/deposit-invoices/{}", id_of(&p.location))).await.body;
        assert_eq!((deposit["status"].as_str(), deposit["totals"]["gross"].as_str()), (Some("draft"), Some("32.40")));
        assert!(
            b.get(&format!("/orders/{order}"))
                .await
                .body
                .contains(&format!("/deposit-invoices/{}", id_of(&p.location)))
        );
        assert_eq!(
            b.act(&csrf, &format!("/deposit-invoices/{}/delete", id_of(&p.location)), &[("confirm", "1")]).await.status,
            303
        );
        // A partial delivery: 1 of the 3 units, then the rest.
        let order_line =
            app.get(&format!("/orders/{order}")).await.body["lines"][0]["id"].as_str().unwrap().to_string();
        let field = format!("deliver_qty[{order_line}]");
        let too_many =
            b.act(&csrf, &format!("/orders/{order}/convert"), &[("to", "delivery-note"), (&field, "5")]).await;
        assert!(too_many.status == 409 || too_many.status == 422, "{}", too_many.status);
        let p = b.act(&csrf, &format!("/orders/{order}/convert"), &[("to", "delivery-note"), (&field, "1")]).await;
        assert!(p.location.starts_with("/delivery-notes/"), "{}", p.location);
        let first = id_of(&p.location);
        assert_eq!(app.get(&format!("/delivery-notes/{first}")).await.body["lines"][0]["quantity"], "1");
        assert_eq!(b.act(&csrf, &format!("/delivery-notes/{first}/delete"), &[("confirm", "1")]).await.status, 303);
        let p = b.act(&csrf, &format!("/orders/{order}/convert"), &[("to", "delivery-note")]).await;
        assert!(p.location.starts_with("/delivery-notes/"), "{}", p.location);
        let note = id_of(&p.location);
        assert_eq!(b.act(&csrf, &format!("/delivery-notes/{note}/issue"), &[("confirm", "1")]).await.status, 303);
        let page = b.get(&format!("/delivery-notes/{note}")).await.body;
        assert!(page.contains(r#"id="convert-invoice""#), "a validated delivery note becomes an invoice");
        let p = b.act(&csrf, &format!("/delivery-notes/{note}/convert"), &[("to", "invoice")]).await;
        assert!(p.location.starts_with("/invoices/"), "{}", p.location);
        let invoice = id_of(&p.location);
        // A draft has no UBL yet: its address leads back to the draft, not to a dead end.
        let early = b.get(&format!("/invoices/{invoice}/ubl")).await;
        assert_eq!((early.status, early.location.as_str()), (303, format!("/invoices/{invoice}").as_str()));
        assert_eq!(b.act(&csrf, &format!("/invoices/{invoice}/issue"), &[("confirm", "1")]).await.status, 303);

        // The family: every parent with a link to its page.
        let page = b.get(&format!("/invoices/{invoice}")).await.body;
        assert!(page.contains(&format!(r#"href="/delivery-notes/{note}""#)), "{page}");
        assert!(page.contains(&format!(r#"href="/orders/{order}""#)));
        assert!(page.contains(&format!(r#"href="/quotes/{quote}""#)));
        let quote_page = b.get(&format!("/quotes/{quote}")).await.body;
        assert!(quote_page.contains(&format!(r#"href="/invoices/{invoice}""#)), "the quote shows its invoice");
        assert!(quote_page.contains("Transformé"));

        // Payment, then e-mail, PDF, UBL.
        let p =
            b.act(&csrf, &format!("/invoices/{invoice}/payments"), &[("amount", "100,00"), ("method", "cheque")]).await;
        assert_eq!(p.status, 303);
        let v = app.get(&format!("/invoices/{invoice}")).await.body;
        assert_eq!((v["status"].as_str(), v["totals"]["due"].as_str()), (Some("partially_paid"), Some("7.99")));
        let p = b
            .act(
                &csrf,
                &format!("/invoices/{invoice}/send"),
                &[
                    ("to", "compta@client.fr"),
                    ("cc", "direction@client.fr"),
                    ("subject", "Votre facture {document_number}"),
                ],
            )
            .await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(r#"id="notice""#) && p.body.contains("compta@client.fr"), "the e-mail history");
        let emails = app.get(&format!("/invoices/{invoice}/emails")).await.body;
        assert_eq!(emails.as_array().unwrap().len(), 1);
        assert_eq!(emails[0]["cc"][0], "direction@client.fr");
        assert!(emails[0]["subject"].as_str().unwrap().starts_with("Votre facture F20"), "{emails}");
        let bad = b.act(&csrf, &format!("/invoices/{invoice}/send"), &[("to", "pas une adresse")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"id="to-error""#));
        assert_eq!(app.get(&format!("/invoices/{invoice}/emails")).await.body.as_array().unwrap().len(), 1);
        let pdf = b.get(&format!("/invoices/{invoice}/pdf")).await;
        assert_eq!(pdf.status, 200);
        assert!(pdf.content_type.starts_with("application/pdf"));
        let ubl = b.get(&format!("/invoices/{invoice}/ubl")).await;
        assert_eq!(ubl.status, 200);
        assert_eq!(root_element(&ubl.body), "Invoice", "a well-formed UBL invoice");
        assert!(ubl.body.contains("107.99"));

        // A partial credit note: one of the three units.
        let line_id =
            app.get(&format!("/invoices/{invoice}")).await.body["lines"][0]["id"].as_str().unwrap().to_string();
        let field = format!("credit_qty[{line_id}]");
        let none =
            b.act(&csrf, &format!("/invoices/{invoice}/credit-note"), &[("confirm", "1"), (field.as_str(), "")]).await;
        assert_eq!(none.status, 422);
        assert!(none.body.contains(r#"id="lines-error""#));
        let p =
            b.act(&csrf, &format!("/invoices/{invoice}/credit-note"), &[("confirm", "1"), (field.as_str(), "1")]).await;
        assert!(p.location.starts_with("/credit-notes/"), "{}", p.location);
        let partial = app.get(&format!("/credit-notes/{}", id_of(&p.location))).await.body;
        assert_eq!(partial["lines"][0]["quantity"], "1");
        assert_eq!(
            b.act(&csrf, &format!("/credit-notes/{}/delete", id_of(&p.location)), &[("confirm", "1")]).await.status,
            303
        );
        // A credit note for an amount, typed the French way; lines and an amount together are refused.
        let both = b
            .act(
                &csrf,
                &format!("/invoices/{invoice}/credit-note"),
                &[("confirm", "1"), (field.as_str(), "1"), ("credit_amount", "10")],
            )
            .await;
        assert_eq!(both.status, 422);
        assert!(both.body.contains(r#"id="amount-error""#) && both.body.contains("soit des lignes, soit un montant"));
        let p = b
            .act(&csrf, &format!("/invoices/{invoice}/credit-note"), &[("confirm", "1"), ("credit_amount", "10,00")])
            .await;
        assert!(p.location.starts_with("/credit-notes/"), "{}", p.location);
        let gesture = app.get(&format!("/credit-notes/{}", id_of(&p.location))).await.body;
        assert_eq!(gesture["totals"]["gross"], "10.00");
        assert_eq!(
            b.act(&csrf, &format!("/credit-notes/{}/delete", id_of(&p.location)), &[("confirm", "1")]).await.status,
            303
        );
        // A credit note for the whole invoice, issued, with its own UBL.
        let p = b.act(&csrf, &format!("/invoices/{invoice}/credit-note"), &[("confirm", "1")]).await;
        assert!(p.location.starts_with("/credit-notes/"), "{}", p.location);
        let credit = id_of(&p.location);
        let page = b.get(&format!("/credit-notes/{credit}")).await.body;
        assert!(page.contains(&format!(r#"href="/invoices/{invoice}""#)));
        assert_eq!(b.act(&csrf, &format!("/credit-notes/{credit}/issue"), &[("confirm", "1")]).await.status, 303);
        let ubl = b.get(&format!("/credit-notes/{credit}/ubl")).await;
        assert_eq!(root_element(&ubl.body), "CreditNote");
        assert!(b.get("/credit-notes").await.body.contains(&format!("/credit-notes/{credit}")));

        // Duplicate: a new draft with the same lines, on its own page.
        let p = b.act(&csrf, &format!("/quotes/{quote}/duplicate"), &[]).await;
        assert!(p.location.starts_with("/quotes/") && !p.location.ends_with(&quote), "{}", p.location);
        let copy = app.get(&format!("/quotes/{}", id_of(&p.location))).await.body;
        assert_eq!((copy["status"].as_str(), copy["totals"]["gross"].as_str()), (Some("draft"), Some("107.99")));
        // A draft is deleted; an issued document is not.
        assert_eq!(
            b.act(&csrf, &format!("/quotes/{}/delete", id_of(&p.location)), &[("confirm", "1")]).await.status,
            303
        );
        assert_eq!(app.get(&format!("/quotes/{}", id_of(&p.location))).await.status, 404);
        assert_eq!(b.act(&csrf, &format!("/invoices/{invoice}/delete"), &[("confirm", "1")]).await.status, 409);
        // Refusing and cancelling where the pipeline allows it.
        let other = draft(&app, "quotes", &customer, &[line("Pose", "1", "10", "20")]).await;
        b.act(&csrf, &format!("/quotes/{other}/issue"), &[("confirm", "1")]).await;
        assert_eq!(b.act(&csrf, &format!("/quotes/{other}/refuse"), &[("confirm", "1")]).await.status, 303);
        assert_eq!(app.get(&format!("/quotes/{other}")).await.body["status"], "refused");
        assert_eq!(b.act(&csrf, &format!("/invoices/{invoice}/cancel"), &[("confirm", "1")]).await.status, 409);
    })
    .await;
}

/// The name of the root element of a well-formed XML document (panics if not well-formed).
fn root_element(xml: &str) -> String {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut root = None;
    loop {
        match r.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) if root.is_none() => {
                root = Some(e.local_name().into_inner().to_string());
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    root.expect("a root element")
}

#[tokio::test]
async fn a_read_only_user_sees_no_action_and_every_forged_action_is_refused() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let quote = draft(&app, "quotes", &customer, &[line("Pose", "1", "10", "20")]).await;
        let invoice = app.issued_invoice(&customer, &[line("Pose", "1", "10", "20")]).await;
        let invoice = invoice["id"].as_str().unwrap().to_string();
        let (mut ro, csrf) = reader(&app).await;
        for path in [format!("/quotes/{quote}"), format!("/invoices/{invoice}")] {
            let page = ro.get(&path).await;
            assert_eq!(page.status, 200);
            for id in ["issue", "edit-draft", "duplicate", "credit-note", "send-email", "record-payment", "delete"] {
                assert!(!page.body.contains(&format!(r#"id="{id}""#)), "{path}: no {id} for a reader");
            }
            assert!(page.body.contains(r#"id="download-pdf""#), "reading stays possible");
        }
        assert!(!ro.get("/quotes").await.body.contains(r#"id="new-document""#));
        for (path, form) in [
            (format!("/quotes/{quote}/issue"), vec![]),
            (format!("/quotes/{quote}/delete"), vec![]),
            (format!("/quotes/{quote}/duplicate"), vec![]),
            (format!("/quotes/{quote}/edit"), vec![("customer_id", customer.as_str()), ("action", "save")]),
            ("/quotes/preview".to_string(), vec![("customer_id", customer.as_str())]),
            (format!("/invoices/{invoice}/payments"), vec![("amount", "1")]),
            (format!("/invoices/{invoice}/credit-note"), vec![]),
            (format!("/invoices/{invoice}/send"), vec![]),
            ("/quotes/new".to_string(), vec![("customer_id", customer.as_str()), ("action", "save")]),
        ] {
            assert_eq!(ro.act(&csrf, &path, &form).await.status, 403, "{path}");
        }
        assert_eq!(ro.get(&format!("/quotes/{quote}/edit")).await.status, 403);
        // Nothing changed.
        assert_eq!(app.get(&format!("/quotes/{quote}")).await.body["status"], "draft");
        assert_eq!(app.get("/quotes").await.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(app.get("/credit-notes").await.body["data"].as_array().unwrap().len(), 0);
        assert_eq!(app.get(&format!("/invoices/{invoice}")).await.body["status"], "issued");
        // Without the session's CSRF token, even the admin's POST is refused.
        let (mut b, _) = admin(&app).await;
        assert_eq!(b.act("forged", &format!("/quotes/{quote}/issue"), &[]).await.status, 403);
        assert_eq!(app.get(&format!("/quotes/{quote}")).await.body["status"], "draft");
    })
    .await;
}

#[tokio::test]
async fn a_saved_draft_is_edited_with_totals_previewed_exact_to_the_cent() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (mut b, csrf) = admin(&app).await;
        let id = draft(&app, "invoices", &customer, &[line("Pose", "1", "10", "20")]).await;
        let form = b.get(&format!("/invoices/{id}/edit")).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains(r#"value="Pose""#) && form.body.contains(r#"value="10.00""#), "the saved values");
        let line_id = app.get(&format!("/invoices/{id}")).await.body["lines"][0]["id"].as_str().unwrap().to_string();
        let typed = [
            ("customer_id", customer.as_str()),
            ("lines[0].id", line_id.as_str()),
            ("lines[0].kind", "item"),
            ("lines[0].description", "Maintenance"),
            ("lines[0].quantity", "3"),
            ("lines[0].unit_price", "33,33"),
            ("lines[0].vat_rate", "20"),
            ("discount_percent", "10"),
            ("draft_id", id.as_str()),
        ];
        // The htmx preview: 3 × 33.33 = 99.99, − 10 % = 89.99 net, VAT 18.00, 107.99.
        let p = b.act(&csrf, "/invoices/preview", &typed).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(r#"id="live-totals""#) && !p.body.contains("<html"), "a fragment");
        assert!(p.body.contains("99,99\u{a0}€") && p.body.contains("10,00\u{a0}€"), "{}", p.body);
        assert!(p.body.contains("89,99\u{a0}€") && p.body.contains("18,00\u{a0}€") && p.body.contains("107,99\u{a0}€"));
        // A line discount instead: 99.99 − 10.00 = 89.99 as well, computed per line.
        let mut per_line = typed.to_vec();
        per_line.retain(|(k, _)| *k != "discount_percent");
        per_line.push(("lines[0].discount_percent", "10"));
        let p = b.act(&csrf, "/invoices/preview", &per_line).await;
        assert!(p.body.contains("107,99\u{a0}€"), "{}", p.body);
        // Subtotal lines show their amounts live: the item lines since the previous one.
        let mut sections = per_line.clone();
        sections.extend([
            ("lines[1].kind", "subtotal"),
            ("lines[1].description", "Atelier"),
            ("lines[2].kind", "item"),
            ("lines[2].description", "Déplacement"),
            ("lines[2].quantity", "2"),
            ("lines[2].unit_price", "40"),
            ("lines[2].vat_rate", "20"),
            ("lines[3].kind", "subtotal"),
            ("lines[3].description", ""),
        ]);
        let p = b.act(&csrf, "/invoices/preview", &sections).await;
        assert!(p.body.contains(r#"<th scope="row">Atelier</th><td class="num" id="subtotal-1">89,99"#), "{}", p.body);
        assert!(
            p.body.contains(r#"<th scope="row">Sous-total</th><td class="num" id="subtotal-2">80,00"#),
            "{}",
            p.body
        );
        assert!(p.body.contains("169,99\u{a0}€"), "89.99 + 80.00 net: {}", p.body);
        // A line is removed with its button; the others keep what was typed.
        let mut two = typed.to_vec();
        two.extend([
            ("lines[1].description", "Déplacement"),
            ("lines[1].quantity", "1"),
            ("lines[1].unit_price", "40"),
        ]);
        two.extend([("lines[1].vat_rate", "20"), ("action", "remove_line:0")]);
        let p = b.act(&csrf, &format!("/invoices/{id}/edit"), &two).await;
        assert_eq!(p.status, 200);
        assert!(
            p.body.contains(r#"id="line-0-description" aria-label="Désignation 1" value="Déplacement""#),
            "{}",
            p.body
        );
        assert!(!p.body.contains(r#"value="Maintenance""#) && !p.body.contains("line-1-description"));
        assert!(p.body.contains("43,20\u{a0}€"), "40 − 10 % + 20 %");
        // Without JavaScript, "recalculate" shows the whole form with the same totals.
        let mut recalc = typed.to_vec();
        recalc.push(("action", "recalculate"));
        let p = b.act(&csrf, &format!("/invoices/{id}/edit"), &recalc).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains("107,99\u{a0}€") && p.body.contains(r#"value="Maintenance""#));
        assert_eq!(app.get(&format!("/invoices/{id}")).await.body["totals"]["gross"], "12.00", "not saved yet");
        // Saved: the same line (same id), the new figures.
        let mut save = typed.to_vec();
        save.extend([("action", "save"), ("note", "Contrat 2026"), ("terms", "30 jours")]);
        let p = b.act(&csrf, &format!("/invoices/{id}/edit"), &save).await;
        assert_eq!((p.status, p.location.clone()), (303, format!("/invoices/{id}?done=draft_saved")));
        let v = app.get(&format!("/invoices/{id}")).await.body;
        assert_eq!(v["totals"]["gross"], "107.99");
        assert_eq!(v["totals"]["net"], "89.99");
        assert_eq!((v["lines"][0]["id"].as_str(), v["lines"].as_array().unwrap().len()), (Some(line_id.as_str()), 1));
        assert_eq!((v["note"].as_str(), v["terms"].as_str()), (Some("Contrat 2026"), Some("30 jours")));
        // An issued document is not edited.
        b.act(&csrf, &format!("/invoices/{id}/issue"), &[("confirm", "1")]).await;
        assert_eq!(b.get(&format!("/invoices/{id}/edit")).await.status, 409);
        assert_eq!(b.act(&csrf, &format!("/invoices/{id}/edit"), &save).await.status, 409);
    })
    .await;
}

#[tokio::test]
async fn products_are_found_as_you_type_and_added_as_lines() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let product =
            json!({"reference": "LUM-01", "name": "Luminaire <b>LED</b>", "unit_price": "45.50", "vat_rate": "20"});
        let pid = app.post("/products", product).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let (mut b, csrf) = admin(&app).await;
        let found = b.get("/documents/products?product_q=lumi").await;
        assert_eq!(found.status, 200);
        assert!(found.body.contains(&format!("add_product:{pid}")), "{}", found.body);
        assert!(
            found.body.contains("Luminaire &lt;b&gt;LED&lt;/b&gt;") || found.body.contains("Luminaire &#60;b&#62;")
        );
        assert!(!b.get("/documents/products?product_q=zzz").await.body.contains("add_product:"));
        // Choosing it adds a line filled from the catalogue, totals computed.
        let action = format!("add_product:{pid}");
        let p = b.act(&csrf, "/quotes/new", &[("customer_id", &customer), ("action", &action)]).await;
        assert_eq!(p.status, 200);
        assert!(p.body.contains(r#"value="45.50""#) && p.body.contains(&format!(r#"value="{pid}""#)));
        assert!(p.body.contains("54,60\u{a0}€"), "45.50 + 20 % VAT");
        // Without JavaScript, the "find" button lists the same products.
        let p = b
            .act(&csrf, "/quotes/new", &[("customer_id", &customer), ("product_q", "LUM"), ("action", "find_product")])
            .await;
        assert!(p.body.contains(&format!("add_product:{pid}")));
    })
    .await;
}

#[tokio::test]
async fn bad_input_shows_errors_next_to_fields_keeps_what_was_typed_and_stores_nothing() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (mut b, csrf) = admin(&app).await;
        let form = [
            ("customer_id", customer.as_str()),
            ("lines[0].description", "<script>alert('x')</script>"),
            ("lines[0].quantity", "trois"),
            ("lines[0].unit_price", "12.50"),
            ("lines[0].vat_rate", "20"),
            ("lines[1].description", "Déplacement"),
            ("lines[1].quantity", "1"),
            ("lines[1].unit_price", "30"),
            ("lines[1].vat_rate", "20"),
            ("lines[1].discount_percent", "150"),
            ("discount_percent", "abc"),
            ("note", "Note <i>gardée</i>"),
            ("action", "save"),
        ];
        let p = b.act(&csrf, "/orders/new", &form).await;
        assert_eq!(p.status, 422);
        assert!(p.body.contains(r#"value="trois""#), "the typed quantity is kept");
        assert!(
            p.body.contains(r#"aria-describedby="line-0-quantity-error""#)
                && p.body.contains(r#"id="line-0-quantity-error""#)
        );
        assert!(p.body.contains(r#"id="line-1-discount-error""#), "{}", p.body);
        assert!(p.body.contains(r#"id="discount_percent-error""#) && p.body.contains(r#"value="abc""#));
        assert!(p.body.contains("Note &lt;i&gt;gardée&lt;/i&gt;") || p.body.contains("Note &#60;i&#62;gardée"));
        assert!(!p.body.contains("<script>alert"), "hostile input is escaped");
        assert!(p.body.contains(r#"value="Déplacement""#));
        assert_eq!(app.get("/orders").await.body["data"].as_array().unwrap().len(), 0, "nothing stored");
        // The live preview says it cannot compute rather than showing wrong totals.
        let p = b.act(&csrf, "/orders/preview", &form).await;
        assert!(p.body.contains(r#"id="totals-pending""#));
        // No customer chosen.
        let p = b.act(&csrf, "/orders/new", &[("lines[0].description", "X"), ("action", "save")]).await;
        assert_eq!(p.status, 422);
        assert!(p.body.contains(r#"id="customer_id-error""#));
        // A bad payment keeps the page and says why.
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "10", "20")]).await;
        let inv = inv["id"].as_str().unwrap();
        let p = b.act(&csrf, &format!("/invoices/{inv}/payments"), &[("amount", "-5")]).await;
        assert_eq!(p.status, 422);
        assert!(p.body.contains(r#"id="amount-error""#));
        assert_eq!(app.get(&format!("/invoices/{inv}")).await.body["status"], "issued");
    })
    .await;
}

#[tokio::test]
async fn refusals_read_in_the_users_language_with_amounts_in_its_notation() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (mut b, csrf) = admin(&app).await;
        b.act(&csrf, "/language", &[("lang", "fr"), ("back", "/")]).await;

        // Issuing a draft without lines.
        let empty = draft(&app, "invoices", &customer, &[]).await;
        let p = b.act(&csrf, &format!("/invoices/{empty}/issue"), &[("confirm", "1")]).await;
        assert_eq!(p.status, 409);
        let page = as_read(&p.body);
        assert!(page.contains("Action impossible"), "{page}");
        assert!(page.contains("Un document sans lignes ne peut pas être émis"), "{page}");
        assert!(!page.contains("cannot be issued"));
        assert_eq!(app.get(&format!("/invoices/{empty}")).await.body["status"], "draft");

        // A payment on a draft.
        let p = b.act(&csrf, &format!("/invoices/{empty}/payments"), &[("amount", "10"), ("method", "cheque")]).await;
        assert_eq!(p.status, 409);
        assert!(
            as_read(&p.body).contains("Le document est au statut « brouillon » : il ne peut pas recevoir de règlement"),
            "{}",
            p.body
        );
        let after = app.get(&format!("/invoices/{empty}")).await.body.clone();
        assert_eq!(after["payments"].as_array().map(Vec::len), Some(0), "no payment stored");

        // A second credit note for the whole invoice: more than the invoice, in French notation.
        let inv = app.issued_invoice(&customer, &[line("Charpente", "1", "1000", "20")]).await;
        let inv = inv["id"].as_str().unwrap();
        let first = id_of(&b.act(&csrf, &format!("/invoices/{inv}/credit-note"), &[("confirm", "1")]).await.location);
        let second = id_of(&b.act(&csrf, &format!("/invoices/{inv}/credit-note"), &[("confirm", "1")]).await.location);
        assert_eq!(b.act(&csrf, &format!("/credit-notes/{first}/issue"), &[("confirm", "1")]).await.status, 303);
        let p = b.act(&csrf, &format!("/credit-notes/{second}/issue"), &[("confirm", "1")]).await;
        assert_eq!(p.status, 409);
        assert!(p.body.contains("2\u{202f}400,00"), "French thousands and decimals: {}", p.body);
        let french = "Les avoirs atteindraient 2 400,00, plus que le montant TTC de la facture (1 200,00)";
        assert!(as_read(&p.body).contains(french), "{}", p.body);
        assert_eq!(app.get(&format!("/credit-notes/{second}")).await.body["status"], "draft", "nothing issued");

        // The same refusal for an English user, in English.
        b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        let p = b.act(&csrf, &format!("/credit-notes/{second}/issue"), &[("confirm", "1")]).await;
        assert_eq!(p.status, 409);
        let page = as_read(&p.body);
        assert!(page.contains("credit notes would total 2400.00, more than the invoice's 1200.00"), "{page}");
        assert!(page.contains("Not possible now") && !page.contains("avoirs"));
    })
    .await;
}

/// Every row link of a list page, in order.
fn row_ids(html: &str, seg: &str) -> Vec<String> {
    let needle = format!(r#"<td class="row-title"><a href="/{seg}/"#);
    html.split(&needle).skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
}

fn next_link(html: &str) -> Option<String> {
    let at = html.find(r#"rel="next""#)?;
    let before = &html[..at];
    let href = before.rsplit(r#"href=""#).next()?;
    Some(href.split('"').next()?.replace("&amp;", "&").replace("&#38;", "&"))
}

#[tokio::test]
async fn lists_search_with_an_except_term_sort_by_column_and_page_without_gaps() {
    each_db(|app| async move {
        let durand = app.customer_named("Durand & Fils <script>x</script>").await;
        let alpha = app.customer_named("Alpha Plomberie").await;
        let a = draft(&app, "invoices", &durand, &[line("Maintenance contrat annuel", "1", "100", "20")]).await;
        let b_id = draft(&app, "invoices", &alpha, &[line("Maintenance ponctuelle", "1", "50", "20")]).await;
        let c = draft(&app, "invoices", &alpha, &[line("Pose", "1", "75", "20")]).await;
        let (mut b, _) = admin(&app).await;

        let p = b.get("/invoices?q=maintenance+-contrat").await.body;
        assert_eq!(row_ids(&p, "invoices"), vec![b_id.clone()], "{p}");
        let p = b.get("/invoices?q=maintenance&except=contrat").await.body;
        assert_eq!(row_ids(&p, "invoices"), vec![b_id.clone()]);
        let p = b.get("/invoices?q=maintenance+-contrat+-ponctuelle").await.body;
        assert!(row_ids(&p, "invoices").is_empty(), "every -word leaves rows out");
        let p = b.get("/invoices?q=MAINTENANCE").await.body;
        assert_eq!(row_ids(&p, "invoices").len(), 2, "case does not matter");
        let p = b.get("/invoices?q=alpha").await.body;
        assert_eq!(row_ids(&p, "invoices").len(), 2, "the customer's name is searched");
        let p = b.get("/invoices?q=100%25").await.body;
        assert!(row_ids(&p, "invoices").is_empty(), "% is a character, not a wildcard");
        assert!(p.contains(r#"id="no-documents""#));
        let p = b.get("/invoices?sort=customer&dir=asc").await.body;
        let ids = row_ids(&p, "invoices");
        assert_eq!(ids.last(), Some(&a), "Durand after Alpha");
        assert!(!p.contains("<script>x"), "names are escaped");
        assert!(p.contains(r#"aria-sort="ascending""#));
        let p = b.get("/invoices?sort=total&dir=desc").await.body;
        assert_eq!(row_ids(&p, "invoices"), vec![a.clone(), c.clone(), b_id.clone()]);
        let p = b.get("/invoices?sort=total&dir=asc").await.body;
        assert_eq!(row_ids(&p, "invoices"), vec![b_id.clone(), c.clone(), a.clone()]);

        // 55 more, with equal totals to tie on: pages of 50 hold every row once, in order.
        let mut expected: Vec<(u32, String)> = Vec::new();
        let mut alpha_ids: Vec<String> = Vec::new();
        for (i, (k, cust)) in [(0u32, &alpha), (1, &durand)].iter().cycle().take(55).enumerate() {
            let price = 10 + (i as u32 % 7) + k;
            let id = draft(&app, "invoices", cust, &[line("Lot", "1", &price.to_string(), "20")]).await;
            if *k == 0 {
                alpha_ids.push(id.clone());
            }
            expected.push((price, id));
        }
        for (sort, dir) in
            [("total", "desc"), ("customer", "asc"), ("number", "desc"), ("date", "desc"), ("due_date", "asc")]
        {
            let mut seen = Vec::new();
            let mut url = format!("/invoices?sort={sort}&dir={dir}");
            let mut pages = 0;
            loop {
                let p = b.get(&url).await;
                assert_eq!(p.status, 200);
                let ids = row_ids(&p.body, "invoices");
                assert!(ids.len() <= 50);
                seen.extend(ids);
                pages += 1;
                assert!(pages < 5, "{sort}: the pages go on: {url}");
                match next_link(&p.body) {
                    Some(n) => url = n,
                    None => break,
                }
            }
            assert_eq!(pages, 2, "{sort}");
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!((seen.len(), unique.len()), (58, 58), "{sort}: every row once");
            if sort == "total" {
                let gross = |id: &String| {
                    expected.iter().find(|(_, x)| x == id).map(|(p, _)| *p).unwrap_or(match id {
                        x if *x == a => 100,
                        x if *x == c => 75,
                        _ => 50,
                    })
                };
                let totals: Vec<u32> = seen.iter().map(gross).collect();
                assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
            }
            if sort == "customer" {
                let is_alpha = |id: &String| *id == b_id || *id == c || alpha_ids.contains(id);
                let first_durand = seen.iter().position(|id| !is_alpha(id)).unwrap();
                assert_eq!(first_durand, 2 + 28, "Alpha's 30 rows, then Durand's");
                assert!(seen[first_durand..].iter().all(|id| !is_alpha(id)));
            }
        }
    })
    .await;
}

/// The fields an HTML form would send: its inputs (not buttons), the selected option of
/// each select (else the first) and its textareas, with entities decoded.
fn form_fields(html: &str, form_id: &str) -> Vec<(String, String)> {
    let start = html.find(&format!(r#"id="{form_id}""#)).expect("the form");
    let form = &html[start..start + html[start..].find("</form>").expect("the end of the form")];
    let attr = |tag: &str, name: &str| {
        let key = format!(r#" {name}=""#);
        tag.find(&key).map(|at| unescape(tag[at + key.len()..].split('"').next().unwrap()))
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag = &rest[..rest.find('>').unwrap() + 1];
        if tag.starts_with("<input ") {
            if let Some(name) = attr(tag, "name") {
                out.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<select ") {
            let end = rest.find("</select>").unwrap();
            let options: Vec<&str> = rest[..end].split("<option ").skip(1).collect();
            let chosen =
                options.iter().find(|o| o.split('>').next().unwrap().contains(" selected")).or(options.first());
            let value = chosen.and_then(|o| attr(&format!(" {o}"), "value")).unwrap_or_default();
            out.push((attr(tag, "name").unwrap(), value));
            rest = &rest[end..];
        } else if tag.starts_with("<textarea ") {
            let body = &rest[tag.len()..];
            out.push((attr(tag, "name").unwrap(), unescape(&body[..body.find("</textarea>").unwrap()])));
        }
        rest = &rest[1..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The value of one field of a form read with [`form_fields`].
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no field {name}"))
}

#[tokio::test]
async fn a_draft_with_company_vat_rates_reverse_charge_text_lines_shipping_and_every_header_field_round_trips() {
    each_db(|app| async move {
        let customer = app.customer().await;
        app.patch("/settings", json!({"documents": {"vat_rates": ["5.5", "20", "10", "0"]}})).await.assert_status(200);
        let (mut b, csrf) = admin(&app).await;
        // The company's rates are offered, its first one chosen on a new line.
        let blank = b.get("/invoices/new").await.body;
        let fields = form_fields(&blank, "document-form");
        assert_eq!(field(&fields, "lines[0].vat_rate"), "5.5");
        assert!(blank.contains(r#"<option value="10">10"#) && blank.contains("5,5\u{a0}%"), "{blank}");
        assert!(blank.contains(r#"<option value="AE">AE — autoliquidation</option>"#));
        assert!(blank.contains(r#"<details id="more">"#), "the rare fields wait in a closed section");
        // The blank form as a browser sends it (every select with its first choice) saves.
        let mut plain = fields.clone();
        for (k, v) in plain.iter_mut() {
            match k.as_str() {
                "customer_id" => *v = customer.clone(),
                "lines[0].description" => *v = "Pose".into(),
                "lines[0].unit_price" => *v = "100".into(),
                _ => {}
            }
        }
        plain.push(("action".into(), "save".into()));
        let p = b.post_pairs("/invoices/new", &plain).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let plain = app.get(&format!("/invoices/{}", id_of(&p.location))).await.body;
        assert_eq!((plain["totals"]["gross"].as_str(), plain["shipping"].is_null()), (Some("105.50"), true));
        // "Add a comment" and "add a subtotal" add text lines, without JavaScript.
        let p = b.act(&csrf, "/invoices/new", &[("customer_id", &customer), ("action", "add_comment")]).await;
        assert!(p.body.contains(r#"aria-label="Commentaire 1""#), "{}", p.body);
        let p = b.act(&csrf, "/invoices/new", &[("customer_id", &customer), ("action", "add_subtotal")]).await;
        assert!(p.body.contains(r#"aria-label="Sous-total 1" value="Sous-total""#), "{}", p.body);

        let typed: Vec<(&str, &str)> = vec![
            ("customer_id", &customer),
            ("lines[0].kind", "item"),
            ("lines[0].description", "Rénovation salle de bain"),
            ("lines[0].quantity", "2"),
            ("lines[0].unit_price", "100"),
            ("lines[0].vat_rate", "5.5"),
            ("lines[0].vat_category", ""),
            ("lines[0].unit", "DAY"),
            ("lines[0].purchase_price", "60"),
            ("lines[1].kind", "comment"),
            ("lines[1].description", "Travaux réalisés en novembre"),
            ("lines[2].kind", "item"),
            ("lines[2].description", "Maintenance pour un client assujetti"),
            ("lines[2].quantity", "1"),
            ("lines[2].unit_price", "200"),
            ("lines[2].vat_rate", "0"),
            ("lines[2].vat_category", "AE"),
            ("lines[3].kind", "subtotal"),
            ("lines[3].description", "Sous-total travaux"),
            ("discount_amount", "10,00"),
            ("shipping.label", "Livraison"),
            ("shipping.amount", "15,50"),
            ("shipping.vat_rate", "20"),
            ("shipping.vat_category", ""),
            ("title", "Chantier Dupont"),
            ("customer_reference", "BC-2026-118"),
            ("issue_date", ""),
            ("delivery_date", "2026-12-15"),
            ("operation", "mixed"),
            ("contact", "Mme Durand"),
            ("salesperson", "Paul"),
            ("currency", ""),
            ("exchange_rate", ""),
            ("payment_terms", "45_days_end_of_month"),
            ("payment_mode", "bank_transfer"),
            ("schedule[0].percent", "30"),
            ("schedule[0].kind", "deposit"),
            ("schedule[0].condition", "on_order"),
            ("schedule[0].mode", "cheque"),
            ("schedule[0].title", "Acompte à la commande"),
            ("schedule[1].percent", "70"),
            ("schedule[1].kind", "payment"),
            ("schedule[1].condition", "30_days"),
            ("schedule[1].mode", ""),
            ("schedule[1].title", ""),
            ("schedule[2].percent", ""),
            ("schedule[2].condition", ""),
            ("schedule[2].title", ""),
            ("billing_address.line1", ""),
            ("billing_address.postal_code", ""),
            ("billing_address.city", ""),
            ("billing_address.country", ""),
            ("delivery_address.line1", "3 rue du Chantier"),
            ("delivery_address.line2", "Bâtiment B"),
            ("delivery_address.postal_code", "69003"),
            ("delivery_address.city", "Lyon"),
            ("delivery_address.country", "FR"),
            ("special_conditions", "Accès au chantier avant 8 h"),
            ("internal_note", "Client pressé"),
            ("note", "Merci de votre confiance"),
        ];
        // Live totals: 200 at 5.5 % and 200 reverse-charged, less 10 split 5 / 5, plus
        // 15.50 of shipping at 20 %: net 405.50, VAT 10.73 + 3.10, total 419.33.
        let p = b.act(&csrf, "/invoices/preview", &typed).await;
        assert_eq!(p.status, 200);
        for figure in ["400,00\u{a0}€", "10,00\u{a0}€", "15,50\u{a0}€", "405,50\u{a0}€", "10,73\u{a0}€", "3,10\u{a0}€"]
        {
            assert!(p.body.contains(figure), "{figure}: {}", p.body);
        }
        assert!(p.body.contains("419,33\u{a0}€") && p.body.contains("(AE) — Autoliquidation"), "{}", p.body);
        let mut save = typed.clone();
        save.push(("action", "save"));
        let p = b.act(&csrf, "/invoices/new", &save).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let id = id_of(&p.location);
        let v = app.get(&format!("/invoices/{id}")).await.body;
        let t = &v["totals"];
        assert_eq!(
            (t["net"].as_str(), t["vat_total"].as_str(), t["gross"].as_str()),
            (Some("405.50"), Some("13.83"), Some("419.33"))
        );
        let ae =
            t["vat"].as_array().unwrap().iter().find(|x| x["category"] == "AE").expect("a reverse-charge breakdown");
        assert_eq!(ae["exemption_reason_code"], "VATEX-EU-AE");
        let kinds: Vec<&str> =
            v["lines"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap_or("item")).collect();
        assert_eq!(kinds, ["item", "comment", "item", "subtotal"]);
        assert_eq!((v["lines"][0]["vat_rate"].as_str(), v["lines"][0]["unit"].as_str()), (Some("5.5"), Some("DAY")));
        assert_eq!(v["lines"][0]["purchase_price"], "60.00");
        assert_eq!(
            (v["lines"][2]["vat_rate"].as_str(), v["lines"][2]["vat_category"].as_str()),
            (Some("0"), Some("AE"))
        );
        assert_eq!(v["lines"][3]["description"], "Sous-total travaux");
        assert_eq!(
            (v["shipping"]["label"].as_str(), v["shipping"]["amount"].as_str()),
            (Some("Livraison"), Some("15.50"))
        );
        assert_eq!(v["discount_amount"], "10.00");
        for (k, want) in [
            ("title", "Chantier Dupont"),
            ("customer_reference", "BC-2026-118"),
            ("delivery_date", "2026-12-15"),
            ("operation", "mixed"),
            ("contact", "Mme Durand"),
            ("salesperson", "Paul"),
            ("payment_terms", "45_days_end_of_month"),
            ("payment_mode", "bank_transfer"),
            ("special_conditions", "Accès au chantier avant 8 h"),
            ("internal_note", "Client pressé"),
        ] {
            assert_eq!(v[k], want, "{k}");
        }
        assert_eq!(v["delivery_address"]["city"], "Lyon");
        assert_eq!(v["delivery_address"]["line2"], "Bâtiment B");
        assert_eq!(
            v["billing_address"]["city"],
            app.get(&format!("/customers/{customer}")).await.body["billing_address"]["city"],
            "the customer's"
        );
        let schedule = v["schedule"].as_array().unwrap();
        assert_eq!(schedule.len(), 2);
        assert_eq!((schedule[0]["kind"].as_str(), schedule[0]["mode"].as_str()), (Some("deposit"), Some("cheque")));
        assert_eq!((schedule[0]["amount"].as_str(), schedule[1]["amount"].as_str()), (Some("125.80"), Some("293.53")));

        // The document page shows the subtotal of the lines above it.
        let shown = b.get(&format!("/invoices/{id}")).await.body;
        assert!(
            shown.contains(
                r#"<tr class="subtotal"><th scope="row" colspan="6">Sous-total travaux</th><td class="num">400,00"#
            ),
            "{shown}"
        );
        // Re-opened: every value is shown, the reverse charge with its legal mention.
        let page = b.get(&format!("/invoices/{id}/edit")).await.body;
        let fields = form_fields(&page, "document-form");
        for (k, want) in [
            ("lines[0].vat_rate", "5.5"),
            ("lines[0].unit", "DAY"),
            ("lines[0].purchase_price", "60.00"),
            ("lines[1].kind", "comment"),
            ("lines[1].description", "Travaux réalisés en novembre"),
            ("lines[2].vat_rate", "0"),
            ("lines[2].vat_category", "AE"),
            ("lines[3].kind", "subtotal"),
            ("discount_amount", "10.00"),
            ("shipping.amount", "15.50"),
            ("shipping.vat_rate", "20"),
            ("shipping.label", "Livraison"),
            ("title", "Chantier Dupont"),
            ("delivery_date", "2026-12-15"),
            ("operation", "mixed"),
            ("payment_terms", "45 jours fin de mois"),
            ("payment_mode", "bank_transfer"),
            ("schedule[0].percent", "30"),
            ("schedule[0].kind", "deposit"),
            ("schedule[0].mode", "cheque"),
            ("schedule[1].condition", "à 30 jours"),
            ("schedule[2].percent", ""),
            ("delivery_address.line1", "3 rue du Chantier"),
            ("special_conditions", "Accès au chantier avant 8 h"),
            ("internal_note", "Client pressé"),
        ] {
            assert_eq!(field(&fields, k), want, "{k}");
        }
        assert!(page.contains(r#"id="line-2-exemption""#) && page.contains("Autoliquidation"), "the mention");
        assert!(page.contains(r#"aria-describedby="line-2-exemption""#), "tied to its category");
        assert!(page.contains("419,33\u{a0}€"));
        // Saved again from the form as shown, nothing changes: same lines, same figures.
        let mut again = fields.clone();
        again.push(("action".into(), "save".into()));
        let p = b.post_pairs(&format!("/invoices/{id}/edit"), &again).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let w = app.get(&format!("/invoices/{id}")).await.body;
        for k in ["lines", "totals", "shipping", "schedule", "delivery_address", "billing_address", "payment_terms"] {
            assert_eq!(w[k], v[k], "{k}");
        }
        // Emptied in the form, the shipping, the schedule and an address line go; the
        // reverse charge becomes 20 %.
        let mut edited: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| match k.as_str() {
                "shipping.amount" | "shipping.label" | "shipping.vat_rate" | "delivery_address.line2" => {
                    (k.clone(), String::new())
                }
                k2 if k2.starts_with("schedule[") => (k.clone(), String::new()),
                "lines[2].vat_category" => (k.clone(), String::new()),
                "lines[2].vat_rate" => (k.clone(), "20".into()),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        edited.push(("action".into(), "save".into()));
        let p = b.post_pairs(&format!("/invoices/{id}/edit"), &edited).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let w = app.get(&format!("/invoices/{id}")).await.body;
        assert!(w["shipping"].is_null() && w["schedule"].is_null(), "{w}");
        assert!(w["delivery_address"]["line2"].is_null() && w["delivery_address"]["city"] == "Lyon", "{w}");
        assert_eq!(
            (w["lines"][2]["vat_category"].as_str(), w["totals"]["gross"].as_str()),
            (Some("S"), Some("439.73"))
        );
    })
    .await;
}

#[tokio::test]
async fn an_order_takes_a_deposit_invoice_by_amount_and_a_wrong_amount_is_kept_with_its_error() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let order = draft(&app, "orders", &customer, &[line("Cuisine", "1", "1000", "20")]).await;
        app.post(&format!("/orders/{order}/issue"), json!({})).await.assert_status(200);
        let (mut b, csrf) = admin(&app).await;
        let page = b.get(&format!("/orders/{order}")).await.body;
        assert!(page.contains(r#"<label for="deposit-amount">"#), "an amount offered next to the percent");
        let path = format!("/orders/{order}/deposit-invoice");
        let bad = b.act(&csrf, &path, &[("percent", ""), ("amount", "-50")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"aria-describedby="amount-error""#) && bad.body.contains(r#"id="amount-error""#));
        assert!(bad.body.contains(r#"id="deposit-amount" name="amount" inputmode="decimal" size="10" value="-50""#));
        let both = b.act(&csrf, &path, &[("percent", "30"), ("amount", "100")]).await;
        assert_eq!(both.status, 422);
        assert!(both.body.contains(r#"id="percent-error""#) && both.body.contains(r#"value="100""#));
        assert_eq!(app.get("/deposit-invoices").await.body["data"].as_array().unwrap().len(), 0, "nothing stored");
        // 360 including VAT out of the order's 1 200: a draft deposit invoice of exactly that.
        let p = b.act(&csrf, &path, &[("percent", ""), ("amount", "360,00")]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert!(p.location.starts_with("/deposit-invoices/"), "{}", p.location);
        let deposit = app.get(&format!("/deposit-invoices/{}", id_of(&p.location))).await.body;
        assert_eq!(
            (deposit["totals"]["gross"].as_str(), deposit["totals"]["net"].as_str()),
            (Some("360.00"), Some("300.00"))
        );
    })
    .await;
}

#[tokio::test]
async fn bad_input_in_every_new_editor_field_is_kept_with_its_error_next_to_it_and_nothing_is_stored() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (mut b, csrf) = admin(&app).await;
        let form = [
            ("customer_id", customer.as_str()),
            ("lines[0].description", "Pose"),
            ("lines[0].quantity", "1"),
            ("lines[0].unit_price", "100"),
            ("lines[0].vat_rate", "abc"),
            ("lines[0].unit", "ZZZ"),
            ("lines[0].purchase_price", "-3"),
            ("lines[1].description", "Conseil"),
            ("lines[1].quantity", "1"),
            ("lines[1].unit_price", "100"),
            ("lines[1].vat_rate", "20"),
            ("lines[1].vat_category", "AE"),
            ("lines[2].description", "Export"),
            ("lines[2].quantity", "1"),
            ("lines[2].unit_price", "100"),
            ("lines[2].vat_rate", "0"),
            ("lines[2].vat_category", "XX"),
            ("discount_amount", "dix"),
            ("shipping.amount", "douze"),
            ("shipping.vat_rate", "20"),
            ("currency", "EURO"),
            ("exchange_rate", "1,1"),
            ("payment_terms", "un jour"),
            ("payment_mode", "pigeon"),
            ("operation", "troc"),
            ("issue_date", "demain"),
            ("delivery_date", "2026-13-45"),
            ("delivery_address.line1", "1 rue Haute"),
            ("delivery_address.postal_code", "750"),
            ("delivery_address.city", "Paris"),
            ("delivery_address.country", "FR"),
            ("schedule[0].percent", "150"),
            ("schedule[0].condition", "jamais"),
            ("action", "save"),
        ];
        let p = b.act(&csrf, "/quotes/new", &form).await;
        assert_eq!(p.status, 422);
        for id in [
            "line-0-vat_rate",
            "line-0-unit",
            "line-0-purchase_price",
            "line-1-vat_rate",
            "line-2-vat_category",
            "discount_amount",
            "shipping.amount",
            "currency",
            "exchange_rate",
            "payment_terms",
            "payment_mode",
            "operation",
            "issue_date",
            "delivery_date",
            "delivery_address.postal_code",
            "schedule-0-percent",
            "schedule-0-condition",
        ] {
            assert!(p.body.contains(&format!(r#"id="{id}-error""#)), "{id}: {}", p.body);
            assert!(p.body.contains(&format!(r#"aria-describedby="{id}-error"#)), "{id}: the input names its error");
        }
        // Everything as typed, the section open on its errors.
        let fields = form_fields(&p.body, "document-form");
        for (k, v) in form.iter().filter(|(k, _)| *k != "action") {
            assert_eq!(field(&fields, k), *v, "{k} kept as typed");
        }
        assert!(p.body.contains(r#"<details id="more" open>"#));
        // The live preview says it cannot compute rather than showing wrong totals.
        assert!(b.act(&csrf, "/quotes/preview", &form).await.body.contains(r#"id="totals-pending""#));
        assert_eq!(app.get("/quotes").await.body["data"].as_array().unwrap().len(), 0, "nothing stored");
    })
    .await;
}

#[tokio::test]
async fn the_editor_finds_any_customer_by_search_even_past_the_newest_hundred() {
    each_db(|app| async move {
        let oldest = app.customer_named("Quincaillerie Zéphyr").await;
        for n in 0..105 {
            app.customer_named(&format!("Client {n:03}")).await;
        }
        let (mut b, csrf) = admin(&app).await;
        let blank = b.get("/invoices/new").await;
        assert_eq!(blank.status, 200);
        assert!(!blank.body.contains(&oldest), "only the newest hundred are offered before a search");
        assert!(blank.body.contains(r#"id="customer_q""#));

        // As you type (htmx): the select is replaced by the matches, the chosen one kept.
        let chosen = blank.body.split(r#"<option value=""#).nth(2).unwrap().split('"').next().unwrap().to_string();
        let typed = b.get(&format!("/documents/customers?customer_q=zephyr&customer_id={chosen}")).await;
        assert_eq!(typed.status, 200);
        assert!(typed.body.starts_with(r#"<select id="customer_id""#), "{}", typed.body);
        assert!(typed.body.contains(&oldest) && typed.body.contains("Quincaillerie Zéphyr"), "{}", typed.body);
        assert!(typed.body.contains(&format!(r#"<option value="{chosen}" selected>"#)), "{}", typed.body);
        assert!(!typed.body.contains("Client 050"), "only matches besides the chosen one");
        let none = b.get("/documents/customers?customer_q=introuvable").await;
        assert!(none.body.contains("Aucun client ne correspond"), "{}", none.body);

        // Without JavaScript: the "Find" button shows the form again with the matches,
        // keeping what was typed; then the draft is saved for the customer found.
        let form = [
            ("customer_q", "Zéphyr"),
            ("customer_id", ""),
            ("lines[0].description", "Pose"),
            ("action", "find_customer"),
        ];
        let found = b.act(&csrf, "/invoices/new", &form).await;
        assert_eq!(found.status, 200);
        assert!(found.body.contains(&format!(r#"<option value="{oldest}""#)), "{}", found.body);
        assert!(found.body.contains(r#"value="Pose""#), "the line typed is kept");
        let nothing =
            b.act(&csrf, "/invoices/new", &[("customer_q", "introuvable"), ("action", "find_customer")]).await;
        assert!(nothing.body.contains(r#"id="document-form""#), "the form stays when nothing matches");
        let saved = b
            .act(
                &csrf,
                "/invoices/new",
                &[
                    ("customer_id", oldest.as_str()),
                    ("lines[0].description", "Pose"),
                    ("lines[0].quantity", "1"),
                    ("lines[0].unit_price", "100"),
                    ("lines[0].vat_rate", "20"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let id = id_of(&saved.location);
        assert_eq!(app.get(&format!("/invoices/{id}")).await.body["customer_id"], oldest.as_str());
    })
    .await;
}

#[tokio::test]
async fn every_tax_of_a_line_is_edited_in_the_editor_added_and_removed() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let (mut b, csrf) = admin(&app).await;
        let taxes = json!([
            {"label": "Éco-participation", "amount_per_unit": "2"},
            {"label": "Taxe DEEE", "percent": "1"}
        ]);
        let mut l = line("Réfrigérateur", "2", "500", "20");
        l["other_taxes"] = taxes;
        let id = draft(&app, "invoices", &customer, &[l]).await;
        let shown = app.get(&format!("/invoices/{id}")).await.body;
        let line_id = shown["lines"][0]["id"].as_str().unwrap().to_string();
        let gross_before = shown["totals"]["gross"].as_str().unwrap().to_string();

        // The form shows both taxes and an empty row for a third, the section open.
        let form = b.get(&format!("/invoices/{id}/edit")).await;
        for needle in [
            r#"id="line-0-tax-0-label" size="16" value="Éco-participation""#,
            r#"id="line-0-tax-0-amount" inputmode="decimal" size="8" value="2.00""#,
            r#"id="line-0-tax-1-label" size="16" value="Taxe DEEE""#,
            r#"id="line-0-tax-1-percent" inputmode="decimal" size="4" value="1""#,
            r#"id="line-0-tax-2-label" size="16" value="""#,
            r#"<legend>Autre taxe 2 (ligne 1)</legend>"#,
            r#"<details class="line-more" open>"#,
        ] {
            assert!(form.body.contains(needle), "{needle} not in {}", form.body);
        }
        assert!(!form.body.contains(r#"id="line-0-tax-3-label""#), "one empty row, not more");

        // The edit form as submitted, with the taxes typed as (label, amount, percent) rows.
        let typed = |taxes: &[(&str, &str, &str)]| {
            let mut f: Vec<(String, String)> = [
                ("customer_id", customer.as_str()),
                ("lines[0].id", line_id.as_str()),
                ("lines[0].kind", "item"),
                ("lines[0].description", "Réfrigérateur"),
                ("lines[0].quantity", "2"),
                ("lines[0].unit_price", "500"),
                ("lines[0].vat_rate", "20"),
                ("action", "save"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            for (j, (label, amount, percent)) in taxes.iter().enumerate() {
                for (field, v) in [("label", label), ("amount", amount), ("percent", percent)] {
                    f.push((format!("lines[0].taxes[{j}].{field}"), v.to_string()));
                }
            }
            f
        };
        fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
            f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
        }
        let edit = format!("/invoices/{id}/edit");
        let labels = |v: &Value| -> Vec<String> {
            v["lines"][0]["other_taxes"]
                .as_array()
                .map(|a| a.iter().map(|t| t["label"].as_str().unwrap().to_string()).collect())
                .unwrap_or_default()
        };

        // The second tax with both an amount and a percent: refused next to its own fields,
        // what was typed kept, nothing stored.
        let p = b
            .act(
                &csrf,
                &edit,
                &pairs(&typed(&[("Éco-participation", "2", ""), ("Taxe DEEE", "0,30", "1"), ("", "", "")])),
            )
            .await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains(r#"id="line-0-tax-1-error""#), "{}", p.body);
        assert!(!p.body.contains(r#"id="line-0-tax-0-error""#), "the first tax is fine");
        assert!(p.body.contains(r#"value="0,30""#));
        assert_eq!(labels(&app.get(&format!("/invoices/{id}")).await.body), ["Éco-participation", "Taxe DEEE"]);

        // Both edited and a third added in the empty row: all three stored, in order.
        let p = b
            .act(
                &csrf,
                &edit,
                &pairs(&typed(&[("Éco-participation", "3,50", ""), ("Taxe DEEE", "", "2"), ("Taxe bois", "0.10", "")])),
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let v = app.get(&format!("/invoices/{id}")).await.body;
        let taxes = v["lines"][0]["other_taxes"].as_array().unwrap();
        assert_eq!(labels(&v), ["Éco-participation", "Taxe DEEE", "Taxe bois"]);
        assert_eq!(taxes[0]["amount_per_unit"], "3.50");
        assert_eq!(taxes[1]["percent"], "2");
        assert_eq!(taxes[2]["amount_per_unit"], "0.10");
        assert_ne!(v["totals"]["gross"].as_str().unwrap(), gross_before, "the new amounts are in the totals");
        // 2 × 500 net, + 2 × 3.50, + 2 % of 1 000, + 2 × 0.10 = 1 027.20 before VAT.
        assert_eq!(v["totals"]["net"], "1027.20", "{}", v["totals"]);

        // The first emptied: it goes, the others close up and stay.
        let p = b
            .act(&csrf, &edit, &pairs(&typed(&[("", "", ""), ("Taxe DEEE", "", "2"), ("Taxe bois", "0.10", "")])))
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(labels(&app.get(&format!("/invoices/{id}")).await.body), ["Taxe DEEE", "Taxe bois"]);

        // All emptied: the line has no other tax left.
        assert_eq!(b.act(&csrf, &edit, &pairs(&typed(&[("", "", ""), ("", "", "")]))).await.status, 303);
        assert!(labels(&app.get(&format!("/invoices/{id}")).await.body).is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_company_s_exemption_mention_is_set_in_the_settings_and_shown_in_the_editor() {
    each_db(|app| async move {
        let (mut b, csrf) = admin(&app).await;
        let training = "Exonération de TVA, article 261-4-4° a du CGI";

        // Empty inputs show the default they leave in place.
        let page = b.get("/settings/terms").await;
        assert!(
            page.body.contains(
                r#"id="documents.vat_exemptions.E.text" name="documents.vat_exemptions.E.text" type="text" value="" placeholder="TVA non applicable, art. 293 B du CGI""#
            ),
            "{}",
            page.body
        );

        // A code of another category: refused next to the code, what was typed kept.
        let typed = |code: &'static str| {
            vec![
                ("documents.vat_exemptions.E.text", training),
                ("documents.vat_exemptions.E.code", code),
                ("documents.vat_exemptions.AE.text", ""),
                ("documents.vat_exemptions.K.text", "Livraison intracommunautaire exonérée, art. 262 ter I du CGI"),
            ]
        };
        let bad = b.act(&csrf, "/settings/terms", &typed("VATEX-EU-IC")).await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains(r#"id="documents.vat_exemptions.E.code-error""#), "{}", bad.body);
        assert!(bad.body.contains(&format!(r#"value="{training}""#)));
        assert!(app.get("/settings").await.body["documents"].get("vat_exemptions").is_none(), "nothing stored");

        let ok = b.act(&csrf, "/settings/terms", &typed("VATEX-FR-CGI261-4")).await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let s = app.get("/settings").await.body;
        let stored: Vec<(&str, Option<&str>)> = s["documents"]["vat_exemptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["category"].as_str().unwrap(), m["code"].as_str()))
            .collect();
        assert_eq!(stored, [("E", Some("VATEX-FR-CGI261-4")), ("K", None)], "an empty input adds nothing");
        let page = b.get("/settings/terms").await;
        assert!(page.body.contains(r#"value="VATEX-FR-CGI261-4""#));

        // A new course invoice: the editor shows the company's mention under the line and in the totals.
        let customer = app.customer().await;
        let mut l = line("Formation tableur", "2", "450", "0");
        l["vat_category"] = json!("E");
        let id = draft(&app, "invoices", &customer, &[l]).await;
        let form = b.get(&format!("/invoices/{id}/edit")).await;
        assert!(
            form.body.contains(&format!(r#"<p class="hint" id="line-0-exemption">Mention portée sur le document : {training}</p>"#)),
            "{}",
            form.body
        );
        assert!(
            form.body.contains(&format!(
                r#"id="vat_exemptions.E.text" name="vat_exemptions.E.text" placeholder="TVA non applicable, art. 293 B du CGI" value="{training}""#
            )),
            "the draft's own mention, copied from the settings, is in its input: {}",
            form.body
        );
        assert!(!form.body.contains("Mention portée sur le document : TVA non applicable"), "not the franchise's");
        let preview = b
            .act(
                &csrf,
                "/invoices/preview",
                &[
                    ("draft_id", id.as_str()),
                    ("customer_id", customer.as_str()),
                    ("lines[0].description", "Formation tableur"),
                    ("lines[0].quantity", "3"),
                    ("lines[0].unit_price", "450"),
                    ("lines[0].vat_rate", "0"),
                    ("lines[0].vat_category", "E"),
                ],
            )
            .await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(preview.body.contains(training), "the live totals name it: {}", preview.body);
    })
    .await;
}

/// Form pairs with owned values, as `Browser::act` takes them.
fn refs<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_document_s_own_exemption_mention_is_edited_in_the_editor() {
    each_db(|app| async move {
        let (mut b, csrf) = admin(&app).await;
        let training = "Exonération de TVA, article 261-4-4° a du CGI";
        let intra = "Livraison intracommunautaire exonérée, art. 262 ter I du CGI";
        app.patch("/settings", json!({"documents": {"vat_exemptions": [{"category": "K", "text": intra}]}}))
            .await
            .assert_status(200);
        let customer = app.customer().await;
        let mut l = line("Formation tableur", "2", "450", "0");
        l["vat_category"] = json!("E");
        let id = draft(&app, "invoices", &customer, &[l]).await;

        // Only the exempt categories the document uses have inputs, the default as placeholder.
        let form = b.get(&format!("/invoices/{id}/edit")).await;
        assert!(
            form.body.contains(
                r#"id="vat_exemptions.E.text" name="vat_exemptions.E.text" placeholder="TVA non applicable, art. 293 B du CGI" value="""#
            ),
            "{}",
            form.body
        );
        assert!(form.body.contains(r#"name="vat_exemptions.E.code" placeholder="VATEX-FR-FRANCHISE""#));
        assert!(!form.body.contains("vat_exemptions.K.text") && !form.body.contains("vat_exemptions.AE.text"));

        let edit = |text: &'static str, code: &'static str| {
            vec![
                ("customer_id", customer.clone()),
                ("lines[0].description", "Formation tableur".into()),
                ("lines[0].quantity", "2".into()),
                ("lines[0].unit_price", "450".into()),
                ("lines[0].vat_rate", "0".into()),
                ("lines[0].vat_category", "E".into()),
                ("vat_exemptions.E.text", text.into()),
                ("vat_exemptions.E.code", code.into()),
            ]
        };
        let path = format!("/invoices/{id}/edit");
        let mentions = |v: &Value| -> Vec<(String, Option<String>, String)> {
            v["vat_exemptions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["category"].as_str().unwrap().to_string(),
                        m["code"].as_str().map(String::from),
                        m["text"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        };
        let copied = vec![("K".to_string(), None, intra.to_string())];
        assert_eq!(mentions(&app.get(&format!("/invoices/{id}")).await.body), copied, "the company's, copied");

        // A code of another category: refused next to the code, what was typed kept, nothing stored.
        let bad = b.act(&csrf, &path, &refs(&edit(training, "VATEX-EU-IC"))).await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains(r#"id="vat_exemptions.E.code-error""#), "{}", bad.body);
        assert!(bad.body.contains(&format!(r#"value="{training}""#)));
        assert_eq!(mentions(&app.get(&format!("/invoices/{id}")).await.body), copied, "nothing stored");

        // The live totals name what is typed, before it is saved.
        let good = edit(training, "VATEX-FR-CGI261-4");
        let mut with_id = refs(&good);
        with_id.push(("draft_id", id.as_str()));
        let preview = b.act(&csrf, "/invoices/preview", &with_id).await;
        assert!(preview.body.contains(training), "{}", preview.body);

        // Saved: the document's own, beside the company's mention it did not show; the
        // company's settings are not touched.
        let ok = b.act(&csrf, &path, &refs(&good)).await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let v = app.get(&format!("/invoices/{id}")).await.body;
        assert_eq!(
            mentions(&v),
            [
                ("E".to_string(), Some("VATEX-FR-CGI261-4".to_string()), training.to_string()),
                ("K".to_string(), None, intra.to_string())
            ]
        );
        let e = v["totals"]["vat"].as_array().unwrap().iter().find(|x| x["category"] == "E").unwrap().clone();
        assert_eq!((e["exemption_reason"].as_str(), e["exemption_reason_code"].as_str()), (Some(training), Some("VATEX-FR-CGI261-4")));
        let settings = app.get("/settings").await.body;
        assert_eq!(settings["documents"]["vat_exemptions"].as_array().map(Vec::len), Some(1), "only K");
        let form = b.get(&path).await;
        assert!(form.body.contains(&format!(r#"<p class="hint" id="line-0-exemption">Mention portée sur le document : {training}</p>"#)));
        assert!(form.body.contains(r#"value="VATEX-FR-CGI261-4""#));

        // Emptied: the category's default again.
        assert_eq!(b.act(&csrf, &path, &refs(&edit("", ""))).await.status, 303);
        let v = app.get(&format!("/invoices/{id}")).await.body;
        assert_eq!(mentions(&v), copied);
        let e = v["totals"]["vat"].as_array().unwrap().iter().find(|x| x["category"] == "E").unwrap().clone();
        assert_eq!(e["exemption_reason"], "TVA non applicable, art. 293 B du CGI");

        // A new draft: the mention typed with the company's kept for the category not shown.
        let new = edit(training, "");
        let mut save = refs(&new);
        save.push(("action", "save"));
        let created = b.act(&csrf, "/invoices/new", &save).await;
        assert_eq!(created.status, 303, "{}", created.body);
        let v = app.get(&format!("/invoices/{}", id_of(&created.location))).await.body;
        assert_eq!(
            mentions(&v),
            [("E".to_string(), None, training.to_string()), ("K".to_string(), None, intra.to_string())]
        );
    })
    .await;
}

#[tokio::test]
async fn the_monthly_run_has_its_page_and_makes_the_drafts_once() {
    each_db(|app| async move {
        let customer = app.customer().await;
        for date in ["2026-10-20", "2026-11-05", "2026-11-12"] {
            let body =
                json!({"customer_id": customer, "issue_date": date, "lines": [line("Livraison", "1", "100", "20")]});
            let note = app.post("/delivery-notes", body).await.assert_status(201)["id"].as_str().unwrap().to_string();
            app.post(&format!("/delivery-notes/{note}/issue"), json!({})).await.assert_status(200);
        }
        let (mut b, csrf) = admin(&app).await;
        let list = b.get("/delivery-notes").await.body;
        assert!(list.contains(r#"href="/delivery-notes/invoicing""#), "the run is offered from the list");
        let page = b.get("/delivery-notes/invoicing").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Facturer les livraisons du mois"), "{}", page.body);

        // Bad input: said beside the field, nothing made.
        let bad = b.act(&csrf, "/delivery-notes/invoicing", &[("month", "2026-13")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"id="month-error""#) && bad.body.contains("doit être un mois"), "{}", bad.body);
        assert!(bad.body.contains(r#"value="2026-13""#), "what was typed is kept");
        let drafts = || async { app.get("/invoices?status=draft").await.body["data"].as_array().unwrap().len() };
        assert_eq!(drafts().await, 0);

        // November: both notes on one draft (the customer's default grouping), listed with a link.
        let run = b.act(&csrf, "/delivery-notes/invoicing", &[("month", "2026-11")]).await;
        assert_eq!(run.status, 200);
        assert!(run.body.contains("1 facture(s) brouillon créée(s) pour 2 bon(s) de livraison"), "{}", run.body);
        let created = app.get("/invoices?status=draft").await.body["data"][0]["id"].as_str().unwrap().to_string();
        assert!(run.body.contains(&format!(r#"href="/invoices/{created}""#)));
        assert_eq!(app.get(&format!("/invoices/{created}")).await.body["totals"]["net"], "200.00");
        // Again: nothing twice.
        let again = b.act(&csrf, "/delivery-notes/invoicing", &[("month", "2026-11")]).await;
        assert!(again.body.contains("Aucun bon de livraison à facturer"), "{}", again.body);
        assert_eq!(drafts().await, 1);

        // A read-only user is refused the run.
        let (mut r, rcsrf) = reader(&app).await;
        assert_eq!(r.get("/delivery-notes/invoicing").await.status, 403);
        assert_eq!(r.act(&rcsrf, "/delivery-notes/invoicing", &[("month", "2026-10")]).await.status, 403);
        assert_eq!(drafts().await, 1);
    })
    .await;
}
