//! The render benchmark: Factur-X invoices rendered as PDF/A-3 with their CII XML, on one core
//! then on every core, with the peak memory.

use anyhow::{Context, Result, anyhow};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::time::Instant;

use super::load::bar;
use super::report::human;

/// Figures of the render benchmark.
pub(super) struct RenderFigures {
    pub(super) documents: usize,
    pub(super) lines: usize,
    pub(super) bytes: usize,
    one_core: f64,
    all_cores: f64,
    threads: usize,
    peak_kib: u64,
}

impl RenderFigures {
    pub(super) fn table(&self) -> String {
        let mut out = String::from("| render: Factur-X invoices (PDF/A-3 + CII XML) | |\n|---|---:|\n");
        let _ =
            writeln!(out, "| documents (5–30 lines, {} lines in all) | {} |", human(self.lines as u64), self.documents);
        let _ = writeln!(out, "| average PDF size | {:.1} KiB |", self.bytes as f64 / self.documents as f64 / 1024.0);
        let _ = writeln!(out, "| documents/s, one core | {:.0} |", self.one_core);
        let _ = writeln!(out, "| documents/s, {} threads | {:.0} |", self.threads, self.all_cores);
        let _ = writeln!(out, "| peak memory of the process (VmHWM) | {:.1} MiB |", self.peak_kib as f64 / 1024.0);
        out
    }
}

/// Peak and current resident memory (VmHWM, VmRSS) of a process (`self` or a pid), in KiB.
pub(super) fn memory_of(pid: &str) -> Result<(u64, u64)> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {name} in {path}"))
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}

/// Renders `n` invoices of 5–30 lines (their CII XML, then the PDF/A-3 that embeds it),
/// once on one core, then spread over every core; the peak memory covers both passes.
pub(super) fn render_bench(n: usize, seed: u64) -> Result<RenderFigures> {
    use facturier_formats::{cii, pdf, sample};
    println!("\n== render: {n} Factur-X invoices");
    // Resets the peak (VmHWM) to the current size, so that it measures this stage only.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut rng = StdRng::seed_from_u64(seed);
    let docs: Vec<_> = (0..n)
        .map(|i| {
            let mut d = sample::invoice(rng.random_range(5..=30));
            d.number = Some(format!("F2026-{:05}", i + 1));
            d
        })
        .collect();
    let lines = docs.iter().map(|d| d.content.lines.len()).sum();
    let render = |d: &facturier_formats::model::RenderDocument| -> Result<usize> {
        let xml = cii::factur_x_xml(d).context("CII XML")?;
        Ok(pdf::render(d, Some(&xml)).context("PDF")?.len())
    };
    let bar = bar(n as u64, "rendered (one core)")?;
    let started = Instant::now();
    let mut bytes = 0;
    for d in &docs {
        bytes += render(d)?;
        bar.inc(1);
    }
    let one_core = n as f64 / started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    println!("  one core: {one_core:.0} documents/s, {:.1} KiB each", bytes as f64 / n as f64 / 1024.0);

    let threads = std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1);
    let started = Instant::now();
    let chunk = n.div_ceil(threads);
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().try_for_each(|d| render(d).map(|_| ()))))
            .collect();
        for h in handles {
            h.join().map_err(|_| anyhow!("a render thread panicked"))??;
        }
        Ok(())
    })?;
    let all_cores = n as f64 / started.elapsed().as_secs_f64();
    let (peak_kib, _) = memory_of("self")?;
    println!("  {threads} threads: {all_cores:.0} documents/s; peak memory {:.1} MiB", peak_kib as f64 / 1024.0);
    Ok(RenderFigures { documents: n, lines, bytes, one_core, all_cores, threads, peak_kib })
}
