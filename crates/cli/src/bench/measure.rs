//! The measurements: p50/p95 latencies of the list and search endpoints (and of the document
//! search on the store), and invoices created and issued per second over HTTP.

use anyhow::{Context, Result, ensure};
use facturier_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

use super::generator::{Generator, pick};
use super::load::Loaded;
use super::server::Http;
use super::{HISTORY_DAYS, WARM_UP};

/// p50 and p95 of one endpoint, in milliseconds, and the mean number of items returned.
#[derive(Clone, Debug)]
pub(super) struct Latency {
    pub(super) name: &'static str,
    pub(super) p50: f64,
    pub(super) p95: f64,
    pub(super) items: f64,
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

type QueryMaker<'a> = Box<dyn FnMut(&mut StdRng) -> Vec<(&'static str, String)> + 'a>;

pub(super) async fn measure(
    http: &Http,
    name: &'static str,
    path: &str,
    samples: usize,
    rng: &mut StdRng,
    mut make: QueryMaker<'_>,
) -> Result<Latency> {
    let mut times = Vec::with_capacity(samples);
    let mut items = 0usize;
    for i in 0..WARM_UP + samples {
        let q = make(rng);
        let started = Instant::now();
        let v = http.get(path, &q).await?;
        let t = started.elapsed().as_secs_f64() * 1000.0;
        if i >= WARM_UP {
            times.push(t);
            items += v["data"].as_array().map_or(0, Vec::len);
        }
    }
    Ok(summarize(name, times, items, samples))
}

/// p50 and p95 of measured times (ms), and the mean items per answer; printed.
fn summarize(name: &'static str, mut times: Vec<f64>, items: usize, samples: usize) -> Latency {
    times.sort_by(f64::total_cmp);
    let l = Latency {
        name,
        p50: percentile(&times, 50),
        p95: percentile(&times, 95),
        items: items as f64 / samples.max(1) as f64,
    };
    println!("  {:<44} p50 {:>7.2} ms   p95 {:>7.2} ms   ({:.1} items/page)", l.name, l.p50, l.p95, l.items);
    l
}

pub(super) async fn latencies(
    http: &Http,
    generator: &Generator,
    loaded: &Loaded,
    samples: usize,
    seed: u64,
) -> Result<Vec<Latency>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let customers = &loaded.customer_ids;
    let s = &loaded.samples;
    ensure!(
        !s.cities.is_empty() && !s.names.is_empty() && !s.sirens.is_empty(),
        "too few customers to sample search queries from"
    );
    let statuses = ["issued", "partially_paid", "paid"];
    let span = i64::try_from(HISTORY_DAYS).context("history length")?;
    let first = generator.first_day;
    let window = move |rng: &mut StdRng, days: i64| {
        let from = first + time::Duration::days(rng.random_range(0..=span - days));
        (from.to_string(), (from + time::Duration::days(days)).to_string())
    };
    let mut out = Vec::new();
    let inv = "/api/v1/invoices";
    out.push(measure(http, "GET /invoices", inv, samples, &mut rng, Box::new(|_| vec![])).await?);
    out.push(
        measure(
            http,
            "GET /invoices?status=",
            inv,
            samples,
            &mut rng,
            Box::new(|r| vec![("status", pick(r, &statuses).to_string())]),
        )
        .await?,
    );
    out.push(
        measure(
            http,
            "GET /invoices?customer_id=",
            inv,
            samples,
            &mut rng,
            Box::new(|r| vec![("customer_id", pick(r, customers).to_string())]),
        )
        .await?,
    );
    out.push(
        measure(
            http,
            "GET /invoices?from=&to= (30 days)",
            inv,
            samples,
            &mut rng,
            Box::new(|r| {
                let (from, to) = window(r, 30);
                vec![("from", from), ("to", to)]
            }),
        )
        .await?,
    );
    out.push(
        measure(
            http,
            "GET /invoices?status=&from=&to= (90 days)",
            inv,
            samples,
            &mut rng,
            Box::new(|r| {
                let (from, to) = window(r, 90);
                vec![("status", pick(r, &statuses).to_string()), ("from", from), ("to", to)]
            }),
        )
        .await?,
    );
    out.push(
        measure(
            http,
            "GET /invoices?customer_id=&status=&from=&to=",
            inv,
            samples,
            &mut rng,
            Box::new(|r| {
                let (from, to) = window(r, 365);
                vec![
                    ("customer_id", pick(r, customers).to_string()),
                    ("status", pick(r, &statuses).to_string()),
                    ("from", from),
                    ("to", to),
                ]
            }),
        )
        .await?,
    );
    out.push(
        measure(
            http,
            "GET /invoices?after= (page at a random date)",
            inv,
            samples,
            &mut rng,
            Box::new(|r| {
                // A cursor as a previous page would give: the page starts before that date.
                let (date, _) = window(r, 0);
                vec![("after", format!("{date}_{}", Uuid::max().simple()))]
            }),
        )
        .await?,
    );
    let cu = "/api/v1/customers";
    out.push(
        measure(
            http,
            "GET /customers?q=<city>",
            cu,
            samples,
            &mut rng,
            Box::new(|r| vec![("q", pick(r, &s.cities).clone())]),
        )
        .await?,
    );
    out.push(
        measure(
            http,
            "GET /customers?q=<activity name>",
            cu,
            samples,
            &mut rng,
            Box::new(|r| vec![("q", pick(r, &s.names).clone())]),
        )
        .await?,
    );
    out.push(
        measure(
            http,
            "GET /customers?q=<SIREN> (1 match)",
            cu,
            samples,
            &mut rng,
            Box::new(|r| vec![("q", pick(r, &s.sirens).clone())]),
        )
        .await?,
    );
    Ok(out)
}

/// The document list's text search (the web app's `/invoices?q=&except=`), timed on the
/// store it calls: a rare word (an order reference), a common one, a customer's name, a
/// word found nowhere, and a common word less an "except" term. The newest first, 50 a page.
pub(super) async fn document_search(store: &Store, loaded: &Loaded, samples: usize, seed: u64) -> Result<Vec<Latency>> {
    use facturier_core::document::DocumentKind;
    use facturier_store::lists::{DocSort, DocumentQuery};
    let mut rng = StdRng::seed_from_u64(seed);
    let s = &loaded.samples;
    ensure!(!s.names.is_empty(), "too few customers to sample search queries from");
    type Terms = Box<dyn FnMut(&mut StdRng) -> (String, Option<String>)>;
    let surnames: Vec<String> =
        s.names.iter().filter_map(|n| n.split_whitespace().last()).map(str::to_string).collect();
    let cases: Vec<(&'static str, Terms)> = vec![
        ("list search <order reference> (rare)", Box::new(|r| (format!("BC-{}", r.random_range(1000..99999)), None))),
        (
            "list search <common word>",
            Box::new(|r| (pick(r, &["maintenance", "travaux", "formation"]).to_string(), None)),
        ),
        ("list search <customer's name>", Box::new(move |r| (pick(r, &surnames).clone(), None))),
        ("list search <no match>", Box::new(|r| (format!("zq{}x", r.random_range(100..999)), None))),
        (
            "list search <common word> except <word>",
            Box::new(|r| ("travaux".to_string(), Some(pick(r, &["isolation", "renovation"]).to_string()))),
        ),
    ];
    let mut out = Vec::new();
    for (name, mut terms) in cases {
        let mut times = Vec::with_capacity(samples);
        let mut items = 0usize;
        for i in 0..WARM_UP + samples {
            let (q, except) = terms(&mut rng);
            let query = DocumentQuery {
                kind: DocumentKind::Invoice,
                status: None,
                customer_id: None,
                from: None,
                to: None,
                due_from: None,
                due_to: None,
                q: Some(q),
                except: except.into_iter().collect(),
                sort: DocSort::Date,
                descending: true,
                limit: 50,
                after: None,
            };
            let started = Instant::now();
            let (page, _) = store.search_documents(loaded.company_id, &query).await?;
            let t = started.elapsed().as_secs_f64() * 1000.0;
            if i >= WARM_UP {
                times.push(t);
                items += page.len();
            }
        }
        out.push(summarize(name, times, items, samples));
    }
    Ok(out)
}

/// Invoices created (`POST /invoices`) and issued (`POST /invoices/{id}/issue`) per
/// second by `clients` concurrent clients during `secs` seconds.
pub(super) async fn create_and_issue(
    http: &Http,
    generator: &Arc<Generator>,
    customers: &Arc<Vec<Uuid>>,
    clients: usize,
    secs: u64,
    seed: u64,
) -> Result<f64> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..clients {
        let http = http.clone();
        let generator = generator.clone();
        let customers = customers.clone();
        let seed = seed.wrapping_add(k as u64);
        tasks.spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut done = 0u64;
            while Instant::now() < deadline {
                let body = generator.invoice_body(&mut rng, &customers);
                let draft = http.post("/api/v1/invoices", &body).await?;
                let id = draft["id"].as_str().context("POST /invoices returned no id")?;
                let issued = http.post(&format!("/api/v1/invoices/{id}/issue"), &json!({})).await?;
                ensure!(issued["number"].is_string(), "an issued invoice has no number: {issued}");
                done += 1;
            }
            Ok::<u64, anyhow::Error>(done)
        });
    }
    let mut total = 0;
    while let Some(r) = tasks.join_next().await {
        total += r.context("a client task panicked")??;
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    println!(
        "  POST /invoices + /issue, {clients} client(s): {total} invoices in {:.1} s, {rate:.0} invoices/s",
        started.elapsed().as_secs_f64()
    );
    Ok(rate)
}
