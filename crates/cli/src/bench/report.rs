//! The bench's report: the final Markdown table of every run and the machine it ran on.

use std::fmt::Write as _;

use super::Figures;

pub(super) fn human(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// The final table, in Markdown.
pub(super) fn table(figs: &[Figures], clients: usize) -> String {
    let mut out = String::new();
    let _ = write!(out, "| measure |");
    for f in figs {
        let _ = write!(out, " {} {} inv. / {} cust. |", f.backend, human(f.invoices), human(f.customers));
    }
    out.push_str("\n|---|");
    for _ in figs {
        out.push_str("---:|");
    }
    out.push('\n');
    let mut row = |name: &str, cell: &dyn Fn(&Figures) -> String| {
        let _ = write!(out, "| {name} |");
        for f in figs {
            let _ = write!(out, " {} |", cell(f));
        }
        out.push('\n');
    };
    let opt =
        |v: Option<f64>, unit: &str| v.map_or("–".to_string(), |v| format!("{v:.0} {unit}").trim_end().to_string());
    row("bulk load: customers/s", &|f| {
        f.loaded.rates.as_ref().map_or("reused".into(), |r| format!("{:.0}", r.customers_per_sec))
    });
    row("bulk load: issued invoices/s", &|f| {
        f.loaded.rates.as_ref().map_or("reused".into(), |r| format!("{:.0} ({:.0} s)", r.invoices_per_sec, r.load_secs))
    });
    row("database size", &|f| f.loaded.db_bytes.map_or("–".into(), |b| format!("{:.0} MiB", b as f64 / 1048576.0)));
    if figs.iter().any(|f| f.loaded.verify_per_sec.is_some()) {
        row("verify: seals checked/s", &|f| opt(f.loaded.verify_per_sec, ""));
    }
    if figs.iter().any(|f| f.files.is_some()) {
        row("files rendered + stored (PDF/A-3 + UBL), one after the other", &|f| {
            opt(f.files.as_ref().map(|x| x.per_sec), "inv./s")
        });
        row("files stored per invoice", &|f| {
            f.files.as_ref().map_or("–".into(), |x| format!("{:.1} KiB", x.bytes_per_invoice / 1024.0))
        });
    }
    row("HTTP create+issue, 1 client", &|f| opt(f.http_1, "inv./s"));
    row(&format!("HTTP create+issue, {clients} clients"), &|f| opt(f.http_n, "inv./s"));
    let names: Vec<&'static str> =
        figs.iter().flat_map(|f| f.latencies.iter().map(|l| l.name)).fold(Vec::new(), |mut v, n| {
            if !v.contains(&n) {
                v.push(n);
            }
            v
        });
    for name in names {
        row(&format!("{name} p50 / p95"), &|f| {
            f.latencies
                .iter()
                .find(|l| l.name == name)
                .map_or("–".into(), |l| format!("{:.1} / {:.1} ms", l.p50, l.p95))
        });
    }
    row("server peak memory (VmHWM)", &|f| {
        f.memory.map_or("–".into(), |(hwm, _)| format!("{:.0} MiB", hwm as f64 / 1024.0))
    });
    out
}

pub(super) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or("? GiB".into(), |kib| format!("{:.1} GiB", kib as f64 / 1048576.0));
    format!("{cpu}, {cores} CPUs, {mem} RAM")
}
