//! `contests`: a contest with its rules and categories.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rules: Option<String>,
    /// JSON array of category codes.
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Where the contest is in its life cycle (`contest::lifecycle`).
    pub status: Status,
    /// Months after `finished_at` that participants' personal data is kept (#16).
    pub retention_months: i32,
    /// When the contest was finished (set by the move to `finished`).
    pub finished_at: Option<DateTimeUtc>,
    /// When its participants' personal data was anonymised (`accounts::anonymise`).
    pub anonymised_at: Option<DateTimeUtc>,
}

/// Where a contest is in its life cycle; the rules live in `contest::lifecycle`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
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
#[schema(as = ContestStatus)]
pub enum Status {
    /// Being prepared: staff only; participants and the public get 404.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Visible to everyone; its rounds can be taken (the default, as before life cycles).
    #[default]
    #[sea_orm(string_value = "published")]
    Published,
    /// Every round settled; results frozen, no new attempt.
    #[sea_orm(string_value = "finished")]
    Finished,
    /// Kept with its results, but off the home page and the open-round list.
    #[sea_orm(string_value = "archived")]
    Archived,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The category codes that may take part, in display order.
    pub fn categories(&self) -> crate::error::Result<Vec<String>> {
        super::decode_json(
            format_args!("contest {}", self.id),
            "categories",
            &self.categories,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_categories(categories: &str) -> Model {
        let now = chrono::Utc::now();
        Model {
            id: 7,
            code: "c".into(),
            title: "C".into(),
            description: None,
            rules: None,
            categories: categories.into(),
            created_at: now,
            updated_at: now,
            status: Status::Published,
            retention_months: 12,
            finished_at: None,
            anonymised_at: None,
        }
    }

    #[test]
    fn stored_categories_decode_in_order() {
        let contest = with_categories(r#"["official","student"]"#);
        assert_eq!(contest.categories().unwrap(), ["official", "student"]);
    }

    #[test]
    fn corrupt_categories_are_an_error_not_no_categories() {
        let err = with_categories(r#"["official""#).categories().unwrap_err();
        assert!(
            matches!(&err, crate::error::AppError::Unexpected(e) if e.to_string().contains("contest 7 has a corrupt categories")),
            "{err:?}"
        );
    }
}
