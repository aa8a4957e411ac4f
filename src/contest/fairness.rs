//! Fairness rules against answer-key oracles (issue #13).
//!
//! Any answer that tells a participant how many answers were right rebuilds the key when
//! attempts repeat. Three rules close that by design:
//! - **Keys stay hidden until nothing can change.** Review (correct options,
//!   explanations) and hidden scores are shown only once the round is *settled*: closed,
//!   its grace over, and every attempt finalised ([`can_settle`]; the sweeper stamps
//!   `rounds.settled_at`).
//! - **Practice never shares questions with a live ranked round.** A practice round
//!   whose draw can reach a question that an open or upcoming ranked round can draw (or
//!   the other way round) is refused with `overlaps_ranked_round` /
//!   `overlaps_practice_round`, unless the organiser accepts the overlap explicitly.
//!   Questions are compared by their normalised text ([`question_key`]), so a bank copied
//!   under another code still counts as the same questions.
//! - **Scores can wait for the close** (`score_shown = after_close`), and starting
//!   attempts is paced per participant (`Engine::starts`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Map, json};

use super::pool::BankPool;
use super::{DrawRules, Engine, draw_rules, effective_close};
use crate::entities::round::{self, ScoreShown};
use crate::error::{AppError, Result};

/// What a participant is told instead of a score held back until the round is settled.
pub const SCORE_AFTER_CLOSE: &str = "Đã nộp bài; điểm được công bố khi vòng thi kết thúc.";

/// True once the round is settled: closed, grace over, every attempt finalised. From then
/// on no attempt of it can change, so its keys may be shown.
pub fn is_settled(round: &round::Model) -> bool {
    round.settled_at.is_some()
}

/// Whether the review (correct options, explanations, which answers were right) of the
/// round's attempts may be shown — to anyone, participants and staff alike.
pub fn review_visible(round: &round::Model) -> bool {
    is_settled(round)
}

/// Whether a participant may see scores of this round (their own result, the
/// leaderboard): always with `on_submit`, only once settled with `after_close`.
pub fn scores_visible(round: &round::Model) -> bool {
    round.score_shown == ScoreShown::OnSubmit || is_settled(round)
}

/// Whether a finished attempt of a practice round may show its key at once (correct
/// options, explanations, sources): practice is there to teach, and it is never ranked.
/// Not when the practice round was allowed to share questions with a ranked round, nor
/// while any live ranked round was allowed to share questions with practice rounds — the
/// overlap rule ([`check_overlap`]) keeps every other live ranked round's questions out of
/// this round's draw, so its key says nothing about a ranked question. One indexed count
/// query, usually over no rows.
pub async fn practice_teaches<C: ConnectionTrait>(
    db: &C,
    round: &round::Model,
    now: DateTime<Utc>,
) -> Result<bool> {
    if !round.practice || round.allow_overlap {
        return Ok(false);
    }
    use sea_orm::PaginatorTrait;
    let overlapping_ranked = round::Entity::find()
        .filter(round::Column::Practice.eq(false))
        .filter(round::Column::AllowOverlap.eq(true))
        .filter(round::Column::ClosesAt.gt(now))
        .count(db)
        .await?;
    Ok(overlapping_ranked == 0)
}

/// Whether a round may be settled at `now`: it has closed, the grace after its close is
/// over (no save or submit can still arrive), and no attempt is left in progress.
pub fn can_settle(
    close: DateTime<Utc>,
    grace: chrono::Duration,
    now: DateTime<Utc>,
    attempts_in_progress: bool,
) -> bool {
    now >= close + grace && !attempts_in_progress
}

/// A question's identity for the overlap rule: its text in NFC, lower case, with runs of
/// white space as one space — the same question typed into two banks is one question.
pub fn question_key(text: &str) -> String {
    crate::text::nfc(text)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every question a round's draw rules can reach (any category), by [`question_key`].
async fn reachable(
    engine: &Engine,
    db: &DatabaseConnection,
    rules: &DrawRules,
) -> Result<HashSet<String>> {
    let quotas: Vec<_> = rules
        .default
        .iter()
        .chain(rules.by_category.values().flatten())
        .collect();
    let mut ids = Vec::new();
    let mut pools: HashMap<i64, Arc<BankPool>> = HashMap::new();
    for q in &quotas {
        let pool = match pools.get(&q.bank_id) {
            Some(pool) => pool.clone(),
            None => {
                let pool = engine.pools.bank(db, q.bank_id).await?;
                pools.insert(q.bank_id, pool.clone());
                pool
            }
        };
        ids.extend(
            pool.candidates
                .iter()
                .filter(|c| q.matches(c))
                .map(|c| c.id),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    let questions = engine.pools.questions(db, &ids).await?;
    Ok(questions.values().map(|q| question_key(&q.text)).collect())
}

/// A live round (open or upcoming at `now`) whose draw shares questions with a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overlap {
    pub round_id: i64,
    pub contest_id: i64,
    pub title: String,
    /// How many questions both draws can reach.
    pub questions: usize,
}

/// The live rounds of the other kind (ranked for a practice round, practice for a ranked
/// one) whose draws can reach questions the new round's `rules` can, most shared first.
pub async fn overlaps(
    engine: &Engine,
    db: &DatabaseConnection,
    practice: bool,
    rules: &DrawRules,
    now: DateTime<Utc>,
) -> Result<Vec<Overlap>> {
    let others: Vec<round::Model> = round::Entity::find()
        .filter(round::Column::Practice.eq(!practice))
        .filter(round::Column::ClosesAt.gt(now))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| effective_close(r) > now)
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let mine = reachable(engine, db, rules).await?;
    let mut found = Vec::new();
    for other in others {
        let theirs = reachable(engine, db, &draw_rules(&other)?).await?;
        let shared = mine.intersection(&theirs).count();
        if shared > 0 {
            found.push(Overlap {
                round_id: other.id,
                contest_id: other.contest_id,
                title: other.title,
                questions: shared,
            });
        }
    }
    found.sort_by(|a, b| {
        b.questions
            .cmp(&a.questions)
            .then(a.round_id.cmp(&b.round_id))
    });
    Ok(found)
}

/// Refuses a new round that shares questions with a live round of the other kind, unless
/// the organiser accepted the overlap (`allow_overlap`).
pub async fn check_overlap(
    engine: &Engine,
    db: &DatabaseConnection,
    practice: bool,
    rules: &DrawRules,
    allow_overlap: bool,
) -> Result<()> {
    if allow_overlap {
        return Ok(());
    }
    let found = overlaps(engine, db, practice, rules, engine.now()).await?;
    let Some(first) = found.first() else {
        return Ok(());
    };
    Err(overlap_error(practice, first, found.len()))
}

fn overlap_error(practice: bool, first: &Overlap, rounds: usize) -> AppError {
    let mut details = Map::new();
    details.insert("round_id".into(), json!(first.round_id));
    details.insert("contest_id".into(), json!(first.contest_id));
    details.insert("round_title".into(), json!(first.title));
    details.insert("questions".into(), json!(first.questions));
    details.insert("rounds".into(), json!(rounds));
    let why = "thí sinh làm thử nhiều lần có thể dò ra đáp án của vòng thi chính thức. \
               Hãy dùng ngân hàng câu hỏi (hoặc chủ đề) khác, hoặc xác nhận cho phép trùng \
               câu hỏi nếu chấp nhận rủi ro này.";
    if practice {
        AppError::Unprocessable {
            code: "overlaps_ranked_round",
            message: format!(
                "Vòng thi thử có thể rút {} câu hỏi của vòng thi chính thức «{}» đang mở hoặc sắp mở: {why}",
                first.questions, first.title
            ),
            details,
        }
    } else {
        AppError::Unprocessable {
            code: "overlaps_practice_round",
            message: format!(
                "Vòng thi này có thể rút {} câu hỏi của vòng thi thử «{}» đang mở hoặc sắp mở: {why}",
                first.questions, first.title
            ),
            details,
        }
    }
}

/// A participant whose number of attempts in one round stands out (scripts probing
/// for the key start many attempts).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnusualAttempts {
    pub user_id: i64,
    pub full_name: String,
    pub unit_name: Option<String>,
    pub round_id: i64,
    pub round_title: String,
    pub practice: bool,
    pub attempts: i64,
    pub first_started_at: DateTime<Utc>,
    pub last_started_at: DateTime<Utc>,
}

/// Attempts in one round from which an account is listed for the judges.
pub const UNUSUAL_ATTEMPTS: i64 = 10;

/// The accounts with at least [`UNUSUAL_ATTEMPTS`] attempts in one round of a contest,
/// most attempts first (at most 200 rows).
pub async fn unusual_attempts<C: ConnectionTrait>(
    db: &C,
    contest_id: i64,
) -> Result<Vec<UnusualAttempts>> {
    let backend = db.get_database_backend();
    let sql = crate::db::placeholders(
        backend,
        "SELECT a.user_id, a.round_id, COUNT(*) AS attempts, MIN(a.started_at) AS first_at, \
         MAX(a.started_at) AS last_at, u.full_name, un.name AS unit_name, r.title, r.practice \
         FROM attempts a JOIN rounds r ON r.id = a.round_id JOIN users u ON u.id = a.user_id \
         LEFT JOIN units un ON un.id = u.unit_id \
         WHERE r.contest_id = ?1 \
         GROUP BY a.user_id, a.round_id, u.full_name, un.name, r.title, r.practice \
         HAVING COUNT(*) >= ?2 ORDER BY attempts DESC, a.user_id, a.round_id LIMIT 200",
    );
    let rows = db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [contest_id.into(), UNUSUAL_ATTEMPTS.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(UnusualAttempts {
                user_id: row.try_get("", "user_id")?,
                full_name: row.try_get("", "full_name")?,
                unit_name: row.try_get("", "unit_name")?,
                round_id: row.try_get("", "round_id")?,
                round_title: row.try_get("", "title")?,
                practice: row.try_get("", "practice")?,
                attempts: row.try_get("", "attempts")?,
                first_started_at: row.try_get("", "first_at")?,
                last_started_at: row.try_get("", "last_at")?,
            })
        })
        .collect::<std::result::Result<Vec<_>, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_round_settles_only_after_close_plus_grace_with_nothing_in_progress() {
        let grace = chrono::Duration::seconds(10);
        let close = at(0);
        assert!(!can_settle(close, grace, at(-1), false), "before close");
        assert!(!can_settle(close, grace, at(0), false), "at close");
        assert!(!can_settle(close, grace, at(9), false), "within grace");
        assert!(can_settle(close, grace, at(10), false), "grace over");
        assert!(
            !can_settle(close, grace, at(3600), true),
            "an attempt still runs"
        );
    }

    #[test]
    fn question_keys_ignore_case_spacing_and_unicode_form() {
        let nfc = "Dịch vụ công trực tuyến   mức độ 4?";
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd(nfc).collect();
        assert_eq!(question_key(nfc), question_key(&nfd));
        assert_eq!(
            question_key(nfc),
            question_key(" dịch VỤ công\ttrực tuyến mức độ 4? ")
        );
        assert_ne!(
            question_key(nfc),
            question_key("Dịch vụ công trực tuyến mức độ 3?")
        );
    }
}
