//! Announcements (thông báo): organisers post and withdraw them; everyone reads the live
//! ones of the site or of a contest they may see.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::contest::announcements::{self, AnnouncementSpec, AnnouncementView};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Organiser, PublicCaller};

/// Query of `GET /api/v1/announcements`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// A contest's announcements; without it, the site-wide ones only.
    pub contest_id: Option<i64>,
}

#[utoipa::path(
    post, path = "/api/v1/announcements", tag = "announcements",
    request_body = AnnouncementSpec,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Posted", body = AnnouncementView),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        (status = 422, description = "Invalid fields (`validation`, naming `title`, `body`, `expires_at` or an unknown `contest_id`)", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/announcements` → 201 with the announcement (audited).
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn create(
    organiser: Organiser,
    state: web::Data<AppState>,
    body: web::Json<AnnouncementSpec>,
) -> Result<HttpResponse> {
    let a = announcements::create(
        &state.db.write,
        &state.engine,
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!(announcement.id = a.id, contest.id = ?a.contest_id, "announcement posted");
    Ok(HttpResponse::Created().json(AnnouncementView::from(&a)))
}

#[utoipa::path(
    get, path = "/api/v1/announcements", tag = "announcements",
    params(ListQuery),
    responses(
        (status = 200, description = "The announcements published and not expired nor withdrawn, by the server's clock, newest first: with `contest_id`, that contest's only (404 for a draft unless staff); without it, the site-wide ones only — contests' announcements are not included", body = Vec<AnnouncementView>),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/announcements?contest_id=` (public).
pub async fn list(
    caller: PublicCaller,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    if let Some(id) = query.contest_id {
        let c = crate::contest::load_contest(&state.db.read, id).await?;
        caller.ensure_sees(&c).await?;
    }
    let scope = match query.contest_id {
        Some(id) => announcements::Scope::Contest(id),
        None => announcements::Scope::Site,
    };
    let list = announcements::live(&state.db.read, scope, state.engine.now()).await?;
    let views: Vec<AnnouncementView> = list.iter().map(AnnouncementView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(
    delete, path = "/api/v1/announcements/{id}", tag = "announcements",
    params(("id" = i64, Path, example = 1, description = "Announcement id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn: shown nowhere public from now on", body = AnnouncementView),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "Already withdrawn (`announcement_withdrawn`)", body = crate::error::ErrorBody),
    )
)]
/// `DELETE /api/v1/announcements/{id}` — withdraws it (audited; the row is kept).
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), announcement.id = *path))]
pub async fn withdraw(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let a = announcements::withdraw(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!("announcement withdrawn");
    Ok(HttpResponse::Ok().json(AnnouncementView::from(&a)))
}
