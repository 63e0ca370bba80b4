//! `Idempotency-Key` with a lifetime (issue 18): a key whose request died is taken over,
//! a key lives 24 hours, a key is one user's, a JSON body is compared as JSON, and a
//! client that hangs up finds its answer on retry — on SQLite and PostgreSQL.

use crate::common;

use common::{TestApp, customer_body, each_db, line};
use facturier_store::Stamp;
use facturier_store::companies::Role;
use facturier_store::idempotency::{KeyOwner, KeyState};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// An answer with the header that says it is a replay.
struct Answer {
    status: u16,
    body: Value,
    replayed: bool,
}

/// POSTs `body` as given (bytes, not re-serialised) with an `Idempotency-Key`.
async fn post_raw(app: &TestApp, path: &str, key: &str, body: &str) -> Answer {
    let r = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let replayed = r.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    let text = r.text().await.unwrap_or_default();
    Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), replayed }
}

async fn post_keyed(app: &TestApp, path: &str, key: &str, body: &Value) -> Answer {
    post_raw(app, path, key, &body.to_string()).await
}

/// How many rows a list endpoint has (one page is enough for these tests).
async fn count(app: &TestApp, list: &str) -> usize {
    let r = app.get(&format!("{list}?limit=100")).await;
    r.assert_status(200)["data"].as_array().expect("a list").len()
}

/// The key's owner for the app's admin token.
async fn admin(app: &TestApp) -> KeyOwner {
    let p = app.store.authenticate(&app.token).await.expect("authenticate").expect("the admin's token");
    KeyOwner { company_id: p.company_id, user_id: p.user_id }
}

/// Makes the stored keys named `key` look `age` old.
async fn age_key(app: &TestApp, key: &str, age: time::Duration) {
    let at = Stamp::now() - age;
    facturier_store::on_pool!(&app.store, |c| {
        sqlx::query("UPDATE idempotency_keys SET created_at = $1 WHERE key = $2")
            .bind(at)
            .bind(key)
            .execute(c)
            .await
            .expect("age the key");
    });
}

/// How many stored keys are older than 24 hours.
async fn keys_older_than_a_day(app: &TestApp) -> i64 {
    let before = Stamp::now() - time::Duration::hours(24);
    facturier_store::on_pool!(&app.store, |c| {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM idempotency_keys WHERE created_at < $1")
            .bind(before)
            .fetch_one(c)
            .await
            .expect("count keys");
        n
    })
}

/// Whether a key is stored (reserved or answered).
async fn key_stored(app: &TestApp, key: &str) -> bool {
    facturier_store::on_pool!(&app.store, |c| {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM idempotency_keys WHERE key = $1")
            .bind(key)
            .fetch_one(c)
            .await
            .expect("look the key up");
        n > 0
    })
}

/// Reserves `key` for a `POST /customers` of `body` as a request whose process then
/// died would have left it: in flight, its lease running for `lease`.
async fn leave_in_flight(app: &TestApp, key: &str, body: &Value, lease: time::Duration) {
    let hash = facturier_server::idempotency::request_hash(
        "POST",
        "/customers",
        Some("application/json"),
        body.to_string().as_bytes(),
    );
    let state = app.store.reserve_key(admin(app).await, key, &hash, lease).await.expect("reserve");
    assert!(matches!(state, KeyState::Reserved(_)), "{state:?}");
}

#[tokio::test]
async fn a_key_whose_request_died_is_taken_over_once_its_lease_lapses() {
    each_db(|app| async move {
        // Alive: the request may still be running, so the key is refused for now.
        let body = customer_body("Pâtisserie Lefèvre");
        leave_in_flight(&app, "vivante", &body, facturier_server::idempotency::LEASE).await;
        let r = post_keyed(&app, "/customers", "vivante", &body).await;
        assert_eq!(r.status, 409, "a live lease: {}", r.body);
        assert_eq!(count(&app, "/customers").await, 0);

        // Lapsed: the next request with the same key and body runs, and is then replayed.
        leave_in_flight(&app, "morte", &body, time::Duration::ZERO).await;
        let first = post_keyed(&app, "/customers", "morte", &body).await;
        assert_eq!((first.status, first.replayed), (201, false), "{}", first.body);
        let again = post_keyed(&app, "/customers", "morte", &body).await;
        assert_eq!((again.status, again.replayed, &again.body), (201, true, &first.body));
        // Another body is still another request.
        let other = post_keyed(&app, "/customers", "morte", &customer_body("Garage Dupont")).await;
        assert_eq!(other.status, 422, "{}", other.body);
        assert_eq!(count(&app, "/customers").await, 1);

        // Ten retries at once after the lease lapsed: one takes the key over, once.
        let body = customer_body("Garage Dupont");
        leave_in_flight(&app, "morte-2", &body, time::Duration::ZERO).await;
        let answers = ten_at_once(&app, "morte-2", &body).await;
        assert_one_creation(&answers);
        assert_eq!(count(&app, "/customers").await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_key_is_new_again_after_24_hours_and_old_keys_are_swept() {
    each_db(|app| async move {
        let a = post_keyed(&app, "/customers", "hier", &customer_body("Pâtisserie Lefèvre")).await;
        assert_eq!(a.status, 201, "{}", a.body);
        post_keyed(&app, "/customers", "avant-hier", &customer_body("Garage Dupont")).await;
        let recent = post_keyed(&app, "/customers", "ce-matin", &customer_body("Fromagerie Roux")).await;
        age_key(&app, "hier", time::Duration::hours(25)).await;
        age_key(&app, "avant-hier", time::Duration::hours(49)).await;
        age_key(&app, "ce-matin", time::Duration::hours(23)).await;

        // Under 24 hours the key still replays.
        let r = post_keyed(&app, "/customers", "ce-matin", &customer_body("Fromagerie Roux")).await;
        assert_eq!((r.status, r.replayed, &r.body), (201, true, &recent.body));
        // Over 24 hours it is a new key: another body is not refused, it runs.
        let b = post_keyed(&app, "/customers", "hier", &customer_body("Boucherie Petit")).await;
        assert_eq!((b.status, b.replayed), (201, false), "{}", b.body);
        assert_ne!(a.body["id"], b.body["id"]);
        assert_eq!(count(&app, "/customers").await, 4);

        // Writing a key sweeps the expired rows; the live ones stay.
        post_keyed(&app, "/customers", "aujourd-hui", &customer_body("Cave Morel")).await;
        assert_eq!(keys_older_than_a_day(&app).await, 0);
        assert!(key_stored(&app, "ce-matin").await && key_stored(&app, "hier").await);
        assert!(!key_stored(&app, "avant-hier").await);
    })
    .await;
}

#[tokio::test]
async fn another_users_identical_key_is_another_request() {
    each_db(|app| async move {
        let body = customer_body("Pâtisserie Lefèvre");
        let mine = post_keyed(&app, "/customers", "commande-1", &body).await;
        assert_eq!(mine.status, 201, "{}", mine.body);

        // A read-only user replaying the admin's key gets its own answer: refused.
        let (_, token) = app.store.create_user_token(app.company_id, "lecture@test.fr", Role::ReadOnly).await.unwrap();
        let reader = app.with_token(&token);
        let r = post_keyed(&reader, "/customers", "commande-1", &body).await;
        assert_eq!((r.status, r.replayed), (403, false), "{}", r.body);
        assert!(r.body.get("id").is_none(), "the admin's answer leaked: {}", r.body);

        // A sales user with the same key and body creates its own customer.
        let (_, token) = app.store.create_user_token(app.company_id, "vente@test.fr", Role::Sales).await.unwrap();
        let seller = app.with_token(&token);
        let theirs = post_keyed(&seller, "/customers", "commande-1", &body).await;
        assert_eq!((theirs.status, theirs.replayed), (201, false), "{}", theirs.body);
        assert_ne!(theirs.body["id"], mine.body["id"]);
        // …and each one's key still replays its own answer.
        let again = post_keyed(&seller, "/customers", "commande-1", &body).await;
        assert_eq!((again.replayed, &again.body["id"]), (true, &theirs.body["id"]));
        let again = post_keyed(&app, "/customers", "commande-1", &body).await;
        assert_eq!((again.replayed, &again.body["id"]), (true, &mine.body["id"]));
        assert_eq!(count(&app, "/customers").await, 2);
    })
    .await;
}

#[tokio::test]
async fn the_same_json_reindented_replays_and_another_body_is_still_refused() {
    each_db(|app| async move {
        let compact = r#"{"name":"Pâtisserie Lefèvre","billing_address":{"line1":"12 rue de la République","postal_code":"69002","city":"Lyon","country":"FR"},"legal":{"siren":"732829320"}}"#;
        let first = post_raw(&app, "/customers", "indent-1", compact).await;
        assert_eq!(first.status, 201, "{}", first.body);

        // Indented, members in another order, a character escaped: the same JSON.
        let indented = "{\n  \"legal\": { \"siren\": \"732829320\" },\n  \"billing_address\": {\n    \"country\": \"FR\",\n    \"city\": \"Lyon\",\n    \"postal_code\": \"69002\",\n    \"line1\": \"12 rue de la R\\u00e9publique\"\n  },\n  \"name\": \"Pâtisserie Lefèvre\"\n}\n";
        let again = post_raw(&app, "/customers", "indent-1", indented).await;
        assert_eq!((again.status, again.replayed, &again.body), (201, true, &first.body));

        // Another value is another request, however it is laid out.
        let other = compact.replace("Lyon", "Lyon 2e");
        let r = post_raw(&app, "/customers", "indent-1", &other).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(r.body["errors"][0]["field"], "Idempotency-Key", "{}", r.body);
        assert_eq!(count(&app, "/customers").await, 1);
    })
    .await;
}

/// A 1 000-line invoice: slow enough that the client hangs up while it is created.
fn big_invoice(customer_id: &str) -> Value {
    let lines: Vec<Value> =
        (0..1000).map(|n| line(&format!("Article de catalogue n° {n}"), "3", "12.345", "20")).collect();
    json!({"customer_id": customer_id, "lines": lines})
}

#[tokio::test]
async fn a_client_that_hangs_up_finds_its_answer_on_retry_and_one_invoice_exists() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let body = big_invoice(&customer).to_string();
        let addr = app.base.trim_start_matches("http://").split('/').next().expect("host:port").to_string();
        let head = format!(
            "POST /api/v1/invoices HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nIdempotency-Key: raccroche\r\nContent-Length: {}\r\n\r\n",
            app.token,
            body.len()
        );
        let mut socket = tokio::net::TcpStream::connect(&addr).await.expect("connect");
        socket.write_all(head.as_bytes()).await.expect("send the head");
        socket.write_all(body.as_bytes()).await.expect("send the body");
        // Hang up as soon as the server holds the key, that is while the invoice is made.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !key_stored(&app, "raccroche").await {
            assert!(Instant::now() < deadline, "the server never took the request");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(socket);

        // The retry waits out the running request, then gets its answer.
        let deadline = Instant::now() + Duration::from_secs(30);
        let retry = loop {
            let r = post_raw(&app, "/invoices", "raccroche", &body).await;
            if r.status != 409 {
                break r;
            }
            assert!(Instant::now() < deadline, "the key stayed in flight after the client hung up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!((retry.status, retry.replayed), (201, true), "{}", retry.body);
        assert_eq!(retry.body["lines"].as_array().map(Vec::len), Some(1000));
        assert_eq!(count(&app, "/invoices").await, 1, "the hang-up and its retry made one invoice");
    })
    .await;
}

/// Ten identical requests with one key, all at once.
async fn ten_at_once(app: &TestApp, key: &str, body: &Value) -> Vec<Answer> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (app, key, body) = (app.clone(), key.to_string(), body.clone());
        set.spawn(async move { post_keyed(&app, "/customers", &key, &body).await });
    }
    set.join_all().await
}

/// One answer created, every other one is its replay or "still running".
fn assert_one_creation(answers: &[Answer]) {
    let created: Vec<_> = answers.iter().filter(|a| a.status == 201).collect();
    assert!(answers.iter().all(|a| a.status == 201 || a.status == 409), "{:?}", statuses(answers));
    assert_eq!(created.iter().filter(|a| !a.replayed).count(), 1, "{:?}", statuses(answers));
    assert!(created.iter().all(|a| a.body["id"] == created[0].body["id"]), "two ids were created");
}

fn statuses(answers: &[Answer]) -> Vec<(u16, bool)> {
    answers.iter().map(|a| (a.status, a.replayed)).collect()
}

#[tokio::test]
async fn ten_identical_requests_at_once_create_one_customer() {
    each_db(|app| async move {
        let body = customer_body("Pâtisserie Lefèvre");
        let answers = ten_at_once(&app, "rafale", &body).await;
        assert_one_creation(&answers);
        assert_eq!(count(&app, "/customers").await, 1);
        let after = post_keyed(&app, "/customers", "rafale", &body).await;
        assert_eq!((after.status, after.replayed), (201, true));
    })
    .await;
}
