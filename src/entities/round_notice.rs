//! `round_notices`: a dated notice on a round, shown to its participants (an extension,
//! an earlier close with its reason, more attempts allowed).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub kind: Kind,
    /// The notice as participants read it (Vietnamese), written when it was made.
    #[sea_orm(column_type = "Text")]
    pub message: String,
    /// JSON object: the values the message was written from (times, reason, attempts).
    #[sea_orm(column_type = "Text")]
    pub params: String,
    pub created_at: DateTimeUtc,
    /// The organiser who made the change.
    pub created_by: Option<i64>,
}

/// What changed.
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
#[schema(as = RoundNoticeKind)]
pub enum Kind {
    /// The closing time moved later.
    #[sea_orm(string_value = "extended")]
    Extended,
    /// The closing time moved earlier (still in the future).
    #[sea_orm(string_value = "closes_earlier")]
    ClosesEarlier,
    /// Closed now, early, with a reason.
    #[sea_orm(string_value = "closed_early")]
    ClosedEarly,
    /// More attempts allowed.
    #[sea_orm(string_value = "attempts_raised")]
    AttemptsRaised,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
