//! Registration and login, within their rate limits: the one place where both the JSON
//! handlers and the sign-in and registration pages register and sign people in.

use actix_web::HttpRequest;
use chrono::Utc;

use super::{Registration, create_participant, find_by_login, login_key};
use crate::entities::{unit, user};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::session::device_of;
use crate::web::throttle::KnownDevice;

/// The answer to a right password on a voided account (issue #8): its tokens were
/// revoked when it was voided, and it gets no new one.
pub fn account_voided() -> AppError {
    AppError::refused(
        "account_voided",
        "Tài khoản của bạn đã bị Ban Tổ chức huỷ kết quả, không thể đăng nhập.",
    )
}

/// Registers a participant, within the rate limits (per client IP, and per phone number):
/// validates the registration, hashes the password off the async threads and creates the
/// account (see [`create_participant`] for identity conflicts). A refused registration
/// counts against the limits. Returns the account and its unit.
pub async fn register(
    req: &HttpRequest,
    state: &AppState,
    registration: Registration,
) -> Result<(user::Model, unit::Model)> {
    state.throttle.check_ip(req)?;
    // Counted per phone number too: a 409 tells whether a number is registered.
    let key = registration.phone.as_deref().and_then(login_key);
    let attempt = state
        .throttle
        .registration(&state.db.read, req, key.as_deref())
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
    req: &HttpRequest,
    state: &AppState,
    login: &str,
    password: &str,
) -> Result<user::Model> {
    state.throttle.check_ip(req)?;
    let found = find_by_login(&state.db.read, login).await?;
    // A browser that signed in to this very account before has buckets of its own.
    let device = device_of(req, state);
    let known = match (&found, &device) {
        (Some(user), Some((id, device))) if user.id == *id => Some(KnownDevice {
            user_id: *id,
            device,
        }),
        _ => None,
    };
    let key = login_key(login);
    let attempt = state
        .throttle
        .login(&state.db.read, req, key.as_deref(), known)
        .await?;
    let stored = found.as_ref().map(|u| u.password_hash.clone());
    let ok = state
        .hasher
        .verify(crate::text::nfc(password), stored)
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
        return Err(account_voided());
    }
    Ok(user)
}
