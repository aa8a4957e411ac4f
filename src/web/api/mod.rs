//! JSON API handlers under `/api/v1`.

pub mod announcements;
pub mod attempts;
pub mod audit;
pub mod auth;
pub mod award_files;
pub mod awards;
pub mod banks;
pub mod contests;
pub mod dashboard;
pub mod disputes;
pub mod documents;
pub mod exports;
pub mod health;
pub mod me;
pub mod metrics;
pub mod participants;
pub mod recovery;
pub mod rounds;
pub mod site;
pub mod staff;
pub mod units;

use crate::error::AppError;

/// Any path no route matches: the JSON `not_found` under `/api/`, where programs ask; an
/// HTML page through the layout everywhere else, where a person followed a link.
pub async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, actix_web::Error> {
    if req.path().starts_with("/api/") {
        Err(AppError::NotFound.into())
    } else {
        Err(crate::web::pages::PageError(AppError::NotFound).into())
    }
}
