//! The browser suite's specifics over the shared harness (`tests/common`: the real
//! server on port 0 with a fresh database, seeded as the API suite seeds it): an open
//! round to drive, a round taken through the API, and the answers as stored.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

pub use crate::common::*;

/// A seeded contest and its open round.
pub struct Seeded {
    pub contest: i64,
    pub round: i64,
}

impl TestApp {
    /// Units, an organiser (`btc@example.vn`), a 60-question bank, a contest and an open
    /// round of [`round_spec`].
    pub async fn seed_round(&self) -> Seeded {
        let (organiser, contest) = self.seed_contest().await;
        let round = self.create_round(&organiser, contest, &round_spec()).await;
        Seeded { contest, round }
    }

    /// Takes a round through the API, every answer correct, and submits.
    pub async fn take_round(&self, token: &str, round: i64, prediction: i64) {
        let (status, attempt) = json_of(
            self.post_json(
                &format!("/api/v1/rounds/{round}/attempts"),
                Some(token),
                &json!({}),
            )
            .await,
        )
        .await;
        assert!(status.is_success(), "{attempt}");
        let id = attempt["attempt_id"].as_i64().unwrap();
        for (i, right) in self.answer_key(id).await.iter().enumerate() {
            let choices: Vec<&str> = right.iter().map(|c| c.option_id.as_str()).collect();
            let (status, body) = json_of(
                self.put_json(
                    &format!("/api/v1/attempts/{id}/answers/{}", i + 1),
                    Some(token),
                    &json!({ "choices": choices }),
                )
                .await,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = json_of(
            self.post_json(
                &format!("/api/v1/attempts/{id}/submit"),
                Some(token),
                &json!({ "prediction": prediction }),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
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
