//! Customers: identity, legal identifiers, addresses, contacts and billing defaults.

use crate::ids::{Email, Iban, Siren, Siret, VatNumber};
use crate::message::Message;
use crate::money::Currency;
use crate::terms::PaymentTerms;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// ISO 3166-1 alpha-2 codes (officially assigned).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country(String);

/// A country that is not an ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 3166-1 alpha-2 country code (FR, BE, DE…)")]
pub struct UnknownCountry(pub String);

impl UnknownCountry {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        crate::message::Message::new("iso_3166_1_alpha").with("v", format!("{:?}", self.0))
    }
}

impl Country {
    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True for a member state of the European Union.
    pub fn is_eu(&self) -> bool {
        "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
            .split(' ')
            .any(|c| c == self.0)
    }
}

impl FromStr for Country {
    type Err = UnknownCountry;
    fn from_str(s: &str) -> Result<Self, UnknownCountry> {
        let c = s.trim().to_ascii_uppercase();
        if c.len() == 2 && COUNTRIES.split(' ').any(|k| k == c) {
            Ok(Country(c))
        } else {
            Err(UnknownCountry(s.to_string()))
        }
    }
}

impl TryFrom<String> for Country {
    type Error = UnknownCountry;
    fn try_from(s: String) -> Result<Self, UnknownCountry> {
        s.parse()
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.0
    }
}

/// A postal address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub country: Country,
}

/// A person to talk to at a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Direct line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// Company or private individual: decides B2B mentions and required identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Company,
    Individual,
}

/// How the contracts billing run invoices a customer's contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContractBilling {
    /// One invoice per contract and period.
    #[default]
    PerContract,
    /// One invoice per billing day with every contract's periods due that day.
    Grouped,
}

impl ContractBilling {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractBilling::PerContract => "per_contract",
            ContractBilling::Grouped => "grouped",
        }
    }
}

impl FromStr for ContractBilling {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Message> {
        match s.trim() {
            "per_contract" => Ok(ContractBilling::PerContract),
            "grouped" => Ok(ContractBilling::Grouped),
            other => Err(Message::new("unknown_choice").with("v", other).with("allowed", "per_contract, grouped")),
        }
    }
}

/// How the monthly run groups a customer's delivery notes into invoices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceGrouping {
    /// One invoice for all the customer's delivery notes of the period.
    #[default]
    Customer,
    /// One invoice per delivery address (site).
    Site,
    /// One invoice per delivery note.
    DeliveryNote,
}

impl InvoiceGrouping {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceGrouping::Customer => "customer",
            InvoiceGrouping::Site => "site",
            InvoiceGrouping::DeliveryNote => "delivery_note",
        }
    }
}

impl FromStr for InvoiceGrouping {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Message> {
        match s.trim() {
            "customer" => Ok(InvoiceGrouping::Customer),
            "site" => Ok(InvoiceGrouping::Site),
            "delivery_note" | "delivery-note" => Ok(InvoiceGrouping::DeliveryNote),
            other => Err(Message::new("grouping_customer_site_delivery").with("v", format!("{other:?}"))),
        }
    }
}

/// The language documents are written in for this customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Fr,
    En,
}

/// Legal identifiers, consistent with each other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LegalIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siren: Option<Siren>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<Siret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<VatNumber>,
}

/// Identifiers that are each valid but contradict one another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegalIdsError {
    #[error("the SIRET {siret} does not belong to the SIREN {siren}")]
    SiretNotOfSiren { siret: String, siren: String },
    #[error("the VAT number {vat} does not belong to the SIREN {siren}")]
    VatNotOfSiren { vat: String, siren: String },
}

impl LegalIdsError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            LegalIdsError::SiretNotOfSiren { siret, siren } => {
                Message::new("siret_does_belong_siren").with("siret", siret).with("siren", siren)
            }
            LegalIdsError::VatNotOfSiren { vat, siren } => {
                Message::new("vat_number_does_belong").with("vat", vat).with("siren", siren)
            }
        }
    }
}

impl LegalIds {
    /// Fills the SIREN from the SIRET when missing, and checks the three agree.
    pub fn reconciled(mut self) -> Result<LegalIds, (&'static str, LegalIdsError)> {
        if let (None, Some(siret)) = (&self.siren, &self.siret) {
            self.siren = Siren::from_str(siret.siren()).ok();
        }
        if let (Some(siren), Some(siret)) = (&self.siren, &self.siret)
            && siret.siren() != siren.as_str()
        {
            return Err((
                "legal.siret",
                LegalIdsError::SiretNotOfSiren { siret: siret.to_string(), siren: siren.to_string() },
            ));
        }
        if let (Some(siren), Some(vat)) = (&self.siren, &self.vat_number)
            && vat.prefix() == "FR"
            && !vat.as_str().ends_with(siren.as_str())
        {
            return Err((
                "legal.vat_number",
                LegalIdsError::VatNotOfSiren { vat: vat.to_string(), siren: siren.to_string() },
            ));
        }
        Ok(self)
    }
}

/// A customer record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub kind: CustomerKind,
    pub name: String,
    pub email: Option<Email>,
    /// Activity or trade ("Plomberie", "Restauration"…).
    pub activity: Option<String>,
    pub legal: LegalIds,
    pub iban: Option<Iban>,
    pub billing_address: Address,
    /// Where goods go; `None` means the billing address.
    pub delivery_address: Option<Address>,
    pub contacts: Vec<Contact>,
    pub language: Language,
    /// Default currency of its documents; `None` means the company's.
    pub currency: Option<Currency>,
    /// Default payment terms; `None` means the company's.
    pub payment_terms: Option<PaymentTerms>,
    pub tags: Vec<String>,
    /// Free notes, never printed.
    pub notes: Option<String>,
    /// How the monthly run invoices this customer's delivery notes.
    #[serde(default)]
    pub invoice_grouping: InvoiceGrouping,
    /// How the contracts billing run invoices this customer's contracts.
    #[serde(default)]
    pub contract_billing: ContractBilling,
    /// The network its e-invoices travel on, hence the UBL it is served; `None`: told by
    /// its country (see [`Customer::network`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
}

/// An e-invoicing network, each with its own reading of EN 16931 in UBL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// The French network of accredited platforms (the BR-FR rules).
    Fr,
    /// Peppol BIS Billing 3.0.
    Peppol,
}

impl Network {
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Fr => "fr",
            Network::Peppol => "peppol",
        }
    }

    /// The network of a buyer in `country` that chose none: a French buyer receives
    /// through the French platforms, any other through Peppol.
    pub fn of_country(country: &Country) -> Network {
        if country.as_str() == "FR" { Network::Fr } else { Network::Peppol }
    }
}

impl FromStr for Network {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Message> {
        match s.trim() {
            "fr" => Ok(Network::Fr),
            "peppol" => Ok(Network::Peppol),
            other => Err(Message::new("ubl_flavour_peppol_fr").with("v", format!("{other:?}"))),
        }
    }
}

impl Customer {
    /// The network its e-invoices go through: its choice, else its country's.
    pub fn network(&self) -> Network {
        self.network.unwrap_or_else(|| Network::of_country(&self.billing_address.country))
    }

    /// The text the directory search runs on: lower case, accents folded, every
    /// searchable field once.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.name];
        parts.extend(self.activity.as_deref());
        parts.extend(self.email.as_ref().map(|e| e.as_str()));
        parts.extend(self.legal.siren.as_ref().map(|s| s.as_str()));
        parts.extend(self.legal.vat_number.as_ref().map(|s| s.as_str()));
        for a in std::iter::once(&self.billing_address).chain(self.delivery_address.as_ref()) {
            parts.push(&a.city);
            parts.push(&a.postal_code);
        }
        for c in &self.contacts {
            parts.push(&c.name);
            parts.extend(c.email.as_ref().map(|e| e.as_str()));
        }
        parts.extend(self.tags.iter().map(String::as_str));
        fold(&parts.join(" "))
    }
}

/// Lower case with French (and common European) accents removed, for search.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(|c| c.to_lowercase())
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            'œ' => 'o',
            'æ' => 'a',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_iso_codes() {
        assert_eq!("fr".parse::<Country>().unwrap().as_str(), "FR");
        assert!("FRA".parse::<Country>().is_err());
        assert!("XX".parse::<Country>().is_err());
        assert!("DE".parse::<Country>().unwrap().is_eu());
        assert!(!"CH".parse::<Country>().unwrap().is_eu());
    }

    #[test]
    fn siret_and_vat_must_match_the_siren() {
        let ids = LegalIds { siren: None, siret: Some("73282932000074".parse().unwrap()), vat_number: None };
        assert_eq!(ids.reconciled().unwrap().siren.unwrap().as_str(), "732829320");
        let ids = LegalIds {
            siren: Some("552100554".parse().unwrap()),
            siret: Some("73282932000074".parse().unwrap()),
            vat_number: None,
        };
        assert!(ids.reconciled().is_err());
        let ids = LegalIds {
            siren: Some("552100554".parse().unwrap()),
            siret: None,
            vat_number: Some("FR44732829320".parse().unwrap()),
        };
        assert_eq!(ids.reconciled().unwrap_err().0, "legal.vat_number");
    }

    #[test]
    fn search_folds_accents_and_case() {
        assert_eq!(fold("Électricité Générale ÇA"), "electricite generale ca");
    }
}
