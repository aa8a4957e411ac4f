//! `GET /healthz`: the service is up and its database answers.

use actix_web::{HttpResponse, web};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::error::ErrorDetail;
use crate::state::AppState;

/// `GET /healthz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Why the service is unavailable (503 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

#[utoipa::path(
    get, path = "/healthz", tag = "health",
    responses(
        (status = 200, description = "Up; the database answers", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
/// 200 when the database answers a query, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.read.execute_unprepared("SELECT 1").await {
        Ok(_) => HttpResponse::Ok().json(Health {
            status: "ok",
            error: None,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(Health {
                status: "unavailable",
                error: Some(ErrorDetail::new(
                    "database_unavailable",
                    "Cơ sở dữ liệu không phản hồi.",
                )),
            })
        }
    }
}
