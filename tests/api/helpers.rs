//! The API suite's client: one method per endpoint, over the shared harness
//! (`tests/common`: `spawn_app()`, the seeding, the answer key).

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub use crate::common::*;

/// A second instance of the app on `first`'s database, with `first`'s settings (scale-out:
/// stateless instances sharing one database).
pub async fn spawn_second_instance(first: &TestApp) -> TestApp {
    let settings = first.state.settings.clone();
    let url = settings.database_url.clone();
    spawn_app_on(&url, None, |s| *s = settings).await
}

/// Registers a participant with this name in this unit and signs them in.
pub async fn register_as(app: &TestApp, phone: &str, name: &str, unit: &str) -> String {
    let mut body = registration(phone);
    body["full_name"] = json!(name);
    body["unit_code"] = json!(unit);
    let (status, created) = json_of(app.register(&body).await).await;
    assert_eq!(status, 201, "{created}");
    app.token(phone, PASSWORD).await
}

impl TestApp {
    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"login": login, "password": password}),
        )
        .await
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

    /// The option ids that answer each question of an attempt correctly.
    pub async fn option_ids(&self, attempt_id: i64) -> Vec<Vec<String>> {
        self.answer_key(attempt_id)
            .await
            .into_iter()
            .map(|right| right.into_iter().map(|c| c.option_id).collect())
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
        let key = self.option_ids(id).await;
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

/// A season body: `count` weekly rounds titled "Tuần {n}", the first opening tomorrow,
/// each open 24 hours, 10 questions of [`TEST_BANK`].
pub fn season_spec(count: i64) -> Value {
    json!({
        "first_opens_at": chrono::Utc::now() + chrono::Duration::days(1),
        "count": count,
        "open_hours": 24,
        "round": {
            "title": "Tuần {n}",
            "time_limit_secs": 1200,
            "max_attempts": 2,
            "draw": [{"bank": TEST_BANK, "count": 10}],
        },
    })
}

impl TestApp {
    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.patch(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }
}
