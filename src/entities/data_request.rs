//! `data_requests`: a participant's request to the organisers about their own personal
//! data — a correction (with a note saying what is wrong) or a deletion.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub kind: RequestKind,
    /// The participant's note to the organisers.
    pub note: String,
    pub status: RequestStatus,
    pub created_at: DateTimeUtc,
    /// When an organiser handled it.
    pub resolved_at: Option<DateTimeUtc>,
    /// The organiser who handled it.
    pub resolved_by: Option<i64>,
    /// The organiser's answer to the participant (required for a rejection).
    pub resolution: Option<String>,
}

/// What a participant asks of the organisers.
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
pub enum RequestKind {
    /// Yêu cầu chỉnh sửa: some registered data is wrong.
    #[sea_orm(string_value = "correction")]
    Correction,
    /// Yêu cầu xoá dữ liệu cá nhân.
    #[sea_orm(string_value = "deletion")]
    Deletion,
}

/// Where a request stands.
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
pub enum RequestStatus {
    /// Sent, not yet handled by the organisers.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Handled (corrected, or anonymised).
    #[sea_orm(string_value = "done")]
    Done,
    /// Refused, with the reason (e.g. a correction the records do not support).
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
