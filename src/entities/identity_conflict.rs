//! `identity_conflicts`: an ID number or email given at registration that another account
//! already held, kept for the registrant and the organisers' duplicates console.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_conflicts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The account that gave the value at registration.
    pub user_id: i64,
    /// `national_id` or `email`.
    pub field: String,
    /// The value as given (normalised).
    pub value: String,
    /// The account that held the value then.
    pub holder_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
