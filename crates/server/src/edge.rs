//! The edge: accepting TCP connections and reading requests under limits, so that slow
//! or greedy clients cannot hold the server's connections and file descriptors.
//!
//! - a connection must send its request head within [`HEADER_READ_TIMEOUT`] (also the
//!   longest a keep-alive connection stays idle), and its body without pausing longer
//!   than [`BODY_IDLE_TIMEOUT`] nor taking longer than [`BODY_TOTAL_TIMEOUT`];
//! - a client that stops reading its answer for [`WRITE_STALL_TIMEOUT`] is let go;
//! - one client address holds at most [`MAX_CONNECTIONS_PER_CLIENT`] connections, and the
//!   server at most a number derived from its file-descriptor limit; past either cap a new
//!   connection gets a 503 and is closed at once instead of waiting in a queue;
//! - a failing `accept` (EMFILE, ENFILE…) pauses the loop briefly and never stops it;
//! - a request body a handler did not read is drained (when small and already coming) or
//!   the answer says `Connection: close`, so a keep-alive client never sends its next
//!   request on a connection the server is about to drop;
//! - answers are `Cache-Control: no-store` unless their handler says otherwise.

use crate::error::ApiError;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use ipnet::IpNet;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};

/// Time a client has to send a request head, counted from the connection's start or the
/// end of the previous answer: a half-sent head (slowloris) holds a descriptor no longer.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest pause while a body is coming: a client that stops sending mid-body is cut.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(15);
/// Time a whole body may take: the largest upload (a customer file) at about 100 KiB/s.
pub const BODY_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest a write of the answer may wait on the client: one that stops reading (a slow
/// read) is let go. Counts stalls, not the download, so a large PDF on a slow link passes.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections one client address may hold: a few browsers behind one office NAT (six
/// each), yet one host cannot take every descriptor. IPv6 counts per /64, as one host
/// usually holds a whole /64.
pub const MAX_CONNECTIONS_PER_CLIENT: usize = 64;
/// Descriptors kept out of the connection cap: the database pool, SQLite's files, the
/// SMTP connection, uploads and logs need theirs even when every connection is taken.
pub const FD_HEADROOM: u64 = 256;
/// Pause after a failed `accept` (out of descriptors): retrying at once would spin.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Time the requests under way get to finish once the server is asked to stop.
pub const GRACE: Duration = Duration::from_secs(10);
/// Unread body the server still reads to keep a keep-alive connection: more, or slower
/// than [`DRAIN_TIME`], and the answer closes the connection instead.
pub const DRAIN_MAX: usize = 64 * 1024;
/// Longest the answer waits for an unread body to arrive and be discarded.
pub const DRAIN_TIME: Duration = Duration::from_secs(1);

/// The limits at the edge; [`EdgeConfig::default`] holds the constants above.
#[derive(Clone, Debug)]
pub struct EdgeConfig {
    pub header_read_timeout: Duration,
    pub body_idle_timeout: Duration,
    pub body_total_timeout: Duration,
    pub write_stall_timeout: Duration,
    pub max_connections_per_client: usize,
    /// `None`: derived from the file-descriptor limit when serving starts.
    pub max_connections: Option<usize>,
    pub accept_backoff: Duration,
}

impl Default for EdgeConfig {
    fn default() -> EdgeConfig {
        EdgeConfig {
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_idle_timeout: BODY_IDLE_TIMEOUT,
            body_total_timeout: BODY_TOTAL_TIMEOUT,
            write_stall_timeout: WRITE_STALL_TIMEOUT,
            max_connections_per_client: MAX_CONNECTIONS_PER_CLIENT,
            max_connections: None,
            accept_backoff: ACCEPT_BACKOFF,
        }
    }
}

/// The connection cap for a soft descriptor limit of `nofile`: the limit less a headroom
/// of a quarter of it, or [`FD_HEADROOM`] when that is more.
pub fn connection_cap(nofile: u64) -> usize {
    let headroom = FD_HEADROOM.max(nofile / 4);
    usize::try_from(nofile.saturating_sub(headroom).max(16)).unwrap_or(usize::MAX)
}

/// The server's connection cap: the soft descriptor limit is first raised to the hard one
/// (as Go's runtime does), then the cap leaves headroom below it.
fn system_connection_cap() -> usize {
    let nofile = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-files limit; assuming 1024");
            1024
        }
    };
    connection_cap(nofile)
}

/// The address a connection counts against: the IPv4 address, or the IPv6 /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Open connections, in all and per client.
struct Gate {
    max: usize,
    per_client: usize,
    /// Peers exempt from the per-client cap: a reverse proxy carries many clients.
    trusted: Vec<IpNet>,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection; dropping it frees its place.
struct Permit {
    gate: Arc<Gate>,
    key: Option<IpAddr>,
}

impl Gate {
    fn admit(self: &Arc<Gate>, peer: IpAddr) -> Option<Permit> {
        let key = (!self.trusted.iter().any(|n| n.contains(&peer))).then(|| client_key(peer));
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.0 >= self.max {
            return None;
        }
        if let Some(k) = key {
            let n = open.1.entry(k).or_insert(0);
            if *n >= self.per_client {
                return None;
            }
            *n += 1;
        }
        open.0 += 1;
        Some(Permit { gate: self.clone(), key })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(k) = self.key
            && let Some(n) = open.1.get_mut(&k)
        {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&k);
            }
        }
    }
}

/// Said to a connection past a cap before it is closed: the client may come back.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Length: 29\r\n\r\ntoo many connections, retry.\n";

/// Serves `router` on `listener` under the limits of `edge` until `shutdown` completes;
/// `trusted` are the reverse proxies exempt from the per-client cap.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    edge: EdgeConfig,
    trusted: Vec<IpNet>,
    shutdown: impl Future<Output = ()>,
) {
    let max = edge.max_connections.unwrap_or_else(system_connection_cap);
    let gate = Arc::new(Gate {
        max,
        per_client: edge.max_connections_per_client,
        trusted,
        open: Mutex::new((0, HashMap::new())),
    });
    let edge = Arc::new(edge);
    let router = router.layer(axum::middleware::from_fn_with_state(edge.clone(), read_body_under_limits));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of descriptors (EMFILE, ENFILE) or buffers: the connections being
                // served will free some; pause rather than spin, and keep serving.
                tracing::warn!(error = %e, "accept failed; retrying shortly");
                tokio::time::sleep(edge.accept_backoff).await;
                continue;
            }
        };
        let Some(permit) = gate.admit(peer.ip()) else {
            // Refused at once: a queued connection would hold a descriptor doing nothing.
            let _ = stream.try_write(REFUSAL);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), req.map(Body::new))
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(edge.header_read_timeout)
            .serve_connection(TokioIo::new(WriteStall::new(stream, edge.write_stall_timeout)), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // An error here is the client's (a reset, a timeout): nothing to answer.
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
            drop(permit);
        });
    }
    // New clients are refused from now on; idle keep-alive connections close at once,
    // busy ones finish their request.
    drop(listener);
    if tokio::time::timeout(GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still under way after {GRACE:?}; stopping anyway");
    }
}

/// Completes when the process is asked to stop (Ctrl-C, or SIGTERM from a service manager).
pub async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// A connection whose writes may not wait on the client longer than `limit`.
struct WriteStall<S> {
    inner: S,
    limit: Duration,
    /// Running while the client is not taking what is written.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteStall<S> {
    fn new(inner: S, limit: Duration) -> WriteStall<S> {
        WriteStall { inner, limit, stalled: None }
    }

    /// Passes `poll` through, failing it once it has been pending for `limit` in a row.
    fn guard<T>(&mut self, cx: &mut Context<'_>, poll: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let limit = self.limit;
        let stalled = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteStall<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteStall<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.guard(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.guard(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.guard(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.guard(cx, poll)
    }
}

/// Errors of one connection that came and went before `accept` returned it.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

/// What the body wrapper tells the middleware once the handler is done.
#[derive(Default)]
struct BodyState {
    timed_out: AtomicBool,
    /// The body as the handler left it when it stopped before the end.
    unread: Mutex<Option<Body>>,
}

/// A request body read under the edge's timeouts, which hands itself back to the
/// middleware when dropped unfinished.
struct EdgeBody {
    inner: Option<Body>,
    idle: Duration,
    idle_sleep: Pin<Box<Sleep>>,
    total_sleep: Pin<Box<Sleep>>,
    state: Arc<BodyState>,
}

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimeout;

impl HttpBody for EdgeBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let next = Instant::now() + this.idle;
                this.idle_sleep.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => {
                // The end, or the client's error: either way nothing is left to drain.
                this.inner = None;
                Poll::Ready(other)
            }
            Poll::Pending => {
                if this.idle_sleep.as_mut().poll(cx).is_ready() || this.total_sleep.as_mut().poll(cx).is_ready() {
                    this.inner = None;
                    this.state.timed_out.store(true, Ordering::Release);
                    return Poll::Ready(Some(Err(axum::Error::new(BodyTimeout))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.as_ref().map(|b| b.size_hint()).unwrap_or_else(|| hyper::body::SizeHint::with_exact(0))
    }
}

impl Drop for EdgeBody {
    fn drop(&mut self) {
        if let Some(body) = self.inner.take()
            && !body.is_end_stream()
        {
            *self.state.unread.lock().unwrap_or_else(|e| e.into_inner()) = Some(body);
        }
    }
}

/// Reads every request body under the timeouts, answers 408 to a body that stalls, and
/// makes sure the connection is clean for the next request or announced as closing.
async fn read_body_under_limits(State(edge): State<Arc<EdgeConfig>>, req: Request, next: Next) -> Response {
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let state = Arc::new(BodyState::default());
    let now = Instant::now();
    let req = req.map(|inner| {
        Body::new(EdgeBody {
            inner: Some(inner),
            idle: edge.body_idle_timeout,
            idle_sleep: Box::pin(tokio::time::sleep_until(now + edge.body_idle_timeout)),
            total_sleep: Box::pin(tokio::time::sleep_until(now + edge.body_total_timeout)),
            state: state.clone(),
        })
    });
    let response = next.run(req).await;
    if state.timed_out.load(Ordering::Acquire) {
        return closing(ApiError::BodyTimeout.into_response());
    }
    let unread = state.unread.lock().unwrap_or_else(|e| e.into_inner()).take();
    match unread {
        None => response,
        Some(body) => {
            if drain(body).await {
                response
            } else {
                closing(response)
            }
        }
    }
}

/// Reads and discards what is left of a body when it is small and arrives promptly;
/// true when the body was read to its end.
async fn drain(mut body: Body) -> bool {
    if body.size_hint().lower() > DRAIN_MAX as u64 {
        return false;
    }
    let read_all = async {
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            seen += frame.data_ref().map_or(0, |d| d.len());
            if seen > DRAIN_MAX {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIME, read_all).await.unwrap_or(false)
}

/// Marks an answer `Cache-Control: no-store` unless its handler chose otherwise (the
/// static assets): API answers, documents and pages carry personal data that a shared
/// cache or the browser's disk must not keep.
pub async fn no_store_by_default(mut response: Response) -> Response {
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The answer, telling the client the connection closes after it.
fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_headroom_below_the_descriptor_limit() {
        assert_eq!(connection_cap(1024), 768);
        assert_eq!(connection_cap(512), 256);
        assert_eq!(connection_cap(65536), 49152);
        assert_eq!(connection_cap(100), 16);
    }

    #[test]
    fn an_ipv6_client_counts_per_64_and_a_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_gate_caps_each_client_and_the_total_but_not_a_trusted_proxy() {
        let gate = Arc::new(Gate {
            max: 4,
            per_client: 2,
            trusted: vec!["10.0.0.1/32".parse().unwrap()],
            open: Mutex::new((0, HashMap::new())),
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let first = gate.admit(a).expect("first");
        let _second = gate.admit(a).expect("second");
        assert!(gate.admit(a).is_none(), "a third connection from one client is refused");
        drop(first);
        let _again = gate.admit(a).expect("a freed place is given again");
        let _p1 = gate.admit(proxy).expect("proxy 1");
        let _p2 = gate.admit(proxy).expect("the proxy is not capped per client");
        assert!(gate.admit("192.0.2.2".parse().unwrap()).is_none(), "past the total cap");
    }
}
