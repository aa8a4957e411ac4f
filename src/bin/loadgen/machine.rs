//! Setting up the benchmark (database, bank, contest, round), the server process, its CPU
//! and memory, and the machine's ceilings.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use cuocthi::accounts::{self, Role};
use cuocthi::banks::{self, Parsed};
use cuocthi::contest::{self, ContestSpec, PredictionAnswer, PredictionSpec, QuotaSpec, RoundSpec};
use cuocthi::settings::Settings;
use rand::Rng;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub async fn setup(url: &str, bank_size: usize) -> anyhow::Result<(i64, Vec<String>)> {
    let state = cuocthi::startup::build_state(Settings::for_database(url)).await?;
    let db = &state.db.write;
    let hash = accounts::password::hash_blocking("loadgen organiser password")?;
    let organiser = accounts::create_staff(
        db,
        Role::Organiser,
        "loadgen@example.vn",
        "Ban Tổ chức",
        hash,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    cuocthi::units::import_csv(db, cuocthi::demo::SAMPLE_UNITS_CSV.as_bytes(), None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut bank = banks::synthetic_bank(bank_size);
    bank.code = "loadgen".into();
    banks::store::import(
        db,
        &Parsed {
            bank,
            skipped: vec![],
            warnings: vec![],
            media: vec![],
        },
        Some(organiser.id),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let c = contest::create_contest(
        db,
        ContestSpec {
            code: "loadgen".into(),
            title: "Tải thử".into(),
            description: None,
            rules: None,
            categories: vec!["official".into(), "citizen".into()],
            status: None,
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = chrono::Utc::now();
    let round = contest::create_round(
        db,
        &state.engine,
        c.id,
        RoundSpec {
            title: "Tuần tải thử".into(),
            opens_at: now - chrono::Duration::hours(1),
            closes_at: now + chrono::Duration::days(1),
            time_limit_secs: 20 * 60,
            max_attempts: 1,
            practice: false,
            draw: vec![QuotaSpec {
                bank: json!("loadgen"),
                topic: None,
                difficulty: None,
                count: 20,
            }],
            draw_by_category: None,
            order: None,
            prediction: Some(PredictionSpec {
                question: "Bao nhiêu người đạt điểm tuyệt đối?".into(),
                answer: PredictionAnswer::PerfectScores,
            }),
            score_shown: Default::default(),
            allow_overlap: false,
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let units: Vec<String> = cuocthi::units::list(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .filter(|u| u.kind != "province")
        .map(|u| u.code)
        .collect();
    db.close_by_ref().await.ok();
    state.db.read.close_by_ref().await.ok();
    Ok((round.id, units))
}

/// The server under test; killed when dropped, whatever happens to the benchmark.
pub struct ServerProcess(pub std::process::Child);

impl ServerProcess {
    pub fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// CPU seconds (user + system) and peak RSS in MiB of a process.
pub fn process_usage(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the ")" the fields start at state (3rd); utime and stime are the 14th and 15th.
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu, hwm_kb / 1024.0)
}

/// The machine's ceilings; `postgres` is the benchmark's database when it runs on PostgreSQL.
pub async fn ceilings(postgres: Option<&str>) -> anyhow::Result<Value> {
    // argon2id at our parameters, on every core.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let until = Instant::now() + Duration::from_secs(3);
    let handles: Vec<_> = (0..cores)
        .map(|_| {
            std::thread::spawn(move || {
                let mut n = 0u64;
                while Instant::now() < until {
                    let _ = accounts::password::hash_blocking("ceiling");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let hashes: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let argon2_per_s = hashes as f64 / 3.0;

    // An empty actix-web handler, hammered by the same kind of client.
    let port = free_port()?;
    let server = actix_web::HttpServer::new(|| {
        actix_web::App::new().route("/", actix_web::web::get().to(|| async { "" }))
    })
    .workers(cores)
    .bind(("127.0.0.1", port))?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/");
    let stop = Instant::now() + Duration::from_secs(3);
    let counters: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            let url = url.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < stop {
                    if client.get(&url).send().await.is_ok() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let mut requests = 0;
    for c in counters {
        requests += c.await.unwrap_or(0);
    }
    handle.stop(true).await;
    let empty_per_s = requests as f64 / 3.0;

    // SQLite single-row commits, with the app's settings (WAL, synchronous=FULL).
    let dir = std::env::temp_dir().join(format!("cuocthi-ceiling-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = format!("sqlite://{}/c.db", dir.display());
    let sqlite_commits = commits_per_s(&sqlite, "INTEGER PRIMARY KEY").await?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut out = json!({
        "argon2_hashes_per_s": argon2_per_s,
        "empty_handler_requests_per_s": empty_per_s,
        "sqlite_commits_per_s": sqlite_commits,
    });
    // And PostgreSQL's, in the benchmark's database, when it runs on PostgreSQL.
    if let Some(url) = postgres {
        out["postgres_commits_per_s"] = json!(commits_per_s(url, "BIGSERIAL PRIMARY KEY").await?);
    }
    Ok(out)
}

/// Single-row insert commits per second, one after the other on one connection, for 2 s.
pub async fn commits_per_s(url: &str, key: &str) -> anyhow::Result<f64> {
    let db = cuocthi::db::connect(url).await?;
    db.write
        .execute_unprepared(&format!("CREATE TABLE loadgen_commits (id {key}, v TEXT)"))
        .await?;
    let stop = Instant::now() + Duration::from_secs(2);
    let mut commits = 0u64;
    while Instant::now() < stop {
        db.write
            .execute_unprepared("INSERT INTO loadgen_commits (v) VALUES ('x')")
            .await?;
        commits += 1;
    }
    db.write
        .execute_unprepared("DROP TABLE loadgen_commits")
        .await?;
    Ok(commits as f64 / 2.0)
}

pub async fn fresh_database(base: Option<&str>) -> anyhow::Result<(String, Option<PathBuf>)> {
    match base {
        Some(base) if base.starts_with("postgres") => {
            let name = format!("cuocthi_load_{:08x}", rand::rng().random::<u32>());
            let admin = Database::connect(base).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await.ok();
            let (prefix, _) = base
                .rsplit_once('/')
                .context("the database URL has no database name")?;
            Ok((format!("{prefix}/{name}"), None))
        }
        Some(other) => Ok((other.to_owned(), None)),
        None => {
            let dir = std::env::temp_dir().join(format!("cuocthi-load-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            Ok((format!("sqlite://{}/load.db", dir.display()), Some(dir)))
        }
    }
}
