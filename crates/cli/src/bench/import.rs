//! The import benchmark: a generated Dolibarr-like CSV of customers (`;`, French headers,
//! decimal commas) and one of products, imported into a fresh database through the same
//! function as `POST /imports/…` and `facturier import` (`server::app::imports::run`):
//! a dry run, the first import (every row created), the same file again (every row found
//! and updated, nothing changed) and a file whose every row changes (every row rewritten).

use anyhow::{Context, Result};
use facturier_core::import::Target;
use facturier_server::app::imports::{self, FileKind, ImportRequest};
use facturier_store::Store;
use std::fmt::Write;
use std::time::Instant;

/// The seconds of each stage of one backend.
pub(super) struct ImportFigures {
    backend: &'static str,
    rows: usize,
    /// (stage, customers' seconds, products' seconds).
    stages: Vec<(&'static str, f64, f64)>,
}

/// A SIREN whose Luhn sum is right: eight digits and the check digit.
fn siren(n: u64) -> String {
    let base = format!("{:08}", 10_000_000 + n % 90_000_000);
    for d in 0..10 {
        let s = format!("{base}{d}");
        let sum: u32 = s
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let v = u32::from(b - b'0');
                if i % 2 == 1 { if v * 2 > 9 { v * 2 - 9 } else { v * 2 } } else { v }
            })
            .sum();
        if sum.is_multiple_of(10) {
            return s;
        }
    }
    base + "0"
}

const CITIES: [(&str, &str); 6] = [
    ("75011", "Paris"),
    ("69003", "Lyon"),
    ("13001", "Marseille"),
    ("01000", "Bourg-en-Bresse"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
];

/// A Dolibarr-like export of `n` customers; `edition` changes every row's street.
fn customers_csv(n: usize, edition: u32) -> Vec<u8> {
    let mut s =
        String::from("Nom du tiers;Code client;Adresse;Code postal;Ville;Pays;Téléphone;E-mail;Id. prof. 1 (SIREN)\n");
    for i in 0..n {
        let (pc, city) = CITIES[i % CITIES.len()];
        let _ = writeln!(
            s,
            "Client {i} SARL;CU{i:06};{} rue des Lilas;{pc};{city};France;04 74 {:02} {:02} {:02};contact{i}@client{i}.fr;{}",
            (i % 200) as u32 + 1 + edition,
            i % 100,
            (i / 100) % 100,
            edition % 100,
            siren(i as u64),
        );
    }
    s.into_bytes()
}

/// An export of `n` products; `edition` changes every price.
fn products_csv(n: usize, edition: u32) -> Vec<u8> {
    let mut s = String::from("Réf.;Libellé;Prix de vente HT;Taux TVA;Prix d'achat;Stock\n");
    for i in 0..n {
        let rate = ["20", "10", "5,5"][i % 3];
        let _ = writeln!(
            s,
            "ART-{i:06};Article {i};{},{:02};{rate};{},00;{}",
            10 + i % 500 + edition as usize,
            i % 100,
            5 + i % 200,
            i % 50
        );
    }
    s.into_bytes()
}

async fn timed(store: &Store, company: uuid::Uuid, target: Target, bytes: &[u8], dry_run: bool) -> Result<f64> {
    let started = Instant::now();
    let req = ImportRequest { target, file: FileKind::Csv, bytes, mapping: None, dry_run };
    let out = imports::run(store, company, req).await.map_err(|e| anyhow::anyhow!("import: {e}"))?;
    anyhow::ensure!(out.rejected.is_empty(), "the generated file has rejected rows: {:?}", out.rejected.first());
    Ok(started.elapsed().as_secs_f64())
}

/// Imports `rows` customers and `rows` products into the database at `url`.
pub(super) async fn import_bench(backend: &'static str, url: &str, rows: usize) -> Result<ImportFigures> {
    println!("\n== {backend}: import of {rows} customers and {rows} products (CSV)");
    let store = Store::connect(url).await.with_context(|| format!("cannot open {url}"))?;
    store.migrate().await.context("cannot migrate")?;
    let company = store
        .create_company("Import SARL", &"FR".parse()?, "EUR".parse()?, "admin@import.fr")
        .await
        .context("company")?
        .company_id;
    let (c0, c1) = (customers_csv(rows, 0), customers_csv(rows, 1));
    let (p0, p1) = (products_csv(rows, 0), products_csv(rows, 1));
    println!(
        "  files: customers {:.1} MiB, products {:.1} MiB",
        c0.len() as f64 / 1048576.0,
        p0.len() as f64 / 1048576.0
    );
    let mut stages = Vec::new();
    for (stage, c, p, dry) in [
        ("dry run (read, map, check)", &c0, &p0, true),
        ("first import (all created)", &c0, &p0, false),
        ("same file again (all found, unchanged)", &c0, &p0, false),
        ("every row changed (all updated)", &c1, &p1, false),
    ] {
        let tc = timed(&store, company, Target::Customers, c, dry).await?;
        let tp = timed(&store, company, Target::Products, p, dry).await?;
        println!("  {stage}: customers {tc:.2} s, products {tp:.2} s");
        stages.push((stage, tc, tp));
    }
    let stored = store.all_customers(company).await?.len();
    anyhow::ensure!(stored == rows, "{stored} customers stored, {rows} expected");
    store.close().await;
    Ok(ImportFigures { backend, rows, stages })
}

impl ImportFigures {
    /// The figures as a Markdown table.
    pub(super) fn table(figs: &[ImportFigures]) -> String {
        let mut out = String::from("| import (CSV, one transaction) |");
        for f in figs {
            let _ = write!(out, " {} {} customers | {} {} products |", f.backend, f.rows, f.backend, f.rows);
        }
        out.push_str("\n|---|");
        out.push_str(&"---:|".repeat(figs.len() * 2));
        out.push('\n');
        for (i, (stage, _, _)) in figs.first().map(|f| f.stages.as_slice()).unwrap_or_default().iter().enumerate() {
            let _ = write!(out, "| {stage} |");
            for f in figs {
                let (_, c, p) = f.stages[i];
                let _ = write!(out, " {c:.2} s ({:.0}/s) | {p:.2} s ({:.0}/s) |", f.rows as f64 / c, f.rows as f64 / p);
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_files_check() {
        let t = facturier_formats::table::read_csv(&customers_csv(3, 0)).expect("csv");
        assert_eq!(t.rows.len(), 3);
        let s = siren(42);
        assert!(s.parse::<facturier_core::ids::Siren>().is_ok(), "{s}");
    }
}
