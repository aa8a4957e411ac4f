//! Starting (or resuming) an attempt: eligibility, the round's window and allowance, the
//! pace of starts, and the draw.

use std::collections::HashSet;

use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::save::live_attempt;
use super::{Finish, Status, cached_contest, conflict, drawn_of, finalize};
use crate::contest::draw;
use crate::contest::{Engine, draw_rules, effective_close, timing};
use crate::entities::{attempt, round, user};
use crate::error::{AppError, Result};

/// How starting went.
pub enum Started {
    /// A new attempt (201).
    New(attempt::Model),
    /// The attempt already in progress (200).
    Resumed(attempt::Model),
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
    // First, so a draft's round answers 404 before anything says it exists.
    crate::contest::lifecycle::accepts_attempts(contest.status)?;
    let categories = contest.categories()?;
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
        if let Some(open) = mine.iter_mut().find(|a| a.status == Status::InProgress) {
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
        let order = round.question_order;
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
                status: Set(Status::InProgress),
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
