//! VAT: EN 16931 categories (UNTDID 5305), rates, and the exemption reasons
//! a category requires.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An EN 16931 VAT category code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VatCategory {
    /// Standard (and reduced) rates: 20, 10, 5.5, 2.1 in France.
    S,
    /// Zero-rated goods.
    Z,
    /// Exempt from VAT (e.g. training under article 261-4-4° of the CGI).
    E,
    /// Reverse charge: the customer accounts for the VAT.
    AE,
    /// Intra-community supply of goods or services, VAT exempt.
    K,
    /// Export outside the EU.
    G,
    /// Services outside the scope of VAT.
    O,
}

impl VatCategory {
    /// All categories, in code order.
    pub const ALL: [VatCategory; 7] = [Self::S, Self::Z, Self::E, Self::AE, Self::K, Self::G, Self::O];

    /// The UNTDID 5305 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::S => "S",
            Self::Z => "Z",
            Self::E => "E",
            Self::AE => "AE",
            Self::K => "K",
            Self::G => "G",
            Self::O => "O",
        }
    }

    /// True when the category carries a positive rate; every other category is 0 %.
    pub fn has_rate(self) -> bool {
        matches!(self, Self::S)
    }

    /// The exemption reason code (VATEX, BT-121) and the French legal mention
    /// (BT-120) that EN 16931 requires for this category; `None` for S and Z.
    pub fn exemption(self) -> Option<Exemption> {
        let (code, text_fr, text_en) = match self {
            Self::S | Self::Z => return None,
            Self::E => (
                "VATEX-FR-FRANCHISE",
                "TVA non applicable, art. 293 B du CGI",
                "VAT exempt, article 293 B of the French tax code",
            ),
            Self::AE => ("VATEX-EU-AE", "Autoliquidation", "Reverse charge"),
            Self::K => (
                "VATEX-EU-IC",
                "Exonération de TVA, article 262 ter, I du CGI (livraison intracommunautaire)",
                "Intra-community supply, VAT exempt (article 138 of Directive 2006/112/EC)",
            ),
            Self::G => (
                "VATEX-EU-G",
                "Exonération de TVA, article 262 I du CGI (exportation)",
                "Export outside the EU, VAT exempt",
            ),
            Self::O => ("VATEX-EU-O", "Hors champ d'application de la TVA", "Not subject to VAT"),
        };
        Some(Exemption { code, text_fr, text_en })
    }
}

/// The mention that justifies a 0 % category on an invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exemption {
    pub code: &'static str,
    pub text_fr: &'static str,
    pub text_en: &'static str,
}

/// The VATEX code list (BT-121) as the EN 16931 schematron checks it (BR-CL-22).
#[rustfmt::skip]
const VATEX_CODES: &[&str] = &[
    "VATEX-EU-79-C", "VATEX-EU-132", "VATEX-EU-132-1A", "VATEX-EU-132-1B", "VATEX-EU-132-1C",
    "VATEX-EU-132-1D", "VATEX-EU-132-1E", "VATEX-EU-132-1F", "VATEX-EU-132-1G", "VATEX-EU-132-1H",
    "VATEX-EU-132-1I", "VATEX-EU-132-1J", "VATEX-EU-132-1K", "VATEX-EU-132-1L", "VATEX-EU-132-1M",
    "VATEX-EU-132-1N", "VATEX-EU-132-1O", "VATEX-EU-132-1P", "VATEX-EU-132-1Q", "VATEX-EU-135-1",
    "VATEX-EU-143", "VATEX-EU-143-1A", "VATEX-EU-143-1B", "VATEX-EU-143-1C", "VATEX-EU-143-1D",
    "VATEX-EU-143-1E", "VATEX-EU-143-1F", "VATEX-EU-143-1FA", "VATEX-EU-143-1G", "VATEX-EU-143-1H",
    "VATEX-EU-143-1I", "VATEX-EU-143-1J", "VATEX-EU-143-1K", "VATEX-EU-143-1L", "VATEX-EU-144",
    "VATEX-EU-146-1E", "VATEX-EU-159", "VATEX-EU-309", "VATEX-EU-148", "VATEX-EU-148-A",
    "VATEX-EU-148-B", "VATEX-EU-148-C", "VATEX-EU-148-D", "VATEX-EU-148-E", "VATEX-EU-148-F",
    "VATEX-EU-148-G", "VATEX-EU-151", "VATEX-EU-151-1A", "VATEX-EU-151-1AA", "VATEX-EU-151-1B",
    "VATEX-EU-151-1C", "VATEX-EU-151-1D", "VATEX-EU-151-1E", "VATEX-EU-G", "VATEX-EU-O",
    "VATEX-EU-IC", "VATEX-EU-AE", "VATEX-EU-D", "VATEX-EU-F", "VATEX-EU-I", "VATEX-EU-J",
    "VATEX-FR-FRANCHISE", "VATEX-FR-CNWVAT", "VATEX-EU-153", "VATEX-FR-CGI261-1", "VATEX-FR-CGI261-2",
    "VATEX-FR-CGI261-3", "VATEX-FR-CGI261-4", "VATEX-FR-CGI261-5", "VATEX-FR-CGI261-7",
    "VATEX-FR-CGI261-8", "VATEX-FR-CGI261A", "VATEX-FR-CGI261B", "VATEX-FR-CGI261C-1",
    "VATEX-FR-CGI261C-2", "VATEX-FR-CGI261C-3", "VATEX-FR-CGI261D-1", "VATEX-FR-CGI261D-1BIS",
    "VATEX-FR-CGI261D-2", "VATEX-FR-CGI261D-3", "VATEX-FR-CGI261D-4", "VATEX-FR-CGI261E-1",
    "VATEX-FR-CGI261E-2", "VATEX-FR-CGI277A", "VATEX-FR-CGI275", "VATEX-FR-298SEXDECIESA",
    "VATEX-FR-CGI295", "VATEX-FR-AE",
];

/// The codes that say what a category already says: each belongs to its category only.
const CATEGORY_CODES: [(VatCategory, &str); 6] = [
    (VatCategory::AE, "VATEX-EU-AE"),
    (VatCategory::AE, "VATEX-FR-AE"),
    (VatCategory::K, "VATEX-EU-IC"),
    (VatCategory::G, "VATEX-EU-G"),
    (VatCategory::O, "VATEX-EU-O"),
    (VatCategory::E, "VATEX-FR-FRANCHISE"),
];

/// A code of the VATEX list (BT-121): "VATEX-EU-132-1I", "VATEX-FR-CGI261-4".
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatexCode(&'static str);

impl VatexCode {
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl FromStr for VatexCode {
    type Err = TaxError;
    fn from_str(s: &str) -> Result<Self, TaxError> {
        let s = s.trim();
        VATEX_CODES
            .iter()
            .find(|c| c.eq_ignore_ascii_case(s))
            .map(|c| VatexCode(c))
            .ok_or_else(|| TaxError::UnknownVatex(s.to_string()))
    }
}

impl TryFrom<String> for VatexCode {
    type Error = TaxError;
    fn try_from(s: String) -> Result<Self, TaxError> {
        s.parse()
    }
}

impl From<VatexCode> for String {
    fn from(c: VatexCode) -> String {
        c.0.to_string()
    }
}

/// The longest mention accepted (it is printed on the document and sent as BT-120).
pub const MAX_EXEMPTION_TEXT: usize = 300;

/// A company's or a document's own mention for a 0 % category, in place of the one
/// `VatCategory::exemption` gives: a training body's "Exonération de TVA, article
/// 261-4-4° a du CGI" rather than the franchise's article 293 B.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawExemptionReason")]
pub struct ExemptionReason {
    category: VatCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<VatexCode>,
    text: String,
}

#[derive(Deserialize)]
struct RawExemptionReason {
    category: VatCategory,
    #[serde(default)]
    code: Option<String>,
    text: String,
}

impl TryFrom<RawExemptionReason> for ExemptionReason {
    type Error = TaxError;
    fn try_from(r: RawExemptionReason) -> Result<Self, TaxError> {
        let code = r.code.map(|c| c.parse()).transpose()?;
        ExemptionReason::new(r.category, code, &r.text)
    }
}

impl ExemptionReason {
    /// A mention for `category`, which must be one that needs one, with a code that
    /// fits it: AE, K, G and O have their own codes; E takes any other.
    pub fn new(category: VatCategory, code: Option<VatexCode>, text: &str) -> Result<Self, TaxError> {
        if category.exemption().is_none() {
            return Err(TaxError::NoExemptionFor(category));
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(TaxError::EmptyExemption);
        }
        if text.chars().count() > MAX_EXEMPTION_TEXT {
            return Err(TaxError::LongExemption);
        }
        if let Some(c) = &code {
            let owner = CATEGORY_CODES.iter().find(|(_, x)| *x == c.as_str()).map(|(cat, _)| *cat);
            let fits = match owner {
                Some(owner) => owner == category,
                None => category == VatCategory::E,
            };
            if !fits {
                return Err(TaxError::VatexNotFor(c.as_str(), category));
            }
        }
        Ok(ExemptionReason { category, code, text: text.to_string() })
    }

    pub fn category(&self) -> VatCategory {
        self.category
    }
    pub fn code(&self) -> Option<&VatexCode> {
        self.code.as_ref()
    }
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// What a document prints and sends (BT-120, BT-121) for a 0 % category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExemptionMention<'a> {
    pub code: Option<&'static str>,
    pub text: &'a str,
}

/// The mention of `category`: the first of `own` (the document's, then the company's)
/// written for it, else the category's default in French or English; `None` for S and Z.
/// An own mention without a code keeps the category's code, except for E, whose default
/// code (the franchise) would contradict another legal basis.
pub fn exemption_mention<'a>(
    category: VatCategory,
    own: impl IntoIterator<Item = &'a ExemptionReason>,
    fr: bool,
) -> Option<ExemptionMention<'a>> {
    let default = category.exemption()?;
    Some(match own.into_iter().find(|r| r.category == category) {
        Some(r) => ExemptionMention {
            code: match &r.code {
                Some(c) => Some(c.as_str()),
                None if category == VatCategory::E => None,
                None => Some(default.code),
            },
            text: &r.text,
        },
        None => ExemptionMention { code: Some(default.code), text: if fr { default.text_fr } else { default.text_en } },
    })
}

impl FromStr for VatCategory {
    type Err = TaxError;
    fn from_str(s: &str) -> Result<Self, TaxError> {
        VatCategory::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| TaxError::UnknownCategory(s.to_string()))
    }
}

impl fmt::Display for VatCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a VAT rate or category was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    #[error("{0:?} is not a VAT category (use S, Z, E, AE, K, G or O)")]
    UnknownCategory(String),
    #[error("a VAT rate is a percentage between 0 and 100 with at most 4 decimals, not {0}")]
    BadRate(Decimal),
    #[error("category S needs a positive rate; use Z, E, AE, K, G or O for 0 %")]
    StandardNeedsRate,
    #[error("category {0} is always 0 %")]
    CategoryIsZeroRated(VatCategory),
    #[error("{0:?} is not a code of the VATEX list (e.g. VATEX-EU-132, VATEX-FR-CGI261-4)")]
    UnknownVatex(String),
    #[error("category {0} needs no exemption mention (only E, AE, K, G and O do)")]
    NoExemptionFor(VatCategory),
    #[error("an exemption mention cannot be empty")]
    EmptyExemption,
    #[error("an exemption mention has at most 300 characters")]
    LongExemption,
    #[error("{0} is not a code for category {1}")]
    VatexNotFor(&'static str, VatCategory),
}

impl TaxError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            TaxError::UnknownCategory(v) => Message::new("vat_category_use_s").with("v", format!("{v:?}")),
            TaxError::BadRate(v) => Message::new("vat_rate_percentage_between").with("v", v),
            TaxError::StandardNeedsRate => Message::new("category_s_needs_positive"),
            TaxError::CategoryIsZeroRated(c) => Message::new("category_always_0").with("c", c),
            TaxError::UnknownVatex(v) => Message::new("code_vatex_list_e").with("v", format!("{v:?}")),
            TaxError::NoExemptionFor(c) => Message::new("category_needs_exemption_mention").with("c", c),
            TaxError::EmptyExemption => Message::new("exemption_mention_cannot_empty"),
            TaxError::LongExemption => Message::new("exemption_mention_most_300"),
            TaxError::VatexNotFor(code, c) => Message::new("code_category").with("code", code).with("c", c),
        }
    }
}

/// A VAT category with its rate in percent, consistent with each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vat {
    category: VatCategory,
    rate: Decimal,
}

impl Vat {
    /// 0 %, zero-rated (Z): for figures whose VAT does not matter, such as a line's net.
    pub const ZERO_RATED: Vat = Vat { category: VatCategory::Z, rate: Decimal::ZERO };

    /// Builds a VAT from a rate and an optional category. Without a category, a positive
    /// rate is S and 0 % is Z (zero-rated).
    pub fn new(rate: Decimal, category: Option<VatCategory>) -> Result<Vat, TaxError> {
        if rate.is_sign_negative() || rate > Decimal::ONE_HUNDRED || rate.normalize().scale() > 4 {
            return Err(TaxError::BadRate(rate));
        }
        let rate = rate.normalize();
        let category = category.unwrap_or(if rate.is_zero() { VatCategory::Z } else { VatCategory::S });
        match (category.has_rate(), rate.is_zero()) {
            (true, true) => Err(TaxError::StandardNeedsRate),
            (false, false) => Err(TaxError::CategoryIsZeroRated(category)),
            _ => Ok(Vat { category, rate }),
        }
    }

    /// The category.
    pub fn category(&self) -> VatCategory {
        self.category
    }

    /// The rate in percent (20 for 20 %).
    pub fn rate(&self) -> Decimal {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn category_defaults_from_the_rate() {
        assert_eq!(Vat::new(dec!(20), None).unwrap().category(), VatCategory::S);
        assert_eq!(Vat::new(dec!(0), None).unwrap().category(), VatCategory::Z);
        assert_eq!(Vat::new(dec!(5.50), None).unwrap().rate().to_string(), "5.5");
    }

    #[test]
    fn inconsistent_rates_are_refused() {
        assert_eq!(Vat::new(dec!(0), Some(VatCategory::S)), Err(TaxError::StandardNeedsRate));
        assert_eq!(Vat::new(dec!(20), Some(VatCategory::AE)), Err(TaxError::CategoryIsZeroRated(VatCategory::AE)));
        assert!(Vat::new(dec!(-1), None).is_err());
        assert!(Vat::new(dec!(101), None).is_err());
    }

    #[test]
    fn exempt_categories_carry_a_reason() {
        for c in VatCategory::ALL {
            assert_eq!(c.exemption().is_some(), !matches!(c, VatCategory::S | VatCategory::Z), "{c}");
        }
        assert_eq!("ae".parse::<VatCategory>().unwrap(), VatCategory::AE);
    }

    fn code(s: &str) -> Option<VatexCode> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_own_mention_replaces_the_default_and_keeps_a_fitting_code() {
        let training = ExemptionReason::new(
            VatCategory::E,
            code("vatex-fr-cgi261-4"),
            "  Exonération de TVA, article 261-4-4° a du CGI ",
        )
        .unwrap();
        assert_eq!(training.code().unwrap().as_str(), "VATEX-FR-CGI261-4", "stored as the list spells it");
        let m = exemption_mention(VatCategory::E, [&training], true).unwrap();
        assert_eq!((m.code, m.text), (Some("VATEX-FR-CGI261-4"), "Exonération de TVA, article 261-4-4° a du CGI"));

        // Without a code, E sends none (the franchise's would be wrong); AE keeps its own.
        let e = ExemptionReason::new(VatCategory::E, None, "Exonération, art. 261-4-1° du CGI").unwrap();
        assert_eq!(exemption_mention(VatCategory::E, [&e], true).unwrap().code, None);
        let ae = ExemptionReason::new(VatCategory::AE, None, "Autoliquidation, art. 283-2 nonies du CGI").unwrap();
        assert_eq!(exemption_mention(VatCategory::AE, [&ae], false).unwrap().code, Some("VATEX-EU-AE"));

        // The first written for the category wins; other categories keep their default.
        let m = exemption_mention(VatCategory::E, [&ae, &e, &training], true).unwrap();
        assert_eq!(m.text, "Exonération, art. 261-4-1° du CGI");
        let k = exemption_mention(VatCategory::K, [&e], false).unwrap();
        assert_eq!((k.code, k.text), (Some("VATEX-EU-IC"), VatCategory::K.exemption().unwrap().text_en));
        assert_eq!(exemption_mention(VatCategory::S, [&e], true), None);
    }

    #[test]
    fn a_mention_that_does_not_fit_its_category_is_refused() {
        use VatCategory::*;
        assert_eq!(ExemptionReason::new(S, None, "x"), Err(TaxError::NoExemptionFor(S)));
        assert_eq!(ExemptionReason::new(E, None, "  "), Err(TaxError::EmptyExemption));
        assert_eq!(ExemptionReason::new(E, None, &"é".repeat(301)), Err(TaxError::LongExemption));
        assert!(ExemptionReason::new(E, None, &"é".repeat(300)).is_ok());
        assert_eq!(ExemptionReason::new(K, code("VATEX-EU-G"), "x"), Err(TaxError::VatexNotFor("VATEX-EU-G", K)));
        assert_eq!(ExemptionReason::new(E, code("VATEX-EU-IC"), "x"), Err(TaxError::VatexNotFor("VATEX-EU-IC", E)));
        assert!(ExemptionReason::new(E, code("VATEX-FR-FRANCHISE"), "x").is_ok());
        assert!(ExemptionReason::new(AE, code("VATEX-FR-AE"), "x").is_ok());
        assert_eq!("VATEX-FR-NOPE".parse::<VatexCode>(), Err(TaxError::UnknownVatex("VATEX-FR-NOPE".into())));
        // Stored JSON is checked the same way when read back.
        let bad = serde_json::from_str::<ExemptionReason>(r#"{"category":"K","code":"VATEX-EU-G","text":"x"}"#);
        assert!(bad.is_err());
        let good: ExemptionReason =
            serde_json::from_str(r#"{"category":"E","code":"VATEX-EU-132-1I","text":"Enseignement"}"#).unwrap();
        assert_eq!(serde_json::to_value(&good).unwrap()["code"], "VATEX-EU-132-1I");
    }
}
