//! Log in, register, log out — as forms.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;

use super::{PageCtx, PageError, PageResult, see_other};
use crate::accounts::profile::{ConsentText, consent_text};
use crate::accounts::{self, Registration, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::layout::{Viewer, csrf_field, page};
use crate::web::session::{client, device_cookie, expired_cookie, log_out, token_cookie};

/// Where to go after signing in, when a page sent the person here (`?next=/attempts/12`):
/// a path of this site only, never another host.
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && n.len() <= 200
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-_?=&#.".contains(&b))
    })
}

fn login_form(viewer: &Viewer, login: &str, error: Option<&str>, next: Option<&str>) -> Markup {
    page(
        viewer,
        "Đăng nhập",
        &[],
        html! {
            h1 { "Đăng nhập" }
            @if let Some(error) = error {
                div.error role="alert" { (error) }
            }
            @if next.is_some() {
                p.notice role="status" { "Đăng nhập lại để làm tiếp: bài làm của bạn vẫn được giữ." }
            }
            form.card method="post" action="/login" {
                (csrf_field(viewer))
                @if let Some(next) = next { input type="hidden" name="next" value=(next); }
                label for="login" { "Số điện thoại hoặc email" }
                input #login type="text" name="login" value=(login) autocomplete="username" required;
                label for="password" { "Mật khẩu" }
                input #password type="password" name="password" autocomplete="current-password" required;
                div.actions { button type="submit" { "Đăng nhập" } }
            }
            p { a href="/quen-mat-khau" { "Quên mật khẩu?" } }
            p { "Chưa có tài khoản? " a href="/register" { "Đăng ký dự thi" } }
        },
    )
}

/// Query of the login page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `GET /login` (`?next=` a path of this site to return to).
pub async fn login_page(ctx: PageCtx, query: web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    ctx.ok(login_form(&ctx.viewer, "", None, next))
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub csrf: String,
    pub login: String,
    pub password: secrecy::SecretString,
    /// The page to return to (see [`safe_next`]).
    #[serde(default)]
    pub next: Option<String>,
}

/// A form answered again with the error's message (401, 403 or 429, with `Retry-After`).
pub(super) fn refused_form(ctx: &PageCtx, error: &AppError, markup: Markup) -> HttpResponse {
    let mut response = ctx.html(ResponseError::status_code(error), markup);
    if let AppError::TooManyRequests { retry_after_secs } = error {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(*retry_after_secs),
        );
    }
    response
}

/// `POST /login`.
pub async fn login(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    match accounts::check_login(&state, &client(&req, &state), &form.login, &form.password).await {
        Ok(user) => {
            let issued = state
                .tokens
                .issue(user.id, user.token_version, Utc::now())
                .map_err(AppError::from)?;
            let next = safe_next(form.next.as_deref()).filter(|_| user.role == Role::Participant);
            let mut response = see_other(match (next, user.role) {
                (Some(next), _) => next,
                (None, Role::Participant) => "/me",
                (None, Role::Admin) => "/admin",
                (None, Role::Organiser | Role::Judge) => "/",
            });
            signed_in(&mut response, &req, &state, user.id, issued.token)?;
            Ok(response)
        }
        Err(
            e @ (AppError::InvalidCredentials
            | AppError::Refused { .. }
            | AppError::TooManyRequests { .. }),
        ) => Ok(refused_form(
            &ctx,
            &e,
            login_form(
                &ctx.viewer,
                &form.login,
                Some(&e.message()),
                safe_next(form.next.as_deref()),
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Sets the cookies of a browser that has just signed in: the login token, and the device
/// cookie that marks it as known to the account.
fn signed_in(
    response: &mut HttpResponse,
    req: &HttpRequest,
    state: &AppState,
    user_id: i64,
    token: String,
) -> Result<(), AppError> {
    for cookie in [
        token_cookie(state, token),
        device_cookie(req, state, user_id)?,
    ] {
        response
            .add_cookie(&cookie)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    }
    Ok(())
}

/// The logout form.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

/// `POST /logout`: ends the session of the login cookie (see `web::session::log_out`).
pub async fn logout(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    log_out(req, &state).await?;
    let mut response = see_other("/");
    response
        .add_cookie(&expired_cookie(&state))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

/// The registration form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    pub csrf: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub national_id: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub password: String,
    /// The consent checkbox: `yes` when ticked, absent otherwise.
    #[serde(default)]
    pub consent: String,
}

/// The consent block of the registration form: purpose, controller, data, retention,
/// rights (Decree 13/2023), and the checkbox that records the participant's consent.
fn consent_block(text: &ConsentText, ticked: bool, error: Option<&String>) -> Markup {
    html! {
        fieldset.consent #consent-box {
            legend { "Đồng ý xử lý dữ liệu cá nhân" }
            p { strong { "Bên xử lý dữ liệu: " } (text.controller) }
            p { strong { "Mục đích: " } (text.purpose) }
            p { strong { "Dữ liệu thu thập: " } (text.data) }
            p { strong { "Thời hạn lưu trữ: " } (text.retention) }
            p { strong { "Quyền của bạn: " } (text.rights) }
            p.muted { "Phiên bản nội dung: " (text.version) " (theo Nghị định 13/2023/NĐ-CP)." }
            div.check {
                input #consent type="checkbox" name="consent" value="yes" required checked[ticked]
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| "consent-error")];
                label for="consent" { "Tôi đã đọc và đồng ý để " (text.controller) " xử lý dữ liệu cá nhân của tôi cho các mục đích trên." }
            }
            @if let Some(e) = error { div.field-error #consent-error { (e) } }
        }
    }
}

fn field(
    errors: &BTreeMap<String, String>,
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    autocomplete: &str,
    required: bool,
) -> Markup {
    let error_id = format!("{name}-error");
    html! {
        label for=(name) { (label) @if !required { span.muted { " (không bắt buộc)" } } }
        input id=(name) type=(kind) name=(name) value=(value) autocomplete=(autocomplete) required[required]
            aria-invalid=[errors.get(name).map(|_| "true")]
            aria-describedby=[errors.get(name).map(|_| error_id.clone())];
        @if let Some(e) = errors.get(name) { div.field-error id=(error_id) { (e) } }
    }
}

async fn register_form(
    ctx: &PageCtx,
    state: &AppState,
    form: &RegisterForm,
    errors: &BTreeMap<String, String>,
    general: Option<&str>,
) -> Result<Markup, PageError> {
    let units = crate::units::list(&state.db.read).await?;
    let categories = state.categories().await?.to_vec();
    let consent = consent_text(state.site().await?.organiser_name.clone());
    let viewer = &ctx.viewer;
    Ok(page(
        viewer,
        "Đăng ký dự thi",
        &["register.js"],
        html! {
            h1 { "Đăng ký dự thi" }
            p.muted { "Mỗi người chỉ đăng ký một tài khoản. Muốn sửa thông tin sau khi đăng ký, hãy gửi yêu cầu tới Ban Tổ chức tại trang Tài khoản." }
            @if let Some(g) = general { div.error role="alert" { (g) } }
            @if !errors.is_empty() {
                div.error role="alert" {
                    "Vui lòng kiểm tra lại:"
                    ul { @for (_, e) in errors { li { (e) } } }
                }
            }
            form.card method="post" action="/register" novalidate {
                (csrf_field(viewer))
                (field(errors, "full_name", "Họ và tên", "text", &form.full_name, "name", true))
                (field(errors, "phone", "Số điện thoại", "tel", &form.phone, "tel", true))
                (field(errors, "email", "Email", "email", &form.email, "email", false))
                (field(errors, "national_id", "Số CCCD (12 chữ số)", "text", &form.national_id, "off", false))
                (field(errors, "birth_date", "Ngày sinh", "date", &form.birth_date, "bday", false))
                label for="category" { "Đối tượng dự thi" }
                select #category name="category" required {
                    @for c in &categories {
                        option value=(c.code) selected[c.code == form.category] { (c.name) }
                    }
                }
                @if let Some(e) = errors.get("category") { div.field-error { (e) } }
                label for="unit-search" hidden { "Tìm đơn vị" }
                input #unit-search type="search" hidden placeholder="Gõ tên xã, huyện, sở…" autocomplete="off";
                label for="unit_code" { "Đơn vị" }
                select #unit_code name="unit_code" required {
                    option value="" { "— Chọn đơn vị —" }
                    @for u in &units {
                        option value=(u.code) selected[u.code == form.unit_code] {
                            @for _ in 0..u.depth { "\u{00a0}\u{00a0}\u{00a0}" }
                            (u.name)
                        }
                    }
                }
                @if let Some(e) = errors.get("unit_code") { div.field-error { (e) } }
                (field(errors, "password", "Mật khẩu (ít nhất 8 ký tự)", "password", "", "new-password", true))
                (consent_block(&consent, form.consent == "yes", errors.get("consent")))
                div.actions { button type="submit" { "Đăng ký" } }
            }
            p { "Đã có tài khoản? " a href="/login" { "Đăng nhập" } }
        },
    ))
}

/// `GET /register`.
pub async fn register_page(ctx: PageCtx, state: web::Data<AppState>) -> PageResult {
    let markup = register_form(
        &ctx,
        &state,
        &RegisterForm::default(),
        &BTreeMap::new(),
        None,
    )
    .await?;
    Ok(ctx.ok(markup))
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// `POST /register`: on success, logs in and goes to "my results".
pub async fn register(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let registration = Registration {
        full_name: non_empty(&form.full_name),
        phone: non_empty(&form.phone),
        email: non_empty(&form.email),
        national_id: non_empty(&form.national_id),
        birth_date: non_empty(&form.birth_date),
        gender: None,
        category: non_empty(&form.category),
        unit_code: non_empty(&form.unit_code),
        password: Some(form.password.clone()).filter(|p| !p.is_empty()),
        consent: Some(form.consent == "yes"),
    };
    match accounts::register(&state, &client(&req, &state), registration).await {
        Ok((user, _)) => {
            let issued = state
                .tokens
                .issue(user.id, user.token_version, Utc::now())
                .map_err(AppError::from)?;
            let mut response = see_other("/me");
            signed_in(&mut response, &req, &state, user.id, issued.token)?;
            Ok(response)
        }
        Err(AppError::Validation { fields }) => {
            let markup = register_form(&ctx, &state, &form, &fields, None).await?;
            Ok(ctx.html(StatusCode::UNPROCESSABLE_ENTITY, markup))
        }
        Err(e @ AppError::TooManyRequests { .. }) => {
            let markup =
                register_form(&ctx, &state, &form, &BTreeMap::new(), Some(&e.message())).await?;
            Ok(refused_form(&ctx, &e, markup))
        }
        Err(e @ AppError::Conflict { .. }) => {
            let markup =
                register_form(&ctx, &state, &form, &BTreeMap::new(), Some(&e.message())).await?;
            Ok(ctx.html(StatusCode::CONFLICT, markup))
        }
        Err(e) => Err(e.into()),
    }
}
