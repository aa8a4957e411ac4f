//! The app under test: the real server on port 0 with a fresh SQLite file, seeded as the
//! API suite seeds it (units CSV, staff accounts, a bank, a contest and a round through
//! the JSON API), and the answer key read from the database.

use std::collections::BTreeMap;

use cuocthi::accounts::{self, Role};
use cuocthi::settings::Settings;
use cuocthi::startup::Application;
use cuocthi::state::AppState;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// A running app.
pub struct TestApp {
    pub address: String,
    pub state: AppState,
    api: reqwest::Client,
    /// Keeps the SQLite file alive for the test's duration.
    _dir: tempfile::TempDir,
}

/// The password of every participant made by these tests.
pub const PASSWORD: &str = "mật khẩu an toàn";
/// The password of every staff account made by these tests.
pub const STAFF_PASSWORD: &str = "staff password";
/// The code of the bank [`TestApp::seed_contest`] imports.
pub const TEST_BANK: &str = "test-bank";
/// The title of the round [`round_spec`] describes.
pub const ROUND_TITLE: &str = "Tuần 1";

/// A small unit list to register against.
pub const UNITS_CSV: &str = "code,name,parent_code,kind,block,headcount\n\
VL,Tỉnh Vĩnh Long,,province,,0\n\
SO-TP,Sở Tư pháp,VL,department,hanh-chinh,48\n\
H-LH,Huyện Long Hồ,VL,district,huyen,320\n\
X-LH-TT,Thị trấn Long Hồ,H-LH,commune,xa,30\n";

/// Starts the real server on port 0 with a fresh SQLite database.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let app = Application::build(Settings::for_database(&url))
        .await
        .expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        state,
        api: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        _dir: dir,
    }
}

/// A round open now: 20 minutes, 2 attempts, 10 questions of [`TEST_BANK`], a prediction.
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

/// A seeded contest and its open round.
pub struct Seeded {
    pub contest: i64,
    pub round: i64,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Value) {
        let mut request = self.api.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn put_json(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .api
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Logs in through the API and returns the token.
    pub async fn token(&self, login: &str, password: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login failed: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Creates a staff account directly (password [`STAFF_PASSWORD`]) and returns its token.
    pub async fn staff(&self, role: Role, email: &str) -> String {
        let hash =
            tokio::task::spawn_blocking(|| accounts::password::hash_blocking(STAFF_PASSWORD))
                .await
                .unwrap()
                .unwrap();
        accounts::create_staff(&self.state.db.write, role, email, "Cán bộ thử nghiệm", hash)
            .await
            .expect("staff account");
        self.token(email, STAFF_PASSWORD).await
    }

    /// Registers a participant of unit `SO-TP` through the API (password [`PASSWORD`]) and
    /// returns their token.
    pub async fn participant(&self, full_name: &str, phone: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/v1/auth/register",
                None,
                &json!({
                    "full_name": full_name,
                    "phone": phone,
                    "category": "official",
                    "unit_code": "SO-TP",
                    "password": PASSWORD,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "register failed: {body}");
        self.token(phone, PASSWORD).await
    }

    /// Units, an organiser (`btc@example.vn`), a 60-question bank, a contest and an open
    /// round of [`round_spec`].
    pub async fn seed_contest(&self) -> Seeded {
        cuocthi::units::import_csv(&self.state.db.write, UNITS_CSV.as_bytes(), None)
            .await
            .expect("units import");
        let organiser = self.staff(Role::Organiser, "btc@example.vn").await;
        let mut bank = cuocthi::banks::synthetic_bank(60);
        bank.code = TEST_BANK.into();
        let response = self
            .api
            .post(self.url("/api/v1/banks?format=toml"))
            .bearer_auth(&organiser)
            .body(cuocthi::banks::to_toml(&bank))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::CREATED, "bank import");
        let (status, body) = self
            .post_json(
                "/api/v1/contests",
                Some(&organiser),
                &json!({"code": "thu-nghiem", "title": "Cuộc thi thử nghiệm", "categories": ["official", "citizen"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let contest = body["id"].as_i64().unwrap();
        let round = self.create_round(&organiser, contest, &round_spec()).await;
        Seeded { contest, round }
    }

    pub async fn create_round(&self, organiser: &str, contest: i64, spec: &Value) -> i64 {
        let (status, body) = self
            .post_json(
                &format!("/api/v1/contests/{contest}/rounds"),
                Some(organiser),
                spec,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// Takes a round through the API, every answer correct, and submits.
    pub async fn take_round(&self, token: &str, round: i64, prediction: i64) {
        let (status, attempt) = self
            .post_json(
                &format!("/api/v1/rounds/{round}/attempts"),
                Some(token),
                &json!({}),
            )
            .await;
        assert!(status.is_success(), "{attempt}");
        let id = attempt["attempt_id"].as_i64().unwrap();
        for (i, right) in self.answer_key(id).await.iter().enumerate() {
            let choices: Vec<&str> = right.iter().map(|c| c.option_id.as_str()).collect();
            let (status, body) = self
                .put_json(
                    &format!("/api/v1/attempts/{id}/answers/{}", i + 1),
                    token,
                    &json!({ "choices": choices }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = self
            .post_json(
                &format!("/api/v1/attempts/{id}/submit"),
                Some(token),
                &json!({ "prediction": prediction }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// An attempt as stored.
    pub async fn attempt(&self, id: i64) -> cuocthi::entities::attempt::Model {
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

    /// The saved answers of an attempt: position → chosen bank indexes (sorted).
    pub async fn saved_answers(&self, attempt_id: i64) -> BTreeMap<usize, Vec<usize>> {
        use cuocthi::entities::answer;
        answer::Entity::find()
            .filter(answer::Column::AttemptId.eq(attempt_id))
            .all(&self.state.db.read)
            .await
            .unwrap()
            .into_iter()
            .map(|a| {
                let choices: Vec<usize> = serde_json::from_str(&a.choices).unwrap();
                (a.position as usize, choices)
            })
            .collect()
    }
}
