//! The organiser's dashboard (`GET /organiser`): the numbers of `contest::dashboard`, the
//! same value `GET /api/v1/dashboard` answers.

use actix_web::web;
use maud::{Markup, html};

use super::{PageCtx, PageResult};
use crate::contest::dashboard::{self, BlockRates, Counts, UnitRate};
use crate::state::AppState;
use crate::views::console;
use crate::vn_time;
use crate::web::extract::Organiser;

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn counts_table(today: &Counts, total: &Counts) -> Markup {
    let row = |label: &str, t: u64, all: u64| {
        html! { tr { th scope="row" { (label) } td.num { (t) } td.num { (all) } } }
    };
    html! {
        div.table-wrap {
            table {
                thead { tr { th scope="col" { "" } th.num scope="col" { "Hôm nay" } th.num scope="col" { "Tổng" } } }
                tbody {
                    (row("Đăng ký", today.registrations, total.registrations))
                    (row("Lượt thi đã bắt đầu", today.attempts_started, total.attempts_started))
                    (row("Lượt thi đã nộp", today.submitted, total.submitted))
                }
            }
        }
    }
}

fn unit_list(units: &[UnitRate]) -> Markup {
    html! {
        ol {
            @for u in units {
                li { (u.unit_name) " — " (u.participants) "/" (u.headcount) " (" (percent(u.participation_rate)) ")" }
            }
        }
    }
}

fn blocks(list: &[BlockRates]) -> Markup {
    html! {
        @for b in list {
            details {
                summary {
                    "Khối " (b.block)
                    @if let (Some(h), Some(l)) = (b.highest.first(), b.lowest.first()) {
                        " — cao nhất: " (h.unit_name) " (" (percent(h.participation_rate)) ")"
                        "; thấp nhất: " (l.unit_name) " (" (percent(l.participation_rate)) ")"
                    }
                }
                div.stats {
                    div { h4 { "Tỷ lệ tham gia cao nhất" } (unit_list(&b.highest)) }
                    div { h4 { "Tỷ lệ tham gia thấp nhất" } (unit_list(&b.lowest)) }
                }
            }
        }
    }
}

/// `GET /organiser`.
pub async fn dashboard(ctx: PageCtx<Organiser>, state: web::Data<AppState>) -> PageResult {
    let d = dashboard::build(&state).await?;
    Ok(ctx.ok(console::organiser(
        &ctx.viewer,
        "Ban Tổ chức",
        html! {
            p.muted { "Số liệu lúc " (vn_time::display(d.now)) " (giờ Việt Nam; cập nhật vài giây một lần)." }
            @if !d.warnings.is_empty() {
                section aria-labelledby="warnings" {
                    h2 #warnings { "Cần chú ý" }
                    @for w in &d.warnings {
                        div.error role="status" data-code=(w.code) {
                            (w.message) " "
                            @match w.code {
                                "duplicates_waiting" => { a href="/organiser/duplicates" { "Xem tài khoản trùng" } }
                                _ => {
                                    @if let Some(id) = w.round_id { a href={ "/rounds/" (id) "/leaderboard" } { "Xem vòng thi" } }
                                }
                            }
                        }
                    }
                }
            }
            div.stats {
                div.stat { span.muted { "Đang làm bài" } strong #in-progress { (d.in_progress) } }
                div.stat { span.muted { "Đăng ký hôm nay" } strong { (d.today.registrations) } }
                div.stat { span.muted { "Nộp bài hôm nay" } strong { (d.today.submitted) } }
            }
            h2 { "Hôm nay và tổng cộng" }
            (counts_table(&d.today, &d.total))
            h2 { "Các vòng đang mở" }
            @if d.open_rounds.is_empty() { p.card { "Không có vòng thi nào đang mở." } }
            @for r in &d.open_rounds {
                section.card {
                    h3 { (r.title) " — " (r.contest_title) }
                    p.muted { "Đóng lúc " (vn_time::display(r.closes_at)) }
                    div.stats {
                        div.stat { span.muted { "Người dự thi" } strong { (r.participants) } }
                        div.stat {
                            span.muted { "Điểm trung vị" }
                            strong {
                                @match (r.median_score, r.max_score) {
                                    (Some(m), Some(max)) => { (format!("{m:.1}")) "/" (max) }
                                    _ => { "—" }
                                }
                            }
                        }
                        div.stat { span.muted { "Điểm tuyệt đối" } strong { (percent(r.perfect_share)) } }
                    }
                    (blocks(&r.blocks))
                }
            }
            p { a.button.secondary href="/organiser/announcements" { "Thông báo" } }
        },
    )))
}
