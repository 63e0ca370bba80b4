//! Believable documents for tests and benchmarks: a French B2B invoice with mixed VAT
//! rates, discounts, an eco-participation, shipping, comment and subtotal lines.

use crate::model::{Appearance, BankAccount, Buyer, LegalTerms, Profile, RenderDocument, Seller};
use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, Line, LineKind, Status};
use facturier_core::party::{Address, Language};
use facturier_core::tax::{Vat, VatCategory};
use facturier_core::totals::{DocumentCharge, OtherTax, OtherTaxRate};
use std::str::FromStr;
use time::macros::date;

// Samples are constants written here: a parse failure is a bug in this file.
fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("a sample decimal")
}

fn vat(rate: &str) -> Vat {
    Vat::new(dec(rate), None).expect("a sample VAT rate")
}

/// A VAT category with no rate (exempt, reverse charge, intra-EU…).
pub fn zero_vat(category: VatCategory) -> Vat {
    Vat::new(Decimal::ZERO, Some(category)).expect("a zero-rated category")
}

fn address(line1: &str, postal: &str, city: &str, country: &str) -> Address {
    Address {
        line1: line1.into(),
        line2: None,
        postal_code: postal.into(),
        city: city.into(),
        country: country.parse().expect("a sample country"),
    }
}

/// The seller of every sample: a small Lyon company with its full legal identity.
pub fn seller() -> Seller {
    Seller {
        name: "Atelier Lumière SAS".into(),
        trading_name: None,
        legal_form: Some("SAS".into()),
        share_capital: Some(dec("20000")),
        rcs_city: Some("Lyon".into()),
        siren: "732829320".parse().ok(),
        siret: "73282932000074".parse().ok(),
        vat_number: "FR44732829320".parse().ok(),
        address: address("14 rue de la Charité", "69002", "Lyon", "FR"),
        email: Some("facturation@atelier-lumiere.fr".into()),
        phone: Some("04 78 00 00 00".into()),
        website: Some("atelier-lumiere.fr".into()),
    }
}

/// A French business customer.
pub fn buyer() -> Buyer {
    Buyer {
        name: "Boulangerie Martin SARL".into(),
        is_business: true,
        siren: "542065479".parse().ok(),
        siret: None,
        vat_number: "FR82542065479".parse().ok(),
        address: address("3 place Bellecour", "69002", "Lyon", "FR"),
        email: Some("compta@boulangerie-martin.fr".into()),
        language: Language::Fr,
    }
}

/// `n` item lines at mixed rates, with a comment and a subtotal line.
pub fn lines(n: usize) -> Vec<Line> {
    let rates = ["20", "10", "5.5", "20", "20"];
    let mut out = vec![Line {
        kind: LineKind::Comment,
        ..Line::item("Chantier du 12 au 14 novembre", Decimal::ZERO, Decimal::ZERO, vat("20"))
    }];
    for i in 0..n {
        let mut l = Line::item(
            format!("Luminaire LED suspendu modèle {} — finition laiton brossé", i + 1),
            dec(&format!("{}", 1 + i % 4)),
            dec(&format!("{}.{:02}", 40 + i * 7, (i * 13) % 100)),
            vat(rates[i % rates.len()]),
        );
        if i % 3 == 1 {
            l.discount_percent = dec("10");
        }
        if i == 0 {
            l.other_taxes =
                vec![OtherTax { label: "Éco-participation".into(), rate: OtherTaxRate::PerUnit(dec("0.50")) }];
            l.unit_price = dec("12.345678");
        }
        if i % 5 == 4 {
            l.unit = "HUR".parse().expect("a sample unit");
            l.description = "Pose et raccordement".into();
        }
        out.push(l);
    }
    out.push(Line {
        kind: LineKind::Subtotal,
        ..Line::item("Sous-total fournitures et pose", Decimal::ZERO, Decimal::ZERO, vat("20"))
    });
    out
}

/// An issued invoice of `n` item lines.
pub fn invoice(n: usize) -> RenderDocument {
    let customer_id = uuid::Uuid::nil();
    let content = Content {
        lines: lines(n),
        customer_reference: Some("BC-2026-118".into()),
        title: Some("Rénovation de l'éclairage du magasin".into()),
        discount_percent: dec("5"),
        shipping: Some(DocumentCharge { label: "Frais de port".into(), amount: dec("25"), vat: vat("20") }),
        salesperson: Some("Claire Dubois".into()),
        terms: Some(
            "Les marchandises restent la propriété du vendeur jusqu'au paiement intégral du prix (loi du 12 mai 1980)."
                .into(),
        ),
        ..Content::new(customer_id, facturier_core::money::Currency::EUR)
    };
    let totals = content.totals();
    let due = totals.gross;
    RenderDocument {
        kind: DocumentKind::Invoice,
        status: Status::Issued,
        number: Some("F2026-00042".into()),
        issue_date: date!(2026 - 11 - 20),
        due_date: Some(date!(2026 - 12 - 20)),
        totals,
        content,
        seller: seller(),
        buyer: buyer(),
        language: Language::Fr,
        bank: Some(BankAccount {
            label: "Compte principal".into(),
            iban: "FR7630006000011234567890189".parse().expect("a sample IBAN"),
            bic: Some("AGRIFRPP".into()),
            holder: None,
        }),
        legal: LegalTerms::default(),
        operation: facturier_core::document::Operation::Mixed,
        settled: Vec::new(),
        due,
        preceding: Vec::new(),
        profile: Profile::En16931,
        appearance: Appearance::default(),
        references: Default::default(),
        payment_url: None,
    }
}
