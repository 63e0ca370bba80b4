//! The dunning benchmark: a run by e-mail over every overdue invoice of a generated
//! company (by default 100 000 open invoices of 20 000 customers, nothing paid) on
//! SQLite, through the same function as `POST /dunning/run`, the daily job and
//! `facturier dunning run` (`server::app::dunning::run`): one outbox e-mail per customer
//! with its invoices' PDFs attached, no SMTP. Then the same run again (nothing to take).
//!
//! The invoices' files are stored beforehand as small stubs: the run attaches the stored
//! PDF of each invoice, and rendering 100 000 PDFs is the render benchmark's figure, not
//! this one's. Peak memory (VmHWM) is reset before the run, so it measures the run alone:
//! the run walks the customers page by page, so it stays flat whatever the company's size.

use anyhow::{Context, Result, ensure};
use facturier_core::dunning::Channel;
use facturier_server::app::dunning::{Keep, Levels, RunRequest, run};
use facturier_store::Store;
use facturier_store::bulk::BulkInvoice;
use facturier_store::files::FileFormat;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

use super::generator::{Generator, SearchSamples};
use super::load::{bar, bench_company};
use super::render::memory_of;

/// The figures of one dunning run.
pub(super) struct DunningFigures {
    invoices: u64,
    customers: u64,
    steps: usize,
    emails: usize,
    secs: f64,
    again_secs: f64,
    again_steps: usize,
    peak_kib: u64,
    base_kib: u64,
}

impl DunningFigures {
    pub(super) fn table(&self) -> String {
        let mut out = String::from("| dunning run (SQLite, e-mail, no SMTP) | |\n|---|---|\n");
        let _ = writeln!(out, "| overdue invoices / customers | {} / {} |", self.invoices, self.customers);
        let _ = writeln!(out, "| steps taken / e-mails queued | {} / {} |", self.steps, self.emails);
        let _ =
            writeln!(out, "| run | {:.1} s ({:.0} invoices/s) |", self.secs, self.steps as f64 / self.secs.max(1e-9));
        let _ = writeln!(out, "| the same run again | {:.1} s, {} steps |", self.again_secs, self.again_steps);
        let _ = writeln!(
            out,
            "| memory: before the run (VmRSS) / peak during it (VmHWM) | {:.1} MiB / {:.1} MiB |",
            self.base_kib as f64 / 1024.0,
            self.peak_kib as f64 / 1024.0
        );
        out
    }
}

/// Loads `customers` customers and `invoices` open invoices, then runs the dunning.
pub(super) async fn dunning_bench(
    dir: &Path,
    generator: &Generator,
    invoices: u64,
    customers: u64,
    seed: u64,
) -> Result<DunningFigures> {
    ensure!(customers > 0 && invoices > 0, "--dunning and --dunning-customers must be above 0");
    println!("\n== dunning: {invoices} overdue invoices of {customers} customers (SQLite)");
    let path = dir.join("bench-dunning.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.with_context(|| format!("cannot open {url}"))?;
    store.migrate().await.context("cannot migrate")?;
    let company = bench_company(&store).await?;
    let company_id = company.company_id;

    let mut rng = StdRng::seed_from_u64(seed);
    let mut samples = SearchSamples::default();
    let mut ids = Vec::new();
    let pb = bar(customers, "customers")?;
    let mut k = 0;
    while k < customers {
        let n = (customers - k).min(5000);
        let batch: Vec<_> = (k..k + n).map(|j| generator.customer(&mut rng, j, &mut samples)).collect();
        ids.extend(store.bulk_insert_customers(company_id, &batch).await.context("bulk customer insert")?);
        k += n;
        pb.inc(n);
    }
    pb.finish_and_clear();

    // Every invoice open (nothing paid), with stub files so the run renders nothing.
    let stub = b"%PDF-1.7 stub".to_vec();
    let formats = facturier_server::files::formats(facturier_core::document::DocumentKind::Invoice);
    let pb = bar(invoices, "open invoices")?;
    let mut k = 0;
    while k < invoices {
        let n = (invoices - k).min(1000);
        let batch: Vec<BulkInvoice> = (k..k + n)
            .map(|j| BulkInvoice { payment: None, ..generator.invoice(&mut rng, j, invoices, &ids) })
            .collect();
        let done = store.bulk_issue_invoices(company_id, generator.today, &batch).await.context("bulk issue")?;
        for d in &done {
            let files: Vec<(FileFormat, Vec<u8>)> = formats.iter().map(|f| (*f, stub.clone())).collect();
            store.store_document_files(company_id, d.id, files).await.context("stub files")?;
        }
        k += n;
        pb.inc(n);
    }
    pb.finish_and_clear();
    drop(ids);

    // Every invoice is overdue a year after the last one's date.
    let as_of = generator.today + time::Duration::days(365);
    let req = RunRequest {
        company: company_id,
        by_user: None,
        as_of,
        only: None,
        channel: Channel::Email,
        levels: Levels::All,
        keep: Keep::Counts,
    };
    let (base_kib, _) = memory_of("self").unwrap_or((0, 0));
    let base_rss = memory_of("self").map(|m| m.1).unwrap_or(base_kib);
    // Resets the peak (VmHWM) to the current size: the peak is the run's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let pb = bar(customers, "customers dunned")?;
    let progress = |done: usize, total: usize| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    };
    let app = facturier_server::App::new(store.clone());
    let started = Instant::now();
    let report = run(&app, &req, &progress).await.map_err(|e| anyhow::anyhow!("{e:?}")).context("dunning run")?;
    let secs = started.elapsed().as_secs_f64();
    pb.finish_and_clear();
    let (peak_kib, _) = memory_of("self").unwrap_or((0, 0));
    let started = Instant::now();
    let again = run(&app, &req, &|_, _| {}).await.map_err(|e| anyhow::anyhow!("{e:?}")).context("second run")?;
    let again_secs = started.elapsed().as_secs_f64();
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let figures = DunningFigures {
        invoices,
        customers: report.customers as u64,
        steps: report.counts.steps,
        emails: report.counts.emails,
        secs,
        again_secs,
        again_steps: again.counts.steps,
        peak_kib,
        base_kib: base_rss,
    };
    println!("{}", figures.table());
    Ok(figures)
}
