//! One company never sees, changes or references another's data, and nobody without
//! a valid token gets anything — driven over HTTP on SQLite and PostgreSQL.

use crate::common;

use common::{Resp, TestApp, customer_body, each_db, line};
use facturier_server::api::ROUTES;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// Everything the first company owns, in every state an id route cares about.
struct Owned {
    customer: String,
    product: String,
    draft_invoice: String,
    issued_invoice: String,
    draft_credit_note: String,
    issued_credit_note: String,
    /// A payment on the issued invoice.
    payment: String,
    /// A draft and an issued document of every other kind, by path segment.
    pipeline: Vec<(&'static str, String, String)>,
    /// A dunning step taken on the issued invoice, and its letter.
    dunning_step: String,
    dunning_letter: String,
    /// A SEPA direct-debit batch over the issued invoice.
    sepa_batch: String,
    /// A maintenance contract of the customer.
    contract: String,
    /// Time spent under the contract.
    intervention: String,
    /// An accounting export run of everything above.
    export_run: String,
    /// A recurring invoice template of the customer.
    recurring: String,
}

/// The kinds of the sales pipeline, by path segment.
const PIPELINE: [&str; 5] = ["quotes", "orders", "delivery-notes", "proformas", "deposit-invoices"];

impl Owned {
    fn all_ids(&self) -> [&str; 6] {
        [
            &self.customer,
            &self.product,
            &self.draft_invoice,
            &self.issued_invoice,
            &self.draft_credit_note,
            &self.issued_credit_note,
        ]
    }

    /// The first company's ids a route under `/{collection}/{id}` can be called with.
    fn ids_for(&self, path: &str) -> Option<Vec<&str>> {
        Some(match path.split('/').nth(1)? {
            "customers" => vec![&self.customer],
            "products" => vec![&self.product],
            // A draft and an issued one: a 409 instead of a 404 would leak the state.
            "invoices" => vec![&self.draft_invoice, &self.issued_invoice],
            "credit-notes" => vec![&self.draft_credit_note, &self.issued_credit_note],
            "payments" => vec![&self.payment],
            "dunning" => match path.split('/').nth(2)? {
                "steps" => vec![&self.dunning_step],
                "letters" => vec![&self.dunning_letter],
                _ => return None,
            },
            "sepa" => vec![&self.sepa_batch],
            "contracts" => vec![&self.contract],
            "interventions" => vec![&self.intervention],
            "exports" => vec![&self.export_run],
            "recurring-invoices" => vec![&self.recurring],
            seg => {
                let (_, draft, issued) = self.pipeline.iter().find(|(s, _, _)| *s == seg)?;
                vec![draft, issued]
            }
        })
    }
}

fn id_of(r: Resp) -> String {
    r.assert_status(201)["id"].as_str().expect("an id").to_string()
}

fn product_body(reference: &str, name: &str) -> Value {
    json!({"reference": reference, "name": name, "unit_price": "1.20", "vat_rate": "5.5", "stock": "40"})
}

/// A customer, a product, a draft and a partly paid invoice, and an issued and a draft credit note.
async fn boulangerie_martin(app: &TestApp) -> Owned {
    let customer = app.customer_named("Boulangerie Martin").await;
    let product = id_of(app.post("/products", product_body("PAIN-CAMP", "Pain de campagne")).await);
    let draft_invoice = app.draft_invoice(&customer, &[line("Fournée du matin", "30", "1.20", "5.5")]).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut from_catalogue = line("Pain de campagne", "100", "1.20", "5.5");
    from_catalogue["product_id"] = json!(product);
    let issued = app.issued_invoice(&customer, &[from_catalogue, line("Livraison", "1", "15.00", "20")]).await;
    let issued_invoice = issued["id"].as_str().unwrap().to_string();
    let paid = app
        .post(&format!("/invoices/{issued_invoice}/payments"), json!({"amount": "50.00", "method": "virement"}))
        .await;
    let payment = paid.assert_status(200)["payments"][0]["id"].as_str().unwrap().to_string();
    let gesture = app
        .post(
            &format!("/invoices/{issued_invoice}/credit-note"),
            json!({"lines": [line("Geste commercial", "1", "5.00", "5.5")]}),
        )
        .await;
    let issued_credit_note = id_of(gesture);
    app.post(&format!("/credit-notes/{issued_credit_note}/issue"), json!({})).await.assert_status(200);
    let draft_credit_note = id_of(app.post(&format!("/invoices/{issued_invoice}/credit-note"), json!({})).await);
    let mut pipeline = Vec::new();
    for seg in PIPELINE {
        let body = json!({"customer_id": customer, "title": "Boulangerie Martin, four neuf", "lines": [line("Four", "1", "9000", "20")]});
        let draft = id_of(app.post(&format!("/{seg}"), body.clone()).await);
        let issued = id_of(app.post(&format!("/{seg}"), body).await);
        app.post(&format!("/{seg}/{issued}/issue"), json!({})).await.assert_status(200);
        pipeline.push((seg, draft, issued));
    }
    // Collected by direct debit: the creditor, a mandate, a batch.
    let creditor = json!({
        "sepa": {"creditor_id": "FR72ZZZ123456"},
        "banks": [{"label": "Compte principal", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX", "default": true}],
    });
    app.patch("/settings", creditor).await.assert_status(200);
    let mandate = json!({"iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP", "reference": "MARTIN-1", "signed_on": "2026-01-15"});
    app.post(&format!("/customers/{customer}/mandates"), mandate).await.assert_status(201);
    let collection = facturier_core::sepa::earliest_collection_date(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(1),
    )
    .to_string();
    let batch =
        app.post("/sepa/direct-debits", json!({"collection_date": collection, "invoice_ids": [issued_invoice]})).await;
    let sepa_batch = id_of(batch);
    // Years later the invoice is overdue: a reminder by letter.
    let late = (time::OffsetDateTime::now_utc().date() + time::Duration::days(4 * 365)).to_string();
    let run = app
        .post("/dunning/run", json!({"as_of": late, "invoice_ids": [issued_invoice], "channel": "letter"}))
        .await
        .assert_status(200)
        .clone();
    let dunning_step = run["steps"][0]["id"].as_str().expect("a step").to_string();
    let dunning_letter = run["letters"][0]["id"].as_str().expect("a letter").to_string();
    let contract = json!({
        "customer_id": customer, "reference": "MARTIN-MAINT", "title": "Entretien du four", "start_date": "2026-01-01",
        "billing": {"period_months": 1, "mode": "advance"}, "lines": [line("Entretien", "1", "90", "20")],
    });
    let contract = id_of(app.post("/contracts", contract).await);
    let time = json!({"contract_id": contract, "kind": "time", "hours": "1.5", "rate": "60", "vat_rate": "20"});
    let intervention = id_of(app.post("/interventions", time).await);
    let run = json!({"format": "fec", "from": "2000-01-01", "to": "2199-12-31"});
    let export_run = id_of(app.post("/exports", run).await);
    let recurring = json!({
        "customer_id": customer, "frequency_months": 1, "next_date": "2026-01-01", "count": 3,
        "lines": [line("Abonnement", "1", "30", "20")],
    });
    let recurring = id_of(app.post("/recurring-invoices", recurring).await);
    Owned {
        customer,
        product,
        draft_invoice,
        issued_invoice,
        draft_credit_note,
        issued_credit_note,
        payment,
        pipeline,
        dunning_step,
        dunning_letter,
        sepa_batch,
        contract,
        intervention,
        export_run,
        recurring,
    }
}

/// What the first company sees of its own data: every list and every row.
async fn what_it_sees(app: &TestApp, owned: &Owned) -> Value {
    let mut seen = serde_json::Map::new();
    for list in ["/customers", "/products", "/invoices", "/credit-notes", "/contracts", "/recurring-invoices"] {
        seen.insert(list.into(), app.get(&format!("{list}?limit=200")).await.assert_status(200).clone());
    }
    for (seg, draft, issued) in &owned.pipeline {
        seen.insert(format!("/{seg}"), app.get(&format!("/{seg}?limit=200")).await.assert_status(200).clone());
        for id in [draft, issued] {
            let one = format!("/{seg}/{id}");
            seen.insert(one.clone(), app.get(&one).await.assert_status(200).clone());
        }
    }
    for (path, id) in [
        ("/customers", &owned.customer),
        ("/products", &owned.product),
        ("/invoices", &owned.draft_invoice),
        ("/invoices", &owned.issued_invoice),
        ("/credit-notes", &owned.draft_credit_note),
        ("/credit-notes", &owned.issued_credit_note),
        ("/contracts", &owned.contract),
        ("/interventions", &owned.intervention),
        ("/recurring-invoices", &owned.recurring),
    ] {
        let one = format!("{path}/{id}");
        seen.insert(one.clone(), app.get(&one).await.assert_status(200).clone());
    }
    Value::Object(seen)
}

/// A body that would succeed on the caller's own row, so only ownership can refuse it.
fn plausible_body(method: &str, path: &str) -> Option<Value> {
    match (method, path.split('/').nth(1), path.rsplit('/').next()) {
        ("get" | "delete", _, _) => None,
        ("patch", Some("customers"), _) => Some(json!({"name": "Piraté SARL", "activity": "Piratage"})),
        ("patch", Some("products"), _) => Some(json!({"unit_price": "0.01", "stock": "0"})),
        ("patch", _, _) => Some(json!({"note": "piraté", "lines": []})),
        ("post", _, Some("payments")) => Some(json!({"amount": "1.00", "method": "virement"})),
        ("post", Some("orders"), Some("convert")) => Some(json!({"to": "delivery-note"})),
        ("post", Some("contracts"), Some("terminate")) => Some(json!({"date": "2026-06-30"})),
        ("put", Some("contracts"), Some("plan")) => Some(json!({"hours_per_period": "1", "hourly_cost": "1"})),
        ("post", Some("contracts"), Some("suspend")) => Some(json!({"from": "2026-06-30", "reason": "Travaux"})),
        ("post", Some("contracts"), Some("resume")) => Some(json!({"date": "2026-07-30"})),
        ("post", _, Some("deposit-invoice")) => Some(json!({"percent": "30"})),
        ("post", _, Some("progress-invoice")) => Some(json!({"cumulative_percent": "40"})),
        ("post", _, Some("convert")) => Some(json!({"to": "invoice"})),
        _ => Some(json!({})),
    }
}

/// `path` with each `{placeholder}` replaced by `id`.
fn fill_placeholders(path: &str, id: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { id } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn method(m: &str) -> Method {
    Method::from_bytes(m.to_ascii_uppercase().as_bytes()).expect("an HTTP method")
}

#[track_caller]
fn assert_problem(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: body {}", r.body);
    assert!(r.content_type.starts_with("application/problem+json"), "{what}: content-type {:?}", r.content_type);
    assert_eq!(r.body["status"], status, "{what}: {}", r.body);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.trim().is_empty()), "{what}: no detail in {}", r.body);
}

#[tokio::test]
async fn another_company_gets_404_for_every_id_of_the_first_on_every_id_route() {
    each_db(|app| async move {
        let owned = boulangerie_martin(&app).await;
        let before = what_it_sees(&app, &owned).await;
        let other = app.other_company().await;
        other.customer_named("Garage Dupont").await;

        let mut checked = 0;
        for (m, path, _) in ROUTES.iter().filter(|(_, p, _)| p.contains("{id}")) {
            let ids =
                owned.ids_for(path).unwrap_or_else(|| panic!("no fixture for {path}: add one so the route is checked"));
            for id in ids {
                let url = path.replace("{id}", id);
                let r = other.request(method(m), &url, plausible_body(m, path), &[]).await;
                assert_problem(&r, 404, &format!("{} {url} by another company", m.to_uppercase()));
                assert!(!r.body.to_string().contains("Boulangerie Martin"), "{m} {url} leaks: {}", r.body);
                checked += 1;
            }
        }
        // GET/PATCH customers and products, GET/PATCH/DELETE invoices and credit notes,
        // issue, payments and credit-note on invoices, issue on credit notes; two ids for documents.
        assert!(checked >= 2 + 2 + 6 * 2 + 4 * 2, "only {checked} id routes were checked");

        assert_eq!(what_it_sees(&app, &owned).await, before, "the first company's data changed");
    })
    .await;
}

#[tokio::test]
async fn another_company_sees_none_of_the_first_companys_rows_in_lists_and_searches() {
    each_db(|app| async move {
        let owned = boulangerie_martin(&app).await;
        let first_cursor = app.get("/invoices?limit=1").await.assert_status(200)["next_cursor"]
            .as_str()
            .expect("a second page")
            .to_string();
        let first_credit_cursor = app.get("/credit-notes?limit=1").await.assert_status(200)["next_cursor"]
            .as_str()
            .expect("a second page")
            .to_string();

        // The other company has rows of its own that match the same searches.
        let other = app.other_company().await;
        let own_customer = id_of(other.post("/customers", customer_body("Garage Dupont")).await);
        let own_product = id_of(other.post("/products", product_body("PAIN-CAMP", "Pain de campagne")).await);
        let own_invoice = other.issued_invoice(&own_customer, &[line("Vidange", "1", "89.00", "20")]).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let own_credit = id_of(other.post(&format!("/invoices/{own_invoice}/credit-note"), json!({})).await);

        let cust = &owned.customer;
        let queries = [
            "/customers".to_string(),
            "/customers?q=martin".into(),
            "/customers?q=boulangerie".into(),
            "/customers?q=lyon".into(),
            "/customers?q=sophie".into(),
            "/customers?activity=boulangerie".into(),
            "/customers?limit=200".into(),
            "/products".into(),
            "/products?q=pain".into(),
            "/products?q=PAIN-CAMP".into(),
            "/products?q=campagne&limit=200".into(),
            "/invoices".into(),
            "/invoices?status=draft".into(),
            "/invoices?status=issued".into(),
            "/invoices?status=partially_paid".into(),
            "/invoices?status=paid".into(),
            "/invoices?status=credited".into(),
            format!("/invoices?customer_id={cust}"),
            format!("/invoices?customer_id={cust}&status=partially_paid"),
            "/invoices?from=2000-01-01&to=2199-12-31".into(),
            "/invoices?from=2000-01-01".into(),
            "/invoices?to=2199-12-31&limit=200".into(),
            format!("/invoices?after={first_cursor}"),
            format!(
                "/invoices?customer_id={cust}&status=draft&from=2000-01-01&to=2199-12-31&limit=1&after={first_cursor}"
            ),
            "/credit-notes".into(),
            "/credit-notes?status=draft".into(),
            "/credit-notes?status=issued".into(),
            format!("/credit-notes?customer_id={cust}"),
            "/credit-notes?from=2000-01-01&to=2199-12-31&limit=200".into(),
            format!("/credit-notes?after={first_credit_cursor}"),
            "/exports".into(),
        ];
        let mut own_rows_seen = Vec::new();
        for q in &queries {
            let r = other.get(q).await;
            let page = r.assert_status(200);
            let text = page.to_string();
            for id in owned.all_ids() {
                assert!(!text.contains(id), "{q} shows the first company's {id}: {text}");
            }
            assert!(!text.contains("Boulangerie Martin") && !text.contains("Fournée"), "{q} leaks: {text}");
            own_rows_seen
                .extend(page["data"].as_array().unwrap().iter().map(|row| row["id"].as_str().unwrap().to_string()));
        }
        // The searches work; they just stop at the company's edge.
        for own in [&own_customer, &own_product, &own_invoice, &own_credit] {
            assert!(own_rows_seen.contains(own), "the other company does not see its own {own}");
        }
    })
    .await;
}

#[tokio::test]
async fn another_company_cannot_reference_the_first_companys_customers_or_products() {
    each_db(|app| async move {
        let owned = boulangerie_martin(&app).await;
        let before = what_it_sees(&app, &owned).await;
        let other = app.other_company().await;
        let own_customer = other.customer_named("Garage Dupont").await;
        let own_draft = other.draft_invoice(&own_customer, &[line("Vidange", "1", "89.00", "20")]).await;
        let own_draft_id = own_draft["id"].as_str().unwrap();
        let own_issued = other.issued_invoice(&own_customer, &[line("Pneus", "4", "95.00", "20")]).await;
        let own_issued_id = own_issued["id"].as_str().unwrap();
        let their_product_line = || {
            let mut l = line("Pain de campagne", "1", "1.20", "5.5");
            l["product_id"] = json!(owned.product);
            l
        };
        let their_product_only = json!({"product_id": owned.product, "quantity": "3"});
        let invoices_before = other.get("/invoices?limit=200").await.assert_status(200).clone();
        let credit_notes_before = other.get("/credit-notes?limit=200").await.assert_status(200).clone();

        let attempts = [
            ("POST", "/invoices".to_string(), json!({"customer_id": owned.customer, "lines": [line("Vidange", "1", "89.00", "20")]}), "customer_id"),
            ("POST", "/invoices".into(), json!({"customer_id": own_customer, "lines": [their_product_line()]}), "lines[0].product_id"),
            ("POST", "/invoices".into(), json!({"customer_id": own_customer, "lines": [line("Vidange", "1", "89.00", "20"), their_product_only]}), "lines[1].product_id"),
            ("PATCH", format!("/invoices/{own_draft_id}"), json!({"customer_id": owned.customer}), "customer_id"),
            ("PATCH", format!("/invoices/{own_draft_id}"), json!({"lines": [their_product_line()]}), "lines[0].product_id"),
            ("POST", format!("/invoices/{own_issued_id}/credit-note"), json!({"lines": [their_product_line()]}), "lines[0].product_id"),
        ];
        for (m, path, body, field) in attempts {
            let r = other.request(method(m), &path, Some(body), &[]).await;
            assert_problem(&r, 422, &format!("{m} {path}"));
            assert!(r.error_fields().iter().any(|f| f == field), "{m} {path}: expected an error on {field}, got {}", r.body);
            assert!(!r.body.to_string().contains("Boulangerie Martin"), "{m} {path} leaks: {}", r.body);
        }

        assert_eq!(other.get(&format!("/invoices/{own_draft_id}")).await.assert_status(200), &own_draft, "the refused patches left the draft alone");
        assert_eq!(other.get("/invoices?limit=200").await.assert_status(200), &invoices_before, "no invoice was created");
        assert_eq!(other.get("/credit-notes?limit=200").await.assert_status(200), &credit_notes_before, "no credit note was created");
        assert_eq!(what_it_sees(&app, &owned).await, before, "the first company's data changed");
    })
    .await;
}

#[tokio::test]
async fn an_idempotency_key_of_one_company_never_replays_for_another() {
    each_db(|app| async move {
        let key = [("Idempotency-Key", "commande-2026-0001")];
        let first = app.request(Method::POST, "/customers", Some(customer_body("Boulangerie Martin")), &key).await;
        let first_id = first.assert_status(201)["id"].as_str().unwrap().to_string();

        let other = app.other_company().await;
        let theirs = other.request(Method::POST, "/customers", Some(customer_body("Boulangerie Martin")), &key).await;
        let their_id = theirs.assert_status(201)["id"].as_str().unwrap().to_string();
        assert_ne!(their_id, first_id, "the other company got the first company's response");
        assert_eq!(other.get(&format!("/customers/{their_id}")).await.status, 200);
        assert_eq!(other.get(&format!("/customers/{first_id}")).await.status, 404);

        // A key the other company used first is still free for the first company.
        let different = other
            .request(
                Method::POST,
                "/customers",
                Some(customer_body("Garage Dupont")),
                &[("Idempotency-Key", "second-key")],
            )
            .await;
        different.assert_status(201);
        let reused = app
            .request(
                Method::POST,
                "/customers",
                Some(customer_body("Garage Dupont")),
                &[("Idempotency-Key", "second-key")],
            )
            .await;
        assert_eq!(reused.status, 201, "the first company's key space is its own: {}", reused.body);

        let mine = app.get("/customers").await;
        let names: Vec<_> = mine.assert_status(200)["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    })
    .await;
}

/// One unauthenticated attempt: `authorization` is the raw header, if any.
async fn without_valid_token(
    app: &TestApp,
    m: &str,
    path: &str,
    authorization: Option<&str>,
    idempotency_key: bool,
) -> Resp {
    let mut req = app.http.request(method(m), format!("{}{}", app.base, path));
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    if idempotency_key {
        req = req.header("idempotency-key", "sans-jeton-1");
    }
    if let Some(body) = plausible_body(m, path) {
        req = req.json(&body);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = r.text().await.unwrap_or_default();
    Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), content_type }
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401_on_every_route() {
    each_db(|app| async move {
        let owned = boulangerie_martin(&app).await;
        let before = what_it_sees(&app, &owned).await;
        let mut tampered = app.token.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'a' { 'b' } else { 'a' });
        let bearer_tampered = format!("Bearer {tampered}");
        let basic = format!("Basic {}", app.token);
        let too_long = format!("Bearer {}", "x".repeat(300));
        let bad_headers: [Option<&str>; 6] =
            [None, Some("Bearer"), Some("Bearer not-a-token"), Some(&bearer_tampered), Some(&basic), Some(&too_long)];

        let mut checked = 0;
        // Stripe's webhook takes no token: its signature is checked instead (online_payment.rs).
        for (m, path, _) in ROUTES.iter().filter(|(_, p, _)| *p != "/openapi.json" && !p.starts_with("/webhooks/")) {
            // The first company's own ids: only the missing token can explain a refusal.
            let id = owned.ids_for(path).map(|ids| ids[0].to_string()).unwrap_or_else(|| Uuid::now_v7().to_string());
            let url = fill_placeholders(path, &id);
            for authorization in bad_headers {
                for idempotency_key in [false, *m == "post"] {
                    let r = without_valid_token(&app, m, &url, authorization, idempotency_key).await;
                    assert_problem(
                        &r,
                        401,
                        &format!("{} {url} with authorization {authorization:?}", m.to_uppercase()),
                    );
                    assert!(!r.body.to_string().contains("Boulangerie Martin"), "{m} {url} leaks: {}", r.body);
                }
            }
            checked += 1;
        }
        assert!(checked >= 21, "only {checked} routes were checked");

        assert_eq!(what_it_sees(&app, &owned).await, before, "an unauthenticated request changed something");
        // The real token still works, and the refused key was not burnt.
        let ok = app
            .request(
                Method::POST,
                "/customers",
                Some(customer_body("Fromagerie Durand")),
                &[("idempotency-key", "sans-jeton-1")],
            )
            .await;
        ok.assert_status(201);
    })
    .await;
}
