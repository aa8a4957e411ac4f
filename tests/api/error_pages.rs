//! Error pages and the site's identity in the layout (#18, points 13 and 15): a 403 or a
//! 404 keeps the signed-in header; unknown paths outside `/api/` answer a Vietnamese HTML
//! page; every page names the organiser and the province and gives the contact address
//! and the hotline set on `/admin` (or `PATCH /api/v1/site`).

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::pages::{browser, log_in, page};
use cuocthi::accounts::Role;

#[tokio::test]
async fn error_pages_keep_the_signed_in_header() {
    let app = spawn_app().await;
    app.staff(Role::Organiser, "btc@example.vn").await;
    let b = browser();

    // Nobody signed in: the 404 is a Vietnamese page offering to log in.
    let (status, headers, html) = page(&b, &app, "/khong-co-trang-nay").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("Không tìm thấy trang"), "{html}");
    assert!(html.contains("href=\"/login\""));
    assert!(!html.contains("Đăng xuất"));

    // Signed in with the session cookie: the same 404 shows who is signed in, their
    // console and the way out.
    log_in(&b, &app, "btc@example.vn", STAFF_PASSWORD).await;
    let (status, _, html) = page(&b, &app, "/khong-co-trang-nay").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Không tìm thấy trang"));
    assert!(
        html.contains("Cán bộ Ban Tổ chức"),
        "the person's name: {html}"
    );
    assert!(html.contains("href=\"/organiser\""), "their console");
    assert!(html.contains("Đăng xuất") && html.contains("name=\"csrf\" value=\""));
    assert!(!html.contains("href=\"/login\""));

    // A page of another role: 403, same header.
    let (status, _, html) = page(&b, &app, "/admin").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Không có quyền truy cập"));
    assert!(html.contains("Cán bộ Ban Tổ chức") && html.contains("href=\"/organiser\""));

    // A record that does not exist, through a page handler: 404 in the same layout.
    let (status, _, html) = page(&b, &app, "/organiser/rounds/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Cán bộ Ban Tổ chức"), "{html}");

    // The API keeps its JSON error, cookie or not.
    let r = b.get(app.url("/api/v1/khong-co")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, body) = json_of(r).await;
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_organiser_province_contact_and_hotline_are_on_every_page() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "quantri@example.vn").await;
    let b = browser();

    let (_, _, html) = page(&b, &app, "/").await;
    assert!(
        html.contains("Ban Tổ chức cuộc thi"),
        "the default organiser"
    );
    assert!(
        !html.contains("Đường dây nóng"),
        "no hotline set, none shown"
    );

    let (status, body) = json_of(
        app.patch_json(
            "/api/v1/site",
            Some(&admin),
            &json!({
                "organiser_name": "Sở Giáo dục và Đào tạo",
                "province": "Tỉnh Vĩnh Long",
                "hotline": "0270 3822 111",
                "contact_email": "hotro@vinhlong.gov.vn"
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for path in [
        "/",
        "/huong-dan",
        "/login",
        "/register",
        "/khong-co-trang-nay",
    ] {
        let (_, _, html) = page(&b, &app, path).await;
        let header = &html[html.find("<header").unwrap()..html.find("</header>").unwrap()];
        assert!(
            header.contains("Sở Giáo dục và Đào tạo") && header.contains("Tỉnh Vĩnh Long"),
            "{path}: the header names the organiser and the province: {header}"
        );
        let footer = &html[html.find("<footer").unwrap()..html.find("</footer>").unwrap()];
        assert!(
            footer.contains("href=\"mailto:hotro@vinhlong.gov.vn\"")
                && footer.contains("href=\"tel:02703822111\"")
                && footer.contains("0270 3822 111"),
            "{path}: the footer gives the contact and the hotline: {footer}"
        );
    }

    // A second change shows at once on this instance (the PATCH drops its cache).
    app.patch_json(
        "/api/v1/site",
        Some(&admin),
        &json!({"hotline": "1900 1234"}),
    )
    .await;
    let (_, _, html) = page(&b, &app, "/huong-dan").await;
    assert!(html.contains("1900 1234") && !html.contains("0270 3822 111"));
}
