//! `facturier dunning run [--as-of DATE] [--channel email|letter]`: the API's run
//! (`server::app::dunning::run`) on the database directly, with its progress on stderr.
//! Letters are written as PDF files into `--letters-dir` (default: the current directory).

use anyhow::{Context, Result, bail};
use facturier_core::dunning::Channel;
use facturier_server::app::dunning::{Keep, Levels, RunRequest};
use facturier_store::Store;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum DunningCommand {
    /// Take the dunning steps due: one e-mail (queued in the outbox, sent by `serve`) or one
    /// printable letter per customer listing its overdue invoices. Running it again the same
    /// day takes nothing.
    #[command(
        after_help = "Example:\n  facturier dunning run\n  facturier dunning run --as-of 2026-12-31 --channel letter --letters-dir relances/\n  facturier dunning run --quotes"
    )]
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The day of the run (YYYY-MM-DD); default today in the company's calendar.
    #[arg(long)]
    as_of: Option<String>,
    /// email or letter: every step due goes out this way. Without it, as the daily job:
    /// the levels whose channel is email (or both), by e-mail.
    #[arg(long)]
    channel: Option<String>,
    /// The company; needed when the database has several.
    #[arg(long)]
    company: Option<uuid::Uuid>,
    /// Where the letters' PDF files are written.
    #[arg(long, default_value = ".")]
    letters_dir: PathBuf,
    /// Send the follow-ups of sent quotes not accepted yet instead (by e-mail).
    #[arg(long)]
    quotes: bool,
}

pub async fn run(store: &Store, cmd: DunningCommand) -> Result<()> {
    let DunningCommand::Run(args) = cmd;
    let company = match args.company {
        Some(c) => c,
        None => match store.company_ids().await?.as_slice() {
            [one] => *one,
            [] => bail!("the database has no company: create one with `facturier init`"),
            _ => bail!("the database has several companies: name one with --company"),
        },
    };
    let row = store.company(company).await.with_context(|| format!("company {company}"))?;
    let as_of = match &args.as_of {
        Some(d) => facturier_core::input::parse_date(d).with_context(|| format!("--as-of {d:?}: a date YYYY-MM-DD"))?,
        None => facturier_core::calendar::today(&row.country),
    };
    // Without --channel, as the daily job: each level through its own channel (e-mail).
    let (channel, levels) = match args.channel.as_deref() {
        None => (Channel::Email, Levels::OfChannel),
        Some("email") => (Channel::Email, Levels::All),
        Some("letter") => (Channel::Letter, Levels::All),
        Some(other) => bail!("--channel {other:?}: email or letter"),
    };
    let progress = |done: usize, total: usize| eprintln!("dunning: customer {done}/{total}");
    if args.quotes {
        let req = facturier_server::app::dunning::QuoteRunRequest { company, by_user: None, as_of };
        let report = facturier_server::app::dunning::run_quotes(store, &req, &progress)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("while following up the quotes")?;
        for s in &report.skipped {
            eprintln!("skipped quote {}: {}", s.invoice_id, s.message.english());
        }
        println!("{} quote follow-ups on {as_of}: {} e-mails queued", report.steps.len(), report.emails.len());
        return Ok(());
    }
    let report = facturier_server::app::dunning::run(
        &crate::app_for_runs(store)?,
        &RunRequest { company, by_user: None, as_of, only: None, channel, levels, keep: Keep::Everything },
        &progress,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))
    .context("while running the dunning")?;
    for (id, customer) in &report.letters {
        let (_, level, pdf) = store.dunning_letter(company, *id).await?;
        std::fs::create_dir_all(&args.letters_dir)
            .with_context(|| format!("while creating {}", args.letters_dir.display()))?;
        let path = args.letters_dir.join(format!("{level}-{customer}-{id}.pdf"));
        std::fs::write(&path, pdf).with_context(|| format!("while writing {}", path.display()))?;
        eprintln!("letter: {}", path.display());
    }
    for s in &report.skipped {
        eprintln!("skipped invoice {}: {}", s.invoice_id, s.message.english());
    }
    println!(
        "{} steps taken on {as_of}: {} e-mails queued, {} letters, {} late-fee invoices",
        report.steps.len(),
        report.emails.len(),
        report.letters.len(),
        report.fees.len()
    );
    for s in &report.steps {
        println!("step: {} {}", s.level.as_deref().unwrap_or(""), s.invoice_id);
    }
    Ok(())
}
