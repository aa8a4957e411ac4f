//! Countdowns to a round's opening or closing, computed on the server from the engine's
//! clock (the only clock); `static/countdown.js` may tick them, from the server's time
//! the page carries, when scripts run.

use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};

use crate::contest::{self, RoundStatus};
use crate::entities::round;

/// A time left in words: `2 ngày 3 giờ`, `3 giờ 5 phút`, `5 phút`, `dưới 1 phút` (rounded
/// down; zero parts left out). `static/countdown.js` words it the same way.
pub fn remaining_vi(left: Duration) -> String {
    let s = left.num_seconds().max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    let part = |n: i64, unit: &str| {
        if n > 0 {
            format!(" {n} {unit}")
        } else {
            String::new()
        }
    };
    if days > 0 {
        format!("{days} ngày{}", part(hours, "giờ"))
    } else if hours > 0 {
        format!("{hours} giờ{}", part(minutes, "phút"))
    } else if minutes > 0 {
        format!("{minutes} phút")
    } else {
        "dưới 1 phút".to_owned()
    }
}

/// The time left until `to`, as a `<time>` the script can tick.
pub fn countdown(to: DateTime<Utc>, now: DateTime<Utc>) -> Markup {
    html! {
        time.countdown datetime=(to.to_rfc3339()) data-countdown-to=(to.to_rfc3339())
            data-server-now=(now.to_rfc3339()) { (remaining_vi(to - now)) }
    }
}

/// A round's countdown line: "Mở sau …" before it opens, "Còn … để dự thi" while open,
/// nothing once closed.
pub fn round_timing(r: &round::Model, now: DateTime<Utc>) -> Markup {
    html! {
        @match contest::round_status(r, now) {
            RoundStatus::Upcoming => { p.countdown-line { "Mở sau " (countdown(r.opens_at, now)) } }
            RoundStatus::Open => { p.countdown-line { "Còn " (countdown(contest::effective_close(r), now)) " để dự thi" } }
            RoundStatus::Closed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_in_days_and_hours_then_hours_and_minutes() {
        let d = |s: i64| remaining_vi(Duration::seconds(s));
        assert_eq!(d(2 * 86_400 + 3 * 3_600 + 59), "2 ngày 3 giờ");
        assert_eq!(d(86_400), "1 ngày");
        assert_eq!(d(3 * 3_600 + 5 * 60 + 30), "3 giờ 5 phút");
        assert_eq!(d(3_600), "1 giờ");
        assert_eq!(d(5 * 60), "5 phút");
        assert_eq!(d(59), "dưới 1 phút");
        assert_eq!(d(-10), "dưới 1 phút");
    }
}
