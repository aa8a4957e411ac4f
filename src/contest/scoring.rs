//! Scoring: always on the server, from the stored question revisions.
//!
//! Single choice and true/false: 1 point for the correct option. Multiple choice: 1 point
//! only for exactly the set of correct options — choosing a wrong option or missing a
//! correct one scores 0 (the common rule of these contests; it keeps every question worth
//! the same). Unanswered questions score 0.
//!
//! A question the jury settled ([`Ruling`], see `contest::disputes`) scores by the
//! decision: a corrected key replaces the stored one; "accept all" gives the point to every
//! attempt that drew it, answered or not; a dropped question adds to neither the score nor
//! the maximum (it still counts in `total`, the questions the attempt drew).

use std::collections::BTreeSet;

/// Whether a set of chosen option indexes (in bank order) is exactly right.
pub fn is_correct(correct: &[bool], chosen: &BTreeSet<usize>) -> bool {
    if chosen.is_empty() || chosen.iter().any(|&i| i >= correct.len()) {
        return false;
    }
    correct
        .iter()
        .enumerate()
        .all(|(i, &right)| right == chosen.contains(&i))
}

/// The result of scoring an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    /// Points earned (one per correct question).
    pub score: i32,
    /// Points possible.
    pub max_score: i32,
    /// Questions answered correctly.
    pub correct: i32,
    /// Questions in the attempt.
    pub total: i32,
}

/// How a jury decision changes the scoring of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ruling {
    /// The key is replaced: these options (bank order) are the correct ones.
    Key(Vec<bool>),
    /// Every attempt that drew the question gets the point, answered or not.
    AcceptAll,
    /// The question counts for nothing.
    Drop,
}

/// Whether one question is right under its ruling: `None` when it is dropped (it counts
/// for nothing).
pub fn outcome(
    key: &[bool],
    chosen: Option<&BTreeSet<usize>>,
    ruling: Option<&Ruling>,
) -> Option<bool> {
    match ruling {
        None => Some(chosen.is_some_and(|c| is_correct(key, c))),
        Some(Ruling::Key(corrected)) => Some(chosen.is_some_and(|c| is_correct(corrected, c))),
        Some(Ruling::AcceptAll) => Some(true),
        Some(Ruling::Drop) => None,
    }
}

/// Scores an attempt: for each question its correct flags and the chosen set (`None` when
/// unanswered).
pub fn score<'a>(
    questions: impl IntoIterator<Item = (&'a [bool], Option<&'a BTreeSet<usize>>)>,
) -> Score {
    score_ruled(
        questions
            .into_iter()
            .map(|(key, chosen)| (key, chosen, None)),
    )
}

/// Scores an attempt whose questions may carry a jury [`Ruling`].
pub fn score_ruled<'a>(
    questions: impl IntoIterator<Item = (&'a [bool], Option<&'a BTreeSet<usize>>, Option<&'a Ruling>)>,
) -> Score {
    let mut result = Score {
        score: 0,
        max_score: 0,
        correct: 0,
        total: 0,
    };
    for (key, chosen, ruling) in questions {
        result.total += 1;
        match outcome(key, chosen, ruling) {
            None => {}
            Some(right) => {
                result.max_score += 1;
                if right {
                    result.correct += 1;
                    result.score += 1;
                }
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(items: &[usize]) -> BTreeSet<usize> {
        items.iter().copied().collect()
    }

    #[test]
    fn single_choice_scores_only_the_correct_option() {
        let correct = [false, true, false, false];
        assert!(is_correct(&correct, &set(&[1])));
        assert!(!is_correct(&correct, &set(&[0])));
        assert!(!is_correct(&correct, &set(&[1, 2])));
        assert!(!is_correct(&correct, &set(&[])));
    }

    #[test]
    fn true_false_scores_the_right_verdict() {
        let correct = [false, true]; // "Sai" is right
        assert!(is_correct(&correct, &set(&[1])));
        assert!(!is_correct(&correct, &set(&[0])));
    }

    #[test]
    fn multiple_choice_needs_exactly_the_correct_set() {
        let correct = [true, false, true, false];
        assert!(is_correct(&correct, &set(&[0, 2])));
        assert!(
            !is_correct(&correct, &set(&[0])),
            "a missing correct option"
        );
        assert!(
            !is_correct(&correct, &set(&[0, 1, 2])),
            "an extra wrong option"
        );
        assert!(
            !is_correct(&correct, &set(&[0, 2, 9])),
            "an option that does not exist"
        );
    }

    #[test]
    fn an_attempt_scores_one_point_per_correct_question() {
        let q1 = [true, false];
        let q2 = [false, true, true];
        let q3 = [false, false, true];
        let a1 = set(&[0]);
        let a2 = set(&[1]);
        let s = score([(&q1[..], Some(&a1)), (&q2[..], Some(&a2)), (&q3[..], None)]);
        assert_eq!(
            s,
            Score {
                score: 1,
                max_score: 3,
                correct: 1,
                total: 3
            }
        );
    }

    #[test]
    fn a_ruling_rescores_one_question() {
        let q1 = [true, false, false];
        let q2 = [false, true, false];
        let a1 = set(&[0]);
        let a2 = set(&[2]);
        let plain = score_ruled([(&q1[..], Some(&a1), None), (&q2[..], Some(&a2), None)]);
        assert_eq!((plain.score, plain.max_score), (1, 2));
        // The key of q2 was wrong: option 2 is right.
        let fixed = Ruling::Key(vec![false, false, true]);
        let s = score_ruled([
            (&q1[..], Some(&a1), None),
            (&q2[..], Some(&a2), Some(&fixed)),
        ]);
        assert_eq!((s.score, s.correct, s.max_score, s.total), (2, 2, 2, 2));
        // The corrected key also takes the point from whoever chose the old key.
        let old_key = set(&[1]);
        let s = score_ruled([(&q2[..], Some(&old_key), Some(&fixed))]);
        assert_eq!(s.score, 0);
    }

    #[test]
    fn accept_all_gives_the_point_even_unanswered() {
        let q = [true, false];
        let s = score_ruled([(&q[..], None, Some(&Ruling::AcceptAll))]);
        assert_eq!((s.score, s.correct, s.max_score, s.total), (1, 1, 1, 1));
    }

    #[test]
    fn a_dropped_question_counts_for_nothing_but_stays_drawn() {
        let q = [true, false];
        let right = set(&[0]);
        let s = score_ruled([
            (&q[..], Some(&right), Some(&Ruling::Drop)),
            (&q[..], Some(&right), None),
        ]);
        assert_eq!((s.score, s.correct, s.max_score, s.total), (1, 1, 1, 2));
    }

    fn question() -> impl Strategy<Value = (Vec<bool>, Option<BTreeSet<usize>>, Option<Ruling>)> {
        (2usize..5).prop_flat_map(|n| {
            (
                proptest::collection::vec(any::<bool>(), n),
                proptest::option::of(proptest::collection::btree_set(0..n, 0..n)),
                proptest::option::of(prop_oneof![
                    proptest::collection::vec(any::<bool>(), n).prop_map(Ruling::Key),
                    Just(Ruling::AcceptAll),
                    Just(Ruling::Drop),
                ]),
            )
        })
    }

    proptest! {
        #[test]
        fn rulings_keep_the_score_invariants(questions in proptest::collection::vec(question(), 0..20)) {
            let plain = score(questions.iter().map(|(k, c, _)| (k.as_slice(), c.as_ref())));
            let ruled = score_ruled(questions.iter().map(|(k, c, r)| (k.as_slice(), c.as_ref(), r.as_ref())));
            prop_assert!(ruled.score <= ruled.max_score);
            prop_assert_eq!(ruled.total, plain.total);
            // A drop never raises the maximum; nothing else changes it.
            let dropped = questions.iter().filter(|q| q.2 == Some(Ruling::Drop)).count() as i32;
            prop_assert_eq!(ruled.max_score, plain.max_score - dropped);
            // Accepting every answer never lowers a score: per question, it is right.
            for (k, c, _) in &questions {
                prop_assert_eq!(outcome(k, c.as_ref(), Some(&Ruling::AcceptAll)), Some(true));
            }
            let all = score_ruled(questions.iter().map(|(k, c, _)| (k.as_slice(), c.as_ref(), Some(&Ruling::AcceptAll))));
            prop_assert!(all.score >= plain.score);
            prop_assert_eq!(all.score, all.max_score);
        }
    }
}
