//! Password recovery (issue #16): an organiser's one-time reset code, the emailed link,
//! and setting a new password with either.

use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::accounts::recovery::{self, IssuedCode, ResetProof};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::Organiser;
use crate::web::session::client;

#[utoipa::path(
    post, path = "/api/v1/participants/{id}/reset-code", tag = "participants",
    params(("id" = i64, Path, example = 1, description = "Participant id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A one-time code, shown once: valid 30 minutes, single use; older unused codes stop working", body = IssuedCode),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `POST /api/v1/participants/{id}/reset-code` — the organiser reads the code out to the
/// participant, who sets a new password with it.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), participant.id = *path))]
pub async fn reset_code(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let issued = recovery::issue_code(&state, organiser.0.id(), path.into_inner()).await?;
    tracing::info!("reset code issued");
    Ok(HttpResponse::Created().json(issued))
}

/// The body of `POST /api/v1/auth/reset`: `login` and `code`, or `token`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The phone number (or email) of the account, with `code`.
    pub login: Option<String>,
    /// The code an organiser gave.
    pub code: Option<String>,
    /// The token of an emailed link (instead of `login` and `code`).
    pub token: Option<String>,
    #[schema(value_type = String)]
    pub new_password: SecretString,
}

/// The answer of a reset.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetDone {
    pub id: i64,
    /// Always true: every token issued before is revoked.
    pub signed_out_everywhere: bool,
}

#[utoipa::path(
    post, path = "/api/v1/auth/reset", tag = "auth",
    request_body = ResetBody,
    responses(
        (status = 200, description = "The new password is set; every older token is revoked", body = ResetDone),
        (status = 400, description = "A wrong, used or expired code or link (`invalid_code`), or malformed JSON", body = crate::error::ErrorBody),
        (status = 413, description = "Body too large", body = crate::error::ErrorBody),
        (status = 422, description = "Too short a new password, or neither `login`+`code` nor `token`", body = crate::error::ErrorBody),
        (status = 429, description = "Too many wrong codes", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/auth/reset` — sets a new password with a reset code or an emailed link.
#[tracing::instrument(skip_all)]
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ResetBody>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let proof = match (&body.login, &body.code, &body.token) {
        (Some(login), Some(code), None) => ResetProof::Code { login, code },
        (None, None, Some(token)) => ResetProof::Link { token },
        _ => {
            return Err(AppError::field(
                "code",
                "Cần số điện thoại và mã đặt lại, hoặc liên kết trong email.",
            ));
        }
    };
    let user =
        recovery::reset_password(&state, &client(&req, &state), proof, &body.new_password).await?;
    Ok(HttpResponse::Ok().json(ResetDone {
        id: user.id,
        signed_out_everywhere: true,
    }))
}

/// The body of `POST /api/v1/auth/forgot`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotBody {
    pub email: String,
}

/// The answer of `forgot`, the same for every address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ForgotAccepted {
    pub message: &'static str,
}

#[utoipa::path(
    post, path = "/api/v1/auth/forgot", tag = "auth",
    request_body = ForgotBody,
    responses(
        (status = 202, description = "The same answer whether an account has the address or not; if one has, a single-use link (30 minutes) is emailed. Without SMTP settings nothing is sent (logged)", body = ForgotAccepted),
        (status = 400, description = "Malformed JSON", body = crate::error::ErrorBody),
        (status = 413, description = "Body too large", body = crate::error::ErrorBody),
        (status = 429, description = "Too many requests for this address or from this client", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/auth/forgot` — emails a reset link to the account with this address.
#[tracing::instrument(skip_all)]
pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ForgotBody>,
) -> Result<HttpResponse> {
    recovery::forgot(&state, &client(&req, &state), &body.email).await?;
    Ok(HttpResponse::Accepted().json(ForgotAccepted {
        message: FORGOT_ACCEPTED,
    }))
}

/// What `forgot` answers, whatever the address.
pub const FORGOT_ACCEPTED: &str = "Nếu địa chỉ này thuộc một tài khoản, thư hướng dẫn đặt lại mật khẩu đã được gửi. Hãy kiểm tra hộp thư.";
