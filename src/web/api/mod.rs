//! JSON API handlers under `/api/v1`.

pub mod attempts;
pub mod audit;
pub mod auth;
pub mod banks;
pub mod contests;
pub mod exports;
pub mod health;
pub mod participants;
pub mod units;

use crate::error::AppError;

/// Any path no route matches.
pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
