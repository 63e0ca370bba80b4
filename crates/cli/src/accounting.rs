//! `facturier export fec|ximport|quadratus|ebp|record` and `facturier fec check`: the accounting hand-off of
//! the API (`server::app::accounting`) written on the database directly, with progress
//! on stderr, and the FEC checker (`formats::accounting::check_fec`).

use anyhow::{Context, Result, anyhow, bail};
use facturier_formats::accounting::software::Software;
use facturier_formats::accounting::{Encoding, FecOptions, Separator, check_fec};
use facturier_server::api::accounting::{ExportInput, parse_export};
use facturier_server::app::accounting::{FecStream, Period, record_export};
use facturier_server::error::ApiError;
use facturier_store::Store;
use std::io::Write;
use std::path::PathBuf;
use uuid::Uuid;

#[derive(clap::Subcommand)]
pub enum ExportCommand {
    /// The FEC of a period (article A47 A-1 LPF): 18 columns, ISO 8859-15 and tabs by default.
    #[command(
        after_help = "Example:\n  facturier export fec --from 2026-01-01 --to 2026-12-31\n  facturier export fec --from 2026-01-01 --to 2026-12-31 --encoding utf-8 --separator pipe --output fec.txt"
    )]
    Fec {
        /// First day of the period (YYYY-MM-DD; default 1 January of this year).
        #[arg(long)]
        from: Option<String>,
        /// Last day of the period, the closing date in the file name (default 31 December).
        #[arg(long)]
        to: Option<String>,
        /// The file to write (default: SIRENFECAAAAMMJJ.txt in the current directory; `-` for standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// iso-8859-15 (default) or utf-8.
        #[arg(long)]
        encoding: Option<String>,
        /// tab (default) or pipe.
        #[arg(long)]
        separator: Option<String>,
        /// The company; needed when the database has several.
        #[arg(long)]
        company: Option<Uuid>,
    },
    /// Ciel / Sage 50 XIMPORT.TXT (fixed width) of the period's entries.
    #[command(after_help = "Example:\n  facturier export ximport --from 2026-01-01 --to 2026-12-31")]
    Ximport(SoftwareArgs),
    /// QuadraCOMPTA ASCII import (M lines, amounts in cents) of the period's entries.
    #[command(after_help = "Example:\n  facturier export quadratus --from 2026-01-01 --to 2026-12-31")]
    Quadratus(SoftwareArgs),
    /// EBP comma-separated import of the period's entries.
    #[command(after_help = "Example:\n  facturier export ebp --from 2026-01-01 --to 2026-12-31 --output ebp.txt")]
    Ebp(SoftwareArgs),
    /// An export run, recorded as `POST /exports` records it: the entries of the period not exported
    /// yet, numbered for good and marked, the file stored (and written here); the other commands
    /// are previews that mark nothing.
    #[command(
        after_help = "Example:\n  facturier export record --format fec --from 2026-01-01 --to 2026-03-31\n  facturier export record --format quadratus --from 2026-01-01 --to 2026-12-31 --journals VE --reexport"
    )]
    Record {
        /// fec, ximport, quadratus, ebp, csv or xlsx.
        #[arg(long)]
        format: String,
        /// First day of the period (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last day of the period.
        #[arg(long)]
        to: String,
        /// Journal codes, comma-separated (default: every journal).
        #[arg(long, value_delimiter = ',')]
        journals: Vec<String>,
        /// Write again the entries of the period exported before, under their numbers.
        #[arg(long)]
        reexport: bool,
        /// The file to write (default: the run's file name in the current directory; `-` for standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// The company; needed when the database has several.
        #[arg(long)]
        company: Option<Uuid>,
    },
}

/// The period and output of an import file for accounting software.
#[derive(clap::Args)]
pub struct SoftwareArgs {
    /// First day of the period (YYYY-MM-DD; default 1 January of this year).
    #[arg(long)]
    from: Option<String>,
    /// Last day of the period (default 31 December).
    #[arg(long)]
    to: Option<String>,
    /// The file to write (default: the software's name for it; `-` for standard output).
    #[arg(long)]
    output: Option<PathBuf>,
    /// The company; needed when the database has several.
    #[arg(long)]
    company: Option<Uuid>,
}

#[derive(clap::Subcommand)]
pub enum FecCommand {
    /// Check a FEC: the DGFiP's Test Compta Demat rules, balances, continuity, lettering; exit 1 on a problem.
    #[command(
        after_help = "Example:\n  facturier fec check 552100554FEC20261231.txt --fiscal-year 2026-01-01:2026-12-31"
    )]
    Check {
        file: PathBuf,
        /// The fiscal year the entry dates must fall in: FIRST:LAST (YYYY-MM-DD:YYYY-MM-DD).
        #[arg(long)]
        fiscal_year: Option<String>,
        /// Without --fiscal-year: the month the company's fiscal year starts in (1–12); the fiscal
        /// year checked is the one ending on the closing date of the file's name (…FECAAAAMMJJ.txt).
        #[arg(long)]
        start_month: Option<u8>,
    },
}

fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Invalid(errors) => {
            errors.iter().map(|f| format!("{}: {}", f.field, f.message.english())).collect::<Vec<_>>().join("; ")
        }
        other => other.message().english(),
    }
}

fn date(flag: &str, v: Option<&str>) -> Result<Option<time::Date>> {
    v.map(|s| facturier_core::input::parse_date(s).map_err(|_| anyhow!("{flag} {s:?}: expected YYYY-MM-DD")))
        .transpose()
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

pub async fn export(store: &Store, cmd: ExportCommand) -> Result<()> {
    let (software, cmd) = match cmd {
        ExportCommand::Ximport(a) => (Some(Software::Ximport), a),
        ExportCommand::Quadratus(a) => (Some(Software::Quadratus), a),
        ExportCommand::Ebp(a) => (Some(Software::Ebp), a),
        ExportCommand::Fec { from, to, output, encoding, separator, company } => {
            return fec_export(store, from, to, output, encoding, separator, company, None).await;
        }
        ExportCommand::Record { format, from, to, journals, reexport, output, company } => {
            let input = ExportInput {
                format: Some(format),
                from: Some(from),
                to: Some(to),
                journals: Some(journals),
                reexport: Some(reexport),
                csv: None,
            };
            return record(store, &input, output, company).await;
        }
    };
    fec_export(store, cmd.from, cmd.to, cmd.output, None, None, cmd.company, software).await
}

/// `export record`: records the run, then writes its stored file.
async fn record(store: &Store, input: &ExportInput, output: Option<PathBuf>, given: Option<Uuid>) -> Result<()> {
    let company = company(store, given).await?;
    let today = facturier_core::calendar::today(&store.company(company).await?.country);
    let request = parse_export(input).map_err(|e| anyhow!("{}", describe(&e)))?;
    let run = record_export(store, company, None, &request, today).await.map_err(|e| anyhow!("{}", describe(&e)))?;
    let file = store.accounting_export_file(company, run.id).await?;
    let path = output.unwrap_or_else(|| PathBuf::from(&file.file_name));
    // Part by part: the file of a large period never sits whole in memory.
    let mut out: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?)
    };
    for part in file.part_numbers() {
        out.write_all(&store.export_part(company, &file, part).await?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    out.flush()?;
    eprintln!(
        "export {} (#{}){}: {} entries ({} new), {} lines, {} to {} -> {}",
        run.id,
        run.seq,
        if run.reexport { ", a re-export" } else { "" },
        run.entries,
        run.new_entries,
        run.lines,
        run.from,
        run.to,
        path.display()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn fec_export(
    store: &Store,
    from: Option<String>,
    to: Option<String>,
    output: Option<PathBuf>,
    encoding: Option<String>,
    separator: Option<String>,
    given: Option<Uuid>,
    software: Option<Software>,
) -> Result<()> {
    {
        {
            let company = company(store, given).await?;
            let today = facturier_core::calendar::today(&store.company(company).await?.country);
            let start = store.settings(company).await?.accounting.fiscal_year_start_month;
            let period = Period::parse(date("--from", from.as_deref())?, date("--to", to.as_deref())?, today, start)
                .map_err(|e| anyhow!("{}", describe(&e)))?;
            let encoding = match encoding.as_deref() {
                None => Encoding::Latin9,
                Some(e) => Encoding::parse(e).ok_or_else(|| anyhow!("--encoding {e:?}: iso-8859-15 or utf-8"))?,
            };
            let separator = match separator.as_deref() {
                None => Separator::Tab,
                Some(s) => Separator::parse(s).ok_or_else(|| anyhow!("--separator {s:?}: tab or pipe"))?,
            };
            let mut fec = FecStream::start(store, company, period, FecOptions { separator, encoding }, today)
                .await
                .map_err(|e| anyhow!("{}", describe(&e)))?;
            if let Some(s) = software {
                fec = fec.as_software(s);
            }
            let path = output.unwrap_or_else(|| PathBuf::from(&fec.name));
            let mut out: Box<dyn Write> = if path.as_os_str() == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                let f = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
                Box::new(std::io::BufWriter::new(f))
            };
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            let started = std::time::Instant::now();
            while let Some(chunk) = fec.next_chunk().await.map_err(|e| anyhow!("{}", describe(&e)))? {
                out.write_all(&chunk).context("writing the FEC")?;
                let (entries, lines) = fec.counts();
                bar.set_message(format!("{entries} entries, {lines} lines"));
                bar.tick();
            }
            out.flush()?;
            bar.finish_and_clear();
            let (entries, lines) = fec.counts();
            let secs = started.elapsed().as_secs_f64().max(1e-6);
            eprintln!(
                "{}: {entries} entries, {lines} lines, {} to {} ({:.0} lines/s)",
                path.display(),
                period.from,
                period.to,
                lines as f64 / secs
            );
        }
    }
    Ok(())
}

/// The closing date in a FEC's name: the eight digits after `FEC`.
fn closing_of(name: &str) -> Option<time::Date> {
    let at = name.find("FEC")? + 3;
    let digits = name.get(at..at + 8)?;
    let d = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<u16>().ok());
    let month = time::Month::try_from(u8::try_from(d(4..6)?).ok()?).ok()?;
    time::Date::from_calendar_date(i32::from(d(0..4)?), month, u8::try_from(d(6..8)?).ok()?).ok()
}

/// Runs `fec check`; `Ok(false)` when the file fails (exit 1).
pub fn fec(cmd: FecCommand) -> Result<bool> {
    match cmd {
        FecCommand::Check { file, fiscal_year, start_month } => {
            let year = match fiscal_year.as_deref() {
                None => match start_month {
                    None => None,
                    Some(m) if (1..=12).contains(&m) => {
                        let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                        let closing = closing_of(&name)
                            .ok_or_else(|| anyhow!("{name:?}: no closing date (…FECAAAAMMJJ.txt) in the name"))?;
                        Some(facturier_core::accounting::fiscal_year(closing, m))
                    }
                    Some(m) => bail!("--start-month {m}: a month from 1 to 12"),
                },
                Some(y) => {
                    let (a, b) = y.split_once(':').ok_or_else(|| anyhow!("--fiscal-year {y:?}: FIRST:LAST"))?;
                    let (Some(a), Some(b)) = (date("--fiscal-year", Some(a))?, date("--fiscal-year", Some(b))?) else {
                        bail!("--fiscal-year {y:?}: FIRST:LAST")
                    };
                    Some((a, b))
                }
            };
            let f = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let report =
                check_fec(std::io::BufReader::new(f), year).with_context(|| format!("reading {}", file.display()))?;
            print!("{}: {report}", file.display());
            Ok(report.passed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::closing_of;
    use time::macros::date;

    #[test]
    fn the_closing_date_is_read_from_a_fec_name() {
        assert_eq!(closing_of("552100554FEC20260630.txt"), Some(date!(2026 - 06 - 30)));
        assert_eq!(closing_of("FEC20261231.txt"), Some(date!(2026 - 12 - 31)));
        assert_eq!(closing_of("552100554FEC20261331.txt"), None);
        assert_eq!(closing_of("export.txt"), None);
    }
}
