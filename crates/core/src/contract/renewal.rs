//! Renewals and notice: a contract with tacit renewal ("tacite reconduction") goes on for
//! another term at each term's end, unless its customer (or the company) gave notice
//! before the term's notice deadline; a contract without renewal expires at its end.
//!
//! For a consumer, art. L215-1 of the Code de la consommation asks the company to remind
//! the customer of the deadline in writing, no sooner than three months and no later than
//! one month before it: [`consumer_notice_window`].

use super::period::add_months;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// Most terms a contract is followed through (a hundred years of yearly renewals).
const MAX_TERMS: i64 = 1200;

/// What happens at a term's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Renewal {
    /// The contract ends.
    None,
    /// Another term of `months` months, unless notice was given in time.
    Tacit { months: u32 },
}

/// A contract's term: from its start to its first end, then renewed or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub start: Date,
    /// `None`: open-ended (no end, no renewal).
    pub end: Option<Date>,
    pub renewal: Renewal,
    /// Days before a term's end by which notice must be given.
    pub notice_days: u32,
}

impl Term {
    /// The end of the `k`-th term (the first is `k = 0`).
    fn end_of(&self, k: i64) -> Option<Date> {
        let end = self.end?;
        match self.renewal {
            Renewal::None if k > 0 => None,
            Renewal::None => Some(end),
            Renewal::Tacit { months } => {
                // Counted from the day after the first end, so a term ending on a month's
                // last day renews to a month's last day.
                let next_start = end.checked_add(Duration::DAY)?;
                add_months(next_start, k * i64::from(months))?.checked_sub(Duration::DAY)
            }
        }
    }

    /// The last day to give notice for the term ending on `end`.
    pub fn notice_deadline(&self, end: Date) -> Option<Date> {
        end.checked_sub(Duration::days(i64::from(self.notice_days)))
    }

    /// The end of the term running on `on` (or the last end before it), when notice given
    /// on `notice_given` stops the renewals: the first term whose deadline it meets ends
    /// the contract. `None`: open-ended.
    pub fn end_on(&self, on: Date, notice_given: Option<Date>) -> Option<Date> {
        let mut k = 0;
        loop {
            let end = self.end_of(k)?;
            let stops = match self.renewal {
                Renewal::None => true,
                Renewal::Tacit { .. } => {
                    notice_given.is_some_and(|g| self.notice_deadline(end).is_some_and(|d| g <= d))
                }
            };
            if stops || end >= on || k >= MAX_TERMS {
                return Some(end);
            }
            k += 1;
        }
    }

    /// The next notice deadline on or after `on` of a contract renewed tacitly: (the end
    /// of the term it stops, the deadline). `None` without tacit renewal or an end.
    pub fn next_deadline(&self, on: Date) -> Option<(Date, Date)> {
        if !matches!(self.renewal, Renewal::Tacit { .. }) {
            return None;
        }
        (0..=MAX_TERMS).find_map(|k| {
            let end = self.end_of(k)?;
            let deadline = self.notice_deadline(end)?;
            (deadline >= on).then_some((end, deadline))
        })
    }

    /// Whether the contract has ended by `on` (its last day was before `on`).
    pub fn expired_on(&self, on: Date, notice_given: Option<Date>) -> bool {
        self.end_on(on, notice_given).is_some_and(|end| end < on)
    }
}

/// When a consumer must be reminded of the deadline to refuse the renewal: from three
/// months to one month before it (art. L215-1 C. consom.).
pub fn consumer_notice_window(deadline: Date) -> Option<(Date, Date)> {
    Some((add_months(deadline, -3)?, add_months(deadline, -1)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn tacit(notice_days: u32) -> Term {
        Term {
            start: date!(2014 - 01 - 01),
            end: Some(date!(2017 - 12 - 31)),
            renewal: Renewal::Tacit { months: 12 },
            notice_days,
        }
    }

    #[test]
    fn tacit_renewal_extends_term_by_term_until_notice_is_given_in_time() {
        let t = tacit(90);
        assert_eq!(t.end_on(date!(2016 - 06 - 01), None), Some(date!(2017 - 12 - 31)));
        assert_eq!(t.end_on(date!(2018 - 01 - 01), None), Some(date!(2018 - 12 - 31)));
        assert_eq!(t.end_on(date!(2020 - 05 - 05), None), Some(date!(2020 - 12 - 31)));
        // Notice on 2 October 2017, the deadline: the contract ends with its first term.
        assert_eq!(t.notice_deadline(date!(2017 - 12 - 31)), Some(date!(2017 - 10 - 02)));
        assert_eq!(t.end_on(date!(2019 - 01 - 01), Some(date!(2017 - 10 - 02))), Some(date!(2017 - 12 - 31)));
        assert!(t.expired_on(date!(2018 - 01 - 01), Some(date!(2017 - 10 - 02))));
        // A day late: one more year.
        assert_eq!(t.end_on(date!(2019 - 01 - 01), Some(date!(2017 - 10 - 03))), Some(date!(2018 - 12 - 31)));
    }

    #[test]
    fn without_renewal_the_contract_expires_and_open_ended_never_does() {
        let t = Term { renewal: Renewal::None, ..tacit(0) };
        assert_eq!(t.end_on(date!(2030 - 01 - 01), None), Some(date!(2017 - 12 - 31)));
        assert!(t.expired_on(date!(2018 - 01 - 01), None));
        assert!(!t.expired_on(date!(2017 - 12 - 31), None));
        let open = Term { end: None, ..t };
        assert_eq!(open.end_on(date!(2030 - 01 - 01), None), None);
    }

    #[test]
    fn a_february_end_renews_to_february_ends() {
        let t = Term {
            start: date!(2023 - 03 - 01),
            end: Some(date!(2024 - 02 - 29)),
            renewal: Renewal::Tacit { months: 12 },
            notice_days: 0,
        };
        assert_eq!(t.end_on(date!(2024 - 03 - 01), None), Some(date!(2025 - 02 - 28)));
        assert_eq!(t.end_on(date!(2027 - 03 - 01), None), Some(date!(2028 - 02 - 29)));
    }

    #[test]
    fn the_next_deadline_is_this_term_s_until_it_passes_then_the_next_one_s() {
        let t = tacit(90);
        assert_eq!(t.next_deadline(date!(2017 - 01 - 01)), Some((date!(2017 - 12 - 31), date!(2017 - 10 - 02))));
        assert_eq!(t.next_deadline(date!(2017 - 10 - 02)), Some((date!(2017 - 12 - 31), date!(2017 - 10 - 02))));
        assert_eq!(t.next_deadline(date!(2017 - 10 - 03)), Some((date!(2018 - 12 - 31), date!(2018 - 10 - 02))));
        assert_eq!(Term { renewal: Renewal::None, ..t }.next_deadline(date!(2017 - 01 - 01)), None);
    }

    #[test]
    fn the_consumer_reminder_goes_out_three_to_one_months_before_the_deadline() {
        assert_eq!(consumer_notice_window(date!(2017 - 10 - 02)), Some((date!(2017 - 07 - 02), date!(2017 - 09 - 02))));
    }
}
