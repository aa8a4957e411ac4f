//! `contest_documents`: a file attached to a contest (the plan, the rules as PDF…).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contest_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contest_id: i64,
    /// The file name as uploaded, cleaned (`contest::documents::clean_filename`).
    pub filename: String,
    /// The type detected from the bytes, never the one the client sent.
    pub content_type: String,
    pub size: i64,
    /// Lowercase hex SHA-256 of `data`.
    pub sha256: String,
    #[sea_orm(column_type = "Blob")]
    pub data: Vec<u8>,
    pub created_at: DateTimeUtc,
    /// The organiser who uploaded it (`None` from the command line).
    pub created_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
