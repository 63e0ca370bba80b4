//! `facturier demo`: a believable French company with customers, a catalogue and
//! documents in every state, built through the same store calls as the API.

use anyhow::{Context, Result};
use facturier_core::Decimal;
use facturier_core::company::{BankAccount, BankProfile, Seller};
use facturier_core::document::{Content, DocumentKind, Line};
use facturier_core::money::Currency;
use facturier_core::party::{Address, Contact, Customer, CustomerKind, Language, LegalIds};
use facturier_core::product::{Product, UnitCode};
use facturier_core::tax::{Vat, VatCategory};
use facturier_core::terms::PaymentTerms;
use facturier_store::Store;
use facturier_store::companies::{Logo, Role};
use facturier_store::documents::NewPayment;
use std::str::FromStr;
use time::Duration;
use uuid::Uuid;

/// The demo company's name; `demo` reuses it when it exists.
pub const COMPANY: &str = "Atelier Lumière SARL (démo)";
/// The demo admin.
pub const LOGIN: &str = "demo@atelier-lumiere.fr";
/// The demo's web password (a demo, not a secret: it is printed and documented).
pub const PASSWORD: &str = "demo-facturier";
/// A read-only user of the demo company, to see what that role may not do.
pub const READ_ONLY_LOGIN: &str = "lecture@atelier-lumiere.fr";

/// What `demo` prints.
pub struct Demo {
    pub company_id: Uuid,
    pub token: String,
    pub created: bool,
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn addr(line1: &str, pc: &str, city: &str) -> Address {
    Address {
        line1: line1.into(),
        line2: None,
        postal_code: pc.into(),
        city: city.into(),
        country: "FR".parse().unwrap_or_else(|_| unreachable!()),
    }
}

fn contact(name: &str, role: &str, email: &str, phone: &str) -> Contact {
    Contact {
        name: name.into(),
        role: Some(role.into()),
        email: email.parse().ok(),
        phone: Some(phone.into()),
        mobile: None,
    }
}

/// Creates the demo company once; afterwards returns it with a fresh token.
pub async fn ensure(store: &Store) -> Result<Demo> {
    if let Some(company_id) = store.company_by_name(COMPANY).await? {
        let (_, token) = store.create_user_token(company_id, LOGIN, Role::Admin).await?;
        web_logins(store, company_id).await?;
        return Ok(Demo { company_id, token, created: false });
    }
    let c = store.create_company(COMPANY, &"FR".parse()?, Currency::EUR, LOGIN).await?;
    let company = c.company_id;
    // The identity, bank and terms a French invoice must show.
    let mut settings = store.settings(company).await?;
    settings.identity = Some(Seller {
        name: COMPANY.into(),
        trading_name: None,
        legal_form: Some("SARL".into()),
        share_capital: Some(Decimal::from(20_000)),
        rcs_city: Some("Lyon".into()),
        siren: Some("812345676".parse()?),
        siret: Some("81234567600017".parse()?),
        vat_number: Some("FR19812345676".parse()?),
        address: Address {
            line1: "8 quai Saint-Vincent".into(),
            line2: None,
            postal_code: "69001".into(),
            city: "Lyon".into(),
            country: "FR".parse()?,
        },
        email: Some("facturation@demo.facturier.fr".into()),
        phone: Some("04 72 00 00 00".into()),
        website: None,
    });
    settings.banks = vec![BankProfile {
        account: BankAccount {
            label: "Compte courant".into(),
            iban: "FR7630006000011234567890189".parse()?,
            bic: Some("AGRIFRPP".into()),
            holder: None,
        },
        default: true,
    }];
    settings.documents.show_reference = true;
    settings.documents.default_terms = Some(
        "Les marchandises restent la propriété du vendeur jusqu'au paiement intégral du prix (loi n° 80-335 du 12 mai 1980)."
            .into(),
    );
    store.set_settings(company, &settings).await?;
    store.set_logo(company, &Logo { content_type: "image/png".into(), bytes: demo_logo()? }).await?;

    // (name, activity, siren, address, city, pc, contacts, terms)
    let customers: Vec<Customer> = vec![
        (
            "Boulangerie Martin",
            "Boulangerie",
            "732829320",
            "12 rue de la République",
            "69002",
            "Lyon",
            vec![contact("Sophie Martin", "Gérante", "sophie@boulangerie-martin.fr", "04 78 12 34 56")],
            "30_days",
        ),
        (
            "Hôtel du Parc",
            "Hôtellerie",
            "552100554",
            "3 avenue Foch",
            "75116",
            "Paris",
            vec![
                contact("Jean Dupuis", "Directeur", "direction@hotelduparc.fr", "01 45 00 11 22"),
                contact("Amélie Roux", "Comptable", "compta@hotelduparc.fr", "01 45 00 11 23"),
            ],
            "45_days_end_of_month",
        ),
        (
            "Cabinet Leroy Architectes",
            "Architecture",
            "404833048",
            "8 quai des Chartrons",
            "33000",
            "Bordeaux",
            vec![contact("Paul Leroy", "Associé", "paul@leroy-archi.fr", "05 56 44 55 66")],
            "30_days",
        ),
        (
            "Mairie de Saint-Jean",
            "Collectivité",
            "217803238",
            "Place de la Mairie",
            "31240",
            "Saint-Jean",
            vec![contact("Service technique", "Achats", "technique@saintjean.fr", "05 61 00 00 00")],
            "30_days",
        ),
        (
            "Garage Moreau & Fils",
            "Automobile",
            "351541594",
            "ZA des Landes",
            "44800",
            "Saint-Herblain",
            vec![contact("Luc Moreau", "Gérant", "luc@garage-moreau.fr", "02 40 11 22 33")],
            "end_of_month_plus_10",
        ),
        (
            "Pharmacie Centrale",
            "Santé",
            "345129886",
            "1 place Bellecour",
            "69002",
            "Lyon",
            vec![contact("Claire Petit", "Titulaire", "claire@pharmacie-centrale.fr", "04 72 00 00 01")],
            "on_receipt",
        ),
        (
            "Restaurant Le Cèdre",
            "Restauration",
            "443061841",
            "21 rue Sainte",
            "13001",
            "Marseille",
            vec![contact("Karim Haddad", "Chef", "karim@lecedre.fr", "04 91 55 66 77")],
            "30_days",
        ),
        (
            "SCI Les Tilleuls",
            "Immobilier",
            "302475041",
            "5 allée des Tilleuls",
            "67000",
            "Strasbourg",
            vec![contact("Marc Weber", "Gérant", "m.weber@sci-tilleuls.fr", "03 88 10 20 30")],
            "30_days",
        ),
    ]
    .into_iter()
    .map(|(name, activity, siren, line1, pc, city, contacts, terms)| {
        let siren = siren.parse().ok();
        let vat_number = siren.as_ref().map(facturier_core::ids::VatNumber::french_for);
        Customer {
            kind: CustomerKind::Company,
            name: name.into(),
            email: contacts.first().and_then(|c| c.email.clone()),
            activity: Some(activity.into()),
            legal: LegalIds { siren, siret: None, vat_number },
            iban: None,
            billing_address: addr(line1, pc, city),
            delivery_address: None,
            contacts,
            language: Language::Fr,
            currency: None,
            payment_terms: terms.parse().ok(),
            tags: vec![],
            notes: None,
            invoice_grouping: Default::default(),
            contract_billing: Default::default(),
            network: None,
        }
    })
    .chain(std::iter::once(Customer {
        kind: CustomerKind::Individual,
        name: "Mme Élodie Garnier".into(),
        email: "elodie.garnier@exemple.fr".parse().ok(),
        activity: None,
        legal: LegalIds::default(),
        iban: None,
        billing_address: addr("14 chemin des Vignes", "84000", "Avignon"),
        delivery_address: None,
        contacts: vec![],
        language: Language::Fr,
        currency: None,
        payment_terms: Some(PaymentTerms::OnReceipt),
        tags: vec!["particulier".into()],
        notes: Some("Préfère être contactée par e-mail.".into()),
        invoice_grouping: Default::default(),
        contract_billing: Default::default(),
        network: None,
    }))
    .chain(std::iter::once(Customer {
        kind: CustomerKind::Company,
        name: "Lichtwerk GmbH".into(),
        email: "buchhaltung@lichtwerk.de".parse().ok(),
        activity: Some("Distribution".into()),
        legal: LegalIds { siren: None, siret: None, vat_number: "DE811128135".parse().ok() },
        iban: None,
        billing_address: Address {
            line1: "Friedrichstraße 100".into(),
            line2: None,
            postal_code: "10117".into(),
            city: "Berlin".into(),
            country: "DE".parse()?,
        },
        delivery_address: None,
        contacts: vec![contact("Anna Schmidt", "Einkauf", "anna.schmidt@lichtwerk.de", "+49 30 1234567")],
        language: Language::En,
        currency: None,
        payment_terms: Some(PaymentTerms::Days(30)),
        tags: vec!["export".into()],
        notes: None,
        invoice_grouping: Default::default(),
        contract_billing: Default::default(),
        network: None,
    }))
    .collect();
    let mut customer_ids = Vec::new();
    for cu in &customers {
        customer_ids.push(store.insert_customer(company, cu).await.context("demo customer")?.id);
    }

    let vat20 = Vat::new(d("20"), None)?;
    let vat10 = Vat::new(d("10"), None)?;
    let products = [
        ("LUM-SUSP-01", "Suspension laiton Ø40", "C62", "289.00", &vat20, "142.50", Some("24")),
        ("LUM-APP-02", "Applique murale opaline", "C62", "119.00", &vat20, "51.20", Some("60")),
        ("LUM-LED-03", "Ruban LED 4000K, le mètre", "MTR", "18.50", &vat20, "6.10", Some("500")),
        ("LUM-SPOT-04", "Spot encastrable orientable", "C62", "39.90", &vat20, "14.75", Some("240")),
        ("ELEC-CAB-05", "Câble R2V 3G1,5, le mètre", "MTR", "1.385", &vat20, "0.62", Some("2000")),
        ("POSE-H", "Main-d'œuvre électricien", "HUR", "58.00", &vat10, "", None),
        ("ETUDE-ECL", "Étude d'éclairage sur plan", "LS", "450.00", &vat20, "", None),
        ("DEPL", "Forfait déplacement", "LS", "35.00", &vat20, "", None),
        ("MAINT-AN", "Contrat de maintenance annuel", "ANN", "780.00", &vat20, "", None),
    ];
    let mut product_ids = Vec::new();
    for (reference, name, unit, price, vat, cost, stock) in products {
        let p = Product {
            reference: reference.into(),
            name: name.into(),
            unit: UnitCode::from_str(unit)?,
            unit_price: d(price),
            vat: *vat,
            purchase_price: (!cost.is_empty()).then(|| d(cost)),
            stock: stock.map(d),
            nature: facturier_core::document::Nature::of_unit(&UnitCode::from_str(unit)?),
        };
        product_ids.push((store.insert_product(company, &p).await?.id, p));
    }

    let today = facturier_core::calendar::today("FR");
    let line = |i: usize, qty: &str, discount: &str| {
        let (id, p) = &product_ids[i];
        Line {
            product_id: Some(*id),
            unit: p.unit.clone(),
            discount_percent: d(discount),
            purchase_price: p.purchase_price,
            nature: Some(p.nature),
            ..Line::item(p.name.clone(), d(qty), p.unit_price, p.vat)
        }
    };
    // (customer, days ago, lines, doc discount, paid fraction: none / part / all)
    type Plan = (usize, i64, Vec<Line>, &'static str, &'static str);
    let plans: Vec<Plan> = vec![
        (1, 150, vec![line(0, "6", "0"), line(3, "24", "5"), line(5, "14", "0")], "0", "all"),
        (0, 130, vec![line(1, "2", "0"), line(5, "3.5", "0"), line(7, "1", "0")], "0", "all"),
        (2, 110, vec![line(6, "1", "0"), line(2, "35", "0"), line(4, "120", "0")], "5", "all"),
        (3, 95, vec![line(3, "40", "10"), line(5, "22", "0"), line(7, "2", "0")], "0", "part"),
        (4, 70, vec![line(8, "1", "0")], "0", "none"),
        (6, 60, vec![line(0, "3", "0"), line(1, "4", "0"), line(5, "6", "0")], "0", "part"),
        (8, 45, vec![line(1, "1", "0"), line(5, "2", "0")], "0", "all"),
        (1, 30, vec![line(2, "80", "0"), line(5, "9", "0")], "0", "none"),
        (5, 12, vec![line(3, "12", "0"), line(7, "1", "0")], "0", "none"),
        (7, 3, vec![line(6, "1", "0"), line(8, "1", "15")], "0", "none"),
    ];
    let mut issued = Vec::new();
    for (customer, days_ago, lines, discount, paid) in plans {
        let date = today - Duration::days(days_ago);
        let content = Content {
            customer_id: customer_ids[customer],
            currency: Currency::EUR,
            issue_date: Some(date),
            payment_terms: customers[customer].payment_terms.unwrap_or_default(),
            lines,
            discount_percent: d(discount),
            customer_reference: Some(format!("BC-{:04}", 1200 + days_ago)),
            ..Content::new(Uuid::nil(), Currency::EUR)
        };
        let draft = store.insert_draft(company, DocumentKind::Invoice, &content, None).await?;
        let inv = store.issue(company, DocumentKind::Invoice, draft.id, today).await?;
        let gross = inv.content.totals().gross;
        let pay_date = (date + Duration::days(20)).min(today);
        match paid {
            "all" => {
                store
                    .add_payment(
                        company,
                        DocumentKind::Invoice,
                        inv.id,
                        NewPayment {
                            amount: gross,
                            date: pay_date,
                            method: "bank_transfer",
                            reference: Some("VIR SEPA"),
                        },
                    )
                    .await?;
            }
            "part" => {
                let part = Currency::EUR.round(gross * d("0.4"));
                store
                    .add_payment(
                        company,
                        DocumentKind::Invoice,
                        inv.id,
                        NewPayment {
                            amount: part,
                            date: pay_date,
                            method: "cheque",
                            reference: Some("Chèque n° 1234567"),
                        },
                    )
                    .await?;
            }
            _ => {}
        }
        issued.push(inv);
    }

    // A credit note: the customer returned two appliques from an issued invoice.
    let credited = &issued[5];
    let mut cn = credited.content.clone();
    cn.issue_date = None;
    cn.lines = vec![line(1, "2", "0")];
    cn.note =
        Some(format!("Avoir sur la facture {} : retour de 2 appliques", credited.number.clone().unwrap_or_default()));
    let draft = store.insert_draft(company, DocumentKind::CreditNote, &cn, Some(credited.id)).await?;
    store.issue(company, DocumentKind::CreditNote, draft.id, today).await?;

    // Two drafts in progress, one of them for the export customer (intra-EU, reverse charge).
    let k = Vat::new(Decimal::ZERO, Some(VatCategory::K))?;
    let mut export_line = line(0, "10", "0");
    export_line.vat = k;
    for (customer, lines) in [(9, vec![export_line]), (2, vec![line(6, "1", "0"), line(7, "1", "0")])] {
        let content = Content {
            customer_id: customer_ids[customer],
            currency: Currency::EUR,
            issue_date: None,
            payment_terms: customers[customer].payment_terms.unwrap_or_default(),
            lines,
            discount_percent: Decimal::ZERO,
            customer_reference: None,
            ..Content::new(Uuid::nil(), Currency::EUR)
        };
        store.insert_draft(company, DocumentKind::Invoice, &content, None).await?;
    }

    // The pipeline: a quote awaiting an answer, and an accepted quote turned into an
    // order with a paid deposit and a first delivery.
    let doc = |customer: usize, title: &str, lines: Vec<Line>| Content {
        payment_terms: customers[customer].payment_terms.unwrap_or_default(),
        title: Some(title.into()),
        billing_address: Some(customers[customer].billing_address.clone()),
        valid_until: Some(today + Duration::days(30)),
        lines,
        ..Content::new(customer_ids[customer], Currency::EUR)
    };
    let waiting =
        doc(2, "Éclairage des bureaux, 2e étage", vec![line(6, "1", "0"), line(3, "18", "0"), line(5, "12", "0")]);
    let q = store.insert_draft(company, DocumentKind::Quote, &waiting, None).await?;
    store.issue(company, DocumentKind::Quote, q.id, today).await?;
    let project =
        doc(1, "Rénovation du hall d'accueil", vec![line(0, "8", "0"), line(1, "12", "0"), line(5, "20", "0")]);
    let q = store.insert_draft(company, DocumentKind::Quote, &project, None).await?;
    store.issue(company, DocumentKind::Quote, q.id, today).await?;
    store.transition(company, DocumentKind::Quote, q.id, "accepted", facturier_core::lifecycle::accept, today).await?;
    let order = store.convert(company, DocumentKind::Quote, q.id, DocumentKind::Order, None, today).await?;
    let order = store.issue(company, DocumentKind::Order, order.id, today).await?;
    let deposit = store
        .deposit_invoice(company, order.id, Some(facturier_core::progress::DepositShare::Percent(d("30"))))
        .await?;
    let deposit = store.issue(company, DocumentKind::DepositInvoice, deposit.id, today).await?;
    let paid = deposit.content.totals().gross;
    let payment = NewPayment { amount: paid, date: today, method: "bank_transfer", reference: Some("VIR ACOMPTE") };
    store.add_payment(company, DocumentKind::DepositInvoice, deposit.id, payment).await?;
    let first = [facturier_store::pipeline::Portion { line_id: order.content.lines[0].id, quantity: d("5") }];
    let note =
        store.convert(company, DocumentKind::Order, order.id, DocumentKind::DeliveryNote, Some(&first), today).await?;
    store.issue(company, DocumentKind::DeliveryNote, note.id, today).await?;
    web_logins(store, company).await?;
    Ok(Demo { company_id: company, token: c.token, created: true })
}

/// Prints where to go and how to get in.
/// Web passwords for the demo's admin and its read-only user, unless they have one:
/// a password someone changed stays, and so do their sessions.
async fn web_logins(store: &Store, company_id: Uuid) -> Result<()> {
    store.create_user_token(company_id, READ_ONLY_LOGIN, Role::ReadOnly).await?;
    for email in [LOGIN, READ_ONLY_LOGIN] {
        let has_password = store.login_user(email).await?.is_some_and(|u| u.password_hash.is_some());
        if !has_password {
            let hash = facturier_server::web::session::hash_password(PASSWORD)
                .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
            store.set_password_hash(email, &hash).await?;
        }
    }
    Ok(())
}

pub fn print(d: &Demo, listen: &str, json: bool) {
    let url = format!("http://{listen}/");
    if json {
        println!(
            "{}",
            serde_json::json!({
                "company_id": d.company_id, "url": url, "login": LOGIN, "token": d.token,
                "email": LOGIN, "password": PASSWORD, "read_only_email": READ_ONLY_LOGIN,
            })
        );
    } else {
        let what = if d.created { "created" } else { "already present" };
        println!("Demo company {what}: {COMPANY}");
        println!("  web:   {url}");
        println!("  login: {LOGIN}  password: {PASSWORD}");
        println!("  read-only login: {READ_ONLY_LOGIN}  password: {PASSWORD}");
        println!("  API:   curl -H 'Authorization: Bearer {}' {url}api/v1/invoices", d.token);
    }
}

/// The demo company's logo: a PNG mark drawn here (a square of four tiles beside a bar),
/// so that the demo's documents show a logo without shipping an image file.
fn demo_logo() -> Result<Vec<u8>> {
    const W: u32 = 176;
    const H: u32 = 48;
    const NAVY: [u8; 3] = [31, 58, 95];
    const TEAL: [u8; 3] = [38, 140, 150];
    const WHITE: [u8; 3] = [255, 255, 255];
    let mut pixels = Vec::with_capacity((W * H * 3) as usize);
    for y in 0..H {
        for x in 0..W {
            let tile = x < 48 && (x % 24 < 21) && (y % 24 < 21);
            let bar = (60..W).contains(&x) && (18..30).contains(&y);
            let c = match (tile, bar) {
                (true, _) if (x / 24 + y / 24) % 2 == 0 => NAVY,
                (true, _) => TEAL,
                (_, true) => NAVY,
                _ => WHITE,
            };
            pixels.extend_from_slice(&c);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, W, H);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(&pixels)?;
    w.finish()?;
    Ok(out)
}
