//! Moving a round's close: the deadlines of attempts in progress, the sweeper's pass for
//! attempts started on a stale copy of the round, and closing early with a reason.

use super::*;

/// Moves the deadline of every attempt of `round_id` in progress to
/// `min(start + limit, close)` and returns the ids of those that moved. Attempts whose
/// time is already up stay as they are (the close moves only while it is in the future,
/// so none of them was capped by it).
pub(super) async fn move_deadlines<C: ConnectionTrait>(
    db: &C,
    round_id: i64,
    time_limit_secs: i64,
    close: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: chrono::Duration,
) -> Result<Vec<i64>> {
    let running = attempt::Entity::find()
        .filter(attempt::Column::RoundId.eq(round_id))
        .filter(attempt::Column::Status.eq(attempt::Status::InProgress))
        .all(db)
        .await?;
    let mut moved = Vec::new();
    for a in running {
        if !crate::contest::timing::accepts(now, a.deadline, grace) {
            continue;
        }
        let deadline = crate::contest::timing::deadline(a.started_at, time_limit_secs, close);
        if deadline != a.deadline {
            attempt::Entity::update_many()
                .col_expr(
                    attempt::Column::Deadline,
                    sea_orm::sea_query::Expr::value(deadline),
                )
                .filter(attempt::Column::Id.eq(a.id))
                .filter(attempt::Column::Status.eq(attempt::Status::InProgress))
                .exec(db)
                .await?;
            moved.push(a.id);
        }
    }
    Ok(moved)
}

/// How long after a close moved the sweeper re-applies it to attempts in progress: longer
/// than any instance keeps a round in its cache (the published staleness, 1 s), so an
/// attempt another instance started on the old closing time gets the new deadline too.
pub const RECONCILE_WINDOW: chrono::Duration = chrono::Duration::minutes(1);

/// Re-applies the closing time of every round whose close moved within
/// [`RECONCILE_WINDOW`] to its attempts in progress (the sweeper's pass): an attempt an
/// instance started from its cached copy of the round, between the change and the end of
/// that copy's life, gets min(start + limit, close) like the others. Returns how many
/// attempts it moved.
pub async fn reconcile_moved_closes(engine: &Engine, db: &DatabaseConnection) -> Result<usize> {
    let now = engine.now();
    let recent: std::collections::BTreeSet<i64> = round_notice::Entity::find()
        .filter(round_notice::Column::CreatedAt.gt(now - RECONCILE_WINDOW))
        .filter(round_notice::Column::Kind.is_in([
            Kind::Extended,
            Kind::ClosesEarlier,
            Kind::ClosedEarly,
        ]))
        .all(db)
        .await?
        .into_iter()
        .map(|n| n.round_id)
        .collect();
    let mut total = 0;
    for round_id in recent {
        let r = crate::contest::attempts::load_round(db, round_id).await?;
        let txn = db.begin().await?;
        let moved = move_deadlines(
            &txn,
            r.id,
            i64::from(r.time_limit_secs),
            effective_close(&r),
            now,
            engine.grace,
        )
        .await?;
        txn.commit().await?;
        if !moved.is_empty() {
            tracing::info!(
                round.id = r.id,
                attempts = moved.len(),
                "late starts given the moved close"
            );
            forget(engine, r.id, &moved).await;
        }
        total += moved.len();
    }
    Ok(total)
}

/// Drops what this instance keeps of a changed round: its settings, its leaderboard and
/// the save data of the attempts whose deadline moved (their next save reads it anew).
pub(super) async fn forget(engine: &Engine, round_id: i64, moved: &[i64]) {
    engine.rounds.remove(&round_id).await;
    for id in moved {
        engine.live.remove(id).await;
    }
    engine.boards.invalidate(Some(round_id));
}

/// The body of `POST /api/v1/rounds/{id}/close`: closing early is announced to the
/// participants, so it takes a reason and an explicit confirmation.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// Shown to participants in the notice ("Lý do: …").
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
    /// Must be `true`: without it nothing closes (`confirmation_required`).
    pub confirm: Option<bool>,
}

/// 400 `confirmation_required`.
pub fn confirmation_required() -> AppError {
    AppError::bad_request(
        "confirmation_required",
        "Đóng vòng thi sớm cần xác nhận (confirm: true) và lý do.",
    )
}

/// Closes a round now, early, after checking the request is confirmed (400
/// `confirmation_required`) and has a reason (422): no new attempts; attempts in progress
/// end now (plus grace). One transaction writes the close, the deadlines, the notice and
/// the audit record; this instance's round, leaderboard and save data are dropped. A round
/// already closed is returned as it is.
pub async fn close_round(
    db: &DatabaseConnection,
    engine: &Engine,
    round_id: i64,
    request: &CloseRequest,
    actor: Option<i64>,
) -> Result<round::Model> {
    if request.confirm != Some(true) {
        return Err(confirmation_required());
    }
    let reason = text::clean(request.reason.as_deref().unwrap_or_default());
    if reason.is_empty() || text::char_len(&reason) > 1000 {
        return Err(AppError::field(
            "reason",
            "Cần ghi lý do đóng vòng thi sớm (tối đa 1.000 ký tự); lý do được thông báo cho thí sinh.",
        ));
    }
    let round = round::Entity::find_by_id(round_id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = engine.now();
    if effective_close(&round) <= now {
        // Already closed: the leaderboard still shows it closed at once on this instance.
        engine.boards.invalidate(Some(round_id));
        return Ok(round);
    }
    let txn = db.begin().await?;
    let updated = round::ActiveModel {
        id: Set(round.id),
        closed_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let moved = move_deadlines(
        &txn,
        round_id,
        i64::from(round.time_limit_secs),
        now,
        now,
        engine.grace,
    )
    .await?;
    add_notice(
        &txn,
        round_id,
        Kind::ClosedEarly,
        json!({"closed_at": now, "reason": reason}),
        now,
        actor,
    )
    .await?;
    crate::audit::record(
        &txn,
        actor,
        "round.close",
        Some(("round", round_id)),
        json!({"closed_at": now, "reason": reason, "attempts_moved": moved.len()}),
    )
    .await?;
    txn.commit().await?;
    forget(engine, round_id, &moved).await;
    Ok(updated)
}
