//! `announcements`: a notice (thông báo) of a contest, or of the whole site when
//! `contest_id` is null, shown from `publish_at` until `expires_at` unless withdrawn.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contest it belongs to; `None` for a site-wide announcement.
    pub contest_id: Option<i64>,
    pub title: String,
    /// Plain text; line breaks are kept.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub publish_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    /// Set when an organiser withdrew it; it is then shown nowhere public.
    pub withdrawn_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
