//! Products and services of the catalogue, and their units (UN/ECE rec. 20).

use crate::tax::Vat;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// UN/ECE recommendation 20 (and 21, X-prefixed) unit codes accepted on lines.
const UNITS: &[(&str, &str)] = &[
    ("C62", "unité"),
    ("H87", "pièce"),
    ("EA", "unité"),
    ("XPP", "pièce"),
    ("SET", "lot"),
    ("PR", "paire"),
    ("LS", "forfait"),
    ("E48", "prestation"),
    ("ZZ", "unité"),
    ("SEC", "s"),
    ("MIN", "min"),
    ("HUR", "h"),
    ("DAY", "jour"),
    ("WEE", "semaine"),
    ("MON", "mois"),
    ("ANN", "an"),
    ("GRM", "g"),
    ("KGM", "kg"),
    ("TNE", "t"),
    ("MMT", "mm"),
    ("CMT", "cm"),
    ("MTR", "m"),
    ("KMT", "km"),
    ("MTK", "m²"),
    ("HAR", "ha"),
    ("MTQ", "m³"),
    ("MLT", "ml"),
    ("CLT", "cl"),
    ("LTR", "l"),
    ("KWH", "kWh"),
    ("MWH", "MWh"),
    ("KWT", "kW"),
    ("P1", "%"),
    ("XBX", "boîte"),
    ("XPK", "colis"),
];

/// A unit of measure code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct UnitCode(&'static str);

impl<'de> Deserialize<'de> for UnitCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(|e: UnknownUnit| crate::message::refuse(e.message()))
    }
}

/// A unit code outside the accepted list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a UN/ECE rec. 20 unit code facturier knows (C62 unit, HUR hour, DAY day, KGM kg, MTR metre, LS lump sum…)"
)]
pub struct UnknownUnit(pub String);

impl UnknownUnit {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        crate::message::Message::new("un_ece_rec_20").with("v", format!("{:?}", self.0))
    }
}

impl UnitCode {
    /// "One", the unit when none is given.
    pub const ONE: UnitCode = UnitCode("C62");
    /// The code.
    pub fn code(&self) -> &'static str {
        self.0
    }
    /// Every code facturier knows, with its short French label, in a sensible order.
    pub fn known() -> impl Iterator<Item = (&'static str, &'static str)> {
        UNITS.iter().copied()
    }
    /// A short French label for documents.
    pub fn label_fr(&self) -> &'static str {
        UNITS.iter().find(|(c, _)| *c == self.0).map(|(_, l)| *l).unwrap_or("")
    }
}

impl Default for UnitCode {
    fn default() -> Self {
        UnitCode::ONE
    }
}

impl FromStr for UnitCode {
    type Err = UnknownUnit;
    fn from_str(s: &str) -> Result<Self, UnknownUnit> {
        let u = s.trim().to_ascii_uppercase();
        UNITS.iter().find(|(c, _)| *c == u).map(|(c, _)| UnitCode(c)).ok_or_else(|| UnknownUnit(s.to_string()))
    }
}

impl TryFrom<String> for UnitCode {
    type Error = UnknownUnit;
    fn try_from(s: String) -> Result<Self, UnknownUnit> {
        s.parse()
    }
}

impl From<UnitCode> for String {
    fn from(u: UnitCode) -> String {
        u.0.to_string()
    }
}

/// A product or service of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// The company's own reference, unique per company.
    pub reference: String,
    pub name: String,
    pub unit: UnitCode,
    /// Selling price without VAT, up to 6 decimals.
    pub unit_price: Decimal,
    pub vat: Vat,
    /// Cost price, for margins.
    pub purchase_price: Option<Decimal>,
    /// Quantity in stock; `None` when stock is not tracked.
    pub stock: Option<Decimal>,
    /// Goods or a service: what a line of it supplies, hence the nature of the
    /// operation a document prints and its billing frame (BT-23).
    pub nature: crate::document::Nature,
}

impl Product {
    /// What one unit earns over its cost (unit price − purchase price), when the cost is known.
    pub fn margin(&self) -> Option<Decimal> {
        self.purchase_price.map(|cost| self.unit_price - cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes_are_checked() {
        assert_eq!("hur".parse::<UnitCode>().unwrap().code(), "HUR");
        assert_eq!(UnitCode::default().code(), "C62");
        assert!("HOURS".parse::<UnitCode>().is_err());
    }
}
