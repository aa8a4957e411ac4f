//! The server under test as the generator talks to it: requests per endpoint, and what a
//! participant reads of an attempt.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::report::Recorder;

pub struct Target {
    pub base: String,
    pub client: reqwest::Client,
    pub rec: Arc<Recorder>,
}

impl Target {
    /// Sends a request and reads its body; an error status or a failure is printed and
    /// gives `None`.
    pub async fn exchange(
        step: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Option<reqwest::Response> {
        match request.send().await {
            Ok(r) if r.status().is_success() => Some(r),
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                eprintln!(
                    "{step}: HTTP {status}: {}",
                    text.chars().take(200).collect::<String>()
                );
                None
            }
            Err(e) => {
                eprintln!("{step}: {e}");
                None
            }
        }
    }

    /// Sends a request, records its latency and outcome, and decodes only the fields of
    /// `T` from the body (the generator shares the machine with the server: parsing less
    /// leaves it more).
    pub async fn send_for<T: serde::de::DeserializeOwned>(
        &self,
        step: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Option<T> {
        let began = Instant::now();
        let body = match Self::exchange(step, request).await {
            Some(r) => match r.bytes().await {
                Ok(bytes) => serde_json::from_slice::<T>(&bytes)
                    .map_err(|e| eprintln!("{step}: unexpected body: {e}"))
                    .ok(),
                Err(e) => {
                    eprintln!("{step}: {e}");
                    None
                }
            },
            None => None,
        };
        self.rec.record(step, began, body.is_some());
        body
    }

    /// [`Target::send_for`] into a JSON value.
    pub async fn send(
        &self,
        step: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Option<Value> {
        self.send_for::<Value>(step, request).await
    }

    /// Like [`Target::send`] for a step whose body is not needed: it is read (so the
    /// connection is reused) but not parsed.
    pub async fn hit(&self, step: &'static str, request: reqwest::RequestBuilder) -> bool {
        let began = Instant::now();
        let ok = match Self::exchange(step, request).await {
            Some(r) => r.bytes().await.is_ok(),
            None => false,
        };
        self.rec.record(step, began, ok);
        ok
    }
}

/// What a participant reads of a started attempt.
#[derive(serde::Deserialize)]
pub struct StartedAttempt {
    pub attempt_id: i64,
    pub questions: Vec<ShownQuestion>,
}

#[derive(serde::Deserialize)]
pub struct ShownQuestion {
    pub options: Vec<ShownOption>,
}

#[derive(serde::Deserialize)]
pub struct ShownOption {
    pub id: String,
}

/// The body of an answer save choosing `option`.
pub fn choice_body(option: &str) -> String {
    format!(r#"{{"choices":["{option}"]}}"#)
}

/// A participant's acknowledged saves: (attempt, position, bank index of the chosen option).
pub type Acked = Vec<(i64, i32, usize)>;
