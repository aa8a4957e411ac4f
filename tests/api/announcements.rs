//! Announcements over HTTP (issue #15 point 4): posting with bounds, the public lists by
//! the server's clock, the home and contest pages, drafts kept private, withdrawing, the
//! audit trail and the organiser's console.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, round_spec, spawn_app};
use crate::pages::{browser, csrf_of, log_in};

async fn post(app: &TestApp, organiser: &str, body: Value) -> (StatusCode, Value) {
    json_of(
        app.post_json("/api/v1/announcements", Some(organiser), &body)
            .await,
    )
    .await
}

async fn posted(app: &TestApp, organiser: &str, body: Value) -> i64 {
    let (status, body) = post(app, organiser, body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// The titles `GET /api/v1/announcements` lists (of a contest when given), anonymously.
async fn listed(app: &TestApp, contest: Option<i64>) -> Vec<String> {
    let path = match contest {
        Some(id) => format!("/api/v1/announcements?contest_id={id}"),
        None => "/api/v1/announcements".to_owned(),
    };
    let (status, body) = json_of(app.get(&path, None).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

/// `DELETE /api/v1/announcements/{id}` as `token`.
async fn withdraw(app: &TestApp, token: &str, id: i64) -> (StatusCode, Value) {
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/announcements/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    json_of(r).await
}

/// A page's HTML as a signed-in browser gets it.
pub async fn page_text(b: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let r = b.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

async fn html(app: &TestApp, path: &str) -> String {
    let r = app.get(path, None).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_scheduled_announcement_appears_when_the_clock_reaches_it_and_goes_when_it_expires() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let now = app.state.engine.now();
    posted(
        &app,
        &organiser,
        json!({"title": "Lịch thi tuần 2", "body": "Dòng một\nDòng hai <b>đậm</b>",
               "publish_at": now + Duration::hours(2)}),
    )
    .await;
    posted(
        &app,
        &organiser,
        json!({"title": "Bảo trì hệ thống", "body": "Tối nay 22 giờ.",
               "expires_at": now + Duration::hours(3)}),
    )
    .await;
    posted(
        &app,
        &organiser,
        json!({"contest_id": contest, "title": "Đáp án tuần 1", "body": "Đã công bố."}),
    )
    .await;

    // Act / Assert: now, the scheduled one is not listed; contest ones are not site-wide.
    assert_eq!(listed(&app, None).await, ["Bảo trì hệ thống"]);
    assert_eq!(listed(&app, Some(contest)).await, ["Đáp án tuần 1"]);
    let home = html(&app, "/").await;
    assert!(home.contains("Bảo trì hệ thống"), "{home}");
    assert!(!home.contains("Lịch thi tuần 2"));

    // Two hours on, it is listed first (newest); an hour later the other expired.
    app.state.engine.clock.advance(Duration::hours(2));
    assert_eq!(
        listed(&app, None).await,
        ["Lịch thi tuần 2", "Bảo trì hệ thống"]
    );
    app.state.engine.clock.advance(Duration::hours(1));
    assert_eq!(listed(&app, None).await, ["Lịch thi tuần 2"]);

    // The home page shows the site's and the contest's, the body escaped, lines kept.
    let home = html(&app, "/").await;
    assert!(home.contains("Lịch thi tuần 2"));
    assert!(
        home.contains("Dòng một<br>Dòng hai &lt;b&gt;đậm&lt;/b&gt;"),
        "{home}"
    );
    assert!(!home.contains("Bảo trì hệ thống"), "expired");
    assert!(home.contains("Đáp án tuần 1"), "beside its contest");
    let page = html(&app, &format!("/contests/{contest}")).await;
    assert!(page.contains("Đáp án tuần 1"), "{page}");
    assert!(
        !page.contains("Lịch thi tuần 2"),
        "site-wide ones are on the home page"
    );
}

#[tokio::test]
async fn a_draft_contests_announcements_are_hidden_from_the_public() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let (status, body) = json_of(
        app.post_json(
            "/api/v1/contests",
            Some(&organiser),
            &json!({"code": "nhap", "title": "Cuộc thi nháp", "categories": ["official"], "status": "draft"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let draft = body["id"].as_i64().unwrap();
    posted(
        &app,
        &organiser,
        json!({"contest_id": draft, "title": "Bí mật của bản nháp", "body": "Chưa công bố."}),
    )
    .await;

    let r = app
        .get(&format!("/api/v1/announcements?contest_id={draft}"), None)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let participant = app.participant("0912000001").await;
    let r = app
        .get(
            &format!("/api/v1/announcements?contest_id={draft}"),
            Some(&participant),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(listed(&app, None).await.is_empty());
    assert!(!html(&app, "/").await.contains("Bí mật của bản nháp"));
    // Staff preparing the contest see it.
    let (status, body) = json_of(
        app.get(
            &format!("/api/v1/announcements?contest_id={draft}"),
            Some(&organiser),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["title"], "Bí mật của bản nháp");

    // Published, it shows.
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/contests/{draft}")))
        .bearer_auth(&organiser)
        .json(&json!({"status": "published"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(listed(&app, Some(draft)).await, ["Bí mật của bản nháp"]);
    assert!(html(&app, "/").await.contains("Bí mật của bản nháp"));
}

#[tokio::test]
async fn bad_announcements_are_refused_with_their_fields_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let now = Utc::now();
    let cases = [
        (json!({"title": "", "body": "x"}), "title"),
        (json!({"title": "a".repeat(201), "body": "x"}), "title"),
        (json!({"title": "T", "body": "b".repeat(5001)}), "body"),
        (json!({"title": "T", "body": "  \n "}), "body"),
        (
            json!({"title": "T", "body": "x", "publish_at": now + Duration::hours(2), "expires_at": now + Duration::hours(1)}),
            "expires_at",
        ),
        (
            json!({"title": "T", "body": "x", "contest_id": 9999}),
            "contest_id",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = post(&app, &organiser, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{field}: {answer}"
        );
    }
    let (status, answer) = post(
        &app,
        &organiser,
        json!({"title": "T", "body": "x", "extra": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    // Exactly at the bounds is fine.
    posted(
        &app,
        &organiser,
        json!({"title": "a".repeat(200), "body": "b".repeat(5000)}),
    )
    .await;
    assert_eq!(listed(&app, None).await.len(), 1);
}

#[tokio::test]
async fn withdrawing_hides_an_announcement_and_both_steps_are_audited() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let id = posted(
        &app,
        &organiser,
        json!({"title": "Sai lịch", "body": "Nhầm."}),
    )
    .await;
    assert_eq!(listed(&app, None).await, ["Sai lịch"]);

    let (status, body) = withdraw(&app, &organiser, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["withdrawn_at"].is_string());
    assert!(listed(&app, None).await.is_empty());
    assert!(!html(&app, "/").await.contains("Sai lịch"));
    let (status, body) = withdraw(&app, &organiser, id).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "announcement_withdrawn");
    let (status, _) = withdraw(&app, &organiser, 999).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let entries = cuocthi::audit::list(&app.state.db.read, 100, 0)
        .await
        .unwrap();
    let of = |action: &str| {
        entries
            .iter()
            .find(|e| e.action == action && e.subject_id == Some(id))
            .unwrap_or_else(|| panic!("{action} audited"))
            .clone()
    };
    assert_eq!(
        of("announcement.create").details["after"]["title"],
        "Sai lịch"
    );
    let withdrawn = of("announcement.withdraw");
    assert!(withdrawn.details["before"]["withdrawn_at"].is_null());
    assert!(withdrawn.details["after"]["withdrawn_at"].is_string());
}

#[tokio::test]
async fn the_home_page_counts_down_to_the_next_round_and_to_an_open_rounds_close() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    app.create_round(&organiser, contest, &round_spec()).await;
    let now = Utc::now();
    let mut next = round_spec();
    next["title"] = json!("Tuần 2");
    next["opens_at"] = json!(now + Duration::days(2) + Duration::hours(3) + Duration::minutes(10));
    next["closes_at"] = json!(now + Duration::days(9));
    app.create_round(&organiser, contest, &next).await;

    let home = html(&app, "/").await;
    assert!(home.contains("Vòng thi «Tuần 2» của"), "{home}");
    assert!(home.contains("mở sau <time"), "{home}");
    assert!(home.contains(">2 ngày 3 giờ</time>"), "{home}");
    // The open round (closing in a day) says how long is left.
    assert!(home.contains("Còn <time"), "{home}");
    assert!(home.contains("để dự thi"), "{home}");
    assert!(home.contains("countdown.js"), "the script that ticks it");

    // The server's clock decides: a day on, one day is left.
    app.state.engine.clock.advance(Duration::days(1));
    let home = html(&app, "/").await;
    assert!(home.contains(">1 ngày 3 giờ</time>"), "{home}");
}

#[tokio::test]
async fn the_organiser_posts_and_withdraws_from_the_console() {
    let app = spawn_app().await;
    let (_, contest) = app.seed_contest().await;
    let b = browser();
    log_in(&b, &app, "btc@example.vn", "staff password").await;
    let page = page_text(&b, &app, "/organiser/announcements").await;
    let csrf = csrf_of(&page);
    let contest_id = contest.to_string();

    // A bad time is refused on the page, in place.
    let r = b
        .post(app.url("/organiser/announcements"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("contest_id", contest_id.as_str()),
            ("title", "Giờ sai"),
            ("body", "x"),
            ("publish_at", "02/12/2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("role=\"alert\""));

    let r = b
        .post(app.url("/organiser/announcements"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("contest_id", contest_id.as_str()),
            ("title", "Thông báo từ trang quản lý"),
            ("body", "Nội dung."),
            ("publish_at", ""),
            ("expires_at", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        listed(&app, Some(contest)).await,
        ["Thông báo từ trang quản lý"]
    );
    let page = page_text(&b, &app, "/organiser/announcements").await;
    assert!(page.contains("Đang hiển thị"), "{page}");
    let action = page
        .split("action=\"/organiser/announcements/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let r = b
        .post(app.url(&format!("/organiser/announcements/{action}")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(listed(&app, Some(contest)).await.is_empty());
}
