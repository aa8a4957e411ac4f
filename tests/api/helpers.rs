//! `spawn_app()` and a client with one method per endpoint.

use std::sync::Once;

use cuocthi::accounts::{self, Role};
use cuocthi::settings::Settings;
use cuocthi::startup::Application;
use cuocthi::state::AppState;
use rand::Rng;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

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
            BANNER.call_once(|| eprintln!("API tests on PostgreSQL ({base})"));
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
            BANNER.call_once(|| eprintln!("API tests on SQLite"));
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

/// A second instance of the app on `first`'s database, with `first`'s settings (scale-out:
/// stateless instances sharing one database).
pub async fn spawn_second_instance(first: &TestApp) -> TestApp {
    let settings = first.state.settings.clone();
    let url = settings.database_url.clone();
    spawn_app_on(&url, None, |s| *s = settings).await
}

/// Starts the real server on port 0 on the database at `url` (keeping `dir` alive).
pub async fn spawn_app_on(
    url: &str,
    dir: Option<tempfile::TempDir>,
    change: impl FnOnce(&mut Settings),
) -> TestApp {
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

/// A registration body that passes validation.
pub fn registration(phone: &str) -> Value {
    json!({
        "full_name": "Nguyễn Văn An",
        "phone": phone,
        "category": "official",
        "unit_code": "SO-TP",
        "password": "mật khẩu an toàn",
    })
}

/// A small unit list every test can register against.
pub const UNITS_CSV: &str = "code,name,parent_code,kind,block,headcount\n\
VL,Tỉnh Vĩnh Long,,province,,0\n\
SO-TP,Sở Tư pháp,VL,department,hanh-chinh,48\n\
H-LH,Huyện Long Hồ,VL,district,huyen,320\n\
X-LH-TT,Thị trấn Long Hồ,H-LH,commune,xa,30\n";

impl TestApp {
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

    pub async fn register(&self, body: &Value) -> Response {
        self.post_json("/api/v1/auth/register", None, body).await
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"login": login, "password": password}),
        )
        .await
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

    /// Voids participant `id` through the API as `organiser`; fails unless it answers 200.
    pub async fn void(&self, organiser: &str, id: i64, reason: &str) {
        let (status, body) = json_of(
            self.post_json(
                &format!("/api/v1/participants/{id}/void"),
                Some(organiser),
                &json!({ "reason": reason }),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    pub async fn import_units(&self, token: Option<&str>, csv: &str) -> Response {
        let mut request = self
            .client
            .post(self.url("/api/v1/units/import"))
            .header("content-type", "text/csv")
            .body(csv.to_owned());
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

    /// Logs in and returns the token, panicking on failure.
    pub async fn token(&self, login: &str, password: &str) -> String {
        let (status, body) = json_of(self.login(login, password).await).await;
        assert_eq!(status, StatusCode::OK, "login failed: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Registers a participant (units must be seeded) and returns their token.
    pub async fn participant(&self, phone: &str) -> String {
        let (status, body) = json_of(self.register(&registration(phone)).await).await;
        assert_eq!(status, StatusCode::CREATED, "register failed: {body}");
        self.token(phone, "mật khẩu an toàn").await
    }

    /// Creates a staff account directly and returns its token.
    pub async fn staff(&self, role: Role, email: &str) -> String {
        let hash =
            tokio::task::spawn_blocking(|| accounts::password::hash_blocking("staff password"))
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
        self.token(email, "staff password").await
    }
}

/// The code of the bank [`TestApp::seed_contest`] imports.
pub const TEST_BANK: &str = "test-bank";

/// A round spec: open now, 20 minutes, 2 attempts, 10 questions of [`TEST_BANK`].
pub fn round_spec() -> Value {
    let now = chrono::Utc::now();
    json!({
        "title": "Tuần 1",
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

impl TestApp {
    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.put(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
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

    /// Units, an organiser, a 60-question bank and a contest; returns (organiser token,
    /// contest id).
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

    pub async fn start(&self, token: &str, round_id: i64) -> (StatusCode, Value) {
        json_of(
            self.post_json(
                &format!("/api/v1/rounds/{round_id}/attempts"),
                Some(token),
                &json!({}),
            )
            .await,
        )
        .await
    }

    pub async fn save(
        &self,
        token: &str,
        attempt_id: i64,
        question: usize,
        choices: &[String],
    ) -> (StatusCode, Value) {
        json_of(
            self.put_json(
                &format!("/api/v1/attempts/{attempt_id}/answers/{question}"),
                Some(token),
                &json!({ "choices": choices }),
            )
            .await,
        )
        .await
    }

    pub async fn submit(
        &self,
        token: &str,
        attempt_id: i64,
        prediction: Option<i64>,
    ) -> (StatusCode, Value) {
        let body = match prediction {
            Some(p) => json!({ "prediction": p }),
            None => json!({}),
        };
        json_of(
            self.post_json(
                &format!("/api/v1/attempts/{attempt_id}/submit"),
                Some(token),
                &body,
            )
            .await,
        )
        .await
    }

    /// The option ids that answer each question of an attempt correctly (read from the
    /// database, as only the server knows them).
    pub async fn answer_key(&self, attempt_id: i64) -> Vec<Vec<String>> {
        use sea_orm::EntityTrait;
        let a = cuocthi::entities::attempt::Entity::find_by_id(attempt_id)
            .one(&self.state.db.read)
            .await
            .unwrap()
            .unwrap();
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
                    .map(|c| cuocthi::contest::attempts::option_id(a.seed, i + 1, c))
                    .collect()
            })
            .collect()
    }

    /// Answers the first `right` questions correctly and the rest wrongly, then submits.
    pub async fn take(
        &self,
        token: &str,
        round_id: i64,
        right: usize,
        prediction: Option<i64>,
    ) -> Value {
        let (status, attempt) = self.start(token, round_id).await;
        assert!(status.is_success(), "{attempt}");
        let id = attempt["attempt_id"].as_i64().unwrap();
        let key = self.answer_key(id).await;
        for (i, q) in attempt["questions"].as_array().unwrap().iter().enumerate() {
            let position = q["id"].as_u64().unwrap() as usize;
            let choices = if i < right {
                key[position - 1].clone()
            } else {
                let wrong = q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["id"].as_str().unwrap().to_owned())
                    .find(|o| !key[position - 1].contains(o))
                    .unwrap();
                vec![wrong]
            };
            let (status, body) = self.save(token, id, position, &choices).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, result) = self.submit(token, id, prediction).await;
        assert_eq!(status, StatusCode::OK, "{result}");
        result
    }
}
