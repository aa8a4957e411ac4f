//! `cuocthi backup` while the server runs, and restoring the copy into a fresh place: an
//! SQLite file copied back, or `pg_restore` into a fresh PostgreSQL database.

use std::path::Path;
use std::process::Command;

use cuocthi::settings::Settings;
use cuocthi::startup::Application;
use rand::Rng;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

use crate::helpers::{json_of, registration, round_spec, spawn_app};
use crate::process::assert_database_sound;

/// Runs `cuocthi backup`, returning whether it succeeded and what it printed.
pub fn run_backup(database_url: &str, out: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cuocthi"))
        .args(["backup", "--database", database_url, "--out"])
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .expect("the cuocthi binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// True when `pg_dump` and `pg_restore` can run here. Under CI they must.
pub fn pg_tools_available() -> bool {
    let found = ["pg_dump", "pg_restore"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found && std::env::var_os("CI").is_some() {
        panic!("pg_dump/pg_restore are missing, and CI must test PostgreSQL backups");
    }
    found
}

/// Restores a backup into a fresh place and returns its database URL.
async fn restore(original_url: &str, backup: &Path, dir: &Path) -> String {
    if original_url.starts_with("sqlite") {
        // Restore = copy the file into place (with no stale -wal/-shm beside it).
        let restored = dir.join("restored.db");
        std::fs::copy(backup, &restored).expect("copy the backup into place");
        return format!("sqlite://{}", restored.display());
    }
    let (prefix, _) = original_url.rsplit_once('/').unwrap();
    let name = format!("cuocthi_test_{:016x}_restored", rand::rng().random::<u64>());
    let admin = Database::connect(format!("{prefix}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.ok();
    let url = format!("{prefix}/{name}");
    let output = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &url])
        .arg(backup)
        .output()
        .expect("pg_restore runs");
    assert!(
        output.status.success(),
        "pg_restore failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_server_runs_restores_with_its_data() {
    // Arrange: a participant with a full registration, an attempt with three answers, and
    // a saver still writing while the backup runs.
    let app = spawn_app().await;
    let url = app.state.settings.database_url.clone();
    if !url.starts_with("sqlite") && !pg_tools_available() {
        eprintln!("skipped: pg_dump/pg_restore are not installed");
        return;
    }
    let (organiser, contest_id) = app.seed_contest().await;
    let round_id = app
        .create_round(&organiser, contest_id, &round_spec())
        .await;
    let mut details = registration("0913 456 789");
    details["email"] = json!("le.van.cuong@example.vn");
    details["national_id"] = json!("079090001234");
    details["birth_date"] = json!("1990-06-15");
    let (status, body) = json_of(app.register(&details).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = app.token("0913456789", "mật khẩu an toàn").await;
    let (status, attempt) = app.start(&token, round_id).await;
    assert_eq!(status, StatusCode::CREATED, "{attempt}");
    let attempt_id = attempt["attempt_id"].as_i64().unwrap();
    let option = |position: usize, k: usize| -> String {
        attempt["questions"][position - 1]["options"][k]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut chosen = Vec::new();
    for position in 1..=3 {
        let choice = vec![option(position, position % 2)];
        let (status, body) = app.save(&token, attempt_id, position, &choice).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        chosen.push(choice);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let saver = {
        let (client, address, token, stop) = (
            app.client.clone(),
            app.address.clone(),
            token.clone(),
            stop.clone(),
        );
        let options = [option(10, 0), option(10, 1)];
        tokio::spawn(async move {
            let mut saves = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let response = client
                    .put(format!("{address}/api/v1/attempts/{attempt_id}/answers/10"))
                    .bearer_auth(&token)
                    .json(&json!({ "choices": [options[saves % 2]] }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                saves += 1;
            }
            saves
        })
    };

    // Act: back up while the server runs and the saver writes, then restore the copy into
    // a fresh place and start the app on it.
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("cuocthi.backup");
    let (ok, printed) = run_backup(&url, &backup);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let saves_meanwhile = saver.await.unwrap();
    assert!(ok, "the backup failed: {printed}");
    assert!(printed.contains("Đã sao lưu"), "{printed}");
    assert!(
        !dir.path().join("cuocthi.backup.partial").exists(),
        "no partial copy is left behind"
    );
    assert!(saves_meanwhile > 0);
    let restored_url = restore(&url, &backup, dir.path()).await;
    assert_database_sound(&restored_url).await;
    let restored = Application::build(Settings::for_database(&restored_url))
        .await
        .expect("the app starts on the restored database");
    let address = format!("http://127.0.0.1:{}", restored.port());
    tokio::spawn(restored.run_until_stopped());
    let client = reqwest::Client::new();

    // Assert: the participant can log in, their attempt holds the answers saved before
    // the backup, and the organiser finds their registration.
    let response = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"login": "0913456789", "password": "mật khẩu an toàn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, restored_attempt) = json_of(
        client
            .get(format!("{address}/api/v1/attempts/{attempt_id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "tokens survive a restore (the signing secret is in the database): {restored_attempt}"
    );
    assert_eq!(restored_attempt["status"], "in_progress");
    for (i, choice) in chosen.iter().enumerate() {
        assert_eq!(
            restored_attempt["answers"][(i + 1).to_string()]["choices"],
            json!(choice),
            "answer {} is restored as chosen",
            i + 1
        );
    }
    let (status, found) = json_of(
        client
            .get(format!("{address}/api/v1/participants?query=0913456789"))
            .bearer_auth(&organiser)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let people = found.as_array().expect("a list of participants");
    assert_eq!(people.len(), 1, "{found}");
    assert_eq!(people[0]["email"], "le.van.cuong@example.vn");
    assert_eq!(people[0]["national_id"], "079090001234");
    assert_eq!(people[0]["birth_date"], "1990-06-15");
}

#[test]
fn backing_up_a_missing_sqlite_database_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here.db");
    let out = dir.path().join("backup.db");
    let (ok, printed) = run_backup(&format!("sqlite://{}", missing.display()), &out);
    assert!(!ok, "{printed}");
    assert!(printed.contains("does not exist"), "{printed}");
    assert!(!missing.exists(), "no empty database was created");
    assert!(!out.exists(), "no backup file was written");
}
