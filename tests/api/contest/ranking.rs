//! Scores and standings: each question kind scored by its rule, the leaderboard's
//! tie-break order, unit statistics rolled up the unit tree, and published boards.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{TEST_BANK, TestApp, json_of, register_as, round_spec, spawn_app};

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
    let key = app.option_ids(id).await;
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
        let key = app.option_ids(id).await;
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
            &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
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
    let board = async |app: &TestApp| json_of(app.get(&url, None).await).await.1;
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
