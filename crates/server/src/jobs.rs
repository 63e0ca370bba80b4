//! The job runner `serve` starts: it claims due jobs of the kinds it can run
//! (`store::jobs`), runs each with its kind's handler and records the outcome — done,
//! retried later with its kind's backoff, or failed for good. It polls every
//! [`RunnerConfig::poll`] and is woken at once ([`Waker`]) when work is queued (an e-mail,
//! an issued document whose render failed). Several servers on one PostgreSQL database
//! each run one: a job is claimed by one runner at a time, under a lease.
//!
//! The kinds and their retry rules are one table, [`KINDS`]; a new kind is a row there
//! and an arm of [`Runner::handle`]. Once a day (UTC) the runner enqueues the daily kinds,
//! each under the key `kind:date`, so a day's job exists once whatever the restarts and
//! the number of servers.

use crate::files;
use crate::mailer;
use facturier_store::import_uploads::IMPORT_RUN;
use facturier_store::jobs::{DOCUMENT_RENDER, EMAIL_SEND, Job, JobState, NewJob, Purge, Retry};
use facturier_store::{Stamp, Store, now};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// The daily housekeeping: expired sessions, password links, counted sign-in failures
/// and reset requests, idempotency keys past their 24 h, jobs done a month ago.
pub const HOUSEKEEPING: &str = "housekeeping.purge";

/// A kind of job: its name, how a failed run is retried, and whether the scheduler
/// enqueues one every day.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    pub name: &'static str,
    pub retry: Retry,
    pub daily: bool,
}

/// Every kind the runner knows. An e-mail's retries follow the outbox's rule (the
/// server's `MailConfig::retry`), not this row's.
pub const KINDS: &[Kind] = &[
    Kind { name: EMAIL_SEND, retry: minutes(1, 360, 20), daily: false },
    // A render fails on a bug or a lost database, not on load: an hour apart at most,
    // given up (and shown on the jobs page) after about a day.
    Kind { name: DOCUMENT_RENDER, retry: minutes(1, 60, 30), daily: false },
    Kind { name: HOUSEKEEPING, retry: minutes(5, 60, 10), daily: true },
    // An import is one transaction: a run cut short by a lost database is run again whole.
    Kind { name: IMPORT_RUN, retry: minutes(1, 10, 5), daily: false },
    // The day's dunning (e-mail levels only; letters are printed by hand): idempotent, as
    // the store keeps one live step per invoice and level.
    Kind { name: DUNNING_RUN, retry: minutes(5, 60, 10), daily: true },
    // The day's contract billing: each period billed once under its key, so a retry bills
    // only what the failed run left.
    Kind { name: BILLING_RUN, retry: minutes(5, 60, 10), daily: true },
];

/// The daily billing of every company's contracts (`app::contracts::run`).
pub const BILLING_RUN: &str = "billing.run";

/// The daily dunning run of every company (`app::dunning::run`, channel e-mail).
pub const DUNNING_RUN: &str = "dunning.run";

const fn minutes(base: u64, max: u64, max_attempts: u32) -> Retry {
    Retry { base: Duration::from_secs(base * 60), max_delay: Duration::from_secs(max * 60), max_attempts }
}

/// The row of `name` in [`KINDS`].
pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// How long done jobs are kept for the jobs page.
pub const KEEP_DONE: time::Duration = time::Duration::days(30);
/// How often running jobs whose runner died are shown pending again.
const RELEASE_EVERY: Duration = Duration::from_secs(60);

/// Wakes the runner (cheap to clone; a wake while it is busy is kept for its next look).
#[derive(Clone, Debug, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// How the runner runs.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// How often it looks for due jobs when nothing wakes it.
    pub poll: Duration,
    /// How long a claimed job is this runner's before another may take it.
    pub lease: Duration,
    /// Jobs run at once.
    pub concurrency: usize,
    /// The web's idle limit: sessions unused this long are purged.
    pub session_idle: time::Duration,
    /// The server's public address: what the invoices a job issues print as their
    /// payment link (contracts, late fees), as the ones issued through the API do.
    pub public_url: Option<String>,
}

impl Default for RunnerConfig {
    fn default() -> RunnerConfig {
        RunnerConfig {
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(300),
            concurrency: 8,
            session_idle: time::Duration::hours(2),
            public_url: None,
        }
    }
}

/// What running a job came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Not a failure: what it needs is not ready (a message another worker is sending);
    /// run it again at `at`. `note` becomes its last error when given.
    Later {
        at: Stamp,
        note: Option<String>,
    },
    /// Retried with its kind's backoff, unless `permanent` or its attempts are used up.
    Failed {
        error: String,
        permanent: bool,
    },
}

impl Outcome {
    fn failed(error: impl std::fmt::Display) -> Outcome {
        Outcome::Failed { error: error.to_string(), permanent: false }
    }
}

/// The runner of one server.
pub struct Runner {
    store: Store,
    owner: String,
    waker: Waker,
    /// The e-mail handler, when an SMTP server is configured: without it `email.send`
    /// jobs are not claimed and their messages wait, nothing lost.
    mailer: Option<mailer::Sender>,
    config: RunnerConfig,
}

impl Runner {
    /// A runner of `store`, woken by `waker`, sending e-mail with `mailer` when given.
    pub fn new(store: Store, waker: Waker, mailer: Option<mailer::Sender>, config: RunnerConfig) -> Runner {
        // Names this process in the lease column: which server holds a job.
        let tag = uuid::Uuid::now_v7().simple().to_string();
        let owner = format!("pid {} {}", std::process::id(), &tag[tag.len() - 8..]);
        Runner { store, owner, waker, mailer, config }
    }

    /// The application the daily runs work through: its documents print the payment
    /// link on the server's public address.
    fn app(&self) -> crate::App {
        let mut app = crate::App::new(self.store.clone());
        app.web.public_url.clone_from(&self.config.public_url);
        app
    }

    /// The kinds this runner claims.
    pub fn kinds(&self) -> Vec<&'static str> {
        KINDS.iter().map(|k| k.name).filter(|k| *k != EMAIL_SEND || self.mailer.is_some()).collect()
    }

    /// Runs jobs until the process stops.
    pub async fn run(self) {
        let me = Arc::new(self);
        let kinds = me.kinds();
        let slots = Arc::new(Semaphore::new(me.config.concurrency.max(1)));
        let mut scheduled = None;
        let mut released = tokio::time::Instant::now();
        loop {
            scheduled = me.schedule_daily(scheduled).await;
            if released.elapsed() >= RELEASE_EVERY {
                released = tokio::time::Instant::now();
                match me.store.release_expired_leases().await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(jobs = n, "jobs: leases of a stopped runner ran out; they run again"),
                    Err(e) => tracing::warn!(error = %e, "jobs: cannot release expired leases"),
                }
            }
            let free = slots.available_permits();
            let mut more = false;
            if free > 0 {
                let limit = u32::try_from(free).unwrap_or(u32::MAX);
                match me.store.claim_jobs(&kinds, &me.owner, limit, me.config.lease).await {
                    Ok(jobs) => {
                        more = jobs.len() == free;
                        for job in jobs {
                            let Ok(permit) = Arc::clone(&slots).acquire_owned().await else { return };
                            let me = Arc::clone(&me);
                            tokio::spawn(async move {
                                me.run_job(job).await;
                                drop(permit);
                                me.waker.wake();
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "jobs: cannot claim jobs"),
                }
            }
            // A full batch: more may be due already, if a slot is free.
            if more && slots.available_permits() > 0 {
                continue;
            }
            tokio::select! {
                _ = me.waker.0.notified() => {}
                _ = tokio::time::sleep(me.config.poll) => {}
            }
        }
    }

    /// Enqueues the daily kinds once per UTC day; returns the day done.
    async fn schedule_daily(&self, done: Option<time::Date>) -> Option<time::Date> {
        let today = time::OffsetDateTime::now_utc().date();
        if done == Some(today) {
            return done;
        }
        for k in KINDS.iter().filter(|k| k.daily) {
            let job = NewJob::now(k.name, None, serde_json::json!({"day": today.to_string()}))
                .deduplicated(format!("{}:{today}", k.name));
            if let Err(e) = self.store.enqueue_job(&job).await {
                tracing::warn!(error = %e, kind = k.name, "jobs: cannot schedule the day's job");
                return done;
            }
        }
        Some(today)
    }

    /// Runs one claimed job and records its outcome.
    async fn run_job(&self, job: Job) {
        let outcome = self.handle(&job).await;
        let recorded = match &outcome {
            Outcome::Done => self.store.complete_job(job.id, &self.owner).await.map(|_| ()),
            Outcome::Later { at, note } => {
                self.store.job_later(job.id, &self.owner, *at, note.as_deref()).await.map(|_| ())
            }
            Outcome::Failed { error, permanent } => {
                let retry = kind(&job.kind).map_or_else(Retry::default, |k| k.retry);
                match self.store.job_failed(job.id, &self.owner, error, *permanent, &retry).await {
                    Ok(Some(JobState::Failed)) => {
                        tracing::error!(job = %job.id, kind = %job.kind, attempts = job.attempts, %error, "jobs: given up");
                        Ok(())
                    }
                    Ok(_) => {
                        tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts, %error, "jobs: failed, will retry");
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(e) = recorded {
            // The lease runs out and the job runs again: at least once, never lost.
            tracing::error!(error = %e, job = %job.id, "jobs: cannot record a job's outcome");
        }
    }

    /// Dispatches a job to its kind's handler.
    pub async fn handle(&self, job: &Job) -> Outcome {
        match job.kind.as_str() {
            EMAIL_SEND => match (&self.mailer, job.company_id, job.payload_id("email_id")) {
                (Some(m), Some(company), Ok(email)) => m.send_job(company, email).await,
                (None, ..) => Outcome::Later { at: now() + time::Duration::minutes(5), note: None },
                (_, _, Err(e)) => Outcome::Failed { error: e.to_string(), permanent: true },
                (_, None, _) => Outcome::Failed { error: "an e-mail job names no company".into(), permanent: true },
            },
            DOCUMENT_RENDER => match (job.company_id, job.payload_id("document_id")) {
                (Some(company), Ok(document)) => match files::render_job(&self.store, company, document).await {
                    Ok(()) => Outcome::Done,
                    Err(e) => Outcome::failed(format!("the files could not be rendered: {e}")),
                },
                (_, Err(e)) => Outcome::Failed { error: e.to_string(), permanent: true },
                (None, _) => Outcome::Failed { error: "a render job names no company".into(), permanent: true },
            },
            HOUSEKEEPING => self.housekeeping().await,
            IMPORT_RUN => match (job.company_id, job.payload_id("upload_id")) {
                (Some(company), Ok(upload)) => {
                    let lang = job.payload.get("lang").cloned().and_then(|l| serde_json::from_value(l).ok());
                    match crate::app::imports::run_upload(&self.store, company, upload, lang.unwrap_or_default()).await
                    {
                        Ok(()) => Outcome::Done,
                        Err(e) => Outcome::failed(format!("the import could not finish: {e}")),
                    }
                }
                (_, Err(e)) => Outcome::Failed { error: e.to_string(), permanent: true },
                (None, _) => Outcome::Failed { error: "an import job names no company".into(), permanent: true },
            },
            DUNNING_RUN => self.dunning(job.company_id).await,
            BILLING_RUN => self.billing(job.company_id).await,
            other => Outcome::Failed { error: format!("no handler for jobs of kind {other:?}"), permanent: true },
        }
    }

    /// Takes the day's e-mail dunning steps of one company, or of every company.
    async fn dunning(&self, company: Option<uuid::Uuid>) -> Outcome {
        let companies = match company {
            Some(c) => vec![c],
            None => match self.store.company_ids().await {
                Ok(ids) => ids,
                Err(e) => return Outcome::failed(format!("the companies could not be read: {e}")),
            },
        };
        let app = self.app();
        let mut steps = 0;
        for c in companies {
            let today = match self.store.company(c).await {
                Ok(row) => facturier_core::calendar::today(&row.country),
                Err(e) => return Outcome::failed(format!("company {c}: {e}")),
            };
            let channel = facturier_core::dunning::Channel::Email;
            let req = crate::app::dunning::RunRequest {
                company: c,
                by_user: None,
                as_of: today,
                only: None,
                channel,
                levels: crate::app::dunning::Levels::OfChannel,
                keep: crate::app::dunning::Keep::Counts,
            };
            match crate::app::dunning::run(&app, &req, &|_, _| {}).await {
                Ok(r) => steps += r.counts.steps,
                // Steps taken stay taken: the retry takes only what is left.
                Err(e) => return Outcome::failed(format!("the dunning of company {c} stopped: {e:?}")),
            }
            // The follow-ups of sent quotes, the same way.
            let req = crate::app::dunning::QuoteRunRequest { company: c, by_user: None, as_of: today };
            match crate::app::dunning::run_quotes(&self.store, &req, &|_, _| {}).await {
                Ok(r) => steps += r.steps.len(),
                Err(e) => return Outcome::failed(format!("the quote follow-ups of company {c} stopped: {e:?}")),
            }
        }
        tracing::info!(steps, "jobs: the day's dunning done");
        self.waker.wake();
        Outcome::Done
    }

    /// Bills the contracts due today of one company, or of every company.
    async fn billing(&self, company: Option<uuid::Uuid>) -> Outcome {
        let companies = match company {
            Some(c) => vec![c],
            None => match self.store.company_ids().await {
                Ok(ids) => ids,
                Err(e) => return Outcome::failed(format!("the companies could not be read: {e}")),
            },
        };
        let app = self.app();
        let (mut created, mut blocked, mut reminded) = (0, 0, 0);
        for c in companies {
            let today = match self.store.company(c).await {
                Ok(row) => facturier_core::calendar::today(&row.country),
                Err(e) => return Outcome::failed(format!("company {c}: {e}")),
            };
            match crate::app::contracts::run(&app, c, today, |_| {}).await {
                Ok(r) => {
                    created += r.created.len();
                    blocked += r.blocked.len();
                }
                Err(e) => return Outcome::failed(format!("the billing of company {c} stopped: {e:?}")),
            }
            // The consumers' notice reminders (L215-1), each once per term.
            match crate::app::contracts::remind_notices(&app, c, today).await {
                Ok(queued) => reminded += queued.len(),
                Err(e) => return Outcome::failed(format!("the notice reminders of company {c} stopped: {e:?}")),
            }
        }
        tracing::info!(created, blocked, reminded, "jobs: the day's contract billing done");
        if reminded > 0 {
            self.waker.wake();
        }
        Outcome::Done
    }

    async fn housekeeping(&self) -> Outcome {
        let at = now();
        let day = time::Duration::days(1);
        let purge = Purge {
            now: at,
            sessions_idle_since: at - self.config.session_idle,
            // A day's grace: the link page says "expired" rather than "unknown" meanwhile.
            password_links_before: at - day,
            attempts_before: at - day,
            idempotency_before: at - facturier_store::idempotency::KEY_LIFETIME,
            jobs_done_before: at - KEEP_DONE,
            // The import page keeps a file between its steps; a day is plenty.
            import_uploads_before: at - day,
        };
        match self.store.purge_expired(&purge).await {
            Ok(p) => {
                tracing::info!(?p, "jobs: housekeeping done");
                Outcome::Done
            }
            Err(e) => Outcome::failed(format!("the housekeeping could not finish: {e}")),
        }
    }
}

/// Starts the runner of `store` on the current runtime with the e-mail handler `mailer`.
pub fn start(store: &Store, waker: &Waker, mailer: Option<mailer::Sender>, config: RunnerConfig) {
    tokio::spawn(Runner::new(store.clone(), waker.clone(), mailer, config).run());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row_and_a_retry_that_ends() {
        let mut names: Vec<_> = KINDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        for k in KINDS {
            assert!(k.retry.max_attempts > 0 && k.retry.base <= k.retry.max_delay, "{}", k.name);
        }
        assert!(kind(HOUSEKEEPING).is_some_and(|k| k.daily));
    }
}
