//! The FEC benchmark: the FEC of every issued invoice and payment of a loaded data set,
//! streamed by `server::app::accounting::FecStream` (keyset pages) to a sink that only
//! counts the bytes, with the lines per second and the process's memory: its peak
//! during the export (VmHWM, reset before it starts) and its resident size sampled at
//! every page, which stays flat when the export streams.

use super::render::memory_of;
use anyhow::{Result, anyhow};
use facturier_formats::accounting::FecOptions;
use facturier_server::app::accounting::{FecStream, Period};
use facturier_store::Store;
use std::fmt::Write as _;
use std::time::Instant;
use uuid::Uuid;

/// Figures of the FEC benchmark.
pub(super) struct FecFigures {
    entries: u64,
    lines: u64,
    bytes: u64,
    seconds: f64,
    peak_kib: u64,
    rss_first_kib: u64,
    rss_max_kib: u64,
}

impl FecFigures {
    pub(super) fn table(&self) -> String {
        let mut out = String::from("| FEC, streamed (SQLite) | |\n|---|---:|\n");
        let _ = writeln!(
            out,
            "| entries (lines), MiB | {} ({}), {:.1} |",
            self.entries,
            self.lines,
            self.bytes as f64 / 1048576.0
        );
        let _ = writeln!(out, "| seconds | {:.1} |", self.seconds);
        let _ = writeln!(out, "| lines/s | {:.0} |", self.lines as f64 / self.seconds.max(1e-9));
        let _ = writeln!(
            out,
            "| peak memory during the export (VmHWM, reset before) | {:.1} MiB |",
            self.peak_kib as f64 / 1024.0
        );
        let _ = writeln!(
            out,
            "| resident memory after the first page, at most after any page (VmRSS) | {:.1} MiB, {:.1} MiB |",
            self.rss_first_kib as f64 / 1024.0,
            self.rss_max_kib as f64 / 1024.0
        );
        out
    }
}

/// Streams the FEC of everything `company_id` issued and received, from 2000 to 2100.
pub(super) async fn fec_bench(store: &Store, company_id: Uuid) -> Result<FecFigures> {
    println!("\n== FEC: every issued invoice and payment, streamed");
    let day = |y| time::Date::from_ordinal_date(y, 1).map_err(|e| anyhow!("{e}"));
    let period = Period { from: day(2000)?, to: day(2100)? };
    // Linux: "5" resets the peak resident size, so VmHWM measures the export alone.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let mut fec = FecStream::start(store, company_id, period, FecOptions::default(), day(2026)?)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let bar = indicatif::ProgressBar::new_spinner();
    let (mut bytes, mut first, mut max) = (0u64, 0u64, 0u64);
    while let Some(chunk) = fec.next_chunk().await.map_err(|e| anyhow!("{e}"))? {
        bytes += chunk.len() as u64;
        let (_, rss) = memory_of("self")?;
        if first == 0 {
            first = rss;
        }
        max = max.max(rss);
        let (entries, lines) = fec.counts();
        bar.set_message(format!("{entries} entries, {lines} lines, {:.0} MiB resident", rss as f64 / 1024.0));
        bar.tick();
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let (peak, _) = memory_of("self")?;
    let (entries, lines) = fec.counts();
    Ok(FecFigures { entries, lines, bytes, seconds, peak_kib: peak, rss_first_kib: first, rss_max_kib: max })
}
