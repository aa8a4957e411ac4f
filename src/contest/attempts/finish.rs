//! Ending an attempt: submit, expiry, and [`finalize`], which hands the work to the writer.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::{FinishReason, Status, cached_round, conflict, drawn_of, questions_of};
use crate::contest::finishing::{Finish, FinishJob};
use crate::contest::{Engine, timing};
use crate::entities::attempt;
use crate::error::{AppError, Result};

/// The largest prediction accepted.
pub const MAX_PREDICTION: i64 = 1_000_000_000;

/// Checks a prediction: a whole number from 0 to [`MAX_PREDICTION`].
pub fn check_prediction(prediction: Option<i64>) -> Result<Option<i64>> {
    match prediction {
        Some(p) if !(0..=MAX_PREDICTION).contains(&p) => Err(AppError::field(
            "prediction",
            "Số dự đoán phải là số nguyên từ 0 đến 1.000.000.000.",
        )),
        p => Ok(p),
    }
}

/// Finalises an attempt whose time is up (deadline + grace has passed) and returns it as
/// it now stands; any other attempt is returned unchanged. Every read of an attempt goes
/// through this, so an expired attempt is never shown as still running.
pub async fn settle_if_expired(
    engine: &Engine,
    db: &DatabaseConnection,
    a: attempt::Model,
) -> Result<attempt::Model> {
    if a.status == Status::InProgress && !timing::accepts(engine.now(), a.deadline, engine.grace) {
        finalize(engine, db, &a, Finish::Expired).await
    } else {
        Ok(a)
    }
}

/// The result of a submitted attempt.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Submitted {
    pub attempt_id: i64,
    /// Absent while the round holds scores back (`score_hidden`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
    pub max_score: i64,
    /// Absent while the round holds scores back (`score_hidden`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<i64>,
    /// True when the round shows scores only once settled (`score_shown = after_close`).
    pub score_hidden: bool,
    /// "Đã nộp bài; điểm được công bố khi vòng thi kết thúc." when the score is held back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    pub total: i64,
    pub time_taken_ms: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub finish_reason: Option<FinishReason>,
}

impl Submitted {
    /// The answer of a submit of `a` (finished), its score shown or held back.
    pub fn of(a: &attempt::Model, score_shown: bool) -> Self {
        Submitted {
            attempt_id: a.id,
            score: score_shown.then(|| i64::from(a.score.unwrap_or(0))),
            max_score: i64::from(a.max_score),
            correct: score_shown.then(|| i64::from(a.correct.unwrap_or(0))),
            score_hidden: !score_shown,
            message: (!score_shown).then_some(crate::contest::fairness::SCORE_AFTER_CLOSE),
            total: i64::from(a.total),
            time_taken_ms: a.time_taken_ms.unwrap_or(0),
            submitted_at: a.submitted_at,
            finish_reason: a.finish_reason,
        }
    }
}

/// Submits an attempt. A second submit returns the same result; a submit after deadline +
/// grace finalises the attempt with the answers saved in time and answers 409
/// `attempt_closed`.
pub async fn submit(
    engine: &Engine,
    db: &DatabaseConnection,
    a: attempt::Model,
    prediction: Option<i64>,
) -> Result<attempt::Model> {
    let prediction = check_prediction(prediction)?;
    let a = settle_if_expired(engine, db, a).await?;
    if a.status == Status::Finished {
        return if a.finish_reason == Some(FinishReason::Expired) {
            Err(conflict(
                "attempt_closed",
                "Đã hết thời gian làm bài; bài thi được chấm với các câu trả lời đã lưu.",
            ))
        } else {
            Ok(a)
        };
    }
    let at = engine.now();
    finalize(engine, db, &a, Finish::Submitted { at, prediction }).await
}

/// Finalises an attempt once: marks it finished (so no further save is taken), scores the
/// answers saved until then, and updates the participant's standing. Calling it again, or
/// concurrently, returns the same result and changes nothing. It rides in the answer
/// writer's group commit: a thousand participants submitting together share its commits.
pub async fn finalize(
    engine: &Engine,
    db: &DatabaseConnection,
    a: &attempt::Model,
    how: Finish,
) -> Result<attempt::Model> {
    engine.live.remove(&a.id).await;
    let drawn = drawn_of(a)?;
    let questions = questions_of(engine, db, &drawn).await?;
    let keys = questions.iter().map(|q| q.correct.clone()).collect();
    let practice = cached_round(engine, db, a.round_id).await?.practice;
    engine
        .writer
        .finish(FinishJob {
            attempt_id: a.id,
            how,
            now: engine.now(),
            keys,
            practice,
        })
        .await?
        .ok_or(AppError::NotFound)
}
