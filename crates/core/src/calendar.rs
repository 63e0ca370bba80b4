//! The company's local date. An invoice is dated in the seller's calendar: at
//! 00:30 in Paris on 1 March it is already March, though UTC still says February.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime};

/// Standard (winter) offset from UTC in hours for a country, and whether it follows
/// the EU summer-time rule. Countries not listed use UTC.
fn zone(country: &str) -> (i64, bool) {
    match country {
        "PT" | "IE" | "GB" | "FO" => (0, true),
        "IS" => (0, false),
        "FI" | "EE" | "LV" | "LT" | "RO" | "BG" | "GR" | "CY" | "UA" | "MD" => (2, true),
        "FR" | "DE" | "BE" | "NL" | "LU" | "ES" | "IT" | "AT" | "CH" | "LI" | "DK" | "SE" | "NO" | "PL" | "CZ"
        | "SK" | "HU" | "SI" | "HR" | "MT" | "MC" | "AD" | "SM" | "VA" | "RS" | "BA" | "ME" | "MK" | "AL" => (1, true),
        "MA" => (1, false),
        "TN" | "DZ" => (1, false),
        _ => (0, false),
    }
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last = Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).unwrap_or(Date::MIN);
    let back = i64::from(last.weekday().number_days_from_sunday());
    last - Duration::days(back)
}

/// True when EU summer time is in force at `utc`: from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October.
fn eu_summer_time(utc: OffsetDateTime) -> bool {
    let y = utc.year();
    let start = last_sunday(y, Month::March).midnight().assume_utc() + Duration::hours(1);
    let end = last_sunday(y, Month::October).midnight().assume_utc() + Duration::hours(1);
    utc >= start && utc < end
}

/// The calendar date in the given country (ISO 3166 code) at the instant `utc`.
pub fn local_date(country: &str, utc: OffsetDateTime) -> Date {
    local_datetime(country, utc).date()
}

/// The wall-clock date and time in the given country at the instant `utc`: what a page
/// shows for "when" (a history, a job, an e-mail), never UTC.
pub fn local_datetime(country: &str, utc: OffsetDateTime) -> PrimitiveDateTime {
    let (standard, dst) = zone(country);
    let offset = standard + i64::from(dst && eu_summer_time(utc));
    let local = utc.to_offset(time::UtcOffset::UTC) + Duration::hours(offset);
    PrimitiveDateTime::new(local.date(), local.time())
}

/// Today in the given country.
pub fn today(country: &str) -> Date {
    local_date(country, OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn paris_is_an_hour_ahead_in_winter_and_two_in_summer() {
        // 23:30 UTC on 28 February 2026 is 00:30 on 1 March in Paris.
        assert_eq!(local_date("FR", datetime!(2026-02-28 23:30 UTC)), date!(2026 - 03 - 01));
        assert_eq!(local_date("FR", datetime!(2026-02-28 22:30 UTC)), date!(2026 - 02 - 28));
        // Summer: 22:30 UTC on 30 June is 00:30 on 1 July.
        assert_eq!(local_date("FR", datetime!(2026-06-30 22:30 UTC)), date!(2026 - 07 - 01));
        // New Year's Eve, 23:15 UTC: already next year in Paris, not in Lisbon.
        assert_eq!(local_date("FR", datetime!(2026-12-31 23:15 UTC)).year(), 2027);
        assert_eq!(local_date("PT", datetime!(2026-12-31 23:15 UTC)).year(), 2026);
    }

    #[test]
    fn local_times_follow_the_country_and_summer_time() {
        assert_eq!(local_datetime("FR", datetime!(2026-12-07 02:00 UTC)), datetime!(2026-12-07 03:00));
        assert_eq!(local_datetime("FR", datetime!(2026-07-01 22:30 UTC)), datetime!(2026-07-02 00:30));
        assert_eq!(local_datetime("GB", datetime!(2026-07-01 12:00 UTC)), datetime!(2026-07-01 13:00));
        assert_eq!(local_datetime("US", datetime!(2026-07-01 12:00 UTC)), datetime!(2026-07-01 12:00));
    }

    #[test]
    fn summer_time_switches_on_the_last_sundays_at_one_utc() {
        // 2026: 29 March and 25 October.
        assert_eq!(last_sunday(2026, Month::March), date!(2026 - 03 - 29));
        assert_eq!(last_sunday(2026, Month::October), date!(2026 - 10 - 25));
        assert!(!eu_summer_time(datetime!(2026-03-29 00:59 UTC)));
        assert!(eu_summer_time(datetime!(2026-03-29 01:00 UTC)));
        assert!(eu_summer_time(datetime!(2026-10-25 00:59 UTC)));
        assert!(!eu_summer_time(datetime!(2026-10-25 01:00 UTC)));
        assert_eq!(local_date("GR", datetime!(2026-07-01 21:30 UTC)), date!(2026 - 07 - 02));
    }
}
