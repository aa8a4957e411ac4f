//! A proposed list computed from the ranking: the candidates of a round or a contest in
//! ranking order with their units' figures, the people already awarded elsewhere (for
//! `one_per_person`), and the pure proposal of [`super::propose`] over them.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::plan::PrizePlan;
use super::propose::{self, Candidate, UnitCandidate};
use super::workflow::{Scope, body_of};
use super::{AwardBody, Exclusion};
use crate::contest::boards::{self, UnitStats};
use crate::contest::{Engine, fairness};
use crate::entities::award_list::{self, Status};
use crate::entities::{round, unit};
use crate::error::{AppError, Result};
use serde_json::json;

/// The ranking a list is proposed from: candidates in ranking order and unit figures.
async fn standings<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    scope: &Scope,
) -> Result<(Vec<Candidate>, Vec<UnitCandidate>)> {
    let units_of = |stats: &[UnitStats]| -> Vec<UnitCandidate> {
        stats
            .iter()
            .map(|u| UnitCandidate {
                unit_code: u.unit_code.clone(),
                unit_name: u.unit_name.clone(),
                block: u.block.clone(),
                participants: u.participants,
                participation_rate: u.participation_rate,
                avg_score: u.avg_best_score,
                perfect_scores: u.perfect_scores,
            })
            .collect()
    };
    match scope {
        Scope::Round { round, .. } => {
            if round.practice {
                return Err(AppError::conflict(
                    "round_not_ranked",
                    "Vòng thi thử không xếp hạng nên không xét giải.",
                ));
            }
            if !fairness::is_settled(round) {
                return Err(AppError::conflict(
                    "round_not_settled",
                    "Vòng thi chưa kết thúc và chốt kết quả: chưa thể lập danh sách giải.",
                ));
            }
            let snapshot = engine.boards.snapshot(db, round).await?;
            let candidates = snapshot
                .entries
                .iter()
                .map(|e| Candidate {
                    participant_id: e.user_id,
                    category: e.category.clone(),
                    name: e.name.clone(),
                    unit: e.unit_name.clone(),
                    score: i64::from(e.score),
                    time_taken_ms: e.time_taken_ms,
                })
                .collect();
            Ok((candidates, units_of(&snapshot.units)))
        }
        Scope::Contest(c) => {
            let rounds = crate::contest::rounds_of(db, c.id).await?;
            let ranked: Vec<&round::Model> = rounds.iter().filter(|r| !r.practice).collect();
            let unsettled: Vec<&str> = ranked
                .iter()
                .filter(|r| !fairness::is_settled(r))
                .map(|r| r.title.as_str())
                .collect();
            if ranked.is_empty() || !unsettled.is_empty() {
                return Err(AppError::conflict_with(
                    "contest_not_settled",
                    "Còn vòng thi chưa chốt kết quả (hoặc cuộc thi chưa có vòng xếp hạng): \
                     chưa thể lập danh sách giải toàn cuộc thi.",
                    serde_json::Map::from_iter([("rounds".to_owned(), json!(unsettled))]),
                ));
            }
            let snapshots = engine.boards.contest_public(db, c.id).await?;
            let candidates = boards::contest_ranking(&snapshots, None)
                .into_iter()
                .map(|e| Candidate {
                    participant_id: e.user_id,
                    category: e.category,
                    name: e.name,
                    unit: e.unit_name,
                    score: e.score,
                    time_taken_ms: e.time_taken_ms,
                })
                .collect();
            let units = unit::Entity::find().all(db).await?;
            let stats = boards::contest_unit_stats(&units, &snapshots);
            Ok((candidates, units_of(&stats)))
        }
    }
}

/// People holding a prize in another published list of the contest (for `one_per_person`).
async fn awarded_elsewhere<C: ConnectionTrait>(db: &C, scope: &Scope) -> Result<HashSet<i64>> {
    let lists = award_list::Entity::find()
        .filter(award_list::Column::ContestId.eq(scope.contest().id))
        .filter(award_list::Column::Status.eq(Status::Published))
        .all(db)
        .await?;
    let mut out = HashSet::new();
    for list in lists.iter().filter(|l| l.round_id != scope.round_id()) {
        out.extend(body_of(list)?.entries.iter().map(|e| e.participant_id));
    }
    Ok(out)
}

/// The list the ranking and plan give today, with these exclusions.
pub(super) async fn compute<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    scope: &Scope,
    plan: &PrizePlan,
    exclusions: &[Exclusion],
) -> Result<AwardBody> {
    let (candidates, units) = standings(db, engine, scope).await?;
    let categories = crate::exports::contest_categories(db, scope.contest())
        .await?
        .0;
    let excluded: HashSet<i64> = exclusions.iter().map(|e| e.participant_id).collect();
    let awarded = if plan.one_per_person {
        awarded_elsewhere(db, scope).await?
    } else {
        HashSet::new()
    };
    let participation = match scope {
        Scope::Round { .. } => propose::participation(plan, &categories, &candidates, &excluded),
        Scope::Contest(_) => Vec::new(),
    };
    Ok(AwardBody {
        entries: propose::propose(plan, &categories, &candidates, &excluded, &awarded),
        units: propose::propose_units(plan, &units),
        participation,
    })
}
