use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cuocthi::accounts::Role;
use serde_json::json;

use crate::helpers::{TestApp, json_of, registration, spawn_app};

#[tokio::test]
async fn register_login_and_me_work_end_to_end() {
    let app = spawn_app().await;
    app.seed_units().await;

    let mut body = registration("+84 912 345 678");
    body["full_name"] = json!("  Nguye\u{302}\u{303}n   Va\u{306}n An ");
    body["email"] = json!("An@Example.VN");
    body["national_id"] = json!("086123456789");
    body["birth_date"] = json!("1990-05-31");
    let (status, created) = json_of(app.register(&body).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["full_name"], "Nguyễn Văn An");
    assert_eq!(created["category"], "official");
    assert_eq!(created["unit_code"], "SO-TP");

    // The phone logs in in either format.
    let (status, login) = json_of(app.login("0912345678", "mật khẩu an toàn").await).await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["user"]["role"], "participant");
    assert!(login["expires_at"].is_string());
    let token = login["token"].as_str().unwrap();

    let (status, me) = json_of(app.me(token).await).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], created["id"]);
    assert_eq!(me["phone"], "0912345678");
    assert_eq!(me["email"], "an@example.vn");
    assert_eq!(me["unit_name"], "Sở Tư pháp");

    // Email works as a login too.
    let (status, _) = json_of(app.login("an@example.vn", "mật khẩu an toàn").await).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn login_sets_an_http_only_cookie_that_the_api_accepts() {
    let app = spawn_app().await;
    app.seed_units().await;
    app.register(&registration("0912000001")).await;
    let response = app.login("0912000001", "mật khẩu an toàn").await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("a cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("cuocthi_token="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "Secure only behind HTTPS");
    let pair = cookie.split(';').next().unwrap();
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn a_duplicate_phone_in_either_format_is_a_conflict() {
    let app = spawn_app().await;
    app.seed_units().await;
    assert_eq!(
        app.register(&registration("0912345678")).await.status(),
        201
    );
    for phone in ["0912345678", "+84912345678", "84 912 345 678"] {
        let (status, body) = json_of(app.register(&registration(phone)).await).await;
        assert_eq!(status, 409, "{phone}");
        assert_eq!(body["error"]["code"], "phone_taken");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Số điện thoại")
        );
    }
}

/// The parts of a registration answer that do not depend on the new account's id.
fn without_id(mut body: serde_json::Value) -> serde_json::Value {
    body.as_object_mut().unwrap().remove("id");
    body
}

#[tokio::test]
async fn a_taken_national_id_or_email_gets_the_answer_of_a_free_one() {
    // Arrange: Lan registered with her CCCD and email.
    let app = spawn_app().await;
    app.seed_units().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let with = |phone: &str, national_id: &str, email: &str| {
        let mut body = registration(phone);
        body["national_id"] = json!(national_id);
        body["email"] = json!(email);
        body
    };
    let lan = with("0912000001", "086123456789", "lan@example.vn");
    assert_eq!(app.register(&lan).await.status(), 201);

    // Act: an outsider tries her CCCD and email, and a fresh pair, with new numbers.
    let taken = app
        .register(&with("0912000002", "086123456789", "lan@example.vn"))
        .await;
    let free = app
        .register(&with("0912000003", "086999999999", "moi@example.vn"))
        .await;

    // Assert: the same answer, so it tells nothing…
    let (taken_status, taken_body) = json_of(taken).await;
    let (free_status, free_body) = json_of(free).await;
    assert_eq!(taken_status, 201, "{taken_body}");
    assert_eq!(free_status, 201);
    assert_eq!(
        without_id(taken_body.clone()),
        without_id(free_body),
        "{taken_body}"
    );
    // …and the registrant's own account shows what they gave, as anyone's does.
    let token = app.token("0912000002", "mật khẩu an toàn").await;
    let (_, me) = json_of(app.me(&token).await).await;
    assert_eq!(me["national_id"], "086123456789");
    assert_eq!(me["email"], "lan@example.vn");
    // Same through the form: signed in and sent to "my results".
    let r = crate::security::post_form(
        &app,
        "/register",
        None,
        &[
            ("full_name", "Nguyễn Văn An"),
            ("phone", "0912000004"),
            ("national_id", "086123456789"),
            ("category", "official"),
            ("unit_code", "SO-TP"),
            ("password", "mật khẩu an toàn"),
            ("consent", "yes"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/me");

    // One account per person still holds: Lan keeps her CCCD and her email login, and the
    // organisers see every account that gave them, to void the ones that are not hers.
    assert_eq!(
        app.login("lan@example.vn", "mật khẩu an toàn")
            .await
            .status(),
        200
    );
    let (status, groups) = json_of(
        app.get("/api/v1/participants/duplicates", Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{groups}");
    let phones_of = |reason: &str| -> Vec<String> {
        groups
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["reason"] == reason)
            .flat_map(|g| g["participants"].as_array().unwrap().clone())
            .map(|p| p["phone"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        phones_of("same_national_id"),
        ["0912000001", "0912000002", "0912000004"]
    );
    assert_eq!(phones_of("same_email"), ["0912000001", "0912000002"]);
    let page = app
        .client
        .get(app.url("/organiser/duplicates"))
        .header("cookie", format!("cuocthi_token={organiser}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Cùng số CCCD") && page.contains("Cùng email"),
        "{page}"
    );
}

#[tokio::test]
async fn racing_registrations_with_one_national_id_all_succeed_and_one_holds_it() {
    // Arrange
    let app = spawn_app().await;
    app.seed_units().await;
    let body = |i: usize| {
        let mut body = registration(&format!("09120000{i:02}"));
        body["national_id"] = json!("086123456789");
        body
    };

    // Act: eight registrations at once with the same CCCD.
    let bodies: Vec<_> = (0..8).map(body).collect();
    let answers = futures_util::future::join_all(bodies.iter().map(|b| app.register(b))).await;

    // Assert: no conflict, no 500 from the unique index; exactly one account holds it.
    for answer in answers {
        let (status, body) = json_of(answer).await;
        assert_eq!(status, 201, "{body}");
    }
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let holders = cuocthi::entities::user::Entity::find()
        .filter(cuocthi::entities::user::Column::NationalId.eq("086123456789"))
        .count(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(holders, 1);
}

#[tokio::test]
async fn bad_fields_are_each_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.seed_units().await;
    let (status, body) = json_of(
        app.register(&json!({
            "full_name": "",
            "phone": "12345",
            "national_id": "12",
            "category": "martian",
            "unit_code": "NOWHERE",
            "password": "short",
        }))
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid");
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in ["full_name", "phone", "national_id", "password"] {
        assert!(fields.contains_key(field), "{field} not named: {body}");
    }

    // Unknown category and unit are named too, once the other fields are fine.
    let mut reg = registration("0912000003");
    reg["category"] = json!("martian");
    reg["unit_code"] = json!("NOWHERE");
    let (status, body) = json_of(app.register(&reg).await).await;
    assert_eq!(status, 422);
    let fields = body["error"]["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("category") && fields.contains_key("unit_code"),
        "{body}"
    );
    assert_eq!(
        app.login("0912000003", "mật khẩu an toàn").await.status(),
        401
    );
}

#[tokio::test]
async fn malformed_json_and_unknown_fields_get_a_coded_400() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_json");

    let mut reg = registration("0912000004");
    reg["is_admin"] = json!(true);
    let (status, body) = json_of(app.register(&reg).await).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_json");
}

#[tokio::test]
async fn an_unknown_login_and_a_wrong_password_get_identical_401s() {
    let app = spawn_app().await;
    app.seed_units().await;
    app.register(&registration("0912345678")).await;
    let unknown = app.login("0987654321", "mật khẩu an toàn").await;
    let wrong = app.login("0912345678", "wrong password").await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.status(), 401);
    let unknown = unknown.bytes().await.unwrap();
    let wrong = wrong.bytes().await.unwrap();
    assert_eq!(unknown, wrong);
    let body: serde_json::Value = serde_json::from_slice(&wrong).unwrap();
    assert_eq!(body["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn a_participant_token_on_an_organiser_endpoint_is_forbidden() {
    let app = spawn_app().await;
    app.seed_units().await;
    let token = app.participant("0912345678").await;
    let (status, body) = json_of(app.import_units(Some(&token), "code,name\n").await).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "forbidden");
    let (status, body) = json_of(app.import_units(None, "code,name\n").await).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");
    // A judge reads, but does not change the unit list.
    let judge = app.staff(Role::Judge, "judge@example.vn").await;
    assert_eq!(
        app.import_units(Some(&judge), "code,name\n").await.status(),
        403
    );
}

#[tokio::test]
async fn tampered_expired_unsigned_and_foreign_tokens_are_refused() {
    let app = spawn_app().await;
    app.seed_units().await;
    let token = app.participant("0912345678").await;
    assert_eq!(app.me(&token).await.status(), 200);
    let parts: Vec<&str> = token.split('.').collect();

    // Tampered payload: another user id, same signature.
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("999");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    // alg: none, no signature.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    // Expired: issued with the server's keys 13 hours ago (the lifetime is 12 hours).
    let me_id: i64 = claims_sub(parts[1]);
    let expired = app
        .state
        .tokens
        .issue(me_id, 0, chrono::Utc::now() - chrono::Duration::hours(13))
        .unwrap()
        .token;
    // Not yet valid: issued an hour in the future.
    let future = app
        .state
        .tokens
        .issue(me_id, 0, chrono::Utc::now() + chrono::Duration::hours(1))
        .unwrap()
        .token;
    // Signed with another secret.
    let foreign = cuocthi::accounts::token::TokenKeys::new(
        b"not the server secret, but long enough",
        std::time::Duration::from_secs(3600),
    )
    .unwrap()
    .issue(me_id, 0, chrono::Utc::now())
    .unwrap()
    .token;

    for (what, bad) in [
        ("tampered", forged),
        ("alg none", none),
        ("expired", expired),
        ("not yet valid", future),
        ("foreign secret", foreign),
        ("garbage", "abc.def.ghi".to_owned()),
    ] {
        let (status, body) = json_of(app.me(&bad).await).await;
        assert_eq!(status, 401, "{what} token accepted");
        assert_eq!(body["error"]["code"], "unauthorized", "{what}");
    }
}

fn claims_sub(payload: &str) -> i64 {
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sub"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_token_issued_before_a_password_change_is_refused() {
    let app = spawn_app().await;
    app.seed_units().await;
    let old = app.participant("0912345678").await;
    let (status, body) = json_of(
        app.post_json(
            "/api/v1/me/password",
            Some(&old),
            &json!({"current_password": "mật khẩu an toàn", "new_password": "mật khẩu mới hơn"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let new = body["token"].as_str().unwrap();
    assert_eq!(app.me(&old).await.status(), 401);
    assert_eq!(app.me(new).await.status(), 200);
    assert_eq!(
        app.login("0912345678", "mật khẩu an toàn").await.status(),
        401
    );
    assert_eq!(
        app.login("0912345678", "mật khẩu mới hơn").await.status(),
        200
    );
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing() {
    let app = spawn_app().await;
    app.seed_units().await;
    let token = app.participant("0912345678").await;
    let (status, body) = json_of(
        app.post_json(
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": "not it at all", "new_password": "mật khẩu mới hơn"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["current_password"].is_string());
    assert_eq!(app.me(&token).await.status(), 200);
}

#[tokio::test]
async fn logging_out_everywhere_revokes_every_token() {
    let app = spawn_app().await;
    app.seed_units().await;
    let first = app.participant("0912345678").await;
    let second = app.token("0912345678", "mật khẩu an toàn").await;
    let response = app
        .post_json("/api/v1/auth/logout-all", Some(&first), &json!({}))
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(app.me(&first).await.status(), 401);
    assert_eq!(app.me(&second).await.status(), 401);
    let fresh = app.token("0912345678", "mật khẩu an toàn").await;
    assert_eq!(app.me(&fresh).await.status(), 200);
}

/// `GET /me` as a page, with the login cookie.
pub(crate) async fn page_me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/me"))
        .header("cookie", format!("cuocthi_token={token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logging_out_revokes_that_token_and_no_other() {
    // Arrange: one participant signed in three times (three devices).
    let app = spawn_app().await;
    app.seed_units().await;
    let first = app.participant("0912345678").await;
    let second = app.token("0912345678", "mật khẩu an toàn").await;
    let third = app.token("0912345678", "mật khẩu an toàn").await;
    assert_eq!(page_me(&app, &first).await.status(), 200);

    // Act: the first logs out through the API, the third through the page.
    let response = app
        .post_json("/api/v1/auth/logout", Some(&first), &json!({}))
        .await;
    assert_eq!(response.status(), 204);
    let response = crate::security::post_form(&app, "/logout", Some(&third), &[]).await;
    assert_eq!(response.status(), 303);

    // Assert: those tokens are dead on the API and the pages…
    for token in [&first, &third] {
        let (status, body) = json_of(app.me(token).await).await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (401, Some("unauthorized"))
        );
        let r = page_me(&app, token).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login");
    }
    // …and the second device is still signed in.
    assert_eq!(app.me(&second).await.status(), 200);
    assert_eq!(page_me(&app, &second).await.status(), 200);
    // Logging out again, or without a token, is harmless.
    for token in [Some(first.as_str()), None] {
        let r = app
            .post_json("/api/v1/auth/logout", token, &json!({}))
            .await;
        assert_eq!(r.status(), 204);
    }
}
