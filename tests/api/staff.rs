//! Staff accounts managed by admins (#16 point 2): the API and the console pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::pages::{browser, csrf_of, log_in, page};
use cuocthi::accounts::Role;

async fn patch(app: &TestApp, token: &str, id: i64, body: &Value) -> (StatusCode, Value) {
    json_of(
        app.client
            .patch(app.url(&format!("/api/v1/staff/{id}")))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn login(app: &TestApp, login: &str, password: &str) -> (StatusCode, Value) {
    json_of(
        app.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"login": login, "password": password}),
        )
        .await,
    )
    .await
}

async fn create(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    json_of(app.post_json("/api/v1/staff", Some(token), &body).await).await
}

async fn actions(app: &TestApp, action: &str) -> Vec<Value> {
    cuocthi::audit::list(&app.state.db.read, 200, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.details)
        .collect()
}

#[tokio::test]
async fn an_admin_creates_disables_and_restores_a_judge_over_the_api() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin, "quantri@example.vn").await;

    // Created with a generated password, returned this once.
    let (status, created) = create(
        &app,
        &admin,
        json!({"login": "GiamKhao@Example.vn", "full_name": "Trần Thị Bình", "role": "judge"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["role"], "judge");
    assert_eq!(created["login"], "giamkhao@example.vn");
    assert_eq!(created["disabled"], false);
    let password = created["password"].as_str().unwrap().to_owned();
    let judge_id = created["id"].as_i64().unwrap();
    let judge = app.token("giamkhao@example.vn", &password).await;
    assert_eq!(app.get("/api/v1/me", Some(&judge)).await.status(), 200);

    // A chosen password is not echoed back.
    let (status, chosen) = create(&app, &admin, json!({"login": "btc@example.vn", "full_name": "Lê Văn Cường", "role": "organiser", "password": "mật khẩu ban tổ chức"})).await;
    assert_eq!(status, 201, "{chosen}");
    assert!(chosen.get("password").is_none(), "{chosen}");
    app.token("btc@example.vn", "mật khẩu ban tổ chức").await;

    // Bad input: each a 4xx with its code, nothing created.
    for (body, status, code) in [
        (
            json!({"login": "x@example.vn", "full_name": "Người Dự Thi", "role": "participant"}),
            422,
            "invalid",
        ),
        (
            json!({"login": "not-an-email", "full_name": "Người Mới", "role": "judge"}),
            422,
            "invalid",
        ),
        (
            json!({"login": "y@example.vn", "full_name": "Người Mới", "role": "judge", "password": "short"}),
            422,
            "invalid",
        ),
        (
            json!({"login": "giamkhao@example.vn", "full_name": "Người Mới", "role": "judge"}),
            409,
            "email_taken",
        ),
        (
            json!({"login": "z@example.vn", "full_name": "Người Mới", "role": "chief"}),
            400,
            "invalid_json",
        ),
    ] {
        let (got, answer) =
            json_of(app.post_json("/api/v1/staff", Some(&admin), &body).await).await;
        assert_eq!(
            (got.as_u16(), answer["error"]["code"].as_str().unwrap()),
            (status, code),
            "{body} → {answer}"
        );
    }
    let (_, list) = json_of(app.get("/api/v1/staff", Some(&admin)).await).await;
    let logins: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins.len(), 3, "{list}");
    assert!(logins.contains(&"giamkhao@example.vn") && logins.contains(&"quantri@example.vn"));

    // Disabled: the judge's token dies at once and a right password gets no new one.
    let (status, body) = patch(&app, &admin, judge_id, &json!({"disabled": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["disabled"], true);
    assert_eq!(app.get("/api/v1/me", Some(&judge)).await.status(), 401);
    let (status, body) = login(&app, "giamkhao@example.vn", &password).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str().unwrap()),
        (403, "account_disabled")
    );

    // Enabled again, then made an organiser: the new role is the one signed in with.
    let (status, _) = patch(&app, &admin, judge_id, &json!({"disabled": false})).await;
    assert_eq!(status, 200);
    let (status, body) = patch(&app, &admin, judge_id, &json!({"role": "organiser"})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = login(&app, "giamkhao@example.vn", &password).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["role"], "organiser");

    // Audited with before and after, never with a password.
    let updates = actions(&app, "staff.update").await;
    assert_eq!(updates.len(), 3, "{updates:?}");
    assert!(
        updates
            .iter()
            .any(|d| d["before"]["role"] == "judge" && d["after"]["role"] == "organiser")
    );
    assert!(
        updates
            .iter()
            .any(|d| d["before"]["disabled"] == false && d["after"]["disabled"] == true)
    );
    assert_eq!(actions(&app, "staff.create").await.len(), 2);
    let trail = serde_json::to_string(
        &cuocthi::audit::list(&app.state.db.read, 200, 0)
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(!trail.contains(&password) && !trail.contains("mật khẩu ban tổ chức"));
}

#[tokio::test]
async fn the_last_admin_stays_and_only_admins_manage_staff() {
    let app = spawn_app().await;
    app.seed_units().await;
    let admin = app.staff(Role::Admin, "quantri@example.vn").await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let participant = app.participant("0912345678").await;
    let (_, me) = json_of(app.get("/api/v1/me", Some(&admin)).await).await;
    let admin_id = me["id"].as_i64().unwrap();

    for change in [json!({"role": "judge"}), json!({"disabled": true})] {
        let (status, body) = patch(&app, &admin, admin_id, &change).await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str().unwrap()),
            (409, "last_admin"),
            "{change}"
        );
    }
    let (status, body) = patch(&app, &admin, admin_id, &json!({})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = patch(&app, &admin, admin_id, &json!({"role": "participant"})).await;
    assert_eq!(status, 422, "{body}");
    // A participant is no staff account: not found here.
    let (_, p) = json_of(app.get("/api/v1/me", Some(&participant)).await).await;
    let (status, _) = patch(
        &app,
        &admin,
        p["id"].as_i64().unwrap(),
        &json!({"role": "judge"}),
    )
    .await;
    assert_eq!(status, 404);

    // With a second admin, the first may step down.
    let (status, second) = create(
        &app,
        &admin,
        json!({"login": "quantri2@example.vn", "full_name": "Phạm Văn Dũng", "role": "admin"}),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    let (status, body) = patch(&app, &admin, admin_id, &json!({"role": "judge"})).await;
    assert_eq!(status, 200, "{body}");
    // The old admin token died with the change of role.
    assert_eq!(app.get("/api/v1/staff", Some(&admin)).await.status(), 401);

    // Organisers and participants do not manage staff.
    for token in [&organiser, &participant] {
        assert_eq!(app.get("/api/v1/staff", Some(token)).await.status(), 403);
    }
    let second_admin = app
        .token("quantri2@example.vn", second["password"].as_str().unwrap())
        .await;
    let (status, issued) = json_of(
        app.post_json(
            &format!("/api/v1/staff/{admin_id}/password"),
            Some(&second_admin),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{issued}");
    app.token("quantri@example.vn", issued["password"].as_str().unwrap())
        .await;
}

#[tokio::test]
async fn an_admin_creates_a_judge_in_the_console_who_then_signs_in() {
    let app = spawn_app().await;
    app.staff(Role::Admin, "quantri@example.vn").await;
    let b = browser();
    log_in(&b, &app, "quantri@example.vn", STAFF_PASSWORD).await;
    let (status, _, html) = page(&b, &app, "/admin").await;
    assert_eq!(status, 200);
    assert!(html.contains("Tạo tài khoản cán bộ") && html.contains("quantri@example.vn"));
    let csrf = csrf_of(&html);

    let r = b
        .post(app.url("/admin/staff"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "giamkhao@example.vn"),
            ("full_name", "Trần Thị Bình"),
            ("role", "judge"),
            ("password", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let start = html
        .find("id=\"issued-password\">")
        .expect("the password shown once")
        + 21;
    let password = html[start..start + html[start..].find('<').unwrap()].to_owned();
    assert_eq!(password.len(), 16, "{password}");
    // Shown once: the console does not show it again.
    let (_, _, again) = page(&b, &app, "/admin").await;
    assert!(!again.contains(&password) && again.contains("giamkhao@example.vn"));

    let judge = browser();
    log_in(&judge, &app, "giamkhao@example.vn", &password).await;
    assert_eq!(
        judge.get(app.url("/judge")).send().await.unwrap().status(),
        200
    );

    // Disabled from the console: the judge's session ends.
    let (_, list) = json_of(
        app.get(
            "/api/v1/staff",
            Some(&app.token("quantri@example.vn", STAFF_PASSWORD).await),
        )
        .await,
    )
    .await;
    let judge_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == "judge")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = b
        .post(app.url(&format!("/admin/staff/{judge_id}")))
        .form(&[("csrf", csrf.as_str()), ("disabled", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("đã khoá"));
    let r = judge.get(app.url("/judge")).send().await.unwrap();
    assert_ne!(r.status(), 200, "a disabled judge still reads the console");

    // The last admin cannot lock themself out from the console either.
    let (_, me) = json_of(
        app.get(
            "/api/v1/me",
            Some(&app.token("quantri@example.vn", STAFF_PASSWORD).await),
        )
        .await,
    )
    .await;
    let r = b
        .post(app.url(&format!("/admin/staff/{}", me["id"])))
        .form(&[("csrf", csrf.as_str()), ("role", "judge")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("quản trị viên cuối cùng"));
}
