//! A participant's results: one attempt's result (and its review — at once in a practice
//! round that teaches, else once the round is settled), and "Kết quả của tôi".

use std::collections::HashMap;

use actix_web::web;
use maud::{Markup, html};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::{PageCtx, PageResult, see_other};
use crate::contest::{self, attempts, fairness::SCORE_AFTER_CLOSE};
use crate::entities::{attempt, round};
use crate::state::AppState;
use crate::views::format::{duration, number};
use crate::views::layout::{Viewer, csrf_field, page};
use crate::vn_time;
use crate::web::extract::Participant;

/// How many attempts a participant has left in a round: `None` when unlimited.
pub fn attempts_left(r: &round::Model, used: usize) -> Option<usize> {
    (r.max_attempts > 0).then(|| {
        usize::try_from(r.max_attempts)
            .unwrap_or(0)
            .saturating_sub(used)
    })
}

/// "Đã làm 2/3 lượt" (or "Đã làm 2 lượt" when unlimited).
pub fn attempts_used_text(r: &round::Model, used: usize) -> String {
    if r.max_attempts > 0 {
        format!("Đã làm {used}/{} lượt", r.max_attempts)
    } else {
        format!("Đã làm {used} lượt")
    }
}

/// The button that starts another attempt of an open round, when one is left: "Thi lại
/// (còn n lượt)"; it leads to the ready screen.
fn again_button(r: &round::Model, used: usize) -> Markup {
    let left = attempts_left(r, used);
    html! {
        @if left != Some(0) {
            a.button #again href={ "/rounds/" (r.id) "/vao-thi" } {
                "Thi lại"
                @if let Some(n) = left { " (còn " (n) " lượt)" }
            }
        }
    }
}

/// The review of a finished attempt: each question, the right options, what was chosen,
/// the explanation and the source.
fn review(view: &attempts::AttemptView) -> Markup {
    html! {
        h2 { "Đáp án và giải thích" }
        div.review {
            @for q in &view.questions {
                @let chosen = view.answers.get(&q.id.to_string()).map_or(&[][..], |s| &s.choices[..]);
                div.card {
                    p { strong { "Câu " (q.id) ". " } (q.text) }
                    @match q.answered_correctly {
                        Some(true) => { p.ok { "Bạn trả lời đúng." } }
                        Some(false) => { p.bad { "Bạn trả lời chưa đúng." } }
                        None => { p.muted { "Bạn chưa trả lời câu này." } }
                    }
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
    }
}

/// Query of the result page: `tu-dong=1` when the page's script submitted at time's end.
#[derive(Debug, serde::Deserialize)]
pub struct ResultQuery {
    #[serde(rename = "tu-dong")]
    pub automatic: Option<String>,
}

/// `GET /attempts/{id}/result` — the score (held back until the round is settled when the
/// round says so), the rank at the time, the review when it may be shown, and another try.
pub async fn result(
    ctx: PageCtx<Participant>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<ResultQuery>,
) -> PageResult {
    let a = attempts::load_own(&state.db.read, path.into_inner(), ctx.user.id()).await?;
    let a = attempts::settle_if_expired(&state.engine, &state.db.read, a).await?;
    if a.status != attempts::Status::Finished {
        return Ok(see_other(&format!("/attempts/{}", a.id)));
    }
    let r = attempts::load_round(&state.db.read, a.round_id).await?;
    let reveal = attempts::Reveal::for_finished(&state.engine, &state.db.read, &r, false).await?;
    let view = attempts::view(&state.engine, &state.db.read, &r, &a, reveal).await?;
    let used = attempt::Entity::find()
        .filter(attempt::Column::UserId.eq(ctx.user.id()))
        .filter(attempt::Column::RoundId.eq(r.id))
        .count(&state.db.read)
        .await?;
    let used = usize::try_from(used).unwrap_or(usize::MAX);
    let open = contest::round_status(&r, state.engine.now()) == contest::RoundStatus::Open;
    // The rank at the time, from the round's published snapshot (a slice of memory).
    let rank = if reveal.score && !r.practice {
        let snapshot = state.engine.boards.published(&state.db.read, &r).await?;
        let user = ctx.user.id();
        snapshot
            .entries
            .iter()
            .find(|e| e.user_id == user)
            .map(|e| {
                let of = snapshot
                    .entries
                    .iter()
                    .filter(|x| x.category == e.category)
                    .count();
                (e.rank, of)
            })
    } else {
        None
    };
    let automatic =
        a.finish_reason == Some(attempts::FinishReason::Expired) || query.automatic.is_some();
    let viewer = &ctx.viewer;
    Ok(ctx.ok(result_page(
        viewer,
        &r,
        &a,
        &view,
        reveal.score,
        rank,
        automatic,
        open,
        used,
    )))
}

#[expect(clippy::too_many_arguments, reason = "one page, its facts listed once")]
fn result_page(
    viewer: &Viewer,
    r: &round::Model,
    a: &attempt::Model,
    view: &attempts::AttemptView,
    score_shown: bool,
    rank: Option<(usize, usize)>,
    automatic: bool,
    open: bool,
    used: usize,
) -> Markup {
    page(
        viewer,
        "Kết quả bài thi",
        &[],
        html! {
            h1 { "Kết quả bài thi — " (r.title) }
            @if automatic {
                p.notice #auto-submitted role="status" { "Hết giờ — bài đã được tự động nộp với các câu trả lời đã lưu." }
            }
            div.card {
                @if score_shown {
                    p { "Điểm: " strong #score { (a.score.unwrap_or(0)) "/" (a.max_score) } }
                    p { "Số câu đúng: " (a.correct.unwrap_or(0)) "/" (a.total) }
                } @else {
                    p #score-hidden role="status" { strong { (SCORE_AFTER_CLOSE) } }
                }
                @if let Some((rank, of)) = rank {
                    p #rank { "Hạng hiện tại: " strong { (number(rank as i64)) } " / " (number(of as i64)) " người (lượt tốt nhất của bạn)" }
                }
                p { "Thời gian làm bài: " (duration(a.time_taken_ms.unwrap_or(0))) }
                @if let Some(t) = a.submitted_at { p { "Nộp lúc: " (vn_time::display(t)) } }
                @if let Some(p) = a.prediction { p { "Số dự đoán của bạn: " (number(p)) } }
                p.muted #attempts-used { (attempts_used_text(r, used)) }
            }
            @if !view.decisions.is_empty() {
                div.notice #decisions role="status" {
                    h2 { "Điều chỉnh của Ban Giám khảo" }
                    ul { @for d in &view.decisions { li { (d.message) } } }
                    p.muted { "Điểm của bạn đã được chấm lại theo các điều chỉnh này." }
                }
            }
            div.actions {
                @if open { (again_button(r, used)) }
                a.button.secondary href="/me" { "Kết quả của tôi" }
                @if !r.practice { a.button.secondary href={ "/rounds/" (r.id) "/leaderboard" } { "Bảng xếp hạng" } }
            }
            @if view.review {
                (review(view))
            } @else if r.practice {
                p.notice { "Vòng thi thử này dùng chung câu hỏi với một vòng thi chính thức đang mở, nên đáp án được công bố khi vòng thi đó kết thúc." }
            } @else {
                p.notice { "Đáp án và giải thích được công bố khi vòng thi kết thúc và mọi bài thi đã được chấm." }
            }
        },
    )
}

/// `GET /me` — the participant's attempts and results, each as a card.
pub async fn my_results(ctx: PageCtx<Participant>, state: web::Data<AppState>) -> PageResult {
    let user = &ctx.user;
    let mine = attempt::Entity::find()
        .filter(attempt::Column::UserId.eq(user.id()))
        .order_by_desc(attempt::Column::StartedAt)
        .all(&state.db.read)
        .await?;
    let round_ids: Vec<i64> = mine.iter().map(|a| a.round_id).collect();
    let rounds: HashMap<i64, round::Model> = round::Entity::find()
        .filter(round::Column::Id.is_in(round_ids))
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
                ul.cards #my-attempts {
                    @for a in &mine {
                        @let r = rounds.get(&a.round_id);
                        li.card {
                            h2.card-title { (r.map(|r| r.title.clone()).unwrap_or_default()) }
                            p.muted { "Bắt đầu " (vn_time::display(a.started_at)) }
                            @if a.status == attempts::Status::Finished {
                                p {
                                    "Điểm: "
                                    @if r.is_some_and(contest::fairness::scores_visible) { strong { (a.score.unwrap_or(0)) "/" (a.max_score) } } @else { "chờ công bố" }
                                    " · " (duration(a.time_taken_ms.unwrap_or(0)))
                                }
                                a href={ "/attempts/" (a.id) "/result" } { "Xem kết quả" }
                            } @else {
                                p { "Đang làm bài." }
                                a.button href={ "/attempts/" (a.id) } { "Làm tiếp" }
                            }
                        }
                    }
                }
            }
            (crate::views::awards::my_certificates(&certificates))
        },
    )))
}

/// The "ready?" screen's facts and its start button (`GET /rounds/{id}/vao-thi`).
pub fn ready_page(viewer: &Viewer, r: &round::Model, questions: usize, used: usize) -> Markup {
    let left = attempts_left(r, used);
    page(
        viewer,
        &format!("Sẵn sàng — {}", r.title),
        &[],
        html! {
            h1 { "Sẵn sàng làm bài — " (r.title) }
            div.card #ready {
                ul {
                    li { "Thời gian làm bài: " strong { (r.time_limit_secs / 60) " phút" } ", tính từ khi bạn bấm “Bắt đầu”." }
                    li { "Số câu hỏi: " strong { (questions) } @if r.prediction_question.is_some() { ", và một câu hỏi dự đoán" } "." }
                    li {
                        (attempts_used_text(r, used)) "; "
                        @if let Some(n) = left { "còn " strong { (n) " lượt" } "." } @else { "không giới hạn số lượt." }
                        @if !r.practice { " Lượt có điểm cao nhất được tính." }
                    }
                    li { "Mỗi câu trả lời được lưu khi bạn chọn. Nếu mất kết nối, đừng đóng trang: bài làm được giữ và tự lưu lại khi có mạng." }
                }
                @if left == Some(0) {
                    p.error role="alert" { "Bạn đã dùng hết lượt thi của vòng này." }
                } @else {
                    form method="post" action={ "/rounds/" (r.id) "/start" } {
                        (csrf_field(viewer))
                        div.actions {
                            button type="submit" { "Bắt đầu" }
                            a.button.secondary href={ "/contests/" (r.contest_id) } { "Để sau" }
                        }
                    }
                }
            }
        },
    )
}
