//! Price revision by published indices ("révision de prix"): a contract's prices follow
//! index series such as SYNTEC, by a formula
//!
//! `P = P0 × (a + Σ bᵢ × Iᵢ / Iᵢ0) / (a + Σ bᵢ)`
//!
//! written either with weights that add up to 1 (`0.15 + 0.85 × S / S0`, Σ = 1 checked)
//! or, as the seed's contract card does, with amounts (`1500 + 2000 × S / S0` for a price
//! of 3 500): the same formula, the denominator being the price. `Iᵢ` is the latest value
//! published for a month before the revision date's month; `Iᵢ0` the contract's base.
//!
//! The revised price is rounded once: `round(P0 × num / den)`, multiplied before divided.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use time::{Date, Month as CalendarMonth};

/// Most indices one formula may follow.
pub const MAX_TERMS: usize = 5;
/// Decimals the coefficient is shown with (it is never rounded for the price).
pub const COEFFICIENT_DECIMALS: u32 = 6;

/// A month of an index series: `2026-10`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u8,
}

impl Month {
    pub fn new(year: i32, month: u8) -> Option<Month> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Month { year, month })
    }

    pub fn of(date: Date) -> Month {
        Month { year: date.year(), month: u8::from(date.month()) }
    }

    /// `2026-10`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// The first day of the month.
    pub fn first_day(self) -> Option<Date> {
        Date::from_calendar_date(self.year, CalendarMonth::try_from(self.month).ok()?, 1).ok()
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).ok_or_else(|| serde::de::Error::custom("a month is written YYYY-MM"))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The published values of the index series a company follows, by code and month.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexBook {
    series: BTreeMap<String, BTreeMap<Month, Decimal>>,
}

impl IndexBook {
    pub fn publish(&mut self, index: &str, month: Month, value: Decimal) {
        self.series.entry(index.to_string()).or_default().insert(month, value);
    }

    /// The value published for `month`.
    pub fn value(&self, index: &str, month: Month) -> Option<Decimal> {
        self.series.get(index)?.get(&month).copied()
    }

    /// The latest value published for a month before `month`.
    pub fn latest_before(&self, index: &str, month: Month) -> Option<(Month, Decimal)> {
        self.series.get(index)?.range(..month).next_back().map(|(m, v)| (*m, *v))
    }

    /// The latest value published at all.
    pub fn latest(&self, index: &str) -> Option<(Month, Decimal)> {
        self.series.get(index)?.iter().next_back().map(|(m, v)| (*m, *v))
    }
}

/// One index of a formula: its weight and its base value `I0`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexTerm {
    pub index: String,
    pub weight: Decimal,
    pub base: Decimal,
}

/// Why a formula is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormulaError {
    /// No index, or more than [`MAX_TERMS`].
    TermCount,
    /// Weights (and fixed part) that are negative, or an indexed weight of zero.
    Weight,
    /// A base value of zero or less, of this index.
    Base(String),
    /// Weights written as parts that do not add up to 1.
    NotOne(Decimal),
    /// The same index twice.
    Repeated(String),
}

/// A revision formula, valid by construction: 1 to [`MAX_TERMS`] distinct indices with a
/// positive weight and base, a fixed part of zero or more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Formula {
    fixed: Decimal,
    terms: Vec<IndexTerm>,
}

impl Formula {
    /// Parts of the price: `fixed + Σ weight = 1` (`0.15 + 0.85 × S / S0`).
    pub fn weighted(fixed: Decimal, terms: Vec<IndexTerm>) -> Result<Formula, FormulaError> {
        let f = Formula::amounts(fixed, terms)?;
        let sum = f.denominator();
        if sum != Decimal::ONE {
            return Err(FormulaError::NotOne(sum));
        }
        Ok(f)
    }

    /// Amounts, as the seed's `1500 + 2000 × S / S0`: any positive total.
    pub fn amounts(fixed: Decimal, terms: Vec<IndexTerm>) -> Result<Formula, FormulaError> {
        if terms.is_empty() || terms.len() > MAX_TERMS {
            return Err(FormulaError::TermCount);
        }
        if fixed < Decimal::ZERO || terms.iter().any(|t| t.weight <= Decimal::ZERO) {
            return Err(FormulaError::Weight);
        }
        if let Some(t) = terms.iter().find(|t| t.base <= Decimal::ZERO) {
            return Err(FormulaError::Base(t.index.clone()));
        }
        for (i, t) in terms.iter().enumerate() {
            if terms[..i].iter().any(|u| u.index == t.index) {
                return Err(FormulaError::Repeated(t.index.clone()));
            }
        }
        Ok(Formula { fixed, terms })
    }

    pub fn fixed(&self) -> Decimal {
        self.fixed
    }

    pub fn terms(&self) -> &[IndexTerm] {
        &self.terms
    }

    fn denominator(&self) -> Decimal {
        self.terms.iter().fold(self.fixed, |s, t| s + t.weight)
    }

    /// The coefficient for these values of the indices (in the terms' order).
    fn coefficient(&self, values: &[Decimal]) -> Coefficient {
        let num = self.terms.iter().zip(values).fold(self.fixed, |s, (t, v)| {
            // weight × I first, then ÷ I0: one inexact step per term.
            s + t.weight.checked_mul(*v).and_then(|x| x.checked_div(t.base)).unwrap_or(Decimal::ZERO)
        });
        Coefficient { num, den: self.denominator() }
    }
}

/// When prices are revised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionAt {
    /// At each billing, with the values known then.
    EachBilling,
    /// On each anniversary of the start; the price holds until the next one.
    Anniversary,
}

impl RevisionAt {
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionAt::EachBilling => "each_billing",
            RevisionAt::Anniversary => "anniversary",
        }
    }

    pub fn parse(s: &str) -> Option<RevisionAt> {
        match s {
            "each_billing" => Some(RevisionAt::EachBilling),
            "anniversary" => Some(RevisionAt::Anniversary),
            _ => None,
        }
    }
}

/// A contract's revision clause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub formula: Formula,
    pub at: RevisionAt,
    /// A revision never lowers the price below the previous one (nor below `P0`).
    pub never_decrease: bool,
    /// The most a revision may raise the price, as a part of the previous one (`0.05`: 5 %).
    pub cap: Option<Decimal>,
}

/// A ratio kept as its numerator and denominator, so that `P0 × num / den` is rounded once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coefficient {
    num: Decimal,
    den: Decimal,
}

impl Coefficient {
    pub const ONE: Coefficient = Coefficient { num: Decimal::ONE, den: Decimal::ONE };

    /// The coefficient as a number (inexact: for comparing and showing).
    pub fn value(&self) -> Decimal {
        self.num.checked_div(self.den).unwrap_or(Decimal::ONE)
    }

    /// Shown with [`COEFFICIENT_DECIMALS`] decimals.
    pub fn shown(&self) -> Decimal {
        self.value().round_dp(COEFFICIENT_DECIMALS)
    }

    /// `round(p0 × num / den)`.
    pub fn price(&self, p0: Decimal, round: impl Fn(Decimal) -> Decimal) -> Decimal {
        round(p0.checked_mul(self.num).and_then(|x| x.checked_div(self.den)).unwrap_or(p0))
    }

    /// The coefficient kept between `floor` (never decrease) and `previous × (1 + cap)`.
    fn bounded(self, previous: Coefficient, never_decrease: bool, cap: Option<Decimal>) -> Coefficient {
        if never_decrease && self.value() < previous.value() {
            return previous;
        }
        if let Some(cap) = cap {
            let most = Coefficient { num: previous.num * (Decimal::ONE + cap), den: previous.den };
            if self.value() > most.value() {
                return most;
            }
        }
        self
    }
}

/// An index value a revision used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedValue {
    pub index: String,
    pub month: Month,
    pub value: Decimal,
    pub base: Decimal,
}

/// A revision made: on which day, with which values, at which coefficient (after the
/// never-decrease and cap clauses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub on: Date,
    pub values: Vec<UsedValue>,
    pub coefficient: Coefficient,
    /// The formula gave another coefficient: the clause that held it.
    pub bounded: bool,
    /// Values not yet published were replaced by the latest known (a forecast only).
    pub estimated: bool,
}

/// No value of `index` published for a month before `before`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingIndex {
    pub index: String,
    pub before: Month,
}

/// How a revision reads the index values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// Only values published for a month before the revision's month: billing.
    Published,
    /// The same, else the latest known, else the base: a forecast of the schedule.
    Forecast,
}

impl Revision {
    /// The revision made on `on`, after the `previous` one (`Coefficient::ONE` for the first).
    pub fn apply(
        &self,
        book: &IndexBook,
        on: Date,
        previous: Coefficient,
        read: Values,
    ) -> Result<Applied, MissingIndex> {
        let month = Month::of(on);
        let mut values = Vec::with_capacity(self.formula.terms.len());
        let mut estimated = false;
        for t in &self.formula.terms {
            let found = match (book.latest_before(&t.index, month), read) {
                (Some(v), _) => v,
                (None, Values::Forecast) => {
                    estimated = true;
                    book.latest(&t.index).unwrap_or((month, t.base))
                }
                (None, Values::Published) => return Err(MissingIndex { index: t.index.clone(), before: month }),
            };
            values.push(UsedValue { index: t.index.clone(), month: found.0, value: found.1, base: t.base });
        }
        let raw = self.formula.coefficient(&values.iter().map(|v| v.value).collect::<Vec<_>>());
        let coefficient = raw.bounded(previous, self.never_decrease, self.cap);
        Ok(Applied { on, values, bounded: coefficient != raw, coefficient, estimated })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    fn cents(d: Decimal) -> Decimal {
        d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    }

    fn syntec(weight: Decimal, base: Decimal) -> IndexTerm {
        IndexTerm { index: "SYNTEC".into(), weight, base }
    }

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn the_seed_s_formula_by_amounts_gives_1500_plus_2000_s_over_s0() {
        let f = Formula::amounts(dec!(1500), vec![syntec(dec!(2000), dec!(239.5))]).unwrap();
        let r = Revision { formula: f, at: RevisionAt::EachBilling, never_decrease: false, cap: None };
        let mut book = IndexBook::default();
        book.publish("SYNTEC", m("2014-09"), dec!(247.2));
        let a = r.apply(&book, date!(2014 - 10 - 01), Coefficient::ONE, Values::Published).unwrap();
        assert_eq!(a.values[0].month, m("2014-09"), "the latest month before October");
        // 1500 + 2000 × 247.2 / 239.5 = 1500 + 2064.30062… = 3564.30
        assert_eq!(a.coefficient.price(dec!(3500), cents), dec!(3564.30));
        assert_eq!(a.coefficient.shown(), dec!(1.018372));
    }

    #[test]
    fn two_indices_weighted_against_a_hand_computed_price() {
        let f = Formula::weighted(
            dec!(0.15),
            vec![
                syntec(dec!(0.60), dec!(250)),
                IndexTerm { index: "ICHT".into(), weight: dec!(0.25), base: dec!(120) },
            ],
        )
        .unwrap();
        let r = Revision { formula: f, at: RevisionAt::EachBilling, never_decrease: false, cap: None };
        let mut book = IndexBook::default();
        book.publish("SYNTEC", m("2026-03"), dec!(260));
        book.publish("ICHT", m("2026-02"), dec!(126));
        let a = r.apply(&book, date!(2026 - 04 - 15), Coefficient::ONE, Values::Published).unwrap();
        // 0.15 + 0.60 × 260/250 + 0.25 × 126/120 = 0.15 + 0.624 + 0.2625 = 1.0365
        assert_eq!(a.coefficient.value(), dec!(1.0365));
        assert_eq!(a.coefficient.price(dec!(1000), cents), dec!(1036.50));
        assert_eq!(a.values[1].month, m("2026-02"), "an older value is the latest one");
    }

    #[test]
    fn weights_that_do_not_add_up_to_one_are_refused() {
        let e = Formula::weighted(dec!(0.2), vec![syntec(dec!(0.7), dec!(250))]);
        assert_eq!(e, Err(FormulaError::NotOne(dec!(0.9))));
        assert_eq!(Formula::amounts(dec!(1), vec![]), Err(FormulaError::TermCount));
        assert_eq!(Formula::amounts(dec!(1), vec![syntec(dec!(1), dec!(0))]), Err(FormulaError::Base("SYNTEC".into())));
        assert_eq!(
            Formula::amounts(dec!(1), vec![syntec(dec!(1), dec!(2)), syntec(dec!(1), dec!(3))]),
            Err(FormulaError::Repeated("SYNTEC".into()))
        );
        assert_eq!(Formula::amounts(dec!(-1), vec![syntec(dec!(1), dec!(2))]), Err(FormulaError::Weight));
    }

    #[test]
    fn never_decrease_holds_the_previous_coefficient_and_a_cap_limits_a_rise() {
        let f = Formula::weighted(dec!(0), vec![syntec(dec!(1), dec!(100))]).unwrap();
        let mut book = IndexBook::default();
        book.publish("SYNTEC", m("2026-01"), dec!(95));
        let held = Revision { formula: f.clone(), at: RevisionAt::EachBilling, never_decrease: true, cap: None };
        let a = held.apply(&book, date!(2026 - 02 - 01), Coefficient::ONE, Values::Published).unwrap();
        assert_eq!((a.coefficient.value(), a.bounded), (dec!(1), true));
        let free = Revision { never_decrease: false, ..held.clone() };
        assert_eq!(
            free.apply(&book, date!(2026 - 02 - 01), Coefficient::ONE, Values::Published).unwrap().coefficient.value(),
            dec!(0.95)
        );

        book.publish("SYNTEC", m("2026-02"), dec!(112));
        let capped = Revision { cap: Some(dec!(0.05)), ..held };
        let a = capped.apply(&book, date!(2026 - 03 - 01), Coefficient::ONE, Values::Published).unwrap();
        assert_eq!((a.coefficient.value(), a.bounded), (dec!(1.05), true));
        assert_eq!(a.coefficient.price(dec!(200), cents), dec!(210.00));
    }

    #[test]
    fn a_missing_value_blocks_billing_and_a_forecast_uses_the_latest_known() {
        let f = Formula::amounts(dec!(1500), vec![syntec(dec!(2000), dec!(239.5))]).unwrap();
        let r = Revision { formula: f, at: RevisionAt::EachBilling, never_decrease: false, cap: None };
        let mut book = IndexBook::default();
        let missing = r.apply(&book, date!(2014 - 01 - 01), Coefficient::ONE, Values::Published).unwrap_err();
        assert_eq!(missing, MissingIndex { index: "SYNTEC".into(), before: m("2014-01") });
        let f = r.apply(&book, date!(2014 - 01 - 01), Coefficient::ONE, Values::Forecast).unwrap();
        assert!(f.estimated);
        assert_eq!(f.coefficient.price(dec!(3500), cents), dec!(3500.00), "no value at all: the base");
        book.publish("SYNTEC", m("2014-01"), dec!(240));
        assert!(
            r.apply(&book, date!(2014 - 01 - 20), Coefficient::ONE, Values::Published).is_err(),
            "January's value is not before January"
        );
    }

    #[test]
    fn months_parse_and_print() {
        assert_eq!(m("2026-10").to_string(), "2026-10");
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("26-10"), None);
        assert!(m("2025-12") < m("2026-01"));
        assert_eq!(Month::of(date!(2024 - 02 - 29)), m("2024-02"));
    }
}
