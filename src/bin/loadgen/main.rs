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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use rand::Rng;
use serde_json::json;

mod burst;
mod machine;
mod proxy;
mod report;
mod servers;
mod target;
mod verify;

use cuocthi::progress::Progress;
use machine::*;
use report::*;
use target::*;

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
    /// Instead of the scenario: open this many connections at once to a fresh server's
    /// `/healthz` (the 09:00 burst) and report their latency and the kernel's listen
    /// overflows.
    #[arg(long)]
    burst: Option<usize>,
    /// The servers' first port (then one per instance); default free ports.
    #[arg(long)]
    base_port: Option<u16>,
    /// A further argument for every `cuocthi serve` (repeatable), e.g.
    /// `--server-arg=--listen-backlog=128`.
    #[arg(long, allow_hyphen_values = true)]
    server_arg: Vec<String>,
    /// Send the participants' and readers' requests through this reverse proxy (e.g.
    /// `https://localhost:8443`, in front of the instances started here on `--base-port`)
    /// and check the deployment through it (HTTP/2, Secure cookies, /metrics hidden).
    #[arg(long)]
    via: Option<String>,
    /// The proxy's certificate (PEM), pinned: the only one the generator trusts.
    #[arg(long)]
    ca_cert: Option<PathBuf>,
    /// Every participant session opens its own connections (as phones do) instead of
    /// sharing the generator's pool.
    #[arg(long)]
    new_connection_per_session: bool,
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

/// The server binary: `--server`, else `cuocthi` beside this one.
fn server_binary(args: &Args) -> anyhow::Result<PathBuf> {
    Ok(match &args.server {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("cuocthi"),
    })
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

    // Servers are waited on directly; the traffic goes through `--via` when given.
    let direct = proxy::client(None)?;
    let client = proxy::client(args.ca_cert.as_deref())?;
    if let Some(n) = args.burst {
        let plan = servers::ServerPlan {
            binary: &server_binary(&args)?,
            database_url: &url,
            instances: 1,
            base_port: args.base_port,
            extra_args: &args.server_arg,
        };
        return burst::run(&plan, n, &direct, &args.out, temp_dir).await;
    }
    let (round, units) = setup(&url, args.bank).await?;
    let server_bin = server_binary(&args)?;
    let instances = args.instances.max(1);
    if instances > 1 && backend == "SQLite" {
        bail!("several instances share a PostgreSQL database: pass --database postgres://…");
    }
    let (mut servers, bases) = servers::start(
        &servers::ServerPlan {
            binary: &server_bin,
            database_url: &url,
            instances,
            base_port: args.base_port,
            extra_args: &args.server_arg,
        },
        &direct,
    )
    .await?;
    let instance_bases = bases.clone();
    let bases: Vec<String> = match &args.via {
        Some(via) => vec![via.trim_end_matches('/').to_owned(); instances],
        None => bases,
    };
    let pids: Vec<u32> = servers.iter().map(|s| s.0.id()).collect();
    let base = bases[0].clone();

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
    // Counted as each request ends (the tasks are joined only after all are spawned).
    let progress = Arc::new(Progress::new("register", Some(phones.len() as u64)));
    for (i, phone) in phones.iter().enumerate() {
        let t = targets[i % instances].clone();
        let permit = limit.clone().acquire_owned().await?;
        let progress = progress.clone();
        let body = json!({
            "full_name": name_of(i),
            "phone": phone,
            "category": if i % 3 == 0 { "citizen" } else { "official" },
            "unit_code": units[i % units.len()],
            "password": PASSWORD,
            "consent": true,
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
            progress.inc(1);
        }));
    }
    for t in tasks {
        t.await?;
    }
    progress.finish();

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
    let progress = Arc::new(Progress::new("login", Some(phones.len() as u64 - 1)));
    for (i, phone) in phones.iter().enumerate().skip(1) {
        let t = targets[i % instances].clone();
        let permit = limit.clone().acquire_owned().await?;
        let progress = progress.clone();
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
            progress.inc(1);
        }));
    }
    for t in tasks {
        t.await?;
    }
    progress.finish();
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
    let progress = Progress::new(
        "participants (start, 20 saves, submit)",
        Some(ids.len() as u64),
    );
    for wave in ids.chunks(args.concurrency) {
        // Those who could log in (a failed login is already counted as an error): the
        // barrier waits for exactly the tasks spawned, or one missing token would hold
        // the whole wave forever.
        let wave: Vec<(usize, String)> = {
            let tokens = tokens.lock().unwrap_or_else(|e| e.into_inner());
            wave.iter()
                .filter_map(|&i| tokens.get(&i).map(|t| (i, t.clone())))
                .collect()
        };
        let barrier = Arc::new(tokio::sync::Barrier::new(wave.len()));
        let mut tasks = Vec::new();
        for (i, token) in wave {
            let shared = &targets[i % instances];
            let t = if args.new_connection_per_session {
                Arc::new(Target {
                    base: shared.base.clone(),
                    client: proxy::client(args.ca_cert.as_deref())?,
                    rec: rec.clone(),
                })
            } else {
                shared.clone()
            };
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
            progress.inc(1);
        }
    }
    progress.finish();
    stop_readers.store(true, std::sync::atomic::Ordering::Relaxed);
    readers.await?;
    let wall = run_started.elapsed();
    if let Some(via) = &args.via {
        proxy::check(
            &client,
            via.trim_end_matches('/'),
            &instance_bases[0],
            &phones[1],
            PASSWORD,
            &args.out,
        )
        .await?;
    }
    let (cpu_s, rss_mib) = pids.iter().fold((0.0, 0.0), |(cpu, rss), &pid| {
        let (c, r) = process_usage(pid);
        (cpu + c, f64::max(rss, r))
    });

    // 4. Every acknowledged answer is in the database, as the option shown first.
    let acked = acked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let lost = verify::lost_answers(&url, &acked).await?;
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
