//! Online payment through Stripe Checkout (API.md, "Collections"), over HTTP on SQLite
//! and PostgreSQL, against a stand-in Stripe started by each test: an axum server on
//! 127.0.0.1:0 that speaks the part of Stripe's documented protocol we use
//! (`POST /v1/checkout/sessions`, form-encoded, `Authorization: Bearer sk_…`,
//! `Idempotency-Key`) and answers a session `{id, url, …}`. Webhook events are signed
//! here as Stripe signs them (`Stripe-Signature: t=…,v1=HMAC-SHA256("{t}.{body}")`).

use crate::common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{TestApp, each_db, line};
use facturier_server::stripe::signature::sign;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) const SECRET_KEY: &str = "sk_test_standin4242";
const WEBHOOK_SECRET: &str = "whsec_standin_secret_a";

/// What the stand-in received: each form, and the sessions it made by idempotency key.
#[derive(Default)]
pub(crate) struct Seen {
    forms: Vec<HashMap<String, String>>,
    by_key: HashMap<String, Value>,
    keys: Vec<String>,
}

/// A stand-in for Stripe's API; returns its base address and what it saw.
pub(crate) async fn stand_in_stripe() -> (String, Arc<Mutex<Seen>>) {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    async fn create(
        State(seen): State<Arc<Mutex<Seen>>>,
        headers: HeaderMap,
        body: String,
    ) -> (StatusCode, axum::Json<Value>) {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        if auth != format!("Bearer {SECRET_KEY}") {
            let e = json!({"error": {"type": "invalid_request_error", "code": "api_key_invalid", "message": "Invalid API Key provided: sk_test_****"}});
            return (StatusCode::UNAUTHORIZED, axum::Json(e));
        }
        let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(ct, "application/x-www-form-urlencoded");
        let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        for required in [
            "mode",
            "line_items[0][price_data][currency]",
            "line_items[0][price_data][unit_amount]",
            "line_items[0][price_data][product_data][name]",
            "line_items[0][quantity]",
            "success_url",
            "cancel_url",
        ] {
            if !form.contains_key(required) {
                let e = json!({"error": {"type": "invalid_request_error", "message": format!("Missing required param: {required}.")}});
                return (StatusCode::BAD_REQUEST, axum::Json(e));
            }
        }
        let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(!key.is_empty(), "an Idempotency-Key on every POST");
        let mut seen = seen.lock().unwrap();
        seen.forms.push(form.clone());
        seen.keys.push(key.clone());
        if let Some(s) = seen.by_key.get(&key) {
            return (StatusCode::OK, axum::Json(s.clone()));
        }
        let id = format!("cs_test_{}", seen.by_key.len() + 1);
        let units: i64 = form["line_items[0][price_data][unit_amount]"].parse().unwrap();
        let session = json!({
            "id": id, "object": "checkout.session", "mode": "payment", "status": "open",
            "payment_status": "unpaid", "url": format!("https://checkout.stripe.test/c/pay/{id}"),
            "amount_total": units, "currency": form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
        });
        seen.by_key.insert(key, session.clone());
        (StatusCode::OK, axum::Json(session))
    }
    let router =
        axum::Router::new().route("/v1/checkout/sessions", axum::routing::post(create)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), seen)
}

async fn set_up_stripe(app: &TestApp, api_base: &str, webhook_secret: &str) {
    let r = app
        .patch(
            "/settings",
            json!({"stripe": {"secret_key": SECRET_KEY, "webhook_secret": webhook_secret, "api_base": api_base}}),
        )
        .await;
    r.assert_status(200);
}

/// An issued invoice of 100 + 20 % VAT: its id.
async fn invoice(app: &TestApp) -> String {
    let customer = app.customer().await;
    let inv = app.issued_invoice(&customer, &[line("Prestation", "1", "100", "20")]).await;
    inv["id"].as_str().unwrap().to_string()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn event(id: &str, kind: &str, session: &str, payment_status: &str, cents: i64) -> String {
    json!({
        "id": id, "object": "event", "type": kind, "api_version": "2024-06-20", "created": now(),
        "data": {"object": {
            "id": session, "object": "checkout.session", "payment_status": payment_status,
            "amount_total": cents, "currency": "eur", "status": "complete",
        }},
    })
    .to_string()
}

/// Posts `body` to the company's webhook, signed with `secret` at `t`; no token.
async fn deliver(app: &TestApp, company: &str, body: &str, signature: Option<String>) -> common::Resp {
    let mut req = app
        .http
        .post(format!("{}/webhooks/stripe/{company}", app.base))
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string());
    if let Some(s) = signature {
        req = req.header("Stripe-Signature", s);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = r.text().await.unwrap();
    common::Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), content_type }
}

async fn stored_column(app: &TestApp, sql: &'static str) -> Vec<String> {
    use facturier_store::Store;
    match &app.store {
        Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

#[tokio::test]
async fn the_stripe_keys_are_kept_sealed_and_shown_by_their_last_four_characters() {
    each_db(|app| async move {
        // Both secrets are needed the first time, in their shapes.
        let r = app.patch("/settings", json!({"stripe": {"secret_key": SECRET_KEY}})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["stripe.webhook_secret".to_string()]), "{}", r.body);
        let r = app
            .patch(
                "/settings",
                json!({"stripe": {"secret_key": "pk_test_x1234567", "webhook_secret": "nope", "api_base": "ftp://x"}}),
            )
            .await;
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, ["stripe.api_base", "stripe.secret_key", "stripe.webhook_secret"]);
        assert!(app.get("/settings").await.assert_status(200).get("stripe").is_none());

        let r = app
            .patch("/settings", json!({"stripe": {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET}}))
            .await;
        let shown = r.assert_status(200)["stripe"].clone();
        assert_eq!(shown["secret_key"], "…4242");
        assert_eq!(shown["webhook_secret"], "…et_a");
        assert_eq!(shown["api_base"], "https://api.stripe.com");
        assert_eq!(shown["webhook_path"], format!("/api/v1/webhooks/stripe/{}", app.company_id));
        let text = app.get("/settings").await.body.to_string();
        assert!(!text.contains(SECRET_KEY) && !text.contains(WEBHOOK_SECRET), "{text}");
        assert!(text.contains("…4242"));
        // At rest: sealed, not in clear, nor in the settings JSON.
        let stored = stored_column(&app, "SELECT secret_key || ' ' || webhook_secret FROM stripe_accounts").await;
        assert_eq!(stored.len(), 1);
        assert!(stored[0].starts_with("v1:") && !stored[0].contains("standin"), "{}", stored[0]);
        let settings = stored_column(&app, "SELECT settings FROM companies").await.join(" ");
        assert!(!settings.contains("standin") && !settings.contains("stripe"), "{settings}");
        // A change of one field keeps the other secret.
        let r = app.patch("/settings", json!({"stripe": {"api_base": "http://127.0.0.1:9"}})).await;
        assert_eq!(r.assert_status(200)["stripe"]["secret_key"], "…4242");
    })
    .await;
}

#[tokio::test]
async fn a_payment_link_is_a_checkout_session_for_what_is_due() {
    each_db(|app| async move {
        let (base, seen) = stand_in_stripe().await;
        let id = invoice(&app).await;
        // Not configured yet: 422 naming the settings key.
        let r = app.post(&format!("/invoices/{id}/payment-link"), json!({})).await;
        assert_eq!((r.status, r.error_fields()), (422, vec!["stripe".to_string()]), "{}", r.body);
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        // 20.00 paid by transfer: 100.00 left to pay online.
        let date = app.get(&format!("/invoices/{id}")).await.body["issue_date"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/invoices/{id}/payments"),
                json!({"amount": "20.00", "date": date, "method": "bank_transfer"}),
            )
            .await;
        r.assert_status(200);

        let r = app.post(&format!("/invoices/{id}/payment-link"), json!({})).await;
        let link = r.assert_status(200).clone();
        assert_eq!(link["url"], "https://checkout.stripe.test/c/pay/cs_test_1");
        assert_eq!((link["amount"].as_str(), link["currency"].as_str()), (Some("100.00"), Some("EUR")));
        {
            let seen = seen.lock().unwrap();
            let form = &seen.forms[0];
            assert_eq!(form["mode"], "payment");
            assert_eq!(form["line_items[0][price_data][unit_amount]"], "10000");
            assert_eq!(form["line_items[0][price_data][currency]"], "eur");
            assert_eq!(form["line_items[0][quantity]"], "1");
            assert!(form["line_items[0][price_data][product_data][name]"].starts_with("Facture F"));
            assert_eq!(form["client_reference_id"], id);
            assert_eq!(form["metadata[invoice_id]"], id);
            assert_eq!(form["metadata[company_id]"], app.company_id.to_string());
            assert!(form["success_url"].ends_with("/pay/done") && form["cancel_url"].ends_with("/pay/cancelled"));
        }
        // The same due asked again: the same session (same Idempotency-Key at Stripe).
        let again = app.post(&format!("/invoices/{id}/payment-link"), json!({})).await;
        assert_eq!(again.assert_status(200)["url"], link["url"]);
        {
            let seen = seen.lock().unwrap();
            assert_eq!(seen.keys.len(), 2);
            assert_eq!(seen.keys[0], seen.keys[1]);
        }

        // The public link starts a session and sends the browser to Stripe.
        let public = link["public_url"].as_str().unwrap();
        assert!(public.contains("/pay/"), "{public}");
        let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = no_redirect.get(public).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert_eq!(r.headers()["location"], "https://checkout.stripe.test/c/pay/cs_test_1");
        let r = no_redirect.get(format!("{public}00")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404);
        let r = no_redirect.get(public.replace("/pay/", "/pay/done?x=")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);

        // The invoice's e-mail ends with the public link (its PDF, sealed, is not touched).
        let r = app.post(&format!("/invoices/{id}/send"), json!({"to": ["compta@exemple.fr"], "language": "fr"})).await;
        assert!(r.status == 200 || r.status == 202, "{}", r.body);
        let bodies = stored_column(&app, "SELECT body FROM outbox").await;
        assert_eq!(bodies.len(), 1);
        assert!(bodies[0].trim_end().ends_with(public), "{}", bodies[0]);
        assert!(bodies[0].contains("Payer en ligne"), "{}", bodies[0]);
    })
    .await;
}

#[tokio::test]
async fn a_payment_link_is_refused_without_something_due_or_when_stripe_refuses_or_is_down() {
    each_db(|app| async move {
        let (base, _seen) = stand_in_stripe().await;
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        let customer = app.customer().await;
        let draft = app.draft_invoice(&customer, &[line("Prestation", "1", "100", "20")]).await;
        let r = app.post(&format!("/invoices/{}/payment-link", draft["id"].as_str().unwrap()), json!({})).await;
        assert_eq!((r.status, r.body["code"].as_str()), (409, Some("online_invoice_not_issued")), "{}", r.body);
        let id = invoice(&app).await;
        let date = app.get(&format!("/invoices/{id}")).await.body["issue_date"].as_str().unwrap().to_string();
        app.post(&format!("/invoices/{id}/payments"), json!({"amount": "120.00", "date": date, "method": "cheque"}))
            .await
            .assert_status(200);
        let r = app.post(&format!("/invoices/{id}/payment-link"), json!({})).await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = app.post(&format!("/invoices/{}/payment-link", uuid::Uuid::now_v7()), json!({})).await;
        assert_eq!(r.status, 404);

        let open = invoice(&app).await;
        // Stripe refuses the key: a clear 409, not a 5xx.
        app.patch("/settings", json!({"stripe": {"secret_key": "sk_test_wrongkey99"}})).await.assert_status(200);
        let r = app.post(&format!("/invoices/{open}/payment-link"), json!({})).await;
        assert_eq!((r.status, r.body["code"].as_str()), (409, Some("stripe_refused")), "{}", r.body);
        assert!(r.body["detail"].as_str().unwrap().contains("Invalid API Key"), "{}", r.body);
        // Stripe unreachable: 502 with a problem.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        app.patch("/settings", json!({"stripe": {"secret_key": SECRET_KEY, "api_base": dead}}))
            .await
            .assert_status(200);
        let r = app.post(&format!("/invoices/{open}/payment-link"), json!({})).await;
        assert_eq!((r.status, r.body["code"].as_str()), (502, Some("stripe_unreachable")), "{}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
    })
    .await;
}

/// A session started for a new invoice of 120.00: (invoice id, session id).
async fn session_for(app: &TestApp) -> (String, String) {
    let id = invoice(app).await;
    let r = app.post(&format!("/invoices/{id}/payment-link"), json!({})).await;
    let session = r.assert_status(200)["session_id"].as_str().unwrap().to_string();
    (id, session)
}

#[tokio::test]
async fn a_webhook_replayed_twice_with_a_bad_signature_and_a_stale_one_records_one_payment() {
    each_db(|app| async move {
        let (base, _seen) = stand_in_stripe().await;
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        let (id, session) = session_for(&app).await;
        let company = app.company_id.to_string();
        let body = event("evt_paid_1", "checkout.session.completed", &session, "paid", 12000);

        let r = deliver(&app, &company, &body, Some(sign(body.as_bytes(), WEBHOOK_SECRET, now()))).await;
        assert_eq!(r.assert_status(200)["outcome"], "paid");
        // Stripe delivers again (at least once): twice more, nothing more.
        for _ in 0..2 {
            let r = deliver(&app, &company, &body, Some(sign(body.as_bytes(), WEBHOOK_SECRET, now()))).await;
            assert_eq!(r.assert_status(200)["outcome"], "replayed");
        }
        // Another event with a bad signature, and one signed 301 s ago: refused.
        let other = event("evt_paid_2", "checkout.session.completed", &session, "paid", 12000);
        let r = deliver(&app, &company, &other, Some(sign(other.as_bytes(), "whsec_not_the_secret", now()))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (400, Some("stripe_signature_invalid")), "{}", r.body);
        let r = deliver(&app, &company, &other, Some(sign(other.as_bytes(), WEBHOOK_SECRET, now() - 301))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (400, Some("stripe_signature_stale")), "{}", r.body);
        let r = deliver(&app, &company, &other, None).await;
        assert_eq!((r.status, r.body["code"].as_str()), (400, Some("stripe_signature_missing")), "{}", r.body);

        let inv = app.get(&format!("/invoices/{id}")).await;
        let inv = inv.assert_status(200);
        assert_eq!(inv["status"], "paid");
        assert_eq!(inv["payments"].as_array().unwrap().len(), 1, "{}", inv["payments"]);
        let p = &inv["payments"][0];
        assert_eq!((p["amount"].as_str(), p["method"].as_str()), (Some("120.00"), Some("online")));
        assert_eq!(p["reference"].as_str(), Some(session.as_str()));
        let all = app.get("/payments").await;
        assert_eq!(all.assert_status(200)["data"].as_array().unwrap().len(), 1);
        let events = stored_column(&app, "SELECT event_id FROM stripe_events").await;
        assert_eq!(events, ["evt_paid_1"]);
    })
    .await;
}

#[tokio::test]
async fn async_payment_events_record_a_late_payment_or_note_a_failure() {
    each_db(|app| async move {
        let (base, _seen) = stand_in_stripe().await;
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        let company = app.company_id.to_string();
        let signed = |b: &str| Some(sign(b.as_bytes(), WEBHOOK_SECRET, now()));

        // A delayed method: completed but unpaid, then failed.
        let (failing, s1) = session_for(&app).await;
        let b = event("evt_a1", "checkout.session.completed", &s1, "unpaid", 12000);
        assert_eq!(deliver(&app, &company, &b, signed(&b)).await.assert_status(200)["outcome"], "ignored");
        let b = event("evt_a2", "checkout.session.async_payment_failed", &s1, "unpaid", 12000);
        assert_eq!(deliver(&app, &company, &b, signed(&b)).await.assert_status(200)["outcome"], "failed");
        let inv = app.get(&format!("/invoices/{failing}")).await;
        let inv = inv.assert_status(200);
        assert_eq!((inv["status"].as_str(), inv["payments"].as_array().map(Vec::len)), (Some("issued"), Some(0)));
        let history: Vec<&str> =
            inv["history"].as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
        assert!(history.contains(&"online_payment_failed"), "{history:?}");
        // A new link after a failure is a new session.
        let r = app.post(&format!("/invoices/{failing}/payment-link"), json!({})).await;
        assert_ne!(r.assert_status(200)["session_id"].as_str(), Some(s1.as_str()));

        // Completed unpaid, then succeeded later: paid once; a late `completed` paid changes nothing.
        let (late, s2) = session_for(&app).await;
        let b = event("evt_b1", "checkout.session.completed", &s2, "unpaid", 12000);
        deliver(&app, &company, &b, signed(&b)).await.assert_status(200);
        let b = event("evt_b2", "checkout.session.async_payment_succeeded", &s2, "paid", 12000);
        assert_eq!(deliver(&app, &company, &b, signed(&b)).await.assert_status(200)["outcome"], "paid");
        let b = event("evt_b3", "checkout.session.completed", &s2, "paid", 12000);
        assert_eq!(deliver(&app, &company, &b, signed(&b)).await.assert_status(200)["outcome"], "replayed");
        let inv = app.get(&format!("/invoices/{late}")).await;
        let inv = inv.assert_status(200);
        assert_eq!((inv["status"].as_str(), inv["payments"].as_array().map(Vec::len)), (Some("paid"), Some(1)));

        // An event type we do not handle: acknowledged, nothing done.
        let b = json!({"id": "evt_c1", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}).to_string();
        assert_eq!(deliver(&app, &company, &b, signed(&b)).await.assert_status(200)["outcome"], "ignored");
    })
    .await;
}

#[tokio::test]
async fn a_webhook_of_one_company_cannot_pay_another_companys_invoice() {
    each_db(|app| async move {
        let (base, _seen) = stand_in_stripe().await;
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        let other = app.other_company().await;
        set_up_stripe(&other, &base, "whsec_standin_secret_b").await;
        let (theirs, their_session) = session_for(&other).await;
        let (a, b) = (app.company_id.to_string(), other.company_id.to_string());

        // Signed with A's secret, to A's endpoint, naming B's session: nothing paid.
        let body = event("evt_x1", "checkout.session.completed", &their_session, "paid", 12000);
        let r = deliver(&app, &a, &body, Some(sign(body.as_bytes(), WEBHOOK_SECRET, now()))).await;
        assert_eq!(r.assert_status(200)["outcome"], "unknown_session");
        // Signed with A's secret, to B's endpoint: refused.
        let body = event("evt_x2", "checkout.session.completed", &their_session, "paid", 12000);
        let r = deliver(&app, &b, &body, Some(sign(body.as_bytes(), WEBHOOK_SECRET, now()))).await;
        assert_eq!(r.status, 400, "{}", r.body);
        let inv = other.get(&format!("/invoices/{theirs}")).await;
        assert_eq!(inv.assert_status(200)["status"], "issued");
        // A's token cannot start a session for B's invoice.
        assert_eq!(app.post(&format!("/invoices/{theirs}/payment-link"), json!({})).await.status, 404);
        // An unknown company, or one without Stripe, answers 404 alike.
        let body = event("evt_x3", "checkout.session.completed", &their_session, "paid", 12000);
        let signature = Some(sign(body.as_bytes(), WEBHOOK_SECRET, now()));
        assert_eq!(deliver(&app, &uuid::Uuid::now_v7().to_string(), &body, signature.clone()).await.status, 404);
        assert_eq!(deliver(&app, "not-a-company", &body, signature).await.status, 404);
        // B's own event pays B's invoice.
        let r = deliver(&other, &b, &body, Some(sign(body.as_bytes(), "whsec_standin_secret_b", now()))).await;
        assert_eq!(r.assert_status(200)["outcome"], "paid");
        assert_eq!(other.get(&format!("/invoices/{theirs}")).await.body["status"], "paid");
    })
    .await;
}

#[tokio::test]
async fn a_payment_link_on_a_deposit_invoice_pays_that_deposit_invoice() {
    each_db(|app| async move {
        let (base, seen) = stand_in_stripe().await;
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        let customer = app.customer().await;
        let order = app
            .post("/orders", json!({"customer_id": customer, "lines": [line("Four à pain", "1", "1000", "20")]}))
            .await
            .assert_status(201)
            .clone();
        let oid = order["id"].as_str().unwrap();
        app.post(&format!("/orders/{oid}/issue"), json!({})).await.assert_status(200);
        let dep = app.post(&format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await;
        let dep = dep.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/deposit-invoices/{dep}/issue"), json!({})).await.assert_status(200);
        // The link is for the deposit's 360.00 (30 % of 1 200.00), in its name.
        let link = app.post(&format!("/invoices/{dep}/payment-link"), json!({})).await;
        let link = link.assert_status(200).clone();
        assert_eq!(link["amount"], "360.00", "{link}");
        {
            let seen = seen.lock().unwrap();
            let form = seen.forms.last().unwrap();
            assert_eq!(
                (form["metadata[invoice_id]"].as_str(), form["line_items[0][price_data][unit_amount]"].as_str()),
                (dep.as_str(), "36000")
            );
        }
        // The public link works for it too.
        let public = link["public_url"].as_str().unwrap();
        let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        assert_eq!(no_redirect.get(public).send().await.unwrap().status().as_u16(), 303);
        // Stripe says paid: the deposit invoice is paid, once; the order has no payment.
        let session = link["session_id"].as_str().unwrap();
        let body = event("evt_dep_1", "checkout.session.completed", session, "paid", 36000);
        let company = app.company_id.to_string();
        let r = deliver(&app, &company, &body, Some(sign(body.as_bytes(), WEBHOOK_SECRET, now()))).await;
        assert_eq!(r.assert_status(200)["outcome"], "paid", "{}", r.body);
        let d = app.get(&format!("/deposit-invoices/{dep}")).await.assert_status(200).clone();
        assert_eq!(d["status"], "paid", "{d}");
        assert_eq!(d["payments"].as_array().map(Vec::len), Some(1));
        assert_eq!(d["payments"][0]["amount"], "360.00");
        let all = app.get("/payments").await;
        assert_eq!(all.assert_status(200)["data"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_payment_link_button_of_an_unpaid_invoice_shows_its_stable_link() {
    use common::web_client::{ADMIN, as_read, signed_in};
    each_db(|app| async move {
        let (base, _seen) = stand_in_stripe().await;
        let id = invoice(&app).await;
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let page = b.get(&format!("/invoices/{id}")).await;
        assert!(page.body.contains("id=\"payment-link\""), "an unpaid invoice has the button");
        // Without a Stripe account: a clear refusal, nothing made.
        let p = b.act(&csrf, &format!("/invoices/{id}/payment-link"), &[]).await;
        assert_eq!(p.status, 409, "{}", p.body);
        assert!(as_read(&p.body).contains("Stripe"), "{}", p.body);
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        let p = b.act(&csrf, &format!("/invoices/{id}/payment-link"), &[]).await;
        assert_eq!(p.status, 200, "{}", p.body);
        // The same link as the API's, every time.
        let link = app.post(&format!("/invoices/{id}/payment-link"), json!({})).await.assert_status(200).clone();
        let public = link["public_url"].as_str().unwrap();
        assert!(p.body.contains(&format!("value=\"{public}\"")), "{}", p.body);
        let again = b.act(&csrf, &format!("/invoices/{id}/payment-link"), &[]).await;
        assert!(again.body.contains(&format!("value=\"{public}\"")));
        // Paid: no button any more, and the link is refused.
        app.post(&format!("/invoices/{id}/payments"), json!({"amount": "120.00", "method": "cheque"}))
            .await
            .assert_status(200);
        assert!(!b.get(&format!("/invoices/{id}")).await.body.contains("id=\"payment-link\""));
        assert_eq!(b.act(&csrf, &format!("/invoices/{id}/payment-link"), &[]).await.status, 409);
        // Another company's user cannot make one.
        let other = app.other_company().await;
        other
            .store
            .create_user_token(other.company_id, "autre@test.fr", facturier_store::companies::Role::Admin)
            .await
            .unwrap();
        let mut o = signed_in(&other, "autre@test.fr").await;
        let ocsrf = o.csrf().await;
        assert_eq!(o.act(&ocsrf, &format!("/invoices/{id}/payment-link"), &[]).await.status, 404);
    })
    .await;
}

/// With Stripe set up, an issued invoice prints its payment link: the `/pay/{token}`
/// address on the configured public URL (the one the "Lien de paiement" button gives),
/// which opens Checkout. Re-rendered from what is stored, the PDF is the same bytes; a
/// reminder of the invoice gives the same link. Issued before Stripe: nothing printed.
#[tokio::test]
async fn an_invoice_issued_with_stripe_prints_its_payment_link_and_reminders_give_it() {
    if !common::smtp::python_available() {
        return;
    }
    each_db(|app| async move {
        let (base, seen) = stand_in_stripe().await;
        let before = invoice(&app).await;
        set_up_stripe(&app, &base, WEBHOOK_SECRET).await;
        let id = invoice(&app).await;

        let pdf = app.invoice_pdf(&id).await;
        let text = crate::dunning::pdf_text(&pdf);
        let at = text.find("Payer en ligne : ").unwrap_or_else(|| panic!("the link is printed: {text}"));
        let printed: String = text[at + 17..].chars().take_while(|c| !c.is_whitespace()).collect();
        let public = app.base.trim_end_matches("/api/v1");
        assert!(printed.starts_with(&format!("{public}/pay/")), "{printed}");
        let link = app.post(&format!("/invoices/{id}/payment-link"), json!({})).await.assert_status(200).clone();
        assert_eq!(link["public_url"].as_str(), Some(printed.as_str()), "the button's link");
        let open = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = open.get(&printed).send().await.unwrap();
        assert!(r.status().is_redirection(), "the printed link opens Checkout: {}", r.status());
        assert!(!seen.lock().unwrap().forms.is_empty());

        // Rendered again from the stored invoice and its link: the same bytes.
        let uuid: uuid::Uuid = id.parse().unwrap();
        let rec =
            app.store.document(app.company_id, facturier_core::document::DocumentKind::Invoice, uuid).await.unwrap();
        let today = rec.issue_date.unwrap();
        let model = facturier_server::app::render::model_of(&app.store, app.company_id, today, &rec).await.unwrap();
        assert_eq!(model.payment_url.as_deref(), Some(printed.as_str()));
        let again = facturier_server::app::render::pdf_bytes(&rec, model).await.unwrap();
        assert!(again == pdf, "the same bytes when rendered again");
        assert_eq!(app.invoice_pdf(&id).await, pdf, "the stored file is served");

        let earlier = crate::dunning::pdf_text(&app.invoice_pdf(&before).await);
        assert!(!earlier.contains("Payer en ligne") && !earlier.contains("/pay/"), "{earlier}");

        // An invoice the contracts run issues on its own prints its link as well.
        let customer = app.customer_named("Abonné SARL").await;
        // Starting today: its first year is billed today, after the invoices above.
        let start = time::OffsetDateTime::now_utc().date().to_string();
        let contract = json!({"customer_id": customer, "title": "Maintenance", "start_date": start,
            "billing": {"period_months": 12, "mode": "advance", "issue": true},
            "lines": [{"description": "Maintenance", "quantity": "1", "unit_price": "600", "vat_rate": "20"}]});
        app.post("/contracts", contract).await.assert_status(201);
        let run = app.post("/billing/run", json!({"date": start})).await.assert_status(200).clone();
        let by_run = run["issued"][0].as_str().map(String::from);
        // The daily job the server starts with may have billed it first: find it by its customer.
        let by_run = match by_run {
            Some(id) => id,
            None => {
                let list = app.get(&format!("/invoices?customer_id={customer}")).await.assert_status(200).clone();
                list["data"][0]["id"].as_str().expect("the contract's invoice").to_string()
            }
        };
        let text = crate::dunning::pdf_text(&app.invoice_pdf(&by_run).await);
        assert!(text.contains(&format!("Payer en ligne : {public}/pay/")), "{text}");

        // A reminder of the invoice ends with its link; `{payment_link}` gives it too. The
        // first level bills a late fee: its invoice, issued by the run, prints its own link.
        let fees = json!({"reminder_1": {"fixed": "10", "indemnity": false}});
        app.patch("/settings", json!({"dunning": {"late_fees": fees}})).await.assert_status(200);
        let due = rec.due_date.unwrap() + time::Duration::days(1);
        let body = json!({"as_of": due.to_string(), "channel": "email", "invoice_ids": [id]});
        let run = app.post("/dunning/run", body).await.assert_status(200).clone();
        assert_eq!(run["emails"].as_array().map(Vec::len), Some(1));
        let fee = run["fees"][0]["fee_invoice_id"].as_str().expect("a late fee invoice").to_string();
        let fee_text = crate::dunning::pdf_text(&app.invoice_pdf(&fee).await);
        let fee_link = format!("Payer en ligne : {public}/pay/");
        assert!(fee_text.contains(&fee_link), "the fee invoice prints its link: {fee_text}");
        assert!(!fee_text.contains(&printed), "its own link, not the dunned invoice's: {fee_text}");
        const BODIES: &str = "SELECT body FROM outbox WHERE document_id IS NULL ORDER BY created_at, id";
        let bodies = stored_column(&app, BODIES).await;
        assert!(bodies.len() == 1 && bodies[0].contains(&printed), "{bodies:?}");
        let templates =
            json!({"reminder_2": {"fr": {"individual": {"subject": "Relance", "body": "Payez ici : {payment_link}"}}}});
        app.patch("/settings", json!({"dunning": {"templates": templates}})).await.assert_status(200);
        let body =
            json!({"as_of": (due + time::Duration::days(15)).to_string(), "channel": "email", "invoice_ids": [id]});
        let run = app.post("/dunning/run", body).await.assert_status(200).clone();
        assert_eq!(run["emails"].as_array().map(Vec::len), Some(1));
        let bodies = stored_column(&app, BODIES).await;
        assert!(bodies.len() == 2 && bodies[1].contains(&format!("Payez ici : {printed}")), "{bodies:?}");
    })
    .await;
}
