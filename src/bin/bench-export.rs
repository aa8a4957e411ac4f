//! The export benchmark: fills a database with one closed round of N participants'
//! standings (bulk inserts, not HTTP), then times the XLSX and CSV exports of it and reads
//! the process's peak memory (`VmHWM`, reset before each export).
//!
//! `cargo run --release --bin bench-export -- --participants 100000 [--format xlsx|csv]
//! [--database URL]` (README "Exports").

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use cuocthi::contest::boards::Boards;
use cuocthi::entities::{round, standing, unit, user};
use cuocthi::exports::{self, ContactField, ExportKind, Format};
use cuocthi::settings::DatabaseArgs;

/// The same allocator as the `cuocthi` binary, so that the memory measured is the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measure exporting a round of many participants as XLSX and CSV (release builds).
#[derive(Debug, Parser)]
#[command(name = "bench-export", version, about)]
struct Args {
    /// How many participants the generated round has.
    #[arg(long, default_value_t = 100_000)]
    participants: usize,
    /// Export in this format only (default: XLSX, then CSV, in one process).
    #[arg(long, value_parser = ["xlsx", "csv"])]
    format: Option<String>,
    /// Where to generate it (default: a fresh SQLite file in a temporary folder).
    #[command(flatten)]
    database: DatabaseArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    cuocthi::cli::init_tracing();
    cuocthi::cli::exit_code(actix_web::rt::System::new().block_on(bench_export(args)))
}

async fn bench_export(args: Args) -> anyhow::Result<()> {
    let (_dir, url) = cuocthi::cli::scratch_database(&args.database, "bench-export.db")?;
    let formats = match args.format.as_deref().and_then(Format::from_name) {
        Some(f) => vec![f],
        None => vec![Format::Xlsx, Format::Csv],
    };
    let report = run(&url, args.participants, &formats).await?;
    println!(
        "seeded {} participants' standings in {:.1} s ({})",
        report.participants,
        report.seed.as_secs_f64(),
        if url.starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );
    let mib = |kib: u64| kib as f64 / 1024.0;
    for m in &report.exports {
        println!(
            "{:<4}: {:.1} MB in {:.0} ms = snapshot {:.0} ms + contacts {:.0} ms + write {:.0} ms; \
             RSS {:.0} MiB before, peak {:.0} MiB while loading; {:.0} MiB when writing starts, \
             peak {:.0} MiB while writing{}",
            m.format.extension(),
            m.bytes as f64 / 1e6,
            (m.snapshot + m.load + m.write).as_secs_f64() * 1000.0,
            m.snapshot.as_secs_f64() * 1000.0,
            m.load.as_secs_f64() * 1000.0,
            m.write.as_secs_f64() * 1000.0,
            mib(m.rss_before_kib),
            mib(m.load_peak_kib),
            mib(m.rss_write_start_kib),
            mib(m.write_peak_kib),
            if m.peak_reset {
                ""
            } else {
                " (peaks of the whole process: the kernel did not reset them)"
            }
        );
    }
    Ok(())
}

const FAMILY: [&str; 14] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ",
    "Ngô", "Dương",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Quốc", "Thu"];
const GIVEN: [&str; 20] = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hương", "Khoa", "Lan", "Linh", "Long",
    "Mai", "Nam", "Phúc", "Quang", "Sơn", "Thảo", "Tuấn", "Yến",
];

/// Rows per bulk insert (well under the bind-parameter limits).
const BATCH: usize = 1000;

/// What one export of the benchmark measured.
#[derive(Debug, Clone)]
struct Measured {
    format: Format,
    /// Building the round's snapshot (what every leaderboard request shares).
    snapshot: Duration,
    /// Loading the rest: birth dates and phones, categories.
    load: Duration,
    /// Writing and hashing the file.
    write: Duration,
    bytes: u64,
    /// Resident memory before the export, in KiB.
    rss_before_kib: u64,
    /// Peak resident memory while building the snapshot and loading, in KiB.
    load_peak_kib: u64,
    /// Resident memory when writing starts, in KiB.
    rss_write_start_kib: u64,
    /// Peak resident memory while writing, in KiB.
    write_peak_kib: u64,
    /// Whether the kernel let the peak be reset between phases (otherwise the peaks are
    /// the whole process's).
    peak_reset: bool,
}

/// The benchmark's results.
#[derive(Debug, Clone)]
struct Report {
    participants: usize,
    seed: Duration,
    exports: Vec<Measured>,
}

/// A `/proc/self/status` field in KiB.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets the peak resident memory to the current one (Linux: `echo 5 > clear_refs`).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Seeds `participants` standings into a fresh round; returns the round id.
async fn seed(db: &DatabaseConnection, participants: usize) -> anyhow::Result<i64> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let units: Vec<i64> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .order_by_asc(unit::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    anyhow::ensure!(!units.is_empty(), "the bench database has no units");
    let contest = cuocthi::contest::create_contest(
        &txn,
        cuocthi::contest::ContestSpec {
            code: format!("bench-{}", now.timestamp_millis()),
            title: "Đo hiệu năng xuất kết quả".into(),
            description: None,
            rules: None,
            categories: vec!["official".into(), "citizen".into()],
            status: None,
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("bench contest: {e}"))?;
    let opens = Utc
        .with_ymd_and_hms(2026, 12, 1, 1, 0, 0)
        .single()
        .unwrap_or(now);
    let round = round::ActiveModel {
        contest_id: Set(contest.id),
        title: Set("Tuần đo hiệu năng".into()),
        opens_at: Set(opens),
        closes_at: Set(opens + chrono::Duration::days(7)),
        closed_at: Set(None),
        time_limit_secs: Set(1200),
        max_attempts: Set(3),
        practice: Set(false),
        draw: Set(r#"{"default":[]}"#.into()),
        question_order: Set(round::Order::Shuffled),
        prediction_question: Set(Some("Bao nhiêu người đạt điểm tuyệt đối?".into())),
        prediction_answer: Set(Some(round::PredictionAnswer::PerfectScores)),
        prediction_actual: Set(Some(participants as i64 / 50)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let first_new_id: i64 = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .order_by_desc(user::Column::Id)
        .into_tuple::<i64>()
        .one(&txn)
        .await?
        .unwrap_or(0)
        + 1;
    let mut plan = Vec::with_capacity(participants);
    for start in (0..participants).step_by(BATCH) {
        let mut batch = Vec::with_capacity(BATCH);
        for i in start..(start + BATCH).min(participants) {
            let official = rng.random_bool(0.4);
            let unit_id = units[rng.random_range(0..units.len())];
            let name = format!(
                "{} {} {}",
                FAMILY[rng.random_range(0..FAMILY.len())],
                MIDDLE[rng.random_range(0..MIDDLE.len())],
                GIVEN[rng.random_range(0..GIVEN.len())]
            );
            let birth = chrono::NaiveDate::from_ymd_opt(
                rng.random_range(1960..2008),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            );
            batch.push(user::ActiveModel {
                role: Set(user::Role::Participant),
                full_name: Set(name),
                phone: Set(Some(format!("09{:08}", 10_000_000 + i))),
                birth_date: Set(birth),
                category_code: Set(Some(if official { "official" } else { "citizen" }.into())),
                unit_id: Set(Some(unit_id)),
                password_hash: Set("bench: no login".into()),
                voided: Set(false),
                token_version: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            plan.push((official, unit_id));
        }
        user::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
    // Ids were given in insertion order, after any existing user.
    let ids: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.gte(first_new_id))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    anyhow::ensure!(ids.len() == participants, "the bench users did not insert");
    for (chunk_ids, chunk_plan) in ids.chunks(BATCH).zip(plan.chunks(BATCH)) {
        let batch: Vec<standing::ActiveModel> = chunk_ids
            .iter()
            .zip(chunk_plan)
            .map(|(&user_id, &(official, unit_id))| {
                // Scores bunch near the top, as in real rounds.
                let score = 20 - rng.random_range(0..=20u32).min(rng.random_range(0..=20)) as i32;
                standing::ActiveModel {
                    round_id: Set(round.id),
                    user_id: Set(user_id),
                    attempt_id: Set(user_id),
                    category_code: Set(if official { "official" } else { "citizen" }.into()),
                    unit_id: Set(Some(unit_id)),
                    score: Set(score),
                    max_score: Set(20),
                    time_taken_ms: Set(rng.random_range(60_000..1_200_000)),
                    submitted_at: Set(
                        opens + chrono::Duration::milliseconds(rng.random_range(0..600_000_000))
                    ),
                    prediction: Set(rng
                        .random_bool(0.9)
                        .then(|| rng.random_range(0..participants as i64 / 10 + 1))),
                    attempts_used: Set(rng.random_range(1..=3)),
                }
            })
            .collect();
        standing::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
    let round_id = round.id;
    txn.commit().await?;
    Ok(round_id)
}

/// Runs the benchmark on `url` (a fresh database is best), exporting in each format.
async fn run(url: &str, participants: usize, formats: &[Format]) -> anyhow::Result<Report> {
    let db = cuocthi::db::connect_and_migrate(url).await?;
    let started = Instant::now();
    if unit::Entity::find().one(&db.read).await?.is_none() {
        cuocthi::units::import_csv(&db.write, cuocthi::demo::SAMPLE_UNITS_CSV.as_bytes(), None)
            .await
            .map_err(|e| anyhow::anyhow!("units: {e}"))?;
    }
    let round_id = seed(&db.write, participants).await?;
    let seed_time = started.elapsed();
    let dir = tempfile::tempdir()?;
    let mut exports = Vec::new();
    for &format in formats {
        // A fresh cache: each export builds its snapshot, as a cold request would.
        let boards = Boards::new(Duration::from_secs(3600));
        let peak_reset = reset_peak();
        let rss_before_kib = proc_status_kib("VmRSS").unwrap_or(0);
        let t0 = Instant::now();
        let round = cuocthi::contest::attempts::load_round(&db.read, round_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        boards
            .snapshot(&db.read, &round)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let snapshot = t0.elapsed();
        let t1 = Instant::now();
        // Reads the cached snapshot: what is left is the contacts and categories (birth
        // dates and phones, as the figures in the README were measured).
        let contact = [ContactField::BirthDate, ContactField::Phone]
            .into_iter()
            .collect();
        let export = exports::load(
            &db.read,
            &boards,
            ExportKind::RoundResults,
            round_id,
            contact,
            cuocthi::contest::items::MIN_SAMPLE,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let load = t1.elapsed();
        let load_peak_kib = proc_status_kib("VmHWM").unwrap_or(0);
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.path().join(format!("bench.{}", format.extension())))?;
        reset_peak();
        let rss_write_start_kib = proc_status_kib("VmRSS").unwrap_or(0);
        let t2 = Instant::now();
        let (produced, export) = tokio::task::spawn_blocking(move || {
            let produced = exports::write(&export, format, file);
            (produced, export)
        })
        .await?;
        let produced = produced.map_err(|e| anyhow::anyhow!("{e}"))?;
        let write = t2.elapsed();
        let write_peak_kib = proc_status_kib("VmHWM").unwrap_or(0);
        drop(export);
        exports.push(Measured {
            format,
            snapshot,
            load,
            write,
            bytes: produced.len,
            rss_before_kib,
            load_peak_kib,
            rss_write_start_kib,
            write_peak_kib,
            peak_reset,
        });
    }
    Ok(Report {
        participants,
        seed: seed_time,
        exports,
    })
}
