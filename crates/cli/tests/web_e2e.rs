//! The web app in a real headless Chromium (Debian's `chromium` + `chromium-driver`,
//! installed by `scripts/setup-browser`), driven over WebDriver by a few lines of
//! reqwest below: the `facturier` binary serves a fresh database (SQLite, then
//! PostgreSQL); a user signs in, creates a customer, writes and issues an invoice,
//! records a payment, sees the dashboard change and switches to English; a read-only
//! user has no issue button and a forged issue POST is refused. Screenshots of the key
//! pages are kept in `target/test-artefacts/web/`. Without Chromium the test fails.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_facturier");
const PASSWORD: &str = "mot de passe de test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed and reaped when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Db {
    url: String,
    name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<String>,
}

fn pg_admin() -> String {
    std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("web.db").display());
    let sqlite = Db { url, name: "sqlite", _dir: Some(dir), pg: None };
    let name = format!("facturier_web_{}", uuid::Uuid::now_v7().simple());
    let pool = sqlx::PgPool::connect(&pg_admin()).await.expect("PostgreSQL must be running for the test suite");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
    pool.close().await;
    let base = pg_admin().rsplit_once('/').unwrap().0.to_string();
    vec![sqlite, Db { url: format!("{base}/{name}"), name: "postgres", _dir: None, pg: Some(name) }]
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(name) = &self.pg {
            let _ = Command::new("psql")
                .args([&pg_admin(), "-qc", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn run(db: &Db, args: &[&str], env: &[(&str, &str)]) -> Value {
    let out = Command::new(BIN)
        .args(args)
        .env("FACTURIER_DATABASE_URL", &db.url)
        .envs(env.iter().copied())
        .output()
        .expect("run facturier");
    assert!(out.status.success(), "facturier {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

async fn wait_http(url: &str) {
    for _ in 0..200 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not answer");
}

/// chromedriver and one headless Chromium session.
struct Browser {
    http: reqwest::Client,
    session: String,
    shots: PathBuf,
    prefix: &'static str,
    _profile: tempfile::TempDir,
    _driver: Proc,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    async fn start(prefix: &'static str) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is missing: scripts/setup-browser installs Debian's chromium and chromium-driver");
        let driver = Proc(driver);
        let base = format!("http://127.0.0.1:{port}");
        wait_http(&format!("{base}/status")).await;
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--lang=fr-FR",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // A French browser: the sign-in page speaks the visitor's language.
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args,
                                   "prefs": {"intl.accept_languages": "fr-FR,fr"}},
        }}});
        let http = reqwest::Client::new();
        let r: Value = http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {r}"));
        // Beside the PDF pages of cli.rs: `target/test-artefacts/web` (or under CARGO_TARGET_DIR).
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../test-artefacts/web");
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            http,
            session: format!("{base}/session/{session}"),
            shots,
            prefix,
            _profile: profile,
            _driver: driver,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
        match v["value"].get("error") {
            Some(e) => Err(format!("{e}: {}", v["value"]["message"])),
            None => Ok(v["value"].clone()),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await.unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, None).await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_string()
    }

    /// The element matching `css`, waiting up to 10 s for it to appear.
    async fn find(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            let r =
                self.cmd(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
            if let Ok(v) = r {
                return v[ELEMENT].as_str().unwrap_or_else(|| panic!("{css}: {v}")).to_string();
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no {css} on {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn exists(&self, css: &str) -> bool {
        let v = self.post("/elements", json!({"using": "css selector", "value": css})).await;
        !v.as_array().unwrap().is_empty()
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/clear"), json!({})).await;
        self.post(&format!("/element/{id}/value"), json!({"text": text})).await;
    }

    /// The visible text of `css` now, with no-break spaces made plain.
    async fn try_text(&self, css: &str) -> Result<String, String> {
        let v =
            self.cmd(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await?;
        let id = v[ELEMENT].as_str().ok_or("no element id")?.to_string();
        let t = self.cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None).await?;
        Ok(t.as_str().unwrap_or_default().replace(['\u{a0}', '\u{202f}'], " "))
    }

    async fn text(&self, css: &str) -> String {
        self.try_text(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Waits until `css` shows `want`: a page loading or an htmx swap may replace it meanwhile.
    async fn wait_text(&self, css: &str, want: &str) {
        let start = Instant::now();
        loop {
            let got = self.try_text(css).await;
            if got.as_deref().is_ok_and(|g| g.contains(want)) {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{css} shows {got:?}, not {want:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn script(&self, js: &str) -> Value {
        self.post("/execute/sync", json!({"script": js, "args": []})).await
    }

    async fn script_async(&self, js: &str) -> Value {
        self.post("/execute/async", json!({"script": js, "args": []})).await
    }

    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let b64 = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(self.shots.join(format!("{}-{name}.png", self.prefix)), png).unwrap();
    }

    async fn window(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height})).await;
    }

    async fn quit(&self) {
        let _ = self.cmd(reqwest::Method::DELETE, "", None).await;
    }
}

/// One user's day in the browser on `db`.
async fn journey(db: &Db) {
    let init = run(db, &["init", "--company-name", "Atelier Test", "--admin-email", "admin@test.fr", "--json"], &[]);
    let company = init["company_id"].as_str().unwrap().to_string();
    let token = init["token"].as_str().unwrap().to_string();
    run(db, &["user", "set-password", "--email", "admin@test.fr"], &[("FACTURIER_PASSWORD", PASSWORD)]);
    run(
        db,
        &["user", "add", "--company", &company, "--email", "lecture@test.fr", "--role", "read_only", "--json"],
        &[],
    );
    run(db, &["user", "set-password", "--email", "lecture@test.fr"], &[("FACTURIER_PASSWORD", PASSWORD)]);

    let port = free_port();
    let server = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("FACTURIER_DATABASE_URL", &db.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Proc(server);
    let app = format!("http://127.0.0.1:{port}");
    wait_http(&format!("{app}/healthz")).await;

    let b = Browser::start(db.name).await;
    let t0 = Instant::now();

    // Sign in: a page asked for without a session comes back after sign-in.
    b.goto(&format!("{app}/customers")).await;
    assert!(b.url().await.contains("/login?next=%2Fcustomers"), "{}", b.url().await);
    b.fill("#email", "admin@test.fr").await;
    b.fill("#password", "pas le bon").await;
    b.click("button[type=submit]").await;
    b.wait_text("#login-error", "Adresse e-mail ou mot de passe incorrect").await;
    b.screenshot("01-login-refused").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("h1", "Clients").await;
    assert_eq!(b.url().await, format!("{app}/customers"));

    // The skip link is the first stop of the keyboard.
    let first = b.script("return document.querySelector('a, button, input, select').className").await;
    assert_eq!(first, "skip");

    b.goto(&format!("{app}/")).await;
    b.wait_text("#outstanding", "0,00 €").await;
    b.screenshot("02-dashboard-empty").await;

    // A customer, through the form.
    b.goto(&format!("{app}/customers")).await;
    b.click("#new-customer").await;
    b.fill("#name", "Boulangerie Martin").await;
    b.fill("[id='legal.siren']", "732829320").await;
    b.fill("[id='billing_address.line1']", "12 rue de la République").await;
    b.fill("[id='billing_address.postal_code']", "6900").await; // a typo first
    b.fill("[id='billing_address.city']", "Lyon").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_text("[id='billing_address.postal_code-error']", "5 digits").await;
    b.screenshot("03-customer-form-errors").await;
    b.fill("[id='billing_address.postal_code']", "69002").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_text("h1", "Boulangerie Martin").await;
    let customer_url = b.url().await;
    let customer_id = customer_url.rsplit('/').next().unwrap().to_string();
    b.screenshot("04-customer").await;

    // An invoice: one line, another added with htmx (no page load), then saved and issued.
    b.click("#new-invoice").await;
    b.fill("#line-0-description", "Pose de luminaires").await;
    b.fill("#line-0-quantity", "2").await;
    b.fill("#line-0-unit_price", "180.50").await;
    b.fill("#line-0-vat_rate", "10").await;
    b.script("window.samePage = 'yes'; return null").await;
    b.click("#add-line").await;
    b.find("#line-1-description").await;
    assert_eq!(b.script("return window.samePage || 'reloaded'").await, "yes", "htmx swapped the lines in place");
    assert_eq!(b.script("return document.getElementById('line-0-unit_price').value").await, "180.50");
    b.fill("#line-1-description", "Suspension laiton").await;
    b.fill("#line-1-quantity", "3").await;
    b.fill("#line-1-unit_price", "33.33").await;
    b.fill("#line-1-vat_rate", "20").await;
    b.screenshot("05-invoice-form").await;
    b.click("#save-invoice").await;
    b.wait_text("#invoice-status", "Brouillon").await;
    // 2 × 180,50 + 10 % = 397,10; 3 × 33,33 + 20 % = 119,99.
    b.wait_text("#gross", "517,09 €").await;
    b.click("#issue").await;
    b.wait_text("#invoice-status", "Émise").await;
    assert!(b.text("h1").await.contains("F20"), "numbered when issued: {}", b.text("h1").await);
    b.screenshot("06-invoice-issued").await;
    let invoice_url = b.url().await;

    b.goto(&format!("{app}/")).await;
    b.wait_text("#outstanding", "517,09 €").await;

    // A payment of part of it.
    b.goto(&invoice_url).await;
    b.fill("#amount", "200").await;
    b.click("#record-payment").await;
    b.wait_text("#invoice-status", "Payée en partie").await;
    b.wait_text("#due", "317,09 €").await;
    b.screenshot("07-invoice-partly-paid").await;

    b.goto(&format!("{app}/")).await;
    b.wait_text("#outstanding", "317,09 €").await;
    b.screenshot("08-dashboard").await;

    // English: labels, amounts and dates in the reader's notation.
    b.click("#lang-switch").await;
    b.wait_text("h1", "Dashboard").await;
    b.wait_text("#outstanding", "€317.09").await;
    b.screenshot("09-dashboard-en").await;
    b.goto(&format!("{app}/invoices")).await;
    b.wait_text("h1", "Invoices").await;
    b.wait_text("#invoice-list", "€517.09").await;
    b.wait_text("#invoice-list", "Partially paid").await;

    // On a phone: nothing wider than the screen but the tables, which scroll inside.
    b.window(390, 844).await;
    let overflow = b.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
    assert!(overflow.as_i64().unwrap() <= 0, "the page scrolls sideways on a phone: {overflow}");
    b.screenshot("10-invoices-phone").await;
    b.window(1280, 900).await;
    b.click("#logout button").await;
    b.find("#email").await;
    assert!(b.url().await.ends_with("/login"), "{}", b.url().await);

    // A draft for the read-only user to look at.
    let draft: Value = reqwest::Client::new()
        .post(format!("{app}/api/v1/invoices"))
        .bearer_auth(&token)
        .json(&json!({"customer_id": customer_id, "lines": [{"description": "Dépannage", "quantity": "1", "unit_price": "90", "vat_rate": "20"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let draft_id = draft["id"].as_str().unwrap().to_string();

    b.fill("#email", "lecture@test.fr").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("h1", "Tableau de bord").await;
    b.goto(&format!("{app}/invoices/{draft_id}")).await;
    b.wait_text("#invoice-status", "Brouillon").await;
    assert!(!b.exists("#issue").await, "no issue button for a read-only user");
    assert!(!b.exists("#record-payment").await);
    b.screenshot("11-read-only-draft").await;
    // The button is absent, and the action is refused when forged with the page's own token.
    let status = b
        .script_async(&format!(
            "const done = arguments[arguments.length - 1];
             const csrf = document.querySelector('input[name=csrf]').value;
             fetch('/invoices/{draft_id}/issue', {{method: 'POST', body: new URLSearchParams({{csrf}})}})
               .then(r => done(r.status), e => done(String(e)));"
        ))
        .await;
    assert_eq!(status, 403);
    let still: Value = reqwest::Client::new()
        .get(format!("{app}/api/v1/invoices/{draft_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "draft");
    eprintln!("{}: the browser journey took {:.1} s", db.name, t0.elapsed().as_secs_f64());
    b.quit().await;
}

#[tokio::test]
async fn a_day_in_the_web_app_in_a_real_browser() {
    for db in databases().await {
        journey(&db).await;
    }
}
