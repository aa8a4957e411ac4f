//! Retention and anonymisation (#16 point 5): `cuocthi anonymise` and the retention job
//! leave no phone, email, CCCD or birth date of a contest's participants anywhere in the
//! database, while leaderboards, result exports and `verify` still work.

use std::process::Command;

use chrono::Duration;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::common::*;

/// Personal data of one participant, all of it unusual enough to be found by a scan.
struct Person {
    phone: &'static str,
    email: &'static str,
    national_id: &'static str,
    birth_date: &'static str,
}

const ANNA: Person = Person {
    phone: "0912000071",
    email: "anna.rieng@example.vn",
    national_id: "001199007171",
    birth_date: "1990-07-17",
};

async fn register_person(app: &TestApp, p: &Person, name: &str) -> String {
    let mut body = registration(p.phone);
    body["full_name"] = json!(name);
    body["email"] = json!(p.email);
    body["national_id"] = json!(p.national_id);
    body["birth_date"] = json!(p.birth_date);
    let (status, created) = json_of(app.register(&body).await).await;
    assert_eq!(status, 201, "{created}");
    app.token(p.phone, PASSWORD).await
}

/// Runs `cuocthi anonymise --contest ID` on the app's database; returns (ok, output).
fn cli(app: &TestApp, contest: i64) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cuocthi"))
        .args(["anonymise", "--contest", &contest.to_string()])
        .args(["--database", &app.state.settings.database_url])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every (table, column, value) of the database whose text contains one of `values`.
async fn occurrences(app: &TestApp, values: &[&str]) -> Vec<String> {
    let db = &app.state.db.read;
    let backend = db.get_database_backend();
    let columns_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
        }
        _ => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema()"
        }
    };
    let columns = db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await
        .unwrap();
    assert!(columns.len() > 50, "the scan sees every table");
    let mut found = Vec::new();
    for row in columns {
        let table: String = row.try_get("", "t").unwrap();
        let column: String = row.try_get("", "c").unwrap();
        for value in values {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE '%{value}%'"
            );
            let n: i64 = db
                .query_one_raw(Statement::from_string(backend, sql))
                .await
                .unwrap()
                .unwrap()
                .try_get("", "n")
                .unwrap();
            if n > 0 {
                found.push(format!("{table}.{column} holds {value}"));
            }
        }
    }
    found
}

async fn close_and_settle(app: &TestApp, organiser: &str, round: i64) {
    let (status, body) = json_of(
        app.post_json(
            &format!("/api/v1/rounds/{round}/close"),
            Some(organiser),
            &json!({"reason": "Kết thúc để kiểm thử.", "confirm": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.state.engine.clock.advance(Duration::minutes(5));
    cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
        .await
        .unwrap();
}

#[tokio::test]
async fn anonymising_a_finished_contest_leaves_no_personal_data_but_keeps_its_results() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let anna = register_person(&app, &ANNA, "Người Ẩn Danh").await;
    let attempt = app.take(&anna, round, 7, Some(1)).await;
    let attempt_id = attempt["attempt_id"]
        .as_i64()
        .or(attempt["id"].as_i64())
        .unwrap_or_else(|| panic!("no attempt id in {attempt}"));
    // A wrong password leaves a phone-keyed throttle row behind.
    app.login(ANNA.phone, "sai mật khẩu").await;
    // A request whose note repeats their contact details, quotes and a line break included.
    let note = format!(
        "Xin xoá dữ liệu \"{}\",\nliên hệ {}",
        ANNA.email, ANNA.phone
    );
    let (status, body) = json_of(
        app.post_json(
            "/api/v1/me/requests",
            Some(&anna),
            &json!({"kind": "deletion", "note": note}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secrets = [ANNA.phone, ANNA.email, ANNA.national_id, ANNA.birth_date];
    assert!(!occurrences(&app, &secrets).await.is_empty());

    // Refused while its round is open; nothing changed.
    let (ok, out) = cli(&app, contest);
    assert!(!ok, "{out}");
    assert!(out.contains("round_open"), "{out}");
    assert_eq!(app.me(&anna).await.status(), 200);

    close_and_settle(&app, &organiser, round).await;
    let id = app.id_of(&anna).await;
    let board_before = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await
    .1;
    let (ok, out) = cli(&app, contest);
    assert!(ok, "{out}");
    assert!(out.contains("Đã ẩn danh 1 thí sinh"), "{out}");

    // No phone, email, CCCD or birth date anywhere.
    assert_eq!(occurrences(&app, &secrets).await, Vec::<String>::new());
    // The phone no longer signs in; old tokens die (once this instance's cache lapses,
    // as the command line is another process).
    app.state.users.remove(&id).await;
    assert_eq!(app.me(&anna).await.status(), 401);
    assert_eq!(app.login(ANNA.phone, PASSWORD).await.status(), 401);

    // Results stay: the leaderboard, the CSV export, the verification.
    let board_after = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await
    .1;
    assert_eq!(board_after["entries"], board_before["entries"]);
    assert!(board_after.to_string().contains("Người Ẩn Danh"));
    let csv = app
        .get(
            &format!("/api/v1/rounds/{round}/results.csv"),
            Some(&organiser),
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert!(csv.text().await.unwrap().contains("Người Ẩn Danh"));
    let (status, verified) = json_of(
        app.get(
            &format!("/api/v1/attempts/{attempt_id}/verify"),
            Some(&organiser),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["match"], true, "{verified}");
    // Audited.
    let (_, audit) = json_of(app.get("/api/v1/audit?limit=1000", Some(&organiser)).await).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"contest.anonymise"), "{actions:?}");
    assert!(actions.contains(&"participant.anonymise"), "{actions:?}");
}

#[tokio::test]
async fn the_retention_job_anonymises_a_finished_contest_once_its_period_is_over() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let anna = register_person(&app, &ANNA, "Người Ẩn Danh").await;
    app.take(&anna, round, 5, Some(1)).await;
    close_and_settle(&app, &organiser, round).await;
    let (status, body) = json_of(
        app.patch_json(
            &format!("/api/v1/contests/{contest}"),
            Some(&organiser),
            &json!({"status": "finished", "retention_months": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = json_of(
        app.patch_json(
            &format!("/api/v1/contests/{contest}"),
            Some(&organiser),
            &json!({"retention_months": 0}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["retention_months"].is_string());
    let secrets = [ANNA.phone, ANNA.email, ANNA.national_id, ANNA.birth_date];
    let sweep = async || {
        cuocthi::contest::sweeper::sweep(&app.state.engine, &app.state.db.write)
            .await
            .unwrap();
    };

    // Within the month the data stays.
    app.state.engine.clock.advance(Duration::days(27));
    sweep().await;
    assert_eq!(occurrences(&app, &[ANNA.national_id]).await.len(), 1);
    assert_eq!(app.login(ANNA.phone, PASSWORD).await.status(), 200);

    // After it, the job anonymises.
    app.state.engine.clock.advance(Duration::days(5));
    sweep().await;
    assert_eq!(occurrences(&app, &secrets).await, Vec::<String>::new());
    assert_eq!(app.login(ANNA.phone, PASSWORD).await.status(), 401);
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert_eq!(board["total"], 1, "{board}");
}

#[tokio::test]
async fn an_organiser_honours_a_deletion_request_and_answers_a_correction() {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    let anna = register_person(&app, &ANNA, "Người Xin Xoá").await;
    app.take(&anna, round, 5, Some(1)).await;
    let other = app.participant("0912000072").await;
    let ask = async |token: &str, body: Value| {
        let (status, r) = json_of(
            app.post_json("/api/v1/me/requests", Some(token), &body)
                .await,
        )
        .await;
        assert_eq!(status, 201, "{r}");
        r["id"].as_i64().unwrap()
    };
    let deletion = ask(&anna, json!({"kind": "deletion"})).await;
    let correction = ask(&other, json!({"kind": "correction", "note": "Sai đơn vị."})).await;
    let resolve = async |token: &str, id: i64, body: Value| {
        json_of(
            app.post_json(
                &format!("/api/v1/requests/{id}/resolve"),
                Some(token),
                &body,
            )
            .await,
        )
        .await
    };

    // Participants cannot handle requests; a rejection needs a reason.
    let (status, _) = resolve(&anna, deletion, json!({})).await;
    assert_eq!(status, 403);
    let (status, body) = resolve(&organiser, correction, json!({"outcome": "rejected"})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["note"].is_string(), "{body}");
    let (status, body) = resolve(&organiser, 999_999, json!({})).await;
    assert_eq!(status, 404, "{body}");

    // Rejected with a reason the participant reads on their profile.
    let (status, body) = resolve(
        &organiser,
        correction,
        json!({"outcome": "rejected", "note": "Hồ sơ đơn vị khớp với đăng ký."}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "rejected");
    assert_eq!(body["resolution"], "Hồ sơ đơn vị khớp với đăng ký.");
    assert!(body["resolved_at"].is_string());

    // The deletion, done: anonymised at once, its tokens dead, its results kept.
    let secrets = [ANNA.phone, ANNA.email, ANNA.national_id, ANNA.birth_date];
    assert!(!occurrences(&app, &secrets).await.is_empty());
    let (status, body) = resolve(&organiser, deletion, json!({"outcome": "done"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "done");
    assert_eq!(occurrences(&app, &secrets).await, Vec::<String>::new());
    assert_eq!(app.me(&anna).await.status(), 401);
    assert_eq!(app.login(ANNA.phone, PASSWORD).await.status(), 401);
    let (status, body) = resolve(&organiser, deletion, json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "request_handled");
    close_and_settle(&app, &organiser, round).await;
    let (_, board) = json_of(
        app.get(&format!("/api/v1/rounds/{round}/leaderboard"), None)
            .await,
    )
    .await;
    assert!(board.to_string().contains("Người Xin Xoá"), "{board}");

    // Audited, before and after.
    let (_, audit) = json_of(app.get("/api/v1/audit?limit=1000", Some(&organiser)).await).await;
    let handled: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "data_request.resolve")
        .collect();
    assert_eq!(handled.len(), 2, "{audit}");

    // The contest shows its retention.
    let (_, view) = json_of(
        app.get(&format!("/api/v1/contests/{contest}"), Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(view["retention_months"], 12, "{view}");
    assert!(view["retention_ends"].is_null(), "not finished: {view}");
}
