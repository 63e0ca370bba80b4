//! The edge under slow and greedy clients, driven with raw TCP: half-sent heads and
//! bodies are cut after their timeout while others are served, connections past a cap
//! are refused at once, an unread body never breaks a keep-alive connection, and
//! answers carrying personal data are not cached.

use crate::common;

use common::{TestApp, each_db, each_db_with_edge, line};
use facturier_server::edge::EdgeConfig;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Longest any single step may take before the test calls it hung.
const PATIENCE: Duration = Duration::from_secs(10);

fn addr(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("http://").trim_end_matches("/api/v1").parse().expect("server address")
}

fn addr_url(app: &TestApp) -> String {
    format!("http://{}", addr(app))
}

/// A connection to the server from the loopback address `from` (127.0.0.1, 127.0.0.2…).
async fn connect_from(app: &TestApp, from: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(addr(app)).await.expect("connect")
}

/// An answer read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one answer (head and Content-Length body); `None` when the server closed first.
async fn read_answer(s: &mut TcpStream) -> Option<Answer> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match tokio::time::timeout(PATIENCE, s.read(&mut chunk)).await.expect("answer in time") {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status code");
    let mut answer = Answer { status, head, body: String::new() };
    let len: usize = answer.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buf.len() < head_end + len {
        match tokio::time::timeout(PATIENCE, s.read(&mut chunk)).await.expect("body in time") {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    answer.body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    Some(answer)
}

/// Waits for the server to close `s` (EOF or reset) and says how long that took.
async fn closed_after(s: &mut TcpStream) -> Duration {
    let start = Instant::now();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, s.read(&mut chunk)).await.expect("the server closes the connection") {
            Ok(0) | Err(_) => return start.elapsed(),
            Ok(_) => continue,
        }
    }
}

/// `GET path` on a keep-alive connection; the answer.
async fn get_on(s: &mut TcpStream, path: &str, token: &str) -> Option<Answer> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    read_answer(s).await
}

/// A normal client on its own connection is served.
async fn served(app: &TestApp, from: [u8; 4]) -> bool {
    let mut s = connect_from(app, from).await;
    matches!(get_on(&mut s, "/api/v1/customers", &app.token).await, Some(a) if a.status == 200)
}

fn edge(f: impl FnOnce(&mut EdgeConfig)) -> EdgeConfig {
    let mut e = EdgeConfig { max_connections: Some(512), ..EdgeConfig::default() };
    f(&mut e);
    e
}

#[tokio::test]
async fn a_half_sent_request_head_is_cut_after_the_timeout_while_others_are_served() {
    let config = edge(|e| e.header_read_timeout = Duration::from_secs(1));
    each_db_with_edge(config, |app| async move {
        let mut slow = connect_from(&app, [127, 0, 0, 1]).await;
        slow.write_all(b"POST /api/v1/customers HTTP/1.1\r\nHost: test\r\nContent-Ty").await.unwrap();
        // During the wait, others are answered.
        assert!(served(&app, [127, 0, 0, 1]).await);
        let waited = closed_after(&mut slow).await;
        assert!(waited < Duration::from_secs(4), "a half-sent head is cut after about 1 s, not {waited:?}");
        assert!(served(&app, [127, 0, 0, 1]).await);
    })
    .await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_header_timeout() {
    let config = edge(|e| e.header_read_timeout = Duration::from_secs(1));
    each_db_with_edge(config, |app| async move {
        let mut silent = connect_from(&app, [127, 0, 0, 1]).await;
        let mut kept = connect_from(&app, [127, 0, 0, 1]).await;
        assert_eq!(get_on(&mut kept, "/healthz", &app.token).await.map(|a| a.status), Some(200));
        // Neither says anything more: both are let go, the descriptors freed.
        assert!(closed_after(&mut silent).await < Duration::from_secs(4));
        assert!(closed_after(&mut kept).await < Duration::from_secs(4));
    })
    .await;
}

#[tokio::test]
async fn a_half_sent_body_is_answered_408_and_cut_while_others_are_served() {
    let config = edge(|e| e.body_idle_timeout = Duration::from_secs(1));
    each_db_with_edge(config, |app| async move {
        let mut slow = connect_from(&app, [127, 0, 0, 1]).await;
        let head = format!(
            "POST /api/v1/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"name\": \"Lent",
            app.token
        );
        slow.write_all(head.as_bytes()).await.unwrap();
        let start = Instant::now();
        assert!(served(&app, [127, 0, 0, 1]).await);
        let answer = read_answer(&mut slow).await.expect("an answer before the close");
        assert_eq!(answer.status, 408, "{answer:?}");
        assert_eq!(answer.header("connection"), Some("close"));
        assert!(answer.body.contains("did not arrive in time"), "{}", answer.body);
        closed_after(&mut slow).await;
        assert!(start.elapsed() < Duration::from_secs(4), "cut after about 1 s, not {:?}", start.elapsed());
        // Nothing was created from the half body.
        assert_eq!(app.get("/customers").await.assert_status(200)["data"].as_array().map(Vec::len), Some(0));
    })
    .await;
}

#[tokio::test]
async fn a_body_trickled_past_the_total_timeout_is_cut() {
    let config = edge(|e| {
        e.body_idle_timeout = Duration::from_secs(5);
        e.body_total_timeout = Duration::from_secs(1);
    });
    each_db_with_edge(config, |app| async move {
        let mut slow = connect_from(&app, [127, 0, 0, 1]).await;
        let head = format!(
            "POST /api/v1/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 200\r\n\r\n",
            app.token
        );
        slow.write_all(head.as_bytes()).await.unwrap();
        // A byte every 200 ms: never idle long, but never done either.
        let trickle = async {
            loop {
                if slow.write_all(b" ").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        let start = Instant::now();
        let _ = tokio::time::timeout(PATIENCE, trickle).await;
        assert!(start.elapsed() < Duration::from_secs(5), "cut after about 1 s, not {:?}", start.elapsed());
    })
    .await;
}

#[tokio::test]
async fn connections_past_the_per_client_cap_are_refused_while_another_client_is_served() {
    let config = edge(|e| e.max_connections_per_client = 4);
    each_db_with_edge(config, |app| async move {
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut s = connect_from(&app, [127, 0, 0, 1]).await;
            // Answered, so admitted; then left open and idle.
            assert_eq!(get_on(&mut s, "/healthz", &app.token).await.map(|a| a.status), Some(200));
            held.push(s);
        }
        let mut fifth = connect_from(&app, [127, 0, 0, 1]).await;
        let refusal = read_answer(&mut fifth).await.expect("a refusal, not silence");
        assert_eq!(refusal.status, 503);
        assert_eq!(refusal.header("connection"), Some("close"));
        assert!(closed_after(&mut fifth).await < Duration::from_secs(1), "refused at once");
        // Another address is served meanwhile.
        assert!(served(&app, [127, 0, 0, 2]).await);
        // A freed place is given again.
        drop(held.pop());
        let start = Instant::now();
        while !served(&app, [127, 0, 0, 1]).await {
            assert!(start.elapsed() < PATIENCE, "a freed place is never given again");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn connections_past_the_global_cap_are_refused_at_once() {
    let config = edge(|e| e.max_connections = Some(3));
    each_db_with_edge(config, |app| async move {
        let mut held = Vec::new();
        for from in [[127, 0, 0, 1], [127, 0, 0, 2], [127, 0, 0, 3]] {
            let mut s = connect_from(&app, from).await;
            assert_eq!(get_on(&mut s, "/healthz", &app.token).await.map(|a| a.status), Some(200));
            held.push(s);
        }
        let mut fourth = connect_from(&app, [127, 0, 0, 4]).await;
        assert_eq!(read_answer(&mut fourth).await.map(|a| a.status), Some(503));
        drop(held);
        let start = Instant::now();
        while !served(&app, [127, 0, 0, 4]).await {
            assert!(start.elapsed() < PATIENCE, "the server never serves again");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_client_that_stops_reading_its_answers_is_let_go_while_others_are_served() {
    let config = edge(|e| {
        e.write_stall_timeout = Duration::from_secs(1);
        // Not the idle timeout closing it: only the stall may.
        e.header_read_timeout = Duration::from_secs(60);
    });
    each_db_with_edge(config, |app| async move {
        let one = app
            .http
            .get(format!("{}/static/htmx-2.0.11.min.js", addr_url(&app)))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        // Many large answers asked at once into a small receive window, none read: far
        // more than the sockets' buffers hold.
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut greedy = socket.connect(addr(&app)).await.unwrap();
        let asks = (64 << 20) / one.len() + 1;
        let req = "GET /static/htmx-2.0.11.min.js HTTP/1.1\r\nHost: test\r\n\r\n".repeat(asks);
        greedy.write_all(req.as_bytes()).await.unwrap();
        // Others are served while it stalls, and after the stall limit it is let go.
        for _ in 0..6 {
            assert!(served(&app, [127, 0, 0, 2]).await);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let mut received = 0usize;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match tokio::time::timeout(PATIENCE, greedy.read(&mut chunk)).await.expect("the server lets it go") {
                Ok(0) | Err(_) => break,
                Ok(n) => received += n,
            }
        }
        assert!(received < asks * one.len() / 2, "{received} bytes of {} received", asks * one.len());
    })
    .await;
}

/// A POST the handler answers without reading its body (a wrong token).
fn unread_post(body: &str) -> (String, String) {
    let head = format!(
        "POST /api/v1/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer wrong\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    (head, body.to_string())
}

#[tokio::test]
async fn a_keep_alive_post_whose_body_is_not_read_never_loses_the_next_request() {
    each_db(|app| async move {
        let body = json!({"name": "Boulangerie Martin", "notes": "x".repeat(2000)}).to_string();
        // The body in its own write, right after the head, then the next request at once:
        // the race that closed about 1 connection in 2 500.
        for round in 0..50 {
            let mut s = connect_from(&app, [127, 0, 0, 1]).await;
            let (head, body) = unread_post(&body);
            s.write_all(head.as_bytes()).await.unwrap();
            // The server (same thread) answers before the body is sent.
            tokio::task::yield_now().await;
            s.write_all(body.as_bytes()).await.unwrap();
            let first = read_answer(&mut s).await.expect("an answer to the POST");
            assert_eq!(first.status, 401);
            let second = get_on(&mut s, "/api/v1/customers", &app.token).await;
            assert_eq!(
                second.map(|a| a.status),
                Some(200),
                "round {round}: the next request on the connection was dropped; first answer: {first:?}"
            );
        }
        // The body held back until the answer came: the answer must say the connection
        // closes, or the next request must be served.
        let mut s = connect_from(&app, [127, 0, 0, 1]).await;
        let (head, body) = unread_post(&body);
        s.write_all(head.as_bytes()).await.unwrap();
        let first = read_answer(&mut s).await.expect("an answer to the POST");
        assert_eq!(first.status, 401);
        let _ = s.write_all(body.as_bytes()).await;
        let second = get_on(&mut s, "/api/v1/customers", &app.token).await;
        assert!(
            first.header("connection") == Some("close") || second.as_ref().is_some_and(|a| a.status == 200),
            "dropped without warning: {first:?} then {second:?}"
        );
    })
    .await;
}

/// Unknown routes answer without reading the body, on the API (with or without a valid
/// token) and on the web side (404 and 405): the connection still serves what follows.
#[tokio::test]
async fn a_post_with_a_body_to_an_unknown_route_keeps_the_connection_usable() {
    each_db(|app| async move {
        let body = json!({"name": "x".repeat(3000)}).to_string();
        let token = app.token.clone();
        let cases = [
            ("/api/v1/nothing/here", Some(token.as_str()), 404),
            ("/api/v1/nothing/here", None, 404),
            ("/nothing/here", None, 404),
            ("/static/app.css", None, 405),
        ];
        for (path, bearer, want) in cases {
            for round in 0..20 {
                let mut s = connect_from(&app, [127, 0, 0, 1]).await;
                let auth = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
                let head = format!(
                    "POST {path} HTTP/1.1\r\nHost: test\r\n{auth}Content-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n",
                    body.len()
                );
                s.write_all(head.as_bytes()).await.unwrap();
                tokio::task::yield_now().await;
                s.write_all(body.as_bytes()).await.unwrap();
                let first = read_answer(&mut s).await.expect("an answer to the POST");
                assert_eq!(first.status, want, "{path}");
                for _ in 0..3 {
                    let next = get_on(&mut s, "/api/v1/customers", &app.token).await;
                    assert_eq!(
                        next.map(|a| a.status),
                        Some(200),
                        "{path}, round {round}: a request after the unknown route was dropped; first answer: {first:?}"
                    );
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn api_and_document_answers_are_not_stored_by_caches() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "2", "180.50", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        for path in
            ["/customers".to_string(), format!("/invoices/{id}"), format!("/invoices/{id}/pdf"), "/nothing".into()]
        {
            let r = app.http.get(format!("{}{}", app.base, path)).bearer_auth(&app.token).send().await.unwrap();
            let cache = r.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            assert!(cache.contains("no-store"), "{path}: {} with Cache-Control {cache:?}", r.status());
        }
        let pdf = app.http.get(format!("{}/invoices/{id}/pdf", app.base)).bearer_auth(&app.token).send().await.unwrap();
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        // A problem answer too (no token).
        let r = app.http.get(format!("{}/customers", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["cache-control"], "no-store");
    })
    .await;
}
