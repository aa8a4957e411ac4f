//! The bad-input sweep: every JSON endpoint that takes a body gets malformed JSON, wrong
//! types, huge and negative numbers, unknown fields, overlong strings, invalid UTF-8 and
//! lone surrogates — and must answer a 4xx with a stable `code` and a Vietnamese
//! `message`, never a 5xx, and write nothing. Vietnamese text sent decomposed (NFD) is
//! stored composed (NFC); control characters such as NUL (which PostgreSQL cannot store)
//! are dropped, as bank files drop them.
//!
//! The endpoints are a table of (method, path, token, valid body): adding an endpoint is
//! adding a row.

use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::helpers::{TestApp, json_of, registration, round_spec, spawn_app};
use cuocthi::entities::{answer, attempt, audit, contest, round, user};

/// One JSON endpoint with a body that it accepts.
struct Endpoint {
    method: Method,
    path: String,
    token: Option<String>,
    valid: Value,
    /// True when an empty body is valid too (it means "no data").
    optional_body: bool,
}

/// A stand-in a raw JSON text replaces once the body is serialised.
const RAW: &str = "\u{1}raw\u{1}";

/// One bad request: what it is, and its body bytes.
struct Bad {
    what: String,
    body: Vec<u8>,
}

/// Every leaf of a JSON value with its JSON pointer.
fn leaves(value: &Value, pointer: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(v, format!("{pointer}/{k}"), out);
            }
        }
        Value::Array(items) => {
            out.push((pointer.clone(), value.clone()));
            for (i, v) in items.iter().enumerate() {
                leaves(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => out.push((pointer, value.clone())),
    }
}

/// `body` with the value at `pointer` replaced by the raw JSON text `raw`.
fn with_raw(body: &Value, pointer: &str, raw: &[u8]) -> Vec<u8> {
    let mut body = body.clone();
    *body.pointer_mut(pointer).expect("pointer") = json!(RAW);
    let text = serde_json::to_vec(&body).unwrap();
    let marker = serde_json::to_vec(&json!(RAW)).unwrap();
    let at = text
        .windows(marker.len())
        .position(|w| w == marker.as_slice())
        .unwrap();
    [&text[..at], raw, &text[at + marker.len()..]].concat()
}

/// The bad variants of a valid body.
fn bad_variants(valid: &Value) -> Vec<Bad> {
    let raw = |what: &str, body: &[u8]| Bad {
        what: what.to_owned(),
        body: body.to_vec(),
    };
    let mut out = vec![
        raw("empty body", b""),
        raw("truncated JSON", b"{\"a\": "),
        raw("not JSON", b"khong phai json"),
        raw("an array", b"[]"),
        raw("a string", b"\"chu\""),
        raw("null", b"null"),
        raw("a number", b"42"),
        raw(
            "trailing garbage",
            &[serde_json::to_vec(valid).unwrap(), b"}".to_vec()].concat(),
        ),
        raw("invalid UTF-8 in a key", b"{\"\xff\xfe\": 1}"),
    ];
    let mut padded = valid.clone();
    padded["truong_la"] = json!("x".repeat(70 * 1024));
    out.push(Bad {
        what: "a body over 64 KiB".into(),
        body: serde_json::to_vec(&padded).unwrap(),
    });
    let mut unknown = valid.clone();
    unknown["truong_la"] = json!(1);
    out.push(Bad {
        what: "an unknown field".into(),
        body: serde_json::to_vec(&unknown).unwrap(),
    });
    let mut all = Vec::new();
    leaves(valid, String::new(), &mut all);
    for (pointer, leaf) in all {
        let mut variants: Vec<(&str, Vec<u8>)> = Vec::new();
        match leaf {
            Value::String(_) => {
                variants.push(("a number for a string", b"123".to_vec()));
                variants.push(("a boolean for a string", b"true".to_vec()));
                variants.push(("an object for a string", b"{}".to_vec()));
                variants.push(("an array for a string", b"[1]".to_vec()));
                // 60,000 bytes: under the 64 KiB body limit, over any field's limit.
                let long = serde_json::to_vec(&"ă".repeat(30_000)).unwrap();
                variants.push(("an overlong string", long));
                variants.push(("invalid UTF-8", b"\"Nguy\xff\xfen\"".to_vec()));
                variants.push(("a lone surrogate", b"\"\\ud800\"".to_vec()));
            }
            Value::Number(_) => {
                variants.push(("a string for a number", b"\"12\"".to_vec()));
                variants.push(("a boolean for a number", b"true".to_vec()));
                variants.push(("a float", b"1.5".to_vec()));
                variants.push(("-1", b"-1".to_vec()));
                variants.push(("i64::MAX", b"9223372036854775807".to_vec()));
                variants.push(("i64::MIN", b"-9223372036854775808".to_vec()));
                variants.push(("2^64", b"18446744073709551616".to_vec()));
                variants.push(("below i64::MIN", b"-9223372036854775809".to_vec()));
                variants.push(("1e400", b"1e400".to_vec()));
            }
            Value::Bool(_) => {
                variants.push(("a string for a boolean", b"\"true\"".to_vec()));
                variants.push(("a number for a boolean", b"1".to_vec()));
            }
            Value::Array(_) => {
                variants.push(("a string for an array", b"\"x\"".to_vec()));
                variants.push(("an object for an array", b"{}".to_vec()));
            }
            _ => {}
        }
        for (what, raw_value) in variants {
            out.push(Bad {
                what: format!("{what} at {pointer}"),
                body: with_raw(valid, &pointer, &raw_value),
            });
        }
    }
    out
}

/// The same value with every string decomposed (NFD).
fn nfd(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.nfd().collect()),
        Value::Array(items) => Value::Array(items.iter().map(nfd).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), nfd(v))).collect()),
        other => other.clone(),
    }
}

/// Everything the endpoints could write, as one comparable value.
async fn snapshot(app: &TestApp) -> Value {
    let db = &app.state.db.read;
    let users = user::Entity::find().all(db).await.unwrap();
    let attempts = attempt::Entity::find().all(db).await.unwrap();
    json!({
        "users": users.len(),
        "passwords": users.iter().map(|u| u.password_hash.clone()).collect::<Vec<_>>(),
        "token_versions": users.iter().map(|u| u.token_version).collect::<Vec<_>>(),
        "voided": users.iter().filter(|u| u.voided).count(),
        "contests": contest::Entity::find().count(db).await.unwrap(),
        "rounds": round::Entity::find().count(db).await.unwrap(),
        "answers": answer::Entity::find().all(db).await.unwrap().iter().map(|a| a.choices.clone()).collect::<Vec<_>>(),
        "attempts": attempts.iter().map(|a| (a.status, a.prediction)).collect::<Vec<_>>(),
        "audit": audit::Entity::find().count(db).await.unwrap(),
    })
}

impl TestApp {
    async fn send_raw(&self, endpoint: &Endpoint, path: &str, body: Vec<u8>) -> reqwest::Response {
        let mut request = self
            .client
            .request(endpoint.method.clone(), self.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = &endpoint.token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }
}

/// A refusal as the API promises it: 4xx, JSON, stable code, Vietnamese message.
fn assert_refusal(what: &str, status: StatusCode, body: &Value) {
    assert!(
        status.is_client_error(),
        "{what}: expected a 4xx, got {status}: {body}"
    );
    let code = body["error"]["code"].as_str().unwrap_or_default();
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "{what}: no stable code: {body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        !message.is_ascii() && is_nfc(message),
        "{what}: the message is not Vietnamese (NFC): {body}"
    );
}

#[tokio::test]
async fn every_json_endpoint_refuses_bad_bodies_cleanly_and_writes_nothing() {
    // Arrange: a contest with an open round, an attempt in progress, a second participant
    // whose password may change and a third to void.
    let app = spawn_app().await;
    let (organiser, contest_id) = app.seed_contest().await;
    let round_id = app
        .create_round(&organiser, contest_id, &round_spec())
        .await;
    let participant = app.participant("0912000001").await;
    let other = app.participant("0912000002").await;
    let (status, started) = app.start(&participant, round_id).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let attempt_id = started["attempt_id"].as_i64().unwrap();
    let option = started["questions"][0]["options"][0]["id"].clone();
    // A third participant to void: a voided account may no longer sign in.
    let voided = app.participant("0912000005").await;
    let (_, me) = json_of(app.me(&voided).await).await;
    let voided_id = me["id"].as_i64().unwrap();

    let mut new_participant = registration("0912000003");
    new_participant["full_name"] = json!("Trần Thị Ánh Tuyết");
    new_participant["email"] = json!("tuyet@example.vn");
    new_participant["birth_date"] = json!("1990-05-17");
    let mut new_round = round_spec();
    new_round["title"] = json!("Vòng thi tuần thứ hai");
    let endpoints = vec![
        Endpoint {
            method: Method::POST,
            path: "/api/v1/auth/register".into(),
            token: None,
            valid: new_participant,
            optional_body: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/auth/login".into(),
            token: None,
            valid: json!({"login": "0912000001", "password": "mật khẩu an toàn"}),
            optional_body: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/me/password".into(),
            token: Some(other.clone()),
            valid: json!({"current_password": "mật khẩu an toàn", "new_password": "mật khẩu mới đủ dài"}),
            optional_body: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/contests".into(),
            token: Some(organiser.clone()),
            valid: json!({
                "code": "tim-hieu-phap-luat",
                "title": "Tìm hiểu pháp luật",
                "description": "Cuộc thi trực tuyến tìm hiểu pháp luật",
                "rules": "Mỗi người được thi hai lượt.",
                "categories": ["official"],
            }),
            optional_body: false,
        },
        Endpoint {
            method: Method::POST,
            path: format!("/api/v1/contests/{contest_id}/rounds"),
            token: Some(organiser.clone()),
            valid: new_round,
            optional_body: false,
        },
        Endpoint {
            method: Method::PUT,
            path: format!("/api/v1/attempts/{attempt_id}/answers/1"),
            token: Some(participant.clone()),
            valid: json!({"choices": [option]}),
            optional_body: false,
        },
        Endpoint {
            method: Method::POST,
            path: format!("/api/v1/participants/{voided_id}/void"),
            token: Some(organiser.clone()),
            valid: json!({"reason": "Tài khoản trùng lặp"}),
            optional_body: false,
        },
        // Last: a valid submit finishes the attempt the rows above use.
        Endpoint {
            method: Method::POST,
            path: format!("/api/v1/attempts/{attempt_id}/submit"),
            token: Some(participant.clone()),
            valid: json!({"prediction": 3}),
            optional_body: true,
        },
    ];

    let mut sent = 0;
    for endpoint in &endpoints {
        let before = snapshot(&app).await;

        // Act: every bad body, and the path with bad ids.
        let mut bad = bad_variants(&endpoint.valid);
        if endpoint.optional_body {
            bad.retain(|b| !b.body.is_empty());
        }
        for (what, raw) in [
            ("a negative id", "-1"),
            ("an id past i64", "99999999999999999999"),
            ("a word for an id", "abc"),
        ] {
            let path = endpoint
                .path
                .split('/')
                .map(|seg| if seg.parse::<i64>().is_ok() { raw } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            if path != endpoint.path {
                let response = app
                    .send_raw(
                        endpoint,
                        &path,
                        serde_json::to_vec(&endpoint.valid).unwrap(),
                    )
                    .await;
                let (status, body) = json_of(response).await;
                assert_refusal(
                    &format!("{} {path}: {what}", endpoint.method),
                    status,
                    &body,
                );
                sent += 1;
            }
        }
        for case in bad {
            let response = app.send_raw(endpoint, &endpoint.path, case.body).await;
            let (status, body) = json_of(response).await;

            // Assert
            assert_refusal(
                &format!("{} {}: {}", endpoint.method, endpoint.path, case.what),
                status,
                &body,
            );
            sent += 1;
        }
        assert_eq!(
            snapshot(&app).await,
            before,
            "{} {}: a refused request wrote something",
            endpoint.method,
            endpoint.path
        );

        // The valid body, decomposed (NFD), is accepted: the sweep tested a working row.
        let response = app
            .send_raw(
                endpoint,
                &endpoint.path,
                serde_json::to_vec(&nfd(&endpoint.valid)).unwrap(),
            )
            .await;
        let (status, body) = json_of(response).await;
        assert!(
            status.is_success(),
            "{} {}: the valid body was refused: {status} {body}",
            endpoint.method,
            endpoint.path
        );
    }

    // The table drove a real sweep, not a handful of requests.
    assert!(sent > 300, "only {sent} bad requests were sent");

    // Text sent decomposed is stored composed.
    let db = &app.state.db.read;
    for u in user::Entity::find().all(db).await.unwrap() {
        assert!(is_nfc(&u.full_name), "{:?}", u.full_name);
        assert!(
            u.void_reason.as_deref().is_none_or(is_nfc),
            "{:?}",
            u.void_reason
        );
    }
    for c in contest::Entity::find().all(db).await.unwrap() {
        for text in [Some(&c.title), c.description.as_ref(), c.rules.as_ref()]
            .into_iter()
            .flatten()
        {
            assert!(is_nfc(text), "{text:?}");
        }
    }
    for r in round::Entity::find().all(db).await.unwrap() {
        assert!(is_nfc(&r.title), "{:?}", r.title);
        assert!(r.prediction_question.as_deref().is_none_or(is_nfc));
    }
    // A password set in NFD is checked in NFC: the new one logs in, typed composed.
    let (status, body) = json_of(app.login("0912000002", "mật khẩu mới đủ dài").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn control_characters_are_dropped_before_anything_is_stored() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    let mut body = registration("0912000004");
    body["full_name"] = json!("Lê\u{0} Văn\u{1b} Bình");

    // Act
    let (status, registered) = json_of(app.register(&body).await).await;
    let (login_status, _) = json_of(app.login("0912\u{0}000004", "mật khẩu an toàn").await).await;
    let (contest_status, created) = json_of(
        app.post_json(
            "/api/v1/contests",
            Some(&organiser),
            &json!({
                "code": "co-ky-tu-dieu-khien",
                "title": "Cuộc thi\u{0} mới",
                "rules": "Dòng 1\n\u{0}Dòng 2",
                "categories": ["official"],
            }),
        )
        .await,
    )
    .await;
    let (void_status, _) = json_of(
        app.post_json(
            &format!("/api/v1/participants/{}/void", registered["id"]),
            Some(&organiser),
            &json!({"reason": "Trùng\u{0} lặp"}),
        )
        .await,
    )
    .await;

    // Assert
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["full_name"], "Lê Văn Bình");
    assert_eq!(login_status, StatusCode::OK);
    assert_eq!(contest_status, StatusCode::CREATED, "{created}");
    let (_, contest) = json_of(
        app.get(&format!("/api/v1/contests/{}", created["id"]), None)
            .await,
    )
    .await;
    assert_eq!(contest["title"], "Cuộc thi mới");
    assert_eq!(contest["rules"], "Dòng 1\nDòng 2");
    assert_eq!(void_status, StatusCode::OK);
    let db = &app.state.db.read;
    for u in user::Entity::find().all(db).await.unwrap() {
        let texts = [Some(&u.full_name), u.void_reason.as_ref()];
        for text in texts.into_iter().flatten() {
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }
}

#[tokio::test]
async fn query_numbers_past_i64_are_not_a_server_error() {
    // Arrange
    let app = spawn_app().await;
    let (organiser, contest_id) = app.seed_contest().await;
    let round_id = app
        .create_round(&organiser, contest_id, &round_spec())
        .await;

    for path in [
        // Found by schemathesis: the offset reached the SQLite driver, which panicked.
        "/api/v1/audit?offset=9223372036854775808".to_owned(),
        "/api/v1/audit?offset=18446744073709551615&limit=18446744073709551615".to_owned(),
        "/api/v1/participants?limit=18446744073709551615".to_owned(),
        format!("/api/v1/rounds/{round_id}/leaderboard?offset=18446744073709551615"),
        format!("/api/v1/contests/{contest_id}/leaderboard?offset=18446744073709551615"),
    ] {
        // Act
        let (status, body) = json_of(app.get(&path, Some(&organiser)).await).await;

        // Assert
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
}
