//! The judges' console (Ban Giám khảo): round results with every tie-break column, unit
//! statistics, and any attempt's full record for disputes. Judges read; they change nothing.
//! Every handler takes `PageCtx<Staff>`: judges and organisers, as the API's result routes.

use crate::db::OneByKey;
use std::collections::BTreeSet;

use actix_web::web;
use maud::{Markup, html};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use super::{PageCtx, PageResult};
use crate::contest::{self, attempts, boards, fairness};
use crate::entities::{answer, attempt, contest as contest_entity, unit, user};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::boards::units_table;
use crate::views::console;
use crate::views::format::duration;
use crate::vn_time;
use crate::web::extract::{Organiser, Staff};

/// `GET /judge` — every contest's rounds.
pub async fn dashboard(ctx: PageCtx<Staff>, state: web::Data<AppState>) -> PageResult {
    let contests = contest_entity::Entity::find()
        .order_by_desc(contest_entity::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let now = state.engine.now();
    let mut sections = Vec::new();
    for c in &contests {
        let rounds = contest::rounds_of(&state.db.read, c.id).await?;
        let unusual = fairness::unusual_attempts(&state.db.read, c.id).await?;
        sections.push((c, rounds, unusual));
    }
    Ok(ctx.ok(console::judge(
        &ctx.viewer,
        "Kết quả các vòng thi",
        html! {
            @for (c, rounds, unusual) in &sections {
                h2 { (c.title) }
                p {
                    a href={ "/judge/contests/" (c.id) } { "Kết quả toàn cuộc thi và tải về" }
                    " · " a href={ "/judge/contests/" (c.id) "/giai" } { "danh sách giải toàn cuộc thi" }
                }
                ul.card { @for r in rounds {
                    li {
                        a href={ "/judge/rounds/" (r.id) } { (r.title) }
                        " — " (contest::round_status(r, now).name_vi()) @if r.practice { " (thi thử)" }
                        " · " a href={ "/judge/rounds/" (r.id) "/units" } { "thống kê đơn vị" }
                        @if !r.practice { " · " a href={ "/judge/rounds/" (r.id) "/giai" } { "danh sách giải" } }
                    }
                } }
                @if !unusual.is_empty() { (unusual_table(c.id, unusual)) }
            }
        },
    )))
}

/// Accounts with an unusual number of attempts in one round: a script probing for the
/// answer key starts many attempts, so the judges look at these first.
fn unusual_table(contest_id: i64, rows: &[fairness::UnusualAttempts]) -> Markup {
    html! {
        section.card aria-labelledby={ "unusual-" (contest_id) } {
            h3 id={ "unusual-" (contest_id) } { "Tài khoản có số lượt thi bất thường" }
            p.muted {
                "Từ " (fairness::UNUSUAL_ATTEMPTS) " lượt trở lên trong một vòng thi. Làm bài rất nhiều lần (nhất là ở vòng thi thử) "
                "có thể là cách dò đáp án; hãy xem các bài thi của những tài khoản này."
            }
            p.scroll-hint aria-hidden="true" { "Vuốt ngang bảng để xem thêm cột →" }
            div.table-wrap { table.unusual {
                thead { tr {
                    th scope="col" { "Họ và tên" } th scope="col" { "Đơn vị" } th scope="col" { "Vòng thi" }
                    th.num scope="col" { "Số lượt" } th scope="col" { "Lượt đầu" } th scope="col" { "Lượt cuối" }
                } }
                tbody { @for u in rows { tr {
                    td { (u.full_name) } td { (u.unit_name.clone().unwrap_or_default()) }
                    td { a href={ "/judge/rounds/" (u.round_id) } { (u.round_title) } @if u.practice { " (thi thử)" } }
                    td.num { (u.attempts) } td { (vn_time::display(u.first_started_at)) } td { (vn_time::display(u.last_started_at)) }
                } } }
            } }
        }
    }
}

/// `GET /judge/contests/{id}` — the contest-wide results per category, ranked as the
/// results export ranks them (`exports::contest_snapshots`: every ranked round, settled or
/// not; each round's best attempt summed, then the times summed), the unit statistics,
/// and the downloads.
pub async fn contest_results(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let c = contest::load_contest(&state.db.read, path.into_inner()).await?;
    let snapshots =
        crate::exports::contest_snapshots(&state.db.read, &state.engine.boards, c.id).await?;
    let chosen = c.categories()?;
    let categories: Vec<_> = crate::accounts::categories(&state.db.read)
        .await?
        .into_iter()
        .filter(|k| chosen.contains(&k.code))
        .collect();
    let units = unit::Entity::find().all(&state.db.read).await?;
    let unit_stats = boards::contest_unit_stats(&units, &snapshots);
    let rankings: Vec<_> = categories
        .iter()
        .map(|k| (k, boards::contest_ranking(&snapshots, Some(&k.code))))
        .collect();
    let api = format!("/api/v1/contests/{}", c.id);
    Ok(ctx.ok(console::judge(&ctx.viewer, &format!("Kết quả toàn cuộc thi — {}", c.title), html! {
        div.actions {
            a.button.secondary href={ (api) "/results.xlsx" } { "Tải kết quả Excel (.xlsx)" }
            a.button.secondary href={ (api) "/results.csv" } { "Tải kết quả CSV" }
            a.button.secondary href={ (api) "/units.xlsx" } { "Tải thống kê đơn vị Excel (.xlsx)" }
            a.button.secondary href={ (api) "/units.csv" } { "Tải thống kê đơn vị CSV" }
            @if Organiser::admits(ctx.user.role) {
                a.button.secondary href={ (api) "/results.xlsx?contact=all" } { "Tải Excel kèm thông tin liên hệ" }
            }
        }
        p.muted #contest-rule {
            "Xếp hạng toàn cuộc thi: mỗi vòng thi chính thức tính bài thi tốt nhất của thí sinh; "
            "xếp theo tổng điểm các vòng (cao trước), rồi tổng thời gian làm bài (ít trước). "
            "Vòng thi thử không được tính. " (snapshots.len()) " vòng thi được tính; "
            "bảng này gồm cả vòng chưa kết thúc, như tệp tải về."
        }
        @for (k, ranking) in &rankings {
            section aria-labelledby={ "ranking-" (k.code) } {
                h2 id={ "ranking-" (k.code) } { (k.name) " — " (ranking.len()) " thí sinh" }
                p.scroll-hint aria-hidden="true" { "Vuốt ngang bảng để xem thêm cột →" }
                div.table-wrap { table {
                    thead { tr {
                        th.num scope="col" { "Hạng" } th scope="col" { "Họ và tên" } th scope="col" { "Đơn vị" }
                        th.num scope="col" { "Điểm" } th.num scope="col" { "Số vòng" } th.num scope="col" { "Thời gian" }
                    } }
                    tbody { @for e in ranking { tr {
                        td.num { (e.rank) } td { (e.name) } td { (e.unit_name.clone().unwrap_or_default()) }
                        td.num { (e.score) "/" (e.max_score) } td.num { (e.rounds) } td.num { (duration(e.time_taken_ms)) }
                    } } }
                } }
            }
        }
        h2 { "Theo đơn vị" }
        (units_table(&unit_stats, true))
    })))
}

/// Query of the results page.
#[derive(Debug, Deserialize)]
pub struct ResultsQuery {
    pub category: Option<String>,
}

/// `GET /judge/rounds/{id}` — the full ranking with every tie-break column.
pub async fn results(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<ResultsQuery>,
) -> PageResult {
    let r = attempts::load_round(&state.db.read, path.into_inner()).await?;
    let snapshot = state.engine.boards.snapshot(&state.db.read, &r).await?;
    let categories = state.categories().await?.to_vec();
    let category = query
        .category
        .as_deref()
        .filter(|c| categories.iter().any(|k| k.code == *c));
    let (total, entries) = boards::page(&snapshot, category, usize::MAX, 0);
    let closed = contest::round_status(&r, state.engine.now()) == contest::RoundStatus::Closed;
    // --- Charts (issue #6): participants per day for the figures below. ---
    let per_day = contest::stats::participants_per_day(&state.db.read, r.id).await?;
    Ok(ctx.ok(console::judge(&ctx.viewer, &format!("Kết quả — {}", r.title), html! {
        div.actions {
            a.button.secondary href="?" { "Tất cả" }
            @for c in &categories { a.button.secondary href={ "?category=" (c.code) } { (c.name) } }
            a.button.secondary href={ "/judge/rounds/" (r.id) "/units" } { "Thống kê đơn vị" }
            a.button.secondary href={ "/api/v1/rounds/" (r.id) "/results.xlsx" } { "Tải Excel (.xlsx)" }
            a.button.secondary href={ "/api/v1/rounds/" (r.id) "/results.csv" } { "Tải CSV" }
            @if Organiser::admits(ctx.user.role) {
                a.button.secondary href={ "/api/v1/rounds/" (r.id) "/results.xlsx?contact=all" } { "Tải Excel kèm thông tin liên hệ" }
            }
        }
        p.muted {
            (total) " thí sinh. "
            @if r.practice { "Vòng thi thử không xếp hạng. " }
            @match snapshot.actual {
                Some(a) => { "Đáp án câu hỏi dự đoán: " (a) "." }
                None => @if closed { "Đáp án câu hỏi dự đoán chưa được tính (còn bài đang làm)." } @else { "Vòng thi chưa kết thúc: chưa xét câu hỏi dự đoán." },
            }
        }
        p.scroll-hint aria-hidden="true" { "Vuốt ngang bảng để xem thêm cột →" }
        div.table-wrap { table #results {
            thead { tr {
                th.num scope="col" { "Hạng" } th scope="col" { "Họ và tên" } th scope="col" { "Đơn vị" } th scope="col" { "Đối tượng" }
                th.num scope="col" { "Điểm" } th.num scope="col" { "Dự đoán" } th.num scope="col" { "Chênh lệch" }
                th.num scope="col" { "Thời gian" } th scope="col" { "Nộp lúc" } th.num scope="col" { "Số lượt" } th scope="col" { "Bài thi" }
            } }
            tbody { @for e in &entries { tr {
                td.num { (e.rank) } td { (e.name) } td { (e.unit_name.clone().unwrap_or_default()) } td { (categories.iter().find(|c| c.code == e.category).map_or(e.category.as_str(), |c| c.name.as_str())) }
                td.num { (e.score) "/" (e.max_score) }
                td.num { (e.prediction.map(|p| p.to_string()).unwrap_or_else(|| "—".into())) }
                td.num { (e.prediction_diff.map(|p| p.to_string()).unwrap_or_else(|| "—".into())) }
                td.num { (duration(e.time_taken_ms)) } td { (vn_time::display(e.submitted_at)) } td.num { (e.attempts_used) }
                td { a href={ "/judge/attempts/" (e.attempt_id) } { "Xem" } }
            } } }
        } }
        // --- Charts (issue #6): drawn on the server. ---
        (crate::views::charts::round_figures(&snapshot, &per_day))
    })))
}

/// `GET /judge/rounds/{id}/units` — unit statistics.
pub async fn units(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let r = attempts::load_round(&state.db.read, path.into_inner()).await?;
    let snapshot = state.engine.boards.snapshot(&state.db.read, &r).await?;
    Ok(ctx.ok(console::judge(
        &ctx.viewer,
        &format!("Thống kê đơn vị — {}", r.title),
        html! {
            (units_table(&snapshot.units, true))
        },
    )))
}

/// `GET /judge/attempts/{id}` — the attempt's full record: who, when, the seed, every
/// question drawn with its options in the order shown, the key (once the round is
/// settled), and each answer with the time it was saved.
pub async fn attempt_record(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let a = attempt::Entity::find_by_id(path.into_inner())
        .one_by_key(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = attempts::load_round(&state.db.read, a.round_id).await?;
    let category = crate::accounts::categories(&state.db.read)
        .await?
        .into_iter()
        .find(|k| k.code == a.category_code)
        .map_or_else(|| a.category_code.clone(), |k| k.name);
    let who = user::Entity::find_by_id(a.user_id)
        .one_by_key(&state.db.read)
        .await?;
    let unit = match a.unit_id {
        Some(id) => {
            unit::Entity::find_by_id(id)
                .one_by_key(&state.db.read)
                .await?
        }
        None => None,
    };
    // Keys stay hidden, from staff too, while any attempt of the round can change.
    let review = crate::contest::fairness::review_visible(&r);
    let drawn = attempts::drawn_of(&a)?;
    let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
    let questions = state.engine.pools.questions(&state.db.read, &ids).await?;
    let answers = answer::Entity::find()
        .filter(answer::Column::AttemptId.eq(a.id))
        .order_by_asc(answer::Column::Position)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|s| {
            let chosen: BTreeSet<usize> = s.choices()?.into_iter().collect();
            Ok((s, chosen))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(ctx.ok(console::judge(&ctx.viewer, &format!("Bài thi #{}", a.id), html! {
        div.card {
            p { "Thí sinh: " strong { (who.as_ref().map(|u| u.full_name.clone()).unwrap_or_default()) }
                " — " (unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()) " — " (category) }
            p { "Vòng thi: " (r.title) " · lượt thứ " (a.seq) " · trạng thái " (if a.status == crate::contest::attempts::Status::Finished { "đã kết thúc" } else { "đang làm bài" }) }
            p { "Bắt đầu: " (vn_time::display(a.started_at)) " · hạn: " (vn_time::display(a.deadline))
                @if let Some(t) = a.submitted_at { " · nộp: " (vn_time::display(t)) } }
            p { "Điểm: " (a.score.map(|s| s.to_string()).unwrap_or_else(|| "—".into())) "/" (a.max_score)
                " · thời gian: " (a.time_taken_ms.map(duration).unwrap_or_else(|| "—".into()))
                " · dự đoán: " (a.prediction.map(|p| p.to_string()).unwrap_or_else(|| "—".into())) }
            p.muted { "Mã rút đề: " code { (a.seed) } }
            div.actions { a.button.secondary href={ "/judge/attempts/" (a.id) "/verify" } { "Kiểm tra lại bài thi" } }
            @if !review {
                p.notice role="status" { "Đáp án được hiển thị khi vòng thi kết thúc và mọi bài thi đã được chấm (không đáp án nào được lộ ra khi còn bài thi có thể thay đổi)." }
            }
        }
        @for (i, d) in drawn.iter().enumerate() {
            @let position = i + 1;
            @let saved = answers.iter().find(|(x, _)| x.position == position as i32);
            @let chosen: BTreeSet<usize> = saved.map(|(_, c)| c.clone()).unwrap_or_default();
            @if let Some(q) = questions.get(&d.question_id) {
                div.card {
                    p { strong { "Câu " (position) } " (mã phiên bản câu hỏi " (q.id) ", " (q.kind.name_vi()) "): " (q.text) }
                    ol { @for &bank_index in &d.option_order {
                        li {
                            (q.choices.get(bank_index).cloned().unwrap_or_default())
                            @if review && q.correct.get(bank_index).copied().unwrap_or(false) { " ✓ đúng" }
                            @if chosen.contains(&bank_index) { " ← đã chọn" }
                        }
                    } }
                    p.muted { @match saved {
                        Some((s, _)) => { "Lưu lúc " (vn_time::display(s.saved_at)) }
                        None => { "Không trả lời" }
                    } }
                }
            }
        }
    })))
}

/// `GET /judge/attempts/{id}/verify` — the verification of one attempt as a page: the draw
/// derived again from its seed and bank versions, the score computed again, and whether
/// both match what is stored (the same as `GET /api/v1/attempts/{id}/verify`).
pub async fn verify_page(
    ctx: PageCtx<Staff>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let v = crate::contest::verify::verify(&state.db.read, path.into_inner()).await?;
    let yes_no = |ok: bool| if ok { "khớp" } else { "KHÔNG khớp" };
    let score = |s: &crate::contest::verify::ScoreView| {
        format!("{}/{} điểm, {} câu đúng", s.score, s.max_score, s.correct)
    };
    Ok(ctx.ok(console::judge(&ctx.viewer, &format!("Kiểm tra bài thi #{}", v.attempt_id), html! {
        @if v.matches {
            p.notice #verify-result role="status" { strong { "Kết quả khớp." } " Đề được rút lại từ mã rút đề và phiên bản ngân hàng câu hỏi, bài được chấm lại độc lập: trùng với kết quả đã lưu." }
        } @else {
            div.error #verify-result role="alert" { strong { "Kết quả không khớp." } " Xem các khác biệt dưới đây." }
        }
        div.card {
            p { "Đề thi rút lại: " strong { (yes_no(v.draw_matches)) } }
            p { "Điểm chấm lại: " strong { (yes_no(v.score_matches)) } }
            p { "Đã lưu: " (v.stored.as_ref().map_or_else(|| "chưa có (bài chưa kết thúc)".to_owned(), score)) }
            p { "Chấm lại: " (score(&v.recomputed)) }
        }
        @if !v.differences.is_empty() {
            h2 { "Khác biệt" }
            ul { @for d in &v.differences { li { (d) } } }
        }
        @if !v.decisions.is_empty() {
            h2 { "Điều chỉnh của Ban Giám khảo đã áp dụng khi chấm lại" }
            ul { @for d in &v.decisions {
                li { "Câu hỏi #" (d.question_id) ": " (crate::contest::disputes::decision_vi(d.decision)) " — " (d.reason) " (" (vn_time::display(d.decided_at)) ")" }
            } }
        }
        div.actions { a.button.secondary href={ "/judge/attempts/" (v.attempt_id) } { "Quay lại bài thi" } }
    })))
}
