//! Units: the public list, and the organisers' CSV import.

use actix_web::{HttpResponse, web};

use crate::error::Result;
use crate::state::AppState;
use crate::units;
use crate::web::extract::Organiser;

#[utoipa::path(
    get, path = "/api/v1/units", tag = "units",
    responses((status = 200, description = "Every unit, parents first", body = Vec<crate::units::UnitView>))
)]
/// `GET /api/v1/units` — every unit in tree order (public).
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse> {
    let units = units::list(&state.db.read).await?;
    Ok(HttpResponse::Ok().json(units))
}

#[utoipa::path(
    post, path = "/api/v1/units/import", tag = "units",
    request_body(content = String, content_type = "text/csv",
        description = "`code,name,parent_code,kind,block,headcount`, with a header line"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported whole", body = crate::units::ImportSummary),
        crate::error::AuthErrors,
        (status = 413, description = "File too large", body = crate::error::ErrorBody),
        (status = 422, description = "The file has problems; nothing was stored", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/units/import` — a CSV body `code,name,parent_code,kind,block,headcount`,
/// imported whole or not at all.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), bytes = body.len()))]
pub async fn import(
    organiser: Organiser,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let summary = units::import_csv(&state.db.write, &body, Some(organiser.0.id())).await?;
    tracing::info!(
        created = summary.created,
        updated = summary.updated,
        "units imported"
    );
    Ok(HttpResponse::Ok().json(summary))
}
