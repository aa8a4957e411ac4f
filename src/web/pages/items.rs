//! The organisers' item analysis page: each question of a round with how often it was
//! drawn, its facility and discrimination, how often each option was chosen, and the
//! questions worth a second look highlighted.

use actix_web::web;
use maud::html;

use super::{PageCtx, PageResult};
use crate::contest::items::{self, ItemReport, TOO_EASY, TOO_HARD};
use crate::contest::{attempts, difficulty_vi};
use crate::exports::option_letter;
use crate::state::AppState;
use crate::views::layout::page;
use crate::web::extract::Organiser;

fn facility_cell(item: &ItemReport) -> maud::Markup {
    let text = format!("{:.0}%", item.facility * 100.0);
    html! {
        @if item.facility > TOO_EASY || item.facility < TOO_HARD { mark { (text) } } @else { (text) }
    }
}

fn discrimination_cell(item: &ItemReport) -> maud::Markup {
    html! {
        @match item.discrimination {
            Some(d) if d < 0.0 => { mark { (format!("{d:.2}")) } }
            Some(d) => { (format!("{d:.2}")) }
            None => { span title="Không xác định: mọi lượt đều đúng hoặc đều sai" { "—" } }
        }
    }
}

/// `GET /organiser/rounds/{id}/items` — the item analysis of a round.
pub async fn round_items(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let round = attempts::load_round(&state.db.read, path.into_inner()).await?;
    let reports = items::load(&state.db.read, &state.engine.pools, round.id).await?;
    let flagged = reports.iter().filter(|r| !r.flags.is_empty()).count();
    let title = format!("Phân tích câu hỏi — {}", round.title);
    Ok(ctx.ok(page(
        &ctx.viewer,
        &title,
        &[],
        html! {
            nav aria-label="Ban Tổ chức" { div.actions {
                a.button.secondary href={ "/organiser/contests/" (round.contest_id) } { "Cuộc thi" }
                a.button.secondary href={ "/api/v1/rounds/" (round.id) "/items.csv" } { "Tải CSV" }
            } }
            h1 { (title) }
            p.muted {
                (reports.len()) " câu hỏi đã được rút trong các bài đã nộp; " (flagged) " câu cần xem lại. "
                "Độ dễ = tỷ lệ trả lời đúng (cần xem lại khi trên 95% hoặc dưới 10%). "
                "Độ phân biệt = hệ số tương quan giữa điểm câu hỏi và điểm các câu còn lại "
                "(âm: người làm bài kém lại đúng nhiều hơn — thường là đáp án sai)."
            }
            @if reports.is_empty() {
                p.card { "Chưa có bài thi nào được nộp trong vòng này." }
            } @else {
                div.table-wrap { table #items {
                    thead { tr {
                        th.num scope="col" { "Mã" }
                        th scope="col" { "Câu hỏi" }
                        th scope="col" { "Chủ đề / mức độ" }
                        th.num scope="col" { "Số lần rút" }
                        th.num scope="col" { "Độ dễ" }
                        th.num scope="col" { "Độ phân biệt" }
                        th scope="col" { "Số lần chọn" }
                        th scope="col" { "Cảnh báo" }
                    } }
                    tbody { @for item in &reports { tr {
                        td.num { (item.question_id) }
                        td { (item.text) }
                        td { (item.topic) br; span.muted { (difficulty_vi(item.difficulty)) } }
                        td.num { (item.drawn) }
                        td.num { (facility_cell(item)) }
                        td.num { (discrimination_cell(item)) }
                        td { ul { @for o in &item.options {
                            li {
                                (option_letter(o.index)) ". " (o.text) ": " strong { (o.chosen) }
                                @if o.correct { " ✓ đúng" }
                            }
                        } }
                        @if item.unanswered > 0 { span.muted { "Bỏ trống: " (item.unanswered) } } }
                        td { @for f in &item.flags { mark { (f.label_vi()) } " " } }
                    } } }
                } }
            }
        },
    )))
}
