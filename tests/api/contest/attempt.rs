//! An attempt from start to submit: resuming after a reload, the allowed number of
//! attempts under racing starts, an idempotent submit, and the prediction it carries.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::{json_of, round_spec, spawn_app};

#[tokio::test]
async fn a_reload_resumes_the_same_attempt_with_its_answers() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let (_, first) = app.start(&a, round).await;
    let id = first["attempt_id"].as_i64().unwrap();
    let option = first["questions"][0]["options"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, saved) = app.save(&a, id, 1, std::slice::from_ref(&option)).await;
    assert_eq!(status, 200, "{saved}");
    assert!(saved["saved_at"].is_string());

    let (status, again) = app.start(&a, round).await;
    assert_eq!(status, 200, "a reload resumes");
    assert_eq!(again["attempt_id"], id);
    assert_eq!(again["deadline"], first["deadline"]);
    assert_eq!(again["questions"], first["questions"]);
    assert_eq!(again["answers"]["1"]["choices"], json!([option]));
}

#[tokio::test]
async fn racing_starts_never_exceed_the_allowed_attempts() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let mut spec = round_spec();
    spec["max_attempts"] = json!(1);
    let round = app.create_round(&organiser, contest, &spec).await;
    let a = app.participant("0912000001").await;
    let starts = (0..12).map(|_| app.start(&a, round));
    let results = futures_util::future::join_all(starts).await;
    let ids: HashSet<i64> = results
        .iter()
        .map(|(status, body)| {
            assert!(status.is_success(), "{body}");
            body["attempt_id"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one attempt, however many parallel starts");
    let id = *ids.iter().next().unwrap();
    app.submit(&a, id, None).await;
    let (status, body) = app.start(&a, round).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "no_attempts_left");
}

#[tokio::test]
async fn submitting_twice_returns_the_same_result_and_changes_nothing() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let first = app.take(&a, round, 6, Some(3)).await;
    assert_eq!(first["score"], 6);
    assert_eq!(first["max_score"], 10);
    assert_eq!(first["correct"], 6);
    assert_eq!(first["total"], 10);
    let id = first["attempt_id"].as_i64().unwrap();
    let (status, second) = app.submit(&a, id, Some(99)).await;
    assert_eq!(status, 200);
    assert_eq!(first, second);
    let (status, body) = app.save(&a, id, 1, &[]).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "attempt_closed");
}

#[tokio::test]
async fn a_malformed_or_out_of_range_prediction_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let (_, attempt) = app.start(&a, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    let path = format!("/api/v1/attempts/{id}/submit");
    let (status, body) = json_of(
        app.post_json(&path, Some(&a), &json!({"prediction": "mười"}))
            .await,
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (400, Some("invalid_json"))
    );
    let (status, body) = app.submit(&a, id, Some(-1)).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (422, Some("invalid"))
    );
    let (_, read) = json_of(app.get(&format!("/api/v1/attempts/{id}"), Some(&a)).await).await;
    assert_eq!(read["status"], "in_progress", "nothing was submitted");
    // No body at all is a plain submit.
    let r = app
        .client
        .post(app.url(&path))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
