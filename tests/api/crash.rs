//! Crash safety: the real server is SIGKILLed while participants save answers, restarted
//! on the same database, SIGKILLed again while they submit, and restarted again. A 200
//! must have meant "committed", and no attempt may be scored twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::helpers::fresh_database;
use crate::process::{
    PARTICIPANT_PASSWORD, ServerProcess, assert_database_sound, login, seed_database,
};

/// Participants taking the round when the server dies.
const PARTICIPANTS: usize = 30;
/// Of them, how many submit before the crash.
const SUBMITTERS: usize = 5;
/// Acknowledged saves after which the server is killed.
const SAVES_BEFORE_KILL: usize = 300;
/// No participant saves more than this (a bound, should the kill never come).
const MAX_SAVES_EACH: usize = 2_000;

/// One participant's side of the story: what the server acknowledged, and the save that
/// was in flight (sent, never answered) when it died.
#[derive(Debug, Default)]
struct Taken {
    token: String,
    attempt_id: i64,
    deadline: Option<DateTime<Utc>>,
    /// Position → option ids of the last save answered 200.
    acked: HashMap<usize, Vec<String>>,
    in_flight: Option<(usize, Vec<String>)>,
    /// The score of a submit answered 200 before the crash.
    submitted_score: Option<i64>,
}

fn deadline_of(attempt: &Value) -> DateTime<Utc> {
    attempt["deadline"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("an attempt has a deadline")
}

/// Starts an attempt and saves answers — random options of random questions — until the
/// server stops answering; submitters submit after their tenth save.
async fn take_until_the_crash(
    client: reqwest::Client,
    address: String,
    round_id: i64,
    token: String,
    submits: bool,
    acked_total: Arc<AtomicUsize>,
    progress: watch::Sender<usize>,
) -> Taken {
    let mut taken = Taken {
        token,
        ..Default::default()
    };
    let response = client
        .post(format!("{address}/api/v1/rounds/{round_id}/attempts"))
        .bearer_auth(&taken.token)
        .json(&json!({}))
        .send()
        .await
        .expect("the server is up while attempts start");
    assert_eq!(response.status(), StatusCode::CREATED);
    let attempt: Value = response.json().await.unwrap();
    taken.attempt_id = attempt["attempt_id"].as_i64().unwrap();
    taken.deadline = Some(deadline_of(&attempt));
    let questions = attempt["questions"].as_array().unwrap().clone();

    for n in 1..=MAX_SAVES_EACH {
        let (position, choice) = {
            let mut rng = rand::rng();
            let q = &questions[rng.random_range(0..questions.len())];
            let options = q["options"].as_array().unwrap();
            let option = &options[rng.random_range(0..options.len())];
            (
                q["id"].as_u64().unwrap() as usize,
                vec![option["id"].as_str().unwrap().to_owned()],
            )
        };
        taken.in_flight = Some((position, choice.clone()));
        let sent = client
            .put(format!(
                "{address}/api/v1/attempts/{}/answers/{position}",
                taken.attempt_id
            ))
            .bearer_auth(&taken.token)
            .json(&json!({ "choices": choice }))
            .send()
            .await;
        let status = match sent {
            Ok(r) => r.status(),
            // The server died: this save may or may not have been committed.
            Err(_) => return taken,
        };
        assert_eq!(status, StatusCode::OK, "a save before the crash is refused");
        taken.in_flight = None;
        taken.acked.insert(position, choice);
        let total = acked_total.fetch_add(1, Ordering::SeqCst) + 1;
        progress.send_replace(total);

        if submits && n == 10 {
            let response = client
                .post(format!(
                    "{address}/api/v1/attempts/{}/submit",
                    taken.attempt_id
                ))
                .bearer_auth(&taken.token)
                .json(&json!({ "prediction": 3 }))
                .send()
                .await
                .expect("submits happen before the crash");
            assert_eq!(response.status(), StatusCode::OK);
            let result: Value = response.json().await.unwrap();
            taken.submitted_score = Some(result["score"].as_i64().unwrap());
            return taken;
        }
    }
    panic!("the server was never killed");
}

async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("the restarted server answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answers_acknowledged_before_a_crash_survive_it_and_attempts_resume() {
    // Arrange: a database with an open round and participants, and the real server on it.
    let (url, _dir) = fresh_database().await;
    let seeded = seed_database(&url, PARTICIPANTS).await;
    let round_id = seeded.round_id;
    let mut server = ServerProcess::start(&url, "info,sqlx=warn").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut tokens = Vec::new();
    for phone in &seeded.phones {
        tokens.push(login(&client, &server.address, phone, PARTICIPANT_PASSWORD).await);
    }

    // Act: everyone starts and saves answers at once; five submit; the server is
    // SIGKILLed mid-load.
    let acked_total = Arc::new(AtomicUsize::new(0));
    let (progress, mut watch_progress) = watch::channel(0usize);
    let mut submitters = Vec::new();
    let mut savers = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let task = tokio::spawn(take_until_the_crash(
            client.clone(),
            server.address.clone(),
            round_id,
            token.clone(),
            i < SUBMITTERS,
            acked_total.clone(),
            progress.clone(),
        ));
        if i < SUBMITTERS {
            submitters.push(task);
        } else {
            savers.push(task);
        }
    }
    let mut takers = Vec::new();
    for task in submitters {
        takers.push(task.await.expect("a submitter finished"));
    }
    watch_progress
        .wait_for(|&n| n >= SAVES_BEFORE_KILL)
        .await
        .unwrap();
    server.kill();
    for task in savers {
        takers.push(task.await.expect("a participant stopped at the crash"));
    }
    let saves_acked = acked_total.load(Ordering::SeqCst);
    assert!(saves_acked >= SAVES_BEFORE_KILL);
    assert!(
        takers.iter().any(|t| t.in_flight.is_some()),
        "the server was killed while saves were in flight"
    );
    assert_database_sound(&url).await;

    // Restart on the same database.
    let mut server = ServerProcess::start(&url, "info,sqlx=warn").await;
    let address = server.address.clone();

    for t in &takers {
        // Every acknowledged answer is there exactly as chosen (the save in flight at the
        // crash may or may not have landed, but nothing else may differ).
        let (status, attempt) = call(
            client
                .get(format!("{address}/api/v1/attempts/{}", t.attempt_id))
                .bearer_auth(&t.token),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the old token still works: {attempt}"
        );
        let total = attempt["questions"].as_array().unwrap().len();
        for position in 1..=total {
            let stored: Option<Vec<String>> = attempt["answers"][position.to_string()]["choices"]
                .as_array()
                .map(|c| c.iter().map(|o| o.as_str().unwrap().to_owned()).collect());
            let acked = t.acked.get(&position).cloned();
            let in_flight = t
                .in_flight
                .as_ref()
                .filter(|(p, _)| *p == position)
                .map(|(_, c)| c.clone());
            assert!(
                stored == acked || (in_flight.is_some() && stored == in_flight),
                "attempt {} question {position}: stored {stored:?}, acknowledged {acked:?}, \
                 in flight {in_flight:?}",
                t.attempt_id
            );
        }

        if let Some(score) = t.submitted_score {
            // A submitted attempt stays submitted, with its score; submitting again
            // changes nothing.
            let (status, again) = call(
                client
                    .post(format!("{address}/api/v1/attempts/{}/submit", t.attempt_id))
                    .bearer_auth(&t.token)
                    .json(&json!({})),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{again}");
            assert_eq!(again["score"].as_i64(), Some(score));
            continue;
        }

        // An attempt in progress resumes: same attempt, same deadline, still saving.
        let (status, resumed) = call(
            client
                .post(format!("{address}/api/v1/rounds/{round_id}/attempts"))
                .bearer_auth(&t.token)
                .json(&json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{resumed}");
        assert_eq!(resumed["attempt_id"].as_i64(), Some(t.attempt_id));
        // Compared at the precision every backend keeps (microseconds).
        assert_eq!(
            deadline_of(&resumed).timestamp_micros(),
            t.deadline.unwrap().timestamp_micros(),
            "the deadline did not move"
        );
        let option = resumed["questions"][0]["options"][0]["id"].clone();
        let (status, body) = call(
            client
                .put(format!(
                    "{address}/api/v1/attempts/{}/answers/1",
                    t.attempt_id
                ))
                .bearer_auth(&t.token)
                .json(&json!({ "choices": [option] })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // A second crash, while the remaining participants all submit at once.
    let in_progress: Vec<&Taken> = takers
        .iter()
        .filter(|t| t.submitted_score.is_none())
        .collect();
    let (progress, mut watch_progress) = watch::channel(0usize);
    let acked_submits = Arc::new(AtomicUsize::new(0));
    let mut submits = Vec::new();
    for t in &in_progress {
        let request = client
            .post(format!("{address}/api/v1/attempts/{}/submit", t.attempt_id))
            .bearer_auth(&t.token)
            .json(&json!({ "prediction": 4 }));
        let (progress, acked_submits) = (progress.clone(), acked_submits.clone());
        submits.push(tokio::spawn(async move {
            let response = request.send().await.ok()?;
            assert_eq!(response.status(), StatusCode::OK);
            let score = response.json::<Value>().await.ok()?["score"].as_i64();
            progress.send_replace(acked_submits.fetch_add(1, Ordering::SeqCst) + 1);
            score
        }));
    }
    watch_progress
        .wait_for(|&n| n >= in_progress.len() / 2)
        .await
        .unwrap();
    server.kill();
    let mut submit_acks = Vec::new();
    for task in submits {
        submit_acks.push(task.await.expect("a submit ended"));
    }
    assert_database_sound(&url).await;

    // Restart again: a submit acknowledged before the crash kept its score, and every
    // submit now — a retry, or the first that landed — returns one result, twice.
    let server = ServerProcess::start(&url, "info,sqlx=warn").await;
    let address = &server.address;
    for (t, acked) in in_progress.iter().zip(&submit_acks) {
        let mut scores = Vec::new();
        for _ in 0..2 {
            let (status, submitted) = call(
                client
                    .post(format!("{address}/api/v1/attempts/{}/submit", t.attempt_id))
                    .bearer_auth(&t.token)
                    .json(&json!({ "prediction": 4 })),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{submitted}");
            scores.push(submitted["score"].as_i64().unwrap());
        }
        assert_eq!(
            scores[0], scores[1],
            "a second submit returns the same result"
        );
        if let Some(score) = acked {
            assert_eq!(scores[0], *score, "an acknowledged submit kept its score");
        }
    }

    // Assert: one attempt and one standing per participant, each counted once.
    drop(server);
    use cuocthi::entities::{attempt, standing};
    let db = Database::connect(&url).await.unwrap();
    let attempts = attempt::Entity::find()
        .filter(attempt::Column::RoundId.eq(round_id))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        attempts.len(),
        PARTICIPANTS,
        "no attempt was forked or restarted"
    );
    assert!(
        attempts
            .iter()
            .all(|a| a.status == cuocthi::contest::attempts::Status::Finished)
    );
    let standings = standing::Entity::find()
        .filter(standing::Column::RoundId.eq(round_id))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        standings.len(),
        PARTICIPANTS,
        "one standing per participant"
    );
    let by_id: HashMap<i64, &attempt::Model> = attempts.iter().map(|a| (a.id, a)).collect();
    for s in &standings {
        assert_eq!(s.attempts_used, 1, "an attempt was counted twice: {s:?}");
        let a = by_id[&s.attempt_id];
        assert_eq!(a.user_id, s.user_id);
        assert_eq!(a.score, Some(s.score));
    }
    for t in &takers {
        if let Some(score) = t.submitted_score {
            assert_eq!(by_id[&t.attempt_id].score, Some(score as i32));
        }
    }
    db.close().await.ok();
    assert_database_sound(&url).await;
}
