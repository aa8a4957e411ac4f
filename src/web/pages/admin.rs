//! The admin console (`/admin`): the site's identity ([`crate::site`]) and staff accounts — create, change a role, disable and
//! re-enable, hand over a new password — on the rules of [`crate::accounts::staff`], the
//! API's. A generated password appears once, on the page that answers the form, and the
//! page is not stored by the browser's cache.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web;
use maud::{Markup, html};
use serde::Deserialize;

use crate::accounts::recovery;
use crate::accounts::staff::{self, NewStaff, StaffChange};
use crate::entities::user::Role;
use crate::error::AppError;
use crate::site::{self, SiteInfo, SitePatch};
use crate::state::AppState;
use crate::views::form::FormOutcome;
use crate::views::layout::{Viewer, csrf_field, page};
use crate::web::extract::Admin;
use crate::web::pages::auth::CsrfOnly;
use crate::web::pages::{PageCtx, PageResult};

const STAFF_ROLES: [Role; 3] = [Role::Organiser, Role::Judge, Role::Admin];

/// A staff role as the console names it.
pub fn role_vi(role: Role) -> &'static str {
    match role {
        Role::Participant => "Thí sinh",
        Role::Organiser => "Ban Tổ chức",
        Role::Judge => "Ban Giám khảo",
        Role::Admin => "Quản trị",
    }
}

fn parse_role(s: &str) -> Option<Role> {
    use sea_orm::ActiveEnum;
    Role::try_from_value(&s.to_owned()).ok()
}

fn console(viewer: &Viewer, body: Markup) -> Markup {
    page(
        viewer,
        "Quản trị tài khoản cán bộ",
        &[],
        html! { h1 { "Quản trị tài khoản cán bộ" } (body) },
    )
}

fn role_options(selected: Option<Role>) -> Markup {
    html! {
        @for r in STAFF_ROLES {
            option value=(r.as_str()) selected[selected == Some(r)] { (role_vi(r)) }
        }
    }
}

async fn staff_page(
    ctx: &PageCtx<Admin>,
    state: &AppState,
    outcome: FormOutcome,
    form: &CreateForm,
) -> PageResult {
    let list = recovery::staff(&state.db.read).await?;
    let site = state.site().await?;
    let viewer = &ctx.viewer;
    let me = ctx.user.id();
    let mut response = ctx.html(outcome.status, console(viewer, html! {
        (outcome)
        form #staff-create .card method="post" action="/admin/staff" {
            h2 { "Tạo tài khoản cán bộ" }
            (csrf_field(viewer))
            label for="staff-login" { "Email đăng nhập" }
            input #staff-login type="email" name="login" value=(form.login) autocomplete="off" required;
            label for="staff-name" { "Họ và tên" }
            input #staff-name type="text" name="full_name" value=(form.full_name) required;
            label for="staff-role" { "Vai trò" }
            select #staff-role name="role" { (role_options(parse_role(&form.role))) }
            label for="staff-password" { "Mật khẩu (không bắt buộc)" }
            input #staff-password type="password" name="password" autocomplete="new-password" minlength="8" aria-describedby="staff-password-hint";
            p #staff-password-hint .muted { "Để trống để hệ thống tạo mật khẩu ngẫu nhiên, hiện một lần sau khi tạo." }
            div.actions { button type="submit" { "Tạo tài khoản" } }
        }
        h2 #staff-title { "Tài khoản cán bộ (" (list.len()) ")" }
        ul #staff-list .cards aria-labelledby="staff-title" {
            @for s in &list {
                li.card {
                    p {
                        strong { (s.full_name) } @if s.id == me { " (bạn)" } br;
                        span.muted { (s.login) } br;
                        (role_vi(s.role)) " · " @if s.disabled { strong { "Đã khoá" } } @else { "Đang hoạt động" }
                    }
                    form.inline method="post" action={ "/admin/staff/" (s.id) } {
                        (csrf_field(viewer))
                        label for={ "role-" (s.id) } { "Vai trò" }
                        select id={ "role-" (s.id) } name="role" { (role_options(Some(s.role))) }
                        button.secondary type="submit" { "Đổi vai trò" }
                    }
                    div.actions {
                        form method="post" action={ "/admin/staff/" (s.id) } {
                            (csrf_field(viewer))
                            input type="hidden" name="disabled" value=(if s.disabled { "false" } else { "true" });
                            button.secondary type="submit" { (if s.disabled { "Mở khoá" } else { "Khoá tài khoản" }) }
                        }
                        form method="post" action={ "/admin/staff/" (s.id) "/password" } {
                            (csrf_field(viewer))
                            button.secondary type="submit" { "Cấp mật khẩu mới" }
                        }
                    }
                }
            }
        }
        (site_form(viewer, &site))
    }));
    // A page that may carry a password once is not kept by any cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The site's identity: the organiser named as data controller, province, hotline, contact.
fn site_form(viewer: &Viewer, site: &SiteInfo) -> Markup {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        form #site-settings .card method="post" action="/admin/site" {
            h2 { "Thông tin Ban Tổ chức" }
            (csrf_field(viewer))
            label for="site-organiser" { "Tên Ban Tổ chức (bên xử lý dữ liệu cá nhân, hiện trong lời đồng ý khi đăng ký)" }
            input #site-organiser type="text" name="organiser_name" maxlength="200" value=(site.organiser_name) required;
            label for="site-province" { "Tỉnh, bộ, ngành" }
            input #site-province type="text" name="province" maxlength="100" value=(opt(&site.province));
            label for="site-hotline" { "Đường dây nóng" }
            input #site-hotline type="tel" name="hotline" maxlength="30" value=(opt(&site.hotline));
            label for="site-email" { "Email liên hệ" }
            input #site-email type="email" name="contact_email" maxlength="200" value=(opt(&site.contact_email));
            div.actions { button type="submit" { "Lưu thông tin" } }
        }
    }
}

/// The form of `POST /admin/site`.
#[derive(Debug, Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub organiser_name: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub hotline: String,
    #[serde(default)]
    pub contact_email: String,
}

/// `POST /admin/site` — sets the site's identity, with the API's rules.
pub async fn update_site(
    ctx: PageCtx<Admin>,
    state: web::Data<AppState>,
    form: web::Form<SiteForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let patch = SitePatch {
        organiser_name: Some(form.organiser_name),
        province: Some(form.province),
        hotline: Some(form.hotline),
        contact_email: Some(form.contact_email),
    };
    let outcome = match site::update(&state.db.write, ctx.user.id(), patch).await {
        Ok(_) => {
            state.site.remove(&()).await;
            FormOutcome::done(
                html! { div.notice role="status" { p { "Đã lưu thông tin Ban Tổ chức." } } },
            )
        }
        Err(e) => FormOutcome::refused(e)?,
    };
    staff_page(&ctx, &state, outcome, &CreateForm::default()).await
}

/// `GET /admin` — the staff accounts.
pub async fn staff(ctx: PageCtx<Admin>, state: web::Data<AppState>) -> PageResult {
    staff_page(&ctx, &state, FormOutcome::none(), &CreateForm::default()).await
}

/// The form creating a staff account.
#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub password: String,
}

fn password_notice(what: &str, login: &str, password: &str) -> Markup {
    html! {
        div.notice role="status" {
            p { (what) " " strong { (login) } "." }
            p { "Mật khẩu (chỉ hiện một lần, hãy chuyển cho người dùng qua kênh an toàn): "
                code #issued-password { (password) } }
        }
    }
}

/// `POST /admin/staff` — creates a staff account; a generated password is shown once.
pub async fn create(
    ctx: PageCtx<Admin>,
    state: web::Data<AppState>,
    form: web::Form<CreateForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let role = match parse_role(&form.role) {
        Some(r) => r,
        None => {
            let e = AppError::field("role", "Vai trò phải là admin, organiser hoặc judge.");
            return staff_page(&ctx, &state, FormOutcome::refused(e)?, &form).await;
        }
    };
    let new = NewStaff {
        login: form.login.clone(),
        full_name: form.full_name.clone(),
        role,
        password: (!form.password.is_empty()).then(|| form.password.clone().into()),
    };
    match staff::create(&state, ctx.user.id(), new).await {
        Ok(created) => {
            tracing::info!(
                staff.id = created.account.id,
                "staff account created from the console"
            );
            let outcome = FormOutcome::done(match &created.password {
                Some(p) => password_notice("Đã tạo tài khoản", &created.account.login, p),
                None => {
                    html! { div.notice role="status" { p { "Đã tạo tài khoản " strong { (created.account.login) } "." } } }
                }
            });
            staff_page(&ctx, &state, outcome, &CreateForm::default()).await
        }
        Err(e) => staff_page(&ctx, &state, FormOutcome::refused(e)?, &form).await,
    }
}

/// The form changing a staff account: a role, or `disabled`.
#[derive(Debug, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub csrf: String,
    pub role: Option<String>,
    pub disabled: Option<String>,
}

/// `POST /admin/staff/{id}` — changes a role, disables or enables.
pub async fn update(
    ctx: PageCtx<Admin>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<UpdateForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let id = path.into_inner();
    let change = (|| -> Result<StaffChange, AppError> {
        Ok(StaffChange {
            role: match form.role.as_deref() {
                Some(r) => Some(parse_role(r).ok_or_else(|| {
                    AppError::field("role", "Vai trò phải là admin, organiser hoặc judge.")
                })?),
                None => None,
            },
            disabled: form.disabled.as_deref().map(|d| d == "true"),
        })
    })();
    let outcome = match change {
        Ok(change) => match staff::update(&state, ctx.user.id(), id, change).await {
            Ok(s) => FormOutcome::done(html! { div.notice role="status" { p {
                "Đã cập nhật " strong { (s.login) } ": " (role_vi(s.role)) ", "
                (if s.disabled { "đã khoá" } else { "đang hoạt động" }) "."
            } } }),
            Err(e) => FormOutcome::refused(e)?,
        },
        Err(e) => FormOutcome::refused(e)?,
    };
    staff_page(&ctx, &state, outcome, &CreateForm::default()).await
}

/// `POST /admin/staff/{id}/password` — a new generated password, shown once.
pub async fn reset_password(
    ctx: PageCtx<Admin>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let issued = staff::reset_password(&state, ctx.user.id(), path.into_inner()).await?;
    let login = recovery::staff(&state.db.read)
        .await?
        .into_iter()
        .find(|s| s.id == issued.id)
        .map(|s| s.login)
        .unwrap_or_default();
    let outcome = FormOutcome::done(password_notice(
        "Đã cấp mật khẩu mới cho",
        &login,
        &issued.password,
    ));
    staff_page(&ctx, &state, outcome, &CreateForm::default()).await
}
