//! Random draws: which questions an attempt gets, in which order, with which option order.
//!
//! A draw is a pure function of the candidate pool, the round's quotas, the questions the
//! participant already saw, and a seed stored on the attempt — so any draw can be
//! re-derived and audited. The generator is ChaCha8, whose output is fixed across
//! platforms and versions.

use std::collections::HashSet;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::banks::{Difficulty, Kind};

/// A question revision the draw may pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The revision id (`questions.id`).
    pub id: i64,
    pub bank_id: i64,
    pub topic: String,
    pub difficulty: Difficulty,
    pub kind: Kind,
    /// How many options the question has.
    pub choices: usize,
}

/// "Draw `count` questions from this bank, of this topic and difficulty if given."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub bank_id: i64,
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    pub count: usize,
}

impl Quota {
    /// Whether a candidate fills this quota.
    pub fn matches(&self, c: &Candidate) -> bool {
        c.bank_id == self.bank_id
            && self.topic.as_ref().is_none_or(|t| *t == c.topic)
            && self.difficulty.is_none_or(|d| d == c.difficulty)
    }

    /// Quotas with more conditions are filled first, so a general quota never takes the
    /// questions a specific one needs.
    fn specificity(&self) -> u8 {
        u8::from(self.topic.is_some()) + u8::from(self.difficulty.is_some())
    }
}

pub use crate::entities::round::Order;

/// One drawn question: its revision id and the order its options are shown in
/// (`option_order[i]` is the index in the bank of the i-th option shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    pub question_id: i64,
    pub option_order: Vec<usize>,
}

/// A quota the pool cannot fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// Index of the quota in the round's list.
    pub quota: usize,
    pub requested: usize,
    pub available: usize,
}

impl Shortfall {
    /// How many questions are missing.
    pub fn missing(&self) -> usize {
        self.requested.saturating_sub(self.available)
    }
}

/// The order quotas are filled in: most specific first, then as listed.
fn fill_order(quotas: &[Quota]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(quotas[i].specificity()), i));
    order
}

/// Checks, without drawing, that every draw of these quotas succeeds whatever the seed:
/// each quota must have enough candidates left even if every quota filled before it took
/// only questions it could also use.
pub fn check(pool: &[Candidate], quotas: &[Quota]) -> Result<(), Shortfall> {
    let order = fill_order(quotas);
    for (pos, &i) in order.iter().enumerate() {
        let quota = &quotas[i];
        let matching: Vec<&Candidate> = pool.iter().filter(|c| quota.matches(c)).collect();
        let taken_before: usize = order[..pos]
            .iter()
            .filter(|&&j| matching.iter().any(|c| quotas[j].matches(c)))
            .map(|&j| {
                quotas[j]
                    .count
                    .min(matching.iter().filter(|c| quotas[j].matches(c)).count())
            })
            .sum();
        let available = matching.len().saturating_sub(taken_before);
        if available < quota.count {
            return Err(Shortfall {
                quota: i,
                requested: quota.count,
                available,
            });
        }
    }
    Ok(())
}

/// Draws an attempt's questions.
///
/// Each quota takes distinct questions uniformly at random among its candidates,
/// preferring those not in `seen` (the participant's earlier attempts in the round) and
/// falling back to seen ones only when the pool has too few. Options are shuffled, except
/// for true/false questions, which keep "Đúng, Sai".
pub fn draw(
    pool: &[Candidate],
    quotas: &[Quota],
    seen: &HashSet<i64>,
    order: Order,
    seed: u64,
) -> Result<Vec<Drawn>, Shortfall> {
    draw_from(pool.iter().collect(), quotas, seen, order, seed)
}

/// [`draw`] over borrowed candidates (the banks' in-memory pools, not copied per
/// attempt).
pub fn draw_from(
    mut sorted: Vec<&Candidate>,
    quotas: &[Quota],
    seen: &HashSet<i64>,
    order: Order,
    seed: u64,
) -> Result<Vec<Drawn>, Shortfall> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // A fixed pool order, whatever order the caller loaded it in.
    sorted.sort_by_key(|c| c.id);
    let mut picked: Vec<&Candidate> = Vec::new();
    let mut taken: HashSet<i64> = HashSet::new();
    for i in fill_order(quotas) {
        let quota = &quotas[i];
        // Sized once: a pool holds thousands of candidates and this runs per attempt.
        let mut fresh: Vec<&Candidate> = Vec::with_capacity(sorted.len());
        let mut again: Vec<&Candidate> = Vec::new();
        for &c in &sorted {
            if quota.matches(c) && !taken.contains(&c.id) {
                if seen.contains(&c.id) {
                    again.push(c);
                } else {
                    fresh.push(c);
                }
            }
        }
        let available = fresh.len() + again.len();
        if available < quota.count {
            return Err(Shortfall {
                quota: i,
                requested: quota.count,
                available,
            });
        }
        let from_fresh = quota.count.min(fresh.len());
        let (chosen, _) = fresh.partial_shuffle(&mut rng, from_fresh);
        let mut chosen: Vec<&Candidate> = chosen.to_vec();
        let rest = quota.count - from_fresh;
        if rest > 0 {
            let (more, _) = again.partial_shuffle(&mut rng, rest);
            chosen.extend_from_slice(more);
        }
        for c in chosen {
            taken.insert(c.id);
            picked.push(c);
        }
    }
    match order {
        Order::Shuffled => picked.shuffle(&mut rng),
        // A stable sort keeps the random order within each difficulty.
        Order::ByDifficulty => picked.sort_by_key(|c| c.difficulty),
    }
    Ok(picked
        .into_iter()
        .map(|c| {
            let mut option_order: Vec<usize> = (0..c.choices).collect();
            if c.kind != Kind::TrueFalse {
                option_order.shuffle(&mut rng);
            }
            Drawn {
                question_id: c.id,
                option_order,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pool(n: i64) -> Vec<Candidate> {
        (1..=n)
            .map(|id| Candidate {
                id,
                bank_id: 1,
                topic: format!("T{}", id % 5),
                difficulty: match id % 3 {
                    0 => Difficulty::Easy,
                    1 => Difficulty::Medium,
                    _ => Difficulty::Hard,
                },
                kind: if id % 4 == 0 {
                    Kind::TrueFalse
                } else {
                    Kind::Single
                },
                choices: if id % 4 == 0 { 2 } else { 4 },
            })
            .collect()
    }

    fn any(count: usize) -> Quota {
        Quota {
            bank_id: 1,
            topic: None,
            difficulty: None,
            count,
        }
    }

    /// Recorded attempts are re-derived from their seed (verification), so a draw must
    /// never change for the same inputs: this one was recorded with the first version.
    #[test]
    fn a_recorded_draw_is_reproduced_exactly() {
        let p = pool(300);
        let quotas = [
            Quota {
                bank_id: 1,
                topic: Some("T1".into()),
                difficulty: Some(Difficulty::Easy),
                count: 3,
            },
            any(5),
        ];
        // Most seen: both quotas fall back to seen questions.
        let seen: HashSet<i64> = (1..=297).collect();
        let drawn = draw(&p, &quotas, &seen, Order::Shuffled, 42).unwrap();
        let got: Vec<(i64, Vec<usize>)> = drawn
            .into_iter()
            .map(|d| (d.question_id, d.option_order))
            .collect();
        assert_eq!(
            format!("{got:?}"),
            "[(99, [1, 3, 0, 2]), (299, [3, 1, 2, 0]), (21, [2, 1, 0, 3]), (298, [3, 1, 0, 2]), \
             (115, [1, 0, 3, 2]), (300, [0, 1]), (291, [3, 2, 0, 1]), (156, [0, 1])]"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_draw() {
        let p = pool(200);
        let a = draw(&p, &[any(20)], &HashSet::new(), Order::Shuffled, 7).unwrap();
        let mut reversed = p.clone();
        reversed.reverse();
        let b = draw(&reversed, &[any(20)], &HashSet::new(), Order::Shuffled, 7).unwrap();
        assert_eq!(a, b);
        let c = draw(&p, &[any(20)], &HashSet::new(), Order::Shuffled, 8).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn quotas_per_topic_and_difficulty_are_filled_exactly() {
        let p = pool(300);
        let quotas = [
            Quota {
                bank_id: 1,
                topic: Some("T1".into()),
                difficulty: Some(Difficulty::Hard),
                count: 5,
            },
            Quota {
                bank_id: 1,
                topic: None,
                difficulty: Some(Difficulty::Easy),
                count: 7,
            },
            any(8),
        ];
        let drawn = draw(&p, &quotas, &HashSet::new(), Order::ByDifficulty, 1).unwrap();
        assert_eq!(drawn.len(), 20);
        let by_id = |id: i64| p.iter().find(|c| c.id == id).unwrap();
        let hard_t1 = drawn
            .iter()
            .filter(|d| {
                let c = by_id(d.question_id);
                c.topic == "T1" && c.difficulty == Difficulty::Hard
            })
            .count();
        assert!(hard_t1 >= 5);
        let easy = drawn
            .iter()
            .filter(|d| by_id(d.question_id).difficulty == Difficulty::Easy)
            .count();
        assert!(easy >= 7);
        // Easy to hard.
        let difficulties: Vec<_> = drawn
            .iter()
            .map(|d| by_id(d.question_id).difficulty)
            .collect();
        let mut sorted = difficulties.clone();
        sorted.sort();
        assert_eq!(difficulties, sorted);
    }

    #[test]
    fn a_short_quota_is_reported_with_how_many_are_missing() {
        let p = pool(30);
        let quota = Quota {
            bank_id: 1,
            topic: Some("T2".into()),
            difficulty: None,
            count: 10,
        };
        let err = check(&p, std::slice::from_ref(&quota)).unwrap_err();
        assert_eq!((err.requested, err.available, err.missing()), (10, 6, 4));
        assert_eq!(
            draw(&p, &[quota], &HashSet::new(), Order::Shuffled, 1)
                .unwrap_err()
                .missing(),
            4
        );
    }

    #[test]
    fn check_counts_questions_an_earlier_quota_may_take() {
        let p = pool(30); // 6 questions in T2
        let quotas = [
            Quota {
                bank_id: 1,
                topic: Some("T2".into()),
                difficulty: None,
                count: 4,
            },
            Quota {
                bank_id: 1,
                topic: Some("T2".into()),
                difficulty: Some(Difficulty::Easy),
                count: 2,
            },
        ];
        assert!(check(&p, &quotas).is_ok());
        let mut more = quotas.clone();
        more[0].count = 5;
        assert_eq!(check(&p, &more).unwrap_err().quota, 0);
    }

    #[test]
    fn later_attempts_avoid_seen_questions_while_the_bank_allows() {
        let p = pool(50);
        let first = draw(&p, &[any(20)], &HashSet::new(), Order::Shuffled, 1).unwrap();
        let seen: HashSet<i64> = first.iter().map(|d| d.question_id).collect();
        let second = draw(&p, &[any(20)], &seen, Order::Shuffled, 2).unwrap();
        assert!(second.iter().all(|d| !seen.contains(&d.question_id)));
        let seen: HashSet<i64> = seen
            .union(&second.iter().map(|d| d.question_id).collect())
            .copied()
            .collect();
        // Only 10 unseen remain: all 10 are used, then 10 seen ones.
        let third = draw(&p, &[any(20)], &seen, Order::Shuffled, 3).unwrap();
        let fresh = third
            .iter()
            .filter(|d| !seen.contains(&d.question_id))
            .count();
        assert_eq!(fresh, 10);
    }

    #[test]
    fn true_false_options_keep_their_order() {
        let p = pool(40);
        let drawn = draw(&p, &[any(40)], &HashSet::new(), Order::Shuffled, 3).unwrap();
        for d in &drawn {
            if d.question_id % 4 == 0 {
                assert_eq!(d.option_order, vec![0, 1]);
            }
        }
        assert!(
            drawn.iter().any(|d| d.option_order != vec![0, 1, 2, 3]),
            "options are shuffled"
        );
    }

    #[test]
    fn every_question_is_drawn_about_equally_often() {
        // 10 questions, draw 2, 20,000 times: each should appear 4,000 times (±5 %).
        let p = pool(10);
        let mut counts = [0usize; 11];
        for seed in 0..20_000u64 {
            for d in draw(&p, &[any(2)], &HashSet::new(), Order::Shuffled, seed).unwrap() {
                counts[d.question_id as usize] += 1;
            }
        }
        for (id, n) in counts.iter().enumerate().skip(1) {
            assert!((3_800..=4_200).contains(n), "question {id} drawn {n} times");
        }
    }

    proptest! {
        #[test]
        fn a_draw_never_repeats_a_question(seed: u64, n in 30i64..120, k in 1usize..20, seen_mask: u64) {
            let p = pool(n);
            let seen: HashSet<i64> = (1..=n).filter(|id| seen_mask & (1 << (id % 64)) != 0).collect();
            let quotas = [
                Quota { bank_id: 1, topic: Some("T0".into()), difficulty: None, count: k.min(3) },
                any(k),
            ];
            let drawn = draw(&p, &quotas, &seen, Order::Shuffled, seed).unwrap();
            let ids: HashSet<i64> = drawn.iter().map(|d| d.question_id).collect();
            prop_assert_eq!(ids.len(), drawn.len());
            prop_assert_eq!(drawn.len(), k + k.min(3));
            for d in &drawn {
                let mut order = d.option_order.clone();
                order.sort_unstable();
                let n_choices = p.iter().find(|c| c.id == d.question_id).unwrap().choices;
                prop_assert_eq!(order, (0..n_choices).collect::<Vec<_>>());
            }
        }
    }
}
