//! The audit trail (judges, organisers, admins) and attempt verification (judges,
//! organisers).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{AuditReader, Staff};

/// Query of the audit listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// At most this many (1–1000, default 100).
    pub limit: Option<u64>,
    /// Entries to skip.
    pub offset: Option<u64>,
}

#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Audit entries, newest first", body = Vec<crate::audit::AuditEntry>),
        (status = 400, description = "Bad query", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/audit?limit=&offset=` — newest first.
pub async fn list(
    _reader: AuditReader,
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

#[utoipa::path(
    get, path = "/api/v1/attempts/{id}/verify", tag = "audit",
    params(("id" = i64, Path, example = 1, description = "Attempt id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A match, or the differences", body = crate::contest::verify::Verification),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
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

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/unusual-attempts", tag = "audit",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Accounts with an unusual number of attempts in one round, most first", body = Vec<crate::contest::fairness::UnusualAttempts>),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/unusual-attempts` — accounts with at least
/// [`crate::contest::fairness::UNUSUAL_ATTEMPTS`] attempts in one round of the contest
/// (scripts probing for the key start many attempts), for the judges to look at.
pub async fn unusual_attempts(
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let contest_id = path.into_inner();
    crate::contest::load_contest(&state.db.read, contest_id).await?;
    let rows = crate::contest::fairness::unusual_attempts(&state.db.read, contest_id).await?;
    Ok(HttpResponse::Ok().json(rows))
}
