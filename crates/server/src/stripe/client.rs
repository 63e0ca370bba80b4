//! Stripe's HTTP API as we use it: one form-encoded POST with the secret key as a bearer
//! token and an `Idempotency-Key`, its JSON answer read back. Over hyper's HTTP/1.1 client
//! and rustls (ring, the bundled Mozilla roots): no system TLS library. `http://` is
//! allowed for a stand-in server (tests, a local mock), `https://` for Stripe itself.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// How long a call may take in all (connect, TLS, answer).
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// The largest answer read.
const MAX_ANSWER: usize = 1024 * 1024;

/// An answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

/// Why no answer came (a sentence for the logs and the problem's detail; no secret in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

static TLS: LazyLock<Option<Arc<tokio_rustls::rustls::ClientConfig>>> = LazyLock::new(|| {
    use tokio_rustls::rustls;
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Some(Arc::new(config))
});

/// POSTs `form` to `{api_base}{path}`.
pub async fn post_form(
    api_base: &str,
    path: &str,
    secret_key: &str,
    idempotency_key: &str,
    form: &[(String, String)],
) -> Result<Answer, Unreachable> {
    let call = async {
        let url = url::Url::parse(api_base).map_err(|e| Unreachable(format!("bad address: {e}")))?;
        let host = url.host_str().ok_or_else(|| Unreachable("no host in the address".into()))?.to_string();
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(Unreachable(format!("unsupported scheme {other}"))),
        };
        let port = url.port_or_known_default().unwrap_or(if https { 443 } else { 80 });
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let req = hyper::Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::AUTHORIZATION, format!("Bearer {secret_key}"))
            .header(hyper::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("Idempotency-Key", idempotency_key)
            .header(hyper::header::USER_AGENT, concat!("facturier/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Unreachable(format!("request: {e}")))?;
        let tcp = tokio::net::TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port))
            .await
            .map_err(|e| Unreachable(format!("connect to {host}:{port}: {e}")))?;
        if https {
            let config = TLS.clone().ok_or_else(|| Unreachable("TLS is not available".into()))?;
            let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| Unreachable(format!("server name {host}: {e}")))?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| Unreachable(format!("TLS with {host}: {e}")))?;
            exchange(tls, req).await
        } else {
            exchange(tcp, req).await
        }
    };
    tokio::time::timeout(TIMEOUT, call).await.unwrap_or_else(|_| Err(Unreachable("no answer in time".into())))
}

async fn exchange<S>(io: S, req: hyper::Request<Full<Bytes>>) -> Result<Answer, Unreachable>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|e| Unreachable(format!("HTTP: {e}")))?;
    let driver = tokio::spawn(conn);
    let resp = sender.send_request(req).await.map_err(|e| Unreachable(format!("HTTP: {e}")));
    let out = match resp {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match Limited::new(resp.into_body(), MAX_ANSWER).collect().await {
                Ok(b) => Ok(Answer { status, body: b.to_bytes() }),
                Err(e) => Err(Unreachable(format!("reading the answer: {e}"))),
            }
        }
        Err(e) => Err(e),
    };
    driver.abort();
    out
}
