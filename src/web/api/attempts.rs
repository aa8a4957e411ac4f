//! Attempts (participants only; staff get 403): start or resume, save an answer, submit,
//! read.

use crate::db::OneByKey;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::accounts::Role;
use crate::contest::{self, attempts as engine_attempts};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{AuthUser, Participant};

#[utoipa::path(
    post, path = "/api/v1/rounds/{id}/attempts", tag = "attempts",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The attempt in progress, resumed", body = engine_attempts::AttemptView),
        (status = 201, description = "A new attempt", body = engine_attempts::AttemptView),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "The round is not open, no attempts are left, or the contest is finished (`contest_finished`)", body = crate::error::ErrorBody),
        (status = 422, description = "The banks cannot fill the draw", body = crate::error::ErrorBody),
        (status = 429, description = "Too many new attempts in a short time (`rate_limited`, with `Retry-After`)", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/rounds/{id}/attempts` → 201 new, 200 the attempt in progress.
#[tracing::instrument(skip_all, fields(user.id = participant.0.id(), round.id = *path))]
pub async fn start(
    participant: Participant,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let round =
        engine_attempts::cached_round(&state.engine, &state.db.read, path.into_inner()).await?;
    let started =
        engine_attempts::start(&state.engine, &state.db, &participant.0.user, &round).await?;
    let (mut response, view) = match started {
        engine_attempts::Started::New(a) => {
            tracing::info!(attempt.id = a.id, "attempt started");
            let view = engine_attempts::view_new(&state.engine, &state.db.read, &round, &a);
            (HttpResponse::Created(), view.await?)
        }
        engine_attempts::Started::Resumed(a) => {
            let reveal = engine_attempts::Reveal::RUNNING;
            let view = engine_attempts::view(&state.engine, &state.db.read, &round, &a, reveal);
            (HttpResponse::Ok(), view.await?)
        }
    };
    Ok(response.json(view))
}

/// The body of an answer save.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveBody {
    /// Opaque option ids of the attempt's view; empty to clear the answer.
    #[schema(max_items = 16)]
    pub choices: Vec<String>,
}

#[utoipa::path(
    put, path = "/api/v1/attempts/{id}/answers/{question_id}", tag = "attempts",
    params(("id" = i64, Path, example = 1, description = "Attempt id"), ("question_id" = i64, Path, minimum = 1, description = "The question's position in the attempt")),
    request_body = SaveBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved and committed", body = engine_attempts::AnswerSaved),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "The attempt is finished or past its deadline", body = crate::error::ErrorBody),
        (status = 422, description = "A choice is not an option of the question", body = crate::error::ErrorBody),
    )
)]
/// `PUT /api/v1/attempts/{id}/answers/{question_id}` → 200 `{saved_at}` once committed.
pub async fn save_answer(
    participant: Participant,
    state: web::Data<AppState>,
    path: web::Path<(i64, usize)>,
    body: web::Json<SaveBody>,
) -> Result<HttpResponse> {
    let (attempt_id, position) = path.into_inner();
    if body.choices.len() > 16 {
        return Err(AppError::field("choices", "Quá nhiều lựa chọn."));
    }
    let saved_at = engine_attempts::save_answer_for(
        &state.engine,
        &state.db,
        participant.0.id(),
        attempt_id,
        position,
        &body.choices,
    )
    .await?;
    Ok(HttpResponse::Ok().json(engine_attempts::AnswerSaved {
        saved_at,
        question_id: position as i64,
    }))
}

/// The body of a prediction save.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictionBody {
    /// The answer to the round's prediction question; `null` clears it.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub prediction: Option<i64>,
}

#[utoipa::path(
    put, path = "/api/v1/attempts/{id}/prediction", tag = "attempts",
    params(("id" = i64, Path, example = 1, description = "Attempt id")),
    request_body = PredictionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved; the submit keeps it unless it gives another", body = engine_attempts::PredictionSaved),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "The attempt is finished or past its deadline", body = crate::error::ErrorBody),
        (status = 422, description = "The prediction is out of range", body = crate::error::ErrorBody),
    )
)]
/// `PUT /api/v1/attempts/{id}/prediction` → 200 `{saved_at, prediction}`: the prediction
/// is saved as it is typed, like an answer.
pub async fn save_prediction(
    participant: Participant,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<PredictionBody>,
) -> Result<HttpResponse> {
    let saved_at = engine_attempts::save_prediction(
        &state.engine,
        &state.db,
        participant.0.id(),
        path.into_inner(),
        body.prediction,
    )
    .await?;
    Ok(HttpResponse::Ok().json(engine_attempts::PredictionSaved {
        saved_at,
        prediction: body.prediction,
    }))
}

/// The body of a submit.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// The answer to the round's prediction question.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub prediction: Option<i64>,
}

#[utoipa::path(
    post, path = "/api/v1/attempts/{id}/submit", tag = "attempts",
    params(("id" = i64, Path, example = 1, description = "Attempt id")),
    request_body(content = Option<SubmitBody>, description = "Optional: the prediction answer"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The result (the same on a repeat)", body = engine_attempts::Submitted),
        (status = 400, description = "Malformed JSON", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 422, description = "The prediction is out of range", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/attempts/{id}/submit` → the result; idempotent.
#[tracing::instrument(skip_all, fields(user.id = participant.0.id(), attempt.id = *path))]
pub async fn submit(
    participant: Participant,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse> {
    // The body is optional, but when present it must be valid: a malformed prediction is
    // refused, never silently dropped.
    let prediction = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<SubmitBody>(&body)
            .map_err(|e| {
                AppError::bad_request("invalid_json", format!("Dữ liệu JSON không hợp lệ: {e}"))
            })?
            .prediction
    };
    let a =
        engine_attempts::load_own(&state.db.read, path.into_inner(), participant.0.id()).await?;
    let finished = engine_attempts::submit(&state.engine, &state.db.read, a, prediction).await?;
    let round =
        engine_attempts::cached_round(&state.engine, &state.db.read, finished.round_id).await?;
    let shown = contest::fairness::scores_visible(&round);
    Ok(HttpResponse::Ok().json(engine_attempts::Submitted::of(&finished, shown)))
}

#[utoipa::path(
    get, path = "/api/v1/attempts/{id}", tag = "attempts",
    params(("id" = i64, Path, example = 1, description = "Attempt id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The attempt", body = engine_attempts::AttemptView),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/attempts/{id}` — the owner sees status, deadline, saved answers, the result
/// once finished (its score held back until the round is settled when the round says
/// `after_close`), and the review (correct options, explanations) once the round is
/// settled: closed, its grace over and every attempt finalised. Judges and
/// organisers may read any attempt, with its score, and with the review under the same
/// rule; admins none (they manage accounts, not contest data).
pub async fn get(
    caller: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    if caller.role == Role::Admin {
        return Err(AppError::Forbidden);
    }
    let attempt_id = path.into_inner();
    let a = if caller.role.is_staff() {
        crate::entities::attempt::Entity::find_by_id(attempt_id)
            .one_by_key(&state.db.read)
            .await?
            .ok_or(AppError::NotFound)?
    } else {
        engine_attempts::load_own(&state.db.read, attempt_id, caller.id()).await?
    };
    let a = engine_attempts::settle_if_expired(&state.engine, &state.db.read, a).await?;
    let round = engine_attempts::load_round(&state.db.read, a.round_id).await?;
    let reveal = if a.status == contest::finishing::Status::Finished {
        let staff = caller.role.is_staff();
        engine_attempts::Reveal::for_finished(&state.engine, &state.db.read, &round, staff).await?
    } else {
        engine_attempts::Reveal::RUNNING
    };
    let view = engine_attempts::view(&state.engine, &state.db.read, &round, &a, reveal).await?;
    Ok(HttpResponse::Ok().json(view))
}

use sea_orm::EntityTrait;
