//! What the browser tests share: a fresh database per backend, the `facturier` binary,
//! and a WebDriver client for one headless Chromium (Debian's `chromium` +
//! `chromium-driver`, installed by `scripts/setup-browser`). Each browser test file
//! keeps its own journey.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_facturier");
pub const PASSWORD: &str = "mot de passe de test";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed and reaped when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Db {
    pub url: String,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<String>,
}

pub fn pg_admin() -> String {
    std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub async fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("web.db").display());
    let sqlite = Db { url, name: "sqlite", _dir: Some(dir), pg: None };
    if !crate::services::postgres_available(&pg_admin()).await {
        return vec![sqlite];
    }
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

pub fn run(db: &Db, args: &[&str], env: &[(&str, &str)]) -> Value {
    let out = Command::new(BIN)
        .args(args)
        .env("FACTURIER_DATABASE_URL", &db.url)
        .envs(env.iter().copied())
        .output()
        .expect("run facturier");
    assert!(out.status.success(), "facturier {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

pub async fn wait_http(url: &str) {
    for _ in 0..200 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not answer");
}

/// The administrator every journey signs in as (password [`PASSWORD`]).
pub const ADMIN: &str = "admin@test.fr";

/// `facturier serve` on a free port over a fresh database, with the company "Atelier
/// Test" and its administrator [`ADMIN`] made by `facturier init`, as a new user starts.
pub struct Served {
    pub url: String,
    pub token: String,
    _server: Proc,
}

impl Served {
    pub async fn start(db: &Db) -> Served {
        let init = run(db, &["init", "--company-name", "Atelier Test", "--admin-email", ADMIN, "--json"], &[]);
        let token = init["token"].as_str().expect("init prints the API token").to_string();
        run(db, &["user", "set-password", "--email", ADMIN], &[("FACTURIER_PASSWORD", PASSWORD)]);
        let port = free_port();
        let server = Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("FACTURIER_DATABASE_URL", &db.url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start facturier serve");
        let served = Served { url: format!("http://127.0.0.1:{port}"), token, _server: Proc(server) };
        wait_http(&format!("{}/healthz", served.url)).await;
        served
    }

    /// A REST call as the administrator; anything but a success fails the journey.
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut r =
            reqwest::Client::new().request(method, format!("{}/api/v1{path}", self.url)).bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.expect("the API answers");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.api(reqwest::Method::POST, path, Some(body)).await
    }

    /// The identity every invoice needs before it can be issued (`core::compliance`),
    /// plus `more` settings merged in (e.g. `{"banks": […]}`).
    pub async fn identify(&self, more: Value) {
        let mut settings = json!({"identity": {"name": "Atelier Test", "legal_form": "SARL", "share_capital": "10000",
            "rcs_city": "Lyon", "siren": "552100554", "vat_number": "FR96552100554",
            "address": {"line1": "3 place Bellecour", "postal_code": "69002", "city": "Lyon", "country": "FR"}}});
        if let (Some(all), Value::Object(more)) = (settings.as_object_mut(), more) {
            all.extend(more);
        }
        self.api(reqwest::Method::PATCH, "/settings", Some(settings)).await;
    }

    /// The customer "Boulangerie Martin" (Lyon) and an issued invoice of 100 loaves at
    /// 1.20 € (5.5 % VAT): their ids.
    pub async fn issued_invoice(&self) -> (String, String) {
        let customer = self
            .post(
                "/customers",
                json!({"name": "Boulangerie Martin", "legal": {"siren": "732829320"},
                   "billing_address": {"line1": "1 rue Haute", "postal_code": "69002", "city": "Lyon", "country": "FR"}}),
            )
            .await;
        let customer = customer["id"].as_str().expect("the customer's id").to_string();
        let line =
            json!({"description": "Pain de campagne", "quantity": "100", "unit_price": "1.20", "vat_rate": "5.5"});
        let inv = self.post("/invoices", json!({"customer_id": customer, "lines": [line]})).await;
        let inv = inv["id"].as_str().expect("the invoice's id").to_string();
        self.post(&format!("/invoices/{inv}/issue"), json!({})).await;
        (customer, inv)
    }
}

/// chromedriver and one headless Chromium session.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    shots: PathBuf,
    prefix: &'static str,
    _profile: tempfile::TempDir,
    _driver: Proc,
    // Last field, dropped last: the next journey's Chromium starts once this one is gone.
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// One Chromium at a time: the journeys share one test binary, and two browsers at once
/// on a small machine make each one's waits time out.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub async fn start(prefix: &'static str) -> Browser {
        let turn = TURN.lock().await;
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
            _turn: turn,
        }
    }

    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
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

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await.unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, None).await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_string()
    }

    /// The element matching `css`, waiting up to 10 s for it to appear.
    pub async fn find(&self, css: &str) -> String {
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

    pub async fn exists(&self, css: &str) -> bool {
        let v = self.post("/elements", json!({"using": "css selector", "value": css})).await;
        !v.as_array().unwrap().is_empty()
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/clear"), json!({})).await;
        self.post(&format!("/element/{id}/value"), json!({"text": text})).await;
    }

    /// Chooses the file at `path` in the file input `css` (as a user picking it would).
    pub async fn choose_file(&self, css: &str, path: &std::path::Path) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/value"), json!({"text": path.display().to_string()})).await;
    }

    /// The visible text of `css` now, with no-break spaces made plain.
    pub async fn try_text(&self, css: &str) -> Result<String, String> {
        let v =
            self.cmd(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await?;
        let id = v[ELEMENT].as_str().ok_or("no element id")?.to_string();
        let t = self.cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None).await?;
        Ok(t.as_str().unwrap_or_default().replace(['\u{a0}', '\u{202f}'], " "))
    }

    pub async fn text(&self, css: &str) -> String {
        self.try_text(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Waits until `css` shows `want`: a page loading or an htmx swap may replace it meanwhile.
    pub async fn wait_text(&self, css: &str, want: &str) {
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

    pub async fn script(&self, js: &str) -> Value {
        self.post("/execute/sync", json!({"script": js, "args": []})).await
    }

    pub async fn script_async(&self, js: &str) -> Value {
        self.post("/execute/async", json!({"script": js, "args": []})).await
    }

    pub async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let b64 = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(self.shots.join(format!("{}-{name}.png", self.prefix)), png).unwrap();
    }

    /// Sets an input the way a picker would (date inputs and selects read keys by locale).
    pub async fn set(&self, id: &str, value: &str) {
        let js = format!(
            "const e = document.getElementById({id:?}); e.value = {value:?}; e.dispatchEvent(new Event('change', {{bubbles: true}})); return e.value"
        );
        assert_eq!(self.script(&js).await, json!(value), "{id}");
    }

    /// Fails when the page scrolls sideways in the window (a phone's, in the journeys).
    /// The failure names the first elements reaching past the right edge.
    pub async fn fits_the_phone(&self, what: &str) {
        let fits = self.script("return document.documentElement.scrollWidth <= window.innerWidth + 1").await;
        if fits != json!(true) {
            let wide = self
                .script(
                    "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8).join(' ')",
                )
                .await;
            panic!("{what} scrolls sideways on a phone: {wide}");
        }
    }

    pub async fn window(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height})).await;
    }

    /// Signs `email` in and leaves the set-up page a new company lands on for later.
    pub async fn sign_in(&self, app: &str, email: &str) {
        self.goto(&format!("{app}/login")).await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("button[type=submit]").await;
        let start = Instant::now();
        loop {
            if self.exists("#setup-later").await {
                self.click("#setup-later").await;
                break;
            }
            if self.try_text("h1").await.is_ok_and(|h| h.contains("Tableau de bord")) {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{email} is not signed in");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.wait_text("h1", "Tableau de bord").await;
    }

    pub async fn quit(&self) {
        let _ = self.cmd(reqwest::Method::DELETE, "", None).await;
    }
}
