//! Issue #13, points 9–13: private database files and backups, contact data only where an
//! organiser asks for it, names that cannot spoof others, a deadline for whole request
//! bodies, and downloads that another site cannot trigger.

use std::path::Path;
use std::time::{Duration, Instant};

use cuocthi::accounts::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use unicode_normalization::UnicodeNormalization;

use crate::backup::{pg_tools_available, run_backup};
use crate::helpers::{
    TestApp, json_of, registration, round_spec, spawn_app, spawn_app_on, spawn_app_with,
};

const PASSWORD: &str = "mật khẩu an toàn";

// --- 9. Files readable by the server's account only ----------------------------------------

/// A file's permission bits, in octal as `ls` and `chmod` write them (`"600"`).
#[cfg(unix)]
fn mode(path: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode();
    format!("{:o}", mode & 0o777)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Starts the app on `url`, registers a participant (writes: the WAL grows), and returns it.
async fn start_and_write(url: &str, phone: &str) -> TestApp {
    let app = spawn_app_on(url, None, |_| {}).await;
    app.seed_units().await;
    app.participant(phone).await;
    app
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_folder_its_files_and_backups_are_private_to_the_server_account() {
    let base = tempfile::tempdir().unwrap();
    let backups = base.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let backup = backups.join("cuocthi.backup");
    let Ok(pg) = std::env::var("TEST_DATABASE_URL") else {
        // SQLite: a fresh data folder, as on a first start.
        let data = base.path().join("data");
        let db = data.join("cuocthi.db");
        let url = format!("sqlite://{}", db.display());
        let _app = start_and_write(&url, "0912000001").await;
        let wal = data.join("cuocthi.db-wal");
        let shm = data.join("cuocthi.db-shm");
        assert!(wal.exists() && shm.exists(), "WAL mode after writes");
        assert_eq!(mode(&data), "700", "the data folder");
        for file in [&db, &wal, &shm] {
            assert_eq!(mode(file), "600", "{}", file.display());
        }

        // Files an older version left readable are tightened at the next start.
        for file in [&db, &wal, &shm] {
            set_mode(file, 0o644);
        }
        let _again = start_and_write(&url, "0912000002").await;
        for file in [&db, &wal, &shm] {
            assert_eq!(mode(file), "600", "tightened: {}", file.display());
        }

        let (ok, printed) = run_backup(&url, &backup);
        assert!(ok, "{printed}");
        assert_eq!(mode(&backup), "600", "the SQLite backup");
        return;
    };
    // PostgreSQL: the database's files are the server's business; the dump is ours.
    if !pg_tools_available() {
        eprintln!("skipped: pg_dump is not installed");
        return;
    }
    let app = spawn_app().await;
    app.seed_units().await;
    app.participant("0912000001").await;
    let url = app.state.settings.database_url.clone();
    assert!(url.starts_with(pg.rsplit_once('/').unwrap().0));
    let (ok, printed) = run_backup(&url, &backup);
    assert!(ok, "{printed}");
    assert_eq!(mode(&backup), "600", "the pg_dump backup");
}

// --- 11. Names that cannot pass for someone else -----------------------------------------

/// The invisible characters of the report, and a few more format characters (Cf).
const HIDDEN: [char; 9] = [
    '\u{202E}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{2066}',
    '\u{061C}',
];

#[tokio::test]
async fn names_with_invisible_or_format_characters_are_refused_everywhere() {
    let app = spawn_app().await;
    app.seed_units().await;

    // The API.
    for (i, c) in HIDDEN.iter().enumerate() {
        let mut body = registration(&format!("09120001{i:02}"));
        body["full_name"] = json!(format!("Nguyễn Văn{c} An"));
        let (status, answer) = json_of(app.register(&body).await).await;
        assert_eq!(status, 422, "U+{:04X}: {answer}", *c as u32);
        assert_eq!(answer["error"]["code"], "invalid");
        let why = answer["error"]["fields"]["full_name"].as_str().unwrap();
        assert!(why.contains("chữ cái"), "{why}");
    }
    for name in ["Nguyễn <Văn> An", "Nguyễn Văn An 😀", "@Nguyễn"] {
        let mut body = registration("0912000200");
        body["full_name"] = json!(name);
        let (status, answer) = json_of(app.register(&body).await).await;
        assert_eq!(status, 422, "{name}: {answer}");
    }
    // Vietnamese names pass, typed composed or decomposed, with the punctuation names use.
    for (i, name) in ["Đặng Thị Ngọc Diệp", "H'Hen Niê", "Nguyễn-Trần T. Mỹ Lệ"]
        .iter()
        .enumerate()
    {
        for (j, typed) in [name.to_string(), name.nfd().collect()].iter().enumerate() {
            let mut body = registration(&format!("091200030{}", i * 2 + j));
            body["full_name"] = json!(typed);
            let (status, answer) = json_of(app.register(&body).await).await;
            assert_eq!(status, 201, "{typed:?}: {answer}");
        }
    }

    // The registration form.
    let csrf = "csrf-token-for-tests-0123456789abcdef";
    let response = app
        .client
        .post(app.url("/register"))
        .header("cookie", format!("cuocthi_csrf={csrf}"))
        .form(&[
            ("csrf", csrf),
            ("full_name", "Trần\u{202E}nàoĐ Bình"),
            ("phone", "0912000400"),
            ("category", "official"),
            ("unit_code", "SO-TP"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("chữ cái"));

    // Staff accounts: the domain function and the command line.
    let refused = cuocthi::accounts::create_staff(
        &app.state.db.write,
        Role::Judge,
        "bgk@example.vn",
        "Ban Giám\u{200B} khảo",
        "hash".into(),
    )
    .await
    .expect_err("a hidden character in a staff name");
    assert_eq!(refused.code(), "invalid");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cuocthi"))
        .args(["user", "add", "--role", "judge", "--login", "gk@example.vn"])
        .args([
            "--name",
            "Ban\u{2060} Giám khảo",
            "--password",
            "staff password",
        ])
        .args(["--database", &app.state.settings.database_url])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{printed}");
    assert!(
        printed.contains("--name") && printed.contains("chữ cái"),
        "{printed}"
    );
    assert!(
        cuocthi::accounts::find_by_login(&app.state.db.read, "gk@example.vn")
            .await
            .unwrap()
            .is_none()
    );
}

// --- 12. A deadline for a whole request body ---------------------------------------------

#[tokio::test]
async fn a_body_trickled_byte_by_byte_gets_408_at_the_total_deadline() {
    // The pause timer (30 s) never trips: a byte arrives every 300 ms.
    let deadline = Duration::from_secs(2);
    let app = spawn_app_with(|s| {
        s.timeouts.body = Duration::from_secs(30);
        s.timeouts.body_deadline = deadline;
    })
    .await;
    let stream = TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    writer
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });

    // Everything the server says until it closes, waiting at most well past the deadline;
    // when its answer's head arrived, and when it closed.
    let mut answer = Vec::new();
    let mut answered = None;
    let read = tokio::time::timeout(Duration::from_secs(8), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            answer.extend_from_slice(&buf[..n]);
            if answered.is_none() && answer.windows(4).any(|w| w == b"\r\n\r\n") {
                answered = Some(started.elapsed());
            }
        }
    })
    .await;
    let closed = started.elapsed();
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "still open after {closed:?}: {answer:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    let answered = answered.expect("an answer");
    eprintln!("408 after {answered:?}, connection closed after {closed:?}");
    assert!(
        answered >= deadline && answered < deadline + Duration::from_millis(1500),
        "answered after {answered:?}, the deadline being {deadline:?}"
    );
    // Then the connection is closed (actix's disconnect timeout, 2 s, at most).
    assert!(
        closed < answered + Duration::from_secs(3),
        "closed after {closed:?}"
    );
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}
