//! The authorization matrix (issue #8): every route of `cuocthi::web::ROUTES` × every kind
//! of caller, against a table of expected statuses. A route missing from the table fails
//! the test, naming it, so a new route cannot ship without saying who may call it.
//!
//! Rules of the table:
//! - Callers, in column order: anonymous, the owning participant (owns the attempt in the
//!   paths), another participant, a voided participant (holding the token they had before
//!   being voided), a judge, an organiser, an admin.
//! - API routes authenticate with a bearer token; page routes with the login cookie, as a
//!   browser does. Every page POST carries a valid CSRF pair (cookie and form field), so
//!   the table shows the authorization outcome, not the CSRF check; a second test posts
//!   every page form *without* the pair and expects the CSRF 403 (or, where the role
//!   guard comes first, that guard's answer). A third test calls every unsafe API route
//!   with the cookie instead of a bearer token and no `X-Requested-With`: 403 `csrf`.
//! - `login` means a page's 303 to `/login` (a page's 401); `303` any other redirect.
//! - Each caller's token is issued fresh before each request (its current token version),
//!   so routes that revoke tokens (log out everywhere, password change) do not disturb
//!   later rows. Bodies are valid, or at least reach the authorization check.
//! - Nothing may answer 5xx.

use std::collections::BTreeSet;

use cuocthi::accounts::Role;
use cuocthi::web::ROUTES;
use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::{TEST_BANK, TestApp, UNITS_CSV, json_of, registration, round_spec, spawn_app};

const PASSWORD: &str = "mật khẩu an toàn";
const STAFF_PASSWORD: &str = "staff password";
const CSRF: &str = "csrf-token-for-tests-0123456789abcdef";
const CALLERS: [&str; 7] = [
    "anonymous",
    "owner",
    "other",
    "voided",
    "judge",
    "organiser",
    "admin",
];
/// The order callers are run in: those expected to be refused first, so a route that
/// changes something (closing a round…) is tried by the refused callers before it happens.
const RUN_ORDER: [usize; 7] = [0, 3, 4, 6, 2, 1, 5];

/// A request body.
enum Body {
    None,
    Json(Value),
    /// Page form fields (the CSRF field is added).
    Form(Vec<(String, String)>),
    /// A raw body with its content type.
    Raw(&'static str, Vec<u8>),
    /// A multipart form: fields (the CSRF field is added) and one file.
    Multipart(Vec<(&'static str, String)>, &'static str, Vec<u8>),
}

/// One row of the table: a route, the concrete path to call, a body per caller, and the
/// expected outcome per caller.
struct Case {
    method: &'static str,
    route: &'static str,
    path: String,
    body: Box<dyn Fn(usize) -> Body>,
    expect: &'static str,
}

/// The seeded world: ids the paths use, and who is who.
struct World {
    contest: i64,
    round: i64,
    /// Rounds the close routes may close (API, page).
    spare_rounds: [i64; 2],
    bank: i64,
    attempt: i64,
    /// An option of the attempt's first question.
    choice: String,
    /// The participant the void routes act on.
    target: i64,
    /// User ids per caller (anonymous has none).
    users: [Option<i64>; 7],
    voided_token: String,
}

async fn user_id(app: &TestApp, login: &str) -> i64 {
    cuocthi::accounts::find_by_login(&app.state.db.read, login)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn seed(app: &TestApp) -> World {
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let spare_rounds = [
        app.create_round(&organiser, contest, &round_spec()).await,
        app.create_round(&organiser, contest, &round_spec()).await,
    ];
    let owner = app.participant("0912000001").await;
    app.participant("0912000002").await;
    let voided_token = app.participant("0912000003").await;
    app.participant("0912000004").await;
    app.participant("0912000009").await;
    app.staff(Role::Judge, "bgk@example.vn").await;
    app.staff(Role::Admin, "qtv@example.vn").await;
    let (status, attempt) = app.start(&owner, round).await;
    assert!(status.is_success(), "{attempt}");
    let voided = user_id(app, "0912000003").await;
    app.void(&organiser, voided, "Tài khoản trùng").await;
    let bank = cuocthi::entities::bank::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.code == TEST_BANK)
        .unwrap()
        .id;
    World {
        contest,
        round,
        spare_rounds,
        bank,
        attempt: attempt["attempt_id"].as_i64().unwrap(),
        choice: attempt["questions"][0]["options"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        target: user_id(app, "0912000004").await,
        users: [
            None,
            Some(user_id(app, "0912000001").await),
            Some(user_id(app, "0912000002").await),
            Some(voided),
            Some(user_id(app, "bgk@example.vn").await),
            Some(user_id(app, "btc@example.vn").await),
            Some(user_id(app, "qtv@example.vn").await),
        ],
        voided_token,
    }
}

/// The token a caller presents now: freshly issued at the user's current version, except
/// the voided participant's, which is the one they held before being voided.
async fn token_of(app: &TestApp, world: &World, caller: usize) -> Option<String> {
    if caller == 3 {
        return Some(world.voided_token.clone());
    }
    let id = world.users[caller]?;
    let user = cuocthi::entities::user::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    Some(
        app.state
            .tokens
            .issue(id, user.token_version, chrono::Utc::now())
            .unwrap()
            .token,
    )
}

fn form(fields: &[(&str, &str)]) -> Body {
    Body::Form(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn none() -> Box<dyn Fn(usize) -> Body> {
    Box::new(|_| Body::None)
}

fn password_of(caller: usize) -> &'static str {
    if (1..=3).contains(&caller) {
        PASSWORD
    } else {
        STAFF_PASSWORD
    }
}

fn bank_toml(code: &str) -> Vec<u8> {
    let mut bank = cuocthi::banks::synthetic_bank(12);
    bank.code = code.into();
    cuocthi::banks::to_toml(&bank).into_bytes()
}

/// The table. Columns: anonymous, owner, other, voided, judge, organiser, admin.
fn cases(w: &World) -> Vec<Case> {
    let (c, r, b, a) = (w.contest, w.round, w.bank, w.attempt);
    let choice = w.choice.clone();
    let target = w.target;
    let mut cases = Vec::new();
    let mut row = |method: &'static str,
                   route: &'static str,
                   path: String,
                   body: Box<dyn Fn(usize) -> Body>,
                   expect: &'static str| {
        cases.push(Case {
            method,
            route,
            path,
            body,
            expect,
        })
    };
    let all_ok = "200 200 200 200 200 200 200";
    let organiser_page = "login 403 403 login 403 200 403";
    // Contest data is for judges and organisers; admins manage accounts (issue #13).
    let staff_page = "login 403 403 login 200 200 403";
    let staff_api = "401 403 403 401 200 200 403";
    let organiser_api = "401 403 403 401 403 200 403";

    // Pages.
    row("GET", "/healthz", "/healthz".into(), none(), all_ok);
    row(
        "GET",
        "/api/openapi.json",
        "/api/openapi.json".into(),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/static/{name}",
        "/static/app.css".into(),
        none(),
        all_ok,
    );
    row("GET", "/", "/".into(), none(), all_ok);
    row("GET", "/login", "/login".into(), none(), all_ok);
    row(
        "POST",
        "/login",
        "/login".into(),
        Box::new(|_| form(&[("login", "0912000009"), ("password", PASSWORD)])),
        "303 303 303 303 303 303 303",
    );
    row(
        "POST",
        "/logout",
        "/logout".into(),
        Box::new(|_| form(&[])),
        "303 303 303 303 303 303 303",
    );
    row("GET", "/register", "/register".into(), none(), all_ok);
    row(
        "POST",
        "/register",
        "/register".into(),
        Box::new(|caller| {
            let phone = format!("09130000{caller:02}");
            form(&[
                ("full_name", "Trần Thị Bình"),
                ("phone", &phone),
                ("category", "official"),
                ("unit_code", "SO-TP"),
                ("password", PASSWORD),
            ])
        }),
        "303 303 303 303 303 303 303",
    );
    row(
        "GET",
        "/me",
        "/me".into(),
        none(),
        "login 200 200 login 403 403 403",
    );
    row(
        "GET",
        "/contests/{id}",
        format!("/contests/{c}"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/rounds/{id}/leaderboard",
        format!("/rounds/{r}/leaderboard"),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/rounds/{id}/start",
        format!("/rounds/{r}/start"),
        Box::new(|_| form(&[])),
        "login 303 303 login 403 403 403",
    );
    row(
        "GET",
        "/attempts/{id}",
        format!("/attempts/{a}"),
        none(),
        "login 200 404 login 403 403 403",
    );
    {
        let choice = choice.clone();
        row(
            "POST",
            "/attempts/{id}",
            format!("/attempts/{a}"),
            Box::new(move |_| form(&[("q1", &choice)])),
            "login 303 404 login 403 403 403",
        );
    }
    row(
        "GET",
        "/attempts/{id}/result",
        format!("/attempts/{a}/result"),
        none(),
        "login 303 404 login 403 403 403",
    );
    row(
        "GET",
        "/organiser",
        "/organiser".into(),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/banks",
        "/organiser/banks".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/banks",
        "/organiser/banks".into(),
        Box::new(|caller| {
            Body::Multipart(
                vec![("format", "toml".into())],
                "bank.toml",
                bank_toml(&format!("authz-page-{caller}")),
            )
        }),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/banks/{id}",
        format!("/organiser/banks/{b}"),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/contests",
        "/organiser/contests".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/contests",
        "/organiser/contests".into(),
        Box::new(|caller| {
            let code = format!("authz-page-{caller}");
            form(&[
                ("code", &code),
                ("title", "Cuộc thi phân quyền"),
                ("categories", "official"),
            ])
        }),
        "login 403 403 login 403 303 403",
    );
    row(
        "GET",
        "/organiser/contests/{id}",
        format!("/organiser/contests/{c}"),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/contests/{id}/rounds",
        format!("/organiser/contests/{c}/rounds"),
        Box::new(|_| form(&[("title", "Tuần phân quyền")])),
        "login 403 403 login 403 422 403",
    );
    row(
        "POST",
        "/organiser/rounds/{id}/close",
        format!("/organiser/rounds/{}/close", w.spare_rounds[1]),
        Box::new(|_| form(&[])),
        "login 403 403 login 403 303 403",
    );
    row(
        "GET",
        "/organiser/rounds/{id}/items",
        format!("/organiser/rounds/{r}/items"),
        none(),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/units",
        "/organiser/units".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/units",
        "/organiser/units".into(),
        Box::new(|_| Body::Multipart(vec![], "units.csv", UNITS_CSV.as_bytes().to_vec())),
        organiser_page,
    );
    row(
        "GET",
        "/organiser/participants",
        "/organiser/participants".into(),
        none(),
        organiser_page,
    );
    row(
        "POST",
        "/organiser/participants/{id}/{action}",
        format!("/organiser/participants/{target}/unvoid"),
        Box::new(|_| form(&[])),
        "login 403 403 login 403 303 403",
    );
    row(
        "GET",
        "/organiser/duplicates",
        "/organiser/duplicates".into(),
        none(),
        organiser_page,
    );
    row("GET", "/judge", "/judge".into(), none(), staff_page);
    row(
        "GET",
        "/judge/rounds/{id}",
        format!("/judge/rounds/{r}"),
        none(),
        staff_page,
    );
    row(
        "GET",
        "/judge/rounds/{id}/units",
        format!("/judge/rounds/{r}/units"),
        none(),
        staff_page,
    );
    row(
        "GET",
        "/judge/attempts/{id}",
        format!("/judge/attempts/{a}"),
        none(),
        staff_page,
    );

    // API.
    row(
        "POST",
        "/api/v1/auth/register",
        "/api/v1/auth/register".into(),
        Box::new(|caller| Body::Json(registration(&format!("09140000{caller:02}")))),
        "201 201 201 201 201 201 201",
    );
    row(
        "POST",
        "/api/v1/auth/login",
        "/api/v1/auth/login".into(),
        Box::new(|_| Body::Json(json!({"login": "0912000009", "password": PASSWORD}))),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/auth/logout",
        "/api/v1/auth/logout".into(),
        none(),
        "204 204 204 204 204 204 204",
    );
    row(
        "POST",
        "/api/v1/auth/logout-all",
        "/api/v1/auth/logout-all".into(),
        none(),
        "401 204 204 401 204 204 204",
    );
    row(
        "GET",
        "/api/v1/me",
        "/api/v1/me".into(),
        none(),
        "401 200 200 401 200 200 200",
    );
    row(
        "POST",
        "/api/v1/me/password",
        "/api/v1/me/password".into(),
        Box::new(|caller| {
            Body::Json(json!({
                "current_password": password_of(caller),
                "new_password": password_of(caller),
            }))
        }),
        "401 200 200 401 200 200 200",
    );
    row(
        "GET",
        "/api/v1/units",
        "/api/v1/units".into(),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/units/import",
        "/api/v1/units/import".into(),
        Box::new(|_| Body::Raw("text/csv", UNITS_CSV.as_bytes().to_vec())),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/banks",
        "/api/v1/banks?format=toml".into(),
        Box::new(|caller| {
            Body::Raw(
                "application/toml",
                bank_toml(&format!("authz-api-{caller}")),
            )
        }),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/banks",
        "/api/v1/banks".into(),
        none(),
        staff_api,
    );
    row(
        "POST",
        "/api/v1/banks/check",
        "/api/v1/banks/check?format=toml".into(),
        Box::new(|_| Body::Raw("application/toml", bank_toml("authz-check"))),
        organiser_api,
    );
    row(
        "GET",
        "/api/v1/banks/{id}",
        format!("/api/v1/banks/{b}"),
        none(),
        staff_api,
    );
    row(
        "GET",
        "/api/v1/banks/{id}/export",
        format!("/api/v1/banks/{b}/export"),
        none(),
        staff_api,
    );
    row(
        "POST",
        "/api/v1/contests",
        "/api/v1/contests".into(),
        Box::new(|caller| {
            Body::Json(
                json!({"code": format!("authz-{caller}"), "title": "Cuộc thi phân quyền", "categories": ["official"]}),
            )
        }),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/contests",
        "/api/v1/contests".into(),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/contests/{id}",
        format!("/api/v1/contests/{c}"),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/contests/{id}/rounds",
        format!("/api/v1/contests/{c}/rounds"),
        Box::new(|_| Body::Json(round_spec())),
        "401 403 403 401 403 201 403",
    );
    row(
        "GET",
        "/api/v1/contests/{id}/leaderboard",
        format!("/api/v1/contests/{c}/leaderboard"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/contests/{id}/units",
        format!("/api/v1/contests/{c}/units"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/rounds",
        "/api/v1/rounds".into(),
        none(),
        "401 200 200 401 403 403 403",
    );
    row(
        "GET",
        "/api/v1/rounds/{id}",
        format!("/api/v1/rounds/{r}"),
        none(),
        all_ok,
    );
    row(
        "POST",
        "/api/v1/rounds/{id}/close",
        format!("/api/v1/rounds/{}/close", w.spare_rounds[0]),
        none(),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/rounds/{id}/attempts",
        format!("/api/v1/rounds/{r}/attempts"),
        Box::new(|_| Body::Json(json!({}))),
        "401 200 200 401 403 403 403",
    );
    row(
        "GET",
        "/api/v1/rounds/{id}/leaderboard",
        format!("/api/v1/rounds/{r}/leaderboard"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/rounds/{id}/units",
        format!("/api/v1/rounds/{r}/units"),
        none(),
        all_ok,
    );
    row(
        "GET",
        "/api/v1/attempts/{id}",
        format!("/api/v1/attempts/{a}"),
        none(),
        "401 200 404 401 200 200 403",
    );
    row(
        "GET",
        "/api/v1/attempts/{id}/verify",
        format!("/api/v1/attempts/{a}/verify"),
        none(),
        staff_api,
    );
    row(
        "GET",
        "/api/v1/audit",
        "/api/v1/audit".into(),
        none(),
        "401 403 403 401 200 200 200",
    );
    row(
        "GET",
        "/api/v1/contests/{id}/unusual-attempts",
        format!("/api/v1/contests/{c}/unusual-attempts"),
        none(),
        staff_api,
    );
    {
        let choice = choice.clone();
        row(
            "PUT",
            "/api/v1/attempts/{id}/answers/{question_id}",
            format!("/api/v1/attempts/{a}/answers/1"),
            Box::new(move |_| Body::Json(json!({"choices": [choice]}))),
            "401 200 404 401 403 403 403",
        );
    }
    row(
        "GET",
        "/api/v1/participants",
        "/api/v1/participants".into(),
        none(),
        organiser_api,
    );
    row(
        "GET",
        "/api/v1/participants/duplicates",
        "/api/v1/participants/duplicates".into(),
        none(),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/participants/{id}/void",
        format!("/api/v1/participants/{target}/void"),
        Box::new(|_| Body::Json(json!({"reason": "Kiểm tra phân quyền"}))),
        organiser_api,
    );
    row(
        "POST",
        "/api/v1/participants/{id}/unvoid",
        format!("/api/v1/participants/{target}/unvoid"),
        none(),
        organiser_api,
    );
    for (route, suffix) in [
        ("/api/v1/rounds/{id}/results.xlsx", "results.xlsx"),
        ("/api/v1/rounds/{id}/results.csv", "results.csv"),
    ] {
        row(
            "GET",
            route,
            format!("/api/v1/rounds/{r}/{suffix}"),
            none(),
            staff_api,
        );
    }
    for (route, suffix) in [
        ("/api/v1/contests/{id}/results.xlsx", "results.xlsx"),
        ("/api/v1/contests/{id}/results.csv", "results.csv"),
        ("/api/v1/contests/{id}/units.xlsx", "units.xlsx"),
        ("/api/v1/contests/{id}/units.csv", "units.csv"),
    ] {
        row(
            "GET",
            route,
            format!("/api/v1/contests/{c}/{suffix}"),
            none(),
            staff_api,
        );
    }
    row(
        "GET",
        "/api/v1/rounds/{id}/items",
        format!("/api/v1/rounds/{r}/items"),
        none(),
        organiser_api,
    );
    row(
        "GET",
        "/api/v1/rounds/{id}/items.csv",
        format!("/api/v1/rounds/{r}/items.csv"),
        none(),
        organiser_api,
    );
    // Last: submitting ends the owner's attempt.
    row(
        "POST",
        "/api/v1/attempts/{id}/submit",
        format!("/api/v1/attempts/{a}/submit"),
        Box::new(|_| Body::Json(json!({"prediction": 3}))),
        "401 200 404 401 403 403 403",
    );
    cases
}

/// A hand-made multipart body (reqwest's is not reusable across callers).
fn multipart(fields: &[(&str, String)], file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "authz-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// How a page form carries its CSRF token.
#[derive(Clone, Copy, PartialEq)]
enum Csrf {
    /// The cookie and the field agree, as in the site's own forms.
    Valid,
    /// A field an attacker made up, and no CSRF cookie (a cross-site form cannot set it).
    Forged,
    /// No CSRF field at all.
    Missing,
    /// (API routes) authenticated by the login cookie, without `X-Requested-With`: what
    /// a cross-site form could send.
    ApiCookie,
}

/// Sends one case as one caller.
async fn send(
    app: &TestApp,
    case: &Case,
    token: Option<&str>,
    body: Body,
    csrf: Csrf,
) -> reqwest::Response {
    let method = Method::from_bytes(case.method.as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(&case.path));
    let by_cookie = !case.route.starts_with("/api/") || csrf == Csrf::ApiCookie;
    if by_cookie {
        let mut cookie = if csrf == Csrf::Valid {
            format!("cuocthi_csrf={CSRF}")
        } else {
            String::new()
        };
        if let Some(token) = token {
            cookie.push_str(&format!("; cuocthi_token={token}"));
        }
        request = request.header("cookie", cookie.trim_start_matches("; ").to_owned());
    } else if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let csrf_field = match csrf {
        Csrf::Valid => Some(CSRF),
        Csrf::Forged => Some("forged-by-another-site-0123456789abcdef"),
        Csrf::Missing | Csrf::ApiCookie => None,
    };
    request = match body {
        Body::None => request,
        Body::Json(value) => request.json(&value),
        Body::Form(mut fields) => {
            fields.extend(csrf_field.map(|v| ("csrf".to_owned(), v.to_owned())));
            request.form(&fields)
        }
        Body::Raw(content_type, bytes) => request.header("content-type", content_type).body(bytes),
        Body::Multipart(mut fields, file_name, file) => {
            fields.extend(csrf_field.map(|v| ("csrf", v.to_owned())));
            let (content_type, bytes) = multipart(&fields, file_name, &file);
            request.header("content-type", content_type).body(bytes)
        }
    };
    request.send().await.expect("request")
}

/// The outcome as the table writes it: the status, or `login` for a redirect to it.
fn outcome(response: &reqwest::Response) -> String {
    let status = response.status();
    let to_login = status == StatusCode::SEE_OTHER
        && response
            .headers()
            .get("location")
            .is_some_and(|l| l == "/login");
    if to_login {
        "login".into()
    } else {
        status.as_u16().to_string()
    }
}

fn route_key(method: &str, path: &str) -> String {
    format!("{method} {path}")
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_table_says() {
    // Arrange
    let app = spawn_app().await;
    let world = seed(&app).await;
    let cases = cases(&world);

    // The table covers the route table exactly.
    let routes: BTreeSet<String> = ROUTES.iter().map(|r| route_key(r.method, r.path)).collect();
    let listed: Vec<String> = cases.iter().map(|c| route_key(c.method, c.route)).collect();
    let missing: Vec<&String> = routes.iter().filter(|r| !listed.contains(r)).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the authorization table: {missing:#?}"
    );
    let unknown: Vec<&String> = listed.iter().filter(|r| !routes.contains(*r)).collect();
    assert!(
        unknown.is_empty(),
        "rows for routes that do not exist: {unknown:#?}"
    );
    assert_eq!(listed.len(), routes.len(), "a route has two rows");

    // Act
    let mut wrong = Vec::new();
    for case in &cases {
        let expected: Vec<&str> = case.expect.split_whitespace().collect();
        assert_eq!(
            expected.len(),
            CALLERS.len(),
            "{} {}",
            case.method,
            case.route
        );
        let mut got = vec![String::new(); CALLERS.len()];
        for caller in RUN_ORDER {
            let token = token_of(&app, &world, caller).await;
            let response = send(
                &app,
                case,
                token.as_deref(),
                (case.body)(caller),
                Csrf::Valid,
            )
            .await;
            got[caller] = outcome(&response);
            assert!(
                !response.status().is_server_error(),
                "{} {} as {} answered {}: {}",
                case.method,
                case.path,
                CALLERS[caller],
                response.status(),
                response.text().await.unwrap_or_default()
            );
        }
        if got != expected {
            wrong.push(format!(
                "{} {}\n    expected {}\n    got      {}",
                case.method,
                case.route,
                expected.join(" "),
                got.join(" ")
            ));
        }
    }

    // Assert: every mismatch at once.
    assert!(
        wrong.is_empty(),
        "callers: {}\n{}",
        CALLERS.join(" "),
        wrong.join("\n")
    );
}

/// Page forms posted without the CSRF pair: what a cross-site form could send.
///
/// The rule: with a made-up token (and so no matching cookie), every page POST is refused
/// with 403 before it changes anything — except where the role guard comes first (the
/// organiser console checks the role before it reads a form or an upload): there an
/// anonymous caller is sent to log in. With no token field at all, the forms whose fields
/// are typed are refused by the form extractor (400 `invalid_form`) before the handler
/// runs; the others as with a made-up token. The organiser (allowed on every console
/// form) must be refused too. Nothing answers 5xx, nothing succeeds.
#[tokio::test]
async fn page_forms_without_the_csrf_pair_are_refused() {
    let app = spawn_app().await;
    let world = seed(&app).await;
    let cases = cases(&world);
    let mut wrong = Vec::new();
    for case in cases
        .iter()
        .filter(|c| c.method == "POST" && !c.route.starts_with("/api/"))
    {
        for caller in [0, 5] {
            let guard_first = caller == 0 && case.route.starts_with("/organiser/");
            for mode in [Csrf::Forged, Csrf::Missing] {
                let token = token_of(&app, &world, caller).await;
                let response = send(&app, case, token.as_deref(), (case.body)(caller), mode).await;
                let got = outcome(&response);
                let ok = match (mode, guard_first) {
                    (_, true) => got == "login" || (mode == Csrf::Missing && got == "400"),
                    (Csrf::Forged, false) => got == "403",
                    (_, false) => got == "403" || got == "400",
                };
                if !ok {
                    let mode = if mode == Csrf::Forged {
                        "forged"
                    } else {
                        "missing"
                    };
                    wrong.push(format!(
                        "{} as {} ({mode} token): got {got}",
                        case.route, CALLERS[caller]
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every unsafe API route, called with the login cookie instead of a bearer token and
/// without `X-Requested-With` (all a cross-site form can do), is refused with 403 `csrf`
/// before its handler runs — for every caller, signed in or not.
#[tokio::test]
async fn cookie_authenticated_api_writes_without_the_header_are_refused() {
    let app = spawn_app().await;
    let world = seed(&app).await;
    let cases = cases(&world);
    let mut wrong = Vec::new();
    for case in cases
        .iter()
        .filter(|c| c.route.starts_with("/api/") && c.method != "GET")
    {
        for (caller, name) in CALLERS.iter().enumerate().skip(1) {
            let token = token_of(&app, &world, caller).await;
            let response = send(
                &app,
                case,
                token.as_deref(),
                (case.body)(caller),
                Csrf::ApiCookie,
            )
            .await;
            let (status, body) = json_of(response).await;
            if status != 403 || body["error"]["code"] != "csrf" {
                wrong.push(format!(
                    "{} {} as {name}: {status} {body}",
                    case.method, case.route
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
