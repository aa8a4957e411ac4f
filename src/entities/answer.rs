//! `answers`: the answer saved for one question of an attempt.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub attempt_id: i64,
    /// 1-based position of the question in the attempt.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    /// JSON array of chosen option indexes, in bank order.
    #[sea_orm(column_type = "Text")]
    pub choices: String,
    pub saved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The chosen option indexes, in bank order.
    pub fn choices(&self) -> crate::error::Result<Vec<usize>> {
        super::decode_json(
            format_args!("answer {}/{}", self.attempt_id, self.position),
            "choices",
            &self.choices,
        )
    }
}
