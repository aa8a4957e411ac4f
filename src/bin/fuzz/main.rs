//! The bank-parser fuzzer (a development tool; CI runs it for a few seconds per parser).
//!
//! `cargo run --release --bin fuzz -- --parser all --seconds 60` (or `--parser gift`,
//! `--seed 7`; README "Robustness testing"). It fuzzes each chosen parser for its time and
//! prints its throughput; it fails on the first panic, after writing the input that caused
//! it.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use cuocthi::banks::Format;

mod fuzzer;

/// Fuzz the bank parsers for a while.
#[derive(Debug, Parser)]
#[command(name = "fuzz", version, about)]
struct Args {
    /// The parser: toml, gift, aiken, csv, xlsx, or all (one after the other).
    #[arg(long, default_value = "all")]
    parser: String,
    /// Seconds per parser.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The random seed (a run is repeatable from its seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where an input that makes a parser panic is written.
    #[arg(long, default_value = "target/fuzz-crashes")]
    crash_dir: std::path::PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    cuocthi::cli::init_tracing();
    cuocthi::cli::exit_code(fuzz(args))
}

fn fuzz(args: Args) -> anyhow::Result<()> {
    let formats: Vec<Format> = if args.parser == "all" {
        Format::ALL.to_vec()
    } else {
        vec![
            Format::from_name(&args.parser)
                .with_context(|| format!("unknown parser {}", args.parser))?,
        ]
    };
    fuzzer::count_panics();
    for format in formats {
        let budget = std::time::Duration::from_secs(args.seconds);
        match fuzzer::run(format, budget, u64::MAX, args.seed) {
            Ok(r) => {
                let contained = if format == Format::Xlsx {
                    format!(
                        ", {} panics contained by the XLSX reader",
                        r.contained_panics
                    )
                } else {
                    String::new()
                };
                println!(
                    "{format}: {} inputs in {:.1} s ({:.0}/s), {} valid banks, slowest input {} ms{contained}",
                    r.inputs,
                    r.elapsed.as_secs_f64(),
                    r.inputs as f64 / r.elapsed.as_secs_f64().max(1e-9),
                    r.accepted,
                    r.slowest.as_millis(),
                );
            }
            Err(crash) => {
                std::fs::create_dir_all(&args.crash_dir)?;
                let path = args
                    .crash_dir
                    .join(format!("{format}-seed{}.bin", args.seed));
                std::fs::write(&path, &crash.input)?;
                anyhow::bail!(
                    "the {format} parser panicked ({}); input written to {}",
                    crash.message,
                    path.display()
                );
            }
        }
    }
    Ok(())
}
