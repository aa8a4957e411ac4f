//! The life cycle of a contest (issue #15): who sees it, which status may follow which,
//! and what an organiser may still edit.
//!
//! ```text
//! draft ──▶ published ──▶ finished ──▶ archived
//!   ▲           │            ▲            │
//!   └───────────┘            └────────────┘
//!  (no attempt yet)            (unarchive)
//! ```
//!
//! - `draft → published` always; `published → draft` only while no attempt exists: once a
//!   participant took part, hiding the contest would hide their attempts and results.
//!   This also means an attempt never belongs to a draft contest, so attempt routes need
//!   no visibility check of their own.
//! - `published → finished` only when every round is settled: results are then frozen.
//! - `finished ⇄ archived`: archiving only files the contest away (off the home page and
//!   the open-round list); its pages and results stay, so it can be undone.
//! - Anything else (`finished → published`, `draft → finished`…) is `invalid_transition`:
//!   frozen results never reopen.
//!
//! Edits: title, description and rules until the contest is finished; categories only
//! while no attempt exists (an attempt's category was checked against them). Only fields
//! whose value changes count, so sending a form back unchanged is never refused.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Engine, clean_categories, clean_description, clean_rules, clean_title, rounds_of};
use crate::accounts::Role;
use crate::entities::contest::{self, Status};
use crate::entities::{attempt, round};
use crate::error::{AppError, Result};

/// The statuses a contest may be created in.
pub const CREATED_AS: [Status; 2] = [Status::Draft, Status::Published];

/// Whether someone with `role` (`None`: not signed in) may see a contest in `status` and
/// its rounds: a draft only by staff (organisers, judges, admins). The one visibility
/// rule; everyone sees at least what the public sees, so callers may skip resolving the
/// caller when the public may see it.
pub fn visible_to(status: Status, role: Option<Role>) -> bool {
    status != Status::Draft || role.is_some_and(Role::is_staff)
}

/// [`visible_to`] as a route answers it: 404 when the caller may not see the contest, so
/// a draft's existence is not revealed.
pub fn ensure_visible(contest: &contest::Model, role: Option<Role>) -> Result<()> {
    if visible_to(contest.status, role) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether a contest is listed on the home page and its rounds in a participant's rounds
/// list: published or finished (an archived one is reached by its address only).
pub fn listed(status: Status) -> bool {
    matches!(status, Status::Published | Status::Finished)
}

/// Whether a participant may start an attempt in a round of a contest in `status`: only
/// when published. A draft answers 404 (it is not there for them); a finished or archived
/// contest has frozen results.
pub fn accepts_attempts(status: Status) -> Result<()> {
    match status {
        Status::Published => Ok(()),
        Status::Draft => Err(AppError::NotFound),
        Status::Finished | Status::Archived => Err(AppError::conflict(
            "contest_finished",
            "Cuộc thi đã kết thúc, không thể bắt đầu lượt thi mới.",
        )),
    }
}

/// Whether a round may be added to a contest in `status`: not once it is finished, whose
/// results are frozen.
pub fn accepts_new_rounds(status: Status) -> Result<()> {
    match status {
        Status::Draft | Status::Published => Ok(()),
        Status::Finished | Status::Archived => Err(locked(&[(
            "rounds",
            "Cuộc thi đã kết thúc, không thể thêm vòng thi.",
        )])),
    }
}

/// The statuses a contest in `status` may move to, if their conditions hold.
pub fn next_statuses(status: Status) -> &'static [Status] {
    match status {
        Status::Draft => &[Status::Published],
        Status::Published => &[Status::Draft, Status::Finished],
        Status::Finished => &[Status::Archived],
        Status::Archived => &[Status::Finished],
    }
}

/// The Vietnamese name of a status.
pub fn status_vi(status: Status) -> &'static str {
    match status {
        Status::Draft => "Bản nháp",
        Status::Published => "Đã công bố",
        Status::Finished => "Đã kết thúc",
        Status::Archived => "Đã lưu trữ",
    }
}

/// What the transition rules need to know of a contest besides its status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Some participant has an attempt in one of its rounds.
    pub has_attempts: bool,
    /// Its rounds not settled yet: `(id, title)`.
    pub unsettled: Vec<(i64, String)>,
}

/// Checks a move from `from` to `to` (a different status).
pub fn check_transition(from: Status, to: Status, facts: &Facts) -> Result<()> {
    if !next_statuses(from).contains(&to) {
        return Err(AppError::conflict_with(
            "invalid_transition",
            format!(
                "Không thể chuyển cuộc thi từ «{}» sang «{}».",
                status_vi(from),
                status_vi(to)
            ),
            Map::from_iter([("from".into(), json!(from)), ("to".into(), json!(to))]),
        ));
    }
    match (from, to) {
        (Status::Published, Status::Draft) if facts.has_attempts => Err(AppError::conflict(
            "contest_has_attempts",
            "Đã có thí sinh dự thi, không thể chuyển cuộc thi về bản nháp.",
        )),
        (Status::Published, Status::Finished) if !facts.unsettled.is_empty() => {
            let titles: Vec<&str> = facts.unsettled.iter().map(|(_, t)| t.as_str()).collect();
            Err(AppError::conflict_with(
                "rounds_not_settled",
                format!(
                    "Chưa thể kết thúc cuộc thi: các vòng thi sau chưa kết thúc và chấm xong: {}.",
                    titles.join(", ")
                ),
                Map::from_iter([(
                    "rounds".into(),
                    Value::Array(
                        facts
                            .unsettled
                            .iter()
                            .map(|(id, title)| json!({"id": id, "title": title}))
                            .collect(),
                    ),
                )]),
            ))
        }
        _ => Ok(()),
    }
}

/// Checks that the `edited` fields (those whose value changes) may still change in a
/// contest in `status`; every locked field is named in one `contest_locked`.
pub fn check_edits(status: Status, edited: &[&str], has_attempts: bool) -> Result<()> {
    let frozen = matches!(status, Status::Finished | Status::Archived);
    let mut refused = Vec::new();
    for &field in edited {
        if frozen && matches!(field, "title" | "description" | "rules" | "categories") {
            refused.push((field, "Cuộc thi đã kết thúc, nội dung không thể sửa."));
        } else if field == "categories" && has_attempts {
            refused.push((
                field,
                "Đã có thí sinh dự thi, không thể đổi đối tượng dự thi.",
            ));
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(locked(&refused))
    }
}

/// `contest_locked`, naming each locked field with why; the message gives each reason
/// once (the organiser's page shows the message).
fn locked(fields: &[(&str, &str)]) -> AppError {
    let named: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let mut reasons: Vec<&str> = fields.iter().map(|(_, why)| *why).collect();
    reasons.dedup();
    AppError::conflict_with(
        "contest_locked",
        reasons.join(" "),
        Map::from_iter([("fields".into(), Value::Object(named))]),
    )
}

/// The body of `PATCH /api/v1/contests/{id}`: the fields to change, each optional (an
/// empty string clears the description or the rules).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestChange {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(max_length = 20000)]
    pub rules: Option<String>,
    /// Category codes (đối tượng); only while no attempt exists.
    #[schema(min_items = 1)]
    pub categories: Option<Vec<String>>,
    pub status: Option<Status>,
    /// Months after the contest finishes that its participants' phone, email, CCCD and
    /// birth date are kept before the retention job anonymises them (1–120; 12 by default).
    #[schema(minimum = 1, maximum = 120)]
    pub retention_months: Option<i32>,
}

/// Applies a change to a contest in one transaction: validates the fields as creating
/// does (422), refuses locked fields and disallowed moves (409), records the changed
/// fields before and after in the audit trail, and drops the contest from this instance's
/// cache (other instances see it within the cache's staleness). A change that changes
/// nothing writes nothing.
pub async fn update_contest(
    db: &DatabaseConnection,
    engine: &Engine,
    contest_id: i64,
    change: ContestChange,
    actor: Option<i64>,
) -> Result<contest::Model> {
    let ContestChange {
        title,
        description,
        rules,
        categories,
        status,
        retention_months,
    } = change;
    if title.is_none()
        && description.is_none()
        && rules.is_none()
        && categories.is_none()
        && status.is_none()
        && retention_months.is_none()
    {
        return Err(AppError::field(
            "body",
            "Cần ít nhất một trường để sửa: title, description, rules, categories, status hoặc retention_months.",
        ));
    }
    let txn = db.begin().await?;
    let current = super::load_contest(&txn, contest_id).await?;
    let mut fields = BTreeMap::new();
    let title = title.map(|t| clean_title(&t, &mut fields));
    let description = description.map(|d| clean_description(Some(&d), &mut fields));
    let rules = rules.map(|r| clean_rules(Some(&r), &mut fields));
    let categories = match categories {
        Some(c) => Some(clean_categories(&txn, &c, &mut fields).await?),
        None => None,
    };
    if retention_months.is_some_and(|m| !(1..=120).contains(&m)) {
        fields.insert(
            "retention_months".into(),
            "Thời hạn lưu trữ phải từ 1 đến 120 tháng.".into(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }

    let mut before = Map::new();
    let mut after = Map::new();
    let mut update = contest::ActiveModel {
        id: Set(current.id),
        ..Default::default()
    };
    if let Some(t) = title.filter(|t| *t != current.title) {
        before.insert("title".into(), json!(current.title));
        after.insert("title".into(), json!(t));
        update.title = Set(t);
    }
    if let Some(d) = description.filter(|d| *d != current.description) {
        before.insert("description".into(), json!(current.description));
        after.insert("description".into(), json!(d));
        update.description = Set(d);
    }
    if let Some(r) = rules.filter(|r| *r != current.rules) {
        before.insert("rules".into(), json!(current.rules));
        after.insert("rules".into(), json!(r));
        update.rules = Set(r);
    }
    let stored = current.categories()?;
    // The same categories in another order are no change.
    let same_set = |new: &Vec<String>| {
        let (mut a, mut b) = (new.clone(), stored.clone());
        a.sort();
        b.sort();
        a == b
    };
    if let Some(c) = categories.filter(|c| !same_set(c)) {
        before.insert("categories".into(), json!(stored));
        after.insert("categories".into(), json!(c));
        update.categories = Set(serde_json::to_string(&c).map_err(anyhow::Error::from)?);
    }
    let to = status.filter(|s| *s != current.status);
    // The retention period is not a contest field the life cycle locks: it may be set
    // at any time, also after the contest finished.
    let mut retention_changed = false;
    if let Some(m) = retention_months.filter(|m| *m != current.retention_months) {
        retention_changed = true;
        update.retention_months = Set(m);
    }

    let edited: Vec<&str> = after.keys().map(String::as_str).collect();
    if edited.is_empty() && to.is_none() && !retention_changed {
        return Ok(current);
    }
    let rounds = rounds_of(&txn, current.id).await?;
    let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let has_attempts = attempt::Entity::find()
        .filter(attempt::Column::RoundId.is_in(round_ids))
        .count(&txn)
        .await?
        > 0;
    check_edits(current.status, &edited, has_attempts)?;
    if let Some(to) = to {
        let facts = Facts {
            has_attempts,
            unsettled: rounds
                .iter()
                .filter(|r: &&round::Model| !super::fairness::is_settled(r))
                .map(|r| (r.id, r.title.clone()))
                .collect(),
        };
        check_transition(current.status, to, &facts)?;
        before.insert("status".into(), json!(current.status));
        after.insert("status".into(), json!(to));
        update.status = Set(to);
        if to == Status::Finished && current.finished_at.is_none() {
            // The retention period runs from here (on the engine's clock).
            update.finished_at = Set(Some(engine.now()));
        }
    }
    if retention_changed {
        before.insert("retention_months".into(), json!(current.retention_months));
        after.insert(
            "retention_months".into(),
            json!(update.retention_months.clone().unwrap()),
        );
    }
    update.updated_at = Set(Utc::now());
    let updated = update.update(&txn).await?;
    crate::audit::record(
        &txn,
        actor,
        "contest.update",
        Some(("contest", updated.id)),
        json!({"before": before, "after": after}),
    )
    .await?;
    txn.commit().await?;
    engine.contests.remove(&updated.id).await;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Status; 4] = [
        Status::Draft,
        Status::Published,
        Status::Finished,
        Status::Archived,
    ];

    fn code(result: Result<()>) -> &'static str {
        match result {
            Ok(()) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn a_draft_is_seen_by_staff_only_and_the_rest_by_everyone() {
        for role in [Role::Organiser, Role::Judge, Role::Admin] {
            assert!(visible_to(Status::Draft, Some(role)));
        }
        assert!(!visible_to(Status::Draft, Some(Role::Participant)));
        assert!(!visible_to(Status::Draft, None));
        for status in [Status::Published, Status::Finished, Status::Archived] {
            assert!(visible_to(status, None));
            assert!(visible_to(status, Some(Role::Participant)));
        }
    }

    #[test]
    fn whatever_the_public_sees_every_signed_in_role_sees() {
        // Callers skip resolving the caller when the public may see a contest.
        let roles = [Role::Participant, Role::Organiser, Role::Judge, Role::Admin];
        for status in ALL {
            if visible_to(status, None) {
                assert!(roles.iter().all(|r| visible_to(status, Some(*r))));
            }
        }
    }

    #[test]
    fn only_published_and_finished_contests_are_listed() {
        let listed: Vec<Status> = ALL.into_iter().filter(|s| listed(*s)).collect();
        assert_eq!(listed, [Status::Published, Status::Finished]);
    }

    #[test]
    fn attempts_start_only_in_a_published_contest() {
        assert_eq!(code(accepts_attempts(Status::Published)), "ok");
        assert_eq!(code(accepts_attempts(Status::Draft)), "not_found");
        assert_eq!(code(accepts_attempts(Status::Finished)), "contest_finished");
        assert_eq!(code(accepts_attempts(Status::Archived)), "contest_finished");
        assert_eq!(code(accepts_new_rounds(Status::Draft)), "ok");
        assert_eq!(code(accepts_new_rounds(Status::Finished)), "contest_locked");
    }

    #[test]
    fn the_transition_table_is_exactly_the_documented_one() {
        let facts = Facts::default();
        let mut allowed = Vec::new();
        for from in ALL {
            for to in ALL.into_iter().filter(|to| *to != from) {
                match check_transition(from, to, &facts) {
                    Ok(()) => allowed.push((from, to)),
                    Err(e) => assert_eq!(e.code(), "invalid_transition", "{from:?} → {to:?}"),
                }
            }
        }
        assert_eq!(
            allowed,
            [
                (Status::Draft, Status::Published),
                (Status::Published, Status::Draft),
                (Status::Published, Status::Finished),
                (Status::Finished, Status::Archived),
                (Status::Archived, Status::Finished),
            ]
        );
    }

    #[test]
    fn a_contest_with_attempts_cannot_go_back_to_draft() {
        let facts = Facts {
            has_attempts: true,
            ..Facts::default()
        };
        let err = check_transition(Status::Published, Status::Draft, &facts).unwrap_err();
        assert_eq!(err.code(), "contest_has_attempts");
    }

    #[test]
    fn finishing_names_every_round_not_yet_settled() {
        let facts = Facts {
            has_attempts: true,
            unsettled: vec![(3, "Tuần 1".into()), (5, "Tuần 2".into())],
        };
        let err = check_transition(Status::Published, Status::Finished, &facts).unwrap_err();
        assert_eq!(err.code(), "rounds_not_settled");
        let body = serde_json::to_value(err.body()).unwrap();
        assert_eq!(
            body["error"]["rounds"],
            json!([{"id": 3, "title": "Tuần 1"}, {"id": 5, "title": "Tuần 2"}])
        );
    }

    #[test]
    fn texts_are_editable_until_finished_and_categories_until_the_first_attempt() {
        let texts = ["title", "description", "rules"];
        for status in [Status::Draft, Status::Published] {
            assert_eq!(code(check_edits(status, &texts, true)), "ok");
            assert_eq!(code(check_edits(status, &["categories"], false)), "ok");
            let err = check_edits(status, &["title", "categories"], true).unwrap_err();
            let body = serde_json::to_value(err.body()).unwrap();
            assert_eq!(body["error"]["code"], "contest_locked");
            let fields = body["error"]["fields"].as_object().unwrap();
            assert_eq!(fields.keys().collect::<Vec<_>>(), ["categories"]);
        }
        for status in [Status::Finished, Status::Archived] {
            let err = check_edits(status, &["title", "rules"], false).unwrap_err();
            let body = serde_json::to_value(err.body()).unwrap();
            let fields = body["error"]["fields"].as_object().unwrap();
            assert_eq!(fields.keys().collect::<Vec<_>>(), ["rules", "title"]);
            assert_eq!(code(check_edits(status, &[], true)), "ok");
        }
    }
}
