//! The contest-day load benchmark.
//!
//! Against a real `cuocthi serve` process (started here, on a fresh SQLite file or a fresh
//! PostgreSQL database) it registers N participants, logs them in (a login storm, with a
//! probe measuring other endpoints meanwhile), then runs waves of C participants who press
//! "start" together, save 20 answers with a compressed think time, and submit, while
//! readers poll the leaderboard and the unit table at a fixed rate. It reports throughput
//! and latency percentiles per step, the server's CPU time and peak RSS, the machine's
//! ceilings measured in the same run, writes a JSON result and an SVG plot, and checks that
//! every answer the server acknowledged is in the database.
//!
//! `cargo run --release --bin loadgen -- --participants 10000 --concurrency 1000`
//! (`--smoke` for a small run, `--database postgres://…` for PostgreSQL).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use cuocthi::accounts::{self, Role};
use cuocthi::banks::{self, Parsed};
use cuocthi::contest::{self, ContestSpec, PredictionAnswer, PredictionSpec, QuotaSpec, RoundSpec};
use cuocthi::settings::Settings;
use rand::Rng;
use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};

/// The generator shares the machine with the server: mimalloc, as the server uses, keeps
/// its allocation cost (a tenth of its CPU with glibc malloc) off the server's cores.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(about = "Contest-day load benchmark for cuocthi")]
struct Args {
    /// Participants to register and run through the scenario.
    #[arg(long, default_value_t = 10_000)]
    participants: usize,
    /// Participants active at once (and pressing start in the same second).
    #[arg(long, default_value_t = 1_000)]
    concurrency: usize,
    /// Questions in the generated bank.
    #[arg(long, default_value_t = 10_000)]
    bank: usize,
    /// Mean think time between answers, in milliseconds (uniform 0..2×mean).
    #[arg(long, default_value_t = 150)]
    think_ms: u64,
    /// Leaderboard + unit-table reads per second while answers are saved.
    #[arg(long, default_value_t = 500)]
    reads_per_sec: u64,
    /// Database: default a fresh SQLite file; `postgres://USER@HOST/postgres` makes a fresh
    /// database on that server.
    #[arg(long)]
    database: Option<String>,
    /// Where to write result.json and latency.svg.
    #[arg(long, default_value = "target/loadgen")]
    out: PathBuf,
    /// A small run (200 participants, 50 at once, 2,000 questions) that only checks the
    /// harness works; no targets are judged.
    #[arg(long)]
    smoke: bool,
    /// The server binary (default: `cuocthi` beside this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// App instances sharing the database (scale-out; PostgreSQL only). Participant i
    /// talks to instance i mod N, readers alternate.
    #[arg(long, default_value_t = 1)]
    instances: usize,
}

const PASSWORD: &str = "mật khẩu tải thử 2026";

/// A Vietnamese name for participant `i` (names may not contain digits).
fn name_of(i: usize) -> String {
    const FAMILY: [&str; 10] = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi",
    ];
    const MIDDLE: [&str; 10] = [
        "Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc", "Thu", "Đức", "Kim",
    ];
    const GIVEN: [&str; 10] = [
        "An", "Bình", "Chi", "Dũng", "Hà", "Khoa", "Lan", "Nam", "Phúc", "Yến",
    ];
    format!(
        "{} {} {} {}",
        FAMILY[i % 10],
        MIDDLE[(i / 10) % 10],
        GIVEN[(i / 100) % 10],
        GIVEN[(i / 1000) % 10]
    )
}

/// One timed request.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at_ms: u64,
    latency_us: u64,
    ok: bool,
}

#[derive(Default)]
struct Recorder {
    started: Option<Instant>,
    steps: Mutex<BTreeMap<&'static str, Vec<Sample>>>,
}

impl Recorder {
    fn record(&self, step: &'static str, began: Instant, ok: bool) {
        let now = Instant::now();
        let sample = Sample {
            at_ms: self
                .started
                .map_or(0, |s| began.duration_since(s).as_millis() as u64),
            latency_us: now.duration_since(began).as_micros() as u64,
            ok,
        };
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(step)
            .or_default()
            .push(sample);
    }
}

#[derive(Debug, Serialize)]
struct StepReport {
    step: String,
    requests: usize,
    errors: usize,
    /// Requests over the step's whole span (first to last request).
    throughput_per_s: f64,
    /// Requests per second in the busiest 10 s of the step (a rate sustained for 10 s,
    /// where the whole span also holds pauses between waves); a shorter step's own rate.
    busiest_10s_per_s: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn report(step: &str, samples: &[Sample]) -> StepReport {
    let mut lat: Vec<u64> = samples.iter().map(|s| s.latency_us).collect();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((p * lat.len() as f64).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i] as f64 / 1000.0
    };
    let first = samples.iter().map(|s| s.at_ms).min().unwrap_or(0);
    let last = samples
        .iter()
        .map(|s| s.at_ms + s.latency_us / 1000)
        .max()
        .unwrap_or(0);
    let span = ((last.saturating_sub(first)) as f64 / 1000.0).max(0.001);
    // A step shorter than 10 s: its own span.
    let window = span.clamp(1.0, 10.0);
    let mut per_second: BTreeMap<u64, usize> = BTreeMap::new();
    for s in samples {
        // By completion: a burst of requests sent together counts as it is served.
        *per_second
            .entry((s.at_ms + s.latency_us / 1000) / 1000)
            .or_default() += 1;
    }
    let busiest = per_second
        .keys()
        .map(|&from| {
            per_second
                .range(from..from + 10)
                .map(|(_, n)| n)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    StepReport {
        step: step.to_owned(),
        requests: samples.len(),
        errors: samples.iter().filter(|s| !s.ok).count(),
        throughput_per_s: samples.len() as f64 / span,
        busiest_10s_per_s: busiest as f64 / window,
        p50_ms: pct(0.50),
        p95_ms: pct(0.95),
        p99_ms: pct(0.99),
        max_ms: lat.last().copied().unwrap_or(0) as f64 / 1000.0,
    }
}

struct Target {
    base: String,
    client: reqwest::Client,
    rec: Arc<Recorder>,
}

impl Target {
    /// Sends a request and reads its body; an error status or a failure is printed and
    /// gives `None`.
    async fn exchange(
        step: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Option<reqwest::Response> {
        match request.send().await {
            Ok(r) if r.status().is_success() => Some(r),
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                eprintln!(
                    "{step}: HTTP {status}: {}",
                    text.chars().take(200).collect::<String>()
                );
                None
            }
            Err(e) => {
                eprintln!("{step}: {e}");
                None
            }
        }
    }

    /// Sends a request, records its latency and outcome, and decodes only the fields of
    /// `T` from the body (the generator shares the machine with the server: parsing less
    /// leaves it more).
    async fn send_for<T: serde::de::DeserializeOwned>(
        &self,
        step: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Option<T> {
        let began = Instant::now();
        let body = match Self::exchange(step, request).await {
            Some(r) => match r.bytes().await {
                Ok(bytes) => serde_json::from_slice::<T>(&bytes)
                    .map_err(|e| eprintln!("{step}: unexpected body: {e}"))
                    .ok(),
                Err(e) => {
                    eprintln!("{step}: {e}");
                    None
                }
            },
            None => None,
        };
        self.rec.record(step, began, body.is_some());
        body
    }

    /// [`Target::send_for`] into a JSON value.
    async fn send(&self, step: &'static str, request: reqwest::RequestBuilder) -> Option<Value> {
        self.send_for::<Value>(step, request).await
    }

    /// Like [`Target::send`] for a step whose body is not needed: it is read (so the
    /// connection is reused) but not parsed.
    async fn hit(&self, step: &'static str, request: reqwest::RequestBuilder) -> bool {
        let began = Instant::now();
        let ok = match Self::exchange(step, request).await {
            Some(r) => r.bytes().await.is_ok(),
            None => false,
        };
        self.rec.record(step, began, ok);
        ok
    }
}

/// What a participant reads of a started attempt.
#[derive(serde::Deserialize)]
struct StartedAttempt {
    attempt_id: i64,
    questions: Vec<ShownQuestion>,
}

#[derive(serde::Deserialize)]
struct ShownQuestion {
    options: Vec<ShownOption>,
}

#[derive(serde::Deserialize)]
struct ShownOption {
    id: String,
}

/// The body of an answer save choosing `option`.
fn choice_body(option: &str) -> String {
    format!(r#"{{"choices":["{option}"]}}"#)
}

/// A participant's acknowledged saves: (attempt, position, bank index of the chosen option).
type Acked = Vec<(i64, i32, usize)>;

async fn setup(url: &str, bank_size: usize) -> anyhow::Result<(i64, Vec<String>)> {
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
struct ServerProcess(std::process::Child);

impl ServerProcess {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// CPU seconds (user + system) and peak RSS in MiB of a process.
fn process_usage(pid: u32) -> (f64, f64) {
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
async fn ceilings(postgres: Option<&str>) -> anyhow::Result<Value> {
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
async fn commits_per_s(url: &str, key: &str) -> anyhow::Result<f64> {
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

fn svg_plot(steps: &BTreeMap<&'static str, Vec<Sample>>) -> String {
    // p99 latency per second and step, as polylines.
    let colours = [
        "#0b5394", "#a1151b", "#1e6b34", "#8a4b00", "#6a1b9a", "#00695c", "#37474f", "#c2185b",
    ];
    let mut series = Vec::new();
    let mut max_t = 1u64;
    let mut max_ms = 1.0f64;
    for (step, samples) in steps {
        let mut buckets: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for s in samples {
            buckets
                .entry(s.at_ms / 1000)
                .or_default()
                .push(s.latency_us);
        }
        let points: Vec<(u64, f64)> = buckets
            .into_iter()
            .map(|(t, mut v)| {
                v.sort_unstable();
                let i = ((0.99 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
                (t, v[i] as f64 / 1000.0)
            })
            .collect();
        for (t, ms) in &points {
            max_t = max_t.max(*t + 1);
            max_ms = max_ms.max(*ms);
        }
        series.push((*step, points));
    }
    let (w, h, left, bottom) = (900.0, 420.0, 60.0, 40.0);
    let x = |t: u64| left + (t as f64 / max_t as f64) * (w - left - 20.0);
    let y = |ms: f64| (h - bottom) - (ms / max_ms) * (h - bottom - 20.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"p99 latency per second\">\
         <title>p99 latency per second and step</title><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"20\" x2=\"{left}\" y2=\"{}\" stroke=\"#333\"/>\
         <text x=\"8\" y=\"16\" font-size=\"12\">{max_ms:.0} ms</text><text x=\"{}\" y=\"{}\" font-size=\"12\">{max_t} s</text>",
        h - bottom,
        w - 20.0,
        h - bottom,
        h - bottom,
        w - 60.0,
        h - 10.0
    );
    for (i, (step, points)) in series.iter().enumerate() {
        let colour = colours[i % colours.len()];
        let pts: Vec<String> = points
            .iter()
            .map(|(t, ms)| format!("{:.1},{:.1}", x(*t), y(*ms)))
            .collect();
        out.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{colour}\">{step}</text>",
            pts.join(" "),
            w - 200.0,
            30.0 + 16.0 * i as f64
        ));
    }
    out.push_str("</svg>");
    out
}

async fn fresh_database(base: Option<&str>) -> anyhow::Result<(String, Option<PathBuf>)> {
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.smoke {
        args.participants = args.participants.min(200);
        args.concurrency = args.concurrency.min(50);
        args.bank = args.bank.min(2_000);
        args.reads_per_sec = args.reads_per_sec.min(100);
    }
    let (url, temp_dir) = fresh_database(args.database.as_deref()).await?;
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!(
        "loadgen: {} participants, {} at once, {}-question bank, {backend}",
        args.participants, args.concurrency, args.bank
    );

    let (round, units) = setup(&url, args.bank).await?;
    let server_bin = match &args.server {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("cuocthi"),
    };
    let instances = args.instances.max(1);
    if instances > 1 && backend == "SQLite" {
        bail!("several instances share a PostgreSQL database: pass --database postgres://…");
    }
    let mut servers = Vec::with_capacity(instances);
    let mut bases = Vec::with_capacity(instances);
    for _ in 0..instances {
        let port = free_port()?;
        servers.push(ServerProcess(
            std::process::Command::new(&server_bin)
                .args([
                    "serve",
                    "--bind",
                    &format!("127.0.0.1:{port}"),
                    "--database",
                    &url,
                    // Every simulated participant signs in from 127.0.0.1.
                    "--auth-limit-per-ip",
                    "0",
                ])
                .env("RUST_LOG", "warn")
                .spawn()
                .with_context(|| format!("cannot start {}", server_bin.display()))?,
        ));
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let pids: Vec<u32> = servers.iter().map(|s| s.0.id()).collect();
    let base = bases[0].clone();
    // Idle connections are dropped before the server's 5 s keep-alive closes them, so a
    // request never goes out on a connection the server is closing.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .pool_idle_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(120))
        .build()?;
    for base in &bases {
        let mut ready = false;
        for _ in 0..100 {
            if client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !ready {
            bail!("the server at {base} did not become healthy");
        }
    }

    let rec = Arc::new(Recorder {
        started: Some(Instant::now()),
        ..Default::default()
    });
    let targets: Vec<Arc<Target>> = bases
        .iter()
        .map(|base| {
            Arc::new(Target {
                base: base.clone(),
                client: client.clone(),
                rec: rec.clone(),
            })
        })
        .collect();
    let target = targets[0].clone();
    let run_started = Instant::now();

    // 1. Registration (argon2-bound).
    let phones: Vec<String> = (0..args.participants)
        .map(|i| format!("09{:08}", 10_000_000 + i))
        .collect();
    let limit = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::new();
    for (i, phone) in phones.iter().enumerate() {
        let t = targets[i % instances].clone();
        let permit = limit.clone().acquire_owned().await?;
        let body = json!({
            "full_name": name_of(i),
            "phone": phone,
            "category": if i % 3 == 0 { "citizen" } else { "official" },
            "unit_code": units[i % units.len()],
            "password": PASSWORD,
        });
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            t.send(
                "register",
                t.client
                    .post(format!("{}/api/v1/auth/register", t.base))
                    .json(&body),
            )
            .await;
        }));
    }
    for t in tasks {
        t.await?;
    }

    // 2. Login storm, with a probe saving answers and reading the leaderboard meanwhile.
    let probe_token = {
        let body = target
            .send(
                "login",
                client
                    .post(format!("{base}/api/v1/auth/login"))
                    .json(&json!({"login": phones[0], "password": PASSWORD})),
            )
            .await
            .context("the probe cannot log in")?;
        body["token"].as_str().unwrap_or_default().to_owned()
    };
    let probe_attempt = target
        .send(
            "start",
            client
                .post(format!("{base}/api/v1/rounds/{round}/attempts"))
                .bearer_auth(&probe_token),
        )
        .await
        .context("the probe cannot start")?;
    let stop_probe = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let t = target.clone();
        let stop = stop_probe.clone();
        let token = probe_token.clone();
        let attempt = probe_attempt.clone();
        tokio::spawn(async move {
            let id = attempt["attempt_id"].as_i64().unwrap_or(0);
            let option = attempt["questions"][0]["options"][0]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                t.hit(
                    "save during login storm",
                    t.client
                        .put(format!("{}/api/v1/attempts/{id}/answers/1", t.base))
                        .bearer_auth(&token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(choice_body(&option)),
                )
                .await;
                t.hit(
                    "leaderboard during login storm",
                    t.client.get(format!(
                        "{}/api/v1/rounds/{round}/leaderboard?limit=20",
                        t.base
                    )),
                )
                .await;
            }
        })
    };
    let tokens: Arc<Mutex<HashMap<usize, String>>> = Arc::new(Mutex::new(HashMap::new()));
    let limit = Arc::new(tokio::sync::Semaphore::new(args.concurrency));
    let mut tasks = Vec::new();
    for (i, phone) in phones.iter().enumerate().skip(1) {
        let t = targets[i % instances].clone();
        let permit = limit.clone().acquire_owned().await?;
        let tokens = tokens.clone();
        let phone = phone.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            if let Some(body) = t
                .send(
                    "login",
                    t.client
                        .post(format!("{}/api/v1/auth/login", t.base))
                        .json(&json!({"login": phone, "password": PASSWORD})),
                )
                .await
            {
                let token = body["token"].as_str().unwrap_or_default().to_owned();
                tokens
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(i, token);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    stop_probe.store(true, std::sync::atomic::Ordering::Relaxed);
    probe.await?;
    target
        .send(
            "submit",
            client
                .post(format!(
                    "{base}/api/v1/attempts/{}/submit",
                    probe_attempt["attempt_id"]
                ))
                .bearer_auth(&probe_token)
                .json(&json!({})),
        )
        .await;

    // 3. Waves: start together, save 20 answers, submit; readers poll meanwhile.
    let acked: Arc<Mutex<Acked>> = Arc::new(Mutex::new(Vec::new()));
    let stop_readers = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers = {
        let targets = targets.clone();
        let stop = stop_readers.clone();
        let every = Duration::from_micros(1_000_000 / args.reads_per_sec.max(1));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut n = 0u64;
            let mut inflight = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                n += 1;
                // Each instance gets both kinds of read.
                let t = targets[(n / 2) as usize % targets.len()].clone();
                inflight.push(tokio::spawn(async move {
                    if n.is_multiple_of(2) {
                        t.hit(
                            "leaderboard",
                            t.client.get(format!(
                                "{}/api/v1/rounds/{round}/leaderboard?limit=50",
                                t.base
                            )),
                        )
                        .await;
                    } else {
                        t.hit(
                            "unit table",
                            t.client
                                .get(format!("{}/api/v1/rounds/{round}/units", t.base)),
                        )
                        .await;
                    }
                }));
                inflight.retain(|h| !h.is_finished());
            }
            for h in inflight {
                let _ = h.await;
            }
        })
    };
    let ids: Vec<usize> = (1..phones.len()).collect();
    for wave in ids.chunks(args.concurrency) {
        let barrier = Arc::new(tokio::sync::Barrier::new(wave.len()));
        let mut tasks = Vec::new();
        for &i in wave {
            let Some(token) = tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&i)
                .cloned()
            else {
                continue;
            };
            let t = targets[i % instances].clone();
            let barrier = barrier.clone();
            let acked = acked.clone();
            let think = args.think_ms;
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let Some(attempt) = t
                    .send_for::<StartedAttempt>(
                        "start",
                        t.client
                            .post(format!("{}/api/v1/rounds/{round}/attempts", t.base))
                            .bearer_auth(&token),
                    )
                    .await
                else {
                    return;
                };
                let id = attempt.attempt_id;
                for (p, q) in attempt.questions.iter().enumerate() {
                    let wait = rand::rng().random_range(0..=2 * think);
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    let option = q.options.first().map(|o| o.id.clone()).unwrap_or_default();
                    let saved = t
                        .hit(
                            "save answer",
                            t.client
                                .put(format!("{}/api/v1/attempts/{id}/answers/{}", t.base, p + 1))
                                .bearer_auth(&token)
                                .header(reqwest::header::CONTENT_TYPE, "application/json")
                                .body(choice_body(&option)),
                        )
                        .await;
                    if saved {
                        acked
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((id, p as i32 + 1, 0));
                    }
                }
                t.hit(
                    "submit",
                    t.client
                        .post(format!("{}/api/v1/attempts/{id}/submit", t.base))
                        .bearer_auth(&token)
                        .json(&json!({"prediction": 3})),
                )
                .await;
            }));
        }
        for t in tasks {
            t.await?;
        }
    }
    stop_readers.store(true, std::sync::atomic::Ordering::Relaxed);
    readers.await?;
    let wall = run_started.elapsed();
    let (cpu_s, rss_mib) = pids.iter().fold((0.0, 0.0), |(cpu, rss), &pid| {
        let (c, r) = process_usage(pid);
        (cpu + c, f64::max(rss, r))
    });

    // 4. Every acknowledged answer is in the database, as the option shown first.
    let db = Database::connect(&url).await?;
    let acked = acked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let attempt_ids: Vec<i64> = {
        let mut v: Vec<i64> = acked.iter().map(|a| a.0).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut stored: HashMap<(i64, i32), Vec<usize>> = HashMap::new();
    let mut first_option: HashMap<(i64, i32), usize> = HashMap::new();
    for chunk in attempt_ids.chunks(500) {
        for a in cuocthi::entities::attempt::Entity::find()
            .filter(cuocthi::entities::attempt::Column::Id.is_in(chunk.to_vec()))
            .all(&db)
            .await?
        {
            for (i, d) in cuocthi::contest::attempts::drawn_of(&a)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .enumerate()
            {
                first_option.insert(
                    (a.id, i as i32 + 1),
                    d.option_order.first().copied().unwrap_or(usize::MAX),
                );
            }
        }
        for row in cuocthi::entities::answer::Entity::find()
            .filter(cuocthi::entities::answer::Column::AttemptId.is_in(chunk.to_vec()))
            .all(&db)
            .await?
        {
            stored.insert(
                (row.attempt_id, row.position),
                serde_json::from_str(&row.choices).unwrap_or_default(),
            );
        }
    }
    let lost = acked
        .iter()
        .filter(|(a, p, _)| {
            stored.get(&(*a, *p))
                != Some(&vec![
                    first_option.get(&(*a, *p)).copied().unwrap_or(usize::MAX),
                ])
        })
        .count();
    db.close().await.ok();
    for server in &mut servers {
        server.stop();
    }

    let ceilings = ceilings((backend == "PostgreSQL").then_some(url.as_str())).await?;
    let steps = rec.steps.lock().unwrap_or_else(|e| e.into_inner());
    let reports: Vec<StepReport> = steps.iter().map(|(k, v)| report(k, v)).collect();
    let rate = |name: &str| {
        reports
            .iter()
            .find(|r| r.step == name)
            .map_or(0.0, |r| r.throughput_per_s)
    };
    let ratios = json!({
        "login_vs_argon2": rate("login") / ceilings["argon2_hashes_per_s"].as_f64().unwrap_or(1.0),
        "saves_vs_sqlite_commits": rate("save answer") / ceilings["sqlite_commits_per_s"].as_f64().unwrap_or(1.0),
        "saves_vs_postgres_commits": ceilings["postgres_commits_per_s"].as_f64().map(|c| rate("save answer") / c),
        "saves_vs_empty_handler": rate("save answer") / ceilings["empty_handler_requests_per_s"].as_f64().unwrap_or(1.0),
    });
    let result = json!({
        "date": chrono::Utc::now(),
        "backend": backend,
        "participants": args.participants,
        "instances": instances,
        "concurrency": args.concurrency,
        "bank_questions": args.bank,
        "wall_s": wall.as_secs_f64(),
        "server_cpu_s": cpu_s,
        "server_peak_rss_mib": rss_mib,
        "acknowledged_answers": acked.len(),
        "lost_answers": lost,
        "steps": reports,
        "ceilings": ceilings,
        "ratios": ratios,
    });
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(
        args.out.join("result.json"),
        serde_json::to_string_pretty(&result)?,
    )?;
    std::fs::write(args.out.join("latency.svg"), svg_plot(&steps))?;
    if let Some(dir) = temp_dir {
        let _ = std::fs::remove_dir_all(dir);
    }

    println!(
        "\n| step | requests | errors | req/s | busiest 10 s req/s | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|"
    );
    for r in &reports {
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} |",
            r.step,
            r.requests,
            r.errors,
            r.throughput_per_s,
            r.busiest_10s_per_s,
            r.p50_ms,
            r.p95_ms,
            r.p99_ms,
            r.max_ms
        );
    }
    println!(
        "\nserver: {cpu_s:.1} s CPU over {:.1} s, peak RSS {rss_mib:.0} MiB; answers acknowledged {}, lost {lost}",
        wall.as_secs_f64(),
        acked.len()
    );
    println!(
        "ceilings: {ceilings}\nratios: {ratios}\nwritten: {}",
        args.out.display()
    );
    let errors: usize = reports.iter().map(|r| r.errors).sum();
    if lost > 0 || errors > 0 {
        bail!("{errors} errors, {lost} lost answers");
    }
    Ok(())
}
