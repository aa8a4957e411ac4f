//! The command line: `serve`, `demo`, `user add|list|reset-password`, `migrate`, `bank`, `export`, `backup`;
//! and the logging and exit status every binary of the crate shares (the benchmarks and
//! the fuzzer are binaries of their own under `src/bin/`).

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm::ActiveEnum;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

use crate::accounts::{self, Role};
use crate::settings::{DEFAULT_DATABASE_URL, DEMO_DATABASE_URL, DatabaseArgs, ServeArgs, Settings};
use crate::startup::Application;

mod tools;

use tools::*;

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
    /// Export results or unit statistics to a file and print its SHA-256.
    Export(ExportArgs),
    /// Write a consistent copy of the database while the server runs: SQLite's
    /// `VACUUM INTO`, or `pg_dump --format=custom` on PostgreSQL (see SECURITY.md).
    Backup(BackupArgs),
    /// Anonymise a contest's participants now (phone, email, CCCD, birth date), keeping
    /// results, names as published and units; refused while one of its rounds is open.
    Anonymise(AnonymiseArgs),
}

/// `cuocthi anonymise`.
#[derive(Debug, Args)]
pub struct AnonymiseArgs {
    /// The contest's id.
    #[arg(long)]
    pub contest: i64,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Bank commands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Import a bank file (all or nothing); a bank with the same code gets new revisions.
    Import(BankFileArgs),
    /// Validate a bank file without storing anything: exit 0 when valid, 1 otherwise.
    Check(BankFileArgs),
    /// Write the sample banks in every format cuocthi reads (GIFT, Aiken, CSV, XLSX,
    /// Moodle XML, a ZIP bundle with pictures), generated from the TOML samples.
    Samples(SamplesArgs),
}

/// `cuocthi bank samples`.
#[derive(Debug, Args)]
pub struct SamplesArgs {
    /// The folder to write into.
    #[arg(long, default_value = crate::demo::samples::SAMPLES_DIR)]
    pub dir: std::path::PathBuf,
}

/// A bank file and how to read it.
#[derive(Debug, Args)]
pub struct BankFileArgs {
    /// The file: .toml, .gift, .txt (GIFT), .aiken.txt, .csv, .xlsx, .xml (Moodle XML), or
    /// a .zip bundle of one of them and its pictures.
    pub file: std::path::PathBuf,
    /// The format, when the file name does not say it: toml, gift, aiken, csv, xlsx,
    /// moodlexml or zip.
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
    /// List the staff accounts (participants are found in the organiser's console).
    List(DatabaseArgs),
    /// Set a new password for any account (staff by email, participant by phone) and end
    /// its sessions: a generated one printed once, or one read from standard input.
    ResetPassword(UserResetArgs),
}

/// `cuocthi user reset-password`.
#[derive(Debug, Args)]
pub struct UserResetArgs {
    /// The account: a staff email or a participant's phone number.
    #[arg(long)]
    pub login: String,
    /// Read the new password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
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
            Command::User(UserCommand::List(args)) => user_list(args).await,
            Command::User(UserCommand::ResetPassword(args)) => user_reset_password(args).await,
            Command::Migrate(args) => migrate(args).await,
            Command::Bank(BankCommand::Import(args)) => bank_import(args).await,
            Command::Bank(BankCommand::Check(args)) => bank_check(args),
            Command::Bank(BankCommand::Samples(args)) => bank_samples(&args),
            Command::Export(args) => export(args).await,
            Command::Backup(args) => backup(args).await,
            Command::Anonymise(args) => anonymise(args).await,
        }
    });
    exit_code(result)
}

/// The database of a benchmark binary: `--database` if given, else a fresh SQLite file
/// `name` in a temporary folder, removed when the returned folder drops (also when the
/// run fails).
pub fn scratch_database(
    database: &DatabaseArgs,
    name: &str,
) -> anyhow::Result<(tempfile::TempDir, String)> {
    let dir = tempfile::Builder::new()
        .prefix("cuocthi-bench-")
        .tempdir()?;
    let url = database
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/{name}", dir.path().display()));
    Ok((dir, url))
}

/// The exit status of a command, printing its error (with its causes) first.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The log subscriber, writing to `writer`: `RUST_LOG`, or by default `info` without the
/// noise of the database driver and the XLSX reader. The test suites build theirs here too
/// (`TEST_LOG`), so they log what the server logs.
pub fn subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(
            // calamine warns about every damaged theme of an uploaded XLSX: the import
            // reports what matters to the organiser itself.
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,calamine=error")),
        )
        .with_target(false)
        .with_writer(writer)
        .finish()
}

/// Sends the process's logs to standard output (once, at the start of a binary).
pub fn init_tracing() {
    subscriber(std::io::stdout).init();
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

/// A password read from standard input (one line; the line break is not part of it), NFC.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut p = String::new();
    std::io::stdin()
        .read_to_string(&mut p)
        .context("Failed to read the password from standard input")?;
    Ok(crate::text::nfc(p.trim_end_matches(['\r', '\n'])))
}

async fn user_list(args: DatabaseArgs) -> anyhow::Result<()> {
    let db = crate::db::connect_and_migrate(&database_url(&args)).await?;
    let staff = accounts::recovery::staff(&db.read).await?;
    println!(
        "{:>6}  {:<10} {:<36} {:<9} Họ và tên",
        "id", "vai trò", "đăng nhập", ""
    );
    for s in &staff {
        let state = if s.disabled { "đã khoá" } else { "" };
        println!(
            "{:>6}  {:<10} {:<36} {:<9} {}",
            s.id, s.role, s.login, state, s.full_name
        );
    }
    println!("{} tài khoản cán bộ.", staff.len());
    Ok(())
}

async fn anonymise(args: AnonymiseArgs) -> anyhow::Result<()> {
    let db = crate::db::connect_and_migrate(&database_url(&args.database)).await?;
    let progress = crate::progress::Progress::new("Đang ẩn danh", None);
    let outcome = accounts::anonymise::contest(&db.write, args.contest, None, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message(), e.code()))?;
    progress.finish();
    println!(
        "Đã ẩn danh {} thí sinh của cuộc thi {}; giữ nguyên {} thí sinh còn tham gia cuộc thi khác.",
        outcome.anonymised, args.contest, outcome.kept
    );
    Ok(())
}

async fn user_reset_password(args: UserResetArgs) -> anyhow::Result<()> {
    let (password, generated) = if args.password_stdin {
        (password_from_stdin()?, false)
    } else {
        (accounts::recovery::random_password(), true)
    };
    accounts::check_password(&password).map_err(|m| anyhow::anyhow!(m))?;
    let db = crate::db::connect_and_migrate(&database_url(&args.database)).await?;
    let user = accounts::recovery::require_login(&db.read, &args.login)
        .await
        .map_err(|_| anyhow::anyhow!("không có tài khoản nào đăng nhập bằng {}", args.login))?;
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || accounts::password::hash_blocking(&password)).await??
    };
    accounts::recovery::set_password(&db.write, user.id, hash, None, "user.reset_password")
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message(), e.code()))?;
    if generated {
        println!(
            "Mật khẩu mới của {} (chỉ hiện một lần): {password}",
            args.login
        );
    } else {
        println!("Đã đặt mật khẩu mới cho {}.", args.login);
    }
    println!("Mọi phiên đăng nhập cũ của tài khoản đã hết hiệu lực.");
    Ok(())
}

async fn user_add(args: UserAddArgs) -> anyhow::Result<()> {
    let role = Role::try_from_value(&args.role)
        .map_err(|_| anyhow::anyhow!("unknown role {}", args.role))?;
    let password = match args.password {
        Some(p) => crate::text::nfc(&p),
        None => password_from_stdin()?,
    };
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
    use crate::banks::{BankMeta, Format, bundle};
    let name = args.file.to_string_lossy();
    let named = match &args.format {
        Some(f) if f.eq_ignore_ascii_case("zip") => None,
        Some(f) => Some(Format::from_name(f).with_context(|| format!("unknown format {f}"))?),
        None => None,
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("Failed to read {name}"))?;
    let meta = BankMeta {
        code: args.code.clone(),
        title: args.title.clone(),
    };
    if bundle::is_bundle(Some(&name), named, &bytes) {
        return Ok(bundle::parse_bundle(&bytes, named, &meta));
    }
    let format = match named {
        Some(f) => f,
        None => Format::from_file_name(&name)
            .with_context(|| format!("cannot tell the format of {name}: use --format"))?,
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

fn bank_samples(args: &SamplesArgs) -> anyhow::Result<()> {
    for path in crate::demo::samples::write_samples(&args.dir)? {
        println!("{}", path.display());
    }
    Ok(())
}

async fn bank_import(args: BankFileArgs) -> anyhow::Result<()> {
    let reading = crate::progress::Progress::new("Đang đọc và kiểm tra tệp", None);
    let read = read_bank(&args)?;
    reading.finish();
    let parsed = match read {
        Ok(parsed) => parsed,
        Err(problems) => {
            print_problems(&problems);
            std::process::exit(1);
        }
    };
    let db = crate::db::connect_and_migrate(&database_url(&args.database)).await?;
    let storing = crate::progress::Progress::new("Đang lưu các câu hỏi", None);
    let outcome = crate::banks::store::import(&db.write, &parsed, None)
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message(), e.code()))?;
    storing.finish();
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
