//! The real `cuocthi` binary as a child process: started on port 0, found through its
//! "cuocthi is serving" log line, ready once `/healthz` answers, its output kept for
//! inspection, and SIGKILLed on demand (or when dropped).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::helpers::{TEST_BANK, UNITS_CSV, round_spec};

/// A running `cuocthi serve`.
pub struct ServerProcess {
    child: Child,
    pub address: String,
    output: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

/// The text of a log line without its colour escapes (`ESC [ … m`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The port of a "cuocthi is serving port=NNNN" line.
fn serving_port(line: &str) -> Option<u16> {
    if !line.contains("cuocthi is serving") {
        return None;
    }
    let rest = &line[line.find("port=")? + "port=".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Copies a child's stream, line by line, into `output`, and reports the serving port.
fn pump(
    stream: impl Read + Send + 'static,
    output: Arc<Mutex<String>>,
    port: mpsc::UnboundedSender<u16>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let line = strip_ansi(&line);
            if let Some(p) = serving_port(&line) {
                let _ = port.send(p);
            }
            let mut out = output.lock().unwrap_or_else(|e| e.into_inner());
            out.push_str(&line);
            out.push('\n');
        }
    })
}

impl ServerProcess {
    /// Starts `cuocthi serve` on `database_url` with `RUST_LOG=rust_log` and waits until it
    /// serves.
    pub async fn start(database_url: &str, rust_log: &str) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cuocthi"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database",
                database_url,
                "--workers",
                "2",
            ])
            .env("RUST_LOG", rust_log)
            .env("NO_COLOR", "1")
            .env_remove("CUOCTHI_JWT_SECRET")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the cuocthi binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let readers = vec![
            pump(
                child.stdout.take().expect("stdout"),
                output.clone(),
                tx.clone(),
            ),
            pump(child.stderr.take().expect("stderr"), output.clone(), tx),
        ];
        let mut server = ServerProcess {
            child,
            address: String::new(),
            output,
            readers,
        };
        // The channel closes without a port if the process exits first.
        let port = tokio::time::timeout(Duration::from_secs(120), rx.recv())
            .await
            .ok()
            .flatten();
        let Some(port) = port else {
            server.kill();
            panic!("the server did not start:\n{}", server.output());
        };
        server.address = format!("http://127.0.0.1:{port}");
        server.wait_until_healthy().await;
        server
    }

    /// Polls `/healthz` until it answers 200.
    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            let healthy = client
                .get(format!("{}/healthz", self.address))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}):\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.kill();
        panic!("the server never became healthy:\n{}", self.output());
    }

    /// Kills the server with SIGKILL — no shutdown, no flush: a crash — and waits for it to
    /// be gone and its output to be read.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    /// The server's peak resident memory so far, in KiB (`VmHWM` of /proc/PID/status).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmHWM line")
    }

    /// Everything the server wrote to stdout and stderr so far.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn the_serving_line_gives_the_port() {
    let line = "\u{1b}[2m2026-12-01T02:00:00Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m cuocthi is serving \u{1b}[3mport\u{1b}[0m\u{1b}[2m=\u{1b}[0m41234";
    assert_eq!(serving_port(&strip_ansi(line)), Some(41234));
    assert_eq!(serving_port("something else port=1"), None);
}

/// The participants' password in databases made by [`seed_database`].
pub const PARTICIPANT_PASSWORD: &str = "mật khẩu thí sinh";
/// The organiser's login and password in databases made by [`seed_database`].
pub const ORGANISER: (&str, &str) = ("btc@example.vn", "mật khẩu ban tổ chức");

/// What [`seed_database`] made.
pub struct Seeded {
    pub round_id: i64,
    /// The participants' phone numbers (their logins).
    pub phones: Vec<String>,
}

/// Fills a fresh database through the library, as an operator would before a contest
/// opens: units, an organiser, a 60-question bank, a contest with one open round
/// ([`round_spec`]), and `participants` registered participants. Closes its connections,
/// so a server process can take the database over.
pub async fn seed_database(url: &str, participants: usize) -> Seeded {
    use cuocthi::accounts::{self, Registration, Role};
    use cuocthi::banks::{self, Parsed};
    use cuocthi::contest::{self, ContestSpec, RoundSpec};

    let state = cuocthi::startup::build_state(cuocthi::settings::Settings::for_database(url))
        .await
        .expect("the database migrates");
    let db = &state.db.write;
    cuocthi::units::import_csv(db, UNITS_CSV.as_bytes(), None)
        .await
        .expect("units");
    let (staff_hash, participant_hash) = tokio::task::spawn_blocking(|| {
        (
            accounts::password::hash_blocking(ORGANISER.1).unwrap(),
            accounts::password::hash_blocking(PARTICIPANT_PASSWORD).unwrap(),
        )
    })
    .await
    .unwrap();
    accounts::create_staff(db, Role::Organiser, ORGANISER.0, "Ban Tổ chức", staff_hash)
        .await
        .expect("organiser");
    let mut bank = banks::synthetic_bank(60);
    bank.code = TEST_BANK.into();
    banks::store::import(
        db,
        &Parsed {
            bank,
            skipped: vec![],
            warnings: vec![],
            media: vec![],
        },
        None,
    )
    .await
    .expect("bank");
    let c = contest::create_contest(
        db,
        ContestSpec {
            code: "thu-nghiem".into(),
            title: "Cuộc thi thử nghiệm".into(),
            description: None,
            rules: None,
            categories: vec!["official".into(), "citizen".into()],
            status: None,
        },
        None,
    )
    .await
    .expect("contest");
    let spec: RoundSpec = serde_json::from_value(round_spec()).expect("round spec");
    let round = contest::create_round(db, &state.engine, c.id, spec, None)
        .await
        .expect("round");
    let today = chrono::Utc::now().date_naive();
    let mut phones = Vec::with_capacity(participants);
    for i in 0..participants {
        let phone = format!("09{:08}", 12_000_000 + i);
        let valid = Registration {
            full_name: Some("Trần Thị Bình".into()),
            phone: Some(phone.clone()),
            category: Some(if i % 2 == 0 { "official" } else { "citizen" }.into()),
            unit_code: Some("SO-TP".into()),
            password: Some(PARTICIPANT_PASSWORD.into()),
            consent: Some(true),
            ..Default::default()
        }
        .validate(today)
        .expect("a valid registration");
        accounts::create_participant(db, valid, participant_hash.clone())
            .await
            .expect("participant");
        phones.push(phone);
    }
    state.db.write.close_by_ref().await.ok();
    state.db.read.close_by_ref().await.ok();
    Seeded {
        round_id: round.id,
        phones,
    }
}

/// Logs in over HTTP and returns the bearer token.
pub async fn login(client: &reqwest::Client, address: &str, login: &str, password: &str) -> String {
    let response = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": login, "password": password}))
        .send()
        .await
        .expect("login request");
    assert_eq!(response.status(), 200, "login of {login} failed");
    let body: serde_json::Value = response.json().await.expect("login body");
    body["token"].as_str().expect("a token").to_owned()
}

/// Checks a database after a crash, a restore, or a test: on SQLite `PRAGMA
/// integrity_check` answers `ok` and foreign keys hold; on both backends every table reads
/// and the contest's invariants hold (answers belong to attempts and fit their draws,
/// standings point at finished attempts of their own participant and round).
pub async fn assert_database_sound(url: &str) {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(url).await.expect("the database opens");
    let backend = db.get_database_backend();
    let one = |sql: &str| Statement::from_string(backend, sql.to_owned());
    if url.starts_with("sqlite") {
        let row = db
            .query_one_raw(one("PRAGMA integrity_check"))
            .await
            .unwrap()
            .unwrap();
        let verdict: String = row.try_get_by_index(0).unwrap();
        assert_eq!(verdict, "ok", "SQLite integrity check");
        let broken = db
            .query_all_raw(one("PRAGMA foreign_key_check"))
            .await
            .unwrap();
        assert!(broken.is_empty(), "foreign keys hold");
    }
    for table in ["users", "attempts", "answers", "standings", "rounds"] {
        db.query_all_raw(one(&format!("SELECT * FROM {table}")))
            .await
            .unwrap_or_else(|e| panic!("{table} cannot be read: {e}"));
    }
    for (what, sql) in [
        (
            "answers without their attempt or outside its draw",
            "SELECT COUNT(*) FROM answers n LEFT JOIN attempts a ON a.id = n.attempt_id \
             WHERE a.id IS NULL OR n.position < 1 OR n.position > a.total",
        ),
        (
            "standings not pointing at a finished attempt of the same participant and round",
            "SELECT COUNT(*) FROM standings s LEFT JOIN attempts a ON a.id = s.attempt_id \
             WHERE a.id IS NULL OR a.status <> 'finished' OR a.user_id <> s.user_id \
             OR a.round_id <> s.round_id",
        ),
        (
            "finished attempts without a score",
            "SELECT COUNT(*) FROM attempts WHERE status = 'finished' AND score IS NULL",
        ),
    ] {
        let row = db.query_one_raw(one(sql)).await.unwrap().unwrap();
        let n: i64 = row.try_get_by_index(0).unwrap();
        assert_eq!(n, 0, "{what}");
    }
    db.close().await.ok();
}
