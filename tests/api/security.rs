//! Issue #8: voided and deleted accounts.

use cuocthi::accounts::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, json_of, spawn_app};

const PASSWORD: &str = "mật khẩu an toàn";

/// A CSRF token pair a page form accepts (double submit: the cookie and the field agree).
const CSRF: &str = "csrf-token-for-tests-0123456789abcdef";

/// Posts a page form the way a browser does: the CSRF cookie, the login cookie (if any),
/// and the token in the form.
async fn post_form(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut cookie = format!("cuocthi_csrf={CSRF}");
    if let Some(token) = token {
        cookie.push_str(&format!("; cuocthi_token={token}"));
    }
    let mut form = vec![("csrf", CSRF)];
    form.extend_from_slice(fields);
    app.client
        .post(app.url(path))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn id_of(app: &TestApp, token: &str) -> i64 {
    let (status, me) = json_of(app.me(token).await).await;
    assert_eq!(status, 200, "{me}");
    me["id"].as_i64().unwrap()
}

// --- Voided and deleted accounts -------------------------------------------------------

#[tokio::test]
async fn voiding_a_participant_revokes_their_tokens_and_refuses_their_login() {
    // Arrange
    let app = spawn_app().await;
    app.seed_units().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let token = app.participant("0912000001").await;
    let id = id_of(&app, &token).await;

    // Act
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/participants/{id}/void"),
            Some(&organiser),
            &json!({"reason": "Tài khoản trùng"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Assert: the old token is dead, a right password gets 403 account_voided, a wrong
    // one the usual 401 (the answer does not tell a guesser that the account is voided).
    assert_eq!(app.me(&token).await.status(), 401);
    let (status, body) = json_of(app.login("0912000001", PASSWORD).await).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "account_voided");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("đã bị Ban Tổ chức huỷ kết quả")
    );
    let (status, body) = json_of(app.login("0912000001", "sai mật khẩu").await).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("invalid_credentials"))
    );

    // The login page says so too, and sets no login cookie.
    let r = post_form(
        &app,
        "/login",
        None,
        &[("login", "0912000001"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(
        !r.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("cuocthi_token="))
    );
    let html = r.text().await.unwrap();
    assert!(
        html.contains("đã bị Ban Tổ chức huỷ kết quả, không thể đăng nhập"),
        "{html}"
    );

    // Restored: a new login works; the token from before the void stays dead.
    app.post_json(
        &format!("/api/v1/participants/{id}/unvoid"),
        Some(&organiser),
        &json!({}),
    )
    .await;
    let fresh = app.token("0912000001", PASSWORD).await;
    assert_eq!(app.me(&fresh).await.status(), 200);
    assert_eq!(app.me(&token).await.status(), 401);
}

#[tokio::test]
async fn voiding_from_the_organiser_console_revokes_tokens_too() {
    let app = spawn_app().await;
    app.seed_units().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let token = app.participant("0912000001").await;
    let id = id_of(&app, &token).await;

    let r = post_form(
        &app,
        &format!("/organiser/participants/{id}/void"),
        Some(&organiser),
        &[("reason", "Thi hộ")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    assert_eq!(app.me(&token).await.status(), 401);
    // A page with the old cookie treats the visitor as signed out.
    let r = app
        .client
        .get(app.url("/me"))
        .header("cookie", format!("cuocthi_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
}

#[tokio::test]
async fn a_deleted_users_token_is_refused() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    app.seed_units().await;
    let token = app.participant("0912000001").await;
    let id = id_of(&app, &token).await;

    cuocthi::entities::user::Entity::delete_by_id(id)
        .exec(&app.state.db.write)
        .await
        .unwrap();

    let (status, body) = json_of(app.me(&token).await).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let r = app
        .client
        .get(app.url("/me"))
        .header("cookie", format!("cuocthi_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "a page treats it as signed out"
    );
}
