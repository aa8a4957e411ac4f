//! `award_lists`: one version of the award list of a round (or of a whole contest when
//! `round_id` is null): proposed, published (frozen, with its SHA-256) or unpublished.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "award_lists")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contest_id: i64,
    /// `None`: the list of the whole contest.
    pub round_id: Option<i64>,
    /// 1, 2, 3… per round (or contest): a new version after an unpublish.
    pub version: i32,
    pub status: Status,
    /// JSON: `awards::AwardBody` (entries and unit prizes). Once published it never
    /// changes, and `digest` is the SHA-256 of exactly these bytes.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// JSON: `[awards::Exclusion]`, the judges' exclusions with their reasons.
    #[sea_orm(column_type = "Text")]
    pub exclusions: String,
    pub digest: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub published_by: Option<i64>,
    pub published_at: Option<DateTimeUtc>,
    pub unpublished_by: Option<i64>,
    pub unpublished_at: Option<DateTimeUtc>,
}

/// Where an award list is in its workflow.
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
#[schema(as = AwardStatus)]
pub enum Status {
    /// Generated from the ranking; the judges review it (exclusions).
    #[sea_orm(string_value = "proposed")]
    Proposed,
    /// Approved and published by an organiser: frozen, public, certificates issued.
    #[sea_orm(string_value = "published")]
    Published,
    /// Withdrawn after publication: kept, readable to staff, no longer public.
    #[sea_orm(string_value = "unpublished")]
    Unpublished,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
