//! What would make an invoice, a deposit invoice or a credit note fail the e-invoicing
//! rules (EN 16931, the French BR-FR rules of the 2026 reform) or French invoicing law,
//! decided before a number is drawn. [`check`] reads exactly what issuing will seal: the
//! content with its lines, VAT and schedule, the seller and buyer of the day, and the
//! printed settings (legal terms, VAT regime, Factur-X profile). Each [`Problem`] names
//! the rule, the field to complete (a settings path, a customer field or a document
//! field) and says how to fix it, in French or English.
//!
//! The rule IDs are those of the schematrons the validators run (`scripts/validate.py`):
//! Factur-X EN 16931 and `BR-FR-Flux2-Schematron-CII`. Quotes, orders, delivery notes and
//! pro-formas are not e-invoices: nothing here applies to them.

use crate::company::{Buyer, Printed, Profile, Seller, VatRegime};
use crate::document::{Content, DocumentKind, Line};
use crate::party::{Country, Language};
use crate::tax::VatCategory;
use crate::terms::PaymentTerms;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;
use time::Date;

/// Why a document cannot be issued as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    SellerNameMissing,
    SellerAddressMissing,
    SellerSirenMissing,
    SellerVatNumberMissing,
    SellerLegalFormMissing,
    SellerShareCapitalMissing,
    SellerRcsMissing,
    BuyerNameMissing,
    BuyerAddressMissing,
    BuyerSirenMissing,
    BuyerElectronicAddressMissing,
    ReverseChargeBuyer,
    IntraEuBuyer,
    ExportBuyer,
    NotSubjectMixed,
    ExemptionReasonMissing,
    FranchiseChargesVat,
    FranchiseVatOnDebits,
    VatRateNotFrench,
    QuantityDecimals,
    PriceDecimals,
    AmountDecimals,
    CurrencyDecimals,
    ExchangeRateMissing,
    ProfileMinimum,
    LatePenaltyZero,
    PaymentTermsTooLong,
    CreditNoteWithoutInvoice,
    NumberFormat,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::SellerNameMissing => "seller_name_missing",
            Code::SellerAddressMissing => "seller_address_missing",
            Code::SellerSirenMissing => "seller_siren_missing",
            Code::SellerVatNumberMissing => "seller_vat_number_missing",
            Code::SellerLegalFormMissing => "seller_legal_form_missing",
            Code::SellerShareCapitalMissing => "seller_share_capital_missing",
            Code::SellerRcsMissing => "seller_rcs_missing",
            Code::BuyerNameMissing => "buyer_name_missing",
            Code::BuyerAddressMissing => "buyer_address_missing",
            Code::BuyerSirenMissing => "buyer_siren_missing",
            Code::BuyerElectronicAddressMissing => "buyer_electronic_address_missing",
            Code::ReverseChargeBuyer => "reverse_charge_buyer",
            Code::IntraEuBuyer => "intra_eu_buyer",
            Code::ExportBuyer => "export_buyer",
            Code::NotSubjectMixed => "not_subject_mixed",
            Code::ExemptionReasonMissing => "exemption_reason_missing",
            Code::FranchiseChargesVat => "franchise_charges_vat",
            Code::FranchiseVatOnDebits => "franchise_vat_on_debits",
            Code::VatRateNotFrench => "vat_rate_not_french",
            Code::QuantityDecimals => "quantity_decimals",
            Code::PriceDecimals => "price_decimals",
            Code::AmountDecimals => "amount_decimals",
            Code::CurrencyDecimals => "currency_decimals",
            Code::ExchangeRateMissing => "exchange_rate_missing",
            Code::ProfileMinimum => "profile_minimum",
            Code::LatePenaltyZero => "late_penalty_zero",
            Code::PaymentTermsTooLong => "payment_terms_too_long",
            Code::CreditNoteWithoutInvoice => "credit_note_without_invoice",
            Code::NumberFormat => "number_format",
        }
    }
}

/// Where a problem is fixed: the page of the web app that holds its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// Settings → Identity (the seller, the VAT regime).
    Identity,
    /// Settings → Payment terms (legal terms, profile, exemption mentions).
    Terms,
    /// Settings → Numbering.
    Numbering,
    /// The customer's record.
    Customer,
    /// The document itself (a line, its terms, its currency).
    Document,
}

/// One reason a document cannot be issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: Code,
    /// The rule it would break: an EN 16931 / BR-FR rule ID or an article of French law.
    pub rule: &'static str,
    /// What to complete or change: `settings.identity.siren`, `customer.legal.vat_number`,
    /// `lines[2].quantity`…
    pub field: String,
    pub place: Place,
    /// The line concerned (its index in `lines`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The value at fault, written as the API writes it (a rate, a quantity, a category).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Problem {
    fn new(code: Code, rule: &'static str, field: impl Into<String>, place: Place) -> Problem {
        Problem { code, rule, field: field.into(), place, line: None, value: None }
    }

    fn at_line(mut self, i: usize) -> Problem {
        self.line = Some(i);
        self
    }

    fn value(mut self, v: impl ToString) -> Problem {
        self.value = Some(v.to_string());
        self
    }

    /// What is wrong and how to fix it, in `lang`.
    pub fn message(&self, lang: Language) -> String {
        let fr = lang == Language::Fr;
        let n = self.line.map(|i| i + 1).unwrap_or(0);
        let v = self.value.as_deref().unwrap_or("");
        // The values are numbers: a French reader writes their decimal mark as a comma.
        let v_fr = v.replace('.', ",");
        // A date (ISO in `value`) as a French reader writes it: 15/03/2027.
        let date_fr = match v.split('-').collect::<Vec<_>>()[..] {
            [y, m, d] if y.len() == 4 => format!("{d}/{m}/{y}"),
            _ => v.to_string(),
        };
        let (f, e): (String, String) = match self.code {
            Code::SellerNameMissing => (
                "La raison sociale de l'entreprise manque : complétez-la dans Paramètres → Identité.".into(),
                "The company's legal name is missing: complete it in Settings → Identity.".into(),
            ),
            Code::SellerAddressMissing => (
                "L'adresse de l'entreprise est incomplète (adresse, code postal, ville) : complétez-la dans Paramètres → Identité.".into(),
                "The company's address is incomplete (street, postal code, city): complete it in Settings → Identity.".into(),
            ),
            Code::SellerSirenMissing => (
                "Le SIREN de l'entreprise manque : complétez-le dans Paramètres → Identité.".into(),
                "The company's SIREN is missing: complete it in Settings → Identity.".into(),
            ),
            Code::SellerVatNumberMissing => (
                "Le numéro de TVA intracommunautaire de l'entreprise manque, alors que ce document facture ou exonère de la TVA : complétez-le dans Paramètres → Identité, ou choisissez la franchise en base si l'entreprise ne facture pas la TVA.".into(),
                "The company's VAT number is missing while this document charges or exempts VAT: complete it in Settings → Identity, or choose the small-business franchise if the company charges no VAT.".into(),
            ),
            Code::SellerLegalFormMissing => (
                "La forme juridique de l'entreprise manque (SAS, SARL, EI…) : complétez-la dans Paramètres → Identité.".into(),
                "The company's legal form is missing (SAS, SARL, EI…): complete it in Settings → Identity.".into(),
            ),
            Code::SellerShareCapitalMissing => (
                "Le capital social d'une société doit figurer sur ses factures : complétez-le dans Paramètres → Identité.".into(),
                "A company's share capital must be printed on its invoices: complete it in Settings → Identity.".into(),
            ),
            Code::SellerRcsMissing => (
                "La ville d'immatriculation au RCS d'une société doit figurer sur ses factures : complétez-la dans Paramètres → Identité.".into(),
                "A company's trade register city (RCS) must be printed on its invoices: complete it in Settings → Identity.".into(),
            ),
            Code::BuyerNameMissing => (
                "Le nom du client manque : complétez sa fiche.".into(),
                "The customer's name is missing: complete the customer's record.".into(),
            ),
            Code::BuyerAddressMissing => (
                "L'adresse de facturation du client est incomplète (adresse, code postal, ville) : complétez sa fiche.".into(),
                "The customer's billing address is incomplete (street, postal code, city): complete the customer's record.".into(),
            ),
            Code::BuyerSirenMissing => (
                "Le SIREN du client, une entreprise française, doit figurer sur la facture : complétez sa fiche.".into(),
                "The SIREN of the customer, a French business, must be on the invoice: complete the customer's record.".into(),
            ),
            Code::BuyerElectronicAddressMissing => (
                "La facture électronique doit donner une adresse électronique du client : complétez son SIREN, son numéro de TVA ou son e-mail dans sa fiche.".into(),
                "The e-invoice must give the customer's electronic address: complete its SIREN, VAT number or e-mail in the customer's record.".into(),
            ),
            Code::ReverseChargeBuyer => (
                format!("Ligne {n} : l'autoliquidation (catégorie AE) ne s'applique qu'à un client professionnel identifié à la TVA : complétez le numéro de TVA du client, ou choisissez une autre catégorie de TVA pour la ligne."),
                format!("Line {n}: reverse charge (category AE) only applies to a business customer with a VAT number: complete the customer's VAT number, or choose another VAT category for the line."),
            ),
            Code::IntraEuBuyer => (
                format!("Ligne {n} : l'exonération intracommunautaire (catégorie K) ne s'applique qu'à un client professionnel d'un autre État membre de l'UE, identifié à la TVA : vérifiez le pays et le numéro de TVA du client, ou choisissez une autre catégorie de TVA."),
                format!("Line {n}: the intra-EU exemption (category K) only applies to a business customer in another EU member state with a VAT number: check the customer's country and VAT number, or choose another VAT category."),
            ),
            Code::ExportBuyer => (
                format!("Ligne {n} : l'exonération à l'export (catégorie G) ne s'applique qu'à un client hors de l'Union européenne : vérifiez le pays du client, ou choisissez une autre catégorie de TVA."),
                format!("Line {n}: the export exemption (category G) only applies to a customer outside the European Union: check the customer's country, or choose another VAT category."),
            ),
            Code::NotSubjectMixed => (
                "Une facture comportant des lignes hors champ de la TVA (catégorie O, débours) ne peut pas contenir d'autres catégories de TVA : facturez les débours sur une facture séparée.".into(),
                "An invoice with lines outside the scope of VAT (category O, disbursements) cannot hold other VAT categories: invoice the disbursements on a separate invoice.".into(),
            ),
            Code::ExemptionReasonMissing => (
                format!("Ligne {n} : une exonération de TVA (catégorie E) doit citer son fondement légal (par exemple l'article 261-4-4° du CGI), et celui par défaut (franchise en base, art. 293 B) ne vaut pas pour une entreprise assujettie : écrivez la mention d'exonération dans Paramètres → Conditions de paiement ou sur le document."),
                format!("Line {n}: a VAT exemption (category E) must cite its legal basis (for example article 261-4-4° of the CGI), and the default one (franchise, art. 293 B) does not hold for a VAT-registered company: write the exemption mention in Settings → Payment terms or on the document."),
            ),
            Code::FranchiseChargesVat => (
                format!("Ligne {n} : l'entreprise est en franchise en base de TVA (art. 293 B du CGI) et ne facture pas la TVA : mettez la ligne en catégorie E (exonérée), ou changez le régime de TVA dans Paramètres → Identité."),
                format!("Line {n}: the company is under the small-business VAT franchise (art. 293 B CGI) and charges no VAT: put the line in category E (exempt), or change the VAT regime in Settings → Identity."),
            ),
            Code::FranchiseVatOnDebits => (
                "L'option pour la TVA d'après les débits n'a pas de sens en franchise en base : décochez-la dans Paramètres → Conditions de paiement.".into(),
                "The option to pay VAT on debits makes no sense under the franchise: untick it in Settings → Payment terms.".into(),
            ),
            Code::VatRateNotFrench => (
                format!("Ligne {n} : le taux de TVA {v_fr} % n'est pas un taux français en vigueur (20, 10, 5,5, 2,1 ; 8,5, 1,75, 1,05 outre-mer ; 13, 0,9 en Corse) : corrigez le taux de la ligne."),
                format!("Line {n}: {v} % is not a French VAT rate in force (20, 10, 5.5, 2.1; 8.5, 1.75, 1.05 overseas; 13, 0.9 in Corsica): correct the line's rate."),
            ),
            Code::QuantityDecimals => (
                format!("Ligne {n} : la quantité {v_fr} a plus de 4 décimales, ce que la facture électronique n'admet pas : arrondissez-la."),
                format!("Line {n}: the quantity {v} has more than 4 decimals, which an e-invoice does not allow: round it."),
            ),
            Code::PriceDecimals => (
                format!("Ligne {n} : le prix unitaire {v_fr} a plus de 6 décimales : arrondissez-le."),
                format!("Line {n}: the unit price {v} has more than 6 decimals: round it."),
            ),
            Code::AmountDecimals => (
                format!("Le montant {v_fr} a plus de décimales que sa devise : arrondissez-le."),
                format!("The amount {v} has more decimals than its currency: round it."),
            ),
            Code::CurrencyDecimals => (
                format!("La facture électronique n'admet que 2 décimales par montant, et la devise {v} en a 3 : facturez dans une autre devise."),
                format!("An e-invoice allows 2 decimals per amount and the currency {v} has 3: invoice in another currency."),
            ),
            Code::ExchangeRateMissing => (
                format!("Un document en {v} doit donner le montant de la TVA en euros : indiquez le taux de change du document."),
                format!("A document in {v} must give its VAT amount in euros: set the document's exchange rate."),
            ),
            Code::ProfileMinimum => (
                "Le profil Factur-X MINIMUM n'est pas une facture pour la réforme française (mentions et adresses électroniques absentes) : choisissez EN 16931 ou BASIC WL dans Paramètres.".into(),
                "The Factur-X MINIMUM profile is not an invoice under the French reform (no mentions, no electronic addresses): choose EN 16931 or BASIC WL in Settings.".into(),
            ),
            Code::LatePenaltyZero => (
                "Entre professionnels, le taux des pénalités de retard ne peut pas être nul (art. L441-10 du Code de commerce) : indiquez un taux, ou laissez-le vide pour le taux légal, dans Paramètres → Conditions de paiement.".into(),
                "Between businesses the late-payment penalty rate cannot be zero (art. L441-10 of the Commercial Code): set a rate, or leave it empty for the legal rate, in Settings → Payment terms.".into(),
            ),
            Code::PaymentTermsTooLong => (
                format!("Entre professionnels, l'échéance ne peut pas dépasser 60 jours après la date de facture, ou 45 jours fin de mois (art. L441-10 du Code de commerce) ; ici le {date_fr} : raccourcissez le délai de paiement du document."),
                format!("Between businesses the due date cannot be more than 60 days after the invoice date, or 45 days end of month (art. L441-10 of the Commercial Code); here {v}: shorten the document's payment terms."),
            ),
            Code::CreditNoteWithoutInvoice => (
                "Un avoir doit citer la facture qu'il corrige : créez-le depuis cette facture.".into(),
                "A credit note must name the invoice it corrects: create it from that invoice.".into(),
            ),
            Code::NumberFormat => (
                format!("Le numéro {v} n'est pas admis par la facture électronique (35 caractères au plus : lettres, chiffres, + - _ /, sans espace) : changez le modèle de numérotation dans Paramètres → Numérotation."),
                format!("The number {v} is not allowed in an e-invoice (at most 35 characters: letters, digits, + - _ /, no space): change the numbering pattern in Settings → Numbering."),
            ),
        };
        if fr { f } else { e }
    }
}

/// Everything issuing will seal, as [`check`] reads it.
pub struct Issuing<'a> {
    pub kind: DocumentKind,
    pub content: &'a Content,
    pub seller: &'a Seller,
    pub buyer: &'a Buyer,
    pub printed: &'a Printed,
    pub issue_date: Date,
    /// For a credit note: whether it names the invoice it corrects.
    pub corrects_invoice: bool,
    /// What the number would look like (the pattern with the next sequence number).
    pub number: Option<&'a str>,
}

/// VAT rates in force in France (art. 278 to 281 nonies, 296, 297 of the CGI): mainland
/// 20, 10, 5.5, 2.1; overseas departments 8.5, 2.1, 1.75, 1.05; Corsica 13, 10, 2.1, 0.9.
/// 19.6 and 7 (before 2014) are no longer charged.
const RATES_IN_FORCE: &[&str] = &["20", "10", "5.5", "2.1", "8.5", "1.75", "1.05", "13", "0.9"];

/// The rates BR-FR-16 accepts: those in force and older ones (19.6, 7, 20.6, 9.2, 9.6),
/// which a credit note correcting an old invoice may carry.
const RATES_BR_FR_16: &[&str] =
    &["20", "10", "5.5", "2.1", "8.5", "1.75", "1.05", "13", "0.9", "19.6", "7", "20.6", "9.2", "9.6"];

/// Legal forms with no share capital and no trade register entry of a company: an
/// individual entrepreneur (a micro-entrepreneur is one) or an association.
const NO_CAPITAL_FORMS: &[&str] = &[
    "ei",
    "eirl",
    "ee",
    "entrepreneur individuel",
    "entreprise individuelle",
    "micro-entrepreneur",
    "micro entrepreneur",
    "microentrepreneur",
    "auto-entrepreneur",
    "auto entrepreneur",
    "autoentrepreneur",
    "association",
    "association loi 1901",
];

/// The countries of the EU VAT territory (Monaco is French territory for VAT).
fn in_eu_vat_territory(c: &Country) -> bool {
    c.is_eu() || c.as_str() == "MC"
}

fn is_french(c: &Country) -> bool {
    matches!(c.as_str(), "FR" | "MC")
}

/// The kinds that are e-invoices: nothing is checked for the others.
pub fn applies_to(kind: DocumentKind) -> bool {
    kind.is_invoice()
}

/// Every problem that would make this document fail the e-invoicing rules or French
/// invoicing law; empty when it can be issued.
pub fn check(i: &Issuing<'_>) -> Vec<Problem> {
    if !applies_to(i.kind) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let items: Vec<(usize, &Line)> = i.content.lines.iter().enumerate().filter(|(_, l)| l.is_item()).collect();
    // Every category the document carries: its lines' and its shipping's (BG-21).
    let mut categories: BTreeSet<VatCategory> = items.iter().map(|(_, l)| l.vat.category()).collect();
    if let Some(s) = &i.content.shipping
        && !s.amount.is_zero()
    {
        categories.insert(s.vat.category());
    }
    seller(i, &categories, &mut out);
    buyer(i, &mut out);
    vat(i, &items, &categories, &mut out);
    figures(i, &items, &mut out);
    terms(i, &mut out);
    if i.kind == DocumentKind::CreditNote && !i.corrects_invoice {
        // BR-FR-CO-05: a credit note (381) names the invoice it corrects (BT-25, BT-26).
        out.push(Problem::new(Code::CreditNoteWithoutInvoice, "BR-FR-CO-05", "parent_id", Place::Document));
    }
    if let Some(n) = i.number
        && (n.chars().count() > 35 || !n.chars().all(|c| c.is_ascii_alphanumeric() || "+-_/".contains(c)))
    {
        // BR-FR-01, BR-FR-02: BT-1 has at most 35 characters, alphanumeric and + - _ /.
        out.push(Problem::new(Code::NumberFormat, "BR-FR-02", "settings.numbering", Place::Numbering).value(n));
    }
    out
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// What issuing an ordinary invoice would refuse about the company alone, before any
/// document exists: [`check`]'s seller rules for standard-rated lines (exempt ones under
/// the VAT franchise). The first-run set-up page asks for these.
pub fn seller_problems(seller: &Seller, regime: VatRegime) -> Vec<Problem> {
    let category = if regime == VatRegime::Franchise { VatCategory::E } else { VatCategory::S };
    let mut out = Vec::new();
    seller_rules(seller, regime, &BTreeSet::from([category]), &mut out);
    out
}

fn seller(i: &Issuing<'_>, categories: &BTreeSet<VatCategory>, out: &mut Vec<Problem>) {
    seller_rules(i.seller, i.printed.legal.vat_regime, categories, out);
}

fn seller_rules(s: &Seller, regime: VatRegime, categories: &BTreeSet<VatCategory>, out: &mut Vec<Problem>) {
    let at = |f: &str| format!("settings.identity.{f}");
    if blank(&s.name) {
        // BR-06.
        out.push(Problem::new(Code::SellerNameMissing, "BR-06", at("name"), Place::Identity));
    }
    let a = &s.address;
    if blank(&a.line1) || blank(&a.city) || (is_french(&a.country) && blank(&a.postal_code)) {
        // BR-08 wants the address group; art. 242 nonies A of annex II of the CGI the address itself.
        out.push(Problem::new(Code::SellerAddressMissing, "BR-08", at("address"), Place::Identity));
    }
    let french = is_french(&a.country);
    if french && s.siren.is_none() && s.siret.is_none() {
        // BR-FR-10: the seller's SIREN (BT-30) is mandatory.
        out.push(Problem::new(Code::SellerSirenMissing, "BR-FR-10", at("siren"), Place::Identity));
    }
    // A registered seller charging VAT prints its VAT number (art. 242 nonies A I 2° of
    // annex II of the CGI; BR-S-02 only wants some tax identifier); intra-EU supplies and
    // exports need it whatever the regime (BR-IC-02, BR-G-02 accept no SIREN in its place).
    let needs_vat_number = if categories.contains(&VatCategory::K) {
        Some("BR-IC-02")
    } else if categories.contains(&VatCategory::G) {
        Some("BR-G-02")
    } else if regime == VatRegime::Registered && categories.iter().any(|c| matches!(c, VatCategory::S | VatCategory::Z))
    {
        Some("BR-S-02")
    } else if regime == VatRegime::Registered && categories.contains(&VatCategory::AE) {
        Some("BR-AE-02")
    } else {
        None
    };
    if let Some(rule) = needs_vat_number
        && s.vat_number.is_none()
    {
        out.push(Problem::new(Code::SellerVatNumberMissing, rule, at("vat_number"), Place::Identity));
    }
    if !french {
        return;
    }
    let form = s.legal_form.as_deref().map(str::trim).unwrap_or("");
    if form.is_empty() {
        // Art. R123-237 of the Commercial Code (a company), R526-26 (an individual
        // entrepreneur's "EI"): the legal form is printed on every invoice.
        out.push(Problem::new(Code::SellerLegalFormMissing, "R123-237", at("legal_form"), Place::Identity));
        return;
    }
    let lower = form.to_lowercase();
    if NO_CAPITAL_FORMS.contains(&lower.as_str()) {
        return;
    }
    // Art. R123-238 of the Commercial Code: a company prints its share capital, and
    // R123-237 its trade register ("RCS Lyon").
    if s.share_capital.is_none() {
        out.push(Problem::new(Code::SellerShareCapitalMissing, "R123-238", at("share_capital"), Place::Identity));
    }
    if s.rcs_city.as_deref().is_none_or(blank) {
        out.push(Problem::new(Code::SellerRcsMissing, "R123-237", at("rcs_city"), Place::Identity));
    }
}

fn buyer(i: &Issuing<'_>, out: &mut Vec<Problem>) {
    let b = i.buyer;
    if blank(&b.name) {
        // BR-07.
        out.push(Problem::new(Code::BuyerNameMissing, "BR-07", "customer.name", Place::Customer));
    }
    let a = &b.address;
    if blank(&a.line1) || blank(&a.city) || (is_french(&a.country) && blank(&a.postal_code)) {
        // BR-10 (the group, BR-11 its country); the address itself: art. 242 nonies A.
        out.push(Problem::new(Code::BuyerAddressMissing, "BR-10", "customer.billing_address", Place::Customer));
    }
    let has_siren = b.siren.is_some() || b.siret.is_some();
    if b.is_business && a.country.as_str() == "FR" && !has_siren {
        // Since the 2026 reform the buyer's SIREN is a mandatory mention between French
        // businesses (art. 242 nonies A, BT-47; BR-FR-11 for B2B flows).
        out.push(Problem::new(Code::BuyerSirenMissing, "BR-FR-11", "customer.legal.siren", Place::Customer));
    } else if !has_siren && b.vat_number.is_none() && b.email.as_deref().is_none_or(blank) {
        // BR-FR-12: the buyer's electronic address (BT-49) is mandatory; the writers take
        // the SIREN, else the VAT number, else the e-mail.
        out.push(Problem::new(Code::BuyerElectronicAddressMissing, "BR-FR-12", "customer.email", Place::Customer));
    }
}

fn vat(i: &Issuing<'_>, items: &[(usize, &Line)], categories: &BTreeSet<VatCategory>, out: &mut Vec<Problem>) {
    let b = i.buyer;
    let regime = i.printed.legal.vat_regime;
    let line_field = |n: usize| format!("lines[{n}].vat_category");
    let buyer_in_other_member_state = b.address.country.is_eu()
        && !is_french(&b.address.country)
        && b.vat_number.as_ref().is_some_and(|v| v.prefix() != "FR");
    // The document's own E mention (copied from the company's when it was made), unless
    // it is the franchise's.
    let mut own_e_mention =
        i.content.exemption(VatCategory::E, true).is_some_and(|m| m.code != Some("VATEX-FR-FRANCHISE"));
    for &(n, l) in items {
        let cat = l.vat.category();
        if regime == VatRegime::Franchise && !matches!(cat, VatCategory::E | VatCategory::O) {
            // Art. 293 B of the CGI: a company under the franchise charges no VAT and
            // can use no other exemption; its lines are E with the 293 B mention.
            out.push(
                Problem::new(Code::FranchiseChargesVat, "CGI-293-B", line_field(n), Place::Document)
                    .at_line(n)
                    .value(cat.code()),
            );
            continue;
        }
        match cat {
            VatCategory::AE if !(b.is_business && b.vat_number.is_some()) => {
                // BR-AE-02 wants the buyer's VAT or legal identifier; French law (art. 242
                // nonies A I 13° of annex II of the CGI, art. 283) a VAT-registered business.
                out.push(
                    Problem::new(Code::ReverseChargeBuyer, "BR-AE-02", "customer.legal.vat_number", Place::Customer)
                        .at_line(n),
                );
            }
            VatCategory::K if !(b.is_business && buyer_in_other_member_state) => {
                // BR-IC-02 (the buyer's VAT identifier) and art. 262 ter I of the CGI: a
                // supply to a VAT-registered business of another member state.
                out.push(
                    Problem::new(Code::IntraEuBuyer, "BR-IC-02", "customer.legal.vat_number", Place::Customer)
                        .at_line(n),
                );
            }
            VatCategory::G if in_eu_vat_territory(&b.address.country) => {
                // Art. 262 I of the CGI: an export leaves the EU.
                out.push(
                    Problem::new(Code::ExportBuyer, "CGI-262-I", "customer.billing_address.country", Place::Customer)
                        .at_line(n),
                );
            }
            VatCategory::E if regime == VatRegime::Registered && !own_e_mention => {
                // BR-E-10 wants a reason; the default one is the franchise's (293 B),
                // false for a registered company.
                out.push(
                    Problem::new(Code::ExemptionReasonMissing, "BR-E-10", "documents.vat_exemptions", Place::Terms)
                        .at_line(n),
                );
                own_e_mention = true; // once per document
            }
            VatCategory::S => {
                let rate = l.vat.rate().normalize().to_string();
                let list = if i.kind == DocumentKind::CreditNote { RATES_BR_FR_16 } else { RATES_IN_FORCE };
                if !list.contains(&rate.as_str()) {
                    // BR-FR-16 (and the CGI for the rates still in force).
                    out.push(
                        Problem::new(
                            Code::VatRateNotFrench,
                            "BR-FR-16",
                            format!("lines[{n}].vat_rate"),
                            Place::Document,
                        )
                        .at_line(n)
                        .value(rate),
                    );
                }
            }
            _ => {}
        }
    }
    if categories.contains(&VatCategory::O) && categories.len() > 1 {
        // BR-O-11 to BR-O-14: "not subject to VAT" is alone on its invoice.
        out.push(Problem::new(Code::NotSubjectMixed, "BR-O-11", "lines", Place::Document));
    }
    if regime == VatRegime::Franchise && i.printed.legal.vat_on_debits {
        out.push(Problem::new(Code::FranchiseVatOnDebits, "CGI-269", "settings.legal.vat_on_debits", Place::Terms));
    }
}

fn figures(i: &Issuing<'_>, items: &[(usize, &Line)], out: &mut Vec<Problem>) {
    let c = i.content;
    let minor = c.currency.minor_units();
    if minor > 2 {
        // BR-FR-DEC-01: amounts have at most 2 decimals.
        out.push(
            Problem::new(Code::CurrencyDecimals, "BR-FR-DEC-01", "currency", Place::Document).value(c.currency.code()),
        );
    }
    for &(n, l) in items {
        if l.quantity.normalize().scale() > 4 {
            // BR-FR-DEC-02: BT-129 has at most 4 decimals.
            out.push(
                Problem::new(Code::QuantityDecimals, "BR-FR-DEC-02", format!("lines[{n}].quantity"), Place::Document)
                    .at_line(n)
                    .value(l.quantity.normalize()),
            );
        }
        if l.unit_price.normalize().scale() > 6 {
            // BR-FR-DEC-03: BT-146 has at most 6 decimals.
            out.push(
                Problem::new(Code::PriceDecimals, "BR-FR-DEC-03", format!("lines[{n}].unit_price"), Place::Document)
                    .at_line(n)
                    .value(l.unit_price.normalize()),
            );
        }
    }
    let exact = |d: Decimal| d.normalize().scale() <= minor;
    if let Some(s) = &c.shipping
        && !exact(s.amount)
    {
        out.push(
            Problem::new(Code::AmountDecimals, "BR-FR-DEC-01", "shipping.amount", Place::Document)
                .value(s.amount.normalize()),
        );
    }
    if let Some(d) = c.discount_amount
        && !exact(d)
    {
        out.push(
            Problem::new(Code::AmountDecimals, "BR-FR-DEC-01", "discount_amount", Place::Document).value(d.normalize()),
        );
    }
    if c.currency.code() != "EUR" && c.exchange_rate.is_none() {
        // BR-FR-CO-12: a document in another currency gives its VAT in euros (BT-111).
        out.push(
            Problem::new(Code::ExchangeRateMissing, "BR-FR-CO-12", "exchange_rate", Place::Document)
                .value(c.currency.code()),
        );
    }
    if i.printed.facturx_profile == Profile::Minimum {
        // MINIMUM has no notes (BR-FR-05) and no electronic addresses (BR-FR-12, BR-FR-13).
        out.push(Problem::new(Code::ProfileMinimum, "BR-FR-05", "settings.documents.facturx_profile", Place::Terms));
    }
}

fn terms(i: &Issuing<'_>, out: &mut Vec<Problem>) {
    if !i.buyer.is_business || i.kind == DocumentKind::CreditNote {
        return;
    }
    if i.printed.legal.late_penalty_rate.is_some_and(|r| r.is_zero()) {
        // Art. L441-10 II of the Commercial Code: penalties of at least three times the
        // legal interest rate; none at all is refused.
        out.push(Problem::new(Code::LatePenaltyZero, "L441-10", "settings.legal.late_penalty_rate", Place::Terms));
    }
    let issued = i.issue_date;
    let too_late = |due: Date, terms: Option<PaymentTerms>| -> bool {
        if (due - issued).whole_days() <= 60 {
            return false;
        }
        // The derogation of L441-10 I: 45 days end of month, counted either way.
        !matches!(terms, Some(PaymentTerms::DaysEndOfMonth(n) | PaymentTerms::EndOfMonthPlus(n)) if n <= 45)
    };
    match &i.content.schedule {
        Some(schedule) => {
            for (k, (due, inst)) in schedule.due_dates(issued).into_iter().zip(schedule.instalments()).enumerate() {
                if too_late(due, Some(inst.condition.terms())) {
                    out.push(
                        Problem::new(Code::PaymentTermsTooLong, "L441-10", format!("schedule[{k}]"), Place::Document)
                            .value(due),
                    );
                    break;
                }
            }
        }
        None => {
            let t = i.content.payment_terms;
            let due = t.due_date(issued);
            if too_late(due, Some(t)) {
                out.push(
                    Problem::new(Code::PaymentTermsTooLong, "L441-10", "payment_terms", Place::Document).value(due),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::company::{LegalTerms, Printed, Seller};
    use crate::document::Line;
    use crate::money::Currency;
    use crate::party::Address;
    use crate::tax::{ExemptionReason, Vat};
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use time::macros::date;
    use uuid::Uuid;

    fn address(country: &str) -> Address {
        Address {
            line1: "12 rue des Lilas".into(),
            line2: None,
            postal_code: "69003".into(),
            city: "Lyon".into(),
            country: country.parse().unwrap(),
        }
    }

    /// A French SAS with everything the law asks for.
    fn sas() -> Seller {
        Seller {
            legal_form: Some("SAS".into()),
            share_capital: Some(dec!(10000)),
            rcs_city: Some("Lyon".into()),
            siren: Some("732829320".parse().unwrap()),
            vat_number: Some("FR44732829320".parse().unwrap()),
            address: address("FR"),
            ..Seller::bare("Atelier Martin", "FR".parse().unwrap())
        }
    }

    /// A micro-entrepreneur under the franchise: a SIREN, no VAT number.
    fn micro() -> Seller {
        Seller {
            legal_form: Some("EI".into()),
            siren: Some("732829320".parse().unwrap()),
            address: address("FR"),
            ..Seller::bare("Camille Durand", "FR".parse().unwrap())
        }
    }

    fn business(country: &str, vat: Option<&str>) -> Buyer {
        Buyer {
            name: "Client SARL".into(),
            is_business: true,
            siren: (country == "FR").then(|| "552100554".parse().unwrap()),
            siret: None,
            vat_number: vat.map(|v| v.parse().unwrap()),
            address: address(country),
            // A foreign business with no VAT number is reached by e-mail (BT-49).
            email: (country != "FR").then(|| "compta@client.example".into()),
            language: Language::Fr,
        }
    }

    fn consumer() -> Buyer {
        Buyer {
            name: "Camille Petit".into(),
            is_business: false,
            siren: None,
            siret: None,
            vat_number: None,
            address: address("FR"),
            email: Some("camille@example.fr".into()),
            language: Language::Fr,
        }
    }

    fn printed(regime: VatRegime) -> Printed {
        let legal = LegalTerms { vat_regime: regime, ..LegalTerms::default() };
        Printed::of(None, &legal, &crate::company::DocumentLook::default())
    }

    fn content(lines: &[(Decimal, Decimal, Vat)]) -> Content {
        let mut c = Content::new(Uuid::now_v7(), Currency::EUR);
        c.lines = lines.iter().map(|(q, p, v)| Line::item("Prestation", *q, *p, *v)).collect();
        c
    }

    fn vat(rate: Decimal, cat: VatCategory) -> Vat {
        Vat::new(rate, Some(cat)).unwrap()
    }

    fn s20() -> Vat {
        vat(dec!(20), VatCategory::S)
    }

    fn codes(kind: DocumentKind, c: &Content, seller: &Seller, buyer: &Buyer, p: &Printed) -> Vec<Code> {
        let i = Issuing {
            kind,
            content: c,
            seller,
            buyer,
            printed: p,
            issue_date: date!(2026 - 12 - 06),
            corrects_invoice: true,
            number: Some("F2026-00001"),
        };
        check(&i).into_iter().map(|p| p.code).collect()
    }

    fn invoice(c: &Content, seller: &Seller, buyer: &Buyer) -> Vec<Code> {
        codes(DocumentKind::Invoice, c, seller, buyer, &printed(VatRegime::Registered))
    }

    #[test]
    fn a_complete_b2b_invoice_has_no_problem() {
        let c = content(&[(dec!(2), dec!(180.50), s20()), (dec!(1), dec!(10), vat(dec!(5.5), VatCategory::S))]);
        assert_eq!(invoice(&c, &sas(), &business("FR", Some("FR96552100554"))), vec![]);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![]);
    }

    #[test]
    fn quotes_orders_and_delivery_notes_are_not_checked() {
        let c = content(&[(dec!(1.123456), dec!(10), vat(dec!(19.6), VatCategory::S))]);
        let bare = Seller::bare("X", "FR".parse().unwrap());
        for kind in [DocumentKind::Quote, DocumentKind::Order, DocumentKind::DeliveryNote, DocumentKind::Proforma] {
            assert_eq!(codes(kind, &c, &bare, &consumer(), &printed(VatRegime::Registered)), vec![], "{kind}");
        }
    }

    #[test]
    fn a_company_with_no_identity_is_told_every_field_to_complete() {
        let c = content(&[(dec!(1), dec!(100), s20())]);
        let got = invoice(&c, &Seller::bare("Nouvelle SAS", "FR".parse().unwrap()), &consumer());
        assert_eq!(
            got,
            vec![
                Code::SellerAddressMissing,
                Code::SellerSirenMissing,
                Code::SellerVatNumberMissing,
                Code::SellerLegalFormMissing
            ]
        );
        // Once the legal form says it is a company: its capital and RCS too.
        let s = Seller { legal_form: Some("SARL".into()), ..sas() };
        let s = Seller { share_capital: None, rcs_city: None, ..s };
        assert_eq!(invoice(&c, &s, &consumer()), vec![Code::SellerShareCapitalMissing, Code::SellerRcsMissing]);
        // An individual entrepreneur has neither.
        let ei = Seller { legal_form: Some("EI".into()), share_capital: None, rcs_city: None, ..sas() };
        assert_eq!(invoice(&c, &ei, &consumer()), vec![]);
    }

    #[test]
    fn every_problem_names_its_field_and_reads_in_both_languages() {
        let c = content(&[(dec!(1), dec!(100), s20())]);
        let i = Issuing {
            kind: DocumentKind::Invoice,
            content: &c,
            seller: &Seller::bare("Nouvelle SAS", "FR".parse().unwrap()),
            buyer: &consumer(),
            printed: &printed(VatRegime::Registered),
            issue_date: date!(2026 - 12 - 06),
            corrects_invoice: true,
            number: None,
        };
        let problems = check(&i);
        let siren = problems.iter().find(|p| p.code == Code::SellerSirenMissing).unwrap();
        assert_eq!(siren.field, "settings.identity.siren");
        assert_eq!(siren.place, Place::Identity);
        assert_eq!(siren.rule, "BR-FR-10");
        assert!(siren.message(Language::Fr).contains("Paramètres → Identité"));
        assert!(siren.message(Language::En).contains("Settings → Identity"));
    }

    #[test]
    fn a_micro_entrepreneur_issues_exempt_lines_with_its_siren_only() {
        let e = vat(Decimal::ZERO, VatCategory::E);
        let c = content(&[(dec!(3), dec!(400), e)]);
        let p = printed(VatRegime::Franchise);
        assert_eq!(codes(DocumentKind::Invoice, &c, &micro(), &business("FR", None), &p), vec![]);
        // Charging VAT under the franchise is refused, line by line.
        let c = content(&[(dec!(1), dec!(400), e), (dec!(1), dec!(50), s20())]);
        assert_eq!(codes(DocumentKind::Invoice, &c, &micro(), &consumer(), &p), vec![Code::FranchiseChargesVat]);
        // So is the same micro-entrepreneur declared VAT-registered without a VAT number.
        let c = content(&[(dec!(1), dec!(400), s20())]);
        assert_eq!(invoice(&c, &micro(), &consumer()), vec![Code::SellerVatNumberMissing]);
    }

    #[test]
    fn an_exemption_of_a_registered_company_needs_its_own_legal_basis() {
        let e = vat(Decimal::ZERO, VatCategory::E);
        let mut c = content(&[(dec!(1), dec!(900), e), (dec!(1), dec!(100), e)]);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::ExemptionReasonMissing]);
        c.vat_exemptions = vec![
            ExemptionReason::new(
                VatCategory::E,
                Some("VATEX-FR-CGI261-4".parse().unwrap()),
                "Exonération de TVA, art. 261-4-4° a du CGI",
            )
            .unwrap(),
        ];
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![]);
    }

    #[test]
    fn reverse_charge_needs_a_business_with_a_vat_number() {
        let c = content(&[(dec!(1), dec!(5000), vat(Decimal::ZERO, VatCategory::AE))]);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::ReverseChargeBuyer]);
        assert_eq!(invoice(&c, &sas(), &business("FR", None)), vec![Code::ReverseChargeBuyer]);
        // BTP subcontracting to a French contractor, services to a German company.
        assert_eq!(invoice(&c, &sas(), &business("FR", Some("FR96552100554"))), vec![]);
        assert_eq!(invoice(&c, &sas(), &business("DE", Some("DE123456789"))), vec![]);
    }

    #[test]
    fn an_intra_eu_supply_goes_to_a_registered_business_of_another_member_state() {
        let c = content(&[(dec!(10), dec!(50), vat(Decimal::ZERO, VatCategory::K))]);
        assert_eq!(invoice(&c, &sas(), &business("DE", Some("DE123456789"))), vec![]);
        assert_eq!(invoice(&c, &sas(), &business("FR", Some("FR96552100554"))), vec![Code::IntraEuBuyer]);
        assert_eq!(invoice(&c, &sas(), &business("DE", None)), vec![Code::IntraEuBuyer]);
        assert_eq!(invoice(&c, &sas(), &business("US", None)), vec![Code::IntraEuBuyer]);
        // The seller's VAT number is required whatever else it has (BR-IC-02).
        let no_vat = Seller { vat_number: None, ..sas() };
        assert_eq!(invoice(&c, &no_vat, &business("DE", Some("DE123456789"))), vec![Code::SellerVatNumberMissing]);
    }

    #[test]
    fn an_export_leaves_the_eu() {
        let c = content(&[(dec!(10), dec!(50), vat(Decimal::ZERO, VatCategory::G))]);
        assert_eq!(invoice(&c, &sas(), &business("US", None)), vec![]);
        assert_eq!(invoice(&c, &sas(), &business("DE", Some("DE123456789"))), vec![Code::ExportBuyer]);
        assert_eq!(invoice(&c, &sas(), &business("FR", Some("FR96552100554"))), vec![Code::ExportBuyer]);
    }

    #[test]
    fn disbursements_are_alone_on_their_invoice() {
        let o = vat(Decimal::ZERO, VatCategory::O);
        let c = content(&[(dec!(1), dec!(300), s20()), (dec!(1), dec!(35), o)]);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::NotSubjectMixed]);
        let c = content(&[(dec!(1), dec!(35), o)]);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![]);
        // Shipping with VAT on an O invoice mixes them too.
        let mut c = content(&[(dec!(1), dec!(35), o)]);
        c.shipping = Some(crate::totals::DocumentCharge { label: "Port".into(), amount: dec!(10), vat: s20() });
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::NotSubjectMixed]);
    }

    #[test]
    fn rates_outside_the_french_list_are_refused_except_old_ones_on_credit_notes() {
        for bad in [dec!(19.6), dec!(7), dec!(21), dec!(5.501)] {
            let c = content(&[(dec!(1), dec!(100), vat(bad, VatCategory::S))]);
            assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::VatRateNotFrench], "{bad}");
        }
        for good in [dec!(20), dec!(10), dec!(5.5), dec!(5.50), dec!(2.1), dec!(8.5), dec!(13), dec!(0.9)] {
            let c = content(&[(dec!(1), dec!(100), vat(good, VatCategory::S))]);
            assert_eq!(invoice(&c, &sas(), &consumer()), vec![], "{good}");
        }
        let c = content(&[(dec!(1), dec!(100), vat(dec!(19.6), VatCategory::S))]);
        let p = printed(VatRegime::Registered);
        assert_eq!(codes(DocumentKind::CreditNote, &c, &sas(), &consumer(), &p), vec![]);
    }

    #[test]
    fn decimals_beyond_the_e_invoice_formats_are_refused() {
        let c = content(&[(dec!(1.123456), dec!(10), s20()), (dec!(1), dec!(1.0000001), s20())]);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::QuantityDecimals, Code::PriceDecimals]);
        let mut c = content(&[(dec!(1.1234), dec!(10.123456), s20())]);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![]);
        c.currency = "KWD".parse().unwrap();
        c.exchange_rate = Some(dec!(3));
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::CurrencyDecimals]);
        c.currency = "USD".parse().unwrap();
        c.exchange_rate = None;
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![Code::ExchangeRateMissing]);
    }

    #[test]
    fn the_minimum_profile_is_not_an_invoice() {
        let c = content(&[(dec!(1), dec!(100), s20())]);
        let mut p = printed(VatRegime::Registered);
        p.facturx_profile = Profile::Minimum;
        assert_eq!(codes(DocumentKind::Invoice, &c, &sas(), &consumer(), &p), vec![Code::ProfileMinimum]);
        p.facturx_profile = Profile::BasicWl;
        assert_eq!(codes(DocumentKind::Invoice, &c, &sas(), &consumer(), &p), vec![]);
    }

    #[test]
    fn b2b_terms_follow_article_l441_10() {
        let fr = business("FR", Some("FR96552100554"));
        let mut c = content(&[(dec!(1), dec!(100), s20())]);
        for (terms, ok) in [
            (PaymentTerms::Days(60), true),
            (PaymentTerms::Days(61), false),
            (PaymentTerms::DaysEndOfMonth(45), true),
            (PaymentTerms::EndOfMonthPlus(45), true),
            (PaymentTerms::DaysEndOfMonth(60), false),
            (PaymentTerms::Days(90), false),
        ] {
            c.payment_terms = terms;
            let want = if ok { vec![] } else { vec![Code::PaymentTermsTooLong] };
            assert_eq!(invoice(&c, &sas(), &fr), want, "{terms:?}");
        }
        // A consumer may be given longer.
        c.payment_terms = PaymentTerms::Days(90);
        assert_eq!(invoice(&c, &sas(), &consumer()), vec![]);
        // No penalty at all is refused between businesses; the legal default is fine.
        c.payment_terms = PaymentTerms::Days(30);
        let mut p = printed(VatRegime::Registered);
        p.legal.late_penalty_rate = Some(Decimal::ZERO);
        assert_eq!(codes(DocumentKind::Invoice, &c, &sas(), &fr, &p), vec![Code::LatePenaltyZero]);
        assert_eq!(codes(DocumentKind::Invoice, &c, &sas(), &consumer(), &p), vec![]);
    }

    #[test]
    fn the_buyer_is_identified() {
        let c = content(&[(dec!(1), dec!(100), s20())]);
        let mut b = business("FR", None);
        b.siren = None;
        assert_eq!(invoice(&c, &sas(), &b), vec![Code::BuyerSirenMissing]);
        let mut anonymous = consumer();
        anonymous.email = None;
        assert_eq!(invoice(&c, &sas(), &anonymous), vec![Code::BuyerElectronicAddressMissing]);
        anonymous.address.line1 = " ".into();
        anonymous.email = Some("a@b.fr".into());
        assert_eq!(invoice(&c, &sas(), &anonymous), vec![Code::BuyerAddressMissing]);
    }

    #[test]
    fn a_credit_note_names_its_invoice_and_numbers_fit_bt_1() {
        let c = content(&[(dec!(1), dec!(100), s20())]);
        let (s, b, p) = (sas(), consumer(), printed(VatRegime::Registered));
        let mut i = Issuing {
            kind: DocumentKind::CreditNote,
            content: &c,
            seller: &s,
            buyer: &b,
            printed: &p,
            issue_date: date!(2026 - 12 - 06),
            corrects_invoice: false,
            number: Some("AV 2026 n°1"),
        };
        let got: Vec<Code> = check(&i).into_iter().map(|p| p.code).collect();
        assert_eq!(got, vec![Code::CreditNoteWithoutInvoice, Code::NumberFormat]);
        i.corrects_invoice = true;
        i.number = Some("AV2026-00001");
        assert!(check(&i).is_empty());
    }

    proptest! {
        /// Whatever the quantity and the French rate, a complete invoice is issuable
        /// exactly when its quantity has at most 4 decimals.
        #[test]
        fn quantities_are_refused_exactly_beyond_four_decimals(
            mantissa in 1i64..1_000_000_000,
            scale in 0u32..9,
            rate in prop::sample::select(vec!["20", "10", "5.5", "2.1", "8.5", "13", "0.9", "1.75", "1.05"]),
        ) {
            let q = Decimal::new(mantissa, scale);
            let c = content(&[(q, dec!(12.5), vat(rate.parse().unwrap(), VatCategory::S))]);
            let got = invoice(&c, &sas(), &business("FR", Some("FR96552100554")));
            if q.normalize().scale() > 4 {
                prop_assert_eq!(got, vec![Code::QuantityDecimals]);
            } else {
                prop_assert!(got.is_empty(), "{:?}", got);
            }
        }
    }

    #[test]
    fn french_messages_write_numbers_and_dates_the_french_way() {
        let rate = Problem::new(Code::VatRateNotFrench, "BR-FR-16", "lines[0].vat_rate", Place::Document)
            .at_line(0)
            .value("19.6");
        assert!(rate.message(Language::Fr).contains("le taux de TVA 19,6 %"), "{}", rate.message(Language::Fr));
        assert!(rate.message(Language::En).contains("19.6 %"));
        let due =
            Problem::new(Code::PaymentTermsTooLong, "L441-10", "payment_terms", Place::Document).value("2027-03-15");
        assert!(due.message(Language::Fr).contains("ici le 15/03/2027"), "{}", due.message(Language::Fr));
        assert!(due.message(Language::En).contains("here 2027-03-15"));
    }
}
