//! Payment terms and the due date they give.

use crate::party::Language;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::{Date, Duration};

/// When an invoice falls due, counted from its issue date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PaymentTerms {
    /// Due on the issue date ("à réception").
    OnReceipt,
    /// Due N days after the issue date ("30 jours net").
    Days(u16),
    /// N days after the issue date, then the end of that month ("45 jours fin de mois").
    DaysEndOfMonth(u16),
    /// The end of the issue month, then N days ("fin de mois + 10 jours").
    EndOfMonthPlus(u16),
}

/// The longest term accepted, in days; French law caps B2B terms well below this.
pub const MAX_TERM_DAYS: u16 = 365;

/// A payment-terms text that is not one of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a payment term: write for example on receipt, 30 days net, 45 days end of month or end of month + 10 days (at most 365 days)"
)]
pub struct BadTerms(pub String);

impl BadTerms {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        crate::message::Message::new("payment_term_use_receipt").with("v", format!("{:?}", self.0))
    }
}

impl Default for PaymentTerms {
    fn default() -> Self {
        PaymentTerms::Days(30)
    }
}

fn last_day_of_month(d: Date) -> Date {
    let days = time::util::days_in_month(d.month(), d.year());
    d.replace_day(days).unwrap_or(d)
}

impl PaymentTerms {
    /// The due date for an invoice issued on `issued`.
    pub fn due_date(self, issued: Date) -> Date {
        let plus = |d: Date, n: u16| d.saturating_add(Duration::days(i64::from(n)));
        match self {
            PaymentTerms::OnReceipt => issued,
            PaymentTerms::Days(n) => plus(issued, n),
            PaymentTerms::DaysEndOfMonth(n) => last_day_of_month(plus(issued, n)),
            PaymentTerms::EndOfMonthPlus(n) => plus(last_day_of_month(issued), n),
        }
    }

    /// The wording printed on a French invoice.
    pub fn label_fr(self) -> String {
        self.label(Language::Fr)
    }

    /// The terms in words, as a page or a PDF shows them ("45 jours fin de mois" /
    /// "45 days end of month"); the code (`45_days_end_of_month`) is for the API only.
    pub fn label(self, lang: Language) -> String {
        match (self, lang) {
            (PaymentTerms::OnReceipt, Language::Fr) => "À réception".into(),
            (PaymentTerms::Days(n), Language::Fr) => format!("{n} jours net"),
            (PaymentTerms::DaysEndOfMonth(n), Language::Fr) => format!("{n} jours fin de mois"),
            (PaymentTerms::EndOfMonthPlus(n), Language::Fr) => format!("Fin de mois + {n} jours"),
            (PaymentTerms::OnReceipt, Language::En) => "On receipt".into(),
            (PaymentTerms::Days(n), Language::En) => format!("{n} days net"),
            (PaymentTerms::DaysEndOfMonth(n), Language::En) => format!("{n} days end of month"),
            (PaymentTerms::EndOfMonthPlus(n), Language::En) => format!("End of month + {n} days"),
        }
    }

    /// The words of a stored terms code in `lang`; a text that is not one of the accepted
    /// forms is shown as it is.
    pub fn label_of(code: &str, lang: Language) -> String {
        code.parse::<PaymentTerms>().map(|t| t.label(lang)).unwrap_or_else(|_| code.to_string())
    }
}

impl FromStr for PaymentTerms {
    type Err = BadTerms;
    /// Accepts the canonical forms (`on_receipt`, `30_days`, `45_days_end_of_month`,
    /// `end_of_month_plus_10`) and the spellings people commonly send: `30`, `net_30`,
    /// `net30`, `30d`, `45_days_eom`, `immediate`.
    ///
    /// The words a page shows are read back too, in French and in English ("45 jours fin
    /// de mois", "À réception", "Fin de mois + 10 jours", "30 days net"), so a form can
    /// show and take words while the API keeps its codes.
    fn from_str(s: &str) -> Result<Self, BadTerms> {
        let t = from_words(s);
        let bad = || BadTerms(s.to_string());
        let num = |x: &str| x.parse::<u16>().ok().filter(|n| *n <= MAX_TERM_DAYS).ok_or_else(bad);
        if matches!(t.as_str(), "on_receipt" | "immediate" | "upon_receipt" | "due_on_receipt") {
            Ok(PaymentTerms::OnReceipt)
        } else if let Some(n) = t.strip_suffix("_days_end_of_month").or_else(|| t.strip_suffix("_days_eom")) {
            Ok(PaymentTerms::DaysEndOfMonth(num(n)?))
        } else if let Some(n) = t.strip_prefix("end_of_month_plus_").or_else(|| t.strip_prefix("eom_plus_")) {
            Ok(PaymentTerms::EndOfMonthPlus(num(n)?))
        } else {
            let n = t.strip_prefix("net_").or_else(|| t.strip_prefix("net")).unwrap_or(&t);
            let n = n.strip_suffix("_days").or_else(|| n.strip_suffix('d')).unwrap_or(n);
            match num(n)? {
                0 => Ok(PaymentTerms::OnReceipt),
                d => Ok(PaymentTerms::Days(d)),
            }
        }
    }
}

/// The canonical spelling of terms written in words: lower case, words joined by `_`,
/// French words and "net" / "+" turned into the codes' words.
pub(crate) fn from_words(s: &str) -> String {
    let t = s.trim().to_lowercase().replace('+', " plus ").replace(['é', 'è'], "e").replace('à', "a");
    let words: Vec<&str> = t.split([' ', '-', '_', '\u{a0}', '\u{202f}']).filter(|w| !w.is_empty()).collect();
    // "à 30 jours", "at 30 days" (a schedule's condition): the preposition says nothing.
    let words = match words.as_slice() {
        ["a" | "at", n, ..] if n.starts_with(|c: char| c.is_ascii_digit()) => &words[1..],
        _ => &words[..],
    };
    let words: Vec<&str> = words
        .iter()
        .map(|w| match *w {
            "jours" | "jour" | "day" => "days",
            "fin" => "end",
            "de" => "of",
            "mois" => "month",
            "a" | "upon" => "on",
            "reception" => "receipt",
            other => other,
        })
        .collect();
    // A sign stays, so that "-5" is refused rather than read as 5.
    let sign = if t.starts_with('-') { "-" } else { "" };
    let mut t = format!("{sign}{}", words.join("_"));
    // "30 days net", "end of month plus 10 days": the last word only repeats the unit.
    if !t.starts_with("net") {
        t = t.strip_suffix("_net").unwrap_or(&t).to_string();
    }
    if t.starts_with("end_of_month_plus_") {
        t = t.strip_suffix("_days").unwrap_or(&t).to_string();
    }
    t
}

impl fmt::Display for PaymentTerms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaymentTerms::OnReceipt => f.write_str("on_receipt"),
            PaymentTerms::Days(n) => write!(f, "{n}_days"),
            PaymentTerms::DaysEndOfMonth(n) => write!(f, "{n}_days_end_of_month"),
            PaymentTerms::EndOfMonthPlus(n) => write!(f, "end_of_month_plus_{n}"),
        }
    }
}

impl TryFrom<String> for PaymentTerms {
    type Error = BadTerms;
    fn try_from(s: String) -> Result<Self, BadTerms> {
        s.parse()
    }
}

impl From<PaymentTerms> for String {
    fn from(t: PaymentTerms) -> String {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn due_dates_follow_the_terms() {
        let d = date!(2026 - 01 - 15);
        assert_eq!(PaymentTerms::OnReceipt.due_date(d), d);
        assert_eq!(PaymentTerms::Days(30).due_date(d), date!(2026 - 02 - 14));
        // 45 days end of month: 15 Jan + 45 = 1 Mar → 31 Mar.
        assert_eq!(PaymentTerms::DaysEndOfMonth(45).due_date(d), date!(2026 - 03 - 31));
        // End of month + 10: 31 Jan + 10 = 10 Feb.
        assert_eq!(PaymentTerms::EndOfMonthPlus(10).due_date(d), date!(2026 - 02 - 10));
        // February of a leap year.
        assert_eq!(PaymentTerms::DaysEndOfMonth(0).due_date(date!(2028 - 02 - 03)), date!(2028 - 02 - 29));
    }

    #[test]
    fn terms_round_trip_through_text() {
        for t in ["on_receipt", "30_days", "45_days_end_of_month", "end_of_month_plus_10"] {
            assert_eq!(t.parse::<PaymentTerms>().unwrap().to_string(), t);
        }
        for (t, want) in [
            ("30", PaymentTerms::Days(30)),
            ("net_45", PaymentTerms::Days(45)),
            ("NET30", PaymentTerms::Days(30)),
            ("60d", PaymentTerms::Days(60)),
            ("45_days_eom", PaymentTerms::DaysEndOfMonth(45)),
            ("0", PaymentTerms::OnReceipt),
            ("immediate", PaymentTerms::OnReceipt),
            ("eom_plus_10", PaymentTerms::EndOfMonthPlus(10)),
        ] {
            assert_eq!(t.parse::<PaymentTerms>().unwrap(), want, "{t}");
        }
        assert!("30 semaines".parse::<PaymentTerms>().is_err());
        assert!("jours".parse::<PaymentTerms>().is_err());
        assert!("net".parse::<PaymentTerms>().is_err());
        assert!("-5".parse::<PaymentTerms>().is_err());
        assert!("9999_days".parse::<PaymentTerms>().is_err());
    }

    #[test]
    fn terms_read_as_words_in_both_languages() {
        assert_eq!(PaymentTerms::label_of("45_days_end_of_month", Language::Fr), "45 jours fin de mois");
        assert_eq!(PaymentTerms::label_of("45_days_end_of_month", Language::En), "45 days end of month");
        assert_eq!(PaymentTerms::OnReceipt.label(Language::Fr), "À réception");
        assert_eq!(PaymentTerms::OnReceipt.label(Language::En), "On receipt");
        assert_eq!(PaymentTerms::Days(30).label(Language::En), "30 days net");
        assert_eq!(PaymentTerms::EndOfMonthPlus(10).label(Language::Fr), "Fin de mois + 10 jours");
    }

    #[test]
    fn the_words_a_page_shows_are_read_back_in_both_languages() {
        for t in [
            PaymentTerms::OnReceipt,
            PaymentTerms::Days(30),
            PaymentTerms::DaysEndOfMonth(45),
            PaymentTerms::EndOfMonthPlus(10),
        ] {
            for lang in [Language::Fr, Language::En] {
                assert_eq!(t.label(lang).parse::<PaymentTerms>(), Ok(t), "{}", t.label(lang));
            }
        }
        assert_eq!("à réception".parse::<PaymentTerms>(), Ok(PaymentTerms::OnReceipt));
        assert_eq!("30 jours".parse::<PaymentTerms>(), Ok(PaymentTerms::Days(30)));
        assert_eq!("60 jours fin de mois".parse::<PaymentTerms>(), Ok(PaymentTerms::DaysEndOfMonth(60)));
        assert_eq!("fin de mois + 15 jours".parse::<PaymentTerms>(), Ok(PaymentTerms::EndOfMonthPlus(15)));
        assert_eq!("45\u{a0}days end of month".parse::<PaymentTerms>(), Ok(PaymentTerms::DaysEndOfMonth(45)));
    }
}
