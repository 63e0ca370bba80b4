//! The server out of file descriptors: `accept` fails (EMFILE), the server waits and
//! serves again as soon as descriptors are free. Alone in its test binary, because it
//! lowers the whole process's open-files limit.

#[path = "all/common/mod.rs"]
mod common;

use common::each_db_with_edge;
use facturier_server::edge::EdgeConfig;
use rlimit::Resource;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(0)
}

#[tokio::test]
async fn out_of_descriptors_the_server_waits_and_serves_again() {
    let config = EdgeConfig {
        // No connection cap to shield it: the process itself runs out.
        max_connections: Some(100_000),
        accept_backoff: Duration::from_millis(50),
        ..EdgeConfig::default()
    };
    each_db_with_edge(config, |app| async move {
        let addr: SocketAddr = app.base.trim_start_matches("http://").trim_end_matches("/api/v1").parse().unwrap();
        let (soft, hard) = Resource::NOFILE.get().unwrap();
        Resource::NOFILE.set(open_descriptors() + 64, hard).unwrap();
        // Take every descriptor but one, which the client's socket takes.
        let mut fillers = Vec::new();
        while let Ok(f) = std::fs::File::open("/dev/null") {
            fillers.push(f);
        }
        drop(fillers.pop());
        let mut client = TcpStream::connect(addr).await.expect("the kernel queues the connection");
        client.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut answer = Vec::new();
        let waiting = tokio::time::timeout(Duration::from_millis(300), client.read_to_end(&mut answer)).await;
        assert!(waiting.is_err(), "no descriptor to accept with, yet answered: {answer:?}");
        drop(fillers);
        tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut answer))
            .await
            .expect("served once descriptors are free")
            .unwrap();
        Resource::NOFILE.set(soft, hard).unwrap();
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
        app.get("/customers").await.assert_status(200);
    })
    .await;
}
