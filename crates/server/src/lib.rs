//! The HTTP face of facturier: the REST API under `/api/v1` and the web app (`web`;
//! the customer portal joins them later). Handlers parse input into `core` types, let
//! `core` decide, persist through `store` in one transaction, and render.

// The OpenAPI document's schemas are large `json!` literals.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod auth;
pub mod catalogue;
pub mod edge;
pub mod error;
pub mod files;
pub mod idempotency;
pub mod input;
pub mod jobs;
pub mod mailer;
pub mod openapi;
pub mod stripe;
pub mod web;

use axum::Router;
use facturier_store::Store;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (a 1 000-line invoice is about 300 KiB).
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Shared state of the server.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    /// Wakes the job runner when a message is queued; says whether it sends e-mail.
    pub outbox: mailer::Outbox,
    /// Web sessions: cookie flags and expiry.
    pub web: web::WebConfig,
    /// Wakes the job runner when an issued document still needs its files.
    pub files: files::Renderer,
    /// Wakes the job runner when other work is queued (a large import).
    pub jobs: jobs::Waker,
}

impl App {
    /// An app whose e-mails wait in the outbox (no SMTP server).
    pub fn new(store: Store) -> App {
        App {
            store,
            outbox: mailer::Outbox::default(),
            web: web::WebConfig::default(),
            files: files::Renderer::default(),
            jobs: jobs::Waker::default(),
        }
    }
}

/// The whole application router.
pub fn router(app: App) -> Router {
    Router::new()
        .nest("/api/v1", api::routes(app.clone()))
        .merge(web::routes())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .layer(axum::middleware::map_response(edge::no_store_by_default))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(app)
}

/// A request's span in the logs: its path without the query, which may carry a secret
/// (`/password/reset?token=…`).
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path(), version = ?req.version())
}

/// Serves the application on `listener` until the process stops; e-mails wait in the outbox.
pub async fn serve(store: Store, listener: tokio::net::TcpListener) -> Result<(), ServeError> {
    serve_with_mail(store, listener, mailer::MailConfig::default()).await
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Mail(#[from] mailer::MailerError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    PublicUrl(#[from] web::PublicUrlError),
}

/// Serves the application with the e-mail worker of `mail` (when it names an SMTP server).
pub async fn serve_with_mail(
    store: Store,
    listener: tokio::net::TcpListener,
    mail: mailer::MailConfig,
) -> Result<(), ServeError> {
    serve_with(store, listener, mail, web::WebConfig::default()).await
}

/// Serves the application with the e-mail worker of `mail` and web sessions as `web` says.
pub async fn serve_with(
    store: Store,
    listener: tokio::net::TcpListener,
    mail: mailer::MailConfig,
    web: web::WebConfig,
) -> Result<(), ServeError> {
    serve_with_edge(store, listener, mail, web, edge::EdgeConfig::default()).await
}

/// As [`serve_with`], under the connection limits and timeouts of `edge`.
pub async fn serve_with_edge(
    store: Store,
    listener: tokio::net::TcpListener,
    mail: mailer::MailConfig,
    web: web::WebConfig,
    edge: edge::EdgeConfig,
) -> Result<(), ServeError> {
    serve_until(store, listener, mail, web, edge, std::future::pending()).await
}

/// As [`serve_with_edge`] until `shutdown` completes: then no new connection is taken, and
/// the requests under way finish (for [`edge::GRACE`] at most) before it returns.
pub async fn serve_until(
    store: Store,
    listener: tokio::net::TcpListener,
    mail: mailer::MailConfig,
    mut web: web::WebConfig,
    edge: edge::EdgeConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    web.public_url = Some(web::public_url_for(web.public_url.as_deref(), listener.local_addr()?)?);
    let waker = jobs::Waker::default();
    let (outbox, sender) = mailer::outbox(&store, &mail, &waker)?;
    let runner = jobs::RunnerConfig {
        poll: mail.poll,
        concurrency: usize::try_from(mail.batch).unwrap_or(1).max(1),
        session_idle: web.idle,
        public_url: web.public_url.clone(),
        ..jobs::RunnerConfig::default()
    };
    jobs::start(&store, &waker, sender, runner);
    let trusted = web.trusted_proxies.clone();
    let files = files::Renderer::new(&waker);
    let app = App { store, outbox, web, files, jobs: waker };
    edge::serve(listener, router(app), edge, trusted, shutdown).await;
    Ok(())
}
