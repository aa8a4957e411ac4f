//! Getting back into an account, as forms (issue #16): `/quen-mat-khau` (phone, the
//! organiser's code and a new password, or an email for a link) and `/dat-lai-mat-khau`
//! (the page an emailed link opens). They work without JavaScript.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::auth::refused_form;
use super::{PageCtx, PageResult};
use crate::accounts::recovery::{self, ResetProof};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::layout::{Viewer, csrf_field, page};
use crate::web::session::client;

/// A message to show above a form: an error, or good news.
enum Notice<'a> {
    Error(&'a str),
    Done(&'a str),
}

fn notice(n: Option<Notice<'_>>) -> Markup {
    html! {
        @match n {
            Some(Notice::Error(m)) => div.error role="alert" { (m) },
            Some(Notice::Done(m)) => div.notice role="status" { (m) },
            None => {},
        }
    }
}

fn forgot_page(viewer: &Viewer, login: &str, shown: Option<Notice<'_>>) -> Markup {
    page(
        viewer,
        "Quên mật khẩu",
        &[],
        html! {
            h1 { "Quên mật khẩu" }
            (notice(shown))
            p { "Hãy liên hệ Ban Tổ chức để nhận mã đặt lại mật khẩu (dùng một lần, trong 30 phút), rồi nhập vào đây." }
            form.card method="post" action="/quen-mat-khau" {
                (csrf_field(viewer))
                label for="login" { "Số điện thoại" }
                input #login type="text" name="login" value=(login) autocomplete="username" inputmode="tel" required;
                label for="code" { "Mã đặt lại (ví dụ ABCDE-FGHJK)" }
                input #code type="text" name="code" autocomplete="one-time-code" autocapitalize="characters" required;
                label for="new_password" { "Mật khẩu mới" }
                input #new_password type="password" name="new_password" autocomplete="new-password" minlength="8" required;
                div.actions { button type="submit" { "Đặt lại mật khẩu" } }
            }
            h2 { "Nhận liên kết qua email" }
            p { "Nếu bạn đã khai báo email khi đăng ký, chúng tôi có thể gửi liên kết đặt lại mật khẩu." }
            form.card method="post" action="/quen-mat-khau/email" {
                (csrf_field(viewer))
                label for="email" { "Email" }
                input #email type="email" name="email" autocomplete="email" required;
                div.actions { button type="submit" { "Gửi liên kết" } }
            }
            p { a href="/login" { "Quay lại đăng nhập" } }
        },
    )
}

fn link_page(viewer: &Viewer, token: &str, shown: Option<Notice<'_>>) -> Markup {
    page(
        viewer,
        "Đặt lại mật khẩu",
        &[],
        html! {
            h1 { "Đặt lại mật khẩu" }
            (notice(shown))
            form.card method="post" action="/dat-lai-mat-khau" {
                (csrf_field(viewer))
                input type="hidden" name="token" value=(token);
                label for="new_password" { "Mật khẩu mới" }
                input #new_password type="password" name="new_password" autocomplete="new-password" minlength="8" required;
                div.actions { button type="submit" { "Đặt mật khẩu mới" } }
            }
            p { a href="/quen-mat-khau" { "Liên kết hết hạn? Yêu cầu lại" } }
        },
    )
}

fn done_page(viewer: &Viewer) -> Markup {
    page(
        viewer,
        "Đã đặt lại mật khẩu",
        &[],
        html! {
            h1 { "Đã đặt lại mật khẩu" }
            div.notice role="status" { "Mật khẩu mới đã có hiệu lực; mọi phiên đăng nhập cũ đã bị đăng xuất." }
            p { a href="/login" { "Đăng nhập với mật khẩu mới" } }
        },
    )
}

/// The message of a refused reset, for a person.
fn reset_error(error: &AppError) -> Option<String> {
    match error {
        AppError::Validation { fields } => {
            Some(fields.values().cloned().collect::<Vec<_>>().join(" "))
        }
        AppError::BadRequest { .. } | AppError::TooManyRequests { .. } => Some(error.message()),
        _ => None,
    }
}

/// `GET /quen-mat-khau`.
pub async fn forgot_form(ctx: PageCtx) -> HttpResponse {
    ctx.ok(forgot_page(&ctx.viewer, "", None))
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    pub csrf: String,
    pub login: String,
    pub code: String,
    pub new_password: secrecy::SecretString,
}

/// `POST /quen-mat-khau` — phone, code and new password.
pub async fn reset_with_code(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let proof = ResetProof::Code {
        login: &form.login,
        code: &form.code,
    };
    match recovery::reset_password(&state, &client(&req, &state), proof, &form.new_password).await {
        Ok(_) => Ok(ctx.ok(done_page(&ctx.viewer))),
        Err(e) => match reset_error(&e) {
            Some(m) => Ok(refused_form(
                &ctx,
                &e,
                forgot_page(&ctx.viewer, &form.login, Some(Notice::Error(&m))),
            )),
            None => Err(e.into()),
        },
    }
}

/// The email form.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    pub csrf: String,
    pub email: String,
}

/// `POST /quen-mat-khau/email` — the same answer for every address.
pub async fn send_link(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: web::Form<EmailForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    match recovery::forgot(&state, &client(&req, &state), &form.email).await {
        Ok(()) => Ok(ctx.ok(forgot_page(
            &ctx.viewer,
            "",
            Some(Notice::Done(crate::web::api::recovery::FORGOT_ACCEPTED)),
        ))),
        Err(e @ AppError::TooManyRequests { .. }) => Ok(refused_form(
            &ctx,
            &e,
            forgot_page(&ctx.viewer, "", Some(Notice::Error(&e.message()))),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The query of the emailed link.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    pub token: String,
}

/// `GET /dat-lai-mat-khau?token=…` — the page an emailed link opens.
pub async fn link_form(ctx: PageCtx, query: web::Query<LinkQuery>) -> HttpResponse {
    ctx.ok(link_page(&ctx.viewer, &query.token, None))
}

/// The new-password form of a link.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    pub csrf: String,
    pub token: String,
    pub new_password: secrecy::SecretString,
}

/// `POST /dat-lai-mat-khau`.
pub async fn reset_with_link(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: web::Form<LinkForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let proof = ResetProof::Link { token: &form.token };
    match recovery::reset_password(&state, &client(&req, &state), proof, &form.new_password).await {
        Ok(_) => Ok(ctx.ok(done_page(&ctx.viewer))),
        Err(e) => match reset_error(&e) {
            Some(m) => Ok(refused_form(
                &ctx,
                &e,
                link_page(&ctx.viewer, &form.token, Some(Notice::Error(&m))),
            )),
            None => Err(e.into()),
        },
    }
}
