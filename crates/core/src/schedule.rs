//! Payment schedules ("échéancier"): a document's gross split into instalments, such
//! as "30 % à la signature, 70 % à 90 jours fin de mois", each with its amount and due
//! date.
//!
//! A [`Schedule`] is valid by construction: at least one instalment, every percentage
//! above 0 with at most 4 decimals, and a total of exactly 100 %.
//!
//! Due dates are chained, as in the seed's screen where "each instalment is based on
//! the date of the one above": the first condition counts from the start date (the
//! document date), every later one from the previous instalment's due date. The order
//! of the instalments therefore matters, and monthly instalments are written as
//! "30 days" each time, not 30, 60, 90.

use crate::money::Currency;
use crate::party::Language;
use crate::terms::{BadTerms, PaymentTerms};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::Date;

/// Most instalments a schedule may hold: ten years of monthly direct debits.
pub const MAX_INSTALMENTS: usize = 120;
/// Longest instalment title, in characters.
pub const MAX_TITLE: usize = 200;
/// Decimals a percentage may have (33.3333 %).
pub const PERCENT_DECIMALS: u32 = 4;

/// What an instalment is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstalmentKind {
    /// A deposit ("acompte"): an advance payment that may get its own deposit invoice.
    Deposit,
    /// An ordinary payment ("règlement") of part of the balance.
    Payment,
}

/// When an instalment falls due, counted from the previous instalment's due date (the
/// document date for the first one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Condition {
    /// At once: on order or signature for the first instalment, together with the
    /// previous one for a later instalment.
    OnOrder,
    /// N days later.
    Days(u16),
    /// N days later, then the end of that month ("90 jours fin de mois").
    DaysEndOfMonth(u16),
    /// The end of the month, then N days ("fin de mois + 10 jours").
    EndOfMonthPlus(u16),
}

impl Condition {
    /// The same rule as payment terms, whose arithmetic it shares.
    pub fn terms(self) -> PaymentTerms {
        match self {
            Condition::OnOrder => PaymentTerms::OnReceipt,
            Condition::Days(n) => PaymentTerms::Days(n),
            Condition::DaysEndOfMonth(n) => PaymentTerms::DaysEndOfMonth(n),
            Condition::EndOfMonthPlus(n) => PaymentTerms::EndOfMonthPlus(n),
        }
    }

    /// The due date this condition gives counted from `from`.
    pub fn due_date(self, from: Date) -> Date {
        self.terms().due_date(from)
    }

    /// The wording printed on a French document.
    pub fn label_fr(self) -> String {
        self.label(Language::Fr)
    }

    /// The condition in words ("à 45 jours fin de mois" / "at 45 days end of month"), as a
    /// page or a PDF shows it and as a form reads it back.
    pub fn label(self, lang: Language) -> String {
        match (self, lang) {
            (Condition::OnOrder, Language::Fr) => "à la commande".into(),
            (Condition::Days(n), Language::Fr) => format!("à {n} jours"),
            (Condition::DaysEndOfMonth(n), Language::Fr) => format!("à {n} jours fin de mois"),
            (Condition::EndOfMonthPlus(n), Language::Fr) => format!("fin de mois + {n} jours"),
            (Condition::OnOrder, Language::En) => "on order".into(),
            (Condition::Days(n), Language::En) => format!("at {n} days"),
            (Condition::DaysEndOfMonth(n), Language::En) => format!("at {n} days end of month"),
            (Condition::EndOfMonthPlus(n), Language::En) => format!("end of month + {n} days"),
        }
    }
}

impl FromStr for Condition {
    type Err = BadTerms;
    /// Accepts `on_order` (or `on_signature`) and every form payment terms accept:
    /// `30_days`, `90_days_end_of_month`, `end_of_month_plus_10`, `30`, `on_receipt`…
    fn from_str(s: &str) -> Result<Self, BadTerms> {
        let t = crate::terms::from_words(s);
        if matches!(t.as_str(), "on_order" | "on_signature" | "on_la_commande" | "on_la_signature") {
            return Ok(Condition::OnOrder);
        }
        Ok(match s.parse::<PaymentTerms>()? {
            PaymentTerms::OnReceipt => Condition::OnOrder,
            PaymentTerms::Days(n) => Condition::Days(n),
            PaymentTerms::DaysEndOfMonth(n) => Condition::DaysEndOfMonth(n),
            PaymentTerms::EndOfMonthPlus(n) => Condition::EndOfMonthPlus(n),
        })
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::OnOrder => f.write_str("on_order"),
            other => other.terms().fmt(f),
        }
    }
}

impl TryFrom<String> for Condition {
    type Error = BadTerms;
    fn try_from(s: String) -> Result<Self, BadTerms> {
        s.parse()
    }
}

impl From<Condition> for String {
    fn from(c: Condition) -> String {
        c.to_string()
    }
}

/// How an instalment is expected to be paid ("mode de règlement").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    BankTransfer,
    Card,
    Cheque,
    Cash,
    DirectDebit,
    Online,
    Other,
}

/// A payment mode text that is not one of the canonical codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a payment mode (bank_transfer, card, cheque, cash, direct_debit, online, other)")]
pub struct UnknownPaymentMode(pub String);

impl UnknownPaymentMode {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        crate::message::Message::new("payment_mode_bank_transfer").with("v", format!("{:?}", self.0))
    }
}

impl PaymentMode {
    /// All modes.
    pub const ALL: [PaymentMode; 7] = [
        PaymentMode::BankTransfer,
        PaymentMode::Card,
        PaymentMode::Cheque,
        PaymentMode::Cash,
        PaymentMode::DirectDebit,
        PaymentMode::Online,
        PaymentMode::Other,
    ];

    /// The stored and serialised code, the same as a payment's method.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMode::BankTransfer => "bank_transfer",
            PaymentMode::Card => "card",
            PaymentMode::Cheque => "cheque",
            PaymentMode::Cash => "cash",
            PaymentMode::DirectDebit => "direct_debit",
            PaymentMode::Online => "online",
            PaymentMode::Other => "other",
        }
    }
}

impl FromStr for PaymentMode {
    type Err = UnknownPaymentMode;
    fn from_str(s: &str) -> Result<Self, UnknownPaymentMode> {
        PaymentMode::ALL.into_iter().find(|m| m.as_str() == s.trim()).ok_or_else(|| UnknownPaymentMode(s.to_string()))
    }
}

/// One line of a payment schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Share of the document's gross (incl. VAT), in percent: above 0, at most 4 decimals.
    pub percent: Decimal,
    pub kind: InstalmentKind,
    pub condition: Condition,
    /// The expected payment mode, if any.
    #[serde(default)]
    pub mode: Option<PaymentMode>,
    /// The wording printed for this instalment ("Acompte à la signature"); may be empty.
    #[serde(default)]
    pub title: String,
}

/// Why a payment schedule was refused. Positions count instalments from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("a payment schedule needs at least one instalment")]
    Empty,
    #[error("a payment schedule has at most {max} instalments, not {count}")]
    TooMany { count: usize, max: usize },
    #[error("instalment {position}: the percentage must be greater than 0, not {percent}")]
    NotPositive { position: usize, percent: Decimal },
    #[error("instalment {position}: a percentage has at most 4 decimals, not {percent}")]
    TooPrecise { position: usize, percent: Decimal },
    #[error("instalment {position}: the title is longer than {max} characters")]
    TitleTooLong { position: usize, max: usize },
    #[error("the instalments add up to {total} %, not 100 %: {}", fix_total(*.total))]
    NotHundred { total: Decimal },
}

impl ScheduleError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            ScheduleError::Empty => Message::new("payment_schedule_needs_least"),
            ScheduleError::TooMany { count, max } => {
                Message::new("payment_schedule_most_instalments").with("max", max).with("n", count)
            }
            ScheduleError::NotPositive { position, percent } => {
                Message::new("instalment_percentage_must_greater").with("n", position).with("p", percent)
            }
            ScheduleError::TooPrecise { position, percent } => {
                Message::new("instalment_percentage_most_4").with("n", position).with("p", percent)
            }
            ScheduleError::TitleTooLong { position, max } => {
                Message::new("instalment_title_longer_characters").with("n", position).with("max", max)
            }
            ScheduleError::NotHundred { total } => {
                Message::new("instalments_add_up_100").with("total", total).with_message("fix", fix_message(*total))
            }
        }
    }
}

fn fix_total(total: Decimal) -> String {
    fix_message(total).english()
}

/// What to change so that instalments adding up to `total` % add up to 100 %.
fn fix_message(total: Decimal) -> crate::message::Message {
    let gap = (Decimal::ONE_HUNDRED - total).normalize();
    if gap > Decimal::ZERO {
        crate::message::Message::new("add_instalment").with("gap", gap)
    } else {
        crate::message::Message::new("remove_instalments").with("gap", -gap)
    }
}

/// A valid payment schedule: see the module documentation for the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Instalment>", into = "Vec<Instalment>")]
pub struct Schedule(Vec<Instalment>);

/// One computed instalment: what is due and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// Rounded to the currency; the last instalment takes the rounding remainder.
    pub amount: Decimal,
    pub date: Date,
}

impl Schedule {
    /// Checks the instalments and builds the schedule.
    pub fn new(instalments: Vec<Instalment>) -> Result<Schedule, ScheduleError> {
        if instalments.is_empty() {
            return Err(ScheduleError::Empty);
        }
        if instalments.len() > MAX_INSTALMENTS {
            return Err(ScheduleError::TooMany { count: instalments.len(), max: MAX_INSTALMENTS });
        }
        for (i, inst) in instalments.iter().enumerate() {
            let (position, percent) = (i + 1, inst.percent);
            if percent <= Decimal::ZERO {
                return Err(ScheduleError::NotPositive { position, percent });
            }
            if percent.normalize().scale() > PERCENT_DECIMALS {
                return Err(ScheduleError::TooPrecise { position, percent });
            }
            if inst.title.chars().count() > MAX_TITLE {
                return Err(ScheduleError::TitleTooLong { position, max: MAX_TITLE });
            }
        }
        // Each percentage is at most 100 here, so the sum cannot overflow.
        let total: Decimal = instalments.iter().map(|i| i.percent).sum();
        if total != Decimal::ONE_HUNDRED {
            return Err(ScheduleError::NotHundred { total: total.normalize() });
        }
        Ok(Schedule(instalments))
    }

    /// The instalments, in order.
    pub fn instalments(&self) -> &[Instalment] {
        &self.0
    }

    /// The amount of each instalment of a document whose gross is `gross`: round(gross ×
    /// percent), the last one taking the rounding remainder so they total `gross` exactly.
    /// On a gross of a few minor units, where that remainder would be negative, the
    /// running total is rounded instead. A gross finer than the currency is rounded first.
    pub fn amounts(&self, gross: Decimal, currency: Currency) -> Vec<Decimal> {
        let gross = currency.round(gross);
        let part = |percent: Decimal| currency.round(gross * percent / Decimal::ONE_HUNDRED);
        // Every instalment but the last; a schedule is never empty.
        let first = self.0.split_last().map_or(&[][..], |(_, first)| first);
        let mut amounts: Vec<Decimal> = first.iter().map(|i| part(i.percent)).collect();
        let remainder = gross - amounts.iter().sum::<Decimal>();
        if remainder.is_zero() || remainder.is_sign_negative() == gross.is_sign_negative() {
            amounts.push(remainder);
            return amounts;
        }
        // Only on a gross of a few cents (4 × 25 % of 0.02 rounds to 0.01 each): the parts
        // overshoot and the last would have the wrong sign. Rounding the running total
        // instead keeps every amount on the side of the gross and still sums to it.
        let mut cumulated = Decimal::ZERO;
        let mut before = currency.round(Decimal::ZERO);
        self.0
            .iter()
            .map(|i| {
                cumulated += i.percent;
                let upto = part(cumulated);
                let amount = upto - before;
                before = upto;
                amount
            })
            .collect()
    }

    /// The due date of each instalment, the first counted from `start` (the document
    /// date), each later one from the previous due date.
    pub fn due_dates(&self, start: Date) -> Vec<Date> {
        let mut from = start;
        self.0
            .iter()
            .map(|i| {
                from = i.condition.due_date(from);
                from
            })
            .collect()
    }

    /// Amounts and due dates together, one per instalment.
    pub fn compute(&self, gross: Decimal, currency: Currency, start: Date) -> Vec<Due> {
        self.amounts(gross, currency)
            .into_iter()
            .zip(self.due_dates(start))
            .map(|(amount, date)| Due { amount, date })
            .collect()
    }
}

impl TryFrom<Vec<Instalment>> for Schedule {
    type Error = ScheduleError;
    fn try_from(instalments: Vec<Instalment>) -> Result<Self, ScheduleError> {
        Schedule::new(instalments)
    }
}

impl From<Schedule> for Vec<Instalment> {
    fn from(s: Schedule) -> Vec<Instalment> {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    fn inst(percent: Decimal, kind: InstalmentKind, condition: Condition) -> Instalment {
        Instalment { percent, kind, condition, mode: None, title: String::new() }
    }

    fn payments(percents: &[Decimal], condition: Condition) -> Result<Schedule, ScheduleError> {
        Schedule::new(percents.iter().map(|p| inst(*p, InstalmentKind::Payment, condition)).collect())
    }

    #[test]
    fn thirty_percent_on_signature_and_seventy_at_ninety_days_end_of_month() {
        let s = Schedule::new(vec![
            Instalment {
                mode: Some(PaymentMode::Cheque),
                title: "Acompte à la signature".into(),
                ..inst(dec!(30), InstalmentKind::Deposit, Condition::OnOrder)
            },
            inst(dec!(70), InstalmentKind::Payment, Condition::DaysEndOfMonth(90)),
        ])
        .unwrap();
        let due = s.compute(dec!(1234.56), Currency::EUR, date!(2026 - 01 - 15));
        // 30 % of 1 234.56 = 370.368 → 370.37; the balance takes the rest.
        // 15 January + 90 days = 15 April → end of April.
        assert_eq!(
            due,
            vec![
                Due { amount: dec!(370.37), date: date!(2026 - 01 - 15) },
                Due { amount: dec!(864.19), date: date!(2026 - 04 - 30) },
            ]
        );
        assert_eq!(s.instalments()[0].kind, InstalmentKind::Deposit);
    }

    #[test]
    fn three_thirds_of_a_hundred_leave_the_cent_to_the_last() {
        let s = payments(&[dec!(33.3333), dec!(33.3333), dec!(33.3334)], Condition::Days(30)).unwrap();
        assert_eq!(s.amounts(dec!(100), Currency::EUR), vec![dec!(33.33), dec!(33.33), dec!(33.34)]);
        assert_eq!(s.amounts(dec!(100), Currency::EUR)[0].to_string(), "33.33");
    }

    #[test]
    fn each_condition_counts_from_the_previous_due_date() {
        let s = Schedule::new(vec![
            inst(dec!(25), InstalmentKind::Deposit, Condition::OnOrder),
            inst(dec!(25), InstalmentKind::Payment, Condition::Days(30)),
            inst(dec!(25), InstalmentKind::Payment, Condition::Days(30)),
            inst(dec!(15), InstalmentKind::Payment, Condition::EndOfMonthPlus(10)),
            inst(dec!(10), InstalmentKind::Payment, Condition::OnOrder),
        ])
        .unwrap();
        assert_eq!(
            s.due_dates(date!(2026 - 01 - 15)),
            vec![
                date!(2026 - 01 - 15),
                date!(2026 - 02 - 14),
                date!(2026 - 03 - 16),
                // End of March + 10 days.
                date!(2026 - 04 - 10),
                // "At once" after an earlier instalment is that instalment's date.
                date!(2026 - 04 - 10),
            ]
        );
    }

    #[test]
    fn zero_decimal_currencies_get_whole_amounts() {
        let jpy: Currency = "JPY".parse().unwrap();
        let thirds = payments(&[dec!(33.3333), dec!(33.3333), dec!(33.3334)], Condition::OnOrder).unwrap();
        let a = thirds.amounts(dec!(10000), jpy);
        assert_eq!(a, vec![dec!(3333), dec!(3333), dec!(3334)]);
        assert_eq!(a.iter().map(|d| d.to_string()).collect::<Vec<_>>(), ["3333", "3333", "3334"]);
        // 500.5 → 501 away from zero; the balance is 500.
        let halves = payments(&[dec!(50), dec!(50)], Condition::OnOrder).unwrap();
        assert_eq!(halves.amounts(dec!(1001), jpy), vec![dec!(501), dec!(500)]);
    }

    #[test]
    fn tiny_amounts_never_give_a_negative_instalment() {
        let quarters = payments(&[dec!(25); 4], Condition::OnOrder).unwrap();
        // Each 0.005 would round to 0.01 and leave −0.01 for the last.
        assert_eq!(quarters.amounts(dec!(0.02), Currency::EUR), vec![dec!(0.01), dec!(0), dec!(0.01), dec!(0)]);
        assert_eq!(quarters.amounts(dec!(100), Currency::EUR), vec![dec!(25.00); 4]);
        // A credit note's schedule mirrors an invoice's.
        assert_eq!(quarters.amounts(dec!(-0.02), Currency::EUR), vec![dec!(-0.01), dec!(0), dec!(-0.01), dec!(0)]);
    }

    #[test]
    fn percentages_must_total_exactly_one_hundred() {
        let err = payments(&[dec!(30), dec!(60)], Condition::OnOrder).unwrap_err();
        assert_eq!(err, ScheduleError::NotHundred { total: dec!(90) });
        assert_eq!(err.to_string(), "the instalments add up to 90 %, not 100 %: add 10 % to an instalment");
        let err = payments(&[dec!(50), dec!(50.0001)], Condition::OnOrder).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the instalments add up to 100.0001 %, not 100 %: remove 0.0001 % from the instalments"
        );
        assert_eq!(
            payments(&[dec!(33.3333); 3], Condition::OnOrder),
            Err(ScheduleError::NotHundred { total: dec!(99.9999) })
        );
    }

    #[test]
    fn bad_instalments_are_refused_with_their_position() {
        assert_eq!(payments(&[], Condition::OnOrder), Err(ScheduleError::Empty));
        assert_eq!(
            payments(&[dec!(100), dec!(0)], Condition::OnOrder),
            Err(ScheduleError::NotPositive { position: 2, percent: dec!(0) })
        );
        assert_eq!(
            payments(&[dec!(110), dec!(-10)], Condition::OnOrder),
            Err(ScheduleError::NotPositive { position: 2, percent: dec!(-10) })
        );
        let err = payments(&[dec!(33.33333), dec!(66.66667)], Condition::OnOrder).unwrap_err();
        assert_eq!(err.to_string(), "instalment 1: a percentage has at most 4 decimals, not 33.33333");
        assert!(payments(&[dec!(100.0000)], Condition::OnOrder).is_ok());
        let too_many = vec![dec!(0.5); 200];
        assert_eq!(
            payments(&too_many, Condition::OnOrder),
            Err(ScheduleError::TooMany { count: 200, max: MAX_INSTALMENTS })
        );
        let long = Instalment {
            title: "x".repeat(MAX_TITLE + 1),
            ..inst(dec!(100), InstalmentKind::Payment, Condition::OnOrder)
        };
        assert_eq!(Schedule::new(vec![long]), Err(ScheduleError::TitleTooLong { position: 1, max: MAX_TITLE }));
    }

    #[test]
    fn conditions_and_modes_read_and_print_as_text() {
        for (text, want) in [
            ("on_order", Condition::OnOrder),
            ("on signature", Condition::OnOrder),
            ("on_receipt", Condition::OnOrder),
            ("30_days", Condition::Days(30)),
            ("45", Condition::Days(45)),
            ("90_days_end_of_month", Condition::DaysEndOfMonth(90)),
            ("end_of_month_plus_10", Condition::EndOfMonthPlus(10)),
        ] {
            assert_eq!(text.parse::<Condition>().unwrap(), want, "{text}");
        }
        for c in ["on_order", "30_days", "90_days_end_of_month", "end_of_month_plus_10"] {
            assert_eq!(c.parse::<Condition>().unwrap().to_string(), c);
        }
        assert_eq!("à la commande".parse::<Condition>(), Ok(Condition::OnOrder));
        assert!("à la livraison".parse::<Condition>().is_err());
        assert_eq!(Condition::DaysEndOfMonth(90).label_fr(), "à 90 jours fin de mois");
        for c in [Condition::OnOrder, Condition::Days(30), Condition::DaysEndOfMonth(90), Condition::EndOfMonthPlus(10)]
        {
            for lang in [Language::Fr, Language::En] {
                assert_eq!(c.label(lang).parse::<Condition>(), Ok(c), "{}", c.label(lang));
            }
        }
        assert_eq!("direct_debit".parse::<PaymentMode>().unwrap(), PaymentMode::DirectDebit);
        let err = "virement".parse::<PaymentMode>().unwrap_err();
        assert!(err.to_string().contains("bank_transfer"), "{err}");
    }

    #[test]
    fn a_schedule_is_checked_when_read_back() {
        let s = payments(&[dec!(30), dec!(70)], Condition::DaysEndOfMonth(90)).unwrap();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json[1]["condition"], "90_days_end_of_month");
        assert_eq!(json[1]["kind"], "payment");
        assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), s);
        let bad = serde_json::json!([{"percent": "30", "kind": "deposit", "condition": "on_order"}]);
        let err = serde_json::from_value::<Schedule>(bad).unwrap_err();
        assert!(err.to_string().contains("add 70 %"), "{err}");
    }

    /// Percentages in units of 0.0001 % that total exactly 100 %.
    fn arb_percents() -> impl Strategy<Value = Vec<Decimal>> {
        prop::collection::vec(1i64..=1000, 1..=12).prop_map(|weights| {
            let total: i64 = weights.iter().sum();
            let mut units: Vec<i64> = weights.iter().map(|w| w * 1_000_000 / total).collect();
            let rest = 1_000_000 - units.iter().sum::<i64>();
            if let Some(last) = units.last_mut() {
                *last += rest;
            }
            units.into_iter().map(|u| Decimal::new(u, PERCENT_DECIMALS)).collect()
        })
    }

    proptest! {
        #[test]
        fn instalments_total_the_gross_exactly(
            percents in arb_percents(),
            units in -1_000_000_000i64..=1_000_000_000,
            cur in prop::sample::select(vec!["EUR", "JPY", "KWD"]),
            days in 0u16..=365,
        ) {
            let currency: Currency = cur.parse().unwrap();
            let gross = Decimal::new(units, currency.minor_units());
            let s = payments(&percents, Condition::DaysEndOfMonth(days)).unwrap();
            let due = s.compute(gross, currency, date!(2026 - 01 - 31));
            prop_assert_eq!(due.len(), percents.len());
            prop_assert_eq!(due.iter().map(|d| d.amount).sum::<Decimal>(), gross);
            for (d, p) in due.iter().zip(&percents) {
                prop_assert_eq!(currency.round(d.amount), d.amount);
                prop_assert!(d.amount.is_zero() || d.amount.is_sign_negative() == gross.is_sign_negative());
                // No instalment strays more than the number of instalments' worth of minor units.
                let exact = gross * p / Decimal::ONE_HUNDRED;
                let unit = Decimal::new(1, currency.minor_units());
                prop_assert!((d.amount - exact).abs() <= unit * Decimal::from(percents.len()));
            }
            prop_assert!(due.windows(2).all(|w| w[0].date <= w[1].date));
        }
    }
}
