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
    pub status: Status,
    pub category_code: String,
    pub unit_id: Option<i64>,
    /// JSON array of drawn questions `{question_id, option_order}`.
    #[sea_orm(column_type = "Text")]
    pub questions: String,
    pub started_at: DateTimeUtc,
    pub deadline: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// Set when the attempt finished.
    pub finish_reason: Option<FinishReason>,
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

/// Where an attempt is in its life.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
#[schema(as = AttemptStatus)]
pub enum Status {
    /// Answers are taken.
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// Scored; nothing in it changes any more.
    #[sea_orm(string_value = "finished")]
    Finished,
}

/// How an attempt ended.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The participant submitted.
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// Time ran out; the answers saved in time were scored.
    #[sea_orm(string_value = "expired")]
    Expired,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The bank versions the draw used, by bank id.
    pub fn bank_versions(&self) -> crate::error::Result<std::collections::BTreeMap<i64, i32>> {
        super::decode_json(
            format_args!("attempt {}", self.id),
            "bank_versions",
            &self.bank_versions,
        )
    }
}
