//! Anonymising participants' personal data (#16, Nghị định 13/2023/NĐ-CP): a contest's
//! retention period runs out, an organiser decides to anonymise a contest now
//! (`cuocthi anonymise`), or a participant asks for deletion ([`participant`]).
//!
//! Anonymising replaces a participant's phone by an irreversible placeholder
//! (`anon-<random>`: the column is unique, and no phone number normalises to it, so
//! logging in by phone can no longer work), clears email, CCCD, birth date and gender,
//! replaces the password hash by one of a random password nobody saw, and revokes every
//! token. The values also leave the audit details, the identity conflicts and the rate
//! limit keys. Results, names as published, units and statistics stay: attempts,
//! answers and standings carry none of these fields.
//!
//! "Newer activity": a participant of the contest is kept as they are when they also took
//! an attempt in another contest whose own retention has not run out — a contest that is
//! not finished yet, or finished less than its `retention_months` ago, and not
//! anonymised. That contest's retention anonymises them later.

use chrono::{DateTime, Months, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;
use std::collections::BTreeSet;

use crate::accounts::Role;
use crate::entities::contest::Status;
use crate::entities::{
    attempt, audit, contest, data_request, identity_conflict, rate_limit, round, user,
};
use crate::error::{AppError, Result};

/// What anonymising a contest did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Outcome {
    /// Participants whose data was replaced.
    pub anonymised: usize,
    /// Participants kept for newer activity in another contest.
    pub kept: usize,
}

/// When a finished contest's retention runs out (`None`: not finished, or finished before
/// finishing was recorded).
pub fn retention_ends(c: &contest::Model) -> Option<DateTime<Utc>> {
    let months = u32::try_from(c.retention_months.max(0)).unwrap_or(0);
    c.finished_at
        .and_then(|at| at.checked_add_months(Months::new(months)))
}

/// Whether a contest still holds its participants' data at `now`: not anonymised, and
/// not finished or within its retention period.
pub fn still_retained(c: &contest::Model, now: DateTime<Utc>) -> bool {
    if c.anonymised_at.is_some() {
        return false;
    }
    match (c.status, retention_ends(c)) {
        (Status::Finished | Status::Archived, Some(end)) => now < end,
        _ => true,
    }
}

/// Anonymises the participants of a contest who have no newer activity, and records that
/// the contest was anonymised. Refused (`round_open`) while one of its rounds is not
/// settled: its results are not final yet.
pub async fn contest(
    db: &DatabaseConnection,
    contest_id: i64,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let c = crate::contest::load_contest(db, contest_id).await?;
    let rounds = round::Entity::find()
        .filter(round::Column::ContestId.eq(c.id))
        .all(db)
        .await?;
    if let Some(r) = rounds
        .iter()
        .find(|r| !crate::contest::fairness::is_settled(r))
    {
        return Err(AppError::conflict(
            "round_open",
            format!(
                "Vòng «{}» của cuộc thi chưa kết thúc: chưa thể ẩn danh dữ liệu cá nhân.",
                r.title
            ),
        ));
    }
    let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let participants: BTreeSet<i64> = attempt::Entity::find()
        .filter(attempt::Column::RoundId.is_in(round_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    // Newer activity: an attempt in a round of another contest still retained.
    let others: Vec<contest::Model> = contest::Entity::find()
        .filter(contest::Column::Id.ne(c.id))
        .all(db)
        .await?;
    let retained: Vec<i64> = others
        .iter()
        .filter(|o| still_retained(o, now))
        .map(|o| o.id)
        .collect();
    let retained_rounds: Vec<i64> = round::Entity::find()
        .filter(round::Column::ContestId.is_in(retained))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let busy: BTreeSet<i64> = attempt::Entity::find()
        .filter(attempt::Column::RoundId.is_in(retained_rounds))
        .filter(attempt::Column::UserId.is_in(participants.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    let mut outcome = Outcome::default();
    for &user_id in &participants {
        if busy.contains(&user_id) {
            outcome.kept += 1;
        } else if anonymise_user(db, user_id, actor, "retention").await? {
            outcome.anonymised += 1;
        }
    }
    contest::ActiveModel {
        id: Set(c.id),
        anonymised_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await?;
    crate::audit::record(
        db,
        actor,
        "contest.anonymise",
        Some(("contest", c.id)),
        json!({"anonymised": outcome.anonymised, "kept": outcome.kept}),
    )
    .await?;
    Ok(outcome)
}

/// Anonymises one participant now — how a deletion request is honoured. Returns false
/// when they were anonymised already. Not for staff (404).
pub async fn participant(
    db: &DatabaseConnection,
    user_id: i64,
    actor: Option<i64>,
) -> Result<bool> {
    anonymise_user(db, user_id, actor, "request").await
}

/// Applies every finished contest's retention period at `now`: the scheduled job (run by
/// the sweeper). Returns the contests anonymised.
pub async fn apply_retention(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<i64>> {
    let due: Vec<contest::Model> = contest::Entity::find()
        .filter(contest::Column::AnonymisedAt.is_null())
        .filter(contest::Column::FinishedAt.is_not_null())
        .filter(contest::Column::Status.is_in([Status::Finished, Status::Archived]))
        .all(db)
        .await?
        .into_iter()
        .filter(|c| !still_retained(c, now))
        .collect();
    let mut done = Vec::new();
    for c in due {
        match contest(db, c.id, None, now).await {
            Ok(outcome) => {
                tracing::info!(
                    contest.id = c.id,
                    anonymised = outcome.anonymised,
                    kept = outcome.kept,
                    "retention period over: participants anonymised"
                );
                done.push(c.id);
            }
            // A finished contest has only settled rounds; if one is not, try next time.
            Err(AppError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// The placeholder that replaces a phone number: unique, and never a phone number.
fn placeholder() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("anon-{hex}")
}

/// Whether a phone value is an anonymisation placeholder.
pub fn is_placeholder(phone: &str) -> bool {
    phone.starts_with("anon-")
}

async fn anonymise_user(
    db: &DatabaseConnection,
    user_id: i64,
    actor: Option<i64>,
    why: &str,
) -> Result<bool> {
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|u| u.role == Role::Participant)
        .ok_or(AppError::NotFound)?;
    if u.phone.as_deref().is_some_and(is_placeholder)
        && u.email.is_none()
        && u.national_id.is_none()
        && u.birth_date.is_none()
    {
        return Ok(false);
    }
    // A random password nobody saw: the account cannot be signed into any more.
    let password = crate::accounts::recovery::random_password();
    let hash =
        tokio::task::spawn_blocking(move || crate::accounts::password::hash_blocking(&password))
            .await
            .map_err(anyhow::Error::from)??;
    let secrets: Vec<String> = [u.phone.clone(), u.email.clone(), u.national_id.clone()]
        .into_iter()
        .flatten()
        .filter(|v| !is_placeholder(v) && !v.is_empty())
        .collect();
    let txn = db.begin().await?;
    crate::accounts::bump_token_version(&txn, u.id, |update| {
        update
            .col_expr(user::Column::Phone, Expr::value(placeholder()))
            .col_expr(user::Column::Email, Expr::value(Option::<String>::None))
            .col_expr(
                user::Column::NationalId,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                user::Column::BirthDate,
                Expr::value(Option::<chrono::NaiveDate>::None),
            )
            .col_expr(user::Column::Gender, Expr::value(Option::<String>::None))
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
    })
    .await?;
    identity_conflict::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(identity_conflict::Column::UserId.eq(u.id))
                .add(identity_conflict::Column::HolderId.eq(u.id))
                .add(identity_conflict::Column::Value.is_in(secrets.clone())),
        )
        .exec(&txn)
        .await?;
    let birth = u.birth_date.map(|d| d.to_string());
    for secret in &secrets {
        rate_limit::Entity::delete_many()
            .filter(rate_limit::Column::Key.contains(secret))
            .exec(&txn)
            .await?;
        scrub_audit(&txn, secret, None).await?;
    }
    if let Some(birth) = birth {
        // A date is too common to scrub everywhere: only the entries about them.
        scrub_audit(&txn, &birth, Some(u.id)).await?;
    }
    // Their requests' notes are free text they wrote, which may hold anything personal:
    // the requests stay (what was asked, when), their words go, here and in the trail.
    let requests = data_request::Entity::find()
        .filter(data_request::Column::UserId.eq(u.id))
        .all(&txn)
        .await?;
    for r in &requests {
        if crate::text::char_len(&r.note) >= 8 {
            // As the trail's JSON spells it (quotes, line breaks escaped).
            let spelled = serde_json::to_string(&r.note).map_err(anyhow::Error::from)?;
            scrub_audit(&txn, spelled.trim_matches('"'), None).await?;
        }
    }
    data_request::Entity::update_many()
        .col_expr(data_request::Column::Note, Expr::value(ANONYMISED))
        .filter(data_request::Column::UserId.eq(u.id))
        .exec(&txn)
        .await?;
    crate::audit::record(
        &txn,
        actor,
        "participant.anonymise",
        Some(("user", u.id)),
        json!({"why": why, "fields": ["phone", "email", "national_id", "birth_date", "gender"]}),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Replaces `value` in the details of the audit entries that contain it (only those about
/// `subject` when given).
/// What an anonymised free-text value reads as.
const ANONYMISED: &str = "[đã ẩn danh]";

async fn scrub_audit<C: ConnectionTrait>(db: &C, value: &str, subject: Option<i64>) -> Result<()> {
    let mut find = audit::Entity::find().filter(audit::Column::Details.contains(value));
    if let Some(id) = subject {
        find = find
            .filter(audit::Column::SubjectType.eq("user"))
            .filter(audit::Column::SubjectId.eq(id));
    }
    for entry in find.all(db).await? {
        audit::ActiveModel {
            id: Set(entry.id),
            details: Set(entry.details.replace(value, ANONYMISED)),
            ..Default::default()
        }
        .update(db)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(at: Option<DateTime<Utc>>, months: i32) -> contest::Model {
        let now = Utc::now();
        contest::Model {
            id: 1,
            code: "c".into(),
            title: "C".into(),
            description: None,
            rules: None,
            categories: "[]".into(),
            created_at: now,
            updated_at: now,
            status: Status::Finished,
            retention_months: months,
            finished_at: at,
            anonymised_at: None,
        }
    }

    #[test]
    fn a_finished_contest_is_retained_for_its_months_then_not() {
        let at = "2026-01-31T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let c = finished(Some(at), 12);
        assert!(still_retained(&c, at));
        assert!(still_retained(&c, "2027-01-31T09:59:59Z".parse().unwrap()));
        assert!(!still_retained(&c, "2027-01-31T10:00:00Z".parse().unwrap()));
        // Without a recorded finish time the job never anonymises on its own.
        assert!(still_retained(
            &finished(None, 12),
            at + chrono::Duration::days(9999)
        ));
        let mut open = finished(Some(at), 1);
        open.status = Status::Published;
        assert!(still_retained(&open, at + chrono::Duration::days(9999)));
    }

    #[test]
    fn placeholders_are_not_phone_numbers() {
        let p = placeholder();
        assert!(is_placeholder(&p));
        assert_ne!(p, placeholder());
        assert_eq!(crate::accounts::phone::normalize(&p), None);
    }
}
