//! Partials of the leaderboards, public and judges' alike.

use maud::{Markup, html};

use crate::contest::boards;

/// The units table with participation-rate bars; the score columns only when `scores`
/// (a round holding scores back shows participation alone).
pub fn units_table(units: &[boards::UnitStats], scores: bool) -> Markup {
    html! {
        div.table-wrap {
            table {
                caption.muted { "Tỷ lệ tham gia = số người dự thi / số biên chế (hoặc dân số dự kiến)." }
                thead { tr {
                    th scope="col" { "Đơn vị" }
                    th.num scope="col" { "Người dự thi" }
                    th.num scope="col" { "Biên chế" }
                    th scope="col" { "Tỷ lệ tham gia" }
                    @if scores {
                        th.num scope="col" { "Điểm TB" }
                        th.num scope="col" { "Điểm tuyệt đối" }
                    }
                } }
                tbody {
                    @for u in units {
                        tr {
                            td { (u.unit_name) }
                            td.num { (u.participants) }
                            td.num { (u.headcount) }
                            td {
                                span.rate {
                                    meter min="0" max="1" value=(format!("{:.4}", u.participation_rate.min(1.0)))
                                        aria-label={ "Tỷ lệ tham gia của " (u.unit_name) } {}
                                    span { (format!("{:.1}", u.participation_rate * 100.0)) "%" }
                                }
                            }
                            @if scores {
                                td.num { (format!("{:.2}", u.avg_best_score)) }
                                td.num { (u.perfect_scores) }
                            }
                        }
                    }
                }
            }
        }
    }
}
