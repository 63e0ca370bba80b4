//! The jobs page (administrators): the company's background jobs — e-mails to send,
//! issued documents' files to render — with their state, attempts, next run and last
//! error, the failed ones first, each failed job with a button to run it again. System
//! jobs (the daily housekeeping) belong to no company and are shown by `facturier jobs`.

use super::i18n::{Labels, t};
use super::session::{Chrome, CsrfForm, WebSession};
use super::{WebError, html, see_other};
use crate::App;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::jobs::{Job, JobCounts, JobQuery, JobState};
use time::OffsetDateTime;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.jobs", "Tâches de fond", "Background jobs"),
    ("jobs.title", "Tâches de fond", "Background jobs"),
    (
        "jobs.help",
        "Ce que le serveur fait pour la société en arrière-plan : envoyer les e-mails, produire les fichiers des documents émis. Une tâche qui échoue est retentée, de plus en plus espacée ; après ses dernières tentatives elle reste ici en échec jusqu'à ce que vous la relanciez.",
        "What the server does for the company in the background: sending e-mails, making the files of issued documents. A job that fails is retried, further and further apart; after its last attempt it stays here as failed until you run it again.",
    ),
    (
        "jobs.counts",
        "En attente : {pending} · en cours : {running} · terminées : {done} · en échec : {failed}",
        "Waiting: {pending} · running: {running} · done: {done} · failed: {failed}",
    ),
    ("jobs.failed", "En échec", "Failed"),
    ("jobs.recent", "Récentes", "Recent"),
    ("jobs.none_failed", "Aucune tâche en échec.", "No failed job."),
    ("jobs.none", "Aucune tâche pour l'instant.", "No job yet."),
    ("jobs.kind", "Tâche", "Job"),
    ("jobs.state", "État", "State"),
    ("jobs.attempts", "Tentatives", "Attempts"),
    ("jobs.created", "Créée", "Created"),
    ("jobs.next", "Prochaine tentative", "Next attempt"),
    ("jobs.finished", "Terminée", "Finished"),
    ("jobs.error", "Dernière erreur", "Last error"),
    ("jobs.no_error", "—", "—"),
    ("jobs.retry", "Relancer", "Run again"),
    ("jobs.kind.email.send", "Envoi d'un e-mail", "Sending an e-mail"),
    ("jobs.kind.document.render", "Fichiers d'un document émis", "Files of an issued document"),
    ("jobs.kind.housekeeping.purge", "Nettoyage quotidien", "Daily housekeeping"),
    ("jobs.state.pending", "en attente", "waiting"),
    ("jobs.state.running", "en cours", "running"),
    ("jobs.state.done", "terminée", "done"),
    ("jobs.state.failed", "en échec", "failed"),
];

/// Rows shown in each list.
const SHOWN: u32 = 50;

pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub attempts: u32,
    pub created: String,
    /// The next attempt of a waiting job, or when a finished one ended.
    pub when: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    p: Chrome,
    counts: String,
    failed: Vec<JobRow>,
    recent: Vec<JobRow>,
}

fn row(j: Job, lang: Language, country: &str) -> JobRow {
    // The company's clock, never UTC.
    let instant = |at: OffsetDateTime, lang| text::instant(at, country, lang);
    let label = format!("jobs.kind.{}", j.kind);
    let kind = super::i18n::lookup(lang, &label).map_or_else(|| j.kind.clone(), str::to_string);
    let when = match (j.state, j.finished_at) {
        // A job due "at once" (due 0, as the triggers write it) shows when it was made.
        (JobState::Pending, _) => instant(j.due_at.max(j.created_at.instant()), lang),
        (JobState::Running, _) => j.lease_until.map(|u| instant(u, lang)).unwrap_or_default(),
        (_, Some(f)) => instant(f.instant(), lang),
        (_, None) => String::new(),
    };
    JobRow {
        id: j.id.to_string(),
        kind,
        state: j.state.as_str(),
        state_label: t(lang, &format!("jobs.state.{}", j.state.as_str())),
        attempts: j.attempts,
        created: instant(j.created_at.instant(), lang),
        when,
        error: j.last_error,
    }
}

fn counts(c: JobCounts, lang: Language) -> String {
    t(lang, "jobs.counts")
        .replace("{pending}", &c.pending.to_string())
        .replace("{running}", &c.running.to_string())
        .replace("{done}", &c.done.to_string())
        .replace("{failed}", &c.failed.to_string())
}

/// `GET /jobs`
pub async fn list(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    s.auth().require_admin().map_err(|e| WebError::api(s.lang(), e))?;
    let lang = s.lang();
    let company = s.rec.company_id;
    let store_err = |e| WebError::store(lang, e);
    let query = |failed_only| JobQuery { company_id: Some(company), failed_only, limit: SHOWN };
    let failed = app.store.jobs(&query(true)).await.map_err(store_err)?;
    let recent = app.store.jobs(&query(false)).await.map_err(store_err)?;
    let counts = counts(app.store.job_counts(company).await.map_err(store_err)?, lang);
    let page = JobsPage {
        p: s.chrome(&app, "jobs", t(lang, "jobs.title").into()).await?,
        counts,
        failed: failed.into_iter().map(|j| row(j, lang, &s.rec.country)).collect(),
        recent: recent.into_iter().map(|j| row(j, lang, &s.rec.country)).collect(),
    };
    html(StatusCode::OK, &page)
}

/// `POST /jobs/{id}/retry`: a failed job of the company runs again from its first attempt.
pub async fn retry(
    State(app): State<App>,
    Path(id): Path<Uuid>,
    CsrfForm(s, _form): CsrfForm,
) -> Result<Response, WebError> {
    s.auth().require_admin().map_err(|e| WebError::api(s.lang(), e))?;
    let lang = s.lang();
    app.store.retry_job(Some(s.rec.company_id), id).await.map_err(|e| WebError::store(lang, e))?;
    // An e-mail job retried puts its message back in the outbox: both are woken.
    app.outbox.wake();
    Ok(see_other("/jobs?done=retried"))
}
