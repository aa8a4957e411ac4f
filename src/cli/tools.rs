//! The operator's tools beside serving: exports from the command line and backups.

use super::*;

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
    let progress = crate::progress::Progress::file("Đang xuất (byte)", args.out.clone());
    let produced = match exports::produce(
        &db.read,
        &boards,
        exports::ExportSpec {
            kind,
            id: args.id,
            format,
            contact,
            item_min_sample: crate::contest::items::MIN_SAMPLE,
        },
        file,
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_file(&args.out);
            anyhow::bail!("{} ({})", e.message(), e.code());
        }
    };
    progress.finish();
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

pub(super) async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let progress = crate::progress::Progress::new("Đang sao lưu", None);
    let done = crate::backup::run(&database_url(&args.database), &args.out).await?;
    progress.finish();
    println!(
        "Đã sao lưu cơ sở dữ liệu vào {} ({} byte; {}).",
        args.out.display(),
        done.bytes,
        done.method.describe()
    );
    Ok(())
}
