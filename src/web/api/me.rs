//! The caller's own personal data (Decree 13/2023, issue #16): a copy of it, and requests
//! to the organisers to correct or delete it; the organisers' list of those requests.
//! The rules live in [`crate::accounts::profile`].

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::accounts::profile::{self, MyData};
use crate::accounts::requests::{self, NewRequest, RequestEntry, Resolve};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{AuthUser, Organiser, Participant};

/// The query of `GET /api/v1/me/data`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DataQuery {
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/me/data", tag = "auth",
    params(DataQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's own data, as a download (`Content-Disposition: attachment`, `Cache-Control: no-store`): profile, consent, attempts (scores where the round shows them; answers of settled rounds only — never an open round's), requests. With `format=csv`: one CSV file, `section,item,field,value`, one fact per row", body = MyData),
        (status = 400, description = "`invalid_query`: an unknown format", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/me/data` — everything the contest holds about the caller.
#[tracing::instrument(skip_all, fields(user.id = caller.id()))]
pub async fn data(
    caller: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<DataQuery>,
) -> Result<HttpResponse> {
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(AppError::bad_request(
                "invalid_query",
                "Định dạng phải là json hoặc csv.",
            ));
        }
    };
    let data = profile::my_data(&state.db.read, &caller.user).await?;
    let (body, content_type, name) = if csv {
        (
            profile::my_data_csv(&data)?,
            "text/csv; charset=utf-8",
            "du-lieu-cua-toi.csv",
        )
    } else {
        (
            serde_json::to_vec_pretty(&data)
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("Failed to encode: {e}")))?,
            "application/json",
            "du-lieu-cua-toi.json",
        )
    };
    tracing::info!(csv, "own data downloaded");
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        // Personal data: no cache keeps a copy.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[utoipa::path(
    post, path = "/api/v1/me/requests", tag = "auth",
    request_body = NewRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Sent to the organisers", body = RequestEntry),
        (status = 409, description = "`request_pending`: a deletion request is already pending", body = crate::error::ErrorBody),
        (status = 422, description = "No kind, or a correction without a note", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::JsonBodyErrors,
    )
)]
/// `POST /api/v1/me/requests` — a participant asks the organisers to correct or delete
/// their data.
#[tracing::instrument(skip_all, fields(user.id = caller.0.id()))]
pub async fn create_request(
    caller: Participant,
    state: web::Data<AppState>,
    body: web::Json<NewRequest>,
) -> Result<HttpResponse> {
    let entry =
        requests::create_request(&state.db.write, &caller.0.user, body.into_inner()).await?;
    tracing::info!(request.id = entry.id, "data request sent");
    Ok(HttpResponse::Created().json(entry))
}

#[utoipa::path(
    get, path = "/api/v1/requests", tag = "participants",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every participant's correction and deletion request, newest first", body = Vec<RequestEntry>),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/requests` — the organisers' list of participants' data requests.
pub async fn list_requests(
    _organiser: Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(requests::requests_where(&state.db.read, None).await?))
}

#[utoipa::path(
    post, path = "/api/v1/requests/{id}/resolve", tag = "participants",
    params(("id" = i64, Path, description = "The request")),
    request_body = Resolve,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Handled: `done` (a deletion anonymises the participant now: phone, email, CCCD and birth date are replaced, results and the published name and unit stay) or `rejected` with the reason the participant reads", body = RequestEntry),
        (status = 404, description = "No such request", body = crate::error::ErrorBody),
        (status = 409, description = "`request_handled`: handled already", body = crate::error::ErrorBody),
        (status = 422, description = "A rejection without a note, or a note too long", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::JsonBodyErrors,
    )
)]
/// `POST /api/v1/requests/{id}/resolve` — an organiser handles a participant's request.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), request.id = *path))]
pub async fn resolve_request(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<Resolve>,
) -> Result<HttpResponse> {
    let (entry, anonymised) = requests::resolve(
        &state.db.write,
        path.into_inner(),
        organiser.0.id(),
        body.into_inner(),
        state.engine.now(),
    )
    .await?;
    if anonymised {
        // Its tokens were revoked: this instance must not serve the cached account.
        state.users.remove(&entry.user_id).await;
    }
    tracing::info!(status = ?entry.status, anonymised, "data request handled");
    Ok(HttpResponse::Ok().json(entry))
}
