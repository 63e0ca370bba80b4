//! Test harness: the real server on a random port over a fresh database — a SQLite
//! file in a temp dir, then a new PostgreSQL database when one is available — driven over
//! HTTP.
#![allow(dead_code)]

pub mod smtp;
pub mod template;
pub mod web_client;

use facturier_store::Store;
use reqwest::Method;
use serde_json::{Value, json};
use std::future::Future;
use uuid::Uuid;

/// PostgreSQL server the suite creates its databases on.
pub fn pg_admin_url() -> String {
    std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Whether a test may use `service`. Present: yes. Absent: one line on stderr names it,
/// the test and how to get it (`setup`), and the caller does not run that part; under
/// `FACTURIER_TEST_ALL=1` (scripts/test, CI) an absent service fails instead, as a
/// skipped check there would read as a passed one.
pub fn service_available(service: &str, setup: &str, present: bool) -> bool {
    use std::io::Write;
    if present {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    assert!(
        std::env::var_os("FACTURIER_TEST_ALL").is_none_or(|v| v != "1"),
        "not available: {service}, and FACTURIER_TEST_ALL=1 runs every test ({setup})"
    );
    // Once per test and service; straight to stderr, as the test harness would hide a
    // passing test's `eprintln!`.
    static TOLD: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let mut told = TOLD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !told.contains(&(test.clone(), service.to_string())) {
        let _ = writeln!(std::io::stderr(), "not run: {test} on {service}, not available here ({setup})");
        told.push((test, service.to_string()));
    }
    false
}

/// Whether the PostgreSQL server of `pg_admin_url` answers.
pub async fn postgres_available() -> bool {
    let probe = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(&pg_admin_url())
        .await;
    let up = match probe {
        Ok(pool) => {
            pool.close().await;
            true
        }
        Err(_) => false,
    };
    service_available("PostgreSQL", "run scripts/setup-postgres, or set FACTURIER_TEST_PG", up)
}

/// The databases a test runs on: SQLite always, then PostgreSQL when available.
pub async fn dbs() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::sqlite()];
    if postgres_available().await {
        dbs.push(TestDb::postgres().await);
    }
    dbs
}

/// Empty databases, no migration applied, for a test of an upgrade: SQLite, then
/// PostgreSQL when available.
pub async fn unmigrated_dbs() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::sqlite_unmigrated()];
    if postgres_available().await {
        dbs.push(TestDb::postgres_unmigrated().await);
    }
    dbs
}

/// A fresh database, every migration applied (a copy of `template`'s).
pub struct TestDb {
    pub url: String,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let db = TestDb::sqlite_unmigrated();
        let path = db.url.trim_start_matches("sqlite://");
        std::fs::copy(template::sqlite(), path).expect("copy the migrated SQLite template");
        db
    }

    /// An empty SQLite file.
    pub fn sqlite_unmigrated() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb { url, name: "sqlite", _dir: Some(dir), pg_name: None }
    }

    pub async fn postgres() -> TestDb {
        let template = template::postgres(&pg_admin_url());
        TestDb::postgres_from(&format!("TEMPLATE {template}")).await
    }

    /// An empty PostgreSQL database.
    pub async fn postgres_unmigrated() -> TestDb {
        TestDb::postgres_from("").await
    }

    async fn postgres_from(template: &str) -> TestDb {
        let admin = pg_admin_url();
        let name = format!("facturier_test_{}", Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(&admin).await.expect(
            "PostgreSQL must be running for the test suite (127.0.0.1:5432, user postgres); scripts/test starts it",
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} {template}")))
            .execute(&pool)
            .await
            .expect("create database");
        pool.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
        TestDb { url: format!("{base}/{name}"), name: "postgres", _dir: None, pg_name: Some(name) }
    }

    /// Drops a PostgreSQL test database, beside the test rather than in its time (a drop
    /// takes about a second); one the process did not live to drop is swept by a later run
    /// (`template::sweep`).
    pub async fn cleanup(&self) {
        if let Some(name) = self.pg_name.clone() {
            template::in_background(async move { template::drop_database(&pg_admin_url(), &name).await });
        }
    }
}

/// Runs a test body on SQLite, then on PostgreSQL (when available, see `dbs`).
pub async fn each_db<F, Fut>(f: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in dbs().await {
        let app = spawn_app(&db).await;
        eprintln!("--- on {}", db.name);
        f(app).await;
        db.cleanup().await;
    }
}

/// Runs a test body on SQLite, then on PostgreSQL when available, the server under the limits of `edge`.
pub async fn each_db_with_edge<F, Fut>(edge: facturier_server::edge::EdgeConfig, f: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in dbs().await {
        let app = spawn_app_with_edge(&db, edge.clone()).await;
        eprintln!("--- on {}", db.name);
        f(app).await;
        db.cleanup().await;
    }
}

/// A running server with one company and its admin token.
#[derive(Clone)]
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
    pub company_id: Uuid,
    pub store: Store,
    pub backend: &'static str,
}

/// A response: status and JSON body (Null when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
}

impl Resp {
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Value {
        assert_eq!(self.status, expected, "unexpected status; body: {}", self.body);
        &self.body
    }

    /// The `field` names of a 422 problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str().map(String::from)).collect())
            .unwrap_or_default()
    }
}

pub async fn spawn_app(db: &TestDb) -> TestApp {
    spawn_app_with_mail(db, None).await
}

/// The server with an e-mail worker sending through `mail` (`None`: e-mails wait in the outbox).
pub async fn spawn_app_with_mail(db: &TestDb, mail: Option<facturier_server::mailer::MailConfig>) -> TestApp {
    spawn_app_with(db, mail, None).await
}

/// The server with `mail` as above and, when given, web sessions configured by `web`.
pub async fn spawn_app_with(
    db: &TestDb,
    mail: Option<facturier_server::mailer::MailConfig>,
    web: Option<facturier_server::web::WebConfig>,
) -> TestApp {
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let c = store
        .create_company("Test SARL", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "admin@test.fr")
        .await
        .expect("company");
    give_identity(&store, c.company_id, "Test SARL").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let s = store.clone();
    match (mail, web) {
        (None, None) => drop(tokio::spawn(async move { facturier_server::serve(s, listener).await })),
        (Some(m), None) => drop(tokio::spawn(async move { facturier_server::serve_with_mail(s, listener, m).await })),
        (m, Some(w)) => {
            drop(tokio::spawn(async move { facturier_server::serve_with(s, listener, m.unwrap_or_default(), w).await }))
        }
    }
    TestApp {
        base: format!("http://{addr}/api/v1"),
        http: reqwest::Client::new(),
        token: c.token,
        company_id: c.company_id,
        store,
        backend: db.name,
    }
}

/// The server with e-mails in the outbox, under the connection limits and timeouts of `edge`.
pub async fn spawn_app_with_edge(db: &TestDb, edge: facturier_server::edge::EdgeConfig) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let c = store
        .create_company("Test SARL", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "admin@test.fr")
        .await
        .expect("company");
    give_identity(&store, c.company_id, "Test SARL").await;
    let s = store.clone();
    let (mail, web) = (Default::default(), Default::default());
    drop(tokio::spawn(async move { facturier_server::serve_with_edge(s, listener, mail, web, edge).await }));
    TestApp {
        base: format!("http://{addr}/api/v1"),
        http: reqwest::Client::new(),
        token: c.token,
        company_id: c.company_id,
        store,
        backend: db.name,
    }
}

impl TestApp {
    /// Another company on the same server, with its own admin token.
    pub async fn other_company(&self) -> TestApp {
        let c = self
            .store
            .create_company("Other SAS", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "boss@other.fr")
            .await
            .unwrap();
        give_identity(&self.store, c.company_id, "Other SAS").await;
        TestApp { token: c.token, company_id: c.company_id, ..self.clone() }
    }

    /// The same company seen with another token.
    pub fn with_token(&self, token: &str) -> TestApp {
        TestApp { token: token.to_string(), ..self.clone() }
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.base, path)).bearer_auth(&self.token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = r.text().await.unwrap_or_default();
        Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), content_type }
    }

    /// Sends raw bytes as a JSON body.
    pub async fn raw(&self, method: Method, path: &str, body: &str) -> Resp {
        let r = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = r.text().await.unwrap_or_default();
        Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), content_type }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request(Method::GET, path, None, &[]).await
    }

    /// The PDF of invoice `id`, as downloaded (200 asserted).
    pub async fn invoice_pdf(&self, id: &str) -> Vec<u8> {
        let r = self.http.get(format!("{}/invoices/{id}/pdf", self.base)).bearer_auth(&self.token).send().await;
        let r = r.expect("GET pdf");
        assert_eq!(r.status(), 200);
        r.bytes().await.expect("pdf bytes").to_vec()
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.request(Method::POST, path, Some(body), &[]).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.request(Method::PATCH, path, Some(body), &[]).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.request(Method::DELETE, path, None, &[]).await
    }

    /// Creates a customer and returns its id.
    pub async fn customer(&self) -> String {
        self.customer_named("Boulangerie Martin").await
    }

    pub async fn customer_named(&self, name: &str) -> String {
        let r = self.post("/customers", customer_body(name)).await;
        r.assert_status(201)["id"].as_str().unwrap().to_string()
    }

    /// Creates a draft invoice and returns its body.
    pub async fn draft_invoice(&self, customer_id: &str, lines: &[Value]) -> Value {
        let r = self.post("/invoices", json!({"customer_id": customer_id, "lines": lines})).await;
        r.assert_status(201).clone()
    }

    /// Creates and issues an invoice; returns the issued body.
    pub async fn issued_invoice(&self, customer_id: &str, lines: &[Value]) -> Value {
        let inv = self.draft_invoice(customer_id, lines).await;
        let id = inv["id"].as_str().unwrap();
        self.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(200).clone()
    }
}

/// The legal identity of a French SARL, complete as the law and the e-invoicing rules
/// want it: without it no invoice can be issued (`core::compliance`).
pub fn complete_identity(name: &str) -> facturier_core::company::Seller {
    facturier_core::company::Seller {
        legal_form: Some("SARL".into()),
        share_capital: Some(facturier_core::Decimal::from(10_000)),
        rcs_city: Some("Lyon".into()),
        siren: Some("552100554".parse().unwrap()),
        siret: Some("55210055400013".parse().unwrap()),
        vat_number: Some("FR96552100554".parse().unwrap()),
        address: facturier_core::party::Address {
            line1: "3 place Bellecour".into(),
            line2: None,
            postal_code: "69002".into(),
            city: "Lyon".into(),
            country: "FR".parse().unwrap(),
        },
        email: Some("contact@test-sarl.fr".into()),
        ..facturier_core::company::Seller::bare(name, "FR".parse().unwrap())
    }
}

/// Gives a company a complete identity, as an administrator does on its first day.
pub async fn give_identity(store: &Store, company_id: Uuid, name: &str) {
    let mut s = store.settings(company_id).await.expect("settings");
    s.identity = Some(complete_identity(name));
    store.set_settings(company_id, &s).await.expect("identity");
}

/// A company straight from `create_company`, with no identity yet (the first-run case).
pub async fn forget_identity(store: &Store, company_id: Uuid) {
    let mut s = store.settings(company_id).await.expect("settings");
    s.identity = None;
    store.set_settings(company_id, &s).await.expect("no identity");
}

/// A valid customer body.
pub fn customer_body(name: &str) -> Value {
    json!({
        "name": name,
        "email": "compta@exemple.fr",
        "activity": "Boulangerie",
        "legal": {"siren": "732829320"},
        "billing_address": {"line1": "12 rue de la République", "postal_code": "69002", "city": "Lyon", "country": "FR"},
        "contacts": [{"name": "Sophie Martin", "role": "Gérante", "email": "sophie@exemple.fr", "phone": "04 78 12 34 56"}],
    })
}

/// An invoice line.
pub fn line(description: &str, quantity: &str, unit_price: &str, vat_rate: &str) -> Value {
    json!({"description": description, "quantity": quantity, "unit_price": unit_price, "vat_rate": vat_rate})
}

/// A small PNG logo of `width` × `height` pixels (two colours in stripes).
pub fn png_logo(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().expect("png header");
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| if ((i % width) / 8).is_multiple_of(2) { [200, 40, 40] } else { [30, 60, 140] })
        .collect();
    w.write_image_data(&pixels).expect("png data");
    w.finish().expect("png end");
    out
}
