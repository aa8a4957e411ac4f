//! Staff accounts managed by admins: create organisers, judges and admins, change a role,
//! disable and re-enable, and hand over a new password. Staff never compete, and the last
//! active admin can be neither demoted nor disabled: someone must always be able to manage
//! the accounts.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::recovery::{StaffEntry, random_password, set_password};
use crate::db::OneByKey;
use crate::entities::user::{self, Role};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// The body of `POST /api/v1/staff`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// The login email.
    pub login: String,
    pub full_name: String,
    /// `organiser`, `judge` or `admin`.
    pub role: Role,
    /// The first password; when absent, one is generated and returned once.
    #[schema(value_type = Option<String>, min_length = 8)]
    pub password: Option<SecretString>,
}

/// The body of `PATCH /api/v1/staff/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    pub role: Option<Role>,
    /// `true` disables the account (its tokens die, it cannot sign in); `false` enables it.
    pub disabled: Option<bool>,
}

/// A staff account just created, with the generated password when none was given.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedStaff {
    #[serde(flatten)]
    pub account: StaffEntry,
    /// The generated password, shown this once (absent when the admin chose one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A new password handed over by an admin, shown this once.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedPassword {
    pub id: i64,
    pub password: String,
}

/// What an account counts for in keeping an admin: its role and whether it is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub disabled: bool,
}

impl Standing {
    fn of(u: &user::Model) -> Self {
        Standing {
            role: u.role,
            disabled: u.voided,
        }
    }

    fn active_admin(self) -> bool {
        self.role == Role::Admin && !self.disabled
    }
}

/// Whether moving an account from `before` to `after` takes away the last active admin,
/// `active_admins` being how many there are now.
pub fn removes_last_admin(before: Standing, after: Standing, active_admins: u64) -> bool {
    before.active_admin() && !after.active_admin() && active_admins <= 1
}

fn last_admin() -> AppError {
    AppError::conflict(
        "last_admin",
        "Không thể bỏ quyền hoặc khoá quản trị viên cuối cùng: hãy cấp quyền quản trị cho người khác trước.",
    )
}

/// The staff account `id` (a participant's id answers 404: participants are managed by
/// organisers, not here).
async fn load_staff<C: ConnectionTrait>(db: &C, id: i64) -> Result<user::Model> {
    user::Entity::find_by_id(id)
        .one_by_key(db)
        .await?
        .filter(|u| u.role.is_staff())
        .ok_or(AppError::NotFound)
}

/// Creates a staff account; audited `staff.create`.
pub async fn create(state: &AppState, actor: i64, new: NewStaff) -> Result<CreatedStaff> {
    let mut fields = BTreeMap::new();
    if !new.role.is_staff() {
        fields.insert(
            "role".to_owned(),
            "Vai trò phải là admin, organiser hoặc judge.".to_owned(),
        );
    }
    let full_name = crate::text::clean(&new.full_name);
    if let Err(message) = crate::text::check_person_name(&full_name) {
        fields.insert("full_name".to_owned(), message.to_owned());
    }
    let (password, generated) = match new.password {
        Some(p) => (crate::text::nfc(p.expose_secret()), false),
        None => (random_password(), true),
    };
    if let Err(message) = super::check_password(&password) {
        fields.insert("password".to_owned(), message);
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    let hash = state.hasher.hash(password.clone()).await?;
    let txn = state.db.write.begin().await?;
    let created = super::create_staff(&txn, new.role, &new.login, &full_name, hash)
        .await
        .map_err(|e| match e {
            AppError::Validation { fields } => AppError::Validation {
                fields: fields
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            if k == "name" {
                                "full_name".to_owned()
                            } else {
                                k
                            },
                            v,
                        )
                    })
                    .collect(),
            },
            e => e,
        })?;
    crate::audit::record(
        &txn,
        Some(actor),
        "staff.create",
        Some(("user", created.id)),
        json!({ "role": created.role, "login": created.email }),
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedStaff {
        account: created.into(),
        password: generated.then_some(password),
    })
}

/// Changes a staff account's role or disables/enables it; audited `staff.update` with
/// before and after. Any change moves the token version on: a disabled account's tokens
/// die, and a new role takes effect at the next sign-in on every instance at once.
pub async fn update(
    state: &AppState,
    actor: i64,
    id: i64,
    change: StaffChange,
) -> Result<StaffEntry> {
    if change.role.is_none() && change.disabled.is_none() {
        return Err(AppError::field(
            "body",
            "Cần ít nhất một trường để sửa: role hoặc disabled.",
        ));
    }
    if change.role == Some(Role::Participant) {
        return Err(AppError::field(
            "role",
            "Vai trò phải là admin, organiser hoặc judge: cán bộ không dự thi.",
        ));
    }
    let txn = state.db.write.begin().await?;
    let current = load_staff(&txn, id).await?;
    let before = Standing::of(&current);
    let after = Standing {
        role: change.role.unwrap_or(before.role),
        disabled: change.disabled.unwrap_or(before.disabled),
    };
    if before == after {
        return Ok(current.into());
    }
    if before.active_admin() && !after.active_admin() {
        // Counted under a lock on PostgreSQL, so that two admins demoting each other at
        // once cannot both pass (SQLite runs one writer at a time).
        let mut admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin))
            .filter(user::Column::Voided.eq(false));
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            admins = admins.lock_exclusive();
        }
        let active_admins = admins.count(&txn).await?;
        if removes_last_admin(before, after, active_admins) {
            return Err(last_admin());
        }
    }
    let updated = super::bump_token_version(&txn, id, |update| {
        update
            .col_expr(user::Column::Role, Expr::value(after.role.as_str()))
            .col_expr(user::Column::Voided, Expr::value(after.disabled))
    })
    .await?;
    crate::audit::record(
        &txn,
        Some(actor),
        "staff.update",
        Some(("user", id)),
        json!({
            "before": { "role": before.role, "disabled": before.disabled },
            "after": { "role": after.role, "disabled": after.disabled },
        }),
    )
    .await?;
    txn.commit().await?;
    state.users.remove(&id).await;
    Ok(updated.into())
}

/// Gives a staff account a new generated password (shown once) and ends its sessions;
/// audited `staff.reset_password` (without the password).
pub async fn reset_password(state: &AppState, actor: i64, id: i64) -> Result<IssuedPassword> {
    let target = load_staff(&state.db.read, id).await?;
    let password = random_password();
    let hash = state.hasher.hash(password.clone()).await?;
    let txn = state.db.write.begin().await?;
    set_password(&txn, target.id, hash, Some(actor), "staff.reset_password").await?;
    txn.commit().await?;
    state.users.remove(&id).await;
    Ok(IssuedPassword { id, password })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: Standing = Standing {
        role: Role::Admin,
        disabled: false,
    };

    #[test]
    fn the_last_active_admin_stays() {
        let demoted = Standing {
            role: Role::Judge,
            disabled: false,
        };
        let disabled = Standing {
            role: Role::Admin,
            disabled: true,
        };
        assert!(removes_last_admin(ADMIN, demoted, 1));
        assert!(removes_last_admin(ADMIN, disabled, 1));
        assert!(!removes_last_admin(ADMIN, demoted, 2));
        assert!(!removes_last_admin(ADMIN, disabled, 2));
        // Not an active admin before: nothing to lose.
        assert!(!removes_last_admin(disabled, demoted, 1));
        let organiser = Standing {
            role: Role::Organiser,
            disabled: false,
        };
        assert!(!removes_last_admin(organiser, ADMIN, 0));
        assert!(!removes_last_admin(ADMIN, ADMIN, 1));
    }
}
