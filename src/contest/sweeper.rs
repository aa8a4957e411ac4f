//! The sweeper: finalises the attempts nobody touched after their time ran out, and
//! settles the rounds that have closed. One instance sweeps at a time (PostgreSQL advisory
//! lock); finalising is idempotent either way.

use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};

use super::attempts::{Finish, Status, finalize};
use super::prediction::prediction_actual;
use super::{Engine, effective_close};
use crate::entities::{attempt, round};
use crate::error::Result;

/// Finalises every attempt whose deadline plus grace has passed; returns how many.
pub async fn sweep(engine: &Engine, db: &DatabaseConnection) -> Result<usize> {
    // First, attempts started on a round's old closing time get its new one.
    super::round_edit::reconcile_moved_closes(engine, db).await?;
    let cutoff = engine.now() - engine.grace;
    let expired = attempt::Entity::find()
        .filter(attempt::Column::Status.eq(Status::InProgress))
        .filter(attempt::Column::Deadline.lt(cutoff))
        .order_by_asc(attempt::Column::Deadline)
        .limit(1000)
        .all(db)
        .await?;
    let n = expired.len();
    // Together, so they share the writer's commits.
    futures_util::future::try_join_all(
        expired
            .iter()
            .map(|a| finalize(engine, db, a, Finish::Expired)),
    )
    .await?;
    settle_closed_rounds(engine, db).await?;
    // The retention job (#16): cheap when nothing is due (one query of the finished
    // contests not yet anonymised), so it rides on every sweep rather than a daily timer
    // that a restart would postpone.
    crate::accounts::anonymise::apply_retention(db, engine.now()).await?;
    Ok(n)
}

/// Settles the rounds that have closed, whose grace is over and which have no attempt
/// left in progress: stamps `settled_at` — from then on keys and held-back scores are
/// shown — and, for a ranked round with a prediction question, computes the prediction's
/// actual value (once), which enables the prediction tie-break.
pub async fn settle_closed_rounds(engine: &Engine, db: &DatabaseConnection) -> Result<()> {
    let now = engine.now();
    let cutoff = now - engine.grace;
    let pending = round::Entity::find()
        .filter(round::Column::SettledAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(round::Column::ClosesAt.lte(cutoff))
                .add(round::Column::ClosedAt.lte(cutoff)),
        )
        .all(db)
        .await?;
    for r in pending {
        let open = attempt::Entity::find()
            .filter(attempt::Column::RoundId.eq(r.id))
            .filter(attempt::Column::Status.eq(Status::InProgress))
            .one(db)
            .await?;
        if !super::fairness::can_settle(effective_close(&r), engine.grace, now, open.is_some()) {
            continue;
        }
        let actual = match (r.prediction_answer, r.prediction_actual, r.practice) {
            (Some(answer), None, false) => Some(prediction_actual(db, r.id, answer).await?),
            _ => r.prediction_actual,
        };
        round::ActiveModel {
            id: Set(r.id),
            prediction_actual: Set(actual),
            settled_at: Set(Some(now)),
            ..Default::default()
        }
        .update(db)
        .await?;
        engine.rounds.remove(&r.id).await;
        engine.boards.invalidate(Some(r.id));
        tracing::info!(round.id = r.id, actual, "round settled");
    }
    Ok(())
}

/// The PostgreSQL advisory-lock key of the sweeper ("cuocthi" in ASCII).
pub const SWEEPER_LOCK: i64 = 0x0063_756f_6374_6869;

/// Runs [`sweep`] unless another app instance is sweeping: on PostgreSQL the sweep holds a
/// transaction-scoped advisory lock, and an instance that cannot take it skips this tick
/// (`Ok(None)`). Sweeping twice would be safe — finalising is idempotent — only wasteful.
/// On SQLite (one instance) it always sweeps.
pub async fn sweep_if_leader(engine: &Engine, db: &DatabaseConnection) -> Result<Option<usize>> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return sweep(engine, db).await.map(Some);
    }
    let txn = db.begin().await?;
    let leader: bool = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_try_advisory_xact_lock($1) AS leader",
            [SWEEPER_LOCK.into()],
        ))
        .await?
        .map(|row| row.try_get("", "leader"))
        .transpose()?
        .unwrap_or(false);
    if !leader {
        txn.commit().await?;
        return Ok(None);
    }
    let swept = sweep(engine, db).await;
    // Committing releases the lock.
    txn.commit().await?;
    swept.map(Some)
}

/// Runs [`sweep_if_leader`] every `every` until the process ends.
pub fn spawn_sweeper(engine: Arc<Engine>, db: DatabaseConnection, every: std::time::Duration) {
    tokio::spawn(async move {
        // The first sweep comes one period after start, like every other: a restart then
        // finalises what expired while it was down within `every`, and a test that sweeps
        // by hand can set a long period and never meet this task holding the lock.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep_if_leader(&engine, &db).await {
                Ok(None | Some(0)) => {}
                Ok(Some(n)) => tracing::info!(attempts = n, "sweeper finalised expired attempts"),
                Err(e) => tracing::error!(error = %e, "sweeper failed"),
            }
        }
    });
}
