//! What a round draws for an attempt: distinct questions, quotas per topic, difficulty
//! and category, a seed that reproduces it, later attempts avoiding earlier questions, and
//! a snapshot that bank edits do not change.

use std::collections::HashSet;

use serde_json::json;

use super::assert_reveals_nothing;
use crate::helpers::{TEST_BANK, json_of, registration, round_spec, spawn_app};

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
