//! Attempts: start (or resume), save answers, submit, read, and finalise.
//!
//! The server's clock is the only clock. An attempt's deadline is fixed when it starts;
//! saves and submits are accepted until deadline + grace; after that the attempt is
//! finalised with the answers saved in time — lazily when it is next touched, and by the
//! sweeper when nobody touches it.

mod finish;
mod save;
mod start;
mod view;

pub use super::finishing::{Finish, FinishJob, FinishReason, Status};
pub use finish::{
    MAX_PREDICTION, Submitted, check_prediction, finalize, settle_if_expired, submit,
};
pub use save::{
    AnswerSaved, LIVE_TTL, LiveAttempt, PredictionSaved, save_answer, save_answer_for,
    save_prediction,
};
pub use start::{Started, start};
pub use view::{
    AttemptImage, AttemptOption, AttemptQuestion, AttemptResult, AttemptView, Reveal, SavedAnswer,
    result_of, view, view_new,
};

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use sha2::{Digest, Sha256};

use super::Engine;
use super::draw::Drawn;
use super::pool::QuestionData;
use crate::db::OneByKey;
use crate::entities::{attempt, round};
use crate::error::{AppError, Result};

/// The opaque id of an option, per attempt: derived from the attempt's secret seed, so it
/// says nothing about the option's place in the bank or whether it is correct.
pub fn option_id(seed: i64, position: usize, bank_index: usize) -> String {
    let mut h = Sha256::new();
    h.update(b"cuocthi-option");
    h.update(seed.to_le_bytes());
    h.update((position as u64).to_le_bytes());
    h.update((bank_index as u64).to_le_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(12);
    for b in &h.finalize()[..6] {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    id
}

/// Decodes the drawn questions stored on an attempt.
pub fn drawn_of(a: &attempt::Model) -> Result<Vec<Drawn>> {
    crate::entities::decode_json(format_args!("attempt {}", a.id), "questions", &a.questions)
}

/// The drawn questions, in the attempt's order.
async fn questions_of(
    engine: &Engine,
    db: &DatabaseConnection,
    drawn: &[Drawn],
) -> Result<Vec<Arc<QuestionData>>> {
    let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
    let found = engine.pools.questions(db, &ids).await?;
    ids.iter()
        .map(|id| found.get(id).cloned().ok_or_else(|| missing_question(*id)))
        .collect()
}

fn missing_question(id: i64) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("question revision {id} is missing"))
}

/// Loads a round, or 404.
pub async fn load_round<C: ConnectionTrait>(db: &C, round_id: i64) -> Result<round::Model> {
    round::Entity::find_by_id(round_id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A round as the hot paths read it (starting an attempt, leaderboards): from memory when
/// read within the published staleness, so a thousand participants pressing start at once
/// do not each query it. Changes through this instance drop it at once; another instance's
/// change shows within the staleness.
pub async fn cached_round<C: ConnectionTrait>(
    engine: &Engine,
    db: &C,
    round_id: i64,
) -> Result<Arc<round::Model>> {
    engine
        .rounds
        .get_or_load(round_id, || load_round(db, round_id))
        .await
}

/// A contest, as [`cached_round`] keeps rounds.
pub async fn cached_contest<C: ConnectionTrait>(
    engine: &Engine,
    db: &C,
    contest_id: i64,
) -> Result<Arc<crate::entities::contest::Model>> {
    engine
        .contests
        .get_or_load(contest_id, || crate::contest::load_contest(db, contest_id))
        .await
}

fn conflict(code: &'static str, message: &str) -> AppError {
    AppError::conflict(code, message)
}

/// Loads an attempt of `user_id`, or 404 (also for someone else's attempt).
pub async fn load_own<C: ConnectionTrait>(
    db: &C,
    attempt_id: i64,
    user_id: i64,
) -> Result<attempt::Model> {
    attempt::Entity::find_by_id(attempt_id)
        .one_by_key(db)
        .await?
        .filter(|a| a.user_id == user_id)
        .ok_or(AppError::NotFound)
}

/// A closed attempt's answer.
fn attempt_closed() -> AppError {
    conflict(
        "attempt_closed",
        "Lượt thi đã kết thúc, không thể lưu hay nộp thêm.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_ids_are_the_first_six_bytes_of_the_hash_in_lower_hex() {
        for (seed, position, index) in [(1, 1, 0), (i64::MAX, 20, 3), (987_654_321, 7, 1)] {
            let mut h = Sha256::new();
            h.update(b"cuocthi-option");
            h.update(seed.to_le_bytes());
            h.update((position as u64).to_le_bytes());
            h.update((index as u64).to_le_bytes());
            let expected: String = h.finalize()[..6]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(option_id(seed, position, index), expected);
        }
        assert_ne!(option_id(5, 1, 0), option_id(5, 1, 1));
    }
}
