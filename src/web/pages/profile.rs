//! `/tai-khoan`, one's own account (issue #16): the data registered, the consent given, a
//! new password, signing out everywhere, a copy of one's data, and requests to the
//! organisers to correct or delete it (the organisers handle them in
//! `organiser::request_console`).

use actix_web::{HttpRequest, ResponseError, web};
use chrono::Utc;
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use super::{PageCtx, PageResult, Refused, csrf_first, see_other};
use crate::accounts::{self, profile, requests};
use crate::entities::data_request::{RequestKind, RequestStatus};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::layout::{csrf_field, page};
use crate::vn_time;
use crate::web::extract::{AuthUser, SignedIn};
use crate::web::session::{client, expired_cookie, token_cookie};

/// What the page says after a form succeeded (`?ok=…`).
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    pub ok: Option<String>,
}

/// A request's kind, in words.
pub(crate) fn kind_label(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Correction => "Chỉnh sửa thông tin",
        RequestKind::Deletion => "Xoá dữ liệu cá nhân",
    }
}

/// Where a request stands, in words.
pub(crate) fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "Đang chờ xử lý",
        RequestStatus::Done => "Đã xử lý",
        RequestStatus::Rejected => "Bị từ chối",
    }
}

/// The account page, with `notice` (success) or `error` shown above the forms.
async fn account_page(
    ctx: &PageCtx<SignedIn>,
    state: &AppState,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<Markup, super::PageError> {
    let user = &ctx.user.user;
    let db = &state.db.read;
    let me = profile::profile_of(db, user).await?;
    let consent = profile::consent_of(db, user.id).await?;
    let participant = user.role == accounts::Role::Participant;
    let category = accounts::categories(db)
        .await?
        .into_iter()
        .find(|c| Some(&c.code) == me.category.as_ref())
        .map(|c| c.name);
    let requests = requests::requests_where(db, Some(user.id)).await?;
    let pending_deletion = requests
        .iter()
        .any(|r| r.kind == RequestKind::Deletion && r.status == RequestStatus::Pending);
    let viewer = &ctx.viewer;
    let none = "—";
    Ok(page(
        viewer,
        "Tài khoản của tôi",
        &[],
        html! {
            h1 { "Tài khoản của tôi" }
            @if let Some(n) = notice { div.notice role="status" { (n) } }
            @if let Some(e) = error { div.error role="alert" { (e) } }
            @if pending_deletion {
                div.notice #pending-deletion role="status" {
                    "Bạn đã gửi yêu cầu xoá dữ liệu cá nhân; Ban Tổ chức đang xử lý. Kết quả đã công bố (họ tên, đơn vị) được giữ lại."
                }
            }
            section.card aria-labelledby="data-title" {
                h2 #data-title { "Thông tin đã đăng ký" }
                dl.facts {
                    dt { "Họ và tên" } dd #full-name { (me.full_name) }
                    dt { "Số điện thoại" } dd { (me.phone.as_deref().unwrap_or(none)) }
                    dt { "Email" } dd { (me.email.as_deref().unwrap_or(none)) }
                    dt { "Số CCCD" } dd #national-id {
                        (me.national_id.as_deref().map(profile::mask_national_id).unwrap_or_else(|| none.to_owned()))
                    }
                    dt { "Ngày sinh" } dd { (me.birth_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| none.to_owned())) }
                    @if participant {
                        dt { "Đối tượng dự thi" } dd { (category.as_deref().or(me.category.as_deref()).unwrap_or(none)) }
                        dt { "Đơn vị" } dd { (me.unit_name.as_deref().unwrap_or(none)) }
                    }
                    dt { "Ngày đăng ký" } dd { (vn_time::display(me.registered_at)) }
                }
                @if let Some(c) = &consent {
                    p #consent-record.muted { "Bạn đã đồng ý cho xử lý dữ liệu cá nhân (nội dung phiên bản " (c.version) ") lúc " (vn_time::display(c.given_at)) "." }
                }
                p.muted { "Số CCCD chỉ hiện 4 chữ số cuối. Tệp tải về có đầy đủ dữ liệu của bạn." }
                div.actions {
                    a.button.secondary href="/api/v1/me/data" download { "Tải dữ liệu của tôi (JSON)" }
                    a.button.secondary href="/api/v1/me/data?format=csv" download { "Tải dữ liệu của tôi (CSV)" }
                }
            }
            section.card aria-labelledby="password-title" {
                h2 #password-title { "Đổi mật khẩu" }
                form method="post" action="/tai-khoan/mat-khau" {
                    (csrf_field(viewer))
                    input type="text" name="username" value=(me.phone.clone().or(me.email.clone()).unwrap_or_default()) autocomplete="username" hidden;
                    label for="current_password" { "Mật khẩu hiện tại" }
                    input #current_password type="password" name="current_password" autocomplete="current-password" required;
                    label for="new_password" { "Mật khẩu mới (ít nhất 8 ký tự)" }
                    input #new_password type="password" name="new_password" autocomplete="new-password" required;
                    div.actions { button type="submit" { "Đổi mật khẩu" } }
                }
                p.muted { "Sau khi đổi mật khẩu, các thiết bị khác phải đăng nhập lại." }
            }
            section.card aria-labelledby="sessions-title" {
                h2 #sessions-title { "Đăng xuất khỏi mọi thiết bị" }
                p { "Dùng khi bạn nghi có người khác đang dùng tài khoản của mình." }
                form method="post" action="/tai-khoan/dang-xuat-tat-ca" {
                    (csrf_field(viewer))
                    div.actions { button.secondary type="submit" { "Đăng xuất mọi nơi" } }
                }
            }
            @if participant {
                section.card aria-labelledby="request-title" {
                    h2 #request-title { "Yêu cầu chỉnh sửa hoặc xoá dữ liệu" }
                    p { "Yêu cầu được gửi tới Ban Tổ chức. Thông tin đăng ký không tự sửa được: hãy ghi rõ thông tin nào sai và giá trị đúng." }
                    form method="post" action="/tai-khoan/yeu-cau" {
                        (csrf_field(viewer))
                        fieldset {
                            legend { "Loại yêu cầu" }
                            div.check {
                                input #kind-correction type="radio" name="kind" value="correction" checked;
                                label for="kind-correction" { "Chỉnh sửa thông tin" }
                            }
                            div.check {
                                input #kind-deletion type="radio" name="kind" value="deletion" disabled[pending_deletion];
                                label for="kind-deletion" { "Xoá dữ liệu cá nhân (rút lại sự đồng ý)" }
                            }
                        }
                        label for="note" { "Nội dung" }
                        textarea #note name="note" rows="3" maxlength="1000" {}
                        div.actions { button type="submit" { "Gửi yêu cầu" } }
                    }
                    @if !requests.is_empty() {
                        h3 { "Yêu cầu đã gửi" }
                        ul #my-requests { @for r in &requests {
                            li {
                                (vn_time::display(r.created_at)) " — " (kind_label(r.kind)) " — " (status_label(r.status))
                                @if let Some(answer) = &r.resolution { br; span.muted { "Trả lời của Ban Tổ chức: " (answer) } }
                            }
                        } }
                    }
                }
            }
        },
    ))
}

/// `GET /tai-khoan`.
pub async fn show(
    ctx: PageCtx<SignedIn>,
    state: web::Data<AppState>,
    query: web::Query<Done>,
) -> PageResult {
    let notice = match query.ok.as_deref() {
        Some("password") => Some("Đã đổi mật khẩu."),
        Some("request") => Some("Đã gửi yêu cầu tới Ban Tổ chức."),
        _ => None,
    };
    Ok(ctx.ok(account_page(&ctx, &state, notice, None).await?))
}

/// The account page again, with the refusal's message and status.
async fn refused(ctx: &PageCtx<SignedIn>, state: &AppState, error: &AppError) -> PageResult {
    let message = match error {
        AppError::Validation { fields } => fields.values().cloned().collect::<Vec<_>>().join(" "),
        e => e.message(),
    };
    let markup = account_page(ctx, state, None, Some(&message)).await?;
    Ok(ctx.html(ResponseError::status_code(error), markup))
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    pub csrf: String,
    pub current_password: SecretString,
    pub new_password: SecretString,
}

/// `POST /tai-khoan/mat-khau`: changes the password (older sessions end) and signs this
/// browser in again with a fresh token.
pub async fn change_password(
    req: HttpRequest,
    ctx: Result<PageCtx<SignedIn>, Refused>,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> PageResult {
    let ctx = csrf_first(ctx, &form.csrf)?;
    let caller: &AuthUser = &ctx.user;
    match accounts::change_password(
        &state,
        &client(&req, &state),
        &caller.user,
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(version) => {
            let issued = state
                .tokens
                .issue(caller.id(), version, Utc::now())
                .map_err(AppError::from)?;
            let mut response = see_other("/tai-khoan?ok=password");
            response
                .add_cookie(&token_cookie(&state, issued.token))
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
            Ok(response)
        }
        Err(
            e @ (AppError::Validation { .. }
            | AppError::TooManyRequests { .. }
            | AppError::Refused { .. }),
        ) => refused(&ctx, &state, &e).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /tai-khoan/dang-xuat-tat-ca`: every token issued so far stops working, this
/// browser's too; back to the home page, signed out.
pub async fn logout_everywhere(
    ctx: Result<PageCtx<SignedIn>, Refused>,
    state: web::Data<AppState>,
    form: web::Form<super::auth::CsrfOnly>,
) -> PageResult {
    let ctx = csrf_first(ctx, &form.csrf)?;
    accounts::revoke_tokens(&state, &ctx.user.user, None).await?;
    tracing::info!(user.id = ctx.user.id(), "logged out everywhere");
    let mut response = see_other("/");
    response
        .add_cookie(&expired_cookie(&state))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

/// The request form.
#[derive(Debug, Deserialize)]
pub struct RequestForm {
    pub csrf: String,
    #[serde(default)]
    pub kind: Option<RequestKind>,
    #[serde(default)]
    pub note: String,
}

/// `POST /tai-khoan/yeu-cau`: a correction or deletion request to the organisers
/// (participants only: staff data is the admins' business).
pub async fn create_request(
    ctx: Result<PageCtx<SignedIn>, Refused>,
    state: web::Data<AppState>,
    form: web::Form<RequestForm>,
) -> PageResult {
    let ctx = csrf_first(ctx, &form.csrf)?;
    if ctx.user.role != accounts::Role::Participant {
        return Err(AppError::Forbidden.into());
    }
    let form = form.into_inner();
    let request = requests::NewRequest {
        kind: form.kind,
        note: Some(form.note),
    };
    match requests::create_request(&state.db.write, &ctx.user.user, request).await {
        Ok(_) => Ok(see_other("/tai-khoan?ok=request")),
        Err(e @ (AppError::Validation { .. } | AppError::Conflict { .. })) => {
            refused(&ctx, &state, &e).await
        }
        Err(e) => Err(e.into()),
    }
}
