//! The command line: `serve`, `demo`, `user add`, `migrate`, `bank`, `bench`, `export`,
//! `backup`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::accounts::{self, Role};
use crate::settings::{DEFAULT_DATABASE_URL, DEMO_DATABASE_URL, DatabaseArgs, ServeArgs, Settings};
use crate::startup::Application;

/// cuocthi — online knowledge contests (cuộc thi trực tuyến tìm hiểu).
#[derive(Debug, Parser)]
#[command(name = "cuocthi", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and API (pending migrations run first).
    Serve(ServeArgs),
    /// Serve a ready demo contest; on an empty database, load the demo content first and
    /// print the demo logins.
    Demo(ServeArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Apply, roll back or list database migrations.
    Migrate(MigrateArgs),
    /// Check or import question banks.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Measure how long importing a large generated bank takes (release builds).
    Bench(BenchArgs),
    /// Export results or unit statistics to a file and print its SHA-256.
    Export(ExportArgs),
    /// Measure exporting a round of many participants as XLSX and CSV (release builds).
    BenchExport(BenchExportArgs),
    /// Fuzz the bank parsers for a while (a development tool: see the README).
    #[command(hide = true)]
    Fuzz(FuzzArgs),
    /// Write a consistent copy of the database while the server runs: SQLite's
    /// `VACUUM INTO`, or `pg_dump --format=custom` on PostgreSQL (see SECURITY.md).
    Backup(BackupArgs),
}

/// Bank commands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Import a bank file (all or nothing); a bank with the same code gets new revisions.
    Import(BankFileArgs),
    /// Validate a bank file without storing anything: exit 0 when valid, 1 otherwise.
    Check(BankFileArgs),
}

/// A bank file and how to read it.
#[derive(Debug, Args)]
pub struct BankFileArgs {
    /// The file: .toml, .gift, .txt (Aiken), .csv or .xlsx.
    pub file: std::path::PathBuf,
    /// The format, when the file name does not say it: toml, gift, aiken, csv or xlsx.
    #[arg(long)]
    pub format: Option<String>,
    /// The bank code, for formats that carry none (GIFT, Aiken, CSV, XLSX).
    #[arg(long)]
    pub code: Option<String>,
    /// The bank title (defaults to the code).
    #[arg(long)]
    pub title: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `cuocthi bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// How many questions the generated bank has.
    #[arg(long, default_value_t = 10_000)]
    pub questions: usize,
    /// Where to import it (default: a fresh SQLite file in a temporary folder).
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `cuocthi export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_parser = ["round-results", "contest-results", "contest-units", "round-items"])]
    pub what: String,
    /// The round or contest id.
    #[arg(long)]
    pub id: i64,
    /// The file format.
    #[arg(long, value_parser = ["xlsx", "csv"])]
    pub format: String,
    /// The file to write.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Contact data to include in a results export: a comma-separated list of
    /// `birth_date`, `phone`, `email`, `national_id`, or `all` (default: none). The audit
    /// trail records the fields included.
    #[arg(long, value_name = "FIELDS", default_value = "")]
    pub contact: String,
    /// The same as `--contact phone` (kept for scripts written before `--contact`).
    #[arg(long)]
    pub with_phone: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `cuocthi bench-export`.
#[derive(Debug, Args)]
pub struct BenchExportArgs {
    /// How many participants the generated round has.
    #[arg(long, default_value_t = 100_000)]
    pub participants: usize,
    /// Export in this format only (default: XLSX, then CSV, in one process).
    #[arg(long, value_parser = ["xlsx", "csv"])]
    pub format: Option<String>,
    /// Where to generate it (default: a fresh SQLite file in a temporary folder).
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `cuocthi fuzz`.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// The parser: toml, gift, aiken, csv, xlsx, or all (one after the other).
    #[arg(long, default_value = "all")]
    pub parser: String,
    /// Seconds per parser.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// The random seed (a run is repeatable from its seed).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where an input that makes a parser panic is written.
    #[arg(long, default_value = "target/fuzz-crashes")]
    pub crash_dir: std::path::PathBuf,
}

/// `cuocthi backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write; an existing one is replaced once the new copy is complete.
    #[arg(long)]
    pub out: std::path::PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Staff account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account (admin, organiser or judge).
    Add(UserAddArgs),
}

/// `cuocthi user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// The account's role.
    #[arg(long, value_parser = ["admin", "organiser", "judge"])]
    pub role: String,
    /// The login email.
    #[arg(long)]
    pub login: String,
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// The password (prefer --password-stdin: arguments show in `ps`).
    #[arg(
        long,
        conflicts_with = "password_stdin",
        required_unless_present = "password_stdin"
    )]
    pub password: Option<String>,
    /// Read the password from standard input.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `cuocthi migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub action: MigrateAction,
}

/// A migration action.
#[derive(Debug, Clone, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up(DatabaseArgs),
    /// Roll back the last applied migration.
    Down(DatabaseArgs),
    /// List migrations and whether each is applied.
    Status(DatabaseArgs),
}

fn database_url(args: &DatabaseArgs) -> String {
    args.database_url
        .clone()
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> ExitCode {
    let result = actix_web::rt::System::new().block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(Settings::from_args(&args, DEFAULT_DATABASE_URL)).await,
            Command::Demo(args) => demo(Settings::from_args(&args, DEMO_DATABASE_URL)).await,
            Command::User(UserCommand::Add(args)) => user_add(args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::Bank(BankCommand::Import(args)) => bank_import(args).await,
            Command::Bank(BankCommand::Check(args)) => bank_check(args),
            Command::Bench(args) => bench(args).await,
            Command::Export(args) => export(args).await,
            Command::BenchExport(args) => bench_export(args).await,
            Command::Fuzz(args) => fuzz(args),
            Command::Backup(args) => backup(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "cuocthi is serving");
    app.run_until_stopped().await?;
    Ok(())
}

async fn demo(settings: Settings) -> anyhow::Result<()> {
    let bind = settings.bind;
    let state = crate::startup::build_state(settings).await?;
    match crate::demo::load(&state).await? {
        Some(logins) => {
            println!("\nDữ liệu thử nghiệm đã được tạo. Tài khoản / demo logins:");
            for login in &logins {
                println!(
                    "  {:<10} {:<32} {}",
                    login.role, login.login, login.password
                );
            }
        }
        None => println!(
            "\nCơ sở dữ liệu thử nghiệm đã có sẵn dữ liệu (the demo database is not empty): \
             dùng các tài khoản đã in ở lần chạy đầu, hoặc xoá data/demo.db để tạo lại."
        ),
    }
    let app = Application::with_state(state)?;
    println!("\ncuocthi demo: http://{}:{}/", bind.ip(), app.port());
    app.run_until_stopped().await?;
    Ok(())
}

async fn user_add(args: UserAddArgs) -> anyhow::Result<()> {
    let role: Role = args
        .role
        .parse()
        .map_err(|()| anyhow::anyhow!("unknown role {}", args.role))?;
    let password = match args.password {
        Some(p) => p,
        None => {
            let mut p = String::new();
            std::io::stdin()
                .read_to_string(&mut p)
                .context("Failed to read the password from standard input")?;
            p.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let password = crate::text::nfc(&password);
    accounts::check_password(&password).map_err(|m| anyhow::anyhow!(m))?;
    let db = crate::db::connect_and_migrate(&database_url(&args.database)).await?;
    let hash =
        tokio::task::spawn_blocking(move || accounts::password::hash_blocking(&password)).await??;
    let user = accounts::create_staff(&db.write, role, &args.login, &args.name, hash)
        .await
        .map_err(|e| match e {
            // Name the bad field and say why, as the API does.
            crate::error::AppError::Validation { fields } => anyhow::anyhow!(
                "{} (invalid)",
                fields
                    .iter()
                    .map(|(field, why)| format!("--{field}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            e => anyhow::anyhow!("{} ({})", e.message(), e.code()),
        })?;
    println!(
        "Đã tạo tài khoản {} #{} ({})",
        user.role,
        user.id,
        user.email.unwrap_or_default()
    );
    Ok(())
}

async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let (MigrateAction::Up(database)
    | MigrateAction::Down(database)
    | MigrateAction::Status(database)) = &args.action;
    let db = crate::db::connect(&database_url(database)).await?;
    match args.action {
        MigrateAction::Up(_) => {
            Migrator::up(&db.write, None).await?;
            println!("Đã áp dụng mọi migration (all migrations applied).");
        }
        MigrateAction::Down(_) => {
            Migrator::down(&db.write, Some(1)).await?;
            println!("Đã hoàn tác migration gần nhất (rolled back the last migration).");
        }
        MigrateAction::Status(_) => {
            let applied = Migrator::get_applied_migrations(&db.read).await?;
            let pending = Migrator::get_pending_migrations(&db.read).await?;
            for m in applied.iter().chain(pending.iter()) {
                println!("{:<8} {}", m.status().to_string(), m.name());
            }
        }
    }
    Ok(())
}

/// Reads and parses a bank file: the same [`crate::banks::parse`], with the same upload
/// limits, as the web upload.
pub fn read_bank(
    args: &BankFileArgs,
) -> anyhow::Result<Result<crate::banks::Parsed, crate::banks::Problems>> {
    use crate::banks::{BankMeta, Format};
    let name = args.file.to_string_lossy();
    let format = match &args.format {
        Some(f) => Format::from_name(f).with_context(|| format!("unknown format {f}"))?,
        None => Format::from_file_name(&name)
            .with_context(|| format!("cannot tell the format of {name}: use --format"))?,
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("Failed to read {name}"))?;
    let meta = BankMeta {
        code: args.code.clone(),
        title: args.title.clone(),
    };
    Ok(crate::banks::parse(format, &bytes, &meta))
}

fn print_problems(problems: &crate::banks::Problems) {
    eprintln!(
        "Tệp có {} lỗi; chưa có câu hỏi nào được lưu:",
        problems.total()
    );
    for p in problems.rendered() {
        match p.line {
            0 => eprintln!("  {}", p.message),
            line => eprintln!("  dòng {line}: {}", p.message),
        }
    }
}

fn bank_check(args: BankFileArgs) -> anyhow::Result<()> {
    match read_bank(&args)? {
        Ok(parsed) => {
            for s in &parsed.skipped {
                println!("  bỏ qua dòng {}: {}", s.line, s.reason);
            }
            println!(
                "Hợp lệ: ngân hàng {} có {} câu hỏi ({} câu bị bỏ qua).",
                parsed.bank.code,
                parsed.bank.questions.len(),
                parsed.skipped.len()
            );
            Ok(())
        }
        Err(problems) => {
            print_problems(&problems);
            std::process::exit(1);
        }
    }
}

async fn bank_import(args: BankFileArgs) -> anyhow::Result<()> {
    let parsed = match read_bank(&args)? {
        Ok(parsed) => parsed,
        Err(problems) => {
            print_problems(&problems);
            std::process::exit(1);
        }
    };
    let db = crate::db::connect_and_migrate(&database_url(&args.database)).await?;
    let outcome = crate::banks::store::import(&db.write, &parsed, None)
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message(), e.code()))?;
    println!(
        "Đã nhập ngân hàng {} (#{}): {} câu hỏi — {} mới, {} sửa đổi, {} giữ nguyên, {} ngừng dùng; {} câu bị bỏ qua.",
        outcome.code,
        outcome.id,
        outcome.questions,
        outcome.created,
        outcome.revised,
        outcome.unchanged,
        outcome.retired,
        parsed.skipped.len()
    );
    Ok(())
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
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

async fn export(args: ExportArgs) -> anyhow::Result<()> {
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

async fn bench_export(args: BenchExportArgs) -> anyhow::Result<()> {
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

async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let done = crate::backup::run(&database_url(&args.database), &args.out).await?;
    println!(
        "Đã sao lưu cơ sở dữ liệu vào {} ({} byte; {}).",
        args.out.display(),
        done.bytes,
        done.method.describe()
    );
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("cuocthi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Fuzzes each chosen parser for its time and prints its throughput; fails on the first
/// panic, after writing the input that caused it.
fn fuzz(args: FuzzArgs) -> anyhow::Result<()> {
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
