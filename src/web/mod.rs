//! HTTP: every route registered in one place, readable as a table.

pub mod api;
pub mod cached;
pub mod compress;
pub mod extract;
pub mod media;
pub mod openapi;
pub mod pages;
pub mod security;
pub mod session;
pub mod timeout;
pub mod upload;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::from_fn;
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

/// One route of the app: its method and its full path pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
}

/// Defines the route table once: [`ROUTES`] (for tests that walk every route, e.g. the
/// authorization matrix) and the function that registers the same routes with actix.
macro_rules! route_table {
    (
        site { $($method:ident $path:literal => $handler:path,)* }
        api $prefix:literal { $($api_method:ident $api_path:literal => $api_handler:path,)* }
    ) => {
        /// Every route of the app: the site's, then the API's.
        pub const ROUTES: &[RouteSpec] = &[
            $(RouteSpec { method: stringify!($method), path: $path },)*
            $(RouteSpec { method: stringify!($api_method), path: concat!($prefix, $api_path) },)*
        ];

        fn register_routes(cfg: &mut web::ServiceConfig) {
            // actix tries routes in order, matching each dynamic pattern with a regex: the
            // API scope (one prefix test for every other path) goes first, and within it
            // the contest-day routes are listed first.
            cfg.service(
                web::scope($prefix)
                    .wrap(from_fn(security::api_cookie_guard))
                    $(.route($api_path, web::method(Method::$api_method).to($api_handler)))*,
            );
            $(cfg.route($path, web::method(Method::$method).to($handler));)*
        }
    };
}

route_table! {
    site {
        GET  "/healthz"                               => api::health::healthz,
        GET  "/readyz"                                => api::health::readyz,
        GET  "/metrics"                               => api::metrics::metrics,
        GET  "/api/openapi.json"                      => openapi::document,
        GET  "/static/{name}"                         => crate::views::assets::serve,
        GET  "/media/{name}"                          => media::serve,
        GET  "/media/720/{name}"                      => media::serve_small,
        GET  "/"                                      => pages::public::home,
        GET  "/login"                                 => pages::auth::login_page,
        POST "/login"                                 => pages::auth::login,
        POST "/logout"                                => pages::auth::logout,
        GET  "/register"                              => pages::auth::register_page,
        POST "/register"                              => pages::auth::register,
        GET  "/quen-mat-khau"                         => pages::recovery::forgot_form,
        POST "/quen-mat-khau"                         => pages::recovery::reset_with_code,
        POST "/quen-mat-khau/email"                   => pages::recovery::send_link,
        GET  "/dat-lai-mat-khau"                      => pages::recovery::link_form,
        POST "/dat-lai-mat-khau"                      => pages::recovery::reset_with_link,
        GET  "/me"                                    => pages::results::my_results,
        GET  "/huong-dan"                             => pages::help::guide,
        GET  "/contests/{id}"                         => pages::public::contest_page,
        GET  "/rounds/{id}/leaderboard"               => pages::public::leaderboard,
        GET  "/contests/{id}/leaderboard"             => pages::public::contest_leaderboard,
        GET  "/contests/{id}/documents/{doc_id}"      => api::documents::download,
        GET  "/rounds/{id}/vao-thi"                   => pages::attempt::ready,
        POST "/rounds/{id}/start"                     => pages::attempt::start,
        GET  "/attempts/{id}"                         => pages::attempt::show,
        POST "/attempts/{id}"                         => pages::attempt::post,
        GET  "/attempts/{id}/result"                  => pages::results::result,
        GET  "/organiser"                             => pages::organiser::dashboard,
        GET  "/organiser/banks"                       => pages::organiser::banks,
        POST "/organiser/banks"                       => pages::organiser::upload_bank,
        GET  "/organiser/banks/mau-ngan-hang.xlsx"    => pages::organiser::template,
        GET  "/organiser/banks/{id}"                  => pages::organiser::bank,
        GET  "/organiser/contests"                    => pages::organiser::contests,
        POST "/organiser/contests"                    => pages::organiser::create_contest,
        GET  "/organiser/contests/{id}"               => pages::organiser::contest_detail,
        POST "/organiser/contests/{id}"               => pages::organiser::update_contest,
        POST "/organiser/contests/{id}/rounds"        => pages::organiser::create_round,
        POST "/organiser/contests/{id}/documents"     => pages::organiser::upload_document,
        POST "/organiser/contests/{id}/documents/{doc_id}/delete" => pages::organiser::delete_document,
        POST "/organiser/rounds/{id}/close"           => pages::organiser::close_round,
        GET  "/organiser/rounds/{id}"                 => pages::organiser::round_detail,
        POST "/organiser/rounds/{id}"                 => pages::organiser::update_round,
        GET  "/organiser/rounds/{id}/close"           => pages::organiser::close_confirm,
        POST "/organiser/contests/{id}/season"        => pages::organiser::create_season,
        GET  "/organiser/rounds/{id}/items"           => pages::items::round_items,
        POST "/organiser/rounds/{id}/questions/{question_id}/decision" => pages::items::decide,
        GET  "/organiser/units"                       => pages::organiser::units,
        POST "/organiser/units"                       => pages::organiser::import_units,
        GET  "/organiser/participants"                => pages::organiser::participants,
        POST "/organiser/participants/{id}/reset-code" => pages::organiser::reset_code,
        POST "/organiser/participants/{id}/{action}"  => pages::organiser::set_void,
        POST "/organiser/corrections/{id}"            => pages::organiser::correct_participant,
        GET  "/organiser/duplicates"                  => pages::organiser::duplicates,
        GET  "/organiser/announcements"               => pages::organiser::announcements,
        POST "/organiser/announcements"               => pages::organiser::create_announcement,
        POST "/organiser/announcements/{id}/withdraw" => pages::organiser::withdraw_announcement,
        GET  "/admin"                                 => pages::admin::staff,
        POST "/admin/site"                            => pages::admin::update_site,
        POST "/admin/staff"                           => pages::admin::create,
        POST "/admin/staff/{id}"                      => pages::admin::update,
        POST "/admin/staff/{id}/password"             => pages::admin::reset_password,
        GET  "/tai-khoan"                             => pages::profile::show,
        POST "/tai-khoan/mat-khau"                    => pages::profile::change_password,
        POST "/tai-khoan/dang-xuat-tat-ca"            => pages::profile::logout_everywhere,
        POST "/tai-khoan/yeu-cau"                     => pages::profile::create_request,
        GET  "/organiser/requests"                    => pages::organiser::requests,
        POST "/organiser/requests/{id}"               => pages::organiser::resolve_request,
        GET  "/judge"                                 => pages::judge::dashboard,
        GET  "/judge/rounds/{id}"                     => pages::judge::results,
        GET  "/judge/contests/{id}"                   => pages::judge::contest_results,
        GET  "/judge/rounds/{id}/units"               => pages::judge::units,
        GET  "/judge/attempts/{id}"                   => pages::judge::attempt_record,
        GET  "/judge/attempts/{id}/verify"            => pages::judge::verify_page,
        GET  "/judge/rounds/{id}/giai"                => pages::awards::round_list,
        GET  "/judge/contests/{id}/giai"              => pages::awards::contest_list,
        POST "/judge/rounds/{id}/giai"                => pages::awards::round_act,
        POST "/judge/contests/{id}/giai"              => pages::awards::contest_act,
        GET  "/judge/rounds/{id}/giai/in"             => pages::awards::round_print,
        GET  "/judge/contests/{id}/giai/in"           => pages::awards::contest_print,
        GET  "/ket-qua/vong/{id}"                     => pages::awards::round_results,
        GET  "/ket-qua/cuoc-thi/{id}"                 => pages::awards::contest_results,
        GET  "/xac-minh/{code}"                       => pages::awards::verify,
    }
    api "/api/v1" {
        // The contest-day hot paths first (see `register_routes`).
        PUT  "/attempts/{id}/answers/{question_id}"   => api::attempts::save_answer,
        POST "/rounds/{id}/attempts"                  => api::attempts::start,
        GET  "/rounds/{id}/leaderboard"               => api::contests::leaderboard,
        GET  "/rounds/{id}/units"                     => api::contests::round_units,
        POST "/attempts/{id}/submit"                  => api::attempts::submit,
        PUT  "/attempts/{id}/prediction"              => api::attempts::save_prediction,
        GET  "/attempts/{id}"                         => api::attempts::get,
        POST "/auth/register"                         => api::auth::register,
        POST "/auth/login"                            => api::auth::login,
        POST "/auth/logout"                           => api::auth::logout,
        POST "/auth/logout-all"                       => api::auth::logout_all,
        POST "/auth/reset"                            => api::recovery::reset,
        POST "/auth/forgot"                           => api::recovery::forgot,
        GET  "/me"                                    => api::auth::me,
        POST "/me/password"                           => api::auth::change_password,
        GET  "/units"                                 => api::units::list,
        POST "/units/import"                          => api::units::import,
        POST "/banks"                                 => api::banks::import,
        GET  "/banks"                                 => api::banks::list,
        POST "/banks/check"                           => api::banks::check,
        GET  "/banks/{id}"                            => api::banks::detail,
        GET  "/banks/{id}/export"                     => api::banks::export,
        POST "/contests"                              => api::contests::create,
        GET  "/contests"                              => api::contests::list,
        GET  "/contests/{id}"                         => api::contests::detail,
        PATCH "/contests/{id}"                        => api::contests::update,
        POST "/contests/{id}/rounds"                  => api::contests::create_round,
        GET  "/contests/{id}/leaderboard"             => api::contests::contest_leaderboard,
        GET  "/contests/{id}/units"                   => api::contests::contest_units,
        POST "/contests/{id}/documents"               => api::documents::upload,
        GET  "/contests/{id}/documents"               => api::documents::list,
        DELETE "/contests/{id}/documents/{doc_id}"    => api::documents::delete,
        GET  "/rounds"                                => api::contests::open_rounds,
        GET  "/rounds/{id}"                           => api::contests::round_detail,
        POST "/rounds/{id}/close"                     => api::rounds::close,
        PATCH "/rounds/{id}"                          => api::rounds::update,
        POST "/contests/{id}/season"                  => api::rounds::create_season,
        GET  "/attempts/{id}/verify"                  => api::audit::verify,
        POST "/rounds/{id}/questions/{question_id}/decision" => api::disputes::decide,
        GET  "/contests/{id}/unusual-attempts"        => api::audit::unusual_attempts,
        GET  "/audit"                                 => api::audit::list,
        GET  "/participants"                          => api::participants::search,
        GET  "/participants/duplicates"               => api::participants::duplicates,
        POST "/participants/{id}/void"                => api::participants::void,
        POST "/participants/{id}/unvoid"              => api::participants::unvoid,
        PATCH "/participants/{id}"                    => api::participants::correct,
        POST "/participants/{id}/reset-code"          => api::recovery::reset_code,
        GET  "/site"                                  => api::site::show,
        PATCH "/site"                                 => api::site::update,
        GET  "/staff"                                 => api::staff::list,
        POST "/staff"                                 => api::staff::create,
        PATCH "/staff/{id}"                           => api::staff::update,
        POST "/staff/{id}/password"                   => api::staff::reset_password,
        // Exports and item analysis (issue #6).
        GET  "/rounds/{id}/results.{format}"          => api::exports::round_results,
        GET  "/contests/{id}/results.{format}"        => api::exports::contest_results,
        GET  "/contests/{id}/units.{format}"          => api::exports::contest_units,
        GET  "/rounds/{id}/items"                     => api::exports::round_items,
        GET  "/rounds/{id}/items.csv"                 => api::exports::round_items_csv,
        // Announcements and the organiser's dashboard (issue #15).
        POST "/announcements"                         => api::announcements::create,
        GET  "/announcements"                         => api::announcements::list,
        DELETE "/announcements/{id}"                  => api::announcements::withdraw,
        GET  "/dashboard"                             => api::dashboard::get,
        // Personal data (issue #16: profile and consent).
        GET  "/me/data"                               => api::me::data,
        POST "/me/requests"                           => api::me::create_request,
        GET  "/requests"                              => api::me::list_requests,
        POST "/requests/{id}/resolve"                 => api::me::resolve_request,
        // Prizes, published results and certificates (issue #17).
        PUT  "/contests/{id}/prize-plan"              => api::awards::put_plan,
        GET  "/contests/{id}/prize-plan"              => api::awards::get_plan,
        POST "/rounds/{id}/awards"                    => api::awards::round_propose,
        GET  "/rounds/{id}/awards"                    => api::awards::round_show,
        POST "/rounds/{id}/awards/exclusions"         => api::awards::round_exclude,
        DELETE "/rounds/{id}/awards/exclusions/{participant_id}" => api::awards::round_restore,
        POST "/rounds/{id}/awards/publish"            => api::awards::round_publish,
        POST "/rounds/{id}/awards/unpublish"          => api::awards::round_unpublish,
        GET  "/rounds/{id}/awards/public"             => api::awards::round_public,
        POST "/contests/{id}/awards"                  => api::awards::contest_propose,
        GET  "/contests/{id}/awards"                  => api::awards::contest_show,
        POST "/contests/{id}/awards/exclusions"       => api::awards::contest_exclude,
        DELETE "/contests/{id}/awards/exclusions/{participant_id}" => api::awards::contest_restore,
        POST "/contests/{id}/awards/publish"          => api::awards::contest_publish,
        POST "/contests/{id}/awards/unpublish"        => api::awards::contest_unpublish,
        GET  "/contests/{id}/awards/public"           => api::awards::contest_public,
        GET  "/rounds/{id}/awards.{format}"           => api::award_files::round_export,
        GET  "/contests/{id}/awards.{format}"         => api::award_files::contest_export,
        GET  "/rounds/{id}/certificates.zip"          => api::award_files::round_zip,
        GET  "/contests/{id}/certificates.zip"        => api::award_files::contest_zip,
        GET  "/certificates/{code}.pdf"               => api::award_files::pdf,
    }
}

/// Registers every route of the app ([`ROUTES`]), with the extractor settings they share.
pub fn configure(cfg: &mut web::ServiceConfig) {
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
    );
    register_routes(cfg);
    cfg.default_service(web::to(api::not_found));
}
