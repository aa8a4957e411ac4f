//! Editing rounds by rules that keep them fair, closing early with a reason, the notices
//! participants read, and a season of rounds in one step (issue #15).

use chrono::{DateTime, Duration, SubsecRound, Utc};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, round_spec, season_spec, spawn_app};
use crate::pages::{browser, log_in};

async fn patch(app: &TestApp, organiser: &str, round: i64, body: &Value) -> (StatusCode, Value) {
    json_of(
        app.patch_json(&format!("/api/v1/rounds/{round}"), Some(organiser), body)
            .await,
    )
    .await
}

async fn close(
    app: &TestApp,
    organiser: &str,
    round: i64,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/rounds/{round}/close")))
        .bearer_auth(organiser);
    if let Some(body) = body {
        request = request.json(body);
    }
    json_of(request.send().await.unwrap()).await
}

async fn round_json(app: &TestApp, token: Option<&str>, round: i64) -> Value {
    let (status, body) = json_of(app.get(&format!("/api/v1/rounds/{round}"), token).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A page's HTML, as the browser `b` gets it.
async fn text_of(b: &reqwest::Client, url: String) -> String {
    b.get(url).send().await.unwrap().text().await.unwrap()
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// A round open since an hour ago that closes `closes_in` from now, 20 minutes per attempt.
fn open_round(closes_in: Duration) -> Value {
    let mut spec = round_spec();
    spec["closes_at"] = json!(Utc::now() + closes_in);
    spec
}

/// Starts an attempt; returns its id and the key of its first question.
async fn start(app: &TestApp, token: &str, round: i64) -> (i64, Vec<String>) {
    let (status, body) = app.start(token, round).await;
    assert!(status.is_success(), "{body}");
    let id = body["attempt_id"].as_i64().unwrap();
    let key = app.option_ids(id).await;
    (id, key[0].clone())
}

#[tokio::test]
async fn an_open_round_is_extended_then_closed_early_and_running_attempts_follow() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app
        .create_round(&organiser, contest, &open_round(Duration::minutes(10)))
        .await;
    let a = app.participant("0912000001").await;
    let (first, key_a) = start(&app, &a, round).await;
    let started = app.attempt(first).await.started_at;
    // Capped by the close: 10 minutes, not 20.
    assert!(app.attempt(first).await.deadline < started + Duration::minutes(11));

    // Extension: the capped attempt gets its full 20 minutes.
    // Whole seconds: PostgreSQL keeps microseconds.
    let new_close = (Utc::now() + Duration::days(1)).trunc_subsecs(0);
    let (status, body) = patch(&app, &organiser, round, &json!({ "closes_at": new_close })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(at(&body["closes_at"]), new_close);
    assert_eq!(body["notices"][0]["kind"], "extended");
    assert!(
        body["notices"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Ban Tổ chức gia hạn vòng thi đến "),
        "{body}"
    );
    assert_eq!(
        app.attempt(first).await.deadline,
        started + Duration::minutes(20)
    );
    // A save after the old deadline and its grace is taken (the save cache saw the move).
    app.state.engine.clock.advance(Duration::minutes(15));
    let (status, body) = app.save(&a, first, 1, &key_a).await;
    assert_eq!(status, 200, "{body}");

    // The participant reads the notice: on the attempt page and in the round JSON.
    let b = browser();
    log_in(&b, &app, "0912000001", crate::helpers::PASSWORD).await;
    let html = text_of(&b, app.url(&format!("/attempts/{first}"))).await;
    assert!(html.contains("Ban Tổ chức gia hạn vòng thi đến"), "{html}");
    let seen = round_json(&app, Some(&a), round).await;
    assert_eq!(seen["notices"].as_array().unwrap().len(), 1);

    // Closing early is never one click: no body, {}, confirm false are refused.
    let other = app.participant("0912000002").await;
    let (second, key_b) = start(&app, &other, round).await;
    for body in [
        None,
        Some(json!({})),
        Some(json!({"reason": "Sự cố", "confirm": false})),
        Some(json!({"reason": "Sự cố"})),
    ] {
        let (status, answer) = close(&app, &organiser, round, body.as_ref()).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["code"], "confirmation_required");
    }
    let (status, answer) = close(
        &app,
        &organiser,
        round,
        Some(&json!({"reason": "  ", "confirm": true})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(round_json(&app, None, round).await["status"], "open");

    // Confirmed with a reason: closed now, running attempts end now, a notice says why.
    let reason = "Sự cố đường truyền của hệ thống.";
    let (status, body) = close(
        &app,
        &organiser,
        round,
        Some(&json!({"reason": reason, "confirm": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "closed");
    let notice = &body["notices"][1];
    assert_eq!(notice["kind"], "closed_early");
    let message = notice["message"].as_str().unwrap();
    assert!(
        message.starts_with("Ban Tổ chức đóng vòng thi sớm lúc "),
        "{message}"
    );
    assert!(message.ends_with(&format!("Lý do: {reason}")), "{message}");
    let now = app.state.engine.now();
    for id in [first, second] {
        let deadline = app.attempt(id).await.deadline;
        assert!(deadline <= now && now - deadline < Duration::seconds(5));
    }
    // Inside the grace a save is taken; after it, refused.
    let (status, body) = app.save(&other, second, 1, &key_b).await;
    assert_eq!(status, 200, "{body}");
    app.state.engine.clock.advance(Duration::seconds(11));
    let (status, body) = app.save(&other, second, 1, &key_b).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "attempt_closed");

    // The audit trail keeps the reason; the contest page shows both notices.
    let audit = cuocthi::entities::audit::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "round.close" && e.details.contains(reason))
    );
    assert!(audit.iter().any(|e| e.action == "round.update"
        && e.details.contains("before")
        && e.details.contains("closes_at")));
    let html = app
        .get(&format!("/contests/{contest}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Ban Tổ chức gia hạn vòng thi đến"), "{html}");
    assert!(html.contains(&format!("Lý do: {reason}")), "{html}");
}

#[tokio::test]
async fn an_earlier_close_shortens_running_attempts_but_never_before_now() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app
        .create_round(&organiser, contest, &open_round(Duration::days(1)))
        .await;
    let a = app.participant("0912000001").await;
    let (id, key) = start(&app, &a, round).await;
    let started = app.attempt(id).await.started_at;
    assert_eq!(
        app.attempt(id).await.deadline,
        started + Duration::minutes(20)
    );

    let (status, body) = patch(
        &app,
        &organiser,
        round,
        &json!({ "closes_at": Utc::now() - Duration::minutes(1) }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "closes_at_in_past");

    let new_close = (app.state.engine.now() + Duration::minutes(5)).trunc_subsecs(0);
    let (status, body) = patch(&app, &organiser, round, &json!({ "closes_at": new_close })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notices"][0]["kind"], "closes_earlier");
    assert_eq!(app.attempt(id).await.deadline, new_close);

    // Until the new deadline plus grace a save counts; after it, refused.
    app.state
        .engine
        .clock
        .advance(Duration::minutes(5) + Duration::seconds(5));
    let (status, body) = app.save(&a, id, 1, &key).await;
    assert_eq!(status, 200, "{body}");
    app.state.engine.clock.advance(Duration::seconds(6));
    let (status, body) = app.save(&a, id, 1, &key).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "attempt_closed");
}

#[tokio::test]
async fn a_round_changes_freely_before_it_opens_and_only_fairly_after() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;

    // Before it opens: the draw and the time change.
    let mut upcoming = round_spec();
    upcoming["opens_at"] = json!(Utc::now() + Duration::hours(1));
    let later = app.create_round(&organiser, contest, &upcoming).await;
    let (status, body) = patch(
        &app,
        &organiser,
        later,
        &json!({"draw": [{"bank": crate::helpers::TEST_BANK, "count": 5}], "time_limit_secs": 600}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["questions"].as_i64(), body["time_limit_secs"].as_i64()),
        (Some(5), Some(600))
    );
    assert_eq!(body["notices"], json!([]));
    // Validated as on creation.
    let (status, body) = patch(
        &app,
        &organiser,
        later,
        &json!({"draw": [{"bank": crate::helpers::TEST_BANK, "count": 200}]}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (422, Some("draw_short"))
    );

    // Once open: locked fields are named; fewer attempts refused, more announced.
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let (status, body) = patch(
        &app,
        &organiser,
        round,
        &json!({"time_limit_secs": 600, "draw": [{"bank": crate::helpers::TEST_BANK, "count": 5}]}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "round_locked");
    let fields = body["error"]["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("time_limit_secs") && fields.contains_key("draw"),
        "{body}"
    );
    let (status, body) = patch(&app, &organiser, round, &json!({"max_attempts": 1})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["fields"]["max_attempts"].is_string(),
        "{body}"
    );
    // The same values sent back are no change, so never refused.
    let (status, body) = patch(
        &app,
        &organiser,
        round,
        &json!({"time_limit_secs": 1200, "max_attempts": 2}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = patch(
        &app,
        &organiser,
        round,
        &json!({"max_attempts": 3, "title": "Tuần 1 (gia hạn)"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["max_attempts"], 3);
    assert_eq!(body["title"], "Tuần 1 (gia hạn)");
    assert_eq!(
        body["notices"][0]["message"],
        "Ban Tổ chức tăng số lượt thi lên 3 lượt."
    );

    // Bad bodies.
    let (status, body) = patch(&app, &organiser, round, &json!({})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = patch(&app, &organiser, round, &json!({"colour": "đỏ"})).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (400, Some("invalid_json"))
    );

    // Closed: only the title.
    let (status, _) = close(
        &app,
        &organiser,
        round,
        Some(&json!({"reason": "Kết thúc", "confirm": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = patch(
        &app,
        &organiser,
        round,
        &json!({"closes_at": Utc::now() + Duration::days(2)}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]["fields"]["closes_at"].is_string(), "{body}");
    let (status, body) = patch(&app, &organiser, round, &json!({"title": "Tuần 1"})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_season_of_eight_weekly_rounds_is_created_in_one_request() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let path = format!("/api/v1/contests/{contest}/season");

    // Out of bounds: refused naming the field, nothing created.
    for (change, field) in [
        (json!({"count": 53}), "count"),
        (json!({"count": 0}), "count"),
        (json!({"period_days": 0}), "period_days"),
        (json!({"open_hours": 7 * 24 + 1}), "open_hours"),
    ] {
        let mut body = season_spec(8);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = json_of(app.post_json(&path, Some(&organiser), &body).await).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer["error"]["fields"][field].is_string(), "{answer}");
    }
    let mut short = season_spec(8);
    short["round"]["draw"][0]["count"] = json!(200);
    let (status, _) = json_of(app.post_json(&path, Some(&organiser), &short).await).await;
    assert_eq!(status, 422);
    let (_, detail) = json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    assert_eq!(detail["rounds"], json!([]));

    let (status, rounds) = json_of(
        app.post_json(&path, Some(&organiser), &season_spec(8))
            .await,
    )
    .await;
    assert_eq!(status, 201, "{rounds}");
    let rounds = rounds.as_array().unwrap();
    assert_eq!(rounds.len(), 8);
    for (i, r) in rounds.iter().enumerate() {
        assert_eq!(r["title"], format!("Tuần {}", i + 1));
        assert_eq!(
            at(&r["closes_at"]) - at(&r["opens_at"]),
            Duration::hours(24)
        );
        assert_eq!(r["status"], "upcoming");
        if i > 0 {
            assert_eq!(
                at(&r["opens_at"]) - at(&rounds[i - 1]["opens_at"]),
                Duration::days(7)
            );
        }
    }
    // Each is an ordinary round afterwards.
    let third = rounds[2]["id"].as_i64().unwrap();
    let (status, body) = patch(
        &app,
        &organiser,
        third,
        &json!({"title": "Tuần 3 — Chủ đề đặc biệt"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_season_is_created_from_the_console_form() {
    let app = spawn_app().await;
    let (_, contest) = app.seed_contest().await;
    let b = browser();
    let csrf = log_in(&b, &app, "btc@example.vn", crate::helpers::STAFF_PASSWORD).await;
    let console = format!("/organiser/contests/{contest}");
    let html = text_of(&b, app.url(&console)).await;
    assert!(html.contains("Tạo cả mùa thi"));
    let r = b
        .post(app.url(&format!("{console}/season")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("season-title", "Tuần {n}"),
            ("season-first_opens_at", "2027-01-04T09:00"),
            ("season-count", "8"),
            ("season-period_days", "7"),
            ("season-open_hours", "167"),
            ("season-minutes", "20"),
            ("season-max_attempts", "3"),
            ("season-quota-0-bank", crate::helpers::TEST_BANK),
            ("season-quota-0-count", "10"),
            ("season-prediction", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = format!("{console}?ok=season");
    assert_eq!(r.headers()["location"], done.as_str());
    let html = text_of(&b, app.url(&done)).await;
    assert!(
        html.contains("Đã tạo chuỗi vòng thi."),
        "the success message"
    );
    for n in 1..=8 {
        assert!(html.contains(&format!("<h3>Tuần {n}</h3>")), "Tuần {n}");
    }
    let (_, detail) = json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    let rounds = detail["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 8);
    // Monday 09:00 in Vietnam is 02:00 UTC; the last opens seven weeks later.
    assert_eq!(rounds[0]["opens_at"], "2027-01-04T02:00:00Z");
    assert_eq!(rounds[7]["opens_at"], "2027-02-22T02:00:00Z");
    assert_eq!(rounds[0]["closes_at"], "2027-01-11T01:00:00Z");

    // The round edit form and the close confirmation page.
    let id = rounds[0]["id"].as_i64().unwrap();
    let html = text_of(&b, app.url(&format!("/organiser/rounds/{id}"))).await;
    assert!(html.contains("Vòng thi chưa mở: mọi thông tin đều sửa được."));
    let r = b
        .post(app.url(&format!("/organiser/rounds/{id}")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "Tuần 1 — Khai mạc"),
            ("opens_at", "2027-01-04T09:00"),
            ("closes_at", "2027-01-11T08:00"),
            ("minutes", "25"),
            ("max_attempts", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let round = round_json(&app, None, id).await;
    assert_eq!(
        (round["title"].as_str(), round["time_limit_secs"].as_i64()),
        (Some("Tuần 1 — Khai mạc"), Some(1500))
    );
    let html = text_of(&b, app.url(&format!("/organiser/rounds/{id}/close"))).await;
    assert!(html.contains("name=\"reason\"") && html.contains("name=\"confirm\""));
}

#[tokio::test]
async fn the_demo_contest_is_a_season_with_a_settled_round_an_open_one_and_upcoming_ones() {
    // As `cuocthi demo`, which loads it before the sweeper starts (see `demo::past_results`).
    let app =
        crate::helpers::spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600))
            .await;
    app.seed_units().await;
    cuocthi::demo::load_contest(&app.state).await.unwrap();
    let (_, contests) = json_of(app.get("/api/v1/contests", None).await).await;
    let contest = contests[0]["id"].as_i64().unwrap();
    let (_, detail) = json_of(app.get(&format!("/api/v1/contests/{contest}"), None).await).await;
    let ranked: Vec<&Value> = detail["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["practice"] == false)
        .collect();
    let seen: Vec<(&str, &str)> = ranked
        .iter()
        .map(|r| (r["title"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("Tuần thi thứ 1", "closed"),
            ("Tuần thi thứ 2", "open"),
            ("Tuần thi thứ 3", "upcoming"),
            ("Tuần thi thứ 4", "upcoming"),
        ]
    );
    // The closed round is settled, with the demo participants' results.
    let past = ranked[0];
    assert_eq!(past["settled"], true, "{past}");
    assert_eq!(past["prediction_actual"], 2, "two perfect scores");
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{}/leaderboard", past["id"]), None)
            .await,
    )
    .await;
    let entries = board["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5, "{board}");
    assert_eq!(entries[0]["score"], 20);
    assert_eq!(
        entries[0]["name"], "Trần Văn Bình",
        "closest prediction first"
    );
    // Its prizes are published: a winner per category, one certificate per person with
    // at least 10 points (all five).
    let (status, awards) = json_of(
        app.get(
            &format!("/api/v1/rounds/{}/awards/public", past["id"]),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{awards}");
    let winners: Vec<(&str, &str)> = awards["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["prize"].as_str().unwrap()))
        .collect();
    assert_eq!(
        winners,
        [
            ("Trần Văn Bình", "Giải Nhất"),
            ("Lê Thị Mai", "Giải Nhì"),
            ("Phạm Quốc Cường", "Giải Ba"),
            ("Võ Thị Hạnh", "Giải Nhất"),
            ("Huỳnh Minh Khoa", "Giải Nhì"),
        ]
    );
    let page = app
        .get(&format!("/ket-qua/vong/{}", past["id"]), None)
        .await;
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn an_extension_made_on_one_instance_reaches_saves_on_another() {
    let first = spawn_app().await;
    let (organiser, contest) = first.seed_contest().await;
    let round = first
        .create_round(&organiser, contest, &open_round(Duration::minutes(10)))
        .await;
    let second = crate::helpers::spawn_second_instance(&first).await;
    let a = first.participant("0912000001").await;
    // Started on the second instance, which keeps the attempt's save data (deadline in
    // 10 minutes) in memory.
    let (id, key) = start(&second, &a, round).await;
    let (status, body) = second.save(&a, id, 1, &key).await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = patch(
        &first,
        &organiser,
        round,
        &json!({ "closes_at": Utc::now() + Duration::days(1) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Past the old deadline and its grace, the second instance reads the stored deadline.
    second.state.engine.clock.advance(Duration::minutes(15));
    let (status, body) = second.save(&a, id, 1, &key).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn nothing_of_a_round_changes_once_its_contest_is_finished() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let (status, _) = close(
        &app,
        &organiser,
        round,
        Some(&json!({"reason": "Kết thúc", "confirm": true})),
    )
    .await;
    assert_eq!(status, 200);
    app.state.engine.clock.advance(Duration::seconds(11));
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
    let (status, body) = json_of(
        app.patch_json(
            &format!("/api/v1/contests/{contest}"),
            Some(&organiser),
            &json!({"status": "finished"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = patch(&app, &organiser, round, &json!({"title": "Tuần 1 (sửa)"})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "round_locked");
    assert!(body["error"]["fields"]["title"].is_string(), "{body}");
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/contests/{contest}/season"),
            Some(&organiser),
            &season_spec(2),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "contest_locked");
}

#[tokio::test]
async fn an_attempt_started_on_a_stale_copy_of_the_round_gets_the_moved_close() {
    let first = spawn_app().await;
    let (organiser, contest) = first.seed_contest().await;
    let round = first
        .create_round(&organiser, contest, &open_round(Duration::days(1)))
        .await;
    let second = crate::helpers::spawn_second_instance(&first).await;
    let a = first.participant("0912000001").await;

    let new_close = (first.state.engine.now() + Duration::minutes(5)).trunc_subsecs(0);
    let (status, body) = patch(
        &first,
        &organiser,
        round,
        &json!({ "closes_at": new_close }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Started on the second instance, whose copy of the round (kept up to 1 s) may still
    // close tomorrow: what such a start stores is a deadline 20 minutes on.
    let (id, _) = start(&second, &a, round).await;
    let started = first.attempt(id).await.started_at;
    let stale = cuocthi::entities::attempt::ActiveModel {
        id: sea_orm::Set(id),
        deadline: sea_orm::Set(started + Duration::minutes(20)),
        ..Default::default()
    };
    sea_orm::ActiveModelTrait::update(stale.clone(), &first.state.db.write)
        .await
        .unwrap();

    // The sweeper's pass gives it the moved close, as the change gave the others.
    cuocthi::contest::sweeper::sweep(&first.state.engine, &first.state.db.write)
        .await
        .unwrap();
    assert_eq!(first.attempt(id).await.deadline, new_close);

    // Long after the change, the pass leaves attempts alone (nothing moved lately).
    first.state.engine.clock.advance(Duration::minutes(2));
    sea_orm::ActiveModelTrait::update(stale, &first.state.db.write)
        .await
        .unwrap();
    cuocthi::contest::sweeper::sweep(&first.state.engine, &first.state.db.write)
        .await
        .unwrap();
    assert_eq!(
        first.attempt(id).await.deadline,
        started + Duration::minutes(20)
    );
}
