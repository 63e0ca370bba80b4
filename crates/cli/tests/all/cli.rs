//! The `facturier` binary as a user runs it: init, demo, verify, a server killed in
//! the middle of issuing, and e-mails queued without an SMTP server then sent by a
//! restarted one.

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_facturier");

struct Db {
    url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<String>,
}

fn pg_admin() -> String {
    std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db { url: format!("sqlite://{}", dir.path().join("f.db").display()), _dir: Some(dir), pg: None };
    if !crate::services::postgres_available(&pg_admin()).await {
        return vec![sqlite];
    }
    let name = format!("facturier_cli_{}", uuid::Uuid::now_v7().simple());
    let pool = sqlx::PgPool::connect(&pg_admin()).await.expect("PostgreSQL must be running for the test suite");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
    let base = pg_admin().rsplit_once('/').unwrap().0.to_string();
    vec![sqlite, Db { url: format!("{base}/{name}"), _dir: None, pg: Some(name) }]
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

fn run(db: &Db, args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).env("FACTURIER_DATABASE_URL", &db.url).output().expect("run facturier")
}

fn init(db: &Db) -> (String, String) {
    let out = run(db, &["init", "--company-name", "Atelier Test", "--admin-email", "admin@test.fr", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("init --json prints JSON");
    let company_id = v["company_id"].as_str().unwrap().to_string();
    give_identity(db, &company_id);
    (company_id, v["token"].as_str().unwrap().to_string())
}

/// The legal identity an administrator fills in before the first invoice: without it
/// nothing can be issued (`core::compliance`).
fn give_identity(db: &Db, company_id: &str) {
    let (url, id) = (db.url.clone(), company_id.parse::<uuid::Uuid>().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let store = facturier_store::Store::connect(&url).await.unwrap();
            let mut s = store.settings(id).await.unwrap();
            s.identity = Some(facturier_core::company::Seller {
                legal_form: Some("SARL".into()),
                share_capital: Some(rust_decimal::Decimal::from(10_000)),
                rcs_city: Some("Paris".into()),
                siren: "552100554".parse().ok(),
                vat_number: "FR96552100554".parse().ok(),
                address: facturier_core::party::Address {
                    line1: "3 rue du Louvre".into(),
                    line2: None,
                    postal_code: "75001".into(),
                    city: "Paris".into(),
                    country: "FR".parse().unwrap(),
                },
                ..facturier_core::company::Seller::bare("Atelier Test", "FR".parse().unwrap())
            });
            store.set_settings(id, &s).await.unwrap();
            store.close().await;
        })
    })
    .join()
    .unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(db: &Db) -> Server {
        Server::start_with(db, &[]).await
    }

    async fn start_with(db: &Db, args: &[&str]) -> Server {
        let port = free_port();
        let child = Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("FACTURIER_DATABASE_URL", &db.url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Owned by `Server` at once, so that a failed start still kills and reaps it.
        let server = Server { child, base: format!("http://127.0.0.1:{port}/api/v1") };
        for _ in 0..200 {
            if reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not start");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(http: &reqwest::Client, token: &str, url: String, body: Value) -> (u16, Value) {
    match http.post(url).bearer_auth(token).json(&body).send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            (s, r.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

async fn all_invoices(http: &reqwest::Client, base: &str, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let v: Value = http
            .get(format!("{base}/invoices?limit=200{after}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.extend(v["data"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => after = format!("&after={c}"),
            None => return out,
        }
    }
}

/// Issued numbers must be exactly 1..=n; drafts must carry no number and no seal.
fn check_numbers(invoices: &[Value]) -> usize {
    let mut seqs = Vec::new();
    for i in invoices {
        match i["status"].as_str().unwrap() {
            "draft" => assert!(i["number"].is_null() && i["seal"].is_null(), "half-issued draft: {i}"),
            _ => {
                let n = i["number"].as_str().unwrap();
                assert!(i["seal"].is_string(), "issued without seal: {i}");
                seqs.push(n.rsplit('-').next().unwrap().parse::<usize>().unwrap());
            }
        }
    }
    seqs.sort();
    assert_eq!(seqs, (1..=seqs.len()).collect::<Vec<_>>(), "numbers are contiguous");
    seqs.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_issue_leaves_no_half_issued_invoice_and_no_burnt_number() {
    for db in databases().await {
        let (_, token) = init(&db);
        let http = reqwest::Client::new();
        let server = Server::start(&db).await;
        let (s, c) = post(
            &http,
            &token,
            format!("{}/customers", server.base),
            json!({
                "name": "Client", "legal": {"siren": "732829320"},
                "billing_address": {"line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}
            }),
        )
        .await;
        assert_eq!(s, 201);
        let customer = c["id"].as_str().unwrap().to_string();
        let mut drafts = Vec::new();
        for _ in 0..160 {
            let lines: Vec<Value> = (0..20).map(|i| json!({"description": format!("Ligne {i}"), "quantity": "1", "unit_price": "10", "vat_rate": "20"})).collect();
            let (s, d) = post(
                &http,
                &token,
                format!("{}/invoices", server.base),
                json!({"customer_id": customer, "lines": lines}),
            )
            .await;
            assert_eq!(s, 201);
            drafts.push(d["id"].as_str().unwrap().to_string());
        }
        // Eight clients issue as fast as they can; the server is killed (SIGKILL) under load.
        // The kill comes once 10 issues have been answered, not after a fixed delay: a fast
        // server would otherwise have issued all of them before it.
        let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for chunk in drafts.chunks(20) {
            let (http, token, base, ids) = (http.clone(), token.clone(), server.base.clone(), chunk.to_vec());
            let answered = answered.clone();
            tasks.push(tokio::spawn(async move {
                for id in ids {
                    post(&http, &token, format!("{base}/invoices/{id}/issue"), json!({})).await;
                    answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }));
        }
        while answered.load(std::sync::atomic::Ordering::SeqCst) < 10 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(server);
        for t in tasks {
            t.await.unwrap();
        }

        let server = Server::start(&db).await;
        let invoices = all_invoices(&http, &server.base, &token).await;
        assert_eq!(invoices.len(), 160, "no invoice lost");
        let issued = check_numbers(&invoices);
        assert!(issued < 160, "the kill happened before every invoice was issued ({issued})");
        let v = run(&db, &["verify"]);
        assert!(v.status.success(), "verify after crash: {}", String::from_utf8_lossy(&v.stderr));

        // Issuing resumes at the next number.
        for i in invoices.iter().filter(|i| i["status"] == "draft") {
            let (s, _) =
                post(&http, &token, format!("{}/invoices/{}/issue", server.base, i["id"].as_str().unwrap()), json!({}))
                    .await;
            assert_eq!(s, 200);
        }
        let invoices = all_invoices(&http, &server.base, &token).await;
        assert_eq!(check_numbers(&invoices), 160);
        assert!(run(&db, &["verify"]).status.success());
        if db.pg.is_none() {
            assert_instants_are_fixed_width(&db.url).await;
        }
    }
}

/// A company with three invoices issued over HTTP (100, 200 and 300 before VAT), the
/// server stopped; their numbers.
async fn three_issued_invoices(db: &Db) -> Vec<String> {
    let (_, token) = init(db);
    let http = reqwest::Client::new();
    let server = Server::start(db).await;
    let (_, c) = post(
        &http,
        &token,
        format!("{}/customers", server.base),
        json!({
            "name": "Client", "legal": {"siren": "732829320"},
            "billing_address": {"line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}
        }),
    )
    .await;
    let mut numbers = Vec::new();
    for price in ["100", "200", "300"] {
        let lines = json!([{"description": "x", "quantity": "1", "unit_price": price, "vat_rate": "20"}]);
        let (_, d) =
            post(&http, &token, format!("{}/invoices", server.base), json!({"customer_id": c["id"], "lines": lines}))
                .await;
        let (s, i) =
            post(&http, &token, format!("{}/invoices/{}/issue", server.base, d["id"].as_str().unwrap()), json!({}))
                .await;
        assert_eq!(s, 200);
        numbers.push(i["number"].as_str().unwrap().to_string());
    }
    drop(server);
    numbers
}

#[tokio::test]
async fn verify_names_the_first_tampered_invoice() {
    for db in databases().await {
        let numbers = three_issued_invoices(&db).await;
        let ok = run(&db, &["verify"]);
        assert!(ok.status.success());
        assert!(String::from_utf8_lossy(&ok.stdout).contains("3 issued documents"));

        // Someone edits the second invoice's price straight in the database.
        let sql = format!(
            "UPDATE documents SET content = REPLACE(content, '\"200\"', '\"20\"') WHERE number = '{}'",
            numbers[1]
        );
        execute(&db, &sql).await;
        let broken = run(&db, &["verify"]);
        assert_eq!(broken.status.code(), Some(1));
        let err = String::from_utf8_lossy(&broken.stderr);
        assert!(err.contains(&numbers[1]), "names the tampered invoice: {err}");
    }
}

/// Issued documents' stored files (issue 20): `verify` re-hashes them, and names the
/// document and the format of a file changed in the database.
#[tokio::test]
async fn verify_names_the_document_and_format_of_a_changed_stored_file() {
    for db in databases().await {
        let numbers = three_issued_invoices(&db).await;
        let ok = run(&db, &["verify"]);
        let stdout = String::from_utf8_lossy(&ok.stdout);
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        // Each invoice is stored in every format of its kind (the PDF and the UBL flavours).
        let files = 3 * facturier_server::files::formats(facturier_core::document::DocumentKind::Invoice).len();
        assert!(stdout.contains(&format!("{files} stored files")), "{stdout}");

        // Someone drops the guard and rewrites the second invoice's UBL in the database.
        let drop_guard = match db.pg {
            None => "DROP TRIGGER document_files_never_change",
            Some(_) => "DROP TRIGGER document_files_never_change ON document_files",
        };
        execute(&db, drop_guard).await;
        let sql = format!(
            "UPDATE document_files SET bytes = substr(bytes, 1, 200) WHERE format = 'ubl' AND document_id = \
             (SELECT id FROM documents WHERE number = '{}')",
            numbers[1]
        );
        execute(&db, &sql).await;
        let broken = run(&db, &["verify"]);
        let err = String::from_utf8_lossy(&broken.stderr);
        assert_eq!(broken.status.code(), Some(1), "{err}");
        assert!(err.contains(&format!("invoice {} (ubl)", numbers[1])), "names the document and the format: {err}");
        assert!(!err.contains(&numbers[0]) && !err.contains(&numbers[2]), "untouched invoices are not named: {err}");
    }
}

#[tokio::test]
async fn demo_builds_a_lively_company_once_and_verifies() {
    for db in databases().await {
        let out = run(&db, &["demo", "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["url"].as_str().unwrap().starts_with("http://"));
        assert!(v["login"].as_str().unwrap().contains('@'));
        let token = v["token"].as_str().unwrap().to_string();
        let again: Value = serde_json::from_slice(&run(&db, &["demo", "--json"]).stdout).unwrap();
        assert_eq!(again["company_id"], v["company_id"], "demo is created once");

        let server = Server::start(&db).await;
        let http = reqwest::Client::new();
        let invoices = all_invoices(&http, &server.base, &token).await;
        let statuses: std::collections::BTreeSet<_> =
            invoices.iter().map(|i| i["status"].as_str().unwrap().to_string()).collect();
        for s in ["draft", "issued", "partially_paid", "paid"] {
            assert!(statuses.contains(s), "demo has a {s} invoice: {statuses:?}");
        }
        let cns: Value = http
            .get(format!("{}/credit-notes", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(cns["data"].as_array().unwrap().len(), 1);
        let customers: Value = http
            .get(format!("{}/customers", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(customers["data"].as_array().unwrap().len() >= 8);
        let get = |path: &str| {
            let (http, token, url) = (http.clone(), token.clone(), format!("{}{path}", server.base));
            async move { http.get(url).bearer_auth(&token).send().await.unwrap().json::<Value>().await.unwrap() }
        };
        // The demo company is believable: its legal form is the one in its name, and no
        // customer shares its SIREN.
        let identity = get("/settings").await["identity"].clone();
        let form = identity["legal_form"].as_str().unwrap();
        assert!(identity["name"].as_str().unwrap().contains(form), "{identity}");
        let own = identity["siren"].as_str().unwrap();
        for c in customers["data"].as_array().unwrap() {
            assert_ne!(c["legal"]["siren"].as_str(), Some(own), "{} shares the company's SIREN", c["name"]);
        }
        let quotes = get("/quotes").await;
        let statuses: Vec<_> =
            quotes["data"].as_array().unwrap().iter().map(|q| q["status"].as_str().unwrap().to_string()).collect();
        assert!(statuses.contains(&"sent".to_string()) && statuses.contains(&"converted".to_string()), "{statuses:?}");
        assert_eq!(get("/orders").await["data"][0]["status"], "partially_delivered");
        assert_eq!(get("/deposit-invoices").await["data"][0]["status"], "paid");
        assert!(run(&db, &["verify"]).status.success());
        if db.pg.is_none() {
            assert_instants_are_fixed_width(&db.url).await;
        }
    }
}

/// Every instant column of a SQLite database holds `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so that
/// comparing and ordering the text compares the time (crates/store/src/stamp.rs). Columns
/// are found by name (`at`, `…_at`), so a table added later is checked too.
async fn assert_instants_are_fixed_width(url: &str) {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut checked = 0;
    for (table,) in tables {
        let columns: Vec<(String, String)> =
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1)").bind(&table).fetch_all(&pool).await.unwrap();
        for (column, ty) in columns {
            if ty != "TEXT" || !(column == "at" || column.ends_with("_at")) {
                continue;
            }
            let sql = format!("SELECT {column} FROM {table} WHERE {column} IS NOT NULL");
            let values: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&pool).await.unwrap();
            for (v,) in &values {
                let b = v.as_bytes();
                let shape = b.len() == 27
                    && b[10] == b'T'
                    && b[19] == b'.'
                    && b[26] == b'Z'
                    && b[20..26].iter().all(u8::is_ascii_digit);
                assert!(shape, "{table}.{column} holds {v:?}, not a fixed-width instant");
            }
            checked += values.len();
        }
    }
    assert!(checked > 20, "instants were written in many rows: {checked}");
}

#[test]
fn bad_arguments_get_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let out = Command::new(BIN)
        .args(["init", "--company-name", "X", "--admin-email", "not-an-email"])
        .env("FACTURIER_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin-email"));
    let out = Command::new(BIN).args(["verify"]).env("FACTURIER_DATABASE_URL", "mysql://nope").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://"));
    let help = Command::new(BIN).args(["init", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("Example"));
}

/// The interpreter of the independent validators (`scripts/setup-validators`).
fn validators() -> (std::path::PathBuf, std::path::PathBuf) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = crate::services::validators_python();
    assert!(
        py.is_file(),
        "the validators are not installed ({} is missing): run scripts/setup-validators",
        py.display()
    );
    (py, repo.join("scripts/validate.py"))
}

#[tokio::test]
async fn every_demo_invoice_and_credit_note_passes_the_independent_validators() {
    if !crate::services::validators_available() {
        return;
    }
    let (py, script) = validators();
    let db = databases().await.into_iter().next().unwrap();
    let out = run(&db, &["demo", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    let server = Server::start(&db).await;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let (mut pdfs, mut ubls) = (Vec::new(), Vec::new());
    for segment in ["invoices", "deposit-invoices", "credit-notes"] {
        let list: Value = http
            .get(format!("{}/{segment}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for d in list["data"].as_array().unwrap().iter().filter(|d| d["status"] != "draft") {
            let id = d["id"].as_str().unwrap();
            for (ext, files) in [("pdf", &mut pdfs), ("ubl", &mut ubls)] {
                let r =
                    http.get(format!("{}/{segment}/{id}/{ext}", server.base)).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200, "{segment}/{id}/{ext}");
                let path = dir.path().join(format!("{}.{ext}", d["number"].as_str().unwrap()));
                std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
                files.push(path);
            }
        }
    }
    assert!(pdfs.len() >= 5, "the demo has issued invoices and a credit note: {}", pdfs.len());
    for (kind, files) in [("pdf", &pdfs), ("ubl", &ubls)] {
        let out = Command::new(&py).arg(&script).arg(kind).args(files.iter()).output().unwrap();
        assert!(
            out.status.success(),
            "{kind}: the validators found errors:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A page rendered to PNG by poppler: width, height and RGB pixels.
struct Page {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Page {
    fn read(path: &std::path::Path) -> Page {
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
        buf.truncate(info.buffer_size());
        Page { width: info.width as usize, height: info.height as usize, rgb: buf }
    }

    /// Pixels of the region (fractions of the page) for which `pred` holds.
    fn count(&self, x: (f32, f32), y: (f32, f32), pred: impl Fn([u8; 3]) -> bool) -> usize {
        let (x0, x1) = ((x.0 * self.width as f32) as usize, (x.1 * self.width as f32) as usize);
        let (y0, y1) = ((y.0 * self.height as f32) as usize, (y.1 * self.height as f32) as usize);
        let mut n = 0;
        for row in y0..y1 {
            for col in x0..x1 {
                let i = (row * self.width + col) * 3;
                if pred([self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]) {
                    n += 1;
                }
            }
        }
        n
    }
}

fn near(c: [u8; 3], target: [u8; 3]) -> bool {
    c.iter().zip(target).all(|(a, b)| a.abs_diff(b) <= 40)
}

/// Text ink: dark pixels.
fn ink(c: [u8; 3]) -> bool {
    c.iter().map(|&v| u32::from(v)).sum::<u32>() < 300
}

/// The draft watermark: the light red of "SPÉCIMEN" over white paper.
fn watermark(c: [u8; 3]) -> bool {
    c[0] > 225 && c[0].saturating_sub(c[1]) >= 12 && c[0].saturating_sub(c[2]) >= 12
}

#[tokio::test]
async fn demo_documents_render_to_png_pages_that_look_right() {
    if !crate::services::pdftoppm_available() {
        return;
    }
    let db = databases().await.into_iter().next().unwrap();
    let out = run(&db, &["demo", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = serde_json::from_slice::<Value>(&out.stdout).unwrap()["token"].as_str().unwrap().to_string();
    let server = Server::start(&db).await;
    let http = reqwest::Client::new();
    // Pages are kept as test artefacts, to be looked at.
    let artefacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("../test-artefacts/pdf-pages");
    std::fs::create_dir_all(&artefacts).unwrap();

    let first = |segment: &'static str, draft: bool| {
        let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
        async move {
            let list: Value =
                http.get(format!("{base}/{segment}")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
            let d = list["data"].as_array().unwrap().iter().find(|d| (d["status"] == "draft") == draft).cloned();
            let d =
                d.unwrap_or_else(|| panic!("the demo has a {} in {segment}", if draft { "draft" } else { "document" }));
            let r = http.get(format!("{base}/{segment}/{}/pdf", d["id"].as_str().unwrap())).bearer_auth(&token);
            r.send().await.unwrap().bytes().await.unwrap().to_vec()
        }
    };
    for (name, segment, draft) in [
        ("invoice", "invoices", false),
        ("credit-note", "credit-notes", false),
        ("quote", "quotes", false),
        ("draft-invoice", "invoices", true),
    ] {
        let pdf = artefacts.join(format!("{name}.pdf"));
        std::fs::write(&pdf, first(segment, draft).await).unwrap();
        let prefix = artefacts.join(name);
        let out = Command::new("pdftoppm").args(["-r", "60", "-png"]).arg(&pdf).arg(&prefix).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && stderr.trim().is_empty(), "poppler could not render {name}: {stderr}");
        let page = Page::read(&artefacts.join(format!("{name}-1.png")));

        // A4 at 60 dpi.
        assert_eq!((page.width, page.height), (497, 702), "{name}: the page is A4");
        // The demo logo (navy and teal tiles) in the top-left corner.
        let (logo_x, logo_y) = ((0.05, 0.32), (0.04, 0.11));
        assert!(page.count(logo_x, logo_y, |c| near(c, [31, 58, 95])) > 100, "{name}: the logo's navy tiles");
        assert!(page.count(logo_x, logo_y, |c| near(c, [38, 140, 150])) > 50, "{name}: the logo's teal tiles");
        // Text in the body (addresses, lines, totals) and in the footer (identity, page number).
        assert!(page.count((0.05, 0.95), (0.15, 0.7), ink) > 2000, "{name}: the body is written");
        assert!(page.count((0.05, 0.95), (0.93, 0.99), ink) > 100, "{name}: the footer is written");
        // The watermark marks drafts, and only drafts.
        let marked = page.count((0.2, 0.8), (0.3, 0.7), watermark);
        assert_eq!(marked > 500, draft, "{name}: watermark pixels: {marked}");
    }
}

/// A real SMTP server (aiosmtpd, `scripts/smtp-sink.py`) on `port`; killed when dropped.
struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(port: u16) -> SmtpSink {
        use std::io::BufRead;
        let (py, script) = validators();
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(py)
            .arg(script.with_file_name("smtp-sink.py"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start scripts/smtp-sink.py");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("ready"), "smtp-sink.py did not start: {line:?}");
        SmtpSink { child, dir }
    }

    fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn emails_queued_without_an_smtp_server_are_sent_after_a_restart_with_one() {
    if !crate::services::validators_available() {
        return;
    }
    for db in databases().await {
        let (_, token) = init(&db);
        let http = reqwest::Client::new();
        let server = Server::start(&db).await;
        let (s, c) = post(
            &http,
            &token,
            format!("{}/customers", server.base),
            json!({
                "name": "Boulangerie Martin", "email": "compta@boulangerie.fr", "legal": {"siren": "732829320"},
                "billing_address": {"line1": "1 rue A", "postal_code": "69002", "city": "Lyon", "country": "FR"},
            }),
        )
        .await;
        assert_eq!(s, 201, "{c}");
        let (_, d) = post(&http, &token, format!("{}/invoices", server.base), json!({"customer_id": c["id"], "lines": [{"description": "Pose", "quantity": "1", "unit_price": "100", "vat_rate": "20"}]})).await;
        let id = d["id"].as_str().unwrap().to_string();
        let (s, inv) = post(&http, &token, format!("{}/invoices/{id}/issue", server.base), json!({})).await;
        assert_eq!(s, 200, "{inv}");
        let (s, queued) = post(&http, &token, format!("{}/invoices/{id}/send", server.base), json!({})).await;
        assert_eq!(s, 202, "{queued}");
        assert_eq!(queued["status"], "pending");
        drop(server);

        let port = free_port();
        let sink = SmtpSink::start(port);
        let url = format!("smtp://127.0.0.1:{port}");
        let server = Server::start_with(&db, &["--smtp-url", &url, "--mail-from", "factures@atelier.fr"]).await;
        let mut got = Vec::new();
        for _ in 0..200 {
            got = sink.messages();
            if !got.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(got.len(), 1, "the queued message is sent once the server has an SMTP server: {got:?}");
        assert_eq!(got[0]["to"], json!(["compta@boulangerie.fr"]));
        assert_eq!(got[0]["mail_from"], "factures@atelier.fr");
        let number = inv["number"].as_str().unwrap();
        assert_eq!(got[0]["attachments"][0]["filename"], format!("Facture-{number}.pdf"));
        let emails: Value = http
            .get(format!("{}/invoices/{id}/emails", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(emails[0]["id"], queued["id"]);
        drop(server);
    }
}

#[test]
fn a_bad_smtp_url_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let port = free_port().to_string();
    let out = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--smtp-url", "ftp://mail.example.com"])
        .env("FACTURIER_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SMTP URL") && err.contains("smtp://"), "{err}");
    let out = Command::new(BIN)
        .args(["serve", "--mail-from", "not an address"])
        .env("FACTURIER_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mail-from"));
}

/// Runs one statement on the test database, as someone with access to it would.
async fn execute(db: &Db, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if db.pg.is_none() {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

#[tokio::test]
async fn verify_names_the_column_changed_behind_the_seal() {
    for db in databases().await {
        let (_, token) = init(&db);
        let http = reqwest::Client::new();
        let server = Server::start(&db).await;
        let address = json!({"line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"});
        let (_, c) = post(
            &http,
            &token,
            format!("{}/customers", server.base),
            json!({"name": "Client", "legal": {"siren": "732829320"}, "billing_address": address}),
        )
        .await;
        post(&http, &token, format!("{}/customers", server.base), json!({"name": "Autre", "billing_address": address}))
            .await;
        let (_, d) = post(&http, &token, format!("{}/invoices", server.base), json!({"customer_id": c["id"], "lines": [{"description": "Pose", "quantity": "1", "unit_price": "100", "vat_rate": "20"}]})).await;
        let id = d["id"].as_str().unwrap().to_string();
        let (s, inv) = post(&http, &token, format!("{}/invoices/{id}/issue", server.base), json!({})).await;
        assert_eq!(s, 200);
        let number = inv["number"].as_str().unwrap().to_string();
        let payment = json!({"amount": "50", "date": inv["issue_date"], "method": "cheque"});
        let (s, paid) = post(&http, &token, format!("{}/invoices/{id}/payments", server.base), payment).await;
        assert_eq!(s, 200);
        assert_eq!(
            (&paid["totals"]["net"], &paid["totals"]["gross"], &paid["totals"]["due"]),
            (&json!("100.00"), &json!("120.00"), &json!("70.00"))
        );
        let listed = all_invoices(&http, &server.base, &token).await;
        drop(server);
        let ok = run(&db, &["verify"]);
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

        // Each column a page, a list or the dashboard shows, changed in the database and put
        // back from a copy taken before.
        execute(&db, "CREATE TABLE documents_before AS SELECT * FROM documents").await;
        let other = "(SELECT id FROM customers WHERE name = 'Autre')";
        let cases = [
            ("net", "'10.00'"),
            ("vat_total", "'2.00'"),
            ("gross", "'12.00'"),
            ("due", "'0'"),
            ("paid", "'120.00'"),
            ("status", "'paid'"),
            ("doc_date", "'2020-01-01'"),
            ("issue_date", "'2020-01-01'"),
            ("due_date", "'2099-01-01'"),
            ("customer_id", other),
            ("currency", "'USD'"),
            ("number", "'F-TAMPERED'"),
        ];
        for (column, value) in cases {
            execute(&db, &format!("UPDATE documents SET {column} = {value} WHERE number = '{number}'")).await;
            let broken = run(&db, &["verify"]);
            let err = String::from_utf8_lossy(&broken.stderr);
            assert_eq!(broken.status.code(), Some(1), "{column} changed went unnoticed: {err}");
            let named = if column == "number" { "F-TAMPERED" } else { number.as_str() };
            assert!(err.contains(named) && err.contains(&format!("column {column} ")), "{column}: {err}");
            execute(
                &db,
                &format!(
                    "UPDATE documents SET {column} = (SELECT b.{column} FROM documents_before b WHERE b.id = documents.id)"
                ),
            )
            .await;
            assert!(run(&db, &["verify"]).status.success(), "{column} put back");
        }

        // Untouched (put back), the list shows what it showed before.
        let server = Server::start(&db).await;
        assert_eq!(all_invoices(&http, &server.base, &token).await, listed);
    }
}

/// `facturier user set-password` with `password` in FACTURIER_PASSWORD.
fn set_password(db: &Db, email: &str, password: &str) -> std::process::Output {
    Command::new(BIN)
        .args(["user", "set-password", "--email", email])
        .env("FACTURIER_DATABASE_URL", &db.url)
        .env("FACTURIER_PASSWORD", password)
        .output()
        .expect("run facturier")
}

#[tokio::test]
async fn set_password_accepts_exactly_the_passwords_the_web_accepts() {
    for db in databases().await {
        init(&db);
        for refused in ["onze lettre", &"x".repeat(201)] {
            let out = set_password(&db, "admin@test.fr", refused);
            assert!(!out.status.success(), "{} characters refused", refused.chars().count());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("12 characters") || err.contains("200 characters"), "{err}");
        }
        let twelve = "douze lettre";
        assert_eq!(twelve.chars().count(), 12);
        let out = set_password(&db, "admin@test.fr", twelve);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // The web signs in with it: one rule for both.
        let server = Server::start(&db).await;
        let root = server.base.trim_end_matches("/api/v1").to_string();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let (cookie, csrf) = form_pair(&http, &format!("{root}/login"), "facturier_login").await;
        let body = format!("csrf={csrf}&email=admin%40test.fr&password=douze+lettre&next=%2F");
        let r = post_form(&http, &format!("{root}/login"), &cookie, body).await;
        assert_eq!(r.status(), 303, "the web accepts the password set-password accepted");
    }
}

/// The cookie (`name=value`) and the form's CSRF token of the page at `url`.
async fn form_pair(http: &reqwest::Client, url: &str, name: &str) -> (String, String) {
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap_or_default();
    let html = r.text().await.unwrap();
    let at = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + r#"name="csrf" value=""#.len();
    (cookie, html[at..].split('"').next().unwrap().to_string())
}

async fn post_form(http: &reqwest::Client, url: &str, cookie: &str, body: String) -> reqwest::Response {
    http.post(url)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn no_log_line_holds_a_password_link_even_at_trace_level() {
    if !crate::services::validators_available() {
        return;
    }
    for db in databases().await {
        init(&db);
        assert!(set_password(&db, "admin@test.fr", "un mot de passe solide").status.success());
        let smtp = free_port();
        let sink = SmtpSink::start(smtp);
        let port = free_port();
        let logs = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--smtp-url",
                &format!("smtp://127.0.0.1:{smtp}"),
            ])
            .env("FACTURIER_DATABASE_URL", &db.url)
            .env("FACTURIER_LOG", "trace")
            .stdout(Stdio::null())
            .stderr(logs.reopen().unwrap())
            .spawn()
            .unwrap();
        let server = Server { child, base: format!("http://127.0.0.1:{port}/api/v1") };
        let root = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        for _ in 0..200 {
            if http.get(format!("{root}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let (cookie, csrf) = form_pair(&http, &format!("{root}/password/forgot"), "facturier_pw").await;
        let body = format!("csrf={csrf}&email=admin%40test.fr&lang=fr");
        assert_eq!(post_form(&http, &format!("{root}/password/forgot"), &cookie, body).await.status(), 200);
        let mut got = Vec::new();
        for _ in 0..300 {
            got = sink.messages();
            if !got.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let text = got.first().expect("the reset mail is delivered")["text"].as_str().unwrap().to_string();
        let at = text.find("/password/reset?token=").expect("a link") + "/password/reset?token=".len();
        let secret = text[at..].split_whitespace().next().unwrap().to_string();
        // The link is followed and used: its secret passes through every layer that logs.
        let link = format!("{root}/password/reset?token={secret}");
        let (cookie, csrf) = form_pair(&http, &link, "facturier_pw").await;
        let body = format!("csrf={csrf}&token={secret}&password=une+phrase+neuve+ici&confirm=une+phrase+neuve+ici");
        assert_eq!(post_form(&http, &format!("{root}/password/reset"), &cookie, body).await.status(), 303);
        drop(server);
        drop(sink);

        let log = std::fs::read_to_string(logs.path()).unwrap();
        assert!(log.contains("/password/reset"), "requests are logged at this level");
        assert!(log.contains("outbox: sent"), "the mail's sending is logged");
        assert!(!log.contains(&secret), "the secret is in no log line");
    }
}

#[tokio::test]
async fn import_lists_rejected_rows_then_imports_and_updates() {
    for db in databases().await {
        init(&db);
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("tiers.csv");
        std::fs::write(
            &bad,
            "Nom du tiers;Adresse;Code postal;Ville;E-mail\nDurand;1 rue;75001;Paris;durand@x.fr\nMartin;2 rue;75002;;\nPetit;;75003;;petit@\n",
        )
        .unwrap();
        let out = run(&db, &["import", "customers", bad.to_str().unwrap(), "--dry-run"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        assert!(stdout.contains("row 3 billing_address.city: is required"), "{stdout}");
        assert!(stdout.contains("3 rows, 2 rejected (4 problems): nothing would be imported"), "{stdout}");

        let good = dir.path().join("articles.csv");
        std::fs::write(&good, "Réf.;Libellé;Prix de vente HT;Taux TVA\nP-1;Pose;180,50;20\nP-2;Câble;2,35;20\n")
            .unwrap();
        let out = run(&db, &["import", "products", good.to_str().unwrap(), "--dry-run"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("2 products would be created"));
        let out = run(&db, &["import", "products", good.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("2 products created, 0 updated"));
        let out = run(&db, &["import", "products", good.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("0 products created, 2 updated"));

        let out = run(&db, &["import", "products", dir.path().join("absent.csv").to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    }
}

/// `init` says how to reach the web app: the sign-in address, a one-time link to choose
/// the admin's password (which the server then accepts once), and the command that sets
/// it from the shell; `--json` keeps its fields and adds these.
#[tokio::test]
async fn init_tells_how_to_sign_in() {
    let sqlite = databases().await.into_iter().next().unwrap();
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let out = run(
        &sqlite,
        &["init", "--company-name", "Atelier Test", "--admin-email", "admin@test.fr", "--public-url", &public],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("API token "), "{text}");
    assert!(text.contains(&format!("Sign in at {public}/login as admin@test.fr")), "{text}");
    assert!(text.contains("facturier user set-password --email admin@test.fr"), "{text}");
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{public}/password/reset?token=")))
        .unwrap_or_else(|| panic!("no password link in {text}"))
        .to_string();

    let out = run(&sqlite, &["init", "--company-name", "Autre", "--admin-email", "autre@test.fr", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("init --json prints JSON");
    for field in ["company_id", "token", "user_id", "password_link"] {
        assert!(v[field].is_string(), "{field} in {v}");
    }
    assert_eq!(v["login_url"], "http://127.0.0.1:8080/login");
    assert_eq!(v["set_password_command"], "facturier user set-password --email autre@test.fr");

    // The printed link opens the page that sets the password; a made-up one does not.
    let server = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("FACTURIER_DATABASE_URL", &sqlite.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child: server, base: public.clone() };
    for _ in 0..200 {
        if reqwest::get(format!("{public}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200, "{link}");
    assert!(page.text().await.unwrap().contains(r#"name="password""#));
    let wrong = reqwest::get(format!("{public}/password/reset?token=0123")).await.unwrap();
    assert_eq!(wrong.status(), 410);
    drop(server);
}

#[tokio::test]
async fn sepa_batch_collects_every_invoice_with_a_mandate_and_writes_its_file() {
    for db in databases().await {
        let (_, token) = init(&db);
        let http = reqwest::Client::new();
        let server = Server::start(&db).await;
        let settings = json!({
            "sepa": {"creditor_id": "FR72ZZZ123456"},
            "banks": [{"label": "Compte", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX"}],
        });
        let r =
            http.patch(format!("{}/settings", server.base)).bearer_auth(&token).json(&settings).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let customer = json!({
            "name": "Client", "legal": {"siren": "732829320"},
            "billing_address": {"line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}
        });
        let (_, c) = post(&http, &token, format!("{}/customers", server.base), customer).await;
        let cid = c["id"].as_str().unwrap().to_string();
        let mandate =
            json!({"iban": "FR7630006000011234567890189", "reference": "RUM-CLI-1", "signed_on": "2026-01-15"});
        let (s, _) = post(&http, &token, format!("{}/customers/{cid}/mandates", server.base), mandate).await;
        assert_eq!(s, 201);
        for price in ["100", "50.5"] {
            let lines = json!([{"description": "x", "quantity": "1", "unit_price": price, "vat_rate": "20"}]);
            let (_, d) =
                post(&http, &token, format!("{}/invoices", server.base), json!({"customer_id": cid, "lines": lines}))
                    .await;
            let issue = format!("{}/invoices/{}/issue", server.base, d["id"].as_str().unwrap());
            assert_eq!(post(&http, &token, issue, json!({})).await.0, 200);
        }
        drop(server);
        let date = facturier_core::sepa::target_day_on_or_after(
            time::OffsetDateTime::now_utc().date() + time::Duration::days(3),
        )
        .to_string();
        let out = run(&db, &["sepa", "batch", "--collection-date", &date]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("2 debits, 180.60 EUR"), "{stderr}");
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        // Both invoices are in that batch now: nothing is left to collect.
        let again = run(&db, &["sepa", "batch", "--collection-date", &date]);
        assert_eq!(again.status.code(), Some(1), "{}", String::from_utf8_lossy(&again.stderr));
        assert!(String::from_utf8_lossy(&again.stderr).contains("no invoice to collect"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("batch.xml");
        let out = run(&db, &["sepa", "xml", &id, "--output", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let xml = std::fs::read_to_string(&file).unwrap();
        assert!(xml.contains("pain.008.001.02") && xml.contains("<CtrlSum>180.60</CtrlSum>"), "{xml}");
        assert!(xml.contains("<MndtId>RUM-CLI-1</MndtId>") && xml.contains("<SeqTp>FRST</SeqTp>"), "{xml}");
        let out = run(&db, &["sepa", "xml", &id, "--pain", "08"]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("pain.008.001.08"));
        let out = run(&db, &["sepa", "xml", &id, "--pain", "07"]);
        assert!(!out.status.success());
        // The bank rejects the first debit before settlement (pain.002): applied once.
        let msg = xml.split("<MsgId>").nth(1).and_then(|r| r.split('<').next()).unwrap().to_string();
        let e2e = xml.split("<EndToEndId>").nth(1).and_then(|r| r.split('<').next()).unwrap().to_string();
        let status = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>STS-CLI</MsgId><CreDtTm>2026-12-01T08:00:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>{msg}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{msg}-1-FRST</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts><TxInfAndSts><OrgnlEndToEndId>F-AILLEURS</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>MS02</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"#
        );
        let rejects = dir.path().join("rejets.xml");
        std::fs::write(&rejects, status).unwrap();
        let out = run(&db, &["sepa", "rejects", rejects.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            stdout.contains(&format!("rejected\t{e2e}\tAC04")) && stdout.contains("unknown\tF-AILLEURS\tMS02"),
            "{stdout}"
        );
        let out = run(&db, &["sepa", "rejects", rejects.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("already\t{e2e}")));
        assert!(String::from_utf8_lossy(&out.stderr).contains("0 rejected, 1 already rejected, 1 unknown"));
        let out = run(&db, &["sepa", "rejects", file.to_str().unwrap()]);
        assert!(!out.status.success(), "a pain.008 is not a reject file");
    }
}

#[tokio::test]
async fn run_due_bills_each_contract_period_once_and_names_a_contract_waiting_for_its_index() {
    for db in databases().await {
        let (_, token) = init(&db);
        let http = reqwest::Client::new();
        let server = Server::start(&db).await;
        let (_, c) = post(
            &http,
            &token,
            format!("{}/customers", server.base),
            json!({
                "name": "MPF Dépannage", "legal": {"siren": "732829320"},
                "billing_address": {"line1": "7 rue Martin", "postal_code": "84100", "city": "Avignon", "country": "FR"}
            }),
        )
        .await;
        let lines = json!([{"description": "Maintenance", "quantity": "1", "unit_price": "3500", "vat_rate": "20"}]);
        // Issued as billed: a monthly contract from the first of this month.
        let month_start = time::OffsetDateTime::now_utc().date().replace_day(1).unwrap().to_string();
        let (s, _) = post(
            &http,
            &token,
            format!("{}/contracts", server.base),
            json!({"customer_id": c["id"], "reference": "MENS-1", "title": "Abonnement", "start_date": month_start,
                   "billing": {"period_months": 1, "mode": "advance", "issue": true}, "lines": lines}),
        )
        .await;
        assert_eq!(s, 201);
        // Waiting for its index: nothing published.
        let (s, _) = post(
            &http,
            &token,
            format!("{}/contracts", server.base),
            json!({"customer_id": c["id"], "reference": "RT-684", "title": "Contrat de maintenance", "start_date": "2014-01-01",
                   "end_date": "2017-12-31", "billing": {"period_months": 3, "mode": "advance"}, "lines": lines,
                   "revision": {"index": "SYNTEC", "base_value": "239.5", "fixed_part": "0.4285714286"}}),
        )
        .await;
        assert_eq!(s, 201);
        drop(server);

        let out = run(&db, &["run-due"]);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("not billed: contract RT-684") && stderr.contains("SYNTEC"), "{stderr}");
        let made: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
        assert_eq!(made.len(), 1, "this month of MENS-1: {stderr}");
        let again = run(&db, &["run-due"]);
        assert_eq!(String::from_utf8_lossy(&again.stdout), "", "nothing twice");

        let server = Server::start(&db).await;
        let r = http.get(format!("{}/invoices/{}", server.base, made[0])).bearer_auth(&token).send().await.unwrap();
        let inv: Value = r.json().await.unwrap();
        assert_eq!(inv["status"], "issued", "{inv}");
        assert!(inv["number"].as_str().is_some());
        drop(server);

        let next_month = (time::OffsetDateTime::now_utc().date() + time::Duration::days(40)).to_string();
        let future = run(&db, &["run-due", "--date", &next_month]);
        assert_eq!(future.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&future.stderr).contains("at the latest"));
    }
}

/// `facturier dunning run` on the database: the steps due, one e-mail per customer in the
/// outbox; run again the same day it takes nothing; a week later only the next level once.
#[tokio::test]
async fn the_dunning_run_command_takes_each_step_once() {
    for db in databases().await {
        let (_, token) = init(&db);
        let http = reqwest::Client::new();
        let server = Server::start(&db).await;
        let mut ids = Vec::new();
        let mut due = String::new();
        for (name, email) in [("Alpha SARL", "alpha@exemple.fr"), ("Beta SAS", "beta@exemple.fr")] {
            let (s, c) = post(
                &http,
                &token,
                format!("{}/customers", server.base),
                json!({
                    "name": name, "email": email, "legal": {"siren": "732829320"},
                    "billing_address": {"line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}
                }),
            )
            .await;
            assert_eq!(s, 201, "{c}");
            for price in ["100", "250"] {
                let lines = json!([{"description": "x", "quantity": "1", "unit_price": price, "vat_rate": "20"}]);
                let body = json!({"customer_id": c["id"], "lines": lines});
                let (_, d) = post(&http, &token, format!("{}/invoices", server.base), body).await;
                let url = format!("{}/invoices/{}/issue", server.base, d["id"].as_str().unwrap());
                let (s, i) = post(&http, &token, url, json!({})).await;
                assert_eq!(s, 200, "{i}");
                ids.push(i["id"].as_str().unwrap().to_string());
                due = i["due_date"].as_str().unwrap().to_string();
            }
        }
        drop(server);
        let day = |n: i64| {
            let d = time::Date::parse(&due, &time::format_description::well_known::Iso8601::DATE).unwrap();
            (d + time::Duration::days(n)).to_string()
        };
        let stdout = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();

        let first = run(&db, &["dunning", "run", "--as-of", &day(3)]);
        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        let out = stdout(&first);
        assert!(out.contains("4 steps taken") && out.contains("2 e-mails queued"), "{out}");
        for id in &ids {
            assert!(out.contains(&format!("step: reminder_1 {id}")), "{id} in {out}");
        }
        let progress = String::from_utf8_lossy(&first.stderr).into_owned();
        assert!(progress.contains("dunning: customer 2/2"), "{progress}");

        let again = run(&db, &["dunning", "run", "--as-of", &day(3)]);
        assert!(again.status.success());
        assert!(stdout(&again).contains("0 steps taken"), "{}", stdout(&again));

        let later = run(&db, &["dunning", "run", "--as-of", &day(20)]);
        let out = stdout(&later);
        assert!(out.contains("4 steps taken") && !out.contains("reminder_1"), "{out}");
        assert_eq!(out.matches("step: reminder_2").count(), 4, "{out}");
        assert!(stdout(&run(&db, &["dunning", "run", "--as-of", &day(20)])).contains("0 steps taken"));

        let bad = run(&db, &["dunning", "run", "--as-of", "demain"]);
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("--as-of"), "{}", String::from_utf8_lossy(&bad.stderr));
        let quotes = run(&db, &["dunning", "run", "--quotes", "--as-of", &day(3)]);
        assert!(stdout(&quotes).contains("0 quote follow-ups"), "{}", stdout(&quotes));
    }
}
