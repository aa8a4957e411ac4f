//! A bank file that passed "Kiểm tra" on the organisers' console, kept so that "Tải lên"
//! imports it without choosing the file again (#18 point 10).
//!
//! The file is kept in the database (so the import may reach any instance), one per
//! organiser — checking another file replaces it — for [`TTL`]; expired files are
//! removed whenever a file is kept, so the table holds at most one upload per organiser.
//! The token in the form is 128 random bits and is only honoured for the organiser who
//! checked the file.

use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::entities::pending_upload::{self, Column, Entity};
use crate::error::Result;

/// How long a checked file waits for its import.
pub const TTL: Duration = Duration::hours(1);

/// What the form shows of a kept file.
#[derive(Debug, Clone)]
pub struct Kept {
    /// The form's hidden `pending` field.
    pub token: String,
    /// The file's name as uploaded.
    pub file_name: String,
    /// How many questions the check found.
    pub questions: usize,
}

/// Keeps `bytes` for `user_id`, replacing the organiser's previous file, and drops every
/// expired one.
pub async fn keep(
    db: &DatabaseConnection,
    user_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
    questions: usize,
    now: DateTime<Utc>,
) -> Result<Kept> {
    let token = crate::accounts::token::random_id();
    let txn = db.begin().await?;
    Entity::delete_many()
        .filter(
            Condition::any()
                .add(Column::UserId.eq(user_id))
                .add(Column::CreatedAt.lt(now - TTL)),
        )
        .exec(&txn)
        .await?;
    Entity::insert(pending_upload::ActiveModel {
        token: Set(token.clone()),
        user_id: Set(user_id),
        file_name: Set(file_name.to_owned()),
        bytes: Set(bytes),
        questions: Set(i32::try_from(questions).unwrap_or(i32::MAX)),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(Kept {
        token,
        file_name: file_name.to_owned(),
        questions,
    })
}

/// The organiser's kept file under `token`, unless it expired.
pub async fn find(
    db: &DatabaseConnection,
    user_id: i64,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<pending_upload::Model>> {
    Ok(Entity::find_by_id(token.to_owned())
        .filter(Column::UserId.eq(user_id))
        .filter(Column::CreatedAt.gte(now - TTL))
        .one(db)
        .await?)
}

/// Forgets the organiser's kept file (after its import).
pub async fn discard(db: &DatabaseConnection, user_id: i64, token: &str) -> Result<()> {
    Entity::delete_many()
        .filter(Column::Token.eq(token))
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
