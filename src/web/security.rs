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

/// Cross-site GETs of downloads that write to the audit trail (issue #13). A link or an
/// image on another site makes the browser send a GET with the `SameSite=Lax` login
/// cookie when it is a top-level navigation, so "every export is audited" would let another
/// site write entries in a judge's name. A download authenticated by the cookie (no
/// `Authorization` header, which no other site can add) must come from this site:
/// `Sec-Fetch-Site` `same-origin` or `none` (typed in the address bar, a bookmark);
/// `same-site` and `cross-site` are refused. A browser that sends no `Sec-Fetch-Site`
/// is judged by `Origin`, else `Referer`, whose host must be this request's `Host`; a
/// client that sends none of them (an old browser, a script holding the cookie) is let
/// through, as a cross-site page cannot suppress the headers of a modern browser.
pub fn check_same_origin_download(req: &actix_web::HttpRequest) -> Result<(), AppError> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(());
    }
    let text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let same_origin = match text("sec-fetch-site") {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok());
            match text("origin").or_else(|| text("referer")) {
                Some(origin) => host.is_some_and(|host| {
                    origin_host(origin).is_some_and(|o| o.eq_ignore_ascii_case(host))
                }),
                None => true,
            }
        }
    };
    if same_origin {
        return Ok(());
    }
    tracing::info!("cross-site download by cookie refused");
    Err(AppError::refused(
        "csrf",
        "Yêu cầu bị từ chối: tệp chỉ được tải từ chính trang của hệ thống \
         (hoặc gửi kèm tiêu đề Authorization).",
    ))
}

/// The `host[:port]` of an `Origin` or `Referer` value (`https://h:8443/x` → `h:8443`);
/// `None` for `null` or anything that is not an absolute URL.
fn origin_host(value: &str) -> Option<&str> {
    let (_, rest) = value.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Credentials (`user@host`) never name the host.
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn check(headers: &[(&str, &str)]) -> bool {
        let mut req = TestRequest::get()
            .uri("/api/v1/rounds/1/results.csv")
            .insert_header((header::HOST, "cuocthi.example.gov.vn"));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        check_same_origin_download(&req.to_http_request()).is_ok()
    }

    #[test]
    fn downloads_by_cookie_must_come_from_this_site() {
        assert!(check(&[("sec-fetch-site", "same-origin")]));
        assert!(check(&[("sec-fetch-site", "none")]));
        assert!(!check(&[("sec-fetch-site", "cross-site")]));
        assert!(!check(&[("sec-fetch-site", "same-site")]));
        // Sec-Fetch-Site wins over a plausible Referer.
        assert!(!check(&[
            ("sec-fetch-site", "cross-site"),
            ("referer", "https://cuocthi.example.gov.vn/judge")
        ]));
        // Without it: Origin, then Referer.
        assert!(check(&[(
            "referer",
            "https://cuocthi.example.gov.vn/judge/rounds/1"
        )]));
        assert!(!check(&[(
            "referer",
            "https://evil.example/cuocthi.example.gov.vn/"
        )]));
        assert!(!check(&[(
            "referer",
            "https://cuocthi.example.gov.vn.evil.example/"
        )]));
        assert!(!check(&[(
            "referer",
            "https://cuocthi.example.gov.vn@evil.example/"
        )]));
        assert!(!check(&[("origin", "null")]));
        assert!(!check(&[("origin", "https://evil.example")]));
        assert!(check(&[("origin", "https://cuocthi.example.gov.vn")]));
        // Nothing to judge by: an old client.
        assert!(check(&[]));
        // A bearer token cannot be sent by another site.
        assert!(check(&[
            ("sec-fetch-site", "cross-site"),
            ("authorization", "Bearer x")
        ]));
    }
}
