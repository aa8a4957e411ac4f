//! The life cycle of a contest over HTTP (issue #15): draft → published → finished →
//! archived, and what an anonymous visitor, a participant and an organiser get at each
//! step; the refused moves and edits; the audit trail; the organiser's form.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, round_spec, spawn_app};
use crate::pages::{browser, csrf_of, log_in};

const TITLE: &str = "Cuộc thi vòng đời";

async fn patch(
    app: &TestApp,
    contest: i64,
    token: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .patch(app.url(&format!("/api/v1/contests/{contest}")))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    json_of(request.send().await.unwrap()).await
}

/// The organiser, a participant, a draft contest and an open round in it.
async fn draft_contest(app: &TestApp) -> (String, String, i64, i64) {
    let (organiser, _) = app.seed_contest().await;
    let (status, body) = json_of(
        app.post_json(
            "/api/v1/contests",
            Some(&organiser),
            &json!({"code": "vong-doi", "title": TITLE, "categories": ["official", "citizen"], "status": "draft"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let contest = body["id"].as_i64().unwrap();
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let participant = app.participant("0912000001").await;
    (organiser, participant, contest, round)
}

/// The statuses of the contest's public routes as `token` sees them: the contest, its
/// round, the round's and the contest's leaderboards.
async fn statuses(app: &TestApp, token: Option<&str>, contest: i64, round: i64) -> [u16; 4] {
    let mut out = [0; 4];
    for (i, path) in [
        format!("/api/v1/contests/{contest}"),
        format!("/api/v1/rounds/{round}"),
        format!("/api/v1/rounds/{round}/leaderboard"),
        format!("/api/v1/contests/{contest}/leaderboard"),
    ]
    .iter()
    .enumerate()
    {
        out[i] = app.get(path, token).await.status().as_u16();
    }
    out
}

/// Sends a change the API must refuse with 409 `code`; returns the answer.
async fn refused(app: &TestApp, organiser: &str, contest: i64, change: Value, code: &str) -> Value {
    let (status, body) = patch(app, contest, Some(organiser), &change).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    body
}

/// Moves the contest to `status` through the API, which must accept.
async fn move_to(app: &TestApp, organiser: &str, contest: i64, status: &str) {
    let (code, body) = patch(app, contest, Some(organiser), &json!({ "status": status })).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status"], status);
}

/// Closes the round now, lets the grace pass on the engine's clock and sweeps: settled.
pub(crate) async fn settle(app: &TestApp, organiser: &str, round: i64) {
    let close = format!("/api/v1/rounds/{round}/close");
    let response = app
        .post_json(
            &close,
            Some(organiser),
            &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
        )
        .await;
    assert_eq!(response.status(), 200);
    app.state.engine.clock.advance(Duration::seconds(11));
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
}

async fn on_home_page(app: &TestApp) -> bool {
    let html = app.get("/", None).await.text().await.unwrap();
    html.contains(TITLE)
}

async fn in_rounds_list(app: &TestApp, participant: &str, round: i64) -> bool {
    let (status, list) = json_of(
        app.get("/api/v1/rounds?status=all", Some(participant))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().iter().any(|r| r["id"] == round)
}

async fn in_contest_list(app: &TestApp, token: Option<&str>, contest: i64) -> bool {
    let (_, list) = json_of(app.get("/api/v1/contests", token).await).await;
    list.as_array().unwrap().iter().any(|c| c["id"] == contest)
}

#[tokio::test]
async fn a_contest_walks_from_draft_to_archived_and_each_step_shows_what_it_should() {
    let app = spawn_app().await;
    let (organiser, participant, contest, round) = draft_contest(&app).await;

    // Draft: staff only.
    assert_eq!(statuses(&app, None, contest, round).await, [404; 4]);
    assert_eq!(
        statuses(&app, Some(&participant), contest, round).await,
        [404; 4]
    );
    assert_eq!(
        statuses(&app, Some(&organiser), contest, round).await,
        [200; 4]
    );
    let (_, detail) = json_of(
        app.get(&format!("/api/v1/contests/{contest}"), Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(detail["status"], "draft");
    assert!(!in_contest_list(&app, None, contest).await);
    assert!(in_contest_list(&app, Some(&organiser), contest).await);
    assert!(!on_home_page(&app).await);
    assert_eq!(
        app.get(&format!("/contests/{contest}"), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/rounds/{round}/leaderboard"), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/contests/{contest}/leaderboard"), None)
            .await
            .status(),
        404
    );
    assert!(!in_rounds_list(&app, &participant, round).await);
    let (status, body) = app.start(&participant, round).await;
    assert_eq!(status, 404, "{body}");

    // Published: everyone, and the round can be taken.
    move_to(&app, &organiser, contest, "published").await;
    assert_eq!(statuses(&app, None, contest, round).await, [200; 4]);
    assert_eq!(
        statuses(&app, Some(&participant), contest, round).await,
        [200; 4]
    );
    assert!(in_contest_list(&app, None, contest).await);
    assert!(on_home_page(&app).await);
    assert_eq!(
        app.get(&format!("/contests/{contest}"), None)
            .await
            .status(),
        200
    );
    assert!(in_rounds_list(&app, &participant, round).await);
    app.take(&participant, round, 3, Some(1)).await;

    // Finished once the round is settled: results frozen, no new attempt.
    settle(&app, &organiser, round).await;
    move_to(&app, &organiser, contest, "finished").await;
    assert_eq!(statuses(&app, None, contest, round).await, [200; 4]);
    assert!(on_home_page(&app).await);
    assert!(in_rounds_list(&app, &participant, round).await);
    let (status, body) = app.start(&participant, round).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "contest_finished");
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["total"], 1, "{board}");

    // Archived: off the home page and the rounds list; its pages and results stay.
    move_to(&app, &organiser, contest, "archived").await;
    assert_eq!(statuses(&app, None, contest, round).await, [200; 4]);
    assert_eq!(
        statuses(&app, Some(&participant), contest, round).await,
        [200; 4]
    );
    assert!(!on_home_page(&app).await);
    assert!(!in_rounds_list(&app, &participant, round).await);
    assert_eq!(
        app.get(&format!("/contests/{contest}"), None)
            .await
            .status(),
        200
    );
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["total"], 1, "{board}");
}

#[tokio::test]
async fn moves_and_edits_the_life_cycle_forbids_are_refused_with_their_codes() {
    let app = spawn_app().await;
    let (organiser, participant, contest, round) = draft_contest(&app).await;

    // A draft never ran: it cannot finish.
    let finish = json!({"status": "finished"});
    refused(
        &app,
        &organiser,
        contest,
        finish.clone(),
        "invalid_transition",
    )
    .await;

    // Categories change freely before the first attempt.
    let (status, body) = patch(
        &app,
        contest,
        Some(&organiser),
        &json!({"status": "published", "categories": ["official"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["categories"], json!(["official"]));
    let (status, _) = app.start(&participant, round).await;
    assert_eq!(status, 201);

    // After it: categories are locked, the texts are not; back to draft is refused.
    let both = json!({"categories": ["official", "citizen"], "title": "Tên mới"});
    let body = refused(&app, &organiser, contest, both, "contest_locked").await;
    assert!(body["error"]["fields"]["categories"].is_string(), "{body}");
    assert!(body["error"]["fields"].get("title").is_none(), "{body}");
    let title = json!({"title": "Tên mới"});
    let (status, body) = patch(&app, contest, Some(&organiser), &title).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Tên mới");
    let draft = json!({"status": "draft"});
    refused(&app, &organiser, contest, draft, "contest_has_attempts").await;

    // Finishing waits for every round to be settled, and names those that are not.
    let body = refused(&app, &organiser, contest, finish, "rounds_not_settled").await;
    assert_eq!(body["error"]["rounds"][0]["id"], round, "{body}");

    // Bad bodies answer as elsewhere; the validation is the create endpoint's.
    let (status, body) = patch(&app, contest, Some(&organiser), &json!({})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = patch(&app, contest, Some(&organiser), &json!({"colour": "red"})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_json"))
    );
    let (status, body) = patch(
        &app,
        contest,
        Some(&organiser),
        &json!({"status": "deleted"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = patch(&app, contest, Some(&organiser), &json!({"title": " "})).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["title"].is_string(), "{body}");
    let (status, _) = patch(&app, 999_999, Some(&organiser), &json!({"title": "X"})).await;
    assert_eq!(status, 404);

    // Only organisers.
    let (status, _) = patch(&app, contest, Some(&participant), &json!({"title": "X"})).await;
    assert_eq!(status, 403);
    let (status, _) = patch(&app, contest, None, &json!({"title": "X"})).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn every_change_is_in_the_audit_trail_with_its_before_and_after() {
    let app = spawn_app().await;
    let (organiser, _, contest, _) = draft_contest(&app).await;

    let (status, _) = patch(
        &app,
        contest,
        Some(&organiser),
        &json!({"status": "published", "rules": "Thể lệ mới", "title": TITLE}),
    )
    .await;
    assert_eq!(status, 200);
    // Sending the same values again changes nothing, and records nothing.
    let (status, _) = patch(
        &app,
        contest,
        Some(&organiser),
        &json!({"status": "published", "rules": "Thể lệ mới"}),
    )
    .await;
    assert_eq!(status, 200);

    let entries: Vec<_> = cuocthi::audit::list(&app.state.db.read, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "contest.update")
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].subject_id, Some(contest));
    assert_eq!(
        entries[0].details,
        json!({
            "before": {"status": "draft", "rules": null},
            "after": {"status": "published", "rules": "Thể lệ mới"},
        })
    );
}

#[tokio::test]
async fn the_organiser_publishes_a_draft_from_the_console_and_sees_refusals_there() {
    let app = spawn_app().await;
    let (_, _, contest, _) = draft_contest(&app).await;
    let b = browser();
    log_in(&b, &app, "btc@example.vn", "staff password").await;
    let path = format!("/organiser/contests/{contest}");

    let html = b
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Bản nháp"), "the status is shown");
    assert!(
        html.contains("Công bố cuộc thi"),
        "the move it may make is offered"
    );
    let csrf = csrf_of(&html);
    let r = b
        .post(app.url(&path))
        .form(&[("csrf", csrf.as_str()), ("status", "published")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/api/v1/contests/{contest}"), None)
            .await
            .status(),
        200
    );

    // Finishing with an open round: the page again, with the refusal.
    let r = b
        .post(app.url(&path))
        .form(&[("csrf", csrf.as_str()), ("status", "finished")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Chưa thể kết thúc cuộc thi"), "{html}");

    // The edit form changes the texts.
    let r = b
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Tên sửa trên trang"),
            ("description", ""),
            ("rules", "Thể lệ sửa trên trang"),
            ("categories", "official"),
            ("categories", "citizen"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, detail) = json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    assert_eq!(detail["title"], "Tên sửa trên trang");
    assert_eq!(detail["rules"], "Thể lệ sửa trên trang");
    let list = b
        .get(app.url("/organiser/contests"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Đã công bố"), "the list shows each status");
}
