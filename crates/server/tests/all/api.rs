//! The API contract of API.md, driven over HTTP on SQLite and PostgreSQL.

use crate::common;

use common::{customer_body, each_db, line};
use serde_json::json;

#[tokio::test]
async fn a_customer_is_created_found_and_patched() {
    each_db(|app| async move {
        let r = app.post("/customers", customer_body("Électricité Générale Dupont")).await;
        let c = r.assert_status(201).clone();
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["legal"]["siren"], "732829320");
        assert_eq!(c["contacts"][0]["name"], "Sophie Martin");

        // Search ignores case and accents, and looks into cities and contacts.
        for q in ["electricite", "GÉNÉRALE dupont", "lyon", "sophie"] {
            let found = app.get(&format!("/customers?q={}", urlencode(q))).await;
            let ids: Vec<_> =
                found.assert_status(200)["data"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect();
            assert_eq!(ids, vec![json!(id)], "search {q:?}");
        }
        let none = app.get("/customers?q=marseille").await;
        assert!(none.assert_status(200)["data"].as_array().unwrap().is_empty());
        let by_activity = app.get("/customers?activity=boulangerie").await;
        assert_eq!(by_activity.assert_status(200)["data"].as_array().unwrap().len(), 1);

        let p = app
            .patch(
                &format!("/customers/{id}"),
                json!({"activity": "Électricien", "payment_terms": "45_days_end_of_month"}),
            )
            .await;
        let p = p.assert_status(200);
        assert_eq!(p["activity"], "Électricien");
        assert_eq!(p["payment_terms"], "45_days_end_of_month");
        assert_eq!(p["name"], "Électricité Générale Dupont", "untouched fields stay");
        let g = app.get(&format!("/customers/{id}")).await;
        assert_eq!(g.assert_status(200)["activity"], "Électricien");
    })
    .await;
}

/// The ids a directory search returns, newest first.
async fn search(app: &common::TestApp, q: &str) -> Vec<String> {
    let r = app.get(&format!("/customers?q={}", urlencode(q))).await;
    r.assert_status(200)["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_directory_search_follows_every_edit_and_matches_inside_words() {
    each_db(|app| async move {
        let dupont = app.post("/customers", customer_body("Plomberie Dupont")).await.assert_status(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut other = customer_body("Garage Lefèvre");
        other["billing_address"]["city"] = json!("Saint-Étienne");
        let lefevre = app.post("/customers", other).await.assert_status(201)["id"].as_str().unwrap().to_string();

        // Inside words, across fields, with words too short for a trigram index.
        assert_eq!(search(&app, "ombe").await, vec![dupont.clone()]);
        assert_eq!(search(&app, "lefevre etienne").await, vec![lefevre.clone()]);
        assert_eq!(search(&app, "ga et").await, vec![lefevre.clone()]);
        assert_eq!(search(&app, "lyon").await, vec![dupont.clone()]);
        assert_eq!(search(&app, "sophie").await, vec![lefevre.clone(), dupont.clone()], "newest first");
        assert!(search(&app, "dupont lefevre").await.is_empty(), "every word must match");
        assert!(search(&app, "\"dupont\"").await.is_empty(), "quotes are text, not query syntax");

        // A renamed customer is found under its new name only.
        app.patch(&format!("/customers/{dupont}"), json!({"name": "Chauffage Moreau"})).await.assert_status(200);
        assert!(search(&app, "plomberie").await.is_empty());
        assert_eq!(search(&app, "moreau").await, vec![dupont.clone()]);
    })
    .await;
}

#[tokio::test]
async fn lists_paginate_with_a_cursor_without_gaps_or_repeats() {
    each_db(|app| async move {
        let mut created = Vec::new();
        for i in 0..7 {
            created.push(app.customer_named(&format!("Client {i}")).await);
        }
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let r = app.get(&format!("/customers?limit=3{after}")).await;
            let body = r.assert_status(200).clone();
            seen.extend(body["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()));
            match body["next_cursor"].as_str() {
                Some(c) => after = format!("&after={c}"),
                None => break,
            }
        }
        created.reverse();
        assert_eq!(seen, created, "newest first, each once");
    })
    .await;
}

#[tokio::test]
async fn products_are_created_searched_and_keep_stock() {
    each_db(|app| async move {
        let r = app
            .post(
                "/products",
                json!({"reference": "LUM-01", "name": "Suspension laiton", "unit_price": "289.000000", "vat_rate": "20", "unit": "C62", "purchase_price": "142.50", "stock": "24"}),
            )
            .await;
        let p = r.assert_status(201).clone();
        assert_eq!(p["unit_price"], "289.00");
        assert_eq!(p["margin"], "146.50");
        let id = p["id"].as_str().unwrap();
        let g = app.get(&format!("/products/{id}")).await;
        assert_eq!(g.assert_status(200)["stock"], "24");
        let untracked = app.post("/products", json!({"reference": "POSE", "name": "Pose", "unit_price": "58", "vat_rate": "10", "unit": "HUR"})).await;
        assert!(untracked.assert_status(201)["stock"].is_null());
        let dup = app.post("/products", json!({"reference": "LUM-01", "name": "Autre", "unit_price": "1", "vat_rate": "20"})).await;
        assert_eq!(dup.assert_status(422)["errors"][0]["field"], "reference");
        let s = app.get("/products?q=laiton").await;
        assert_eq!(s.assert_status(200)["data"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_invoice_goes_from_draft_to_paid() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app
            .draft_invoice(&customer, &[line("Pose", "2", "180.50", "10"), line("Fournitures", "3", "33.333", "20")])
            .await;
        assert_eq!(inv["status"], "draft");
        assert!(inv["number"].is_null());
        // 361.00 at 10 % and 100.00 (99.999 rounded) at 20 %.
        let t = &inv["totals"];
        assert_eq!(t["net"], "461.00");
        assert_eq!(
            t["vat"],
            json!([
                {"category": "S", "rate": "10", "base": "361.00", "amount": "36.10"},
                {"category": "S", "rate": "20", "base": "100.00", "amount": "20.00"}
            ])
        );
        assert_eq!(t["vat_total"], "56.10");
        assert_eq!(t["gross"], "517.10");
        assert_eq!(t["due"], "517.10");

        let id = inv["id"].as_str().unwrap();
        let issued = app.post(&format!("/invoices/{id}/issue"), json!({})).await;
        let issued = issued.assert_status(200).clone();
        assert_eq!(issued["status"], "issued");
        let year = time::OffsetDateTime::now_utc().year();
        assert_eq!(issued["number"], format!("F{year}-00001"));
        assert_eq!(issued["seal"].as_str().unwrap().len(), 64);
        assert!(issued["due_date"].is_string());

        let p = app
            .post(
                &format!("/invoices/{id}/payments"),
                json!({"amount": "200.00", "date": "2026-01-15", "method": "bank_transfer"}),
            )
            .await;
        let p = p.assert_status(200);
        assert_eq!(p["status"], "partially_paid");
        assert_eq!(p["totals"]["paid"], "200.00");
        assert_eq!(p["totals"]["due"], "317.10");
        let p = app
            .post(
                &format!("/invoices/{id}/payments"),
                json!({"amount": "317.10", "date": "2026-01-20", "method": "cheque"}),
            )
            .await;
        let p = p.assert_status(200);
        assert_eq!(p["status"], "paid");
        assert_eq!(p["totals"]["due"], "0.00");
        assert_eq!(p["payments"].as_array().unwrap().len(), 2);

        // A paid invoice takes no more payment.
        app.post(&format!("/invoices/{id}/payments"), json!({"amount": "1", "date": "2026-01-21", "method": "cash"}))
            .await
            .assert_status(409);
    })
    .await;
}

#[tokio::test]
async fn an_overpayment_is_kept_as_customer_credit() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Service", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        let p = app
            .post(
                &format!("/invoices/{id}/payments"),
                json!({"amount": "150.00", "date": "2026-02-01", "method": "bank_transfer", "excess": "credit"}),
            )
            .await;
        let p = p.assert_status(200);
        assert_eq!(p["status"], "paid");
        assert_eq!(p["totals"]["paid"], "120.00");
        assert_eq!(p["payments"][0]["amount"], "150.00");
        assert_eq!(p["payments"][0]["applied"], "120.00");
        let c = app.get(&format!("/customers/{customer}")).await;
        assert_eq!(c.assert_status(200)["credit"], json!([{"currency": "EUR", "amount": "30.00"}]));
    })
    .await;
}

#[tokio::test]
async fn issued_invoices_refuse_edits_and_deletion() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "2", "180.50", "10")]).await;
        let id = inv["id"].as_str().unwrap();
        app.patch(&format!("/invoices/{id}"), json!({"lines": []})).await.assert_status(409);
        app.delete(&format!("/invoices/{id}")).await.assert_status(409);
        app.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(409);
        let after = app.get(&format!("/invoices/{id}")).await;
        let after = after.assert_status(200);
        assert_eq!(after["lines"], inv["lines"]);
        assert_eq!(after["number"], inv["number"]);
    })
    .await;
}

#[tokio::test]
async fn drafts_can_be_edited_and_deleted() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        let p = app
            .patch(
                &format!("/invoices/{id}"),
                json!({"lines": [line("Pose", "3", "100", "20")], "discount_percent": "10"}),
            )
            .await;
        let p = p.assert_status(200);
        assert_eq!(p["totals"]["lines_net"], "300.00");
        assert_eq!(p["totals"]["discount"], "30.00");
        assert_eq!(p["totals"]["gross"], "324.00");
        app.delete(&format!("/invoices/{id}")).await.assert_status(204);
        app.get(&format!("/invoices/{id}")).await.assert_status(404);
    })
    .await;
}

#[tokio::test]
async fn lines_can_take_their_defaults_from_a_product() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let p = app.post("/products", json!({"reference": "POSE-H", "name": "Main-d'œuvre", "unit_price": "58", "vat_rate": "10", "unit": "HUR"})).await;
        let pid = p.assert_status(201)["id"].as_str().unwrap().to_string();
        let inv = app.post("/invoices", json!({"customer_id": customer, "lines": [{"product_id": pid, "quantity": "3.5"}]})).await;
        let inv = inv.assert_status(201);
        assert_eq!(inv["lines"][0]["description"], "Main-d'œuvre");
        assert_eq!(inv["lines"][0]["unit"], "HUR");
        assert_eq!(inv["totals"]["net"], "203.00");
        assert_eq!(inv["totals"]["vat_total"], "20.30");
    })
    .await;
}

#[tokio::test]
async fn due_dates_follow_the_customers_payment_terms() {
    each_db(|app| async move {
        let mut body = customer_body("Hôtel du Parc");
        body["payment_terms"] = json!("45_days_end_of_month");
        let c = app.post("/customers", body).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let inv = app
            .post(
                "/invoices",
                json!({"customer_id": c, "issue_date": "2026-01-15", "lines": [line("x", "1", "10", "20")]}),
            )
            .await;
        let id = inv.assert_status(201)["id"].as_str().unwrap().to_string();
        let issued = app.post(&format!("/invoices/{id}/issue"), json!({})).await;
        let issued = issued.assert_status(200);
        assert_eq!(issued["issue_date"], "2026-01-15");
        assert_eq!(issued["payment_terms"], "45_days_end_of_month");
        assert_eq!(issued["due_date"], "2026-03-31");
    })
    .await;
}

#[tokio::test]
async fn numbers_follow_dates_and_never_go_back() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let a = app
            .post(
                "/invoices",
                json!({"customer_id": customer, "issue_date": "2026-03-10", "lines": [line("x", "1", "10", "20")]}),
            )
            .await;
        let a = a.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/invoices/{a}/issue"), json!({})).await.assert_status(200);
        let b = app
            .post(
                "/invoices",
                json!({"customer_id": customer, "issue_date": "2026-03-01", "lines": [line("x", "1", "10", "20")]}),
            )
            .await;
        let b = b.assert_status(201)["id"].as_str().unwrap().to_string();
        let r = app.post(&format!("/invoices/{b}/issue"), json!({})).await;
        assert!(r.assert_status(409)["detail"].as_str().unwrap().contains("before"));
        // The refused issue burnt no number: the next one is 00002.
        app.patch(&format!("/invoices/{b}"), json!({"issue_date": "2026-03-12"})).await.assert_status(200);
        let ok = app.post(&format!("/invoices/{b}/issue"), json!({})).await;
        assert_eq!(ok.assert_status(200)["number"], "F2026-00002");
    })
    .await;
}

#[tokio::test]
async fn a_credit_note_offsets_its_invoice() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv =
            app.issued_invoice(&customer, &[line("Pose", "2", "100", "20"), line("Câble", "10", "1.5", "20")]).await;
        let id = inv["id"].as_str().unwrap();

        // A partial credit note for one line.
        let cn = app
            .post(&format!("/invoices/{id}/credit-note"), json!({"lines": [line("Câble retourné", "10", "1.5", "20")]}))
            .await;
        let cn = cn.assert_status(201).clone();
        assert_eq!(cn["kind"], "credit_note");
        assert_eq!(cn["status"], "draft");
        assert_eq!(cn["totals"]["gross"], "18.00");
        assert_eq!(cn["links"], json!([{"kind": "invoice", "id": id, "number": inv["number"], "relation": "parent"}]));
        let cn_id = cn["id"].as_str().unwrap();
        let issued = app.post(&format!("/credit-notes/{cn_id}/issue"), json!({})).await;
        let issued = issued.assert_status(200).clone();
        let year = time::OffsetDateTime::now_utc().year();
        assert_eq!(issued["number"], format!("AV{year}-00001"));

        let after = app.get(&format!("/invoices/{id}")).await;
        let after = after.assert_status(200).clone();
        assert_eq!(after["status"], "partially_paid");
        assert_eq!(after["totals"]["credited"], "18.00");
        assert_eq!(after["totals"]["due"], "240.00");
        assert_eq!(after["links"][0]["relation"], "child");
        assert_eq!(after["links"][0]["number"], issued["number"]);

        // Lines beyond what is left would over-credit: refused at issue.
        let over =
            app.post(&format!("/invoices/{id}/credit-note"), json!({"lines": [line("Pose", "3", "100", "20")]})).await;
        let over_id = over.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{over_id}/issue"), json!({})).await.assert_status(409);
        app.delete(&format!("/credit-notes/{over_id}")).await.assert_status(204);

        // By default, what is left of the invoice: 240.00.
        let rest = app.post(&format!("/invoices/{id}/credit-note"), json!({})).await;
        let rest = rest.assert_status(201).clone();
        assert_eq!(rest["totals"]["gross"], "240.00");
        let rest_id = rest["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{rest_id}/issue"), json!({})).await.assert_status(200);
        let done = app.get(&format!("/invoices/{id}")).await;
        let done = done.assert_status(200);
        assert_eq!(done["status"], "credited");
        assert_eq!(done["totals"]["due"], "0.00");
        let list = app.get("/credit-notes").await;
        assert_eq!(list.assert_status(200)["data"].as_array().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_partial_credit_note_keeps_the_invoices_discount_and_not_its_shipping() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let draft = app
            .post(
                "/invoices",
                json!({
                    "customer_id": customer,
                    "discount_percent": "10",
                    "shipping": {"amount": "25.00", "vat_rate": "20"},
                    "lines": [line("Lampe", "10", "100", "20")],
                }),
            )
            .await;
        let id = draft.assert_status(201)["id"].as_str().unwrap().to_string();
        let inv = app.post(&format!("/invoices/{id}/issue"), json!({})).await;
        // 1 000 − 10 % = 900 net + 25 shipping = 925; VAT 185; gross 1 110.
        assert_eq!(inv.assert_status(200)["totals"]["gross"], "1110.00");

        // Five lamps back: credited at the discounted price, without the shipping.
        let cn =
            app.post(&format!("/invoices/{id}/credit-note"), json!({"lines": [line("Lampe", "5", "100", "20")]})).await;
        let cn = cn.assert_status(201).clone();
        assert_eq!(cn["totals"]["net"], "450.00");
        assert_eq!(cn["totals"]["gross"], "540.00");
        let cn_id = cn["id"].as_str().unwrap();
        app.post(&format!("/credit-notes/{cn_id}/issue"), json!({})).await.assert_status(200);
        let after = app.get(&format!("/invoices/{id}")).await;
        assert_eq!(after.assert_status(200)["totals"]["due"], "570.00");
    })
    .await;
}

#[tokio::test]
async fn crediting_a_paid_invoice_gives_the_customer_credit() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Service", "1", "50", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        app.post(&format!("/invoices/{id}/payments"), json!({"amount": "60", "date": "2026-02-01", "method": "card"}))
            .await
            .assert_status(200);
        let cn = app.post(&format!("/invoices/{id}/credit-note"), json!({})).await;
        let cn_id = cn.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{cn_id}/issue"), json!({})).await.assert_status(200);
        let inv = app.get(&format!("/invoices/{id}")).await;
        assert_eq!(inv.assert_status(200)["status"], "credited");
        let c = app.get(&format!("/customers/{customer}")).await;
        assert_eq!(c.assert_status(200)["credit"], json!([{"currency": "EUR", "amount": "60.00"}]));
    })
    .await;
}

#[tokio::test]
async fn invoice_lists_filter_by_status_customer_and_dates() {
    each_db(|app| async move {
        let a = app.customer_named("Alpha").await;
        let b = app.customer_named("Beta").await;
        for (c, date) in [(&a, "2026-01-10"), (&b, "2026-02-10"), (&a, "2026-03-10")] {
            let r = app
                .post("/invoices", json!({"customer_id": c, "issue_date": date, "lines": [line("x", "1", "10", "20")]}))
                .await;
            let id = r.assert_status(201)["id"].as_str().unwrap().to_string();
            app.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(200);
        }
        app.draft_invoice(&b, &[line("brouillon", "1", "10", "20")]).await;
        let count = |path: String| {
            let app = app.clone();
            async move { app.get(&path).await.assert_status(200)["data"].as_array().unwrap().len() }
        };
        assert_eq!(count("/invoices".into()).await, 4);
        assert_eq!(count("/invoices?status=issued".into()).await, 3);
        assert_eq!(count("/invoices?status=draft".into()).await, 1);
        assert_eq!(count(format!("/invoices?customer_id={a}")).await, 2);
        assert_eq!(count("/invoices?from=2026-02-01&to=2026-03-31".into()).await, 2);
        assert_eq!(count(format!("/invoices?customer_id={a}&from=2026-02-01&status=issued")).await, 1);
        let newest_first = app.get("/invoices?status=issued").await;
        let dates: Vec<_> = newest_first.assert_status(200)["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["issue_date"].clone())
            .collect();
        assert_eq!(dates, vec![json!("2026-03-10"), json!("2026-02-10"), json!("2026-01-10")]);
    })
    .await;
}

#[tokio::test]
async fn exempt_categories_carry_their_reason() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app
            .post("/invoices", json!({"customer_id": customer, "lines": [{"description": "Livraison UE", "quantity": "1", "unit_price": "1000", "vat_rate": "0", "vat_category": "K"}]}))
            .await;
        let inv = inv.assert_status(201);
        assert_eq!(inv["totals"]["vat"][0]["category"], "K");
        assert_eq!(inv["totals"]["vat"][0]["exemption_reason_code"], "VATEX-EU-IC");
        assert_eq!(inv["totals"]["gross"], "1000.00");
    })
    .await;
}

#[tokio::test]
async fn a_company_s_own_exemption_mention_is_copied_into_new_documents_and_sealed() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let training = "Exonération de TVA, article 261-4-4° a du CGI";
        let own = json!([{"category": "E", "code": "vatex-fr-cgi261-4", "text": training}]);
        let s = app.patch("/settings", json!({"documents": {"vat_exemptions": own}})).await;
        let s = s.assert_status(200);
        assert_eq!(s["documents"]["vat_exemptions"][0]["code"], "VATEX-FR-CGI261-4", "as the list spells it");
        let course = json!([{"description": "Formation tableur", "quantity": "2", "unit_price": "450", "vat_rate": "0", "vat_category": "E"}]);

        // A new document takes the company's mention; the breakdown shows it.
        let inv = app.post("/invoices", json!({"customer_id": customer, "lines": course})).await;
        let inv = inv.assert_status(201).clone();
        let id = inv["id"].as_str().unwrap().to_string();
        assert_eq!(inv["vat_exemptions"][0]["text"], training);
        assert_eq!(inv["totals"]["vat"][0]["exemption_reason"], training);
        assert_eq!(inv["totals"]["vat"][0]["exemption_reason_code"], "VATEX-FR-CGI261-4");

        // `[]` gives the category's default back: the franchise.
        let plain = app.post("/invoices", json!({"customer_id": customer, "lines": course, "vat_exemptions": []})).await;
        let plain = plain.assert_status(201);
        assert_eq!(plain["totals"]["vat"][0]["exemption_reason_code"], "VATEX-FR-FRANCHISE");
        assert!(plain["totals"]["vat"][0]["exemption_reason"].as_str().unwrap().contains("293 B"));

        // Bad mentions are refused by field, and the draft keeps its own.
        for (bad, field) in [
            (json!([{"category": "E", "code": "VATEX-EU-IC", "text": "x"}]), "vat_exemptions[0].code"),
            (json!([{"category": "E", "code": "VATEX-FR-NOPE", "text": "x"}]), "vat_exemptions[0].code"),
            (json!([{"category": "S", "text": "x"}]), "vat_exemptions[0].category"),
            (json!([{"category": "E", "text": "  "}]), "vat_exemptions[0].text"),
            (json!([{"category": "E", "text": "a"}, {"category": "E", "text": "b"}]), "vat_exemptions[1].category"),
        ] {
            let r = app.patch(&format!("/invoices/{id}"), json!({"vat_exemptions": bad})).await;
            assert_eq!(r.status, 422, "{bad}: {}", r.body);
            assert_eq!(r.error_fields(), [field], "{bad}: {}", r.body);
        }
        assert_eq!(app.get(&format!("/invoices/{id}")).await.body["vat_exemptions"][0]["text"], training);

        // Other edits keep the document's mention, even after the company's changes.
        app.patch("/settings", json!({"documents": {"vat_exemptions": []}})).await.assert_status(200);
        let edited = app.patch(&format!("/invoices/{id}"), json!({"note": "Session de novembre"})).await;
        assert_eq!(edited.assert_status(200)["totals"]["vat"][0]["exemption_reason"], training);

        // Issued, it is sealed with the document: its PDF and XML say the training article.
        app.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(200);
        let ubl = app.http.get(format!("{}/invoices/{id}/ubl", app.base)).bearer_auth(&app.token).send().await;
        let xml = ubl.expect("the UBL").text().await.expect("UBL text");
        assert!(xml.contains(&format!("<cbc:TaxExemptionReason>{training}</cbc:TaxExemptionReason>")), "{xml}");
        assert!(xml.contains("<cbc:TaxExemptionReasonCode>VATEX-FR-CGI261-4</cbc:TaxExemptionReasonCode>"));
        let shown = app.get(&format!("/invoices/{id}")).await.body;
        assert_eq!(shown["totals"]["vat"][0]["exemption_reason"], training);

        // An order's own mention goes on to its deposit invoice and its invoice.
        let own = json!([{"category": "E", "text": training}]);
        let order = app.post("/orders", json!({"customer_id": customer, "lines": course, "vat_exemptions": own})).await;
        let oid = order.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/orders/{oid}/issue"), json!({})).await.assert_status(200);
        let dep = app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await;
        assert_eq!(dep.assert_status(201)["totals"]["vat"][0]["exemption_reason"], training, "{}", dep.body);
        let inv = app.post(&format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
        let inv = inv.assert_status(201);
        assert_eq!(inv["totals"]["vat"][0]["exemption_reason"], training, "{inv}");
        assert_eq!(inv["totals"]["vat"][0].get("exemption_reason_code"), None, "a text alone, no franchise code");
    })
    .await;
}

#[tokio::test]
async fn a_read_only_token_cannot_write() {
    each_db(|app| async move {
        let (_, token) = app
            .store
            .create_user_token(app.company_id, "lecteur@test.fr", facturier_store::companies::Role::ReadOnly)
            .await
            .unwrap();
        let reader = app.with_token(&token);
        reader.get("/invoices").await.assert_status(200);
        reader.post("/customers", customer_body("X")).await.assert_status(403);
        let list = app.get("/customers").await;
        assert!(list.assert_status(200)["data"].as_array().unwrap().is_empty());
    })
    .await;
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn numbering_patterns_are_configurable_per_kind() {
    each_db(|app| async move {
        let n = app.get("/numbering").await;
        let n = n.assert_status(200).clone();
        let of = |kind: &str| n.as_array().unwrap().iter().find(|e| e["kind"] == kind).cloned().unwrap();
        assert_eq!(n.as_array().unwrap().len(), 7, "one numbering per kind of document");
        assert_eq!(of("invoice")["pattern"], "F{YYYY}-{SEQ:5}");
        assert_eq!(of("invoice")["yearly_reset"], true);
        assert_eq!(of("credit_note")["pattern"], "AV{YYYY}-{SEQ:5}");
        assert_eq!(of("quote")["pattern"], "D{YYYY}-{SEQ:5}");

        let bad = app
            .request(
                reqwest::Method::PUT,
                "/numbering/invoice",
                Some(json!({"pattern": "F-{SEQ}", "yearly_reset": true})),
                &[],
            )
            .await;
        assert_eq!(bad.assert_status(422)["errors"][0]["field"], "pattern");
        let bad =
            app.request(reqwest::Method::PUT, "/numbering/invoice", Some(json!({"pattern": "F{DD}{SEQ}"})), &[]).await;
        bad.assert_status(422);
        app.request(reqwest::Method::PUT, "/numbering/quote-ish", Some(json!({"pattern": "F{SEQ}"})), &[])
            .await
            .assert_status(404);

        let ok = app
            .request(
                reqwest::Method::PUT,
                "/numbering/invoice",
                Some(json!({"pattern": "FA{YY}{MM}-{SEQ:4}", "yearly_reset": true})),
                &[],
            )
            .await;
        ok.assert_status(200);
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("x", "1", "10", "20")]).await;
        let today = time::OffsetDateTime::now_utc().date();
        let number = inv["number"].as_str().unwrap();
        assert!(number.starts_with(&format!("FA{:02}", today.year() % 100)) && number.ends_with("-0001"), "{number}");

        // Once numbers exist, switching the yearly reset would repeat them.
        let r = app
            .request(
                reqwest::Method::PUT,
                "/numbering/invoice",
                Some(json!({"pattern": "FA{YY}{MM}-{SEQ:4}", "yearly_reset": false})),
                &[],
            )
            .await;
        r.assert_status(409);
        let (_, token) = app
            .store
            .create_user_token(app.company_id, "vendeur@test.fr", facturier_store::companies::Role::Sales)
            .await
            .unwrap();
        let sales = app.with_token(&token);
        sales
            .request(reqwest::Method::PUT, "/numbering/invoice", Some(json!({"pattern": "X{YYYY}{SEQ}"})), &[])
            .await
            .assert_status(403);
    })
    .await;
}

#[tokio::test]
async fn a_document_shows_its_history() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        app.post(&format!("/invoices/{id}/payments"), json!({"amount": "50", "method": "card"}))
            .await
            .assert_status(200);
        let g = app.get(&format!("/invoices/{id}")).await;
        let events: Vec<_> =
            g.assert_status(200)["history"].as_array().unwrap().iter().map(|e| e["event"].clone()).collect();
        assert_eq!(events, vec![json!("created"), json!("issued"), json!("payment_recorded")]);
        assert_eq!(g.body["history"][1]["detail"]["number"], inv["number"]);
    })
    .await;
}

#[tokio::test]
async fn common_spellings_of_terms_and_payment_methods_are_understood() {
    each_db(|app| async move {
        let mut body = customer_body("Garage Moreau");
        body["payment_terms"] = json!(45);
        let c = app.post("/customers", body).await;
        let c = c.assert_status(201).clone();
        assert_eq!(c["payment_terms"], "45_days");
        let id = c["id"].as_str().unwrap();
        let p = app.patch(&format!("/customers/{id}"), json!({"payment_terms": "net_60"})).await;
        assert_eq!(p.assert_status(200)["payment_terms"], "60_days");

        let inv = app.issued_invoice(id, &[line("Vidange", "1", "100", "20")]).await;
        let inv_id = inv["id"].as_str().unwrap();
        for (method, stored) in [("virement", "bank_transfer"), ("Credit Card", "card"), ("check", "cheque")] {
            let r = app
                .post(
                    &format!("/invoices/{inv_id}/payments"),
                    json!({"amount": "10", "date": "2026-03-01", "method": method}),
                )
                .await;
            assert_eq!(r.assert_status(200)["payments"].as_array().unwrap().last().unwrap()["method"], stored);
        }
    })
    .await;
}
