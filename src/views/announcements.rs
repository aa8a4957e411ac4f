//! Announcements as the public pages show them: title, date, and the plain-text body with
//! its line breaks (escaped by maud like any user text).

use maud::{Markup, html};

use crate::entities::announcement;
use crate::vn_time;

/// A body's lines, separated by `<br>`.
pub fn plain_text(body: &str) -> Markup {
    html! {
        @for (i, line) in body.lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

/// A list of announcements, or nothing when there is none.
pub fn list(items: &[&announcement::Model]) -> Markup {
    html! {
        @if !items.is_empty() {
            ul.announcements role="list" {
                @for a in items {
                    li.announcement {
                        strong.announcement-title { (a.title) }
                        " "
                        span.muted { (vn_time::display(a.publish_at)) }
                        p { (plain_text(&a.body)) }
                    }
                }
            }
        }
    }
}
