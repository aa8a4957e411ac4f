//! Vietnam time (UTC+7, no daylight saving): the clock people read and type. Instants are
//! stored and compared in UTC; they become Vietnam time only here, on their way to a page,
//! a form or an export, so the offset is written once.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike, Utc, Weekday};

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

/// An instant as pages show it, the way Vietnamese people write a time: `8h00 thứ Hai
/// 07/12` — hours without a leading zero, minutes, no seconds, the day of the week, the
/// day and month. The year is written only when it is not the current one (`8h00 thứ Hai
/// 07/12/2026` read in 2027), so a schedule of this year stays short and an old or far
/// record is never ambiguous. Every page showing a date-time goes through this.
pub fn display(t: DateTime<Utc>) -> String {
    display_at(t, Utc::now())
}

/// [`display`] as read at `now` (which decides whether the year is written).
pub fn display_at(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = t.with_timezone(&OFFSET);
    let this_year = now.with_timezone(&OFFSET).year();
    let date = if local.year() == this_year {
        local.format("%d/%m").to_string()
    } else {
        local.format("%d/%m/%Y").to_string()
    };
    format!(
        "{}h{:02} {} {date}",
        local.hour(),
        local.minute(),
        weekday_vi(local.weekday())
    )
}

/// The day of the week as written in a date: `thứ Hai` … `thứ Bảy`, `Chủ nhật`.
pub fn weekday_vi(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "thứ Hai",
        Weekday::Tue => "thứ Ba",
        Weekday::Wed => "thứ Tư",
        Weekday::Thu => "thứ Năm",
        Weekday::Fri => "thứ Sáu",
        Weekday::Sat => "thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
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

    fn now_in(year: i32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, 6, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn pages_show_hours_minutes_weekday_day_and_month_without_seconds() {
        // 01:00 UTC is 8h00 in Vietnam; 7 December 2026 is a Monday.
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 59).unwrap();
        assert_eq!(display_at(t, now_in(2026)), "8h00 thứ Hai 07/12");
        let t = Utc.with_ymd_and_hms(2026, 12, 11, 7, 5, 0).unwrap();
        assert_eq!(display_at(t, now_in(2026)), "14h05 thứ Sáu 11/12");
    }

    #[test]
    fn pages_show_the_clock_of_vietnam_seven_hours_ahead_of_utc() {
        // 17:05 UTC on Wednesday 2 December is 0h05 on Thursday 3 December in Vietnam.
        let t = Utc.with_ymd_and_hms(2026, 12, 2, 17, 5, 9).unwrap();
        assert_eq!(display_at(t, now_in(2026)), "0h05 thứ Năm 03/12");
    }

    #[test]
    fn the_year_is_written_only_when_it_is_not_the_current_one() {
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0).unwrap();
        assert_eq!(display_at(t, now_in(2027)), "8h00 thứ Hai 07/12/2026");
        assert_eq!(display_at(t, now_in(2025)), "8h00 thứ Hai 07/12/2026");
        // The year is Vietnam's: 31 December 20:00 UTC is already 1 January there.
        let new_year = Utc.with_ymd_and_hms(2026, 12, 31, 20, 0, 0).unwrap();
        assert_eq!(display_at(new_year, new_year), "3h00 thứ Sáu 01/01");
    }

    #[test]
    fn every_day_of_the_week_has_its_vietnamese_name() {
        // 6 December 2026 is a Sunday.
        let names: Vec<String> = (0..7)
            .map(|d| {
                let t = Utc.with_ymd_and_hms(2026, 12, 6 + d, 3, 30, 0).unwrap();
                display_at(t, now_in(2026))
            })
            .collect();
        assert_eq!(
            names,
            [
                "10h30 Chủ nhật 06/12",
                "10h30 thứ Hai 07/12",
                "10h30 thứ Ba 08/12",
                "10h30 thứ Tư 09/12",
                "10h30 thứ Năm 10/12",
                "10h30 thứ Sáu 11/12",
                "10h30 thứ Bảy 12/12",
            ]
        );
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
