//! Editing a round by rules that keep it fair (issue #15), closing it early with a reason,
//! and the dated notices that tell participants what changed.
//!
//! - **Before it opens** everything may change, checked as creating a round is
//!   ([`super::check_round`]: every quota fillable, no practice/ranked overlap…).
//! - **Once open** only the title, the closing time (later, or earlier but never before
//!   now) and the number of attempts (raised only) may change: participants are already
//!   drawing questions under the rest. A moved close moves the deadline of every attempt
//!   in progress to `min(start + limit, close)` — an extension gives capped attempts their
//!   full time, an earlier close shortens them — in the same transaction, and the saves'
//!   in-memory copy of those attempts is dropped so the next save reads the new deadline.
//! - **Once closed** only the title may change (results are being settled or are final),
//!   and nothing of a round of a finished or archived contest.
//!
//! Only fields whose value changes count, so sending a form back unchanged is never
//! refused. Every change a participant may have met is written as a notice
//! (`round_notices`), shown on the round in the API, the contest page and the attempt page.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::draw::Order;
use super::{
    DrawRules, Engine, PredictionSpec, QuotaSpec, RoundSpec, RoundStatus, RoundView, draw_rules,
    effective_close, round_status, round_view,
};
use crate::db::OneByKey;
use crate::entities::attempt;
use crate::entities::contest::Status as ContestStatus;
use crate::entities::round::{self, ScoreShown};
use crate::entities::round_notice::{self, Kind};
use crate::error::{AppError, Result};
use crate::{text, vn_time};

mod closing;
mod notices;

pub use closing::*;
pub use notices::*;

/// The body of `PATCH /api/v1/rounds/{id}`: the fields to change, each optional. Before
/// the round opens any may change; once open only `title`, `closes_at` and `max_attempts`
/// (raised only); once closed only `title`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundChange {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    /// Once open: later (an extension) or earlier, but not before now.
    pub closes_at: Option<DateTime<Utc>>,
    #[schema(minimum = 30, maximum = 21600)]
    pub time_limit_secs: Option<i64>,
    /// 0 for no limit. Once open: raised only.
    #[schema(minimum = 0, maximum = 1000)]
    pub max_attempts: Option<i64>,
    pub practice: Option<bool>,
    pub draw: Option<Vec<QuotaSpec>>,
    pub draw_by_category: Option<BTreeMap<String, Vec<QuotaSpec>>>,
    pub order: Option<Order>,
    pub prediction: Option<PredictionSpec>,
    pub score_shown: Option<ScoreShown>,
    pub allow_overlap: Option<bool>,
}

impl RoundChange {
    fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.opens_at.is_none()
            && self.closes_at.is_none()
            && self.time_limit_secs.is_none()
            && self.max_attempts.is_none()
            && self.practice.is_none()
            && self.draw.is_none()
            && self.draw_by_category.is_none()
            && self.order.is_none()
            && self.prediction.is_none()
            && self.score_shown.is_none()
            && self.allow_overlap.is_none()
    }
}

/// The quotas of stored draw rules as a spec takes them (banks by id).
fn quota_specs(quotas: &[super::Quota]) -> Vec<QuotaSpec> {
    quotas
        .iter()
        .map(|q| QuotaSpec {
            bank: json!(q.bank_id),
            topic: q.topic.clone(),
            difficulty: q.difficulty,
            count: q.count as i64,
        })
        .collect()
}

/// The spec of a stored round with `change` applied: what creating it would have taken.
fn spec_with(current: &round::Model, rules: &DrawRules, change: &RoundChange) -> RoundSpec {
    let by_category = change.draw_by_category.clone().or_else(|| {
        (!rules.by_category.is_empty()).then(|| {
            rules
                .by_category
                .iter()
                .map(|(k, q)| (k.clone(), quota_specs(q)))
                .collect()
        })
    });
    RoundSpec {
        title: change
            .title
            .clone()
            .unwrap_or_else(|| current.title.clone()),
        opens_at: change.opens_at.unwrap_or(current.opens_at),
        closes_at: change.closes_at.unwrap_or(current.closes_at),
        time_limit_secs: change
            .time_limit_secs
            .unwrap_or(i64::from(current.time_limit_secs)),
        max_attempts: change
            .max_attempts
            .unwrap_or(i64::from(current.max_attempts)),
        practice: change.practice.unwrap_or(current.practice),
        draw: change
            .draw
            .clone()
            .unwrap_or_else(|| quota_specs(&rules.default)),
        draw_by_category: by_category,
        order: Some(change.order.unwrap_or(current.question_order)),
        prediction: change.prediction.clone().or_else(|| {
            match (&current.prediction_question, current.prediction_answer) {
                (Some(question), Some(answer)) => Some(PredictionSpec {
                    question: question.clone(),
                    answer,
                }),
                _ => None,
            }
        }),
        score_shown: change.score_shown.unwrap_or(current.score_shown),
        allow_overlap: change.allow_overlap.unwrap_or(current.allow_overlap),
    }
}

/// `round_locked`, naming each field that may no longer change with why; the message
/// gives each reason once.
pub fn locked(fields: &[(&str, &str)]) -> AppError {
    let named: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let mut reasons: Vec<&str> = fields.iter().map(|(_, why)| *why).collect();
    reasons.sort_unstable();
    reasons.dedup();
    AppError::conflict_with(
        "round_locked",
        reasons.join(" "),
        Map::from_iter([("fields".into(), Value::Object(named))]),
    )
}

const OPEN_LOCK: &str = "Vòng thi đã mở: chỉ sửa được tên, giờ đóng và tăng số lượt thi.";
const CLOSED_LOCK: &str = "Vòng thi đã kết thúc: chỉ sửa được tên vòng thi.";
const CONTEST_LOCK: &str = "Cuộc thi đã kết thúc, vòng thi không thể sửa.";
const FEWER_ATTEMPTS: &str = "Vòng thi đã mở: chỉ được tăng số lượt thi, không được giảm.";

/// What may change of a round in `status` (of a contest in `contest`): the fields in
/// `edited` (those whose value changes) that may not, each with why. `raises` tells
/// whether a changed `max_attempts` is a raise (0 means unlimited).
pub fn refused_edits(
    contest: ContestStatus,
    status: RoundStatus,
    edited: &[&str],
    raises: bool,
) -> Vec<(String, &'static str)> {
    let frozen = matches!(contest, ContestStatus::Finished | ContestStatus::Archived);
    edited
        .iter()
        .filter_map(|&field| {
            let why = if frozen {
                Some(CONTEST_LOCK)
            } else {
                match (status, field) {
                    (_, "title") | (RoundStatus::Upcoming, _) => None,
                    (RoundStatus::Open, "closes_at") => None,
                    (RoundStatus::Open, "max_attempts") => (!raises).then_some(FEWER_ATTEMPTS),
                    (RoundStatus::Open, _) => Some(OPEN_LOCK),
                    (RoundStatus::Closed, _) => Some(CLOSED_LOCK),
                }
            };
            why.map(|w| (field.to_owned(), w))
        })
        .collect()
}

/// Whether `to` attempts allowed is more than `from` (0 is unlimited, the most).
pub fn is_raise(from: i64, to: i64) -> bool {
    match (from, to) {
        (0, _) => false,
        (_, 0) => true,
        (f, t) => t > f,
    }
}

/// Applies a change to a round in one transaction: refuses fields that may no longer
/// change (409 `round_locked` naming them), validates the rest as creating a round does
/// (422), moves the deadlines of attempts in progress with the close, writes a notice for
/// each change participants may have met, and records the changed fields before and after
/// in the audit trail. A change that changes nothing writes nothing.
pub async fn update_round(
    db: &DatabaseConnection,
    engine: &Engine,
    round_id: i64,
    change: RoundChange,
    actor: Option<i64>,
) -> Result<round::Model> {
    if change.is_empty() {
        return Err(AppError::field(
            "body",
            "Cần ít nhất một trường để sửa, ví dụ title, closes_at hoặc max_attempts.",
        ));
    }
    let current = super::attempts::load_round(db, round_id).await?;
    let contest = super::load_contest(db, current.contest_id).await?;
    let now = engine.now();
    let status = round_status(&current, now);
    let rules = draw_rules(&current)?;
    let spec = spec_with(&current, &rules, &change);
    let title = text::clean(&spec.title);

    // Which fields change value.
    let mut edited: Vec<&str> = Vec::new();
    if change.title.is_some() && title != current.title {
        edited.push("title");
    }
    if spec.opens_at != current.opens_at {
        edited.push("opens_at");
    }
    if spec.closes_at != current.closes_at {
        edited.push("closes_at");
    }
    if spec.time_limit_secs != i64::from(current.time_limit_secs) {
        edited.push("time_limit_secs");
    }
    if spec.max_attempts != i64::from(current.max_attempts) {
        edited.push("max_attempts");
    }
    if spec.practice != current.practice {
        edited.push("practice");
    }
    if change.draw.is_some() || change.draw_by_category.is_some() {
        edited.push("draw");
    }
    if spec.order != Some(current.question_order) {
        edited.push("order");
    }
    if change.prediction.as_ref().is_some_and(|p| {
        Some(text::clean(&p.question)) != current.prediction_question
            || Some(p.answer) != current.prediction_answer
    }) {
        edited.push("prediction");
    }
    if spec.score_shown != current.score_shown {
        edited.push("score_shown");
    }
    if spec.allow_overlap != current.allow_overlap {
        edited.push("allow_overlap");
    }
    let raises = is_raise(i64::from(current.max_attempts), spec.max_attempts);
    let refused = refused_edits(contest.status, status, &edited, raises);
    if !refused.is_empty() {
        let pairs: Vec<(&str, &str)> = refused.iter().map(|(f, w)| (f.as_str(), *w)).collect();
        return Err(locked(&pairs));
    }

    // Validate as creating does: the whole spec before opening, the open fields after.
    let new_rules = if status == RoundStatus::Upcoming && edited.iter().any(|f| *f != "title") {
        Some(check_edited(db, engine, &current, &spec).await?)
    } else {
        check_open_fields(&title, &spec, &current, now)?;
        None
    };
    if edited.is_empty() {
        return Ok(current);
    }

    let mut before = Map::new();
    let mut after = Map::new();
    let mut update = round::ActiveModel {
        id: Set(current.id),
        ..Default::default()
    };
    let mut note = |field: &str, old: Value, new: Value| {
        before.insert(field.to_owned(), old);
        after.insert(field.to_owned(), new);
    };
    for field in &edited {
        match *field {
            "title" => {
                note("title", json!(current.title), json!(title));
                update.title = Set(title.clone());
            }
            "opens_at" => {
                note("opens_at", json!(current.opens_at), json!(spec.opens_at));
                update.opens_at = Set(spec.opens_at);
            }
            "closes_at" => {
                note("closes_at", json!(current.closes_at), json!(spec.closes_at));
                update.closes_at = Set(spec.closes_at);
            }
            "time_limit_secs" => {
                note(
                    "time_limit_secs",
                    json!(current.time_limit_secs),
                    json!(spec.time_limit_secs),
                );
                update.time_limit_secs = Set(spec.time_limit_secs as i32);
            }
            "max_attempts" => {
                note(
                    "max_attempts",
                    json!(current.max_attempts),
                    json!(spec.max_attempts),
                );
                update.max_attempts = Set(spec.max_attempts as i32);
            }
            "practice" => {
                note("practice", json!(current.practice), json!(spec.practice));
                update.practice = Set(spec.practice);
            }
            "draw" => {
                if let Some(r) = &new_rules {
                    note("draw", json!(rules), json!(r));
                    update.draw = Set(serde_json::to_string(r).map_err(anyhow::Error::from)?);
                }
            }
            "order" => {
                let order = spec.order.unwrap_or(current.question_order);
                note("order", json!(current.question_order), json!(order));
                update.question_order = Set(order);
            }
            "prediction" => {
                let p = spec.prediction.as_ref();
                note(
                    "prediction",
                    json!(current.prediction_question),
                    json!(p.map(|p| text::clean(&p.question))),
                );
                update.prediction_question = Set(p.map(|p| text::clean(&p.question)));
                update.prediction_answer = Set(p.map(|p| p.answer));
            }
            "score_shown" => {
                note(
                    "score_shown",
                    json!(current.score_shown),
                    json!(spec.score_shown),
                );
                update.score_shown = Set(spec.score_shown);
            }
            "allow_overlap" => {
                note(
                    "allow_overlap",
                    json!(current.allow_overlap),
                    json!(spec.allow_overlap),
                );
                update.allow_overlap = Set(spec.allow_overlap);
            }
            _ => {}
        }
    }
    let close_moves = edited.contains(&"closes_at");
    let new_close = current
        .closed_at
        .map_or(spec.closes_at, |c| c.min(spec.closes_at));
    if close_moves && new_close > now && current.settled_at.is_some() {
        // Open again: it must be settled again once it closes.
        update.settled_at = Set(None);
        update.prediction_actual = Set(None);
    }

    let txn = db.begin().await?;
    let updated = update.update(&txn).await?;
    let mut moved = Vec::new();
    if close_moves && status == RoundStatus::Open {
        moved = move_deadlines(
            &txn,
            current.id,
            i64::from(current.time_limit_secs),
            effective_close(&updated),
            now,
            engine.grace,
        )
        .await?;
        let kind = if spec.closes_at > current.closes_at {
            Kind::Extended
        } else {
            Kind::ClosesEarlier
        };
        add_notice(
            &txn,
            current.id,
            kind,
            json!({"closes_at": spec.closes_at, "was": current.closes_at}),
            now,
            actor,
        )
        .await?;
    }
    if status == RoundStatus::Open && edited.contains(&"max_attempts") {
        add_notice(
            &txn,
            current.id,
            Kind::AttemptsRaised,
            json!({"max_attempts": spec.max_attempts, "was": current.max_attempts}),
            now,
            actor,
        )
        .await?;
    }
    crate::audit::record(
        &txn,
        actor,
        "round.update",
        Some(("round", current.id)),
        json!({"before": before, "after": after, "attempts_moved": moved.len()}),
    )
    .await?;
    txn.commit().await?;
    forget(engine, current.id, &moved).await;
    Ok(updated)
}

/// Checks an upcoming round's edited spec as creating it would (see
/// [`super::check_round`]); the round itself, stored under its old kind, is not an overlap
/// of its new kind.
async fn check_edited(
    db: &DatabaseConnection,
    engine: &Engine,
    current: &round::Model,
    spec: &RoundSpec,
) -> Result<DrawRules> {
    match super::check_round(db, engine, current.contest_id, spec).await {
        Err(AppError::Unprocessable { code, details, .. })
            if matches!(code, "overlaps_ranked_round" | "overlaps_practice_round")
                && details.get("round_id") == Some(&json!(current.id))
                && details.get("rounds") == Some(&json!(1)) =>
        {
            let with_overlap = RoundSpec {
                allow_overlap: true,
                ..spec.clone()
            };
            super::check_round(db, engine, current.contest_id, &with_overlap).await
        }
        other => other,
    }
}

/// The checks of the fields an open (or closed) round may still change: the title as on
/// creation, and a closing time that is not before now.
fn check_open_fields(
    title: &str,
    spec: &RoundSpec,
    current: &round::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    if title.is_empty() || text::char_len(title) > 300 {
        return Err(AppError::field(
            "title",
            "Tên vòng thi không được trống và tối đa 300 ký tự.",
        ));
    }
    if spec.closes_at != current.closes_at && spec.closes_at <= now {
        return Err(AppError::Unprocessable {
            code: "closes_at_in_past",
            message: format!(
                "Giờ đóng mới phải sau thời điểm hiện tại ({}). Để đóng vòng thi ngay, hãy dùng «Đóng vòng thi sớm» và ghi lý do.",
                vn_time::display(now)
            ),
            details: Map::from_iter([("field".into(), json!("closes_at"))]),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_attempts_are_the_most() {
        assert!(is_raise(2, 3));
        assert!(is_raise(2, 0));
        assert!(!is_raise(3, 2));
        assert!(!is_raise(0, 5));
        assert!(!is_raise(2, 2));
    }

    #[test]
    fn an_open_round_takes_its_title_close_and_more_attempts_only() {
        let open = |edited: &[&str], raises| {
            refused_edits(ContestStatus::Published, RoundStatus::Open, edited, raises)
        };
        assert!(open(&["title", "closes_at", "max_attempts"], true).is_empty());
        let refused = open(&["max_attempts", "draw", "time_limit_secs"], false);
        let names: Vec<&str> = refused.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names, ["max_attempts", "draw", "time_limit_secs"]);
        assert_eq!(refused[0].1, FEWER_ATTEMPTS);
    }

    #[test]
    fn an_upcoming_round_takes_anything_and_a_closed_one_its_title_only() {
        let all = [
            "title",
            "opens_at",
            "closes_at",
            "time_limit_secs",
            "max_attempts",
            "draw",
        ];
        assert!(refused_edits(ContestStatus::Draft, RoundStatus::Upcoming, &all, false).is_empty());
        let closed = refused_edits(ContestStatus::Published, RoundStatus::Closed, &all, true);
        assert_eq!(closed.len(), all.len() - 1);
        assert!(closed.iter().all(|(f, _)| f != "title"));
    }

    #[test]
    fn nothing_of_a_finished_contest_changes() {
        for status in [ContestStatus::Finished, ContestStatus::Archived] {
            let refused = refused_edits(status, RoundStatus::Upcoming, &["title"], true);
            assert_eq!(refused, [("title".to_owned(), CONTEST_LOCK)]);
        }
    }

    #[test]
    fn notices_read_as_the_organisers_wrote_them() {
        // A past year, so the date carries its year whenever the test runs.
        let t = "2020-12-14T02:00:00Z";
        assert_eq!(
            notice_message(Kind::Extended, &json!({"closes_at": t})),
            "Ban Tổ chức gia hạn vòng thi đến 9h00 thứ Hai 14/12/2020."
        );
        assert_eq!(
            notice_message(
                Kind::ClosedEarly,
                &json!({"closed_at": t, "reason": "Lỗi đề."})
            ),
            "Ban Tổ chức đóng vòng thi sớm lúc 9h00 thứ Hai 14/12/2020. Lý do: Lỗi đề."
        );
        assert_eq!(
            notice_message(Kind::AttemptsRaised, &json!({"max_attempts": 3})),
            "Ban Tổ chức tăng số lượt thi lên 3 lượt."
        );
    }
}
