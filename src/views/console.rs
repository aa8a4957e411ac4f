//! The staff consoles' frame: the organisers' (Ban Tổ chức) and the judges' (Ban Giám
//! khảo) pages, each with its console's navigation above the heading.

use maud::{Markup, html};

use crate::views::layout::{Viewer, page};

/// A page of the organisers' console.
pub fn organiser(viewer: &Viewer, title: &str, body: Markup) -> Markup {
    page(
        viewer,
        title,
        &[],
        html! {
            nav aria-label="Ban Tổ chức" {
                div.actions {
                    a.button.secondary href="/organiser/banks" { "Ngân hàng câu hỏi" }
                    a.button.secondary href="/organiser/contests" { "Cuộc thi và vòng thi" }
                    a.button.secondary href="/organiser/units" { "Đơn vị" }
                    a.button.secondary href="/organiser/participants" { "Thí sinh" }
                    a.button.secondary href="/organiser/duplicates" { "Tài khoản trùng" }
                    a.button.secondary href="/organiser/announcements" { "Thông báo" }
                    a.button.secondary href="/organiser/requests" { "Yêu cầu về dữ liệu" }
                    a.button.secondary href="/judge" { "Kết quả" }
                }
            }
            h1 { (title) }
            (body)
        },
    )
}

/// A page of the judges' console.
pub fn judge(viewer: &Viewer, title: &str, body: Markup) -> Markup {
    page(
        viewer,
        title,
        &[],
        html! {
            nav aria-label="Ban Giám khảo" { div.actions { a.button.secondary href="/judge" { "Các vòng thi" } } }
            h1 { (title) }
            (body)
        },
    )
}
