//! The grouped writer: saves and starts of many participants committed together,
//! each in order, without letting a finished attempt change.

use chrono::Duration;

use crate::helpers::{TestApp, round_spec, spawn_app};

/// The answers stored for an attempt, by position.
async fn stored_answers(app: &TestApp, attempt_id: i64) -> std::collections::BTreeMap<i32, String> {
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
        status: Set(cuocthi::contest::attempts::Status::InProgress),
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
