//! `facturier bench`: loads a generated data set (customers, and issued invoices with
//! legal numbers, seals and payments) into SQLite and/or PostgreSQL through the store's
//! bulk path, then measures the real server run as a child process of this binary:
//! invoices created and issued per second over HTTP with 1 and with N clients, p50/p95
//! latency of the list and search endpoints, and the server's peak memory (VmHWM).
//!
//! It prints figures; it asserts nothing. Run it on a release build.

use anyhow::{Context, Result, bail, ensure};
use facturier_store::Store;
use facturier_store::bulk::{create_postgres_database, drop_postgres_database};
use facturier_store::documents::ChainReport;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

mod contracts;
mod derive;
mod dunning;
mod fec;
mod generator;
mod import;
mod load;
mod measure;
mod render;
mod report;
mod sepa;
mod server;

use derive::derive_bench;
use generator::Generator;
use load::{FilesFigures, Loaded, files_bench, load, reopen};
use measure::{Latency, create_and_issue, document_search, latencies};
use render::render_bench;
use report::{human, machine, table};
use server::{Http, Server};

/// Which databases to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

/// Options of `facturier bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Issued invoices in the full-size data set.
    #[arg(long, default_value_t = 1_000_000)]
    invoices: u64,
    /// Customers in the full-size data set.
    #[arg(long, default_value_t = 100_000)]
    customers: u64,
    /// Invoices of the small data set measured first (customers scaled in proportion); 0 skips it.
    #[arg(long, default_value_t = 10_000)]
    small_invoices: u64,
    /// Databases to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    backend: BackendChoice,
    /// PostgreSQL server on which a fresh database is created for each data set, then dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Only load the data sets (generator rate); no server, no HTTP.
    #[arg(long)]
    skip_http: bool,
    /// Seconds of each HTTP create-and-issue run.
    #[arg(long, default_value_t = 10)]
    http_seconds: u64,
    /// Concurrent clients of the second create-and-issue run.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Requests per latency measurement (after 20 unrecorded warm-up requests).
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Invoices issued per bulk transaction.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Re-check every seal of each data set after loading it, as `facturier verify` does.
    #[arg(long)]
    verify: bool,
    /// Keep the databases (print their URLs) instead of deleting them.
    #[arg(long)]
    keep: bool,
    /// Measure again a data set kept by an earlier `--keep` run (its URL), instead of
    /// loading a new one: same `--seed` and `--customers`, so that the search queries
    /// pick from the same customers. Minutes saved per run at a million invoices.
    #[arg(long, value_name = "URL")]
    reuse: Option<String>,
    /// Directory for the SQLite files and server logs (default: a new one in the temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Seed of the generator: the same seed gives the same data set.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Factur-X invoices (5–30 lines) rendered as PDF/A-3 with their CII XML by the render
    /// benchmark, run first; 0 skips it.
    #[arg(long, default_value_t = 1000)]
    render: usize,
    /// Only run the render benchmark (no database, no server).
    #[arg(long)]
    render_only: bool,
    /// Orders (5–30 lines, a document discount and shipping) taken through a whole family
    /// of derivations by `core::derive` — a deposit, two partial invoices, the closing
    /// invoice with its deductions — by the derivations benchmark, run first; 0 skips it.
    #[arg(long, default_value_t = 1000)]
    families: usize,
    /// Issued invoices of each data set whose files (the PDF/A-3 with its Factur-X XML, and
    /// the UBL) are rendered and stored as issuing does, one after the other, before the
    /// server starts: files per second and the bytes stored per invoice; 0 skips it.
    #[arg(long, default_value_t = 200)]
    files: u32,
    /// Customers and products of the import benchmark (a Dolibarr-like CSV of each,
    /// imported into a fresh database of each backend: dry run, first import, the same file
    /// again, every row changed); 0 skips it.
    #[arg(long, default_value_t = 50_000)]
    imports: usize,
    /// Only run the import benchmark.
    #[arg(long)]
    imports_only: bool,
    /// Active monthly contracts billed in one run by the contracts benchmark (a fresh
    /// database of each backend); 0 skips it.
    #[arg(long, default_value_t = 100_000)]
    contracts: usize,
    /// Only run the contracts benchmark.
    #[arg(long)]
    contracts_only: bool,
    /// The contracts say `billing.issue`: the run issues each invoice it makes (a number,
    /// a seal and the files each), as well as drafting it.
    #[arg(long)]
    contracts_issue: bool,
    /// Every customer's contracts billed together (`contract_billing: grouped`): one
    /// invoice per customer, its five contracts' lines on it.
    #[arg(long)]
    contracts_grouped: bool,
    /// Only run the FEC benchmark: load `--invoices` on SQLite (or take `--reuse`), then
    /// stream their FEC, printing lines/s and the memory during the export.
    #[arg(long)]
    fec_only: bool,
    /// Debits of the SEPA benchmark (one batch made over a generated data set, then its
    /// pain.008 file written), on a fresh database of each backend; 0 skips it.
    #[arg(long, default_value_t = 10_000)]
    sepa: usize,
    /// Only run the SEPA benchmark.
    #[arg(long)]
    sepa_only: bool,
    /// Open invoices of the dunning benchmark (a run by e-mail over all of them, on
    /// SQLite, outbox rows written, no SMTP); 0 skips it.
    #[arg(long, default_value_t = 100_000)]
    dunning: u64,
    /// Customers of the dunning benchmark.
    #[arg(long, default_value_t = 20_000)]
    dunning_customers: u64,
    /// Only run the dunning benchmark.
    #[arg(long)]
    dunning_only: bool,
}

/// How long the generated history is: invoices are spread over about three years up to today.
const HISTORY_DAYS: u64 = 3 * 365;
/// Customers inserted per bulk transaction.
const CUSTOMER_BATCH: usize = 5000;
/// Unrecorded requests before each latency measurement.
const WARM_UP: usize = 20;

// ---------------------------------------------------------------------------------------
// Runs and the report
// ---------------------------------------------------------------------------------------

/// The figures of one data set on one backend.
struct Figures {
    backend: &'static str,
    invoices: u64,
    customers: u64,
    loaded: Loaded,
    http_1: Option<f64>,
    http_n: Option<f64>,
    latencies: Vec<Latency>,
    /// VmHWM and VmRSS of the server at the end, KiB.
    memory: Option<(u64, u64)>,
    files: Option<FilesFigures>,
}

/// A database made for one run, removed afterwards unless kept.
enum Scratch {
    Sqlite(PathBuf),
    Postgres { admin: String, name: String },
}

impl Scratch {
    async fn create(backend: &'static str, args: &BenchArgs, dir: &Path, label: &str) -> Result<(Scratch, String)> {
        if backend == "sqlite" {
            let path = dir.join(format!("bench-{label}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let url = format!("sqlite://{}", path.display());
            Ok((Scratch::Sqlite(path), url))
        } else {
            let name =
                format!("facturier_bench_{}_{}", label, Uuid::now_v7().simple().to_string().get(..12).unwrap_or("x"));
            let url = create_postgres_database(&args.pg_url, &name)
                .await
                .with_context(|| format!("cannot create a database on {}", args.pg_url))?;
            Ok((Scratch::Postgres { admin: args.pg_url.clone(), name }, url))
        }
    }

    async fn remove(&self) -> Result<()> {
        match self {
            Scratch::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let p = format!("{}{suffix}", path.display());
                    if Path::new(&p).exists() {
                        std::fs::remove_file(&p).with_context(|| format!("cannot remove {p}"))?;
                    }
                }
                Ok(())
            }
            Scratch::Postgres { admin, name } => Ok(drop_postgres_database(admin, name).await?),
        }
    }
}

async fn run_one(
    args: &BenchArgs,
    generator: &Arc<Generator>,
    backend: &'static str,
    url: &str,
    log: &Path,
    customers: u64,
    invoices: u64,
) -> Result<Figures> {
    let store = Store::connect(url).await.with_context(|| format!("cannot open {url}"))?;
    store.migrate().await.context("cannot migrate")?;
    let loaded = if args.reuse.is_some() {
        reopen(&store, generator, args).await?
    } else {
        load(&store, generator, args, customers, invoices).await?
    };
    let searches = document_search(&store, &loaded, args.samples, args.seed).await;
    let files = if args.files > 0 { Some(files_bench(&store, loaded.company_id, args.files).await?) } else { None };
    store.close().await;
    let mut fig = Figures {
        backend,
        invoices,
        customers,
        loaded,
        http_1: None,
        http_n: None,
        latencies: searches?,
        memory: None,
        files,
    };
    if args.skip_http {
        return Ok(fig);
    }
    let client =
        reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(120)).build().context("HTTP client")?;
    let server = Server::start(url, log, &client).await?;
    let http = Http { client, base: server.base.clone(), token: Arc::from(fig.loaded.token.as_str()) };
    let measured = async {
        fig.latencies.extend(latencies(&http, generator, &fig.loaded, args.samples, args.seed).await?);
        let customers = Arc::new(fig.loaded.customer_ids.clone());
        fig.http_1 = Some(create_and_issue(&http, generator, &customers, 1, args.http_seconds, args.seed).await?);
        fig.http_n = Some(
            create_and_issue(
                &http,
                generator,
                &customers,
                args.clients,
                args.http_seconds,
                args.seed.wrapping_add(1000),
            )
            .await?,
        );
        fig.memory = Some(server.memory()?);
        Ok::<(), anyhow::Error>(())
    }
    .await;
    server.stop().await?;
    measured?;
    if let Some((hwm, rss)) = fig.memory {
        println!(
            "  server memory: peak (VmHWM) {:.1} MiB, at the end (VmRSS) {:.1} MiB",
            hwm as f64 / 1024.0,
            rss as f64 / 1024.0
        );
    }
    // The chain must still be intact after the API issued on top of the generated data.
    if args.verify {
        let store = Store::connect(url).await?;
        match store.verify_chain(fig.loaded.company_id).await? {
            ChainReport::Intact { documents } => {
                println!("  verify after the HTTP runs: {documents} seals intact")
            }
            ChainReport::Broken { number, reason, .. } => bail!("the seal chain is broken at {number:?}: {reason}"),
        }
        store.close().await;
    }
    Ok(fig)
}

pub async fn run(args: BenchArgs) -> Result<()> {
    ensure!(args.invoices > 0, "--invoices must be at least 1");
    ensure!(args.customers > 0, "--customers must be at least 1");
    ensure!((1..=10_000).contains(&args.batch), "--batch must be between 1 and 10000");
    ensure!(args.clients > 0, "--clients must be at least 1");
    ensure!(args.samples > 0, "--samples must be at least 1");
    ensure!(
        !args.render_only || args.render > 0 || args.families > 0,
        "--render-only needs --render or --families above 0"
    );
    let today = OffsetDateTime::now_utc().date();
    let generator = Arc::new(Generator::new(today)?);

    let mut sizes = Vec::new();
    if args.small_invoices > 0 && args.small_invoices < args.invoices {
        let small_customers =
            (u128::from(args.customers) * u128::from(args.small_invoices) / u128::from(args.invoices)).max(100) as u64;
        sizes.push((small_customers.min(args.customers), args.small_invoices));
    }
    sizes.push((args.customers, args.invoices));
    let backends: &[&'static str] = match args.backend {
        BackendChoice::Sqlite => &["sqlite"],
        BackendChoice::Postgres => &["postgres"],
        BackendChoice::Both => &["sqlite", "postgres"],
    };
    let (dir, made_dir) = match &args.dir {
        Some(d) => (d.clone(), false),
        None => (std::env::temp_dir().join(format!("facturier-bench-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let started = OffsetDateTime::now_utc();
    println!(
        "facturier bench — {} — {}{}",
        started.date(),
        machine(),
        if cfg!(debug_assertions) {
            " — DEBUG BUILD: figures are not representative, build with --release"
        } else {
            ""
        }
    );
    if args.dunning_only {
        let d = dunning::dunning_bench(&dir, &generator, args.dunning, args.dunning_customers, args.seed).await?;
        if made_dir {
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!("\nResults:\n\n{}", d.table());
        return Ok(());
    }
    let derived = if args.families > 0 { Some(derive_bench(args.families, args.seed)?) } else { None };
    let rendered = if args.render > 0 { Some(render_bench(args.render, args.seed)?) } else { None };
    if args.render_only {
        if let Some(r) = rendered {
            println!("\nResults:\n\n{}", r.table());
        }
        if let Some(d) = derived {
            println!("\n{}", d.table());
        }
        return Ok(());
    }
    let mut imported = Vec::new();
    let any_only = args.imports_only || args.contracts_only || args.sepa_only || args.fec_only;
    if args.imports > 0 && args.reuse.is_none() && (!any_only || args.imports_only) {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for &backend in backends {
            let (scratch, url) = Scratch::create(backend, &args, &dir, "import").await?;
            let r = import::import_bench(backend, &url, args.imports).await;
            if let Err(e) = scratch.remove().await {
                eprintln!("warning: could not remove the bench database: {e:#}");
            }
            imported.push(r.with_context(|| format!("{backend}, import"))?);
        }
    }
    let mut billed = Vec::new();
    if args.contracts > 0 && args.reuse.is_none() && (!any_only || args.contracts_only) {
        for &backend in backends {
            let (scratch, url) = Scratch::create(backend, &args, &dir, "contracts").await?;
            let r = contracts::contracts_bench(
                backend,
                &url,
                args.contracts,
                (args.contracts_issue, args.contracts_grouped),
                args.seed,
            )
            .await;
            if let Err(e) = scratch.remove().await {
                eprintln!("warning: could not remove the bench database: {e:#}");
            }
            billed.push(r.with_context(|| format!("{backend}, contracts"))?);
        }
    }
    if args.contracts_only {
        if made_dir {
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!("\nResults:\n\n{}", contracts::ContractFigures::table(&billed));
        return Ok(());
    }
    let mut sepa_figs = Vec::new();
    if args.sepa > 0 && args.reuse.is_none() && (!any_only || args.sepa_only) {
        for &backend in backends {
            let (scratch, url) = Scratch::create(backend, &args, &dir, "sepa").await?;
            let r = sepa::sepa_bench(backend, &url, &generator, &args, args.sepa).await;
            if let Err(e) = scratch.remove().await {
                eprintln!("warning: could not remove the bench database: {e:#}");
            }
            sepa_figs.push(r.with_context(|| format!("{backend}, SEPA"))?);
        }
    }
    if args.sepa_only {
        if made_dir {
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!("\nResults:\n\n{}", sepa::SepaFigures::table(&sepa_figs));
        return Ok(());
    }
    if args.imports_only {
        if made_dir {
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!("\nResults:\n\n{}", import::ImportFigures::table(&imported));
        return Ok(());
    }
    if args.fec_only {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let (scratch, url) = match &args.reuse {
            Some(url) => (None, url.clone()),
            None => {
                let (s, u) =
                    Scratch::create("sqlite", &args, &dir, &format!("fec_{}", human(args.invoices).to_lowercase()))
                        .await?;
                (Some(s), u)
            }
        };
        let store = Store::connect(&url).await.with_context(|| format!("cannot open {url}"))?;
        store.migrate().await.context("cannot migrate")?;
        let company_id = if args.reuse.is_some() {
            reopen(&store, &generator, &args).await?.company_id
        } else {
            println!("\n== sqlite: {} customers, {} issued invoices", args.customers, args.invoices);
            load(&store, &generator, &args, args.customers, args.invoices).await?.company_id
        };
        let figures = fec::fec_bench(&store, company_id).await;
        store.close().await;
        match scratch {
            Some(_) if args.keep => println!("  kept: {url}"),
            Some(s) => {
                if let Err(e) = s.remove().await {
                    eprintln!("warning: could not remove the bench database: {e:#}");
                }
            }
            None => {}
        }
        if made_dir && !args.keep {
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!("\nResults:\n\n{}", figures?.table());
        return Ok(());
    }
    let dunned = if args.dunning > 0 && args.reuse.is_none() && !any_only {
        Some(dunning::dunning_bench(&dir, &generator, args.dunning, args.dunning_customers, args.seed).await?)
    } else {
        None
    };
    let mut figs = Vec::new();
    if let Some(url) = &args.reuse {
        let backend = if url.starts_with("postgres") { "postgres" } else { "sqlite" };
        println!("\n== {backend}: the data set kept at {url}");
        let log = dir.join(format!("server-{backend}-reused.log"));
        figs.push(run_one(&args, &generator, backend, url, &log, args.customers, args.invoices).await?);
    }
    for &backend in backends.iter().filter(|_| args.reuse.is_none()) {
        for &(customers, invoices) in &sizes {
            let label = format!("{backend}_{}", human(invoices).to_lowercase());
            println!("\n== {backend}: {} customers, {} issued invoices", customers, invoices);
            let (scratch, url) = Scratch::create(backend, &args, &dir, &label).await?;
            let log = dir.join(format!("server-{label}.log"));
            let r = run_one(&args, &generator, backend, &url, &log, customers, invoices).await;
            if args.keep {
                println!("  kept: {url}");
            } else if let Err(e) = scratch.remove().await {
                eprintln!("warning: could not remove the bench database: {e:#}");
            }
            figs.push(r.with_context(|| format!("{backend}, {invoices} invoices"))?);
        }
    }
    if made_dir && !args.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let minutes = (OffsetDateTime::now_utc() - started).whole_seconds() as f64 / 60.0;
    println!("\nResults ({minutes:.1} min in all):\n");
    println!("{}", table(&figs, args.clients));
    if let Some(r) = rendered {
        println!("\n{}", r.table());
    }
    if let Some(d) = derived {
        println!("\n{}", d.table());
    }
    if !imported.is_empty() {
        println!("\n{}", import::ImportFigures::table(&imported));
    }
    if !billed.is_empty() {
        println!("\n{}", contracts::ContractFigures::table(&billed));
    }
    if !sepa_figs.is_empty() {
        println!("\n{}", sepa::SepaFigures::table(&sepa_figs));
    }
    if let Some(d) = dunned {
        println!("\n{}", d.table());
    }
    Ok(())
}
