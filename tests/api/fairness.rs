//! Issue #13, points 1 and 2: no answer key through practice rounds, repeated attempts or
//! the grace window.

use std::collections::HashMap;

use chrono::Duration;
use cuocthi::accounts::Role;
use serde_json::{Value, json};

use crate::helpers::{TEST_BANK, TestApp, json_of, round_spec, spawn_app, spawn_app_with};

/// Imports a copy of the synthetic test bank under `code`, its question texts prefixed
/// with `prefix` ("" keeps the very same questions).
pub(crate) async fn import_bank(app: &TestApp, organiser: &str, code: &str, prefix: &str) {
    let mut bank = cuocthi::banks::synthetic_bank(60);
    bank.code = code.into();
    for q in &mut bank.questions {
        q.text = format!("{prefix}{}", q.text);
    }
    let (status, body) = json_of(
        app.import_bank(
            Some(organiser),
            "format=toml",
            cuocthi::banks::to_toml(&bank).into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

pub(crate) async fn create(
    app: &TestApp,
    organiser: &str,
    contest: i64,
    spec: &Value,
) -> (u16, Value) {
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/contests/{contest}/rounds"),
            Some(organiser),
            spec,
        )
        .await,
    )
    .await;
    (status.as_u16(), body)
}

/// A page's HTML, as `token` (or anyone) sees it.
async fn page(app: &TestApp, path: &str, token: Option<&str>) -> String {
    app.get(path, token).await.text().await.unwrap()
}

/// A JSON resource, as `token` (or anyone) sees it.
async fn read(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    json_of(app.get(path, token).await).await.1
}

pub(crate) fn practice_on(bank: &str) -> Value {
    let mut spec = round_spec();
    spec["title"] = json!("Thi thử");
    spec["practice"] = json!(true);
    spec["max_attempts"] = json!(0);
    spec["prediction"] = Value::Null;
    spec["draw"] = json!([{"bank": bank, "count": 10}]);
    spec
}

#[tokio::test]
async fn a_practice_round_that_can_draw_ranked_questions_is_refused_unless_accepted() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let ranked = app.create_round(&organiser, contest, &round_spec()).await;

    // The same bank: refused, naming the ranked round and saying why.
    let (status, body) = create(&app, &organiser, contest, &practice_on(TEST_BANK)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "overlaps_ranked_round");
    assert_eq!(body["error"]["round_id"], ranked);
    assert_eq!(body["error"]["round_title"], "Tuần 1");
    assert_eq!(body["error"]["questions"], 60);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Tuần 1") && message.contains("dò ra đáp án"),
        "{message}"
    );

    // One topic of it is still an overlap; so is the same questions under another code.
    let mut one_topic = practice_on(TEST_BANK);
    let topic = cuocthi::banks::synthetic_bank(60).questions[0]
        .topic
        .clone();
    one_topic["draw"] = json!([{"bank": TEST_BANK, "topic": topic, "count": 5}]);
    let (status, body) = create(&app, &organiser, contest, &one_topic).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("overlaps_ranked_round"))
    );
    assert_eq!(body["error"]["questions"], 12, "{body}");
    import_bank(&app, &organiser, "ban-sao", "").await;
    let (status, body) = create(&app, &organiser, contest, &practice_on("ban-sao")).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("overlaps_ranked_round"))
    );

    // Nothing was stored by the refusals.
    let detail = read(&app, &format!("/api/v1/contests/{contest}"), None).await;
    assert_eq!(detail["rounds"].as_array().unwrap().len(), 1, "{detail}");

    // Its own questions: accepted.
    import_bank(&app, &organiser, "thi-thu", "Thi thử — ").await;
    let (status, body) = create(&app, &organiser, contest, &practice_on("thi-thu")).await;
    assert_eq!(status, 201, "{body}");

    // A ranked round on the practice bank is refused the other way round.
    let mut ranked_on_practice = round_spec();
    ranked_on_practice["draw"] = json!([{"bank": "thi-thu", "count": 10}]);
    let (status, body) = create(&app, &organiser, contest, &ranked_on_practice).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("overlaps_practice_round"))
    );

    // The organiser may accept the overlap explicitly; the round says so.
    let mut accepted = practice_on(TEST_BANK);
    accepted["allow_overlap"] = json!(true);
    let (status, body) = create(&app, &organiser, contest, &accepted).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let round = read(&app, &format!("/api/v1/rounds/{id}"), None).await;
    assert_eq!(round["allow_overlap"], true, "{round}");
    assert_eq!(round["score_shown"], "on_submit");

    // Once the ranked round has closed its questions may be practised.
    app.post_json(
        &format!("/api/v1/rounds/{ranked}/close"),
        Some(&organiser),
        &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
    )
    .await;
    let (status, body) = create(&app, &organiser, contest, &practice_on("ban-sao")).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn the_round_form_offers_the_overlap_and_score_choices_and_explains_them() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    app.create_round(&organiser, contest, &round_spec()).await;
    let html = page(
        &app,
        &format!("/organiser/contests/{contest}"),
        Some(&organiser),
    )
    .await;
    assert!(
        html.contains(r#"name="allow_overlap""#),
        "the form offers the choice"
    );
    assert!(
        html.contains("dò ra đáp án"),
        "and says why it is dangerous"
    );
    assert!(html.contains(r#"name="score_shown""#));
    assert!(html.contains("Khi vòng thi kết thúc"));
}

/// The attack of issue #13: start a ranked attempt, then run practice attempts answering
/// one of its questions at a time and read the score of each practice submit.
#[tokio::test]
async fn the_practice_oracle_script_learns_nothing_from_the_demo_contest() {
    // As `cuocthi demo`, which loads it before the sweeper starts (see `demo::past_results`).
    let app = spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600)).await;
    app.seed_units().await;
    cuocthi::demo::load_contest(&app.state).await.unwrap();
    let rounds = read(&app, "/api/v1/contests", None).await;
    let contest = rounds[0]["id"].as_i64().unwrap();
    let detail = read(&app, &format!("/api/v1/contests/{contest}"), None).await;
    let id_of = |practice: bool| {
        detail["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["practice"] == practice && r["status"] == "open")
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (ranked, practice) = (id_of(false), id_of(true));
    let attacker = app.participant("0912000001").await;

    let (status, target) = app.start(&attacker, ranked).await;
    assert_eq!(status, 201, "{target}");
    let ranked_texts: HashMap<String, i64> = target["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["text"].as_str().unwrap().to_owned(),
                q["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranked_texts.len(), 20);

    let mut learned = 0;
    let mut practice_attempts = 0;
    let limited = loop {
        let response = app
            .post_json(
                &format!("/api/v1/rounds/{practice}/attempts"),
                Some(&attacker),
                &json!({}),
            )
            .await;
        if response.status() == 429 {
            break response;
        }
        let (status, attempt) = json_of(response).await;
        assert_eq!(status, 201, "{attempt}");
        practice_attempts += 1;
        let id = attempt["attempt_id"].as_i64().unwrap();
        // Probe: answer the first ranked question found here with its first option; a
        // score of 1 would give away that option.
        let probe = attempt["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| ranked_texts.contains_key(q["text"].as_str().unwrap()));
        if let Some(q) = probe {
            let option = q["options"][0]["id"].as_str().unwrap().to_owned();
            app.save(&attacker, id, q["id"].as_u64().unwrap() as usize, &[option])
                .await;
            learned += 1;
        }
        let (status, result) = app.submit(&attacker, id, None).await;
        assert_eq!(status, 200, "{result}");
        assert!(practice_attempts < 50, "starts are never limited");
    };
    assert_eq!(
        learned, 0,
        "no practice question is a question of the ranked round"
    );
    // Starts are paced: the ranked start and five practice starts, then a wait.
    assert_eq!(practice_attempts, 5);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    let (_, body) = json_of(limited).await;
    assert_eq!(body["error"]["code"], "rate_limited");

    // Resuming the ranked attempt is never limited.
    for _ in 0..10 {
        let (status, again) = app.start(&attacker, ranked).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["attempt_id"], target["attempt_id"]);
    }
}

#[tokio::test]
async fn judges_see_accounts_with_unusual_attempt_counts() {
    let app = spawn_app_with(|s| s.start_limit_per_minute = 0).await;
    let (organiser, contest) = app.seed_contest().await;
    let practice = app
        .create_round(&organiser, contest, &practice_on(TEST_BANK))
        .await;
    let busy = app.participant("0912000001").await;
    let quiet = app.participant("0912000002").await;
    for _ in 0..12 {
        app.take(&busy, practice, 1, None).await;
    }
    app.take(&quiet, practice, 1, None).await;
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;

    let (status, rows) = json_of(
        app.get(
            &format!("/api/v1/contests/{contest}/unusual-attempts"),
            Some(&judge),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["user_id"], app.id_of(&busy).await);
    assert_eq!(rows[0]["attempts"], 12);
    assert_eq!(rows[0]["round_id"], practice);
    assert_eq!(rows[0]["practice"], true);
    assert!(rows[0].get("phone").is_none());

    let html = page(&app, "/judge", Some(&judge)).await;
    assert!(
        html.contains("Tài khoản có số lượt thi bất thường"),
        "{html}"
    );
    assert!(html.contains(rows[0]["full_name"].as_str().unwrap()));
}

/// Point 2: the key stays hidden until no attempt of the round can change.
#[tokio::test]
async fn the_review_stays_hidden_until_close_grace_and_every_attempt_are_over() {
    // The background sweeper first ticks an hour after start: the test sweeps itself, on
    // the engine's clock.
    let app = spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600)).await;
    let (organiser, contest) = app.seed_contest().await;
    // 30 of the 60 questions: some always carry an explanation (a third of the bank does).
    let mut spec = round_spec();
    spec["draw"] = json!([{"bank": TEST_BANK, "count": 30}]);
    let round = app.create_round(&organiser, contest, &spec).await;
    let early = app.participant("0912000001").await;
    let late = app.participant("0912000002").await;
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    let done = app.take(&early, round, 10, None).await;
    let done = done["attempt_id"].as_i64().unwrap();
    let (_, running) = app.start(&late, round).await;
    let running_id = running["attempt_id"].as_i64().unwrap();
    let view = |token: String, id: i64| {
        let app = &app;
        async move { read(app, &format!("/api/v1/attempts/{id}"), Some(&token)).await }
    };
    let hidden = |v: &Value| {
        v["review"] == false
            && v["questions"].as_array().unwrap().iter().all(|q| {
                q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|o| o.get("correct").is_none())
                    && q.get("explanation").is_none()
            })
    };

    app.post_json(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&organiser),
        &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
    )
    .await;
    // Just after the close, the other attempt still takes saves and a submit for the grace.
    app.state.engine.clock.advance(Duration::milliseconds(200));
    assert!(
        hidden(&view(early.clone(), done).await),
        "no key at close + 0.2 s"
    );
    assert!(
        hidden(&view(judge.clone(), done).await),
        "nor for the judges"
    );
    let html = page(&app, &format!("/attempts/{done}/result"), Some(&early)).await;
    assert!(
        !html.contains("đáp án đúng"),
        "the result page shows no key either"
    );
    let judge_page = page(&app, &format!("/judge/attempts/{done}"), Some(&judge)).await;
    assert!(!judge_page.contains("✓ đúng"), "nor the judges' record");
    app.state.engine.clock.advance(Duration::seconds(5));
    let key = app.option_ids(running_id).await;
    let (status, saved) = app.save(&late, running_id, 1, &key[0]).await;
    assert_eq!(status, 200, "a save within the grace counts: {saved}");
    assert!(hidden(&view(early.clone(), done).await));

    // The grace is over, but the late attempt is not finalised yet: still nothing.
    app.state.engine.clock.advance(Duration::seconds(6));
    cuocthi::contest::sweeper::settle_closed_rounds(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
    let detail = read(&app, &format!("/api/v1/rounds/{round}"), None).await;
    assert_eq!(detail["settled"], false, "{detail}");
    assert!(hidden(&view(early.clone(), done).await));

    // The sweeper finalises it and settles the round: now the review opens for everyone.
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
    let detail = read(&app, &format!("/api/v1/rounds/{round}"), None).await;
    assert_eq!(detail["settled"], true, "{detail}");
    for (token, id) in [
        (early.clone(), done),
        (late.clone(), running_id),
        (judge.clone(), done),
    ] {
        let after = view(token, id).await;
        assert_eq!(after["review"], true, "{after}");
        let flags = after["questions"][0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["correct"] == true)
            .count();
        assert!(flags >= 1, "{after}");
        assert!(after["questions"][0]["source"].is_string());
        let explained = after["questions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["explanation"].is_string())
            .count();
        assert!(
            explained >= 1,
            "explanations are shown in the review: {after}"
        );
    }
    let late_view = read(&app, &format!("/api/v1/attempts/{running_id}"), Some(&late)).await;
    assert_eq!(
        late_view["result"]["score"], 1,
        "the save in the grace counted"
    );
    let html = page(&app, &format!("/attempts/{done}/result"), Some(&early)).await;
    assert!(html.contains("đáp án đúng"), "{html}");
}

#[tokio::test]
async fn a_round_that_shows_scores_after_close_tells_nothing_until_settled() {
    let app = spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600)).await;
    let (organiser, contest) = app.seed_contest().await;
    let mut spec = round_spec();
    spec["score_shown"] = json!("after_close");
    let round = app.create_round(&organiser, contest, &spec).await;
    let detail = read(&app, &format!("/api/v1/rounds/{round}"), None).await;
    assert_eq!(detail["score_shown"], "after_close");
    let a = app.participant("0912000001").await;

    let (status, attempt) = app.start(&a, round).await;
    assert_eq!(status, 201);
    let id = attempt["attempt_id"].as_i64().unwrap();
    let key = app.option_ids(id).await;
    for (i, choices) in key.iter().enumerate().take(7) {
        app.save(&a, id, i + 1, choices).await;
    }
    let (status, submitted) = app.submit(&a, id, Some(3)).await;
    assert_eq!(status, 200, "{submitted}");
    assert!(
        submitted.get("score").is_none() && submitted.get("correct").is_none(),
        "{submitted}"
    );
    assert_eq!(submitted["score_hidden"], true);
    assert_eq!(
        submitted["message"],
        "Đã nộp bài; điểm được công bố khi vòng thi kết thúc."
    );
    let view = read(&app, &format!("/api/v1/attempts/{id}"), Some(&a)).await;
    assert!(
        view["result"].get("score").is_none() && view["result"].get("correct").is_none(),
        "{view}"
    );
    assert_eq!(view["result"]["score_hidden"], true);
    let html = page(&app, &format!("/attempts/{id}/result"), Some(&a)).await;
    assert!(
        html.contains("điểm được công bố khi vòng thi kết thúc") && !html.contains("7/10"),
        "{html}"
    );
    let me = page(&app, "/me", Some(&a)).await;
    assert!(me.contains("chờ công bố") && !me.contains("7/10"), "{me}");
    let board = read(&app, &format!("/api/v1/rounds/{round}/leaderboard"), None).await;
    assert_eq!(board["scores_hidden"], true, "{board}");
    assert_eq!(board["entries"], json!([]));
    let units = read(&app, &format!("/api/v1/rounds/{round}/units"), None).await;
    assert!(
        units
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["avg_best_score"] == 0.0
                && u["perfect_scores"] == 0
                && u["scores_hidden"] == true),
        "{units}"
    );
    assert!(
        units
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["participants"] == 1),
        "participation still shows"
    );
    let contest_board = read(
        &app,
        &format!("/api/v1/contests/{contest}/leaderboard"),
        None,
    )
    .await;
    assert_eq!(contest_board["entries"], json!([]), "{contest_board}");
    let public = page(&app, &format!("/rounds/{round}/leaderboard"), None).await;
    assert!(
        public.contains("Bảng xếp hạng được công bố khi vòng thi kết thúc")
            && !public.contains("7/10")
    );
    // Staff are not competing: they see the score.
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    let staff_view = read(&app, &format!("/api/v1/attempts/{id}"), Some(&judge)).await;
    assert_eq!(staff_view["result"]["score"], 7);

    // Settled: the score, the board and the contest ranking appear.
    app.post_json(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&organiser),
        &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
    )
    .await;
    app.state.engine.clock.advance(Duration::seconds(11));
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
    let (_, again) = app.submit(&a, id, Some(3)).await;
    assert_eq!(
        (again["score"].clone(), again["correct"].clone()),
        (json!(7), json!(7)),
        "{again}"
    );
    assert_eq!(again["score_hidden"], false);
    let view = read(&app, &format!("/api/v1/attempts/{id}"), Some(&a)).await;
    assert_eq!(view["result"]["score"], 7);
    let board = read(&app, &format!("/api/v1/rounds/{round}/leaderboard"), None).await;
    assert_eq!(board["entries"][0]["score"], 7, "{board}");
    let contest_board = read(
        &app,
        &format!("/api/v1/contests/{contest}/leaderboard"),
        None,
    )
    .await;
    assert_eq!(contest_board["total"], 1, "{contest_board}");
}
