//! `GET /metrics`: Prometheus text, by route pattern, for loopback clients.

use crate::helpers::spawn_app;

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_status_class() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    assert_eq!(
        app.get("/rounds/987654/leaderboard", None).await.status(),
        404
    );
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains("# TYPE cuocthi_http_requests_total counter"),
        "{text}"
    );
    assert!(text.contains(r#"route="/healthz""#), "{text}");
    assert!(text.contains(r#"status="2xx""#));
    // The pattern, never the raw path (labels stay bounded).
    assert!(
        text.contains(r#"route="/rounds/{id}/leaderboard""#),
        "{text}"
    );
    assert!(!text.contains("987654"));
    assert!(text.contains("cuocthi_http_request_duration_seconds_bucket"));
    // States read at scrape time.
    assert!(text.contains("cuocthi_attempts_in_progress"));
    assert!(text.contains("cuocthi_writer_queue_depth"));
    assert!(text.contains(r#"cuocthi_db_pool_connections{pool="write",state="in_use"}"#));
}

#[tokio::test]
async fn saves_and_starts_are_counted() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app
        .create_round(&organiser, contest, &crate::helpers::round_spec())
        .await;
    let token = app.participant("0912000222").await;
    app.take(&token, round, 3, None).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    for name in [
        "cuocthi_attempts_started_total",
        "cuocthi_answers_saved_total",
        "cuocthi_attempts_finalised_total",
        "cuocthi_writer_commit_duration_seconds_bucket",
        "cuocthi_argon2_queue_wait_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
}
