//! `consents`: the consent a participant gave to the processing of their personal data
//! (Decree 13/2023/NĐ-CP): which text version they agreed to, and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// The version of the consent text shown (`accounts::profile::CONSENT_VERSION`).
    pub version: String,
    pub given_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
