//! The harness both suites share, included by `tests/api` and `tests/browser` as
//! `mod common`: the real server on port 0 with a fresh database, its logs (`TEST_LOG`),
//! a client, and the seeding every test starts from (units, staff, participants, a bank,
//! a contest, a round) plus the answer key only the server knows.
//!
//! Each suite keeps its own specifics beside it: the API suite its one method per
//! endpoint (`tests/api/helpers.rs`), the browser suite its browser (`tests/browser/`).
#![allow(
    dead_code,
    reason = "each suite uses its own part of the shared harness; `expect` would fail in the suite that uses all of an item"
)]

pub mod smtp;

use std::sync::{LazyLock, Once};

use cuocthi::accounts::{self, Role};
use cuocthi::settings::Settings;
use cuocthi::startup::Application;
use cuocthi::state::AppState;
use rand::Rng;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tracing_subscriber::util::SubscriberInitExt;

/// The servers' logs, set up once per test binary: to standard output when `TEST_LOG` is
/// set (`TEST_LOG=1 cargo test --test api some_test`), to a sink otherwise, so a passing
/// run stays quiet but a failing test can be rerun with its server's story.
static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var_os("TEST_LOG").is_some() {
        cuocthi::cli::subscriber(std::io::stdout).init();
    } else {
        cuocthi::cli::subscriber(std::io::sink).init();
    }
});

/// The password of every participant made by these tests.
pub const PASSWORD: &str = "mật khẩu an toàn";
/// The password of every staff account made by these tests.
pub const STAFF_PASSWORD: &str = "staff password";
/// The code of the bank [`TestApp::seed_contest`] imports.
pub const TEST_BANK: &str = "test-bank";
/// The title of the round [`round_spec`] describes.
pub const ROUND_TITLE: &str = "Tuần 1";

/// A small unit list every test can register against.
pub const UNITS_CSV: &str = "code,name,parent_code,kind,block,headcount\n\
VL,Tỉnh Vĩnh Long,,province,,0\n\
SO-TP,Sở Tư pháp,VL,department,hanh-chinh,48\n\
H-LH,Huyện Long Hồ,VL,district,huyen,320\n\
X-LH-TT,Thị trấn Long Hồ,H-LH,commune,xa,30\n";

/// A running app and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// Keeps the SQLite file alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

static BANNER: Once = Once::new();

/// A fresh database URL: a temp SQLite file, or a new PostgreSQL database named
/// `cuocthi_test_…` on the server of `TEST_DATABASE_URL`.
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(base) => {
            BANNER.call_once(|| eprintln!("tests on PostgreSQL ({base})"));
            let name = format!("cuocthi_test_{:016x}", rand::rng().random::<u64>());
            let admin = Database::connect(&base)
                .await
                .expect("TEST_DATABASE_URL does not connect");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("cannot create a test database");
            admin.close().await.ok();
            let (prefix, _) = base
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL has no database");
            (format!("{prefix}/{name}"), None)
        }
        None => {
            BANNER.call_once(|| eprintln!("tests on SQLite"));
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.path().display());
            (url, Some(dir))
        }
    }
}

/// Starts the real server on port 0 with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with settings changed first (rate limits, timeouts…).
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, dir) = fresh_database().await;
    spawn_app_on(&url, dir, change).await
}

/// Starts the real server on port 0 on the database at `url` (keeping `dir` alive).
pub async fn spawn_app_on(
    url: &str,
    dir: Option<tempfile::TempDir>,
    change: impl FnOnce(&mut Settings),
) -> TestApp {
    LazyLock::force(&TRACING);
    let url = url.to_owned();
    let mut settings = Settings::for_database(&url);
    change(&mut settings);
    let app = Application::build(settings).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        state,
        _dir: dir,
    }
}

/// A JSON body and status, read from a response.
pub async fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// A registration body that passes validation (unit `SO-TP`, password [`PASSWORD`]).
pub fn registration(phone: &str) -> Value {
    json!({
        "full_name": "Nguyễn Văn An",
        "phone": phone,
        "category": "official",
        "unit_code": "SO-TP",
        "password": PASSWORD,
        "consent": true,
    })
}

/// A round spec: open now, 20 minutes, 2 attempts, 10 questions of [`TEST_BANK`], a
/// prediction.
pub fn round_spec() -> Value {
    let now = chrono::Utc::now();
    json!({
        "title": ROUND_TITLE,
        "opens_at": now - chrono::Duration::hours(1),
        "closes_at": now + chrono::Duration::days(1),
        "time_limit_secs": 1200,
        "max_attempts": 2,
        "practice": false,
        "draw": [{"bank": TEST_BANK, "count": 10}],
        "order": "shuffled",
        "prediction": {"question": "Bao nhiêu người đạt điểm tuyệt đối?", "answer": "perfect_scores"},
    })
}

/// One correct option of a question: its index in the bank and its id on the page.
#[derive(Debug, Clone)]
pub struct Correct {
    pub bank_index: usize,
    pub option_id: String,
}

impl TestApp {
    pub async fn register(&self, body: &Value) -> Response {
        self.post_json("/api/v1/auth/register", None, body).await
    }

    pub async fn me(&self, token: &str) -> Response {
        self.get("/api/v1/me", Some(token)).await
    }

    /// The user id behind a token.
    pub async fn id_of(&self, token: &str) -> i64 {
        let (status, me) = json_of(self.me(token).await).await;
        assert_eq!(status, 200, "{me}");
        me["id"].as_i64().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.put(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// Loads [`UNITS_CSV`] straight into the database.
    pub async fn seed_units(&self) {
        cuocthi::units::import_csv(&self.state.db.write, UNITS_CSV.as_bytes(), None)
            .await
            .expect("units import");
    }

    /// Logs in through the API and returns the token, panicking on failure.
    pub async fn token(&self, login: &str, password: &str) -> String {
        let (status, body) = json_of(
            self.post_json(
                "/api/v1/auth/login",
                None,
                &json!({"login": login, "password": password}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "login failed: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Registers a participant through the API (units must be seeded) and returns their
    /// token.
    pub async fn participant(&self, phone: &str) -> String {
        self.participant_named("Nguyễn Văn An", phone).await
    }

    /// [`TestApp::participant`] with the name shown on pages and boards.
    pub async fn participant_named(&self, full_name: &str, phone: &str) -> String {
        let mut body = registration(phone);
        body["full_name"] = json!(full_name);
        let (status, body) =
            json_of(self.post_json("/api/v1/auth/register", None, &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "register failed: {body}");
        self.token(phone, PASSWORD).await
    }

    /// Creates a staff account directly (password [`STAFF_PASSWORD`]) and returns its token.
    pub async fn staff(&self, role: Role, email: &str) -> String {
        let hash =
            tokio::task::spawn_blocking(|| accounts::password::hash_blocking(STAFF_PASSWORD))
                .await
                .unwrap()
                .unwrap();
        accounts::create_staff(
            &self.state.db.write,
            role,
            email,
            "Cán bộ Ban Tổ chức",
            hash,
        )
        .await
        .expect("staff account");
        self.token(email, STAFF_PASSWORD).await
    }

    /// Posts a bank file as the raw body.
    pub async fn import_bank(&self, token: Option<&str>, query: &str, body: Vec<u8>) -> Response {
        let mut request = self
            .client
            .post(self.url(&format!("/api/v1/banks?{query}")))
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// Units, an organiser (`btc@example.vn`), a 60-question bank ([`TEST_BANK`]) and a
    /// contest; returns (organiser token, contest id).
    pub async fn seed_contest(&self) -> (String, i64) {
        self.seed_units().await;
        let organiser = self.staff(Role::Organiser, "btc@example.vn").await;
        let mut bank = cuocthi::banks::synthetic_bank(60);
        bank.code = TEST_BANK.into();
        let (status, body) = json_of(
            self.import_bank(
                Some(&organiser),
                "format=toml",
                cuocthi::banks::to_toml(&bank).into_bytes(),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = json_of(
            self.post_json(
                "/api/v1/contests",
                Some(&organiser),
                &json!({"code": "thu-nghiem", "title": "Cuộc thi thử nghiệm", "categories": ["official", "citizen"]}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (organiser, body["id"].as_i64().unwrap())
    }

    pub async fn create_round(&self, organiser: &str, contest_id: i64, spec: &Value) -> i64 {
        let (status, body) = json_of(
            self.post_json(
                &format!("/api/v1/contests/{contest_id}/rounds"),
                Some(organiser),
                spec,
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// An attempt as stored.
    pub async fn attempt(&self, id: i64) -> cuocthi::entities::attempt::Model {
        use sea_orm::EntityTrait;
        cuocthi::entities::attempt::Entity::find_by_id(id)
            .one(&self.state.db.read)
            .await
            .unwrap()
            .expect("the attempt exists")
    }

    /// The correct options of each question of an attempt, by position (index 0 is
    /// question 1), read from the database as only the server knows them.
    pub async fn answer_key(&self, attempt_id: i64) -> Vec<Vec<Correct>> {
        let a = self.attempt(attempt_id).await;
        let drawn = cuocthi::contest::attempts::drawn_of(&a).unwrap();
        let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
        let questions = self
            .state
            .engine
            .pools
            .questions(&self.state.db.read, &ids)
            .await
            .unwrap();
        drawn
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let q = &questions[&d.question_id];
                (0..q.choices.len())
                    .filter(|&c| q.correct[c])
                    .map(|c| Correct {
                        bank_index: c,
                        option_id: cuocthi::contest::attempts::option_id(a.seed, i + 1, c),
                    })
                    .collect()
            })
            .collect()
    }
}
