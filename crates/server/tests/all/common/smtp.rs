//! A real SMTP server process for the e-mail tests: aiosmtpd run by
//! `scripts/smtp-sink.py` from the validators' virtualenv (scripts/setup-validators),
//! writing each message it accepts as JSON (headers and parts as Python's parser reads
//! them).

use facturier_server::mailer::MailConfig;
use facturier_store::outbox::Retry;
use serde_json::Value;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The virtualenv's interpreter. A missing SMTP server fails the test: a skipped check
/// would read as a passed one.
pub fn python() -> PathBuf {
    let py = std::env::var_os("FACTURIER_VALIDATORS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/validators-venv/bin/python"));
    assert!(py.is_file(), "aiosmtpd is not installed ({} is missing): run scripts/setup-validators", py.display());
    py
}

/// Whether the validators' virtualenv (aiosmtpd, the XML and PDF validators) is here;
/// a test that needs it does not run without it (see `service_available`).
pub fn python_available() -> bool {
    let py = std::env::var_os("FACTURIER_VALIDATORS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/validators-venv/bin/python"));
    super::service_available("the Python validators", "run scripts/setup-validators", py.is_file())
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real SMTP server on 127.0.0.1:`port`, stopped when dropped.
pub struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start(port: u16) -> SmtpSink {
        SmtpSink::start_with(port, &[])
    }

    /// A sink started with more arguments of `smtp-sink.py` (TLS, for one).
    pub fn start_with(port: u16, extra: &[&str]) -> SmtpSink {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut child = Command::new(python())
            .arg(repo().join("scripts/smtp-sink.py"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start scripts/smtp-sink.py");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("its stdout");
        std::io::BufReader::new(stdout).read_line(&mut line).expect("read from smtp-sink.py");
        assert!(line.starts_with("ready"), "smtp-sink.py did not start (is aiosmtpd installed?): {line:?}");
        SmtpSink { child, dir }
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("the sink's directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("a message")).expect("JSON from the sink"))
            .collect()
    }

    /// Waits for `n` messages (at most 30 s) and returns all received.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {n} e-mail(s)");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends through 127.0.0.1:`port`, retrying fast so that the tests take seconds.
pub fn mail_via(port: u16) -> MailConfig {
    MailConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        retry: Retry { base: Duration::from_millis(200), max_delay: Duration::from_millis(800), max_attempts: 1000 },
        poll: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        ..MailConfig::default()
    }
}

/// Polls `f` until it gives a value (at most 30 s).
pub async fn wait_until<T, F, Fut>(what: &str, f: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
