//! Taking a round: start or resume, the attempt page (a form that works without
//! JavaScript; `attempt.js` adds saving as you go and a countdown), the result and review,
//! and "my results".

use std::collections::BTreeSet;

use actix_web::web;
use maud::{Markup, html};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::auth::CsrfOnly;
use super::{PageCtx, PageError, PageResult, Refused, csrf_first, see_other};
use crate::contest::attempts;
use crate::entities::{attempt, round};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::format::number;
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

/// `GET /rounds/{id}/vao-thi` — the "ready?" screen before the clock starts: time limit,
/// number of questions, attempts used and left. An attempt in progress is resumed instead.
pub async fn ready(
    ctx: PageCtx<Participant>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let r = attempts::cached_round(&state.engine, &state.db.read, path.into_inner()).await?;
    if crate::contest::round_status(&r, state.engine.now()) != crate::contest::RoundStatus::Open {
        return Ok(see_other(&format!("/contests/{}", r.contest_id)));
    }
    let mine = attempt::Entity::find()
        .filter(attempt::Column::UserId.eq(ctx.user.id()))
        .filter(attempt::Column::RoundId.eq(r.id))
        .all(&state.db.read)
        .await?;
    if let Some(running) = mine
        .iter()
        .find(|a| a.status == attempts::Status::InProgress)
    {
        return Ok(see_other(&format!("/attempts/{}", running.id)));
    }
    let category = ctx.user.user.category_code.clone().unwrap_or_default();
    let questions: usize = crate::contest::draw_rules(&r)?
        .for_category(&category)
        .iter()
        .map(|q| q.count)
        .sum();
    Ok(ctx.ok(super::results::ready_page(
        &ctx.viewer,
        &r,
        questions,
        mine.len(),
    )))
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
            @for img in &q.images { (picture(img)) }
            @for o in &q.options {
                @let oid = o.id.as_str();
                label.option {
                    @if multiple {
                        input type="checkbox" name={ "q" (id) } value=(oid) checked[chosen.iter().any(|c| c == oid)];
                    } @else {
                        input type="radio" name={ "q" (id) } value=(oid) checked[chosen.iter().any(|c| c == oid)];
                    }
                    span { (o.text) @for img in &o.images { (picture(img)) } }
                }
            }
            p.save-state aria-live="polite" {}
        }
    }
}

/// A picture of a question or an option: its size set (no layout shift), loaded when
/// scrolled near, the 720 px variant offered to phones.
fn picture(img: &attempts::AttemptImage) -> Markup {
    let srcset = img
        .small
        .as_ref()
        .map(|small| format!("{small} 720w, {} {}w", img.src, img.width));
    html! {
        img.qimg src=(img.src) srcset=[srcset] sizes=[img.small.as_ref().map(|_| "(max-width: 760px) 100vw, 760px")]
            width=(img.width) height=(img.height) alt=(img.alt) loading="lazy" decoding="async";
    }
}

/// What the page says of the answers saved so far, after a "Lưu bài" without script:
/// how many are saved and the time of the latest.
fn saved_summary(view: &attempts::AttemptView) -> String {
    let last = view.answers.values().map(|s| s.saved_at).max();
    match last {
        Some(t) => format!(
            "Đã lưu {}/{} câu trả lời, lần lưu gần nhất lúc {}.",
            view.answers.len(),
            view.questions.len(),
            vn_time::clock(t)
        ),
        None => "Chưa có câu trả lời nào được lưu.".to_owned(),
    }
}

fn attempt_page(
    viewer: &Viewer,
    r: &round::Model,
    view: &attempts::AttemptView,
    notices: &[crate::contest::round_edit::RoundNotice],
    just_saved: bool,
) -> Markup {
    let attempt_id = view.attempt_id;
    let deadline_vn = vn_time::display(view.deadline);
    let answered = view.answers.len();
    let total = view.questions.len();
    page(
        viewer,
        &r.title,
        &["attempt.js"],
        html! {
            h1 { (r.title) }
            (super::organiser::notices_list(notices))
            @if just_saved {
                p.notice #saved-summary role="status" { (saved_summary(view)) }
            }
            p.notice {
                "Hạn nộp bài: " strong { (deadline_vn) } " (giờ Việt Nam, theo đồng hồ máy chủ). "
                // The script replaces this with how it saves (each answer as it is chosen).
                span #save-mode { "Câu trả lời được lưu khi bạn bấm “Lưu bài”; bấm “Lưu bài” thường xuyên." }
            }
            form #attempt-form method="post" action={ "/attempts/" (attempt_id) }
                data-attempt=(attempt_id) data-deadline=(wire_time(view.deadline)) data-server-time=(wire_time(view.server_time)) {
                (csrf_field(viewer))
                // One line that stays on screen: the way to the list, progress, time left.
                div.qbar {
                    a.qbar-list href="#qlist" { "Danh sách câu" }
                    span #progress .progress title="Số câu đã trả lời" {
                        span.visually-hidden { "Đã trả lời " } span #answered-count { (answered) } "/" (total)
                        span.visually-hidden { " câu" }
                    }
                    span #timer .timer role="timer" aria-live="off" { "Hạn: " (vn_time::clock(view.deadline)) }
                }
                nav.qnav #qlist aria-label="Danh sách câu hỏi" {
                    @for q in &view.questions {
                        a.answered[view.answers.contains_key(&q.id.to_string())] href={ "#q" (q.id) }
                            aria-label={ "Câu " (q.id) } { (q.id) }
                    }
                }
                @for q in &view.questions { (question_fieldset(q, view.answers.get(&q.id.to_string()))) }
                @if let Some(pq) = &view.prediction_question {
                    fieldset.question #q-prediction {
                        legend { "Câu hỏi dự đoán" }
                        label for="prediction" { (pq) }
                        input #prediction type="number" name="prediction" min="0" max="1000000000" inputmode="numeric"
                            value=[view.prediction];
                        p #prediction-state .save-state aria-live="polite" {
                            @if view.prediction.is_some() { "Đã lưu số dự đoán." }
                        }
                    }
                }
                div #save-banner .banner.hidden role="alert" {}
                div.actions {
                    button.secondary type="submit" name="action" value="save" { "Lưu bài" }
                    button #submit-button type="submit" name="action" value="submit" { "Nộp bài" }
                }
            }
        },
    )
}

/// The page that confirms a submit made without script: what is still unanswered, and
/// the button that submits for good.
fn confirm_page(viewer: &Viewer, r: &round::Model, view: &attempts::AttemptView) -> Markup {
    let attempt_id = view.attempt_id;
    let missing: Vec<i64> = view
        .questions
        .iter()
        .map(|q| q.id)
        .filter(|id| !view.answers.contains_key(&id.to_string()))
        .collect();
    page(
        viewer,
        "Xác nhận nộp bài",
        &[],
        html! {
            h1 { "Xác nhận nộp bài — " (r.title) }
            div.card #confirm-submit {
                p { (saved_summary(view)) }
                @if missing.is_empty() {
                    p { "Bạn đã trả lời tất cả các câu. Nộp bài ngay?" }
                } @else {
                    p.error role="alert" {
                        "Bạn chưa trả lời " (missing.len()) " câu: "
                        @for (i, id) in missing.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ "/attempts/" (attempt_id) "#q" (id) } { (id) }
                        }
                        "."
                    }
                }
                @if view.prediction_question.is_some() {
                    p { "Số dự đoán: " strong { (view.prediction.map_or_else(|| "chưa trả lời".to_owned(), number)) } }
                }
                p.muted { "Sau khi nộp, bạn không sửa được bài này nữa." }
                form method="post" action={ "/attempts/" (attempt_id) } {
                    (csrf_field(viewer))
                    div.actions {
                        a.button.secondary href={ "/attempts/" (attempt_id) } { "Quay lại làm tiếp" }
                        button type="submit" name="action" value="confirm" { "Nộp bài" }
                    }
                }
            }
        },
    )
}

/// Query of the attempt page: `luu=1` after a "Lưu bài" (the page says what was saved).
#[derive(Debug, serde::Deserialize)]
pub struct ShowQuery {
    pub luu: Option<String>,
}

/// `GET /attempts/{id}` — the attempt page (or the result once finished).
pub async fn show(
    ctx: PageCtx<Participant>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<ShowQuery>,
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
    let just_saved = query.luu.is_some();
    Ok(ctx.ok(attempt_page(&ctx.viewer, &r, &view, &notices, just_saved)))
}

/// A prediction as the form sends it: empty is none; not a number at all gets the same
/// message as one out of range.
fn form_prediction(value: Option<&str>) -> Option<i64> {
    value
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.replace(['.', ' '], "").parse::<i64>().unwrap_or(-1))
}

/// `POST /attempts/{id}` — saves the answers and the prediction of the form; `action=submit`
/// then shows the confirmation (unanswered questions listed), `action=confirm` submits.
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
    let action = field("action");
    // The confirmation's form carries no answers: they were saved when it was shown.
    if action != Some("confirm") {
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
        let prediction = form_prediction(field("prediction"));
        if field("prediction").is_some() && prediction != view.prediction {
            let saved = attempts::save_prediction(
                &state.engine,
                &state.db,
                ctx.user.id(),
                attempt_id,
                prediction,
            );
            match saved.await {
                Ok(_) => {}
                Err(AppError::Conflict {
                    code: "attempt_closed",
                    ..
                }) => return Ok(see_other(&result)),
                Err(e) => return Err(e.into()),
            }
        }
    }
    match action {
        Some("submit") => {
            let a = attempts::load_own(&state.db.read, attempt_id, ctx.user.id()).await?;
            let view = running_view(&state, &r, &a).await?;
            Ok(ctx.ok(confirm_page(&ctx.viewer, &r, &view)))
        }
        Some("confirm") => {
            let a = attempts::load_own(&state.db.read, attempt_id, ctx.user.id()).await?;
            match attempts::submit(&state.engine, &state.db.read, a, None).await {
                Ok(_)
                | Err(AppError::Conflict {
                    code: "attempt_closed",
                    ..
                }) => {}
                Err(e) => return Err(e.into()),
            }
            Ok(see_other(&result))
        }
        _ => Ok(see_other(&format!(
            "/attempts/{attempt_id}?luu=1#saved-summary"
        ))),
    }
}
