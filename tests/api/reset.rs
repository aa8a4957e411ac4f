//! Password recovery (#16 point 1): the organiser's one-time code and the emailed link,
//! over HTTP, the email through a real SMTP server (Debian's `python3-aiosmtpd`).

use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::common::smtp::{smtp_sink, wait_for_messages};
use crate::common::*;

const NEW_PASSWORD: &str = "mật khẩu mới rất dài";

async fn reset(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    json_of(app.post_json("/api/v1/auth/reset", None, body).await).await
}

async fn issue_code(app: &TestApp, organiser: &str, id: i64) -> (StatusCode, Value) {
    json_of(
        app.post_json(
            &format!("/api/v1/participants/{id}/reset-code"),
            Some(organiser),
            &json!({}),
        )
        .await,
    )
    .await
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    app.post_json(
        "/api/v1/auth/login",
        None,
        &json!({"login": login, "password": password}),
    )
    .await
    .status()
}

#[tokio::test]
async fn an_organisers_code_resets_a_password_once_and_expires() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let old_token = app.participant("0912345601").await;
    let id = app.id_of(&old_token).await;

    // Only organisers issue codes.
    let (status, _) = issue_code(&app, &old_token, id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, issued) = issue_code(&app, &organiser, id).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let code = issued["code"].as_str().unwrap().to_owned();
    assert!(issued["expires_at"].is_string(), "{issued}");
    // Stored hashed: the code appears nowhere in the database's reset rows or audit.
    let rows = cuocthi::entities::reset_code::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].secret_hash.contains(&code.replace('-', "")));
    let (_, audit) = json_of(app.get("/api/v1/audit", Some(&organiser)).await).await;
    assert!(
        audit.to_string().contains("participant.reset_code"),
        "{audit}"
    );
    assert!(!audit.to_string().contains(&code), "{audit}");

    // Typed in lower case with a space instead of the dash: still the code.
    let typed = code.to_lowercase().replace('-', " ");
    let (status, body) = reset(
        &app,
        &json!({"login": "0912 345 601", "code": typed, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.me(&old_token).await.status(),
        StatusCode::UNAUTHORIZED,
        "the old token must die"
    );
    assert_eq!(
        login_status(&app, "0912345601", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, "0912345601", NEW_PASSWORD).await,
        StatusCode::OK
    );

    // Single use.
    let (status, body) = reset(
        &app,
        &json!({"login": "0912345601", "code": code, "new_password": "lại một mật khẩu khác"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_code");

    // A new code replaces the older unused one; it dies after 30 minutes.
    let (_, first) = issue_code(&app, &organiser, id).await;
    let (_, second) = issue_code(&app, &organiser, id).await;
    let (status, body) = reset(
        &app,
        &json!({"login": "0912345601", "code": first["code"], "new_password": "lại một mật khẩu khác"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    app.state
        .engine
        .clock
        .advance(chrono::Duration::minutes(31));
    let (status, body) = reset(
        &app,
        &json!({"login": "0912345601", "code": second["code"], "new_password": "lại một mật khẩu khác"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_code");
    assert_eq!(
        login_status(&app, "0912345601", NEW_PASSWORD).await,
        StatusCode::OK
    );

    // Wrong codes are limited like wrong passwords.
    let mut limited = false;
    for _ in 0..20 {
        let (status, body) = reset(
            &app,
            &json!({"login": "0912345601", "code": "ABCDE-FGHJK", "new_password": "lại một mật khẩu khác"}),
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert!(limited, "repeated wrong codes must be refused with 429");
}

#[tokio::test]
async fn a_reset_needs_a_code_or_a_link_and_a_long_enough_password() {
    let app = spawn_app().await;
    let (status, body) = reset(&app, &json!({"new_password": NEW_PASSWORD})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = reset(&app, &json!({"token": "x", "new_password": "ngắn"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("new_password"), "{body}");
}

#[tokio::test]
async fn an_emailed_link_resets_a_password_once() {
    let Some(sink) = smtp_sink().await else {
        return;
    };
    let app = spawn_app_with(|s| s.mail = Some(sink.settings("http://cuocthi.test"))).await;
    app.seed_units().await;
    let mut body = registration("0912345602");
    body["email"] = json!("an.nguyen@example.vn");
    let (status, body) = json_of(app.register(&body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let old_token = app.token("0912345602", PASSWORD).await;

    // An unknown address: the same answer, and nothing sent.
    let unknown = app
        .post_json(
            "/api/v1/auth/forgot",
            None,
            &json!({"email": "khong-ai@example.vn"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let unknown = unknown.text().await.unwrap();
    let known = app
        .post_json(
            "/api/v1/auth/forgot",
            None,
            &json!({"email": "An.Nguyen@example.vn"}),
        )
        .await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(known.text().await.unwrap(), unknown);

    let mail = wait_for_messages(&sink.dir, 1).await;
    assert_eq!(
        mail.len(),
        1,
        "only the known address gets an email: {mail:?}"
    );
    let message = &mail[0];
    assert!(message.contains("an.nguyen@example.vn"), "{message}");
    assert!(!message.contains("khong-ai"), "{message}");
    let path = crate::common::smtp::reset_link(message, "http://cuocthi.test");
    let token = path.split("token=").nth(1).unwrap().to_owned();

    // The link opens the new-password page.
    let page = app.get(&path, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Đặt lại mật khẩu"));

    let (status, body) = reset(&app, &json!({"token": token, "new_password": NEW_PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.me(&old_token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_status(&app, "an.nguyen@example.vn", NEW_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&app, "0912345602", NEW_PASSWORD).await,
        StatusCode::OK
    );

    // Single use.
    let (status, body) = reset(
        &app,
        &json!({"token": token, "new_password": "lại một mật khẩu khác"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_code");
}

#[tokio::test]
async fn an_organiser_issues_a_code_in_the_console_and_the_participant_resets_on_the_page() {
    use crate::pages::{browser, csrf_of, log_in, page};
    let app = spawn_app().await;
    app.seed_contest().await;
    let old_token = app.participant("0912345603").await;
    let id = app.id_of(&old_token).await;

    let staff = browser();
    log_in(&staff, &app, "btc@example.vn", STAFF_PASSWORD).await;
    let (_, _, html) = page(&staff, &app, "/organiser/participants").await;
    assert!(html.contains("Cấp mã đặt lại"), "{html}");
    let r = staff
        .post(app.url(&format!("/organiser/participants/{id}/reset-code")))
        .form(&[("csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let start = html.find("<code>").expect("the code shown") + "<code>".len();
    let code = html[start..start + 11].to_owned();

    let person = browser();
    let (_, _, login) = page(&person, &app, "/login").await;
    assert!(
        login.contains("/quen-mat-khau"),
        "the login page links to recovery"
    );
    let (status, _, html) = page(&person, &app, "/quen-mat-khau").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&html);
    let post = |code: String| {
        person
            .post(app.url("/quen-mat-khau"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", "0912345603"),
                ("code", code.as_str()),
                ("new_password", NEW_PASSWORD),
            ])
            .send()
    };
    let wrong = post("ABCDE-FGHJK".into()).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.text().await.unwrap().contains("không đúng"));
    let done = post(code.clone()).await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("Đã đặt lại mật khẩu"));
    assert_eq!(app.me(&old_token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_status(&app, "0912345603", NEW_PASSWORD).await,
        StatusCode::OK
    );
    let again = post(code).await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}
