//! Registration, login, logout and the caller's own account.

use crate::db::OneByKey;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{self, Registration, Role, sessions, token::DEVICE_TTL};
use crate::entities::{unit, user};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{AuthUser, TOKEN_COOKIE, authenticate};
use crate::web::throttle::KnownDevice;

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
fn device_of(req: &HttpRequest, state: &AppState) -> Option<(i64, String)> {
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

/// The answer to a right password on a voided account (issue #8): its tokens were
/// revoked when it was voided, and it gets no new one.
pub fn account_voided() -> AppError {
    AppError::refused(
        "account_voided",
        "Tài khoản của bạn đã bị Ban Tổ chức huỷ kết quả, không thể đăng nhập.",
    )
}

#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth",
    request_body = Registration,
    responses(
        (status = 201, description = "Registered", body = crate::web::openapi::Registered),
        (status = 400, description = "Malformed JSON", body = crate::web::openapi::ErrorBody),
        (status = 409, description = "Phone number already registered (`phone_taken`); a taken ID number or email is not refused (see SECURITY.md)", body = crate::web::openapi::ErrorBody),
        (status = 413, description = "Body too large", body = crate::web::openapi::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::web::openapi::ErrorBody),
        (status = 429, description = "Too many registrations from this client", body = crate::web::openapi::ErrorBody),
    )
)]
/// `POST /api/v1/auth/register` — a participant creates their account.
#[tracing::instrument(skip_all)]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Registration>,
) -> Result<HttpResponse> {
    let registration = body.into_inner();
    state.throttle.check_ip(&req)?;
    // Counted per phone number too: a 409 tells whether a number is registered.
    let key = registration.phone.as_deref().and_then(accounts::login_key);
    let attempt = state
        .throttle
        .registration(&state.db.read, &req, key.as_deref())
        .await?;
    let created = async {
        let valid = registration.validate(Utc::now().date_naive())?;
        let hash = state.hasher.hash(valid.password.clone()).await?;
        accounts::create_participant(&state.db.write, valid, hash).await
    }
    .await;
    let (user, unit) = match created {
        Ok(created) => created,
        Err(e) => {
            attempt.failed(&state.db.write).await?;
            return Err(e);
        }
    };
    tracing::info!(user.id = user.id, unit.code = %unit.code, "participant registered");
    Ok(HttpResponse::Created().json(json!({
        "id": user.id,
        "full_name": user.full_name,
        "category": user.category_code,
        "unit_code": unit.code,
    })))
}

/// The body of `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// A phone number (any format) or an email address.
    pub login: String,
    pub password: String,
}

#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = Login,
    responses(
        (status = 200, description = "Signed in; the token is also set as a cookie", body = crate::web::openapi::LoggedIn),
        (status = 400, description = "Malformed JSON", body = crate::web::openapi::ErrorBody),
        (status = 401, description = "Unknown login or wrong password", body = crate::web::openapi::ErrorBody),
        (status = 403, description = "The account is voided (`account_voided`)", body = crate::web::openapi::ErrorBody),
        (status = 413, description = "Body too large", body = crate::web::openapi::ErrorBody),
        (status = 429, description = "Too many attempts", body = crate::web::openapi::ErrorBody),
    )
)]
/// `POST /api/v1/auth/login` — one identical 401 for an unknown login and a wrong password.
#[tracing::instrument(skip_all)]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> Result<HttpResponse> {
    let Login { login, password } = body.into_inner();
    let user = check_login(&req, &state, &login, &password).await?;
    let issued = state
        .tokens
        .issue(user.id, user.token_version, Utc::now())?;
    tracing::info!(user.id = user.id, role = %user.role, "signed in");
    Ok(HttpResponse::Ok()
        .cookie(token_cookie(&state, issued.token.clone()))
        .cookie(device_cookie(&req, &state, user.id)?)
        .json(json!({
            "token": issued.token,
            "token_type": "Bearer",
            "expires_at": issued.expires_at,
            "user": {"id": user.id, "full_name": user.full_name, "role": user.role},
        })))
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
    let found = accounts::find_by_login(&state.db.read, login).await?;
    // A browser that signed in to this very account before has buckets of its own.
    let device = device_of(req, state);
    let known = match (&found, &device) {
        (Some(user), Some((id, device))) if user.id == *id => Some(KnownDevice {
            user_id: *id,
            device,
        }),
        _ => None,
    };
    let key = accounts::login_key(login);
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

#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "The token presented (bearer or cookie) is revoked and the cookie cleared; the account's other sessions stay signed in"))
)]
/// `POST /api/v1/auth/logout` — ends the session of the token presented, on every
/// instance, and forgets the browser's cookie. Without a valid token there is nothing to
/// end: still 204.
pub async fn logout(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    log_out(req, &state).await?;
    Ok(HttpResponse::NoContent()
        .cookie(expired_cookie(&state))
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
async fn bump_token_version(
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
    state.users.remove(&user.id);
    Ok(fresh.token_version)
}

#[utoipa::path(
    post, path = "/api/v1/auth/logout-all", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every token issued so far is revoked"),
        (status = 401, description = "Not signed in", body = crate::web::openapi::ErrorBody),
    )
)]
/// `POST /api/v1/auth/logout-all` — every token issued so far stops working.
#[tracing::instrument(skip_all, fields(user.id = caller.id()))]
pub async fn logout_all(caller: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse> {
    bump_token_version(&state, &caller.user, None).await?;
    tracing::info!("logged out everywhere");
    Ok(HttpResponse::NoContent()
        .cookie(expired_cookie(&state))
        .finish())
}

/// The body of `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; older tokens are revoked", body = crate::web::openapi::Token),
        (status = 400, description = "Malformed JSON", body = crate::web::openapi::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::web::openapi::ErrorBody),
        (status = 413, description = "Body too large", body = crate::web::openapi::ErrorBody),
        (status = 422, description = "Wrong current password or too short a new one", body = crate::web::openapi::ErrorBody),
        (status = 429, description = "Too many wrong current passwords", body = crate::web::openapi::ErrorBody),
    )
)]
/// `POST /api/v1/me/password` — changes the password; older tokens stop working and a
/// new token is returned. Wrong current passwords are limited per account like failed
/// logins: a stolen token is not a password oracle.
#[tracing::instrument(skip_all, fields(user.id = caller.id()))]
pub async fn change_password(
    req: HttpRequest,
    caller: AuthUser,
    state: web::Data<AppState>,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.into_inner();
    let new_password = crate::text::nfc(&new_password);
    accounts::check_password(&new_password).map_err(|m| AppError::field("new_password", m))?;
    state.throttle.check_ip(&req)?;
    let attempt = state
        .throttle
        .password_change(&state.db.read, caller.id())
        .await?;
    let ok = state
        .hasher
        .verify(
            crate::text::nfc(&current_password),
            Some(caller.user.password_hash.clone()),
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
    let hash = state.hasher.hash(new_password).await?;
    let version = bump_token_version(&state, &caller.user, Some(hash)).await?;
    let issued = state.tokens.issue(caller.id(), version, Utc::now())?;
    tracing::info!("password changed");
    Ok(HttpResponse::Ok()
        .cookie(token_cookie(&state, issued.token.clone()))
        .json(json!({
            "token": issued.token,
            "token_type": "Bearer",
            "expires_at": issued.expires_at,
        })))
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = crate::web::openapi::Me),
        (status = 401, description = "Not signed in", body = crate::web::openapi::ErrorBody),
    )
)]
/// `GET /api/v1/me` — the caller's own account, with their personal fields (as given at
/// registration, including an ID number or email that another account held).
pub async fn me(caller: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse> {
    let u = &caller.user;
    let aside = accounts::set_aside_of(&state.db.read, u.id).await?;
    let unit = match u.unit_id {
        Some(id) => {
            unit::Entity::find_by_id(id)
                .one_by_key(&state.db.read)
                .await?
        }
        None => None,
    };
    Ok(HttpResponse::Ok().json(json!({
        "id": u.id,
        "role": u.role,
        "full_name": u.full_name,
        "email": u.email.as_ref().or(aside.email.as_ref()),
        "phone": u.phone,
        "national_id": u.national_id.as_ref().or(aside.national_id.as_ref()),
        "birth_date": u.birth_date,
        "gender": u.gender,
        "category": u.category_code,
        "unit_code": unit.as_ref().map(|x| x.code.clone()),
        "unit_name": unit.as_ref().map(|x| x.name.clone()),
        "voided": u.voided,
        "void_reason": u.void_reason,
        "is_staff": caller.role != Role::Participant,
    })))
}
