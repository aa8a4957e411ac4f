//! Disputed questions (issue #15 point 5): the organiser records the jury's decision on a
//! question of a round, and the round is re-scored (see `contest::disputes`).

use actix_web::{HttpResponse, web};

use crate::contest::disputes::{self, DecisionOutcome, DecisionSpec};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Organiser;

#[utoipa::path(
    post, path = "/api/v1/rounds/{id}/questions/{question_id}/decision", tag = "rounds",
    params(
        ("id" = i64, Path, example = 1, description = "Round id"),
        ("question_id" = i64, Path, example = 12, description = "Question revision id, as the item analysis shows it"),
    ),
    request_body = DecisionSpec,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided; the round's finished attempts re-scored", body = DecisionOutcome),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "The round has not opened (`round_not_open`), or the contest is finished (`contest_locked`)", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid fields (`reason`, `decision`, `correct`), or a question the round never drew (`question_not_drawn`)", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/rounds/{id}/questions/{question_id}/decision` — correct the key of a
/// question, accept every answer, or drop it; re-scores the round.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn decide(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    body: web::Json<DecisionSpec>,
) -> Result<HttpResponse> {
    let (round_id, question_id) = path.into_inner();
    let outcome = disputes::decide(
        &state.db.write,
        &state.engine,
        round_id,
        question_id,
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}
