//! The proposed award list: a pure function of the ranking and the plan.
//!
//! Individual prizes, per category: walk the category's ranking from the top; a person is
//! eligible when their score reaches the plan's minimum, the judges have not excluded
//! them and (with `one_per_person`) they hold no prize in another published list of the
//! contest. Eligible people take the prizes in order — the best level first — so an
//! exclusion promotes the next eligible person. Voided accounts never reach this
//! function: the rankings leave them out.
//!
//! Collective prizes, per block of units: units with at least the plan's minimum
//! participants, ordered by participation rate desc, then the average score of their
//! participants desc, then their number of perfect scores desc, then the unit code (so
//! the order is total); the best take the block's prizes in order.

use std::cmp::Ordering;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::plan::PrizePlan;

/// One ranked participant, in ranking order: what the proposal reads of a standing.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub participant_id: i64,
    /// The category's code.
    pub category: String,
    pub name: String,
    pub unit: Option<String>,
    pub score: i64,
    pub time_taken_ms: i64,
}

/// One awarded person of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AwardEntry {
    /// The participant (for staff: exclusions name it; never on public pages).
    pub participant_id: i64,
    /// The category's code.
    pub category: String,
    /// The category's name, as printed.
    pub category_name: String,
    pub prize: String,
    /// 0 for the best prize of the plan, then 1, 2…
    pub level: usize,
    /// The rank within the category's ranking.
    pub rank: usize,
    pub name: String,
    pub unit: Option<String>,
    pub score: i64,
    pub time_taken_ms: i64,
    /// The certificate's verification code (set when the list is published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_code: Option<String>,
}

/// A unit's figures, as the collective proposal compares them.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitCandidate {
    pub unit_code: String,
    pub unit_name: String,
    pub block: Option<String>,
    pub participants: i64,
    pub participation_rate: f64,
    pub avg_score: f64,
    pub perfect_scores: i64,
}

/// One awarded unit of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitAward {
    pub block: String,
    pub prize: String,
    pub level: usize,
    /// The unit's name.
    pub unit: String,
    pub unit_code: String,
    pub participants: i64,
    /// participants / headcount.
    pub participation_rate: f64,
    pub avg_score: f64,
    pub perfect_scores: i64,
}

/// The categories in the contest's order (code, printed name), then any category of the
/// candidates the contest does not name, by code.
fn category_order(
    categories: &[(String, String)],
    candidates: &[Candidate],
) -> Vec<(String, String)> {
    let mut codes: Vec<(String, String)> = categories.to_vec();
    let mut extra: Vec<&str> = candidates
        .iter()
        .map(|c| c.category.as_str())
        .filter(|c| !categories.iter().any(|(code, _)| code == c))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    codes.extend(extra.into_iter().map(|c| (c.to_owned(), c.to_owned())));
    codes
}

/// What participation certificates say in place of a prize.
pub const PARTICIPATION: &str = "Chứng nhận tham gia";

/// The participation certificates of a round's list (none unless the plan enables them):
/// per category in ranking order, everyone with at least the plan's score who is not
/// excluded by the judges. Their `level` comes after every prize level of the plan.
pub fn participation(
    plan: &PrizePlan,
    categories: &[(String, String)],
    candidates: &[Candidate],
    excluded: &HashSet<i64>,
) -> Vec<AwardEntry> {
    let Some(rule) = &plan.participation else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (code, name) in &category_order(categories, candidates) {
        let ranked = candidates.iter().filter(|c| &c.category == code);
        for (i, c) in ranked.enumerate() {
            if c.score < rule.min_score || excluded.contains(&c.participant_id) {
                continue;
            }
            out.push(AwardEntry {
                participant_id: c.participant_id,
                category: code.clone(),
                category_name: name.clone(),
                prize: PARTICIPATION.to_owned(),
                level: plan.individual.len(),
                rank: i + 1,
                name: c.name.clone(),
                unit: c.unit.clone(),
                score: c.score,
                time_taken_ms: c.time_taken_ms,
                certificate_code: None,
            });
        }
    }
    out
}

/// The proposed individual prizes: `candidates` in ranking order, `categories` as
/// `(code, name)` in the order the list shows them (categories not named come after, by
/// code).
pub fn propose(
    plan: &PrizePlan,
    categories: &[(String, String)],
    candidates: &[Candidate],
    excluded: &HashSet<i64>,
    already_awarded: &HashSet<i64>,
) -> Vec<AwardEntry> {
    let mut out = Vec::new();
    for (code, name) in &category_order(categories, candidates) {
        let mut slots = plan
            .individual
            .iter()
            .enumerate()
            .flat_map(|(level, p)| std::iter::repeat_n((level, &p.prize), p.count as usize));
        let mut slot = slots.next();
        let ranked = candidates.iter().filter(|c| &c.category == code);
        for (i, c) in ranked.enumerate() {
            let Some((level, prize)) = slot else { break };
            let eligible = c.score >= plan.min_score
                && !excluded.contains(&c.participant_id)
                && !(plan.one_per_person && already_awarded.contains(&c.participant_id));
            if !eligible {
                continue;
            }
            out.push(AwardEntry {
                participant_id: c.participant_id,
                category: code.clone(),
                category_name: name.clone(),
                prize: prize.clone(),
                level,
                rank: i + 1,
                name: c.name.clone(),
                unit: c.unit.clone(),
                score: c.score,
                time_taken_ms: c.time_taken_ms,
                certificate_code: None,
            });
            slot = slots.next();
        }
    }
    out
}

/// The order of units within a block: the better first (see the module's doc).
pub fn compare_units(a: &UnitCandidate, b: &UnitCandidate) -> Ordering {
    b.participation_rate
        .total_cmp(&a.participation_rate)
        .then(b.avg_score.total_cmp(&a.avg_score))
        .then(b.perfect_scores.cmp(&a.perfect_scores))
        .then(a.unit_code.cmp(&b.unit_code))
}

/// The proposed collective prizes, block by block in the order blocks first appear.
/// Units without a block are not compared.
pub fn propose_units(plan: &PrizePlan, units: &[UnitCandidate]) -> Vec<UnitAward> {
    let mut blocks: Vec<&str> = Vec::new();
    for u in units {
        if let Some(b) = u.block.as_deref()
            && !blocks.contains(&b)
        {
            blocks.push(b);
        }
    }
    let min = i64::from(plan.collective.min_participants.max(1));
    let mut out = Vec::new();
    for block in blocks {
        let mut eligible: Vec<&UnitCandidate> = units
            .iter()
            .filter(|u| u.block.as_deref() == Some(block) && u.participants >= min)
            .collect();
        eligible.sort_by(|a, b| compare_units(a, b));
        let slots = plan
            .collective
            .per_block
            .iter()
            .enumerate()
            .flat_map(|(level, p)| std::iter::repeat_n((level, &p.prize), p.count as usize));
        for (u, (level, prize)) in eligible.into_iter().zip(slots) {
            out.push(UnitAward {
                block: block.to_owned(),
                prize: prize.clone(),
                level,
                unit: u.unit_name.clone(),
                unit_code: u.unit_code.clone(),
                participants: u.participants,
                participation_rate: u.participation_rate,
                avg_score: u.avg_score,
                perfect_scores: u.perfect_scores,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::awards::plan::{CollectivePlan, ParticipationPlan, PrizeCount};
    use proptest::prelude::*;

    fn levels(counts: &[u32]) -> Vec<PrizeCount> {
        let names = ["Giải Nhất", "Giải Nhì", "Giải Ba", "Giải Khuyến khích"];
        counts
            .iter()
            .zip(names)
            .map(|(&count, prize)| PrizeCount {
                prize: prize.into(),
                count,
            })
            .collect()
    }

    fn plan(counts: &[u32], min_score: i64, one_per_person: bool) -> PrizePlan {
        PrizePlan {
            individual: levels(counts),
            one_per_person,
            min_score,
            collective: CollectivePlan::default(),
            organiser: None,
            signer: None,
            participation: None,
        }
    }

    fn cand(id: i64, category: &str, score: i64) -> Candidate {
        Candidate {
            participant_id: id,
            category: category.into(),
            name: format!("Người {id}"),
            unit: None,
            score,
            time_taken_ms: 1000,
        }
    }

    fn cats() -> Vec<(String, String)> {
        vec![
            ("official".into(), "Cán bộ, công chức".into()),
            ("citizen".into(), "Nhân dân".into()),
        ]
    }

    fn prizes(entries: &[AwardEntry]) -> Vec<(i64, &str)> {
        entries
            .iter()
            .map(|e| (e.participant_id, e.prize.as_str()))
            .collect()
    }

    #[test]
    fn each_category_gets_the_plan_in_ranking_order() {
        let ranking = vec![
            cand(1, "official", 20),
            cand(2, "citizen", 20),
            cand(3, "official", 19),
            cand(4, "official", 18),
            cand(5, "citizen", 17),
            cand(6, "official", 17),
        ];
        let out = propose(
            &plan(&[1, 2], 0, false),
            &cats(),
            &ranking,
            &HashSet::new(),
            &HashSet::new(),
        );
        assert_eq!(
            prizes(&out),
            [
                (1, "Giải Nhất"),
                (3, "Giải Nhì"),
                (4, "Giải Nhì"),
                (2, "Giải Nhất"),
                (5, "Giải Nhì"),
            ]
        );
        // Ranks are within the category, as the category leaderboard shows them.
        assert_eq!(out[2].rank, 3);
        assert_eq!(out[4].rank, 2);
        assert_eq!(out[3].category_name, "Nhân dân");
    }

    #[test]
    fn participation_certificates_go_to_everyone_above_the_score_but_the_excluded() {
        let ranking = vec![
            cand(1, "official", 20),
            cand(2, "citizen", 12),
            cand(3, "official", 10),
            cand(4, "official", 9),
            cand(5, "citizen", 10),
        ];
        let mut p = plan(&[1, 2], 0, false);
        assert!(participation(&p, &cats(), &ranking, &HashSet::new()).is_empty());
        p.participation = Some(ParticipationPlan { min_score: 10 });
        let out = participation(&p, &cats(), &ranking, &HashSet::from([5]));
        let got: Vec<(i64, usize, &str)> = out
            .iter()
            .map(|e| (e.participant_id, e.rank, e.prize.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, 1, PARTICIPATION),
                (3, 2, PARTICIPATION),
                (2, 1, PARTICIPATION)
            ]
        );
        assert!(out.iter().all(|e| e.level == 2), "after the plan's levels");
    }

    #[test]
    fn an_exclusion_promotes_the_next_person_and_the_minimum_score_stops_the_list() {
        let ranking = vec![
            cand(1, "official", 20),
            cand(2, "official", 19),
            cand(3, "official", 18),
            cand(4, "official", 9),
        ];
        let excluded = HashSet::from([1]);
        let out = propose(
            &plan(&[1, 1, 2], 10, false),
            &cats(),
            &ranking,
            &excluded,
            &HashSet::new(),
        );
        assert_eq!(prizes(&out), [(2, "Giải Nhất"), (3, "Giải Nhì")]);
    }

    #[test]
    fn one_prize_per_person_skips_people_already_awarded_only_when_the_plan_says_so() {
        let ranking = vec![cand(1, "official", 20), cand(2, "official", 19)];
        let awarded = HashSet::from([1]);
        let out = propose(
            &plan(&[1], 0, true),
            &cats(),
            &ranking,
            &HashSet::new(),
            &awarded,
        );
        assert_eq!(prizes(&out), [(2, "Giải Nhất")]);
        let out = propose(
            &plan(&[1], 0, false),
            &cats(),
            &ranking,
            &HashSet::new(),
            &awarded,
        );
        assert_eq!(prizes(&out), [(1, "Giải Nhất")]);
    }

    fn unit(
        code: &str,
        block: &str,
        participants: i64,
        rate: f64,
        avg: f64,
        perfect: i64,
    ) -> UnitCandidate {
        UnitCandidate {
            unit_code: code.into(),
            unit_name: format!("Đơn vị {code}"),
            block: Some(block.into()),
            participants,
            participation_rate: rate,
            avg_score: avg,
            perfect_scores: perfect,
        }
    }

    #[test]
    fn collective_prizes_follow_rate_then_average_then_perfect_scores_within_each_block() {
        // Hand-checked: block "xa" has five communes, block "so" two departments.
        let units = vec![
            unit("X1", "xa", 30, 0.50, 15.0, 2), // rate 50 %
            unit("X2", "xa", 45, 0.75, 12.0, 1), // the best rate: Nhất
            unit("X3", "xa", 30, 0.50, 16.5, 0), // ties X1 on rate, better average: Nhì
            unit("X4", "xa", 2, 1.00, 20.0, 2),  // 100 % but below 3 participants: not eligible
            unit("X5", "xa", 20, 0.50, 15.0, 3), // ties X1 on rate and average, more perfect
            unit("S1", "so", 10, 0.20, 18.0, 1),
            unit("S2", "so", 12, 0.25, 11.0, 0),
        ];
        let mut p = plan(&[], 0, false);
        p.collective = CollectivePlan {
            per_block: levels(&[1, 1, 1]),
            min_participants: 3,
        };
        let out = propose_units(&p, &units);
        let got: Vec<(&str, &str, &str)> = out
            .iter()
            .map(|u| (u.block.as_str(), u.unit_code.as_str(), u.prize.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("xa", "X2", "Giải Nhất"),
                ("xa", "X3", "Giải Nhì"),
                ("xa", "X5", "Giải Ba"),
                ("so", "S2", "Giải Nhất"),
                ("so", "S1", "Giải Nhì"),
            ]
        );
    }

    fn ranking() -> impl Strategy<Value = Vec<Candidate>> {
        proptest::collection::vec((0..3usize, 0i64..12), 0..40).prop_map(|rows| {
            let mut list: Vec<Candidate> = rows
                .into_iter()
                .enumerate()
                .map(|(i, (c, score))| cand(i as i64, ["official", "citizen", "student"][c], score))
                .collect();
            // Ranking order: score desc (ties by id, as the real ranking's last key).
            list.sort_by(|a, b| {
                b.score
                    .cmp(&a.score)
                    .then(a.participant_id.cmp(&b.participant_id))
            });
            list
        })
    }

    proptest! {
        #[test]
        fn awarded_people_outrank_every_eligible_person_left_out_and_better_prizes_go_higher(
            list in ranking(),
            counts in proptest::collection::vec(0u32..4, 0..4),
            min_score in 0i64..8,
            excluded in proptest::collection::hash_set(0i64..40, 0..6),
            awarded in proptest::collection::hash_set(0i64..40, 0..6),
            one_per_person in any::<bool>(),
        ) {
            let p = plan(&counts, min_score, one_per_person);
            let out = propose(&p, &cats(), &list, &excluded, &awarded);
            let eligible = |c: &Candidate| c.score >= min_score
                && !excluded.contains(&c.participant_id)
                && !(one_per_person && awarded.contains(&c.participant_id));
            for category in ["official", "citizen", "student"] {
                let ranked: Vec<&Candidate> = list.iter().filter(|c| c.category == category).collect();
                let won: Vec<&AwardEntry> = out.iter().filter(|e| e.category == category).collect();
                // Only eligible people win, each once, and no more than the plan's prizes.
                let total: u32 = counts.iter().sum();
                prop_assert!(won.len() <= total as usize);
                let ids: HashSet<i64> = won.iter().map(|e| e.participant_id).collect();
                prop_assert_eq!(ids.len(), won.len());
                for e in &won {
                    let c = ranked[e.rank - 1];
                    prop_assert_eq!(c.participant_id, e.participant_id);
                    prop_assert!(eligible(c));
                }
                // Every awarded person outranks every eligible person not awarded.
                let worst_awarded = won.iter().map(|e| e.rank).max().unwrap_or(0);
                for (i, c) in ranked.iter().enumerate() {
                    if eligible(c) && !ids.contains(&c.participant_id) {
                        prop_assert!(i + 1 > worst_awarded);
                    }
                }
                // The prizes are all given while eligible people remain.
                let eligible_count = ranked.iter().filter(|c| eligible(c)).count();
                prop_assert_eq!(won.len(), eligible_count.min(total as usize));
                // A higher prize never goes to a lower rank.
                for a in &won {
                    for b in &won {
                        if a.level < b.level {
                            prop_assert!(a.rank < b.rank);
                        }
                    }
                }
            }
        }

        #[test]
        fn a_unit_prize_never_goes_to_a_unit_below_an_eligible_unit_left_out(
            rows in proptest::collection::vec((0..2usize, 0i64..6, 0u8..5, 0u8..5, 0i64..3), 0..20),
            counts in proptest::collection::vec(0u32..3, 0..3),
            min in 1u32..4,
        ) {
            let units: Vec<UnitCandidate> = rows.iter().enumerate().map(|(i, &(b, n, r, a, p))| {
                unit(&format!("U{i:02}"), ["a", "b"][b], n, f64::from(r) / 4.0, f64::from(a), p)
            }).collect();
            let mut pl = plan(&[], 0, false);
            pl.collective = CollectivePlan { per_block: levels(&counts), min_participants: min };
            let out = propose_units(&pl, &units);
            for award in &out {
                let u = units.iter().find(|u| u.unit_code == award.unit_code).unwrap();
                prop_assert!(u.participants >= i64::from(min));
                for other in units.iter().filter(|o| o.block == u.block && o.participants >= i64::from(min)) {
                    if !out.iter().any(|a| a.unit_code == other.unit_code) {
                        prop_assert_eq!(compare_units(u, other), Ordering::Less);
                    }
                }
            }
        }
    }
}
