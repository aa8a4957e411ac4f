//! The certificates benchmark (issue #17): a published award list of N winners (5,000 by
//! default; bulk inserts, then the award workflow's own functions), downloaded over HTTP
//! as one ZIP stream from the real server in this process, timing it and sampling the
//! process's resident memory (`VmRSS`) every 100 ms during the download.
//!
//! `cargo run --release --bin bench-certificates -- [--winners 5000]` (README "Prizes and
//! certificates").

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, QuerySelect, Set};

use cuocthi::accounts::Role;
use cuocthi::awards::plan::{CollectivePlan, PrizeCount, PrizePlan};
use cuocthi::awards::workflow::{self, Scope};
use cuocthi::entities::{round, standing, user};
use cuocthi::settings::Settings;

/// The same allocator as the `cuocthi` binary, so that the memory measured is the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measure streaming a ZIP of many certificates (release builds).
#[derive(Debug, Parser)]
#[command(name = "bench-certificates", version, about)]
struct Args {
    /// How many winners (and so certificates) the published list has.
    #[arg(long, default_value_t = 5_000)]
    winners: usize,
    /// Keep the server up this many seconds after the download (to look at its pages).
    #[arg(long, default_value_t = 0)]
    hold: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    cuocthi::cli::init_tracing();
    cuocthi::cli::exit_code(actix_web::rt::System::new().block_on(bench(args)))
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let app = cuocthi::startup::Application::build(Settings::for_database(&url)).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let db = &state.db.write;

    // A contest, a settled round, N winners' standings, a plan giving each a prize.
    let now = Utc::now();
    let contest = cuocthi::contest::create_contest(
        db,
        cuocthi::contest::ContestSpec {
            code: "bench-gcn".into(),
            title: "Tìm hiểu pháp luật về phòng, chống tham nhũng".into(),
            description: None,
            rules: None,
            categories: vec!["official".into(), "citizen".into()],
            status: None,
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let round = round::ActiveModel {
        contest_id: Set(contest.id),
        title: Set("Tuần 1".into()),
        opens_at: Set(now - chrono::Duration::days(8)),
        closes_at: Set(now - chrono::Duration::days(1)),
        time_limit_secs: Set(1200),
        max_attempts: Set(1),
        practice: Set(false),
        draw: Set(r#"{"default":[]}"#.into()),
        question_order: Set(round::Order::Shuffled),
        created_at: Set(now),
        settled_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let names = [
        "Nguyễn Thị Ánh",
        "Trần Văn Đức",
        "Lê Hoàng Yến",
        "Phạm Quốc Việt",
    ];
    for start in (0..args.winners).step_by(500) {
        let batch = (start..(start + 500).min(args.winners)).map(|i| user::ActiveModel {
            role: Set(user::Role::Participant),
            full_name: Set(format!("{} {i:05}", names[i % names.len()])),
            category_code: Set(Some(if i % 2 == 0 { "official" } else { "citizen" }.into())),
            password_hash: Set("bench: no login".into()),
            voided: Set(false),
            token_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        user::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    let users: Vec<(i64, Option<String>)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::CategoryCode)
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for chunk in users.chunks(500) {
        let batch = chunk
            .iter()
            .enumerate()
            .map(|(i, (id, category))| standing::ActiveModel {
                round_id: Set(round.id),
                user_id: Set(*id),
                attempt_id: Set(*id),
                category_code: Set(category.clone().unwrap_or_default()),
                unit_id: Set(None),
                score: Set(20 - (i % 10) as i32),
                max_score: Set(20),
                time_taken_ms: Set(60_000 + *id),
                submitted_at: Set(now - chrono::Duration::days(2)),
                prediction: Set(None),
                attempts_used: Set(1),
            });
        standing::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    let per_category = args.winners.div_ceil(2) as u32;
    let levels = [("Giải Nhất", 1000), ("Giải Nhì", 1000), ("Giải Ba", 1000)]
        .into_iter()
        .scan(per_category, |left, (prize, most)| {
            let count = (*left).min(most);
            *left -= count;
            Some(PrizeCount {
                prize: prize.into(),
                count,
            })
        })
        .chain(std::iter::once(PrizeCount {
            prize: "Giải Khuyến khích".into(),
            count: per_category.saturating_sub(3000).min(1000),
        }))
        .collect();
    let plan = PrizePlan {
        individual: levels,
        one_per_person: false,
        min_score: 0,
        collective: CollectivePlan::default(),
        organiser: Some("Ban Tổ chức Cuộc thi tỉnh Vĩnh Long".into()),
        signer: Some("TM. BAN TỔ CHỨC — Trưởng ban".into()),
        participation: None,
    };
    workflow::put_plan(db, contest.id, plan, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let scope = Scope::of_round(db, round.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    workflow::generate(db, &state.engine, &scope, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let list = workflow::publish(db, &scope, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("published a list of {} winners", list.entries.len());

    // An organiser's token.
    let hash = tokio::task::spawn_blocking(|| {
        cuocthi::accounts::password::hash_blocking("bench password")
    })
    .await??;
    cuocthi::accounts::create_staff(db, Role::Organiser, "btc@bench.vn", "Bench", hash)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "btc@bench.vn", "password": "bench password"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap_or_default().to_owned();

    // The download, with the resident memory sampled meanwhile.
    let before = rss_kib();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = Instant::now();
    let response = client
        .get(format!(
            "{address}/api/v1/rounds/{}/certificates.zip",
            round.id
        ))
        .bearer_auth(&token)
        .send()
        .await?;
    anyhow::ensure!(response.status().is_success(), "{}", response.status());
    let first_byte = started.elapsed();
    let mut bytes = 0u64;
    let mut response = response;
    while let Some(chunk) = response.chunk().await? {
        bytes += chunk.len() as u64;
    }
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    let peak = peak.load(Ordering::Relaxed);
    println!(
        "{} certificates: {:.1} MB ZIP in {:.1} s (first byte after {} ms); RSS {} MiB before, \
         {} MiB at its peak: +{} MiB",
        list.entries.len(),
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        first_byte.as_millis(),
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) / 1024
    );
    if args.hold > 0 {
        println!(
            "serving {address} for {} s: /ket-qua/vong/{}, /xac-minh/{}, token {token}",
            args.hold,
            round.id,
            list.entries[0]
                .certificate_code
                .as_deref()
                .unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_secs(args.hold)).await;
    }
    Ok(())
}
