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

// --- 10. Contact data only in exports an organiser asks for ------------------------------

/// A round taken by two participants who gave every contact field; returns the app, the
/// organiser's and a judge's tokens, the contest and the round.
async fn contact_fixture() -> (TestApp, String, String, i64, i64) {
    let app = spawn_app().await;
    let (organiser, contest) = app.seed_contest().await;
    let round = app.create_round(&organiser, contest, &round_spec()).await;
    for (i, phone) in ["0912000001", "0912000002"].iter().enumerate() {
        let mut body = registration(phone);
        body["email"] = json!(format!("thisinh{}@example.vn", i + 1));
        body["national_id"] = json!(format!("07909000123{i}"));
        body["birth_date"] = json!("1990-05-17");
        let (status, created) = json_of(app.register(&body).await).await;
        assert_eq!(status, 201, "{created}");
        let token = app.token(phone, PASSWORD).await;
        app.take(&token, round, 5 + i, None).await;
    }
    let judge = app.staff(Role::Judge, "bgk@example.vn").await;
    (app, organiser, judge, contest, round)
}

/// The header row and rows of a CSV download (after its byte-order mark).
async fn csv_of(app: &TestApp, path: &str, token: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{path}");
    let body = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// The newest audit entry.
async fn last_audit(app: &TestApp, token: &str) -> Value {
    let (status, log) = json_of(app.get("/api/v1/audit?limit=1", Some(token)).await).await;
    assert_eq!(status, 200, "{log}");
    log[0].clone()
}

const CONTACT_HEADERS: [&str; 4] = ["Ngày sinh", "Số điện thoại", "Email", "Số CCCD"];

#[tokio::test]
async fn exports_carry_contact_data_only_when_an_organiser_names_it_and_the_audit_lists_it() {
    let (app, organiser, judge, contest, round) = contact_fixture().await;
    let round_csv = format!("/api/v1/rounds/{round}/results.csv");
    let contest_csv = format!("/api/v1/contests/{contest}/results.csv");

    // Judges, and organisers who do not ask: name, unit, category and results only.
    for (token, path) in [
        (&judge, &round_csv),
        (&judge, &contest_csv),
        (&organiser, &round_csv),
        (&organiser, &contest_csv),
    ] {
        let (header, rows) = csv_of(&app, path, token).await;
        assert_eq!(&header[..4], ["Hạng", "Họ và tên", "Đơn vị", "Đối tượng"]);
        for h in CONTACT_HEADERS {
            assert!(!header.contains(&h.to_owned()), "{path}: {header:?}");
        }
        let text = format!("{rows:?}");
        for secret in ["0912000001", "thisinh1@", "079090001230", "1990-05-17"] {
            assert!(!text.contains(secret), "{path} leaks {secret}");
        }
        let entry = last_audit(&app, token).await;
        assert_eq!(entry["action"], "export");
        assert_eq!(entry["details"]["contact"], json!([]), "{entry}");
        assert_eq!(entry["details"]["with_phone"], false);
    }

    // A judge cannot ask for contact data.
    let (status, body) = json_of(
        app.get(&format!("{round_csv}?contact=phone"), Some(&judge))
            .await,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Ban Tổ chức")
    );

    // An organiser names what they need, and gets exactly that; the audit says which.
    let (header, rows) = csv_of(
        &app,
        &format!("{round_csv}?contact=phone,email"),
        &organiser,
    )
    .await;
    assert_eq!(
        header[..6],
        [
            "Hạng",
            "Họ và tên",
            "Đơn vị",
            "Đối tượng",
            "Số điện thoại",
            "Email"
        ]
    );
    assert!(!header.contains(&"Ngày sinh".to_owned()) && !header.contains(&"Số CCCD".to_owned()));
    let best = &rows[0];
    assert_eq!(
        (best[4].as_str(), best[5].as_str()),
        ("0912000002", "thisinh2@example.vn")
    );
    let entry = last_audit(&app, &organiser).await;
    assert_eq!(
        entry["details"]["contact"],
        json!(["phone", "email"]),
        "{entry}"
    );
    assert_eq!(entry["details"]["with_phone"], true);

    let (header, rows) = csv_of(&app, &format!("{contest_csv}?contact=all"), &organiser).await;
    assert_eq!(
        header[..8],
        [
            "Hạng",
            "Họ và tên",
            "Ngày sinh",
            "Đơn vị",
            "Đối tượng",
            "Số điện thoại",
            "Email",
            "Số CCCD"
        ]
    );
    assert_eq!(rows[0][2], "1990-05-17");
    assert_eq!(rows[0][7], "079090001231");
    let entry = last_audit(&app, &organiser).await;
    assert_eq!(
        entry["details"]["contact"],
        json!(["birth_date", "phone", "email", "national_id"])
    );

    // An unknown field is a field error, and nothing is exported.
    let (status, body) = json_of(
        app.get(
            &format!("{round_csv}?contact=phone,address"),
            Some(&organiser),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid");
    assert!(body["error"]["fields"]["contact"].is_string(), "{body}");
    assert_eq!(
        last_audit(&app, &organiser).await,
        entry,
        "nothing recorded"
    );
}

#[tokio::test]
async fn admins_manage_accounts_and_read_no_contest_data() {
    let (app, organiser, _judge, contest, round) = contact_fixture().await;
    let admin = app.staff(Role::Admin, "qtv@example.vn").await;
    let attempt = cuocthi::entities::attempt::Entity::find()
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap()
        .id;
    for path in [
        format!("/api/v1/rounds/{round}/results.csv"),
        format!("/api/v1/contests/{contest}/results.xlsx"),
        format!("/api/v1/contests/{contest}/units.csv"),
        format!("/api/v1/attempts/{attempt}"),
        format!("/api/v1/attempts/{attempt}/verify"),
        "/api/v1/banks".to_owned(),
    ] {
        let (status, body) = json_of(app.get(&path, Some(&admin)).await).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    let page = app
        .client
        .get(app.url(&format!("/judge/rounds/{round}")))
        .header("cookie", format!("cuocthi_token={admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    // The audit trail stays theirs: who of the staff did what.
    let (status, _) = json_of(app.get("/api/v1/audit", Some(&admin)).await).await;
    assert_eq!(status, 200);
    // And organisers still read attempts.
    let (status, _) = json_of(
        app.get(&format!("/api/v1/attempts/{attempt}"), Some(&organiser))
            .await,
    )
    .await;
    assert_eq!(status, 200);
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
            ("consent", "yes"),
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

// --- 13. The CSRF cookie's name, and downloads another site cannot trigger ---------------

#[tokio::test]
async fn with_secure_cookies_the_csrf_cookie_is_host_prefixed_and_forms_check_it() {
    let app = spawn_app_with(|s| s.secure_cookies = true).await;
    let response = app.get("/login", None).await;
    assert_eq!(response.status(), 200);
    let set_cookie: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf = set_cookie
        .iter()
        .find(|c| c.starts_with("__Host-cuocthi_csrf="))
        .unwrap_or_else(|| panic!("no __Host- CSRF cookie: {set_cookie:?}"));
    let attributes: Vec<&str> = csrf.split(';').map(str::trim).collect();
    assert!(attributes.contains(&"Secure"), "{csrf}");
    assert!(attributes.contains(&"Path=/"), "{csrf}");
    assert!(
        !attributes
            .iter()
            .any(|a| a.to_lowercase().starts_with("domain")),
        "{csrf}"
    );
    let token = attributes[0].trim_start_matches("__Host-cuocthi_csrf=");

    // A form is checked against the __Host- cookie, and only against it.
    let login = |cookie: String| {
        app.client
            .post(app.url("/login"))
            .header("cookie", cookie)
            .form(&[
                ("csrf", token),
                ("login", "0912000001"),
                ("password", "not the password"),
            ])
            .send()
    };
    let checked = login(format!("__Host-cuocthi_csrf={token}")).await.unwrap();
    assert_ne!(
        checked.status(),
        403,
        "the __Host- cookie is the CSRF cookie"
    );
    let planted = login(format!("cuocthi_csrf={token}")).await.unwrap();
    assert_eq!(
        planted.status(),
        403,
        "a cookie without the prefix (which a sibling site could plant) is not"
    );
}

#[tokio::test]
async fn cookie_authenticated_downloads_from_another_site_are_refused_and_not_audited() {
    let (app, organiser, judge, contest, round) = contact_fixture().await;
    let audit_size = || async {
        let (_, log) = json_of(app.get("/api/v1/audit", Some(&organiser)).await).await;
        log.as_array().unwrap().len()
    };
    let paths = [
        format!("/api/v1/rounds/{round}/results.csv"),
        format!("/api/v1/rounds/{round}/results.xlsx"),
        format!("/api/v1/contests/{contest}/results.csv"),
        format!("/api/v1/contests/{contest}/units.xlsx"),
    ];
    let host = app.address.trim_start_matches("http://").to_owned();
    let by_cookie = |path: &str, headers: &[(&str, String)]| {
        let mut request = app
            .client
            .get(app.url(path))
            .header("cookie", format!("cuocthi_token={judge}"));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request.send()
    };

    let before = audit_size().await;
    for path in &paths {
        for headers in [
            vec![("sec-fetch-site", "cross-site".to_owned())],
            vec![("sec-fetch-site", "same-site".to_owned())],
            vec![("origin", "https://evil.example".to_owned())],
            vec![("referer", "https://evil.example/trap.html".to_owned())],
        ] {
            let (status, body) = json_of(by_cookie(path, &headers).await.unwrap()).await;
            assert_eq!(status, 403, "{path} {headers:?}: {body}");
            assert_eq!(body["error"]["code"], "csrf", "{body}");
        }
    }
    assert_eq!(
        audit_size().await,
        before,
        "refused downloads write nothing"
    );

    // This site's own links (a navigation, a fetch), the address bar, and bearer clients.
    let items = format!("/api/v1/rounds/{round}/items.csv");
    for (path, headers) in [
        (
            &paths[0],
            vec![("sec-fetch-site", "same-origin".to_owned())],
        ),
        (&paths[1], vec![("sec-fetch-site", "none".to_owned())]),
        (
            &paths[2],
            vec![("referer", format!("http://{host}/judge/rounds/{round}"))],
        ),
        (&paths[3], vec![]),
    ] {
        let response = by_cookie(path, &headers).await.unwrap();
        assert_eq!(response.status(), 200, "{path} {headers:?}");
    }
    let response = app
        .client
        .get(app.url(&items))
        .bearer_auth(&organiser)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "a bearer token is no cookie");
    assert_eq!(audit_size().await, before + 5);
}
