//! The participants console: search, void and restore, duplicate candidates.

use actix_web::web;
use maud::html;
use serde::Deserialize;

use crate::error::AppError;
use crate::state::AppState;
use crate::views::console;
use crate::views::layout::csrf_field;
use crate::web::extract::Organiser;
use crate::web::pages::{PageCtx, PageResult, see_other};

/// Query of the participant search.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub query: Option<String>,
}

/// `GET /organiser/participants?query=` — search, void and restore.
pub async fn participants(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> PageResult {
    let q = query.query.clone().unwrap_or_default();
    let found = crate::accounts::participants::search(&state, &q, 200).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.ok(console::organiser(viewer, "Thí sinh", html! {
        form.card method="get" action="/organiser/participants" role="search" {
            label for="participant-query" { "Tìm theo họ tên, số điện thoại hoặc mã đơn vị" }
            input #participant-query type="search" name="query" value=(q);
            div.actions { button type="submit" { "Tìm" } }
        }
        div.table-wrap { table #participants {
            thead { tr { th scope="col" { "Họ và tên" } th scope="col" { "Điện thoại" } th scope="col" { "Đơn vị" } th scope="col" { "Trạng thái" } th scope="col" { "Mật khẩu" } } }
            tbody { @for p in &found { tr {
                td { (p.full_name) }
                td { (p.phone.as_deref().unwrap_or_default()) }
                td { (p.unit_name.as_deref().unwrap_or_default()) }
                td {
                    @let id = p.id;
                    @if p.voided {
                        "Đã huỷ: " (p.void_reason.as_deref().unwrap_or_default())
                        form method="post" action={ "/organiser/participants/" (id) "/unvoid" } {
                            (csrf_field(viewer))
                            button.secondary type="submit" { "Khôi phục" }
                        }
                    } @else {
                        form method="post" action={ "/organiser/participants/" (id) "/void" } {
                            (csrf_field(viewer))
                            label for={ "reason-" (id) } { "Lý do huỷ" }
                            input id={ "reason-" (id) } type="text" name="reason" required;
                            button.secondary type="submit" { "Huỷ kết quả" }
                        }
                    }
                }
                td {
                    form method="post" action={ "/organiser/participants/" (p.id) "/reset-code" } {
                        (csrf_field(viewer))
                        button.secondary type="submit" { "Cấp mã đặt lại" }
                    }
                }
            } } }
        } }
    })))
}

/// `POST /organiser/participants/{id}/reset-code` — issues a one-time reset code and shows
/// it once, to read out to the participant (issue #16).
pub async fn reset_code(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<crate::web::pages::auth::CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let issued =
        crate::accounts::recovery::issue_code(&state, ctx.user.id(), path.into_inner()).await?;
    tracing::info!(
        user.id = ctx.user.id(),
        participant.id = issued.user_id,
        "reset code issued from the console"
    );
    let until = crate::vn_time::display(issued.expires_at);
    let viewer = &ctx.viewer;
    Ok(ctx.ok(console::organiser(viewer, "Mã đặt lại mật khẩu", html! {
        div.card #reset-code {
            p { "Đọc mã này cho thí sinh (chỉ hiện một lần, dùng một lần, hết hạn lúc " (until) "):" }
            p.reset-code { strong { code { (issued.code) } } }
            p { "Thí sinh vào trang " strong { "Quên mật khẩu" } " (/quen-mat-khau), nhập số điện thoại, mã này và mật khẩu mới." }
            p { a href="/organiser/participants" { "Quay lại danh sách thí sinh" } }
        }
    })))
}

/// The void form.
#[derive(Debug, Deserialize)]
pub struct VoidForm {
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /organiser/participants/{id}/void` and `/unvoid`.
pub async fn set_void(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<VoidForm>,
) -> PageResult {
    let user = &ctx.user;
    ctx.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    let reason = match action.as_str() {
        "void" => Some(crate::accounts::participants::void_reason(&form.reason)?),
        "unvoid" => None,
        _ => return Err(AppError::NotFound.into()),
    };
    crate::accounts::participants::set_voided(&state, id, reason, Some(user.id())).await?;
    tracing::info!(
        user.id = user.id(),
        participant.id = id,
        action,
        "participant status changed from the console"
    );
    Ok(see_other("/organiser/participants"))
}

/// `GET /organiser/duplicates`.
pub async fn duplicates(ctx: PageCtx<Organiser>, state: web::Data<AppState>) -> PageResult {
    let groups = crate::accounts::participants::duplicate_groups(&state).await?;
    Ok(ctx.ok(console::organiser(&ctx.viewer, "Tài khoản nghi trùng", html! {
        p.muted { "Các tài khoản cùng họ tên, ngày sinh và đơn vị, hoặc khai cùng số CCCD hay email khi đăng ký. Kiểm tra và huỷ tài khoản trùng tại mục Thí sinh." }
        @if groups.is_empty() { p.card { "Không có tài khoản nghi trùng." } }
        @for g in &groups {
            div.card {
                p { (match g.reason {
                    "same_national_id" => "Cùng số CCCD",
                    "same_email" => "Cùng email",
                    _ => "Cùng họ tên, ngày sinh và đơn vị",
                }) }
                ul { @for p in &g.participants {
                li { (p.full_name) " — " (p.phone.as_deref().unwrap_or_default())
                     " — " (p.birth_date.map(|d| d.to_string()).unwrap_or_default()) " — " (p.unit_name.as_deref().unwrap_or_default()) }
            } } }
        }
    })))
}
