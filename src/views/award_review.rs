//! The staff's page of an award list (judge console): its status and warning, the entries
//! with the judges' review forms (exclude with a reason, withdraw an exclusion, propose
//! again), the organiser's publish and unpublish forms, and the links to print and export.

use maud::{Markup, html};

use super::awards::{staff_entries, status_vi, units_table};
use crate::awards::AwardEntry;
use crate::awards::workflow::AwardListView;
use crate::entities::award_list::Status;
use crate::error::AppError;
use crate::views::assets;
use crate::views::layout::{Viewer, csrf_field, page_with_head};

/// What the page says above the list: the action a form just completed, or why it was
/// refused.
#[derive(Debug)]
pub enum Shown {
    Done(&'static str),
    Error(AppError),
}

impl Shown {
    /// The message of `?xong={action}` after a completed form (unknown actions: none).
    pub fn done(action: Option<&str>) -> Option<Shown> {
        let message = match action? {
            "propose" => "Đã lập danh sách đề xuất từ bảng xếp hạng.",
            "exclude" => "Đã loại người này khỏi danh sách; người kế tiếp được xét thay.",
            "restore" => "Đã khôi phục: người này trở lại vị trí theo bảng xếp hạng.",
            "publish" => {
                "Đã công bố danh sách: danh sách được cố định, mỗi người đoạt giải có mã giấy chứng nhận."
            }
            "unpublish" => "Đã hủy công bố; phiên bản này vẫn được lưu để đối chiếu.",
            _ => return None,
        };
        Some(Shown::Done(message))
    }
}

fn shown_box(shown: Option<&Shown>) -> Markup {
    html! {
        @match shown {
            Some(Shown::Done(m)) => p.notice role="status" { (m) },
            Some(Shown::Error(e)) => div.error role="alert" {
                p { (e.message()) }
                @if let AppError::Validation { fields } = e {
                    ul { @for m in fields.values() { li { (m) } } }
                }
            },
            None => {},
        }
    }
}

/// A one-button form posting `action` to the list's page.
fn button_form(viewer: &Viewer, post: &str, action: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(post) {
            (csrf_field(viewer))
            input type="hidden" name="action" value=(action);
            button type="submit" { (label) }
        }
    }
}

/// The exclusion form of one entry: a reason is required.
fn exclude_form(viewer: &Viewer, post: &str, e: &AwardEntry) -> Markup {
    html! {
        details.review {
            summary { "Loại" }
            form method="post" action=(post) {
                (csrf_field(viewer))
                input type="hidden" name="action" value="exclude";
                input type="hidden" name="participant_id" value=(e.participant_id);
                label for={ "reason-" (e.participant_id) } { "Lý do loại " (e.name) }
                input id={ "reason-" (e.participant_id) } type="text" name="reason" required maxlength="500";
                button type="submit" { "Loại khỏi danh sách" }
            }
        }
    }
}

fn api_base(list: &AwardListView) -> String {
    match list.round_id {
        Some(id) => format!("/rounds/{id}"),
        None => format!("/contests/{}", list.contest_id),
    }
}

/// The staff's view of a list: status, warning, entries (with the review forms while it
/// is a proposal), exclusions, the organiser's forms, and the links to print and export.
pub fn staff_page(
    viewer: &Viewer,
    list: &AwardListView,
    base: &str,
    shown: Option<&Shown>,
) -> Markup {
    let title = format!("Danh sách giải — {}", list.title);
    let post = format!("{base}/giai");
    let organiser = viewer.role() == Some(crate::accounts::Role::Organiser);
    let proposed = list.status == Status::Proposed;
    let review = |e: &AwardEntry| exclude_form(viewer, &post, e);
    page_with_head(
        viewer,
        &title,
        &[],
        html! { link rel="stylesheet" href=(assets::url("awards.css")); },
        html! {
            h1 { (title) }
            (shown_box(shown))
            p { strong { (status_vi(list.status)) } " — phiên bản " (list.version) }
            @if let Some(w) = &list.warning {
                p.notice.withdrawn role="alert" { (w) }
            }
            p.print-actions {
                a href=(format!("{base}/giai/in")) { "Bản in để ký (A4)" } " · "
                a href=(format!("/api/v1{}/awards.xlsx", api_base(list))) { "Tải XLSX" } " · "
                a href=(format!("/api/v1{}/awards.csv", api_base(list))) { "Tải CSV" }
                @if list.status == Status::Published {
                    " · " a href=(format!("/api/v1{}/certificates.zip", api_base(list))) { "Tải tất cả giấy chứng nhận (ZIP)" }
                }
            }
            ul { @for r in &list.rules { li { (r) } } }
            @if list.entries.is_empty() {
                p { "Chưa có ai đủ điều kiện nhận giải cá nhân." }
            }
            (staff_entries(&list.entries, false, proposed.then_some(&review as &dyn Fn(&AwardEntry) -> Markup)))
            @if !list.units.is_empty() {
                h2 { "Giải tập thể" }
                (units_table(&list.units))
            }
            @if !list.participation.is_empty() {
                h2 { "Giấy chứng nhận tham gia" }
                p {
                    (crate::views::format::number(list.participation.len() as i64))
                    " người hoàn thành vòng thi đạt điểm tối thiểu được cấp giấy chứng nhận tham gia \
                     khi danh sách được công bố (có trong tệp ZIP giấy chứng nhận)."
                }
            }
            @if !list.exclusions.is_empty() {
                h2 { "Loại khỏi danh sách" }
                ul.exclusions {
                    @for x in &list.exclusions {
                        li {
                            (x.name) ": " (x.reason)
                            @if proposed {
                                form.inline method="post" action=(post) {
                                    (csrf_field(viewer))
                                    input type="hidden" name="action" value="restore";
                                    input type="hidden" name="participant_id" value=(x.participant_id);
                                    button type="submit" { "Khôi phục" }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(d) = &list.digest {
                p.digest { "SHA-256: " (d) }
            }
            section.award-actions {
                h2 { "Thao tác" }
                @match list.status {
                    Status::Proposed => {
                        (button_form(viewer, &post, "propose", "Lập lại danh sách từ bảng xếp hạng"))
                        @if organiser {
                            form method="post" action=(post) {
                                (csrf_field(viewer))
                                input type="hidden" name="action" value="publish";
                                label.check {
                                    input type="checkbox" name="confirm" value="1" required;
                                    " Tôi đã kiểm tra danh sách. Công bố sẽ cố định danh sách, tính mã SHA-256 và cấp mã giấy chứng nhận."
                                }
                                button type="submit" { "Công bố danh sách" }
                            }
                        } @else {
                            p { "Ban Tổ chức công bố danh sách sau khi Ban Giám khảo xét duyệt." }
                        }
                    }
                    Status::Published => {
                        @if organiser {
                            form method="post" action=(post) {
                                (csrf_field(viewer))
                                input type="hidden" name="action" value="unpublish";
                                label for="unpublish-reason" { "Lý do hủy công bố" }
                                input #unpublish-reason type="text" name="reason" required maxlength="500";
                                button type="submit" { "Hủy công bố" }
                            }
                        } @else {
                            p { "Danh sách đã công bố và được cố định." }
                        }
                    }
                    Status::Unpublished => {
                        (button_form(viewer, &post, "propose", "Lập danh sách đề xuất mới"))
                    }
                }
            }
        },
    )
}

/// The page of a scope without a list yet: the form that proposes one.
pub fn no_list(viewer: &Viewer, title: &str, base: &str, shown: Option<&Shown>) -> Markup {
    page_with_head(
        viewer,
        title,
        &[],
        html! { link rel="stylesheet" href=(assets::url("awards.css")); },
        html! {
            h1 { (title) }
            (shown_box(shown))
            p { "Chưa có danh sách giải. Ban Giám khảo lập danh sách đề xuất khi vòng thi đã chốt kết quả, theo cơ cấu giải của cuộc thi." }
            (button_form(viewer, &format!("{base}/giai"), "propose", "Lập danh sách đề xuất"))
        },
    )
}
