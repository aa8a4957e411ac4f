//! Re-scoring a round after a decision: every finished attempt from its stored answers, in
//! chunks of batched statements; the standings rebuilt as each participant's best attempt;
//! the prediction's actual value recomputed when it depends on scores.

use super::*;

/// What a re-scoring went through.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rescored {
    /// Attempts (any status) that drew the question asked about.
    pub drew: u64,
    /// Finished attempts that drew it (re-scored).
    pub rescored: u64,
    /// Finished attempts whose stored score changed.
    pub changed: u64,
}

#[derive(Debug, FromQueryResult)]
pub(super) struct AttemptRow {
    id: i64,
    status: attempt::Status,
    questions: String,
    score: Option<i32>,
    correct: Option<i32>,
    max_score: i32,
}

/// Re-scores every finished attempt of a round from its stored answers, the stored
/// revisions and the round's decisions, in chunks; writes only the scores that changed.
/// `question_id`: the question whose attempts are counted in the answer.
pub async fn rescore_round<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    r: &round::Model,
    question_id: Option<i64>,
) -> Result<Rescored> {
    let rulings = rulings(db, r.id).await?;
    let backend = db.get_database_backend();
    let mut counts = Rescored::default();
    let mut after = 0i64;
    loop {
        let chunk = attempt::Entity::find()
            .select_only()
            .columns([
                attempt::Column::Id,
                attempt::Column::Status,
                attempt::Column::Questions,
                attempt::Column::Score,
                attempt::Column::Correct,
                attempt::Column::MaxScore,
            ])
            .filter(attempt::Column::RoundId.eq(r.id))
            .filter(attempt::Column::Id.gt(after))
            .order_by_asc(attempt::Column::Id)
            .limit(CHUNK as u64)
            .into_model::<AttemptRow>()
            .all(db)
            .await?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        let mut finished: Vec<(&AttemptRow, Vec<Drawn>)> = Vec::with_capacity(chunk.len());
        let mut ids = BTreeSet::new();
        for a in &chunk {
            let drawn: Vec<Drawn> = crate::entities::decode_json(
                format_args!("attempt {}", a.id),
                "questions",
                &a.questions,
            )?;
            let drew = question_id.is_some_and(|q| drawn.iter().any(|d| d.question_id == q));
            counts.drew += u64::from(drew);
            if a.status == attempt::Status::Finished {
                counts.rescored += u64::from(drew);
                ids.extend(drawn.iter().map(|d| d.question_id));
                finished.push((a, drawn));
            }
        }
        if finished.is_empty() {
            continue;
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let questions = engine.pools.questions(db, &ids).await?;
        let mut answers: HashMap<(i64, i32), BTreeSet<usize>> = HashMap::new();
        for row in answer::Entity::find()
            .filter(answer::Column::AttemptId.is_in(finished.iter().map(|(a, _)| a.id)))
            .all(db)
            .await?
        {
            answers.insert(
                (row.attempt_id, row.position),
                row.choices()?.into_iter().collect(),
            );
        }
        let mut updates = Vec::new();
        for (a, drawn) in &finished {
            let mut keys = Vec::with_capacity(drawn.len());
            for d in drawn {
                let q = questions.get(&d.question_id).ok_or_else(|| {
                    AppError::Unexpected(anyhow::anyhow!(
                        "question revision {} is missing",
                        d.question_id
                    ))
                })?;
                keys.push((q.clone(), rulings.get(&d.question_id)));
            }
            let s = scoring::score_ruled(keys.iter().enumerate().map(|(i, (q, ruling))| {
                (
                    q.correct.as_slice(),
                    answers.get(&(a.id, i as i32 + 1)),
                    *ruling,
                )
            }));
            if (a.score, a.correct, a.max_score) != (Some(s.score), Some(s.correct), s.max_score) {
                updates.push((a.id, s));
            }
        }
        counts.changed += updates.len() as u64;
        if !updates.is_empty() {
            let values: Vec<Value> = updates
                .iter()
                .flat_map(|(id, s)| {
                    [
                        (*id).into(),
                        s.score.into(),
                        s.correct.into(),
                        s.max_score.into(),
                    ]
                })
                .collect();
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                scores_sql(backend, updates.len()),
                values,
            ))
            .await?;
        }
    }
    Ok(counts)
}

/// Writes re-scored attempts `(id, score, correct, max_score)`: finished ones only, so a
/// running attempt (and its answers) is never touched. Both databases name a VALUES
/// list's columns column1, column2, …
pub(super) fn scores_sql(backend: DbBackend, rows: usize) -> String {
    let values = crate::db::values_list(
        backend,
        rows,
        &["::bigint", "::integer", "::integer", "::integer"],
        1,
    );
    format!(
        "UPDATE attempts SET score = v.column2, correct = v.column3, max_score = v.column4 \
         FROM (VALUES {values}) AS v \
         WHERE attempts.id = v.column1 AND attempts.status = 'finished'"
    )
}

/// Writes rebuilt standings `(user_id, attempt_id, score, max_score, time_taken_ms,
/// submitted_at, prediction)` of round `?1`.
pub(super) fn standings_sql(backend: DbBackend, rows: usize) -> String {
    let values = crate::db::values_list(
        backend,
        rows,
        &[
            "::bigint",
            "::bigint",
            "::integer",
            "::integer",
            "::bigint",
            "::timestamptz",
            "::bigint",
        ],
        2,
    );
    let round = crate::db::placeholders(backend, "?1");
    format!(
        "UPDATE standings SET attempt_id = v.column2, score = v.column3, max_score = v.column4, \
         time_taken_ms = v.column5, submitted_at = v.column6, prediction = v.column7 \
         FROM (VALUES {values}) AS v \
         WHERE standings.round_id = {round} AND standings.user_id = v.column1"
    )
}

#[derive(Debug, FromQueryResult)]
pub(super) struct FinishedRow {
    pub(super) id: i64,
    pub(super) user_id: i64,
    pub(super) score: Option<i32>,
    pub(super) max_score: i32,
    pub(super) time_taken_ms: Option<i64>,
    pub(super) submitted_at: Option<DateTime<Utc>>,
    pub(super) deadline: DateTime<Utc>,
    pub(super) prediction: Option<i64>,
}

/// The standing each participant should have: their best finished attempt.
pub(super) fn best_attempts(rows: &[FinishedRow]) -> HashMap<i64, (Standing, i32)> {
    let mut best: HashMap<i64, (Standing, i32)> = HashMap::new();
    for a in rows {
        let candidate = Standing {
            user_id: a.user_id,
            attempt_id: a.id,
            score: a.score.unwrap_or(0),
            time_taken_ms: a.time_taken_ms.unwrap_or(0),
            submitted_at: a.submitted_at.unwrap_or(a.deadline),
            prediction: a.prediction,
        };
        match best.get(&a.user_id) {
            Some((current, _))
                if ranking::better_attempt(&candidate, current) != std::cmp::Ordering::Less => {}
            _ => {
                best.insert(a.user_id, (candidate, a.max_score));
            }
        }
    }
    best
}

/// Makes each standing of the round its participant's best finished attempt again, as
/// re-scored; writes only those that changed, in chunks.
pub(super) async fn rebuild_standings<C: ConnectionTrait>(db: &C, round_id: i64) -> Result<u64> {
    let rows = attempt::Entity::find()
        .select_only()
        .columns([
            attempt::Column::Id,
            attempt::Column::UserId,
            attempt::Column::Score,
            attempt::Column::MaxScore,
            attempt::Column::TimeTakenMs,
            attempt::Column::SubmittedAt,
            attempt::Column::Deadline,
            attempt::Column::Prediction,
        ])
        .filter(attempt::Column::RoundId.eq(round_id))
        .filter(attempt::Column::Status.eq(attempt::Status::Finished))
        .into_model::<FinishedRow>()
        .all(db)
        .await?;
    let best = best_attempts(&rows);
    let current = standing::Entity::find()
        .filter(standing::Column::RoundId.eq(round_id))
        .all(db)
        .await?;
    let mut changed: Vec<(&Standing, i32)> = Vec::new();
    for s in &current {
        let Some((b, max_score)) = best.get(&s.user_id) else {
            continue;
        };
        let now = (
            s.attempt_id,
            s.score,
            s.max_score,
            s.time_taken_ms,
            s.submitted_at,
            s.prediction,
        );
        let wanted = (
            b.attempt_id,
            b.score,
            *max_score,
            b.time_taken_ms,
            b.submitted_at,
            b.prediction,
        );
        if now != wanted {
            changed.push((b, *max_score));
        }
    }
    let backend = db.get_database_backend();
    for chunk in changed.chunks(CHUNK) {
        let mut values: Vec<Value> = vec![round_id.into()];
        for (b, max_score) in chunk {
            values.extend([
                b.user_id.into(),
                b.attempt_id.into(),
                b.score.into(),
                (*max_score).into(),
                b.time_taken_ms.into(),
                b.submitted_at.into(),
                b.prediction.into(),
            ]);
        }
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            standings_sql(backend, chunk.len()),
            values,
        ))
        .await?;
    }
    Ok(changed.len() as u64)
}

/// Recomputes the prediction's actual value of a round already settled, when it depends
/// on scores (perfect scores); returns the new value when it was recomputed.
pub(super) async fn recompute_prediction<C: ConnectionTrait>(
    db: &C,
    r: &round::Model,
) -> Result<Option<i64>> {
    use crate::entities::round::PredictionAnswer;
    if r.prediction_actual.is_none() || r.prediction_answer != Some(PredictionAnswer::PerfectScores)
    {
        return Ok(None);
    }
    let actual =
        crate::contest::prediction::prediction_actual(db, r.id, PredictionAnswer::PerfectScores)
            .await?;
    if Some(actual) != r.prediction_actual {
        round::ActiveModel {
            id: Set(r.id),
            prediction_actual: Set(Some(actual)),
            ..Default::default()
        }
        .update(db)
        .await?;
    }
    Ok(Some(actual))
}
