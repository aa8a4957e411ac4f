//! Time: saves count until the deadline plus its grace, an abandoned attempt is
//! finalised by the sweeper, and a round takes starts only while it is open.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{json_of, round_spec, spawn_app};

#[tokio::test]
async fn saves_count_until_the_deadline_plus_grace_and_not_after() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let (_, attempt) = app.start(&a, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    let key = app.option_ids(id).await;

    // 5 s after the 20-minute deadline: inside the 10 s grace.
    app.state
        .engine
        .clock
        .advance(Duration::seconds(20 * 60 + 5));
    let (status, body) = app.save(&a, id, 1, &key[0]).await;
    assert_eq!(status, 200, "{body}");
    // 11 s after: refused, and the attempt is finalised with what was saved in time.
    app.state.engine.clock.advance(Duration::seconds(6));
    let (status, body) = app.save(&a, id, 2, &key[1]).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "attempt_closed");
    let (status, body) = app.submit(&a, id, None).await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "attempt_closed");
    let (_, read) = json_of(app.get(&format!("/api/v1/attempts/{id}"), Some(&a)).await).await;
    assert_eq!(read["status"], "finished");
    assert_eq!(read["result"]["score"], 1);
    assert_eq!(read["result"]["finish_reason"], "expired");
    assert_eq!(read["result"]["time_taken_ms"], 20 * 60 * 1000);
}

#[tokio::test]
async fn an_abandoned_attempt_is_finalised_by_the_sweeper() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let (_, attempt) = app.start(&a, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    let key = app.option_ids(id).await;
    for q in 1..=3 {
        app.save(&a, id, q, &key[q - 1]).await;
    }
    app.state.engine.clock.advance(Duration::minutes(21));
    let swept = cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    let row = cuocthi::entities::attempt::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, cuocthi::contest::attempts::Status::Finished);
    assert_eq!(row.score, Some(3));
    assert_eq!(
        row.finish_reason,
        Some(cuocthi::contest::attempts::FinishReason::Expired)
    );
    // The abandoned attempt counts on the leaderboard.
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["entries"][0]["score"], 3);
}

#[tokio::test]
async fn rounds_refuse_starts_before_they_open_and_after_they_close() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let mut later = round_spec();
    let now = chrono::Utc::now();
    later["opens_at"] = json!(now + Duration::hours(2));
    later["closes_at"] = json!(now + Duration::hours(4));
    let round = app.create_round(&organiser, contest, &later).await;
    let a = app.participant("0912000001").await;
    let (status, body) = app.start(&a, round).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (409, Some("round_not_open"))
    );
    app.state.engine.clock.advance(Duration::hours(5));
    let (status, body) = app.start(&a, round).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (409, Some("round_closed"))
    );
    let (_, detail) = json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    assert_eq!(detail["rounds"][0]["status"], "closed");
}
