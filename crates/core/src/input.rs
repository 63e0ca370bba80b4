//! The rules every piece of text input follows, wherever it comes from (API JSON,
//! query parameters, web forms, imports): one for strings, one for dates.
//!
//! A string never holds a control character; line breaks (and tabs) are allowed only
//! in a text meant to span lines (a note, a message body), never in one that is
//! printed on one line or becomes an e-mail header. A date is `YYYY-MM-DD` and nothing
//! else: ISO 8601's week (`2026-W05-2`) and ordinal (`2026-034`) forms are refused.

use time::{Date, Month};

/// What a string is for, which decides whether it may span lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// One line: a name, an address line, a subject. No control character at all.
    Line,
    /// A text meant to span lines: line feeds, CR LF pairs and tabs are allowed.
    Lines,
}

/// Why a string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("contains control characters")]
    Control,
    #[error("must be on one line (no line break)")]
    LineBreak,
}

impl TextError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        crate::message::Message::new(match self {
            TextError::Control => "control_characters",
            TextError::LineBreak => "one_line",
        })
    }
}

/// Checks `s` against the string rule for its kind.
pub fn check_text(s: &str, kind: TextKind) -> Result<(), TextError> {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_control() {
            continue;
        }
        match (kind, c) {
            (TextKind::Line, '\n' | '\r') => return Err(TextError::LineBreak),
            (TextKind::Lines, '\n' | '\t') => {}
            // A lone CR is no line break a reader expects, and mail servers read it as
            // one (SMTP smuggling): only as part of CR LF.
            (TextKind::Lines, '\r') if chars.peek() == Some(&'\n') => {}
            _ => return Err(TextError::Control),
        }
    }
    Ok(())
}

/// Why a date was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{0:?} is not a date of the form YYYY-MM-DD")]
    Shape(String),
}

impl DateError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        match self {
            DateError::Shape(v) => crate::message::Message::new("not_a_date").with("v", format!("{v:?}")),
        }
    }
}

/// Earliest and latest years a document date may have: a typo such as `20266` or
/// `0026` is refused rather than stored.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Parses a date written exactly `YYYY-MM-DD` (surrounding spaces ignored), a real day of
/// a year between 1900 and 2200.
pub fn parse_date(s: &str) -> Result<Date, DateError> {
    let t = s.trim();
    let refuse = || DateError::Shape(s.to_string());
    let b = t.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    if !shaped {
        return Err(refuse());
    }
    // Only ASCII digits at these positions: the parses cannot fail.
    let year: i32 = t[..4].parse().map_err(|_| refuse())?;
    let month: u8 = t[5..7].parse().map_err(|_| refuse())?;
    let day: u8 = t[8..].parse().map_err(|_| refuse())?;
    if !YEARS.contains(&year) {
        return Err(refuse());
    }
    let month = Month::try_from(month).map_err(|_| refuse())?;
    Date::from_calendar_date(year, month, day).map_err(|_| refuse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_text_refuses_every_control_character_and_line_break() {
        assert_eq!(check_text("Boulangerie Martin — Lyon", TextKind::Line), Ok(()));
        for bad in ["a\nb", "a\rb", "a\r\nb"] {
            assert_eq!(check_text(bad, TextKind::Line), Err(TextError::LineBreak), "{bad:?}");
        }
        for bad in ["a\0b", "a\tb", "a\u{1b}[31m", "a\u{7f}", "a\u{85}b", "\u{8}"] {
            assert_eq!(check_text(bad, TextKind::Line), Err(TextError::Control), "{bad:?}");
        }
    }

    #[test]
    fn multi_line_text_allows_line_feeds_crlf_and_tabs_only() {
        assert_eq!(check_text("Bonjour,\r\n\n\tmerci.\n", TextKind::Lines), Ok(()));
        for bad in ["a\0b", "a\rb", "end\r", "a\u{1b}b", "a\u{7f}", "a\u{c}b"] {
            assert_eq!(check_text(bad, TextKind::Lines), Err(TextError::Control), "{bad:?}");
        }
    }

    #[test]
    fn dates_are_strictly_year_month_day() {
        let d = parse_date("2026-01-05").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2026, Month::January, 5));
        assert_eq!(parse_date(" 2026-12-31 ").unwrap().day(), 31);
        assert!(parse_date("2028-02-29").is_ok());
        for bad in [
            "2026-W05-2",
            "2026-034",
            "2026-1-5",
            "20260105",
            "2026-01-5",
            "2026/01/05",
            "+2026-01-05",
            "2026-01-05T00:00:00",
            "2026-13-01",
            "2026-02-29",
            "2026-00-10",
            "2026-01-00",
            "1899-12-31",
            "2201-01-01",
            "２０２６-01-05",
            "",
        ] {
            assert_eq!(parse_date(bad), Err(DateError::Shape(bad.to_string())), "{bad:?}");
        }
        assert_eq!(
            parse_date("2026-034").unwrap_err().to_string(),
            "\"2026-034\" is not a date of the form YYYY-MM-DD"
        );
    }
}
