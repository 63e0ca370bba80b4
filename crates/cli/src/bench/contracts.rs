//! The contracts benchmark: `n` active monthly contracts of `n / 5` customers, each with
//! two lines and a SYNTEC revision, billed in one run (`server::app::contracts::run`, as
//! `POST /billing/run` and `facturier run-due` do): contracts per second, invoices made,
//! and the process's peak memory during the run (VmHWM, reset before it where Linux
//! allows), then the same run again, which bills nothing.

use super::generator::{Generator, SearchSamples};
use anyhow::{Context, Result, ensure};
use facturier_server::App;
use facturier_server::app::contracts::{self, ContractInput};
use facturier_server::app::contracts_grid;
use facturier_store::Store;
use facturier_store::contracts::NewContract;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use std::fmt::Write;
use std::time::Instant;

/// The figures of one backend.
pub(super) struct ContractFigures {
    backend: &'static str,
    contracts: usize,
    invoices: usize,
    seconds: f64,
    again_seconds: f64,
    /// Peak and end resident memory of the process during the run, KiB.
    memory: Option<(u64, u64)>,
}

/// VmHWM and VmRSS of this process, KiB.
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field =
        |name: &str| status.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse::<u64>().ok();
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak is the run's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub(super) async fn contracts_bench(
    backend: &'static str,
    url: &str,
    n: usize,
    (issue, grouped): (bool, bool),
    seed: u64,
) -> Result<ContractFigures> {
    let issued = if issue { ", each invoice issued" } else { "" };
    let together = if grouped { ", each customer's billed together" } else { "" };
    println!("\n== {backend}: billing run of {n} contracts{issued}{together}");
    let store = Store::connect(url).await.with_context(|| format!("cannot open {url}"))?;
    store.migrate().await.context("cannot migrate")?;
    // With the legal identity an invoice needs to be issued (`--contracts-issue`).
    let company = super::load::bench_company(&store).await?.company_id;
    let today = time::OffsetDateTime::now_utc().date();
    let generator = Generator::new(today)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut samples = SearchSamples::default();
    let customers_wanted = (n / 5).max(1);
    let mut customers = Vec::with_capacity(customers_wanted);
    let started = Instant::now();
    while customers.len() < customers_wanted {
        let k = customers.len() as u64;
        let batch: Vec<_> = (k..(k + 5000).min(customers_wanted as u64))
            .map(|i| {
                let mut c = generator.customer(&mut rng, i, &mut samples);
                if grouped {
                    c.contract_billing = facturier_core::party::ContractBilling::Grouped;
                }
                c
            })
            .collect();
        customers.extend(store.bulk_insert_customers(company, &batch).await.context("customers")?);
    }
    // One contract made and checked as the API does; the others share its terms.
    let month_start = today.replace_day(1)?;
    let app = App::new(store.clone());
    for (code, month, value) in [("SYNTEC", "2025-12", "280.4"), ("SYNTEC", "2026-01", "281.0")] {
        store.publish_index_value(company, code, month, value.parse()?).await?;
    }
    let input: ContractInput = serde_json::from_value(json!({
        "customer_id": customers[0], "reference": "BENCH-000000", "title": "Contrat de maintenance",
        "start_date": month_start.to_string(), "billing": {"period_months": 1, "mode": "advance", "issue": issue},
        "lines": [
            {"description": "Maintenance préventive", "quantity": "1", "unit_price": "250", "vat_rate": "20"},
            {"description": "Astreinte", "quantity": "2", "unit_price": "45.50", "vat_rate": "20"}
        ],
        "revision": {"index": "SYNTEC", "base_value": "275.2", "fixed_part": "0.15"},
    }))?;
    let first = contracts::create(&app, company, &input).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for i in 1..n {
        let customer = customers[i % customers.len()];
        let terms = first.terms.replace(&customers[0].to_string(), &customer.to_string());
        let new = NewContract {
            customer_id: customer,
            reference: format!("BENCH-{i:06}"),
            title: first.title.clone(),
            status: "active".into(),
            start: first.start,
            end: None,
            terms,
        };
        store.create_contract(company, &new).await?;
    }
    println!("  {} customers and {n} contracts made in {:.1} s", customers.len(), started.elapsed().as_secs_f64());
    store.analyze().await?;

    reset_peak();
    let started = Instant::now();
    let report = contracts::run(&app, company, today, |done| {
        if done.is_multiple_of(20_000) {
            eprintln!("  {done} contracts billed");
        }
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let memory = memory();
    let invoices = if grouped { customers.len() } else { n };
    ensure!(report.created.len() == invoices, "{} invoices made for {n} contracts", report.created.len());
    ensure!(report.issued.len() == if issue { invoices } else { 0 }, "{} invoices issued", report.issued.len());
    let started = Instant::now();
    let again = contracts::run(&app, company, today, |_| {}).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let again_seconds = started.elapsed().as_secs_f64();
    ensure!(again.created.is_empty(), "the second run made {} invoices", again.created.len());
    println!(
        "  run: {seconds:.1} s ({:.0} contracts/s), {} invoices; again: {again_seconds:.1} s, none",
        n as f64 / seconds,
        report.created.len()
    );
    if let Some((hwm, rss)) = memory {
        println!(
            "  peak memory during the run (VmHWM) {:.1} MiB, at its end {:.1} MiB",
            hwm as f64 / 1024.0,
            rss as f64 / 1024.0
        );
    }
    // The web pages over the same contracts: a page of the year's billing grid (the
    // first and a late one: keyset pages cost the same) and a page of the list.
    let year = today.year();
    let started = Instant::now();
    let grid = contracts_grid::year_grid(&app, company, year, None).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let grid_ms = started.elapsed().as_secs_f64() * 1000.0;
    let late = format!("BENCH-{:06}", n.saturating_sub(150));
    let started = Instant::now();
    contracts_grid::year_grid(&app, company, year, Some(&late)).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let late_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let (listed, _) =
        contracts_grid::list_page(&app, company, "", None, None, today).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let list_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "  billing grid {year}: a page of {} contracts in {grid_ms:.0} ms (a late page {late_ms:.0} ms); a list page of {} in {list_ms:.0} ms",
        grid.rows.len(),
        listed.len()
    );
    store.close().await;
    Ok(ContractFigures { backend, contracts: n, invoices: report.created.len(), seconds, again_seconds, memory })
}

impl ContractFigures {
    /// The figures as a Markdown table.
    pub(super) fn table(figs: &[ContractFigures]) -> String {
        let mut out = String::from(
            "| contracts billing run | contracts | invoices made | run | contracts/s | run again (nothing due) | peak memory (VmHWM) |\n|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for f in figs {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} s | {:.0} | {:.1} s | {} |",
                f.backend,
                f.contracts,
                f.invoices,
                f.seconds,
                f.contracts as f64 / f.seconds,
                f.again_seconds,
                f.memory.map_or("–".into(), |(hwm, _)| format!("{:.0} MiB", hwm as f64 / 1024.0)),
            );
        }
        out
    }
}
