//! Participants' requests about their personal data (Decree 13/2023/NĐ-CP, #16): the list,
//! and handling one — done (a deletion anonymises the participant now) or rejected with a
//! reason the participant reads on their profile.

use actix_web::web;
use maud::html;
use serde::Deserialize;

use crate::accounts::requests::{self, Outcome, Resolve};
use crate::entities::data_request::{RequestKind, RequestStatus};
use crate::state::AppState;
use crate::views::console;
use crate::views::form::FormOutcome;
use crate::views::layout::csrf_field;
use crate::vn_time;
use crate::web::extract::Organiser;
use crate::web::pages::profile::{kind_label, status_label};
use crate::web::pages::{PageCtx, PageResult, see_other};

/// `GET /organiser/requests`.
pub async fn requests(ctx: PageCtx<Organiser>, state: web::Data<AppState>) -> PageResult {
    requests_page(&ctx, &state, FormOutcome::none()).await
}

async fn requests_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    outcome: FormOutcome,
) -> PageResult {
    let list = requests::requests_where(&state.db.read, None).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(outcome.status, console::organiser(viewer, "Yêu cầu về dữ liệu cá nhân", html! {
        (outcome)
        p.muted {
            "Thí sinh yêu cầu chỉnh sửa hoặc xoá dữ liệu (Nghị định 13/2023/NĐ-CP). Chỉnh sửa đơn vị, đối tượng, họ tên tại mục "
            a href="/organiser/participants" { "Thí sinh" }
            " rồi đánh dấu đã xử lý. Xử lý yêu cầu xoá sẽ ẩn danh thí sinh ngay: số điện thoại, email, số CCCD và ngày sinh bị thay thế không khôi phục được, tài khoản không đăng nhập được nữa; kết quả, họ tên và đơn vị đã công bố được giữ lại."
        }
        @if list.is_empty() {
            p.card { "Chưa có yêu cầu nào." }
        }
        @for r in &list {
            article.card.request id={ "request-" (r.id) } {
                h2 { (kind_label(r.kind)) " — " (r.full_name) " (#" (r.user_id) ")" }
                p.muted {
                    "Gửi lúc " (vn_time::display(r.created_at)) " · " (r.unit_name.as_deref().unwrap_or("—"))
                    " · " strong { (status_label(r.status)) }
                    @if let Some(at) = r.resolved_at { " lúc " (vn_time::display(at)) }
                }
                @if !r.note.is_empty() { p { (r.note) } }
                @if let Some(answer) = &r.resolution { p { "Trả lời: " (answer) } }
                @if r.status == RequestStatus::Pending {
                    form method="post" action={ "/organiser/requests/" (r.id) } {
                        (csrf_field(viewer))
                        label for={ "answer-" (r.id) } { "Trả lời thí sinh (bắt buộc khi từ chối)" }
                        textarea id={ "answer-" (r.id) } name="note" rows="2" maxlength="1000" {}
                        div.actions {
                            button type="submit" name="outcome" value="done" {
                                @if r.kind == RequestKind::Deletion { "Xoá dữ liệu (ẩn danh ngay)" } @else { "Đã chỉnh sửa xong" }
                            }
                            button.secondary type="submit" name="outcome" value="rejected" { "Từ chối" }
                        }
                    }
                }
            }
        }
    })))
}

/// The form of `POST /organiser/requests/{id}`.
#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    pub csrf: String,
    pub outcome: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// `POST /organiser/requests/{id}` — handle a request, with the API's rules.
pub async fn resolve(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ResolveForm>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let outcome = match form.outcome.as_deref() {
        Some("rejected") => Outcome::Rejected,
        _ => Outcome::Done,
    };
    let body = Resolve {
        outcome: Some(outcome),
        note: Some(form.note.clone()),
    };
    match requests::resolve(
        &state.db.write,
        path.into_inner(),
        ctx.user.id(),
        body,
        state.engine.now(),
    )
    .await
    {
        Ok((entry, anonymised)) => {
            if anonymised {
                state.users.remove(&entry.user_id).await;
            }
            tracing::info!(
                request.id = entry.id,
                anonymised,
                "data request handled from the console"
            );
            Ok(see_other("/organiser/requests"))
        }
        Err(e) => requests_page(&ctx, &state, FormOutcome::refused(e)?).await,
    }
}
