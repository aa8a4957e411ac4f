//! Charts drawn on the server as SVG (no JavaScript): unit participation, the score
//! distribution of a round, participants per day.
//!
//! Built with maud, so every name is escaped. Each chart is an image for assistive
//! technology (`role="img"`, an `aria-label` and a `<title>`), and every bar carries its
//! own `<title>` with the exact figure. Colours are SVG presentation attributes (`fill`),
//! not `style` attributes, which the Content-Security-Policy forbids. Elements are always
//! closed explicitly (`<rect …></rect>`), which both HTML and XML parsers read right.

use std::collections::HashMap;

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::contest::boards::{Snapshot, UnitStats};

/// Width of every chart's coordinate system.
const WIDTH: f64 = 640.0;
/// The brand colour of `static/app.css` (WCAG AA on white).
const BAR: &str = "#0b5394";
const TRACK: &str = "#e3e7ec";
const INK: &str = "#1a1a1a";
const MUTED: &str = "#4a4a4a";

/// A coordinate with one decimal.
fn n(v: f64) -> String {
    format!("{v:.1}")
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// Shortens a label to `max` characters, with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn frame(label: &str, height: f64, body: Markup) -> Markup {
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label=(label)
            viewBox={ "0 0 " (n(WIDTH)) " " (n(height)) } width="100%" font-family="sans-serif" {
            title { (label) }
            (body)
        }
    }
}

/// Each unit's depth in the tree, from the parent codes of a tree-ordered list.
fn depths(units: &[UnitStats]) -> HashMap<&str, usize> {
    let mut depth: HashMap<&str, usize> = HashMap::new();
    for u in units {
        let d = u
            .parent_code
            .as_deref()
            .and_then(|p| depth.get(p))
            .map_or(0, |d| d + 1);
        depth.insert(&u.unit_code, d);
    }
    depth
}

/// Participation rate per unit: one bar per unit (capped at 100 %, the label says the
/// exact rate), names indented by their depth in the tree.
pub fn participation_bars(units: &[UnitStats]) -> Markup {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 260.0;
    const BAR_MAX: f64 = 300.0;
    let depth = depths(units);
    let height = ROW * units.len().max(1) as f64 + 8.0;
    let label = format!(
        "Tỷ lệ tham gia theo đơn vị ({} đơn vị): số người dự thi / biên chế",
        units.len()
    );
    frame(
        &label,
        height,
        html! {
            @if units.is_empty() {
                text x="0" y="18" font-size="13" fill=(MUTED) { "Chưa có đơn vị." }
            }
            @for (i, u) in units.iter().enumerate() {
                @let y = 4.0 + ROW * i as f64;
                @let indent = 12.0 * depth.get(u.unit_code.as_str()).copied().unwrap_or(0).min(4) as f64;
                @let width = BAR_MAX * u.participation_rate.clamp(0.0, 1.0);
                g {
                    title { (u.unit_name) ": " (percent(u.participation_rate)) " (" (u.participants) "/" (u.headcount) ")" }
                    text x=(n(indent)) y=(n(y + 14.0)) font-size="13" fill=(INK) { (clip(&u.unit_name, 34 - (indent / 12.0) as usize * 2)) }
                    rect.track x=(n(LABEL)) y=(n(y + 3.0)) width=(n(BAR_MAX)) height="14" fill=(TRACK) {}
                    rect.bar x=(n(LABEL)) y=(n(y + 3.0)) width=(n(width)) height="14" fill=(BAR) {}
                    text x=(n(LABEL + BAR_MAX + 8.0)) y=(n(y + 14.0)) font-size="13" fill=(INK) { (percent(u.participation_rate)) }
                }
            }
        },
    )
}

/// Vertical bars with a label under each (every `step`-th one) and the count above.
fn column_chart(label: &str, bars: &[(String, i64, String)], step: usize) -> Markup {
    const HEIGHT: f64 = 220.0;
    const LEFT: f64 = 40.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 30.0;
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let top = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let slot = plot_w / bars.len().max(1) as f64;
    let gap = (slot * 0.15).min(6.0);
    let base = TOP + plot_h;
    frame(
        label,
        HEIGHT,
        html! {
            line x1=(n(LEFT)) y1=(n(base)) x2=(n(WIDTH - 8.0)) y2=(n(base)) stroke=(MUTED) stroke-width="1" {}
            text x=(n(LEFT - 6.0)) y=(n(TOP + 4.0)) font-size="11" text-anchor="end" fill=(MUTED) { (top) }
            text x=(n(LEFT - 6.0)) y=(n(base)) font-size="11" text-anchor="end" fill=(MUTED) { "0" }
            @for (i, (name, count, title)) in bars.iter().enumerate() {
                @let h = plot_h * (*count).max(0) as f64 / top as f64;
                @let x = LEFT + slot * i as f64 + gap / 2.0;
                @let w = (slot - gap).max(1.0);
                g {
                    title { (title) }
                    rect.bar x=(n(x)) y=(n(base - h)) width=(n(w)) height=(n(h)) fill=(BAR) {}
                    @if *count > 0 && slot >= 14.0 {
                        text x=(n(x + w / 2.0)) y=(n(base - h - 3.0)) font-size="10" text-anchor="middle" fill=(INK) { (count) }
                    }
                    @if i % step.max(1) == 0 {
                        text x=(n(x + w / 2.0)) y=(n(base + 16.0)) font-size="11" text-anchor="middle" fill=(INK) { (name) }
                    }
                }
            }
        },
    )
}

/// How many participants got each score, one bar per score from 0 to `max_score`
/// (scores outside that range count at its ends).
pub fn score_histogram(scores: &[i32], max_score: i32) -> Markup {
    let max = max_score.max(0);
    let mut counts = vec![0i64; max as usize + 1];
    for &s in scores {
        counts[s.clamp(0, max) as usize] += 1;
    }
    let bars: Vec<(String, i64, String)> = counts
        .iter()
        .enumerate()
        .map(|(score, &c)| (score.to_string(), c, format!("{score} điểm: {c} người")))
        .collect();
    let step = if bars.len() > 26 { 5 } else { 1 };
    column_chart(
        &format!("Phân bố điểm: {} người, điểm từ 0 đến {max}", scores.len()),
        &bars,
        step,
    )
}

/// New participants per day, one bar per day.
pub fn participants_per_day(days: &[(NaiveDate, i64)]) -> Markup {
    let bars: Vec<(String, i64, String)> = days
        .iter()
        .map(|(d, c)| {
            (
                d.format("%d/%m").to_string(),
                *c,
                format!("{}: {c} người", d.format("%d/%m/%Y")),
            )
        })
        .collect();
    let step = bars.len().div_ceil(12).max(1);
    let total: i64 = days.iter().map(|d| d.1).sum();
    column_chart(
        &format!(
            "Số người dự thi theo ngày: {total} người trong {} ngày",
            days.len()
        ),
        &bars,
        step,
    )
}

/// The figures of a round: participation per unit and the score distribution (from the
/// round's snapshot), and new participants per day when `per_day` is not empty.
pub fn round_figures(snapshot: &Snapshot, per_day: &[(NaiveDate, i64)]) -> Markup {
    let scores: Vec<i32> = snapshot.entries.iter().map(|e| e.score).collect();
    let max = snapshot
        .entries
        .iter()
        .map(|e| e.max_score)
        .max()
        .unwrap_or(0);
    html! {
        section.figures aria-label="Biểu đồ" {
            h2 { "Biểu đồ" }
            figure.card {
                (participation_bars(&snapshot.units))
                figcaption.muted { "Tỷ lệ tham gia theo đơn vị (người dự thi / biên chế)." }
            }
            @if !scores.is_empty() {
                figure.card {
                    (score_histogram(&scores, max))
                    figcaption.muted { "Phân bố điểm của vòng thi (kết quả được tính của mỗi người)." }
                }
            }
            @if !per_day.is_empty() {
                figure.card {
                    (participants_per_day(per_day))
                    figcaption.muted { "Số người dự thi mới theo ngày (ngày bắt đầu lượt thi đầu tiên, giờ Việt Nam)." }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    fn unit(code: &str, name: &str, parent: Option<&str>, rate: f64) -> UnitStats {
        UnitStats {
            unit_code: code.into(),
            unit_name: name.into(),
            parent_code: parent.map(Into::into),
            kind: "other".into(),
            block: None,
            headcount: 100,
            participants: (rate * 100.0) as i64,
            participation_rate: rate,
            attempts: 0,
            avg_best_score: 0.0,
            perfect_scores: 0,
            scores_hidden: false,
        }
    }

    /// Parses the SVG as XML (failing on any malformation) and returns the element names
    /// with their `class` attribute.
    fn elements(svg: &str) -> Vec<(String, Option<String>)> {
        fn describe(e: &quick_xml::events::BytesStart<'_>) -> (String, Option<String>) {
            let class = e
                .try_get_attribute("class")
                .expect("valid attributes")
                .map(|a| a.value.into_owned());
            let name = e.name();
            (AsRef::<str>::as_ref(&name).to_owned(), class)
        }
        let mut reader = Reader::from_str(svg);
        reader.config_mut().check_end_names = true;
        let mut out = Vec::new();
        let mut depth = 0i32;
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    depth += 1;
                    out.push(describe(&e));
                }
                Event::Empty(e) => out.push(describe(&e)),
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0, "every element is closed");
        out
    }

    fn bars(svg: &str) -> usize {
        elements(svg)
            .iter()
            .filter(|(name, class)| name == "rect" && class.as_deref() == Some("bar"))
            .count()
    }

    #[test]
    fn participation_has_one_bar_per_unit_and_is_well_formed_xml() {
        let units = vec![
            unit("VL", "Tỉnh Vĩnh Long", None, 0.0),
            unit("SO-TP", "Sở Tư pháp", Some("VL"), 0.25),
            unit("H-LH", "Huyện <Long> Hồ & \"cộng sự\"", Some("VL"), 1.4),
        ];
        let svg = participation_bars(&units).into_string();
        assert_eq!(bars(&svg), 3);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"Tỷ lệ tham gia theo đơn vị (3 đơn vị)"));
        assert!(svg.contains("<title>Sở Tư pháp: 25.0% (25/100)</title>"));
        assert!(
            svg.contains("Huyện &lt;Long&gt; Hồ &amp; &quot;cộng sự&quot;"),
            "names are escaped: {svg}"
        );
        assert!(svg.contains("140.0%"), "the label keeps the exact rate");
        assert!(
            svg.contains("width=\"300.0\" height=\"14\" fill=\"#0b5394\""),
            "bars cap at 100 %"
        );
        assert!(!svg.contains("style="), "no inline style (CSP)");
    }

    #[test]
    fn no_units_draw_no_bar() {
        let svg = participation_bars(&[]).into_string();
        assert_eq!(bars(&svg), 0);
    }

    #[test]
    fn the_histogram_has_one_bar_per_score_value() {
        let svg = score_histogram(&[0, 3, 3, 10, 12], 10).into_string();
        assert_eq!(bars(&svg), 11, "scores 0..=10");
        assert!(svg.contains("<title>3 điểm: 2 người</title>"));
        assert!(
            svg.contains("<title>10 điểm: 2 người</title>"),
            "12 counts at the top"
        );
        assert!(!svg.contains("style="));
    }

    #[test]
    fn participants_per_day_has_one_bar_per_day() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        let svg = participants_per_day(&[(d(1), 5), (d(2), 0), (d(3), 12)]).into_string();
        assert_eq!(bars(&svg), 3);
        assert!(svg.contains("<title>03/12/2026: 12 người</title>"));
        assert!(svg.contains("17 người trong 3 ngày"));
    }
}
