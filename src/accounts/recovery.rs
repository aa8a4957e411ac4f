//! Getting back into an account: a new password set by staff (the command line today; the
//! organiser's one-time codes and emailed links build on the same step), and the list of
//! staff accounts an operator needs to find whom to reset.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::entities::user;
use crate::error::{AppError, Result};

/// A generated password: 12 random bytes, URL-safe base64 (16 characters, 96 bits), for
/// accounts whose first or reset password staff hand over once.
pub fn random_password() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sets `user_id`'s password hash and moves its token version on, so that every token
/// issued before dies (at once on an instance that drops the user from its cache, within
/// the signed-in cache's lifetime elsewhere); audited as `action` (never with the password).
/// Returns the user as it now stands.
pub async fn set_password<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    hash: String,
    actor: Option<i64>,
    action: &str,
) -> Result<user::Model> {
    let fresh = super::bump_token_version(db, user_id, |update| {
        update.col_expr(user::Column::PasswordHash, Expr::value(hash))
    })
    .await?;
    crate::audit::record(
        db,
        actor,
        action,
        Some(("user", user_id)),
        json!({ "role": fresh.role, "token_version": fresh.token_version }),
    )
    .await?;
    Ok(fresh)
}

/// One staff account as operators see it (no password hash, no token state).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StaffEntry {
    pub id: i64,
    pub role: user::Role,
    /// The login email.
    pub login: String,
    pub full_name: String,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<user::Model> for StaffEntry {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            role: u.role,
            login: u.email.unwrap_or_default(),
            full_name: u.full_name,
            disabled: u.voided,
            created_at: u.created_at,
        }
    }
}

/// Every staff account (organisers, judges, admins), by role then login.
pub async fn staff<C: ConnectionTrait>(db: &C) -> Result<Vec<StaffEntry>> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.ne(user::Role::Participant))
        .order_by_asc(user::Column::Role)
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(StaffEntry::from)
        .collect())
}

/// The account `login` names, or a `not_found` that says so.
pub async fn require_login<C: ConnectionTrait>(db: &C, login: &str) -> Result<user::Model> {
    super::find_by_login(db, login)
        .await?
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let a = random_password();
        let b = random_password();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(super::super::check_password(&a).is_ok(), "{a}");
    }
}
