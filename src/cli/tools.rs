//! The operator's tools beside serving: benchmarks, exports from the command line,
//! backups and the bank-parser fuzzer.

use super::*;

pub(super) async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    use std::time::Instant;
    let dir = tempfile_dir()?;
    let url = args
        .database
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.display()));
    let bank = crate::banks::synthetic_bank(args.questions);
    let toml = crate::banks::to_toml(&bank);
    let db = crate::db::connect_and_migrate(&url).await?;
    let started = Instant::now();
    let parsed = tokio::task::spawn_blocking(move || {
        crate::banks::parse(
            crate::banks::Format::Toml,
            toml.as_bytes(),
            &Default::default(),
        )
    })
    .await?
    .map_err(|p| anyhow::anyhow!("the generated bank is invalid: {:?}", p.first()))?;
    let parse_time = started.elapsed();
    let outcome = crate::banks::store::import(&db.write, &parsed, None)
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
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

pub(super) async fn export(args: ExportArgs) -> anyhow::Result<()> {
    use crate::exports::{self, ExportKind, ExportRecord, Format};
    let kind = match args.what.as_str() {
        "round-results" => ExportKind::RoundResults,
        "contest-results" => ExportKind::ContestResults,
        "contest-units" => ExportKind::ContestUnits,
        _ => ExportKind::RoundItems,
    };
    let format = Format::from_name(&args.format)
        .with_context(|| format!("unknown format {}", args.format))?;
    let db = crate::db::connect_and_migrate(&database_url(&args.database)).await?;
    let boards = crate::contest::boards::Boards::new(std::time::Duration::ZERO);
    let phone = if args.with_phone { ",phone" } else { "" };
    let contact = exports::ContactFields::parse(&format!("{}{phone}", args.contact))
        .map_err(anyhow::Error::msg)?;
    anyhow::ensure!(
        contact.is_empty() || matches!(kind, ExportKind::RoundResults | ExportKind::ContestResults),
        "--contact and --with-phone apply to round-results and contest-results only"
    );
    // Results may hold personal data: the file is readable by its owner only.
    crate::db::private_file(&args.out)
        .with_context(|| format!("Failed to create {}", args.out.display()))?;
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .truncate(true)
        .open(&args.out)
        .with_context(|| format!("Failed to create {}", args.out.display()))?;
    let produced =
        match exports::produce(&db.read, &boards, kind, args.id, format, contact, file).await {
            Ok(p) => p,
            Err(e) => {
                let _ = std::fs::remove_file(&args.out);
                anyhow::bail!("{} ({})", e.message(), e.code());
            }
        };
    exports::record_hook(
        &db.write,
        &ExportRecord {
            kind,
            subject_id: args.id,
            format,
            actor: None,
            contact,
            sha256: produced.sha256.clone(),
            bytes: produced.len,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The `sha256sum` format, so `sha256sum -c` can check the file later.
    println!("{}  {}", produced.sha256, args.out.display());
    Ok(())
}

pub(super) async fn bench_export(args: BenchExportArgs) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let url = args
        .database
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/bench-export.db", dir.display()));
    let formats = match args
        .format
        .as_deref()
        .and_then(crate::exports::Format::from_name)
    {
        Some(f) => vec![f],
        None => vec![crate::exports::Format::Xlsx, crate::exports::Format::Csv],
    };
    let report = crate::exports::bench::run(&url, args.participants, &formats).await?;
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
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

pub(super) async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let done = crate::backup::run(&database_url(&args.database), &args.out).await?;
    println!(
        "Đã sao lưu cơ sở dữ liệu vào {} ({} byte; {}).",
        args.out.display(),
        done.bytes,
        done.method.describe()
    );
    Ok(())
}

pub(super) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("cuocthi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Fuzzes each chosen parser for its time and prints its throughput; fails on the first
/// panic, after writing the input that caused it.
pub(super) fn fuzz(args: FuzzArgs) -> anyhow::Result<()> {
    use crate::banks::{Format, fuzz};
    let formats: Vec<Format> = if args.parser == "all" {
        Format::ALL.to_vec()
    } else {
        vec![
            Format::from_name(&args.parser)
                .with_context(|| format!("unknown parser {}", args.parser))?,
        ]
    };
    fuzz::count_panics();
    for format in formats {
        let budget = std::time::Duration::from_secs(args.seconds);
        match fuzz::run(format, budget, u64::MAX, args.seed) {
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
