//! Staff accounts, for admins: list, create, change a role, disable and re-enable, hand
//! over a new password. The rules live in [`crate::accounts::staff`].

use actix_web::{HttpResponse, web};

use crate::accounts::recovery::{self, StaffEntry};
use crate::accounts::staff::{self, CreatedStaff, IssuedPassword, NewStaff, StaffChange};
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::Admin;

#[utoipa::path(
    get, path = "/api/v1/staff", tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every staff account", body = Vec<StaffEntry>),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/staff` — organisers, judges and admins.
pub async fn list(_admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(recovery::staff(&state.db.read).await?))
}

#[utoipa::path(
    post, path = "/api/v1/staff", tag = "staff",
    request_body = NewStaff,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `password` is the generated one, shown once", body = CreatedStaff),
        (status = 409, description = "The email is taken", body = crate::error::ErrorBody),
        (status = 422, description = "A bad field", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::JsonBodyErrors,
    )
)]
/// `POST /api/v1/staff` — creates an organiser, judge or admin account.
#[tracing::instrument(skip_all, fields(user.id = admin.0.id()))]
pub async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<NewStaff>,
) -> Result<HttpResponse> {
    let created = staff::create(&state, admin.0.id(), body.into_inner()).await?;
    tracing::info!(staff.id = created.account.id, "staff account created");
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/staff/{id}", tag = "staff",
    params(("id" = i64, Path, example = 2, description = "Staff account id")),
    request_body = StaffChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as it now stands", body = StaffEntry),
        (status = 409, description = "`last_admin`: the last active admin stays", body = crate::error::ErrorBody),
        (status = 422, description = "Nothing to change, or a participant role", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        crate::error::JsonBodyErrors,
    )
)]
/// `PATCH /api/v1/staff/{id}` — changes the role, disables or enables the account.
#[tracing::instrument(skip_all, fields(user.id = admin.0.id(), staff.id = *path))]
pub async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<StaffChange>,
) -> Result<HttpResponse> {
    let updated = staff::update(&state, admin.0.id(), path.into_inner(), body.into_inner()).await?;
    tracing::info!(role = %updated.role, disabled = updated.disabled, "staff account changed");
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    post, path = "/api/v1/staff/{id}/password", tag = "staff",
    params(("id" = i64, Path, example = 2, description = "Staff account id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A new password, shown once; the account's sessions end", body = IssuedPassword),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `POST /api/v1/staff/{id}/password` — a new generated password for a staff account.
#[tracing::instrument(skip_all, fields(user.id = admin.0.id(), staff.id = *path))]
pub async fn reset_password(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let issued = staff::reset_password(&state, admin.0.id(), path.into_inner()).await?;
    tracing::info!("staff password reset");
    Ok(HttpResponse::Ok().json(issued))
}
