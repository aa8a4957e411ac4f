//! The judges' and the organiser's forms on the staff's list page (no JavaScript, as a
//! browser posts them): propose, exclude with a reason (refused without one), withdraw
//! the exclusion, publish (the organiser's, with its confirmation box), unpublish.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::helpers::spawn_app;
use crate::security::post_form;

/// A staff page as a signed-in browser gets it.
async fn staff_page(app: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let r = app
        .client
        .get(app.url(path))
        .header("cookie", format!("cuocthi_token={token}"))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn list_of(app: &TestApp, round: i64, token: &str) -> Value {
    let (status, list) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/awards"), Some(token))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    list
}

#[tokio::test]
async fn the_staff_page_proposes_reviews_and_publishes_a_list_without_javascript() {
    // Arrange
    let app = spawn_app().await;
    let w = settled_round(&app, 40).await;
    let page = format!("/judge/rounds/{}/giai", w.round);
    let (status, html) = staff_page(&app, &page, &w.judge).await;
    assert_eq!(status, 200);
    assert!(html.contains("Lập danh sách đề xuất"), "{html}");

    // Act + Assert: the judge proposes.
    let r = post_form(&app, &page, Some(&w.judge), &[("action", "propose")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{page}?xong=propose"));
    let (_, html) = staff_page(&app, &location(&r), &w.judge).await;
    assert!(html.contains("Đã lập danh sách đề xuất"), "{html}");
    assert!(html.contains("Loại khỏi danh sách"), "the exclusion forms");
    assert!(
        !html.contains("Công bố danh sách"),
        "a judge cannot publish"
    );
    let proposed = list_of(&app, w.round, &w.judge).await;
    assert_eq!(proposed["status"], "proposed");
    let before = awarded(&proposed);
    let second = before[1].0.to_string();

    // An exclusion without a reason is refused on the page, and nothing changes.
    let r = post_form(
        &app,
        &page,
        Some(&w.judge),
        &[
            ("action", "exclude"),
            ("participant_id", &second),
            ("reason", " "),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Lý do không được trống"), "{html}");
    assert_eq!(awarded(&list_of(&app, w.round, &w.judge).await), before);

    // With a reason, the next person takes the place.
    let r = post_form(
        &app,
        &page,
        Some(&w.judge),
        &[
            ("action", "exclude"),
            ("participant_id", &second),
            ("reason", "Vi phạm quy chế."),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let excluded = list_of(&app, w.round, &w.judge).await;
    let after: Vec<i64> = awarded(&excluded).iter().map(|(id, _)| *id).collect();
    assert!(!after.contains(&before[1].0));
    assert_eq!(after.len(), before.len(), "the next person was promoted");
    assert_eq!(excluded["exclusions"][0]["reason"], "Vi phạm quy chế.");
    let (_, html) = staff_page(&app, &page, &w.judge).await;
    assert!(html.contains("Khôi phục"), "the exclusion can be withdrawn");

    // Withdrawing it gives the place back: the list is the first proposal again.
    let r = post_form(
        &app,
        &page,
        Some(&w.judge),
        &[("action", "restore"), ("participant_id", &second)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let restored = list_of(&app, w.round, &w.judge).await;
    assert_eq!(awarded(&restored), before);
    assert_eq!(restored["exclusions"], json!([]));
    // …and withdrawing an exclusion that does not exist is a 404 (over the API too).
    let r = app
        .client
        .delete(app.url(&format!(
            "/api/v1/rounds/{}/awards/exclusions/{second}",
            w.round
        )))
        .bearer_auth(&w.judge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Publishing is the organiser's, and needs the confirmation box.
    let r = post_form(
        &app,
        &page,
        Some(&w.judge),
        &[("action", "publish"), ("confirm", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, html) = staff_page(&app, &page, &w.organiser).await;
    assert!(html.contains("Công bố danh sách"), "{html}");
    let r = post_form(&app, &page, Some(&w.organiser), &[("action", "publish")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("ô xác nhận"));
    assert_eq!(list_of(&app, w.round, &w.judge).await["status"], "proposed");
    let r = post_form(
        &app,
        &page,
        Some(&w.organiser),
        &[("action", "publish"), ("confirm", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let published = list_of(&app, w.round, &w.judge).await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["digest"].as_str().unwrap().len(), 64);
    let (_, html) = staff_page(&app, &format!("{page}?xong=publish"), &w.organiser).await;
    assert!(html.contains("Đã công bố danh sách"), "{html}");
    assert!(html.contains("Hủy công bố"));
    // A published list refuses a review: the page says why.
    let r = post_form(
        &app,
        &page,
        Some(&w.judge),
        &[
            ("action", "exclude"),
            ("participant_id", &second),
            ("reason", "Muộn."),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("đã công bố"));

    // Unpublishing needs a reason, then keeps the version for staff.
    let r = post_form(
        &app,
        &page,
        Some(&w.organiser),
        &[("action", "unpublish"), ("reason", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_form(
        &app,
        &page,
        Some(&w.organiser),
        &[
            ("action", "unpublish"),
            ("reason", "Sai sót khi nhập cơ cấu giải."),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        list_of(&app, w.round, &w.judge).await["status"],
        "unpublished"
    );
    let (_, html) = staff_page(&app, &page, &w.judge).await;
    assert!(html.contains("Lập danh sách đề xuất mới"), "{html}");
}

#[tokio::test]
async fn the_public_url_setting_starts_shared_links_without_mail_configured() {
    // Arrange: no SMTP, a public URL (behind a proxy the request's host is not it).
    let app = crate::helpers::spawn_app_with(|s| {
        s.mail = None;
        s.public_url = Some("https://cuocthi.vinhlong.example.vn".into());
    })
    .await;
    let w = settled_round(&app, 10).await;
    let awards = format!("/api/v1/rounds/{}/awards", w.round);
    assert_eq!(
        app.post_json(&awards, Some(&w.judge), &json!({}))
            .await
            .status(),
        201
    );
    let publish = app
        .post_json(&format!("{awards}/publish"), Some(&w.organiser), &json!({}))
        .await;
    assert_eq!(publish.status(), 200);

    // Act
    let html = app
        .get(&format!("/ket-qua/vong/{}", w.round), None)
        .await
        .text()
        .await
        .unwrap();

    // Assert: the share card's URL starts with the setting.
    assert!(
        html.contains(&format!(
            "content=\"https://cuocthi.vinhlong.example.vn/ket-qua/vong/{}\"",
            w.round
        )),
        "{html}"
    );
}
