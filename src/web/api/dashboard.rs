//! The organiser's dashboard as JSON (the `/organiser` page shows the same value).

use actix_web::{HttpResponse, web};

use crate::contest::dashboard::{self, Dashboard};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Organiser;

#[utoipa::path(
    get, path = "/api/v1/dashboard", tag = "dashboard",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Today (Vietnam time) and total counts, attempts in progress, each open ranked round's participants, median score, share of perfect scores and units' participation per block (from the boards' snapshots), and warnings for the next 24 hours", body = Dashboard),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/dashboard` (organisers).
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn get(organiser: Organiser, state: web::Data<AppState>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(dashboard::build(&state).await?))
}
