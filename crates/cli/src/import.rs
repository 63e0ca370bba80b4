//! `facturier import customers|products FILE [--dry-run]`: the API's import
//! (`server::app::imports`) run on the database directly, for a company of it.

use anyhow::{Context, Result, bail};
use facturier_core::import::Target;
use facturier_server::app::imports::{self, FileKind, ImportRequest};
use facturier_server::error::ApiError;
use facturier_store::Store;
use std::path::PathBuf;

/// What a file imports.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum What {
    Customers,
    Products,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// customers or products.
    what: What,
    /// A CSV (`;`, `,` or tab separated; UTF-8 or Windows-1252) or XLSX file; its first row names the columns.
    file: PathBuf,
    /// Check every row and say what would be done; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The company to import into; needed when the database has several.
    #[arg(long)]
    company: Option<uuid::Uuid>,
    /// The field of columns, over their headers: `Header:field` entries separated by `;`
    /// (`Raison sociale:name;CP:postal_code`); `Header:` leaves a column out.
    #[arg(long)]
    mapping: Option<String>,
}

/// The format of a file: by its extension, else by its first bytes (an XLSX is a ZIP).
fn kind_of(path: &std::path::Path, bytes: &[u8]) -> FileKind {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    FileKind::of_name(&name).unwrap_or(if bytes.starts_with(b"PK\x03\x04") { FileKind::Xlsx } else { FileKind::Csv })
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

/// Runs the import; `Ok(false)` when rows were rejected (nothing written).
pub async fn run(store: &Store, args: ImportArgs) -> Result<bool> {
    let company = match args.company {
        Some(c) => {
            store.company(c).await.with_context(|| format!("--company {c}"))?;
            c
        }
        None => match store.company_ids().await?.as_slice() {
            [one] => *one,
            [] => bail!("the database has no company: create one with `facturier init`"),
            _ => bail!("the database has several companies: name one with --company"),
        },
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let target = match args.what {
        What::Customers => Target::Customers,
        What::Products => Target::Products,
    };
    let req = ImportRequest {
        target,
        file: kind_of(&args.file, &bytes),
        bytes: &bytes,
        mapping: args.mapping.as_deref(),
        dry_run: args.dry_run,
    };
    // A large file takes a few seconds: say that it is being read, checked and written.
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("importing {}", args.file.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let started = std::time::Instant::now();
    let out = imports::run(store, company, req).await;
    spinner.finish_and_clear();
    let out =
        out.map_err(|e| anyhow::anyhow!("{}", describe(&e))).with_context(|| format!("{}", args.file.display()))?;
    for (header, field) in &out.columns {
        match field {
            Some(f) => eprintln!("column {header:?} → {f}"),
            None => eprintln!("column {header:?} left out"),
        }
    }
    for r in &out.rejected {
        let field = if r.field.is_empty() { String::new() } else { format!(" {}", r.field) };
        println!("row {}{field}: {}", r.row, r.message.english());
    }
    let what = match args.what {
        What::Customers => "customers",
        What::Products => "products",
    };
    let secs = started.elapsed().as_secs_f64();
    if !out.rejected.is_empty() {
        // A row may be rejected for several fields: count the rows.
        let rows: std::collections::BTreeSet<_> = out.rejected.iter().map(|r| r.row).collect();
        println!(
            "{} rows, {} rejected ({} problems): nothing {}",
            out.rows,
            rows.len(),
            out.rejected.len(),
            if args.dry_run { "would be imported" } else { "imported" }
        );
        return Ok(false);
    }
    if args.dry_run {
        println!("dry run: {} rows, {} {what} would be created, {} updated", out.rows, out.created, out.updated);
    } else {
        println!("{} rows: {} {what} created, {} updated in {secs:.1} s", out.rows, out.created, out.updated);
    }
    Ok(true)
}
