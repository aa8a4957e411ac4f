//! Disputed questions settled by the jury (issue #15 point 5): a decision re-scores every
//! finished attempt of the round, the leaderboard follows, `verify` agrees, running
//! attempts keep every save and score with the decision when they finish.
//!
//! Expected scores are computed here from the stored answers and the question rows'
//! own JSON, independently of the server's scoring code.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::*;
use cuocthi::entities::{answer, attempt, question};

const SURNAMES: [&str; 10] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ",
];
const GIVEN: [&str; 20] = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Lan",
    "Linh", "Long", "Mai", "Minh", "Nam", "Ngọc", "Phúc", "Quân",
];

/// `n` participants (the first 200 with distinct names), stored directly with one
/// password hash and signed in with a token the server issues: registering 200 people
/// through argon2 would be the whole test's time. Returns (user id, name, token).
async fn participants(app: &TestApp, n: usize) -> Vec<(i64, String, String)> {
    use cuocthi::accounts::{self, Registration};
    let hash = tokio::task::spawn_blocking(|| accounts::password::hash_blocking(PASSWORD))
        .await
        .unwrap()
        .unwrap();
    let today = Utc::now().date_naive();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("{} Văn {}", SURNAMES[i % 10], GIVEN[(i / 10) % 20]);
        let valid = Registration {
            full_name: Some(name.clone()),
            phone: Some(format!("09{:08}", 13_000_000 + i)),
            category: Some("official".into()),
            unit_code: Some("SO-TP".into()),
            password: Some(PASSWORD.into()),
            consent: Some(true),
            ..Default::default()
        }
        .validate(today)
        .expect("a valid registration");
        let (user, _) = accounts::create_participant(&app.state.db.write, valid, hash.clone())
            .await
            .expect("participant");
        let token = app
            .state
            .tokens
            .issue(user.id, user.token_version, Utc::now())
            .unwrap()
            .token;
        out.push((user.id, name, token));
    }
    out
}

/// What participant `i` does with the question at `position`: right, wrong, or nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Right,
    Wrong,
    Blank,
}

fn plan(i: usize, position: usize) -> Answer {
    match (i * 7 + position * 3 + i / 13) % 6 {
        0..=2 => Answer::Right,
        3 | 4 => Answer::Wrong,
        _ => Answer::Blank,
    }
}

/// Starts an attempt of `token` in `round` and saves answers as [`plan`] says, through
/// the real API; returns the attempt id.
async fn answer(app: &TestApp, token: &str, round: i64, i: usize) -> i64 {
    let (status, started) = app.start(token, round).await;
    assert!(status.is_success(), "{started}");
    let id = started["attempt_id"].as_i64().unwrap();
    let key = app.option_ids(id).await;
    for q in started["questions"].as_array().unwrap() {
        let position = q["id"].as_u64().unwrap() as usize;
        let choices = match plan(i, position) {
            Answer::Blank => continue,
            Answer::Right => key[position - 1].clone(),
            Answer::Wrong => vec![
                q["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["id"].as_str().unwrap().to_owned())
                    .find(|o| !key[position - 1].contains(o))
                    .unwrap(),
            ],
        };
        let (status, body) = app.save(token, id, position, &choices).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    id
}

/// A question as the test reads it: its option texts and stored key.
#[derive(Debug, Clone)]
struct Q {
    texts: Vec<String>,
    key: Vec<bool>,
}

async fn questions(app: &TestApp) -> HashMap<i64, Q> {
    question::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            let choices: Vec<Value> = serde_json::from_str(&row.choices).unwrap();
            let q = Q {
                texts: choices
                    .iter()
                    .map(|c| c["text"].as_str().unwrap().to_owned())
                    .collect(),
                key: choices
                    .iter()
                    .map(|c| c["correct"].as_bool().unwrap())
                    .collect(),
            };
            (row.id, q)
        })
        .collect()
}

/// A jury decision as the test models it.
#[derive(Debug, Clone)]
enum Ruling {
    Key(Vec<bool>),
    All,
    Drop,
}

/// One finished attempt as stored: drawn question ids, chosen bank indexes by position.
struct Stored {
    id: i64,
    user_id: i64,
    drawn: Vec<i64>,
    chosen: HashMap<i32, BTreeSet<usize>>,
    time_taken_ms: i64,
    submitted_at: DateTime<Utc>,
    score: i32,
    max_score: i32,
}

async fn stored(app: &TestApp, round: i64) -> Vec<Stored> {
    let db = &app.state.db.read;
    let attempts = attempt::Entity::find()
        .filter(attempt::Column::RoundId.eq(round))
        .filter(attempt::Column::Status.eq(attempt::Status::Finished))
        .all(db)
        .await
        .unwrap();
    let mut chosen: HashMap<i64, HashMap<i32, BTreeSet<usize>>> = HashMap::new();
    for a in answer::Entity::find()
        .filter(answer::Column::AttemptId.is_in(attempts.iter().map(|a| a.id)))
        .all(db)
        .await
        .unwrap()
    {
        chosen
            .entry(a.attempt_id)
            .or_default()
            .insert(a.position, a.choices().unwrap().into_iter().collect());
    }
    attempts
        .into_iter()
        .map(|a| Stored {
            id: a.id,
            user_id: a.user_id,
            drawn: cuocthi::contest::attempts::drawn_of(&a)
                .unwrap()
                .iter()
                .map(|d| d.question_id)
                .collect(),
            chosen: chosen.remove(&a.id).unwrap_or_default(),
            time_taken_ms: a.time_taken_ms.unwrap(),
            submitted_at: a.submitted_at.unwrap(),
            score: a.score.unwrap(),
            max_score: a.max_score,
        })
        .collect()
}

/// (score, max_score) of an attempt under the rulings, computed by hand.
fn expected(a: &Stored, qs: &HashMap<i64, Q>, rulings: &HashMap<i64, Ruling>) -> (i32, i32) {
    let (mut score, mut max) = (0, 0);
    for (i, id) in a.drawn.iter().enumerate() {
        let chosen = a.chosen.get(&(i as i32 + 1));
        let exactly = |key: &[bool]| {
            chosen.is_some_and(|c| {
                !c.is_empty()
                    && (0..key.len()).all(|k| key[k] == c.contains(&k))
                    && c.iter().all(|&k| k < key.len())
            })
        };
        match rulings.get(id) {
            Some(Ruling::Drop) => {}
            Some(Ruling::All) => {
                max += 1;
                score += 1;
            }
            Some(Ruling::Key(key)) => {
                max += 1;
                score += i32::from(exactly(key));
            }
            None => {
                max += 1;
                score += i32::from(exactly(&qs[id].key));
            }
        }
    }
    (score, max)
}

/// Checks the stored scores and the JSON leaderboard (order, names, scores) against the
/// hand computation.
async fn assert_rescored(
    app: &TestApp,
    round: i64,
    names: &HashMap<i64, String>,
    qs: &HashMap<i64, Q>,
    rulings: &HashMap<i64, Ruling>,
) {
    let attempts = stored(app, round).await;
    let mut rows = Vec::new();
    for a in &attempts {
        let (score, max) = expected(a, qs, rulings);
        assert_eq!(
            (a.score, a.max_score),
            (score, max),
            "attempt {} stored score",
            a.id
        );
        rows.push((score, max, a.time_taken_ms, a.submitted_at, a.user_id));
    }
    // One attempt each: the ranking is score desc, time asc, submission asc, participant.
    rows.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then(x.2.cmp(&y.2))
            .then(x.3.cmp(&y.3))
            .then(x.4.cmp(&y.4))
    });
    let (status, board) = json_of(
        app.get(
            &format!("/api/v1/rounds/{round}/leaderboard?limit=1000"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let entries = board["entries"].as_array().unwrap();
    assert_eq!(entries.len(), rows.len());
    for (e, (score, max, time, _, user)) in entries.iter().zip(&rows) {
        assert_eq!(e["name"], json!(names[user]), "{e}");
        assert_eq!(e["score"], json!(score), "{e}");
        assert_eq!(e["max_score"], json!(max), "{e}");
        assert_eq!(e["time_taken_ms"], json!(time), "{e}");
    }
}

async fn decide(
    app: &TestApp,
    token: &str,
    round: i64,
    question: i64,
    body: Value,
) -> (StatusCode, Value) {
    json_of(
        app.post_json(
            &format!("/api/v1/rounds/{round}/questions/{question}/decision"),
            Some(token),
            &body,
        )
        .await,
    )
    .await
}

/// The questions drawn by most attempts, most first (ties by id).
fn most_drawn(attempts: &[Stored]) -> Vec<(i64, u64)> {
    let mut counts: HashMap<i64, u64> = HashMap::new();
    for a in attempts {
        for id in &a.drawn {
            *counts.entry(*id).or_default() += 1;
        }
    }
    let mut list: Vec<(i64, u64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list
}

#[tokio::test]
async fn a_key_correction_an_accept_all_and_a_drop_rescore_200_attempts_and_their_leaderboard() {
    // Arrange: 200 participants each submit one attempt of 10 questions out of 60.
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let people = participants(&app, 200).await;
    let names: HashMap<i64, String> = people.iter().map(|(id, n, _)| (*id, n.clone())).collect();
    let app = &app;
    futures_util::stream::iter(people.iter().enumerate())
        .map(|(i, (_, _, token))| async move {
            let id = answer(app, token, round, i).await;
            let (status, body) = app.submit(token, id, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
    let qs = questions(app).await;
    let attempts = stored(app, round).await;
    assert_eq!(attempts.len(), 200);
    let mut rulings = HashMap::new();
    assert_rescored(app, round, &names, &qs, &rulings).await;

    // Act: the key of the most drawn question was wrong (a wrong option is the right
    // one); every answer of the second is accepted, blank ones too; the third is dropped.
    let top = most_drawn(&attempts);
    let (q1, q2, q3) = (top[0].0, top[1].0, top[2].0);
    let wrong = qs[&q1].key.iter().position(|r| !r).unwrap();
    let mut corrected = vec![false; qs[&q1].key.len()];
    corrected[wrong] = true;
    let decisions = [
        (
            top[0],
            json!({"decision": "correct_key", "correct": [qs[&q1].texts[wrong]], "reason": "Đáp án gốc sai theo Nghị định 45/2020/NĐ-CP."}),
            Ruling::Key(corrected),
        ),
        (
            top[1],
            json!({"decision": "accept_all", "reason": "Câu hỏi có hai cách hiểu."}),
            Ruling::All,
        ),
        (
            top[2],
            json!({"decision": "drop", "reason": "Văn bản căn cứ đã hết hiệu lực."}),
            Ruling::Drop,
        ),
    ];
    for ((q, drew), body, ruling) in decisions {
        let took = std::time::Instant::now();
        let (status, body) = decide(app, &organiser, round, q, body).await;
        eprintln!(
            "decision on question {q} re-scored 200 attempts in {:?}",
            took.elapsed()
        );
        assert_eq!(status, StatusCode::OK, "{body}");
        // Every finished attempt that drew it, and some scores change.
        assert_eq!(body["rescored"], json!(drew), "{body}");
        assert!(body["changed"].as_u64().unwrap() > 0, "{body}");
        rulings.insert(q, ruling);
        // Assert: stored scores and the leaderboard follow each decision.
        assert_rescored(app, round, &names, &qs, &rulings).await;
    }

    // Assert: verify agrees with every attempt and names the decisions it applied.
    for a in &stored(app, round).await {
        let (status, v) = json_of(
            app.get(
                &format!("/api/v1/attempts/{}/verify", a.id),
                Some(&organiser),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["match"], json!(true), "{v}");
        let applied: BTreeSet<i64> = v["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["question_id"].as_i64().unwrap())
            .collect();
        let drew: BTreeSet<i64> = a
            .drawn
            .iter()
            .copied()
            .filter(|id| [q1, q2, q3].contains(id))
            .collect();
        assert_eq!(applied, drew, "{v}");
    }
    // An affected participant sees the notice in the attempt JSON.
    let a = stored(app, round)
        .await
        .into_iter()
        .find(|a| a.drawn.contains(&q3))
        .unwrap();
    let token = &people.iter().find(|p| p.0 == a.user_id).unwrap().2;
    let (status, view) = json_of(
        app.get(&format!("/api/v1/attempts/{}", a.id), Some(token))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let position = a.drawn.iter().position(|id| *id == q3).unwrap() + 1;
    let notice = view["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["decision"] == "drop")
        .unwrap();
    assert_eq!(notice["question"], json!(position));
    assert_eq!(
        notice["message"],
        json!(format!(
            "Câu hỏi {position} đã được Ban Giám khảo điều chỉnh: loại khỏi việc tính điểm. Lý do: Văn bản căn cứ đã hết hiệu lực."
        ))
    );
}

#[tokio::test]
async fn rescoring_while_running_attempts_save_loses_no_save_and_they_finish_with_the_decision() {
    // Arrange: 60 finished attempts, 30 running.
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let people = participants(&app, 90).await;
    let app = &app;
    futures_util::stream::iter(people[..60].iter().enumerate())
        .map(|(i, (_, _, token))| async move {
            let id = answer(app, token, round, i).await;
            let (status, body) = app.submit(token, id, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        })
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
    let mut running = Vec::new();
    for (_, _, token) in &people[60..] {
        let (status, started) = app.start(token, round).await;
        assert!(status.is_success(), "{started}");
        running.push((token.clone(), started));
    }
    let qs = questions(app).await;
    let top = most_drawn(&stored(app, round).await);

    // Act: the running attempts save answer after answer while three decisions re-score.
    let saving = futures_util::stream::iter(running.iter())
        .map(|(token, started)| async move {
            let id = started["attempt_id"].as_i64().unwrap();
            let mut last: HashMap<usize, Vec<String>> = HashMap::new();
            for pass in 0..3 {
                for q in started["questions"].as_array().unwrap() {
                    let position = q["id"].as_u64().unwrap() as usize;
                    let options = q["options"].as_array().unwrap();
                    let choice = options[(position + pass) % options.len()]["id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    let (status, body) = app
                        .save(token, id, position, std::slice::from_ref(&choice))
                        .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                    last.insert(position, vec![choice]);
                }
            }
            (id, last)
        })
        .buffer_unordered(30)
        .collect::<Vec<_>>();
    let deciding = async {
        let (q1, q2, q3) = (top[0].0, top[1].0, top[2].0);
        let right = qs[&q1].key.iter().position(|r| !r).unwrap();
        for (q, body) in [
            (
                q1,
                json!({"decision": "correct_key", "correct": [qs[&q1].texts[right]], "reason": "Sửa đáp án."}),
            ),
            (
                q2,
                json!({"decision": "accept_all", "reason": "Hai cách hiểu."}),
            ),
            (q3, json!({"decision": "drop", "reason": "Loại câu hỏi."})),
        ] {
            let (status, body) = decide(app, &organiser, round, q, body).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    let (saved, ()) = tokio::join!(saving, deciding);

    // Assert: every acknowledged save is stored as last acknowledged.
    for (id, last) in &saved {
        let view = app
            .get(&format!("/api/v1/attempts/{id}"), Some(&organiser))
            .await;
        let (status, view) = json_of(view).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        for (position, choices) in last {
            assert_eq!(
                view["answers"][position.to_string()]["choices"],
                json!(choices),
                "attempt {id} position {position}"
            );
        }
    }
    // The running attempts finish and score with the decisions; verify agrees everywhere.
    for (token, started) in &running {
        let id = started["attempt_id"].as_i64().unwrap();
        let (status, body) = app.submit(token, id, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let mut rulings = HashMap::new();
    let right = qs[&top[0].0].key.iter().position(|r| !r).unwrap();
    let mut key = vec![false; qs[&top[0].0].key.len()];
    key[right] = true;
    rulings.insert(top[0].0, Ruling::Key(key));
    rulings.insert(top[1].0, Ruling::All);
    rulings.insert(top[2].0, Ruling::Drop);
    let all = stored(app, round).await;
    assert_eq!(all.len(), 90);
    for a in &all {
        assert_eq!(
            (a.score, a.max_score),
            expected(a, &qs, &rulings),
            "attempt {}",
            a.id
        );
        let (_, v) = json_of(
            app.get(
                &format!("/api/v1/attempts/{}/verify", a.id),
                Some(&organiser),
            )
            .await,
        )
        .await;
        assert_eq!(v["match"], json!(true), "{v}");
    }
}

#[tokio::test]
async fn decisions_are_checked_replaced_audited_and_shown_on_the_result_page() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let people = participants(&app, 3).await;
    for (i, (_, _, token)) in people.iter().enumerate() {
        let id = answer(&app, token, round, i).await;
        app.submit(token, id, None).await;
    }
    let qs = questions(&app).await;
    let attempts = stored(&app, round).await;
    let q = attempts[0].drawn[0];
    let url = format!("/api/v1/rounds/{round}/questions/{q}/decision");

    // Bad input: each refused with its field or code, nothing stored.
    let cases = [
        (
            json!({"decision": "drop"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason",
        ),
        (
            json!({"decision": "correct_key", "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "correct",
        ),
        (
            json!({"decision": "correct_key", "correct": [], "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "correct",
        ),
        (
            json!({"decision": "correct_key", "correct": ["Không có phương án này"], "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "correct",
        ),
    ];
    for (body, status, field) in cases {
        let (got, error) = json_of(app.post_json(&url, Some(&organiser), &body).await).await;
        assert_eq!(got, status, "{error}");
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    let undrawn = qs
        .keys()
        .copied()
        .find(|id| attempts.iter().all(|a| !a.drawn.contains(id)))
        .unwrap();
    let (status, error) = decide(
        &app,
        &organiser,
        round,
        undrawn,
        json!({"decision": "drop", "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["code"], "question_not_drawn");
    let (status, error) = decide(
        &app,
        &organiser,
        round,
        999_999,
        json!({"decision": "drop", "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    // A round not yet open.
    let mut later = round_spec();
    later["opens_at"] = json!(Utc::now() + chrono::Duration::days(1));
    later["closes_at"] = json!(Utc::now() + chrono::Duration::days(2));
    let upcoming = app.create_round(&organiser, contest, &later).await;
    let (status, error) = decide(
        &app,
        &organiser,
        upcoming,
        q,
        json!({"decision": "drop", "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "round_not_open");

    // A decision, then another on the same question replaces it, audited before/after.
    let options = &qs[&q].texts;
    let right = qs[&q].key.iter().position(|r| *r).unwrap();
    let (status, body) = decide(
        &app,
        &organiser,
        round,
        q,
        json!({"decision": "correct_key", "correct": [options[right]], "reason": "Giữ đáp án."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = decide(
        &app,
        &organiser,
        round,
        q,
        json!({"decision": "accept_all", "reason": "Chấp nhận mọi câu trả lời."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, audit) = json_of(app.get("/api/v1/audit?limit=5", Some(&organiser)).await).await;
    let last = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "round.question_decision")
        .unwrap()
        .clone();
    let details = &last["details"];
    assert_eq!(details["before"]["decision"], "correct_key", "{last}");
    assert_eq!(
        details["before"]["correct"],
        json!([options[right]]),
        "{last}"
    );
    assert_eq!(details["after"]["decision"], "accept_all", "{last}");
    let (_, v) = json_of(
        app.get(
            &format!("/api/v1/attempts/{}/verify", attempts[0].id),
            Some(&organiser),
        )
        .await,
    )
    .await;
    assert_eq!(v["decisions"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["decisions"][0]["decision"], "accept_all", "{v}");
    assert_eq!(v["match"], json!(true), "{v}");

    // The participant's result page shows the notice.
    let owner = &people
        .iter()
        .find(|p| p.0 == attempts[0].user_id)
        .unwrap()
        .2;
    let page = app
        .client
        .get(app.url(&format!("/attempts/{}/result", attempts[0].id)))
        .bearer_auth(owner)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Câu hỏi 1 đã được Ban Giám khảo điều chỉnh: chấp nhận mọi câu trả lời"),
        "{html}"
    );

    // A finished contest is locked.
    use sea_orm::{ActiveModelTrait, Set};
    cuocthi::entities::contest::ActiveModel {
        id: Set(contest),
        status: Set(cuocthi::entities::contest::Status::Finished),
        ..Default::default()
    }
    .update(&app.state.db.write)
    .await
    .unwrap();
    app.state.engine.contests.remove(&contest).await;
    let (status, error) = decide(
        &app,
        &organiser,
        round,
        q,
        json!({"decision": "drop", "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "contest_locked");
}

#[tokio::test]
async fn a_decision_on_a_settled_round_recomputes_the_perfect_score_prediction() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let people = participants(&app, 6).await;
    // Participant 0 answers all 10 right; the others miss at least one.
    let app = &app;
    let mut missed = HashMap::new();
    for (i, (_, _, token)) in people.iter().enumerate() {
        let right = if i == 0 { 10 } else { 9 };
        let result = app.take(token, round, right, Some(3)).await;
        missed.insert(result["attempt_id"].as_i64().unwrap(), 10 - right);
    }
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&organiser),
            &json!({"confirm": true, "reason": "Kết thúc sớm để chấm"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.state.engine.clock.advance(chrono::Duration::minutes(5));
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
    let (_, before) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(before["prediction_actual"], json!(1), "{before}");

    // Accepting every answer of each missed question makes them all perfect.
    let mut decided = BTreeSet::new();
    for a in stored(app, round).await {
        if missed[&a.id] == 0 {
            continue;
        }
        // `take` answers the first nine positions right and the tenth wrong.
        let q = a.drawn[9];
        if decided.insert(q) {
            let (status, body) = decide(
                app,
                &organiser,
                round,
                q,
                json!({"decision": "accept_all", "reason": "Câu hỏi sai."}),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
    let (_, after) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(after["prediction_actual"], json!(6), "{after}");
    assert!(
        after["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["score"] == e["max_score"]),
        "{after}"
    );
}

/// A measurement, not a check for every run (`cargo test --test api measure -- --ignored
/// --nocapture`): a round of 10,000 finished attempts, made through the engine's own
/// start, save and submit (no HTTP, to keep the setup minutes short), re-scored by a
/// decision through the API.
#[tokio::test]
#[ignore = "a measurement: 10,000 attempts; run with --ignored"]
async fn measure_rescoring_10000_attempts() {
    use cuocthi::contest::attempts;
    let app = spawn_app_with(|s| s.start_limit_per_minute = 0).await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let n: usize = std::env::var("DISPUTES_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let setup = std::time::Instant::now();
    let people = participants(&app, n).await;
    let r = attempts::load_round(&app.state.db.read, round)
        .await
        .unwrap();
    let app = &app;
    let r = &r;
    futures_util::stream::iter(people.iter().enumerate())
        .map(|(i, (user_id, _, _))| async move {
            let state = &app.state;
            let user = cuocthi::entities::user::Entity::find_by_id(*user_id)
                .one(&state.db.read)
                .await
                .unwrap()
                .unwrap();
            let a = match attempts::start(&state.engine, &state.db, &user, r)
                .await
                .unwrap()
            {
                attempts::Started::New(a) | attempts::Started::Resumed(a) => a,
            };
            let key = app.answer_key(a.id).await;
            for (p, right) in key.iter().enumerate() {
                let choices: Vec<String> = match plan(i, p + 1) {
                    Answer::Blank => continue,
                    Answer::Right => right.iter().map(|c| c.option_id.clone()).collect(),
                    Answer::Wrong => vec![attempts::option_id(
                        a.seed,
                        p + 1,
                        (right[0].bank_index + 1) % 2,
                    )],
                };
                attempts::save_answer(&state.engine, &state.db, &a, p + 1, &choices)
                    .await
                    .unwrap();
            }
            attempts::submit(&state.engine, &state.db.write, a, None)
                .await
                .unwrap();
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
    eprintln!("{n} attempts made in {:?}", setup.elapsed());
    let attempts = stored(app, round).await;
    let top = most_drawn(&attempts);
    let took = std::time::Instant::now();
    let (status, body) = decide(
        app,
        &organiser,
        round,
        top[0].0,
        json!({"decision": "drop", "reason": "Đo thời gian chấm lại."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eprintln!(
        "a drop re-scored {} of {n} attempts ({} changed) in {:?}",
        body["rescored"],
        body["changed"],
        took.elapsed()
    );
    let qs = questions(app).await;
    let rulings = HashMap::from([(top[0].0, Ruling::Drop)]);
    for a in stored(app, round).await {
        assert_eq!(
            (a.score, a.max_score),
            expected(&a, &qs, &rulings),
            "attempt {}",
            a.id
        );
    }
}
