//! The issuing company and the customer as a document shows them: identities, bank
//! account and legal terms. A snapshot of both parties is sealed into a document when
//! it is issued, so that a later change of address never rewrites an issued invoice.

use crate::Decimal;
use crate::document::Operation;
use crate::ids::{Iban, Siren, Siret, VatNumber};
use crate::message::Message;
use crate::party::{Address, Customer, CustomerKind, Language};
use serde::{Deserialize, Serialize};

/// The company that issues the document (BG-4), with what French law wants printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Seller {
    /// Legal name ("raison sociale").
    pub name: String,
    /// Trading name when it differs from the legal name (BT-28).
    #[serde(default)]
    pub trading_name: Option<String>,
    /// "SAS", "SARL", "EI"…
    #[serde(default)]
    pub legal_form: Option<String>,
    /// Share capital as printed, in the company's currency ("10 000").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::share_capital))]
    pub share_capital: Option<Decimal>,
    /// City of the RCS registry ("RCS Lyon"), or the RM for craftsmen.
    #[serde(default)]
    pub rcs_city: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub siren: Option<Siren>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub siret: Option<Siret>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub vat_number: Option<VatNumber>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::address))]
    pub address: Address,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
}

/// The customer (BG-7) as it was when the document was issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub name: String,
    /// True for a business (B2B: the 40 € recovery indemnity applies), false for a consumer.
    pub is_business: bool,
    #[serde(default)]
    pub siren: Option<Siren>,
    #[serde(default)]
    pub siret: Option<Siret>,
    #[serde(default)]
    pub vat_number: Option<VatNumber>,
    pub address: Address,
    #[serde(default)]
    pub email: Option<String>,
    pub language: Language,
}

/// The bank account printed for transfers and put in the payment means (BG-17).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankAccount {
    /// "Compte principal".
    pub label: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub iban: Iban,
    #[serde(default)]
    pub bic: Option<String>,
    /// Account holder when it differs from the seller's name (BT-85).
    #[serde(default)]
    pub holder: Option<String>,
}

/// The company's legal and payment mentions (article L441-10 of the commercial code).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegalTerms {
    /// Late-payment penalty rate as a yearly percentage; `None` prints the legal default
    /// (the ECB refinancing rate plus 10 points).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::late_penalty_rate))]
    pub late_penalty_rate: Option<Decimal>,
    /// Early-payment discount terms; none (null) prints "no discount for early payment".
    #[serde(default)]
    pub early_payment_discount: Option<String>,
    /// The company opted to pay VAT on debits ("option pour le paiement de la TVA d'après les débits").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub vat_on_debits: bool,
    /// Whether the company charges VAT. Left out of the JSON when it does, so that the
    /// contents sealed before this field existed keep their bytes and their seals.
    #[serde(default, skip_serializing_if = "VatRegime::is_registered")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::vat_regime))]
    pub vat_regime: VatRegime,
}

/// The company's VAT regime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRegime {
    /// The company charges VAT on what it sells (and has a VAT number).
    #[default]
    Registered,
    /// "Franchise en base de TVA" (article 293 B of the CGI): a micro-entrepreneur or a
    /// small business charges no VAT, prints "TVA non applicable, art. 293 B du CGI" and
    /// usually has no VAT number.
    Franchise,
}

impl VatRegime {
    pub fn is_registered(&self) -> bool {
        *self == VatRegime::Registered
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VatRegime::Registered => "registered",
            VatRegime::Franchise => "franchise",
        }
    }
}

impl std::str::FromStr for VatRegime {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "registered" => Ok(VatRegime::Registered),
            "franchise" => Ok(VatRegime::Franchise),
            other => Err(Message::new("vat_regime_registered_franchise").with("v", format!("{other:?}"))),
        }
    }
}

/// The Factur-X profile of the embedded XML.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Profile {
    Minimum,
    BasicWl,
    #[default]
    En16931,
}

impl Profile {
    /// The guideline identifier (BT-24) written in the XML.
    pub fn guideline(self) -> &'static str {
        match self {
            Profile::Minimum => "urn:factur-x.eu:1p0:minimum",
            Profile::BasicWl => "urn:factur-x.eu:1p0:basicwl",
            Profile::En16931 => "urn:cen.eu:en16931:2017",
        }
    }

    /// The `fx:ConformanceLevel` of the XMP metadata.
    pub fn xmp_level(self) -> &'static str {
        match self {
            Profile::Minimum => "MINIMUM",
            Profile::BasicWl => "BASIC WL",
            Profile::En16931 => "EN 16931",
        }
    }
}

/// What an issued document printed besides its parties, fixed at issue so that a later
/// change of the settings never changes a byte of its files: the bank account, the legal
/// mentions, the look and the Factur-X profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<BankAccount>,
    pub legal: LegalTerms,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    #[serde(default)]
    pub show_reference: bool,
    #[serde(default)]
    pub show_discount: bool,
    #[serde(default)]
    pub totals_on_every_page: bool,
    pub facturx_profile: Profile,
}

impl Printed {
    /// What the settings print now.
    pub fn of(bank: Option<&BankAccount>, legal: &LegalTerms, look: &DocumentLook) -> Printed {
        Printed {
            bank: bank.cloned(),
            legal: legal.clone(),
            accent: look.accent.clone(),
            show_reference: look.show_reference,
            show_discount: look.show_discount,
            totals_on_every_page: look.totals_on_every_page,
            facturx_profile: look.facturx_profile,
        }
    }
}

/// Both parties of an issued document, as they were at issue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    pub seller: Seller,
    pub buyer: Buyer,
}

impl Buyer {
    /// The customer as a document addresses it; `address` is the document's billing address.
    pub fn of(customer: &Customer, address: Address) -> Buyer {
        Buyer {
            name: customer.name.clone(),
            is_business: customer.kind == CustomerKind::Company,
            siren: customer.legal.siren.clone(),
            siret: customer.legal.siret.clone(),
            vat_number: customer.legal.vat_number.clone(),
            address,
            email: customer.email.as_ref().map(|e| e.as_str().to_string()),
            language: customer.language,
        }
    }
}

impl Seller {
    /// A seller known only by its name and country, before its identity is filled in.
    pub fn bare(name: &str, country: crate::party::Country) -> Seller {
        Seller {
            name: name.to_string(),
            trading_name: None,
            legal_form: None,
            share_capital: None,
            rcs_city: None,
            siren: None,
            siret: None,
            vat_number: None,
            address: Address {
                line1: String::new(),
                line2: None,
                postal_code: String::new(),
                city: String::new(),
                country,
            },
            email: None,
            phone: None,
            website: None,
        }
    }
}

/// A bank account the company may print on its documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankProfile {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub account: BankAccount,
    /// The account printed unless a document names another.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub default: bool,
}

/// How the company's documents look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentLook {
    /// Accent colour as `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// Print the product reference column.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub show_reference: bool,
    /// Print the discount column even when no line has a discount.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub show_discount: bool,
    /// Repeat the running totals at the foot of every page.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub totals_on_every_page: bool,
    /// Terms and conditions printed on every document that has none of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_terms: Option<String>,
    /// The Factur-X profile embedded in invoices and credit notes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub facturx_profile: Profile,
    /// Payment terms of documents whose customer has none of its own (else 30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::default_payment_terms))]
    pub default_payment_terms: Option<crate::terms::PaymentTerms>,
    /// VAT rates (percent) the document editors offer, most used first; empty: the
    /// French rates 20, 10, 5.5, 2.1 and 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::vat_rates))]
    pub vat_rates: Vec<Decimal>,
    /// The company's own mentions for 0 % categories (a training body's article
    /// 261-4-4°), copied into each new document, which may change them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::vat_exemptions))]
    pub vat_exemptions: Vec<crate::tax::ExemptionReason>,
    /// What a line typed by hand supplies when nothing else tells it (goods or services,
    /// never mixed: a line is one or the other).
    #[serde(default = "default_main_activity")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::main_activity))]
    pub main_activity: Operation,
}

/// Services: a line typed by hand in a French SME's invoice is most often work billed
/// by the hour, day or job (consulting, trades, training), while goods are usually sold
/// from the product catalogue, whose products carry their own nature. Printing "delivery
/// of goods" on a consulting invoice, as guessing did, was the defect reported.
fn default_main_activity() -> Operation {
    Operation::Services
}

impl Default for DocumentLook {
    fn default() -> DocumentLook {
        DocumentLook {
            accent: None,
            show_reference: false,
            show_discount: false,
            totals_on_every_page: false,
            default_terms: None,
            facturx_profile: Profile::default(),
            default_payment_terms: None,
            vat_rates: Vec::new(),
            vat_exemptions: Vec::new(),
            main_activity: default_main_activity(),
        }
    }
}

impl DocumentLook {
    /// The VAT rates the editors offer, most used first: the configured ones, else the
    /// French rates 20, 10, 5.5, 2.1 and 0. The first is the default of a new line.
    pub fn offered_vat_rates(&self) -> Vec<Decimal> {
        if self.vat_rates.is_empty() {
            vec![Decimal::from(20), Decimal::from(10), Decimal::new(55, 1), Decimal::new(21, 1), Decimal::ZERO]
        } else {
            self.vat_rates.clone()
        }
    }
}

/// Parses `#rrggbb`.
pub fn parse_colour(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_terms_sealed_before_the_vat_regime_keep_their_bytes() {
        // What a document issued before the setting sealed: read back and written again,
        // it must be the same bytes, or its seal would no longer verify.
        let old = r#"{"late_penalty_rate":"12","early_payment_discount":null,"vat_on_debits":true}"#;
        let read: LegalTerms = serde_json::from_str(old).expect("old legal terms");
        assert_eq!(read.vat_regime, VatRegime::Registered);
        assert_eq!(serde_json::to_string(&read).expect("json"), old);
        let franchise = LegalTerms { vat_regime: VatRegime::Franchise, ..LegalTerms::default() };
        let json = serde_json::to_string(&franchise).expect("json");
        assert!(json.contains(r#""vat_regime":"franchise""#), "{json}");
        assert_eq!(serde_json::from_str::<LegalTerms>(&json).expect("read"), franchise);
    }

    #[test]
    fn settings_saved_before_the_main_activity_default_to_services() {
        let look: DocumentLook = serde_json::from_str("{}").expect("look");
        assert_eq!(look.main_activity, Operation::Services);
        assert_eq!(look, DocumentLook::default());
    }
}
