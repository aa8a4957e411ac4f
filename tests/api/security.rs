//! Issue #8: voided and deleted accounts, rate limits on logins and registrations, slow
//! clients, and cross-site requests riding on the login cookie. Issue #13: limits that
//! stop the guesser without locking the account's owner out, and on "change password".

use std::time::Duration;

use cuocthi::accounts::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, json_of, registration, round_spec, spawn_app, spawn_app_with};

const PASSWORD: &str = "mật khẩu an toàn";

/// A CSRF token pair a page form accepts (double submit: the cookie and the field agree).
const CSRF: &str = "csrf-token-for-tests-0123456789abcdef";

/// Posts a page form the way a browser does: the CSRF cookie, the login cookie (if any),
/// and the token in the form.
pub(crate) async fn post_form(
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

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds")
}

/// Asserts a JSON 429 `rate_limited` with a `Retry-After` of 1..=`max` seconds that
/// matches the body's `retry_after`.
pub(crate) async fn assert_limited(response: reqwest::Response, max: u64) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&response);
    assert!((1..=max).contains(&wait), "Retry-After {wait}");
    let (_, body) = json_of(response).await;
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert_eq!(body["error"]["retry_after"], wait);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("thử lại")
    );
}

// --- Voided and deleted accounts -------------------------------------------------------

#[tokio::test]
async fn voiding_a_participant_revokes_their_tokens_and_refuses_their_login() {
    // Arrange
    let app = spawn_app().await;
    app.seed_units().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    let token = app.participant("0912000001").await;
    let id = app.id_of(&token).await;

    // Act
    app.void(&organiser, id, "Tài khoản trùng").await;

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
    let id = app.id_of(&token).await;

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
    let id = app.id_of(&token).await;

    cuocthi::entities::user::Entity::delete_by_id(id)
        .exec(&app.state.db.write)
        .await
        .unwrap();
    // The app has no delete of its own: whoever deletes a user row forgets it in the
    // signed-in-user cache, as every change made through the app does (a change made on
    // another instance shows within `USER_CACHE_TTL`).
    app.state.users.remove(&id).await;

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

// --- Rate limits ------------------------------------------------------------------------

/// Limits small enough to reach in a test; the hour-long window keeps them from refilling
/// while it runs (no sleeps, no flakes).
fn small_limits(per_ip: u32, per_account: u32) -> impl FnOnce(&mut cuocthi::settings::Settings) {
    move |s| {
        s.auth_limits.per_ip = per_ip;
        s.auth_limits.ip_window = Duration::from_secs(3600);
        s.auth_limits.per_account = per_account;
        s.auth_limits.account_window = Duration::from_secs(3600);
    }
}

#[tokio::test]
async fn logins_and_registrations_past_the_per_ip_limit_get_429_with_retry_after() {
    // Arrange: 3 per hour from one address; a registration counts like a login.
    let app = spawn_app_with(small_limits(3, 0)).await;
    app.seed_units().await;
    assert_eq!(
        app.register(&registration("0912000001")).await.status(),
        201
    );
    assert_eq!(app.login("0912000001", PASSWORD).await.status(), 200);
    assert_eq!(app.login("0912000001", "sai").await.status(), 401);

    // Act / Assert: the 4th is refused before any password is hashed, whatever it is…
    assert_limited(app.login("0912000001", PASSWORD).await, 1200).await;
    assert_limited(app.register(&registration("0912000002")).await, 1200).await;
    // …and a forged X-Forwarded-For does not help: no proxy is trusted.
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({"login": "0912000001", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_limited(r, 1200).await;

    // The pages share the limit: 429, the reason shown, Retry-After set.
    for (path, fields) in [
        (
            "/login",
            vec![("login", "0912000001"), ("password", PASSWORD)],
        ),
        (
            "/register",
            vec![("phone", "0912000003"), ("password", PASSWORD)],
        ),
    ] {
        let r = post_form(&app, path, None, &fields).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert!(retry_after(&r) >= 1);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Bạn thao tác quá nhiều lần"),
            "{path}: {html}"
        );
    }

    // Signed-in work is not limited.
    let user = cuocthi::accounts::find_by_login(&app.state.db.read, "0912000001")
        .await
        .unwrap()
        .unwrap();
    let token = app
        .state
        .tokens
        .issue(user.id, user.token_version, chrono::Utc::now())
        .unwrap()
        .token;
    assert_eq!(app.me(&token).await.status(), 200);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_app_with(|s| {
        small_limits(2, 0)(s);
        s.auth_limits.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let login_from = |forwarded: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"login": "0912000001", "password": "sai"}))
            .send()
    };
    assert_eq!(login_from("198.51.100.7").await.unwrap().status(), 401);
    assert_eq!(login_from("198.51.100.7").await.unwrap().status(), 401);
    assert_limited(login_from("198.51.100.7").await.unwrap(), 1800).await;

    // Another client behind the same proxy is unaffected…
    assert_eq!(login_from("198.51.100.8").await.unwrap().status(), 401);
    // …but a client cannot pick its address: the proxy appends the real one, and the
    // right-most untrusted hop is the one that counts.
    assert_limited(login_from("203.0.113.1, 198.51.100.7").await.unwrap(), 1800).await;
}

#[tokio::test]
async fn failed_logins_past_the_per_account_limit_get_429_for_that_account_only() {
    // Arrange
    let app = spawn_app_with(small_limits(0, 3)).await;
    app.seed_units().await;
    app.participant("0912000001").await;
    app.participant("0912000002").await;
    // Right passwords do not count.
    for _ in 0..5 {
        assert_eq!(app.login("0912000001", PASSWORD).await.status(), 200);
    }

    // Act: three wrong guesses.
    for _ in 0..3 {
        assert_eq!(app.login("0912000001", "đoán mò").await.status(), 401);
    }

    // Assert: this client is kept out of the account for now, even with the right password
    // and in another spelling of the number, on the API and the page.
    assert_limited(app.login("0912000001", PASSWORD).await, 1200).await;
    assert_limited(app.login("+84 912 000 001", PASSWORD).await, 1200).await;
    let r = post_form(
        &app,
        "/login",
        None,
        &[("login", "0912000001"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) >= 1);
    // Another account from the same address is unaffected.
    assert_eq!(app.login("0912000002", PASSWORD).await.status(), 200);
    assert_eq!(app.login("0912000002", "đoán mò").await.status(), 401);
}

#[tokio::test]
async fn registering_one_phone_over_and_over_is_limited_per_account() {
    // A 409 says whether a number is registered: repeated tries on one number (from one
    // client) are limited.
    let app = spawn_app_with(small_limits(0, 2)).await;
    app.seed_units().await;
    assert_eq!(
        app.register(&registration("0912000001")).await.status(),
        201
    );
    assert_eq!(
        app.register(&registration("0912000001")).await.status(),
        409
    );
    assert_eq!(
        app.register(&registration("+84912000001")).await.status(),
        409
    );
    assert_limited(app.register(&registration("0912000001")).await, 1800).await;
    assert_eq!(
        app.register(&registration("0912000002")).await.status(),
        201
    );
}

/// `small_limits` with a ceiling per account, behind a proxy trusted to name the client
/// (so that each test request can come from an address of its choosing).
pub(crate) fn limits_behind_proxy(
    per_client: u32,
    ceiling: u32,
) -> impl FnOnce(&mut cuocthi::settings::Settings) {
    move |s| {
        small_limits(0, per_client)(s);
        s.auth_limits.account_ceiling = ceiling;
        s.auth_limits.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    }
}

/// A JSON login from client `ip` (through the trusted proxy).
pub(crate) async fn login_from(
    app: &TestApp,
    ip: &str,
    login: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_attacker_making_failed_logins_is_limited_but_the_owner_still_gets_in() {
    // Arrange: the defaults' 10 failures per account and client, a ceiling of 50.
    let app = spawn_app_with(limits_behind_proxy(10, 50)).await;
    app.seed_units().await;
    app.participant("0912000001").await;

    // Act: 20 wrong guesses from one address, all at once.
    let guesses = (0..20).map(|_| login_from(&app, "198.51.100.7", "0912000001", "đoán mò"));
    let mut statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort_unstable();

    // Assert: the attacker is limited after 10 (simultaneous guesses do not slip past
    // together)…
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10..], [429; 10]);
    assert_limited(
        login_from(&app, "198.51.100.7", "+84 912 000 001", PASSWORD).await,
        1200,
    )
    .await;
    // …and the owner, from their own address, signs in at once.
    let r = login_from(&app, "203.0.113.5", "0912000001", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn registering_a_victims_phone_never_keeps_the_victim_from_logging_in() {
    // Arrange
    let app = spawn_app_with(limits_behind_proxy(10, 50)).await;
    app.seed_units().await;
    app.participant("0912000001").await;
    let register_from = |ip: &'static str, phone: &str| {
        app.client
            .post(app.url("/api/v1/auth/register"))
            .header("x-forwarded-for", ip)
            .json(&registration(phone))
            .send()
    };

    // Act: 20 registrations of the victim's number in every spelling, from the victim's
    // own address (an office NAT).
    let spellings = [
        "0912000001",
        "+84912000001",
        "84 912 000 001",
        "0912.000.001",
    ];
    let mut statuses = Vec::new();
    for i in 0..20 {
        let r = register_from("203.0.113.5", spellings[i % 4])
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }

    // Assert: the registrations were limited on their own…
    assert_eq!(statuses[..10], [409; 10]);
    assert_eq!(statuses[10..], [429; 10]);
    // …and the victim's login never counted them.
    let r = login_from(&app, "203.0.113.5", "0912000001", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn past_the_ceiling_only_browsers_that_signed_in_before_get_in() {
    // Arrange: 3 failures per client, 5 per account from unknown clients. The owner has
    // signed in from their phone's browser once (it holds the device cookie).
    let app = spawn_app_with(limits_behind_proxy(3, 5)).await;
    app.seed_units().await;
    app.participant("0912000001").await;
    let phone = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let browser_login = |ip: &'static str, password: &'static str| {
        phone
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .header("x-requested-with", "fetch")
            .json(&json!({"login": "0912000001", "password": password}))
            .send()
    };
    let r = browser_login("203.0.113.5", PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let device = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("cuocthi_device="))
        .expect("a device cookie");
    assert!(device.contains("HttpOnly") && device.contains("SameSite=Lax"));

    // Act: guesses spread over addresses fill the ceiling.
    let mut statuses = Vec::new();
    for ip in ["198.51.100.1", "198.51.100.2"] {
        for _ in 0..3 {
            statuses.push(login_from(&app, ip, "0912000001", "đoán mò").await.status());
        }
    }

    // Assert: five failures, then every client unknown to the account waits, even with
    // the right password…
    assert_eq!(statuses.iter().filter(|s| s.as_u16() == 401).count(), 5);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    assert_limited(
        login_from(&app, "198.51.100.3", "0912000001", PASSWORD).await,
        1200,
    )
    .await;
    // …but the owner's browser is let through, from wherever it is now.
    let r = browser_login("192.0.2.44", PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Its own wrong guesses count for it alone.
    for _ in 0..3 {
        let r = browser_login("192.0.2.44", "gõ nhầm").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(browser_login("192.0.2.44", PASSWORD).await.unwrap(), 1200).await;
}

#[tokio::test]
async fn wrong_current_passwords_on_change_password_are_limited_like_failed_logins() {
    // Arrange: a stolen token, 3 failures allowed per account.
    let app = spawn_app_with(small_limits(0, 3)).await;
    app.seed_units().await;
    let stolen = app.participant("0912000001").await;
    let other = app.participant("0912000002").await;
    async fn change(app: &TestApp, token: &str, current: &str) -> reqwest::Response {
        let body = json!({"current_password": current, "new_password": "mật khẩu mới hơn"});
        app.post_json("/api/v1/me/password", Some(token), &body)
            .await
    }

    // Act / Assert: three guesses are answered, then the account waits.
    for guess in ["đoán một", "đoán hai", "đoán ba"] {
        let (status, body) = json_of(change(&app, &stolen, guess).await).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"]["fields"]["current_password"].is_string());
    }
    assert_limited(change(&app, &stolen, "đoán bốn").await, 1200).await;
    assert_limited(change(&app, &stolen, PASSWORD).await, 1200).await;
    assert_eq!(
        app.login("0912000001", PASSWORD).await.status(),
        200,
        "the password did not change, and the login is not locked"
    );
    // Another account is unaffected.
    let (status, body) = json_of(change(&app, &other, PASSWORD).await).await;
    assert_eq!(status, 200, "{body}");
}

// --- Slow clients -----------------------------------------------------------------------

async fn short_timeouts() -> TestApp {
    spawn_app_with(|s| {
        s.timeouts.header = Duration::from_secs(1);
        s.timeouts.body = Duration::from_secs(1);
    })
    .await
}

/// Everything the server sends until it closes the connection; fails if it does not
/// close within `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut received)).await;
    assert!(
        read.is_ok(),
        "the server kept the connection open: {:?}",
        String::from_utf8_lossy(&received)
    );
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_disconnected() {
    let app = short_timeouts().await;
    let mut stream = TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();

    let answer = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_client_that_stalls_its_body_gets_408_and_is_disconnected() {
    let app = short_timeouts().await;
    app.seed_units().await;
    let organiser = app.staff(Role::Organiser, "btc@example.vn").await;
    // A JSON body (login) and a raw upload (units import, signed in).
    for (path, auth) in [
        ("/api/v1/auth/login", String::new()),
        (
            "/api/v1/units/import",
            format!("Authorization: Bearer {organiser}\r\n"),
        ),
    ] {
        let mut stream = TcpStream::connect(app.address.trim_start_matches("http://"))
            .await
            .unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"login\": "
        );
        stream.write_all(head.as_bytes()).await.unwrap();

        let answer = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.contains("request_timeout"), "{path}: {answer}");
    }
    // The server is fine afterwards.
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}

// --- Cross-site requests on the login cookie ---------------------------------------------

#[tokio::test]
async fn cookie_authenticated_api_writes_need_x_requested_with() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let participant = app.participant("0912000001").await;
    let (_, attempt) = app.start(&participant, round).await;
    let attempt_id = attempt["attempt_id"].as_i64().unwrap();
    let choice = attempt["questions"][0]["options"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let with_cookie = |method: reqwest::Method, path: &str, token: &str| {
        app.client
            .request(method, app.url(path))
            .header("cookie", format!("cuocthi_token={token}"))
    };

    // Act / Assert: what a cross-site form could send is refused, before anything happens…
    let refused: Vec<(reqwest::RequestBuilder, &str)> = vec![
        (
            with_cookie(
                reqwest::Method::POST,
                "/api/v1/auth/logout-all",
                &participant,
            ),
            "logout-all",
        ),
        (
            with_cookie(
                reqwest::Method::POST,
                &format!("/api/v1/rounds/{round}/close"),
                &organiser,
            ),
            "close",
        ),
        (
            with_cookie(reqwest::Method::POST, "/api/v1/units/import", &organiser)
                .header("content-type", "text/plain")
                .body(crate::helpers::UNITS_CSV),
            "units",
        ),
        (
            with_cookie(
                reqwest::Method::POST,
                "/api/v1/banks?format=csv",
                &organiser,
            )
            .header("content-type", "text/plain")
            .body("x"),
            "banks",
        ),
        (
            with_cookie(
                reqwest::Method::PUT,
                &format!("/api/v1/attempts/{attempt_id}/answers/1"),
                &participant,
            )
            .json(&json!({"choices": [choice]})),
            "answer",
        ),
    ];
    for (request, what) in refused {
        let (status, body) = json_of(request.send().await.unwrap()).await;
        assert_eq!(status, 403, "{what}: {body}");
        assert_eq!(body["error"]["code"], "csrf", "{what}");
    }
    let (_, round_now) = json_of(app.get(&format!("/api/v1/rounds/{round}"), None).await).await;
    assert_ne!(round_now["status"], "closed", "{round_now}");
    assert_eq!(app.me(&participant).await.status(), 200, "not logged out");

    // …reads by cookie still work, and the page's own script (which adds the header) can
    // save answers; bearer clients need nothing more.
    let r = with_cookie(reqwest::Method::GET, "/api/v1/me", &participant)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = with_cookie(
        reqwest::Method::PUT,
        &format!("/api/v1/attempts/{attempt_id}/answers/1"),
        &participant,
    )
    .header("x-requested-with", "fetch")
    .json(&json!({"choices": [choice]}))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _): (StatusCode, Value) = app.save(&participant, attempt_id, 1, &[choice]).await;
    assert_eq!(status, 200);
    let r = with_cookie(
        reqwest::Method::POST,
        "/api/v1/auth/logout-all",
        &participant,
    )
    .header("x-requested-with", "fetch")
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.me(&participant).await.status(), 401);
}
