//! The reproduction of issue 18's slow-client outage against the real binary: a server
//! limited to 1 024 open files receives 1 100 half-sent requests from one address and
//! keeps serving — another address at once, the same one once its heads time out. And a
//! server asked to stop (SIGTERM) finishes the request under way, then exits cleanly.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const BIN: &str = env!("CARGO_BIN_EXE_facturier");

fn pg_admin() -> String {
    std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh SQLite file, then a fresh PostgreSQL database (dropped with the guard).
struct Db {
    url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<String>,
}

async fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db { url: format!("sqlite://{}", dir.path().join("f.db").display()), _dir: Some(dir), pg: None };
    if !crate::services::postgres_available(&pg_admin()).await {
        return vec![sqlite];
    }
    let name = format!("facturier_edge_{}", uuid::Uuid::now_v7().simple());
    let pool = sqlx::PgPool::connect(&pg_admin()).await.expect("PostgreSQL must be running for the test suite");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
    pool.close().await;
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

/// `facturier serve` under `ulimit -n 1024` (soft and hard, so it cannot raise it).
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    async fn start(db: &Db) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("sh")
            .args(["-c", "ulimit -n 1024 && exec \"$0\" \"$@\"", BIN, "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env("FACTURIER_DATABASE_URL", &db.url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) };
        for _ in 0..400 {
            if healthz(server.addr, [127, 0, 0, 9]).await == Some(200) {
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

async fn connect_from(addr: SocketAddr, from: [u8; 4]) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    socket.connect(addr).await
}

/// `GET /healthz` from the loopback address `from`: the status, `None` when the server
/// closed or said nothing within 5 s.
async fn healthz(addr: SocketAddr, from: [u8; 4]) -> Option<u16> {
    let mut s = connect_from(addr, from).await.ok()?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").await.ok()?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer)).await.ok()?.ok()?;
    String::from_utf8_lossy(&answer).split(' ').nth(1)?.parse().ok()
}

#[tokio::test]
async fn eleven_hundred_half_sent_requests_never_take_a_1024_file_server_down() {
    for db in databases().await {
        let mut server = Server::start(&db).await;
        let mut slow = Vec::new();
        for _ in 0..1100 {
            let mut s = connect_from(server.addr, [127, 0, 0, 1]).await.expect("connect");
            // Refused connections are closed by the server: a failed write is expected.
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nUser-Ag").await;
            slow.push(s);
        }
        assert_eq!(healthz(server.addr, [127, 0, 0, 2]).await, Some(200), "another client is served at once");
        // The slow client's own next request is served once its heads have timed out.
        let start = Instant::now();
        while healthz(server.addr, [127, 0, 0, 1]).await != Some(200) {
            assert!(start.elapsed() < Duration::from_secs(40), "the server never serves the address again");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(server.child.try_wait().unwrap().is_none(), "the server is still running");
        drop(slow);
    }
}

/// `facturier init` on `db`; the admin's API token.
fn init(db: &Db) -> String {
    let out = Command::new(BIN)
        .args(["init", "--company-name", "Atelier Test", "--admin-email", "admin@test.fr", "--json"])
        .env("FACTURIER_DATABASE_URL", &db.url)
        .output()
        .expect("run facturier init");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("init --json prints JSON");
    v["token"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn on_sigterm_the_request_under_way_finishes_and_the_server_exits() {
    for db in databases().await {
        let token = init(&db);
        let mut server = Server::start(&db).await;
        let body = r#"{"name": "Boulangerie Martin", "billing_address": {"line1": "12 rue Neuve", "postal_code": "69002", "city": "Lyon", "country": "FR"}}"#;
        let mut busy = connect_from(server.addr, [127, 0, 0, 1]).await.unwrap();
        let head = format!(
            "POST /api/v1/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        busy.write_all(head.as_bytes()).await.unwrap();
        busy.write_all(&body.as_bytes()[..10]).await.unwrap();
        // The head is read and the handler waits for the body.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let pid = server.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        // A new client is turned away once the server stops listening.
        let start = Instant::now();
        while connect_from(server.addr, [127, 0, 0, 2]).await.is_ok() {
            assert!(start.elapsed() < Duration::from_secs(5), "still taking new connections");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The request under way is served to its end.
        busy.write_all(&body.as_bytes()[10..]).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), busy.read_to_end(&mut answer)).await.unwrap().unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "the server does not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(status.success(), "{status:?}");
    }
}
