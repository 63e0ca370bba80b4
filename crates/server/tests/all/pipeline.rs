//! The sales pipeline over HTTP on SQLite and PostgreSQL: quote → order → delivery
//! notes → invoice, every transition allowed and refused, and the links both ways.

use crate::common;

use common::{TestApp, each_db, line};
use serde_json::{Value, json};

fn body(customer: &str, lines: Vec<Value>) -> Value {
    json!({"customer_id": customer, "title": "Rénovation éclairage", "valid_until": "2199-12-31", "lines": lines})
}

async fn issued(app: &TestApp, seg: &str, customer: &str, lines: Vec<Value>) -> Value {
    let d = app.post(&format!("/{seg}"), body(customer, lines)).await;
    let id = d.assert_status(201)["id"].as_str().unwrap().to_string();
    app.post(&format!("/{seg}/{id}/issue"), json!({})).await.assert_status(200).clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// (kind, relation) of a document's links.
fn links(v: &Value) -> Vec<(String, String)> {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["kind"].as_str().unwrap().to_string(), l["relation"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn a_quote_becomes_an_order_then_deliveries_then_an_invoice_all_linked() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let year = time::OffsetDateTime::now_utc().year();
        let quote = issued(
            &app,
            "quotes",
            &customer,
            vec![line("Suspension", "10", "120", "20"), line("Pose", "6", "58", "10")],
        )
        .await;
        assert_eq!(quote["status"], "sent");
        assert_eq!(quote["number"], format!("D{year}-00001"));
        let qid = id(&quote);
        app.post(&format!("/quotes/{qid}/accept"), json!({})).await.assert_status(200);

        let order = app.post(&format!("/quotes/{qid}/convert"), json!({"to": "order"})).await;
        let order = order.assert_status(201).clone();
        let oid = id(&order);
        assert_eq!((order["kind"].as_str(), order["status"].as_str()), (Some("order"), Some("draft")));
        assert_eq!(order["title"], "Rénovation éclairage");
        assert!(order["valid_until"].is_null(), "an order has no validity date");
        assert_eq!(order["totals"], quote["totals"], "the order copies the quote");
        assert_eq!(order["lines"][0]["source_line_id"], quote["lines"][0]["id"]);
        assert_eq!(links(&order), vec![("quote".into(), "parent".into())]);
        let quote = app.get(&format!("/quotes/{qid}")).await;
        assert_eq!(quote.assert_status(200)["status"], "converted");
        assert_eq!(links(&quote.body), vec![("order".into(), "child".into())]);

        let order = app.post(&format!("/orders/{oid}/issue"), json!({})).await.assert_status(200).clone();
        assert_eq!(
            (order["status"].as_str(), order["number"].as_str()),
            (Some("confirmed"), Some(format!("C{year}-00001").as_str()))
        );
        let (lamps, labour) = (id(&order["lines"][0]), id(&order["lines"][1]));

        // First delivery: 4 lamps.
        let bl1 = app
            .post(
                &format!("/orders/{oid}/convert"),
                json!({"to": "delivery-note", "lines": [{"line_id": lamps, "quantity": "4"}]}),
            )
            .await;
        let bl1 = bl1.assert_status(201).clone();
        assert_eq!(bl1["lines"].as_array().unwrap().len(), 1);
        assert_eq!(bl1["lines"][0]["quantity"], "4");
        // More than what is left is refused, and nothing is created.
        let too_much = app
            .post(
                &format!("/orders/{oid}/convert"),
                json!({"to": "delivery-note", "lines": [{"line_id": lamps, "quantity": "7"}]}),
            )
            .await;
        assert_eq!(too_much.assert_status(422)["errors"][0]["field"], "lines[0].quantity");
        let bl1 = app.post(&format!("/delivery-notes/{}/issue", id(&bl1)), json!({})).await.assert_status(200).clone();
        assert_eq!(bl1["status"], "validated");
        assert_eq!(bl1["number"], format!("BL{year}-00001"));
        assert_eq!(app.get(&format!("/orders/{oid}")).await.body["status"], "partially_delivered");

        // Second delivery takes everything left: 6 lamps and the labour.
        let bl2 = app.post(&format!("/orders/{oid}/convert"), json!({"to": "delivery-note"})).await;
        let bl2 = bl2.assert_status(201).clone();
        let qty: Vec<_> =
            bl2["lines"].as_array().unwrap().iter().map(|l| l["quantity"].as_str().unwrap().to_string()).collect();
        assert_eq!(qty, vec!["6", "6"]);
        assert_eq!(bl2["lines"][1]["source_line_id"].as_str(), Some(labour.as_str()));
        // Nothing is left for a third one, even while the second is a draft.
        app.post(&format!("/orders/{oid}/convert"), json!({"to": "delivery-note"})).await.assert_status(409);
        app.post(&format!("/delivery-notes/{}/issue", id(&bl2)), json!({})).await.assert_status(200);
        assert_eq!(app.get(&format!("/orders/{oid}")).await.body["status"], "delivered");

        // The invoice from the order takes all that is left to invoice.
        let inv = app.post(&format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
        let inv = inv.assert_status(201).clone();
        assert_eq!(inv["totals"]["gross"], order["totals"]["gross"]);
        app.post(&format!("/invoices/{}/issue", id(&inv)), json!({})).await.assert_status(200);
        let order = app.get(&format!("/orders/{oid}")).await;
        let order = order.assert_status(200).clone();
        assert_eq!(order["status"], "invoiced");
        let mut family = links(&order);
        family.sort();
        assert_eq!(
            family,
            vec![
                ("delivery_note".into(), "child".into()),
                ("delivery_note".into(), "child".into()),
                ("invoice".into(), "child".into()),
                ("quote".into(), "parent".into()),
            ]
        );
        app.post(&format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await.assert_status(409);

        // The whole family shows from any member, however far.
        let kinds = |v: &Value| {
            let mut k: Vec<String> =
                v["family"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap().to_string()).collect();
            k.sort();
            k
        };
        let from_quote = app.get(&format!("/quotes/{qid}")).await;
        assert_eq!(kinds(&from_quote.body), vec!["delivery_note", "delivery_note", "invoice", "order"]);
        let from_invoice = app.get(&format!("/invoices/{}", id(&inv))).await;
        assert_eq!(kinds(&from_invoice.body), vec!["delivery_note", "delivery_note", "order", "quote"]);
    })
    .await;
}

#[tokio::test]
async fn delivery_notes_are_invoiced_at_the_orders_prices() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let order = issued(&app, "orders", &customer, vec![line("Câble", "100", "1.385", "20")]).await;
        let bl = app
            .post(
                &format!("/orders/{}/convert", id(&order)),
                json!({"to": "delivery_note", "lines": [{"line_id": id(&order["lines"][0]), "quantity": "40"}]}),
            )
            .await;
        let bl_id = id(bl.assert_status(201));
        app.post(&format!("/delivery-notes/{bl_id}/issue"), json!({})).await.assert_status(200);
        let inv = app.post(&format!("/delivery-notes/{bl_id}/convert"), json!({"to": "invoice"})).await;
        let inv = inv.assert_status(201).clone();
        // 40 × 1.385 = 55.40; VAT 11.08.
        assert_eq!(inv["totals"]["net"], "55.40");
        assert_eq!(inv["totals"]["gross"], "66.48");
        app.post(&format!("/invoices/{}/issue", id(&inv)), json!({})).await.assert_status(200);
        // Only 40 of 100 are delivered and invoiced: the order is partly delivered, not invoiced.
        assert_eq!(app.get(&format!("/orders/{}", id(&order))).await.body["status"], "partially_delivered");
    })
    .await;
}

#[tokio::test]
async fn quote_transitions_are_allowed_only_from_the_right_status() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let draft = app.post("/quotes", body(&customer, vec![line("Étude", "1", "450", "20")])).await;
        let did = id(draft.assert_status(201));
        for action in ["accept", "refuse", "cancel"] {
            app.post(&format!("/quotes/{did}/{action}"), json!({})).await.assert_status(409);
        }
        app.post(&format!("/quotes/{did}/convert"), json!({"to": "order"})).await.assert_status(409);

        let q = issued(&app, "quotes", &customer, vec![line("Étude", "1", "450", "20")]).await;
        let qid = id(&q);
        app.post(&format!("/quotes/{qid}/convert"), json!({"to": "delivery-note"})).await.assert_status(409);
        app.post(&format!("/quotes/{qid}/refuse"), json!({})).await.assert_status(200);
        app.post(&format!("/quotes/{qid}/accept"), json!({})).await.assert_status(409);
        app.post(&format!("/quotes/{qid}/convert"), json!({"to": "order"})).await.assert_status(409);
        let h = app.get(&format!("/quotes/{qid}")).await;
        let events: Vec<_> =
            h.body["history"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect();
        assert_eq!(events, vec!["created", "issued", "refused"]);

        // Orders, pro-formas and invoices take no accept/refuse: the routes do not exist.
        let o = issued(&app, "orders", &customer, vec![line("x", "1", "1", "20")]).await;
        app.post(&format!("/orders/{}/accept", id(&o)), json!({})).await.assert_status(404);
        let inv = app.issued_invoice(&customer, &[line("x", "1", "1", "20")]).await;
        app.post(&format!("/invoices/{}/cancel", id(&inv)), json!({})).await.assert_status(404);
    })
    .await;
}

#[tokio::test]
async fn a_sent_quote_past_its_validity_date_is_expired_and_cannot_be_accepted() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let mut b = body(&customer, vec![line("Étude", "1", "450", "20")]);
        b["valid_until"] = json!("2020-01-31");
        let d = app.post("/quotes", b).await;
        let qid = id(d.assert_status(201));
        let q = app.post(&format!("/quotes/{qid}/issue"), json!({})).await;
        assert_eq!(q.assert_status(200)["status"], "expired");
        let r = app.post(&format!("/quotes/{qid}/accept"), json!({})).await;
        assert!(r.assert_status(409)["detail"].as_str().unwrap().contains("validity"));
        app.post(&format!("/quotes/{qid}/refuse"), json!({})).await.assert_status(200);
    })
    .await;
}

#[tokio::test]
async fn deleting_the_draft_a_quote_was_converted_into_reopens_the_quote() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let q = issued(&app, "quotes", &customer, vec![line("Étude", "1", "450", "20")]).await;
        let qid = id(&q);
        let inv = app.post(&format!("/quotes/{qid}/convert"), json!({"to": "invoice"})).await;
        let inv_id = id(inv.assert_status(201));
        assert_eq!(app.get(&format!("/quotes/{qid}")).await.body["status"], "converted");
        app.delete(&format!("/invoices/{inv_id}")).await.assert_status(204);
        let q = app.get(&format!("/quotes/{qid}")).await;
        assert_eq!(q.assert_status(200)["status"], "accepted");
        assert!(q.body["links"].as_array().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn orders_are_cancelled_only_before_anything_is_delivered_and_invoices_never() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = issued(&app, "orders", &customer, vec![line("Lampe", "2", "50", "20")]).await;
        let c = app.post(&format!("/orders/{}/cancel", id(&o)), json!({})).await;
        assert_eq!(c.assert_status(200)["status"], "cancelled");
        app.post(&format!("/orders/{}/convert", id(&o)), json!({"to": "invoice"})).await.assert_status(409);

        let o = issued(&app, "orders", &customer, vec![line("Lampe", "2", "50", "20")]).await;
        let bl = app.post(&format!("/orders/{}/convert", id(&o)), json!({"to": "delivery-note"})).await;
        app.post(&format!("/delivery-notes/{}/issue", id(bl.assert_status(201))), json!({})).await.assert_status(200);
        app.post(&format!("/orders/{}/cancel", id(&o)), json!({})).await.assert_status(409);
    })
    .await;
}

#[tokio::test]
async fn every_kind_has_its_own_numbering_sequence() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let year = time::OffsetDateTime::now_utc().year();
        for (seg, prefix) in [
            ("quotes", "D"),
            ("orders", "C"),
            ("delivery-notes", "BL"),
            ("proformas", "PF"),
            ("deposit-invoices", "FA"),
            ("invoices", "F"),
        ] {
            for n in 1..=2 {
                let d = issued(&app, seg, &customer, vec![line("x", "1", "10", "20")]).await;
                assert_eq!(d["number"], format!("{prefix}{year}-{n:05}"), "{seg}");
            }
        }
        assert!(app.store.verify_chain(app.company_id).await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_is_a_new_unlinked_draft_of_the_same_kind() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let q = issued(&app, "quotes", &customer, vec![line("Suspension", "3", "120", "20")]).await;
        let dup = app.post(&format!("/quotes/{}/duplicate", id(&q)), json!({})).await;
        let dup = dup.assert_status(201).clone();
        assert_eq!((dup["kind"].as_str(), dup["status"].as_str()), (Some("quote"), Some("draft")));
        assert!(dup["number"].is_null());
        assert_eq!(dup["totals"], q["totals"]);
        assert_ne!(dup["lines"][0]["id"], q["lines"][0]["id"]);
        assert!(dup["links"].as_array().unwrap().is_empty());
    })
    .await;
}

/// Found by the API fuzzing (schemathesis): a duplicated credit note had no invoice, and
/// issuing it was a 500.
#[tokio::test]
async fn a_duplicated_credit_note_credits_the_same_invoice_within_what_is_left() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = issued(&app, "invoices", &customer, vec![line("Suspension", "4", "100", "20")]).await;
        let half =
            json!({"lines": [{"description": "Suspension", "quantity": "2", "unit_price": "100", "vat_rate": "20"}]});
        let cn = app.post(&format!("/invoices/{}/credit-note", id(&inv)), half).await;
        let cn_id = id(cn.assert_status(201));
        app.post(&format!("/credit-notes/{cn_id}/issue"), json!({})).await.assert_status(200);

        let dup = app.post(&format!("/credit-notes/{cn_id}/duplicate"), json!({})).await;
        let dup_id = id(dup.assert_status(201));
        let issued_dup = app.post(&format!("/credit-notes/{dup_id}/issue"), json!({})).await;
        assert_eq!(issued_dup.assert_status(200)["status"], "issued", "the other half is left to credit");
        let invoice = app.get(&format!("/invoices/{}", id(&inv))).await;
        assert_eq!(invoice.assert_status(200)["status"], "credited");

        // A third copy would credit more than the invoice: refused, not a server error.
        let again = app.post(&format!("/credit-notes/{cn_id}/duplicate"), json!({})).await;
        let again_id = id(again.assert_status(201));
        app.post(&format!("/credit-notes/{again_id}/issue"), json!({})).await.assert_status(409);
    })
    .await;
}

#[tokio::test]
async fn a_deposit_invoice_is_paid_and_credited_like_an_invoice() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let dep = issued(&app, "deposit-invoices", &customer, vec![line("Acompte 30 %", "1", "1000", "20")]).await;
        let p = app
            .post(
                &format!("/deposit-invoices/{}/payments", id(&dep)),
                json!({"amount": "1200", "method": "bank_transfer"}),
            )
            .await;
        assert_eq!(p.assert_status(200)["status"], "paid");
        let cn = app.post(&format!("/deposit-invoices/{}/credit-note", id(&dep)), json!({})).await;
        let cn_id = id(cn.assert_status(201));
        app.post(&format!("/credit-notes/{cn_id}/issue"), json!({})).await.assert_status(200);
        let dep = app.get(&format!("/deposit-invoices/{}", id(&dep))).await;
        assert_eq!(dep.assert_status(200)["status"], "credited");
    })
    .await;
}

#[tokio::test]
async fn deposits_are_split_by_rate_and_deducted_on_the_final_invoice_to_the_cent() {
    each_db(|app| async move {
        let customer = app.customer().await;
        // 480.00 at 20 % and 116.00 at 10 %: gross 576.00 + 127.60 = 703.60.
        let order = issued(
            &app,
            "orders",
            &customer,
            vec![line("Suspension", "4", "120", "20"), line("Pose", "2", "58", "10")],
        )
        .await;
        let oid = id(&order);
        assert_eq!(order["totals"]["gross"], "703.60");

        let dep = app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await;
        let dep = dep.assert_status(201).clone();
        assert_eq!(dep["kind"], "deposit_invoice");
        // 30 % of each base: 144.00 at 20 % (28.80) and 34.80 at 10 % (3.48).
        assert_eq!(dep["totals"]["net"], "178.80");
        assert_eq!(dep["totals"]["vat_total"], "32.28");
        assert_eq!(dep["totals"]["gross"], "211.08");
        assert_eq!(links(&dep), vec![("order".into(), "parent".into())]);
        let dep =
            app.post(&format!("/deposit-invoices/{}/issue", id(&dep)), json!({})).await.assert_status(200).clone();
        app.post(
            &format!("/deposit-invoices/{}/payments", id(&dep)),
            json!({"amount": "211.08", "method": "bank_transfer"}),
        )
        .await
        .assert_status(200);

        // Deposits together may not exceed the order.
        let r = app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "80"})).await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "percent");
        app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "10", "amount": "5"}))
            .await
            .assert_status(422);

        let inv = app.post(&format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
        let inv = inv.assert_status(201).clone();
        assert_eq!(inv["lines"].as_array().unwrap().len(), 4, "the order's two lines and two deductions");
        let t = &inv["totals"];
        assert_eq!(t["net"], "417.20");
        assert_eq!(
            t["vat"],
            json!([
                {"category": "S", "rate": "10", "base": "81.20", "amount": "8.12"},
                {"category": "S", "rate": "20", "base": "336.00", "amount": "67.20"}
            ])
        );
        assert_eq!(t["gross"], "492.52", "703.60 less the 211.08 deposit");
        let mut family = links(&inv);
        family.sort();
        assert_eq!(family, vec![("deposit_invoice".into(), "parent".into()), ("order".into(), "parent".into())]);
        app.post(&format!("/invoices/{}/issue", id(&inv)), json!({})).await.assert_status(200);
        assert_eq!(app.get(&format!("/orders/{oid}")).await.body["status"], "invoiced");
        // Its e-invoice names the deposit invoice it deducts (BG-3).
        let ubl = app
            .http
            .get(format!("{}/invoices/{}/ubl", app.base, id(&inv)))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let deposit_number = dep["number"].as_str().unwrap();
        let reference = ubl.split("<cac:BillingReference>").nth(1).unwrap_or_default();
        assert!(reference.trim_start().starts_with("<cac:InvoiceDocumentReference>"), "{ubl}");
        assert!(reference.contains(&format!("<cbc:ID>{deposit_number}</cbc:ID>")), "{ubl}");

        // An amount including VAT is met to the cent.
        let order = issued(
            &app,
            "orders",
            &customer,
            vec![line("Suspension", "4", "120", "20"), line("Pose", "2", "58", "10")],
        )
        .await;
        let dep = app.post(&format!("/orders/{}/deposit-invoice", id(&order)), json!({"amount": "250"})).await;
        assert_eq!(dep.assert_status(201)["totals"]["gross"], "250.00");
        // A draft order takes no deposit.
        let draft = app.post("/orders", body(&customer, vec![line("x", "1", "10", "20")])).await;
        app.post(&format!("/orders/{}/deposit-invoice", id(draft.assert_status(201))), json!({"percent": "30"}))
            .await
            .assert_status(409);
    })
    .await;
}

#[tokio::test]
async fn progress_invoices_invoice_each_increment_and_settle_the_order_to_the_cent() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let order = issued(
            &app,
            "orders",
            &customer,
            vec![line("Gros œuvre", "1", "12345.67", "20"), line("Menuiseries", "3", "1111.11", "10")],
        )
        .await;
        let oid = id(&order);
        let situation = |pct: &'static str| {
            let app = app.clone();
            let oid = oid.clone();
            async move {
                let s = app.post(&format!("/orders/{oid}/progress-invoice"), json!({"cumulative_percent": pct})).await;
                let s = s.assert_status(201).clone();
                app.post(&format!("/invoices/{}/issue", id(&s)), json!({})).await.assert_status(200).clone()
            }
        };
        let nets = |v: &Value| {
            v["lines"].as_array().unwrap().iter().map(|l| l["net"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        };

        // 30 %: 3703.701 → 3703.70 and 999.999 → 1000.00.
        let s1 = situation("30").await;
        assert_eq!(nets(&s1), vec!["3703.70", "1000.00"]);
        assert_eq!(s1["progress_percent"], "30");
        assert_eq!(s1["totals"]["gross"], "5544.44");
        // 65 %: 8024.6855 → 8024.69 less 3703.70; 2166.6645 → 2166.66 less 1000.00.
        let s2 = situation("65").await;
        assert_eq!(nets(&s2), vec!["4320.99", "1166.66"]);
        // Going back is refused.
        let r = app.post(&format!("/orders/{oid}/progress-invoice"), json!({"cumulative_percent": "50"})).await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "cumulative_percent");
        // A plain invoice would invoice the order twice.
        app.post(&format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await.assert_status(409);

        // The second situation is credited in full: 65 % must be invoiced again.
        let cn = app.post(&format!("/invoices/{}/credit-note", id(&s2)), json!({})).await;
        app.post(&format!("/credit-notes/{}/issue", id(cn.assert_status(201))), json!({})).await.assert_status(200);
        let s2bis = situation("65").await;
        assert_eq!(nets(&s2bis), vec!["4320.99", "1166.66"]);

        // 100 %: exactly what is left.
        let last = situation("100").await;
        assert_eq!(nets(&last), vec!["4320.98", "1166.67"]);
        let sum = |i: usize| -> rust_decimal::Decimal {
            [&s1, &s2bis, &last]
                .iter()
                .map(|s| s["lines"][i]["net"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
                .sum()
        };
        assert_eq!((sum(0).to_string(), sum(1).to_string()), ("12345.67".into(), "3333.33".into()));
        let order = app.get(&format!("/orders/{oid}")).await;
        assert_eq!(order.assert_status(200)["status"], "invoiced");
        app.post(&format!("/orders/{oid}/progress-invoice"), json!({"cumulative_percent": "100"}))
            .await
            .assert_status(409);
    })
    .await;
}

#[tokio::test]
async fn validated_delivery_notes_take_stock_out_and_never_below_zero_unless_allowed() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let p = app.post("/products", json!({"reference": "LAMP", "name": "Lampe", "unit_price": "50", "vat_rate": "20", "stock": "10"})).await;
        let pid = id(p.assert_status(201));
        let untracked = app.post("/products", json!({"reference": "POSE", "name": "Pose", "unit_price": "58", "vat_rate": "10", "unit": "HUR"})).await;
        let uid = id(untracked.assert_status(201));
        let stock = |app: TestApp, pid: String| async move { app.get(&format!("/products/{pid}")).await.body["stock"].clone() };

        let d = app.post("/delivery-notes", json!({"customer_id": customer, "lines": [{"product_id": pid, "quantity": "3"}, {"product_id": uid, "quantity": "2"}]})).await;
        let bl = id(d.assert_status(201));
        let shown = app.get(&format!("/delivery-notes/{bl}")).await;
        assert_eq!(shown.body["lines"][0]["available_stock"], "10");
        assert!(shown.body["lines"][1].get("available_stock").is_none(), "untracked products show no stock");
        app.post(&format!("/delivery-notes/{bl}/issue"), json!({})).await.assert_status(200);
        assert_eq!(stock(app.clone(), pid.clone()).await, "7");
        assert!(stock(app.clone(), uid.clone()).await.is_null());

        // Eight more than the seven left: refused, nothing moves, no number is burnt.
        let d = app.post("/delivery-notes", json!({"customer_id": customer, "lines": [{"product_id": pid, "quantity": "8"}]})).await;
        let bl2 = id(d.assert_status(201));
        let r = app.post(&format!("/delivery-notes/{bl2}/issue"), json!({})).await;
        assert!(r.assert_status(409)["detail"].as_str().unwrap().contains("not enough stock of LAMP"));
        assert_eq!(stock(app.clone(), pid.clone()).await, "7");
        assert_eq!(app.get(&format!("/delivery-notes/{bl2}")).await.body["status"], "draft");

        // Once the company allows it, the stock may go negative.
        let s = app.patch("/settings", json!({"allow_negative_stock": true})).await;
        assert_eq!(s.assert_status(200)["allow_negative_stock"], true);
        let ok = app.post(&format!("/delivery-notes/{bl2}/issue"), json!({})).await;
        let year = time::OffsetDateTime::now_utc().year();
        assert_eq!(ok.assert_status(200)["number"], format!("BL{year}-00002"));
        assert_eq!(stock(app.clone(), pid.clone()).await, "-1");
    })
    .await;
}

#[tokio::test]
async fn header_details_shipping_discount_amount_other_taxes_margins_and_schedule_to_the_cent() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let body = json!({
            "customer_id": customer,
            "issue_date": "2026-03-10",
            "lines": [
                {"kind": "comment", "description": "Salle à manger"},
                {"description": "Suspension laiton", "quantity": "2", "unit_price": "289", "vat_rate": "20", "purchase_price": "142.50",
                 "other_taxes": [{"label": "Éco-participation", "amount_per_unit": "0.50"}]},
                {"description": "Pose", "quantity": "3", "unit_price": "58", "vat_rate": "10"},
                {"kind": "subtotal"},
            ],
            "discount_amount": "50.00",
            "shipping": {"amount": "25.00", "vat_rate": "20"},
            "schedule": [
                {"percent": "30", "kind": "deposit", "condition": "on_order", "title": "Acompte à la commande"},
                {"percent": "70", "condition": "30_days", "mode": "bank_transfer"},
            ],
        });
        let inv = app.post("/invoices", body).await;
        let inv = inv.assert_status(201).clone();
        let l = &inv["lines"];
        assert_eq!((l[0]["kind"].as_str(), l[3]["kind"].as_str()), (Some("comment"), Some("subtotal")));
        // 2 × 289.00 + 2 × 0.50 eco-participation.
        assert_eq!((l[1]["net"].as_str(), l[1]["charge"].as_str()), (Some("579.00"), Some("1.00")));
        assert_eq!(l[3]["net"], "753.00", "the subtotal sums the item lines above it");
        // Margin on goods, eco-participation left out: 578.00 − 2 × 142.50.
        assert_eq!((l[1]["margin"].as_str(), l[1]["margin_rate"].as_str()), (Some("293.00"), Some("50.69")));
        assert!(l[2]["margin"].is_null());
        let t = &inv["totals"];
        assert_eq!(t["lines_net"], "753.00");
        // 50.00 split by discountable base: 578.00 at 20 % → 38.43, 174.00 at 10 % → 11.57.
        assert_eq!(t["discount"], "50.00");
        assert_eq!(t["charges"], "25.00");
        assert_eq!(t["net"], "728.00");
        assert_eq!(t["vat"], json!([
            {"category": "S", "rate": "10", "base": "162.43", "amount": "16.24"},
            {"category": "S", "rate": "20", "base": "565.57", "amount": "113.11"}
        ]));
        assert_eq!(t["gross"], "857.35");
        assert_eq!(inv["shipping"]["label"], "Frais de port");
        let s = inv["schedule"].as_array().unwrap();
        assert_eq!((s[0]["amount"].as_str(), s[0]["due_date"].as_str()), (Some("257.21"), Some("2026-03-10")));
        assert_eq!((s[1]["amount"].as_str(), s[1]["due_date"].as_str()), (Some("600.14"), Some("2026-04-09")));

        // Everything survives an edit of something else, and issuing.
        let id = id(&inv);
        let p = app.patch(&format!("/invoices/{id}"), json!({"note": "Merci"})).await;
        assert_eq!(p.assert_status(200)["totals"], inv["totals"]);
        let issued = app.post(&format!("/invoices/{id}/issue"), json!({})).await;
        assert_eq!(issued.assert_status(200)["totals"]["gross"], "857.35");
        assert!(app.store.verify_chain(app.company_id).await.is_ok());

        // Refused: a discount above the net, a schedule short of 100 %, both discounts.
        let bad = |patch: Value| {
            let app = app.clone();
            let customer = customer.clone();
            async move {
                let mut b = json!({"customer_id": customer, "lines": [line("x", "1", "100", "20")]});
                merge(&mut b, patch);
                app.post("/invoices", b).await
            }
        };
        assert_eq!(bad(json!({"discount_amount": "100.01"})).await.assert_status(422)["errors"][0]["field"], "discount_amount");
        assert_eq!(bad(json!({"discount_amount": "10", "discount_percent": "5"})).await.assert_status(422)["errors"][0]["field"], "discount_amount");
        let r = bad(json!({"schedule": [{"percent": "30", "condition": "on_order"}, {"percent": "60", "condition": "30_days"}]})).await;
        assert!(r.assert_status(422)["detail"].as_str().unwrap().contains("90"));
        assert_eq!(bad(json!({"shipping": {"amount": "12.345", "vat_rate": "20"}})).await.assert_status(422)["errors"][0]["field"], "shipping.amount");
        assert_eq!(bad(json!({"lines": [{"kind": "comment"}]})).await.assert_status(422)["errors"][0]["field"], "lines[0].description");
    })
    .await;
}

fn merge(target: &mut Value, patch: Value) {
    if let (Some(t), Value::Object(p)) = (target.as_object_mut(), patch) {
        for (k, v) in p {
            t.insert(k, v);
        }
    }
}

#[tokio::test]
async fn the_monthly_run_invoices_each_delivery_once_grouped_as_the_customer_chose() {
    each_db(|app| async move {
        let new_customer = |name: &'static str, grouping: &'static str| {
            let app = app.clone();
            async move {
                let mut b = common::customer_body(name);
                b["invoice_grouping"] = json!(grouping);
                id(app.post("/customers", b).await.assert_status(201))
            }
        };
        let alpha = new_customer("Alpha", "customer").await;
        let beta = new_customer("Beta", "delivery_note").await;
        let gamma = new_customer("Gamma", "site").await;
        let site =
            |city: &str| json!({"line1": "1 rue du Port", "postal_code": "13002", "city": city, "country": "FR"});
        // Delivery notes are numbered in date order, so they are validated in date order.
        let plan = [
            (&alpha, "2026-10-20", None, "100"),
            (&alpha, "2026-11-05", None, "100"),
            (&beta, "2026-11-06", None, "200"),
            (&gamma, "2026-11-07", Some(site("Marseille")), "10"),
            (&alpha, "2026-11-12", None, "50"),
            (&beta, "2026-11-13", None, "20"),
            (&gamma, "2026-11-14", Some(site("Marseille")), "30"),
            (&gamma, "2026-11-15", Some(site("Aix")), "60"),
        ];
        for (customer, date, delivery, price) in plan {
            let mut b =
                json!({"customer_id": customer, "issue_date": date, "lines": [line("Livraison", "1", price, "20")]});
            if let Some(d) = delivery {
                b["delivery_address"] = d;
            }
            let bl = app.post("/delivery-notes", b).await;
            let bl_id = id(bl.assert_status(201));
            app.post(&format!("/delivery-notes/{bl_id}/issue"), json!({})).await.assert_status(200);
        }
        let run = app.post("/billing/delivery-notes", json!({"from": "2026-11-01", "to": "2026-11-30"})).await;
        let run = run.assert_status(200).clone();
        assert_eq!(run["delivery_notes"].as_array().unwrap().len(), 7, "October's note is outside the period");
        let created: Vec<String> =
            run["created"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        // Alpha: one invoice; Beta: one per note; Gamma: one per site.
        assert_eq!(created.len(), 5);
        let mut by_customer: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for inv in &created {
            let v = app.get(&format!("/invoices/{inv}")).await.assert_status(200).clone();
            by_customer
                .entry(v["customer_id"].as_str().unwrap().to_string())
                .or_default()
                .push(v["totals"]["net"].as_str().unwrap().to_string());
            assert_eq!(v["lines"][0]["kind"], "comment", "each delivery note is named on the invoice");
            assert!(
                v["links"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|l| l["kind"] == "delivery_note" && l["relation"] == "parent")
            );
        }
        assert_eq!(by_customer[&alpha], vec!["150.00"]);
        let mut beta_nets = by_customer[&beta].clone();
        beta_nets.sort();
        assert_eq!(beta_nets, vec!["20.00", "200.00"]);
        let mut gamma_nets = by_customer[&gamma].clone();
        gamma_nets.sort();
        assert_eq!(gamma_nets, vec!["40.00", "60.00"]);

        // Running it again invoices nothing twice.
        let again = app.post("/billing/delivery-notes", json!({"from": "2026-11-01", "to": "2026-11-30"})).await;
        assert_eq!(again.assert_status(200)["created"], json!([]));
        // A deleted draft frees its delivery note for the next run.
        let first = &created[0];
        app.delete(&format!("/invoices/{first}")).await.assert_status(204);
        let third = app.post("/billing/delivery-notes", json!({"from": "2026-11-01", "to": "2026-11-30"})).await;
        assert_eq!(third.assert_status(200)["created"].as_array().unwrap().len(), 1);
        let bad = app.post("/billing/delivery-notes", json!({"from": "2026-11-30", "to": "2026-11-01"})).await;
        assert_eq!(bad.assert_status(422)["errors"][0]["field"], "to");
    })
    .await;
}

#[tokio::test]
async fn a_foreign_currency_document_needs_its_exchange_rate_to_be_issued_and_shows_its_counter_value() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let d = app
            .post(
                "/invoices",
                json!({
                    "customer_id": customer, "currency": "USD", "contact": "Anna Schmidt", "salesperson": "Paul Leroy",
                    "payment_mode": "bank_transfer", "lines": [line("Export lighting", "4", "25", "20")],
                }),
            )
            .await;
        let d = d.assert_status(201).clone();
        assert_eq!(
            (d["contact"].as_str(), d["salesperson"].as_str(), d["payment_mode"].as_str()),
            (Some("Anna Schmidt"), Some("Paul Leroy"), Some("bank_transfer"))
        );
        assert!(d["counter_value"].is_null());
        let did = id(&d);
        let r = app.post(&format!("/invoices/{did}/issue"), json!({})).await;
        assert!(r.assert_status(409)["detail"].as_str().unwrap().contains("exchange_rate"));
        let p = app.patch(&format!("/invoices/{did}"), json!({"exchange_rate": "0.9215"})).await;
        let p = p.assert_status(200).clone();
        // 100.00 USD net, 20.00 VAT, 120.00 gross at 0.9215 EUR per USD.
        assert_eq!(
            p["counter_value"],
            json!({"currency": "EUR", "net": "92.15", "vat_total": "18.43", "gross": "110.58"})
        );
        let issued = app.post(&format!("/invoices/{did}/issue"), json!({})).await;
        let issued = issued.assert_status(200).clone();
        assert_eq!((issued["currency"].as_str(), issued["exchange_rate"].as_str()), (Some("USD"), Some("0.9215")));
        // The rate is fixed with the invoice: it can no longer change.
        app.patch(&format!("/invoices/{did}"), json!({"exchange_rate": "1"})).await.assert_status(409);
        // A rate on a document in the company's own currency is a mistake.
        let r = app
            .post(
                "/invoices",
                json!({"customer_id": customer, "exchange_rate": "1.1", "lines": [line("x", "1", "1", "20")]}),
            )
            .await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "exchange_rate");
        let r = app
            .post(
                "/invoices",
                json!({"customer_id": customer, "payment_mode": "bitcoin", "lines": [line("x", "1", "1", "20")]}),
            )
            .await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "payment_mode");
    })
    .await;
}

#[tokio::test]
async fn an_invoice_that_would_bill_twice_is_refused_at_issue_and_nothing_is_numbered() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let order = issued(
            &app,
            "orders",
            &customer,
            vec![line("Suspension", "4", "120", "20"), line("Pose", "2", "58", "10")],
        )
        .await;
        let oid = id(&order);
        // A deposit is drafted, then the final invoice (which deducts issued deposits only),
        // then the deposit is issued: issuing the final invoice would bill the deposit twice.
        let dep = app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await;
        let dep = id(dep.assert_status(201));
        let fin =
            app.post(&format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await.assert_status(201).clone();
        assert!(!fin["lines"].as_array().unwrap().iter().any(|l| l["kind"] == "deduction"));
        app.post(&format!("/deposit-invoices/{dep}/issue"), json!({})).await.assert_status(200);
        // With the final invoice drafted, another deposit would take the family past the order.
        let more = app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "10"})).await;
        assert_eq!(more.assert_status(422)["errors"][0]["field"], "percent");
        let refused = app.post(&format!("/invoices/{}/issue", id(&fin)), json!({})).await;
        let detail = refused.assert_status(409)["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("would no longer add up"), "{detail}");
        let still = app.get(&format!("/invoices/{}", id(&fin))).await;
        assert_eq!(still.assert_status(200)["status"], "draft");
        assert_eq!(still.body["number"], Value::Null, "no number was used");

        // Drafted again, it deducts the deposit and is issued; the family adds up.
        app.delete(&format!("/invoices/{}", id(&fin))).await.assert_status(204);
        let fin =
            app.post(&format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await.assert_status(201).clone();
        assert!(fin["lines"].as_array().unwrap().iter().any(|l| l["kind"] == "deduction"));
        let fin = app.post(&format!("/invoices/{}/issue", id(&fin)), json!({})).await.assert_status(200).clone();
        assert_eq!(fin["totals"]["gross"], "492.52", "703.60 less the 211.08 deposit");

        // A draft edited to bill more than the order is refused at issue too.
        let order = issued(&app, "orders", &customer, vec![line("Câble", "10", "3.5", "20")]).await;
        let oid = id(&order);
        let part = app
            .post(
                &format!("/orders/{oid}/convert"),
                json!({"to": "invoice", "lines": [{"line_id": order["lines"][0]["id"], "quantity": "4"}]}),
            )
            .await
            .assert_status(201)
            .clone();
        let mut lines = part["lines"].clone();
        lines[0]["quantity"] = json!("12");
        app.patch(&format!("/invoices/{}", id(&part)), json!({"lines": lines})).await.assert_status(200);
        let refused = app.post(&format!("/invoices/{}/issue", id(&part)), json!({})).await;
        let detail = refused.assert_status(409)["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("this would invoice 12 of line 1 of the order, which has 10"), "{detail}");
    })
    .await;
}

#[tokio::test]
async fn a_draft_order_takes_no_deposit_nor_progress_invoice_until_issued() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let order = app.post("/orders", body(&customer, vec![line("Pose", "1", "1000", "20")])).await;
        let oid = id(order.assert_status(201));
        for (path, input) in
            [("deposit-invoice", json!({"percent": "30"})), ("progress-invoice", json!({"cumulative_percent": "50"}))]
        {
            let r = app.post(&format!("/orders/{oid}/{path}"), input).await;
            let detail = r.assert_status(409)["detail"].as_str().unwrap().to_string();
            assert!(detail.contains("draft") && detail.contains("issue it first"), "{path}: {detail}");
        }
        app.post(&format!("/orders/{oid}/issue"), json!({})).await.assert_status(200);
        app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await.assert_status(201);
    })
    .await;
}
