//! `question_decisions`: the jury's decision on a disputed question of a round (issue #15),
//! one per round and question revision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question_decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    /// The question revision (`questions.id`) the decision is about.
    pub question_id: i64,
    pub decision: Decision,
    /// For `correct_key`: JSON array of booleans, the corrected key in bank order.
    #[sea_orm(column_type = "Text", nullable)]
    pub correct: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub decided_by: Option<i64>,
    pub decided_at: DateTimeUtc,
}

/// What the jury decided about a disputed question.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The key was wrong: the options in `correct` are the right ones.
    #[sea_orm(string_value = "correct_key")]
    CorrectKey,
    /// Every attempt that drew the question gets its point.
    #[sea_orm(string_value = "accept_all")]
    AcceptAll,
    /// The question counts for nothing: neither score nor maximum.
    #[sea_orm(string_value = "drop")]
    Drop,
}

impl Model {
    /// The corrected key (`correct_key` only), decoded.
    pub fn correct_key(&self) -> crate::error::Result<Option<Vec<bool>>> {
        self.correct
            .as_deref()
            .map(|text| {
                super::decode_json(
                    format_args!("question decision {}", self.id),
                    "correct",
                    text,
                )
            })
            .transpose()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
