//! The Factur-X CII and UBL writers checked by independent validators: the Factur-X
//! XSDs and schematrons, the CEN EN 16931 UBL schematron, the French BR-FR rules and
//! the OASIS UBL 2.1 XSDs, all run by `scripts/validate.py` (factur-x, Saxon-HE, lxml,
//! pikepdf, qpdf) from the virtualenv `scripts/setup-validators` builds. The documents
//! are made here by hand, one per situation the writers must get right; the amounts
//! written are compared with `core`'s totals. A few deliberately broken files prove the
//! validators do reject.

use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, Line, LineKind, Status};
use facturier_core::ids::VatNumber;
use facturier_core::money::Currency;
use facturier_core::party::{Address, Language};
use facturier_core::product::UnitCode;
use facturier_core::schedule::PaymentMode;
use facturier_core::tax::{ExemptionReason, Vat, VatCategory};
use facturier_core::terms::PaymentTerms;
use facturier_core::totals::{DocumentCharge, OtherTax, OtherTaxRate};
use facturier_formats::model::{Buyer, Profile, Reference, RenderDocument, Settled};
use facturier_formats::ubl::{UblFlavor, ubl_xml, ubl_xml_for};
use facturier_formats::{FormatError, cii::factur_x_xml, sample};
use rust_decimal_macros::dec;
use std::path::PathBuf;
use std::process::Command;
use time::Date;
use time::macros::date;

// --- The validators.

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The virtualenv's interpreter. Missing validators fail the test that gets this far (the
/// others ask `services::validators_available` first).
fn python() -> PathBuf {
    let py = crate::services::validators_python();
    assert!(
        py.is_file(),
        "the XML validators are not installed ({} is missing): run scripts/setup-validators",
        py.display()
    );
    py
}

struct Outcome {
    code: i32,
    output: String,
}

/// Runs `scripts/validate.py KIND` on `bytes` written to a temporary file.
fn validate(kind: &str, name: &str, bytes: &[u8]) -> Outcome {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).expect("write the file to validate");
    if let Some(out) = std::env::var_os("FACTURIER_XML_OUT") {
        let _ = std::fs::write(PathBuf::from(out).join(name), bytes);
    }
    let run = Command::new(python())
        .arg(repo().join("scripts/validate.py"))
        .arg(kind)
        .arg(&file)
        .output()
        .expect("run scripts/validate.py");
    Outcome {
        code: run.status.code().unwrap_or(-1),
        output: format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr)),
    }
}

fn assert_valid(kind: &str, name: &str, bytes: &[u8]) {
    if !crate::services::validators_available() {
        return; // the file was made; only its check waits for the validators
    }
    let o = validate(kind, name, bytes);
    assert_eq!(o.code, 0, "{name} is not valid:\n{}\n--- the file ---\n{}", o.output, String::from_utf8_lossy(bytes));
    assert!(o.output.contains(" 0 error(s)"), "{}", o.output);
}

/// The Factur-X XML in the document's profile and both UBL flavours, all valid.
fn assert_all_valid(doc: &RenderDocument, name: &str) -> (String, String) {
    let cii = factur_x_xml(doc).expect("CII");
    assert_valid("cii", &format!("{name}.cii.xml"), &cii);
    let peppol = ubl_xml(doc).expect("UBL");
    assert_valid("ubl", &format!("{name}.peppol.xml"), &peppol);
    let fr = ubl_xml_for(doc, UblFlavor::France).expect("UBL France");
    assert_valid("ubl", &format!("{name}.ubl-fr.xml"), &fr);
    (utf8(cii), utf8(peppol))
}

fn utf8(b: Vec<u8>) -> String {
    String::from_utf8(b).expect("UTF-8 XML")
}

// --- Reading values back: the texts of every `<tag …>text</tag>`.

fn texts(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        rest = after;
        if !after.starts_with('>') && !after.starts_with(' ') {
            continue; // a longer tag name with the same prefix
        }
        let Some(gt) = after.find('>') else { break };
        let body = &after[gt + 1..];
        let end = body.find('<').unwrap_or(body.len());
        out.push(body[..end].to_string());
    }
    out
}

fn text(xml: &str, tag: &str) -> String {
    let all = texts(xml, tag);
    assert_eq!(all.len(), 1, "expected one <{tag}>, found {all:?}");
    all[0].clone()
}

/// BT-3: the first TypeCode of a CII document.
fn type_code(cii: &str) -> String {
    texts(cii, "ram:TypeCode")[0].clone()
}

fn amounts(xml: &str, tag: &str) -> Vec<Decimal> {
    texts(xml, tag).iter().map(|t| t.parse().expect("a decimal")).collect()
}

// --- The documents.

fn vat(rate: Decimal) -> Vat {
    Vat::new(rate, None).expect("a VAT rate")
}

fn zero(category: VatCategory) -> Vat {
    Vat::new(Decimal::ZERO, Some(category)).expect("a 0 % category")
}

fn item(description: &str, quantity: Decimal, price: Decimal, vat: Vat) -> Line {
    Line::item(description, quantity, price, vat)
}

fn text_line(kind: LineKind, description: &str) -> Line {
    Line { kind, ..Line::item(description, Decimal::ZERO, Decimal::ZERO, vat(dec!(20))) }
}

fn address(line1: &str, postal: &str, city: &str, country: &str) -> Address {
    Address {
        line1: line1.into(),
        line2: None,
        postal_code: postal.into(),
        city: city.into(),
        country: country.parse().expect("a country"),
    }
}

/// A document of `kind` with `content`, its totals from `core`, everything else from
/// the sample company (the seller, a French business customer, a bank account).
fn document(kind: DocumentKind, number: &str, issued: Date, content: Content, settled: Vec<Settled>) -> RenderDocument {
    let totals = content.totals();
    let paid: Decimal = settled.iter().map(|s| s.amount).sum();
    let due = totals.gross - paid;
    RenderDocument {
        kind,
        status: Status::Issued,
        number: Some(number.into()),
        issue_date: issued,
        due_date: Some(content.payment_terms.due_date(issued)),
        operation: content.operation(),
        totals,
        content,
        settled,
        due,
        preceding: Vec::new(),
        profile: Profile::En16931,
        ..sample::invoice(1)
    }
}

fn content(lines: Vec<Line>) -> Content {
    Content { lines, payment_mode: Some(PaymentMode::BankTransfer), ..Content::new(uuid::Uuid::nil(), Currency::EUR) }
}

/// A French B2B invoice with everything the writers have to map: 20 %, 10 % and 5.5 %
/// lines, a 6-decimal unit price, line discounts, a document discount, shipping, an
/// eco-participation, comment and subtotal lines, a product reference, a delivery
/// address and date.
fn b2b_invoice() -> RenderDocument {
    let product = uuid::Uuid::now_v7();
    let mut oven = item("Four à sole électrique 2 étages\nSole réfractaire, 400 V", dec!(1), dec!(4200), vat(dec!(20)));
    oven.discount_percent = dec!(5);
    oven.product_id = Some(product);
    let mut fridge = item("Vitrine réfrigérée 1,20 m", dec!(2), dec!(1249.90), vat(dec!(20)));
    fridge.other_taxes = vec![OtherTax { label: "Éco-participation".into(), rate: OtherTaxRate::PerUnit(dec!(12)) }];
    let labels = item("Étiquettes adhésives imprimées", dec!(1500), dec!(0.012345), vat(dec!(20)));
    let mut works = item("Travaux de rénovation du fournil", dec!(12), dec!(45), vat(dec!(10)));
    works.unit = "HUR".parse::<UnitCode>().expect("a unit");
    works.discount_percent = dec!(10);
    let insulation = item("Isolation thermique des combles", dec!(38.5), dec!(21.40), vat(dec!(5.5)));
    let c = Content {
        customer_reference: Some("BC-2026-118".into()),
        discount_percent: dec!(3),
        shipping: Some(DocumentCharge { label: "Frais de port".into(), amount: dec!(45), vat: vat(dec!(20)) }),
        delivery_address: Some(address("12 rue du Four", "69003", "Lyon", "FR")),
        delivery_date: Some(date!(2026 - 11 - 14)),
        note: Some("Merci de votre confiance.".into()),
        ..content(vec![
            text_line(LineKind::Comment, "Chantier du 12 au 14 novembre 2026"),
            oven,
            fridge,
            labels,
            text_line(LineKind::Subtotal, "Sous-total équipement"),
            works,
            insulation,
            text_line(LineKind::Comment, "Garantie décennale : police n° 123456"),
        ])
    };
    let mut doc = document(DocumentKind::Invoice, "F2026-00042", date!(2026 - 11 - 20), c, Vec::new());
    doc.references.insert(product, "FOUR-SOLE-02".into());
    doc
}

fn credit_note() -> RenderDocument {
    let mut fridge = item("Vitrine réfrigérée 1,20 m — retour (défaut)", dec!(1), dec!(1249.90), vat(dec!(20)));
    fridge.other_taxes = vec![OtherTax { label: "Éco-participation".into(), rate: OtherTaxRate::PerUnit(dec!(12)) }];
    let mut doc =
        document(DocumentKind::CreditNote, "AV2026-00003", date!(2026 - 11 - 25), content(vec![fridge]), vec![]);
    doc.due_date = None;
    doc.preceding = vec![Reference { number: "F2026-00042".into(), issue_date: Some(date!(2026 - 11 - 20)) }];
    doc
}

/// Goods delivered to a German business: intra-community supply, VAT exempt (K).
fn intra_eu_invoice() -> RenderDocument {
    let c = Content {
        billing_address: Some(address("Hauptstraße 5", "10115", "Berlin", "DE")),
        ..content(vec![
            item("Bread slicer BS-400", dec!(3), dec!(1890), zero(VatCategory::K)),
            item("Spare blades (set of 2)", dec!(6), dec!(74.50), zero(VatCategory::K)),
        ])
    };
    let mut doc = document(DocumentKind::Invoice, "F2026-00043", date!(2026 - 11 - 21), c, vec![]);
    doc.buyer = Buyer {
        name: "Bäckerei Schmidt GmbH".into(),
        is_business: true,
        siren: None,
        siret: None,
        vat_number: Some("DE123456789".parse::<VatNumber>().expect("a VAT number")),
        address: address("Hauptstraße 5", "10115", "Berlin", "DE"),
        email: Some("einkauf@baeckerei-schmidt.de".into()),
        language: Language::En,
    };
    doc.language = Language::En;
    doc
}

fn simple_lines() -> Vec<Line> {
    vec![
        item("Maintenance annuelle du four", dec!(1), dec!(480), vat(dec!(20))),
        item("Pièces détachées", dec!(4), dec!(18.75), vat(dec!(20))),
    ]
}

/// An invoice on which a payment was already received.
fn prepaid_invoice(paid: Decimal) -> RenderDocument {
    let settled = vec![Settled { label: "Virement du 22/11/2026".into(), amount: paid }];
    document(DocumentKind::Invoice, "F2026-00044", date!(2026 - 11 - 23), content(simple_lines()), settled)
}

/// 30 % of an order, split over its two VAT rates as `core::progress` does.
fn deposit_invoice() -> RenderDocument {
    let c = content(vec![
        item("Acompte de 30 % sur la commande C2026-00012 (TVA 20 %)", dec!(1), dec!(1260), vat(dec!(20))),
        item("Acompte de 30 % sur la commande C2026-00012 (TVA 10 %)", dec!(1), dec!(162), vat(dec!(10))),
    ]);
    document(DocumentKind::DepositInvoice, "FA2026-00007", date!(2026 - 10 - 2), c, vec![])
}

/// The order's final invoice: its lines, then the deposit deducted by negative lines
/// (as `store::pipeline` writes them).
fn final_invoice() -> RenderDocument {
    let c = content(vec![
        item("Four à sole électrique 2 étages", dec!(1), dec!(4200), vat(dec!(20))),
        item("Travaux d'installation", dec!(1), dec!(540), vat(dec!(10))),
        item(
            "Déduction de l'acompte FA2026-00007 du 2026-10-02 (Acompte de 30 % sur la commande C2026-00012 (TVA 20 %))",
            dec!(-1),
            dec!(1260),
            vat(dec!(20)),
        ),
        item(
            "Déduction de l'acompte FA2026-00007 du 2026-10-02 (Acompte de 30 % sur la commande C2026-00012 (TVA 10 %))",
            dec!(-1),
            dec!(162),
            vat(dec!(10)),
        ),
    ]);
    let mut doc = document(DocumentKind::Invoice, "F2026-00045", date!(2026 - 11 - 24), c, vec![]);
    doc.preceding = vec![Reference { number: "FA2026-00007".into(), issue_date: Some(date!(2026 - 10 - 2)) }];
    doc
}

/// An export to a US customer invoiced in dollars (G), known by its e-mail address only.
fn export_in_dollars() -> RenderDocument {
    let c = Content {
        currency: "USD".parse().expect("a currency"),
        exchange_rate: Some(dec!(0.9234)),
        payment_terms: PaymentTerms::DaysEndOfMonth(45),
        ..content(vec![item("Deck oven, 2 decks", dec!(2), dec!(5150), zero(VatCategory::G))])
    };
    let mut doc = document(DocumentKind::Invoice, "F2026-00046", date!(2026 - 11 - 24), c, vec![]);
    doc.buyer = Buyer {
        name: "Brooklyn Bread Co.".into(),
        is_business: true,
        siren: None,
        siret: None,
        vat_number: None,
        address: address("200 Kent Avenue", "11249", "Brooklyn, NY", "US"),
        email: Some("ap@brooklynbread.example".into()),
        language: Language::En,
    };
    doc.language = Language::En;
    doc
}

/// A consumer (no legal identifier), paying by card.
fn consumer_invoice() -> RenderDocument {
    let mut c = content(vec![item("Cours de pâtisserie (3 h)", dec!(3), dec!(35), vat(dec!(20)))]);
    c.lines[0].unit = "HUR".parse::<UnitCode>().expect("a unit");
    c.payment_mode = Some(PaymentMode::Card);
    let mut doc = document(DocumentKind::Invoice, "F2026-00047", date!(2026 - 11 - 24), c, vec![]);
    doc.buyer = Buyer {
        name: "Camille Durand".into(),
        is_business: false,
        siren: None,
        siret: None,
        vat_number: None,
        address: address("8 rue Mercière", "69002", "Lyon", "FR"),
        email: Some("camille.durand@example.fr".into()),
        language: Language::Fr,
    };
    doc
}

// --- Valid documents.

#[test]
fn a_french_b2b_invoice_is_valid_and_carries_core_totals() {
    let doc = b2b_invoice();
    let (cii, ubl) = assert_all_valid(&doc, "b2b-invoice");
    let t = &doc.totals;

    // Header totals: exactly core's (BT-106 to BT-115).
    assert_eq!(amounts(&cii, "ram:LineTotalAmount").last().copied(), Some(t.lines_net));
    assert_eq!(amounts(&cii, "ram:AllowanceTotalAmount"), vec![t.discount]);
    assert_eq!(amounts(&cii, "ram:ChargeTotalAmount"), vec![t.charges]);
    assert_eq!(amounts(&cii, "ram:TaxBasisTotalAmount"), vec![t.net]);
    assert_eq!(amounts(&cii, "ram:TaxTotalAmount"), vec![t.vat_total]);
    assert_eq!(amounts(&cii, "ram:GrandTotalAmount"), vec![t.gross]);
    assert_eq!(amounts(&cii, "ram:DuePayableAmount"), vec![t.gross]);
    assert!(texts(&cii, "ram:TotalPrepaidAmount").is_empty(), "nothing was paid");
    assert_eq!(amounts(&ubl, "cbc:LineExtensionAmount").first().copied(), Some(t.lines_net));
    assert_eq!(amounts(&ubl, "cbc:TaxExclusiveAmount"), vec![t.net]);
    assert_eq!(amounts(&ubl, "cbc:TaxInclusiveAmount"), vec![t.gross]);
    assert_eq!(amounts(&ubl, "cbc:PayableAmount"), vec![t.gross]);
    assert!(!t.discount.is_zero() && !t.charges.is_zero(), "the sample has a discount and shipping");

    // One CII line per item line, with core's line nets; comment and subtotal lines are not lines.
    let nets: Vec<Decimal> = t.lines.iter().map(|l| l.net).collect();
    let line_totals = amounts(&cii, "ram:LineTotalAmount");
    assert_eq!(&line_totals[..nets.len()], &nets[..]);
    assert_eq!(texts(&cii, "ram:IncludedSupplyChainTradeLineItem").len(), 5);
    assert_eq!(texts(&ubl, "cac:InvoiceLine").len(), 5);

    // VAT breakdown: 5.5 %, 10 %, 20 %, with core's bases and amounts.
    let bases: Vec<Decimal> = t.vat.iter().map(|b| b.base).collect();
    let vat_amounts: Vec<Decimal> = t.vat.iter().map(|b| b.amount).collect();
    assert_eq!(amounts(&cii, "ram:CalculatedAmount"), vat_amounts);
    assert_eq!(amounts(&ubl, "cbc:TaxableAmount"), bases);
    assert_eq!(texts(&cii, "ram:RateApplicablePercent").iter().filter(|r| *r == "5.50").count(), 3);

    // The 6-decimal unit price as stored, the eco-participation as a line charge.
    assert!(texts(&cii, "ram:ChargeAmount").contains(&"0.012345".to_string()));
    assert!(texts(&ubl, "cbc:PriceAmount").contains(&"0.012345".to_string()));
    assert!(texts(&cii, "ram:Reason").contains(&"Éco-participation".to_string()));
    assert_eq!(t.lines[1].charge, dec!(24.00));

    // Identity, frame, references, notes.
    assert_eq!(type_code(&cii), "380");
    assert!(cii.contains("<ram:ID>M1</ram:ID>"), "billing frame: goods and services");
    assert!(cii.contains(r#"<ram:ID schemeID="0002">732829320</ram:ID>"#), "seller SIREN (BT-30)");
    assert!(cii.contains(r#"<ram:GlobalID schemeID="0009">73282932000074</ram:GlobalID>"#), "seller SIRET");
    assert!(cii.contains(r#"<ram:URIID schemeID="0225">732829320</ram:URIID>"#), "seller address, French network");
    assert!(cii.contains(r#"<ram:ID schemeID="VA">FR44732829320</ram:ID>"#));
    assert!(ubl.contains(r#"<cbc:EndpointID schemeID="0002">732829320</cbc:EndpointID>"#), "Peppol seller address");
    assert_eq!(text(&cii, "ram:IssuerAssignedID"), "BC-2026-118");
    assert_eq!(text(&cii, "ram:SellerAssignedID"), "FOUR-SOLE-02");
    assert!(texts(&cii, "ram:SubjectCode").iter().any(|c| c == "PMT"));
    let header = &ubl[..ubl.find("<cac:AccountingSupplierParty>").expect("seller")];
    assert_eq!(texts(header, "cbc:Note").len(), 1, "Peppol allows one document note (R002)");
    assert!(ubl.contains("#PMT#") && ubl.contains("#PMD#") && ubl.contains("#AAB#"));
    assert!(cii.contains("<ram:Content>Chantier du 12 au 14 novembre 2026</ram:Content>"), "comment as a line note");
    assert!(cii.contains(r#"<ram:IBANID>FR7630006000011234567890189</ram:IBANID>"#));
    assert!(cii.contains("<ram:TypeCode>58</ram:TypeCode>"), "SEPA credit transfer");
}

#[test]
fn a_credit_note_refers_to_the_invoice_it_corrects() {
    let doc = credit_note();
    let (cii, ubl) = assert_all_valid(&doc, "credit-note");
    assert_eq!(type_code(&cii), "381");
    assert_eq!(texts(&cii, "ram:IssuerAssignedID"), vec!["F2026-00042"]);
    assert!(cii.contains(r#"<qdt:DateTimeString format="102">20261120</qdt:DateTimeString>"#));
    assert!(ubl.starts_with("<?xml") && ubl.contains("<CreditNote "));
    assert_eq!(text(&ubl, "cbc:CreditNoteTypeCode"), "381");
    assert_eq!(texts(&ubl, "cac:CreditNoteLine").len(), 1);
    assert_eq!(amounts(&ubl, "cbc:PayableAmount"), vec![doc.totals.gross]);
}

#[test]
fn an_intra_community_supply_is_exempt_with_its_reason() {
    let doc = intra_eu_invoice();
    let (cii, ubl) = assert_all_valid(&doc, "intra-eu");
    assert_eq!(doc.totals.vat_total, dec!(0.00));
    assert_eq!(text(&cii, "ram:ExemptionReasonCode"), "VATEX-EU-IC");
    assert!(cii.contains(r#"<ram:ID schemeID="VA">DE123456789</ram:ID>"#));
    assert!(ubl.contains(r#"<cbc:EndpointID schemeID="9930">DE123456789</cbc:EndpointID>"#));
    // K needs a delivery date and a delivery country (BR-IC-11, BR-IC-12).
    assert_eq!(text(&ubl, "cbc:ActualDeliveryDate"), "2026-11-21");
    assert!(cii.contains("<ram:ShipToTradeParty>"));
    assert!(cii.contains("<ram:ID>B1</ram:ID>"));
}

/// A training body's invoice: exempt (E) under article 261-4-4° a, not the franchise.
fn training_invoice(code: Option<&str>) -> RenderDocument {
    let mention = "Exonération de TVA, article 261-4-4° a du CGI (formation professionnelle continue)";
    let c = Content {
        vat_exemptions: vec![
            ExemptionReason::new(VatCategory::E, code.map(|c| c.parse().expect("a VATEX code")), mention)
                .expect("a mention for E"),
        ],
        ..content(vec![item("Formation « Tableur avancé », 2 jours", dec!(6), dec!(450), zero(VatCategory::E))])
    };
    document(DocumentKind::Invoice, "F2026-00046", date!(2026 - 11 - 24), c, vec![])
}

#[test]
fn a_mention_of_the_company_s_own_replaces_the_franchise_in_every_format() {
    let doc = training_invoice(Some("VATEX-FR-CGI261-4"));
    let (cii, ubl) = assert_all_valid(&doc, "training");
    let mention = "Exonération de TVA, article 261-4-4° a du CGI (formation professionnelle continue)";
    assert_eq!(text(&cii, "ram:ExemptionReason"), mention);
    assert_eq!(text(&cii, "ram:ExemptionReasonCode"), "VATEX-FR-CGI261-4");
    assert_eq!(text(&ubl, "cbc:TaxExemptionReason"), mention);
    assert_eq!(text(&ubl, "cbc:TaxExemptionReasonCode"), "VATEX-FR-CGI261-4");
    assert!(!cii.contains("293 B") && !ubl.contains("293 B"), "the franchise's article is gone");
    assert!(facturier_formats::mentions::notes(&doc).iter().any(|n| n.text == mention), "printed among the mentions");

    // A mention without a code: the text alone is the reason (BR-E-10), no franchise code.
    let doc = training_invoice(None);
    let (cii, ubl) = assert_all_valid(&doc, "training-text-only");
    assert!(texts(&cii, "ram:ExemptionReasonCode").is_empty(), "{cii}");
    assert!(texts(&ubl, "cbc:TaxExemptionReasonCode").is_empty());
    assert_eq!(text(&cii, "ram:ExemptionReason"), mention);
}

#[test]
fn a_payment_received_is_prepaid_and_the_rest_is_due() {
    let doc = prepaid_invoice(dec!(200.00));
    let (cii, ubl) = assert_all_valid(&doc, "prepaid");
    assert_eq!(amounts(&cii, "ram:TotalPrepaidAmount"), vec![dec!(200.00)]);
    assert_eq!(amounts(&cii, "ram:DuePayableAmount"), vec![doc.totals.gross - dec!(200.00)]);
    assert_eq!(amounts(&cii, "ram:DuePayableAmount"), vec![doc.due]);
    assert_eq!(amounts(&ubl, "cbc:PrepaidAmount"), vec![dec!(200.00)]);
    assert_eq!(amounts(&ubl, "cbc:PayableAmount"), vec![doc.due]);
    assert!(cii.contains("<ram:ID>B1</ram:ID>"), "partly paid is a plain invoice");

    // Paid in full before issue: frame B2, nothing due (BR-FR-CO-09).
    let gross = prepaid_invoice(Decimal::ZERO).totals.gross;
    let paid = prepaid_invoice(gross);
    let (cii, _) = assert_all_valid(&paid, "paid");
    assert!(cii.contains("<ram:ID>B2</ram:ID>"));
    assert_eq!(amounts(&cii, "ram:DuePayableAmount"), vec![dec!(0.00)]);
}

#[test]
fn a_deposit_invoice_is_a_prepayment_invoice() {
    let doc = deposit_invoice();
    let (cii, ubl) = assert_all_valid(&doc, "deposit");
    assert_eq!(type_code(&cii), "386");
    assert_eq!(text(&ubl, "cbc:InvoiceTypeCode"), "386");
    assert_eq!(amounts(&cii, "ram:GrandTotalAmount"), vec![dec!(1690.20)]);
}

#[test]
fn a_final_invoice_deducts_its_deposit_with_negative_lines() {
    let doc = final_invoice();
    let (cii, ubl) = assert_all_valid(&doc, "final");
    assert_eq!(texts(&cii, "ram:BilledQuantity")[2..], ["-1".to_string(), "-1".to_string()]);
    assert_eq!(amounts(&cii, "ram:LineTotalAmount")[2], dec!(-1260.00));
    assert_eq!(texts(&ubl, "cbc:InvoicedQuantity")[3], "-1");
    assert!(cii.contains("<ram:ID>B4</ram:ID>"), "final invoice after deposits");
    assert_eq!(texts(&cii, "ram:IssuerAssignedID"), vec!["FA2026-00007"]);
    // 4200 + 540 − 1260 − 162 = 3318.00 net; 20 % of 2940.00 and 10 % of 378.00.
    assert_eq!(amounts(&cii, "ram:GrandTotalAmount"), vec![dec!(3943.80)]);
}

#[test]
fn an_export_in_dollars_gives_the_vat_in_euros_too() {
    let doc = export_in_dollars();
    let (cii, ubl) = assert_all_valid(&doc, "export-usd");
    assert_eq!(text(&cii, "ram:InvoiceCurrencyCode"), "USD");
    assert_eq!(text(&cii, "ram:TaxCurrencyCode"), "EUR");
    assert!(cii.contains(r#"<ram:TaxTotalAmount currencyID="EUR">0.00</ram:TaxTotalAmount>"#));
    assert_eq!(text(&cii, "ram:ExemptionReasonCode"), "VATEX-EU-G");
    assert!(ubl.contains(r#"<cbc:EndpointID schemeID="EM">ap@brooklynbread.example</cbc:EndpointID>"#));
}

#[test]
fn a_consumer_invoice_is_valid_without_legal_identifiers() {
    let doc = consumer_invoice();
    let (cii, ubl) = assert_all_valid(&doc, "consumer");
    assert!(cii.contains(r#"<ram:URIID schemeID="EM">camille.durand@example.fr</ram:URIID>"#));
    assert!(cii.contains("<ram:TypeCode>48</ram:TypeCode>"), "card payment");
    assert!(texts(&cii, "ram:SubjectCode").iter().any(|c| c == "PMT"));
    assert!(ubl.contains("<cbc:PaymentMeansCode>48</cbc:PaymentMeansCode>"));
    assert!(cii.contains("<ram:ID>S1</ram:ID>"), "a service");
}

#[test]
fn basic_wl_and_minimum_profiles_are_valid() {
    let mut doc = b2b_invoice();
    doc.profile = Profile::BasicWl;
    let wl = utf8(factur_x_xml(&doc).expect("BASIC WL"));
    assert_valid("cii", "basic-wl.cii.xml", wl.as_bytes());
    assert!(wl.contains("urn:factur-x.eu:1p0:basicwl"));
    assert!(texts(&wl, "ram:IncludedSupplyChainTradeLineItem").is_empty(), "BASIC WL has no lines");
    assert_eq!(amounts(&wl, "ram:LineTotalAmount"), vec![doc.totals.lines_net]);
    assert_eq!(amounts(&wl, "ram:GrandTotalAmount"), vec![doc.totals.gross]);

    doc.profile = Profile::Minimum;
    let min = utf8(factur_x_xml(&doc).expect("MINIMUM"));
    assert_valid("cii", "minimum.cii.xml", min.as_bytes());
    assert!(min.contains("urn:factur-x.eu:1p0:minimum"));
    assert!(texts(&min, "ram:IncludedNote").is_empty(), "MINIMUM has no notes");
    assert_eq!(amounts(&min, "ram:TaxBasisTotalAmount"), vec![doc.totals.net]);
    assert_eq!(amounts(&min, "ram:DuePayableAmount"), vec![doc.totals.gross]);

    // The other kinds in BASIC WL too.
    for (name, mut d) in [("credit-note", credit_note()), ("final", final_invoice()), ("deposit", deposit_invoice())] {
        d.profile = Profile::BasicWl;
        assert_valid("cii", &format!("{name}.basic-wl.cii.xml"), &factur_x_xml(&d).expect("BASIC WL"));
    }
}

#[test]
fn the_factur_x_pdf_passes_the_container_checks() {
    let doc = b2b_invoice();
    let xml = factur_x_xml(&doc).expect("CII");
    let pdf = facturier_formats::pdf::render(&doc, Some(&xml)).expect("PDF");
    assert_valid("pdf", "b2b-invoice.pdf", &pdf);
}

#[test]
fn the_pdf_checks_reject_a_pdf_without_its_xml_or_with_another_profile() {
    if !crate::services::validators_available() {
        return;
    }
    let doc = b2b_invoice();
    let plain = facturier_formats::pdf::render(&doc, None).expect("PDF");
    let o = validate("pdf", "no-xml.pdf", &plain);
    assert_eq!(o.code, 1, "{}", o.output);
    assert!(o.output.contains("no file specification named factur-x.xml"), "{}", o.output);

    // The XMP says EN 16931, the XML is MINIMUM.
    let mut minimum = doc.clone();
    minimum.profile = Profile::Minimum;
    let xml = factur_x_xml(&minimum).expect("CII");
    let pdf = facturier_formats::pdf::render(&doc, Some(&xml)).expect("PDF");
    let o = validate("pdf", "wrong-level.pdf", &pdf);
    assert_eq!(o.code, 1, "{}", o.output);
    assert!(o.output.contains("fx:ConformanceLevel"), "{}", o.output);
}

#[test]
fn only_invoices_and_credit_notes_are_e_invoices() {
    for kind in [DocumentKind::Quote, DocumentKind::Order, DocumentKind::DeliveryNote, DocumentKind::Proforma] {
        let mut doc = b2b_invoice();
        doc.kind = kind;
        assert!(matches!(factur_x_xml(&doc), Err(FormatError::NotAnInvoice(_))), "{kind}");
        assert!(matches!(ubl_xml(&doc), Err(FormatError::NotAnInvoice(_))), "{kind}");
    }
    let mut empty = b2b_invoice();
    empty.content.lines.retain(|l| !l.is_item());
    empty.totals = empty.content.totals();
    assert!(matches!(factur_x_xml(&empty), Err(FormatError::NoLines)));
    // The header-only profiles need no line.
    empty.profile = Profile::Minimum;
    assert!(factur_x_xml(&empty).is_ok());
}

// --- The validators reject what is wrong.

/// Removes the first `<tag>…</tag>` element (with its content) after `after`.
fn remove_element(xml: &str, after: &str, tag: &str) -> String {
    let from = xml.find(after).expect("anchor");
    let start = from + xml[from..].find(&format!("<{tag}>")).expect("element");
    let close = format!("</{tag}>");
    let end = start + xml[start..].find(&close).expect("end") + close.len();
    format!("{}{}", &xml[..start], &xml[end..])
}

#[test]
fn the_validators_reject_an_invoice_without_the_seller_vat_number() {
    if !crate::services::validators_available() {
        return;
    }
    let doc = b2b_invoice();
    let cii = utf8(factur_x_xml(&doc).expect("CII"));
    let broken = remove_element(&cii, "<ram:SellerTradeParty>", "ram:SpecifiedTaxRegistration");
    assert!(!broken.contains(r#"<ram:ID schemeID="VA">FR44732829320</ram:ID>"#));
    let o = validate("cii", "no-seller-vat.cii.xml", broken.as_bytes());
    assert_eq!(o.code, 1, "{}", o.output);
    assert!(o.output.contains("BR-S-02"), "{}", o.output);

    let ubl = utf8(ubl_xml(&doc).expect("UBL"));
    let broken = remove_element(&ubl, "<cac:AccountingSupplierParty>", "cac:PartyTaxScheme");
    let o = validate("ubl", "no-seller-vat.ubl.xml", broken.as_bytes());
    assert_eq!(o.code, 1, "{}", o.output);
    assert!(o.output.contains("BR-S-02"), "{}", o.output);
}

#[test]
fn the_validators_reject_wrong_totals_a_broken_schema_and_french_rules() {
    if !crate::services::validators_available() {
        return;
    }
    let doc = b2b_invoice();
    let cii = utf8(factur_x_xml(&doc).expect("CII"));
    let gross = doc.totals.gross.to_string();
    let wrong = cii.replace(
        &format!("<ram:GrandTotalAmount>{gross}</ram:GrandTotalAmount>"),
        &format!("<ram:GrandTotalAmount>{}</ram:GrandTotalAmount>", doc.totals.gross + dec!(0.01)),
    );
    let o = validate("cii", "wrong-total.cii.xml", wrong.as_bytes());
    assert_eq!(o.code, 1, "{}", o.output);
    assert!(o.output.contains("BR-CO-15"), "{}", o.output);

    // An element the XSD does not allow where it stands.
    let misplaced =
        cii.replacen("<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>380</ram:TypeCode><ram:Foo>1</ram:Foo>", 1);
    let o = validate("cii", "xsd.cii.xml", misplaced.as_bytes());
    assert_eq!(o.code, 1, "{}", o.output);
    assert!(o.output.contains("xsd-en16931"), "{}", o.output);

    // No late-payment penalty mention: French rule BR-FR-05.
    let no_pmd = cii.replace("<ram:SubjectCode>PMD</ram:SubjectCode>", "");
    let o = validate("cii", "no-pmd.cii.xml", no_pmd.as_bytes());
    assert_eq!(o.code, 1, "{}", o.output);
    assert!(o.output.contains("BR-FR-05"), "{}", o.output);

    let o = validate("cii", "not-xml.cii.xml", b"<rsm:CrossIndustryInvoice");
    assert_eq!(o.code, 2, "{}", o.output);
}

/// An order with what makes a family's rounding hard: three VAT rates, a 6-decimal
/// price and a fractional quantity, a discount as an amount, and shipping.
fn hard_order() -> Content {
    Content {
        discount_amount: Some(dec!(123.45)),
        shipping: Some(DocumentCharge { label: "Frais de port".into(), amount: dec!(39.90), vat: vat(dec!(20)) }),
        ..content(vec![
            item("Four à sole électrique", dec!(1), dec!(4199.99), vat(dec!(20))),
            item("Étiquettes adhésives", dec!(1517), dec!(0.012345), vat(dec!(20))),
            item("Travaux d'installation", dec!(7.5), dec!(45.33), vat(dec!(10))),
            item("Isolation des combles", dec!(38.5), dec!(21.37), vat(dec!(5.5))),
        ])
    }
}

fn order_of(content: &Content) -> facturier_core::derive::Order<'_> {
    facturier_core::derive::Order { number: "C2026-00031", content, language: Language::Fr }
}

#[test]
fn every_document_of_a_family_is_valid_with_its_deductions_discounts_per_rate_and_vat_corrections() {
    use facturier_core::derive::{self, Ledger, Member, Role};
    use facturier_core::progress::DepositShare;
    let order = hard_order();
    let o = order_of(&order);
    let mut members: Vec<(uuid::Uuid, Role, Content)> = Vec::new();
    let ledger = |members: &[(uuid::Uuid, Role, Content)]| {
        let m: Vec<Member<'_>> = members
            .iter()
            .map(|(id, role, c)| Member {
                id: *id,
                role: *role,
                number: Some("FA2026-00009"),
                issue_date: Some(date!(2026 - 10 - 2)),
                content: c,
            })
            .collect();
        Ledger::of(&order, &m)
    };
    // A deposit of 33 % (split over three rates), a partial invoice, then the final one.
    let deposit = derive::deposit(o, DepositShare::Percent(dec!(33)), Decimal::ZERO).expect("a deposit");
    members.push((uuid::Uuid::now_v7(), Role::Deposit, deposit.clone()));
    let portions = std::collections::HashMap::from([
        (order.lines[1].id, dec!(1000)),
        (order.lines[2].id, dec!(2.5)),
        (order.lines[3].id, dec!(12.25)),
    ]);
    let part = derive::invoice_by_quantities(o, &ledger(&members), Some(&portions)).expect("a part");
    members.push((uuid::Uuid::now_v7(), Role::Invoice, part.clone()));
    let last = derive::invoice_by_quantities(o, &ledger(&members), None).expect("the final invoice");
    assert!(last.lines.iter().any(|l| l.kind == LineKind::Deduction), "the final invoice deducts the deposit");
    assert!(!last.allowances.is_empty(), "what is left of the discount, per rate");
    members.push((uuid::Uuid::now_v7(), Role::Invoice, last.clone()));
    derive::check_conservation(&order.totals(), &ledger(&members)).expect("the family bills the order exactly");

    let mut corrections = 0;
    for (name, kind, c) in [
        ("family-deposit", DocumentKind::DepositInvoice, deposit),
        ("family-part", DocumentKind::Invoice, part),
        ("family-final", DocumentKind::Invoice, last),
    ] {
        corrections += c.vat_adjustments.len();
        let mut doc = document(kind, "F2026-00051", date!(2026 - 11 - 24), c, vec![]);
        if name == "family-final" {
            doc.preceding = vec![Reference { number: "FA2026-00009".into(), issue_date: Some(date!(2026 - 10 - 2)) }];
        }
        let (cii, _) = assert_all_valid(&doc, name);
        assert_eq!(amounts(&cii, "ram:GrandTotalAmount"), vec![doc.totals.gross]);
    }

    // Situations at 30 %, 65 % and 100 %: the last one takes what is left.
    let mut situations: Vec<(uuid::Uuid, Role, Content)> = Vec::new();
    for pct in [dec!(30), dec!(65), dec!(100)] {
        let s = derive::situation(o, &ledger(&situations), pct).expect("a situation");
        corrections += s.vat_adjustments.len();
        let doc = document(DocumentKind::Invoice, "F2026-00052", date!(2026 - 11 - 24), s.clone(), vec![]);
        assert_all_valid(&doc, &format!("family-situation-{pct}"));
        situations.push((uuid::Uuid::now_v7(), Role::Invoice, s));
    }
    derive::check_conservation(&order.totals(), &ledger(&situations)).expect("the situations bill the order exactly");
    assert!(corrections > 0, "the validators saw at least one VAT correction");

    // A partial credit note, then what is left of the invoice.
    let (_, _, invoice) = &situations[0];
    let partial = Content { lines: vec![invoice.lines[0].clone()], ..invoice.clone() };
    let left = derive::credit_left(invoice, "F2026-00052", &[&partial], Language::Fr).expect("what is left");
    let mut doc = document(DocumentKind::CreditNote, "AV2026-00011", date!(2026 - 11 - 25), left, vec![]);
    doc.due_date = None;
    doc.preceding = vec![Reference { number: "F2026-00052".into(), issue_date: Some(date!(2026 - 11 - 24)) }];
    assert_all_valid(&doc, "family-credit-left");
}

#[test]
fn a_closing_invoice_whose_rounding_left_a_negative_cent_of_discount_is_valid() {
    use facturier_core::totals::VatAmount;
    // Quantities split over several invoices can leave the last one a discount of −0.01
    // at a rate (its lines' rounding gave a cent less than the order's): still exact.
    let c = Content {
        allowances: vec![VatAmount { vat: vat(dec!(20)), amount: dec!(-0.01) }],
        ..content(vec![
            item("Étiquettes adhésives", dec!(333), dec!(0.012345), vat(dec!(20))),
            item("Travaux d'installation", dec!(2.5), dec!(45.33), vat(dec!(10))),
        ])
    };
    let doc = document(DocumentKind::Invoice, "F2026-00053", date!(2026 - 11 - 24), c, vec![]);
    assert_eq!(doc.totals.discount, dec!(-0.01));
    assert_all_valid(&doc, "negative-cent-discount");
}

/// The text of a PDF, as pypdf (an independent reader) extracts it.
fn pdf_words(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).expect("write the PDF");
    let run = Command::new(python())
        .arg("-c")
        .arg("import sys, pypdf; print('\\f'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))")
        .arg(&file)
        .output()
        .expect("run pypdf");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8_lossy(&run.stdout).into_owned()
}

#[test]
fn the_pdf_speaks_the_readers_language_and_totals_the_vat_of_several_rates() {
    if !crate::services::validators_available() {
        return;
    }
    use facturier_core::totals::VatAmount;
    let mut doc = b2b_invoice();
    doc.seller.phone = Some("+33 4 78 00 00 00".into());
    let fr = pdf_words(&facturier_formats::pdf::render(&doc, None).expect("PDF"));
    assert!(fr.contains("Tél. +33 4 78 00 00 00"), "{fr}");
    assert!(fr.contains("Total TVA"), "three rates: the VAT total is printed\n{fr}");
    doc.language = Language::En;
    let en = pdf_words(&facturier_formats::pdf::render(&doc, None).expect("PDF"));
    assert!(en.contains("Tel. +33 4 78 00 00 00") && !en.contains("Tél."), "{en}");
    assert!(en.contains("Total VAT"), "{en}");

    // A discount a derived invoice split per rate prints as an amount, never "0 %".
    let c = Content {
        allowances: vec![VatAmount { vat: vat(dec!(20)), amount: dec!(12.50) }],
        ..content(vec![item("Pose", dec!(2), dec!(100), vat(dec!(20)))])
    };
    let split = document(DocumentKind::Invoice, "F2026-00054", date!(2026 - 11 - 24), c, vec![]);
    let text = pdf_words(&facturier_formats::pdf::render(&split, None).expect("PDF"));
    assert!(text.contains("Remise") && !text.contains("Remise 0"), "{text}");
    assert!(!text.contains("Total TVA"), "one rate: no VAT total line\n{text}");
}

#[test]
fn a_quote_carries_a_bon_pour_accord_block_and_an_invoice_does_not() {
    if !crate::services::validators_available() {
        return;
    }
    let c = content(vec![item("Pose de luminaires", dec!(2), dec!(180.50), vat(dec!(10)))]);
    let mut quote = document(DocumentKind::Quote, "D2026-00007", date!(2026 - 11 - 24), c.clone(), vec![]);
    let fr = pdf_words(&facturier_formats::pdf::render(&quote, None).expect("PDF"));
    assert!(fr.contains("Bon pour accord") && fr.contains("Signature et cachet"), "{fr}");
    assert!(fr.contains("mention manuscrite"), "{fr}");
    quote.language = Language::En;
    let en = pdf_words(&facturier_formats::pdf::render(&quote, None).expect("PDF"));
    assert!(en.contains("Signature and stamp") && !en.contains("Bon pour accord"), "{en}");
    let invoice = document(DocumentKind::Invoice, "F2026-00055", date!(2026 - 11 - 24), c, vec![]);
    let text = pdf_words(&facturier_formats::pdf::render(&invoice, None).expect("PDF"));
    assert!(!text.contains("Bon pour accord") && !text.contains("Signature et cachet"), "{text}");
}

#[test]
fn every_page_of_a_long_document_names_it() {
    if !crate::services::validators_available() {
        return;
    }
    let mut doc = sample::invoice(120);
    doc.number = Some("F2026-00099".into());
    let text = pdf_words(&facturier_formats::pdf::render(&doc, None).expect("PDF"));
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    for (i, p) in pages.iter().enumerate() {
        assert!(p.contains("F2026-00099"), "page {} does not name the invoice:\n{p}", i + 1);
    }
}

/// A micro-entrepreneur under the franchise en base: no VAT number, every line exempt
/// (E) with the art. 293 B mention. BR-E-02 wants a seller VAT identifier or tax
/// registration: its SIREN is written as BT-32.
fn franchise_invoice() -> RenderDocument {
    let mut c = content(vec![item("Séance de coaching (1 h)", dec!(4), dec!(60), zero(VatCategory::E))]);
    c.lines[0].nature = Some(facturier_core::document::Nature::Services);
    let mut doc = document(DocumentKind::Invoice, "F2026-00051", date!(2026 - 11 - 26), c, vec![]);
    doc.seller.vat_number = None;
    doc.seller.legal_form = Some("EI".into());
    doc.seller.share_capital = None;
    doc.seller.rcs_city = None;
    doc
}

#[test]
fn a_micro_entrepreneur_under_the_franchise_issues_a_valid_e_invoice() {
    let doc = franchise_invoice();
    let (cii, ubl) = assert_all_valid(&doc, "franchise");
    let siren = doc.seller.siren.as_ref().map(|s| s.as_str().to_string()).expect("the sample has a SIREN");
    assert!(cii.contains(&format!(r#"<ram:ID schemeID="FC">{siren}</ram:ID>"#)), "BT-32\n{cii}");
    assert!(!cii.contains(r#"schemeID="VA""#) || doc.buyer.vat_number.is_some());
    assert_eq!(text(&cii, "ram:ExemptionReasonCode"), "VATEX-FR-FRANCHISE");
    assert!(cii.contains("TVA non applicable, art. 293 B du CGI"));
    assert!(cii.contains("<ram:ID>S1</ram:ID>"), "services typed by hand: S1, whatever the unit");
    assert!(ubl.contains(&format!("<cbc:CompanyID>{siren}</cbc:CompanyID>")));
    // A company with a VAT number gives it (BT-31) and no BT-32.
    let mut registered = franchise_invoice();
    registered.seller.vat_number = Some("FR44732829320".parse::<VatNumber>().expect("a VAT number"));
    let cii = utf8(factur_x_xml(&registered).expect("CII"));
    assert!(!cii.contains(r#"schemeID="FC""#));
}

#[test]
fn the_payment_schedule_is_in_the_xml_as_it_is_on_the_pdf() {
    use facturier_core::schedule::{Condition, Instalment, InstalmentKind, Schedule};
    let mut doc = b2b_invoice();
    let instalment = |percent: Decimal, condition: Condition| Instalment {
        percent,
        kind: InstalmentKind::Payment,
        condition,
        mode: None,
        title: String::new(),
    };
    doc.content.schedule = Some(
        Schedule::new(vec![instalment(dec!(30), Condition::OnOrder), instalment(dec!(70), Condition::Days(30))])
            .expect("a schedule"),
    );
    let dues = doc.content.schedule.as_ref().map(|s| s.compute(doc.totals.gross, Currency::EUR, doc.issue_date));
    let dues = dues.expect("dues");
    let (cii, ubl) = assert_all_valid(&doc, "schedule");
    let terms = texts(&cii, "ram:Description").pop().expect("BT-20");
    for d in &dues {
        let amount = facturier_formats::text::money(d.amount, Currency::EUR, Language::Fr);
        let date = facturier_formats::text::date(d.date, Language::Fr);
        assert!(terms.contains(&format!("{amount} le {date}")), "{terms}");
    }
    assert!(terms.starts_with("30 jours net. Échéancier : "), "{terms}");
    assert!(ubl.contains("Échéancier :"));
    assert_eq!(dues.iter().map(|d| d.amount).sum::<Decimal>(), doc.totals.gross, "the instalments add up");
}

#[test]
fn a_dollar_invoice_prints_the_share_capital_in_euros_and_the_vat_in_euros() {
    if !crate::services::validators_available() {
        return;
    }
    let mut doc = export_in_dollars();
    doc.content.lines = vec![item("Deck oven, 2 decks", dec!(2), dec!(5150), vat(dec!(20)))];
    doc.totals = doc.content.totals();
    doc.due = doc.totals.gross;
    let words = pdf_words(&facturier_formats::pdf::render(&doc, None).expect("PDF"));
    assert!(words.contains("share capital of 20 000 €"), "{words}");
    assert!(!words.contains("20 000 $") && !words.contains("$20 000"), "{words}");
    // 2 060.00 USD of VAT at 0.9234: 1 902.20 EUR.
    assert!(words.contains("Counter-value (rate 0.9234): €11,413.22, of which VAT €1,902.20"), "{words}");
}

/// Disbursements ("débours") re-invoiced at cost: outside the scope of VAT (O) on an
/// invoice of their own. BR-O-02 wants neither party's VAT number on it.
#[test]
fn an_invoice_of_disbursements_outside_the_scope_of_vat_is_valid() {
    let c = content(vec![
        item("Frais de greffe avancés pour votre compte", dec!(1), dec!(45.59), zero(VatCategory::O)),
        item("Timbres fiscaux", dec!(2), dec!(25), zero(VatCategory::O)),
    ]);
    let doc = document(DocumentKind::Invoice, "F2026-00052", date!(2026 - 11 - 27), c, vec![]);
    assert!(doc.seller.vat_number.is_some() && doc.buyer.vat_number.is_some(), "both parties have one");
    let (cii, ubl) = assert_all_valid(&doc, "disbursements");
    assert!(!cii.contains(r#"schemeID="VA""#), "no BT-31 / BT-48\n{cii}");
    assert!(!ubl.contains("<cac:PartyTaxScheme>"), "no party VAT number\n{ubl}");
    assert_eq!(text(&cii, "ram:ExemptionReasonCode"), "VATEX-EU-O");
}
