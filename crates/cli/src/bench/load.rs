//! Loading a generated data set through the store's bulk path (or reopening a kept one), and
//! the files figure: rendering and storing a sample of issued invoices' files.

use anyhow::{Context, Result, anyhow, bail, ensure};
use facturier_core::Decimal;
use facturier_core::ids::{Siren, VatNumber};
use facturier_core::money::Currency;
use facturier_core::party::{Address, Country, Customer};
use facturier_store::Store;
use facturier_store::bulk::BulkInvoice;
use facturier_store::companies::Role;
use facturier_store::documents::ChainReport;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

use super::generator::{Generator, SearchSamples};
use super::{BenchArgs, CUSTOMER_BATCH};

pub(super) fn bar(len: u64, what: &str) -> Result<ProgressBar> {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>22} [{bar:32}] {human_pos}/{human_len} {per_sec:>14} eta {eta}")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    Ok(pb)
}

/// How fast a data set was loaded.
pub(super) struct LoadRates {
    pub(super) customers_per_sec: f64,
    pub(super) invoices_per_sec: f64,
    pub(super) load_secs: f64,
}

/// The generated company, and the e-mail of its admin user.
const COMPANY_NAME: &str = "Bench Industries SAS";
const ADMIN_EMAIL: &str = "bench@facturier.test";

/// What loading one data set gave.
pub(super) struct Loaded {
    pub(super) company_id: Uuid,
    pub(super) token: String,
    pub(super) customer_ids: Vec<Uuid>,
    pub(super) samples: SearchSamples,
    /// `None` for a reused data set.
    pub(super) rates: Option<LoadRates>,
    pub(super) verify_per_sec: Option<f64>,
    pub(super) db_bytes: Option<i64>,
}

/// The bench company with the legal identity every invoice needs before it can be issued.
pub(super) async fn bench_company(store: &Store) -> Result<facturier_store::companies::NewCompany> {
    let fr: Country = "FR".parse().context("country")?;
    let company = store
        .create_company(COMPANY_NAME, &fr, Currency::EUR, ADMIN_EMAIL)
        .await
        .context("cannot create the bench company")?;
    let company_id = company.company_id;
    // The identity every invoice needs before it can be issued (`core::compliance`).
    let mut settings = store.settings(company_id).await?;
    settings.identity = Some(facturier_core::company::Seller {
        legal_form: Some("SAS".into()),
        share_capital: Some(Decimal::from(50_000)),
        rcs_city: Some("Lyon".into()),
        siren: Some(Siren::from_str("552100554").context("SIREN")?),
        vat_number: Some(VatNumber::from_str("FR96552100554").context("VAT number")?),
        address: Address {
            line1: "8 quai Saint-Vincent".into(),
            line2: None,
            postal_code: "69001".into(),
            city: "Lyon".into(),
            country: fr.clone(),
        },
        ..facturier_core::company::Seller::bare(COMPANY_NAME, fr.clone())
    });
    store.set_settings(company_id, &settings).await.context("bench company identity")?;
    Ok(company)
}

pub(super) async fn load(
    store: &Store,
    generator: &Arc<Generator>,
    args: &BenchArgs,
    customers: u64,
    invoices: u64,
) -> Result<Loaded> {
    let company = bench_company(store).await?;
    let company_id = company.company_id;

    // Customers, in bulk transactions.
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut samples = SearchSamples::default();
    let mut customer_ids = Vec::with_capacity(usize::try_from(customers).unwrap_or(0));
    let pb = bar(customers, "customers")?;
    let started = Instant::now();
    let mut i = 0;
    while i < customers {
        let n = (customers - i).min(CUSTOMER_BATCH as u64);
        let batch: Vec<Customer> = (i..i + n).map(|k| generator.customer(&mut rng, k, &mut samples)).collect();
        customer_ids.extend(store.bulk_insert_customers(company_id, &batch).await.context("bulk customer insert")?);
        i += n;
        pb.inc(n);
    }
    pb.finish_and_clear();
    let customers_per_sec = customers as f64 / started.elapsed().as_secs_f64();

    // Invoices: a generator thread fills batches while the store writes the previous ones.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<BulkInvoice>>(4);
    let batch = args.batch;
    let seed = args.seed.wrapping_add(1);
    let ids = Arc::new(customer_ids.clone());
    let g = generator.clone();
    let producer = std::thread::spawn(move || {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut k = 0;
        while k < invoices {
            let n = (invoices - k).min(batch as u64);
            let b: Vec<BulkInvoice> = (k..k + n).map(|j| g.invoice(&mut rng, j, invoices, &ids)).collect();
            if tx.blocking_send(b).is_err() {
                break;
            }
            k += n;
        }
    });
    let pb = bar(invoices, "issued invoices")?;
    let started = Instant::now();
    let mut issued = 0u64;
    let mut statuses = [0u64; 3];
    while let Some(b) = rx.recv().await {
        let done = store.bulk_issue_invoices(company_id, generator.today, &b).await.context("bulk issue")?;
        for d in &done {
            match d.status {
                facturier_core::document::Status::Paid => statuses[2] += 1,
                facturier_core::document::Status::PartiallyPaid => statuses[1] += 1,
                _ => statuses[0] += 1,
            }
        }
        issued += done.len() as u64;
        pb.inc(done.len() as u64);
    }
    pb.finish_and_clear();
    let load_secs = started.elapsed().as_secs_f64();
    producer.join().map_err(|_| anyhow!("the generator thread panicked"))?;
    ensure!(issued == invoices, "issued {issued} invoices instead of {invoices}");
    let invoices_per_sec = invoices as f64 / load_secs;
    skip_files(store, company_id).await?;
    println!(
        "  loaded {customers} customers ({customers_per_sec:.0}/s) and {invoices} issued invoices in {load_secs:.1} s: {invoices_per_sec:.0} invoices/s \
         ({} issued, {} partially paid, {} paid)",
        statuses[0], statuses[1], statuses[2]
    );

    // PostgreSQL's autovacuum analyses a table soon after a large load; do it now so
    // that the measurements do not depend on when it runs. SQLite is left as the
    // application leaves it (it never runs ANALYZE).
    if store.backend() == facturier_store::Backend::Postgres {
        store.analyze().await.context("ANALYZE")?;
    }

    let verify_per_sec = if args.verify {
        let started = Instant::now();
        match store.verify_chain(company_id).await? {
            ChainReport::Intact { documents } => {
                let rate = documents as f64 / started.elapsed().as_secs_f64();
                println!("  verify: {documents} seals intact ({rate:.0} documents/s)");
                Some(rate)
            }
            ChainReport::Broken { number, reason, .. } => {
                bail!("the generated seal chain is broken at {number:?}: {reason}")
            }
        }
    } else {
        None
    };
    let db_bytes = store.database_size().await.ok();
    Ok(Loaded {
        company_id,
        token: company.token,
        customer_ids,
        samples,
        rates: Some(LoadRates { customers_per_sec, invoices_per_sec, load_secs }),
        verify_per_sec,
        db_bytes,
    })
}

/// The generated invoices are not rendered by the server under measurement: a million
/// of them would keep it busy for a quarter of an hour and store some 40 GB. They stay
/// "not yet rendered" for `verify`; the files figure renders a sample instead.
async fn skip_files(store: &Store, company_id: Uuid) -> Result<()> {
    let n = store.skip_pending_files(company_id).await.context("skipping the generated invoices' files")?;
    if n > 0 {
        println!("  {n} generated invoices left without their files (the server would render them)");
    }
    Ok(())
}

/// What rendering and storing issued invoices' files costs.
pub(super) struct FilesFigures {
    pub(super) invoices: usize,
    pub(super) per_sec: f64,
    pub(super) bytes_per_invoice: f64,
}

/// Renders and stores the files of `n` generated invoices (the newest), one after the
/// other, through the same function the issue handler calls.
pub(super) async fn files_bench(store: &Store, company_id: Uuid, n: u32) -> Result<FilesFigures> {
    let filter = facturier_store::documents::DocumentFilter {
        kind: facturier_core::document::DocumentKind::Invoice,
        status: None,
        customer_id: None,
        from: None,
        to: None,
        limit: n,
        after: None,
    };
    let (docs, _) = store.list_documents(company_id, &filter).await?;
    ensure!(!docs.is_empty(), "no issued invoice to render");
    let started = Instant::now();
    let mut bytes = 0usize;
    for d in &docs {
        let rec = store.document(company_id, d.kind, d.id).await?;
        let files = facturier_server::files::ensure(store, company_id, &rec)
            .await
            .map_err(|e| anyhow!("rendering {:?}: {e}", rec.number))?;
        bytes += files.iter().map(|f| f.bytes.len()).sum::<usize>();
    }
    let secs = started.elapsed().as_secs_f64();
    let f = FilesFigures {
        invoices: docs.len(),
        per_sec: docs.len() as f64 / secs,
        bytes_per_invoice: bytes as f64 / docs.len() as f64,
    };
    println!(
        "  files: {} invoices rendered (PDF/A-3 + Factur-X, UBL) and stored in {secs:.1} s: {:.0} invoices/s, {:.1} KiB stored per invoice",
        f.invoices,
        f.per_sec,
        f.bytes_per_invoice / 1024.0
    );
    Ok(f)
}

/// A data set kept by an earlier run, opened again: its company, a new token, its
/// customers, and the search samples the generator drew when it made them.
pub(super) async fn reopen(store: &Store, generator: &Generator, args: &BenchArgs) -> Result<Loaded> {
    let company_id = store
        .company_by_name(COMPANY_NAME)
        .await?
        .with_context(|| format!("no company named {COMPANY_NAME:?}: is this a database kept by `bench --keep`?"))?;
    let (_, token) = store.create_user_token(company_id, ADMIN_EMAIL, Role::Admin).await?;
    let customer_ids = store.customer_ids(company_id).await?;
    ensure!(!customer_ids.is_empty(), "the kept company has no customers");
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut samples = SearchSamples::default();
    for k in 0..args.customers {
        generator.customer(&mut rng, k, &mut samples);
    }
    println!("  reusing {} customers of the kept data set", customer_ids.len());
    skip_files(store, company_id).await?;
    let db_bytes = store.database_size().await.ok();
    Ok(Loaded { company_id, token, customer_ids, samples, rates: None, verify_per_sec: None, db_bytes })
}
