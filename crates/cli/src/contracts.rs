//! `facturier run-due [--date D]`: the contracts' billing run (`server::app::contracts::run`)
//! on the database directly, with its progress on stderr: every period due on or before the
//! day and not billed yet gets its invoice; running it again bills nothing twice.

use anyhow::{Context, Result, bail};
use facturier_store::Store;

#[derive(clap::Args)]
pub struct RunDueArgs {
    /// Bill what is due on or before this day (YYYY-MM-DD); default today in the company's
    /// calendar, never later.
    #[arg(long)]
    date: Option<String>,
    /// The company; without it, every company of the database.
    #[arg(long)]
    company: Option<uuid::Uuid>,
}

/// Runs the billing; `Ok(false)` when a contract waits for an index value (exit code 2).
pub async fn run(store: &Store, args: RunDueArgs) -> Result<bool> {
    let companies = match args.company {
        Some(c) => vec![c],
        None => store.company_ids().await?,
    };
    if companies.is_empty() {
        bail!("the database has no company: create one with `facturier init`");
    }
    let app = crate::app_for_runs(store)?;
    let mut complete = true;
    for company in companies {
        let row = store.company(company).await.with_context(|| format!("company {company}"))?;
        let today = facturier_core::calendar::today(&row.country);
        let date = match &args.date {
            Some(d) => {
                facturier_core::input::parse_date(d).with_context(|| format!("--date {d:?}: a date YYYY-MM-DD"))?
            }
            None => today,
        };
        if date > today {
            bail!("--date {date}: a run bills what is due up to today ({today}) at the latest");
        }
        let progress = |n: usize| {
            if n.is_multiple_of(100) {
                eprintln!("{}: {n} contracts", row.name);
            }
        };
        let report = facturier_server::app::contracts::run(&app, company, date, progress)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message().english()))
            .with_context(|| format!("while billing the contracts of {}", row.name))?;
        eprintln!(
            "{}: {} contracts, {} invoices made, {} of recurring invoices ({} issued in all), {} expired",
            row.name,
            report.contracts,
            report.created.len(),
            report.recurring.len(),
            report.issued.len(),
            report.expired.len()
        );
        for b in &report.blocked {
            complete = false;
            eprintln!("not billed: contract {} from {}: {}", b.reference, b.billing_date, b.message.english());
        }
        for id in &report.not_emailed {
            eprintln!("not e-mailed: invoice {id} was issued, its customer has no e-mail address");
        }
        for id in report.created.iter().chain(&report.recurring) {
            println!("{id}");
        }
    }
    Ok(complete)
}
