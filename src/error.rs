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
use serde_json::{Map, Value, json};

/// A result whose error is [`AppError`].
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// One problem in an uploaded file, located by its line (or spreadsheet row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineProblem {
    pub line: usize,
    pub message: String,
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
    #[error("invalid file ({code}): {} problems", problems.len())]
    InvalidFile {
        code: &'static str,
        message: String,
        problems: Vec<LineProblem>,
    },
    /// The request is well-formed but breaks a rule (a draw the banks cannot fill, a
    /// choice that is not an option of the question…); `details` adds machine fields.
    #[error("unprocessable ({code}): {message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        details: Map<String, Value>,
    },
    /// The request conflicts with the current state (duplicate, closed, exhausted…).
    #[error("conflict ({code}): {message}")]
    Conflict { code: &'static str, message: String },
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
        AppError::Conflict {
            code,
            message: message.into(),
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

    /// Extra fields of the JSON error body, beside `code` and `message`.
    fn details(&self) -> Map<String, Value> {
        let mut extra = Map::new();
        match self {
            AppError::Validation { fields } => {
                extra.insert("fields".into(), json!(fields));
            }
            AppError::InvalidFile { problems, .. } => {
                extra.insert("problems".into(), json!(problems));
            }
            AppError::Unprocessable { details, .. } => {
                extra.extend(details.clone());
            }
            AppError::TooManyRequests { retry_after_secs } => {
                extra.insert("retry_after".into(), json!(retry_after_secs));
            }
            _ => {}
        }
        extra
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
        let mut body = Map::new();
        body.insert("code".into(), json!(self.code()));
        body.insert("message".into(), json!(self.message()));
        body.extend(self.details());
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
        response.json(json!({ "error": body }))
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
