//! Saving answers: the hot path, served from each running attempt's data kept in memory.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::json;

use super::{Status, attempt_closed, drawn_of, option_id, questions_of, settle_if_expired};
use crate::banks::Kind;
use crate::contest::draw::Drawn;
use crate::contest::{Engine, timing};
use crate::db::OneByKey;
use crate::entities::attempt;
use crate::error::{AppError, Result};

/// How long a running attempt's save data is kept in memory. It never changes while the
/// attempt runs (and whether it still runs is checked by the database on every save), so
/// this only bounds memory.
pub const LIVE_TTL: std::time::Duration = std::time::Duration::from_secs(3600);

/// What an answer save needs of an attempt, prepared once per attempt and kept in memory
/// ([`Engine::live`]) so a save reads nothing from the database: the owner, the deadline,
/// the seed (option ids derive from it) and each drawn question's option order and kind.
pub struct LiveAttempt {
    pub id: i64,
    pub user_id: i64,
    pub deadline: DateTime<Utc>,
    seed: i64,
    /// Whether the attempt was in progress when this was prepared; a finished one is
    /// never cached.
    in_progress: bool,
    drawn: Vec<Drawn>,
    multiple: Vec<bool>,
}

impl LiveAttempt {
    async fn prepare(engine: &Engine, db: &DatabaseConnection, a: &attempt::Model) -> Result<Self> {
        let in_progress = a.status == Status::InProgress;
        if !in_progress {
            // Refused whatever it holds: owner and status are all a save needs of it.
            return Ok(LiveAttempt {
                id: a.id,
                user_id: a.user_id,
                deadline: a.deadline,
                seed: a.seed,
                in_progress,
                drawn: Vec::new(),
                multiple: Vec::new(),
            });
        }
        let drawn = drawn_of(a)?;
        let questions = questions_of(engine, db, &drawn).await?;
        let multiple = questions.iter().map(|q| q.kind == Kind::Multiple).collect();
        Ok(LiveAttempt {
            id: a.id,
            user_id: a.user_id,
            deadline: a.deadline,
            seed: a.seed,
            in_progress,
            drawn,
            multiple,
        })
    }
}

/// The save data of an attempt: from memory, or prepared from the attempt read now.
pub(super) async fn live_attempt(
    engine: &Engine,
    db: &crate::db::Db,
    attempt_id: i64,
    loaded: Option<&attempt::Model>,
) -> Result<Arc<LiveAttempt>> {
    if let Some(live) = engine.live.get(&attempt_id).await {
        return Ok(live);
    }
    let fetched;
    let a = match loaded {
        Some(a) => a,
        None => {
            fetched = attempt::Entity::find_by_id(attempt_id)
                .one_by_key(&db.read)
                .await?
                .ok_or(AppError::NotFound)?;
            &fetched
        }
    };
    let live = LiveAttempt::prepare(engine, &db.read, a).await?;
    Ok(if live.in_progress {
        engine.live.insert(attempt_id, live).await
    } else {
        Arc::new(live)
    })
}

/// A saved answer's acknowledgement: it is committed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AnswerSaved {
    pub saved_at: DateTime<Utc>,
    pub question_id: i64,
}

/// Saves one answer into attempt `attempt_id` of `user_id` (someone else's attempt is a
/// 404): `choices` are option ids of the question at `position`. The hot path: no query
/// but the conditional upsert, which rides in the writer's group commit.
pub async fn save_answer_for(
    engine: &Engine,
    db: &crate::db::Db,
    user_id: i64,
    attempt_id: i64,
    position: usize,
    choices: &[String],
) -> Result<DateTime<Utc>> {
    let live = live_attempt(engine, db, attempt_id, None).await?;
    if live.user_id != user_id {
        return Err(AppError::NotFound);
    }
    save_live(engine, db, &live, position, choices).await
}

/// Saves one answer into an attempt already read (the no-script page form).
pub async fn save_answer(
    engine: &Engine,
    db: &crate::db::Db,
    a: &attempt::Model,
    position: usize,
    choices: &[String],
) -> Result<DateTime<Utc>> {
    let live = live_attempt(engine, db, a.id, Some(a)).await?;
    save_live(engine, db, &live, position, choices).await
}

async fn save_live(
    engine: &Engine,
    db: &crate::db::Db,
    live: &LiveAttempt,
    position: usize,
    choices: &[String],
) -> Result<DateTime<Utc>> {
    let now = engine.now();
    if !live.in_progress {
        return Err(attempt_closed());
    }
    let refreshed;
    let live = if timing::accepts(now, live.deadline, engine.grace) {
        live
    } else {
        let a = attempt::Entity::find_by_id(live.id)
            .one_by_key(&db.read)
            .await?
            .ok_or(AppError::NotFound)?;
        if a.status == Status::InProgress && timing::accepts(now, a.deadline, engine.grace) {
            // The round's close moved later (on another instance): the stored deadline
            // wins over this instance's copy.
            engine.live.remove(&live.id).await;
            refreshed = live_attempt(engine, db, live.id, Some(&a)).await?;
            &*refreshed
        } else {
            // Time is up: finalise it now with the answers saved in time (if nobody has).
            settle_if_expired(engine, &db.read, a).await?;
            return Err(attempt_closed());
        }
    };
    let index = position.checked_sub(1).ok_or(AppError::NotFound)?;
    let d = live.drawn.get(index).ok_or(AppError::NotFound)?;
    let mut chosen = BTreeSet::new();
    for c in choices {
        let found = d
            .option_order
            .iter()
            .find(|&&i| option_id(live.seed, position, i) == *c);
        match found {
            Some(&i) => {
                chosen.insert(i);
            }
            None => {
                return Err(AppError::Unprocessable {
                    code: "invalid_choice",
                    message: "Lựa chọn không thuộc câu hỏi này.".into(),
                    details: serde_json::Map::from_iter([("choice".to_owned(), json!(c))]),
                });
            }
        }
    }
    if !live.multiple[index] && chosen.len() > 1 {
        return Err(AppError::Unprocessable {
            code: "too_many_choices",
            message: "Câu hỏi này chỉ chọn một đáp án.".into(),
            details: serde_json::Map::new(),
        });
    }
    // The database has the last word: the save is stored only while the attempt is in
    // progress and in time (another instance or the sweeper may have finished it).
    let stored = engine
        .writer
        .save(crate::contest::writer::AnswerSave {
            attempt_id: live.id,
            position: position as i32,
            choices: serde_json::to_string(&chosen).map_err(anyhow::Error::from)?,
            saved_at: now,
            deadline_not_before: now - engine.grace,
        })
        .await?;
    if stored {
        Ok(now)
    } else {
        engine.live.remove(&live.id).await;
        Err(attempt_closed())
    }
}

/// A saved prediction's acknowledgement.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PredictionSaved {
    pub saved_at: DateTime<Utc>,
    /// The prediction now stored (`null`: cleared).
    pub prediction: Option<i64>,
}

/// Saves the answer to the prediction question of a running attempt of `user_id` (someone
/// else's attempt is a 404), as an answer is saved: until deadline + grace, and kept by
/// the submit (unless it gives another) and by the automatic one when time runs out.
pub async fn save_prediction(
    engine: &Engine,
    db: &crate::db::Db,
    user_id: i64,
    attempt_id: i64,
    prediction: Option<i64>,
) -> Result<DateTime<Utc>> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let prediction = super::check_prediction(prediction)?;
    let live = live_attempt(engine, db, attempt_id, None).await?;
    if live.user_id != user_id {
        return Err(AppError::NotFound);
    }
    let now = engine.now();
    if !live.in_progress {
        return Err(attempt_closed());
    }
    // The database has the last word, as for answers: stored only while the attempt is in
    // progress and in time (the stored deadline, which a moved close may have changed).
    let stored = attempt::Entity::update_many()
        .col_expr(attempt::Column::Prediction, Expr::value(prediction))
        .filter(attempt::Column::Id.eq(live.id))
        .filter(attempt::Column::Status.eq(Status::InProgress))
        .filter(attempt::Column::Deadline.gte(now - engine.grace))
        .exec(&db.write)
        .await?;
    if stored.rows_affected == 1 {
        return Ok(now);
    }
    engine.live.remove(&live.id).await;
    if let Some(a) = attempt::Entity::find_by_id(live.id)
        .one_by_key(&db.read)
        .await?
    {
        settle_if_expired(engine, &db.read, a).await?;
    }
    Err(attempt_closed())
}
