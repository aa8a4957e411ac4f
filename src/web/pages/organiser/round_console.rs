//! The round console (issue #15): edit a round by the rules that keep it fair (the form
//! offers only what may still change), and close it early through a confirmation page
//! with a reason — never in one click. The rules are `contest::round_edit`'s, as the API's.

use std::collections::BTreeMap;

use actix_web::web;
use maud::{Markup, html};

use crate::contest::round_edit::{self, CloseRequest, RoundChange, RoundNotice};
use crate::contest::{self, RoundStatus};
use crate::entities::round;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::console;
use crate::views::form::FormOutcome;
use crate::views::layout::csrf_field;
use crate::vn_time;
use crate::web::extract::Organiser;
use crate::web::pages::{PageCtx, PageResult, see_other};

/// The Vietnamese name of where a round is in time.
fn status_vi(status: RoundStatus) -> &'static str {
    match status {
        RoundStatus::Upcoming => "Sắp mở",
        RoundStatus::Open => "Đang mở",
        RoundStatus::Closed => "Đã kết thúc",
    }
}

/// The notices of a round, as participants read them (also on the contest and attempt
/// pages).
pub fn notices_list(notices: &[RoundNotice]) -> Markup {
    html! {
        @if !notices.is_empty() {
            ul.notices aria-label="Thông báo của Ban Tổ chức" {
                @for n in notices {
                    li.notice { strong { (vn_time::display(n.created_at)) } ": " (n.message) }
                }
            }
        }
    }
}

async fn round_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    round_id: i64,
    form: &BTreeMap<String, String>,
    outcome: FormOutcome,
) -> PageResult {
    let r = contest::attempts::load_round(&state.db.read, round_id).await?;
    let c = contest::load_contest(&state.db.read, r.contest_id).await?;
    let now = state.engine.now();
    let status = contest::round_status(&r, now);
    let frozen = !matches!(
        c.status,
        crate::entities::contest::Status::Draft | crate::entities::contest::Status::Published
    );
    let notices = round_edit::notices_of(&state.db.read, &[r.id])
        .await?
        .remove(&r.id)
        .unwrap_or_default();
    let value = |k: &str, default: String| form.get(k).cloned().unwrap_or(default);
    let upcoming = status == RoundStatus::Upcoming && !frozen;
    let open = status == RoundStatus::Open && !frozen;
    let viewer = &ctx.viewer;
    Ok(ctx.html(
        outcome.status,
        console::organiser(viewer, &format!("Sửa vòng thi: {}", r.title), html! {
            (outcome)
            p { a href={ "/organiser/contests/" (c.id) } { "← " (c.title) } }
            p.muted #round-state {
                (status_vi(status)) " · " (vn_time::display(r.opens_at)) " → " (vn_time::display(contest::effective_close(&r)))
            }
            p.hint #round-rules {
                @if frozen { "Cuộc thi đã kết thúc: vòng thi không thể sửa." }
                @else if upcoming { "Vòng thi chưa mở: mọi thông tin đều sửa được." }
                @else if open { "Vòng thi đang mở: chỉ sửa được tên, giờ đóng (gia hạn hoặc đóng sớm hơn, không trước thời điểm hiện tại) và tăng số lượt thi. Mỗi thay đổi được thông báo cho thí sinh." }
                @else { "Vòng thi đã kết thúc: chỉ sửa được tên vòng thi." }
            }
            @if !frozen {
                form #round-edit .card method="post" action={ "/organiser/rounds/" (r.id) } {
                    h2 { "Sửa vòng thi" }
                    (csrf_field(viewer))
                    label for="edit-round-title" { "Tên vòng thi" }
                    input #edit-round-title type="text" name="title" value=(value("title", r.title.clone())) required;
                    label for="edit-round-opens" { "Mở lúc (giờ Việt Nam)" }
                    input #edit-round-opens type="datetime-local" name="opens_at" value=(value("opens_at", vn_time::input_value(r.opens_at))) disabled[!upcoming] required;
                    label for="edit-round-closes" { "Đóng lúc (giờ Việt Nam)" }
                    input #edit-round-closes type="datetime-local" name="closes_at" value=(value("closes_at", vn_time::input_value(r.closes_at))) disabled[!(upcoming || open)] required;
                    label for="edit-round-minutes" { "Thời gian làm bài (phút)" }
                    input #edit-round-minutes type="number" name="minutes" min="1" max="360" value=(value("minutes", (r.time_limit_secs / 60).to_string())) disabled[!upcoming] required;
                    label for="edit-round-attempts" { "Số lượt thi (0 = không giới hạn)" }
                    input #edit-round-attempts type="number" name="max_attempts" min="0" max="1000" value=(value("max_attempts", r.max_attempts.to_string())) disabled[!(upcoming || open)] aria-describedby="edit-round-attempts-hint" required;
                    p #edit-round-attempts-hint .muted { "Khi vòng thi đang mở chỉ được tăng số lượt thi." }
                    div.actions { button type="submit" { "Lưu thay đổi" } }
                }
            }
            @if open {
                div.actions { a.button.secondary #close-link href={ "/organiser/rounds/" (r.id) "/close" } { "Đóng vòng thi sớm…" } }
            }
            h2 { "Thông báo cho thí sinh" }
            @if notices.is_empty() { p.muted { "Chưa có thông báo." } }
            (notices_list(&notices))
        }),
    ))
}

/// `GET /organiser/rounds/{id}` — the round edit form.
pub async fn round_detail(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<super::contest_console::DoneQuery>,
) -> PageResult {
    round_page(
        &ctx,
        &state,
        path.into_inner(),
        &BTreeMap::new(),
        super::contest_console::done_notice(query.ok.as_deref()),
    )
    .await
}

/// What the edit form asks: the fields it sent (a disabled field is not sent), a time
/// left as the form showed it being no change (the form has no seconds).
fn change_of(form: &BTreeMap<String, String>, r: &round::Model) -> Result<RoundChange, AppError> {
    let mut fields = BTreeMap::new();
    let mut time = |k: &str, current: chrono::DateTime<chrono::Utc>| match form.get(k) {
        None => None,
        Some(v) if v.trim() == vn_time::input_value(current) => None,
        Some(v) => {
            let parsed = vn_time::parse_input(v);
            if parsed.is_none() {
                fields.insert(k.to_owned(), "Thời điểm không hợp lệ.".to_owned());
            }
            parsed
        }
    };
    let opens_at = time("opens_at", r.opens_at);
    let closes_at = time("closes_at", r.closes_at);
    let mut number = |k: &str| match form.get(k).map(|v| v.trim().parse::<i64>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            fields.insert(k.to_owned(), "Phải là một số.".to_owned());
            None
        }
    };
    let minutes = number("minutes");
    let max_attempts = number("max_attempts");
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }
    Ok(RoundChange {
        title: form.get("title").cloned(),
        opens_at,
        closes_at,
        time_limit_secs: minutes.map(|m| m.saturating_mul(60)),
        max_attempts,
        ..RoundChange::default()
    })
}

/// `POST /organiser/rounds/{id}` — applies the edit form with the API's rules.
pub async fn update_round(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<BTreeMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let round_id = path.into_inner();
    let form = form.into_inner();
    let result = async {
        let r = contest::attempts::load_round(&state.db.read, round_id).await?;
        let change = change_of(&form, &r)?;
        round_edit::update_round(
            &state.db.write,
            &state.engine,
            round_id,
            change,
            Some(ctx.user.id()),
        )
        .await
    }
    .await;
    match result {
        Ok(r) => {
            tracing::info!(round.id = r.id, "round updated from the console");
            Ok(see_other(&format!("/organiser/rounds/{round_id}?ok=saved")))
        }
        Err(e) => round_page(&ctx, &state, round_id, &form, FormOutcome::refused(e)?).await,
    }
}

async fn close_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    round_id: i64,
    reason: &str,
    outcome: FormOutcome,
) -> PageResult {
    let r = contest::attempts::load_round(&state.db.read, round_id).await?;
    let now = state.engine.now();
    let status = contest::round_status(&r, now);
    let viewer = &ctx.viewer;
    Ok(ctx.html(
        outcome.status,
        console::organiser(viewer, &format!("Đóng vòng thi sớm: {}", r.title), html! {
            (outcome)
            p { a href={ "/organiser/rounds/" (r.id) } { "← " (r.title) } }
            @if status == RoundStatus::Closed {
                p.notice { "Vòng thi đã kết thúc lúc " (vn_time::display(contest::effective_close(&r))) "." }
            } @else {
                form #round-close .card method="post" action={ "/organiser/rounds/" (r.id) "/close" } {
                    h2 { "Đóng vòng thi sớm" }
                    p.hint {
                        "Vòng thi đang đóng lúc " strong { (vn_time::display(contest::effective_close(&r))) } ". "
                        "Đóng ngay bây giờ: thí sinh không thể bắt đầu lượt thi mới, các lượt đang làm kết thúc ngay (bài được chấm với các câu đã lưu). "
                        "Thí sinh sẽ thấy thông báo kèm lý do. Không thể hoàn tác."
                    }
                    (csrf_field(viewer))
                    label for="close-reason" { "Lý do (thông báo cho thí sinh)" }
                    textarea #close-reason name="reason" rows="3" maxlength="1000" required { (reason) }
                    label.option { input #close-confirm type="checkbox" name="confirm" value="true" required; span { "Tôi xác nhận đóng vòng thi ngay bây giờ" } }
                    div.actions {
                        a.button.secondary href={ "/organiser/rounds/" (r.id) } { "Huỷ" }
                        button type="submit" { "Đóng vòng thi" }
                    }
                }
            }
        }),
    ))
}

/// `GET /organiser/rounds/{id}/close` — the confirmation page: a reason and a checkbox.
pub async fn close_confirm(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    close_page(&ctx, &state, path.into_inner(), "", FormOutcome::none()).await
}

/// `POST /organiser/rounds/{id}/close` — closes the round once confirmed, with the reason.
pub async fn close_round(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<BTreeMap<String, String>>,
) -> PageResult {
    ctx.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let round_id = path.into_inner();
    let request = CloseRequest {
        reason: form.get("reason").cloned(),
        confirm: Some(form.get("confirm").is_some_and(|v| v == "true")),
    };
    match round_edit::close_round(
        &state.db.write,
        &state.engine,
        round_id,
        &request,
        Some(ctx.user.id()),
    )
    .await
    {
        Ok(r) => {
            tracing::info!(round.id = r.id, "round closed early from the console");
            Ok(see_other(&format!(
                "/organiser/contests/{}?ok=closed",
                r.contest_id
            )))
        }
        Err(e) => {
            let reason = request.reason.unwrap_or_default();
            close_page(&ctx, &state, round_id, &reason, FormOutcome::refused(e)?).await
        }
    }
}
