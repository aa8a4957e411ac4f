//! Formatted text: contest descriptions and rules are written in Markdown (issue #15) and
//! shown as HTML that cannot carry anything active.
//!
//! Two layers, so one mistake is not enough: pulldown-cmark turns raw HTML typed into the
//! text into plain text (it is shown, not interpreted), then ammonia cleans the HTML
//! pulldown-cmark wrote against an allow-list of tags, attributes and URL schemes. What
//! stays out, and why: scripts, event handlers and `style` attributes (the
//! Content-Security-Policy allows no inline script or style, and a page must not need it
//! to); `javascript:` and `data:` URLs; images (they would load from anywhere, and the
//! CSP's `img-src` is this site only) — an image becomes a link to it. Links get
//! `rel="noopener noreferrer nofollow"`.

use std::collections::HashSet;
use std::sync::LazyLock;

use maud::{Markup, PreEscaped};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The cleaner: ammonia's default allow-list (no `style`, no event handlers, no scripts),
/// without images, with web and mail links only.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["img"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// A heading of the text, two levels down: the page's own `h1` and `h2` ("Thể lệ") stay
/// above it, so `#` in the rules is an `h3`.
fn demoted(level: HeadingLevel) -> HeadingLevel {
    HeadingLevel::try_from((level as usize + 2).min(6)).unwrap_or(HeadingLevel::H6)
}

/// One event of the text as it is rendered.
fn adjusted(event: Event<'_>) -> Event<'_> {
    match event {
        // Raw HTML is shown as typed, never interpreted.
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        // Rules were plain text, one paragraph or item per line: a line break typed in the
        // text stays a line break.
        Event::SoftBreak => Event::HardBreak,
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: demoted(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demoted(level))),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    }
}

/// The HTML of a Markdown text, cleaned: safe to put in a page as it is.
pub fn to_html(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(text, options).map(adjusted);
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    CLEANER.clean(&html).to_string()
}

/// A Markdown text as markup for a maud view (in a `div.prose`).
pub fn markdown(text: &str) -> Markup {
    // The one `PreEscaped` of user text: `to_html` has cleaned it against the allow-list.
    PreEscaped(to_html(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_and_lists_render() {
        let html = to_html("Giải **đậm** và *nghiêng*\n\n- một\n- hai\n\n1. ba");
        assert!(html.contains("<strong>đậm</strong>"), "{html}");
        assert!(html.contains("<em>nghiêng</em>"), "{html}");
        assert!(html.contains("<ul>\n<li>một</li>"), "{html}");
        assert!(html.contains("<ol>"), "{html}");
    }

    #[test]
    fn headings_sit_below_the_page_headings() {
        let html = to_html("# Điều 1\n\n## Khoản 1\n\n###### sâu");
        assert!(html.contains("<h3>Điều 1</h3>"), "{html}");
        assert!(html.contains("<h4>Khoản 1</h4>"), "{html}");
        assert!(html.contains("<h6>sâu</h6>"), "{html}");
        assert!(!html.contains("<h1") && !html.contains("<h2"), "{html}");
    }

    #[test]
    fn line_breaks_of_plain_text_rules_are_kept() {
        let html = to_html("Dòng một\nDòng hai");
        assert!(html.contains("Dòng một<br>\nDòng hai"), "{html}");
    }

    #[test]
    fn script_tags_are_shown_as_text_never_run() {
        for hostile in [
            "<script>alert(1)</script>",
            "a <script src=\"https://evil.example/x.js\"></script> b",
            "<SCRIPT>alert(1)</SCRIPT>",
            "```\n</code><script>alert(1)</script>\n```",
        ] {
            let html = to_html(hostile);
            assert!(
                !html.to_lowercase().contains("<script"),
                "{hostile} → {html}"
            );
        }
        assert!(to_html("<script>alert(1)</script>").contains("&lt;script&gt;"));
    }

    #[test]
    fn raw_html_and_event_handlers_never_become_elements() {
        for hostile in [
            "<img src=x onerror=alert(1)>",
            "<div onclick=\"alert(1)\">bấm</div>",
            "<p style=\"position:fixed\">che</p>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
            "<style>body{display:none}</style>",
            "<form action=\"https://evil.example\"><input name=p></form>",
        ] {
            let html = to_html(hostile);
            for element in [
                "<img", "<div", "<p style", "<iframe", "<a ", "<svg", "<style", "<form", "<input",
            ] {
                assert!(!html.contains(element), "{hostile} → {html}");
            }
            // Whatever the attribute's spelling, none survives inside a tag.
            assert!(
                !tags_of(&html)
                    .iter()
                    .any(|t| t.contains("on") && t.contains('=')),
                "{hostile} → {html}"
            );
        }
    }

    /// The tags of a piece of HTML (what is between `<` and `>`).
    fn tags_of(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .filter_map(|s| s.split_once('>').map(|(t, _)| t.to_lowercase()))
            .collect()
    }

    #[test]
    fn dangerous_link_schemes_are_dropped_and_links_get_rel() {
        for hostile in [
            "[bấm](javascript:alert(1))",
            "[bấm](JaVaScRiPt:alert(1))",
            "[bấm](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[bấm](vbscript:msgbox(1))",
            "<javascript:alert(1)>",
        ] {
            // The link keeps its text, shown as text; no URL of these schemes survives.
            let html = to_html(hostile).to_lowercase();
            for scheme in ["javascript:", "data:", "vbscript:"] {
                assert!(
                    !html.contains(&format!("href=\"{scheme}")),
                    "{hostile} → {html}"
                );
            }
        }
        let html = to_html("[Cổng dịch vụ công](https://dichvucong.gov.vn)");
        assert!(
            html.contains(
                "<a href=\"https://dichvucong.gov.vn\" rel=\"noopener noreferrer nofollow\">Cổng dịch vụ công</a>"
            ),
            "{html}"
        );
    }

    #[test]
    fn images_become_links_and_data_images_vanish() {
        let html = to_html("![sơ đồ](https://evil.example/track.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("href=\"https://evil.example/track.png\""),
            "{html}"
        );
        assert!(html.contains("sơ đồ"), "{html}");
        let html = to_html("![x](data:image/svg+xml;base64,PHN2Zz4=)");
        assert!(!html.contains("<img") && !html.contains("data:"), "{html}");
    }

    #[test]
    fn table_alignment_leaves_no_style_attribute() {
        let html = to_html("| Giải | Số |\n|:--|--:|\n| Nhất | 1 |");
        assert!(
            html.contains("<table>") && html.contains("<td>Nhất</td>"),
            "{html}"
        );
        assert!(!html.contains("style"), "{html}");
    }
}
