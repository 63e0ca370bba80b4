//! Bad input gets a clear 4xx as problem+json, naming the fields, and stores nothing —
//! driven over HTTP on SQLite and PostgreSQL.

use crate::common;

use common::{Resp, TestApp, customer_body, each_db, line};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

#[track_caller]
fn assert_problem(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: body {}", r.body);
    assert!(r.content_type.starts_with("application/problem+json"), "{what}: content-type {:?}", r.content_type);
    assert_eq!(r.body["status"], status, "{what}: {}", r.body);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.trim().is_empty()), "{what}: no detail in {}", r.body);
    if status == 422 {
        let errors = r.body["errors"].as_array().unwrap_or_else(|| panic!("{what}: no errors array in {}", r.body));
        assert!(!errors.is_empty(), "{what}: empty errors in {}", r.body);
        for e in errors {
            assert!(
                e["field"].as_str().is_some_and(|f| !f.is_empty()),
                "{what}: an error without a field in {}",
                r.body
            );
            assert!(
                e["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{what}: an error without a message in {}",
                r.body
            );
        }
    }
}

/// A 422 problem that names `field`.
#[track_caller]
fn assert_invalid(r: &Resp, field: &str, what: &str) {
    assert_problem(r, 422, what);
    assert!(r.error_fields().iter().any(|f| f == field), "{what}: expected an error on {field:?}, got {}", r.body);
}

/// `v` without the member at a JSON pointer.
fn without(mut v: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    match v.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.remove(key);
        }
        Some(Value::Array(a)) => {
            a.remove(key.parse::<usize>().unwrap());
        }
        _ => panic!("nothing at {parent}"),
    }
    v
}

/// `v` with the member at a JSON pointer set to `new`.
fn with(mut v: Value, pointer: &str, new: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a JSON pointer");
    match v.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(key.to_string(), new);
        }
        Some(Value::Array(a)) => match key.parse::<usize>().unwrap() {
            i if i == a.len() => a.push(new),
            i => a[i] = new,
        },
        _ => panic!("nothing at {parent}"),
    }
    v
}

fn product_body() -> Value {
    json!({"reference": "CROIS-01", "name": "Croissant au beurre", "unit_price": "1.10", "vat_rate": "5.5", "unit": "C62"})
}

fn invoice_body(customer_id: &str) -> Value {
    json!({"customer_id": customer_id, "lines": [line("Fournée du matin", "30", "1.20", "5.5")]})
}

/// Everything the company has stored, as its lists show it.
async fn everything(app: &TestApp) -> Value {
    let mut all = serde_json::Map::new();
    for list in ["/customers", "/products", "/invoices", "/credit-notes"] {
        all.insert(list.into(), app.get(&format!("{list}?limit=200")).await.assert_status(200)["data"].clone());
    }
    Value::Object(all)
}

/// Sends each `(body, field)` to `POST path`, expecting a 422 on `field`.
async fn each_refused(app: &TestApp, path: &str, cases: Vec<(Value, &str)>) {
    for (body, field) in cases {
        let r = app.post(path, body.clone()).await;
        assert_invalid(&r, field, &format!("POST {path} {body}"));
    }
}

#[tokio::test]
async fn a_customer_without_its_required_fields_is_refused_field_by_field() {
    each_db(|app| async move {
        app.customer_named("Boulangerie Martin").await;
        let before = everything(&app).await;
        let ok = customer_body("Pâtisserie Lefèvre");
        each_refused(
            &app,
            "/customers",
            vec![
                (without(ok.clone(), "/name"), "name"),
                (with(ok.clone(), "/name", json!("   ")), "name"),
                (without(ok.clone(), "/billing_address"), "billing_address"),
                (without(ok.clone(), "/billing_address/line1"), "billing_address.line1"),
                (without(ok.clone(), "/billing_address/postal_code"), "billing_address.postal_code"),
                (without(ok.clone(), "/billing_address/city"), "billing_address.city"),
                (without(ok.clone(), "/billing_address/country"), "billing_address.country"),
                (with(ok.clone(), "/billing_address/postal_code", json!("6900")), "billing_address.postal_code"),
                (without(ok.clone(), "/contacts/0/name"), "contacts[0].name"),
            ],
        )
        .await;
        // Every missing field at once, not one per round trip.
        let r = app.post("/customers", json!({"billing_address": {}})).await;
        let fields = r.error_fields();
        for f in [
            "name",
            "billing_address.line1",
            "billing_address.postal_code",
            "billing_address.city",
            "billing_address.country",
        ] {
            assert!(fields.contains(&f.to_string()), "{f} missing from {fields:?}");
        }
        assert_eq!(everything(&app).await, before, "a refused customer was stored");
    })
    .await;
}

#[tokio::test]
async fn a_product_without_reference_price_or_vat_rate_is_refused() {
    each_db(|app| async move {
        app.post("/products", product_body()).await.assert_status(201);
        let before = everything(&app).await;
        let ok = with(product_body(), "/reference", json!("PAIN-01"));
        each_refused(
            &app,
            "/products",
            vec![
                (without(ok.clone(), "/reference"), "reference"),
                (with(ok.clone(), "/reference", json!("")), "reference"),
                (without(ok.clone(), "/unit_price"), "unit_price"),
                (without(ok.clone(), "/vat_rate"), "vat_rate"),
                (without(ok.clone(), "/name"), "name"),
            ],
        )
        .await;
        assert_eq!(everything(&app).await, before, "a refused product was stored");
    })
    .await;
}

#[tokio::test]
async fn an_invoice_without_customer_lines_or_line_fields_is_refused() {
    each_db(|app| async move {
        let customer = app.customer().await;
        app.draft_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let before = everything(&app).await;
        let ok = invoice_body(&customer);
        each_refused(
            &app,
            "/invoices",
            vec![
                (without(ok.clone(), "/customer_id"), "customer_id"),
                (without(ok.clone(), "/lines"), "lines"),
                (without(ok.clone(), "/lines/0/quantity"), "lines[0].quantity"),
                (without(ok.clone(), "/lines/0/description"), "lines[0].description"),
                (with(ok.clone(), "/lines/0/description", json!(" ")), "lines[0].description"),
                (without(ok.clone(), "/lines/0/unit_price"), "lines[0].unit_price"),
                (without(ok.clone(), "/lines/0/vat_rate"), "lines[0].vat_rate"),
                (with(ok.clone(), "/lines/1", json!({"description": "Livraison"})), "lines[1].quantity"),
            ],
        )
        .await;
        assert_eq!(everything(&app).await, before, "a refused invoice was stored");
    })
    .await;
}

#[tokio::test]
async fn legal_identifiers_and_ibans_with_bad_checksums_are_refused() {
    each_db(|app| async move {
        let before = everything(&app).await;
        let ok = customer_body("Boulangerie Martin");
        each_refused(
            &app,
            "/customers",
            vec![
                (with(ok.clone(), "/legal", json!({"siren": "732829321"})), "legal.siren"),
                (with(ok.clone(), "/legal", json!({"siren": "73282932"})), "legal.siren"),
                (with(ok.clone(), "/legal", json!({"siret": "73282932000075"})), "legal.siret"),
                (
                    with(ok.clone(), "/legal", json!({"siren": "732829320", "vat_number": "FR45732829320"})),
                    "legal.vat_number",
                ),
                (with(ok.clone(), "/legal", json!({"vat_number": "FR45732829320"})), "legal.vat_number"),
                (with(ok.clone(), "/iban", json!("FR7730006000011234567890189")), "iban"),
                (with(ok.clone(), "/iban", json!("FR76 3000 6000 0112 3456 7890 18")), "iban"),
            ],
        )
        .await;
        // The same identifiers with their right keys are accepted.
        let good = with(ok.clone(), "/legal", json!({"siret": "73282932000074", "vat_number": "FR44732829320"}));
        let good = with(good, "/iban", json!("FR7630006000011234567890189"));
        let created = app.post("/customers", good).await;
        assert_eq!(created.assert_status(201)["legal"]["siren"], "732829320");
        assert_eq!(
            everything(&app).await.as_object().unwrap()["/customers"].as_array().unwrap().len(),
            before["/customers"].as_array().unwrap().len() + 1
        );
    })
    .await;
}

#[tokio::test]
async fn a_siret_of_another_siren_is_refused() {
    each_db(|app| async move {
        let before = everything(&app).await;
        let body = with(
            customer_body("Boulangerie Martin"),
            "/legal",
            json!({"siren": "732829320", "siret": "55208131766522"}),
        );
        let r = app.post("/customers", body).await;
        assert_invalid(&r, "legal.siret", "SIRET of another SIREN");
        assert_eq!(everything(&app).await, before);

        // Nor can a patch pair an existing SIREN with someone else's SIRET.
        let id = app.customer().await;
        let stored = app.get(&format!("/customers/{id}")).await.assert_status(200).clone();
        let r = app.patch(&format!("/customers/{id}"), json!({"legal": {"siret": "55208131766522"}})).await;
        assert_invalid(&r, "legal.siret", "PATCH with a SIRET of another SIREN");
        assert_eq!(app.get(&format!("/customers/{id}")).await.assert_status(200), &stored);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_customer_in_an_invoice_is_refused_on_customer_id() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let before = everything(&app).await;
        for unknown in [Uuid::now_v7().to_string(), "not-an-id".into(), "".into()] {
            let r = app.post("/invoices", invoice_body(&unknown)).await;
            assert_invalid(&r, "customer_id", &format!("customer_id {unknown:?}"));
        }
        let r = app.post("/invoices", with(invoice_body(&customer), "/customer_id", json!(42))).await;
        assert_invalid(&r, "customer_id", "a number as customer_id");
        let mut from_unknown_product = line("Fournée", "1", "1.20", "5.5");
        from_unknown_product["product_id"] = json!(Uuid::now_v7());
        let r = app.post("/invoices", json!({"customer_id": customer, "lines": [from_unknown_product]})).await;
        assert_invalid(&r, "lines[0].product_id", "an unknown product");
        assert_eq!(everything(&app).await, before, "an invoice for nobody was stored");
    })
    .await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_in_paths_are_404() {
    each_db(|app| async move {
        app.issued_invoice(&app.customer().await, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let before = everything(&app).await;
        for id in [
            Uuid::now_v7().to_string(),
            Uuid::nil().to_string(),
            "not-a-uuid".into(),
            "12345".into(),
            "F2026-00001".into(),
        ] {
            for (m, path, body) in [
                (Method::GET, format!("/customers/{id}"), None),
                (Method::PATCH, format!("/customers/{id}"), Some(json!({"name": "Nouveau nom"}))),
                (Method::GET, format!("/products/{id}"), None),
                (Method::PATCH, format!("/products/{id}"), Some(json!({"name": "Nouveau nom"}))),
                (Method::GET, format!("/invoices/{id}"), None),
                (Method::PATCH, format!("/invoices/{id}"), Some(json!({"note": "x"}))),
                (Method::DELETE, format!("/invoices/{id}"), None),
                (Method::POST, format!("/invoices/{id}/issue"), Some(json!({}))),
                (
                    Method::POST,
                    format!("/invoices/{id}/payments"),
                    Some(json!({"amount": "10.00", "method": "virement"})),
                ),
                (Method::POST, format!("/invoices/{id}/credit-note"), Some(json!({}))),
                (Method::GET, format!("/credit-notes/{id}"), None),
                (Method::PATCH, format!("/credit-notes/{id}"), Some(json!({"note": "x"}))),
                (Method::DELETE, format!("/credit-notes/{id}"), None),
                (Method::POST, format!("/credit-notes/{id}/issue"), Some(json!({}))),
            ] {
                let r = app.request(m.clone(), &path, body, &[]).await;
                assert_problem(&r, 404, &format!("{m} {path}"));
            }
        }
        assert_eq!(everything(&app).await, before);

        // An id of the other kind of document is unknown too, and nothing happens to it.
        let customer = app.customer_named("Pâtisserie Lefèvre").await;
        let draft = app.draft_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let draft_invoice = draft["id"].as_str().unwrap();
        let issued = app.issued_invoice(&customer, &[line("Fournée", "2", "10.00", "5.5")]).await;
        let issued_invoice = issued["id"].as_str().unwrap();
        let credit_note = app.post(&format!("/invoices/{issued_invoice}/credit-note"), json!({})).await;
        let credit_note = credit_note.assert_status(201)["id"].as_str().unwrap().to_string();
        let before = everything(&app).await;
        for (m, path) in [
            (Method::GET, format!("/credit-notes/{draft_invoice}")),
            (Method::PATCH, format!("/credit-notes/{draft_invoice}")),
            (Method::DELETE, format!("/credit-notes/{draft_invoice}")),
            (Method::POST, format!("/credit-notes/{draft_invoice}/issue")),
            (Method::GET, format!("/invoices/{credit_note}")),
            (Method::PATCH, format!("/invoices/{credit_note}")),
            (Method::DELETE, format!("/invoices/{credit_note}")),
            (Method::POST, format!("/invoices/{credit_note}/issue")),
            (Method::POST, format!("/invoices/{credit_note}/payments")),
            (Method::POST, format!("/invoices/{credit_note}/credit-note")),
            (Method::GET, format!("/customers/{draft_invoice}")),
            (Method::GET, format!("/products/{customer}")),
        ] {
            let body = match m {
                Method::PATCH => Some(json!({"note": "x"})),
                Method::POST if path.ends_with("payments") => Some(json!({"amount": "1.00", "method": "virement"})),
                Method::POST => Some(json!({})),
                _ => None,
            };
            let r = app.request(m.clone(), &path, body, &[]).await;
            assert_problem(&r, 404, &format!("{m} {path}"));
        }
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

#[tokio::test]
async fn requests_axum_refuses_by_itself_are_answered_as_problem_json_too() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let before = everything(&app).await;
        let cases = [
            (Method::GET, "/invoices?status=draft&status=paid".to_string(), 400),
            (Method::GET, "/customers?limit=1&limit=2".into(), 400),
            (Method::GET, "/customers/%FF".into(), 400),
            (Method::PUT, format!("/customers/{customer}"), 405),
            (Method::DELETE, format!("/customers/{customer}"), 405),
            (Method::POST, "/credit-notes".into(), 405),
        ];
        for (m, path, status) in cases {
            let r = app.request(m.clone(), &path, Some(json!({"name": "x"})), &[]).await;
            assert_problem(&r, status, &format!("{m} {path}"));
        }
        let r = app
            .http
            .post(format!("{}/customers", app.base))
            .bearer_auth(&app.token)
            .header("content-type", "text/plain")
            .body(customer_body("x").to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 415, "JSON sent with the wrong Content-Type is an unsupported media type");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_truncated_json_body_is_400() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let draft = app.draft_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let draft_id = draft["id"].as_str().unwrap();
        let issued = app.issued_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let issued_id = issued["id"].as_str().unwrap();
        let before = everything(&app).await;
        let full = invoice_body(&customer).to_string();
        let truncated = &full[..full.len() / 2];
        for (m, path, body) in [
            (Method::POST, "/customers".to_string(), r#"{"name": "Boulangerie"#),
            (Method::POST, "/customers".into(), ""),
            (Method::POST, "/customers".into(), "name=Boulangerie"),
            (Method::POST, "/products".into(), r#"{"reference": "P1", "unit_price": "1.0"#),
            (Method::POST, "/invoices".into(), truncated),
            (Method::POST, "/invoices".into(), r#"{"customer_id": "x", "lines": [}"#),
            (Method::PATCH, format!("/customers/{customer}"), r#"{"name": "#),
            (Method::PATCH, format!("/invoices/{draft_id}"), r#"{"lines": ["#),
            (Method::POST, format!("/invoices/{issued_id}/payments"), r#"{"amount": "10.00""#),
            (Method::POST, format!("/invoices/{issued_id}/credit-note"), r#"{"lines": [{"#),
        ] {
            let r = app.raw(m.clone(), &path, body).await;
            assert_problem(&r, 400, &format!("{m} {path} {body:?}"));
        }
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

#[tokio::test]
async fn wrong_json_types_name_the_field_path() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let draft = app.draft_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let draft_id = draft["id"].as_str().unwrap();
        let before = everything(&app).await;
        let c = customer_body("Pâtisserie Lefèvre");
        each_refused(
            &app,
            "/customers",
            vec![
                (with(c.clone(), "/billing_address", json!(42)), "billing_address"),
                (with(c.clone(), "/legal", json!(732829320)), "legal"),
                (with(c.clone(), "/name", json!(42)), "name"),
                (with(c.clone(), "/contacts", json!({"name": "Sophie"})), "contacts"),
                (with(c.clone(), "/contacts/0", json!(7)), "contacts[0]"),
                (with(c.clone(), "/contacts/0/name", json!(["Sophie"])), "contacts[0].name"),
            ],
        )
        .await;
        let i = invoice_body(&customer);
        each_refused(
            &app,
            "/invoices",
            vec![
                (with(i.clone(), "/lines", json!(3)), "lines"),
                (with(i.clone(), "/lines/0", json!(3)), "lines[0]"),
                (with(i.clone(), "/lines/0/quantity", json!({"value": "2"})), "lines[0].quantity"),
                (with(i.clone(), "/lines/0/quantity", json!(true)), "lines[0].quantity"),
                (with(i.clone(), "/lines/0/unit_price", json!(["1.20"])), "lines[0].unit_price"),
                (with(i.clone(), "/lines/0/description", json!(12)), "lines[0].description"),
            ],
        )
        .await;
        each_refused(&app, "/products", vec![(with(product_body(), "/unit_price", json!({"amount": "1.10"})), "unit_price")]).await;
        let r = app.patch(&format!("/invoices/{draft_id}"), json!({"lines": [{"description": "Fournée", "quantity": {"n": 1}, "unit_price": "1", "vat_rate": "20"}]})).await;
        assert_invalid(&r, "lines[0].quantity", "PATCH with an object as quantity");
        let r = app.patch(&format!("/customers/{customer}"), json!({"billing_address": 75001})).await;
        assert_invalid(&r, "billing_address", "PATCH with a number as address");
        let r = app.post("/customers", json!([customer_body("Boulangerie")])).await;
        assert_problem(&r, 422, "an array as the body");
        assert_eq!(everything(&app).await, before, "a body of the wrong shape changed something");
    })
    .await;
}

#[tokio::test]
async fn absurd_amounts_rates_and_quantities_are_refused() {
    each_db(|app| async move {
        let customer = app.customer().await;
        app.draft_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let before = everything(&app).await;
        let i = invoice_body(&customer);
        each_refused(
            &app,
            "/invoices",
            vec![
                (with(i.clone(), "/lines/0/quantity", json!("1e30")), "lines[0].quantity"),
                (with(i.clone(), "/lines/0/quantity", json!(1e30)), "lines[0].quantity"),
                (with(i.clone(), "/lines/0/unit_price", json!("1e30")), "lines[0].unit_price"),
                (with(i.clone(), "/lines/0/unit_price", json!("1000000000000")), "lines[0].unit_price"),
                (with(i.clone(), "/lines/0/quantity", json!("1000000000000")), "lines[0].quantity"),
                (with(i.clone(), "/lines/0/vat_rate", json!("150")), "lines[0].vat_rate"),
                (with(i.clone(), "/lines/0/vat_rate", json!("-5.5")), "lines[0].vat_rate"),
                (with(i.clone(), "/lines/0/unit_price", json!("-1.20")), "lines[0].unit_price"),
                (with(i.clone(), "/lines/0/discount_percent", json!("120")), "lines[0].discount_percent"),
                (with(i.clone(), "/discount_percent", json!("120")), "discount_percent"),
                (with(i.clone(), "/lines/0/quantity", json!("0")), "lines[0].quantity"),
                (with(i.clone(), "/lines/0/quantity", json!("0.000")), "lines[0].quantity"),
                (with(i.clone(), "/lines/0/unit_price", json!("1.1234567")), "lines[0].unit_price"),
                (with(i.clone(), "/lines/0/unit_price", json!("12,50")), "lines[0].unit_price"),
                (with(i.clone(), "/lines/0/unit_price", json!("NaN")), "lines[0].unit_price"),
                (with(i.clone(), "/lines/0/unit_price", json!("")), "lines[0].unit_price"),
                // Each figure is allowed, their product is not: the total would exceed any invoice.
                (
                    with(
                        with(i.clone(), "/lines/0/quantity", json!("999999999")),
                        "/lines/0/unit_price",
                        json!("999999999"),
                    ),
                    "lines",
                ),
            ],
        )
        .await;
        let p = product_body();
        each_refused(
            &app,
            "/products",
            vec![
                (with(p.clone(), "/unit_price", json!("1e30")), "unit_price"),
                (with(p.clone(), "/unit_price", json!("1000000000000")), "unit_price"),
                (with(p.clone(), "/unit_price", json!("-1.10")), "unit_price"),
                (with(p.clone(), "/unit_price", json!("1.1234567")), "unit_price"),
                (with(p.clone(), "/vat_rate", json!("150")), "vat_rate"),
                (with(p.clone(), "/purchase_price", json!("-3")), "purchase_price"),
            ],
        )
        .await;
        assert_eq!(everything(&app).await, before, "an absurd figure was stored");
    })
    .await;
}

#[tokio::test]
async fn too_many_tags_or_contacts_are_refused_not_truncated() {
    each_db(|app| async move {
        let id = app.customer().await;
        let stored = app.get(&format!("/customers/{id}")).await.assert_status(200).clone();
        let before = everything(&app).await;
        let tags: Vec<String> = (0..60).map(|n| format!("tournée-{n}")).collect();
        let contact = json!({"name": "Sophie Martin"});
        let contacts: Vec<Value> = (0..101).map(|_| contact.clone()).collect();
        let c = customer_body("Pâtisserie Lefèvre");
        each_refused(
            &app,
            "/customers",
            vec![
                (with(c.clone(), "/tags", json!(tags)), "tags"),
                (with(c.clone(), "/tags", json!(["x".repeat(51)])), "tags[0]"),
                (with(c.clone(), "/contacts", json!(contacts)), "contacts"),
            ],
        )
        .await;
        let r = app.patch(&format!("/customers/{id}"), json!({"tags": tags})).await;
        assert_invalid(&r, "tags", "PATCH with 60 tags");
        assert_eq!(app.get(&format!("/customers/{id}")).await.assert_status(200), &stored);
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

#[tokio::test]
async fn ten_thousand_lines_in_one_invoice_are_refused() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let before = everything(&app).await;
        let lines: Vec<Value> = (0..10_000).map(|n| line(&format!("Article {n}"), "1", "1.00", "20")).collect();
        let r = app.post("/invoices", json!({"customer_id": customer, "lines": lines})).await;
        assert!((400..500).contains(&r.status), "10 000 lines: {} {}", r.status, r.body);
        assert_problem(&r, r.status, "10 000 lines");
        assert_eq!(everything(&app).await, before, "a 10 000-line invoice was stored");
    })
    .await;
}

#[tokio::test]
async fn unknown_fields_are_refused() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let draft = app.draft_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let draft_id = draft["id"].as_str().unwrap().to_string();
        let issued = app.issued_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let issued_id = issued["id"].as_str().unwrap().to_string();
        let before = everything(&app).await;
        let c = customer_body("Pâtisserie Lefèvre");
        let i = invoice_body(&customer);
        for (path, body, field) in [
            ("/customers".to_string(), with(c.clone(), "/nom", json!("Pâtisserie")), "nom"),
            ("/customers".into(), with(c.clone(), "/billing_address/zip", json!("69002")), "billing_address.zip"),
            ("/customers".into(), with(c.clone(), "/legal/tva", json!("FR44732829320")), "legal.tva"),
            ("/products".into(), with(product_body(), "/price", json!("1.10")), "price"),
            ("/invoices".into(), with(i.clone(), "/total", json!("36.00")), "total"),
            ("/invoices".into(), with(i.clone(), "/lines/0/vat", json!("5.5")), "lines[0].vat"),
            (format!("/invoices/{issued_id}/payments"), json!({"amount": "1.00", "montant": "1.00"}), "montant"),
            (format!("/invoices/{issued_id}/credit-note"), json!({"reason": "erreur"}), "reason"),
        ] {
            let r = app.post(&path, body.clone()).await;
            assert_invalid(&r, field, &format!("POST {path} {body}"));
        }
        let r = app.patch(&format!("/invoices/{draft_id}"), json!({"remise": "10"})).await;
        assert_invalid(&r, "remise", "PATCH with an unknown field");
        let r = app.patch(&format!("/customers/{customer}"), json!({"siren": "732829320"})).await;
        assert_invalid(&r, "siren", "PATCH with a misplaced field");
        assert_eq!(everything(&app).await, before, "a body with unknown fields changed something");
    })
    .await;
}

#[tokio::test]
async fn bad_enum_values_and_list_parameters_are_refused() {
    each_db(|app| async move {
        let customer = app.customer().await;
        app.draft_invoice(&customer, &[line("Fournée", "1", "10.00", "5.5")]).await;
        let before = everything(&app).await;
        let c = customer_body("Pâtisserie Lefèvre");
        each_refused(
            &app,
            "/customers",
            vec![
                (with(c.clone(), "/language", json!("de")), "language"),
                (with(c.clone(), "/payment_terms", json!("30 semaines")), "payment_terms"),
                (with(c.clone(), "/currency", json!("EURO")), "currency"),
                (with(c.clone(), "/kind", json!("association")), "kind"),
                (with(c.clone(), "/billing_address/country", json!("France")), "billing_address.country"),
            ],
        )
        .await;
        each_refused(&app, "/products", vec![(with(product_body(), "/vat_category", json!("X")), "vat_category")])
            .await;
        let i = invoice_body(&customer);
        each_refused(
            &app,
            "/invoices",
            vec![
                (with(i.clone(), "/lines/0/vat_category", json!("X")), "lines[0].vat_category"),
                (with(i.clone(), "/payment_terms", json!("30 semaines")), "payment_terms"),
                (with(i.clone(), "/currency", json!("XYZ1")), "currency"),
                (with(i.clone(), "/issue_date", json!("31/12/2026")), "issue_date"),
            ],
        )
        .await;
        for (query, field) in [
            ("/invoices?status=foo", "status"),
            ("/credit-notes?status=foo", "status"),
            ("/invoices?customer_id=foo", "customer_id"),
            ("/invoices?from=2026-02-30", "from"),
            ("/invoices?to=yesterday", "to"),
            ("/invoices?after=garbage", "after"),
            ("/invoices?limit=0", "limit"),
            ("/invoices?limit=100000", "limit"),
            ("/invoices?limit=-1", "limit"),
            ("/invoices?limit=ten", "limit"),
            ("/customers?limit=0", "limit"),
            ("/customers?limit=100000", "limit"),
            ("/products?limit=0", "limit"),
            ("/products?limit=100000", "limit"),
            ("/credit-notes?limit=100000", "limit"),
        ] {
            let r = app.get(query).await;
            assert_invalid(&r, field, query);
        }
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

#[tokio::test]
async fn payments_of_zero_negative_or_sub_cent_amounts_are_refused() {
    each_db(|app| async move {
        let inv = app.issued_invoice(&app.customer().await, &[line("Fournée", "10", "12.50", "5.5")]).await;
        let id = inv["id"].as_str().unwrap();
        let path = format!("/invoices/{id}/payments");
        for (body, field) in [
            (json!({"amount": "0", "method": "virement"}), "amount"),
            (json!({"amount": "0.00", "method": "virement"}), "amount"),
            (json!({"amount": "-10.00", "method": "virement"}), "amount"),
            (json!({"amount": "10.005", "method": "virement"}), "amount"),
            (json!({"amount": "1e3", "method": "virement"}), "amount"),
            (json!({"method": "virement"}), "amount"),
            (json!({"amount": "10.00", "method": "bitcoin"}), "method"),
            (json!({"amount": "10.00", "date": "2026-13-45"}), "date"),
        ] {
            let r = app.post(&path, body.clone()).await;
            assert_invalid(&r, field, &format!("payment {body}"));
        }
        let after = app.get(&format!("/invoices/{id}")).await;
        assert_eq!(after.assert_status(200), &inv, "a refused payment touched the invoice");
    })
    .await;
}

#[tokio::test]
async fn a_payment_on_a_draft_invoice_is_a_conflict() {
    each_db(|app| async move {
        let draft = app.draft_invoice(&app.customer().await, &[line("Fournée", "10", "12.50", "5.5")]).await;
        let id = draft["id"].as_str().unwrap();
        let r = app.post(&format!("/invoices/{id}/payments"), json!({"amount": "10.00", "method": "virement"})).await;
        assert_problem(&r, 409, "a payment on a draft");
        assert_eq!(app.get(&format!("/invoices/{id}")).await.assert_status(200), &draft);
    })
    .await;
}

#[tokio::test]
async fn a_credit_note_for_a_draft_invoice_is_a_conflict() {
    each_db(|app| async move {
        let draft = app.draft_invoice(&app.customer().await, &[line("Fournée", "10", "12.50", "5.5")]).await;
        let id = draft["id"].as_str().unwrap();
        let before = everything(&app).await;
        for body in [json!({}), json!({"lines": [line("Geste", "1", "5.00", "5.5")]})] {
            let r = app.post(&format!("/invoices/{id}/credit-note"), body).await;
            assert_problem(&r, 409, "a credit note for a draft");
        }
        assert_eq!(everything(&app).await, before, "a credit note was created for a draft");
    })
    .await;
}

#[tokio::test]
async fn an_invoice_without_lines_cannot_be_issued() {
    each_db(|app| async move {
        let empty = app.draft_invoice(&app.customer().await, &[]).await;
        let id = empty["id"].as_str().unwrap();
        let r = app.post(&format!("/invoices/{id}/issue"), json!({})).await;
        assert_problem(&r, 409, "issuing an empty invoice");
        let still = app.get(&format!("/invoices/{id}")).await;
        let still = still.assert_status(200);
        assert_eq!(still["status"], "draft");
        assert!(still["number"].is_null(), "no number is used up: {still}");
        assert_eq!(still, &empty);
    })
    .await;
}

#[tokio::test]
async fn an_issued_invoice_cannot_be_deleted_or_patched() {
    each_db(|app| async move {
        let issued = app.issued_invoice(&app.customer().await, &[line("Fournée", "10", "12.50", "5.5")]).await;
        let id = issued["id"].as_str().unwrap();
        let before = everything(&app).await;
        for patch in [
            json!({"lines": []}),
            json!({"note": "corrigée"}),
            json!({"discount_percent": "10"}),
            json!({"lines": [{"quantity": "0"}]}),
        ] {
            let r = app.patch(&format!("/invoices/{id}"), patch.clone()).await;
            assert_problem(&r, 409, &format!("PATCH {patch} on an issued invoice"));
        }
        let r = app.delete(&format!("/invoices/{id}")).await;
        assert_problem(&r, 409, "DELETE of an issued invoice");
        let r = app.post(&format!("/invoices/{id}/issue"), json!({})).await;
        assert_problem(&r, 409, "issuing twice");
        assert_eq!(app.get(&format!("/invoices/{id}")).await.assert_status(200), &issued, "the issued invoice changed");
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

#[tokio::test]
async fn the_same_idempotency_key_and_body_replay_the_first_response_and_create_one_row() {
    each_db(|app| async move {
        let key = [("Idempotency-Key", "creation-client-42")];
        let first = app.request(Method::POST, "/customers", Some(customer_body("Pâtisserie Lefèvre")), &key).await;
        first.assert_status(201);
        let again = app.request(Method::POST, "/customers", Some(customer_body("Pâtisserie Lefèvre")), &key).await;
        assert_eq!((again.status, &again.body), (first.status, &first.body), "the replay differs");
        let customers = everything(&app).await["/customers"].clone();
        assert_eq!(customers.as_array().unwrap().len(), 1, "{customers}");

        // A payment retried after a lost answer is recorded once.
        let inv =
            app.issued_invoice(first.body["id"].as_str().unwrap(), &[line("Fournée", "10", "12.50", "5.5")]).await;
        let path = format!("/invoices/{}/payments", inv["id"].as_str().unwrap());
        let key = [("Idempotency-Key", "virement-0007")];
        let paid = app.request(Method::POST, &path, Some(json!({"amount": "50.00", "method": "virement"})), &key).await;
        paid.assert_status(200);
        let replay =
            app.request(Method::POST, &path, Some(json!({"amount": "50.00", "method": "virement"})), &key).await;
        assert_eq!((replay.status, &replay.body), (paid.status, &paid.body));
        let now = app.get(&format!("/invoices/{}", inv["id"].as_str().unwrap())).await;
        let now = now.assert_status(200);
        assert_eq!(now["payments"].as_array().unwrap().len(), 1, "{now}");
        assert_eq!(now["totals"]["paid"], "50.00");

        // A refused request replays its refusal too.
        let key = [("Idempotency-Key", "client-sans-nom")];
        let bad = app.request(Method::POST, "/customers", Some(without(customer_body("x"), "/name")), &key).await;
        assert_invalid(&bad, "name", "first try");
        let bad_again = app.request(Method::POST, "/customers", Some(without(customer_body("x"), "/name")), &key).await;
        assert_invalid(&bad_again, "name", "replay");
        assert_eq!(bad_again.body, bad.body);
    })
    .await;
}

#[tokio::test]
async fn the_same_idempotency_key_with_another_body_is_refused() {
    each_db(|app| async move {
        let key = [("Idempotency-Key", "creation-client-43")];
        app.request(Method::POST, "/customers", Some(customer_body("Pâtisserie Lefèvre")), &key)
            .await
            .assert_status(201);
        let before = everything(&app).await;
        for other in [
            customer_body("Garage Dupont"),
            with(customer_body("Pâtisserie Lefèvre"), "/activity", json!("Pâtisserie")),
        ] {
            let r = app.request(Method::POST, "/customers", Some(other), &key).await;
            assert_invalid(&r, "Idempotency-Key", "the same key, another body");
        }
        // The same key on another endpoint is another request too.
        let r = app.request(Method::POST, "/products", Some(product_body()), &key).await;
        assert_invalid(&r, "Idempotency-Key", "the same key on another endpoint");
        assert_eq!(everything(&app).await, before, "a mismatched key created something");
    })
    .await;
}

#[tokio::test]
async fn different_idempotency_keys_create_different_rows() {
    each_db(|app| async move {
        let a = app
            .request(
                Method::POST,
                "/customers",
                Some(customer_body("Pâtisserie Lefèvre")),
                &[("Idempotency-Key", "k-1")],
            )
            .await;
        let b = app
            .request(
                Method::POST,
                "/customers",
                Some(customer_body("Pâtisserie Lefèvre")),
                &[("Idempotency-Key", "k-2")],
            )
            .await;
        let (a, b) = (a.assert_status(201), b.assert_status(201));
        assert_ne!(a["id"], b["id"]);
        let customers = everything(&app).await["/customers"].clone();
        assert_eq!(customers.as_array().unwrap().len(), 2, "{customers}");
        // An empty or absurdly long key is refused rather than ignored.
        for key in ["", &"k".repeat(300)] {
            let r = app
                .request(
                    Method::POST,
                    "/customers",
                    Some(customer_body("Pâtisserie Lefèvre")),
                    &[("Idempotency-Key", key)],
                )
                .await;
            assert_invalid(&r, "Idempotency-Key", "a bad key");
        }
        assert_eq!(everything(&app).await["/customers"], customers);
    })
    .await;
}

#[tokio::test]
async fn searches_with_control_characters_are_refused_on_both_backends() {
    each_db(|app| async move {
        app.customer().await;
        app.post("/products", product_body()).await.assert_status(201);
        // PostgreSQL cannot store a NUL and SQLite cuts the pattern at it: refuse it at the edge.
        for (query, field) in [
            ("/customers?q=%00", "q"),
            ("/customers?q=boulangerie%00martin", "q"),
            ("/customers?q=%01", "q"),
            ("/customers?activity=%00", "activity"),
            ("/products?q=%00", "q"),
            ("/products?q=croissant%1B", "q"),
        ] {
            let r = app.get(query).await;
            assert_invalid(&r, field, query);
        }
    })
    .await;
}

#[tokio::test]
async fn a_credit_note_cannot_change_its_invoices_currency() {
    each_db(|app| async move {
        let inv = app.issued_invoice(&app.customer().await, &[line("Fournée", "10", "12.50", "5.5")]).await;
        let id = inv["id"].as_str().unwrap();
        let cn = app.post(&format!("/invoices/{id}/credit-note"), json!({})).await.assert_status(201).clone();
        let cn_id = cn["id"].as_str().unwrap();
        for currency in ["USD", "chf"] {
            let r = app.patch(&format!("/credit-notes/{cn_id}"), json!({"currency": currency})).await;
            assert_invalid(&r, "currency", &format!("a credit note in {currency} for an invoice in EUR"));
        }
        assert_eq!(app.get(&format!("/credit-notes/{cn_id}")).await.assert_status(200), &cn);
        // Saying the same currency again is no change.
        let same = app.patch(&format!("/credit-notes/{cn_id}"), json!({"currency": "eur"})).await;
        assert_eq!(same.assert_status(200)["currency"], "EUR");
        assert_eq!(app.get(&format!("/invoices/{id}")).await.assert_status(200)["totals"], inv["totals"]);
    })
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused() {
    each_db(|app| async move {
        let before = everything(&app).await;
        // serde would read an array as positional fields; the API takes objects only.
        let r = app.raw(Method::POST, "/products", r#"["REF-9", "Nom", null, "1.00", "20"]"#).await;
        assert_eq!(r.status, 422);
        assert_eq!(r.error_fields(), vec!["body"]);
        let r = app.raw(Method::POST, "/customers", "42").await;
        assert_eq!(r.status, 422);
        // A body that is not JSON at all, announced as something else.
        let r = app
            .http
            .post(format!("{}/customers", app.base))
            .bearer_auth(&app.token)
            .header("content-type", "text/csv")
            .body("name;city\nX;Lyon")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 415);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_body_over_the_size_limit_gets_413_as_problem_json() {
    each_db(|app| async move {
        let before = everything(&app).await;
        let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
        for key in [None, Some("big-1")] {
            let mut req = app
                .http
                .post(format!("{}/customers", app.base))
                .bearer_auth(&app.token)
                .header("content-type", "application/json")
                .body(huge.clone());
            if let Some(k) = key {
                req = req.header("idempotency-key", k);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status().as_u16(), 413);
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        }
        assert_eq!(everything(&app).await, before);
    })
    .await;
}

/// A problem whose `code` and `detail` are those of a message of the catalogue.
#[track_caller]
fn assert_coded(r: &Resp, status: u16, code: &str, detail: &str, what: &str) {
    assert_problem(r, status, what);
    assert_eq!(r.body["code"], code, "{what}: {}", r.body);
    assert_eq!(r.body["type"], format!("tag:facturier.org,2026:problem:{code}"), "{what}: {}", r.body);
    let d = r.body["detail"].as_str().unwrap_or_default();
    assert!(d.starts_with(detail), "{what}: detail {d:?} does not start with {detail:?}");
}

/// Sends `body` chunked (no Content-Length) over a plain connection: the answer's status and JSON.
async fn chunked(app: &TestApp, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = app.base.strip_prefix("http://").unwrap();
    let (addr, prefix) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "POST /{prefix}{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n",
        app.token
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 * 1024) {
        // The server may answer (and close) before everything is sent.
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || s.write_all(chunk).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_string()))
        .unwrap_or_default();
    let json = body.find('{').and_then(|i| body.rfind('}').map(|j| &body[i..=j])).unwrap_or("null");
    Resp { status, body: serde_json::from_str(json).unwrap_or(Value::Null), content_type }
}

#[tokio::test]
async fn what_axum_and_the_layers_refuse_has_a_code_and_a_detail_from_the_catalogue() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let before = everything(&app).await;
        let r = app.request(Method::GET, "/invoices?status=draft&status=paid", None, &[]).await;
        assert_coded(&r, 400, "malformed_query", "the query string is malformed: ", "repeated parameter");
        let r = app.request(Method::GET, "/customers/%FF", None, &[]).await;
        assert_coded(&r, 400, "malformed_path", "the path is malformed: ", "path not UTF-8");
        let r = app.request(Method::PUT, &format!("/customers/{customer}"), Some(json!({"name": "x"})), &[]).await;
        assert_coded(
            &r,
            405,
            "method_not_allowed",
            "this method is not allowed on this path; the Allow header lists those that are",
            "wrong method",
        );

        // Over the 2 MiB of every route: with a length, refused before it is read…
        let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
        let r = app.raw(Method::POST, "/customers", &huge).await;
        let over = format!("the request body is larger than {} bytes", facturier_server::MAX_BODY);
        assert_coded(&r, 413, "body_too_large", &over, "a long body");
        // … without one, as it is read (by the idempotency layer when a key is given).
        for key in [None, Some(("Idempotency-Key", "chunked-1"))] {
            let headers: Vec<(&str, &str)> = [("Content-Type", "application/json")].into_iter().chain(key).collect();
            let r = chunked(&app, "/customers", &headers, huge.as_bytes()).await;
            assert_coded(&r, 413, "body_too_large", &over, &format!("a chunked body, key {key:?}"));
        }

        // A customer file over 10 MiB, in a body under the files' limit or over it.
        let path = format!("/customers/{customer}/files");
        let file = "the file is larger than 10 MiB, the most a customer file may be";
        for extra in [1, 200 * 1024] {
            let big = vec![7u8; facturier_server::api::customer_files::MAX_FILE + extra];
            let (ct, body) = common::web_client::multipart(&[], Some(("trop.bin", "application/octet-stream", &big)));
            let r = app
                .http
                .post(format!("{}{path}", app.base))
                .bearer_auth(&app.token)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 413);
            let problem: Value = r.json().await.unwrap();
            assert_eq!(problem["code"], "customer_file_too_large", "{problem}");
            assert_eq!(problem["detail"], file, "{problem}");
        }
        // A multipart body without its boundary cannot be read.
        let r = app.request(Method::POST, &path, None, &[("content-type", "multipart/form-data")]).await;
        assert_coded(&r, 400, "multipart_unreadable", "the multipart body cannot be read: ", "no boundary");
        assert_eq!(everything(&app).await, before);
    })
    .await;
}
