//! Partials of the leaderboards, public and judges' alike. Pure functions of a snapshot's
//! rows, so a cached board renders the same as a fresh one.

use maud::{Markup, html};

use crate::contest::boards;
use crate::views::format::{decimal, number, percent};

/// Rows shown before a long table folds behind "Xem thêm".
pub const FOLD_AFTER: usize = 20;

fn units_rows(units: &[(usize, &boards::UnitStats)], scores: bool) -> Markup {
    html! {
        @for (rank, u) in units {
            tr {
                td.lead { span.rank { (rank) "." } " " (u.unit_name) }
                td.num data-label="Người dự thi" { (number(u.participants)) }
                td.num data-label="Biên chế" { (number(u.headcount)) }
                td data-label="Tỷ lệ tham gia" {
                    span.rate {
                        meter min="0" max="1" value=(format!("{:.4}", u.participation_rate.min(1.0)))
                            aria-label={ "Tỷ lệ tham gia của " (u.unit_name) } {}
                        span { (percent(u.participation_rate)) }
                    }
                }
                @if scores {
                    td.num data-label="Điểm TB" { (decimal(u.avg_best_score, 2)) }
                    td.num data-label="Điểm tuyệt đối" { (number(u.perfect_scores)) }
                }
            }
        }
    }
}

fn units_head(scores: bool) -> Markup {
    html! {
        thead { tr {
            th scope="col" { "Hạng · Đơn vị" }
            th.num scope="col" { "Người dự thi" }
            th.num scope="col" { "Biên chế" }
            th scope="col" { "Tỷ lệ tham gia" }
            @if scores {
                th.num scope="col" { "Điểm TB" }
                th.num scope="col" { "Điểm tuyệt đối" }
            }
        } }
    }
}

/// The units table ranked by participation rate, every unit, with rate bars; the score
/// columns only when `scores` (a round holding scores back shows participation alone).
pub fn units_table(units: &[boards::UnitStats], scores: bool) -> Markup {
    units_table_as(units, &UnitView::default(), scores)
}

/// The units table as `view` orders and filters it, each unit with its rank by rate. On a
/// phone each row is a card; past [`FOLD_AFTER`] rows the rest folds behind "Xem thêm".
pub fn units_table_as(units: &[boards::UnitStats], view: &UnitView, scores: bool) -> Markup {
    let ranked = ranked_units(units, view);
    let (first, rest) = ranked.split_at(ranked.len().min(FOLD_AFTER));
    html! {
        div.table-wrap {
            table.stack.units {
                caption.muted { "Người dự thi của mọi đối tượng, tính cả các đơn vị trực thuộc. Tỷ lệ tham gia = số người dự thi / số biên chế (hoặc dân số dự kiến); hạng theo tỷ lệ tham gia." }
                (units_head(scores))
                tbody { (units_rows(first, scores)) }
            }
        }
        @if !rest.is_empty() {
            details.more {
                summary { "Xem thêm " (rest.len()) " đơn vị" }
                div.table-wrap {
                    table.stack.units {
                        (units_head(scores))
                        tbody { (units_rows(rest, scores)) }
                    }
                }
            }
        }
    }
}

/// How a units table is ordered: by participation rate (the collective prizes' measure,
/// the default), by number of participants, or by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnitOrder {
    #[default]
    Rate,
    Count,
    Name,
}

impl UnitOrder {
    /// The order a query names (`ty-le`, `so-nguoi`, `ten`); the rate otherwise.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("so-nguoi") => UnitOrder::Count,
            Some("ten") => UnitOrder::Name,
            _ => UnitOrder::Rate,
        }
    }

    fn code(self) -> &'static str {
        match self {
            UnitOrder::Rate => "ty-le",
            UnitOrder::Count => "so-nguoi",
            UnitOrder::Name => "ten",
        }
    }
}

/// What a units table shows: its order and the block (khối) and level (kind) kept.
#[derive(Debug, Clone, Default)]
pub struct UnitView {
    pub order: UnitOrder,
    pub block: Option<String>,
    pub kind: Option<String>,
}

/// The units kept by `view`'s block and level, each with its rank by participation rate
/// among them (then by participants; equal on both, equal rank), in `view`'s order.
pub fn ranked_units<'a>(
    units: &'a [boards::UnitStats],
    view: &UnitView,
) -> Vec<(usize, &'a boards::UnitStats)> {
    let mut kept: Vec<&boards::UnitStats> = units
        .iter()
        .filter(|u| {
            view.block
                .as_deref()
                .is_none_or(|b| u.block.as_deref() == Some(b))
        })
        .filter(|u| view.kind.as_deref().is_none_or(|k| u.kind == k))
        .collect();
    let by_rate = |a: &&boards::UnitStats, b: &&boards::UnitStats| {
        b.participation_rate
            .total_cmp(&a.participation_rate)
            .then(b.participants.cmp(&a.participants))
    };
    kept.sort_by(|a, b| by_rate(a, b).then_with(|| a.unit_name.cmp(&b.unit_name)));
    let mut ranked: Vec<(usize, &boards::UnitStats)> = Vec::with_capacity(kept.len());
    for (i, u) in kept.iter().enumerate() {
        let rank = match ranked.last() {
            Some(&(rank, prev)) if by_rate(&prev, u).is_eq() => rank,
            _ => i + 1,
        };
        ranked.push((rank, u));
    }
    match view.order {
        UnitOrder::Rate => {}
        UnitOrder::Count => {
            ranked.sort_by(|(ra, a), (rb, b)| b.participants.cmp(&a.participants).then(ra.cmp(rb)))
        }
        UnitOrder::Name => ranked.sort_by(|(_, a), (_, b)| a.unit_name.cmp(&b.unit_name)),
    }
    ranked
}

/// The GET form that orders and filters a units table; works without script.
pub fn unit_filters(units: &[boards::UnitStats], view: &UnitView, keep: &[(&str, &str)]) -> Markup {
    let mut blocks: Vec<&str> = units.iter().filter_map(|u| u.block.as_deref()).collect();
    blocks.sort_unstable();
    blocks.dedup();
    let mut kinds: Vec<&str> = units.iter().map(|u| u.kind.as_str()).collect();
    kinds.sort_unstable_by_key(|k| crate::units::KINDS.iter().position(|x| x == k));
    kinds.dedup();
    html! {
        form.filters method="get" action="#theo-don-vi" {
            @for (name, value) in keep { input type="hidden" name=(name) value=(value); }
            div {
                label for="don-vi-sap-xep" { "Sắp xếp" }
                select #don-vi-sap-xep name="sap-xep" {
                    @for (order, label) in [(UnitOrder::Rate, "Tỷ lệ tham gia"), (UnitOrder::Count, "Số người dự thi"), (UnitOrder::Name, "Tên đơn vị")] {
                        option value=(order.code()) selected[view.order == order] { (label) }
                    }
                }
            }
            div {
                label for="don-vi-khoi" { "Khối" }
                select #don-vi-khoi name="khoi" {
                    option value="" { "Tất cả các khối" }
                    @for b in &blocks { option value=(b) selected[view.block.as_deref() == Some(*b)] { (b) } }
                }
            }
            div {
                label for="don-vi-cap" { "Cấp" }
                select #don-vi-cap name="cap" {
                    option value="" { "Tất cả các cấp" }
                    @for k in &kinds { option value=(k) selected[view.kind.as_deref() == Some(*k)] { (crate::units::kind_name(k)) } }
                }
            }
            div { button.secondary type="submit" { "Xem" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(
        name: &str,
        block: &str,
        kind: &str,
        participants: i64,
        headcount: i64,
    ) -> boards::UnitStats {
        boards::UnitStats {
            unit_code: name.to_lowercase(),
            unit_name: name.into(),
            parent_code: None,
            kind: kind.into(),
            block: Some(block.into()),
            headcount,
            participants,
            participation_rate: participants as f64 / headcount as f64,
            attempts: participants,
            avg_best_score: 0.0,
            perfect_scores: 0,
            scores_hidden: false,
        }
    }

    #[test]
    fn units_rank_by_rate_within_the_block_and_ties_share_a_rank() {
        let units = [
            unit("Sở A", "hanh-chinh", "department", 10, 100),
            unit("Sở B", "hanh-chinh", "department", 50, 100),
            unit("Xã C", "xa", "commune", 30, 30),
            unit("Sở D", "hanh-chinh", "department", 10, 100),
        ];
        let all = ranked_units(&units, &UnitView::default());
        let names: Vec<(usize, &str)> = all
            .iter()
            .map(|(r, u)| (*r, u.unit_name.as_str()))
            .collect();
        assert_eq!(names, [(1, "Xã C"), (2, "Sở B"), (3, "Sở A"), (3, "Sở D")]);

        let view = UnitView {
            block: Some("hanh-chinh".into()),
            ..UnitView::default()
        };
        let block: Vec<(usize, &str)> = ranked_units(&units, &view)
            .iter()
            .map(|(r, u)| (*r, u.unit_name.as_str()))
            .collect();
        assert_eq!(block, [(1, "Sở B"), (2, "Sở A"), (2, "Sở D")]);

        let view = UnitView {
            order: UnitOrder::Name,
            ..UnitView::default()
        };
        let by_name: Vec<(usize, &str)> = ranked_units(&units, &view)
            .iter()
            .map(|(r, u)| (*r, u.unit_name.as_str()))
            .collect();
        assert_eq!(
            by_name,
            [(3, "Sở A"), (2, "Sở B"), (3, "Sở D"), (1, "Xã C")]
        );

        let view = UnitView {
            kind: Some("commune".into()),
            order: UnitOrder::Count,
            ..UnitView::default()
        };
        assert_eq!(ranked_units(&units, &view).len(), 1);
    }
}
