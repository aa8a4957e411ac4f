//! Log privacy: the real server, logging at its most verbose, runs a scenario full of
//! personal data and secrets — registrations, logins, searches by phone, ID number and
//! email, bearer tokens and cookies — and its output must hold none of them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::ResponseError;
use cuocthi::error::AppError;
use cuocthi::web::pages::PageError;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Value, json};

use crate::helpers::fresh_database;
use crate::pages::csrf_of;
use crate::process::{ORGANISER, ServerProcess, login, seed_database};

/// Everything a person gives at registration, in the forms people type it.
struct Person {
    full_name: &'static str,
    /// As typed.
    phone: &'static str,
    /// As stored.
    phone_normalized: &'static str,
    email: &'static str,
    national_id: &'static str,
    birth_date: &'static str,
    /// The same date, written the Vietnamese way.
    birth_date_vn: &'static str,
    password: &'static str,
}

const LAN: Person = Person {
    full_name: "Trần Thị Lan",
    phone: "+84 987 654 321",
    phone_normalized: "0987654321",
    email: "tran.thi.lan@example.vn",
    national_id: "079203001234",
    birth_date: "2001-04-17",
    birth_date_vn: "17/04/2001",
    password: "Bí mật của Lan 2026",
};

const HUNG: Person = Person {
    full_name: "Phạm Quốc Hùng",
    phone: "0912 345 678",
    phone_normalized: "0912345678",
    email: "pham.quoc.hung@example.vn",
    national_id: "086095004321",
    birth_date: "1995-11-03",
    birth_date_vn: "03/11/1995",
    password: "Hùng giữ kín mật khẩu",
};

/// Lan's password after she changes it.
const LAN_NEW_PASSWORD: &str = "Mật khẩu mới của Lan 2027";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logs_never_hold_passwords_tokens_or_personal_data() {
    // Arrange: an open round and an organiser; the real server at its most verbose.
    let (url, _dir) = fresh_database().await;
    let seeded = seed_database(&url, 0).await;
    let mut server = ServerProcess::start(&url, "trace").await;
    let a = server.address.clone();
    let api = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut tokens = Vec::new();

    // Act: Lan registers through the API (twice: the second is refused as a duplicate),
    // logs in by phone and by email, mistypes her password, uses her token, starts and
    // answers, changes her password.
    let lan = json!({
        "full_name": LAN.full_name, "phone": LAN.phone, "email": LAN.email,
        "national_id": LAN.national_id, "birth_date": LAN.birth_date,
        "category": "citizen", "unit_code": "X-LH-TT", "password": LAN.password,
        "consent": true,
    });
    let registered = api
        .post(format!("{a}/api/v1/auth/register"))
        .json(&lan)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let again = api
        .post(format!("{a}/api/v1/auth/register"))
        .json(&lan)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let lan_token = login(&api, &a, LAN.phone, LAN.password).await;
    tokens.push(login(&api, &a, LAN.email, LAN.password).await);
    let wrong = api
        .post(format!("{a}/api/v1/auth/login"))
        .json(&json!({"login": LAN.phone, "password": format!("{}!", LAN.password)}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let me = api
        .get(format!("{a}/api/v1/me"))
        .bearer_auth(&lan_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let started = api
        .post(format!("{a}/api/v1/rounds/{}/attempts", seeded.round_id))
        .bearer_auth(&lan_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::CREATED);
    let attempt: Value = started.json().await.unwrap();
    let saved = api
        .put(format!(
            "{a}/api/v1/attempts/{}/answers/1",
            attempt["attempt_id"]
        ))
        .bearer_auth(&lan_token)
        .json(&json!({"choices": [attempt["questions"][0]["options"][0]["id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let changed = api
        .post(format!("{a}/api/v1/me/password"))
        .bearer_auth(&lan_token)
        .json(&json!({"current_password": LAN.password, "new_password": LAN_NEW_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    tokens.push(changed["token"].as_str().unwrap().to_owned());
    let stale = api
        .get(format!("{a}/api/v1/me"))
        .bearer_auth(&lan_token)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED, "old tokens die");
    tokens.push(lan_token);

    // Hùng registers and logs in through the HTML forms (cookies, CSRF).
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .get(format!("{a}/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("full_name", HUNG.full_name),
        ("phone", HUNG.phone),
        ("email", HUNG.email),
        ("national_id", HUNG.national_id),
        ("birth_date", HUNG.birth_date),
        ("category", "official"),
        ("unit_code", "SO-TP"),
        ("password", HUNG.password),
        ("consent", "yes"),
    ];
    let registered = browser
        .post(format!("{a}/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::SEE_OTHER);
    let logged_in = browser
        .post(format!("{a}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", HUNG.phone),
            ("password", HUNG.password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status(), StatusCode::SEE_OTHER);
    let cookie = logged_in
        .cookies()
        .find(|c| c.name() == "cuocthi_token")
        .expect("a login cookie");
    tokens.push(cookie.value().to_owned());
    let mine = browser.get(format!("{a}/me")).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);

    // The organiser searches participants by phone, ID number and email, over the API
    // and in the console.
    let organiser = login(&api, &a, ORGANISER.0, ORGANISER.1).await;
    for q in [
        LAN.phone_normalized,
        LAN.national_id,
        LAN.email,
        HUNG.phone_normalized,
    ] {
        let found = api
            .get(format!("{a}/api/v1/participants"))
            .query(&[("query", q)])
            .bearer_auth(&organiser)
            .send()
            .await
            .unwrap();
        assert_eq!(found.status(), StatusCode::OK);
        let console = api
            .get(format!("{a}/organiser/participants"))
            .query(&[("query", q)])
            .header("cookie", format!("cuocthi_token={organiser}"))
            .send()
            .await
            .unwrap();
        assert_eq!(console.status(), StatusCode::OK);
    }
    tokens.push(organiser);
    let forged = api
        .get(format!("{a}/api/v1/me"))
        .bearer_auth(format!("{}x", tokens[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    server.kill();
    let logs = server.output();

    // Assert: the logs were written (so silence cannot pass), and hold no secret.
    for expected in [
        "participant registered",
        "signed in",
        "/api/v1/participants",
    ] {
        assert!(
            logs.contains(expected),
            "the logs lack {expected:?}: were they captured?\n{logs}"
        );
    }
    let mut secrets: Vec<(String, String)> = Vec::new();
    for p in [&LAN, &HUNG] {
        secrets.extend([
            ("password".to_owned(), p.password.to_owned()),
            ("phone as typed".to_owned(), p.phone.to_owned()),
            ("phone".to_owned(), p.phone_normalized.to_owned()),
            // Without the leading 0: catches +84… and 84… forms.
            (
                "phone digits".to_owned(),
                p.phone_normalized[1..].to_owned(),
            ),
            ("email".to_owned(), p.email.to_owned()),
            ("ID number".to_owned(), p.national_id.to_owned()),
            ("birth date".to_owned(), p.birth_date.to_owned()),
            ("birth date".to_owned(), p.birth_date_vn.to_owned()),
        ]);
    }
    secrets.push(("password".to_owned(), LAN_NEW_PASSWORD.to_owned()));
    secrets.push(("password".to_owned(), ORGANISER.1.to_owned()));
    secrets.push(("password hash".to_owned(), "$argon2".to_owned()));
    for token in &tokens {
        // A JWT's claims and signature; the header part is the same for every token.
        let (_, rest) = token.split_once('.').expect("a JWT");
        secrets.push(("token".to_owned(), rest.to_owned()));
        secrets.push((
            "token signature".to_owned(),
            rest.rsplit('.').next().unwrap().to_owned(),
        ));
    }
    let leaks: Vec<String> = secrets
        .iter()
        .filter_map(|(what, secret)| {
            logs.lines()
                .find(|line| line.contains(secret.as_str()))
                .map(|line| format!("{what} {secret:?} in: {line}"))
        })
        .collect();
    assert!(leaks.is_empty(), "the logs leak:\n{}", leaks.join("\n"));
}

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// A write no handler makes — a participant without a name — which fails the NOT NULL
/// constraint. PostgreSQL's error DETAIL quotes the whole failing row.
async fn failed_write(db: &sea_orm::DatabaseConnection) -> DbErr {
    db.execute_unprepared(
        "INSERT INTO users (role, full_name, phone, national_id, password_hash, voided, \
         token_version, created_at, updated_at) VALUES ('participant', NULL, '0987654321', \
         '079203001234', '$argon2id$v=19$m=19456,t=2,p=1$bm90LWEtaGFzaA', false, 0, \
         CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    )
    .await
    .expect_err("a participant needs a name")
}

#[tokio::test]
async fn a_failed_database_write_is_logged_without_the_values_of_its_row() {
    // Arrange: three failed writes.
    let (url, _dir) = fresh_database().await;
    let db = cuocthi::db::connect_and_migrate(&url).await.unwrap();
    let errors = [
        failed_write(&db.write).await,
        failed_write(&db.write).await,
        failed_write(&db.write).await,
    ];

    // Act: they reach a JSON handler (as a database error and inside an unexpected one)
    // and a page, which log them as 500s.
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let statuses = tracing::subscriber::with_default(subscriber, || {
        let [a, b, c] = errors;
        [
            AppError::Db(a).error_response().status().as_u16(),
            AppError::Unexpected(anyhow::Error::new(b).context("Failed to register"))
                .error_response()
                .status()
                .as_u16(),
            PageError(AppError::Db(c))
                .error_response()
                .status()
                .as_u16(),
        ]
    });
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();

    // Assert: logged once each, saying what failed, without the row's values.
    assert_eq!(statuses, [500; 3]);
    assert_eq!(logs.matches("request failed").count(), 2, "{logs}");
    assert_eq!(logs.matches("page failed").count(), 1, "{logs}");
    assert!(logs.contains("full_name"), "the column is named: {logs}");
    assert!(
        logs.contains("Failed to register"),
        "the context is kept: {logs}"
    );
    for secret in ["0987654321", "079203001234", "$argon2id"] {
        assert!(!logs.contains(secret), "{secret} is logged: {logs}");
    }
}
