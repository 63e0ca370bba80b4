//! SEPA direct debit, as pure rules: the creditor identifier (ICS), a mandate's
//! reference and BIC, the sequence type of each collection under a mandate, and a
//! batch of debits grouped into payment information blocks with their control sums.
//!
//! The store keeps mandates and batches; `formats::sepa` writes the pain.008 file from
//! a [`Batch`] made here, so the file's control sums are those checked here.

use crate::ids::string_id;
use crate::message::Message;
use crate::money::{Currency, MAX_MAGNITUDE};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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

string_id!(CreditorId, SepaError);
string_id!(MandateReference, SepaError);
string_id!(Bic, SepaError);
string_id!(ReasonCode, SepaError);

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

/// Whether `d` is a TARGET2 business day: Monday to Friday, except the TARGET closing
/// days (1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December). SEPA
/// collections settle on these days only.
pub fn is_target_day(d: Date) -> bool {
    use time::{Month, Weekday};
    if matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
        return false;
    }
    let fixed = matches!(
        (d.month(), d.day()),
        (Month::January, 1) | (Month::May, 1) | (Month::December, 25) | (Month::December, 26)
    );
    if fixed {
        return false;
    }
    match easter_sunday(d.year()) {
        Some(easter) => d != easter - time::Duration::days(2) && d != easter + time::Duration::days(1),
        None => true,
    }
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Butcher).
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// The first TARGET2 business day on or after `d`.
pub fn target_day_on_or_after(d: Date) -> Date {
    let mut d = d;
    // At most four closing days follow one another (Good Friday to Easter Monday).
    while !is_target_day(d) {
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    d
}

/// The earliest collection date a file sent on `today` may ask for: the file must reach
/// the bank one TARGET2 business day before the collection date (D-1, SDD Core, FRST and
/// RCUR alike since November 2016), so the collection is the business day after the
/// first business day from today.
pub fn earliest_collection_date(today: Date) -> Date {
    let send = target_day_on_or_after(today);
    target_day_on_or_after(send.next_day().unwrap_or(send))
}

/// Why a requested collection date was refused, with the next date that would be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionDateError {
    /// Before the earliest date a file sent today may ask for.
    TooEarly { earliest: Date },
    /// A weekend day or a TARGET closing day.
    NotBusinessDay { next: Date },
}

impl CollectionDateError {
    /// The date to propose instead.
    pub fn proposed(&self) -> Date {
        match *self {
            CollectionDateError::TooEarly { earliest } => earliest,
            CollectionDateError::NotBusinessDay { next } => next,
        }
    }

    /// The message of the catalogue this refusal reads as.
    pub fn message(&self, asked: Date) -> Message {
        match self {
            CollectionDateError::TooEarly { earliest } => {
                Message::new("sepa_collection_date_too_early").with("date", asked).with("next", earliest)
            }
            CollectionDateError::NotBusinessDay { next } => {
                Message::new("sepa_collection_date_closed").with("date", asked).with("next", next)
            }
        }
    }
}

/// Checks a requested collection date for a file sent on `today`: a TARGET2 business
/// day, at least one business day after the sending. The refusal carries the next
/// valid date.
pub fn check_collection_date(today: Date, asked: Date) -> Result<(), CollectionDateError> {
    let earliest = earliest_collection_date(today);
    if asked < earliest {
        return Err(CollectionDateError::TooEarly { earliest });
    }
    if !is_target_day(asked) {
        return Err(CollectionDateError::NotBusinessDay { next: target_day_on_or_after(asked) });
    }
    Ok(())
}

/// The bank identifier inside an IBAN (the part of the BBAN naming the bank), as far as
/// the country's layout is known; otherwise the first four characters of the BBAN.
fn bank_of_iban(iban: &str) -> String {
    let v = compact_upper(iban);
    let country = v.get(..2).unwrap_or("");
    let bban = v.get(4..).unwrap_or("");
    let (from, len) = match country {
        "FR" | "MC" | "AT" | "CH" | "LI" => (0, 5),
        "DE" => (0, 8),
        "BE" | "LU" => (0, 3),
        "IT" | "SM" => (1, 5),
        "ES" | "PT" | "NL" | "IE" | "GB" => (0, 4),
        _ => (0, 4),
    };
    let bank: String = bban.chars().skip(from).take(len).collect();
    format!("{country}{bank}")
}

/// What an amendment of a mandate's IBAN or reference means for its next collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amendment {
    /// The reference changed: the next collection reports `OrgnlMndtId`.
    pub reference_changed: bool,
    /// The IBAN changed within the same bank: the next collection reports `OrgnlDbtrAcct`.
    pub account_changed: bool,
    /// The IBAN moved to another bank: the next collection reports `SMNDA` (same mandate,
    /// new debtor agent) and is presented as a first collection again (FRST).
    pub bank_changed: bool,
}

impl Amendment {
    /// Whether anything changed at all.
    pub fn any(&self) -> bool {
        self.reference_changed || self.account_changed || self.bank_changed
    }
}

/// Classifies an amendment of a mandate (EPC SDD Core rulebook, AT-24 and the
/// implementation guidelines): a new reference, a new account at the same bank, or a
/// new account at another bank.
pub fn amendment(old_reference: &str, old_iban: &str, new_reference: &str, new_iban: &str) -> Amendment {
    let same_iban = compact_upper(old_iban) == compact_upper(new_iban);
    let bank_changed = !same_iban && bank_of_iban(old_iban) != bank_of_iban(new_iban);
    Amendment {
        reference_changed: old_reference != new_reference,
        account_changed: !same_iban && !bank_changed,
        bank_changed,
    }
}

/// The ISO 20022 reason codes of SEPA direct-debit R-transactions (rejects, returns,
/// refunds) as the EPC guidance lists them, with their meaning in English and French.
pub const REJECT_REASONS: &[(&str, &str, &str)] = &[
    ("AC01", "Account identifier incorrect (invalid IBAN)", "Identifiant de compte incorrect (IBAN invalide)"),
    ("AC04", "Account closed", "Compte clôturé"),
    ("AC06", "Account blocked", "Compte bloqué"),
    ("AC13", "Debtor account is a consumer account", "Le compte débiteur est un compte de particulier"),
    ("AG01", "Transaction forbidden on this type of account", "Opération interdite sur ce type de compte"),
    ("AG02", "Invalid bank operation code", "Code opération bancaire invalide"),
    ("AM04", "Insufficient funds", "Provision insuffisante"),
    ("AM05", "Duplicate collection", "Prélèvement en double"),
    ("BE05", "Creditor identifier incorrect", "Identifiant créancier incorrect"),
    ("CNOR", "Creditor bank is not registered", "Banque du créancier non adhérente"),
    ("DNOR", "Debtor bank is not registered", "Banque du débiteur non adhérente"),
    ("FF01", "Invalid file format", "Format de fichier invalide"),
    ("MD01", "No valid mandate", "Absence de mandat valide"),
    ("MD02", "Mandate data missing or incorrect", "Données du mandat manquantes ou incorrectes"),
    (
        "MD06",
        "Refund requested by the debtor (authorised transaction)",
        "Remboursement demandé par le débiteur (opération autorisée)",
    ),
    ("MD07", "Debtor deceased", "Débiteur décédé"),
    ("MS02", "Refused by the debtor (reason not specified)", "Refus du débiteur (motif non précisé)"),
    ("MS03", "Reason not specified by the bank", "Motif non précisé par la banque"),
    ("RC01", "Bank identifier (BIC) incorrect", "Identifiant de banque (BIC) incorrect"),
    (
        "RR01",
        "Debtor account or identification missing (regulatory)",
        "Compte ou identification du débiteur manquant (réglementaire)",
    ),
    ("RR02", "Debtor name or address missing (regulatory)", "Nom ou adresse du débiteur manquant (réglementaire)"),
    ("RR03", "Creditor name or address missing (regulatory)", "Nom ou adresse du créancier manquant (réglementaire)"),
    ("RR04", "Regulatory reason", "Motif réglementaire"),
    ("SL01", "Specific service offered by the debtor bank", "Service spécifique de la banque du débiteur"),
];

/// The English and French labels of a reason code, when it is one of [`REJECT_REASONS`].
pub fn reject_reason_label(code: &str) -> Option<(&'static str, &'static str)> {
    REJECT_REASONS.iter().find(|(c, _, _)| *c == code).map(|(_, en, fr)| (*en, *fr))
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

    #[test]
    fn target_closing_days_and_easter() {
        assert_eq!(easter_sunday(2026), Some(date!(2026 - 04 - 05)));
        assert_eq!(easter_sunday(2027), Some(date!(2027 - 03 - 28)));
        assert_eq!(easter_sunday(2024), Some(date!(2024 - 03 - 31)));
        assert_eq!(easter_sunday(2038), Some(date!(2038 - 04 - 25)));
        for closed in [
            date!(2026 - 01 - 01),
            date!(2026 - 04 - 03), // Good Friday
            date!(2026 - 04 - 06), // Easter Monday
            date!(2026 - 05 - 01),
            date!(2026 - 12 - 25),
            date!(2026 - 12 - 26), // a Saturday anyway
            date!(2027 - 12 - 26), // a Sunday
            date!(2026 - 12 - 12), // Saturday
            date!(2026 - 12 - 13), // Sunday
        ] {
            assert!(!is_target_day(closed), "{closed}");
        }
        // National holidays are not TARGET holidays.
        for open in [date!(2026 - 07 - 14), date!(2026 - 05 - 08), date!(2026 - 11 - 11), date!(2026 - 12 - 24)] {
            assert!(is_target_day(open), "{open}");
        }
    }

    #[test]
    fn the_collection_is_one_business_day_after_sending() {
        // Sent on a Monday: Tuesday at the earliest.
        assert_eq!(earliest_collection_date(date!(2026 - 12 - 07)), date!(2026 - 12 - 08));
        // Sent on a Friday or over the weekend: Tuesday (the file reaches the bank on Monday).
        assert_eq!(earliest_collection_date(date!(2026 - 12 - 11)), date!(2026 - 12 - 14));
        assert_eq!(earliest_collection_date(date!(2026 - 12 - 12)), date!(2026 - 12 - 15));
        // Sent on 24 December 2026 (Thursday): 25 and 26 closed, the weekend: Monday 28.
        assert_eq!(earliest_collection_date(date!(2026 - 12 - 24)), date!(2026 - 12 - 28));
        // Sent on Maundy Thursday 2026: Good Friday, the weekend, Easter Monday: Tuesday 7 April.
        assert_eq!(earliest_collection_date(date!(2026 - 04 - 02)), date!(2026 - 04 - 07));
        let today = date!(2026 - 12 - 07);
        assert_eq!(check_collection_date(today, date!(2026 - 12 - 08)), Ok(()));
        assert_eq!(
            check_collection_date(today, date!(2026 - 12 - 07)),
            Err(CollectionDateError::TooEarly { earliest: date!(2026 - 12 - 08) })
        );
        assert_eq!(
            check_collection_date(today, date!(2026 - 12 - 25)),
            Err(CollectionDateError::NotBusinessDay { next: date!(2026 - 12 - 28) })
        );
        assert_eq!(
            check_collection_date(today, date!(2027 - 01 - 01)).map_err(|e| e.proposed()),
            Err(date!(2027 - 01 - 04))
        );
    }

    #[test]
    fn amendments_by_what_changed() {
        let a = "FR7630006000011234567890189";
        let same_bank = "FR7630006000019876543210173";
        let other_bank = "FR7630004000031234567890143";
        assert!(!amendment("RUM-1", a, "RUM-1", a).any());
        assert_eq!(
            amendment("RUM-1", a, "RUM-2", a),
            Amendment { reference_changed: true, account_changed: false, bank_changed: false }
        );
        assert_eq!(
            amendment("RUM-1", a, "RUM-1", same_bank),
            Amendment { reference_changed: false, account_changed: true, bank_changed: false }
        );
        assert_eq!(
            amendment("RUM-1", a, "RUM-1", other_bank),
            Amendment { reference_changed: false, account_changed: false, bank_changed: true }
        );
        assert!(amendment("RUM-1", a, "RUM-1", "DE89370400440532013000").bank_changed);
    }

    #[test]
    fn reason_codes_have_labels() {
        assert_eq!(reject_reason_label("AM04").map(|l| l.1), Some("Provision insuffisante"));
        assert!(reject_reason_label("ZZ99").is_none());
        for (code, _, _) in REJECT_REASONS {
            assert!(code.parse::<ReasonCode>().is_ok(), "{code}");
        }
    }

    proptest! {
        #[test]
        fn the_proposed_date_is_always_accepted(today in 0i64..4000, ahead in -10i64..60) {
            let today = date!(2025 - 01 - 01) + time::Duration::days(today);
            let asked = today + time::Duration::days(ahead);
            match check_collection_date(today, asked) {
                Ok(()) => {
                    prop_assert!(is_target_day(asked));
                    prop_assert!(asked > today);
                }
                Err(e) => {
                    let p = e.proposed();
                    prop_assert!(p > asked || asked < earliest_collection_date(today));
                    prop_assert_eq!(check_collection_date(today, p), Ok(()));
                    // No valid date lies between the asked one and the proposal.
                    let mut d = asked.max(today);
                    while d < p {
                        prop_assert!(check_collection_date(today, d).is_err());
                        d = d.next_day().unwrap();
                    }
                }
            }
            // At least one business day lies between sending and collecting.
            let earliest = earliest_collection_date(today);
            let mut d = today;
            let mut business = 0;
            while d < earliest {
                if is_target_day(d) { business += 1; }
                d = d.next_day().unwrap();
            }
            prop_assert!(business >= 1);
            prop_assert!(is_target_day(earliest));
        }
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
