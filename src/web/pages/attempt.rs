//! Taking a round: start or resume, the attempt page (a form that works without
//! JavaScript; `attempt.js` adds saving as you go and a countdown), the result and review,
//! and "my results".

use std::collections::{BTreeSet, HashMap};

use actix_web::web;
use maud::{Markup, html};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::auth::CsrfOnly;
use super::{PageCtx, PageError, PageResult, Refused, csrf_first, see_other};
use crate::contest::attempts;
use crate::contest::fairness::{self, SCORE_AFTER_CLOSE};
use crate::entities::{attempt, round};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::format::duration;
use crate::views::layout::{Viewer, csrf_field, page};
use crate::vn_time;
use crate::web::extract::{AuthUser, Participant};

/// `POST /rounds/{id}/start` — start or resume, then show the attempt.
pub async fn start(
    ctx: Result<PageCtx<Participant>, Refused>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    let ctx = csrf_first(ctx, &form.csrf)?;
    let user = &ctx.user;
    let r = attempts::cached_round(&state.engine, &state.db.read, path.into_inner()).await?;
    let a = match attempts::start(&state.engine, &state.db, &user.user, &r).await? {
        attempts::Started::New(a) | attempts::Started::Resumed(a) => a,
    };
    Ok(see_other(&format!("/attempts/{}", a.id)))
}

async fn own_attempt(
    state: &AppState,
    user: &AuthUser,
    id: i64,
) -> Result<(attempt::Model, round::Model), PageError> {
    let a = attempts::load_own(&state.db.read, id, user.id()).await?;
    let a = attempts::settle_if_expired(&state.engine, &state.db.read, a).await?;
    let r = attempts::load_round(&state.db.read, a.round_id).await?;
    Ok((a, r))
}

/// A time as the API writes it (RFC 3339, UTC), for `attempt.js` to read from the page.
fn wire_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A running attempt as its page shows it: nothing revealed.
async fn running_view(
    state: &AppState,
    r: &round::Model,
    a: &attempt::Model,
) -> Result<attempts::AttemptView, AppError> {
    attempts::view(
        &state.engine,
        &state.db.read,
        r,
        a,
        attempts::Reveal::RUNNING,
    )
    .await
}

fn question_fieldset(
    q: &attempts::AttemptQuestion,
    saved: Option<&attempts::SavedAnswer>,
) -> Markup {
    let id = q.id;
    let multiple = q.kind == "multiple";
    let chosen = saved.map_or(&[][..], |s| &s.choices[..]);
    html! {
        fieldset.question id={ "q" (id) } data-question=(id) {
            legend { "Câu " (id) }
            @if multiple { p.hint { "Chọn tất cả đáp án đúng." } }
            p.qtext { (q.text) }
            @for o in &q.options {
                @let oid = o.id.as_str();
                label.option {
                    @if multiple {
                        input type="checkbox" name={ "q" (id) } value=(oid) checked[chosen.iter().any(|c| c == oid)];
                    } @else {
                        input type="radio" name={ "q" (id) } value=(oid) checked[chosen.iter().any(|c| c == oid)];
                    }
                    span { (o.text) }
                }
            }
            p.save-state aria-live="polite" {}
        }
    }
}

fn attempt_page(
    viewer: &Viewer,
    r: &round::Model,
    view: &attempts::AttemptView,
    notices: &[crate::contest::round_edit::RoundNotice],
) -> Markup {
    let attempt_id = view.attempt_id;
    let deadline_vn = vn_time::display(view.deadline);
    page(
        viewer,
        &r.title,
        &["attempt.js"],
        html! {
            h1 { (r.title) }
            (super::organiser::notices_list(notices))
            p.notice { "Hạn nộp bài: " strong { (deadline_vn) } " (giờ Việt Nam, theo đồng hồ máy chủ). Câu trả lời được lưu khi bạn chọn; nếu trang không tự lưu, bấm “Lưu bài”." }
            form #attempt-form method="post" action={ "/attempts/" (attempt_id) }
                data-attempt=(attempt_id) data-deadline=(wire_time(view.deadline)) data-server-time=(wire_time(view.server_time)) {
                (csrf_field(viewer))
                nav.qnav aria-label="Danh sách câu hỏi" {
                    @for q in &view.questions {
                        a.answered[view.answers.contains_key(&q.id.to_string())] href={ "#q" (q.id) } { (q.id) }
                    }
                    span #timer .timer role="timer" aria-live="off" { "Hạn: " (deadline_vn) }
                }
                @for q in &view.questions { (question_fieldset(q, view.answers.get(&q.id.to_string()))) }
                @if let Some(pq) = &view.prediction_question {
                    fieldset.question {
                        legend { "Câu hỏi dự đoán" }
                        label for="prediction" { (pq) }
                        input #prediction type="number" name="prediction" min="0" max="1000000000" inputmode="numeric"
                            value=[view.prediction];
                    }
                }
                div #save-banner .banner.hidden role="alert" {}
                div.actions {
                    button.secondary type="submit" name="action" value="save" { "Lưu bài" }
                    button type="submit" name="action" value="submit" { "Nộp bài" }
                }
            }
        },
    )
}

/// `GET /attempts/{id}` — the attempt page (or the result once finished).
pub async fn show(
    ctx: PageCtx<Participant>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let (a, r) = own_attempt(&state, &ctx.user, path.into_inner()).await?;
    if a.status == attempts::Status::Finished {
        return Ok(see_other(&format!("/attempts/{}/result", a.id)));
    }
    let view = running_view(&state, &r, &a).await?;
    let notices = crate::contest::round_edit::notices_of(&state.db.read, &[r.id])
        .await?
        .remove(&r.id)
        .unwrap_or_default();
    Ok(ctx.ok(attempt_page(&ctx.viewer, &r, &view, &notices)))
}

/// `POST /attempts/{id}` — saves the answers of the form, and submits when asked.
pub async fn post(
    ctx: Result<PageCtx<Participant>, Refused>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let ctx = csrf_first(ctx, field("csrf").unwrap_or_default())?;
    let (a, r) = own_attempt(&state, &ctx.user, path.into_inner()).await?;
    let attempt_id = a.id;
    let result = format!("/attempts/{attempt_id}/result");
    if a.status == attempts::Status::Finished {
        return Ok(see_other(&result));
    }
    let view = running_view(&state, &r, &a).await?;
    let total = view.questions.len();
    for position in 1..=total {
        let name = format!("q{position}");
        let chosen: BTreeSet<String> = form
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .collect();
        let saved: BTreeSet<String> = view
            .answers
            .get(&position.to_string())
            .map(|s| s.choices.iter().cloned().collect())
            .unwrap_or_default();
        if chosen == saved {
            continue;
        }
        let choices: Vec<String> = chosen.into_iter().collect();
        match attempts::save_answer(&state.engine, &state.db, &a, position, &choices).await {
            Ok(_) => {}
            Err(AppError::Conflict {
                code: "attempt_closed",
                ..
            }) => return Ok(see_other(&result)),
            Err(e) => return Err(e.into()),
        }
    }
    if field("action") == Some("submit") {
        // Not a number at all gets the same message as one out of range.
        let prediction = field("prediction")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<i64>().unwrap_or(-1));
        match attempts::submit(&state.engine, &state.db.read, a, prediction).await {
            Ok(_)
            | Err(AppError::Conflict {
                code: "attempt_closed",
                ..
            }) => {}
            Err(e) => return Err(e.into()),
        }
        return Ok(see_other(&result));
    }
    Ok(see_other(&format!("/attempts/{attempt_id}")))
}

/// `GET /attempts/{id}/result` — the score (held back until the round is settled when the
/// round says so), and the review once the round is settled.
pub async fn result(
    ctx: PageCtx<Participant>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let (a, r) = own_attempt(&state, &ctx.user, path.into_inner()).await?;
    if a.status != attempts::Status::Finished {
        return Ok(see_other(&format!("/attempts/{}", a.id)));
    }
    let reveal = attempts::Reveal::for_viewer(&r, false);
    let review = reveal.review;
    let view = attempts::view(&state.engine, &state.db.read, &r, &a, reveal).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.ok(page(
        viewer,
        "Kết quả bài thi",
        &[],
        html! {
            h1 { "Kết quả bài thi — " (r.title) }
            div.card {
                @if reveal.score {
                    p { "Điểm: " strong #score { (a.score.unwrap_or(0)) "/" (a.max_score) } }
                    p { "Số câu đúng: " (a.correct.unwrap_or(0)) "/" (a.total) }
                } @else {
                    p #score-hidden role="status" { strong { (SCORE_AFTER_CLOSE) } }
                }
                p { "Thời gian làm bài: " (duration(a.time_taken_ms.unwrap_or(0))) }
                @if let Some(t) = a.submitted_at { p { "Nộp lúc: " (vn_time::display(t)) } }
                @if a.finish_reason == Some(attempts::FinishReason::Expired) { p.muted { "Hết giờ: bài được chấm với các câu trả lời đã lưu." } }
                @if let Some(p) = a.prediction { p { "Số dự đoán của bạn: " (p) } }
            }
            @if !view.decisions.is_empty() {
                div.notice #decisions role="status" {
                    h2 { "Điều chỉnh của Ban Giám khảo" }
                    ul { @for d in &view.decisions { li { (d.message) } } }
                    p.muted { "Điểm của bạn đã được chấm lại theo các điều chỉnh này." }
                }
            }
            @if review {
                h2 { "Đáp án và giải thích" }
                div.review {
                    @for q in &view.questions {
                        @let chosen = view.answers.get(&q.id.to_string()).map_or(&[][..], |s| &s.choices[..]);
                        div.card {
                            p { strong { "Câu " (q.id) ". " } (q.text) }
                            ul {
                                @for o in &q.options {
                                    @let right = o.correct == Some(true);
                                    @let picked = chosen.contains(&o.id);
                                    li.right[right] .chosen[picked] {
                                        (o.text)
                                        @if right { " ✓ (đáp án đúng)" }
                                        @if picked { " — bạn chọn" }
                                    }
                                }
                            }
                            @if let Some(Some(e)) = &q.explanation { p { "Giải thích: " (e) } }
                            @if let Some(Some(s)) = &q.source { p.muted { "Căn cứ: " (s) } }
                        }
                    }
                }
            } @else {
                p.notice { "Đáp án và giải thích được công bố khi vòng thi kết thúc và mọi bài thi đã được chấm." }
            }
            div.actions {
                a.button.secondary href="/me" { "Kết quả của tôi" }
                @if !r.practice { a.button.secondary href={ "/rounds/" (r.id) "/leaderboard" } { "Bảng xếp hạng" } }
            }
        },
    )))
}

/// `GET /me` — the participant's attempts and results.
pub async fn my_results(ctx: PageCtx<Participant>, state: web::Data<AppState>) -> PageResult {
    let user = &ctx.user;
    let mine = attempt::Entity::find()
        .filter(attempt::Column::UserId.eq(user.id()))
        .order_by_desc(attempt::Column::StartedAt)
        .all(&state.db.read)
        .await?;
    let rounds: HashMap<i64, round::Model> = round::Entity::find()
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let certificates = crate::awards::workflow::certificates_of(&state.db.read, user.id()).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.ok(page(
        viewer,
        "Kết quả của tôi",
        &[],
        html! {
            h1 { "Kết quả của tôi" }
            p { "Xin chào " strong { (user.user.full_name) } "." }
            @if user.user.voided {
                div.error role="alert" { "Tài khoản của bạn đã bị Ban Tổ chức huỷ kết quả: " (user.user.void_reason.clone().unwrap_or_default()) }
            }
            @if mine.is_empty() {
                p.card { "Bạn chưa có lượt thi nào. " a href="/" { "Xem các vòng thi đang mở" } }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "Vòng thi" } th scope="col" { "Bắt đầu" }
                        th.num scope="col" { "Điểm" } th.num scope="col" { "Thời gian" } th scope="col" { span.visually-hidden { "Thao tác" } }
                    } }
                    tbody { @for a in &mine {
                        tr {
                            td { (rounds.get(&a.round_id).map(|r| r.title.clone()).unwrap_or_default()) }
                            td { (vn_time::display(a.started_at)) }
                            @if a.status == attempts::Status::Finished {
                                td.num { @if rounds.get(&a.round_id).is_some_and(fairness::scores_visible) { (a.score.unwrap_or(0)) "/" (a.max_score) } @else { "Chờ công bố" } }
                                td.num { (duration(a.time_taken_ms.unwrap_or(0))) }
                                td { a href={ "/attempts/" (a.id) "/result" } { "Xem kết quả" } }
                            } @else {
                                td.num { "—" } td.num { "—" }
                                td { a href={ "/attempts/" (a.id) } { "Làm tiếp" } }
                            }
                        }
                    } }
                } }
            }
            (crate::views::awards::my_certificates(&certificates))
        },
    )))
}
