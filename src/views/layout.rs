//! The one page layout: `lang="vi"`, phone-first, navigation by role, no inline script.

use std::sync::Arc;

use maud::{DOCTYPE, Markup, html};

use crate::accounts::Role;
use crate::site::SiteInfo;
use crate::views::assets;

/// Who is looking at a page, and the form token for its forms.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// `(full name, role)` when signed in.
    pub user: Option<(String, Role)>,
    /// The CSRF token every form of the page carries.
    pub csrf: String,
    /// Who runs the site (organiser, province, hotline, contact), shown in the header
    /// and the footer of every page.
    pub site: Arc<SiteInfo>,
}

impl Viewer {
    /// The viewer's role, if signed in.
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|(_, r)| *r)
    }

    /// Nobody signed in, no form token, the site as given (cached public pages, pages
    /// rendered before the request is known).
    pub fn anonymous(site: Arc<SiteInfo>) -> Self {
        Viewer {
            user: None,
            csrf: String::new(),
            site,
        }
    }
}

/// The hidden CSRF field of a form.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf); }
}

/// A whole page. `scripts` are asset names loaded with `defer`.
pub fn page(viewer: &Viewer, title: &str, scripts: &[&str], body: Markup) -> Markup {
    page_with_head(viewer, title, scripts, html! {}, body)
}

/// [`page`] with more in its `head` (the Open Graph tags of a shared results page, which
/// then carry the page's own description).
pub fn page_with_head(
    viewer: &Viewer,
    title: &str,
    scripts: &[&str],
    head: Markup,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — cuocthi" }
                @if head.0.is_empty() {
                    meta name="description" content="Cuộc thi trực tuyến: đăng ký dự thi, làm bài, xem kết quả và bảng xếp hạng.";
                }
                link rel="icon" type="image/svg+xml" href=(assets::url("favicon.svg"));
                (head)
                link rel="stylesheet" href=(assets::url("app.css"));
                @for s in scripts {
                    script src=(assets::url(s)) defer {}
                }
            }
            body {
                a.skip href="#main" { "Bỏ qua điều hướng" }
                header.top {
                    div.bar {
                        div.identity {
                            a.brand href="/" { "Cuộc thi trực tuyến" }
                            p.organiser {
                                (viewer.site.organiser_name)
                                @if let Some(province) = &viewer.site.province { " · " (province) }
                            }
                        }
                        nav aria-label="Điều hướng chính" {
                            a href="/" { "Trang chủ" }
                            @match viewer.role() {
                                None => {
                                    a href="/login" { "Đăng nhập" }
                                    a href="/register" { "Đăng ký" }
                                }
                                Some(role) => {
                                    @match role {
                                        Role::Participant => {
                                            a href="/me" { "Kết quả của tôi" }
                                            a href="/tai-khoan" { "Tài khoản" }
                                        }
                                        Role::Organiser => {
                                            a href="/organiser" { "Ban Tổ chức" }
                                            a href="/judge" { "Kết quả" }
                                        }
                                        Role::Judge => { a href="/judge" { "Ban Giám khảo" } }
                                        Role::Admin => { a href="/admin" { "Quản trị" } }
                                    }
                                    span.who { (viewer.user.as_ref().map(|(name, _)| name.as_str()).unwrap_or_default()) }
                                    form method="post" action="/logout" {
                                        (csrf_field(viewer))
                                        button type="submit" { "Đăng xuất" }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" { (body) }
                footer.site {
                    div.bar {
                        p { strong { (viewer.site.organiser_name) } @if let Some(province) = &viewer.site.province { " — " (province) } }
                        @if let Some(email) = &viewer.site.contact_email {
                            p { "Liên hệ: " a href={ "mailto:" (email) } { (email) } }
                        }
                        @if let Some(hotline) = &viewer.site.hotline {
                            p { "Đường dây nóng: " a href={ "tel:" (hotline.replace(' ', "")) } { (hotline) } }
                        }
                        p { a href="/huong-dan" { "Hướng dẫn dự thi" } }
                    }
                }
            }
        }
    }
}

/// A page with only a heading and a message, for errors and notices.
pub fn message(viewer: &Viewer, title: &str, text: &str) -> Markup {
    page(
        viewer,
        title,
        &[],
        html! {
            h1 { (title) }
            div.card { p { (text) } p { a href="/" { "Về trang chủ" } } }
        },
    )
}
