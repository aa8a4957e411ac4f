//! Security headers on every response: a Content-Security-Policy with no inline script
//! (and no inline style), no framing, no MIME sniffing, a strict referrer policy; and the
//! API's guard against cross-site requests riding on the login cookie.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};

use crate::error::AppError;
use crate::web::extract::TOKEN_COOKIE;

/// The policy: everything from this origin only; nothing inline; no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The middleware adding the headers.
pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .add((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .add((
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .add((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .add((
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
}

/// The header a page's own script adds to the API calls it authenticates by cookie.
pub const REQUESTED_WITH: &str = "x-requested-with";

/// Cross-site request forgery on the JSON API (issue #8). The login cookie is `SameSite=Lax`,
/// and JSON bodies need a `Content-Type` that a cross-site form cannot send — but some
/// endpoints take no JSON body (logout everywhere, closing a round, raw file uploads). So
/// an unsafe request (not GET/HEAD/OPTIONS) that would be authenticated by the cookie
/// (no `Authorization` header) must also carry `X-Requested-With`: a header only a
/// same-origin script can add (a cross-site one would need a CORS preflight, which this
/// server never grants). Bearer-token clients are not affected.
pub async fn api_cookie_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let by_cookie =
        !req.headers().contains_key(header::AUTHORIZATION) && req.cookie(TOKEN_COOKIE).is_some();
    if !safe && by_cookie && !req.headers().contains_key(REQUESTED_WITH) {
        tracing::info!("cookie-authenticated API call without X-Requested-With refused");
        let error = AppError::refused(
            "csrf",
            "Yêu cầu bị từ chối: khi đăng nhập bằng cookie, cần gửi kèm tiêu đề X-Requested-With.",
        );
        return Ok(req
            .into_response(error.error_response())
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
