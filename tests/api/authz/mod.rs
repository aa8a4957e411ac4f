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
use serde_json::Value;

use crate::helpers::{
    PASSWORD, STAFF_PASSWORD, TEST_BANK, TestApp, json_of, round_spec, spawn_app,
};

mod table;

use table::cases;

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
    /// A document of the contest, and one the delete routes remove (API, page).
    documents: [i64; 3],
    /// An option of the attempt's first question.
    choice: String,
    /// The question revision the attempt drew first (the decision routes).
    question: i64,
    /// The participant the void routes act on.
    target: i64,
    /// The staff account the staff routes act on (no caller: its tokens may die).
    staff_target: i64,
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
    app.staff(Role::Judge, "bgk2@example.vn").await;
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
    let documents = [
        seed_document(app, &organiser, contest).await,
        seed_document(app, &organiser, contest).await,
        seed_document(app, &organiser, contest).await,
    ];
    World {
        contest,
        round,
        spare_rounds,
        bank,
        documents,
        attempt: attempt["attempt_id"].as_i64().unwrap(),
        choice: attempt["questions"][0]["options"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        question: {
            let a = app.attempt(attempt["attempt_id"].as_i64().unwrap()).await;
            cuocthi::contest::attempts::drawn_of(&a).unwrap()[0].question_id
        },
        target: user_id(app, "0912000004").await,
        staff_target: user_id(app, "bgk2@example.vn").await,
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

/// A PDF attached to the contest; its id.
async fn seed_document(app: &TestApp, organiser: &str, contest: i64) -> i64 {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/contests/{contest}/documents")))
        .bearer_auth(organiser)
        .header("content-type", "application/pdf")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// The smallest PDF the document routes accept.
const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

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
    // A route has several rows only when its pattern stands for several requests (a
    // download's `{format}`): no request is listed twice.
    let requests: BTreeSet<String> = cases.iter().map(|c| route_key(c.method, &c.path)).collect();
    assert_eq!(requests.len(), cases.len(), "a request has two rows");

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
/// organiser's, the judges' and the admin's consoles check the role before they read a
/// form or an upload): there an anonymous caller is sent to log in. With no token field at
/// all, the forms whose fields
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
            let guard_first = caller == 0
                && (case.route.starts_with("/organiser/")
                    || case.route.starts_with("/judge/")
                    || case.route.starts_with("/admin/"));
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
