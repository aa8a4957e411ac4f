//! The HTTP side of a session: who the client is (its address behind trusted proxies, its
//! device cookie), the login and device cookies, and logging out (the API's and the
//! page's). Checking a password and ending a session are the domain's
//! ([`crate::accounts::check_login`], [`crate::accounts::end_session`]).

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use chrono::Utc;

use crate::accounts::{self, Client, token::DEVICE_TTL};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{TOKEN_COOKIE, authenticate};

/// The cookie that marks a browser as one that has signed in to an account before: a
/// right password from it is never kept out by others' failed logins (see
/// `accounts::throttle`).
pub const DEVICE_COOKIE: &str = "cuocthi_device";

/// The HttpOnly login cookie carrying a token.
pub fn token_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let max_age = CookieDuration::seconds(state.tokens.ttl().as_secs() as i64);
    Cookie::build(TOKEN_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(max_age)
        .finish()
}

/// A cookie that makes the browser forget its login token.
pub fn expired_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = token_cookie(state, String::new());
    cookie.make_removal();
    cookie
}

/// The request's valid device cookie: (user id, device id).
pub fn device_of(req: &HttpRequest, state: &AppState) -> Option<(i64, String)> {
    let claims = state
        .tokens
        .check_device(req.cookie(DEVICE_COOKIE)?.value())?;
    Some((claims.sub.parse().ok()?, claims.dev))
}

/// The device cookie to set once `user_id` has signed in: the browser keeps its id if it
/// had one for this account, else gets a new one.
pub fn device_cookie(req: &HttpRequest, state: &AppState, user_id: i64) -> Result<Cookie<'static>> {
    let device = device_of(req, state)
        .filter(|(id, _)| *id == user_id)
        .map_or_else(accounts::token::random_id, |(_, device)| device);
    let value = state.tokens.issue_device(user_id, &device, Utc::now())?;
    Ok(Cookie::build(DEVICE_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(CookieDuration::seconds(DEVICE_TTL.as_secs() as i64))
        .finish())
}

/// What the account rules need to know of a request's client: its address and the
/// account its browser signed in to before, if any.
pub fn client(req: &HttpRequest, state: &AppState) -> Client {
    Client {
        ip: client_ip(req, state.throttle.trusted_proxies()),
        device: device_of(req, state),
    }
}

/// The client of a request: the connection's peer, unless the peer is a trusted proxy;
/// then the right-most `X-Forwarded-For` address that is not itself a trusted proxy (the
/// left part of the header is whatever the client chose to send).
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|hop| !trusted_proxies.contains(hop))
            .copied()
            .unwrap_or(peer),
    )
}

/// Ends the session of the request's token, if it is valid (the API's and the page's
/// logout; see [`accounts::end_session`]). Without a valid token there is nothing to end.
pub async fn log_out(req: HttpRequest, state: &AppState) -> Result<()> {
    let caller = match authenticate(req).await {
        Ok(caller) => caller,
        Err(AppError::Unauthorized) => return Ok(()),
        Err(e) => return Err(e),
    };
    accounts::end_session(state, &caller.user, caller.session.as_ref()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_trusted_proxy_the_forwarded_header_is_ignored() {
        let req = TestRequest::default()
            .peer_addr("203.0.113.9:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.1"))
            .to_http_request();
        assert_eq!(client_ip(&req, &[]), Some(ip("203.0.113.9")));
        assert_eq!(client_ip(&req, &[ip("10.0.0.1")]), Some(ip("203.0.113.9")));
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 198.51.100.1, 10.0.0.2"))
            .to_http_request();
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(client_ip(&req, &trusted), Some(ip("198.51.100.1")));
    }

    #[test]
    fn a_trusted_proxy_without_the_header_is_the_client() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .to_http_request();
        assert_eq!(client_ip(&req, &[ip("10.0.0.1")]), Some(ip("10.0.0.1")));
    }
}
