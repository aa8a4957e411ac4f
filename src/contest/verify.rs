//! Verifying an attempt for a dispute: re-derive its draw from the stored seed and the
//! bank versions it drew from, and re-score it from the stored answers and revisions —
//! all read afresh from the database, not from caches — then compare with what is stored.
//! The jury's decisions on the round's questions (`disputes`) are applied to the
//! re-scoring, and listed.

use crate::db::OneByKey;
use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::attempts::{Status, drawn_of, load_round};
use super::draw;
use super::draw_rules;
use super::pool::QuestionData;
use crate::banks::store::questions_at_version;
use crate::entities::{answer, attempt, question};
use crate::error::{AppError, Result};

/// A score, stored or recomputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScoreView {
    pub score: i32,
    pub correct: i32,
    pub max_score: i32,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub attempt_id: i64,
    /// True when both the draw and the score match.
    #[serde(rename = "match")]
    pub matches: bool,
    pub draw_matches: bool,
    pub score_matches: bool,
    pub stored: Option<ScoreView>,
    pub recomputed: ScoreView,
    /// Each difference, in Vietnamese, for the judges.
    pub differences: Vec<String>,
    /// The jury's decisions on questions this attempt drew, applied to `recomputed`.
    pub decisions: Vec<super::disputes::AppliedDecision>,
}

/// Verifies one attempt.
pub async fn verify<C: ConnectionTrait>(db: &C, attempt_id: i64) -> Result<Verification> {
    let a = attempt::Entity::find_by_id(attempt_id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let round = load_round(db, a.round_id).await?;
    let rules = draw_rules(&round)?;
    let quotas = rules.for_category(&a.category_code);
    let versions = a.bank_versions()?;
    let mut differences = Vec::new();

    // The pool as it was: each bank at the version the attempt recorded.
    let mut pool = Vec::new();
    let mut bank_ids: Vec<i64> = quotas.iter().map(|q| q.bank_id).collect();
    bank_ids.sort_unstable();
    bank_ids.dedup();
    for bank_id in bank_ids {
        match versions.get(&bank_id) {
            Some(&version) => {
                for row in questions_at_version(db, bank_id, version).await? {
                    pool.push(QuestionData::from_row(&row)?.candidate());
                }
            }
            None => differences.push(format!(
                "Bài thi không ghi phiên bản của ngân hàng #{bank_id}."
            )),
        }
    }
    // The questions of the participant's earlier attempts in the round, which the draw avoids.
    let earlier = attempt::Entity::find()
        .filter(attempt::Column::RoundId.eq(a.round_id))
        .filter(attempt::Column::UserId.eq(a.user_id))
        .filter(attempt::Column::Seq.lt(a.seq))
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    for e in &earlier {
        seen.extend(drawn_of(e)?.into_iter().map(|d| d.question_id));
    }
    let order = round.question_order;
    let stored = drawn_of(&a)?;
    match draw::draw(&pool, quotas, &seen, order, a.seed as u64) {
        Ok(expected) => {
            if expected.len() != stored.len() {
                differences.push(format!(
                    "Rút lại được {} câu, bài thi lưu {} câu.",
                    expected.len(),
                    stored.len()
                ));
            }
            for (i, (e, s)) in expected.iter().zip(&stored).enumerate() {
                if e.question_id != s.question_id {
                    differences.push(format!(
                        "Câu {}: rút lại được câu hỏi #{}, bài thi lưu câu hỏi #{}.",
                        i + 1,
                        e.question_id,
                        s.question_id
                    ));
                } else if e.option_order != s.option_order {
                    differences.push(format!(
                        "Câu {}: thứ tự phương án khác với khi rút lại.",
                        i + 1
                    ));
                }
            }
        }
        Err(short) => differences.push(format!(
            "Không rút lại được đề: nhóm câu hỏi {} thiếu {} câu.",
            short.quota,
            short.missing()
        )),
    }
    let draw_matches = differences.is_empty();

    // Re-score from the stored answers and the stored revisions.
    let ids: Vec<i64> = stored.iter().map(|d| d.question_id).collect();
    let questions: HashMap<i64, question::Model> = question::Entity::find()
        .filter(question::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    let answers: HashMap<i32, BTreeSet<usize>> = answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(a.id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| Ok((r.position, r.choices()?.into_iter().collect())))
        .collect::<Result<_>>()?;
    let decisions: HashMap<i64, _> = super::disputes::of_round(db, a.round_id)
        .await?
        .into_iter()
        .map(|d| (d.question_id, d))
        .collect();
    let mut keys = Vec::with_capacity(stored.len());
    let mut rulings = HashMap::new();
    let mut applied = Vec::new();
    for d in &stored {
        let row = questions.get(&d.question_id).ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!(
                "question revision {} is missing",
                d.question_id
            ))
        })?;
        let q = QuestionData::from_row(row)?;
        if let Some(decision) = decisions.get(&d.question_id) {
            rulings.insert(d.question_id, super::disputes::ruling_of(decision)?);
            applied.push(super::disputes::applied(decision, &q)?);
        }
        keys.push(q.correct);
    }
    let recomputed = super::disputes::score_drawn(&stored, &keys, &answers, &rulings);
    let recomputed = ScoreView {
        score: recomputed.score,
        correct: recomputed.correct,
        max_score: recomputed.max_score,
    };
    let stored_score = (a.status == Status::Finished).then(|| ScoreView {
        score: a.score.unwrap_or(0),
        correct: a.correct.unwrap_or(0),
        max_score: a.max_score,
    });
    let score_matches = stored_score.is_none_or(|s| s == recomputed);
    if let Some(s) = stored_score
        && !score_matches
    {
        differences.push(format!(
            "Điểm lưu {}/{} ({} câu đúng), chấm lại được {}/{} ({} câu đúng).",
            s.score,
            s.max_score,
            s.correct,
            recomputed.score,
            recomputed.max_score,
            recomputed.correct
        ));
    }
    Ok(Verification {
        attempt_id: a.id,
        matches: draw_matches && score_matches,
        draw_matches,
        score_matches,
        stored: stored_score,
        recomputed,
        differences,
        decisions: applied,
    })
}
