//! The audit trail and attempt verification, for judges (and organisers, admins).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Staff;

/// Query of the audit listing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// `GET /api/v1/audit?limit=&offset=` — newest first.
pub async fn list(
    _staff: Staff,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse> {
    let rows = crate::audit::list(
        &state.db.read,
        query.limit.unwrap_or(100),
        query.offset.unwrap_or(0),
    )
    .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// `GET /api/v1/attempts/{id}/verify` — re-derive the draw from the seed and the bank
/// versions, re-score, and report a match or the differences.
pub async fn verify(
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let verification = crate::contest::verify::verify(&state.db.read, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(verification))
}
