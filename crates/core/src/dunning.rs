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
use std::collections::BTreeMap;
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

/// The company's ordered dunning levels, with what goes with them: the late fee of a
/// level, the friendly reminder before the due date, the follow-ups of sent quotes and the
/// company's own texts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DunningPolicy))]
pub struct Policy {
    pub levels: Vec<Level>,
    /// The late fee invoiced when a level is taken, by level code (none by default).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Object))]
    pub late_fees: BTreeMap<String, LateFee>,
    /// The courteous reminder before the due date ("rappel amical"), off by default.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub friendly_reminder: Option<FriendlyReminder>,
    /// The follow-ups of sent quotes not accepted, in order (one, 15 days after sending,
    /// by default).
    #[serde(default = "default_quote_follow_ups")]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub quote_follow_ups: Vec<QuoteFollowUp>,
    /// The company's texts replacing the built-in ones: step (a level code,
    /// `friendly_reminder` or a quote follow-up code) → language (`fr`, `en`) → customer
    /// type (`individual`, `key_account`) → subject and body with merge fields.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Object))]
    pub templates: Templates,
}

/// Step → language → customer type → text.
pub type Templates = BTreeMap<String, BTreeMap<String, BTreeMap<String, TemplateText>>>;

/// A subject and a body with merge fields (`{customer_name}`…), as the company wrote them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DunningTemplate))]
pub struct TemplateText {
    pub subject: String,
    pub body: String,
}

/// What a level bills the customer when it is taken, as one invoice of its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DunningLateFee))]
pub struct LateFee {
    /// A fixed amount in the invoice's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, examples("15.00")))]
    pub fixed: Option<Decimal>,
    /// The 40 € recovery indemnity (business customers, invoices in euros).
    #[serde(default)]
    pub indemnity: bool,
    /// The late-payment penalties at the company's rate.
    #[serde(default)]
    pub penalties: bool,
}

impl LateFee {
    /// Whether it bills anything at all.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_none() && !self.indemnity && !self.penalties
    }
}

/// The friendly reminder: `days_before` the due date, once per invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DunningFriendlyReminder))]
pub struct FriendlyReminder {
    /// 1 to 60.
    pub days_before: u16,
}

/// A follow-up of a sent quote, `days` after it was sent (or after the previous follow-up).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = DunningQuoteFollowUp))]
pub struct QuoteFollowUp {
    /// snake_case, unique among the levels and follow-ups.
    pub code: String,
    /// 1 to 365.
    pub days: u16,
}

/// The step code of the friendly reminder.
pub const FRIENDLY: &str = "friendly_reminder";
/// The most days before the due date a friendly reminder may go out.
pub const MAX_DAYS_BEFORE: u16 = 60;
/// The customer types a template is written for.
pub const AUDIENCES: [&str; 2] = ["individual", "key_account"];
/// The languages a template is written in.
pub const LANGUAGES: [&str; 2] = ["fr", "en"];

fn default_quote_follow_ups() -> Vec<QuoteFollowUp> {
    vec![QuoteFollowUp { code: "quote_follow_up_1".into(), days: 15 }]
}

impl Default for Policy {
    /// `reminder_1` on the due date, `reminder_2` 15 days and `formal_notice` 30 days after
    /// it; no late fee, no friendly reminder, one quote follow-up 15 days after sending.
    fn default() -> Self {
        let level =
            |code: &str, days| Level { code: code.into(), days, from: CountFrom::DueDate, channel: Channel::Email };
        Policy::of_levels(vec![level("reminder_1", 0), level("reminder_2", 15), level("formal_notice", 30)])
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
        if problems.is_empty() { Ok(Policy::of_levels(levels)) } else { Err(problems) }
    }

    /// A policy of these levels and the defaults of the rest.
    pub fn of_levels(levels: Vec<Level>) -> Policy {
        Policy {
            levels,
            late_fees: BTreeMap::new(),
            friendly_reminder: None,
            quote_follow_ups: default_quote_follow_ups(),
            templates: BTreeMap::new(),
        }
    }

    /// Checks what goes with the levels: a late fee only on a level, positive; the
    /// friendly reminder 1 to 60 days before; quote follow-up codes snake_case and unique
    /// (among the levels too), 1 to 365 days; templates only for a step of the policy,
    /// in `fr` or `en`, for `individual` or `key_account`. (Merge fields are the
    /// renderer's to check.)
    pub fn check_extras(&self) -> Vec<PolicyProblem> {
        let mut problems = Vec::new();
        for (code, fee) in &self.late_fees {
            if self.position(code).is_none() {
                problems.push((
                    format!("late_fees.{code}"),
                    Message::new("dunning_not_a_step").with("v", format!("{code:?}")),
                ));
            }
            if fee.fixed.is_some_and(|f| f <= Decimal::ZERO) {
                problems.push((format!("late_fees.{code}.fixed"), Message::new("dunning_fee_positive")));
            }
        }
        if let Some(f) = self.friendly_reminder
            && !(1..=MAX_DAYS_BEFORE).contains(&f.days_before)
        {
            problems.push((
                "friendly_reminder.days_before".to_string(),
                Message::new("dunning_days_before_range").with("max", MAX_DAYS_BEFORE),
            ));
        }
        for (n, q) in self.quote_follow_ups.iter().enumerate() {
            if let Err(m) = check_code(&q.code) {
                problems.push((format!("quote_follow_ups[{n}].code"), m));
            } else if self.position(&q.code).is_some()
                || q.code == FRIENDLY
                || self.quote_follow_ups[..n].iter().any(|o| o.code == q.code)
            {
                problems.push((
                    format!("quote_follow_ups[{n}].code"),
                    Message::new("dunning_code_twice").with("v", format!("{:?}", q.code)),
                ));
            }
            if q.days == 0 || q.days > MAX_DAYS {
                problems.push((
                    format!("quote_follow_ups[{n}].days"),
                    Message::new("dunning_days_range_1").with("max", MAX_DAYS),
                ));
            }
        }
        if self.levels.iter().any(|l| l.code == FRIENDLY) {
            problems
                .push(("levels".to_string(), Message::new("dunning_code_twice").with("v", format!("{FRIENDLY:?}"))));
        }
        for (step, langs) in &self.templates {
            if !self.has_step(step) {
                problems.push((
                    format!("templates.{step}"),
                    Message::new("dunning_not_a_step").with("v", format!("{step:?}")),
                ));
                continue;
            }
            for (lang, audiences) in langs {
                if !LANGUAGES.contains(&lang.as_str()) {
                    problems.push((
                        format!("templates.{step}.{lang}"),
                        Message::new("not_a_language_2").with("v", format!("{lang:?}")),
                    ));
                    continue;
                }
                for audience in audiences.keys() {
                    if !AUDIENCES.contains(&audience.as_str()) {
                        problems.push((
                            format!("templates.{step}.{lang}.{audience}"),
                            Message::new("dunning_audience").with("v", format!("{audience:?}")),
                        ));
                    }
                }
            }
        }
        problems
    }

    /// Whether `step` is a level, the friendly reminder or a quote follow-up of the policy.
    pub fn has_step(&self, step: &str) -> bool {
        self.position(step).is_some() || step == FRIENDLY || self.quote_follow_ups.iter().any(|q| q.code == step)
    }

    /// The company's text for a step, language and customer type, if it wrote one.
    pub fn template(&self, step: &str, lang: &str, key_account: bool) -> Option<&TemplateText> {
        let audience = if key_account { "key_account" } else { "individual" };
        self.templates.get(step)?.get(lang)?.get(audience)
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

/// Whether the friendly reminder of an invoice due on `due_date` goes out on `as_of`: the
/// policy has one, it was not sent yet, and `as_of` lies within its days before the due
/// date (the due date included, never after it: a late invoice gets the levels).
pub fn friendly_due(policy: &Policy, due_date: Date, already_sent: bool, as_of: Date) -> bool {
    let Some(f) = policy.friendly_reminder else { return false };
    !already_sent && as_of <= due_date && add_days(due_date, -i64::from(f.days_before)) <= as_of
}

/// The next follow-up of a quote sent on `sent_on` with the live follow-ups `taken`: the
/// one after the furthest taken, `days` after the sending (the first) or after the
/// previous follow-up, never on the day of another. `None` once every follow-up was sent.
pub fn next_quote_follow_up(policy: &Policy, sent_on: Date, taken: &[Taken], as_of: Date) -> Option<NextQuoteStep> {
    let pos = |code: &str| policy.quote_follow_ups.iter().position(|q| q.code == code);
    let last = taken.iter().filter_map(|t| pos(&t.level).map(|i| (i, t.on))).max_by_key(|(i, _)| *i);
    let index = last.map_or(0, |(i, _)| i + 1);
    let step = policy.quote_follow_ups.get(index)?.clone();
    let base = last.map_or(sent_on, |(_, on)| on);
    let mut due_on = add_days(base, i64::from(step.days));
    if let Some(latest) = taken.iter().map(|t| t.on).max() {
        due_on = due_on.max(add_days(latest, 1));
    }
    Some(NextQuoteStep { index, step, due_on, due_now: due_on <= as_of })
}

/// What comes next for a sent quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextQuoteStep {
    pub index: usize,
    pub step: QuoteFollowUp,
    pub due_on: Date,
    pub due_now: bool,
}

/// One line of a late-fee invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeLine {
    /// The company's fixed fee.
    Fixed(Decimal),
    /// The 40 € recovery indemnity of article L441-10.
    Indemnity(Decimal),
    /// The late-payment penalties so far.
    Penalties(Decimal),
}

impl FeeLine {
    pub fn amount(self) -> Decimal {
        match self {
            FeeLine::Fixed(d) | FeeLine::Indemnity(d) | FeeLine::Penalties(d) => d,
        }
    }
}

/// The lines a level's late fee bills for an invoice with these charges: the fixed fee,
/// the indemnity when owed (a business, in euros), the penalties when a rate is set and
/// they are above zero. Empty: nothing to bill.
pub fn fee_lines(fee: &LateFee, charges: &LateCharges) -> Vec<FeeLine> {
    let mut out = Vec::new();
    if let Some(f) = fee.fixed.filter(|f| *f > Decimal::ZERO) {
        out.push(FeeLine::Fixed(f));
    }
    if fee.indemnity
        && let Some(i) = charges.indemnity
    {
        out.push(FeeLine::Indemnity(i));
    }
    if fee.penalties
        && let Some(p) = charges.penalties.filter(|p| *p > Decimal::ZERO)
    {
        out.push(FeeLine::Penalties(p));
    }
    out
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

    #[test]
    fn the_friendly_reminder_goes_out_in_its_days_before_the_due_date_only() {
        let mut p = Policy::default();
        let due = date!(2026 - 03 - 10);
        assert!(!friendly_due(&p, due, false, date!(2026 - 03 - 08)), "off by default");
        p.friendly_reminder = Some(FriendlyReminder { days_before: 3 });
        assert!(!friendly_due(&p, due, false, date!(2026 - 03 - 06)));
        assert!(friendly_due(&p, due, false, date!(2026 - 03 - 07)));
        assert!(friendly_due(&p, due, false, due));
        assert!(!friendly_due(&p, due, true, date!(2026 - 03 - 08)), "once");
        assert!(!friendly_due(&p, due, false, date!(2026 - 03 - 11)), "never once late");
    }

    #[test]
    fn a_quote_is_followed_up_fifteen_days_after_sending_once() {
        let p = Policy::default();
        let sent = date!(2026 - 03 - 01);
        let n = next_quote_follow_up(&p, sent, &[], date!(2026 - 03 - 15)).expect("next");
        assert_eq!((n.step.code.as_str(), n.due_now, n.due_on), ("quote_follow_up_1", false, date!(2026 - 03 - 16)));
        assert!(next_quote_follow_up(&p, sent, &[], date!(2026 - 03 - 16)).expect("next").due_now);
        let steps = [taken("quote_follow_up_1", date!(2026 - 03 - 16))];
        assert_eq!(next_quote_follow_up(&p, sent, &steps, date!(2026 - 06 - 01)), None);
    }

    #[test]
    fn the_extras_of_a_policy_are_checked_with_the_field_named() {
        let mut p = Policy::default();
        p.late_fees.insert("reminder_9".into(), LateFee { fixed: Some(Decimal::from(-1)), ..LateFee::default() });
        p.friendly_reminder = Some(FriendlyReminder { days_before: 0 });
        p.quote_follow_ups.push(QuoteFollowUp { code: "reminder_1".into(), days: 0 });
        let t = TemplateText { subject: "s".into(), body: "b".into() };
        p.templates
            .entry("reminder_1".into())
            .or_default()
            .entry("de".into())
            .or_default()
            .insert("individual".into(), t.clone());
        p.templates.entry("reminder_2".into()).or_default().entry("fr".into()).or_default().insert("vip".into(), t);
        let fields: Vec<_> = p.check_extras().into_iter().map(|(f, m)| (f, m.code())).collect();
        let want = [
            ("late_fees.reminder_9", "dunning_not_a_step"),
            ("late_fees.reminder_9.fixed", "dunning_fee_positive"),
            ("friendly_reminder.days_before", "dunning_days_before_range"),
            ("quote_follow_ups[1].code", "dunning_code_twice"),
            ("quote_follow_ups[1].days", "dunning_days_range_1"),
            ("templates.reminder_1.de", "not_a_language_2"),
            ("templates.reminder_2.fr.vip", "dunning_audience"),
        ];
        let want: Vec<_> = want.iter().map(|(f, c)| (f.to_string(), *c)).collect();
        assert_eq!(fields, want);
    }

    #[test]
    fn a_late_fee_bills_what_it_names_and_what_is_owed() {
        let eur: Currency = "EUR".parse().expect("EUR");
        let c = late_charges(
            Decimal::from(1000),
            &eur,
            Some(Decimal::from(10)),
            true,
            date!(2026 - 01 - 01),
            date!(2026 - 02 - 06),
        );
        let fee = LateFee { fixed: Some(Decimal::from(15)), indemnity: true, penalties: true };
        assert_eq!(
            fee_lines(&fee, &c),
            [
                FeeLine::Fixed(Decimal::from(15)),
                FeeLine::Indemnity(Decimal::from(40)),
                FeeLine::Penalties(Decimal::new(986, 2))
            ]
        );
        let consumer =
            late_charges(Decimal::from(1000), &eur, None, false, date!(2026 - 01 - 01), date!(2026 - 02 - 06));
        assert!(fee_lines(&LateFee { indemnity: true, penalties: true, ..LateFee::default() }, &consumer).is_empty());
    }

    fn arb_policy() -> impl Strategy<Value = Policy> {
        prop::collection::vec((0u16..=60, any::<bool>()), 1..5).prop_map(|v| {
            Policy::of_levels(
                v.into_iter()
                    .enumerate()
                    .map(|(n, (days, prev))| Level {
                        code: format!("level_{n}"),
                        days,
                        from: if prev { CountFrom::PreviousLevel } else { CountFrom::DueDate },
                        channel: Channel::Email,
                    })
                    .collect(),
            )
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
