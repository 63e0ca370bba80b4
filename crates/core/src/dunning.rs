//! Dunning (relances): the company's policy of escalating levels and the one rule of
//! what comes next for an overdue invoice, as pure functions.
//!
//! The next step is read from the invoice's recorded steps, never from "today = due
//! date plus N days": a run after days of outage takes only the level after the last one
//! taken, once, and a level is never due on the day its previous level was taken, so a
//! second run the same day takes nothing.

use crate::Decimal;
use crate::message::Message;
use crate::money::Currency;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// The most days a level may wait.
pub const MAX_DAYS: u16 = 365;
/// The most levels a policy may have.
pub const MAX_LEVELS: usize = 10;
/// The longest level code.
pub const MAX_CODE: usize = 40;
/// The fixed recovery indemnity owed by a business paying late (article L441-10 and
/// D441-5 of the commercial code), per invoice, in euros.
pub const RECOVERY_INDEMNITY_EUR: u32 = 40;

/// What a level's delay counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountFrom {
    /// The invoice's due date.
    DueDate,
    /// The day the previous level was taken (the due date for the first level).
    PreviousLevel,
}

impl CountFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            CountFrom::DueDate => "due_date",
            CountFrom::PreviousLevel => "previous_level",
        }
    }
}

/// How a level reaches the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Letter,
    Both,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Letter => "letter",
            Channel::Both => "both",
        }
    }

    /// Whether a level sent through `self` goes out in a run on `run` (`email` or `letter`).
    pub fn includes(self, run: Channel) -> bool {
        self == Channel::Both || run == Channel::Both || self == run
    }
}

impl std::str::FromStr for Channel {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Message> {
        match s {
            "email" => Ok(Channel::Email),
            "letter" => Ok(Channel::Letter),
            "both" => Ok(Channel::Both),
            other => Err(Message::new("dunning_channel").with("v", format!("{other:?}"))),
        }
    }
}

impl std::str::FromStr for CountFrom {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Message> {
        match s {
            "due_date" => Ok(CountFrom::DueDate),
            "previous_level" => Ok(CountFrom::PreviousLevel),
            other => Err(Message::new("dunning_from").with("v", format!("{other:?}"))),
        }
    }
}

/// One level of the policy: `reminder_1`, taken `days` after the due date, by e-mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DunningLevel))]
pub struct Level {
    /// snake_case, unique in the policy.
    #[cfg_attr(feature = "openapi", schema(examples("reminder_1")))]
    pub code: String,
    /// Days after `from` (0 to 365).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 365))]
    pub days: u16,
    #[cfg_attr(feature = "openapi", schema(value_type = String, examples("due_date", "previous_level")))]
    pub from: CountFrom,
    #[cfg_attr(feature = "openapi", schema(value_type = String, examples("email", "letter", "both")))]
    pub channel: Channel,
}

/// The company's ordered dunning levels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DunningPolicy))]
pub struct Policy {
    pub levels: Vec<Level>,
}

impl Default for Policy {
    /// `reminder_1` on the due date, `reminder_2` 15 days and `formal_notice` 30 days after it.
    fn default() -> Self {
        let level =
            |code: &str, days| Level { code: code.into(), days, from: CountFrom::DueDate, channel: Channel::Email };
        Policy { levels: vec![level("reminder_1", 0), level("reminder_2", 15), level("formal_notice", 30)] }
    }
}

/// A refusal of a policy: the field at fault (`levels[1].code`) and why.
pub type PolicyProblem = (String, Message);

impl Policy {
    /// A policy whose levels are checked: codes snake_case and unique, days within 0..=365.
    pub fn new(levels: Vec<Level>) -> Result<Policy, Vec<PolicyProblem>> {
        let mut problems = Vec::new();
        if levels.len() > MAX_LEVELS {
            problems.push(("levels".to_string(), Message::new("dunning_too_many_levels").with("max", MAX_LEVELS)));
        }
        for (n, l) in levels.iter().enumerate() {
            if let Err(m) = check_code(&l.code) {
                problems.push((format!("levels[{n}].code"), m));
            } else if levels[..n].iter().any(|o| o.code == l.code) {
                problems.push((
                    format!("levels[{n}].code"),
                    Message::new("dunning_code_twice").with("v", format!("{:?}", l.code)),
                ));
            }
            if l.days > MAX_DAYS {
                problems.push((format!("levels[{n}].days"), Message::new("dunning_days_range").with("max", MAX_DAYS)));
            }
        }
        if problems.is_empty() { Ok(Policy { levels }) } else { Err(problems) }
    }

    /// The position of the level `code`.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.code == code)
    }
}

/// Checks a level's code: snake_case, at most [`MAX_CODE`] characters.
pub fn check_code(code: &str) -> Result<(), Message> {
    if is_snake_case(code) {
        Ok(())
    } else {
        Err(Message::new("dunning_code_snake_case").with("v", format!("{code:?}")))
    }
}

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_CODE
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// A step recorded for an invoice: the level taken and the day it was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    pub level: String,
    pub on: Date,
}

/// What comes next for an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextStep {
    /// The level's position in the policy.
    pub index: usize,
    pub level: Level,
    /// The first day it may be taken.
    pub due_on: Date,
    /// Whether it may be taken on `as_of`.
    pub due_now: bool,
}

/// The next step of an invoice due on `due_date` with the live steps `taken`, on `as_of`:
/// the level after the furthest level taken (steps of levels no longer in the policy are
/// ignored), due `days` after the due date or after the day the previous level was taken,
/// and never on or before the day a step was last taken. `None` once the last level is taken.
pub fn next_step(policy: &Policy, due_date: Date, taken: &[Taken], as_of: Date) -> Option<NextStep> {
    let last = taken.iter().filter_map(|t| policy.position(&t.level).map(|i| (i, t.on))).max_by_key(|(i, _)| *i);
    let index = last.map_or(0, |(i, _)| i + 1);
    let level = policy.levels.get(index)?.clone();
    let base = match (level.from, last) {
        (CountFrom::PreviousLevel, Some((_, on))) => on,
        _ => due_date,
    };
    let mut due_on = add_days(base, i64::from(level.days));
    if let Some(latest) = taken.iter().map(|t| t.on).max() {
        due_on = due_on.max(add_days(latest, 1));
    }
    Some(NextStep { index, level, due_on, due_now: due_on <= as_of })
}

fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(Duration::days(n)).unwrap_or(Date::MAX)
}

/// Days between the due date and `as_of` (0 when not late).
pub fn days_late(due_date: Date, as_of: Date) -> i64 {
    (as_of - due_date).whole_days().max(0)
}

/// What a late payment costs the customer on `as_of`, written into a reminder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateCharges {
    pub days_late: i64,
    /// Penalties at the company's yearly rate on what is due, `None` without a rate set
    /// (the legal default, ECB rate + 10 points, is then only mentioned).
    pub penalties: Option<Decimal>,
    /// The 40 € recovery indemnity, for a business customer in euros; `None` otherwise.
    pub indemnity: Option<Decimal>,
}

/// The late-payment charges of an invoice owing `due` in `currency`: penalties =
/// due × rate % × days late / 365, rounded to the currency's minor unit; the indemnity
/// only for a business (L441-10 applies between professionals) and an invoice in euros.
pub fn late_charges(
    due: Decimal,
    currency: &Currency,
    yearly_rate: Option<Decimal>,
    is_business: bool,
    due_date: Date,
    as_of: Date,
) -> LateCharges {
    let days = days_late(due_date, as_of);
    let penalties = yearly_rate.map(|rate| {
        let raw = due
            .checked_mul(rate)
            .and_then(|x| x.checked_mul(Decimal::from(days)))
            .and_then(|x| x.checked_div(Decimal::from(36_500)))
            .unwrap_or(Decimal::ZERO);
        currency.round(raw.max(Decimal::ZERO))
    });
    let indemnity =
        (is_business && currency.code() == "EUR" && days > 0).then(|| Decimal::from(RECOVERY_INDEMNITY_EUR));
    LateCharges { days_late: days, penalties, indemnity }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn taken(level: &str, on: Date) -> Taken {
        Taken { level: level.into(), on }
    }

    #[test]
    fn the_default_policy_is_reminder_1_then_2_then_formal_notice() {
        let p = Policy::default();
        let codes: Vec<_> = p.levels.iter().map(|l| (l.code.as_str(), l.days)).collect();
        assert_eq!(codes, [("reminder_1", 0), ("reminder_2", 15), ("formal_notice", 30)]);
        assert!(Policy::new(p.levels).is_ok());
    }

    #[test]
    fn a_policy_refuses_bad_codes_duplicates_and_long_delays() {
        let l = |code: &str, days| Level { code: code.into(), days, from: CountFrom::DueDate, channel: Channel::Email };
        let err = Policy::new(vec![l("Reminder", 0), l("a", 3), l("a", 400), l("x__y", 1)]).unwrap_err();
        let fields: Vec<_> = err.iter().map(|(f, m)| (f.as_str(), m.code())).collect();
        assert_eq!(
            fields,
            [
                ("levels[0].code", "dunning_code_snake_case"),
                ("levels[2].code", "dunning_code_twice"),
                ("levels[2].days", "dunning_days_range"),
                ("levels[3].code", "dunning_code_snake_case"),
            ]
        );
    }

    #[test]
    fn the_levels_follow_each_other_from_the_due_date() {
        let p = Policy::default();
        let due = date!(2026 - 03 - 01);
        let n = next_step(&p, due, &[], date!(2026 - 03 - 01)).expect("next");
        assert_eq!((n.level.code.as_str(), n.due_on, n.due_now), ("reminder_1", due, true));
        let steps = [taken("reminder_1", date!(2026 - 03 - 01))];
        let n = next_step(&p, due, &steps, date!(2026 - 03 - 10)).expect("next");
        assert_eq!((n.level.code.as_str(), n.due_on, n.due_now), ("reminder_2", date!(2026 - 03 - 16), false));
        let steps = [
            steps[0].clone(),
            taken("reminder_2", date!(2026 - 03 - 16)),
            taken("formal_notice", date!(2026 - 03 - 31)),
        ];
        assert_eq!(next_step(&p, due, &steps, date!(2026 - 12 - 31)), None);
    }

    #[test]
    fn after_an_outage_only_the_next_level_is_due_and_not_again_the_same_day() {
        let p = Policy::default();
        let due = date!(2026 - 03 - 01);
        // Nothing sent, sixty days late: reminder 1 first, never the formal notice.
        let n = next_step(&p, due, &[], date!(2026 - 04 - 30)).expect("next");
        assert_eq!(n.level.code, "reminder_1");
        // Taken today: reminder 2 (whose date passed long ago) waits until tomorrow.
        let steps = [taken("reminder_1", date!(2026 - 04 - 30))];
        let n = next_step(&p, due, &steps, date!(2026 - 04 - 30)).expect("next");
        assert_eq!((n.level.code.as_str(), n.due_now, n.due_on), ("reminder_2", false, date!(2026 - 05 - 01)));
    }

    #[test]
    fn a_level_from_the_previous_level_counts_from_the_day_it_was_taken() {
        let mut p = Policy::default();
        p.levels[1].from = CountFrom::PreviousLevel;
        p.levels[1].days = 10;
        let due = date!(2026 - 03 - 01);
        let steps = [taken("reminder_1", date!(2026 - 03 - 20))];
        let n = next_step(&p, due, &steps, date!(2026 - 03 - 29)).expect("next");
        assert_eq!((n.due_on, n.due_now), (date!(2026 - 03 - 30), false));
    }

    #[test]
    fn steps_of_a_removed_level_are_ignored() {
        let p = Policy::default();
        let steps = [taken("old_level", date!(2026 - 03 - 02))];
        let n = next_step(&p, date!(2026 - 03 - 01), &steps, date!(2026 - 03 - 10)).expect("next");
        assert_eq!(n.level.code, "reminder_1");
    }

    #[test]
    fn charges_of_a_business_invoice_sixty_days_late() {
        let eur: Currency = "EUR".parse().expect("EUR");
        let c = late_charges(
            Decimal::new(100_000, 2),
            &eur,
            Some(Decimal::new(1215, 2)),
            true,
            date!(2026 - 01 - 01),
            date!(2026 - 03 - 02),
        );
        // 1000 × 12.15 % × 60 / 365 = 19.972… → 19.97
        assert_eq!(
            c,
            LateCharges { days_late: 60, penalties: Some(Decimal::new(1997, 2)), indemnity: Some(Decimal::from(40)) }
        );
        let consumer = late_charges(Decimal::ONE, &eur, None, false, date!(2026 - 01 - 01), date!(2026 - 03 - 02));
        assert_eq!((consumer.penalties, consumer.indemnity), (None, None));
    }

    fn arb_policy() -> impl Strategy<Value = Policy> {
        prop::collection::vec((0u16..=60, any::<bool>()), 1..5).prop_map(|v| Policy {
            levels: v
                .into_iter()
                .enumerate()
                .map(|(n, (days, prev))| Level {
                    code: format!("level_{n}"),
                    days,
                    from: if prev { CountFrom::PreviousLevel } else { CountFrom::DueDate },
                    channel: Channel::Email,
                })
                .collect(),
        })
    }

    proptest! {
        /// Running every day from the due date, whatever the days skipped (outages), takes
        /// each level once, in order, never two on one day and never one before its date.
        #[test]
        fn daily_runs_take_each_level_once_in_order(policy in arb_policy(), gaps in prop::collection::vec(1i64..20, 1..80)) {
            let due = date!(2026 - 01 - 15);
            let mut steps: Vec<Taken> = Vec::new();
            let mut day = due;
            for g in gaps {
                for _ in 0..2 {
                    // Two runs the same day: the second takes nothing.
                    if let Some(n) = next_step(&policy, due, &steps, day)
                        && n.due_now
                    {
                        prop_assert!(steps.last().is_none_or(|t| t.on < day));
                        prop_assert!(n.due_on <= day);
                        steps.push(Taken { level: n.level.code.clone(), on: day });
                    }
                }
                day = add_days(day, g);
            }
            for (n, t) in steps.iter().enumerate() {
                prop_assert_eq!(&t.level, &policy.levels[n].code);
                let level = &policy.levels[n];
                let base = match (level.from, n) {
                    (CountFrom::PreviousLevel, n) if n > 0 => steps[n - 1].on,
                    _ => due,
                };
                prop_assert!(t.on >= add_days(base, i64::from(level.days)));
            }
        }

        /// Penalties are never negative, grow with the days late and are rounded to cents.
        #[test]
        fn penalties_grow_with_lateness(cents in 0i64..10_000_000, rate in 0u32..2000, d1 in 0i64..400, d2 in 0i64..400) {
            let eur: Currency = "EUR".parse().expect("EUR");
            let due = Decimal::new(cents, 2);
            let rate = Decimal::new(i64::from(rate), 2);
            let start = date!(2026 - 01 - 01);
            let (a, b) = (d1.min(d2), d1.max(d2));
            let pa = late_charges(due, &eur, Some(rate), true, start, add_days(start, a)).penalties.unwrap_or_default();
            let pb = late_charges(due, &eur, Some(rate), true, start, add_days(start, b)).penalties.unwrap_or_default();
            prop_assert!(pa >= Decimal::ZERO && pa <= pb);
            prop_assert!(pb.scale() <= 2);
        }
    }
}
