//! The organiser's dashboard (`/organiser`, `GET /api/v1/dashboard`, issue #15): what is
//! happening today and in total, each open round's participation and scores, the units
//! with the highest and lowest participation per block, and what needs attention in the
//! next 24 hours.
//!
//! Nothing here scans attempts per view: per-round numbers come from the same snapshots
//! as the public boards ([`super::boards::Boards`]), and the few aggregate counts (and the
//! duplicate-account check) are cached for a few seconds ([`Engine::dashboard`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;

use super::boards::{BoardEntry, UnitStats};
use super::{Engine, RoundStatus, draw, draw_rules, effective_close, round_status};
use crate::accounts::Role;
use crate::entities::contest::Status as ContestStatus;
use crate::entities::{attempt, contest, round, user};
use crate::error::Result;
use crate::state::AppState;
use crate::vn_time;

/// How far ahead the warnings look.
pub const HORIZON_HOURS: i64 = 24;
/// Units listed at each end of a block's participation ranking.
pub const UNITS_PER_END: usize = 5;

/// Counts over a period (today in Vietnam time, or all time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// Participant accounts registered.
    pub registrations: u64,
    /// Attempts started (practice rounds included).
    pub attempts_started: u64,
    /// Attempts finished: submitted, or finalised at their deadline.
    pub submitted: u64,
}

/// The cached aggregate counts of one Vietnam day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CachedCounts {
    pub today: Counts,
    pub total: Counts,
    pub in_progress: u64,
    /// Groups of duplicate-looking accounts with two or more not voided.
    pub duplicate_groups: u64,
}

/// A unit in a block's participation ranking.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitRate {
    pub unit_code: String,
    pub unit_name: String,
    pub participants: i64,
    pub headcount: i64,
    /// participants / headcount.
    pub participation_rate: f64,
}

/// One block's (khối) units with the highest and the lowest participation rate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BlockRates {
    pub block: String,
    /// Up to five, highest rate first.
    pub highest: Vec<UnitRate>,
    /// Up to five, lowest rate first.
    pub lowest: Vec<UnitRate>,
}

/// An open ranked round of a published contest, from its snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OpenRoundStats {
    pub round_id: i64,
    pub contest_id: i64,
    pub contest_title: String,
    pub title: String,
    pub closes_at: DateTime<Utc>,
    /// Participants with a counted (finished) attempt.
    pub participants: u64,
    /// The median of their best scores (null with no participant).
    pub median_score: Option<f64>,
    pub max_score: Option<i32>,
    /// Share of participants with a perfect score, 0 to 1.
    pub perfect_share: f64,
    /// Per block, the units with the highest and lowest participation rate.
    pub blocks: Vec<BlockRates>,
}

/// Something that needs the organisers' attention.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Warning {
    /// `draw_short` (a round opening within 24 h whose draw the banks cannot fill),
    /// `round_closing` (a round closing within 24 h) or `duplicates_waiting`.
    pub code: &'static str,
    /// What to do, in Vietnamese.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_id: Option<i64>,
    /// When the round opens (`draw_short`) or closes (`round_closing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// How many groups of accounts (`duplicates_waiting`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// The organiser's dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// The server's time the numbers are for.
    pub now: DateTime<Utc>,
    /// The Vietnam calendar day "today" means.
    pub day: NaiveDate,
    pub today: Counts,
    pub total: Counts,
    /// Attempts running now.
    pub in_progress: u64,
    pub open_rounds: Vec<OpenRoundStats>,
    pub warnings: Vec<Warning>,
}

/// The instant a Vietnam calendar day starts.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(vn_time::OFFSET)
        .single()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// The median of some scores (the mean of the middle two for an even count).
pub fn median(scores: &mut [i32]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    scores.sort_unstable();
    let mid = scores.len() / 2;
    Some(if scores.len() % 2 == 1 {
        f64::from(scores[mid])
    } else {
        (f64::from(scores[mid - 1]) + f64::from(scores[mid])) / 2.0
    })
}

/// The share of entries with a perfect score.
pub fn perfect_share(entries: &[BoardEntry]) -> f64 {
    if entries.is_empty() {
        return 0.0;
    }
    let perfect = entries.iter().filter(|e| e.score == e.max_score).count();
    perfect as f64 / entries.len() as f64
}

/// Per block, the units with the highest and the lowest participation rate. Units without
/// a block or a headcount have no rate and are left out; ties go by unit code.
pub fn block_rates(units: &[UnitStats]) -> Vec<BlockRates> {
    let mut by_block: BTreeMap<&str, Vec<&UnitStats>> = BTreeMap::new();
    for u in units.iter().filter(|u| u.headcount > 0) {
        if let Some(block) = u.block.as_deref().filter(|b| !b.is_empty()) {
            by_block.entry(block).or_default().push(u);
        }
    }
    let rate = |u: &UnitStats| UnitRate {
        unit_code: u.unit_code.clone(),
        unit_name: u.unit_name.clone(),
        participants: u.participants,
        headcount: u.headcount,
        participation_rate: u.participation_rate,
    };
    by_block
        .into_iter()
        .map(|(block, mut list)| {
            list.sort_by(|a, b| {
                b.participation_rate
                    .total_cmp(&a.participation_rate)
                    .then_with(|| a.unit_code.cmp(&b.unit_code))
            });
            let highest = list.iter().take(UNITS_PER_END).map(|u| rate(u)).collect();
            list.sort_by(|a, b| {
                a.participation_rate
                    .total_cmp(&b.participation_rate)
                    .then_with(|| a.unit_code.cmp(&b.unit_code))
            });
            let lowest = list.iter().take(UNITS_PER_END).map(|u| rate(u)).collect();
            BlockRates {
                block: block.to_owned(),
                highest,
                lowest,
            }
        })
        .collect()
}

/// The first quota of a round's draw that its banks cannot fill now, as the round
/// validation words it (`None`: every draw can be filled). The same check as creating a
/// round ([`draw::check`] over the banks' current questions), so a bank re-imported with
/// fewer questions since shows here.
pub async fn draw_shortfall<C: ConnectionTrait>(
    db: &C,
    engine: &Engine,
    r: &round::Model,
) -> Result<Option<String>> {
    let rules = draw_rules(r)?;
    let sets = std::iter::once(("draw".to_owned(), &rules.default)).chain(
        rules
            .by_category
            .iter()
            .map(|(cat, q)| (format!("draw_by_category.{cat}"), q)),
    );
    for (name, quotas) in sets {
        let mut bank_ids: Vec<i64> = quotas.iter().map(|q| q.bank_id).collect();
        bank_ids.sort_unstable();
        bank_ids.dedup();
        let mut pool = Vec::new();
        for id in bank_ids {
            pool.extend(engine.pools.bank(db, id).await?.candidates.iter().cloned());
        }
        if let Err(short) = draw::check(&pool, quotas) {
            return Ok(Some(format!(
                "nhóm câu hỏi {name}[{}] cần {} câu nhưng ngân hàng chỉ đủ {} câu (thiếu {} câu)",
                short.quota,
                short.requested,
                short.available,
                short.missing()
            )));
        }
    }
    Ok(None)
}

/// The aggregate counts, read from the database (cached by [`build`]).
async fn load_counts(state: &AppState, day: NaiveDate, now: DateTime<Utc>) -> Result<CachedCounts> {
    let db = &state.db.read;
    let since = start_of_day(day);
    let participants = || user::Entity::find().filter(user::Column::Role.eq(Role::Participant));
    let finished =
        || attempt::Entity::find().filter(attempt::Column::Status.eq(attempt::Status::Finished));
    let total = Counts {
        registrations: participants().count(db).await?,
        attempts_started: attempt::Entity::find().count(db).await?,
        submitted: finished().count(db).await?,
    };
    let today = Counts {
        registrations: participants()
            .filter(user::Column::CreatedAt.gte(since))
            .count(db)
            .await?,
        attempts_started: attempt::Entity::find()
            .filter(attempt::Column::StartedAt.gte(since))
            .count(db)
            .await?,
        submitted: finished()
            .filter(attempt::Column::FinishedAt.gte(since))
            .count(db)
            .await?,
    };
    let in_progress = attempt::Entity::find()
        .filter(attempt::Column::Status.eq(attempt::Status::InProgress))
        .filter(attempt::Column::Deadline.gt(now - state.engine.grace))
        .count(db)
        .await?;
    let duplicate_groups = crate::accounts::participants::duplicate_groups(state)
        .await?
        .iter()
        .filter(|g| g.participants.iter().filter(|p| !p.voided).count() > 1)
        .count() as u64;
    Ok(CachedCounts {
        today,
        total,
        in_progress,
        duplicate_groups,
    })
}

/// Builds the dashboard at the engine's time.
pub async fn build(state: &AppState) -> Result<Dashboard> {
    let engine = &state.engine;
    let db = &state.db.read;
    let now = engine.now();
    let day = vn_time::naive(now).date();
    let counts = engine
        .dashboard
        .get_or_load(day, || load_counts(state, day, now))
        .await?;
    let contests: BTreeMap<i64, contest::Model> = contest::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut rounds = round::Entity::find().all(db).await?;
    rounds.sort_by_key(|r| (r.opens_at, r.id));
    let horizon = now + Duration::hours(HORIZON_HOURS);
    let mut open_rounds = Vec::new();
    let mut warnings = Vec::new();
    for r in &rounds {
        let Some(c) = contests.get(&r.contest_id) else {
            continue;
        };
        let status = round_status(r, now);
        let live_contest = matches!(c.status, ContestStatus::Draft | ContestStatus::Published);
        if status == RoundStatus::Upcoming
            && live_contest
            && r.opens_at <= horizon
            && let Some(what) = draw_shortfall(db, engine, r).await?
        {
            warnings.push(Warning {
                code: "draw_short",
                message: format!(
                    "Vòng «{}» ({}) mở lúc {} nhưng không rút được đề: {}. Hãy bổ sung ngân hàng câu hỏi hoặc sửa cách rút đề.",
                    r.title,
                    c.title,
                    vn_time::display(r.opens_at),
                    what
                ),
                round_id: Some(r.id),
                at: Some(r.opens_at),
                count: None,
            });
        }
        if status != RoundStatus::Open || c.status != ContestStatus::Published {
            continue;
        }
        let closes = effective_close(r);
        if closes <= horizon {
            warnings.push(Warning {
                code: "round_closing",
                message: format!(
                    "Vòng «{}» ({}) đóng lúc {}.",
                    r.title,
                    c.title,
                    vn_time::display(closes)
                ),
                round_id: Some(r.id),
                at: Some(closes),
                count: None,
            });
        }
        if r.practice {
            continue;
        }
        let snapshot = engine.boards.snapshot(db, r).await?;
        let mut scores: Vec<i32> = snapshot.entries.iter().map(|e| e.score).collect();
        open_rounds.push(OpenRoundStats {
            round_id: r.id,
            contest_id: c.id,
            contest_title: c.title.clone(),
            title: r.title.clone(),
            closes_at: closes,
            participants: snapshot.entries.len() as u64,
            median_score: median(&mut scores),
            max_score: snapshot.entries.iter().map(|e| e.max_score).max(),
            perfect_share: perfect_share(&snapshot.entries),
            blocks: block_rates(&snapshot.units),
        });
    }
    if counts.duplicate_groups > 0 {
        warnings.push(Warning {
            code: "duplicates_waiting",
            message: format!(
                "{} nhóm tài khoản có dấu hiệu trùng lặp đang chờ xem xét.",
                counts.duplicate_groups
            ),
            round_id: None,
            at: None,
            count: Some(counts.duplicate_groups),
        });
    }
    Ok(Dashboard {
        now,
        day,
        today: counts.today,
        total: counts.total,
        in_progress: counts.in_progress,
        open_rounds,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, block: Option<&str>, headcount: i64, participants: i64) -> UnitStats {
        UnitStats {
            unit_code: code.into(),
            unit_name: code.into(),
            parent_code: None,
            kind: "commune".into(),
            block: block.map(Into::into),
            headcount,
            participants,
            participation_rate: if headcount > 0 {
                participants as f64 / headcount as f64
            } else {
                0.0
            },
            attempts: participants,
            avg_best_score: 0.0,
            perfect_scores: 0,
            scores_hidden: false,
        }
    }

    #[test]
    fn the_median_is_the_middle_score_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7]), Some(7.0));
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [10, 4, 6, 20]), Some(8.0));
    }

    #[test]
    fn a_vietnam_day_starts_at_17_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(start_of_day(day).to_rfc3339(), "2026-12-02T17:00:00+00:00");
    }

    #[test]
    fn each_block_lists_its_five_highest_and_lowest_rates() {
        let mut units: Vec<UnitStats> = (0..7)
            .map(|i| unit(&format!("X{i}"), Some("xa"), 10, i))
            .collect();
        units.push(unit("S1", Some("so"), 10, 5));
        units.push(unit("NOHEAD", Some("xa"), 0, 3));
        units.push(unit("NOBLOCK", None, 10, 10));
        let blocks = block_rates(&units);
        assert_eq!(blocks.len(), 2);
        let so = &blocks[0];
        assert_eq!(
            (so.block.as_str(), so.highest.len(), so.lowest.len()),
            ("so", 1, 1)
        );
        let xa = &blocks[1];
        let codes = |l: &[UnitRate]| l.iter().map(|u| u.unit_code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(&xa.highest), ["X6", "X5", "X4", "X3", "X2"]);
        assert_eq!(codes(&xa.lowest), ["X0", "X1", "X2", "X3", "X4"]);
    }
}
