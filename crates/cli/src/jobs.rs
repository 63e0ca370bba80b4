//! `facturier jobs`: the background jobs of every company and the system's (the daily
//! housekeeping), newest first, with their state, attempts, next run and last error;
//! `--failed` for those given up on; `retry <id>` runs one again from its first attempt.

use anyhow::{Context, Result};
use facturier_store::Store;
use facturier_store::jobs::{Job, JobQuery, JobState};
use time::OffsetDateTime;

/// What `facturier jobs` does.
#[derive(clap::Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    action: Option<JobsAction>,
    /// Only the jobs given up on (a permanent error, or their last attempt failed).
    #[arg(long)]
    failed: bool,
    /// One company's jobs only.
    #[arg(long)]
    company: Option<uuid::Uuid>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

#[derive(clap::Subcommand)]
enum JobsAction {
    /// Run a failed (or waiting) job again now, from its first attempt; a failed e-mail's
    /// message goes back in the outbox with it. A running server picks it up within a second.
    #[command(after_help = "Example:\n  facturier jobs retry 0193a4c2-…")]
    Retry { id: uuid::Uuid },
}

pub async fn run(store: &Store, args: JobsArgs) -> Result<()> {
    if let Some(JobsAction::Retry { id }) = args.action {
        let job = store.retry_job(None, id).await.with_context(|| format!("retrying job {id}"))?;
        println!("Job {id} ({}) waits to run again now.", job.kind);
        return Ok(());
    }
    let query = JobQuery { company_id: args.company, failed_only: args.failed, limit: args.limit };
    let jobs = store.jobs(&query).await.context("reading the jobs")?;
    if jobs.is_empty() {
        println!("{}", if args.failed { "No failed job." } else { "No job." });
        return Ok(());
    }
    println!(
        "{:<36}  {:<7}  {:<16}  {:<36}  {:>8}  {:<20}  LAST ERROR",
        "ID", "STATE", "KIND", "COMPANY", "ATTEMPTS", "DUE / FINISHED"
    );
    for j in &jobs {
        println!("{}", line(j));
    }
    Ok(())
}

fn instant(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}:{:02}Z", at.date(), at.hour(), at.minute(), at.second())
}

/// One job on one line; the error on that line too, its line breaks as spaces.
fn line(j: &Job) -> String {
    let company = j.company_id.map_or_else(|| "(system)".to_string(), |c| c.to_string());
    let when = match (j.state, j.finished_at) {
        // A job due "at once" (due 0, as the triggers write it) shows when it was made.
        (JobState::Pending, _) => instant(j.due_at.max(j.created_at.instant())),
        (JobState::Running, _) => j.lease_until.map(instant).unwrap_or_default(),
        (_, Some(f)) => instant(f.instant()),
        (_, None) => String::new(),
    };
    let error = j.last_error.as_deref().unwrap_or("").replace(['\r', '\n'], " ");
    format!(
        "{:<36}  {:<7}  {:<16}  {:<36}  {:>8}  {:<20}  {error}",
        j.id,
        j.state.as_str(),
        j.kind,
        company,
        j.attempts,
        when
    )
}
