//! JSON API handlers under `/api/v1`.

pub mod auth;
pub mod health;
pub mod units;

use crate::error::AppError;

/// Any path no route matches.
pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
