use std::collections::HashSet;

use chrono::Duration;
use cuocthi::accounts::Role;
use cuocthi::contest::attempts;
use serde_json::{Value, json};

use crate::helpers::{TEST_BANK, json_of, registration, round_spec, spawn_app};

/// Fails if any key of a participant-facing body could reveal correctness.
fn assert_reveals_nothing(body: &Value) {
    match body {
        Value::Object(map) => {
            for (k, v) in map {
                // `correct` as a count of right answers (a result) is fine; as a flag it is a key.
                let flag = k == "correct" && v.is_boolean();
                assert!(
                    !flag
                        && !matches!(
                            k.as_str(),
                            "explanation" | "source" | "answered_correctly" | "feedback"
                        ),
                    "a participant response carries `{k}`: {body}"
                );
                assert_reveals_nothing(v);
            }
        }
        Value::Array(items) => items.iter().for_each(assert_reveals_nothing),
        _ => {}
    }
}

async fn register_as(app: &crate::helpers::TestApp, phone: &str, name: &str, unit: &str) -> String {
    let mut body = registration(phone);
    body["full_name"] = json!(name);
    body["unit_code"] = json!(unit);
    let (status, created) = json_of(app.register(&body).await).await;
    assert_eq!(status, 201, "{created}");
    app.token(phone, "mật khẩu an toàn").await
}

#[tokio::test]
async fn a_draw_the_banks_cannot_fill_is_refused_naming_the_quota() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let mut spec = round_spec();
    spec["draw"] = json!([
        {"bank": TEST_BANK, "difficulty": "hard", "count": 5},
        {"bank": TEST_BANK, "difficulty": "easy", "count": 25},
    ]);
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/contests/{contest}/rounds"),
            Some(&organiser),
            &spec,
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "draw_short");
    assert_eq!(body["error"]["quota"], "draw[1]");
    assert_eq!(body["error"]["requested"], 25);
    assert_eq!(body["error"]["available"], 20);
    assert_eq!(body["error"]["missing"], 5);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("thiếu 5")
    );
}

#[tokio::test]
async fn an_attempt_draws_distinct_questions_and_reveals_no_answer() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let b = app.participant("0912000002").await;

    let (status, first) = app.start(&a, round).await;
    assert_eq!(status, 201, "{first}");
    assert_reveals_nothing(&first);
    let questions = first["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 10);
    let texts: HashSet<&str> = questions
        .iter()
        .map(|q| q["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 10, "distinct questions");
    for q in questions {
        for o in q["options"].as_array().unwrap() {
            let id = o["id"].as_str().unwrap();
            assert_eq!(id.len(), 12, "opaque option ids");
            assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        }
    }
    assert!(first["deadline"].is_string());
    assert!(first["prediction_question"].is_string());

    let (_, second) = app.start(&b, round).await;
    let other: HashSet<&str> = second["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["text"].as_str().unwrap())
        .collect();
    assert_ne!(texts, other, "different participants get different sets");
    // The same question gets different option ids in different attempts.
    let ids_a: HashSet<&str> = questions
        .iter()
        .flat_map(|q| {
            q["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap())
        })
        .collect();
    let ids_b: HashSet<&str> = second["questions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|q| {
            q["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap())
        })
        .collect();
    assert!(ids_a.is_disjoint(&ids_b));

    let (_, read) = json_of(
        app.get(
            &format!("/api/v1/attempts/{}", first["attempt_id"]),
            Some(&a),
        )
        .await,
    )
    .await;
    assert_reveals_nothing(&read);
}

#[tokio::test]
async fn the_draw_is_reproducible_from_the_stored_seed() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let (_, started) = app.start(&a, round).await;
    let stored =
        cuocthi::entities::attempt::Entity::find_by_id(started["attempt_id"].as_i64().unwrap())
            .one(&app.state.db.read)
            .await
            .unwrap()
            .unwrap();
    let r = cuocthi::contest::attempts::load_round(&app.state.db.read, round)
        .await
        .unwrap();
    let rules = cuocthi::contest::draw_rules(&r).unwrap();
    let bank = rules.default[0].bank_id;
    let pool = app
        .state
        .engine
        .pools
        .bank(&app.state.db.read, bank)
        .await
        .unwrap();
    let again = cuocthi::contest::draw::draw(
        &pool.candidates,
        &rules.default,
        &HashSet::new(),
        cuocthi::contest::draw::Order::Shuffled,
        stored.seed as u64,
    )
    .unwrap();
    assert_eq!(
        again,
        cuocthi::contest::attempts::drawn_of(&stored).unwrap()
    );
}

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
async fn saves_count_until_the_deadline_plus_grace_and_not_after() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let (_, attempt) = app.start(&a, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    let key = app.answer_key(id).await;

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
    let key = app.answer_key(id).await;
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
    assert_eq!(row.status, attempts::Status::Finished);
    assert_eq!(row.score, Some(3));
    assert_eq!(row.finish_reason, Some(attempts::FinishReason::Expired));
    // The abandoned attempt counts on the leaderboard.
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["entries"][0]["score"], 3);
}

#[tokio::test]
async fn each_kind_is_scored_by_its_rule() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let mut spec = round_spec();
    spec["draw"] = json!([{"bank": TEST_BANK, "count": 30}]);
    let round = app.create_round(&organiser, contest, &spec).await;
    let a = app.participant("0912000001").await;
    let (_, attempt) = app.start(&a, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    let key = app.answer_key(id).await;
    let mut expected = 0;
    for (i, q) in attempt["questions"].as_array().unwrap().iter().enumerate() {
        let position = i + 1;
        let options: Vec<String> = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        let right = &key[i];
        let choices = match (q["kind"].as_str().unwrap(), i % 2) {
            // Exactly the correct set scores.
            (_, 0) => {
                expected += 1;
                right.clone()
            }
            // Multiple choice: missing one correct option scores nothing.
            ("multiple", _) => right[..right.len() - 1].to_vec(),
            // Single and true/false: a wrong option scores nothing.
            _ => vec![options.iter().find(|o| !right.contains(o)).unwrap().clone()],
        };
        let (status, body) = app.save(&a, id, position, &choices).await;
        assert_eq!(status, 200, "{body}");
    }
    // A single-choice question takes one option only; an option of another question is refused.
    let single = attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .position(|q| q["kind"] == "single")
        .unwrap();
    let two: Vec<String> = attempt["questions"][single]["options"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let (status, body) = app.save(&a, id, single + 1, &two).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (422, Some("too_many_choices"))
    );
    let foreign = attempt["questions"][(single + 1) % 30]["options"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = app.save(&a, id, single + 1, &[foreign]).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (422, Some("invalid_choice"))
    );

    let (_, result) = app.submit(&a, id, None).await;
    assert_eq!(result["score"], expected);
    let kinds: HashSet<&str> = attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 3, "all three kinds were drawn and scored");
    let row = cuocthi::entities::attempt::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.score, Some(expected));
}

#[tokio::test]
async fn the_leaderboard_applies_the_full_tie_break_order_and_hides_contact_data() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    // (name, phone, correct answers, prediction, seconds taken)
    let plan = [
        ("Người Một", "0912000001", 10, Some(2), 300),
        ("Người Hai", "0912000002", 10, Some(5), 100),
        ("Người Ba", "0912000003", 10, Some(2), 200),
        ("Người Bốn", "0912000004", 9, Some(3), 50),
        ("Người Năm", "0912000005", 9, None, 40),
        ("Người Sáu", "0912000006", 9, Some(3), 60),
    ];
    for (name, phone, right, prediction, secs) in plan {
        let token = register_as(&app, phone, name, "X-LH-TT").await;
        let (_, attempt) = app.start(&token, round).await;
        let id = attempt["attempt_id"].as_i64().unwrap();
        let key = app.answer_key(id).await;
        for (i, q) in attempt["questions"].as_array().unwrap().iter().enumerate() {
            let choices = if i < right {
                key[i].clone()
            } else {
                vec![
                    q["options"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|o| o["id"].as_str().unwrap().to_owned())
                        .find(|o| !key[i].contains(o))
                        .unwrap(),
                ]
            };
            app.save(&token, id, i + 1, &choices).await;
        }
        app.state.engine.clock.advance(Duration::seconds(secs));
        let (status, result) = app.submit(&token, id, prediction).await;
        assert_eq!(status, 200, "{result}");
    }
    let names = |board: &Value| -> Vec<String> {
        board["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    };

    // Before the round closes: score, then time.
    let (_, open) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(open["closed"], false);
    assert_eq!(
        names(&open),
        [
            "Người Hai",
            "Người Ba",
            "Người Một",
            "Người Năm",
            "Người Bốn",
            "Người Sáu"
        ]
    );
    assert!(
        open["entries"][0].get("prediction").is_none(),
        "predictions stay hidden until the close"
    );

    // Close, let the grace pass, settle: 3 perfect scores is the actual value.
    let response = app
        .post_json(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&organiser),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    app.state.engine.clock.advance(Duration::seconds(11));
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
    let (_, closed) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["prediction_actual"], 3);
    assert_eq!(
        names(&closed),
        [
            "Người Ba",
            "Người Một",
            "Người Hai",
            "Người Bốn",
            "Người Sáu",
            "Người Năm"
        ]
    );
    let first = &closed["entries"][0];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["prediction_diff"], 1);
    assert_eq!(first["unit_code"], "X-LH-TT");
    assert_eq!(first["max_score"], 10);
    assert!(first["time_taken_ms"].as_i64().unwrap() >= 200_000);
    let text = closed.to_string();
    for private in ["0912000003", "phone", "birth_date", "email", "national_id"] {
        assert!(
            !text.contains(private),
            "the public leaderboard carries {private}"
        );
    }

    // Paging and categories.
    let (_, page) = json_of(
        app.get(
            &format!("/api/v1/rounds/{round}/leaderboard?limit=2&offset=2&category=official"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(names(&page), ["Người Hai", "Người Bốn"]);
    assert_eq!(page["entries"][0]["rank"], 3);
    let (_, none) = json_of(
        app.get(
            &format!("/api/v1/rounds/{round}/leaderboard?category=citizen"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn unit_statistics_roll_up_the_tree_and_voided_participants_drop_out() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let commune = register_as(&app, "0912000001", "Người Xã", "X-LH-TT").await;
    let district = register_as(&app, "0912000002", "Người Huyện", "H-LH").await;
    let cheater = register_as(&app, "0912000003", "Người Gian", "X-LH-TT").await;
    app.take(&commune, round, 10, Some(1)).await;
    app.take(&district, round, 4, Some(1)).await;
    app.take(&cheater, round, 10, Some(1)).await;

    let (_, units) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/units"), None)
            .await,
    )
    .await;
    let by = |units: &Value, code: &str| {
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_code"] == code)
            .unwrap()
            .clone()
    };
    let x = by(&units, "X-LH-TT");
    assert_eq!(x["participants"], 2);
    assert_eq!(x["perfect_scores"], 2);
    assert_eq!(x["headcount"], 30);
    assert!((x["participation_rate"].as_f64().unwrap() - 2.0 / 30.0).abs() < 1e-9);
    let h = by(&units, "H-LH");
    assert_eq!(h["participants"], 3, "the district counts its communes");
    assert!((h["avg_best_score"].as_f64().unwrap() - 8.0).abs() < 1e-9);
    assert_eq!(by(&units, "VL")["participants"], 3);
    assert_eq!(by(&units, "SO-TP")["participants"], 0);

    // Void the cheater: they leave the rankings and the statistics; their data stays.
    let (_, found) = json_of(
        app.get("/api/v1/participants?query=Gian", Some(&organiser))
            .await,
    )
    .await;
    let cheater_id = found[0]["id"].as_i64().unwrap();
    app.void(&organiser, cheater_id, "Thi hộ").await;
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["total"], 2);
    assert!(!board.to_string().contains("Người Gian"));
    let (_, units) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/units"), None)
            .await,
    )
    .await;
    assert_eq!(by(&units, "X-LH-TT")["participants"], 1);
    // Voiding revoked the cheater's token, and signing in again is refused.
    let (status, _) = app.start(&cheater, round).await;
    assert_eq!(status, 401);
    let (status, body) = json_of(app.login("0912000003", "mật khẩu an toàn").await).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (403, Some("account_voided"))
    );

    // Unvoid restores them.
    app.post_json(
        &format!("/api/v1/participants/{cheater_id}/unvoid"),
        Some(&organiser),
        &json!({}),
    )
    .await;
    app.token("0912000003", "mật khẩu an toàn").await;
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["total"], 3);

    // The contest tables sum the rounds.
    let (_, contest_board) = json_of(
        app.get(&format!("/api/v1/contests/{contest}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(contest_board["total"], 3);
    assert_eq!(contest_board["entries"][0]["score"], 10);
    let (_, contest_units) = json_of(
        app.get(&format!("/api/v1/contests/{contest}/units"), None)
            .await,
    )
    .await;
    assert_eq!(by(&contest_units, "H-LH")["participants"], 3);
}

#[tokio::test]
async fn staff_cannot_compete_and_participants_cannot_organise() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    for staff in [&organiser, &judge] {
        let (status, body) = app.start(staff, round).await;
        assert_eq!(status, 403, "{body}");
    }
    let a = app.participant("0912000001").await;
    let b = app.participant("0912000002").await;
    let response = app
        .post_json(
            "/api/v1/contests",
            Some(&a),
            &json!({"code": "x", "title": "x", "categories": ["official"]}),
        )
        .await;
    assert_eq!(response.status(), 403);
    let response = app
        .post_json(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&a),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        app.get("/api/v1/participants", Some(&judge)).await.status(),
        403
    );

    // Another participant's attempt does not exist for them.
    let (_, attempt) = app.start(&a, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();
    let option = attempt["questions"][0]["options"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = app.save(&b, id, 1, &[option]).await;
    assert_eq!(status, 404);
    assert_eq!(
        app.get(&format!("/api/v1/attempts/{id}"), Some(&b))
            .await
            .status(),
        404
    );
    let (status, _) = app.submit(&b, id, None).await;
    assert_eq!(status, 404);
    // Judges read any attempt — without the key while the round can still change
    // (tests/api/fairness.rs opens it).
    let (status, read) = json_of(
        app.get(&format!("/api/v1/attempts/{id}"), Some(&judge))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(read["attempt_id"], id);
    assert_eq!(read["review"], false);
    assert_reveals_nothing(&read);
}

#[tokio::test]
async fn later_attempts_avoid_earlier_questions_and_practice_is_never_ranked() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let mut practice = round_spec();
    practice["practice"] = json!(true);
    practice["max_attempts"] = json!(0);
    // Only ranking is tested here: the overlap with the ranked round is accepted.
    practice["allow_overlap"] = json!(true);
    let practice = app.create_round(&organiser, contest, &practice).await;
    let a = app.participant("0912000001").await;

    let first = app.take(&a, round, 3, None).await;
    let second = app.take(&a, round, 8, None).await;
    use sea_orm::EntityTrait;
    let load = |id: i64| {
        let db = app.state.db.read.clone();
        async move {
            let row = cuocthi::entities::attempt::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            cuocthi::contest::attempts::drawn_of(&row)
                .unwrap()
                .into_iter()
                .map(|d| d.question_id)
                .collect::<HashSet<i64>>()
        }
    };
    let q1 = load(first["attempt_id"].as_i64().unwrap()).await;
    let q2 = load(second["attempt_id"].as_i64().unwrap()).await;
    assert!(
        q1.is_disjoint(&q2),
        "the second attempt avoids the first one's questions"
    );
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["entries"][0]["score"], 8, "the best attempt counts");
    assert_eq!(board["total"], 1);

    for _ in 0..3 {
        app.take(&a, practice, 10, None).await;
    }
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{practice}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["practice"], true);
    assert_eq!(board["entries"].as_array().unwrap().len(), 0);

    let (status, rounds) = json_of(app.get("/api/v1/rounds?status=open", Some(&a)).await).await;
    assert_eq!(status, 200);
    let ranked = rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == round)
        .unwrap();
    assert_eq!(ranked["attempts_used"], 2);
    assert_eq!(ranked["attempts_allowed"], 2);
    let (status, body) = app.start(&a, round).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (409, Some("no_attempts_left"))
    );
}

#[tokio::test]
async fn editing_a_used_question_leaves_the_attempt_unchanged() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let (_, attempt) = app.start(&a, round).await;
    let id = attempt["attempt_id"].as_i64().unwrap();

    let mut bank = cuocthi::banks::synthetic_bank(60);
    bank.code = TEST_BANK.into();
    for q in &mut bank.questions {
        q.text = format!("{} — bản sửa", q.text);
    }
    let (status, body) = json_of(
        app.import_bank(
            Some(&organiser),
            "format=toml",
            cuocthi::banks::to_toml(&bank).into_bytes(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["revised"], 60);

    let (_, read) = json_of(app.get(&format!("/api/v1/attempts/{id}"), Some(&a)).await).await;
    assert_eq!(
        read["questions"], attempt["questions"],
        "the attempt keeps the revisions it drew"
    );
    let result = app.take(&a, round, 10, None).await;
    assert_eq!(
        result["score"], 10,
        "scored against the revisions it was shown"
    );
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

#[tokio::test]
async fn quotas_per_topic_difficulty_and_category_are_honoured() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let bank = cuocthi::banks::synthetic_bank(60);
    let topic = bank.questions[0].topic.clone();
    let mut spec = round_spec();
    spec["draw"] = json!([
        {"bank": TEST_BANK, "topic": topic, "difficulty": "easy", "count": 2},
        {"bank": TEST_BANK, "difficulty": "hard", "count": 3},
        {"bank": TEST_BANK, "count": 5},
    ]);
    spec["draw_by_category"] =
        json!({"citizen": [{"bank": TEST_BANK, "difficulty": "medium", "count": 4}]});
    let round = app.create_round(&organiser, contest, &spec).await;

    let official = app.participant("0912000001").await;
    let mut body = registration("0912000002");
    body["category"] = json!("citizen");
    app.register(&body).await;
    let citizen = app.token("0912000002", "mật khẩu an toàn").await;

    let drawn_of = |id: i64| {
        let state = app.state.clone();
        async move {
            let row = cuocthi::entities::attempt::Entity::find_by_id(id)
                .one(&state.db.read)
                .await
                .unwrap()
                .unwrap();
            let drawn = cuocthi::contest::attempts::drawn_of(&row).unwrap();
            let ids: Vec<i64> = drawn.iter().map(|d| d.question_id).collect();
            let q = state
                .engine
                .pools
                .questions(&state.db.read, &ids)
                .await
                .unwrap();
            ids.iter().map(|id| q[id].clone()).collect::<Vec<_>>()
        }
    };
    {
        let (_, a) = app.start(&official, round).await;
        let id = a["attempt_id"].as_i64().unwrap();
        let qs = drawn_of(id).await;
        assert_eq!(qs.len(), 10);
        let distinct: HashSet<i64> = qs.iter().map(|q| q.id).collect();
        assert_eq!(distinct.len(), 10);
        let easy_in_topic = qs
            .iter()
            .filter(|q| q.topic == topic && q.difficulty == cuocthi::banks::Difficulty::Easy)
            .count();
        let hard = qs
            .iter()
            .filter(|q| q.difficulty == cuocthi::banks::Difficulty::Hard)
            .count();
        assert!(
            easy_in_topic >= 2 && hard >= 3,
            "quotas: {easy_in_topic} easy in topic, {hard} hard"
        );
    }
    let (_, a) = app.start(&citizen, round).await;
    let qs = drawn_of(a["attempt_id"].as_i64().unwrap()).await;
    assert_eq!(qs.len(), 4, "citizens draw from their own quota");
    assert!(
        qs.iter()
            .all(|q| q.difficulty == cuocthi::banks::Difficulty::Medium)
    );
}

#[tokio::test]
async fn duplicate_candidates_share_name_birth_date_and_unit() {
    let app = spawn_app().await;
    let (organiser, _) = app.seed_contest().await;
    for (phone, name) in [
        ("0912000001", "Lê Thị Hoa"),
        ("0912000002", "  lê thị   hoa "),
        ("0912000003", "Lê Thị Hồng"),
    ] {
        let mut body = registration(phone);
        body["full_name"] = json!(name);
        body["birth_date"] = json!("1985-03-02");
        let (status, created) = json_of(app.register(&body).await).await;
        assert_eq!(status, 201, "{created}");
    }
    let (status, groups) = json_of(
        app.get("/api/v1/participants/duplicates", Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 1);
    let phones: HashSet<&str> = groups[0]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, HashSet::from(["0912000001", "0912000002"]));
}

#[tokio::test]
async fn verify_matches_untouched_attempts_and_reports_tampering() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    let a = app.participant("0912000001").await;
    let first = app.take(&a, round, 6, Some(2)).await;

    // A bank edit after the first attempt: the second draws from the new version.
    let mut bank = cuocthi::banks::synthetic_bank(60);
    bank.code = TEST_BANK.into();
    bank.questions[5].text = format!("{} (sửa)", bank.questions[5].text);
    bank.questions.pop();
    app.import_bank(
        Some(&organiser),
        "format=toml",
        cuocthi::banks::to_toml(&bank).into_bytes(),
    )
    .await;
    app.state.engine.clock.advance(Duration::seconds(3)); // past the pool's 2 s re-check
    let second = app.take(&a, round, 9, None).await;

    for result in [&first, &second] {
        let id = result["attempt_id"].as_i64().unwrap();
        let (status, v) = json_of(
            app.get(&format!("/api/v1/attempts/{id}/verify"), Some(&judge))
                .await,
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["match"], true, "{v}");
        assert_eq!(v["recomputed"]["score"], result["score"]);
    }

    // Change a stored answer behind the server's back: the score no longer matches.
    let id = first["attempt_id"].as_i64().unwrap();
    app.state
        .db
        .write
        .execute_unprepared(&format!(
            "UPDATE answers SET choices = '[]' WHERE attempt_id = {id} AND position = 1"
        ))
        .await
        .unwrap();
    let (_, v) = json_of(
        app.get(&format!("/api/v1/attempts/{id}/verify"), Some(&judge))
            .await,
    )
    .await;
    assert_eq!(v["match"], false);
    assert_eq!(v["score_matches"], false);
    assert_eq!(v["draw_matches"], true);
    assert_eq!(v["recomputed"]["score"], 5);
    assert!(v["differences"][0].as_str().unwrap().contains("chấm lại"));

    // Swap the stored questions: the draw no longer matches.
    let second_id = second["attempt_id"].as_i64().unwrap();
    let stored: String = {
        use sea_orm::EntityTrait;
        cuocthi::entities::attempt::Entity::find_by_id(second_id)
            .one(&app.state.db.read)
            .await
            .unwrap()
            .unwrap()
            .questions
    };
    let mut drawn: Vec<Value> = serde_json::from_str(&stored).unwrap();
    drawn.swap(0, 1);
    let tampered = serde_json::to_string(&drawn).unwrap().replace('\'', "''");
    app.state
        .db
        .write
        .execute_unprepared(&format!(
            "UPDATE attempts SET questions = '{tampered}' WHERE id = {second_id}"
        ))
        .await
        .unwrap();
    let (_, v) = json_of(
        app.get(
            &format!("/api/v1/attempts/{second_id}/verify"),
            Some(&judge),
        )
        .await,
    )
    .await;
    assert_eq!(v["draw_matches"], false, "{v}");
    // Participants cannot verify.
    assert_eq!(
        app.get(&format!("/api/v1/attempts/{id}/verify"), Some(&a))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn staff_actions_are_recorded_in_the_audit_trail() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    app.post_json(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&organiser),
        &json!({}),
    )
    .await;
    let a = app.participant("0912000001").await;
    let pid = app.id_of(&a).await;
    app.void(&organiser, pid, "Trùng").await;
    let (_, who) = json_of(app.me(&organiser).await).await;

    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    let (status, log) = json_of(app.get("/api/v1/audit", Some(&judge)).await).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // The test seeded its units from code (no actor); everything else was the organiser.
    assert_eq!(
        actions,
        [
            "participant.void",
            "round.close",
            "round.create",
            "contest.create",
            "bank.import",
            "units.import"
        ]
    );
    for entry in &log.as_array().unwrap()[..5] {
        assert_eq!(entry["actor_id"], who["id"], "{entry}");
        assert!(entry["at"].is_string());
    }
    assert_eq!(log[5]["actor_id"], Value::Null);
    assert_eq!(log[0]["subject_id"], pid);
    assert_eq!(log[0]["details"]["reason"], "Trùng");
    // (The voided participant's token was revoked; another participant is refused.)
    assert_eq!(app.get("/api/v1/audit", Some(&a)).await.status(), 401);
    let b = app.participant("0912000002").await;
    assert_eq!(app.get("/api/v1/audit", Some(&b)).await.status(), 403);
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

/// The answers stored for an attempt, by position.
async fn stored_answers(
    app: &crate::helpers::TestApp,
    attempt_id: i64,
) -> std::collections::BTreeMap<i32, String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    cuocthi::entities::answer::Entity::find()
        .filter(cuocthi::entities::answer::Column::AttemptId.eq(attempt_id))
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.position, a.choices))
        .collect()
}

fn answer_save(
    attempt_id: i64,
    position: i32,
    choices: &str,
) -> cuocthi::contest::writer::AnswerSave {
    let now = chrono::Utc::now();
    cuocthi::contest::writer::AnswerSave {
        attempt_id,
        position,
        choices: choices.to_owned(),
        saved_at: now,
        deadline_not_before: now - Duration::seconds(10),
    }
}

#[tokio::test]
async fn one_group_of_saves_stores_each_in_order_and_refuses_finished_attempts() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let b = app.participant("0912000002").await;
    let (_, running) = app.start(&a, round).await;
    let running = running["attempt_id"].as_i64().unwrap();
    let (_, finished) = app.start(&b, round).await;
    let finished = finished["attempt_id"].as_i64().unwrap();
    app.submit(&b, finished, None).await;

    // Sent together (the test runtime runs one thread, so they reach the writer before it
    // wakes): one group, one statement.
    let writer = &app.state.engine.writer;
    let outcomes = futures_util::future::join_all([
        writer.save(answer_save(running, 1, "[0]")),
        writer.save(answer_save(finished, 1, "[0]")),
        writer.save(answer_save(running, 2, "[1]")),
        writer.save(answer_save(running, 1, "[2]")),
        writer.save(answer_save(i64::MAX, 1, "[0]")),
        writer.save(answer_save(running, 3, "[0,1]")),
    ])
    .await;
    let outcomes: Vec<bool> = outcomes.into_iter().map(|o| o.unwrap()).collect();
    assert_eq!(outcomes, [true, false, true, true, false, true]);
    let stored = stored_answers(&app, running).await;
    assert_eq!(
        stored.into_iter().collect::<Vec<_>>(),
        [
            (1, "[2]".to_owned()),
            (2, "[1]".to_owned()),
            (3, "[0,1]".to_owned())
        ],
        "the later of two saves of one answer wins, as if they ran one after the other"
    );
    assert!(stored_answers(&app, finished).await.is_empty());
}

#[tokio::test]
async fn one_group_with_two_starts_of_one_seat_inserts_one_attempt_beside_saves() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let a = app.participant("0912000001").await;
    let b = app.participant("0912000002").await;
    let (_, running) = app.start(&a, round).await;
    let running = running["attempt_id"].as_i64().unwrap();
    let b_id = app.id_of(&b).await;
    let now = chrono::Utc::now();
    let seat = |seed: i64| cuocthi::entities::attempt::ActiveModel {
        round_id: Set(round),
        user_id: Set(b_id),
        seq: Set(1),
        seed: Set(seed),
        status: Set(attempts::Status::InProgress),
        category_code: Set("official".to_owned()),
        unit_id: Set(None),
        questions: Set("[]".to_owned()),
        started_at: Set(now),
        deadline: Set(now + Duration::minutes(20)),
        max_score: Set(0),
        total: Set(0),
        bank_versions: Set("{}".to_owned()),
        ..Default::default()
    };
    let writer = &app.state.engine.writer;
    let (first, save, second) = tokio::join!(
        writer.insert_attempt(seat(11)),
        writer.save(answer_save(running, 1, "[1]")),
        writer.insert_attempt(seat(22)),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(save.unwrap(), "a save in the same group is stored");
    assert_eq!(
        first.as_ref().map(|m| m.seed),
        Some(11),
        "the first start wins"
    );
    assert!(
        second.is_none(),
        "the second start of the same seat is told it lost"
    );
    let rows = cuocthi::entities::attempt::Entity::find()
        .filter(cuocthi::entities::attempt::Column::UserId.eq(b_id))
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, first.unwrap().id);
    assert_eq!(
        stored_answers(&app, running)
            .await
            .get(&1)
            .map(String::as_str),
        Some("[1]")
    );
}

#[tokio::test]
async fn published_boards_are_served_from_their_snapshot_and_a_void_shows_at_once() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.board_staleness = std::time::Duration::from_secs(3600);
    })
    .await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let first = register_as(&app, "0912000001", "Người Thứ Nhất", "X-LH-TT").await;
    let second = register_as(&app, "0912000002", "Người Thứ Hai", "X-LH-TT").await;
    app.take(&first, round, 10, Some(1)).await;
    let url = format!("/api/v1/rounds/{round}/leaderboard?limit=10");
    let board = async |app: &crate::helpers::TestApp| json_of(app.get(&url, None).await).await.1;
    let before = board(&app).await;
    assert_eq!(before["total"], 1);

    // Within the staleness the same snapshot (and body) is served.
    app.take(&second, round, 4, Some(1)).await;
    assert_eq!(board(&app).await, before);
    let (_, units) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/units"), None)
            .await,
    )
    .await;
    let commune = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit_code"] == "X-LH-TT")
        .unwrap()
        .clone();
    assert_eq!(commune["participants"], 1);

    // A change made through this instance drops the snapshot at once.
    app.void(&organiser, app.id_of(&first).await, "Thi hộ")
        .await;
    let after = board(&app).await;
    assert_eq!(after["total"], 1);
    assert_eq!(after["entries"][0]["name"], "Người Thứ Hai");
}
