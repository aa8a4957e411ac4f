//! Organiser tools over participants: search, void and unvoid, duplicate candidates. The
//! rules live in [`crate::accounts::participants`]; these handlers translate HTTP.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::accounts::participants;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Organiser;

/// A participant's void status after a change.
// `void_reason` is absent once restored, as it always was.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoidStatus {
    pub id: i64,
    pub voided: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void_reason: Option<String>,
}

/// Query of the participant search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// A name fragment, a phone number or a unit code.
    pub query: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u64>,
}

#[utoipa::path(
    get, path = "/api/v1/participants", tag = "participants",
    params(SearchQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Matching participants", body = Vec<participants::ParticipantView>),
        (status = 400, description = "Bad query", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/participants?query=` — by name (diacritics and case ignored), part of a
/// phone number, or a unit's code or name.
pub async fn search(
    _organiser: Organiser,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse> {
    let views = participants::search(
        &state,
        query.query.as_deref().unwrap_or(""),
        query.limit.unwrap_or(100),
    )
    .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// The body of a void.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    /// Why (required, at most 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[utoipa::path(
    post, path = "/api/v1/participants/{id}/void", tag = "participants",
    params(("id" = i64, Path, example = 1, description = "Participant id")),
    request_body = VoidBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Voided", body = VoidStatus),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 422, description = "No reason, or too long a reason", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/participants/{id}/void` `{reason}` — results stop counting; data is kept.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), participant.id = *path))]
pub async fn void(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<VoidBody>,
) -> Result<HttpResponse> {
    let reason = participants::void_reason(&body.reason)?;
    let u = participants::set_voided(
        &state,
        path.into_inner(),
        Some(reason),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!("participant voided");
    Ok(HttpResponse::Ok().json(VoidStatus {
        id: u.id,
        voided: true,
        void_reason: u.void_reason,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/participants/{id}/unvoid", tag = "participants",
    params(("id" = i64, Path, example = 1, description = "Participant id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored", body = VoidStatus),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `POST /api/v1/participants/{id}/unvoid`.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), participant.id = *path))]
pub async fn unvoid(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let u =
        participants::set_voided(&state, path.into_inner(), None, Some(organiser.0.id())).await?;
    tracing::info!("participant restored");
    Ok(HttpResponse::Ok().json(VoidStatus {
        id: u.id,
        voided: false,
        void_reason: None,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/participants/duplicates", tag = "participants",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Groups of accounts that look like one person", body = Vec<participants::DuplicateGroup>),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/participants/duplicates`.
pub async fn duplicates(_organiser: Organiser, state: web::Data<AppState>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(participants::duplicate_groups(&state).await?))
}

#[utoipa::path(
    patch, path = "/api/v1/participants/{id}", tag = "participants",
    params(("id" = i64, Path, example = 1, description = "Participant id")),
    request_body = participants::Correction,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected; rankings follow from the next snapshot", body = participants::ParticipantView),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "`has_attempts`: the category cannot change once they have an attempt", body = crate::error::ErrorBody),
        (status = 422, description = "No reason, an unknown unit or category, a bad name (each field named)", body = crate::error::ErrorBody),
    )
)]
/// `PATCH /api/v1/participants/{id}` `{unit_code?, category?, full_name?, reason}` — an
/// organiser's correction, audited with before and after.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), participant.id = *path))]
pub async fn correct(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<participants::Correction>,
) -> Result<HttpResponse> {
    let view = participants::correct(
        &state,
        path.into_inner(),
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!("participant corrected");
    Ok(HttpResponse::Ok().json(view))
}
