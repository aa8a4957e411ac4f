//! The browser's side of a session: the login and device cookies, and logging out (the
//! API's and the page's). Checking a password is the domain's ([`crate::accounts::check_login`]).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use chrono::Utc;
use sea_orm::sea_query::Expr;

use crate::accounts::{self, sessions, token::DEVICE_TTL};
use crate::entities::user;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{TOKEN_COOKIE, authenticate};

/// The cookie that marks a browser as one that has signed in to an account before: a
/// right password from it is never kept out by others' failed logins (see
/// `web::throttle`).
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

/// Ends the session of the request's token, if it is valid (the API's and the page's
/// logout): that token stops working, at once on this instance and within
/// `USER_CACHE_TTL` on the others; the account's other tokens go on. A token issued before
/// sessions existed cannot be told apart from the account's others: all of them are
/// revoked instead.
pub async fn log_out(req: HttpRequest, state: &AppState) -> Result<()> {
    let caller = match authenticate(req).await {
        Ok(caller) => caller,
        Err(AppError::Unauthorized) => return Ok(()),
        Err(e) => return Err(e),
    };
    match &caller.session {
        Some(session) => {
            sessions::revoke(
                &state.db.write,
                &session.id,
                caller.id(),
                session.expires_at,
            )
            .await?;
            state.sessions.remember(&session.id, session.expires_at);
        }
        None => {
            bump_token_version(state, &caller.user, None).await?;
        }
    }
    tracing::info!(user.id = caller.id(), "logged out");
    Ok(())
}

/// Bumps the user's token version (and sets a new password hash, if given) and returns the
/// new version: every older token dies.
pub async fn bump_token_version(
    state: &AppState,
    user: &user::Model,
    hash: Option<String>,
) -> Result<i32> {
    let fresh = accounts::bump_token_version(&state.db.write, user.id, |update| match hash {
        Some(hash) => update.col_expr(user::Column::PasswordHash, Expr::value(hash)),
        None => update,
    })
    .await
    .map_err(|e| match e {
        AppError::NotFound => AppError::Unauthorized,
        e => e,
    })?;
    state.users.remove(&user.id).await;
    Ok(fresh.token_version)
}
