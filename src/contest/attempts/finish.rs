//! Ending an attempt: submit, expiry, and [`finalize`], which hands the work to the writer.

use sea_orm::DatabaseConnection;

use super::{FINISHED, IN_PROGRESS, cached_round, conflict, drawn_of, questions_of};
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
    if a.status == IN_PROGRESS && !timing::accepts(engine.now(), a.deadline, engine.grace) {
        finalize(engine, db, &a, Finish::Expired).await
    } else {
        Ok(a)
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
    if a.status == FINISHED {
        return if a.finish_reason.as_deref() == Some("expired") {
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
