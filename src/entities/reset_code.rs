//! `reset_codes`: a one-time password-reset secret (an organiser's code or an emailed
//! link's token), stored as its SHA-256 only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reset_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// `code` (read out by an organiser) or `link` (sent by email).
    pub kind: String,
    /// Lowercase hex SHA-256 of the secret (see `accounts::recovery`).
    #[sea_orm(unique)]
    pub secret_hash: String,
    pub expires_at: DateTimeUtc,
    /// When it was spent; a spent secret never works again.
    pub used_at: Option<DateTimeUtc>,
    /// The organiser who issued a code (`None` for an emailed link).
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
