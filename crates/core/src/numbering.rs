//! Legal numbering patterns such as `F{YYYY}-{SEQ:5}`.
//!
//! A pattern only formats. Which sequence value comes next is [`next_seq`], the one rule
//! the store draws numbers by (in the transaction that issues the document, which is what
//! makes numbers gapless) and the settings page previews.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::Date;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Text(String),
    Year4,
    Year2,
    Month,
    Seq(usize),
}

/// A numbering pattern: literal text with `{YYYY}`, `{YY}`, `{MM}` and exactly one `{SEQ}` or `{SEQ:n}` (zero-padded to n digits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NumberPattern {
    source: String,
    tokens: Vec<Token>,
}

/// Why a numbering pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("pattern {0:?} must contain exactly one {{SEQ}} or {{SEQ:n}}")]
    Seq(String),
    #[error("pattern {0:?} has an unknown placeholder {1:?}; use {{YYYY}}, {{YY}}, {{MM}}, {{SEQ:n}}")]
    Placeholder(String, String),
    #[error("pattern {0:?}: the text may only hold letters, digits and - _ / . (at most 40 characters)")]
    Text(String),
    #[error("pattern {0:?} restarts each year, so it must contain {{YYYY}} or {{YY}} to keep numbers unique")]
    YearlyResetNeedsYear(String),
}

impl PatternError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            PatternError::Seq(p) => Message::new("pattern_must_contain_exactly").with("p", format!("{p:?}")),
            PatternError::Placeholder(p, x) => {
                Message::new("pattern_unknown_placeholder_use").with("p", format!("{p:?}")).with("x", format!("{x:?}"))
            }
            PatternError::Text(p) => Message::new("pattern_text_may_only").with("p", format!("{p:?}")),
            PatternError::YearlyResetNeedsYear(p) => {
                Message::new("pattern_restarts_year_so").with("p", format!("{p:?}"))
            }
        }
    }
}

impl NumberPattern {
    /// The pattern's text as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the pattern shows the year, which a yearly reset requires.
    pub fn has_year(&self) -> bool {
        self.tokens.iter().any(|t| matches!(t, Token::Year4 | Token::Year2))
    }

    /// Checks that the pattern can be used with or without a yearly reset.
    pub fn check_reset(&self, yearly_reset: bool) -> Result<(), PatternError> {
        if yearly_reset && !self.has_year() {
            Err(PatternError::YearlyResetNeedsYear(self.source.clone()))
        } else {
            Ok(())
        }
    }

    /// The number for a sequence value on an issue date.
    pub fn format(&self, issued: Date, seq: u64) -> String {
        let mut out = String::with_capacity(self.source.len() + 8);
        for t in &self.tokens {
            match t {
                Token::Text(s) => out.push_str(s),
                Token::Year4 => out.push_str(&format!("{:04}", issued.year())),
                Token::Year2 => out.push_str(&format!("{:02}", issued.year().rem_euclid(100))),
                Token::Month => out.push_str(&format!("{:02}", u8::from(issued.month()))),
                Token::Seq(w) => out.push_str(&format!("{seq:0w$}", w = *w)),
            }
        }
        out
    }
}

impl FromStr for NumberPattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Self, PatternError> {
        let mut tokens = Vec::new();
        let mut rest = s;
        let mut literal_len = 0;
        while !rest.is_empty() {
            if let Some(open) = rest.strip_prefix('{') {
                let close = open.find('}').ok_or_else(|| PatternError::Placeholder(s.into(), rest.into()))?;
                let name = &open[..close];
                tokens.push(match name {
                    "YYYY" => Token::Year4,
                    "YY" => Token::Year2,
                    "MM" => Token::Month,
                    "SEQ" => Token::Seq(1),
                    _ => match name.strip_prefix("SEQ:").and_then(|w| w.parse::<usize>().ok()) {
                        Some(w) if (1..=12).contains(&w) => Token::Seq(w),
                        _ => return Err(PatternError::Placeholder(s.into(), name.into())),
                    },
                });
                rest = &open[close + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let text = &rest[..end];
                if !text.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c)) {
                    return Err(PatternError::Text(s.into()));
                }
                literal_len += text.len();
                tokens.push(Token::Text(text.to_string()));
                rest = &rest[end..];
            }
        }
        if literal_len > 40 {
            return Err(PatternError::Text(s.into()));
        }
        if tokens.iter().filter(|t| matches!(t, Token::Seq(_))).count() != 1 {
            return Err(PatternError::Seq(s.into()));
        }
        Ok(NumberPattern { source: s.to_string(), tokens })
    }
}

impl fmt::Display for NumberPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl TryFrom<String> for NumberPattern {
    type Error = PatternError;
    fn try_from(s: String) -> Result<Self, PatternError> {
        s.parse()
    }
}

impl From<NumberPattern> for String {
    fn from(p: NumberPattern) -> String {
        p.source
    }
}

/// Where a kind's sequence stands: the last value drawn in one numbering period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    /// The period counted in: a year when numbers restart each year, else 0 ([`period`]).
    pub period: i64,
    /// The last sequence value drawn in it.
    pub last: u64,
}

/// The numbering period of a document issued on `date`: its year when numbers restart
/// each year, else 0 (one sequence for ever).
pub fn period(yearly_reset: bool, date: Date) -> i64 {
    if yearly_reset { i64::from(date.year()) } else { 0 }
}

/// The sequence value of the next document issued on `date`, given the kind's latest
/// counter (`None`: nothing drawn yet): the one after the counter's when `date` falls in
/// the counter's period, else 1 — a sequence that starts, or a new year under a yearly
/// reset.
pub fn next_seq(counter: Option<Counter>, yearly_reset: bool, date: Date) -> u64 {
    match counter {
        Some(c) if c.period == period(yearly_reset, date) => c.last.saturating_add(1),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn the_next_number_goes_on_within_a_period_and_restarts_with_a_new_year() {
        let in_2026 = Some(Counter { period: 2026, last: 41 });
        assert_eq!(next_seq(in_2026, true, date!(2026 - 12 - 31)), 42);
        assert_eq!(next_seq(in_2026, true, date!(2027 - 01 - 01)), 1);
        assert_eq!(next_seq(None, true, date!(2026 - 06 - 01)), 1);
        let for_ever = Some(Counter { period: 0, last: 41 });
        assert_eq!(next_seq(for_ever, false, date!(2027 - 01 - 01)), 42);
        assert_eq!(next_seq(None, false, date!(2027 - 01 - 01)), 1);
    }

    proptest! {
        /// Drawing one number after another from the counter each draw leaves gives
        /// 1, 2, 3… within a period, whatever the rule and the dates in it.
        #[test]
        fn numbers_follow_each_other_within_a_period(
            yearly_reset: bool,
            year in 2000i32..2100,
            days in proptest::collection::vec(1u16..=365, 1..40),
        ) {
            let mut days = days;
            days.sort_unstable();
            let mut counter: Option<Counter> = None;
            for (i, day) in days.into_iter().enumerate() {
                let date = Date::from_ordinal_date(year, day).unwrap();
                let seq = next_seq(counter, yearly_reset, date);
                prop_assert_eq!(seq, i as u64 + 1);
                counter = Some(Counter { period: period(yearly_reset, date), last: seq });
            }
        }

        /// A yearly reset starts every year at 1; without it the sequence goes on.
        #[test]
        fn a_new_year_restarts_only_a_yearly_sequence(
            yearly_reset: bool,
            year in 2000i32..2100,
            last in 1u64..1_000_000,
            day in 1u16..=365,
        ) {
            let counter = Some(Counter { period: period(yearly_reset, date_in(year, 200)), last });
            let next_year = date_in(year + 1, day);
            let expected = if yearly_reset { 1 } else { last + 1 };
            prop_assert_eq!(next_seq(counter, yearly_reset, next_year), expected);
            // Never below what the period already drew.
            prop_assert!(next_seq(counter, yearly_reset, date_in(year, day)) > last);
        }
    }

    fn date_in(year: i32, day: u16) -> Date {
        Date::from_ordinal_date(year, day).unwrap()
    }

    #[test]
    fn formats_year_month_and_padded_sequence() {
        let p: NumberPattern = "F{YYYY}-{SEQ:5}".parse().unwrap();
        assert_eq!(p.format(date!(2026 - 03 - 09), 42), "F2026-00042");
        let p: NumberPattern = "AV{YY}{MM}/{SEQ}".parse().unwrap();
        assert_eq!(p.format(date!(2026 - 03 - 09), 1234), "AV2603/1234");
        // A sequence wider than the padding is never truncated.
        let p: NumberPattern = "{SEQ:2}".parse().unwrap();
        assert_eq!(p.format(date!(2026 - 03 - 09), 123), "123");
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(matches!("F{YYYY}".parse::<NumberPattern>(), Err(PatternError::Seq(_))));
        assert!(matches!("F{SEQ}{SEQ}".parse::<NumberPattern>(), Err(PatternError::Seq(_))));
        assert!(matches!("F{DD}{SEQ}".parse::<NumberPattern>(), Err(PatternError::Placeholder(..))));
        assert!(matches!("F {SEQ}".parse::<NumberPattern>(), Err(PatternError::Text(_))));
        let p: NumberPattern = "F-{SEQ:6}".parse().unwrap();
        assert!(p.check_reset(true).is_err());
        assert!(p.check_reset(false).is_ok());
    }
}
