//! The one error type of the app and its HTTP mapping.
//!
//! Every JSON error answers `{"error": {"code": "…", "message": "…", …}}`: `code` is a
//! stable machine code that clients rely on, `message` a Vietnamese sentence for people.
//! Unexpected failures are logged once, here, and never echoed to the client.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::limits::{MAX_MESSAGE_CHARS, MAX_PROBLEMS_LISTED, number, truncate};

/// A result whose error is [`AppError`].
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The JSON error body every 4xx and 5xx answer carries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The inside of an error: a stable machine `code`, a Vietnamese `message`, and for some
/// codes more fields (`fields` for `invalid` and `contest_locked`, `problems` for files,
/// `retry_after` for `rate_limited`, machine fields for 409 and 422 rule errors).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `invalid_json`, `invalid`, `not_found`.
    pub code: String,
    /// A sentence in Vietnamese for people.
    pub message: String,
    /// Invalid fields, each with a Vietnamese message (code `invalid`); the fields that
    /// can no longer change, with why (code `contest_locked`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// The problems of an uploaded file, by line: the first 100, then one last entry
    /// (line 0) saying how many more were found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<LineProblem>>,
    /// How many problems the file has in all (with `problems`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem_count: Option<usize>,
    /// How many of them `problems` leaves out (with `problems`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems_omitted: Option<usize>,
    /// The upload limit the file passed, when that is why it was refused: `rows`,
    /// `columns`, `cells`, `cell_chars`, `lines`, `question_bytes`, `toml_items`,
    /// `questions`, `xlsx_parts`, `xlsx_part_bytes` or `xlsx_total_bytes` (README
    /// "Upload limits").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// Seconds to wait (code `rate_limited`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The machine fields of a 409 or 422 rule error (e.g. `quota`, `available` of
    /// `draw_short`; `rounds` of `rounds_not_settled`).
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl ErrorDetail {
    /// An error with only its code and message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ErrorDetail {
            code: code.to_owned(),
            message: message.into(),
            fields: None,
            problems: None,
            problem_count: None,
            problems_omitted: None,
            limit: None,
            retry_after: None,
            details: Map::new(),
        }
    }
}

/// The answers of an operation for signed-in callers of some role, for
/// `#[utoipa::path(responses(…))]`: every such operation documents the same two.
#[derive(Debug, utoipa::IntoResponses)]
pub enum AuthErrors {
    #[response(status = 401, description = "Not signed in")]
    Unauthorized(ErrorBody),
    #[response(status = 403, description = "Wrong role")]
    Forbidden(ErrorBody),
}

/// The answer of an operation on something that may not exist.
#[derive(Debug, utoipa::IntoResponses)]
pub enum NotFoundError {
    #[response(status = 404, description = "Not found")]
    NotFound(ErrorBody),
}

/// The answers of an operation that reads a JSON body: malformed, or too large.
#[derive(Debug, utoipa::IntoResponses)]
pub enum JsonBodyErrors {
    #[response(status = 400, description = "Malformed JSON")]
    Malformed(ErrorBody),
    #[response(status = 413, description = "Body too large")]
    TooLarge(ErrorBody),
}

/// One problem in an uploaded file, located by its line (or spreadsheet row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineProblem {
    /// 1-based line or spreadsheet row; 0 for problems about the whole file.
    pub line: usize,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

/// The problems of one uploaded file, collected with bounded memory: the first
/// [`MAX_PROBLEMS_LISTED`] by line (in the order found within a line), and how many were
/// found in all. This is the one place problem lists are capped; answers render
/// [`Problems::omitted`] as one last "… và N lỗi khác" entry ([`Problems::rendered`]).
///
/// A file refused for passing an upload limit carries the limit's name ([`Problems::limit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    listed: Vec<LineProblem>,
    total: usize,
    limit: Option<&'static str>,
}

impl Problems {
    /// No problems yet.
    pub fn new() -> Problems {
        Problems::default()
    }

    /// The single problem of a file refused for passing the upload limit `limit` (a name
    /// of [`crate::limits`]'s table, e.g. `columns`, `xlsx_part_bytes`).
    pub fn over_limit(limit: &'static str, line: usize, message: impl Into<String>) -> Problems {
        let mut problems = Problems::new();
        problems.push(line, message);
        problems.limit = Some(limit);
        problems
    }

    /// Adds a problem at `line`: see [`Problems::add`].
    pub fn push(&mut self, line: usize, message: impl Into<String>) {
        self.add(LineProblem {
            line,
            message: message.into(),
        });
    }

    /// Adds a problem, keeping only the first [`MAX_PROBLEMS_LISTED`] by line (a later
    /// one on the same line after the earlier ones); a message longer than
    /// [`MAX_MESSAGE_CHARS`] is cut.
    pub fn add(&mut self, mut problem: LineProblem) {
        self.total += 1;
        let at = self.listed.partition_point(|p| p.line <= problem.line);
        if at >= MAX_PROBLEMS_LISTED {
            return;
        }
        if self.listed.len() == MAX_PROBLEMS_LISTED {
            self.listed.pop();
        }
        if let std::borrow::Cow::Owned(cut) = truncate(&problem.message, MAX_MESSAGE_CHARS) {
            problem.message = cut;
        }
        self.listed.insert(at, problem);
    }

    /// Adds every problem of `other` (its listed ones, and the count of the rest).
    pub fn append(&mut self, other: Problems) {
        let omitted = other.omitted();
        self.limit = self.limit.or(other.limit);
        for p in other.listed {
            self.add(p);
        }
        self.total += omitted;
    }

    /// How many problems were found, listed or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// How many problems were found but are not listed.
    pub fn omitted(&self) -> usize {
        self.total - self.listed.len()
    }

    /// The upload limit the file passed, if that is why it was refused.
    pub fn limit(&self) -> Option<&'static str> {
        self.limit
    }

    /// The listed problems, sorted by line.
    pub fn listed(&self) -> &[LineProblem] {
        &self.listed
    }

    /// The listed problems plus, when some were left out, one last entry (line 0) that
    /// says how many: what JSON answers, pages and the command line show.
    pub fn rendered(&self) -> Vec<LineProblem> {
        let mut out = self.listed.clone();
        if self.omitted() > 0 {
            out.push(LineProblem {
                line: 0,
                message: format!(
                    "… và {} lỗi khác (chỉ liệt kê {} lỗi đầu tiên).",
                    number(self.omitted() as u64),
                    MAX_PROBLEMS_LISTED
                ),
            });
        }
        out
    }
}

impl std::ops::Deref for Problems {
    type Target = [LineProblem];

    fn deref(&self) -> &[LineProblem] {
        &self.listed
    }
}

impl IntoIterator for Problems {
    type Item = LineProblem;
    type IntoIter = std::vec::IntoIter<LineProblem>;

    fn into_iter(self) -> Self::IntoIter {
        self.listed.into_iter()
    }
}

impl Extend<LineProblem> for Problems {
    fn extend<I: IntoIterator<Item = LineProblem>>(&mut self, iter: I) {
        for p in iter {
            self.add(p);
        }
    }
}

impl FromIterator<LineProblem> for Problems {
    fn from_iter<I: IntoIterator<Item = LineProblem>>(iter: I) -> Problems {
        let mut problems = Problems::new();
        problems.extend(iter);
        problems
    }
}

impl From<LineProblem> for Problems {
    fn from(problem: LineProblem) -> Problems {
        Problems::from_iter([problem])
    }
}

impl From<Vec<LineProblem>> for Problems {
    fn from(problems: Vec<LineProblem>) -> Problems {
        Problems::from_iter(problems)
    }
}

impl PartialEq<Vec<LineProblem>> for Problems {
    fn eq(&self, other: &Vec<LineProblem>) -> bool {
        self.omitted() == 0 && self.listed == *other
    }
}

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials were presented.
    #[error("authentication required")]
    Unauthorized,
    /// Login failed; one answer for an unknown login and a wrong password.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Signed in, but the role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Refused for a stated reason (a voided account, a cross-site request…): a 403 with
    /// its own stable code.
    #[error("refused ({code}): {message}")]
    Refused { code: &'static str, message: String },
    /// The thing does not exist, or the caller may not know that it does.
    #[error("not found")]
    NotFound,
    /// Fields of a request are invalid: each named with a Vietnamese message.
    #[error("invalid fields: {fields:?}")]
    Validation { fields: BTreeMap<String, String> },
    /// An uploaded file has problems; nothing of it was stored.
    #[error("invalid file ({code}): {} problems", problems.total())]
    InvalidFile {
        code: &'static str,
        message: String,
        problems: Problems,
    },
    /// The request is well-formed but breaks a rule (a draw the banks cannot fill, a
    /// choice that is not an option of the question…); `details` adds machine fields.
    #[error("unprocessable ({code}): {message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        details: Map<String, Value>,
    },
    /// The request conflicts with the current state (duplicate, closed, exhausted…);
    /// `details` adds machine fields naming what it conflicts with (e.g. `rounds` of
    /// `rounds_not_settled`), usually none.
    #[error("conflict ({code}): {message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Map<String, Value>,
    },
    /// The request itself is malformed (bad JSON, bad query string…).
    #[error("bad request ({code}): {message}")]
    BadRequest { code: &'static str, message: String },
    /// The request body is larger than this endpoint accepts.
    #[error("payload too large")]
    PayloadTooLarge,
    /// Too many attempts; try again after the given number of seconds.
    #[error("rate limited")]
    TooManyRequests { retry_after_secs: u64 },
    /// The client stopped sending its request body.
    #[error("request body timed out")]
    RequestTimeout,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Anything else that should not happen.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    /// A single invalid field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(name.to_owned(), message.into());
        AppError::Validation { fields }
    }

    /// A 409 with a stable code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::conflict_with(code, message, Map::new())
    }

    /// A 409 with a stable code and machine fields naming what it conflicts with.
    pub fn conflict_with(
        code: &'static str,
        message: impl Into<String>,
        details: Map<String, Value>,
    ) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
            details,
        }
    }

    /// A 403 with a stable code and a reason.
    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Refused {
            code,
            message: message.into(),
        }
    }

    /// A 400 with a stable code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// True for the 4xx errors a form shows back to the person who sent it.
    pub fn status_code_is_client(&self) -> bool {
        ResponseError::status_code(self).is_client_error()
    }

    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden => "forbidden",
            AppError::Refused { code, .. } => code,
            AppError::NotFound => "not_found",
            AppError::Validation { .. } => "invalid",
            AppError::InvalidFile { code, .. } => code,
            AppError::Unprocessable { code, .. } => code,
            AppError::Conflict { code, .. } => code,
            AppError::BadRequest { code, .. } => code,
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::TooManyRequests { .. } => "rate_limited",
            AppError::RequestTimeout => "request_timeout",
            AppError::Db(_) | AppError::Unexpected(_) => "internal",
        }
    }

    /// The Vietnamese message shown to people.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthorized => "Bạn cần đăng nhập để tiếp tục.".into(),
            AppError::InvalidCredentials => "Thông tin đăng nhập hoặc mật khẩu không đúng.".into(),
            AppError::Forbidden => {
                "Tài khoản của bạn không có quyền thực hiện thao tác này.".into()
            }
            AppError::NotFound => "Không tìm thấy nội dung yêu cầu.".into(),
            AppError::Validation { .. } => {
                "Dữ liệu chưa hợp lệ, vui lòng kiểm tra các trường được nêu.".into()
            }
            AppError::InvalidFile { message, .. }
            | AppError::Unprocessable { message, .. }
            | AppError::Refused { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::BadRequest { message, .. } => message.clone(),
            AppError::PayloadTooLarge => "Dữ liệu gửi lên vượt quá kích thước cho phép.".into(),
            AppError::TooManyRequests { .. } => {
                "Bạn thao tác quá nhiều lần, vui lòng thử lại sau.".into()
            }
            AppError::RequestTimeout => {
                "Quá thời gian chờ dữ liệu gửi lên, vui lòng kiểm tra kết nối và thử lại.".into()
            }
            AppError::Db(_) | AppError::Unexpected(_) => {
                "Hệ thống đang gặp sự cố, vui lòng thử lại sau.".into()
            }
        }
    }

    /// The JSON body of this error.
    pub fn body(&self) -> ErrorBody {
        let mut detail = ErrorDetail::new(self.code(), self.message());
        match self {
            AppError::Validation { fields } => detail.fields = Some(fields.clone()),
            AppError::InvalidFile { problems, .. } => {
                detail.problems = Some(problems.rendered());
                detail.problem_count = Some(problems.total());
                detail.problems_omitted = Some(problems.omitted());
                detail.limit = problems.limit().map(str::to_owned);
            }
            AppError::Unprocessable { details, .. } | AppError::Conflict { details, .. } => {
                detail.details = details.clone();
            }
            AppError::TooManyRequests { retry_after_secs } => {
                detail.retry_after = Some(*retry_after_secs);
            }
            _ => {}
        }
        ErrorBody { error: detail }
    }
}

impl AppError {
    /// The error as it is logged: its message and its causes' messages. Never its `Debug`
    /// form: a PostgreSQL error carries the server's DETAIL there, which quotes the values
    /// of the failing row — phone and ID numbers, password hashes.
    pub fn log_text(&self) -> String {
        match self {
            AppError::Unexpected(e) => format!("{e:#}"),
            other => other.to_string(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Refused { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Validation { .. }
            | AppError::InvalidFile { .. }
            | AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Db(_) | AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The one place unexpected errors are logged; the client gets a generic message.
            tracing::error!(error = %self.log_text(), "request failed");
        }
        let mut response = HttpResponse::build(status);
        match self {
            AppError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            // The rest of a stalled body will not be read: the connection cannot be reused.
            AppError::RequestTimeout => {
                response.insert_header((header::CONNECTION, "close"));
            }
            _ => {}
        }
        response.json(self.body())
    }
}

/// If `err` is a unique-constraint violation, the text of the database's message
/// (it names the violated column or index), so callers can map it to a `Conflict`.
pub fn unique_violation(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => Some(message),
        _ => None,
    }
}

/// Maps a unique-constraint violation to the `Conflict` of the first `(column, code,
/// message)` whose column the database names; any other error passes through.
pub fn map_unique(err: DbErr, columns: &[(&str, &'static str, &str)]) -> AppError {
    if let Some(text) = unique_violation(&err) {
        for (column, code, message) in columns {
            if text.contains(column) {
                return AppError::conflict(code, *message);
            }
        }
        return AppError::conflict("conflict", "Dữ liệu đã tồn tại.");
    }
    AppError::Db(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_keep_the_first_by_line_whatever_the_order_they_come_in() {
        let mut problems = Problems::new();
        for line in (1..=300).rev() {
            problems.push(line, format!("dòng {line}"));
        }
        problems.push(7, "thứ hai ở dòng 7");
        assert_eq!(problems.total(), 301);
        assert_eq!(problems.omitted(), 201);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        let mut expected: Vec<usize> = (1..=99).collect();
        expected.insert(7, 7);
        assert_eq!(lines, expected);
        assert_eq!(problems[7].message, "thứ hai ở dòng 7");
        let rendered = problems.rendered();
        assert_eq!(rendered.len(), MAX_PROBLEMS_LISTED + 1);
        assert_eq!(rendered[100].line, 0);
        assert_eq!(
            rendered[100].message,
            "… và 201 lỗi khác (chỉ liệt kê 100 lỗi đầu tiên)."
        );
    }

    #[test]
    fn long_messages_are_cut_and_short_lists_render_as_they_are() {
        let mut problems = Problems::from(LineProblem {
            line: 2,
            message: "x".repeat(10_000),
        });
        problems.push(1, "y".repeat(10_000));
        for p in problems.iter() {
            assert_eq!(p.message.chars().count(), MAX_MESSAGE_CHARS + 1);
            assert!(p.message.ends_with('…'));
        }
        assert_eq!(problems.rendered(), problems.listed().to_vec());
        let limit = Problems::over_limit("rows", 9, "quá nhiều dòng");
        assert_eq!(limit.limit(), Some("rows"));
        assert_eq!(limit.total(), 1);
    }
}
