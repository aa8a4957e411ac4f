//! Scale-out: two app instances on one database (PostgreSQL in CI's second run; the same
//! SQLite file in the first). Nothing an instance keeps in memory may fork an attempt,
//! score it twice, or make the instances disagree.

use std::collections::HashSet;

use chrono::Duration;
use cuocthi::contest::sweeper::{self, SWEEPER_LOCK};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, TransactionTrait};
use serde_json::json;

use crate::helpers::{json_of, round_spec, spawn_app, spawn_app_with, spawn_second_instance};

#[tokio::test]
async fn two_instances_share_attempts_results_and_leaderboards() {
    let a = spawn_app().await;
    let b = spawn_second_instance(&a).await;
    let (organiser, contest) = a.seed_contest().await;
    let mut spec = round_spec();
    spec["max_attempts"] = json!(1);
    let round = a.create_round(&organiser, contest, &spec).await;
    // Registered through one instance, signed in through the other.
    let token = b.participant("0912000001").await;

    // Racing starts spread over both instances: one attempt.
    let starts = (0..8).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        app.start(&token, round)
    });
    let ids: HashSet<i64> = futures_util::future::join_all(starts)
        .await
        .into_iter()
        .map(|(status, body)| {
            assert!(status.is_success(), "{body}");
            body["attempt_id"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one attempt, whichever instance was asked");
    let id = *ids.iter().next().unwrap();
    let (_, on_a) = a.start(&token, round).await;
    let (_, on_b) = b.start(&token, round).await;
    assert_eq!(on_a["deadline"], on_b["deadline"]);
    assert_eq!(on_a["questions"], on_b["questions"]);

    // Answers saved alternately through both instances all count.
    let key = a.option_ids(id).await;
    for (i, choices) in key.iter().enumerate() {
        let app = if i % 2 == 0 { &a } else { &b };
        let (status, body) = app.save(&token, id, i + 1, choices).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, view) = json_of(a.get(&format!("/api/v1/attempts/{id}"), Some(&token)).await).await;
    assert_eq!(
        view["answers"].as_object().unwrap().len(),
        key.len(),
        "the other instance's saves are visible"
    );

    // Submitted on one, submitted again on the other: the same result, scored once.
    let (status, first) = b.submit(&token, id, Some(1)).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["score"], json!(key.len()));
    let (status, again) = a.submit(&token, id, Some(7)).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, first);
    // A save after the submit is refused by either instance, though one cached the
    // attempt as running.
    let (status, body) = a.save(&token, id, 1, &key[0]).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].clone()),
        (409, json!("attempt_closed"))
    );
    let standings = cuocthi::entities::standing::Entity::find()
        .all(&a.state.db.read)
        .await
        .unwrap();
    assert_eq!(standings.len(), 1);
    assert_eq!(standings[0].attempts_used, 1);

    // Both instances publish the same leaderboard (staleness 0 in tests).
    let path = format!("/api/v1/rounds/{round}/leaderboard");
    let (_, board_a) = json_of(a.get(&path, None).await).await;
    let (_, board_b) = json_of(b.get(&path, None).await).await;
    assert_eq!(board_a["entries"], board_b["entries"]);
    assert_eq!(board_a["entries"][0]["score"], json!(key.len()));
}

#[tokio::test]
async fn expired_attempts_are_finalised_once_when_both_instances_sweep() {
    // Only the two sweeps below run: the background sweepers (every second in tests) would
    // otherwise take the lock, or the attempts, first.
    let a = spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600)).await;
    let b = spawn_second_instance(&a).await;
    let (organiser, contest) = a.seed_contest().await;
    let round = a.create_round(&organiser, contest, &round_spec()).await;
    let mut tokens = Vec::new();
    for i in 0..6 {
        let token = a.participant(&format!("09120000{i:02}")).await;
        let (status, body) = b.start(&token, round).await;
        assert_eq!(status, 201, "{body}");
        tokens.push(token);
    }
    // Time runs out on both instances' clocks.
    for app in [&a, &b] {
        app.state.engine.clock.advance(Duration::minutes(25));
    }
    let sweep_a = sweeper::sweep_if_leader(&a.state.engine, &a.state.db.write);
    let sweep_b = sweeper::sweep_if_leader(&b.state.engine, &b.state.db.write);
    let (ra, rb) = if a.state.db.write.get_database_backend() == DbBackend::Postgres {
        tokio::join!(sweep_a, sweep_b)
    } else {
        // Several instances share PostgreSQL, not an SQLite file (whose writers would
        // fight over its lock): here the two sweeps only run one after the other.
        (sweep_a.await, sweep_b.await)
    };
    let swept = ra.unwrap().unwrap_or(0) + rb.unwrap().unwrap_or(0);
    assert_eq!(
        swept, 6,
        "every expired attempt finalised by exactly one sweep"
    );
    let standings = cuocthi::entities::standing::Entity::find()
        .all(&a.state.db.read)
        .await
        .unwrap();
    assert_eq!(standings.len(), 6);
    assert!(standings.iter().all(|s| s.attempts_used == 1));
}

#[tokio::test]
async fn the_sweeper_runs_on_one_instance_at_a_time() {
    // The app's own sweeper first ticks an hour after start, so it cannot be the one
    // holding the lock when the test looks.
    let a = spawn_app_with(|s| s.sweep_every = std::time::Duration::from_secs(3600)).await;
    let db = &a.state.db.write;
    if db.get_database_backend() != DbBackend::Postgres {
        // One instance per SQLite file: it always sweeps.
        assert_eq!(
            sweeper::sweep_if_leader(&a.state.engine, db).await.unwrap(),
            Some(0)
        );
        return;
    }
    // Another instance is sweeping: it holds the lock in its transaction.
    let other = db.begin().await.unwrap();
    other
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [SWEEPER_LOCK.into()],
        ))
        .await
        .unwrap();
    assert_eq!(
        sweeper::sweep_if_leader(&a.state.engine, db).await.unwrap(),
        None,
        "this instance skips the tick"
    );
    other.commit().await.unwrap();
    assert_eq!(
        sweeper::sweep_if_leader(&a.state.engine, db).await.unwrap(),
        Some(0),
        "the lock is free again"
    );
}
