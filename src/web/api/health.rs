//! `GET /healthz`: the service is up and its database answers.

use actix_web::{HttpResponse, web};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::state::AppState;

#[utoipa::path(
    get, path = "/healthz", tag = "health",
    responses(
        (status = 200, description = "Up; the database answers", body = crate::web::openapi::Health),
        (status = 503, description = "The database does not answer", body = crate::web::openapi::Health),
    )
)]
/// 200 when the database answers a query, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.read.execute_unprepared("SELECT 1").await {
        Ok(_) => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "error": {"code": "database_unavailable", "message": "Cơ sở dữ liệu không phản hồi."}
            }))
        }
    }
}
