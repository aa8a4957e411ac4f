//! `prize_plans`: a contest's prize plan (`awards::plan::PrizePlan`, as JSON).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prize_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contest_id: i64,
    /// JSON: `awards::plan::PrizePlan`.
    #[sea_orm(column_type = "Text")]
    pub plan: String,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
