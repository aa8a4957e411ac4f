//! Finishing an attempt inside the answer writer's transaction: claim it, score the answers
//! saved in time, keep the participant's standing. The writer runs this for
//! [`super::attempts::finalize`]; it lives apart from the attempt engine so the writer
//! depends on it without the engine and the writer depending on each other.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, Set, Statement,
};

use super::ranking::{self, Standing};
use super::{scoring, timing};
use crate::db::OneByKey;
use crate::entities::{answer, attempt, standing};
use crate::error::Result;

pub use crate::entities::attempt::{FinishReason, Status};

/// Saved answers by question position, as option ids.
pub(super) async fn saved_answers<C: ConnectionTrait>(
    db: &C,
    attempt_id: i64,
) -> Result<HashMap<i32, (Vec<usize>, DateTime<Utc>)>> {
    let rows = answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(attempt_id))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| Ok((r.position, (r.choices()?, r.saved_at))))
        .collect()
}

/// How an attempt ends.
#[derive(Debug, Clone, Copy)]
pub enum Finish {
    /// The participant submitted, with an optional prediction.
    Submitted {
        at: DateTime<Utc>,
        prediction: Option<i64>,
    },
    /// Time ran out.
    Expired,
}

fn finish_sql(backend: DbBackend) -> String {
    crate::db::placeholders(
        backend,
        "UPDATE attempts SET status = 'finished', finished_at = ?1, submitted_at = ?2, \
         finish_reason = ?3, prediction = ?4 WHERE id = ?5 AND status = 'in_progress'",
    )
}

/// What finishing an attempt needs, prepared before it joins the writer's group: all of it
/// fixed for the attempt's life.
#[derive(Debug)]
pub struct FinishJob {
    pub attempt_id: i64,
    pub how: Finish,
    pub now: DateTime<Utc>,
    /// Per drawn position (from 1), which of the question's options are correct, in bank
    /// order.
    pub keys: Vec<Vec<bool>>,
    /// Practice rounds keep no standing.
    pub practice: bool,
}

/// [`finalize`](super::attempts::finalize)'s work inside the writer's transaction: `None`
/// if the attempt is gone.
pub(super) async fn finish_in<C: ConnectionTrait>(
    conn: &C,
    job: &FinishJob,
) -> Result<Option<attempt::Model>> {
    // Read inside the transaction: closing a round moves running deadlines.
    let Some(a) = attempt::Entity::find_by_id(job.attempt_id)
        .one_by_key(conn)
        .await?
    else {
        return Ok(None);
    };
    if a.status != Status::InProgress {
        // Finished already (by an earlier submit, or the sweeper): idempotent.
        return Ok(Some(a));
    }
    let (submitted_at, reason, prediction) = match job.how {
        // A prediction saved while the attempt ran counts unless the submit gives another,
        // as the answers saved in time count when time runs out.
        Finish::Submitted { at, prediction } => (
            at.min(a.deadline),
            FinishReason::Submitted,
            prediction.or(a.prediction),
        ),
        Finish::Expired => (a.deadline, FinishReason::Expired, a.prediction),
    };
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        // A jury decision re-scoring the round holds this row FOR UPDATE: an attempt
        // finishing now waits for it and then scores with the decision (see `disputes`).
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM rounds WHERE id = $1 FOR SHARE",
            [a.round_id.into()],
        ))
        .await?;
    }
    let claimed = conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            finish_sql(backend),
            [
                job.now.into(),
                submitted_at.into(),
                reason.to_value().into(),
                prediction.into(),
                a.id.into(),
            ],
        ))
        .await?
        .rows_affected();
    if claimed == 0 {
        // Another instance finished it meanwhile (PostgreSQL).
        return Ok(attempt::Entity::find_by_id(job.attempt_id)
            .one_by_key(conn)
            .await?);
    }
    let answers = saved_answers(conn, a.id).await?;
    let chosen: Vec<Option<BTreeSet<usize>>> = (1..=job.keys.len())
        .map(|p| {
            answers
                .get(&(p as i32))
                .map(|(c, _)| c.iter().copied().collect())
        })
        .collect();
    // The jury's decisions on the round's questions, read inside this transaction.
    let rulings = super::disputes::rulings(conn, a.round_id).await?;
    let drawn: Vec<super::draw::Drawn> = if rulings.is_empty() {
        Vec::new()
    } else {
        crate::entities::decode_json(format_args!("attempt {}", a.id), "questions", &a.questions)?
    };
    let score = scoring::score_ruled(job.keys.iter().zip(&chosen).enumerate().map(
        |(i, (key, c))| {
            (
                key.as_slice(),
                c.as_ref(),
                drawn.get(i).and_then(|d| rulings.get(&d.question_id)),
            )
        },
    ));
    let time_taken = timing::time_taken_ms(a.started_at, submitted_at, a.deadline);
    let finished = attempt::ActiveModel {
        id: Set(a.id),
        score: Set(Some(score.score)),
        correct: Set(Some(score.correct)),
        max_score: Set(score.max_score),
        total: Set(score.total),
        time_taken_ms: Set(Some(time_taken)),
        ..Default::default()
    }
    .update(conn)
    .await?;
    if !job.practice {
        update_standing(conn, &finished).await?;
    }
    tracing::info!(
        attempt.id = a.id,
        round.id = a.round_id,
        score = score.score,
        reason = %reason.to_value(),
        "attempt finished"
    );
    Ok(Some(finished))
}

/// Keeps the participant's standing in the round equal to their best finished attempt.
async fn update_standing<C: ConnectionTrait>(db: &C, a: &attempt::Model) -> Result<()> {
    let existing = standing::Entity::find_by_id((a.round_id, a.user_id))
        .one_by_key(db)
        .await?;
    let candidate = Standing {
        user_id: a.user_id,
        attempt_id: a.id,
        score: a.score.unwrap_or(0),
        time_taken_ms: a.time_taken_ms.unwrap_or(0),
        submitted_at: a.submitted_at.unwrap_or(a.deadline),
        prediction: a.prediction,
    };
    match existing {
        None => {
            standing::ActiveModel {
                round_id: Set(a.round_id),
                user_id: Set(a.user_id),
                attempt_id: Set(a.id),
                category_code: Set(a.category_code.clone()),
                unit_id: Set(a.unit_id),
                score: Set(candidate.score),
                max_score: Set(a.max_score),
                time_taken_ms: Set(candidate.time_taken_ms),
                submitted_at: Set(candidate.submitted_at),
                prediction: Set(candidate.prediction),
                attempts_used: Set(1),
            }
            .insert(db)
            .await?;
        }
        Some(s) => {
            let current = Standing {
                user_id: s.user_id,
                attempt_id: s.attempt_id,
                score: s.score,
                time_taken_ms: s.time_taken_ms,
                submitted_at: s.submitted_at,
                prediction: s.prediction,
            };
            let mut update = standing::ActiveModel {
                round_id: Set(s.round_id),
                user_id: Set(s.user_id),
                attempts_used: Set(s.attempts_used + 1),
                ..Default::default()
            };
            if ranking::better_attempt(&candidate, &current) == std::cmp::Ordering::Less {
                update.attempt_id = Set(a.id);
                update.score = Set(candidate.score);
                update.max_score = Set(a.max_score);
                update.time_taken_ms = Set(candidate.time_taken_ms);
                update.submitted_at = Set(candidate.submitted_at);
                update.prediction = Set(candidate.prediction);
            }
            update.update(db).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_writes_and_checks_the_stored_statuses() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let sql = finish_sql(backend);
            assert!(sql.contains(&format!("SET status = '{}'", Status::Finished.to_value())));
            assert!(sql.contains(&format!("AND status = '{}'", Status::InProgress.to_value())));
        }
    }
}
