//! Who may do what and what is kept: staff cannot compete nor participants organise,
//! duplicate candidates, verification against tampering, and the audit trail.

use std::collections::HashSet;

use chrono::Duration;
use cuocthi::accounts::Role;
use serde_json::{Value, json};

use super::assert_reveals_nothing;
use crate::helpers::{TEST_BANK, json_of, registration, round_spec, spawn_app};

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
    // The same as a page, linked from the attempt record.
    let record = app
        .get(&format!("/judge/attempts/{id}"), Some(&judge))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        record.contains(&format!("/judge/attempts/{id}/verify")),
        "linked"
    );
    let verify_page = |attempt: i64| {
        let app = &app;
        let judge = judge.clone();
        async move {
            let r = app
                .get(&format!("/judge/attempts/{attempt}/verify"), Some(&judge))
                .await;
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let html = verify_page(id).await;
    assert!(html.contains("Kết quả không khớp"), "{html}");
    assert!(html.contains("Điểm chấm lại: <strong>KHÔNG khớp"), "{html}");
    assert!(html.contains("Chấm lại: 5/"), "{html}");
    let untouched = verify_page(second["attempt_id"].as_i64().unwrap()).await;
    assert!(untouched.contains("Kết quả khớp."), "{untouched}");

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
        &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
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
