//! Issue 19's named regression tests, over HTTP on SQLite and PostgreSQL: every path
//! from an order to its invoices (deposits and the final invoice, delivery notes,
//! situations, the monthly run, partial deliveries, credit notes) bills exactly the
//! order, to the cent.
//!
//! THE CONSERVATION RULE, checked by [`assert_family_bills_order`]: the invoices derived
//! from an order (deposit invoices, progress invoices, final invoices, delivery-note and
//! monthly-run invoices) less their credit notes add up exactly to the order's `net`,
//! `gross` and VAT per category and rate (base and amount).

use crate::common;

use common::{TestApp, each_db, line};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fmt::Write as _;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_string()
}

#[track_caller]
fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// The API path segment of a kind as `links` name it.
fn segment(kind: &str) -> &'static str {
    match kind {
        "quote" => "quotes",
        "order" => "orders",
        "delivery_note" => "delivery-notes",
        "proforma" => "proformas",
        "invoice" => "invoices",
        "deposit_invoice" => "deposit-invoices",
        "credit_note" => "credit-notes",
        other => panic!("unknown kind of document {other:?}"),
    }
}

/// Issues a draft; returns the issued document.
async fn issue(app: &TestApp, seg: &str, doc_id: &str) -> Value {
    let r = app.post(&format!("/{seg}/{doc_id}/issue"), json!({})).await;
    assert_eq!(r.status, 200, "issuing /{seg}/{doc_id}: {}", r.body);
    r.body
}

/// Creates a draft of `seg` from `body` and issues it.
async fn issued(app: &TestApp, seg: &str, body: Value) -> Value {
    let r = app.post(&format!("/{seg}"), body).await;
    let d = id(r.assert_status(201));
    issue(app, seg, &d).await
}

/// A confirmed order: `extra` (discount, shipping…) merged over the customer and lines.
async fn order(app: &TestApp, customer: &str, lines: Vec<Value>, extra: Value) -> Value {
    let mut body = json!({"customer_id": customer, "title": "Rénovation éclairage", "lines": lines});
    merge(&mut body, extra);
    issued(app, "orders", body).await
}

fn merge(target: &mut Value, patch: Value) {
    if let (Some(t), Value::Object(p)) = (target.as_object_mut(), patch) {
        for (k, v) in p {
            t.insert(k, v);
        }
    }
}

/// POSTs with no body at all (no content type, nothing).
async fn post_empty(app: &TestApp, path: &str) -> common::Resp {
    app.request(Method::POST, path, None, &[]).await
}

/// `POST {path}` that must create a draft (201); returns it.
async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let r = app.post(path, body).await;
    assert_eq!(r.status, 201, "POST {path}: {}", r.body);
    r.body
}

/// The two order lines of the issue's examples: 1 000.00 at 20 % and 959.09 at 10 %, that
/// is 1 200.00 + 1 055.00 = 2 255.00 with VAT; with a 10 % document discount, 900.00 and
/// 863.18: 1 080.00 + 949.50 = 2 029.50.
fn issue_lines() -> Vec<Value> {
    vec![line("Suspension laiton", "4", "250", "20"), line("Pose et raccordement", "1", "959.09", "10")]
}

/// Net, gross and VAT (base, amount) per (category, rate) of a document.
#[derive(Default, Clone, PartialEq, Debug)]
struct Figures {
    net: Decimal,
    gross: Decimal,
    vat: BTreeMap<(String, String), (Decimal, Decimal)>,
}

impl Figures {
    fn of(doc: &Value) -> Figures {
        let t = &doc["totals"];
        let mut f = Figures { net: dec(&t["net"]), gross: dec(&t["gross"]), vat: BTreeMap::new() };
        for v in t["vat"].as_array().unwrap_or_else(|| panic!("no totals.vat in {doc}")) {
            let rate = dec(&v["rate"]).normalize().to_string();
            let key = (v["category"].as_str().unwrap_or("?").to_string(), rate);
            let e = f.vat.entry(key).or_default();
            e.0 += dec(&v["base"]);
            e.1 += dec(&v["amount"]);
        }
        f
    }

    fn add(&mut self, other: &Figures, sign: Decimal) {
        self.net += sign * other.net;
        self.gross += sign * other.gross;
        for (k, (b, a)) in &other.vat {
            let e = self.vat.entry(k.clone()).or_default();
            e.0 += sign * b;
            e.1 += sign * a;
        }
    }

    /// Rates whose base and VAT are both zero say nothing.
    fn trimmed(mut self) -> Figures {
        self.vat.retain(|_, (b, a)| !b.is_zero() || !a.is_zero());
        self
    }
}

/// Every document derived from `root` (children, their children…), each once.
async fn descendants(app: &TestApp, root: &Value) -> Vec<Value> {
    let mut seen = HashSet::from([id(root)]);
    let mut queue = VecDeque::from([root.clone()]);
    let mut out = Vec::new();
    while let Some(doc) = queue.pop_front() {
        for l in doc["links"].as_array().unwrap_or_else(|| panic!("no links in {doc}")) {
            if l["relation"] != "child" {
                continue;
            }
            let child_id = l["id"].as_str().unwrap().to_string();
            if !seen.insert(child_id.clone()) {
                continue;
            }
            let kind = l["kind"].as_str().unwrap();
            let child = app.get(&format!("/{}/{child_id}", segment(kind))).await;
            let child = child.assert_status(200).clone();
            out.push(child.clone());
            queue.push_back(child);
        }
    }
    out
}

fn money_row(out: &mut String, label: &str, order: Decimal, family: Decimal) {
    let diff = family - order;
    let mark = if diff.is_zero() { "" } else { "   <-- differs" };
    let _ = writeln!(out, "  {label:<26} {order:>12} {family:>12} {diff:>+10}{mark}");
}

/// THE CONSERVATION RULE: the issued invoices and deposit invoices derived from the
/// order, less their issued credit notes, add up to the order's net, gross and VAT per
/// rate, to the cent. Returns the family (drafts included) for further checks; panics
/// with the family and the differences otherwise.
async fn assert_family_bills_order(app: &TestApp, order_id: &str) -> Vec<Value> {
    family_bills_order(app, order_id).await.unwrap_or_else(|msg| panic!("{msg}"))
}

/// The conservation rule: the family, or what the family and the order show when they
/// differ.
async fn family_bills_order(app: &TestApp, order_id: &str) -> Result<Vec<Value>, String> {
    let order = app.get(&format!("/orders/{order_id}")).await.assert_status(200).clone();
    let family = descendants(app, &order).await;
    let mut sum = Figures::default();
    let mut listing = String::new();
    for d in &family {
        let kind = d["kind"].as_str().unwrap_or("?");
        let status = d["status"].as_str().unwrap_or("?");
        let sign = match kind {
            "invoice" | "deposit_invoice" => Decimal::ONE,
            "credit_note" => -Decimal::ONE,
            _ => Decimal::ZERO,
        };
        let counted = !sign.is_zero() && status != "draft";
        if counted {
            sum.add(&Figures::of(d), sign);
        }
        let f = Figures::of(d);
        let _ = writeln!(
            listing,
            "  {} {kind:<16} {:<15} {status:<20} net {:>10} gross {:>10}{}",
            if !counted {
                ' '
            } else if sign.is_sign_positive() {
                '+'
            } else {
                '-'
            },
            d["number"].as_str().unwrap_or("(no number)"),
            f.net,
            f.gross,
            if sign.is_zero() {
                "  (not an invoice)"
            } else if counted {
                ""
            } else {
                "  (draft: not counted)"
            },
        );
    }
    let want = Figures::of(&order).trimmed();
    let got = sum.trimmed();
    if want != got {
        let mut msg = format!(
            "the family of order {} does not add up to it (on {}):\n{listing}\n  {:<26} {:>12} {:>12} {:>10}\n",
            order["number"].as_str().unwrap_or(order_id),
            app.backend,
            "",
            "order",
            "family",
            "diff",
        );
        money_row(&mut msg, "net", want.net, got.net);
        money_row(&mut msg, "gross", want.gross, got.gross);
        let keys: std::collections::BTreeSet<_> = want.vat.keys().chain(got.vat.keys()).cloned().collect();
        for k in keys {
            let (wb, wa) = want.vat.get(&k).copied().unwrap_or_default();
            let (gb, ga) = got.vat.get(&k).copied().unwrap_or_default();
            money_row(&mut msg, &format!("VAT {} {} % base", k.0, k.1), wb, gb);
            money_row(&mut msg, &format!("VAT {} {} % amount", k.0, k.1), wa, ga);
        }
        return Err(msg);
    }
    Ok(family)
}

/// Order → deposit of `percent` issued → final invoice issued. Returns (deposit, final).
async fn deposit_then_final(app: &TestApp, order: &Value, percent: &str) -> (Value, Value) {
    let oid = id(order);
    let dep = created(app, &format!("/orders/{oid}/deposit-invoice"), json!({"percent": percent})).await;
    let dep = issue(app, "deposit-invoices", &id(&dep)).await;
    let fin = created(app, &format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
    let fin = issue(app, "invoices", &id(&fin)).await;
    (dep, fin)
}

#[tokio::test]
async fn deposit_then_final_with_document_discount() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(&app, &customer, issue_lines(), json!({"discount_percent": "10"})).await;
        assert_eq!(o["totals"]["gross"], "2029.50", "the issue's order: {}", o["totals"]);
        let (dep, fin) = deposit_then_final(&app, &o, "50").await;
        eprintln!("deposit {} + final {}", dep["totals"]["gross"], fin["totals"]["gross"]);
        assert_eq!(dep["totals"]["gross"], "1014.75");
        assert_family_bills_order(&app, &id(&o)).await;
    })
    .await;
}

#[tokio::test]
async fn deposit_then_final_with_discount_amount_and_shipping() {
    each_db(|app| async move {
        let customer = app.customer().await;
        // The issue's lines with the second at 5.5 %, less 200.00, plus 200.00 of shipping at 20 %.
        let o = order(
            &app,
            &customer,
            vec![line("Suspension laiton", "4", "250", "20"), line("Pose et raccordement", "1", "959.09", "5.5")],
            json!({"discount_amount": "200.00", "shipping": {"amount": "200.00", "vat_rate": "20"}}),
        )
        .await;
        assert_eq!(o["totals"]["net"], "1959.09", "{}", o["totals"]);
        assert_eq!(o["totals"]["gross"], "2226.03", "{}", o["totals"]);
        let (dep, fin) = deposit_then_final(&app, &o, "50").await;
        eprintln!(
            "order {} = deposit {} + final {}?",
            o["totals"]["gross"], dep["totals"]["gross"], fin["totals"]["gross"]
        );
        assert_family_bills_order(&app, &id(&o)).await;
    })
    .await;
}

#[tokio::test]
async fn delivery_note_invoice_deducts_paid_deposit() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let q = issued(
            &app,
            "quotes",
            json!({"customer_id": customer, "valid_until": "2199-12-31",
                   "lines": [line("Suspension", "10", "120", "20"), line("Pose", "6", "58", "10")]}),
        )
        .await;
        let qid = id(&q);
        app.post(&format!("/quotes/{qid}/accept"), json!({})).await.assert_status(200);
        let o = created(&app, &format!("/quotes/{qid}/convert"), json!({"to": "order"})).await;
        let o = issue(&app, "orders", &id(&o)).await;
        let oid = id(&o);
        // 1 200.00 at 20 % and 348.00 at 10 %: 1 440.00 + 382.80.
        assert_eq!(o["totals"]["gross"], "1822.80");

        let dep = created(&app, &format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await;
        let dep = issue(&app, "deposit-invoices", &id(&dep)).await;
        let paid = app
            .post(
                &format!("/deposit-invoices/{}/payments", id(&dep)),
                json!({"amount": dep["totals"]["gross"], "method": "bank_transfer"}),
            )
            .await;
        assert_eq!(paid.assert_status(200)["status"], "paid");

        let bl = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "delivery-note"})).await;
        let bl = issue(&app, "delivery-notes", &id(&bl)).await;
        assert_eq!(bl["status"], "validated");
        let inv = created(&app, &format!("/delivery-notes/{}/convert", id(&bl)), json!({"to": "invoice"})).await;
        let inv = issue(&app, "invoices", &id(&inv)).await;
        eprintln!("deposit {} + delivery-note invoice {}", dep["totals"]["gross"], inv["totals"]["gross"]);
        assert_family_bills_order(&app, &oid).await;
    })
    .await;
}

#[tokio::test]
async fn situations_bill_shipping() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            issue_lines(),
            json!({"discount_percent": "10", "shipping": {"amount": "1000.00", "vat_rate": "20"}}),
        )
        .await;
        assert_eq!(o["totals"]["gross"], "3229.50", "the issue's order: {}", o["totals"]);
        let oid = id(&o);
        for pct in ["30", "100"] {
            let s = created(&app, &format!("/orders/{oid}/progress-invoice"), json!({"cumulative_percent": pct})).await;
            let s = issue(&app, "invoices", &id(&s)).await;
            eprintln!("situation {pct} %: {}", s["totals"]["gross"]);
        }
        assert_family_bills_order(&app, &oid).await;
    })
    .await;
}

#[tokio::test]
async fn monthly_run_keeps_discount_and_shipping() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            issue_lines(),
            json!({"discount_percent": "10", "shipping": {"amount": "100.00", "vat_rate": "20"}}),
        )
        .await;
        assert_eq!(o["totals"]["gross"], "2149.50", "the issue's order: {}", o["totals"]);
        let oid = id(&o);
        let bl = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "delivery-note"})).await;
        let bl = issue(&app, "delivery-notes", &id(&bl)).await;
        let day = |d: time::Date| {
            let (y, m, dd) = (d.year(), u8::from(d.month()), d.day());
            format!("{y:04}-{m:02}-{dd:02}")
        };
        let today = time::OffsetDateTime::now_utc().date();
        let (from, to) = (day(today - time::Duration::days(7)), day(today + time::Duration::days(7)));
        let run = app.post("/billing/delivery-notes", json!({"from": from, "to": to})).await;
        let run = run.assert_status(200).clone();
        assert_eq!(run["delivery_notes"], json!([id(&bl)]), "{run}");
        let created_ids = run["created"].as_array().unwrap();
        assert_eq!(created_ids.len(), 1, "{run}");
        let inv = issue(&app, "invoices", created_ids[0].as_str().unwrap()).await;
        eprintln!("order {} billed {} by the monthly run", o["totals"]["gross"], inv["totals"]["gross"]);
        assert_family_bills_order(&app, &oid).await;
    })
    .await;
}

#[tokio::test]
async fn partial_deliveries_each_invoiced() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            vec![
                line("Suspension laiton", "10", "289", "20"),
                line("Ampoule LED", "24", "7.35", "20"),
                line("Pose", "6", "58", "10"),
            ],
            json!({"discount_percent": "7.5", "shipping": {"amount": "35.00", "vat_rate": "20"}}),
        )
        .await;
        let oid = id(&o);
        let (lamps, bulbs, labour) = (id(&o["lines"][0]), id(&o["lines"][1]), id(&o["lines"][2]));
        let bl1 = created(
            &app,
            &format!("/orders/{oid}/convert"),
            json!({"to": "delivery-note", "lines": [
                {"line_id": lamps, "quantity": "4"},
                {"line_id": bulbs, "quantity": "10"},
                {"line_id": labour, "quantity": "2"},
            ]}),
        )
        .await;
        let bl1 = issue(&app, "delivery-notes", &id(&bl1)).await;
        let inv1 = created(&app, &format!("/delivery-notes/{}/convert", id(&bl1)), json!({"to": "invoice"})).await;
        let inv1 = issue(&app, "invoices", &id(&inv1)).await;
        // The second delivery takes all that is left.
        let bl2 = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "delivery-note"})).await;
        let bl2 = issue(&app, "delivery-notes", &id(&bl2)).await;
        let inv2 = created(&app, &format!("/delivery-notes/{}/convert", id(&bl2)), json!({"to": "invoice"})).await;
        let inv2 = issue(&app, "invoices", &id(&inv2)).await;
        eprintln!("order {} = {} + {}?", o["totals"]["gross"], inv1["totals"]["gross"], inv2["totals"]["gross"]);
        assert_family_bills_order(&app, &oid).await;
    })
    .await;
}

#[tokio::test]
async fn deducted_deposit_cannot_be_credited() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(&app, &customer, issue_lines(), json!({"discount_percent": "10"})).await;
        let (dep, _fin) = deposit_then_final(&app, &o, "50").await;
        let dep_id = id(&dep);
        let r = post_empty(&app, &format!("/deposit-invoices/{dep_id}/credit-note")).await;
        let what = match r.status {
            201 => format!(
                "a draft {} of {} (the whole deposit {})",
                r.body["kind"], r.body["totals"]["gross"], dep["totals"]["gross"]
            ),
            _ => r.body.to_string(),
        };
        assert_eq!(
            r.status, 409,
            "a deposit the final invoice deducted must be credited through the final invoice; got {what}"
        );
        // Nothing was created: the deposit has no credit note and is still issued.
        let dep = app.get(&format!("/deposit-invoices/{dep_id}")).await.assert_status(200).clone();
        assert!(dep["links"].as_array().unwrap().iter().all(|l| l["kind"] != "credit_note"), "links: {}", dep["links"]);
        assert_ne!(dep["status"], "credited");
    })
    .await;
}

#[tokio::test]
async fn credit_note_without_body_after_partial_credit_takes_what_is_left() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = issued(
            &app,
            "invoices",
            json!({"customer_id": customer, "lines": [line("Suspension", "4", "120", "20"), line("Pose", "2", "58", "10")]}),
        )
        .await;
        let inv_id = id(&inv);
        // 480.00 + 96.00 and 116.00 + 11.60.
        assert_eq!(inv["totals"]["gross"], "703.60");
        let first = created(
            &app,
            &format!("/invoices/{inv_id}/credit-note"),
            json!({"lines": [line("Pose", "2", "58", "10")]}),
        )
        .await;
        let first = issue(&app, "credit-notes", &id(&first)).await;
        assert_eq!(first["totals"]["gross"], "127.60");
        let inv_now = app.get(&format!("/invoices/{inv_id}")).await.assert_status(200).clone();
        assert_ne!(inv_now["status"], "credited");

        // No body: what is left, not the whole invoice.
        let rest = post_empty(&app, &format!("/invoices/{inv_id}/credit-note")).await;
        let rest = rest.assert_status(201).clone();
        assert_eq!(
            rest["totals"]["gross"], "576.00",
            "a credit note with no body after a partial one takes what is left (703.60 − 127.60): {}",
            rest["totals"]
        );
        let rest = issue(&app, "credit-notes", &id(&rest)).await;
        let inv_now = app.get(&format!("/invoices/{inv_id}")).await.assert_status(200).clone();
        assert_eq!(inv_now["status"], "credited");
        let credited = dec(&first["totals"]["gross"]) + dec(&rest["totals"]["gross"]);
        assert_eq!(credited, dec(&inv["totals"]["gross"]));
        let mut credits = Figures::default();
        credits.add(&Figures::of(&first), Decimal::ONE);
        credits.add(&Figures::of(&rest), Decimal::ONE);
        assert_eq!(credits.trimmed(), Figures::of(&inv).trimmed(), "the credit notes give back the invoice, rate by rate");
        // Nothing is left to credit.
        let again = post_empty(&app, &format!("/invoices/{inv_id}/credit-note")).await;
        assert_eq!(again.status, 409, "{}", again.body);
    })
    .await;
}

#[tokio::test]
async fn order_to_invoice_keeps_comment_and_subtotal_lines() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            vec![
                json!({"kind": "comment", "description": "Salle à manger"}),
                line("Suspension laiton", "2", "289", "20"),
                line("Pose", "3", "58", "10"),
                json!({"kind": "subtotal"}),
                json!({"kind": "comment", "description": "Cuisine"}),
                line("Réglette LED", "4", "45.90", "20"),
            ],
            json!({}),
        )
        .await;
        let shape = |d: &Value| -> Vec<(String, String)> {
            d["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["kind"].as_str().unwrap_or("item").to_string(),
                        l["description"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        };
        let inv = created(&app, &format!("/orders/{}/convert", id(&o)), json!({"to": "invoice"})).await;
        assert_eq!(shape(&inv), shape(&o), "the invoice keeps the order's lines, comments and subtotals in place");
        assert_eq!(inv["lines"][3]["net"], o["lines"][3]["net"], "the subtotal sums the same lines");
        issue(&app, "invoices", &id(&inv)).await;
        assert_family_bills_order(&app, &id(&o)).await;
    })
    .await;
}

#[tokio::test]
async fn final_invoice_after_credited_partial_invoice() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            vec![line("Suspension", "10", "120", "20"), line("Pose", "6", "58", "10")],
            json!({}),
        )
        .await;
        let oid = id(&o);
        let partial = created(
            &app,
            &format!("/orders/{oid}/convert"),
            json!({"to": "invoice", "lines": [{"line_id": id(&o["lines"][0]), "quantity": "4"}]}),
        )
        .await;
        let partial = issue(&app, "invoices", &id(&partial)).await;
        assert_eq!(partial["totals"]["gross"], "576.00", "4 × 120.00 at 20 %");
        let cn = post_empty(&app, &format!("/invoices/{}/credit-note", id(&partial))).await;
        let cn = issue(&app, "credit-notes", &id(cn.assert_status(201))).await;
        assert_eq!(cn["totals"]["gross"], "576.00");
        let partial_now = app.get(&format!("/invoices/{}", id(&partial))).await.assert_status(200).clone();
        assert_eq!(partial_now["status"], "credited");

        // The partial invoice is cancelled by its credit note: the final invoice bills the whole order.
        let fin = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
        let fin = issue(&app, "invoices", &id(&fin)).await;
        eprintln!("order {}: final invoice {}", o["totals"]["gross"], fin["totals"]["gross"]);
        assert_family_bills_order(&app, &oid).await;
        let o = app.get(&format!("/orders/{oid}")).await.assert_status(200).clone();
        assert_eq!(o["status"], "invoiced");
    })
    .await;
}

/// A control for the helper: without document discount or shipping, deposit + final
/// invoice already add up today (on both databases), credit notes included.
#[tokio::test]
async fn control_deposit_and_final_without_discount_add_up() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            vec![line("Suspension", "4", "120", "20"), line("Pose", "2", "58", "10")],
            json!({}),
        )
        .await;
        assert_eq!(o["totals"]["gross"], "703.60");
        let (dep, fin) = deposit_then_final(&app, &o, "30").await;
        assert_eq!(
            (dep["totals"]["gross"].as_str(), fin["totals"]["gross"].as_str()),
            (Some("211.08"), Some("492.52"))
        );
        assert_family_bills_order(&app, &id(&o)).await;
        // A credit note on the final invoice, re-invoiced by hand: the family still adds up.
        let cn = post_empty(&app, &format!("/invoices/{}/credit-note", id(&fin))).await;
        let cn = issue(&app, "credit-notes", &id(cn.assert_status(201))).await;
        assert_eq!(cn["totals"]["gross"], "492.52");
        let report = family_bills_order(&app, &id(&o)).await.err();
        let report = report.expect("the final invoice is credited: the family no longer bills the whole order");
        assert!(report.contains("- credit_note"), "the walk reaches the credit note and subtracts it: {report}");
        assert!(report.contains("-492.52"), "{report}");
    })
    .await;
}

/// Beyond the issue's examples: a deposit, a partial delivery invoiced by hand and the
/// rest by the monthly run, with a discount amount, shipping and two VAT rates.
#[tokio::test]
async fn deposit_then_partial_delivery_then_monthly_run() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            vec![
                line("Suspension laiton", "7", "289.333333", "20"),
                line("Ampoule LED", "24", "7.35", "20"),
                line("Pose", "5", "58.45", "5.5"),
            ],
            json!({"discount_amount": "123.45", "shipping": {"amount": "49.90", "vat_rate": "20"}}),
        )
        .await;
        let oid = id(&o);
        let dep = created(&app, &format!("/orders/{oid}/deposit-invoice"), json!({"percent": "33"})).await;
        issue(&app, "deposit-invoices", &id(&dep)).await;
        let bl1 = created(
            &app,
            &format!("/orders/{oid}/convert"),
            json!({"to": "delivery-note", "lines": [
                {"line_id": id(&o["lines"][0]), "quantity": "3"},
                {"line_id": id(&o["lines"][2]), "quantity": "1"},
            ]}),
        )
        .await;
        let bl1 = issue(&app, "delivery-notes", &id(&bl1)).await;
        let inv1 = created(&app, &format!("/delivery-notes/{}/convert", id(&bl1)), json!({"to": "invoice"})).await;
        issue(&app, "invoices", &id(&inv1)).await;
        let bl2 = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "delivery-note"})).await;
        issue(&app, "delivery-notes", &id(&bl2)).await;
        let today = time::OffsetDateTime::now_utc().date();
        let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
        let run = app
            .post(
                "/billing/delivery-notes",
                json!({"from": day(today - time::Duration::days(7)), "to": day(today + time::Duration::days(7))}),
            )
            .await;
        let run = run.assert_status(200).clone();
        let created_ids = run["created"].as_array().unwrap();
        assert_eq!(created_ids.len(), 1, "{run}");
        issue(&app, "invoices", created_ids[0].as_str().unwrap()).await;
        assert_family_bills_order(&app, &oid).await;
        let o = app.get(&format!("/orders/{oid}")).await.assert_status(200).clone();
        assert_eq!(o["status"], "invoiced");
    })
    .await;
}

/// Beyond the issue's examples: a deposit, then situations, one of them credited and
/// invoiced again, with a document discount and shipping.
#[tokio::test]
async fn deposit_then_situations_with_a_credited_one() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(
            &app,
            &customer,
            vec![line("Gros œuvre", "1", "12345.67", "20"), line("Menuiseries", "3", "1111.11", "10")],
            json!({"discount_percent": "3.5", "shipping": {"amount": "250.00", "vat_rate": "20"}}),
        )
        .await;
        let oid = id(&o);
        let dep = created(&app, &format!("/orders/{oid}/deposit-invoice"), json!({"percent": "20"})).await;
        issue(&app, "deposit-invoices", &id(&dep)).await;
        let situation = |pct: &'static str| {
            let app = app.clone();
            let oid = oid.clone();
            async move {
                let s =
                    created(&app, &format!("/orders/{oid}/progress-invoice"), json!({"cumulative_percent": pct})).await;
                issue(&app, "invoices", &id(&s)).await
            }
        };
        situation("35").await;
        let s2 = situation("70").await;
        let cn = post_empty(&app, &format!("/invoices/{}/credit-note", id(&s2))).await;
        issue(&app, "credit-notes", &id(cn.assert_status(201))).await;
        situation("70").await;
        situation("100").await;
        assert_family_bills_order(&app, &oid).await;
        let o = app.get(&format!("/orders/{oid}")).await.assert_status(200).clone();
        assert_eq!(o["status"], "invoiced");
    })
    .await;
}

/// Beyond the issue's examples: the monthly run over two orders of one customer (one
/// invoice per customer by default), each order with its own discount and shipping.
#[tokio::test]
async fn monthly_run_over_two_orders_of_one_customer() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let a = order(
            &app,
            &customer,
            issue_lines(),
            json!({"discount_percent": "10", "shipping": {"amount": "100.00", "vat_rate": "20"}}),
        )
        .await;
        let b = order(
            &app,
            &customer,
            vec![line("Réglette LED", "12", "45.90", "20"), line("Livres", "3", "19.99", "5.5")],
            json!({"discount_amount": "15.00", "shipping": {"amount": "12.50", "vat_rate": "20"}}),
        )
        .await;
        for o in [&a, &b] {
            let bl = created(&app, &format!("/orders/{}/convert", id(o)), json!({"to": "delivery-note"})).await;
            issue(&app, "delivery-notes", &id(&bl)).await;
        }
        let today = time::OffsetDateTime::now_utc().date();
        let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
        let run = app
            .post(
                "/billing/delivery-notes",
                json!({"from": day(today - time::Duration::days(7)), "to": day(today + time::Duration::days(7))}),
            )
            .await;
        let run = run.assert_status(200).clone();
        for inv in run["created"].as_array().unwrap() {
            issue(&app, "invoices", inv.as_str().unwrap()).await;
        }
        eprintln!("the run created {} invoice(s)", run["created"].as_array().unwrap().len());
        assert_family_bills_order(&app, &id(&a)).await;
        assert_family_bills_order(&app, &id(&b)).await;
    })
    .await;
}

/// Beyond the issue's examples: two deposits (an amount, then a percent), a partial
/// invoice, then the final one, over three VAT rates with line discounts, a document
/// discount and shipping.
#[tokio::test]
async fn two_deposits_then_partial_invoice_then_final_three_rates() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let mut discounted = line("Suspension laiton", "6", "289.45", "20");
        discounted["discount_percent"] = json!("12.5");
        let o = order(
            &app,
            &customer,
            vec![discounted, line("Pose", "7", "58.333333", "10"), line("Livres de référence", "9", "23.07", "5.5")],
            json!({"discount_percent": "4", "shipping": {"amount": "39.00", "vat_rate": "20"}}),
        )
        .await;
        let oid = id(&o);
        for share in [json!({"amount": "500.00"}), json!({"percent": "15"})] {
            let dep = created(&app, &format!("/orders/{oid}/deposit-invoice"), share).await;
            issue(&app, "deposit-invoices", &id(&dep)).await;
        }
        let part = created(
            &app,
            &format!("/orders/{oid}/convert"),
            json!({"to": "invoice", "lines": [
                {"line_id": id(&o["lines"][0]), "quantity": "2"},
                {"line_id": id(&o["lines"][2]), "quantity": "4"},
            ]}),
        )
        .await;
        issue(&app, "invoices", &id(&part)).await;
        let fin = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
        issue(&app, "invoices", &id(&fin)).await;
        assert_family_bills_order(&app, &oid).await;
        let o = app.get(&format!("/orders/{oid}")).await.assert_status(200).clone();
        assert_eq!(o["status"], "invoiced");
    })
    .await;
}

/// Beyond the issue's examples: the final invoice of test 1 (deductions, document
/// discount) credited one line first, then what is left: the credits give it back
/// exactly, rate by rate.
#[tokio::test]
async fn final_invoice_with_deductions_credited_in_two_steps() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let o = order(&app, &customer, issue_lines(), json!({"discount_percent": "10"})).await;
        let (_dep, fin) = deposit_then_final(&app, &o, "50").await;
        let fin_id = id(&fin);
        let first = created(
            &app,
            &format!("/invoices/{fin_id}/credit-note"),
            json!({"lines": [line("Pose et raccordement", "1", "959.09", "10")]}),
        )
        .await;
        let first = issue(&app, "credit-notes", &id(&first)).await;
        let rest = post_empty(&app, &format!("/invoices/{fin_id}/credit-note")).await;
        let rest = issue(&app, "credit-notes", &id(rest.assert_status(201))).await;
        eprintln!(
            "final {} credited {} + {}",
            fin["totals"]["gross"], first["totals"]["gross"], rest["totals"]["gross"]
        );
        let mut credits = Figures::default();
        credits.add(&Figures::of(&first), Decimal::ONE);
        credits.add(&Figures::of(&rest), Decimal::ONE);
        assert_eq!(credits.trimmed(), Figures::of(&fin).trimmed(), "the credit notes give back the final invoice");
        let fin_now = app.get(&format!("/invoices/{fin_id}")).await.assert_status(200).clone();
        assert_eq!(fin_now["status"], "credited");
        let again = post_empty(&app, &format!("/invoices/{fin_id}/credit-note")).await;
        assert_eq!(again.status, 409, "{}", again.body);
    })
    .await;
}

/// Beyond the issue's examples: rounding at every step — 6-decimal unit prices, a line
/// discount, a document discount, shipping, three rates, five situations; then three
/// partial deliveries of another such order, each invoiced.
#[tokio::test]
async fn rounding_over_five_situations_and_three_deliveries() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let lines = || {
            let mut l0 = line("Profilé aluminium", "13", "17.123457", "20");
            l0["discount_percent"] = json!("7");
            vec![l0, line("Main-d'œuvre", "11", "43.333333", "10"), line("Documentation", "3", "9.999999", "5.5")]
        };
        let extra = json!({"discount_percent": "3.33", "shipping": {"amount": "17.77", "vat_rate": "20"}});
        let o = order(&app, &customer, lines(), extra.clone()).await;
        let oid = id(&o);
        for pct in ["7", "33.3", "50", "66.67", "100"] {
            let s = created(&app, &format!("/orders/{oid}/progress-invoice"), json!({"cumulative_percent": pct})).await;
            issue(&app, "invoices", &id(&s)).await;
        }
        assert_family_bills_order(&app, &oid).await;

        let o = order(&app, &customer, lines(), extra).await;
        let oid = id(&o);
        let portions = [
            json!({"to": "delivery-note", "lines": [
                {"line_id": id(&o["lines"][0]), "quantity": "5"},
                {"line_id": id(&o["lines"][1]), "quantity": "3"},
            ]}),
            json!({"to": "delivery-note", "lines": [
                {"line_id": id(&o["lines"][0]), "quantity": "4"},
                {"line_id": id(&o["lines"][2]), "quantity": "1"},
            ]}),
            json!({"to": "delivery-note"}),
        ];
        for p in portions {
            let bl = created(&app, &format!("/orders/{oid}/convert"), p).await;
            let bl = issue(&app, "delivery-notes", &id(&bl)).await;
            let inv = created(&app, &format!("/delivery-notes/{}/convert", id(&bl)), json!({"to": "invoice"})).await;
            issue(&app, "invoices", &id(&inv)).await;
        }
        assert_family_bills_order(&app, &oid).await;
    })
    .await;
}

#[tokio::test]
async fn credit_note_for_an_amount_is_split_over_the_rates_then_what_is_left_completes_it() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = issued(
            &app,
            "invoices",
            json!({"customer_id": customer, "lines": [line("Suspension", "4", "120", "20"), line("Pose", "2", "58", "10")]}),
        )
        .await;
        let inv_id = id(&inv);
        assert_eq!(inv["totals"]["gross"], "703.60");
        // More than the invoice, or both lines and an amount, or a bad amount: refused, nothing drafted.
        for body in [
            json!({"amount": "703.61"}),
            json!({"amount": "-5"}),
            json!({"amount": "10.001"}),
            json!({"amount": "10", "lines": [line("Pose", "1", "58", "10")]}),
        ] {
            let r = app.post(&format!("/invoices/{inv_id}/credit-note"), body.clone()).await;
            assert_eq!(r.status, 422, "{body}: {}", r.body);
            assert_eq!(r.body["errors"][0]["field"], "amount", "{}", r.body);
        }
        // 100.00 including VAT, split over 20 % and 10 % in proportion to their bases.
        let gesture = created(&app, &format!("/invoices/{inv_id}/credit-note"), json!({"amount": "100.00"})).await;
        assert_eq!(gesture["totals"]["gross"], "100.00");
        let rates: Vec<&str> =
            gesture["totals"]["vat"].as_array().unwrap().iter().map(|v| v["rate"].as_str().unwrap()).collect();
        assert_eq!(rates.len(), 2, "{}", gesture["totals"]);
        let gesture = issue(&app, "credit-notes", &id(&gesture)).await;
        let inv_now = app.get(&format!("/invoices/{inv_id}")).await.assert_status(200).clone();
        assert_ne!(inv_now["status"], "credited");
        assert_eq!(inv_now["totals"]["due"], "603.60");
        // What is left: 603.60, and the two together give back the invoice rate by rate.
        let rest = created(&app, &format!("/invoices/{inv_id}/credit-note"), json!({})).await;
        assert_eq!(rest["totals"]["gross"], "603.60");
        let rest = issue(&app, "credit-notes", &id(&rest)).await;
        let mut credits = Figures::default();
        credits.add(&Figures::of(&gesture), Decimal::ONE);
        credits.add(&Figures::of(&rest), Decimal::ONE);
        assert_eq!(credits.trimmed(), Figures::of(&inv).trimmed());
        let inv_now = app.get(&format!("/invoices/{inv_id}")).await.assert_status(200).clone();
        assert_eq!(inv_now["status"], "credited");
    })
    .await;
}
