//! Scoring: always on the server, from the stored question revisions.
//!
//! Single choice and true/false: 1 point for the correct option. Multiple choice: 1 point
//! only for exactly the set of correct options — choosing a wrong option or missing a
//! correct one scores 0 (the common rule of these contests; it keeps every question worth
//! the same). Unanswered questions score 0.

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

/// Scores an attempt: for each question its correct flags and the chosen set (`None` when
/// unanswered).
pub fn score<'a>(
    questions: impl IntoIterator<Item = (&'a [bool], Option<&'a BTreeSet<usize>>)>,
) -> Score {
    let mut result = Score {
        score: 0,
        max_score: 0,
        correct: 0,
        total: 0,
    };
    for (correct, chosen) in questions {
        result.total += 1;
        result.max_score += 1;
        if chosen.is_some_and(|c| is_correct(correct, c)) {
            result.correct += 1;
            result.score += 1;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
