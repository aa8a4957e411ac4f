//! `rounds`: a timed round of a contest with its draw rules.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contest_id: i64,
    pub title: String,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    /// Set when an organiser closed the round early.
    pub closed_at: Option<DateTimeUtc>,
    pub time_limit_secs: i32,
    /// 0 = unlimited.
    pub max_attempts: i32,
    pub practice: bool,
    /// JSON: `{"default": [quota…], "by_category": {"official": [quota…]}}`.
    #[sea_orm(column_type = "Text")]
    pub draw: String,
    pub question_order: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub prediction_question: Option<String>,
    pub prediction_answer: Option<String>,
    pub prediction_actual: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
