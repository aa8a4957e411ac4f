//! HTTP: every route registered in one place, readable as a table.

pub mod api;
pub mod extract;
pub mod openapi;
pub mod pages;
pub mod security;
pub mod upload;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{HttpRequest, error::JsonPayloadError, web};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use crate::error::AppError;

/// The span of every request: method and path only. Query strings are left out on
/// purpose — a search may carry a phone or ID number, and logs must never hold those.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status().as_u16(),
            Err(error) => error.as_response_error().status_code().as_u16(),
        };
        span.record("status", status);
        tracing::debug!(parent: &span, status, "request finished");
    }
}

/// The largest JSON body any endpoint accepts.
pub const JSON_LIMIT: usize = 64 * 1024;
/// The largest uploaded file (banks, unit lists).
pub const FILE_LIMIT: usize = 16 * 1024 * 1024;

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => AppError::bad_request(
            "unsupported_media_type",
            "Dữ liệu phải gửi dạng JSON (Content-Type: application/json).",
        ),
        JsonPayloadError::Deserialize(e) => {
            AppError::bad_request("invalid_json", format!("Dữ liệu JSON không hợp lệ: {e}"))
        }
        _ => AppError::bad_request("invalid_json", "Dữ liệu JSON không hợp lệ."),
    };
    app.into()
}

fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request(
        "invalid_query",
        format!("Tham số truy vấn không hợp lệ: {err}"),
    )
    .into()
}

fn form_error(err: actix_web::error::UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    pages::PageError(AppError::bad_request(
        "invalid_form",
        format!("Biểu mẫu không hợp lệ, vui lòng tải lại trang và thử lại ({err})."),
    ))
    .into()
}

fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::NotFound.into()
}

/// Registers every route of the app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use api::{attempts, audit, auth, banks, contests, health, participants, units};
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::PayloadConfig::new(FILE_LIMIT))
    .app_data(
        web::FormConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(form_error),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/api/openapi.json", web::get().to(openapi::document))
    .route("/static/{name}", web::get().to(crate::views::assets::serve))
    .route("/", web::get().to(pages::public::home))
    .route("/login", web::get().to(pages::auth::login_page))
    .route("/login", web::post().to(pages::auth::login))
    .route("/logout", web::post().to(pages::auth::logout))
    .route("/register", web::get().to(pages::auth::register_page))
    .route("/register", web::post().to(pages::auth::register))
    .route("/me", web::get().to(pages::attempt::my_results))
    .route("/contests/{id}", web::get().to(pages::public::contest_page))
    .route(
        "/rounds/{id}/leaderboard",
        web::get().to(pages::public::leaderboard),
    )
    .route("/rounds/{id}/start", web::post().to(pages::attempt::start))
    .route("/attempts/{id}", web::get().to(pages::attempt::show))
    .route("/attempts/{id}", web::post().to(pages::attempt::post))
    .route(
        "/attempts/{id}/result",
        web::get().to(pages::attempt::result),
    )
    .route("/organiser", web::get().to(pages::organiser::dashboard))
    .route("/organiser/banks", web::get().to(pages::organiser::banks))
    .route(
        "/organiser/banks",
        web::post().to(pages::organiser::upload_bank),
    )
    .route(
        "/organiser/banks/{id}",
        web::get().to(pages::organiser::bank),
    )
    .route(
        "/organiser/contests",
        web::get().to(pages::organiser::contests),
    )
    .route(
        "/organiser/contests",
        web::post().to(pages::organiser::create_contest),
    )
    .route(
        "/organiser/contests/{id}",
        web::get().to(pages::organiser::contest_detail),
    )
    .route(
        "/organiser/contests/{id}/rounds",
        web::post().to(pages::organiser::create_round),
    )
    .route(
        "/organiser/rounds/{id}/close",
        web::post().to(pages::organiser::close_round),
    )
    .route("/organiser/units", web::get().to(pages::organiser::units))
    .route(
        "/organiser/units",
        web::post().to(pages::organiser::import_units),
    )
    .route(
        "/organiser/participants",
        web::get().to(pages::organiser::participants),
    )
    .route(
        "/organiser/participants/{id}/{action}",
        web::post().to(pages::organiser::set_void),
    )
    .route(
        "/organiser/duplicates",
        web::get().to(pages::organiser::duplicates),
    )
    .route("/judge", web::get().to(pages::judge::dashboard))
    .route("/judge/rounds/{id}", web::get().to(pages::judge::results))
    .route(
        "/judge/rounds/{id}/units",
        web::get().to(pages::judge::units),
    )
    .route(
        "/judge/attempts/{id}",
        web::get().to(pages::judge::attempt_record),
    )
    .service(
        web::scope("/api/v1")
            .route("/auth/register", web::post().to(auth::register))
            .route("/auth/login", web::post().to(auth::login))
            .route("/auth/logout", web::post().to(auth::logout))
            .route("/auth/logout-all", web::post().to(auth::logout_all))
            .route("/me", web::get().to(auth::me))
            .route("/me/password", web::post().to(auth::change_password))
            .route("/units", web::get().to(units::list))
            .route("/units/import", web::post().to(units::import))
            .route("/banks", web::post().to(banks::import))
            .route("/banks", web::get().to(banks::list))
            .route("/banks/check", web::post().to(banks::check))
            .route("/banks/{id}", web::get().to(banks::detail))
            .route("/banks/{id}/export", web::get().to(banks::export))
            .route("/contests", web::post().to(contests::create))
            .route("/contests", web::get().to(contests::list))
            .route("/contests/{id}", web::get().to(contests::detail))
            .route(
                "/contests/{id}/rounds",
                web::post().to(contests::create_round),
            )
            .route(
                "/contests/{id}/leaderboard",
                web::get().to(contests::contest_leaderboard),
            )
            .route(
                "/contests/{id}/units",
                web::get().to(contests::contest_units),
            )
            .route("/rounds", web::get().to(contests::open_rounds))
            .route("/rounds/{id}", web::get().to(contests::round_detail))
            .route("/rounds/{id}/close", web::post().to(contests::close_round))
            .route("/rounds/{id}/attempts", web::post().to(attempts::start))
            .route(
                "/rounds/{id}/leaderboard",
                web::get().to(contests::leaderboard),
            )
            .route("/rounds/{id}/units", web::get().to(contests::round_units))
            .route("/attempts/{id}", web::get().to(attempts::get))
            .route("/attempts/{id}/verify", web::get().to(audit::verify))
            .route("/audit", web::get().to(audit::list))
            .route(
                "/attempts/{id}/answers/{question_id}",
                web::put().to(attempts::save_answer),
            )
            .route("/attempts/{id}/submit", web::post().to(attempts::submit))
            .route("/participants", web::get().to(participants::search))
            .route(
                "/participants/duplicates",
                web::get().to(participants::duplicates),
            )
            .route(
                "/participants/{id}/void",
                web::post().to(participants::void),
            )
            .route(
                "/participants/{id}/unvoid",
                web::post().to(participants::unvoid),
            )
            // Exports and item analysis (issue #6).
            .route(
                "/rounds/{id}/results.xlsx",
                web::get().to(api::exports::round_results_xlsx),
            )
            .route(
                "/rounds/{id}/results.csv",
                web::get().to(api::exports::round_results_csv),
            )
            .route(
                "/contests/{id}/results.xlsx",
                web::get().to(api::exports::contest_results_xlsx),
            )
            .route(
                "/contests/{id}/results.csv",
                web::get().to(api::exports::contest_results_csv),
            )
            .route(
                "/contests/{id}/units.xlsx",
                web::get().to(api::exports::contest_units_xlsx),
            )
            .route(
                "/contests/{id}/units.csv",
                web::get().to(api::exports::contest_units_csv),
            )
            .route(
                "/rounds/{id}/items",
                web::get().to(api::exports::round_items),
            )
            .route(
                "/rounds/{id}/items.csv",
                web::get().to(api::exports::round_items_csv),
            ),
    )
    .route(
        "/organiser/rounds/{id}/items",
        web::get().to(pages::items::round_items),
    )
    .default_service(web::to(api::not_found));
}
