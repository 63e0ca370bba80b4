//! `facturier bench`: loads a generated data set (customers, and issued invoices with
//! legal numbers, seals and payments) into SQLite and/or PostgreSQL through the store's
//! bulk path, then measures the real server run as a child process of this binary:
//! invoices created and issued per second over HTTP with 1 and with N clients, p50/p95
//! latency of the list and search endpoints, and the server's peak memory (VmHWM).
//!
//! It prints figures; it asserts nothing. Run it on a release build.

use anyhow::{Context, Result, anyhow, bail, ensure};
use facturier_core::Decimal;
use facturier_core::document::{Content, Line};
use facturier_core::ids::{Email, Siren, VatNumber};
use facturier_core::money::Currency;
use facturier_core::party::{Address, Contact, Country, Customer, CustomerKind, Language, LegalIds};
use facturier_core::product::UnitCode;
use facturier_core::tax::Vat;
use facturier_core::terms::PaymentTerms;
use facturier_store::Store;
use facturier_store::bulk::{BulkInvoice, BulkPayment, create_postgres_database, drop_postgres_database};
use facturier_store::companies::Role;
use facturier_store::documents::ChainReport;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

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
}

/// How long the generated history is: invoices are spread over about three years up to today.
const HISTORY_DAYS: u64 = 3 * 365;
/// Customers inserted per bulk transaction.
const CUSTOMER_BATCH: usize = 5000;
/// Unrecorded requests before each latency measurement.
const WARM_UP: usize = 20;

// ---------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------

/// Lines of the catalogue the generator invoices: description, unit, VAT (index into
/// [`VAT_RATES`]), price range in cents, and whether quantities go by halves.
const ITEMS: &[(&str, &str, usize, i64, i64, bool)] = &[
    ("Prestation de conseil", "HUR", 0, 6_000, 18_000, true),
    ("Développement logiciel", "DAY", 0, 45_000, 90_000, true),
    ("Licence logicielle annuelle", "ANN", 0, 12_000, 240_000, false),
    ("Maintenance informatique", "MON", 0, 4_900, 39_900, false),
    ("Fournitures de bureau", "C62", 0, 150, 8_900, false),
    ("Câble réseau Cat6, le mètre", "MTR", 0, 90, 450, false),
    ("Installation électrique", "HUR", 0, 4_500, 7_500, true),
    ("Formation professionnelle", "DAY", 0, 60_000, 150_000, false),
    ("Location de matériel", "DAY", 0, 2_500, 25_000, false),
    ("Forfait déplacement", "LS", 0, 2_500, 9_000, false),
    ("Travaux de rénovation", "HUR", 1, 3_500, 6_500, true),
    ("Repas d'affaires", "C62", 1, 1_800, 6_500, false),
    ("Hébergement, la nuitée", "DAY", 1, 6_500, 22_000, false),
    ("Transport de voyageurs", "C62", 1, 900, 12_000, false),
    ("Travaux d'isolation thermique", "MTK", 2, 2_000, 9_000, false),
    ("Livres et ouvrages techniques", "C62", 2, 900, 8_900, false),
    ("Produits alimentaires", "KGM", 2, 250, 3_500, false),
    ("Billetterie spectacle", "C62", 2, 1_500, 9_500, false),
    ("Abonnement presse", "MON", 3, 900, 4_500, false),
    ("Médicament remboursable", "C62", 3, 250, 9_500, false),
];
/// VAT rates of France: standard, intermediate, reduced, super-reduced.
const VAT_RATES: [&str; 4] = ["20", "10", "5.5", "2.1"];
/// How often each rate is picked, out of 100.
const VAT_WEIGHTS: [u32; 4] = [62, 20, 13, 5];

/// Trades of the generated customers, comma-separated.
const ACTIVITIES: &str = concat!(
    "Boulangerie,Plomberie,Électricité,Restauration,Hôtellerie,Architecture,Pharmacie,Garage,",
    "Menuiserie,Imprimerie,Transport,Conseil,Informatique,Librairie,Fleuriste,Coiffure,",
    "Immobilier,Expertise comptable,Maçonnerie,Paysagiste,Traiteur,Optique,Nettoyage,",
    "Communication,Photographie,Couverture,Serrurerie,Chauffage,Cave à vins,Épicerie fine",
);
/// Family names, space-separated.
const SURNAMES: &str = concat!(
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel ",
    "Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine ",
    "Rousseau Vincent Muller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier ",
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu ",
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun ",
    "Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche ",
    "Renard Schmitt Roy Leroux Colin Vidal Caron",
);
/// Given names, space-separated.
const FIRST_NAMES: &str = concat!(
    "Marie Jean Sophie Pierre Camille Nicolas Julie Thomas Claire Antoine Léa Julien Emma Hugo ",
    "Chloé Lucas Manon Louis Inès Paul",
);
const CITIES: &[(&str, &str)] = &[
    ("Paris", "75011"),
    ("Marseille", "13001"),
    ("Lyon", "69002"),
    ("Toulouse", "31000"),
    ("Nice", "06000"),
    ("Nantes", "44000"),
    ("Montpellier", "34000"),
    ("Strasbourg", "67000"),
    ("Bordeaux", "33000"),
    ("Lille", "59000"),
    ("Rennes", "35000"),
    ("Reims", "51100"),
    ("Toulon", "83000"),
    ("Saint-Étienne", "42000"),
    ("Le Havre", "76600"),
    ("Grenoble", "38000"),
    ("Dijon", "21000"),
    ("Angers", "49000"),
    ("Nîmes", "30000"),
    ("Clermont-Ferrand", "63000"),
    ("Aix-en-Provence", "13100"),
    ("Brest", "29200"),
    ("Tours", "37000"),
    ("Amiens", "80000"),
    ("Limoges", "87000"),
    ("Annecy", "74000"),
    ("Perpignan", "66000"),
    ("Metz", "57000"),
    ("Besançon", "25000"),
    ("Orléans", "45000"),
    ("Rouen", "76000"),
    ("Caen", "14000"),
    ("Nancy", "54000"),
    ("Avignon", "84000"),
    ("Poitiers", "86000"),
    ("La Rochelle", "17000"),
    ("Pau", "64000"),
    ("Bayonne", "64100"),
    ("Colmar", "68000"),
    ("Chambéry", "73000"),
];
const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "place de la Mairie",
    "boulevard Gambetta",
    "rue du Commerce",
    "allée des Tilleuls",
    "quai des Chartrons",
    "rue Nationale",
    "chemin des Vignes",
];
const TERMS: [PaymentTerms; 5] = [
    PaymentTerms::Days(30),
    PaymentTerms::Days(30),
    PaymentTerms::DaysEndOfMonth(45),
    PaymentTerms::EndOfMonthPlus(10),
    PaymentTerms::OnReceipt,
];

/// Queries the search measurements pick from: real values of generated customers.
#[derive(Default)]
struct SearchSamples {
    cities: Vec<String>,
    names: Vec<String>,
    sirens: Vec<String>,
}

/// Lower-case ASCII for an e-mail address or a domain.
fn slug(s: &str) -> String {
    facturier_core::party::fold(s)
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c)
            } else if c == ' ' || c == '-' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A SIREN with a valid Luhn key, derived from `n`.
fn siren(n: u64) -> Option<Siren> {
    let body = format!("{:08}", n % 100_000_000);
    // Of 9 digits, those at odd positions from the right (1, 3, …) are doubled; the
    // eight leading digits are positions 8 down to 1.
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0');
            if k % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    let key = (10 - sum % 10) % 10;
    Siren::from_str(&format!("{body}{key}")).ok()
}

/// The fixed parts of the generator, parsed once.
struct Generator {
    country: Country,
    units: Vec<UnitCode>,
    vats: Vec<Vat>,
    /// Item indexes per VAT rate.
    by_vat: Vec<Vec<usize>>,
    activities: Vec<&'static str>,
    surnames: Vec<&'static str>,
    first_names: Vec<&'static str>,
    today: Date,
    first_day: Date,
}

/// A generated line, before it becomes a core line or a JSON body.
struct GenLine {
    item: usize,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
}

impl Generator {
    fn new(today: Date) -> Result<Generator> {
        let units = ITEMS
            .iter()
            .map(|(_, u, ..)| UnitCode::from_str(u).map_err(|e| anyhow!("{e}")))
            .collect::<Result<Vec<_>>>()?;
        let vats = VAT_RATES
            .iter()
            .map(|r| {
                let rate = Decimal::from_str(r).context("VAT rate")?;
                Vat::new(rate, None).map_err(|e| anyhow!("{e}"))
            })
            .collect::<Result<Vec<_>>>()?;
        let by_vat = (0..VAT_RATES.len())
            .map(|v| ITEMS.iter().enumerate().filter(|(_, it)| it.2 == v).map(|(i, _)| i).collect())
            .collect();
        let span = i64::try_from(HISTORY_DAYS).context("history length")?;
        Ok(Generator {
            country: "FR".parse().context("country")?,
            units,
            vats,
            by_vat,
            activities: ACTIVITIES.split(',').collect(),
            surnames: SURNAMES.split(' ').collect(),
            first_names: FIRST_NAMES.split(' ').collect(),
            today,
            first_day: today - time::Duration::days(span),
        })
    }

    /// Customer number `i`; every 200th one also gives search samples.
    fn customer(&self, rng: &mut StdRng, i: u64, samples: &mut SearchSamples) -> Customer {
        let surname = *pick(rng, &self.surnames);
        let first = *pick(rng, &self.first_names);
        let activity = *pick(rng, &self.activities);
        let (city, postal_code) = *pick(rng, CITIES);
        let individual = rng.random_range(0..10) == 0;
        let (kind, name, legal) = if individual {
            let title = if rng.random_bool(0.5) { "Mme" } else { "M." };
            (CustomerKind::Individual, format!("{title} {first} {surname}"), LegalIds::default())
        } else {
            let name = match rng.random_range(0..4) {
                0 => format!("{activity} {surname}"),
                1 => format!("{surname} & Fils"),
                2 => format!("{activity} {surname} SARL"),
                _ => format!("{} {surname} Associés", pick(rng, &self.surnames)),
            };
            let siren = siren(10_000_000 + i * 7919);
            let vat_number = siren.as_ref().map(VatNumber::french_for);
            (CustomerKind::Company, name, LegalIds { siren, siret: None, vat_number })
        };
        let domain = format!("{}-{i}.fr", slug(surname));
        if i.is_multiple_of(200) {
            samples.cities.push(city.to_string());
            samples.names.push(format!("{activity} {surname}"));
            if let Some(s) = &legal.siren {
                samples.sirens.push(s.as_str().to_string());
            }
        }
        let contacts = (0..rng.random_range(1..=2))
            .map(|_| {
                let cf = *pick(rng, &self.first_names);
                let cs = *pick(rng, &self.surnames);
                Contact {
                    name: format!("{cf} {cs}"),
                    role: Some(pick(rng, &["Gérant", "Comptable", "Achats", "Direction"]).to_string()),
                    email: Email::from_str(&format!("{}.{}@{domain}", slug(cf), slug(cs))).ok(),
                    phone: Some(format!(
                        "0{} {:02} {:02} {:02} {:02}",
                        rng.random_range(1..=5),
                        rng.random_range(0..100),
                        rng.random_range(0..100),
                        rng.random_range(0..100),
                        rng.random_range(0..100)
                    )),
                    mobile: None,
                }
            })
            .collect();
        Customer {
            kind,
            name,
            email: Email::from_str(&format!("contact@{domain}")).ok(),
            activity: (!individual).then(|| activity.to_string()),
            legal,
            iban: None,
            billing_address: Address {
                line1: format!("{} {}", rng.random_range(1..120), pick(rng, STREETS)),
                line2: None,
                postal_code: postal_code.to_string(),
                city: city.to_string(),
                country: self.country.clone(),
            },
            delivery_address: None,
            contacts,
            language: Language::Fr,
            currency: None,
            payment_terms: Some(*pick(rng, &TERMS)),
            tags: if rng.random_range(0..5) == 0 { vec!["fidèle".into()] } else { vec![] },
            notes: None,
            invoice_grouping: Default::default(),
            network: None,
        }
    }

    /// 5 to 30 lines at mixed VAT rates.
    fn lines(&self, rng: &mut StdRng) -> Vec<GenLine> {
        (0..rng.random_range(5..=30))
            .map(|_| {
                let mut roll = rng.random_range(0..100u32);
                let mut vat = 0;
                while vat + 1 < VAT_WEIGHTS.len() && roll >= VAT_WEIGHTS[vat] {
                    roll -= VAT_WEIGHTS[vat];
                    vat += 1;
                }
                let item = *pick(rng, &self.by_vat[vat]);
                let (_, _, _, lo, hi, halves) = ITEMS[item];
                let quantity = if halves {
                    Decimal::new(rng.random_range(1..=16) * 5, 1).normalize()
                } else if hi > 20_000 {
                    Decimal::from(rng.random_range(1..=3))
                } else {
                    Decimal::from(rng.random_range(1..=12))
                };
                let discount_percent = match rng.random_range(0..10) {
                    0 => Decimal::from(5),
                    1 => Decimal::from(10),
                    _ => Decimal::ZERO,
                };
                GenLine { item, quantity, unit_price: Decimal::new(rng.random_range(lo..=hi), 2), discount_percent }
            })
            .collect()
    }

    /// Invoice `k` of `total`: dates never go backwards with `k` and cover the history;
    /// old invoices are mostly paid, recent ones mostly open.
    fn invoice(&self, rng: &mut StdRng, k: u64, total: u64, customers: &[Uuid]) -> BulkInvoice {
        let offset = k.saturating_mul(HISTORY_DAYS) / total.max(1);
        let date = self.first_day + time::Duration::days(i64::try_from(offset).unwrap_or(0));
        let lines = self
            .lines(rng)
            .into_iter()
            .map(|l| Line {
                unit: self.units[l.item].clone(),
                discount_percent: l.discount_percent,
                ..Line::item(ITEMS[l.item].0, l.quantity, l.unit_price, self.vats[ITEMS[l.item].2])
            })
            .collect();
        let content = Content {
            issue_date: Some(date),
            payment_terms: *pick(rng, &TERMS),
            lines,
            discount_percent: if rng.random_range(0..20) == 0 { Decimal::from(3) } else { Decimal::ZERO },
            customer_reference: rng.random_bool(0.3).then(|| format!("BC-{}", rng.random_range(1000..99999))),
            ..Content::new(*pick(rng, customers), Currency::EUR)
        };
        let age = (self.today - date).whole_days();
        let (p_paid, p_part) = match age {
            a if a > 120 => (0.88, 0.04),
            a if a > 30 => (0.60, 0.10),
            _ => (0.20, 0.05),
        };
        let gross = content.totals().gross;
        let roll: f64 = rng.random();
        let amount = if gross <= Decimal::ZERO || roll >= p_paid + p_part {
            None
        } else if roll < p_paid {
            Some(gross)
        } else {
            let part = Currency::EUR.round(gross * Decimal::new(rng.random_range(10..=90), 2));
            (part > Decimal::ZERO && part < gross).then_some(part)
        };
        let payment = amount.map(|amount| {
            let delay = rng.random_range(0..=age.clamp(0, 60));
            let (method, reference) = if rng.random_bool(0.8) {
                ("bank_transfer", Some("VIR SEPA".to_string()))
            } else {
                ("cheque", Some(format!("Chèque n° {}", rng.random_range(1_000_000..9_999_999))))
            };
            BulkPayment { amount, date: date + time::Duration::days(delay), method: method.into(), reference }
        });
        BulkInvoice { content, payment }
    }

    /// The body of `POST /api/v1/invoices` for a new draft of today.
    fn invoice_body(&self, rng: &mut StdRng, customers: &[Uuid]) -> Value {
        let lines: Vec<Value> = self
            .lines(rng)
            .into_iter()
            .map(|l| {
                json!({
                    "description": ITEMS[l.item].0,
                    "quantity": l.quantity.to_string(),
                    "unit": ITEMS[l.item].1,
                    "unit_price": l.unit_price.to_string(),
                    "vat_rate": VAT_RATES[ITEMS[l.item].2],
                    "discount_percent": l.discount_percent.to_string(),
                })
            })
            .collect();
        json!({
            "customer_id": pick(rng, customers),
            "payment_terms": pick(rng, &TERMS).to_string(),
            "customer_reference": format!("BC-{}", rng.random_range(1000..99999)),
            "lines": lines,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

fn bar(len: u64, what: &str) -> Result<ProgressBar> {
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
struct LoadRates {
    customers_per_sec: f64,
    invoices_per_sec: f64,
    load_secs: f64,
}

/// The generated company, and the e-mail of its admin user.
const COMPANY_NAME: &str = "Bench Industries SAS";
const ADMIN_EMAIL: &str = "bench@facturier.test";

/// What loading one data set gave.
struct Loaded {
    company_id: Uuid,
    token: String,
    customer_ids: Vec<Uuid>,
    samples: SearchSamples,
    /// `None` for a reused data set.
    rates: Option<LoadRates>,
    verify_per_sec: Option<f64>,
    db_bytes: Option<i64>,
}

async fn load(
    store: &Store,
    generator: &Arc<Generator>,
    args: &BenchArgs,
    customers: u64,
    invoices: u64,
) -> Result<Loaded> {
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
struct FilesFigures {
    invoices: usize,
    per_sec: f64,
    bytes_per_invoice: f64,
}

/// Renders and stores the files of `n` generated invoices (the newest), one after the
/// other, through the same function the issue handler calls.
async fn files_bench(store: &Store, company_id: Uuid, n: u32) -> Result<FilesFigures> {
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
async fn reopen(store: &Store, generator: &Generator, args: &BenchArgs) -> Result<Loaded> {
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

// ---------------------------------------------------------------------------------------
// The server and HTTP measurements
// ---------------------------------------------------------------------------------------

/// The server as a child process of this binary.
struct Server {
    child: tokio::process::Child,
    pid: u32,
    base: String,
    log: PathBuf,
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(l.local_addr()?.port())
}

impl Server {
    async fn start(url: &str, log: &Path, client: &reqwest::Client) -> Result<Server> {
        let exe = std::env::current_exe().context("cannot find this binary")?;
        let addr = format!("127.0.0.1:{}", free_port()?);
        let log_file = std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let child = tokio::process::Command::new(exe)
            .args(["serve", "--listen", &addr, "--database-url", url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the server")?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Server { child, pid, base: format!("http://{addr}"), log: log.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited ({status}); see {}", server.log.display());
            }
            if Instant::now() > deadline {
                bail!("the server did not answer within 2 minutes; see {}", server.log.display());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Peak and current resident memory in KiB, from /proc.
    fn memory(&self) -> Result<(u64, u64)> {
        memory_of(&self.pid.to_string())
    }

    async fn stop(mut self) -> Result<()> {
        self.child.kill().await.context("cannot stop the server")
    }
}

/// What every HTTP measurement needs.
#[derive(Clone)]
struct Http {
    client: reqwest::Client,
    base: String,
    token: Arc<str>,
}

impl Http {
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&*self.token)
            .query(query)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let bytes = r.bytes().await.with_context(|| format!("GET {path}"))?;
        if !status.is_success() {
            bail!("GET {path} {query:?}: {status} {}", String::from_utf8_lossy(&bytes));
        }
        serde_json::from_slice(&bytes).with_context(|| format!("GET {path}: not JSON"))
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&*self.token)
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = r.status();
        let bytes = r.bytes().await.with_context(|| format!("POST {path}"))?;
        if !status.is_success() {
            bail!("POST {path}: {status} {}", String::from_utf8_lossy(&bytes));
        }
        serde_json::from_slice(&bytes).with_context(|| format!("POST {path}: not JSON"))
    }
}

/// p50 and p95 of one endpoint, in milliseconds, and the mean number of items returned.
#[derive(Clone, Debug)]
struct Latency {
    name: &'static str,
    p50: f64,
    p95: f64,
    items: f64,
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

type QueryMaker<'a> = Box<dyn FnMut(&mut StdRng) -> Vec<(&'static str, String)> + 'a>;

async fn measure(
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

async fn latencies(
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
async fn document_search(store: &Store, loaded: &Loaded, samples: usize, seed: u64) -> Result<Vec<Latency>> {
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
async fn create_and_issue(
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

fn human(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// The final table, in Markdown.
fn table(figs: &[Figures], clients: usize) -> String {
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

fn machine() -> String {
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
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Derivations
// ---------------------------------------------------------------------------------------

/// Figures of the derivations benchmark.
struct DeriveFigures {
    families: usize,
    documents: usize,
    per_second: f64,
    micros_per_document: f64,
}

impl DeriveFigures {
    fn table(&self) -> String {
        let mut out = String::from("| derivations: an order's family by `core::derive` | |\n|---|---:|\n");
        let _ = writeln!(
            out,
            "| families (deposit, two parts, the closing invoice): documents derived | {} ({}) |",
            self.families, self.documents
        );
        let _ = writeln!(out, "| families/s, one core | {:.0} |", self.per_second);
        let _ = writeln!(out, "| µs per derived document (ledger read included) | {:.1} |", self.micros_per_document);
        out
    }
}

/// Takes `n` orders through a family: a 30 % deposit, two partial invoices of a third of
/// each line, the closing invoice; checks every family bills its order exactly.
fn derive_bench(n: usize, seed: u64) -> Result<DeriveFigures> {
    use facturier_core::derive::{self, Ledger, Member, Order, Role};
    use facturier_core::progress::DepositShare;
    use facturier_formats::sample;
    println!("\n== derivations: {n} orders, each through a deposit, two parts and the closing invoice");
    let mut rng = StdRng::seed_from_u64(seed);
    let orders: Vec<_> = (0..n).map(|_| sample::invoice(rng.random_range(5..=30)).content).collect();
    let third = Decimal::ONE / Decimal::from(3);
    let bar = bar(n as u64, "families")?;
    let started = Instant::now();
    let mut documents = 0;
    for order in &orders {
        let o = Order { number: "C2026-00001", content: order, language: Language::Fr };
        let mut family: Vec<(Role, Content)> = Vec::new();
        let ledger = |family: &[(Role, Content)]| {
            let members: Vec<Member<'_>> = family
                .iter()
                .map(|(role, c)| Member { id: Uuid::nil(), role: *role, number: None, issue_date: None, content: c })
                .collect();
            Ledger::of(order, &members)
        };
        family.push((Role::Deposit, derive::deposit(o, DepositShare::Percent(Decimal::from(30)), Decimal::ZERO)?));
        for _ in 0..2 {
            let portions = order.items().map(|l| (l.id, (l.quantity * third).round_dp(3))).collect();
            family.push((Role::Invoice, derive::invoice_by_quantities(o, &ledger(&family), Some(&portions))?));
        }
        family.push((Role::Invoice, derive::invoice_by_quantities(o, &ledger(&family), None)?));
        derive::check_billing(order, &ledger(&family))?;
        documents += family.len();
        bar.inc(1);
    }
    let elapsed = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let per_second = n as f64 / elapsed;
    let micros_per_document = elapsed * 1e6 / documents as f64;
    println!(
        "  {per_second:.0} families/s, {micros_per_document:.1} µs per derived document; every family bills its order exactly"
    );
    Ok(DeriveFigures { families: n, documents, per_second, micros_per_document })
}

// ---------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------

/// Figures of the render benchmark.
struct RenderFigures {
    documents: usize,
    lines: usize,
    bytes: usize,
    one_core: f64,
    all_cores: f64,
    threads: usize,
    peak_kib: u64,
}

impl RenderFigures {
    fn table(&self) -> String {
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
fn memory_of(pid: &str) -> Result<(u64, u64)> {
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
fn render_bench(n: usize, seed: u64) -> Result<RenderFigures> {
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
