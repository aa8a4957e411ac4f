//! `standings`: each participant's best finished attempt in a round.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "standings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub round_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub attempt_id: i64,
    pub category_code: String,
    pub unit_id: Option<i64>,
    pub score: i32,
    pub max_score: i32,
    pub time_taken_ms: i64,
    pub submitted_at: DateTimeUtc,
    pub prediction: Option<i64>,
    pub attempts_used: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
