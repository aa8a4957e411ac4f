//! The OpenAPI 3 description of the JSON API, served at `GET /api/openapi.json`.
//!
//! Each handler carries its own `#[utoipa::path]`; this module gathers them. The response
//! schemas are the types the handlers serialize, defined beside the code that builds them,
//! so the document cannot drift from what the server sends.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use anyhow::Context;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::error::Result;
use crate::web::api;

/// A multipart upload: one file field (its name gives the format when the query does not).
// The one schema here: it describes a request body, which the handlers read as a stream,
// so nothing constructs it.
#[derive(Debug, ToSchema)]
pub struct FileUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Adds the bearer-token security scheme.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The token of `POST /api/v1/auth/login` (browsers may send the \
                         HttpOnly cookie instead).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of the JSON API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cuocthi",
        description = "Online knowledge contests: the JSON API. Errors answer \
            `{\"error\": {\"code\", \"message\", …}}` with a stable code and a Vietnamese message."
    ),
    paths(
        api::health::healthz,
        api::health::readyz,
        api::auth::register,
        api::auth::login,
        api::auth::logout,
        api::auth::logout_all,
        api::auth::me,
        api::auth::change_password,
        api::units::list,
        api::units::import,
        api::banks::import,
        api::banks::list,
        api::banks::check,
        api::banks::detail,
        api::banks::export,
        api::contests::create,
        api::contests::list,
        api::contests::detail,
        api::contests::update,
        api::contests::create_round,
        api::contests::contest_leaderboard,
        api::contests::contest_units,
        api::documents::upload,
        api::documents::list,
        api::documents::delete,
        api::contests::open_rounds,
        api::contests::round_detail,
        api::rounds::close,
        api::rounds::update,
        api::rounds::create_season,
        api::contests::leaderboard,
        api::contests::round_units,
        api::attempts::start,
        api::attempts::get,
        api::attempts::save_answer,
        api::attempts::submit,
        api::attempts::save_prediction,
        api::audit::verify,
        api::disputes::decide,
        api::audit::list,
        api::audit::unusual_attempts,
        api::participants::search,
        api::participants::duplicates,
        api::participants::void,
        api::participants::unvoid,
        api::participants::correct,
        api::recovery::reset_code,
        api::recovery::reset,
        api::recovery::forgot,
        api::site::show,
        api::site::update,
        api::staff::list,
        api::staff::create,
        api::staff::update,
        api::staff::reset_password,
        api::exports::round_results,
        api::exports::contest_results,
        api::exports::contest_units,
        api::exports::round_items,
        api::exports::round_items_csv,
        api::announcements::create,
        api::announcements::list,
        api::announcements::withdraw,
        api::dashboard::get,
        api::me::data,
        api::me::create_request,
        api::me::resolve_request,
        api::me::list_requests,
        api::awards::put_plan,
        api::awards::get_plan,
        api::awards::round_propose,
        api::awards::round_show,
        api::awards::round_exclude,
        api::awards::round_restore,
        api::awards::round_publish,
        api::awards::round_unpublish,
        api::awards::round_public,
        api::awards::contest_propose,
        api::awards::contest_show,
        api::awards::contest_exclude,
        api::awards::contest_restore,
        api::awards::contest_publish,
        api::awards::contest_unpublish,
        api::awards::contest_public,
        api::award_files::round_export,
        api::award_files::contest_export,
        api::award_files::round_zip,
        api::award_files::contest_zip,
        api::award_files::pdf,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health"), (name = "auth"), (name = "units"), (name = "banks"),
        (name = "contests"), (name = "rounds"), (name = "attempts"), (name = "audit"),
        (name = "participants"), (name = "exports"), (name = "staff"), (name = "site"),
        (name = "announcements"), (name = "dashboard"), (name = "awards"),
    )
)]
pub struct ApiDoc;

/// `GET /api/openapi.json` — the document, built on the first request.
pub async fn document() -> Result<HttpResponse> {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = match JSON.get() {
        Some(json) => json,
        None => {
            let built = ApiDoc::openapi()
                .to_json()
                .context("Failed to serialise the OpenAPI document")?;
            JSON.get_or_init(|| built)
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json.as_str()))
}
