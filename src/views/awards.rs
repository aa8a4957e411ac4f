//! The award pages: the public results page of a round or a contest (with Open Graph and
//! Twitter tags, so a link shared on Zalo or Facebook shows a card), the certificate
//! verification page, the staff's view of a list, and the printable list for signing.

use maud::{DOCTYPE, Markup, html};

use crate::awards::workflow::{AwardListView, CertificateView, PublicAwards, PublicEntry};
use crate::awards::{AwardEntry, UnitAward};
use crate::entities::award_list::Status;
use crate::views::assets;
use crate::views::format::duration;
use crate::views::layout::{Viewer, page_with_head};
use crate::vn_time;

/// A block's heading: its name as the unit list gives it, "Khối …" added unless the name
/// says it already.
fn block_title(block: &str) -> String {
    if block.to_lowercase().starts_with("khối") {
        block.to_owned()
    } else {
        format!("Khối {block}")
    }
}

/// A share as pages write it: `62,5 %`.
fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0).replace('.', ",")
}

/// Items grouped by a key, keeping their order (lists are stored grouped already).
fn grouped<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> Vec<(&'a str, Vec<&'a T>)> {
    let mut out: Vec<(&str, Vec<&T>)> = Vec::new();
    for item in items {
        let k = key(item);
        match out.last_mut() {
            Some((last, group)) if *last == k => group.push(item),
            _ => out.push((k, vec![item])),
        }
    }
    out
}

pub(super) fn units_table(units: &[UnitAward]) -> Markup {
    html! {
        @for (block, list) in grouped(units, |u| u.block.as_str()) {
            h3 { (block_title(block)) }
            div.table-wrap {
                table.award-list {
                    thead { tr { th { "Giải" } th { "Đơn vị" } th { "Tỷ lệ tham gia" } th { "Điểm TB" } } }
                    tbody {
                        @for u in list {
                            tr {
                                td.prize { (u.prize) }
                                td { (u.unit) }
                                td.num { (percent(u.participation_rate)) }
                                td.num { (format!("{:.2}", u.avg_score).replace('.', ",")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn public_entries(entries: &[PublicEntry]) -> Markup {
    html! {
        @for (_, list) in grouped(entries, |e| e.category.as_str()) {
            h2 { "Đối tượng: " (list[0].category_name) }
            div.table-wrap {
                table.award-list {
                    thead { tr { th { "Giải" } th { "Họ và tên" } th { "Đơn vị" } th { "Điểm" } } }
                    tbody {
                        @for e in list {
                            tr {
                                td.prize { (e.prize) }
                                td { (e.name) }
                                td { (e.unit.as_deref().unwrap_or("—")) }
                                td.num { (e.score) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The public results page (`/ket-qua/vong/{id}`, `/ket-qua/cuoc-thi/{id}`). `url` is the
/// page's absolute address, for the share card.
pub fn results_page(viewer: &Viewer, list: &PublicAwards, url: &str) -> Markup {
    let title = format!("Kết quả giải thưởng — {}", list.title);
    let description = format!(
        "{}: {} giải cá nhân, {} giải tập thể. Danh sách công bố {}.",
        list.contest_title,
        list.entries.len(),
        list.units.len(),
        vn_time::display(list.published_at)
    );
    let head = html! {
        link rel="stylesheet" href=(assets::url("awards.css"));
        meta name="description" content=(description);
        meta property="og:type" content="website";
        meta property="og:title" content=(title);
        meta property="og:description" content=(description);
        meta property="og:url" content=(url);
        meta property="og:locale" content="vi_VN";
        meta property="og:site_name" content="Cuộc thi trực tuyến";
        meta name="twitter:card" content="summary";
        meta name="twitter:title" content=(title);
        meta name="twitter:description" content=(description);
    };
    page_with_head(
        viewer,
        &title,
        &[],
        head,
        html! {
            h1 { (title) }
            p { "Cuộc thi: " strong { (list.contest_title) } }
            p.muted { "Công bố lúc " (vn_time::display(list.published_at)) }
            @if list.entries.is_empty() {
                p { "Không có giải cá nhân." }
            }
            (public_entries(&list.entries))
            @if !list.units.is_empty() {
                h2 { "Giải tập thể" }
                (units_table(&list.units))
            }
            p.muted.digest { "Mã kiểm chứng (SHA-256) của danh sách đã công bố: " (list.digest) }
        },
    )
}

/// The certificate verification page (`/xac-minh/{code}`).
pub fn verify_page(viewer: &Viewer, cert: &CertificateView) -> Markup {
    let e = &cert.entry;
    page_with_head(
        viewer,
        "Xác minh giấy chứng nhận",
        &[],
        html! { link rel="stylesheet" href=(assets::url("awards.css")); },
        html! {
            h1 { "Xác minh giấy chứng nhận" }
            div.card.verify {
                @if cert.valid {
                    p.valid role="status" { "Giấy chứng nhận hợp lệ: có trong danh sách giải đã công bố." }
                } @else {
                    p.withdrawn role="status" { "Danh sách giải chứa giấy chứng nhận này đã bị hủy công bố: giấy chứng nhận không còn hiệu lực." }
                }
                dl {
                    dt { "Họ và tên" } dd { (e.name) }
                    dt { "Đơn vị" } dd { (e.unit.as_deref().unwrap_or("—")) }
                    dt { "Đối tượng" } dd { (e.category_name) }
                    dt { "Giải" } dd { strong { (e.prize) } }
                    dt { "Điểm" } dd { (e.score) }
                    dt { "Xét giải" } dd { (cert.scope_title) }
                    dt { "Cuộc thi" } dd { (cert.contest_title) }
                    dt { "Công bố lúc" } dd { (vn_time::display(cert.published_at)) }
                    dt { "Mã xác minh" } dd { (cert.code) }
                    dt { "SHA-256 của danh sách" } dd.digest { (cert.digest) }
                }
            }
        },
    )
}

pub(super) fn status_vi(status: Status) -> &'static str {
    match status {
        Status::Proposed => "Danh sách đề xuất (chưa công bố)",
        Status::Published => "Danh sách đã công bố",
        Status::Unpublished => "Danh sách đã hủy công bố",
    }
}

/// A list's entries by category, numbered for the printed sheet; `review` adds a cell with
/// the judges' form for each entry (the exclusion form of a proposal).
pub(super) fn staff_entries(
    entries: &[AwardEntry],
    numbered: bool,
    review: Option<&dyn Fn(&AwardEntry) -> Markup>,
) -> Markup {
    html! {
        @for (_, list) in grouped(entries, |e| e.category.as_str()) {
            h2 { "Đối tượng: " (list[0].category_name) }
            div.table-wrap {
                table.award-list {
                    thead { tr {
                        @if numbered { th { "STT" } }
                        th { "Họ và tên" } th { "Đơn vị" } th { "Giải" } th { "Hạng" } th { "Điểm" } th { "Thời gian" }
                        @if review.is_some() { th { "Xét duyệt" } }
                    } }
                    tbody {
                        @for (i, e) in list.iter().enumerate() {
                            tr {
                                @if numbered { td.num { (i + 1) } }
                                td { (e.name) }
                                td { (e.unit.as_deref().unwrap_or("—")) }
                                td.prize { (e.prize) }
                                td.num { (e.rank) }
                                td.num { (e.score) }
                                td.num { (duration(e.time_taken_ms)) }
                                @if let Some(review) = review { td { (review(e)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The printable list for signing: A4, the plan's rules, signature blocks, and the digest
/// (or "not published") in the footer of every printed page.
pub fn print_sheet(list: &AwardListView) -> Markup {
    let foot = match &list.digest {
        Some(d) => format!(
            "{} — phiên bản {} — SHA-256: {d}",
            status_vi(list.status),
            list.version
        ),
        None => format!(
            "{} — phiên bản {} — chưa có mã SHA-256 (chưa công bố)",
            status_vi(list.status),
            list.version
        ),
    };
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Danh sách giải — " (list.title) " — cuocthi" }
                link rel="stylesheet" href=(assets::url("awards.css"));
            }
            body {
                main.print-sheet {
                    p.print-actions { "Dùng lệnh In của trình duyệt (khổ A4)." }
                    h1 { "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" }
                    p.sub { (list.contest_title) br; (list.title) }
                    p.status { (status_vi(list.status)) }
                    (staff_entries(&list.entries, true, None))
                    @if !list.units.is_empty() {
                        h2 { "Giải tập thể" }
                        (units_table(&list.units))
                    }
                    @if !list.exclusions.is_empty() {
                        h2 { "Không xét giải" }
                        ul { @for x in &list.exclusions { li { (x.name) ": " (x.reason) } } }
                    }
                    h2 { "Cách xét giải" }
                    ul { @for r in &list.rules { li { (r) } } }
                    div.signatures {
                        div { strong { "BAN GIÁM KHẢO" } br; "(Ký, ghi rõ họ tên)" }
                        div { strong { "BAN TỔ CHỨC" } br; "(Ký, ghi rõ họ tên)" }
                    }
                    p.print-foot { (foot) }
                }
            }
        }
    }
}

/// The participant's certificates on "Kết quả của tôi" (nothing when there are none).
pub fn my_certificates(certs: &[CertificateView]) -> Markup {
    html! {
        @if !certs.is_empty() {
            h2 { "Giấy chứng nhận của tôi" }
            ul.card {
                @for c in certs {
                    li {
                        strong { (c.entry.prize) } " — " (c.scope_title) " (" (c.contest_title) ") · "
                        a href={ "/api/v1/certificates/" (c.code) ".pdf" } { "Tải giấy chứng nhận (PDF)" }
                        " · " a href={ "/xac-minh/" (c.code) } { "Xác minh" }
                    }
                }
            }
        }
    }
}
