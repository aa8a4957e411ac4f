//! Registration, login, logout and the caller's own account.

use crate::db::OneByKey;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::EntityTrait;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::accounts::{self, Registration, Role};
use crate::entities::unit;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::AuthUser;
use crate::web::session::{client, device_cookie, expired_cookie, log_out, token_cookie};

/// A participant who has just registered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub id: i64,
    pub full_name: String,
    pub category: Option<String>,
    pub unit_code: String,
}

#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth",
    request_body = Registration,
    responses(
        (status = 201, description = "Registered", body = Registered),
        (status = 400, description = "Malformed JSON", body = crate::error::ErrorBody),
        (status = 409, description = "Phone number already registered (`phone_taken`); a taken ID number or email is not refused (see SECURITY.md)", body = crate::error::ErrorBody),
        (status = 413, description = "Body too large", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::error::ErrorBody),
        (status = 429, description = "Too many registrations from this client", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/auth/register` — a participant creates their account.
#[tracing::instrument(skip_all)]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Registration>,
) -> Result<HttpResponse> {
    let (user, unit) = accounts::register(&state, &client(&req, &state), body.into_inner()).await?;
    tracing::info!(user.id = user.id, unit.code = %unit.code, "participant registered");
    Ok(HttpResponse::Created().json(Registered {
        id: user.id,
        full_name: user.full_name,
        category: user.category_code,
        unit_code: unit.code,
    }))
}

/// The body of `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// A phone number (any format) or an email address.
    pub login: String,
    #[schema(value_type = String)]
    pub password: SecretString,
}

/// A signed-in user, as the login answer shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedInUser {
    pub id: i64,
    pub full_name: String,
    pub role: Role,
}

/// A new login token; it is also set as an HttpOnly cookie.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Token {
    /// The bearer token (`Authorization: Bearer …`).
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
}

impl Token {
    fn bearer(token: String, expires_at: DateTime<Utc>) -> Self {
        Token {
            token,
            token_type: "Bearer",
            expires_at,
        }
    }
}

/// The answer of a login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoggedIn {
    #[serde(flatten)]
    pub token: Token,
    pub user: SignedInUser,
}

#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = Login,
    responses(
        (status = 200, description = "Signed in; the token is also set as a cookie", body = LoggedIn),
        (status = 400, description = "Malformed JSON", body = crate::error::ErrorBody),
        (status = 401, description = "Unknown login or wrong password", body = crate::error::ErrorBody),
        (status = 403, description = "The account is voided (`account_voided`)", body = crate::error::ErrorBody),
        (status = 413, description = "Body too large", body = crate::error::ErrorBody),
        (status = 429, description = "Too many attempts", body = crate::error::ErrorBody),
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
    let user = accounts::check_login(&state, &client(&req, &state), &login, &password).await?;
    let issued = state
        .tokens
        .issue(user.id, user.token_version, Utc::now())?;
    tracing::info!(user.id = user.id, role = %user.role, "signed in");
    let role = user.role;
    Ok(HttpResponse::Ok()
        .cookie(token_cookie(&state, issued.token.clone()))
        .cookie(device_cookie(&req, &state, user.id)?)
        .json(LoggedIn {
            token: Token::bearer(issued.token, issued.expires_at),
            user: SignedInUser {
                id: user.id,
                full_name: user.full_name,
                role,
            },
        }))
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

#[utoipa::path(
    post, path = "/api/v1/auth/logout-all", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every token issued so far is revoked"),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/auth/logout-all` — every token issued so far stops working.
#[tracing::instrument(skip_all, fields(user.id = caller.id()))]
pub async fn logout_all(caller: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse> {
    accounts::revoke_tokens(&state, &caller.user, None).await?;
    tracing::info!("logged out everywhere");
    Ok(HttpResponse::NoContent()
        .cookie(expired_cookie(&state))
        .finish())
}

/// The body of `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(value_type = String)]
    pub current_password: SecretString,
    #[schema(value_type = String)]
    pub new_password: SecretString,
}

#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; older tokens are revoked", body = Token),
        (status = 400, description = "Malformed JSON", body = crate::error::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 413, description = "Body too large", body = crate::error::ErrorBody),
        (status = 422, description = "Wrong current password or too short a new one", body = crate::error::ErrorBody),
        (status = 429, description = "Too many wrong current passwords", body = crate::error::ErrorBody),
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
    let version = accounts::change_password(
        &state,
        &client(&req, &state),
        &caller.user,
        &current_password,
        &new_password,
    )
    .await?;
    let issued = state.tokens.issue(caller.id(), version, Utc::now())?;
    tracing::info!("password changed");
    Ok(HttpResponse::Ok()
        .cookie(token_cookie(&state, issued.token.clone()))
        .json(Token::bearer(issued.token, issued.expires_at)))
}

/// The caller's own account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub role: Role,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    pub category: Option<String>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub voided: bool,
    pub void_reason: Option<String>,
    /// True for judges, organisers and admins.
    pub is_staff: bool,
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = Me),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
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
    Ok(HttpResponse::Ok().json(Me {
        id: u.id,
        role: caller.role,
        full_name: u.full_name.clone(),
        email: u.email.clone().or(aside.email),
        phone: u.phone.clone(),
        national_id: u.national_id.clone().or(aside.national_id),
        birth_date: u.birth_date,
        gender: u.gender.clone(),
        category: u.category_code.clone(),
        unit_code: unit.as_ref().map(|x| x.code.clone()),
        unit_name: unit.map(|x| x.name),
        voided: u.voided,
        void_reason: u.void_reason.clone(),
        is_staff: caller.role != Role::Participant,
    }))
}
