//! Recurring invoices without a contract: a template billed every N months from a first
//! date, until an end date or for a number of occurrences. The k-th occurrence falls
//! `k × N` months after the first date (a 31st kept as the month's last day without
//! drifting, as contracts' anniversaries); the run bills each date once, keyed (template,
//! date).

use super::period::add_months;
use time::Date;

/// Most months between two occurrences.
pub const MAX_MONTHS: u32 = 36;

/// When a template bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recurrence {
    pub first: Date,
    /// Months between occurrences, 1 to [`MAX_MONTHS`].
    pub months: u32,
    /// No occurrence after this day.
    pub end: Option<Date>,
    /// At most this many occurrences.
    pub count: Option<u32>,
}

impl Recurrence {
    /// The `k`-th occurrence (the first is `k = 0`), if the template has one.
    pub fn occurrence(&self, k: u32) -> Option<Date> {
        if self.count.is_some_and(|c| k >= c) {
            return None;
        }
        let day = add_months(self.first, i64::from(k) * i64::from(self.months))?;
        (self.end.is_none_or(|e| day <= e)).then_some(day)
    }

    /// Every occurrence on or before `up_to`, in order.
    pub fn due_up_to(&self, up_to: Date) -> Vec<Date> {
        (0..).map_while(|k| self.occurrence(k)).take_while(|d| *d <= up_to).collect()
    }

    /// Whether no occurrence comes after `on`.
    pub fn finished_after(&self, on: Date) -> bool {
        (0..).map_while(|k| self.occurrence(k)).find(|d| *d > on).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    #[test]
    fn monthly_from_the_31st_keeps_month_ends_and_stops_at_its_count() {
        let r = Recurrence { first: date!(2025 - 01 - 31), months: 1, end: None, count: Some(4) };
        assert_eq!(
            r.due_up_to(date!(2030 - 01 - 01)),
            [date!(2025 - 01 - 31), date!(2025 - 02 - 28), date!(2025 - 03 - 31), date!(2025 - 04 - 30)]
        );
        assert!(r.finished_after(date!(2025 - 04 - 30)));
        assert!(!r.finished_after(date!(2025 - 04 - 29)));
        let ended = Recurrence { end: Some(date!(2025 - 03 - 30)), count: None, ..r };
        assert_eq!(ended.due_up_to(date!(2030 - 01 - 01)).len(), 2);
        assert_eq!(ended.due_up_to(date!(2025 - 02 - 27)), [date!(2025 - 01 - 31)]);
    }

    proptest! {
        /// However far the run goes, a template bills at most `count` times, never after
        /// its end, each date `months` months after the previous anchor-wise, and a run
        /// up to an earlier day bills a prefix of a later run's dates.
        #[test]
        fn occurrences_honour_count_and_end_and_never_drift(
            first_days in 0i64..4000,
            months in 1u32..=MAX_MONTHS,
            count in prop::option::of(0u32..40),
            end_days in prop::option::of(0i64..3000),
            up_to_days in 0i64..6000,
            cut in 0i64..6000,
        ) {
            let first = date!(2012 - 01 - 01) + Duration::days(first_days);
            let end = end_days.map(|d| first + Duration::days(d));
            let r = Recurrence { first, months, end, count };
            let up_to = first + Duration::days(up_to_days);
            let dates = r.due_up_to(up_to);
            if let Some(c) = count {
                prop_assert!(dates.len() <= c as usize);
            }
            for (k, d) in dates.iter().enumerate() {
                prop_assert!(*d <= up_to && end.is_none_or(|e| *d <= e));
                prop_assert_eq!(Some(*d), add_months(first, k as i64 * i64::from(months)));
            }
            let earlier = r.due_up_to(first + Duration::days(cut.min(up_to_days)));
            prop_assert_eq!(&dates[..earlier.len()], &earlier[..]);
        }
    }
}
