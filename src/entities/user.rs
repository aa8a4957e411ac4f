//! `users`: participants and staff (organisers, judges, admins) in one table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub role: Role,
    pub full_name: String,
    /// The name folded for search (`text::fold`): lower case, no diacritics.
    pub search_name: String,
    #[sea_orm(unique)]
    pub email: Option<String>,
    #[sea_orm(unique)]
    pub phone: Option<String>,
    #[sea_orm(unique)]
    pub national_id: Option<String>,
    pub birth_date: Option<Date>,
    pub gender: Option<String>,
    pub category_code: Option<String>,
    pub unit_id: Option<i64>,
    pub password_hash: String,
    pub voided: bool,
    pub void_reason: Option<String>,
    pub token_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// What an account may do.
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
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Thí sinh: takes attempts.
    #[sea_orm(string_value = "participant")]
    Participant,
    /// Ban Tổ chức: banks, units, contests, rounds, voiding.
    #[sea_orm(string_value = "organiser")]
    Organiser,
    /// Ban Giám khảo: reads everything, exports, verifies; changes nothing.
    #[sea_orm(string_value = "judge")]
    Judge,
    /// Quản trị: staff accounts.
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Organiser => "organiser",
            Role::Judge => "judge",
            Role::Admin => "admin",
        }
    }

    /// True for organisers, judges and admins, who may not compete.
    pub fn is_staff(self) -> bool {
        self != Role::Participant
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
