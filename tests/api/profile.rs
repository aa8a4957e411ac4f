//! My account (issue #16, Decree 13/2023): consent at registration, `/tai-khoan`, the
//! copy of one's own data (JSON and CSV), and requests to the organisers.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, json_of, registration, round_spec, spawn_app, spawn_app_with,
};
use crate::pages::{browser, csrf_of, page};

#[tokio::test]
async fn registering_without_consent_is_refused_naming_consent() {
    let app = spawn_app().await;
    app.seed_units().await;
    for consent in [None, Some(json!(false))] {
        let mut body = registration("0912000001");
        match &consent {
            None => {
                body.as_object_mut().unwrap().remove("consent");
            }
            Some(v) => body["consent"] = v.clone(),
        }
        let (status, answer) = json_of(app.register(&body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(answer["error"]["fields"]["consent"].is_string(), "{answer}");
    }

    // The form: it states the purpose, who processes the data, for how long; an unticked
    // box is refused with the form again.
    let b = browser();
    let (_, _, html) = page(&b, &app, "/register").await;
    for needle in [
        "Mục đích",
        "Ban Tổ chức cuộc thi",
        "Thời hạn lưu trữ",
        "name=\"consent\"",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    let csrf = csrf_of(&html);
    let form = [
        ("csrf", csrf.as_str()),
        ("full_name", "Phạm Thị Lan"),
        ("phone", "0912000002"),
        ("category", "official"),
        ("unit_code", "SO-TP"),
        ("password", PASSWORD),
    ];
    let r = b
        .post(app.url("/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("consent-error"));
    assert!(
        cuocthi::accounts::find_by_login(&app.state.db.read, "0912000002")
            .await
            .unwrap()
            .is_none(),
        "nobody registered"
    );
}

async fn data(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    let r = app
        .get(&format!("/api/v1/me/data{query}"), Some(token))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    r
}

#[tokio::test]
async fn my_data_has_profile_consent_and_only_closed_rounds_answers() {
    // Arrange: two rounds taken; the first closed and settled, the second still open.
    let app = spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600)).await;
    let (organiser, contest) = app.seed_contest().await;
    let closed = app.create_round(&organiser, contest, &round_spec()).await;
    let mut open_spec = round_spec();
    open_spec["title"] = json!("Vòng thi còn mở");
    let open = app.create_round(&organiser, contest, &open_spec).await;
    let mut body = registration("0912000001");
    body["national_id"] = json!("086123456789");
    body["birth_date"] = json!("1990-05-31");
    body["email"] = json!("an@example.vn");
    let (status, answer) = json_of(app.register(&body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let token = app.token("0912000001", PASSWORD).await;
    let first = app.take(&token, closed, 3, None).await;
    let second = app.take(&token, open, 3, None).await;
    let (first, second) = (
        first["attempt_id"].as_i64().unwrap(),
        second["attempt_id"].as_i64().unwrap(),
    );
    app.post_json(
        &format!("/api/v1/rounds/{closed}/close"),
        Some(&organiser),
        &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
    )
    .await;
    app.state.engine.clock.advance(Duration::minutes(5));
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();

    // Act
    let json: Value = data(&app, &token, "").await.json().await.unwrap();
    let csv = data(&app, &token, "?format=csv")
        .await
        .text()
        .await
        .unwrap();

    // Assert: the profile and the consent record, with its version and time.
    assert_eq!(json["profile"]["phone"], "0912000001");
    assert_eq!(json["profile"]["national_id"], "086123456789");
    assert_eq!(json["profile"]["birth_date"], "1990-05-31");
    assert_eq!(json["profile"]["unit_code"], "SO-TP");
    assert_eq!(
        json["consent"]["version"],
        cuocthi::accounts::profile::CONSENT_VERSION
    );
    assert!(json["consent"]["given_at"].is_string(), "{json}");
    let attempts = json["attempts"].as_array().unwrap();
    let of = |id: i64| attempts.iter().find(|a| a["id"] == id).unwrap();
    assert_eq!(of(first)["answers_included"], true, "{json}");
    assert_eq!(of(first)["answers"].as_array().unwrap().len(), 10, "{json}");
    assert!(of(first)["score"].is_number());
    assert_eq!(of(second)["answers_included"], false, "{json}");
    assert!(
        of(second)["answers"].as_array().unwrap().is_empty(),
        "never an open round's answers: {json}"
    );

    // The CSV holds the same facts, one per row, and no answer of the open round.
    assert!(csv.starts_with("section,item,field,value\n"), "{csv}");
    assert!(csv.contains("profile,,phone,0912000001"), "{csv}");
    assert!(csv.contains("profile,,national_id,086123456789"), "{csv}");
    assert!(
        csv.contains(&format!(
            "consent,,version,{}",
            cuocthi::accounts::profile::CONSENT_VERSION
        )),
        "{csv}"
    );
    assert!(csv.contains(&format!("answer,{first}/1,choices,")), "{csv}");
    assert!(!csv.contains(&format!("answer,{second}/")), "{csv}");

    // An unknown format is a coded 400.
    let (status, answer) = json_of(app.get("/api/v1/me/data?format=xml", Some(&token)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "invalid_query");
}

/// Signs `phone` in with a cookie-keeping client; returns it with the account page.
async fn signed_in(app: &TestApp, phone: &str) -> (reqwest::Client, String) {
    let b = browser();
    let (_, _, html) = page(&b, app, "/login").await;
    let r = b
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("login", phone),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, _, html) = page(&b, app, "/tai-khoan").await;
    assert_eq!(status, StatusCode::OK);
    (b, html)
}

#[tokio::test]
async fn the_account_page_shows_the_data_and_changes_the_password_and_signs_out_everywhere() {
    let app = spawn_app().await;
    app.seed_units().await;
    let mut body = registration("0912000001");
    body["national_id"] = json!("086123456789");
    let (status, _) = json_of(app.register(&body).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let api_token = app.token("0912000001", PASSWORD).await;

    // The data, the CCCD masked but for its last 4 digits, the consent record.
    let (b, html) = signed_in(&app, "0912000001").await;
    assert!(html.contains("Nguyễn Văn An"));
    assert!(html.contains("0912000001"));
    assert!(html.contains("••••••••6789"));
    assert!(
        !html.contains("086123456789"),
        "the full CCCD is not on screen"
    );
    assert!(html.contains("consent-record"));
    assert!(html.contains("/api/v1/me/data?format=csv"));
    let (_, _, me) = page(&b, &app, "/me").await;
    assert!(
        me.contains("href=\"/tai-khoan\""),
        "the nav links the account"
    );

    // A wrong current password is refused on the page.
    let csrf = csrf_of(&html);
    let r = b
        .post(app.url("/tai-khoan/mat-khau"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", "sai mật khẩu"),
            ("new_password", "mật khẩu mới dài"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The right one changes it: this browser stays signed in, the old token dies.
    let r = b
        .post(app.url("/tai-khoan/mat-khau"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", "mật khẩu mới dài"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, _, html) = page(&b, &app, "/tai-khoan?ok=password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã đổi mật khẩu"));
    assert_eq!(app.get("/api/v1/me", Some(&api_token)).await.status(), 401);
    let fresh = app.token("0912000001", "mật khẩu mới dài").await;

    // Signing out everywhere ends this browser's session and every token.
    let r = b
        .post(app.url("/tai-khoan/dang-xuat-tat-ca"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/me", Some(&fresh)).await.status(), 401);
    let r = b.get(app.url("/tai-khoan")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
}

#[tokio::test]
async fn correction_and_deletion_requests_reach_the_organisers_and_are_audited() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let token = app.participant("0912000001").await;

    // A correction through the API; one without a note is refused.
    let (status, answer) = json_of(
        app.post_json(
            "/api/v1/me/requests",
            Some(&token),
            &json!({"kind": "correction"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(answer["error"]["fields"]["note"].is_string());
    let (status, answer) = json_of(
        app.post_json(
            "/api/v1/me/requests",
            Some(&token),
            &json!({"kind": "correction", "note": "Tôi thuộc Sở Tài chính, không phải Sở Tư pháp."}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["status"], "pending");

    // A deletion through the page; it shows as pending on the profile; a second one is 409.
    let (b, html) = signed_in(&app, "0912000001").await;
    assert!(!html.contains("pending-deletion"));
    let r = b
        .post(app.url("/tai-khoan/yeu-cau"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("kind", "deletion"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, _, html) = page(&b, &app, "/tai-khoan").await;
    assert!(
        html.contains("pending-deletion"),
        "the pending deletion is shown"
    );
    let (status, answer) = json_of(
        app.post_json(
            "/api/v1/me/requests",
            Some(&token),
            &json!({"kind": "deletion"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"]["code"], "request_pending");

    // The organisers' list, as JSON and as a page.
    let (status, list) = json_of(app.get("/api/v1/requests", Some(&organiser)).await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["deletion", "correction"], "{list}");
    assert_eq!(list[1]["full_name"], "Nguyễn Văn An");
    let org = browser();
    let r = org
        .get(app.url("/organiser/requests"))
        .bearer_auth(&organiser)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Sở Tài chính, không phải Sở Tư pháp"),
        "{html}"
    );
    assert!(html.contains("Xoá dữ liệu cá nhân"));

    // Both are in the audit trail.
    let audit = cuocthi::audit::list(&app.state.db.read, 200, 0)
        .await
        .unwrap();
    let requests = audit
        .iter()
        .filter(|e| e.action == "data_request.create")
        .count();
    assert_eq!(requests, 2);
}
