//! The participants console: search, void and restore, corrections, duplicate candidates.

use actix_web::web;
use maud::html;
use serde::Deserialize;

use crate::error::AppError;
use crate::state::AppState;
use crate::views::console;
use crate::views::layout::csrf_field;
use crate::web::extract::Organiser;
use crate::web::pages::{PageCtx, PageResult, see_other};

/// Query of the participant search, and what the last row action did (`ok=void` or
/// `ok=unvoid`, after the redirect that keeps the search).
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub query: Option<String>,
    pub ok: Option<String>,
}

/// The participants page showing search `query`, with notice `ok`.
fn participants_url(query: &str, ok: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC);
    format!("/organiser/participants?query={encoded}&ok={ok}")
}

/// `GET /organiser/participants?query=` — search, void and restore.
pub async fn participants(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> PageResult {
    let q = query.query.clone().unwrap_or_default();
    let found = crate::accounts::participants::search(&state, &q, 200).await?;
    let categories = state.categories().await?.to_vec();
    let viewer = &ctx.viewer;
    let notice = match query.ok.as_deref() {
        Some("void") => Some("Đã huỷ kết quả của thí sinh; kết quả không còn được xếp hạng."),
        Some("unvoid") => Some("Đã khôi phục thí sinh."),
        Some("corrected") => Some("Đã lưu thông tin đã sửa của thí sinh."),
        _ => None,
    };
    Ok(ctx.ok(console::organiser(viewer, "Thí sinh", html! {
        @if let Some(text) = notice { p.notice #participants-notice role="status" { (text) } }
        form.card method="get" action="/organiser/participants" role="search" {
            label for="participant-query" { "Tìm theo họ tên (có dấu hoặc không dấu), số điện thoại (một phần) hoặc tên, mã đơn vị" }
            input #participant-query type="search" name="query" value=(q);
            div.actions { button type="submit" { "Tìm" } }
        }
        p.scroll-hint aria-hidden="true" { "Vuốt ngang bảng để xem thêm cột →" }
        div.table-wrap { table #participants {
            thead { tr { th scope="col" { "Họ và tên" } th scope="col" { "Điện thoại" } th scope="col" { "Đơn vị" } th scope="col" { "Trạng thái" } th scope="col" { "Sửa thông tin" } th scope="col" { "Mật khẩu" } } }
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
                            input type="hidden" name="query" value=(q);
                            button.secondary type="submit" { "Khôi phục" }
                        }
                    } @else {
                        form method="post" action={ "/organiser/participants/" (id) "/void" } {
                            (csrf_field(viewer))
                            input type="hidden" name="query" value=(q);
                            label for={ "reason-" (id) } { "Lý do huỷ" }
                            input id={ "reason-" (id) } type="text" name="reason" required;
                            button.secondary type="submit" { "Huỷ kết quả" }
                        }
                    }
                }
                td { (correction_form(viewer, p, &categories, &q)) }
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

/// An organiser's correction of one participant (#16): unit, category, name, reason.
/// Its own form, apart from the void form and any other row action.
fn correction_form(
    viewer: &crate::views::layout::Viewer,
    p: &crate::accounts::participants::ParticipantView,
    categories: &[crate::entities::category::Model],
    query: &str,
) -> maud::Markup {
    let id = p.id;
    html! {
        details.correction {
            summary { "Sửa đơn vị, đối tượng, họ tên" }
            form method="post" action={ "/organiser/corrections/" (id) } {
                (csrf_field(viewer))
                input type="hidden" name="query" value=(query);
                label for={ "fix-name-" (id) } { "Họ và tên" }
                input id={ "fix-name-" (id) } type="text" name="full_name" value=(p.full_name) required maxlength="100";
                label for={ "fix-unit-" (id) } { "Mã đơn vị" }
                input id={ "fix-unit-" (id) } type="text" name="unit_code" value=(p.unit_code.as_deref().unwrap_or_default()) required;
                label for={ "fix-category-" (id) } { "Đối tượng" }
                select id={ "fix-category-" (id) } name="category" {
                    @for c in categories {
                        option value=(c.code) selected[p.category.as_deref() == Some(c.code.as_str())] { (c.name) }
                    }
                }
                label for={ "fix-reason-" (id) } { "Lý do sửa (ghi vào nhật ký)" }
                input id={ "fix-reason-" (id) } type="text" name="reason" required maxlength="500";
                p.muted { "Không đổi được đối tượng khi thí sinh đã có lượt thi. Bảng xếp hạng theo đơn vị cập nhật từ lần tính lại kế tiếp." }
                button type="submit" { "Lưu thay đổi" }
            }
        }
    }
}

/// The correction form.
#[derive(Debug, Deserialize)]
pub struct CorrectionForm {
    pub csrf: String,
    pub full_name: Option<String>,
    pub unit_code: Option<String>,
    pub category: Option<String>,
    #[serde(default)]
    pub reason: String,
    /// The search the list showed, kept after the correction.
    #[serde(default)]
    pub query: String,
}

/// `POST /organiser/corrections/{id}` — the fields as they should be; unchanged ones
/// change nothing.
pub async fn correct(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CorrectionForm>,
) -> PageResult {
    let user = &ctx.user;
    ctx.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let id = path.into_inner();
    crate::accounts::participants::correct(
        &state,
        id,
        crate::accounts::participants::Correction {
            unit_code: form.unit_code,
            category: form.category,
            full_name: form.full_name,
            reason: form.reason,
        },
        Some(user.id()),
    )
    .await?;
    tracing::info!(
        user.id = user.id(),
        participant.id = id,
        "participant corrected from the console"
    );
    Ok(see_other(&participants_url(&form.query, "corrected")))
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

/// The void form; `query` is the search the list showed, kept after the action.
#[derive(Debug, Deserialize)]
pub struct VoidForm {
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub query: String,
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
    Ok(see_other(&participants_url(&form.query, &action)))
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
