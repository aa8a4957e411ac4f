//! Issue #18: the prediction is saved as it is typed, and a practice round teaches (its
//! key at once after a submit) without opening a score oracle on ranked questions.

use serde_json::json;

use crate::fairness::{create, import_bank, practice_on};
use crate::helpers::{TEST_BANK, json_of, round_spec, spawn_app};

#[tokio::test]
async fn the_prediction_is_saved_before_the_submit_and_kept_by_it() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let lan = app.participant("0912000001").await;
    let other = app.participant("0912000002").await;
    let (_, attempt) = app.start(&lan, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    let path = format!("/api/v1/attempts/{id}/prediction");

    let (status, body) = json_of(
        app.put_json(&path, Some(&lan), &json!({"prediction": 42}))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["prediction"], 42);
    assert_eq!(app.attempt(id).await.prediction, Some(42));
    // A reload shows it.
    let (_, view) = json_of(app.get(&format!("/api/v1/attempts/{id}"), Some(&lan)).await).await;
    assert_eq!(view["prediction"], 42);

    // Out of range: refused, nothing changed; someone else's attempt: not found.
    let (status, body) = json_of(
        app.put_json(&path, Some(&lan), &json!({"prediction": -1}))
            .await,
    )
    .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (422, &json!("invalid")),
        "{body}"
    );
    let (status, _) = json_of(
        app.put_json(&path, Some(&other), &json!({"prediction": 5}))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.attempt(id).await.prediction, Some(42));

    // A submit without a prediction keeps the saved one; after it, saving is refused.
    let (status, body) = app.submit(&lan, id, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.attempt(id).await.prediction, Some(42));
    let (status, body) = json_of(
        app.put_json(&path, Some(&lan), &json!({"prediction": 7}))
            .await,
    )
    .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (409, &json!("attempt_closed")),
        "{body}"
    );
    assert_eq!(app.attempt(id).await.prediction, Some(42));
}

#[tokio::test]
async fn a_practice_round_shows_its_key_at_once_unless_a_ranked_round_may_share_it() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    import_bank(&app, &organiser, "thi-thu", "Thi thử: ").await;
    let (status, body) = create(&app, &organiser, contest, &practice_on("thi-thu")).await;
    assert_eq!(status, 201, "{body}");
    let practice = body["id"].as_i64().unwrap();
    let lan = app.participant("0912000001").await;

    let (_, attempt) = app.start(&lan, practice).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    // While it runs, nothing is revealed.
    let (_, running) = json_of(app.get(&format!("/api/v1/attempts/{id}"), Some(&lan)).await).await;
    assert_eq!(running["review"], false);
    assert!(
        running["questions"][0].get("explanation").is_none(),
        "{running}"
    );
    let (status, _) = app.submit(&lan, id, None).await;
    assert_eq!(status, 200);
    let (_, done) = json_of(app.get(&format!("/api/v1/attempts/{id}"), Some(&lan)).await).await;
    assert_eq!(done["review"], true, "{done}");
    assert!(done["questions"][0].get("explanation").is_some(), "{done}");
    let html = app
        .get(&format!("/attempts/{id}/result"), Some(&lan))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Đáp án và giải thích") && html.contains("(đáp án đúng)"),
        "{html}"
    );
    assert!(
        html.contains("Thi lại"),
        "practice offers another try: {html}"
    );
    assert!(!html.contains("khi vòng thi kết thúc"), "{html}");

    // A ranked round allowed to share questions with practice rounds is live: the key waits.
    let mut ranked = round_spec();
    ranked["draw"] = json!([{"bank": TEST_BANK, "count": 10}]);
    ranked["allow_overlap"] = json!(true);
    let (status, body) = create(&app, &organiser, contest, &ranked).await;
    assert_eq!(status, 201, "{body}");
    let (_, again) = json_of(app.get(&format!("/api/v1/attempts/{id}"), Some(&lan)).await).await;
    assert_eq!(again["review"], false, "{again}");
    assert!(
        again["questions"][0].get("explanation").is_none(),
        "{again}"
    );
}
