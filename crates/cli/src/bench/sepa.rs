//! The SEPA benchmark: a batch of N direct debits (10 000 by default) made over a
//! generated data set and written as pain.008.001.02, through the same functions as
//! `POST /sepa/direct-debits` and `GET /sepa/direct-debits/{id}/xml`
//! (`server::app::sepa::make_batch` and `batch_xml`): time of each and the process's peak
//! memory while they run.

use anyhow::{Context, Result, ensure};
use facturier_server::app::sepa as ops;
use facturier_store::Store;
use facturier_store::sepa::NewMandate;
use std::fmt::Write;
use std::sync::Arc;
use std::time::Instant;

use super::BenchArgs;
use super::generator::Generator;
use super::load::{bar, load};
use super::render::memory_of;

/// The figures of one backend.
pub(super) struct SepaFigures {
    backend: &'static str,
    debits: usize,
    create_secs: f64,
    xml_secs: f64,
    xml_bytes: usize,
    peak_kib: u64,
}

impl SepaFigures {
    /// The figures as a Markdown table.
    pub(super) fn table(figs: &[SepaFigures]) -> String {
        let mut out =
            String::from("| SEPA batch | debits | create (s) | pain.008 (s) | file (MiB) | peak memory (VmHWM) |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|\n");
        for f in figs {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} ({:.0}/s) | {:.2} | {:.1} | {:.1} MiB |",
                f.backend,
                f.debits,
                f.create_secs,
                f.debits as f64 / f.create_secs,
                f.xml_secs,
                f.xml_bytes as f64 / 1048576.0,
                f.peak_kib as f64 / 1024.0
            );
        }
        out
    }
}

/// Loads a data set with at least `debits` open invoices, gives every customer a mandate,
/// then makes one batch of `debits` debits and writes its file.
pub(super) async fn sepa_bench(
    backend: &'static str,
    url: &str,
    generator: &Arc<Generator>,
    args: &BenchArgs,
    debits: usize,
) -> Result<SepaFigures> {
    println!("\n== {backend}: a SEPA batch of {debits} debits");
    let store = Store::connect(url).await.with_context(|| format!("cannot open {url}"))?;
    store.migrate().await.context("cannot migrate")?;
    // Most generated invoices are paid (about one in six stays open): seven times as many
    // leave enough open ones.
    let invoices = debits as u64 * 7;
    let customers = (debits as u64 / 5).max(10);
    let loaded = load(&store, generator, args, customers, invoices).await?;
    let company = loaded.company_id;
    let mut settings = store.settings(company).await?;
    settings.sepa = Some(facturier_store::companies::SepaSettings { creditor_id: "FR72ZZZ123456".parse()? });
    settings.banks = serde_json::from_value(serde_json::json!([
        {"label": "Compte principal", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX", "default": true}
    ]))
    .context("bank account")?;
    store.set_settings(company, &settings).await.context("SEPA settings")?;
    let pb = bar(loaded.customer_ids.len() as u64, "mandates")?;
    let signed_on = generator.today - time::Duration::days(30);
    for (i, c) in loaded.customer_ids.iter().enumerate() {
        let m = NewMandate {
            customer_id: *c,
            reference: format!("RUM-BENCH-{i:07}").parse()?,
            iban: "FR7630006000011234567890189".parse()?,
            bic: Some("AGRIFRPP".parse()?),
            signed_on,
            signed_at_place: Some("Lyon".into()),
            one_off: false,
        };
        store.create_mandate(company, &m).await.context("mandate")?;
        pb.inc(1);
    }
    pb.finish_and_clear();
    let ids = store.collectable_invoices(company, debits).await?;
    ensure!(ids.len() == debits, "only {} collectable invoices for {debits} debits", ids.len());
    let today = generator.today;
    let date = facturier_core::sepa::earliest_collection_date(today);

    // Resets the peak (VmHWM) to the current size, so that it measures the batch only.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let b = ops::make_batch(&store, company, today, date, &ids).await.map_err(|e| anyhow::anyhow!("batch: {e}"))?;
    let create_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let b = store.batch(company, b.id).await?;
    let xml = ops::batch_xml(&b, facturier_formats::sepa::Pain008::V02).map_err(|e| anyhow::anyhow!("xml: {e}"))?;
    let xml_secs = started.elapsed().as_secs_f64();
    let (peak_kib, _) = memory_of("self")?;
    ensure!(b.count as usize == debits, "{} debits in the batch", b.count);
    println!(
        "  batch of {} debits ({} EUR) made in {create_secs:.2} s, pain.008 of {:.1} MiB written in {xml_secs:.2} s, peak memory {:.1} MiB",
        b.count,
        b.control_sum,
        xml.len() as f64 / 1048576.0,
        peak_kib as f64 / 1024.0
    );
    store.close().await;
    Ok(SepaFigures { backend, debits, create_secs, xml_secs, xml_bytes: xml.len(), peak_kib })
}
