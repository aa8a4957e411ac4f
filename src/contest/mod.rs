//! The contest engine: contests and rounds, draws, server-timed attempts, scoring,
//! ranking and leaderboards.
//!
//! Domain rules are plain functions in `draw`, `scoring`, `timing` and `ranking`; the rest
//! of this module applies them to the database.

pub mod announcements;
pub mod attempts;
pub mod boards;
pub mod clock;
pub mod dashboard;
pub mod disputes;
pub mod documents;
pub mod draw;
pub mod fairness;
pub mod finishing;
pub mod items;
pub mod lifecycle;
pub mod pool;
pub mod prediction;
pub mod ranking;
pub mod round_edit;
mod rounds;
pub mod scoring;
pub mod season;
pub mod stats;
pub mod sweeper;
pub mod timing;
pub mod unit_stats;
pub mod verify;
pub mod writer;

pub use rounds::*;

use crate::db::OneByKey;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use self::draw::{Order, Quota};
use crate::banks::Difficulty;
use crate::entities::{category, contest, round};
use crate::error::{AppError, Result, map_unique};
use crate::text;

/// The engine's shared parts: caches and the answer writer.
pub struct Engine {
    pub pools: pool::Pools,
    pub writer: writer::AnswerWriter,
    pub boards: boards::Boards,
    /// Saves and submits are accepted this long after the deadline (network latency).
    pub grace: chrono::Duration,
    /// The only clock time rules read.
    pub clock: clock::Clock,
    /// What answer saves need of running attempts (see [`attempts::LiveAttempt`]).
    pub live: crate::cache::TtlCache<i64, attempts::LiveAttempt>,
    /// Rounds and contests as the hot paths read them (start, leaderboards), kept for the
    /// published staleness; changes through this instance drop them at once.
    pub rounds: crate::cache::TtlCache<i64, round::Model>,
    pub contests: crate::cache::TtlCache<i64, contest::Model>,
    /// The organiser dashboard's aggregate counts, per Vietnam day (a few seconds).
    pub dashboard: crate::cache::TtlCache<chrono::NaiveDate, dashboard::CachedCounts>,
    /// New attempts per participant (by user id): repeated attempts turn any score shown
    /// into an answer-key oracle, so they are paced (this instance's count).
    pub starts: crate::ratelimit::Limiter<i64>,
}

impl Engine {
    /// The current time on the engine's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// The body of `POST /api/v1/contests`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestSpec {
    /// Lower-case letters without accents, digits, `-` and `_`.
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,63}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(max_length = 20000)]
    pub rules: Option<String>,
    /// Category codes (đối tượng) of the participants who may take part.
    #[schema(min_items = 1)]
    pub categories: Vec<String>,
    /// `draft` (staff only, to prepare its rounds) or `published` (the default).
    pub status: Option<contest::Status>,
}

/// A contest's title, cleaned; a problem goes to `fields`.
fn clean_title(raw: &str, fields: &mut BTreeMap<String, String>) -> String {
    let title = text::clean(raw);
    if title.is_empty() || text::char_len(&title) > 300 {
        fields.insert(
            "title".to_owned(),
            "Tên cuộc thi không được trống và tối đa 300 ký tự.".to_owned(),
        );
    }
    title
}

/// A contest's description, in NFC with its line breaks kept (`None` when blank): it is
/// Markdown (`text::markdown`), where a line starting with `-` is a list item. A problem
/// goes to `fields`.
fn clean_description(raw: Option<&str>, fields: &mut BTreeMap<String, String>) -> Option<String> {
    if let Some(d) = raw
        && text::char_len(d.trim()) > 2_000
    {
        fields.insert(
            "description".to_owned(),
            "Mô tả cuộc thi tối đa 2.000 ký tự.".to_owned(),
        );
    }
    raw.map(|d| text::nfc(d.trim())).filter(|d| !d.is_empty())
}

/// A contest's rules, in NFC with its line breaks kept (`None` when blank); a problem goes
/// to `fields`.
fn clean_rules(raw: Option<&str>, fields: &mut BTreeMap<String, String>) -> Option<String> {
    if let Some(r) = raw
        && text::char_len(r.trim()) > 20_000
    {
        fields.insert(
            "rules".to_owned(),
            "Thể lệ cuộc thi tối đa 20.000 ký tự.".to_owned(),
        );
    }
    raw.map(|r| text::nfc(r.trim())).filter(|r| !r.is_empty())
}

/// A contest's categories, cleaned: at least one, each a known category; a problem goes
/// to `fields`.
async fn clean_categories<C: ConnectionTrait>(
    db: &C,
    raw: &[String],
    fields: &mut BTreeMap<String, String>,
) -> Result<Vec<String>> {
    let known: Vec<String> = category::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let mut categories: Vec<String> = raw.iter().map(|c| text::clean(c)).collect();
    categories.dedup();
    if categories.is_empty() || categories.iter().any(|c| !known.contains(c)) {
        fields.insert(
            "categories".to_owned(),
            format!("Đối tượng dự thi phải thuộc: {}.", known.join(", ")),
        );
    }
    Ok(categories)
}

/// Creates a contest.
pub async fn create_contest<C: ConnectionTrait>(
    db: &C,
    spec: ContestSpec,
    actor: Option<i64>,
) -> Result<contest::Model> {
    let mut fields = BTreeMap::new();
    let code = text::clean(&spec.code);
    if !crate::banks::is_valid_code(&code) {
        fields.insert(
            "code".to_owned(),
            "Mã cuộc thi chỉ gồm chữ thường không dấu, chữ số, '-' hoặc '_' (tối đa 64 ký tự)."
                .to_owned(),
        );
    }
    let title = clean_title(&spec.title, &mut fields);
    let description = clean_description(spec.description.as_deref(), &mut fields);
    let rules = clean_rules(spec.rules.as_deref(), &mut fields);
    let categories = clean_categories(db, &spec.categories, &mut fields).await?;
    let status = spec.status.unwrap_or_default();
    if !lifecycle::CREATED_AS.contains(&status) {
        fields.insert(
            "status".to_owned(),
            "Cuộc thi mới chỉ có thể là bản nháp (draft) hoặc đã công bố (published).".to_owned(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let now = Utc::now();
    let created = contest::ActiveModel {
        code: Set(code),
        title: Set(title),
        description: Set(description),
        rules: Set(rules),
        categories: Set(serde_json::to_string(&categories).map_err(anyhow::Error::from)?),
        created_at: Set(now),
        updated_at: Set(now),
        status: Set(status),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| {
        map_unique(
            e,
            &[("code", "contest_code_taken", "Mã cuộc thi đã tồn tại.")],
        )
    })?;
    crate::audit::record(
        db,
        actor,
        "contest.create",
        Some(("contest", created.id)),
        json!({"code": created.code, "status": created.status}),
    )
    .await?;
    Ok(created)
}

/// The Vietnamese name of a difficulty.
pub fn difficulty_vi(d: Difficulty) -> &'static str {
    match d {
        Difficulty::Easy => "dễ",
        Difficulty::Medium => "trung bình",
        Difficulty::Hard => "khó",
    }
}

/// Loads a contest, or 404.
pub async fn load_contest<C: ConnectionTrait>(db: &C, contest_id: i64) -> Result<contest::Model> {
    contest::Entity::find_by_id(contest_id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Every round of a contest, in opening order.
pub async fn rounds_of<C: ConnectionTrait>(db: &C, contest_id: i64) -> Result<Vec<round::Model>> {
    Ok(round::Entity::find()
        .filter(round::Column::ContestId.eq(contest_id))
        .order_by_asc(round::Column::OpensAt)
        .order_by_asc(round::Column::Id)
        .all(db)
        .await?)
}

/// A contest.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContestView {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub description: Option<String>,
    pub rules: Option<String>,
    /// Categories of participants (đối tượng) who may take part.
    pub categories: Vec<String>,
    /// Where the contest is in its life cycle.
    pub status: contest::Status,
    /// Months after finishing that participants' phone, email, CCCD and birth date are
    /// kept (Decree 13/2023, #16).
    pub retention_months: i32,
    /// When the contest finished (the retention period runs from here).
    pub finished_at: Option<DateTime<Utc>>,
    /// When the retention period runs out (finished contests only).
    pub retention_ends: Option<DateTime<Utc>>,
    /// When its participants were anonymised, if they were.
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// A contest as the API shows it.
pub fn contest_view(c: &contest::Model) -> Result<ContestView> {
    Ok(ContestView {
        id: c.id,
        code: c.code.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        rules: c.rules.clone(),
        categories: c.categories()?,
        status: c.status,
        retention_months: c.retention_months,
        finished_at: c.finished_at,
        retention_ends: crate::accounts::anonymise::retention_ends(c),
        anonymised_at: c.anonymised_at,
    })
}

/// Shared handle to the engine.
pub type SharedEngine = Arc<Engine>;
