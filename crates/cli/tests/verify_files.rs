//! `facturier verify` and the stored files of issued documents (issue 20), as a user runs
//! it on SQLite and PostgreSQL: clean on an untouched database, and, once a stored file is
//! changed in the database, exit 1 naming the document's number and the file's format.

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
    let name = format!("facturier_files_{}", uuid::Uuid::now_v7().simple());
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

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(db: &Db) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("FACTURIER_DATABASE_URL", &db.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.is_ok() {
            return (server, format!("http://127.0.0.1:{port}/api/v1"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

async fn call(http: &reqwest::Client, token: &str, method: reqwest::Method, url: String, body: Value) -> Value {
    let r = http.request(method, url).bearer_auth(token).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

#[tokio::test]
async fn verify_names_the_document_and_format_of_a_changed_stored_file() {
    for db in databases().await {
        let out = run(&db, &["init", "--company-name", "Atelier Test", "--admin-email", "admin@test.fr", "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let token = serde_json::from_slice::<Value>(&out.stdout).unwrap()["token"].as_str().unwrap().to_string();
        let (server, base) = serve(&db).await;
        let http = reqwest::Client::new();
        let identity = json!({"identity": {
            "name": "Atelier Test SARL", "legal_form": "SARL", "share_capital": "10000", "rcs_city": "Lyon",
            "siren": "732829320", "vat_number": "FR44732829320", "email": "contact@atelier.fr",
            "address": {"line1": "3 quai Saint-Antoine", "postal_code": "69002", "city": "Lyon", "country": "FR"},
        }});
        call(&http, &token, reqwest::Method::PATCH, format!("{base}/settings"), identity).await;
        let customer = json!({"name": "Client SA", "legal": {"siren": "552100554"},
            "billing_address": {"line1": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}});
        let c = call(&http, &token, reqwest::Method::POST, format!("{base}/customers"), customer).await;
        let mut numbers = Vec::new();
        for price in ["100", "200"] {
            let lines = json!([{"description": "Pose", "quantity": "1", "unit_price": price, "vat_rate": "20"}]);
            let body = json!({"customer_id": c["id"], "lines": lines});
            let d = call(&http, &token, reqwest::Method::POST, format!("{base}/invoices"), body).await;
            let id = d["id"].as_str().unwrap();
            let i = call(&http, &token, reqwest::Method::POST, format!("{base}/invoices/{id}/issue"), json!({})).await;
            numbers.push(i["number"].as_str().unwrap().to_string());
        }
        drop(server);

        let ok = run(&db, &["verify"]);
        let stdout = String::from_utf8_lossy(&ok.stdout);
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        // Each invoice is stored in every format of its kind (the PDF and the UBL flavours).
        let files = 2 * facturier_server::files::formats(facturier_core::document::DocumentKind::Invoice).len();
        assert!(stdout.contains("2 issued documents") && stdout.contains(&format!("{files} stored files")), "{stdout}");

        // Someone drops the guard and rewrites the second invoice's UBL in the database.
        let drop_guard = match db.pg {
            None => "DROP TRIGGER document_files_never_change",
            Some(_) => "DROP TRIGGER document_files_never_change ON document_files",
        };
        execute(&db, drop_guard).await;
        execute(
            &db,
            &format!(
                "UPDATE document_files SET bytes = substr(bytes, 1, 200) WHERE format = 'ubl' AND document_id = \
                 (SELECT id FROM documents WHERE number = '{}')",
                numbers[1]
            ),
        )
        .await;
        let broken = run(&db, &["verify"]);
        let err = String::from_utf8_lossy(&broken.stderr);
        assert_eq!(broken.status.code(), Some(1), "{err}");
        assert!(err.contains(&format!("invoice {} (ubl)", numbers[1])), "names the document and the format: {err}");
        assert!(!err.contains(&numbers[0]), "the untouched invoice is not named: {err}");
    }
}
