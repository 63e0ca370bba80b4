//! Legal identifiers with their real checksums: SIREN, SIRET, VAT numbers, IBAN,
//! and e-mail addresses (shape only).

use crate::message::Message;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Why an identifier was refused; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} must be {expected}")]
    Shape { kind: &'static str, expected: &'static str },
    #[error("{kind} {value}: the check digit is wrong (typo?)")]
    Checksum { kind: &'static str, value: String },
    /// `why`: the code of the catalogue saying what is wrong with `value`.
    #[error("IBAN {}", Message::new(why).with("v", value).english())]
    Iban { value: String, why: &'static str },
    #[error("{kind} {value}: no company has this number (all zeros)")]
    Unassigned { kind: &'static str, value: String },
}

impl IdError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> Message {
        match self {
            IdError::Shape { kind, expected } => match *kind {
                "SIREN" => Message::new("siren_must_9_digits"),
                "SIRET" => Message::new("siret_must_14_digits"),
                "VAT number" => Message::new("vat_number_must_country"),
                "French VAT number" => Message::new("french_vat_number_must"),
                "e-mail address" => Message::new("e_mail_address_must"),
                _ => Message::new("id_shape").with("kind", kind).with("expected", expected),
            },
            IdError::Checksum { kind, value } => match *kind {
                "SIREN" => Message::new("siren_check_digit_wrong").with("v", value),
                "SIRET" => Message::new("siret_check_digit_wrong").with("v", value),
                "French VAT number" => Message::new("french_vat_number_check").with("v", value),
                _ => Message::new("check_digit_wrong_typo").with("kind", kind).with("v", value),
            },
            IdError::Iban { value, why } => {
                Message::new("iban_invalid").with_message("why", Message::new(why).with("v", value))
            }
            IdError::Unassigned { kind, value } => {
                Message::new("company_number_all_zeros").with("kind", kind).with("v", value)
            }
        }
    }
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '.' && *c != '-').collect()
}

/// Luhn checksum over ASCII digits: the sum is a multiple of ten.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

macro_rules! string_id {
    ($t:ident) => {
        string_id!($t, IdError);
    };
    ($t:ident, $err:ty) => {
        impl $t {
            /// The normalised text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = $err;
            fn try_from(s: String) -> Result<Self, $err> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    };
}
/// The other identifiers of the domain (SEPA's) share it, with their own error.
pub(crate) use string_id;

/// A SIREN: nine digits whose Luhn sum is a multiple of ten.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);
string_id!(Siren);

impl FromStr for Siren {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let digits = compact(s);
        if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Shape { kind: "SIREN", expected: "9 digits" });
        }
        // Zeros pass Luhn, but INSEE never assigns them: a placeholder, not a company.
        if digits.bytes().all(|b| b == b'0') {
            return Err(IdError::Unassigned { kind: "SIREN", value: digits });
        }
        if !luhn(&digits) {
            return Err(IdError::Checksum { kind: "SIREN", value: digits });
        }
        Ok(Siren(digits))
    }
}

/// La Poste's establishments share one SIREN and use a digit-sum rule instead of Luhn.
const LA_POSTE_SIREN: &str = "356000000";

/// A SIRET: a SIREN followed by a five-digit establishment number, Luhn-checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);
string_id!(Siret);

impl Siret {
    /// The SIREN of the company this establishment belongs to.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }
}

impl FromStr for Siret {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let digits = compact(s);
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Shape { kind: "SIRET", expected: "14 digits" });
        }
        if digits[..9].bytes().all(|b| b == b'0') {
            return Err(IdError::Unassigned { kind: "SIRET", value: digits });
        }
        let ok = if &digits[..9] == LA_POSTE_SIREN {
            digits.bytes().map(|b| u32::from(b - b'0')).sum::<u32>().is_multiple_of(5)
        } else {
            luhn(&digits)
        };
        if !ok {
            return Err(IdError::Checksum { kind: "SIRET", value: digits });
        }
        Ok(Siret(digits))
    }
}

/// An EU VAT identification number. French numbers have their key checked
/// against the SIREN; other member states are checked for shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatNumber(String);
string_id!(VatNumber);

const EU_VAT_PREFIXES: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI", "CH", "GB", "NO",
];

impl VatNumber {
    /// The two-letter prefix (EL for Greece, as VIES writes it).
    pub fn prefix(&self) -> &str {
        &self.0[..2]
    }

    /// The French VAT key for a SIREN: (12 + 3 × (SIREN mod 97)) mod 97.
    pub fn french_for(siren: &Siren) -> VatNumber {
        let n: u64 = siren.as_str().parse().unwrap_or(0);
        VatNumber(format!("FR{:02}{}", (12 + 3 * (n % 97)) % 97, siren))
    }
}

impl FromStr for VatNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let v = compact(s).to_ascii_uppercase();
        let shape = IdError::Shape {
            kind: "VAT number",
            expected: "a country prefix (FR, DE, BE…) followed by 2 to 13 letters or digits",
        };
        if v.len() < 4 || v.len() > 15 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(shape);
        }
        let (prefix, rest) = v.split_at(2);
        if !EU_VAT_PREFIXES.contains(&prefix) {
            return Err(shape);
        }
        if prefix == "FR" {
            if rest.len() != 11 {
                return Err(IdError::Shape {
                    kind: "French VAT number",
                    expected: "FR, a 2-character key and the 9-digit SIREN",
                });
            }
            let siren: Siren = rest[2..].parse()?;
            let key = &rest[..2];
            // Keys made of digits are computed from the SIREN; old alphabetic keys are shape-checked only.
            if key.bytes().all(|b| b.is_ascii_digit()) && VatNumber::french_for(&siren).0 != v {
                return Err(IdError::Checksum { kind: "French VAT number", value: v });
            }
        }
        Ok(VatNumber(v))
    }
}

/// An IBAN, checked (country length and mod-97) by the `iban_validate` crate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);
string_id!(Iban);

impl FromStr for Iban {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let parsed: iban::Iban = s.trim().parse().map_err(|e: iban::ParseIbanError| IdError::Iban {
            value: s.trim().to_string(),
            why: match e {
                iban::ParseIbanError::InvalidBaseIban { .. } => "iban_not_base",
                iban::ParseIbanError::InvalidBban(_) => "iban_bad_bban",
                iban::ParseIbanError::UnknownCountry(_) => "iban_unknown_country",
            },
        })?;
        Ok(Iban(iban::IbanLike::electronic_str(&parsed).to_string()))
    }
}

/// An e-mail address of a plausible shape (local@domain.tld); delivery proves the rest.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);
string_id!(Email);

impl FromStr for Email {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        let shape = IdError::Shape { kind: "e-mail address", expected: "of the form name@example.com" };
        let (local, domain) = t.split_once('@').ok_or(shape.clone())?;
        let ok = !local.is_empty()
            && t.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !t.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';' || c == '<' || c == '>')
            && !domain.contains('@');
        if ok { Ok(Email(t.to_string())) } else { Err(shape) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_luhn_is_checked() {
        assert_eq!("732 829 320".parse::<Siren>().unwrap().as_str(), "732829320");
        assert!(matches!("732829321".parse::<Siren>(), Err(IdError::Checksum { .. })));
        assert!(matches!("73282932".parse::<Siren>(), Err(IdError::Shape { .. })));
        assert!(matches!("73282932A".parse::<Siren>(), Err(IdError::Shape { .. })));
    }

    #[test]
    fn all_zero_siren_and_siret_are_refused_though_luhn_accepts_them() {
        let e = "000 000 000".parse::<Siren>().unwrap_err();
        assert_eq!(e, IdError::Unassigned { kind: "SIREN", value: "000000000".into() });
        assert_eq!(e.to_string(), "SIREN 000000000: no company has this number (all zeros)");
        assert!(matches!("00000000000000".parse::<Siret>(), Err(IdError::Unassigned { kind: "SIRET", .. })));
        // 000000000 00018 passes Luhn too: the SIREN part decides.
        assert!(matches!("00000000000018".parse::<Siret>(), Err(IdError::Unassigned { .. })));
        assert!(matches!("FR12000000000".parse::<VatNumber>(), Err(IdError::Unassigned { .. })));
    }

    #[test]
    fn siret_luhn_and_la_poste_rule() {
        let s: Siret = "732 829 320 00074".parse().unwrap();
        assert_eq!(s.siren(), "732829320");
        assert!("73282932000075".parse::<Siret>().is_err());
        // La Poste: digit sum multiple of 5 instead of Luhn.
        assert!("35600000000051".parse::<Siret>().is_ok());
        assert!("35600000000052".parse::<Siret>().is_err());
    }

    #[test]
    fn french_vat_key_matches_the_siren() {
        let siren: Siren = "732829320".parse().unwrap();
        assert_eq!(VatNumber::french_for(&siren).as_str(), "FR44732829320");
        assert!("FR 44 732829320".parse::<VatNumber>().is_ok());
        assert!(matches!("FR45732829320".parse::<VatNumber>(), Err(IdError::Checksum { .. })));
        assert!("DE123456789".parse::<VatNumber>().is_ok());
        assert!("XX123456789".parse::<VatNumber>().is_err());
    }

    #[test]
    fn iban_mod97_is_checked() {
        assert_eq!(
            "FR76 3000 6000 0112 3456 7890 189".parse::<Iban>().unwrap().as_str(),
            "FR7630006000011234567890189"
        );
        assert!("FR76 3000 6000 0112 3456 7890 188".parse::<Iban>().is_err());
    }

    #[test]
    fn emails_need_a_domain() {
        assert!("compta@exemple.fr".parse::<Email>().is_ok());
        assert!("compta@exemple".parse::<Email>().is_err());
        assert!("compta".parse::<Email>().is_err());
        assert!("a b@c.fr".parse::<Email>().is_err());
        assert!("a\0b@c.fr".parse::<Email>().is_err());
        assert!("ab@c.fr\u{1b}".parse::<Email>().is_err());
    }
}
