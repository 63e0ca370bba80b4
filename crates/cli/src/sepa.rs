//! `facturier sepa batch`, `facturier sepa xml` and `facturier sepa rejects`: the API's
//! SEPA direct-debit batch (`server::app::sepa`) made and written, and a bank's reject
//! file applied, on the database directly, for a company of it.

use anyhow::{Context, Result, anyhow, bail};
use facturier_server::app::sepa;
use facturier_server::error::ApiError;
use facturier_store::Store;
use std::io::Write;
use std::path::PathBuf;
use uuid::Uuid;

#[derive(clap::Subcommand)]
pub enum SepaCommand {
    /// Make a batch of direct debits for a collection date: the invoices named, or every
    /// issued invoice in euros with something due whose customer has an active mandate.
    #[command(
        after_help = "Example:\n  facturier sepa batch --collection-date 2026-12-15\n  facturier sepa batch --collection-date 2026-12-15 --invoices 0193…,0193…"
    )]
    Batch {
        /// The requested collection date (YYYY-MM-DD, today or later).
        #[arg(long)]
        collection_date: String,
        /// The invoices to collect, separated by commas (default: every collectable one).
        #[arg(long, value_delimiter = ',')]
        invoices: Vec<Uuid>,
        /// The company; needed when the database has several.
        #[arg(long)]
        company: Option<Uuid>,
    },
    /// Write a batch's pain.008 file (pain.008.001.02, or .08 with --pain 08).
    #[command(
        after_help = "Example:\n  facturier sepa xml 0193… --output prelevements.xml\n  facturier sepa xml 0193… --pain 08"
    )]
    Xml {
        /// The batch's id (`facturier sepa batch` prints it).
        id: Uuid,
        /// The pain.008 version: 02 (default) or 08.
        #[arg(long)]
        pain: Option<String>,
        /// The file to write (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// The company; needed when the database has several.
        #[arg(long)]
        company: Option<Uuid>,
    },
    /// Apply a bank's reject file: a pain.002 status report or a camt.054 debit
    /// notification. Each rejected debit reopens its invoice with the reason and records the
    /// fee; a file applied twice rejects once; references matching no debit are listed.
    #[command(after_help = "Example:\n  facturier sepa rejects rejets-banque.xml")]
    Rejects {
        /// The bank's XML file.
        file: PathBuf,
        /// The company; needed when the database has several.
        #[arg(long)]
        company: Option<Uuid>,
    },
}

/// What an API error says, its fields named.
fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Invalid(errors) => {
            errors.iter().map(|f| format!("{}: {}", f.field, f.message.english())).collect::<Vec<_>>().join("; ")
        }
        other => other.message().english(),
    }
}

async fn company(store: &Store, given: Option<Uuid>) -> Result<Uuid> {
    match given {
        Some(c) => {
            store.company(c).await.with_context(|| format!("--company {c}"))?;
            Ok(c)
        }
        None => match store.company_ids().await?.as_slice() {
            [one] => Ok(*one),
            [] => bail!("the database has no company: create one with `facturier init`"),
            _ => bail!("the database has several companies: name one with --company"),
        },
    }
}

pub async fn run(store: &Store, cmd: SepaCommand) -> Result<()> {
    match cmd {
        SepaCommand::Batch { collection_date, invoices, company: given } => {
            let company = company(store, given).await?;
            let date = facturier_core::input::parse_date(&collection_date)
                .map_err(|_| anyhow!("--collection-date {collection_date:?}: expected YYYY-MM-DD"))?;
            let today = facturier_core::calendar::today(&store.company(company).await?.country);
            let spinner = indicatif::ProgressBar::new_spinner();
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            let ids = if invoices.is_empty() {
                spinner.set_message("finding the invoices to collect");
                store.collectable_invoices(company, sepa::MAX_BATCH).await?
            } else {
                invoices
            };
            if ids.is_empty() {
                spinner.finish_and_clear();
                bail!("no invoice to collect: none is issued with something due to a customer with an active mandate");
            }
            spinner.set_message(format!("making the batch of {} debits", ids.len()));
            let made = sepa::make_batch(store, company, today, date, &ids).await;
            spinner.finish_and_clear();
            let b = made.map_err(|e| anyhow!("{}", describe(&e)))?;
            eprintln!("{} debits, {} EUR, collection on {}", b.count, b.control_sum, b.collection_date);
            println!("{}", b.id);
        }
        SepaCommand::Xml { id, pain, output, company: given } => {
            let company = company(store, given).await?;
            let version = sepa::pain_version(pain.as_deref()).map_err(|e| anyhow!("--pain: {}", describe(&e)))?;
            let b = store.batch(company, id).await.with_context(|| format!("batch {id}"))?;
            let xml = sepa::batch_xml(&b, version).map_err(|e| anyhow!("{}", describe(&e)))?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &xml).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("{}: {} debits, {} EUR", path.display(), b.count, b.control_sum);
                }
                None => std::io::stdout().write_all(&xml)?,
            }
        }
        SepaCommand::Rejects { file, company: given } => {
            let company = company(store, given).await?;
            let xml = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let today = facturier_core::calendar::today(&store.company(company).await?.country);
            let spinner = indicatif::ProgressBar::new_spinner();
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            spinner.set_message(format!("applying the rejects of {}", file.display()));
            let done = sepa::import_rejects(store, company, today, &xml).await;
            spinner.finish_and_clear();
            let r = done.map_err(|e| anyhow!("{}: {}", file.display(), describe(&e)))?;
            for l in &r.lines {
                let what = l.number.clone().or_else(|| l.end_to_end_id.clone()).or_else(|| l.mandate_id.clone());
                println!("{}\t{}\t{}", l.outcome, what.unwrap_or_else(|| "?".into()), l.reason);
            }
            eprintln!(
                "{} {}: {} rejected, {} already rejected, {} unknown, {} invalid",
                r.kind,
                r.message_id,
                r.count("rejected"),
                r.count("already"),
                r.count("unknown"),
                r.count("invalid")
            );
        }
    }
    Ok(())
}
