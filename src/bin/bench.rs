//! The bank import benchmark: generates a bank of N questions, then times parsing and
//! validating it, and storing it in a fresh database.
//!
//! `cargo run --release --bin bench -- --questions 10000 [--database URL]` (README
//! "Performance").

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use cuocthi::banks;
use cuocthi::settings::DatabaseArgs;

/// The same allocator as the `cuocthi` binary, so that the times measured are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measure how long importing a large generated bank takes (release builds).
#[derive(Debug, Parser)]
#[command(name = "bench", version, about)]
struct Args {
    /// How many questions the generated bank has.
    #[arg(long, default_value_t = 10_000)]
    questions: usize,
    /// Where to import it (default: a fresh SQLite file in a temporary folder).
    #[command(flatten)]
    database: DatabaseArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    cuocthi::cli::init_tracing();
    cuocthi::cli::exit_code(actix_web::rt::System::new().block_on(bench(args)))
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let (_dir, url) = cuocthi::cli::scratch_database(&args.database, "bench.db")?;
    let bank = banks::synthetic_bank(args.questions);
    let toml = banks::to_toml(&bank);
    let db = cuocthi::db::connect_and_migrate(&url).await?;
    let started = Instant::now();
    let parsed = tokio::task::spawn_blocking(move || {
        banks::parse(banks::Format::Toml, toml.as_bytes(), &Default::default())
    })
    .await?
    .map_err(|p| anyhow::anyhow!("the generated bank is invalid: {:?}", p.first()))?;
    let parse_time = started.elapsed();
    let outcome = banks::store::import(&db.write, &parsed, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let total = started.elapsed();
    println!(
        "bank import: {} questions — parse+validate {:.0} ms, store {:.0} ms, total {:.0} ms ({})",
        outcome.questions,
        parse_time.as_secs_f64() * 1000.0,
        (total - parse_time).as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0,
        if url.starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );
    Ok(())
}
