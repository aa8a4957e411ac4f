//! `questions`: one row per question revision; rows are immutable but for `current`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub bank_id: i64,
    pub key: String,
    pub revision: i32,
    pub current: bool,
    pub position: i32,
    pub kind: String,
    pub topic: String,
    pub difficulty: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// JSON array of `{text, correct, feedback}`.
    #[sea_orm(column_type = "Text")]
    pub choices: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub explanation: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    pub content_hash: String,
    pub created_at: DateTimeUtc,
    /// The bank version this revision first belongs to.
    pub created_version: i32,
    /// The bank version from which it no longer belongs (edited or removed).
    pub retired_version: Option<i32>,
    /// JSON array of the question's pictures `{file, alt, width, height}`; NULL when none.
    #[sea_orm(column_type = "Text", nullable)]
    pub images: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
