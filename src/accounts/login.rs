//! Registration, login, password changes and logging out, within their rate limits: the
//! one place where both the JSON handlers and the pages register people, sign them in and
//! out, and change passwords. The web layer says who the client is ([`Client`]).

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use secrecy::{ExposeSecret, SecretString};

use super::sessions::{self, Session};
use super::throttle::KnownDevice;
use super::{Registration, check_password, create_participant, find_by_login, login_key};
use crate::entities::{unit, user};
use crate::error::{AppError, Result};
use crate::state::AppState;

/// What the rate limits need to know of the client making a request.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// Its address (behind trusted proxies, the one they forwarded for).
    pub ip: Option<IpAddr>,
    /// The account and device id of its valid device cookie: a browser that has signed in
    /// to that account before.
    pub device: Option<(i64, String)>,
}

/// The answer to a right password on a voided account (issue #8): its tokens were
/// revoked when it was voided, and it gets no new one.
pub fn account_voided() -> AppError {
    AppError::refused(
        "account_voided",
        "Tài khoản của bạn đã bị Ban Tổ chức huỷ kết quả, không thể đăng nhập.",
    )
}

/// The answer to a right password on a staff account an admin disabled: its tokens were
/// revoked when it was disabled, and it gets no new one.
pub fn account_disabled() -> AppError {
    AppError::refused(
        "account_disabled",
        "Tài khoản cán bộ này đã bị quản trị viên khoá, không thể đăng nhập.",
    )
}

/// Registers a participant, within the rate limits (per client IP, and per phone number):
/// validates the registration, hashes the password off the async threads and creates the
/// account (see [`create_participant`] for identity conflicts). A refused registration
/// counts against the limits. Returns the account and its unit.
pub async fn register(
    state: &AppState,
    client: &Client,
    registration: Registration,
) -> Result<(user::Model, unit::Model)> {
    state.throttle.check_ip(client.ip)?;
    // Counted per phone number too: a 409 tells whether a number is registered.
    let key = registration.phone.as_deref().and_then(login_key);
    let attempt = state
        .throttle
        .registration(&state.db.read, client.ip, key.as_deref())
        .await?;
    let created = async {
        let valid = registration.validate(Utc::now().date_naive())?;
        let hash = state.hasher.hash(valid.password.clone()).await?;
        create_participant(&state.db.write, valid, hash).await
    }
    .await;
    if created.is_err() {
        attempt.failed(&state.db.write).await?;
    }
    created
}

/// Checks a login and password, within the rate limits: the account, or 401 (one answer
/// for an unknown login and a wrong password), 429, or 403 for a voided account.
pub async fn check_login(
    state: &AppState,
    client: &Client,
    login: &str,
    password: &SecretString,
) -> Result<user::Model> {
    state.throttle.check_ip(client.ip)?;
    let found = find_by_login(&state.db.read, login).await?;
    // A browser that signed in to this very account before has buckets of its own.
    let known = match (&found, &client.device) {
        (Some(user), Some((id, device))) if user.id == *id => Some(KnownDevice {
            user_id: *id,
            device,
        }),
        _ => None,
    };
    let key = login_key(login);
    let attempt = state
        .throttle
        .login(&state.db.read, client.ip, key.as_deref(), known)
        .await?;
    let stored = found.as_ref().map(|u| u.password_hash.clone());
    let ok = state
        .hasher
        .verify(crate::text::nfc(password.expose_secret()), stored)
        .await?;
    let user = match found {
        Some(user) if ok => user,
        _ => {
            attempt.failed(&state.db.write).await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    drop(attempt);
    if user.voided {
        tracing::info!(user.id = user.id, "voided account refused at login");
        return Err(if user.role.is_staff() {
            account_disabled()
        } else {
            account_voided()
        });
    }
    Ok(user)
}

/// Changes `user`'s password after checking the current one, within the limits (a wrong
/// current password counts like a failed login: a stolen token is no password oracle).
/// Every older token dies; returns the new token version.
pub async fn change_password(
    state: &AppState,
    client: &Client,
    user: &user::Model,
    current: &SecretString,
    new: &SecretString,
) -> Result<i32> {
    let new = crate::text::nfc(new.expose_secret());
    check_password(&new).map_err(|m| AppError::field("new_password", m))?;
    state.throttle.check_ip(client.ip)?;
    let attempt = state
        .throttle
        .password_change(&state.db.read, user.id)
        .await?;
    let ok = state
        .hasher
        .verify(
            crate::text::nfc(current.expose_secret()),
            Some(user.password_hash.clone()),
        )
        .await?;
    if !ok {
        attempt.failed(&state.db.write).await?;
        return Err(AppError::field(
            "current_password",
            "Mật khẩu hiện tại không đúng.",
        ));
    }
    drop(attempt);
    let hash = state.hasher.hash(new).await?;
    revoke_tokens(state, user, Some(hash)).await
}

/// Moves `user`'s token version on (and sets a new password hash, if given) and returns
/// the new version: every older token dies, at once on this instance and within
/// `USER_CACHE_TTL` on the others.
pub async fn revoke_tokens(
    state: &AppState,
    user: &user::Model,
    hash: Option<String>,
) -> Result<i32> {
    let fresh = super::bump_token_version(&state.db.write, user.id, |update| match hash {
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

/// Ends one session of `user`: that token stops working, at once on this instance and
/// within `USER_CACHE_TTL` on the others; the account's other tokens go on. A token issued
/// before sessions existed (`None`) cannot be told apart from the account's others: all of
/// them are revoked instead.
pub async fn end_session(
    state: &AppState,
    user: &user::Model,
    session: Option<&Session>,
) -> Result<()> {
    match session {
        Some(session) => {
            sessions::revoke(&state.db.write, &session.id, user.id, session.expires_at).await?;
            state.sessions.remember(&session.id, session.expires_at);
        }
        None => {
            revoke_tokens(state, user, None).await?;
        }
    }
    tracing::info!(user.id = user.id, "logged out");
    Ok(())
}
