//! `rate_limits`: token buckets shared by every app instance (logins, registrations,
//! password changes), one row per bucket.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limits")]
pub struct Model {
    /// A SHA-256 of what the bucket counts (an account and a client, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// When the bucket is full again, in milliseconds since the Unix epoch.
    pub full_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
