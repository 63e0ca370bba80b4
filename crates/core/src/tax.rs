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
}

/// A VAT category with its rate in percent, consistent with each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vat {
    category: VatCategory,
    rate: Decimal,
}

impl Vat {
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
}
