//! The OpenAPI 3 description of the JSON API, served at `GET /api/openapi.json`.
//!
//! Each handler carries its own `#[utoipa::path]`; this module gathers them and holds
//! the schemas of the bodies that handlers build with `json!` (they are never
//! constructed: they only describe what the server sends, and schemathesis checks in CI
//! that the server keeps to them).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::HttpResponse;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::accounts::Role;
use crate::contest::attempts::AttemptResult;
use crate::contest::boards::{BoardEntry, ContestEntry};
use crate::error::Result;
use crate::web::api;

/// The JSON error body every 4xx and 5xx answer carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The inside of an error: a stable machine `code`, a Vietnamese `message`, and for some
/// codes more fields (`fields` for `invalid`, `problems` for files, `retry_after` for
/// `rate_limited`, machine fields for 422 rule errors).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `invalid_json`, `invalid`, `not_found`.
    pub code: String,
    /// A sentence in Vietnamese for people.
    pub message: String,
    /// Invalid fields, each with a Vietnamese message (code `invalid`).
    pub fields: Option<BTreeMap<String, String>>,
    /// The problems of an uploaded file, by line: the first 100, then one last entry
    /// (line 0) saying how many more were found.
    pub problems: Option<Vec<crate::error::LineProblem>>,
    /// How many problems the file has in all (with `problems`).
    pub problem_count: Option<usize>,
    /// How many of them `problems` leaves out (with `problems`).
    pub problems_omitted: Option<usize>,
    /// The upload limit the file passed, when that is why it was refused: `rows`,
    /// `columns`, `cells`, `cell_chars`, `lines`, `question_bytes`, `toml_items`,
    /// `questions`, `xlsx_parts`, `xlsx_part_bytes` or `xlsx_total_bytes` (README
    /// "Upload limits").
    pub limit: Option<String>,
    /// Seconds to wait (code `rate_limited`).
    pub retry_after: Option<u64>,
}

/// `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: String,
    /// Why the service is unavailable (503 only).
    pub error: Option<ErrorDetail>,
}

/// A participant who has just registered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub id: i64,
    pub full_name: String,
    pub category: Option<String>,
    pub unit_code: String,
}

/// A signed-in user, as the login answer shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedInUser {
    pub id: i64,
    pub full_name: String,
    pub role: Role,
}

/// A new login token; it is also set as an HttpOnly cookie.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    /// The bearer token (`Authorization: Bearer …`).
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
}

/// The answer of a login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedIn {
    #[serde(flatten)]
    pub token: Token,
    pub user: SignedInUser,
}

/// The caller's own account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub role: Role,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub category: Option<String>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub voided: bool,
    pub void_reason: Option<String>,
    /// True for judges, organisers and admins.
    pub is_staff: bool,
}

/// What importing a bank did.
#[derive(Debug, Serialize, ToSchema)]
pub struct BankImported {
    pub id: i64,
    pub code: String,
    /// Questions now current in the bank.
    pub questions: usize,
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
    pub retired: usize,
    /// Entries of the file that were skipped (e.g. essay questions in GIFT).
    pub skipped: usize,
}

/// What checking a bank found: it would import.
#[derive(Debug, Serialize, ToSchema)]
pub struct BankChecked {
    pub code: String,
    pub questions: usize,
    pub skipped: usize,
}

/// A multipart upload: one file field (its name gives the format when the query does not).
#[derive(Debug, Serialize, ToSchema)]
pub struct FileUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A created contest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestCreated {
    pub id: i64,
    pub code: String,
}

/// A created round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundCreated {
    pub id: i64,
}

/// A contest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestView {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub description: Option<String>,
    pub rules: Option<String>,
    /// Categories of participants (đối tượng) who may take part.
    pub categories: Vec<String>,
}

/// A contest with its rounds.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestDetail {
    #[serde(flatten)]
    pub contest: ContestView,
    pub rounds: Vec<RoundView>,
}

/// A round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    pub id: i64,
    pub contest_id: i64,
    pub title: String,
    pub opens_at: DateTime<Utc>,
    /// The closing time, or the earlier time it was closed at.
    pub closes_at: DateTime<Utc>,
    /// `upcoming`, `open` or `closed`.
    pub status: String,
    pub time_limit_secs: i64,
    pub max_attempts: i64,
    pub practice: bool,
    /// Questions per attempt (of the default draw).
    pub questions: Option<i64>,
    /// `shuffled` or `by_difficulty`.
    pub order: String,
    pub prediction_question: Option<String>,
    /// `perfect_scores` or `participants`.
    pub prediction_answer: Option<String>,
    /// The actual value, once the round has closed.
    pub prediction_actual: Option<i64>,
    /// What a submit shows before the round is settled.
    pub score_shown: crate::entities::round::ScoreShown,
    /// The organiser accepted that this round shares questions with a live round of the
    /// other kind (practice / ranked).
    pub allow_overlap: bool,
    /// Closed, grace over, every attempt finalised: keys and held-back scores are shown.
    pub settled: bool,
    pub settled_at: Option<DateTime<Utc>>,
}

/// A round the caller may take, with their attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenRound {
    #[serde(flatten)]
    pub round: RoundView,
    pub attempts_used: i64,
    pub attempts_allowed: i64,
    /// The id of the caller's attempt in progress, if any.
    pub attempt_in_progress: Option<i64>,
}

/// A page of a round's leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundLeaderboard {
    pub round_id: i64,
    pub closed: bool,
    /// Present (true) for practice rounds, which are never ranked.
    pub practice: Option<bool>,
    /// Present (true), with no entries, while the round holds scores back until it is
    /// settled (`score_shown = after_close`).
    pub scores_hidden: Option<bool>,
    /// Why the board is empty, when `scores_hidden`.
    pub message: Option<String>,
    /// The actual value of the prediction question (ranked rounds).
    pub prediction_actual: Option<i64>,
    /// Ranked participants in all (of the category, when filtered).
    pub total: i64,
    pub entries: Vec<BoardEntry>,
}

/// A page of a contest's leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestLeaderboard {
    pub contest_id: i64,
    pub total: i64,
    pub entries: Vec<ContestEntry>,
}

/// An option of a drawn question, with an opaque id.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOption {
    pub id: String,
    pub text: String,
    /// In review only.
    pub correct: Option<bool>,
}

/// A drawn question of an attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptQuestion {
    /// The question's position in the attempt, from 1.
    pub id: i64,
    /// `single`, `multiple` or `true_false`.
    pub kind: String,
    pub text: String,
    pub options: Vec<AttemptOption>,
    /// In review, for answered questions.
    pub answered_correctly: Option<bool>,
    /// In review only.
    pub explanation: Option<String>,
    /// In review only.
    pub source: Option<String>,
}

/// A saved answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedAnswer {
    pub choices: Vec<String>,
    pub saved_at: DateTime<Utc>,
}

/// An attempt as its owner (or staff) sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt_id: i64,
    pub round_id: i64,
    /// `in_progress` or `finished`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub server_time: DateTime<Utc>,
    pub questions: Vec<AttemptQuestion>,
    pub prediction_question: Option<String>,
    pub prediction: Option<i64>,
    /// Saved answers by question position.
    pub answers: BTreeMap<String, SavedAnswer>,
    /// Once finished.
    pub result: Option<AttemptResult>,
    /// True when correct options and explanations are shown: only once the round is
    /// settled (closed, grace over, every attempt finalised).
    pub review: bool,
}

/// A saved answer's acknowledgement: it is committed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerSaved {
    pub saved_at: DateTime<Utc>,
    pub question_id: i64,
}

/// The result of a submitted attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    pub attempt_id: i64,
    /// Absent while the round holds scores back (`score_hidden`).
    pub score: Option<i64>,
    pub max_score: i64,
    /// Absent while the round holds scores back (`score_hidden`).
    pub correct: Option<i64>,
    /// True when the round shows scores only once settled (`score_shown = after_close`).
    pub score_hidden: bool,
    /// "Đã nộp bài; điểm được công bố khi vòng thi kết thúc." when the score is held back.
    pub message: Option<String>,
    pub total: i64,
    pub time_taken_ms: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    /// `submitted` or `expired`.
    pub finish_reason: Option<String>,
}

/// A participant as organisers see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    pub id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub category: Option<String>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub voided: bool,
    pub void_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Accounts that look like one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateGroup {
    /// Why they were grouped: `same_name_birth_date_unit`, `same_national_id` or `same_email`.
    pub reason: String,
    pub participants: Vec<ParticipantView>,
}

/// A participant's void status after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoidStatus {
    pub id: i64,
    pub voided: bool,
    pub void_reason: Option<String>,
}

/// One entry of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<i64>,
    /// Free-form details of the action.
    pub details: Value,
}

/// Adds the bearer-token security scheme.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The token of `POST /api/v1/auth/login` (browsers may send the \
                         HttpOnly cookie instead).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of the JSON API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cuocthi",
        description = "Online knowledge contests: the JSON API. Errors answer \
            `{\"error\": {\"code\", \"message\", …}}` with a stable code and a Vietnamese message."
    ),
    paths(
        api::health::healthz,
        api::auth::register,
        api::auth::login,
        api::auth::logout,
        api::auth::logout_all,
        api::auth::me,
        api::auth::change_password,
        api::units::list,
        api::units::import,
        api::banks::import,
        api::banks::list,
        api::banks::check,
        api::banks::detail,
        api::banks::export,
        api::contests::create,
        api::contests::list,
        api::contests::detail,
        api::contests::create_round,
        api::contests::contest_leaderboard,
        api::contests::contest_units,
        api::contests::open_rounds,
        api::contests::round_detail,
        api::contests::close_round,
        api::contests::leaderboard,
        api::contests::round_units,
        api::attempts::start,
        api::attempts::get,
        api::attempts::save_answer,
        api::attempts::submit,
        api::audit::verify,
        api::audit::list,
        api::audit::unusual_attempts,
        api::participants::search,
        api::participants::duplicates,
        api::participants::void,
        api::participants::unvoid,
        api::exports::round_results_xlsx,
        api::exports::round_results_csv,
        api::exports::contest_results_xlsx,
        api::exports::contest_results_csv,
        api::exports::contest_units_xlsx,
        api::exports::contest_units_csv,
        api::exports::round_items,
        api::exports::round_items_csv,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health"), (name = "auth"), (name = "units"), (name = "banks"),
        (name = "contests"), (name = "rounds"), (name = "attempts"), (name = "audit"),
        (name = "participants"), (name = "exports"),
    )
)]
pub struct ApiDoc;

/// `GET /api/openapi.json` — the document, built on the first request.
pub async fn document() -> Result<HttpResponse> {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = match JSON.get() {
        Some(json) => json,
        None => {
            let built = ApiDoc::openapi()
                .to_json()
                .context("Failed to serialise the OpenAPI document")?;
            JSON.get_or_init(|| built)
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json.as_str()))
}
