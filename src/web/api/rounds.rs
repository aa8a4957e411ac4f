//! Organisers change rounds (issue #15): edit one by the rules that keep it fair, close
//! one early with a reason, create a whole season at once. The rules are in
//! `contest::round_edit` and `contest::season`; these handlers only translate HTTP.

use actix_web::{HttpResponse, web};

use crate::contest::RoundView;
use crate::contest::round_edit::{self, CloseRequest, RoundChange};
use crate::contest::season::{self, SeasonSpec};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::Organiser;

#[utoipa::path(
    patch, path = "/api/v1/rounds/{id}", tag = "rounds",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    request_body = RoundChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The round as it now is, with its notices", body = RoundView),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "A field that may no longer change (`round_locked`, naming `fields`): once open only the title, the closing time and more attempts; once closed only the title; nothing of a finished contest", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid fields, nothing to change, a closing time before now (`closes_at_in_past`), or a draw the banks cannot fill (`draw_short`)", body = crate::error::ErrorBody),
    )
)]
/// `PATCH /api/v1/rounds/{id}` — edits a round (`contest::round_edit`).
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), round.id = *path))]
pub async fn update(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<RoundChange>,
) -> Result<HttpResponse> {
    let r = round_edit::update_round(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!("round updated");
    Ok(HttpResponse::Ok()
        .json(round_edit::round_view_full(&state.db.write, &r, state.engine.now()).await?))
}

#[utoipa::path(
    post, path = "/api/v1/rounds/{id}/close", tag = "rounds",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    request_body = CloseRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed (or already closed), with its notices", body = RoundView),
        (status = 400, description = "Not confirmed (`confirmation_required`: no body, `{}`, or `confirm` not true), or malformed JSON", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 422, description = "No reason given", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/rounds/{id}/close` — closes a round early, with a reason participants
/// read, once confirmed. The body is read by hand: a missing body is an unconfirmed close
/// (`confirmation_required`), not a malformed one.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), round.id = *path))]
pub async fn close(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse> {
    if body.len() > crate::web::JSON_LIMIT {
        return Err(AppError::PayloadTooLarge);
    }
    let request: CloseRequest = if body.iter().all(u8::is_ascii_whitespace) {
        return Err(round_edit::confirmation_required());
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            AppError::bad_request("invalid_json", format!("Dữ liệu JSON không hợp lệ: {e}"))
        })?
    };
    let r = round_edit::close_round(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        &request,
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!("round closed early");
    Ok(HttpResponse::Ok()
        .json(round_edit::round_view_full(&state.db.write, &r, state.engine.now()).await?))
}

#[utoipa::path(
    post, path = "/api/v1/contests/{id}/season", tag = "rounds",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    request_body = SeasonSpec,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Every round of the season, in order", body = Vec<RoundView>),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "The contest is finished (`contest_locked`)", body = crate::error::ErrorBody),
        (status = 422, description = "Bounds (`count` 1–52, `period_days` ≥ 1, `open_hours` 1 to the period), invalid round settings, or a draw the banks cannot fill (`draw_short`); nothing is created", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/contests/{id}/season` — creates a season of rounds in one transaction.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), contest.id = *path))]
pub async fn create_season(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<SeasonSpec>,
) -> Result<HttpResponse> {
    let rounds = season::create_season(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!(rounds = rounds.len(), "season created");
    Ok(HttpResponse::Created()
        .json(round_edit::round_views(&state.db.write, &rounds, state.engine.now()).await?))
}
