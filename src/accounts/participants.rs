//! Organiser tools over participants: search, void and unvoid, corrections, duplicate
//! candidates — called by the JSON handlers and the organisers' console pages alike.

use crate::db::OneByKey;
use std::collections::HashMap;

use chrono::Utc;
use chrono::{DateTime, NaiveDate};
use sea_orm::TransactionTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use serde_json::json;

use crate::accounts::{Role, phone};
use crate::entities::{unit, user};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::text;

/// A participant as organisers see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParticipantView {
    pub id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub category: Option<String>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub voided: bool,
    pub void_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Accounts that look like one person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicateGroup {
    /// Why they were grouped: `same_name_birth_date_unit`, `same_national_id` or `same_email`.
    pub reason: &'static str,
    pub participants: Vec<ParticipantView>,
}

fn participant_view(u: &user::Model, units: &HashMap<i64, unit::Model>) -> ParticipantView {
    let unit = u.unit_id.and_then(|id| units.get(&id));
    ParticipantView {
        id: u.id,
        full_name: u.full_name.clone(),
        phone: u.phone.clone(),
        email: u.email.clone(),
        national_id: u.national_id.clone(),
        birth_date: u.birth_date,
        category: u.category_code.clone(),
        unit_code: unit.map(|x| x.code.clone()),
        unit_name: unit.map(|x| x.name.clone()),
        voided: u.voided,
        void_reason: u.void_reason.clone(),
        created_at: u.created_at,
    }
}

async fn units_by_id(state: &AppState) -> Result<HashMap<i64, unit::Model>> {
    Ok(unit::Entity::find()
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// Participants matching a name fragment (diacritics and case ignored: "nguyen" finds
/// "Nguyễn"), part of a phone number (3 digits or more), or a unit's code or part of its
/// name (diacritics ignored too).
pub async fn search(state: &AppState, query: &str, limit: u64) -> Result<Vec<ParticipantView>> {
    let q = text::clean(query);
    let units = units_by_id(state).await?;
    let mut find = user::Entity::find().filter(user::Column::Role.eq(Role::Participant));
    if !q.is_empty() {
        let folded = text::fold(&q).replace(['%', '_', '\\'], "");
        let mut any = Condition::any();
        let mut asked = false;
        if !folded.trim().is_empty() {
            any = any.add(user::Column::SearchName.contains(&folded));
            asked = true;
        }
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let only_digits = q
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '.');
        if let Some(p) = phone::normalize(&q) {
            any = any.add(user::Column::Phone.eq(p));
            asked = true;
        } else if digits.len() >= 3 && only_digits {
            any = any.add(user::Column::Phone.contains(&digits));
            asked = true;
        }
        let matching: Vec<i64> = units
            .values()
            .filter(|u| {
                u.code.eq_ignore_ascii_case(&q)
                    || (folded.chars().count() >= 3 && text::fold(&u.name).contains(&folded))
            })
            .map(|u| u.id)
            .collect();
        if !matching.is_empty() {
            any = any.add(user::Column::UnitId.is_in(matching));
            asked = true;
        }
        if !asked {
            // Nothing searchable in the query (only wildcards or punctuation).
            return Ok(Vec::new());
        }
        find = find.filter(any);
    }
    let rows = find
        .order_by_asc(user::Column::FullName)
        .limit(limit.clamp(1, 1000))
        .all(&state.db.read)
        .await?;
    Ok(rows.iter().map(|u| participant_view(u, &units)).collect())
}

/// Fills `search_name` for accounts older than the column (run at startup; a few
/// thousand rows per pass, nothing to do afterwards). Returns how many were filled.
pub async fn backfill_search_names(db: &sea_orm::DatabaseConnection) -> Result<usize> {
    let mut filled = 0;
    loop {
        let rows = user::Entity::find()
            .filter(user::Column::SearchName.eq(""))
            .filter(user::Column::FullName.ne(""))
            .limit(2000)
            .all(db)
            .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let txn = db.begin().await?;
        for u in &rows {
            user::Entity::update_many()
                .col_expr(
                    user::Column::SearchName,
                    // Never empty again, or this loop would meet the row forever.
                    Expr::value(
                        Some(text::fold(&u.full_name))
                            .filter(|f| !f.is_empty())
                            .unwrap_or_else(|| "-".into()),
                    ),
                )
                .filter(user::Column::Id.eq(u.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        filled += rows.len();
    }
}

/// A void's reason, checked: required, at most 500 characters.
pub fn void_reason(raw: &str) -> Result<String> {
    let reason = text::clean(raw);
    if reason.is_empty() || text::char_len(&reason) > 500 {
        return Err(AppError::field(
            "reason",
            "Cần nêu lý do (tối đa 500 ký tự).",
        ));
    }
    Ok(reason)
}

/// Voids (with a reason) or restores a participant, and drops cached rankings. Voiding
/// also revokes every token of the account (its token version moves on), so a voided
/// participant is signed out everywhere at once; logging in again is refused.
pub async fn set_voided(
    state: &AppState,
    id: i64,
    reason: Option<String>,
    actor: Option<i64>,
) -> Result<user::Model> {
    let u = user::Entity::find_by_id(id)
        .one_by_key(&state.db.read)
        .await?
        .filter(|u| u.role == Role::Participant)
        .ok_or(AppError::NotFound)?;
    let updated = match reason {
        // Voiding also revokes every token of the account.
        Some(reason) => {
            crate::accounts::bump_token_version(&state.db.write, u.id, |update| {
                update
                    .col_expr(user::Column::Voided, Expr::value(true))
                    .col_expr(user::Column::VoidReason, Expr::value(reason))
            })
            .await?
        }
        None => {
            user::ActiveModel {
                id: Set(u.id),
                voided: Set(false),
                void_reason: Set(None),
                updated_at: Set(Utc::now()),
                ..Default::default()
            }
            .update(&state.db.write)
            .await?
        }
    };
    state.users.remove(&updated.id).await;
    crate::audit::record(
        &state.db.write,
        actor,
        if updated.voided {
            "participant.void"
        } else {
            "participant.unvoid"
        },
        Some(("user", updated.id)),
        json!({"reason": updated.void_reason}),
    )
    .await?;
    // Voided participants drop out of every ranking at once on this instance.
    state.engine.boards.invalidate(None);
    Ok(updated)
}

/// Groups of accounts that look like one person: the same name (ignoring case and
/// spacing) with the same birth date and unit; or the same ID number or email given at
/// registration (registration does not refuse those, see `accounts::create_participant`).
pub async fn duplicate_groups(state: &AppState) -> Result<Vec<DuplicateGroup>> {
    let rows = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Participant))
        .filter(user::Column::BirthDate.is_not_null())
        .all(&state.db.read)
        .await?;
    let mut groups: HashMap<(String, String, Option<i64>), Vec<&user::Model>> = HashMap::new();
    for u in &rows {
        let key = (
            text::clean(&u.full_name).to_lowercase(),
            u.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            u.unit_id,
        );
        groups.entry(key).or_default().push(u);
    }
    let units = units_by_id(state).await?;
    let mut out: Vec<DuplicateGroup> = groups
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|g| DuplicateGroup {
            reason: "same_name_birth_date_unit",
            participants: g.iter().map(|u| participant_view(u, &units)).collect(),
        })
        .collect();
    for (reason, accounts) in crate::accounts::taken_identity_groups(&state.db.read).await? {
        out.push(DuplicateGroup {
            reason,
            participants: accounts
                .iter()
                .map(|u| participant_view(u, &units))
                .collect(),
        });
    }
    out.sort_by_key(|g| g.participants.first().map(|p| p.id));
    Ok(out)
}

/// An organiser's correction of a participant's registration (#16): each field is
/// optional, the reason is not.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The code of the unit they belong to.
    pub unit_code: Option<String>,
    /// Their category code; refused once they have an attempt (their questions were
    /// drawn for the old category).
    pub category: Option<String>,
    /// Their full name as it will be published.
    pub full_name: Option<String>,
    /// Why (required, at most 500 characters); kept in the audit trail.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Applies an organiser's correction: the account, and the unit and category of the
/// participant's standings rows, change in one transaction; the audit entry keeps
/// `before` and `after`. Rankings are rebuilt from the next snapshot, so the unit tables
/// of finished rounds show them in the new unit after the rebuild and an open round's
/// from its next snapshot.
///
/// A category change is refused (`has_attempts`) once the participant has an attempt:
/// every attempt drew questions for its category, and moving its score to another
/// category's ranking would compare it with different questions.
pub async fn correct(
    state: &AppState,
    id: i64,
    change: Correction,
    actor: Option<i64>,
) -> Result<ParticipantView> {
    use sea_orm::TransactionTrait;
    let reason = void_reason(&change.reason)?;
    let mut errors = std::collections::BTreeMap::new();
    let full_name = match text::clean_opt(change.full_name.as_deref()) {
        None if change.full_name.is_some() => {
            errors.insert("full_name".to_owned(), "Cần nhập họ và tên.".to_owned());
            None
        }
        None => None,
        Some(name) if text::char_len(&name) < 2 || text::char_len(&name) > 100 => {
            errors.insert(
                "full_name".to_owned(),
                "Họ và tên phải có từ 2 đến 100 ký tự.".to_owned(),
            );
            None
        }
        Some(name) => match text::check_person_name(&name) {
            Ok(()) => Some(name),
            Err(message) => {
                errors.insert("full_name".to_owned(), message.to_owned());
                None
            }
        },
    };
    let db = &state.db.write;
    let unit = match text::clean_opt(change.unit_code.as_deref()) {
        None if change.unit_code.is_some() => {
            errors.insert("unit_code".to_owned(), "Cần chọn đơn vị.".to_owned());
            None
        }
        None => None,
        Some(code) => {
            let found = crate::units::find_by_code(db, &code).await?;
            if found.is_none() {
                errors.insert(
                    "unit_code".to_owned(),
                    "Không có đơn vị với mã này.".to_owned(),
                );
            }
            found
        }
    };
    let category = match text::clean_opt(change.category.as_deref()) {
        None if change.category.is_some() => {
            errors.insert("category".to_owned(), "Cần chọn đối tượng.".to_owned());
            None
        }
        None => None,
        Some(code) => {
            let known = crate::accounts::categories(db)
                .await?
                .into_iter()
                .any(|c| c.code == code);
            if !known {
                errors.insert(
                    "category".to_owned(),
                    "Không có đối tượng dự thi với mã này.".to_owned(),
                );
            }
            Some(code)
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }

    let txn = db.begin().await?;
    let before = user::Entity::find_by_id(id)
        .one_by_key(&txn)
        .await?
        .filter(|u| u.role == Role::Participant)
        .ok_or(AppError::NotFound)?;
    let category = category.filter(|c| before.category_code.as_deref() != Some(c));
    if category.is_some() {
        let attempts = crate::entities::attempt::Entity::find()
            .filter(crate::entities::attempt::Column::UserId.eq(id))
            .count(&txn)
            .await?;
        if attempts > 0 {
            return Err(AppError::conflict(
                "has_attempts",
                "Thí sinh đã có lượt thi: không đổi được đối tượng, vì câu hỏi đã rút theo đối tượng cũ.",
            ));
        }
    }
    let mut update = user::ActiveModel {
        id: Set(id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    if let Some(name) = &full_name {
        update.full_name = Set(name.clone());
        update.search_name = Set(text::fold(name));
    }
    if let Some(u) = &unit {
        update.unit_id = Set(Some(u.id));
    }
    if let Some(c) = &category {
        update.category_code = Set(Some(c.clone()));
    }
    let after = update.update(&txn).await?;
    if let Some(u) = &unit {
        crate::entities::standing::Entity::update_many()
            .col_expr(
                crate::entities::standing::Column::UnitId,
                Expr::value(Some(u.id)),
            )
            .filter(crate::entities::standing::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
    }
    let units = unit::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect::<HashMap<_, _>>();
    let (was, now) = (
        participant_view(&before, &units),
        participant_view(&after, &units),
    );
    let summary = |v: &ParticipantView| {
        json!({
            "full_name": v.full_name,
            "category": v.category,
            "unit_code": v.unit_code,
            "unit_name": v.unit_name,
        })
    };
    crate::audit::record(
        &txn,
        actor,
        "participant.correct",
        Some(("user", id)),
        json!({"reason": reason, "before": summary(&was), "after": summary(&now)}),
    )
    .await?;
    txn.commit().await?;
    state.users.remove(&id).await;
    state.engine.boards.invalidate(None);
    Ok(now)
}
