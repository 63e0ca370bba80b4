//! Products and services of the catalogue, and their units (UN/ECE rec. 20).

use crate::party::Language;
use crate::tax::Vat;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// UN/ECE recommendation 20 (and 21, X-prefixed) unit codes accepted on lines, with the
/// word a French and an English reader expect on a page or a PDF line ("heure", "hour").
/// The XML keeps the code; people read the word.
const UNITS: &[(&str, &str, &str)] = &[
    ("C62", "unité", "unit"),
    ("H87", "pièce", "piece"),
    ("EA", "unité", "each"),
    ("XPP", "pièce", "piece"),
    ("SET", "lot", "set"),
    ("PR", "paire", "pair"),
    ("LS", "forfait", "lump sum"),
    ("E48", "prestation", "service"),
    ("ZZ", "unité", "unit"),
    ("SEC", "s", "s"),
    ("MIN", "min", "min"),
    ("HUR", "heure", "hour"),
    ("DAY", "jour", "day"),
    ("WEE", "semaine", "week"),
    ("MON", "mois", "month"),
    ("ANN", "an", "year"),
    ("GRM", "g", "g"),
    ("KGM", "kg", "kg"),
    ("TNE", "t", "t"),
    ("MMT", "mm", "mm"),
    ("CMT", "cm", "cm"),
    ("MTR", "mètre", "metre"),
    ("KMT", "km", "km"),
    ("MTK", "m²", "m²"),
    ("HAR", "ha", "ha"),
    ("MTQ", "m³", "m³"),
    ("MLT", "ml", "ml"),
    ("CLT", "cl", "cl"),
    ("LTR", "l", "l"),
    ("KWH", "kWh", "kWh"),
    ("MWH", "MWh", "MWh"),
    ("KWT", "kW", "kW"),
    ("P1", "%", "%"),
    ("XBX", "boîte", "box"),
    ("XPK", "colis", "package"),
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
        UNITS.iter().map(|(c, fr, _)| (*c, *fr))
    }
    /// Every code facturier knows, with its word in `lang`, in a sensible order: the
    /// choices of a unit select.
    pub fn known_in(lang: Language) -> impl Iterator<Item = (&'static str, &'static str)> {
        UNITS.iter().map(move |(c, fr, en)| (*c, if lang == Language::En { *en } else { *fr }))
    }
    /// The unit's word in `lang` ("heure" / "hour", "mètre" / "metre", "kg"), as a page
    /// or a PDF line shows it; the code itself never reaches a reader.
    pub fn label(&self, lang: Language) -> &'static str {
        UNITS
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map(|(_, fr, en)| if lang == Language::En { *en } else { *fr })
            .unwrap_or(self.0)
    }
    /// The unit as a narrow column prints it (a PDF line): the word, or its usual
    /// abbreviation where the word is long ("h", "sem.", "u.").
    pub fn short_label(&self, lang: Language) -> &'static str {
        let fr = lang == Language::Fr;
        match self.0 {
            "HUR" => "h",
            "MTR" => "m",
            "C62" | "EA" | "ZZ" if fr => "u.",
            "WEE" if fr => "sem.",
            "E48" if fr => "prest.",
            _ => self.label(lang),
        }
    }
    /// The word of a stored unit code in `lang`; a code facturier does not know (an old
    /// row, an import) is shown as it is rather than hidden.
    pub fn label_of(code: &str, lang: Language) -> String {
        code.parse::<UnitCode>().map(|u| u.label(lang).to_string()).unwrap_or_else(|_| code.to_string())
    }
    /// A short French label for documents.
    pub fn label_fr(&self) -> &'static str {
        self.label(Language::Fr)
    }
}

impl Default for UnitCode {
    fn default() -> Self {
        UnitCode::ONE
    }
}

impl FromStr for UnitCode {
    type Err = UnknownUnit;
    /// Accepts the code (`HUR`, any case) and the words a page shows ("heure", "hour",
    /// "h", "mètre"), so that a file or a form may name units as people do.
    fn from_str(s: &str) -> Result<Self, UnknownUnit> {
        let u = s.trim().to_ascii_uppercase();
        if let Some((c, _, _)) = UNITS.iter().find(|(c, _, _)| *c == u) {
            return Ok(UnitCode(c));
        }
        let word = s.trim().to_lowercase();
        // "heures", "hours": the plural names the same unit.
        let singular = word.strip_suffix('s').filter(|w| w.len() > 2).unwrap_or(&word);
        UNITS
            .iter()
            .map(|(c, _, _)| UnitCode(c))
            .find(|u| {
                [Language::Fr, Language::En].iter().any(|&l| {
                    [u.label(l), u.short_label(l)].iter().any(|w| {
                        let w = w.to_lowercase();
                        w == word || w == singular
                    })
                })
            })
            .ok_or_else(|| UnknownUnit(s.to_string()))
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
        assert!("HEURISTIQUE".parse::<UnitCode>().is_err());
        for (word, code) in [
            ("heure", "HUR"),
            ("Hours", "HUR"),
            ("h", "HUR"),
            ("mètres", "MTR"),
            ("jour", "DAY"),
            ("kg", "KGM"),
            ("forfait", "LS"),
            ("unité", "C62"),
        ] {
            assert_eq!(word.parse::<UnitCode>().map(|u| u.code()), Ok(code), "{word}");
        }
    }

    #[test]
    fn units_read_as_words_in_both_languages() {
        let hur: UnitCode = "HUR".parse().unwrap();
        assert_eq!(hur.label(Language::Fr), "heure");
        assert_eq!(hur.label(Language::En), "hour");
        assert_eq!(UnitCode::ONE.label(Language::Fr), "unité");
        assert_eq!(UnitCode::ONE.label(Language::En), "unit");
        assert_eq!(UnitCode::label_of("MTR", Language::Fr), "mètre");
        assert_eq!(UnitCode::label_of("DAY", Language::En), "day");
        assert_eq!(UnitCode::label_of("XYZ", Language::Fr), "XYZ");
        // No word is a code: every label differs from every code but the symbols.
        for (code, _, _) in UNITS {
            let u: UnitCode = code.parse().unwrap();
            for lang in [Language::Fr, Language::En] {
                assert!(!u.label(lang).is_empty());
                assert!(UNITS.iter().all(|(c, _, _)| *c != u.label(lang)), "{code}");
            }
        }
        assert_eq!(hur.short_label(Language::Fr), "h");
        assert_eq!(UnitCode::ONE.short_label(Language::Fr), "u.");
        assert_eq!(UnitCode::ONE.short_label(Language::En), "unit");
        assert_eq!("XBX".parse::<UnitCode>().unwrap().short_label(Language::Fr), "boîte");
        assert_eq!(UnitCode::known_in(Language::En).find(|(c, _)| *c == "LS").map(|(_, w)| w), Some("lump sum"));
    }
}
