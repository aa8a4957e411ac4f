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
async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
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
    let (url, dir) = fresh_database().await;
    let settings = Settings::for_database(&url);
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
        cuocthi::units::import_csv(&self.state.db.write, UNITS_CSV.as_bytes())
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
