//! Attempts: start (or resume), save answers, submit, read, and finalise.
//!
//! The server's clock is the only clock. An attempt's deadline is fixed when it starts;
//! saves and submits are accepted until deadline + grace; after that the attempt is
//! finalised with the answers saved in time — lazily when it is next touched, and by the
//! sweeper when nobody touches it.

use crate::db::OneByKey;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::draw::{self, Drawn, Order};
use super::pool::QuestionData;
use super::ranking::{self, Standing};
use super::scoring;
use super::timing;
use super::{Engine, draw_rules, effective_close};
use crate::banks::Kind;
use crate::entities::{answer, attempt, round, standing, user};
use crate::error::{AppError, Result};

/// Attempt status while answers are taken.
pub const IN_PROGRESS: &str = "in_progress";
/// Attempt status once scored.
pub const FINISHED: &str = "finished";

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
    serde_json::from_str(&a.questions).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!(
            "attempt {} has invalid questions: {e}",
            a.id
        ))
    })
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

/// The result of a finished attempt. With `score_shown = after_close`, a participant
/// gets no `score` and no `correct` until the round is settled (`score_hidden`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<i32>,
    pub max_score: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<i32>,
    pub total: i32,
    pub time_taken_ms: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub finish_reason: Option<String>,
    /// True while the score is held back until the round is settled.
    pub score_hidden: bool,
}

/// The result of a finished attempt, its score shown or held back.
pub fn result_of(a: &attempt::Model, score_shown: bool) -> Option<AttemptResult> {
    (a.status == FINISHED).then(|| AttemptResult {
        score: score_shown.then(|| a.score.unwrap_or(0)),
        max_score: a.max_score,
        correct: score_shown.then(|| a.correct.unwrap_or(0)),
        total: a.total,
        time_taken_ms: a.time_taken_ms.unwrap_or(0),
        submitted_at: a.submitted_at,
        finish_reason: a.finish_reason.clone(),
        score_hidden: !score_shown,
    })
}

/// What a view of an attempt may reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reveal {
    /// Correct options, explanations, which answers were right.
    pub review: bool,
    /// The score and the number of right answers.
    pub score: bool,
}

impl Reveal {
    /// What a viewer may see of an attempt of `round`: the review once the round is
    /// settled (for staff too: nothing may leak a key while an attempt can change); the
    /// score as the round's `score_shown` says, always for staff (they are not
    /// competing).
    pub fn for_viewer(round: &round::Model, staff: bool) -> Self {
        Reveal {
            review: super::fairness::review_visible(round),
            score: staff || super::fairness::scores_visible(round),
        }
    }

    /// A running attempt: nothing to reveal.
    pub const RUNNING: Reveal = Reveal {
        review: false,
        score: false,
    };
}

/// Saved answers by question position, as option ids.
async fn saved_answers<C: ConnectionTrait>(
    db: &C,
    attempt_id: i64,
) -> Result<HashMap<i32, (Vec<usize>, DateTime<Utc>)>> {
    let rows = answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(attempt_id))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let choices: Vec<usize> = serde_json::from_str(&r.choices).unwrap_or_default();
            (r.position, (choices, r.saved_at))
        })
        .collect())
}

/// What the participant sees of an attempt: questions and options with opaque ids, no
/// correctness — unless `reveal.review` is set (the round is settled) — and the result,
/// its score as `reveal.score` says.
pub async fn view(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
    reveal: Reveal,
) -> Result<Value> {
    let answers = saved_answers(db, a.id).await?;
    view_with(engine, db, round, a, reveal, answers).await
}

/// The view of an attempt just started: nothing saved yet, so nothing to read.
pub async fn view_new(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
) -> Result<Value> {
    view_with(engine, db, round, a, Reveal::RUNNING, HashMap::new()).await
}

async fn view_with(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
    reveal: Reveal,
    answers: HashMap<i32, (Vec<usize>, DateTime<Utc>)>,
) -> Result<Value> {
    // Never a key while the attempt itself can still change.
    let review = reveal.review && a.status == FINISHED;
    let drawn = drawn_of(a)?;
    let questions = questions_of(engine, db, &drawn).await?;
    let mut items = Vec::with_capacity(drawn.len());
    let mut saved = serde_json::Map::new();
    for (i, (d, q)) in drawn.iter().zip(&questions).enumerate() {
        let position = i + 1;
        let options: Vec<Value> = d
            .option_order
            .iter()
            .map(|&bank_index| {
                let mut o = json!({
                    "id": option_id(a.seed, position, bank_index),
                    "text": q.choices.get(bank_index).cloned().unwrap_or_default(),
                });
                if review {
                    o["correct"] = json!(q.correct.get(bank_index).copied().unwrap_or(false));
                }
                o
            })
            .collect();
        let mut item = json!({
            "id": position,
            "kind": q.kind.as_str(),
            "text": q.text,
            "options": options,
        });
        if let Some((chosen, saved_at)) = answers.get(&(position as i32)) {
            let ids: Vec<String> = chosen
                .iter()
                .map(|&c| option_id(a.seed, position, c))
                .collect();
            saved.insert(
                position.to_string(),
                json!({"choices": ids, "saved_at": saved_at}),
            );
            if review {
                let set: BTreeSet<usize> = chosen.iter().copied().collect();
                item["answered_correctly"] = json!(scoring::is_correct(&q.correct, &set));
            }
        }
        if review {
            item["explanation"] = json!(q.explanation);
            item["source"] = json!(q.source);
        }
        items.push(item);
    }
    Ok(json!({
        "attempt_id": a.id,
        "round_id": a.round_id,
        "status": a.status,
        "started_at": a.started_at,
        "deadline": a.deadline,
        "server_time": engine.now(),
        "questions": items,
        "prediction_question": round.prediction_question,
        "prediction": a.prediction,
        "answers": saved,
        "result": result_of(a, reveal.score),
        "review": review,
    }))
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
        .get_or_load(round_id, async || load_round(db, round_id).await)
        .await
}

/// A contest, as [`cached_round`] keeps rounds.
async fn cached_contest<C: ConnectionTrait>(
    engine: &Engine,
    db: &C,
    contest_id: i64,
) -> Result<Arc<crate::entities::contest::Model>> {
    engine
        .contests
        .get_or_load(contest_id, async || {
            crate::entities::contest::Entity::find_by_id(contest_id)
                .one_by_key(db)
                .await?
                .ok_or(AppError::NotFound)
        })
        .await
}

/// How starting went.
pub enum Started {
    /// A new attempt (201).
    New(attempt::Model),
    /// The attempt already in progress (200).
    Resumed(attempt::Model),
}

fn conflict(code: &'static str, message: &str) -> AppError {
    AppError::conflict(code, message)
}

/// Starts an attempt, or returns the one in progress: a reload never resets or forks an
/// attempt, and racing starts never exceed the round's allowance (one row per sequence
/// number, enforced by a unique index).
pub async fn start(
    engine: &Engine,
    db: &crate::db::Db,
    user: &user::Model,
    round: &round::Model,
) -> Result<Started> {
    if user.voided {
        return Err(conflict(
            "account_voided",
            "Tài khoản của bạn đã bị Ban Tổ chức huỷ kết quả, không thể dự thi.",
        ));
    }
    let category = user.category_code.clone().ok_or_else(|| {
        conflict(
            "not_a_participant",
            "Tài khoản này không phải tài khoản thí sinh.",
        )
    })?;
    let contest = cached_contest(engine, &db.read, round.contest_id).await?;
    let categories: Vec<String> = serde_json::from_str(&contest.categories).unwrap_or_default();
    if !categories.contains(&category) {
        return Err(conflict(
            "category_not_eligible",
            "Đối tượng của bạn không thuộc cuộc thi này.",
        ));
    }

    for _ in 0..3 {
        let now = engine.now();
        let mut mine = attempt::Entity::find()
            .filter(attempt::Column::RoundId.eq(round.id))
            .filter(attempt::Column::UserId.eq(user.id))
            .order_by_asc(attempt::Column::Seq)
            .all(&db.read)
            .await?;
        if let Some(open) = mine.iter_mut().find(|a| a.status == IN_PROGRESS) {
            if timing::accepts(now, open.deadline, engine.grace) {
                return Ok(Started::Resumed(open.clone()));
            }
            *open = finalize(engine, &db.read, open, Finish::Expired).await?;
        }
        if now < round.opens_at {
            return Err(conflict("round_not_open", "Vòng thi chưa mở."));
        }
        let closes = effective_close(round);
        if now >= closes {
            return Err(conflict("round_closed", "Vòng thi đã kết thúc."));
        }
        let used = mine.len() as i32;
        if round.max_attempts > 0 && used >= round.max_attempts {
            return Err(conflict(
                "no_attempts_left",
                "Bạn đã dùng hết số lượt thi của vòng này.",
            ));
        }

        // Paced per participant (resuming above never counts): repeated attempts are what
        // turns any score shown into an answer-key oracle.
        engine.starts.check(&user.id).map_err(|wait| {
            tracing::warn!(
                user.id = user.id,
                round.id = round.id,
                "attempt start rate limit reached"
            );
            AppError::TooManyRequests {
                retry_after_secs: crate::ratelimit::retry_after_secs(wait),
            }
        })?;
        let rules = draw_rules(round)?;
        let quotas = rules.for_category(&category);
        let mut bank_ids: Vec<i64> = quotas.iter().map(|q| q.bank_id).collect();
        bank_ids.sort_unstable();
        bank_ids.dedup();
        let mut banks = Vec::with_capacity(bank_ids.len());
        let mut versions = std::collections::BTreeMap::new();
        for id in bank_ids {
            let bank = engine.pools.bank(&db.read, id).await?;
            versions.insert(id, bank.version);
            banks.push(bank);
        }
        // Borrowed from the in-memory pools: a start copies no candidate.
        let pool: Vec<&draw::Candidate> = banks.iter().flat_map(|b| b.candidates.iter()).collect();
        let mut seen = HashSet::new();
        for a in &mine {
            for d in drawn_of(a)? {
                seen.insert(d.question_id);
            }
        }
        let order = if round.question_order == "by_difficulty" {
            Order::ByDifficulty
        } else {
            Order::Shuffled
        };
        // Positive seeds only: they are stored in a signed column.
        let seed = rand::rng().random_range(1..i64::MAX);
        let drawn = draw::draw_from(pool, quotas, &seen, order, seed as u64).map_err(|short| {
            tracing::error!(
                round.id = round.id,
                missing = short.missing(),
                "a bank can no longer fill a round's draw"
            );
            conflict(
                "draw_unavailable",
                "Ngân hàng câu hỏi hiện không đủ câu cho vòng thi; vui lòng báo Ban Tổ chức.",
            )
        })?;
        let total = drawn.len() as i32;
        let deadline = timing::deadline(now, i64::from(round.time_limit_secs), closes);
        // The insert rides in the writer's next group commit: a thousand participants
        // pressing start together share a handful of commits.
        let inserted = engine
            .writer
            .insert_attempt(attempt::ActiveModel {
                round_id: Set(round.id),
                user_id: Set(user.id),
                seq: Set(used + 1),
                seed: Set(seed),
                status: Set(IN_PROGRESS.to_owned()),
                category_code: Set(category.clone()),
                unit_id: Set(user.unit_id),
                questions: Set(serde_json::to_string(&drawn).map_err(anyhow::Error::from)?),
                started_at: Set(now),
                deadline: Set(deadline),
                max_score: Set(total),
                total: Set(total),
                bank_versions: Set(serde_json::to_string(&versions).map_err(anyhow::Error::from)?),
                ..Default::default()
            })
            .await?;
        match inserted {
            Some(a) => {
                engine.starts.take(&user.id);
                // Its first save then reads nothing.
                live_attempt(engine, db, a.id, Some(&a)).await?;
                return Ok(Started::New(a));
            }
            // Another request of the same participant won the race for this sequence
            // number: look again (and return its attempt).
            None => continue,
        }
    }
    Err(conflict(
        "attempt_busy",
        "Lượt thi đang được tạo, vui lòng thử lại.",
    ))
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
        let in_progress = a.status == IN_PROGRESS;
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
async fn live_attempt(
    engine: &Engine,
    db: &crate::db::Db,
    attempt_id: i64,
    loaded: Option<&attempt::Model>,
) -> Result<Arc<LiveAttempt>> {
    if let Some(live) = engine.live.get(&attempt_id) {
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
        engine.live.insert(attempt_id, live)
    } else {
        Arc::new(live)
    })
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
    if !timing::accepts(now, live.deadline, engine.grace) {
        // Time is up: finalise it now with the answers saved in time (if nobody has).
        let a = attempt::Entity::find_by_id(live.id)
            .one_by_key(&db.read)
            .await?
            .ok_or(AppError::NotFound)?;
        settle_if_expired(engine, &db.read, a).await?;
        return Err(attempt_closed());
    }
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
        .save(super::writer::AnswerSave {
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
        engine.live.remove(&live.id);
        Err(attempt_closed())
    }
}

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

fn finish_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "UPDATE attempts SET status = 'finished', finished_at = $1, submitted_at = $2, \
             finish_reason = $3, prediction = $4 WHERE id = $5 AND status = 'in_progress'"
        }
        _ => {
            "UPDATE attempts SET status = 'finished', finished_at = ?1, submitted_at = ?2, \
             finish_reason = ?3, prediction = ?4 WHERE id = ?5 AND status = 'in_progress'"
        }
    }
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
    engine.live.remove(&a.id);
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

/// [`finalize`]'s work inside the writer's transaction: `None` if the attempt is gone.
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
    if a.status != IN_PROGRESS {
        // Finished already (by an earlier submit, or the sweeper): idempotent.
        return Ok(Some(a));
    }
    let (submitted_at, reason, prediction) = match job.how {
        Finish::Submitted { at, prediction } => (at.min(a.deadline), "submitted", prediction),
        Finish::Expired => (a.deadline, "expired", None),
    };
    let backend = conn.get_database_backend();
    let claimed = conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            finish_sql(backend),
            [
                job.now.into(),
                submitted_at.into(),
                reason.into(),
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
    let score = scoring::score(
        job.keys
            .iter()
            .zip(&chosen)
            .map(|(key, c)| (key.as_slice(), c.as_ref())),
    );
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
        reason,
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

/// Finalises every attempt whose deadline plus grace has passed; returns how many.
pub async fn sweep(engine: &Engine, db: &DatabaseConnection) -> Result<usize> {
    let cutoff = engine.now() - engine.grace;
    let expired = attempt::Entity::find()
        .filter(attempt::Column::Status.eq(IN_PROGRESS))
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
            .filter(attempt::Column::Status.eq(IN_PROGRESS))
            .one(db)
            .await?;
        if !super::fairness::can_settle(effective_close(&r), engine.grace, now, open.is_some()) {
            continue;
        }
        let actual = match (&r.prediction_answer, r.prediction_actual, r.practice) {
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
        engine.rounds.remove(&r.id);
        engine.boards.invalidate(Some(r.id));
        tracing::info!(round.id = r.id, actual, "round settled");
    }
    Ok(())
}

/// The actual value of a round's prediction question, counted over its standings
/// (voided participants excluded): perfect scores, or participants.
async fn prediction_actual(db: &DatabaseConnection, round_id: i64, answer: &str) -> Result<i64> {
    let perfect = if answer == "perfect_scores" {
        " AND s.score = s.max_score"
    } else {
        ""
    };
    let backend = db.get_database_backend();
    let sql = crate::db::placeholders(
        backend,
        &format!(
            "SELECT COUNT(*) AS n FROM standings s JOIN users u ON u.id = s.user_id \
             WHERE s.round_id = ?1 AND u.voided = false{perfect}"
        ),
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [round_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    })
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
        let mut tick = tokio::time::interval(every);
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
