//! The site's identity (organiser, province, hotline, contact address): public to read,
//! admins set it. The rules live in [`crate::site`].

use actix_web::{HttpResponse, web};

use crate::error::Result;
use crate::site::{self, SiteInfo, SitePatch};
use crate::state::AppState;
use crate::web::extract::Admin;

#[utoipa::path(
    get, path = "/api/v1/site", tag = "site",
    responses(
        (status = 200, description = "Who runs the site: the organiser (the data controller named in the consent text), the province, a hotline and a contact address", body = SiteInfo),
    )
)]
/// `GET /api/v1/site`.
pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(&*state.site().await?))
}

#[utoipa::path(
    patch, path = "/api/v1/site", tag = "site",
    request_body = SitePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings as they now stand (audited, before and after)", body = SiteInfo),
        (status = 400, description = "`empty_change`: no field given", body = crate::error::ErrorBody),
        (status = 422, description = "A value too long, a hotline that is not a phone number, an email that is not one", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::JsonBodyErrors,
    )
)]
/// `PATCH /api/v1/site` — admins set the site's identity.
#[tracing::instrument(skip_all, fields(user.id = admin.0.id()))]
pub async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<SitePatch>,
) -> Result<HttpResponse> {
    let info = site::update(&state.db.write, admin.0.id(), body.into_inner()).await?;
    state.site.remove(&()).await;
    tracing::info!("site settings changed");
    Ok(HttpResponse::Ok().json(info))
}
