//! A contest season in one step (issue #15): N rounds from a pattern — the first opening,
//! a period (weekly by default), how long each stays open, and the settings of one round
//! with a title pattern such as "Tuần {n}" — checked once as creating a round is, then
//! stored together in one transaction. Each round is an ordinary round afterwards,
//! editable on its own.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::Deserialize;
use serde_json::json;

use super::draw::Order;
use super::{Engine, PredictionSpec, QuotaSpec, RoundSpec, check_round, insert_round};
use crate::entities::round::{self, ScoreShown};
use crate::error::{AppError, Result};
use crate::text;

/// The most rounds one season creates: a year of weekly rounds.
pub const MAX_ROUNDS: i64 = 52;
/// The period when none is given: weekly.
pub const DEFAULT_PERIOD_DAYS: i64 = 7;
/// Where the round's number goes in the title pattern.
pub const NUMBER: &str = "{n}";

/// The settings every round of a season shares: the body of a round without its times;
/// `title` is a pattern where `{n}` is the round's number (1, 2, …).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeasonRound {
    /// E.g. "Tuần {n}"; without `{n}` the number is added at the end.
    #[schema(min_length = 1, max_length = 290, example = "Tuần {n}")]
    pub title: String,
    #[schema(minimum = 30, maximum = 21600)]
    pub time_limit_secs: i64,
    /// 0 for no limit.
    #[schema(minimum = 0, maximum = 1000)]
    pub max_attempts: i64,
    #[serde(default)]
    pub practice: bool,
    pub draw: Vec<QuotaSpec>,
    pub draw_by_category: Option<BTreeMap<String, Vec<QuotaSpec>>>,
    pub order: Option<Order>,
    pub prediction: Option<PredictionSpec>,
    #[serde(default)]
    pub score_shown: ScoreShown,
    #[serde(default)]
    pub allow_overlap: bool,
}

/// The body of `POST /api/v1/contests/{id}/season`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeasonSpec {
    /// When round 1 opens; round n opens `(n - 1) × period_days` later.
    pub first_opens_at: DateTime<Utc>,
    /// Days between two openings (default 7: weekly).
    #[schema(minimum = 1, maximum = 366)]
    pub period_days: Option<i64>,
    /// How many rounds.
    #[schema(minimum = 1, maximum = 52)]
    pub count: i64,
    /// How long each round stays open, at most the period (rounds never overlap).
    #[schema(minimum = 1)]
    pub open_hours: i64,
    pub round: SeasonRound,
}

/// The title of round `n` from a pattern.
pub fn title_of(pattern: &str, n: i64) -> String {
    let pattern = text::clean(pattern);
    if pattern.contains(NUMBER) {
        pattern.replace(NUMBER, &n.to_string())
    } else {
        format!("{pattern} {n}")
    }
}

/// Checks the season's bounds (count, period, hours open); each problem names its field.
pub fn check_bounds(spec: &SeasonSpec) -> Result<()> {
    let mut fields = BTreeMap::new();
    let period = spec.period_days.unwrap_or(DEFAULT_PERIOD_DAYS);
    if !(1..=MAX_ROUNDS).contains(&spec.count) {
        fields.insert(
            "count".to_owned(),
            format!("Số vòng thi phải từ 1 đến {MAX_ROUNDS}."),
        );
    }
    if !(1..=366).contains(&period) {
        fields.insert(
            "period_days".to_owned(),
            "Chu kỳ phải từ 1 đến 366 ngày.".to_owned(),
        );
    } else if !(1..=period * 24).contains(&spec.open_hours) {
        fields.insert(
            "open_hours".to_owned(),
            format!(
                "Mỗi vòng thi mở từ 1 đến {} giờ (không quá chu kỳ, để các vòng thi không chồng lên nhau).",
                period * 24
            ),
        );
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation { fields })
    }
}

/// The round specs of a season, in order (its bounds checked first).
pub fn round_specs(spec: &SeasonSpec) -> Result<Vec<RoundSpec>> {
    check_bounds(spec)?;
    let period = Duration::days(spec.period_days.unwrap_or(DEFAULT_PERIOD_DAYS));
    let r = &spec.round;
    Ok((1..=spec.count)
        .map(|n| {
            let opens_at = spec.first_opens_at + period * (n - 1) as i32;
            RoundSpec {
                title: title_of(&r.title, n),
                opens_at,
                closes_at: opens_at + Duration::hours(spec.open_hours),
                time_limit_secs: r.time_limit_secs,
                max_attempts: r.max_attempts,
                practice: r.practice,
                draw: r.draw.clone(),
                draw_by_category: r.draw_by_category.clone(),
                order: r.order,
                prediction: r.prediction.clone(),
                score_shown: r.score_shown,
                allow_overlap: r.allow_overlap,
            }
        })
        .collect())
}

/// Creates every round of a season in one transaction, or none: the first round is checked
/// as creating a round is ([`check_round`]; the others differ only in title and times),
/// each title as a round's title.
pub async fn create_season(
    db: &DatabaseConnection,
    engine: &Engine,
    contest_id: i64,
    spec: SeasonSpec,
    actor: Option<i64>,
) -> Result<Vec<round::Model>> {
    let specs = round_specs(&spec)?;
    let Some(first) = specs.first() else {
        return Err(AppError::field("count", "Cần ít nhất một vòng thi."));
    };
    let rules = check_round(db, engine, contest_id, first).await?;
    if let Some(long) = specs
        .iter()
        .find(|s| text::char_len(&text::clean(&s.title)) > 300)
    {
        return Err(AppError::field(
            "round.title",
            format!("Tên vòng thi «{}» dài quá 300 ký tự.", long.title),
        ));
    }
    let txn = db.begin().await?;
    let mut created = Vec::with_capacity(specs.len());
    for s in specs {
        created.push(insert_round(&txn, contest_id, s, &rules, actor).await?);
    }
    crate::audit::record(
        &txn,
        actor,
        "season.create",
        Some(("contest", contest_id)),
        json!({
            "count": spec.count,
            "first_opens_at": spec.first_opens_at,
            "period_days": spec.period_days.unwrap_or(DEFAULT_PERIOD_DAYS),
            "open_hours": spec.open_hours,
            "title": spec.round.title,
            "rounds": created.iter().map(|r| r.id).collect::<Vec<_>>(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(count: i64, period_days: Option<i64>, open_hours: i64) -> SeasonSpec {
        SeasonSpec {
            first_opens_at: "2026-12-07T02:00:00Z".parse().unwrap(),
            period_days,
            count,
            open_hours,
            round: SeasonRound {
                title: "Tuần {n}".into(),
                time_limit_secs: 1200,
                max_attempts: 3,
                practice: false,
                draw: Vec::new(),
                draw_by_category: None,
                order: None,
                prediction: None,
                score_shown: ScoreShown::OnSubmit,
                allow_overlap: false,
            },
        }
    }

    #[test]
    fn a_weekly_season_opens_a_round_every_seven_days_titled_by_its_number() {
        let specs = round_specs(&spec(8, None, 167)).unwrap();
        assert_eq!(specs.len(), 8);
        for (i, s) in specs.iter().enumerate() {
            assert_eq!(s.title, format!("Tuần {}", i + 1));
            assert_eq!(s.closes_at - s.opens_at, Duration::hours(167));
        }
        assert_eq!(specs[7].opens_at - specs[0].opens_at, Duration::days(49));
        // Never overlapping: each closes no later than the next opens.
        assert!(specs.windows(2).all(|w| w[0].closes_at <= w[1].opens_at));
    }

    #[test]
    fn bounds_are_refused_naming_their_fields() {
        let fields = |s: SeasonSpec| match check_bounds(&s) {
            Err(AppError::Validation { fields }) => fields.into_keys().collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields(spec(0, None, 10)), ["count"]);
        assert_eq!(fields(spec(53, None, 10)), ["count"]);
        assert_eq!(fields(spec(4, Some(0), 10)), ["period_days"]);
        assert_eq!(fields(spec(4, Some(1), 25)), ["open_hours"]);
        assert_eq!(fields(spec(4, None, 0)), ["open_hours"]);
        assert!(check_bounds(&spec(52, Some(1), 24)).is_ok());
    }

    #[test]
    fn a_pattern_without_a_number_gets_one_at_the_end() {
        assert_eq!(title_of("Đợt thi", 3), "Đợt thi 3");
        assert_eq!(title_of("Tuần {n} — Chủ đề", 2), "Tuần 2 — Chủ đề");
    }
}
