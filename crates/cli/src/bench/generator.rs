//! The bench's data generator: believable French customers, catalogue lines, VAT rates and
//! payment terms drawn from a seeded RNG, so that the same seed gives the same data set.

use anyhow::{Context, Result, anyhow};
use facturier_core::Decimal;
use facturier_core::document::{Content, Line};
use facturier_core::ids::{Email, Siren, VatNumber};
use facturier_core::money::Currency;
use facturier_core::party::{Address, Contact, Country, Customer, CustomerKind, Language, LegalIds};
use facturier_core::product::UnitCode;
use facturier_core::tax::Vat;
use facturier_core::terms::PaymentTerms;
use facturier_store::bulk::{BulkInvoice, BulkPayment};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use std::str::FromStr;
use time::Date;
use uuid::Uuid;

use super::HISTORY_DAYS;

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
pub(super) struct SearchSamples {
    pub(super) cities: Vec<String>,
    pub(super) names: Vec<String>,
    pub(super) sirens: Vec<String>,
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

pub(super) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A SIREN with a valid Luhn key, derived from `n`.
pub(super) fn siren(n: u64) -> Option<Siren> {
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
pub(super) struct Generator {
    pub(super) country: Country,
    units: Vec<UnitCode>,
    vats: Vec<Vat>,
    /// Item indexes per VAT rate.
    by_vat: Vec<Vec<usize>>,
    activities: Vec<&'static str>,
    pub(super) surnames: Vec<&'static str>,
    first_names: Vec<&'static str>,
    pub(super) today: Date,
    pub(super) first_day: Date,
}

/// A generated line, before it becomes a core line or a JSON body.
pub(super) struct GenLine {
    item: usize,
    pub(super) quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
}

impl Generator {
    pub(super) fn new(today: Date) -> Result<Generator> {
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
    pub(super) fn customer(&self, rng: &mut StdRng, i: u64, samples: &mut SearchSamples) -> Customer {
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
            contract_billing: Default::default(),
            network: None,
        }
    }

    /// 5 to 30 lines at mixed VAT rates.
    pub(super) fn lines(&self, rng: &mut StdRng) -> Vec<GenLine> {
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
    pub(super) fn invoice(&self, rng: &mut StdRng, k: u64, total: u64, customers: &[Uuid]) -> BulkInvoice {
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
    pub(super) fn invoice_body(&self, rng: &mut StdRng, customers: &[Uuid]) -> Value {
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
