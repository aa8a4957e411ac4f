//! Disputed questions settled by the jury (issue #15 point 5): once a round has opened, the
//! organiser records the judges' decision on a question — its key corrected
//! (`correct_key`), every answer accepted (`accept_all`), or the question dropped from
//! scoring (`drop`) — and every finished attempt of the round is re-scored, its standings
//! rebuilt, the prediction's actual value recomputed when it counts perfect scores, and the
//! leaderboard snapshots dropped. Attempts still running are scored with the decision when
//! they finish ([`super::finishing`] reads the round's decisions inside the writer's
//! transaction), and `verify` re-scores with them.
//!
//! Rules (documented in the README's "Disputed questions"):
//! - A decision is keyed by round and **question revision** (`questions.id`, the id the
//!   item analysis shows). It applies to the attempts that drew that revision only: another
//!   revision of the same bank question may have other options and another key, and the
//!   item analysis lists it on its own line, so the jury decides it on its own.
//! - `accept_all` gives the point to every attempt that drew the question, answered or
//!   not — the usual jury practice: nobody loses for a question that had no right answer.
//! - `drop` takes the question out of both the score and the maximum; `total` (questions
//!   drawn) is unchanged.
//! - `correct_key` names the right options by their text (NFC, exactly as in the
//!   question); a single-choice or true/false question has exactly one.
//! - A new decision on the same question replaces the previous one; the audit trail
//!   (`round.question_decision`) keeps both, as before/after.
//! - Allowed once the round has opened (else 409 `round_not_open`), also after it closed
//!   or settled (the round is re-settled), never in a finished or archived contest (409
//!   `contest_locked`). A question no attempt of the round drew: 422 `question_not_drawn`.
//! - Participants see the decision on their result (the attempt JSON `decisions`, the
//!   result page notice); the corrected options are named only once the round is settled,
//!   when keys may be shown.
//!
//! Re-scoring is batched: attempts are read in id-ordered chunks with their answers in one
//! `IN` query per chunk, and changed scores are written with one `UPDATE … FROM (VALUES …)`
//! per chunk, all in one transaction. It writes only the score columns of finished
//! attempts and the standings — never answers, never a running attempt — so saves of
//! running attempts go on; on PostgreSQL the round row is locked (`FOR UPDATE` here,
//! `FOR SHARE` by each finish) so that an attempt finishing meanwhile is either re-scored
//! here or scores itself with the decision.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait, Value,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::draw::Drawn;
use super::pool::QuestionData;
use super::ranking::{self, Standing};
use super::scoring::{self, Ruling, Score};
use super::{Engine, attempts};
use crate::banks::Kind;
use crate::entities::contest::Status as ContestStatus;
use crate::entities::question_decision::{self, Decision};
use crate::entities::{answer, attempt, question, round, standing};
use crate::error::{AppError, Result};
use crate::text;

mod rescore;

pub use rescore::*;

/// Attempts re-scored per chunk (their answers are read with one `IN` query, their new
/// scores written with one statement).
const CHUNK: usize = 500;

/// The longest reason kept.
const MAX_REASON: usize = 2_000;

/// The body of `POST /api/v1/rounds/{id}/questions/{question_id}/decision`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionSpec {
    /// `correct_key`, `accept_all` or `drop`.
    pub decision: Option<Decision>,
    /// For `correct_key`: the texts of the right options, exactly as in the question.
    pub correct: Option<Vec<String>>,
    /// Why (the judges' advice); shown to the participants concerned.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// A decision as applied to attempts (verification, the attempt JSON, the audit trail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AppliedDecision {
    /// The question revision (`questions.id`).
    pub question_id: i64,
    pub decision: Decision,
    /// For `correct_key`: the texts of the right options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<Vec<String>>,
    pub reason: String,
    pub decided_at: DateTime<Utc>,
}

/// The answer of a decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionOutcome {
    /// Finished attempts that drew the question, re-scored.
    pub rescored: u64,
    /// Finished attempts of the round whose stored score changed.
    pub changed: u64,
    /// Running attempts that drew the question: scored with the decision when they finish.
    pub in_progress: u64,
    pub decision: AppliedDecision,
}

/// What a participant whose attempt drew a decided question is told (the attempt JSON
/// `decisions`, the result page).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionNotice {
    /// The question's position in the attempt, from 1.
    pub question: i64,
    pub decision: Decision,
    /// Once the round is settled (keys may be shown), for `correct_key`: the right options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<Vec<String>>,
    pub reason: String,
    pub decided_at: DateTime<Utc>,
    /// "Câu hỏi 3 đã được Ban Giám khảo điều chỉnh: …"
    pub message: String,
}

/// The notice of a decision on the question at `position`; the corrected options only
/// with `review` (the round settled: before that they would leak the key).
pub fn notice(position: usize, d: &AppliedDecision, review: bool) -> DecisionNotice {
    let correct = d.correct.clone().filter(|_| review);
    let what = match (d.decision, &correct) {
        (Decision::CorrectKey, Some(options)) => {
            format!("sửa đáp án, đáp án đúng là: {}", options.join("; "))
        }
        (Decision::AcceptAll, _) => {
            "chấp nhận mọi câu trả lời, mọi thí sinh được rút câu này đều được tính điểm".to_owned()
        }
        (decision, _) => decision_vi(decision).to_owned(),
    };
    DecisionNotice {
        question: position as i64,
        decision: d.decision,
        correct,
        reason: d.reason.clone(),
        decided_at: d.decided_at,
        message: format!(
            "Câu hỏi {position} đã được Ban Giám khảo điều chỉnh: {what}. Lý do: {}",
            d.reason
        ),
    }
}

/// The Vietnamese name of a decision, for pages and notices.
pub fn decision_vi(decision: Decision) -> &'static str {
    match decision {
        Decision::CorrectKey => "sửa đáp án",
        Decision::AcceptAll => "chấp nhận mọi câu trả lời",
        Decision::Drop => "loại khỏi việc tính điểm",
    }
}

/// The scoring rule of a stored decision.
pub fn ruling_of(d: &question_decision::Model) -> Result<Ruling> {
    Ok(match d.decision {
        Decision::AcceptAll => Ruling::AcceptAll,
        Decision::Drop => Ruling::Drop,
        Decision::CorrectKey => Ruling::Key(d.correct_key()?.ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!(
                "question decision {} corrects the key without one",
                d.id
            ))
        })?),
    })
}

/// A stored decision as applied, its corrected options named by their text.
pub fn applied(d: &question_decision::Model, q: &QuestionData) -> Result<AppliedDecision> {
    let correct = d.correct_key()?.map(|key| {
        q.choices
            .iter()
            .zip(key)
            .filter(|(_, right)| *right)
            .map(|(text, _)| text.clone())
            .collect()
    });
    Ok(AppliedDecision {
        question_id: d.question_id,
        decision: d.decision,
        correct,
        reason: d.reason.clone(),
        decided_at: d.decided_at,
    })
}

/// Every decision of a round.
pub async fn of_round<C: ConnectionTrait>(
    db: &C,
    round_id: i64,
) -> Result<Vec<question_decision::Model>> {
    Ok(question_decision::Entity::find()
        .filter(question_decision::Column::RoundId.eq(round_id))
        .order_by_asc(question_decision::Column::QuestionId)
        .all(db)
        .await?)
}

/// The rulings of a round, by question revision.
pub async fn rulings<C: ConnectionTrait>(db: &C, round_id: i64) -> Result<HashMap<i64, Ruling>> {
    of_round(db, round_id)
        .await?
        .iter()
        .map(|d| Ok((d.question_id, ruling_of(d)?)))
        .collect()
}

/// Checks a decision against its question: the reason, and for `correct_key` the options
/// (each an option of the question, one for a single-choice or true/false question).
/// Returns the decision, the corrected key (bank order) and the cleaned reason.
pub fn check(
    spec: &DecisionSpec,
    q: &QuestionData,
) -> Result<(Decision, Option<Vec<bool>>, String)> {
    let mut fields = BTreeMap::new();
    let reason = text::clean_opt(spec.reason.as_deref());
    match &reason {
        None => {
            fields.insert(
                "reason".to_owned(),
                "Cần ghi lý do (ý kiến của Ban Giám khảo).".to_owned(),
            );
        }
        Some(r) if text::char_len(r) > MAX_REASON => {
            fields.insert("reason".to_owned(), "Lý do tối đa 2.000 ký tự.".to_owned());
        }
        Some(_) => {}
    }
    let mut key = None;
    match spec.decision {
        None => {
            fields.insert(
                "decision".to_owned(),
                "Chọn cách xử lý: correct_key, accept_all hoặc drop.".to_owned(),
            );
        }
        Some(Decision::CorrectKey) => {
            let wanted: Vec<String> = spec
                .correct
                .iter()
                .flatten()
                .map(|t| text::clean(t))
                .filter(|t| !t.is_empty())
                .collect();
            let unknown: Vec<&str> = wanted
                .iter()
                .filter(|t| !q.choices.contains(t))
                .map(String::as_str)
                .collect();
            let corrected: Vec<bool> = q.choices.iter().map(|c| wanted.contains(c)).collect();
            let right = corrected.iter().filter(|r| **r).count();
            if wanted.is_empty() {
                fields.insert(
                    "correct".to_owned(),
                    "Sửa đáp án cần ít nhất một phương án đúng.".to_owned(),
                );
            } else if !unknown.is_empty() {
                fields.insert(
                    "correct".to_owned(),
                    format!(
                        "Không có phương án này trong câu hỏi: «{}».",
                        unknown.join("», «")
                    ),
                );
            } else if q.kind != Kind::Multiple && right != 1 {
                fields.insert(
                    "correct".to_owned(),
                    "Câu hỏi một lựa chọn chỉ có đúng một phương án đúng.".to_owned(),
                );
            }
            key = Some(corrected);
        }
        Some(_) => {
            if spec.correct.as_ref().is_some_and(|c| !c.is_empty()) {
                fields.insert(
                    "correct".to_owned(),
                    "Chỉ ghi phương án đúng khi sửa đáp án (correct_key).".to_owned(),
                );
            }
        }
    }
    match (spec.decision, reason) {
        (Some(decision), Some(reason)) if fields.is_empty() => Ok((decision, key, reason)),
        _ => Err(AppError::Validation { fields }),
    }
}

fn not_drawn() -> AppError {
    AppError::Unprocessable {
        code: "question_not_drawn",
        message: "Vòng thi chưa rút câu hỏi này cho bài thi nào.".to_owned(),
        details: Default::default(),
    }
}

/// Records the jury's decision on a question of a round and re-scores the round. See the
/// module documentation for the rules.
#[tracing::instrument(skip(db, engine, spec), fields(round.id = round_id, question.id = question_id))]
pub async fn decide(
    db: &DatabaseConnection,
    engine: &Engine,
    round_id: i64,
    question_id: i64,
    spec: DecisionSpec,
    actor: Option<i64>,
) -> Result<DecisionOutcome> {
    let r = attempts::load_round(db, round_id).await?;
    let contest = super::load_contest(db, r.contest_id).await?;
    if matches!(
        contest.status,
        ContestStatus::Finished | ContestStatus::Archived
    ) {
        return Err(AppError::conflict(
            "contest_locked",
            "Cuộc thi đã kết thúc, kết quả không thể điều chỉnh.",
        ));
    }
    if engine.now() < r.opens_at {
        return Err(AppError::conflict(
            "round_not_open",
            "Vòng thi chưa mở; câu hỏi chỉ được điều chỉnh sau khi vòng thi bắt đầu.",
        ));
    }
    let row = question::Entity::find_by_id(question_id)
        .one(db)
        .await?
        .ok_or_else(not_drawn)?;
    let q = QuestionData::from_row(&row)?;
    let (decision, key, reason) = check(&spec, &q)?;
    let now = engine.now();

    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        // Finishing attempts hold this row FOR SHARE: wait for them, and make those that
        // come next read the decision.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM rounds WHERE id = $1 FOR UPDATE",
            [round_id.into()],
        ))
        .await?;
    }
    let previous = question_decision::Entity::find()
        .filter(question_decision::Column::RoundId.eq(round_id))
        .filter(question_decision::Column::QuestionId.eq(question_id))
        .one(&txn)
        .await?;
    let correct = key
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::from)?;
    let mut row = question_decision::ActiveModel {
        round_id: Set(round_id),
        question_id: Set(question_id),
        decision: Set(decision),
        correct: Set(correct),
        reason: Set(reason),
        decided_by: Set(actor),
        decided_at: Set(now),
        ..Default::default()
    };
    // A new decision on the same question replaces the previous one.
    let stored = match &previous {
        Some(p) => {
            row.id = Set(p.id);
            row.update(&txn).await?
        }
        None => row.insert(&txn).await?,
    };
    let counts = rescore_round(&txn, engine, &r, Some(question_id)).await?;
    if counts.drew == 0 {
        // Dropping the transaction rolls the decision back.
        return Err(not_drawn());
    }
    let actual = if r.practice {
        None
    } else {
        rebuild_standings(&txn, round_id).await?;
        recompute_prediction(&txn, &r).await?
    };
    let before = previous.as_ref().map(|p| applied(p, &q)).transpose()?;
    let after = applied(&stored, &q)?;
    crate::audit::record(
        &txn,
        actor,
        "round.question_decision",
        Some(("round", round_id)),
        json!({
            "question_id": question_id,
            "before": before,
            "after": after,
            "rescored": counts.rescored,
            "changed": counts.changed,
            "prediction_actual": {"before": r.prediction_actual, "after": actual.or(r.prediction_actual)},
        }),
    )
    .await?;
    txn.commit().await?;
    engine.rounds.remove(&round_id).await;
    engine.boards.invalidate(Some(round_id));
    tracing::info!(
        round.id = round_id,
        question.id = question_id,
        decision = ?decision,
        rescored = counts.rescored,
        changed = counts.changed,
        "question decided, round re-scored"
    );
    Ok(DecisionOutcome {
        rescored: counts.rescored,
        changed: counts.changed,
        in_progress: counts.drew - counts.rescored,
        decision: after,
    })
}

/// The score of an attempt's questions under the round's rulings: each drawn question's
/// stored key, the chosen options by position (from 1), and its ruling.
pub fn score_drawn(
    drawn: &[Drawn],
    keys: &[Vec<bool>],
    answers: &HashMap<i32, BTreeSet<usize>>,
    rulings: &HashMap<i64, Ruling>,
) -> Score {
    scoring::score_ruled(drawn.iter().zip(keys).enumerate().map(|(i, (d, key))| {
        (
            key.as_slice(),
            answers.get(&(i as i32 + 1)),
            rulings.get(&d.question_id),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banks::Difficulty;

    fn q(kind: Kind) -> QuestionData {
        QuestionData {
            images: Vec::new(),
            choice_images: Vec::new(),
            id: 7,
            bank_id: 1,
            kind,
            topic: "Dịch vụ công".into(),
            difficulty: Difficulty::Easy,
            text: "Cổng Dịch vụ công quốc gia do cơ quan nào quản lý?".into(),
            choices: vec![
                "Văn phòng Chính phủ".into(),
                "Bộ Công an".into(),
                "Bộ Nội vụ".into(),
            ],
            correct: vec![false, true, false],
            explanation: None,
            source: None,
        }
    }

    fn spec(decision: Decision, correct: &[&str], reason: &str) -> DecisionSpec {
        DecisionSpec {
            decision: Some(decision),
            correct: Some(correct.iter().map(|s| (*s).to_owned()).collect()),
            reason: Some(reason.to_owned()),
        }
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Validation { fields } => fields.into_keys().collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn a_key_correction_names_options_by_their_text_in_nfc() {
        // "Văn phòng" typed decomposed (a + combining breve) still matches.
        let typed = "  Va\u{306}n phòng Chính phủ ";
        let (decision, key, reason) = check(
            &spec(Decision::CorrectKey, &[typed], "Theo NĐ 45"),
            &q(Kind::Single),
        )
        .unwrap();
        assert_eq!(decision, Decision::CorrectKey);
        assert_eq!(key, Some(vec![true, false, false]));
        assert_eq!(reason, "Theo NĐ 45");
    }

    #[test]
    fn bad_decisions_name_their_fields() {
        let single = q(Kind::Single);
        let e = check(&spec(Decision::CorrectKey, &["Bộ Tài chính"], "x"), &single).unwrap_err();
        assert_eq!(fields(e), ["correct"]);
        let e = check(&spec(Decision::CorrectKey, &[], "x"), &single).unwrap_err();
        assert_eq!(fields(e), ["correct"]);
        let two = ["Bộ Công an", "Bộ Nội vụ"];
        let e = check(&spec(Decision::CorrectKey, &two, "x"), &single).unwrap_err();
        assert_eq!(fields(e), ["correct"]);
        assert!(check(&spec(Decision::CorrectKey, &two, "x"), &q(Kind::Multiple)).is_ok());
        let e = check(&spec(Decision::Drop, &[], "  "), &single).unwrap_err();
        assert_eq!(fields(e), ["reason"]);
        let e = check(&DecisionSpec::default(), &single).unwrap_err();
        assert_eq!(fields(e), ["decision", "reason"]);
    }

    #[test]
    fn the_best_attempt_is_chosen_again_after_rescoring() {
        let t = Utc::now();
        let row = |id, user_id, score| FinishedRow {
            id,
            user_id,
            score: Some(score),
            max_score: 10,
            time_taken_ms: Some(1_000 * id),
            submitted_at: Some(t),
            deadline: t,
            prediction: None,
        };
        let best = best_attempts(&[row(1, 5, 7), row(2, 5, 9), row(3, 6, 4)]);
        assert_eq!(best[&5].0.attempt_id, 2);
        assert_eq!(best[&6].0.attempt_id, 3);
        // Equal scores: the faster attempt counts.
        let best = best_attempts(&[row(4, 5, 9), row(2, 5, 9)]);
        assert_eq!(best[&5].0.attempt_id, 2);
    }

    #[test]
    fn the_batched_updates_touch_only_finished_attempts_and_one_round() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = scores_sql(backend, 2);
            assert!(sql.contains("attempts.status = 'finished'"));
            assert!(!sql.contains("answers"));
            let sql = standings_sql(backend, 1);
            assert!(sql.contains("standings.round_id ="));
        }
        assert!(scores_sql(DbBackend::Postgres, 2).contains("($5::bigint, $6::integer"));
        assert!(scores_sql(DbBackend::Sqlite, 2).contains("(?5, ?6"));
        assert!(standings_sql(DbBackend::Postgres, 1).contains("($2::bigint"));
    }
}
