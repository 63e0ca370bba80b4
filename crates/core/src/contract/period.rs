//! Billing periods: every 1, 2, 3, 6 or 12 months, on calendar boundaries (quarters start
//! in January, April, July, October) or on the contract's anniversaries, billed in advance
//! ("à échoir", on the period's first day) or in arrears ("échu", on its last day).
//!
//! A period cut by the contract's start or end is billed pro rata of its days over the
//! whole period's days: `round(price × days / full_days)` to the currency's minor unit,
//! half away from zero — one rounding per line and period, never a rate rounded first.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month as CalendarMonth};

/// How often a contract bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Frequency {
    Monthly,
    Bimonthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl Frequency {
    pub const ALL: [Frequency; 5] =
        [Frequency::Monthly, Frequency::Bimonthly, Frequency::Quarterly, Frequency::HalfYearly, Frequency::Yearly];

    pub fn months(self) -> u8 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Bimonthly => 2,
            Frequency::Quarterly => 3,
            Frequency::HalfYearly => 6,
            Frequency::Yearly => 12,
        }
    }

    /// The frequency of `months` months; `None` for any other count than 1, 2, 3, 6, 12.
    pub fn from_months(months: u32) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| u32::from(f.months()) == months)
    }
}

/// When a period is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// "À échoir": on the period's first day.
    Advance,
    /// "Échu": on the period's last day, once it is over.
    Arrears,
}

impl Timing {
    pub fn as_str(self) -> &'static str {
        match self {
            Timing::Advance => "advance",
            Timing::Arrears => "arrears",
        }
    }

    pub fn parse(s: &str) -> Option<Timing> {
        match s {
            "advance" => Some(Timing::Advance),
            "arrears" => Some(Timing::Arrears),
            _ => None,
        }
    }
}

/// Where periods start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// On calendar boundaries: months, quarters, halves and years of the calendar; a
    /// contract starting inside one bills its first period pro rata.
    Calendar,
    /// On the start date and every `frequency` months after it.
    Anniversary,
}

impl Alignment {
    pub fn as_str(self) -> &'static str {
        match self {
            Alignment::Calendar => "calendar",
            Alignment::Anniversary => "anniversary",
        }
    }

    pub fn parse(s: &str) -> Option<Alignment> {
        match s {
            "calendar" => Some(Alignment::Calendar),
            "anniversary" => Some(Alignment::Anniversary),
            _ => None,
        }
    }
}

/// A billing period: the days billed (`start..=end`), inside the whole period
/// (`full_start..=full_end`) they are a part of when the contract cuts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub start: Date,
    pub end: Date,
    pub full_start: Date,
    pub full_end: Date,
}

impl Period {
    /// The days billed.
    pub fn days(&self) -> i64 {
        (self.end - self.start).whole_days() + 1
    }

    /// The days of the whole period.
    pub fn full_days(&self) -> i64 {
        (self.full_end - self.full_start).whole_days() + 1
    }

    pub fn is_full(&self) -> bool {
        self.start == self.full_start && self.end == self.full_end
    }

    /// The day the period is billed.
    pub fn billing_date(&self, timing: Timing) -> Date {
        match timing {
            Timing::Advance => self.start,
            Timing::Arrears => self.end,
        }
    }

    /// A whole period's price for the days billed: the price itself for a whole period,
    /// else `price × days / full_days`, rounded by `round` (the currency's).
    pub fn prorate(&self, price: Decimal, round: impl Fn(Decimal) -> Decimal) -> Decimal {
        self.prorate_days(price, self.days(), round)
    }

    /// `price × days / full_days`, rounded by `round`; the price itself for every day.
    pub fn prorate_days(&self, price: Decimal, days: i64, round: impl Fn(Decimal) -> Decimal) -> Decimal {
        let full = self.full_days();
        if days >= full {
            return round(price);
        }
        // Multiplied first: the division is the only inexact step, and the result is
        // rounded once.
        let value = price
            .checked_mul(Decimal::from(days))
            .and_then(|x| x.checked_div(Decimal::from(full)))
            .unwrap_or(Decimal::ZERO);
        round(value)
    }
}

/// `date` moved by `months` months, its day kept or, past the month's end, the month's
/// last day (31 January + 1 month = 28 or 29 February). Always counted from the same
/// anchor, so anniversaries never drift (31 Jan, 28 Feb, 31 Mar…).
pub fn add_months(date: Date, months: i64) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = CalendarMonth::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

fn first_of_month(date: Date) -> Date {
    date.replace_day(1).unwrap_or(date)
}

/// The whole period holding `date`: calendar-aligned, or counted from `anchor` by
/// `frequency` (the `k`-th one from the anchor starts `k × months` months after it).
fn whole_period_at(date: Date, frequency: Frequency, alignment: Alignment, anchor: Date) -> Option<(Date, Date)> {
    let months = i64::from(frequency.months());
    match alignment {
        Alignment::Calendar => {
            let month0 = i64::from(u8::from(date.month())) - 1;
            let start_month = month0 - month0 % months;
            let start = add_months(first_of_month(date).replace_month(CalendarMonth::January).ok()?, start_month)?;
            let end = add_months(start, months)?.checked_sub(Duration::DAY)?;
            Some((start, end))
        }
        Alignment::Anniversary => {
            // The number of whole periods from the anchor to `date`, then adjusted: an
            // anniversary day moved to a month's end may fall on either side.
            let elapsed = (i64::from(date.year()) - i64::from(anchor.year())) * 12 + i64::from(u8::from(date.month()))
                - i64::from(u8::from(anchor.month()));
            let mut k = elapsed.div_euclid(months);
            loop {
                let start = add_months(anchor, k * months)?;
                let next = add_months(anchor, (k + 1) * months)?;
                if date < start {
                    k -= 1;
                } else if date >= next {
                    k += 1;
                } else {
                    return Some((start, next.checked_sub(Duration::DAY)?));
                }
            }
        }
    }
}

/// The billing periods of a contract from `start` to `end` (both included; `None`: up to
/// `until`), each cut to the contract, in order, none after `until`.
pub fn periods(
    start: Date,
    end: Option<Date>,
    frequency: Frequency,
    alignment: Alignment,
    until: Date,
) -> impl Iterator<Item = Period> {
    let last = match end {
        Some(e) => e.min(until),
        None => until,
    };
    let mut cursor = Some(start).filter(|s| *s <= last);
    std::iter::from_fn(move || {
        let day = cursor?;
        let (full_start, full_end) = whole_period_at(day, frequency, alignment, start)?;
        let period = Period { start: day, end: full_end.min(end.unwrap_or(full_end)), full_start, full_end };
        cursor = full_end.checked_add(Duration::DAY).filter(|d| *d <= last);
        Some(period)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn list(start: Date, end: Option<Date>, f: Frequency, a: Alignment, until: Date) -> Vec<(Date, Date, i64, i64)> {
        periods(start, end, f, a, until).map(|p| (p.start, p.end, p.days(), p.full_days())).collect()
    }

    #[test]
    fn quarters_on_the_calendar_from_a_first_of_january() {
        let q = list(
            date!(2014 - 01 - 01),
            Some(date!(2017 - 12 - 31)),
            Frequency::Quarterly,
            Alignment::Calendar,
            date!(2014 - 12 - 31),
        );
        assert_eq!(
            q,
            vec![
                (date!(2014 - 01 - 01), date!(2014 - 03 - 31), 90, 90),
                (date!(2014 - 04 - 01), date!(2014 - 06 - 30), 91, 91),
                (date!(2014 - 07 - 01), date!(2014 - 09 - 30), 92, 92),
                (date!(2014 - 10 - 01), date!(2014 - 12 - 31), 92, 92),
            ]
        );
    }

    #[test]
    fn a_start_inside_a_quarter_and_an_end_inside_another_are_cut() {
        let q = list(
            date!(2024 - 02 - 15),
            Some(date!(2024 - 08 - 10)),
            Frequency::Quarterly,
            Alignment::Calendar,
            date!(2030 - 01 - 01),
        );
        assert_eq!(
            q,
            vec![
                // 2024 is a leap year: 15 Feb to 31 Mar is 15 + 31 = 46 days of 91.
                (date!(2024 - 02 - 15), date!(2024 - 03 - 31), 46, 91),
                (date!(2024 - 04 - 01), date!(2024 - 06 - 30), 91, 91),
                (date!(2024 - 07 - 01), date!(2024 - 08 - 10), 41, 92),
            ]
        );
    }

    #[test]
    fn anniversaries_from_the_31st_keep_the_month_end_without_drifting() {
        let m = list(date!(2023 - 01 - 31), None, Frequency::Monthly, Alignment::Anniversary, date!(2024 - 04 - 15));
        let starts: Vec<Date> = m.iter().map(|p| p.0).collect();
        assert_eq!(
            &starts[..4],
            &[date!(2023 - 01 - 31), date!(2023 - 02 - 28), date!(2023 - 03 - 31), date!(2023 - 04 - 30)]
        );
        // Leap February.
        assert!(starts.contains(&date!(2024 - 02 - 29)));
        assert_eq!(m[0].1, date!(2023 - 02 - 27), "ends the day before the next anniversary");
        assert_eq!(*starts.last().unwrap(), date!(2024 - 03 - 31));
    }

    #[test]
    fn pro_rata_rounds_once_half_away_from_zero() {
        let p = Period {
            start: date!(2024 - 02 - 15),
            end: date!(2024 - 03 - 31),
            full_start: date!(2024 - 01 - 01),
            full_end: date!(2024 - 03 - 31),
        };
        let cents = |d: Decimal| d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        // 3500 × 46 / 91 = 1769.2307… → 1769.23
        assert_eq!(p.prorate(Decimal::from(3500), cents), Decimal::new(176923, 2));
        // A whole period is its price.
        let whole = Period { start: p.full_start, ..p };
        assert_eq!(whole.prorate(Decimal::new(350000, 2), cents), Decimal::new(350000, 2));
    }

    #[test]
    fn months_are_added_from_the_anchor() {
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), Some(date!(2024 - 02 - 29)));
        assert_eq!(add_months(date!(2023 - 01 - 31), 1), Some(date!(2023 - 02 - 28)));
        assert_eq!(add_months(date!(2023 - 11 - 30), 3), Some(date!(2024 - 02 - 29)));
        assert_eq!(add_months(date!(2024 - 03 - 15), -3), Some(date!(2023 - 12 - 15)));
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (2000i32..2040, 1u8..=12, 1u8..=31).prop_map(|(y, m, d)| {
            let month = CalendarMonth::try_from(m).unwrap();
            Date::from_calendar_date(y, month, d.min(month.length(y))).unwrap()
        })
    }

    fn any_frequency() -> impl Strategy<Value = Frequency> {
        prop::sample::select(Frequency::ALL.to_vec())
    }

    proptest! {
        /// The periods cover the contract day by day, without gap or overlap, each inside
        /// its whole period, and every whole period is 1, 2, 3, 6 or 12 months long.
        #[test]
        fn periods_tile_the_contract(
            start in any_date(),
            length in 0i64..3000,
            f in any_frequency(),
            anniversary in any::<bool>(),
        ) {
            let end = start + Duration::days(length);
            let a = if anniversary { Alignment::Anniversary } else { Alignment::Calendar };
            let all: Vec<Period> = periods(start, Some(end), f, a, end).collect();
            prop_assert_eq!(all.first().map(|p| p.start), Some(start));
            prop_assert_eq!(all.last().map(|p| p.end), Some(end));
            for w in all.windows(2) {
                prop_assert_eq!(w[0].end + Duration::DAY, w[1].start);
            }
            for p in &all {
                prop_assert!(p.full_start <= p.start && p.end <= p.full_end && p.start <= p.end);
                if a == Alignment::Calendar {
                    prop_assert_eq!(add_months(p.full_start, i64::from(f.months())), Some(p.full_end + Duration::DAY));
                    prop_assert_eq!(p.full_start.day(), 1);
                    prop_assert_eq!((u8::from(p.full_start.month()) - 1) % f.months(), 0);
                }
            }
            let days: i64 = all.iter().map(Period::days).sum();
            prop_assert_eq!(days, length + 1);
        }
    }
}
