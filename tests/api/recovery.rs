//! Getting back into an account (#16): the staff command line today.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use cuocthi::accounts::Role;

/// Runs `cuocthi user …` on the app's database, feeding `stdin`; returns (ok, stdout, stderr).
fn cli(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cuocthi"))
        .arg("user")
        .args(args)
        .args(["--database", &app.state.settings.database_url])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    app.post_json(
        "/api/v1/auth/login",
        None,
        &json!({"login": login, "password": password}),
    )
    .await
    .status()
}

#[tokio::test]
async fn the_command_line_resets_a_password_once_and_ends_every_old_session() {
    let app = spawn_app().await;
    app.seed_units().await;
    let old_token = app.participant("0912345678").await;
    assert_eq!(app.get("/api/v1/me", Some(&old_token)).await.status(), 200);

    // A generated password, printed once; any spelling of the phone number names the account.
    let (ok, out, err) = cli(&app, &["reset-password", "--login", "+84 912 345 678"], "");
    assert!(ok, "{out}{err}");
    let generated = out
        .lines()
        .find_map(|l| {
            l.split_once("(chỉ hiện một lần): ")
                .map(|(_, p)| p.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no password printed: {out}"));
    assert_eq!(generated.chars().count(), 16);
    assert_eq!(login_status(&app, "0912345678", PASSWORD).await, 401);
    assert_eq!(login_status(&app, "0912345678", &generated).await, 200);
    // The command line is another process: this server learns of the new token version
    // when its signed-in cache entry lapses (USER_CACHE_TTL), as another instance would.
    let user = cuocthi::accounts::find_by_login(&app.state.db.read, "0912345678")
        .await
        .unwrap()
        .unwrap();
    app.state.users.remove(&user.id).await;
    assert_eq!(app.get("/api/v1/me", Some(&old_token)).await.status(), 401);

    // A chosen password from standard input (its line break is not part of it).
    let (ok, out, err) = cli(
        &app,
        &[
            "reset-password",
            "--login",
            "0912345678",
            "--password-stdin",
        ],
        "mật khẩu mới của tôi\n",
    );
    assert!(ok, "{out}{err}");
    assert!(!out.contains("mật khẩu mới của tôi"), "{out}");
    assert_eq!(login_status(&app, "0912345678", &generated).await, 401);
    assert_eq!(
        login_status(&app, "0912345678", "mật khẩu mới của tôi").await,
        200
    );

    // A too-short password and an unknown login change nothing and say why.
    let (ok, _, err) = cli(
        &app,
        &[
            "reset-password",
            "--login",
            "0912345678",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!ok && err.contains("ít nhất 8 ký tự"), "{err}");
    let (ok, _, err) = cli(&app, &["reset-password", "--login", "0900000000"], "");
    assert!(!ok && err.contains("không có tài khoản"), "{err}");
    assert_eq!(
        login_status(&app, "0912345678", "mật khẩu mới của tôi").await,
        200
    );

    // Audited, never with the password.
    let audit = cuocthi::audit::list(&app.state.db.read, 50, 0)
        .await
        .unwrap();
    let resets: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "user.reset_password")
        .collect();
    assert_eq!(resets.len(), 2, "{audit:?}");
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains(&generated) && !text.contains("mật khẩu mới"));
}

#[tokio::test]
async fn the_command_line_lists_staff_and_no_participant() {
    let app = spawn_app().await;
    app.seed_units().await;
    app.participant("0912345678").await;
    app.staff(Role::Judge, "giamkhao@example.vn").await;
    app.staff(Role::Organiser, "btc@example.vn").await;
    let (ok, out, err) = cli(&app, &["list"], "");
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("giamkhao@example.vn") && out.contains("judge"),
        "{out}"
    );
    assert!(
        out.contains("btc@example.vn") && out.contains("organiser"),
        "{out}"
    );
    assert!(out.contains("2 tài khoản cán bộ."), "{out}");
    assert!(
        !out.contains("0912345678") && !out.contains("Nguyễn Văn An"),
        "{out}"
    );
}
