//! The organisers' item analysis page: each question of a round with how often it was
//! drawn, its facility and discrimination, how often each option was chosen, and the
//! questions worth a second look highlighted — and, per question, the form that records
//! the jury's decision on a disputed question (issue #15: correct the key, accept every
//! answer, or drop it), which re-scores the round.

use actix_web::web;
use maud::html;

use std::collections::HashMap;

use super::{PageCtx, PageResult};
use crate::contest::disputes::{self, DecisionSpec, decision_vi};
use crate::contest::items::{self, ItemReport, TOO_EASY, TOO_HARD};
use crate::contest::{attempts, difficulty_vi};
use crate::entities::question_decision::{self, Decision};
use crate::exports::option_letter;
use crate::state::AppState;
use crate::views::form::FormOutcome;
use crate::views::layout::{csrf_field, page};
use crate::web::extract::Organiser;

fn facility_cell(item: &ItemReport) -> maud::Markup {
    let text = format!("{:.0}%", item.facility * 100.0);
    html! {
        @if item.enough_data && (item.facility > TOO_EASY || item.facility < TOO_HARD) { mark { (text) } } @else { (text) }
    }
}

fn discrimination_cell(item: &ItemReport) -> maud::Markup {
    html! {
        @match item.discrimination {
            Some(d) if d < 0.0 && item.enough_data => { mark { (format!("{d:.2}")) } }
            Some(d) => { (format!("{d:.2}")) }
            None => { span title="Không xác định: mọi lượt đều đúng hoặc đều sai" { "—" } }
        }
    }
}

/// The decision form of one question: how to settle it, the right options (for a key
/// correction), and the judges' reason.
fn decision_form(
    ctx: &PageCtx<Organiser>,
    round_id: i64,
    item: &ItemReport,
    current: Option<&question_decision::Model>,
) -> maud::Markup {
    let choice = |d: Decision| current.is_some_and(|c| c.decision == d);
    html! {
        details.decision.card id={ "decide-" (item.question_id) } {
            summary {
                strong { "#" (item.question_id) } " " (item.text)
                @if let Some(c) = current { " — " mark { (decision_vi(c.decision)) } }
            }
            @if let Some(c) = current { p.muted { "Lý do: " (c.reason) } }
            form method="post" action={ "/organiser/rounds/" (round_id) "/questions/" (item.question_id) "/decision" } {
                (csrf_field(&ctx.viewer))
                label for={ "decision-" (item.question_id) } { "Cách xử lý" }
                select id={ "decision-" (item.question_id) } name="decision" {
                    option value="correct_key" selected[choice(Decision::CorrectKey)] { "Sửa đáp án" }
                    option value="accept_all" selected[choice(Decision::AcceptAll)] { "Chấp nhận mọi câu trả lời" }
                    option value="drop" selected[choice(Decision::Drop)] { "Loại khỏi việc tính điểm" }
                }
                fieldset {
                    legend { "Đáp án đúng (chỉ khi sửa đáp án)" }
                    @for o in &item.options {
                        label.option {
                            input type="checkbox" name="correct" value=(o.text);
                            span { (option_letter(o.index)) ". " (o.text) }
                        }
                    }
                }
                label for={ "reason-" (item.question_id) } { "Lý do (ý kiến Ban Giám khảo)" }
                textarea id={ "reason-" (item.question_id) } name="reason" rows="2" required maxlength="2000" {}
                div.actions { button type="submit" { "Áp dụng và chấm lại" } }
            }
        }
    }
}

/// `GET /organiser/rounds/{id}/items` — the item analysis of a round.
pub async fn round_items(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    items_page(&ctx, &state, path.into_inner(), FormOutcome::none()).await
}

/// `POST /organiser/rounds/{id}/questions/{question_id}/decision` — the decision form:
/// records the decision and re-scores the round, then shows the page again with what it
/// did (or why it was refused).
pub async fn decide(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let (round_id, question_id) = path.into_inner();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    ctx.check_csrf(&get("csrf").unwrap_or_default())?;
    let decision = match get("decision").as_deref() {
        Some("correct_key") => Some(Decision::CorrectKey),
        Some("accept_all") => Some(Decision::AcceptAll),
        Some("drop") => Some(Decision::Drop),
        _ => None,
    };
    let correct: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "correct")
        .map(|(_, v)| v.clone())
        .collect();
    let spec = DecisionSpec {
        decision,
        // Ticked options mean something only for a key correction.
        correct: (decision == Some(Decision::CorrectKey)).then_some(correct),
        reason: get("reason"),
    };
    let outcome = match disputes::decide(
        &state.db.write,
        &state.engine,
        round_id,
        question_id,
        spec,
        Some(ctx.user.id()),
    )
    .await
    {
        Ok(done) => FormOutcome::done(html! {
            p.notice role="status" {
                "Câu hỏi #" (question_id) ": đã " (decision_vi(done.decision.decision)) "; chấm lại "
                (done.rescored) " bài đã nộp (" (done.changed) " bài đổi điểm)."
                @if done.in_progress > 0 { " " (done.in_progress) " bài đang làm sẽ được chấm theo quyết định khi nộp." }
            }
        }),
        Err(e) => FormOutcome::refused(e)?,
    };
    items_page(&ctx, &state, round_id, outcome).await
}

async fn items_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    round_id: i64,
    outcome: FormOutcome,
) -> PageResult {
    let round = attempts::load_round(&state.db.read, round_id).await?;
    let reports = items::load(
        &state.db.read,
        &state.engine.pools,
        round.id,
        state.settings.item_min_sample,
    )
    .await?;
    let decisions: HashMap<i64, question_decision::Model> =
        disputes::of_round(&state.db.read, round.id)
            .await?
            .into_iter()
            .map(|d| (d.question_id, d))
            .collect();
    let flagged = reports.iter().filter(|r| !r.flags.is_empty()).count();
    let title = format!("Phân tích câu hỏi — {}", round.title);
    Ok(ctx.html(outcome.status, page(
        &ctx.viewer,
        &title,
        &[],
        html! {
            nav aria-label="Ban Tổ chức" { div.actions {
                a.button.secondary href={ "/organiser/contests/" (round.contest_id) } { "Cuộc thi" }
                a.button.secondary href={ "/api/v1/rounds/" (round.id) "/items.csv" } { "Tải CSV" }
            } }
            h1 { (title) }
            (outcome)
            p.muted {
                (reports.len()) " câu hỏi đã được rút trong các bài đã nộp; " (flagged) " câu cần xem lại. "
                "Độ dễ = tỷ lệ trả lời đúng (cần xem lại khi trên 95% hoặc dưới 10%). "
                "Chỉ cảnh báo khi câu hỏi đã được rút ít nhất " (state.settings.item_min_sample) " lần; ít hơn là chưa đủ dữ liệu. "
                "Độ phân biệt = hệ số tương quan giữa điểm câu hỏi và điểm các câu còn lại "
                "(âm: người làm bài kém lại đúng nhiều hơn — thường là đáp án sai)."
            }
            p.muted {
                "Câu hỏi sai hoặc gây tranh cãi: theo ý kiến Ban Giám khảo, sửa đáp án, chấp nhận mọi câu trả lời "
                "(mọi thí sinh được rút câu này đều được tính điểm, kể cả khi bỏ trống) hoặc loại câu hỏi khỏi việc tính điểm. "
                "Mọi bài đã nộp của vòng thi được chấm lại ngay; thí sinh được rút câu này thấy thông báo kèm lý do."
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
                    tbody { @for item in &reports { tr id={ "q" (item.question_id) } {
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
                        td {
                            @if !item.enough_data { span.muted { "chưa đủ dữ liệu" } }
                            @for f in &item.flags { mark { (f.label_vi()) } " " }
                            @if let Some(d) = decisions.get(&item.question_id) { br; strong { "Đã " (decision_vi(d.decision)) } }
                            br; a href={ "#decide-" (item.question_id) } { "Điều chỉnh" }
                        }
                    } } }
                } }
                h2 #decisions { "Điều chỉnh câu hỏi theo ý kiến Ban Giám khảo" }
                @for item in &reports {
                    (decision_form(ctx, round.id, item, decisions.get(&item.question_id)))
                }
            }
        },
    )))
}
