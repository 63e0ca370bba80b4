//! The server under measurement, run as a child process of this binary, and the HTTP client
//! every measurement shares.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::render::memory_of;

/// The server as a child process of this binary.
pub(super) struct Server {
    pub(super) child: tokio::process::Child,
    pub(super) pid: u32,
    pub(super) base: String,
    pub(super) log: PathBuf,
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(l.local_addr()?.port())
}

impl Server {
    pub(super) async fn start(url: &str, log: &Path, client: &reqwest::Client) -> Result<Server> {
        let exe = std::env::current_exe().context("cannot find this binary")?;
        let addr = format!("127.0.0.1:{}", free_port()?);
        let log_file = std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let child = tokio::process::Command::new(exe)
            .args(["serve", "--listen", &addr, "--database-url", url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the server")?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Server { child, pid, base: format!("http://{addr}"), log: log.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited ({status}); see {}", server.log.display());
            }
            if Instant::now() > deadline {
                bail!("the server did not answer within 2 minutes; see {}", server.log.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Peak and current resident memory in KiB, from /proc.
    pub(super) fn memory(&self) -> Result<(u64, u64)> {
        memory_of(&self.pid.to_string())
    }

    pub(super) async fn stop(mut self) -> Result<()> {
        self.child.kill().await.context("cannot stop the server")
    }
}

/// What every HTTP measurement needs.
#[derive(Clone)]
pub(super) struct Http {
    pub(super) client: reqwest::Client,
    pub(super) base: String,
    pub(super) token: Arc<str>,
}

impl Http {
    pub(super) async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&*self.token)
            .query(query)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let bytes = r.bytes().await.with_context(|| format!("GET {path}"))?;
        if !status.is_success() {
            bail!("GET {path} {query:?}: {status} {}", String::from_utf8_lossy(&bytes));
        }
        serde_json::from_slice(&bytes).with_context(|| format!("GET {path}: not JSON"))
    }

    pub(super) async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&*self.token)
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = r.status();
        let bytes = r.bytes().await.with_context(|| format!("POST {path}"))?;
        if !status.is_success() {
            bail!("POST {path}: {status} {}", String::from_utf8_lossy(&bytes));
        }
        serde_json::from_slice(&bytes).with_context(|| format!("POST {path}: not JSON"))
    }
}
