//! `rounds`: a timed round of a contest with its draw rules.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contest_id: i64,
    pub title: String,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    /// Set when an organiser closed the round early.
    pub closed_at: Option<DateTimeUtc>,
    pub time_limit_secs: i32,
    /// 0 = unlimited.
    pub max_attempts: i32,
    pub practice: bool,
    /// JSON: `{"default": [quota…], "by_category": {"official": [quota…]}}`.
    #[sea_orm(column_type = "Text")]
    pub draw: String,
    pub question_order: Order,
    #[sea_orm(column_type = "Text", nullable)]
    pub prediction_question: Option<String>,
    pub prediction_answer: Option<PredictionAnswer>,
    pub prediction_actual: Option<i64>,
    pub created_at: DateTimeUtc,
    /// What a submit shows before the round is settled.
    pub score_shown: ScoreShown,
    /// A practice round the organiser explicitly allowed to share questions with an open
    /// or upcoming ranked round (or a ranked round allowed to share with a practice round).
    pub allow_overlap: bool,
    /// Set once the round has closed, its grace is over and every attempt is finalised:
    /// from then on nothing in it can change, so keys and hidden scores may be shown.
    pub settled_at: Option<DateTimeUtc>,
}

/// What a participant sees of their score when they submit, before the round is settled.
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
pub enum ScoreShown {
    /// The score at once (the default). Each submit then tells how many answers were
    /// right: with repeated attempts (several accounts) that is a slow score oracle.
    #[default]
    #[sea_orm(string_value = "on_submit")]
    OnSubmit,
    /// "Submitted; the score is published when the round ends": no score, no count of
    /// right answers, no leaderboard until the round is settled.
    #[sea_orm(string_value = "after_close")]
    AfterClose,
}

/// How the drawn questions are ordered.
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
#[schema(as = QuestionOrder)]
pub enum Order {
    /// In random order.
    #[sea_orm(string_value = "shuffled")]
    Shuffled,
    /// Easy, then medium, then hard; random within each difficulty.
    #[sea_orm(string_value = "by_difficulty")]
    ByDifficulty,
}

/// What the prediction question asks for.
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
pub enum PredictionAnswer {
    /// How many participants answer every question correctly.
    #[sea_orm(string_value = "perfect_scores")]
    PerfectScores,
    /// How many people take part in the round.
    #[sea_orm(string_value = "participants")]
    Participants,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
