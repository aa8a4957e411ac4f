//! Unit statistics (participation per unit, rolled up the unit tree) of a round or a
//! contest, computed from ranked board entries.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::boards::{BoardEntry, Snapshot};
use crate::entities::unit;

/// A unit's statistics in a round (or a contest), rolled up the unit tree.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitStats {
    pub unit_code: String,
    pub unit_name: String,
    pub parent_code: Option<String>,
    pub kind: String,
    pub block: Option<String>,
    pub headcount: i64,
    pub participants: i64,
    /// participants / headcount (0 when the headcount is 0).
    pub participation_rate: f64,
    pub attempts: i64,
    /// 0 while the round holds scores back (`scores_hidden`).
    pub avg_best_score: f64,
    /// 0 while the round holds scores back (`scores_hidden`).
    pub perfect_scores: i64,
    /// True while the round holds scores back until it is settled
    /// (`score_shown = after_close`): participation only.
    pub scores_hidden: bool,
}

/// Unit statistics without what scores tell (a unit of one participant would reveal that
/// participant's score): for rounds that hold scores back until they are settled.
pub fn without_scores(units: &[UnitStats]) -> Vec<UnitStats> {
    units
        .iter()
        .map(|u| UnitStats {
            avg_best_score: 0.0,
            perfect_scores: 0,
            scores_hidden: true,
            ..u.clone()
        })
        .collect()
}

/// Aggregates ranked entries per unit and rolls them up the tree (a district counts its
/// communes). Units come in tree order; every unit gets a row, with zeros if nobody took
/// part.
pub fn unit_stats(units: &[unit::Model], entries: &[BoardEntry]) -> Vec<UnitStats> {
    #[derive(Default, Clone, Copy)]
    struct Acc {
        participants: i64,
        attempts: i64,
        score_sum: i64,
        perfect: i64,
    }
    let mut own: HashMap<i64, Acc> = HashMap::new();
    for e in entries {
        if let Some(u) = e.unit_id {
            let a = own.entry(u).or_default();
            a.participants += 1;
            a.attempts += i64::from(e.attempts_used);
            a.score_sum += i64::from(e.score);
            a.perfect += i64::from(e.score == e.max_score && e.max_score > 0);
        }
    }
    let parent: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    let mut total: HashMap<i64, Acc> = HashMap::new();
    for (unit_id, acc) in &own {
        // Add to the unit and every ancestor (guarding against a malformed cycle).
        let mut cursor = Some(*unit_id);
        let mut steps = 0;
        while let Some(u) = cursor {
            let t = total.entry(u).or_default();
            t.participants += acc.participants;
            t.attempts += acc.attempts;
            t.score_sum += acc.score_sum;
            t.perfect += acc.perfect;
            cursor = parent.get(&u).copied().flatten();
            steps += 1;
            if steps > units.len() {
                break;
            }
        }
    }
    // Headcounts roll up too, unless a parent states its own.
    let mut headcount: HashMap<i64, i64> = units
        .iter()
        .map(|u| (u.id, i64::from(u.headcount)))
        .collect();
    let mut children_sum: HashMap<i64, i64> = HashMap::new();
    for u in units {
        let mut cursor = u.parent_id;
        let mut steps = 0;
        while let Some(p) = cursor {
            *children_sum.entry(p).or_default() += i64::from(u.headcount);
            cursor = parent.get(&p).copied().flatten();
            steps += 1;
            if steps > units.len() {
                break;
            }
        }
    }
    for (id, h) in headcount.iter_mut() {
        if *h == 0 {
            *h = children_sum.get(id).copied().unwrap_or(0);
        }
    }
    crate::units::tree_order(units)
        .into_iter()
        .filter_map(|view| {
            let u = units.iter().find(|u| u.code == view.code)?;
            let acc = total.get(&u.id).copied().unwrap_or_default();
            let head = headcount.get(&u.id).copied().unwrap_or(0);
            Some(UnitStats {
                unit_code: view.code,
                unit_name: view.name,
                parent_code: view.parent_code,
                kind: view.kind,
                block: view.block,
                headcount: head,
                participants: acc.participants,
                participation_rate: if head > 0 {
                    acc.participants as f64 / head as f64
                } else {
                    0.0
                },
                attempts: acc.attempts,
                avg_best_score: if acc.participants > 0 {
                    acc.score_sum as f64 / acc.participants as f64
                } else {
                    0.0
                },
                perfect_scores: acc.perfect,
                scores_hidden: false,
            })
        })
        .collect()
}

/// Unit statistics over a contest: a participant counts once, with their best round (the
/// first of equal scores), and the attempts of all their rounds.
pub fn contest_unit_stats(units: &[unit::Model], snapshots: &[Arc<Snapshot>]) -> Vec<UnitStats> {
    let mut best: HashMap<i64, BoardEntry> = HashMap::new();
    for snap in snapshots {
        for e in &snap.entries {
            best.entry(e.user_id)
                .and_modify(|b| {
                    let attempts = b.attempts_used + e.attempts_used;
                    if e.score > b.score {
                        *b = e.clone();
                    }
                    b.attempts_used = attempts;
                })
                .or_insert_with(|| e.clone());
        }
    }
    let entries: Vec<BoardEntry> = best.into_values().collect();
    unit_stats(units, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn unit(id: i64, code: &str, parent: Option<i64>, headcount: i32) -> unit::Model {
        let now = Utc::now();
        unit::Model {
            id,
            code: code.into(),
            name: code.into(),
            parent_id: parent,
            kind: "other".into(),
            block: None,
            headcount,
            position: id as i32,
            created_at: now,
            updated_at: now,
        }
    }

    fn entry(user_id: i64, unit_id: i64, score: i32, attempts: i32) -> BoardEntry {
        BoardEntry {
            rank: 0,
            user_id,
            attempt_id: user_id,
            name: String::new(),
            unit_code: None,
            unit_name: None,
            category: "official".into(),
            score,
            max_score: 20,
            time_taken_ms: 0,
            prediction: None,
            prediction_diff: None,
            submitted_at: Utc::now(),
            attempts_used: attempts,
            unit_id: Some(unit_id),
        }
    }

    #[test]
    fn unit_statistics_roll_up_the_tree() {
        let units = vec![
            unit(1, "VL", None, 0),
            unit(2, "H-LH", Some(1), 0),
            unit(3, "X-A", Some(2), 20),
            unit(4, "X-B", Some(2), 30),
            unit(5, "SO", Some(1), 10),
        ];
        let entries = vec![
            entry(1, 3, 20, 2),
            entry(2, 3, 10, 1),
            entry(3, 4, 20, 3),
            entry(4, 2, 16, 1), // an official of the district itself
        ];
        let stats = unit_stats(&units, &entries);
        let by = |c: &str| stats.iter().find(|s| s.unit_code == c).unwrap().clone();
        let x_a = by("X-A");
        assert_eq!(
            (x_a.participants, x_a.attempts, x_a.perfect_scores),
            (2, 3, 1)
        );
        assert!((x_a.participation_rate - 0.1).abs() < 1e-9);
        assert!((x_a.avg_best_score - 15.0).abs() < 1e-9);
        let district = by("H-LH");
        assert_eq!(district.participants, 4);
        assert_eq!(
            district.headcount, 50,
            "headcount rolls up when the district states none"
        );
        assert!((district.participation_rate - 0.08).abs() < 1e-9);
        assert_eq!(district.perfect_scores, 2);
        assert_eq!(by("SO").participants, 0);
        assert_eq!(by("VL").participants, 4);
        assert_eq!(stats[0].unit_code, "VL", "tree order");
    }
}
