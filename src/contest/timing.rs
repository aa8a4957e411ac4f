//! Time rules. The server's clock is the only clock: deadlines are computed when an
//! attempt starts and stored; clients only display them.

use chrono::{DateTime, Duration, Utc};

/// When an attempt must be finished: its time limit, but never after the round closes.
pub fn deadline(
    started_at: DateTime<Utc>,
    time_limit_secs: i64,
    closes_at: DateTime<Utc>,
) -> DateTime<Utc> {
    (started_at + Duration::seconds(time_limit_secs)).min(closes_at)
}

/// Whether a save or submit arriving at `now` still counts: up to the deadline plus a
/// grace period that absorbs network latency.
pub fn accepts(now: DateTime<Utc>, deadline: DateTime<Utc>, grace: Duration) -> bool {
    now <= deadline + grace
}

/// Time taken, in milliseconds: a submission inside the grace period counts as taken at
/// the deadline, never more.
pub fn time_taken_ms(
    started_at: DateTime<Utc>,
    submitted_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> i64 {
    (submitted_at.min(deadline) - started_at)
        .num_milliseconds()
        .max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, s).unwrap()
    }

    #[test]
    fn the_deadline_is_the_time_limit_or_the_round_close() {
        assert_eq!(deadline(t(9, 0, 0), 20 * 60, t(23, 0, 0)), t(9, 20, 0));
        assert_eq!(deadline(t(22, 50, 0), 20 * 60, t(23, 0, 0)), t(23, 0, 0));
    }

    #[test]
    fn the_grace_period_is_inclusive_and_then_closes() {
        let d = t(9, 20, 0);
        let grace = Duration::seconds(10);
        assert!(accepts(t(9, 20, 10), d, grace));
        assert!(!accepts(t(9, 20, 11), d, grace));
    }

    #[test]
    fn time_taken_never_exceeds_the_allowed_time() {
        assert_eq!(time_taken_ms(t(9, 0, 0), t(9, 5, 0), t(9, 20, 0)), 300_000);
        assert_eq!(
            time_taken_ms(t(9, 0, 0), t(9, 20, 8), t(9, 20, 0)),
            1_200_000
        );
    }
}
