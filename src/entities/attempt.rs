//! `attempts`: one participant's timed try at a round.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub user_id: i64,
    pub seq: i32,
    /// The draw's seed: secret (it also derives the opaque option ids).
    pub seed: i64,
    /// `in_progress` or `finished`.
    pub status: String,
    pub category_code: String,
    pub unit_id: Option<i64>,
    /// JSON array of drawn questions `{question_id, option_order}`.
    #[sea_orm(column_type = "Text")]
    pub questions: String,
    pub started_at: DateTimeUtc,
    pub deadline: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// `submitted` or `expired`.
    pub finish_reason: Option<String>,
    pub score: Option<i32>,
    pub max_score: i32,
    pub correct: Option<i32>,
    pub total: i32,
    pub time_taken_ms: Option<i64>,
    pub prediction: Option<i64>,
    /// JSON object `{bank_id: version}`: the bank versions the draw used.
    #[sea_orm(column_type = "Text")]
    pub bank_versions: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
