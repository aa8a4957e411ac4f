//! Vietnam time (UTC+7, no daylight saving): the clock people read and type. Instants are
//! stored and compared in UTC; they become Vietnam time only here, on their way to a page,
//! a form or an export, so the offset is written once.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

/// UTC+7. Vietnam has kept no daylight saving since 1975, so one fixed offset is exact.
pub const OFFSET: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+7 is a valid offset"),
};

/// The Vietnam wall-clock time of an instant, without a zone (how exports write times:
/// spreadsheet cells carry no offset).
pub fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&OFFSET).naive_local()
}

/// An instant as pages show it: `14:05:09 ngày 02/12/2026`.
pub fn display(t: DateTime<Utc>) -> String {
    t.with_timezone(&OFFSET)
        .format("%H:%M:%S ngày %d/%m/%Y")
        .to_string()
}

/// The time of day of an instant in Vietnam, hours and minutes: `14:05`.
pub fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&OFFSET).format("%H:%M").to_string()
}

/// The value of a `datetime-local` input showing an instant in Vietnam time.
pub fn input_value(t: DateTime<Utc>) -> String {
    t.with_timezone(&OFFSET)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Parses a `datetime-local` value (with or without seconds), read as Vietnam time: the
/// organiser types the time the province's clocks show, whatever the server's zone.
pub fn parse_input(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    naive
        .and_local_timezone(OFFSET)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn pages_show_the_clock_of_vietnam_seven_hours_ahead_of_utc() {
        let t = Utc.with_ymd_and_hms(2026, 12, 2, 17, 5, 9).unwrap();
        assert_eq!(display(t), "00:05:09 ngày 03/12/2026");
    }

    #[test]
    fn the_clock_reads_hours_and_minutes_of_vietnam() {
        let t = Utc.with_ymd_and_hms(2026, 12, 2, 17, 5, 9).unwrap();
        assert_eq!(clock(t), "00:05");
    }

    #[test]
    fn exports_write_the_vietnam_wall_clock() {
        let t = Utc.with_ymd_and_hms(2026, 12, 31, 20, 0, 0).unwrap();
        assert_eq!(naive(t).to_string(), "2027-01-01 03:00:00");
    }

    #[test]
    fn a_form_value_is_read_as_vietnam_time() {
        let expected = Utc.with_ymd_and_hms(2026, 3, 1, 1, 30, 0).unwrap();
        assert_eq!(parse_input("2026-03-01T08:30"), Some(expected));
        assert_eq!(parse_input(" 2026-03-01T08:30:00 "), Some(expected));
    }

    #[test]
    fn a_form_value_that_is_not_a_time_is_refused() {
        assert_eq!(parse_input(""), None);
        assert_eq!(parse_input("01/03/2026 08:30"), None);
        assert_eq!(parse_input("2026-02-30T08:30"), None);
    }

    #[test]
    fn an_input_value_reads_back_as_the_same_minute() {
        let t = Utc.with_ymd_and_hms(2026, 6, 15, 23, 45, 0).unwrap();
        assert_eq!(input_value(t), "2026-06-16T06:45");
        assert_eq!(parse_input(&input_value(t)), Some(t));
    }
}
