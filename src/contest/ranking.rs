//! Ranking: which attempt counts, and the order of a round's leaderboard.
//!
//! A participant's result in a round is their best attempt (score desc, then time taken
//! asc, then earlier submission). The round ranking is score desc, then the distance of
//! the prediction from the actual value asc (once the round has closed and the actual is
//! known; a missing prediction ranks after any prediction), then time taken asc, then
//! submission time asc. The participant id breaks whatever remains, so the order is total
//! and every page of a leaderboard agrees with every other.
//!
//! The contest-wide ranking sums each participant's counted round results: total score
//! desc, then total time taken asc, then the participant id.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

/// One participant's counted result in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub user_id: i64,
    pub attempt_id: i64,
    pub score: i32,
    pub time_taken_ms: i64,
    pub submitted_at: DateTime<Utc>,
    pub prediction: Option<i64>,
}

/// Order of two attempts of one participant: the better first.
pub fn better_attempt(a: &Standing, b: &Standing) -> Ordering {
    b.score
        .cmp(&a.score)
        .then(a.time_taken_ms.cmp(&b.time_taken_ms))
        .then(a.submitted_at.cmp(&b.submitted_at))
        .then(a.attempt_id.cmp(&b.attempt_id))
}

/// The distance of a prediction from the actual value; `None` (no prediction) is worst.
pub fn prediction_diff(prediction: Option<i64>, actual: Option<i64>) -> Option<i64> {
    Some(prediction?.abs_diff(actual?).min(i64::MAX as u64) as i64)
}

/// Round ranking order: the higher-ranked first.
pub fn compare(a: &Standing, b: &Standing, actual: Option<i64>) -> Ordering {
    let by_prediction = match actual {
        None => Ordering::Equal,
        Some(_) => {
            let da = prediction_diff(a.prediction, actual).unwrap_or(i64::MAX);
            let db = prediction_diff(b.prediction, actual).unwrap_or(i64::MAX);
            da.cmp(&db)
        }
    };
    b.score
        .cmp(&a.score)
        .then(by_prediction)
        .then(a.time_taken_ms.cmp(&b.time_taken_ms))
        .then(a.submitted_at.cmp(&b.submitted_at))
        .then(a.user_id.cmp(&b.user_id))
}

/// Sorts standings into ranking order and numbers them 1, 2, 3…
pub fn rank(mut standings: Vec<Standing>, actual: Option<i64>) -> Vec<(usize, Standing)> {
    standings.sort_by(|a, b| compare(a, b, actual));
    standings
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i + 1, s))
        .collect()
}

/// A participant's contest-wide totals: their counted round results, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContestTotal {
    pub user_id: i64,
    pub score: i64,
    pub time_taken_ms: i64,
}

/// Contest ranking order: the higher-ranked first.
pub fn compare_contest(a: &ContestTotal, b: &ContestTotal) -> Ordering {
    b.score
        .cmp(&a.score)
        .then(a.time_taken_ms.cmp(&b.time_taken_ms))
        .then(a.user_id.cmp(&b.user_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn s(user_id: i64, score: i32, time: i64, submitted: u32, prediction: Option<i64>) -> Standing {
        Standing {
            user_id,
            attempt_id: user_id * 10,
            score,
            time_taken_ms: time,
            submitted_at: Utc.with_ymd_and_hms(2026, 12, 7, 9, submitted, 0).unwrap(),
            prediction,
        }
    }

    fn order(standings: Vec<Standing>, actual: Option<i64>) -> Vec<i64> {
        rank(standings, actual)
            .into_iter()
            .map(|(_, s)| s.user_id)
            .collect()
    }

    #[test]
    fn the_full_tie_break_order_applies() {
        let standings = vec![
            s(1, 18, 100, 5, Some(40)), // lower score
            s(2, 20, 900, 9, Some(52)), // diff 2
            s(3, 20, 100, 1, Some(60)), // diff 10
            s(4, 20, 500, 3, Some(48)), // diff 2, faster than 2
            s(5, 20, 500, 2, Some(52)), // diff 2, same time as 4, submitted earlier
            s(6, 20, 50, 1, None),      // no prediction: after every prediction
        ];
        assert_eq!(order(standings.clone(), Some(50)), [5, 4, 2, 3, 6, 1]);
        // Before the round closes the actual is unknown: score, then time.
        assert_eq!(order(standings, None), [6, 3, 5, 4, 2, 1]);
    }

    #[test]
    fn the_best_attempt_is_score_then_time_then_submission() {
        let mut attempts = [
            s(1, 15, 100, 1, None),
            s(1, 17, 900, 2, None),
            s(1, 17, 800, 3, None),
        ];
        attempts.sort_by(better_attempt);
        assert_eq!(attempts[0].time_taken_ms, 800);
    }

    #[test]
    fn the_contest_order_is_total_score_then_total_time_then_participant() {
        let t = |user_id, score, time_taken_ms| ContestTotal {
            user_id,
            score,
            time_taken_ms,
        };
        let mut totals = [
            t(4, 30, 900),
            t(3, 38, 2_000), // the best total score, however slow
            t(2, 30, 500),   // faster than 4 and 1
            t(1, 30, 900),   // ties 4 on score and time: the lower id first
        ];
        totals.sort_by(compare_contest);
        let order: Vec<i64> = totals.iter().map(|t| t.user_id).collect();
        assert_eq!(order, [3, 2, 1, 4]);
    }

    fn standing() -> impl Strategy<Value = Standing> {
        (
            0i64..50,
            0i32..4,
            0i64..4,
            0u32..3,
            proptest::option::of(0i64..6),
        )
            .prop_map(|(user_id, score, time, submitted, prediction)| {
                s(user_id, score, time, submitted, prediction)
            })
    }

    proptest! {
        #[test]
        fn the_ranking_is_a_total_order(
            a in standing(), b in standing(), c in standing(), actual in proptest::option::of(0i64..6)
        ) {
            // Antisymmetric, and equal only for the same participant's identical standing.
            prop_assert_eq!(compare(&a, &b, actual), compare(&b, &a, actual).reverse());
            if compare(&a, &b, actual) == Ordering::Equal {
                prop_assert_eq!(a.user_id, b.user_id);
            }
            // Transitive.
            if compare(&a, &b, actual) != Ordering::Greater && compare(&b, &c, actual) != Ordering::Greater {
                prop_assert_ne!(compare(&a, &c, actual), Ordering::Greater);
            }
        }

        #[test]
        fn ranking_does_not_depend_on_input_order(mut list in proptest::collection::vec(standing(), 0..30), actual in proptest::option::of(0i64..6)) {
            list.sort_by_key(|s| s.user_id);
            list.dedup_by_key(|s| s.user_id);
            let forward = order(list.clone(), actual);
            list.reverse();
            prop_assert_eq!(forward, order(list, actual));
        }
    }
}
