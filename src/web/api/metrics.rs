//! `GET /metrics`: the Prometheus scrape (see `crate::metrics`).
//!
//! Answered to loopback clients (a Prometheus or an agent on the same machine) without a
//! token; to others only with `Authorization: Bearer $CUOCTHI_METRICS_TOKEN` — 403 with a
//! wrong or missing token, and 404 when no token is configured, so the endpoint does not
//! show from outside. The peer is the TCP peer, never `X-Forwarded-For`: behind a proxy on
//! the same machine every client is loopback, so the proxy must not pass `/metrics` on
//! (.ci/nginx.conf answers it 404).

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;

use crate::error::{AppError, Result};
use crate::state::AppState;

/// Who may scrape.
#[derive(Debug, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// A token is configured and was not presented correctly: 403.
    Forbidden,
    /// Not loopback and no token configured: 404.
    Hidden,
}

/// The rule: loopback peers always; others with the configured bearer token.
pub fn access(peer: Option<IpAddr>, token: Option<&str>, presented: Option<&str>) -> Access {
    if peer.is_some_and(|ip| ip.is_loopback()) {
        return Access::Allowed;
    }
    let Some(token) = token else {
        return Access::Hidden;
    };
    let same = presented.is_some_and(|p| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            p.as_bytes(),
            token.as_bytes(),
        ))
    });
    if same {
        Access::Allowed
    } else {
        Access::Forbidden
    }
}

/// `GET /metrics`.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = state
        .settings
        .metrics_token
        .as_ref()
        .map(ExposeSecret::expose_secret);
    match access(req.peer_addr().map(|a| a.ip()), token, presented) {
        Access::Allowed => {}
        Access::Forbidden => {
            return Err(AppError::refused(
                "forbidden",
                "Cần mã truy cập số liệu vận hành hợp lệ.",
            ));
        }
        Access::Hidden => return Err(AppError::NotFound),
    }
    crate::metrics::scrape_gauges(&state).await;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::metrics::handle().render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_scrapes_freely_and_others_need_the_token() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let local6: IpAddr = "::1".parse().unwrap();
        let remote: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(access(Some(local), None, None), Access::Allowed);
        assert_eq!(access(Some(local6), Some("t0ken"), None), Access::Allowed);
        assert_eq!(access(Some(remote), None, Some("x")), Access::Hidden);
        assert_eq!(access(None, None, None), Access::Hidden);
        assert_eq!(access(Some(remote), Some("t0ken"), None), Access::Forbidden);
        assert_eq!(
            access(Some(remote), Some("t0ken"), Some("t0ke")),
            Access::Forbidden
        );
        assert_eq!(
            access(Some(remote), Some("t0ken"), Some("t0ken")),
            Access::Allowed
        );
    }
}
