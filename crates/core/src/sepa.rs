//! SEPA direct debit, as pure rules: the creditor identifier (ICS), a mandate's
//! reference and BIC, the sequence type of each collection under a mandate, and a
//! batch of debits grouped into payment information blocks with their control sums.
//!
//! The store keeps mandates and batches; `formats::sepa` writes the pain.008 file from
//! a [`Batch`] made here, so the file's control sums are those checked here.

use crate::message::Message;
use crate::money::{Currency, MAX_MAGNITUDE};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use time::Date;
use uuid::Uuid;

/// Why a SEPA identifier or batch was refused; each variant reads as a catalogue message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SepaError {
    #[error(
        "creditor identifier {0}: expected a country, 2 check digits, a 3-character business code and the national identifier (FR72ZZZ123456)"
    )]
    CreditorIdShape(String),
    #[error("creditor identifier {0}: the check digits are wrong (typo?)")]
    CreditorIdChecksum(String),
    #[error(
        "mandate reference {0:?}: 1 to 35 characters among letters, digits and / - ? : ( ) . , ' + space, not starting or ending with / nor holding //"
    )]
    MandateReference(String),
    #[error("BIC {0}: expected 8 or 11 characters (4 letters of bank, 2 of country, 2 of place, optional 3 of branch)")]
    Bic(String),
    #[error("ISO 20022 reason code {0:?}: expected 4 letters or digits, such as AM04 or MD01")]
    ReasonCode(String),
    #[error("invoice {0}: a direct debit is in euros only")]
    NotEuro(String),
    #[error("invoice {0}: the amount to collect must be above zero with at most two decimals")]
    Amount(String),
    #[error("invoice {0} is twice in the batch")]
    Duplicate(String),
    #[error("a batch needs at least one invoice")]
    Empty,
}

impl SepaError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> Message {
        match self {
            SepaError::CreditorIdShape(v) => Message::new("sepa_creditor_id_shape").with("v", v),
            SepaError::CreditorIdChecksum(v) => Message::new("sepa_creditor_id_checksum").with("v", v),
            SepaError::MandateReference(v) => Message::new("sepa_mandate_reference").with("v", format!("{v:?}")),
            SepaError::Bic(v) => Message::new("sepa_bic").with("v", v),
            SepaError::ReasonCode(v) => Message::new("sepa_reason_code").with("v", format!("{v:?}")),
            SepaError::NotEuro(v) => Message::new("sepa_not_euro").with("number", v),
            SepaError::Amount(v) => Message::new("sepa_amount").with("number", v),
            SepaError::Duplicate(v) => Message::new("sepa_duplicate").with("number", v),
            SepaError::Empty => Message::new("sepa_empty_batch"),
        }
    }
}

/// ISO 7064 MOD 97-10 remainder of an alphanumeric string (letters as 10..35).
fn mod97(s: &str) -> Option<u32> {
    let mut r: u32 = 0;
    for c in s.chars() {
        let v = c.to_digit(36)?;
        r = if v >= 10 { (r * 100 + v) % 97 } else { (r * 10 + v) % 97 };
    }
    Some(r)
}

fn compact_upper(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect()
}

/// A SEPA creditor identifier (ICS in France): country, two check digits, a free
/// three-character business code and the national identifier. The check digits are
/// ISO 7064 MOD 97-10 over the national identifier and the country, the business code
/// left out (EPC262-08).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditorId(String);

impl FromStr for CreditorId {
    type Err = SepaError;
    fn from_str(s: &str) -> Result<Self, SepaError> {
        let v = compact_upper(s);
        let shape = || SepaError::CreditorIdShape(v.clone());
        if v.len() < 8 || v.len() > 35 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(shape());
        }
        let (country, rest) = v.split_at(2);
        let (check, rest) = rest.split_at(2);
        let national = &rest[3..];
        if !country.bytes().all(|b| b.is_ascii_uppercase()) || !check.bytes().all(|b| b.is_ascii_digit()) {
            return Err(shape());
        }
        // A French ICS is 13 characters: FR, the key, the business code and 6 characters.
        if country == "FR" && v.len() != 13 {
            return Err(shape());
        }
        match mod97(&format!("{national}{country}{check}")) {
            Some(1) => Ok(CreditorId(v)),
            _ => Err(SepaError::CreditorIdChecksum(v)),
        }
    }
}

/// A mandate's unique reference (RUM): 1–35 characters of the SEPA character set,
/// never starting or ending with `/` nor holding `//` (EPC rulebook, AT-01).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MandateReference(String);

/// Whether a character belongs to the SEPA (EPC Latin) character set.
pub fn is_sepa_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c)
}

impl FromStr for MandateReference {
    type Err = SepaError;
    fn from_str(s: &str) -> Result<Self, SepaError> {
        let v = s.trim();
        let ok = !v.is_empty()
            && v.chars().count() <= 35
            && v.chars().all(is_sepa_char)
            && !v.starts_with('/')
            && !v.ends_with('/')
            && !v.contains("//");
        if ok { Ok(MandateReference(v.to_string())) } else { Err(SepaError::MandateReference(v.to_string())) }
    }
}

/// A BIC (ISO 9362): 4 letters of bank, 2 of country, 2 letters or digits of place,
/// optionally 3 of branch.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Bic(String);

impl FromStr for Bic {
    type Err = SepaError;
    fn from_str(s: &str) -> Result<Self, SepaError> {
        let v = compact_upper(s);
        let b = v.as_bytes();
        let ok = (b.len() == 8 || b.len() == 11)
            && b[..6].iter().all(u8::is_ascii_uppercase)
            && b[6..].iter().all(u8::is_ascii_alphanumeric);
        if ok { Ok(Bic(v)) } else { Err(SepaError::Bic(v)) }
    }
}

/// An ISO 20022 status reason code of a reject (AC01, AM04, MD01, MS02…).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReasonCode(String);

impl FromStr for ReasonCode {
    type Err = SepaError;
    fn from_str(s: &str) -> Result<Self, SepaError> {
        let v = s.trim().to_uppercase();
        if v.len() == 4 && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(ReasonCode(v))
        } else {
            Err(SepaError::ReasonCode(s.trim().to_string()))
        }
    }
}

macro_rules! text_id {
    ($t:ty) => {
        impl $t {
            /// The identifier as written in the file.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = SepaError;
            fn try_from(s: String) -> Result<Self, SepaError> {
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
text_id!(CreditorId);
text_id!(MandateReference);
text_id!(Bic);
text_id!(ReasonCode);

/// The sequence type of a collection (ISO 20022 `SeqTp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SequenceType {
    /// The first collection of a recurrent mandate.
    Frst,
    /// A following collection of a recurrent mandate.
    Rcur,
    /// The only collection of a one-off mandate.
    Ooff,
    /// The last collection of a recurrent mandate.
    Fnal,
}

impl SequenceType {
    /// The code written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            SequenceType::Frst => "FRST",
            SequenceType::Rcur => "RCUR",
            SequenceType::Ooff => "OOFF",
            SequenceType::Fnal => "FNAL",
        }
    }

    /// Reads a code as written in the file or stored.
    pub fn parse(s: &str) -> Option<SequenceType> {
        Some(match s {
            "FRST" => SequenceType::Frst,
            "RCUR" => SequenceType::Rcur,
            "OOFF" => SequenceType::Ooff,
            "FNAL" => SequenceType::Fnal,
            _ => return None,
        })
    }
}

/// A mandate's history as far as sequencing goes: whether a collection under it has
/// been presented (and not rejected) already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MandateUse {
    /// A one-off mandate is used once (OOFF); a recurrent one goes FRST then RCUR.
    pub one_off: bool,
    /// Collections already presented under the mandate, its amendments included.
    pub presented: u32,
}

/// The sequence type of the next collection under a mandate: the first is FRST (OOFF for
/// a one-off mandate), every following one RCUR. An amendment of the IBAN or of the
/// reference keeps the mandate's history (EPC rulebook 2016+): the count carries over.
pub fn next_sequence(m: MandateUse) -> SequenceType {
    match (m.one_off, m.presented) {
        (true, _) => SequenceType::Ooff,
        (false, 0) => SequenceType::Frst,
        (false, _) => SequenceType::Rcur,
    }
}

/// One invoice to collect under a mandate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Debit {
    pub invoice_id: Uuid,
    /// The invoice's number, which names it in errors and is its end-to-end id.
    pub number: String,
    pub currency: Currency,
    pub amount: Decimal,
    pub mandate_id: Uuid,
    pub sequence: SequenceType,
}

/// One payment information block: the debits of one collection date and sequence type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentBlock {
    pub collection_date: Date,
    pub sequence: SequenceType,
    pub debits: Vec<Debit>,
    /// The sum of the debits' amounts, to the cent (`CtrlSum`).
    pub control_sum: Decimal,
}

/// A batch of debits, ready to write: one block per (collection date, sequence type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub blocks: Vec<PaymentBlock>,
    /// The sum of every debit (`GrpHdr/CtrlSum`).
    pub control_sum: Decimal,
    /// The number of debits (`GrpHdr/NbOfTxs`).
    pub count: usize,
}

/// Groups debits into a batch: each invoice once, in euros, an amount above zero with at
/// most two decimals; blocks ordered by date then sequence type, debits in the order given.
pub fn plan_batch(debits: Vec<(Date, Debit)>) -> Result<Batch, SepaError> {
    if debits.is_empty() {
        return Err(SepaError::Empty);
    }
    let mut seen = BTreeSet::new();
    let mut groups: BTreeMap<(Date, SequenceType), Vec<Debit>> = BTreeMap::new();
    for (date, d) in debits {
        if d.currency != Currency::EUR {
            return Err(SepaError::NotEuro(d.number));
        }
        if d.amount <= Decimal::ZERO || d.amount.round_dp(2) != d.amount || d.amount >= MAX_MAGNITUDE {
            return Err(SepaError::Amount(d.number));
        }
        if !seen.insert(d.invoice_id) {
            return Err(SepaError::Duplicate(d.number));
        }
        groups.entry((date, d.sequence)).or_default().push(d);
    }
    let blocks: Vec<PaymentBlock> = groups
        .into_iter()
        .map(|((collection_date, sequence), debits)| PaymentBlock {
            collection_date,
            sequence,
            control_sum: control_sum(debits.iter().map(|d| d.amount)),
            debits,
        })
        .collect();
    let control_sum = control_sum(blocks.iter().map(|b| b.control_sum));
    let count = blocks.iter().map(|b| b.debits.len()).sum();
    Ok(Batch { blocks, control_sum, count })
}

/// The sum of amounts written with exactly two decimals.
fn control_sum(amounts: impl Iterator<Item = Decimal>) -> Decimal {
    let mut s: Decimal = amounts.sum();
    s.rescale(2);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    #[test]
    fn creditor_identifiers_with_their_check_digits() {
        for ok in ["FR72ZZZ123456", "fr72 zzz 123456", "DE98ZZZ09999999999", "FR80ZZZ534689", "FR72ABC123456"] {
            assert!(ok.parse::<CreditorId>().is_ok(), "{ok}");
        }
        assert_eq!("fr72 zzz 123456".parse::<CreditorId>().unwrap().as_str(), "FR72ZZZ123456");
        assert_eq!("FR73ZZZ123456".parse::<CreditorId>(), Err(SepaError::CreditorIdChecksum("FR73ZZZ123456".into())));
        assert!(matches!("FR72ZZZ123457".parse::<CreditorId>(), Err(SepaError::CreditorIdChecksum(_))));
        assert!(matches!("DE97ZZZ09999999999".parse::<CreditorId>(), Err(SepaError::CreditorIdChecksum(_))));
        for shape in ["", "FR72", "FR72ZZZ1234567", "7272ZZZ123456", "FRXXZZZ123456", "FR72ZZZ12345!"] {
            assert!(matches!(shape.parse::<CreditorId>(), Err(SepaError::CreditorIdShape(_))), "{shape}");
        }
    }

    #[test]
    fn mandate_references_follow_the_sepa_character_set() {
        for ok in ["RUM-2026-0001", "A", "CLIENT 42/CONTRAT(3)", &"X".repeat(35)] {
            assert!(ok.parse::<MandateReference>().is_ok(), "{ok}");
        }
        for bad in ["", "  ", &"X".repeat(36), "RUM_1", "RUMé", "/RUM", "RUM/", "RUM//1", "RUM#1"] {
            assert!(bad.parse::<MandateReference>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bics_of_8_or_11_characters() {
        assert_eq!("bnpa frpp xxx".parse::<Bic>().unwrap().as_str(), "BNPAFRPPXXX");
        assert!("AGRIFRPP".parse::<Bic>().is_ok());
        for bad in ["AGRIFRP", "AGRIFRPP1", "1GRIFRPP", "AGRI12PP", "AGRIFRPP-XX"] {
            assert!(bad.parse::<Bic>().is_err(), "{bad}");
        }
    }

    #[test]
    fn reason_codes_are_four_characters() {
        assert_eq!("am04".parse::<ReasonCode>().unwrap().as_str(), "AM04");
        assert!("AM0".parse::<ReasonCode>().is_err());
        assert!("AM-4".parse::<ReasonCode>().is_err());
    }

    #[test]
    fn first_collection_is_frst_then_rcur() {
        assert_eq!(next_sequence(MandateUse { one_off: false, presented: 0 }), SequenceType::Frst);
        assert_eq!(next_sequence(MandateUse { one_off: false, presented: 1 }), SequenceType::Rcur);
        assert_eq!(next_sequence(MandateUse { one_off: false, presented: 9 }), SequenceType::Rcur);
        assert_eq!(next_sequence(MandateUse { one_off: true, presented: 0 }), SequenceType::Ooff);
        for s in [SequenceType::Frst, SequenceType::Rcur, SequenceType::Ooff, SequenceType::Fnal] {
            assert_eq!(SequenceType::parse(s.as_str()), Some(s));
        }
    }

    fn debit(n: u128, amount: Decimal, sequence: SequenceType) -> Debit {
        Debit {
            invoice_id: Uuid::from_u128(n),
            number: format!("F2026-{n:05}"),
            currency: Currency::EUR,
            amount,
            mandate_id: Uuid::from_u128(1000 + n),
            sequence,
        }
    }

    #[test]
    fn one_block_per_date_and_sequence_with_control_sums() {
        let d1 = date!(2026 - 12 - 15);
        let d2 = date!(2026 - 12 - 20);
        let b = plan_batch(vec![
            (d1, debit(1, dec!(120.50), SequenceType::Frst)),
            (d1, debit(2, dec!(80), SequenceType::Rcur)),
            (d1, debit(3, dec!(19.5), SequenceType::Frst)),
            (d2, debit(4, dec!(0.01), SequenceType::Rcur)),
        ])
        .unwrap();
        assert_eq!(b.count, 4);
        assert_eq!(b.control_sum.to_string(), "220.01");
        let blocks: Vec<(Date, &str, String, usize)> = b
            .blocks
            .iter()
            .map(|p| (p.collection_date, p.sequence.as_str(), p.control_sum.to_string(), p.debits.len()))
            .collect();
        assert_eq!(
            blocks,
            vec![
                (d1, "FRST", "140.00".to_string(), 2),
                (d1, "RCUR", "80.00".to_string(), 1),
                (d2, "RCUR", "0.01".to_string(), 1),
            ]
        );
    }

    #[test]
    fn refusals_name_the_invoice() {
        let d = date!(2026 - 12 - 15);
        assert_eq!(plan_batch(vec![]), Err(SepaError::Empty));
        let twice = vec![(d, debit(1, dec!(1), SequenceType::Rcur)), (d, debit(1, dec!(2), SequenceType::Rcur))];
        assert_eq!(plan_batch(twice), Err(SepaError::Duplicate("F2026-00001".into())));
        assert_eq!(
            plan_batch(vec![(d, debit(2, dec!(0), SequenceType::Rcur))]),
            Err(SepaError::Amount("F2026-00002".into()))
        );
        assert_eq!(
            plan_batch(vec![(d, debit(2, dec!(1.005), SequenceType::Rcur))]),
            Err(SepaError::Amount("F2026-00002".into()))
        );
        let mut usd = debit(3, dec!(1), SequenceType::Rcur);
        usd.currency = "USD".parse().unwrap();
        assert_eq!(plan_batch(vec![(d, usd)]), Err(SepaError::NotEuro("F2026-00003".into())));
    }

    proptest! {
        #[test]
        fn control_sums_add_up_and_each_invoice_is_once(
            items in proptest::collection::vec((0u8..3, 0u8..2, 1i64..100_000_000), 1..40)
        ) {
            let base = date!(2026 - 12 - 1);
            let debits: Vec<(Date, Debit)> = items.iter().enumerate().map(|(i, (day, seq, cents))| {
                let seq = if *seq == 0 { SequenceType::Frst } else { SequenceType::Rcur };
                (base + time::Duration::days(i64::from(*day)), debit(i as u128, Decimal::new(*cents, 2), seq))
            }).collect();
            let total: Decimal = debits.iter().map(|(_, d)| d.amount).sum();
            let b = plan_batch(debits.clone()).unwrap();
            prop_assert_eq!(b.control_sum, total);
            prop_assert_eq!(b.control_sum.scale(), 2);
            prop_assert_eq!(b.count, debits.len());
            let mut ids: Vec<Uuid> = b.blocks.iter().flat_map(|p| p.debits.iter().map(|d| d.invoice_id)).collect();
            prop_assert_eq!(ids.len(), debits.len());
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), debits.len());
            let mut keys = BTreeSet::new();
            for p in &b.blocks {
                prop_assert!(keys.insert((p.collection_date, p.sequence)));
                prop_assert_eq!(p.control_sum, p.debits.iter().map(|d| d.amount).sum::<Decimal>());
                prop_assert!(p.debits.iter().all(|d| d.sequence == p.sequence));
            }
        }
    }
}
