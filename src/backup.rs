//! Online backups: a consistent copy of the database, taken while the server runs.
//!
//! On SQLite the copy is made with `VACUUM INTO`, which reads the database inside one read
//! transaction — a snapshot that never blocks the writer (WAL) — and writes a compact,
//! standalone database file. On PostgreSQL it is `pg_dump --format=custom`, restored with
//! `pg_restore`. Either way the copy is written beside its destination first, flushed to
//! disk, and only then renamed into place, so a backup that fails or is cut short never
//! replaces a good one with half a file.
//!
//! The copy is created 0600 (readable by its owner only) before anything is written to it.
//!
//! Restoring is described in SECURITY.md ("Backups and restore").

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement};

use crate::db::{is_sqlite, sqlite_path};

/// How a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// SQLite's `VACUUM INTO`.
    VacuumInto,
    /// PostgreSQL's `pg_dump --format=custom`.
    PgDump,
}

impl Method {
    /// How to describe it to an operator.
    pub fn describe(self) -> &'static str {
        match self {
            Method::VacuumInto => "SQLite VACUUM INTO; restore: stop the server, copy the file",
            Method::PgDump => "pg_dump --format=custom; restore: pg_restore",
        }
    }
}

/// A finished backup.
#[derive(Debug, Clone)]
pub struct Backup {
    pub method: Method,
    pub bytes: u64,
}

/// Writes a consistent copy of the database at `url` to `out` (replacing it when the copy
/// is complete).
pub async fn run(url: &str, out: &Path) -> anyhow::Result<Backup> {
    let partial = partial_path(out)?;
    // A leftover from an interrupted run: never part of a backup.
    match std::fs::remove_file(&partial) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("Failed to remove {}", partial.display())),
    }
    // The copy holds everything the database holds (password hashes, personal data, maybe
    // the token secret): it is readable by this account only from its first byte.
    crate::db::private_file(&partial)
        .with_context(|| format!("Failed to create {}", partial.display()))?;
    let (method, copied) = if is_sqlite(url) {
        (Method::VacuumInto, sqlite(url, &partial).await)
    } else {
        (Method::PgDump, pg_dump(url, &partial).await)
    };
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let bytes = publish(&partial, out)?;
    Ok(Backup { method, bytes })
}

/// `out` with `.partial` appended, in the same folder (so the final rename is atomic).
fn partial_path(out: &Path) -> anyhow::Result<PathBuf> {
    let name = out
        .file_name()
        .with_context(|| format!("{} is not a file name", out.display()))?;
    let mut partial = name.to_os_string();
    partial.push(".partial");
    Ok(out.with_file_name(partial))
}

/// Flushes the finished copy, renames it over `out`, and flushes the folder, so the
/// backup is on disk when the command says so.
fn publish(partial: &Path, out: &Path) -> anyhow::Result<u64> {
    let file = std::fs::File::open(partial)
        .with_context(|| format!("Failed to open {}", partial.display()))?;
    file.sync_all()
        .with_context(|| format!("Failed to flush {}", partial.display()))?;
    let bytes = file.metadata()?.len();
    drop(file);
    // Whatever created the file last (SQLite, pg_dump), the backup is private.
    crate::db::restrict(partial)
        .with_context(|| format!("Failed to restrict the access to {}", partial.display()))?;
    std::fs::rename(partial, out)
        .with_context(|| format!("Failed to move the backup to {}", out.display()))?;
    let folder = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(folder)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("Failed to flush the folder {}", folder.display()))?;
    Ok(bytes)
}

async fn sqlite(url: &str, partial: &Path) -> anyhow::Result<()> {
    let file = sqlite_path(url);
    // Opening a missing file would create an empty database and "back it up".
    anyhow::ensure!(
        Path::new(file).is_file(),
        "the SQLite database {file} does not exist"
    );
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1)
        .min_connections(0)
        .sqlx_logging(false);
    opts.map_sqlx_sqlite_opts(|o| {
        o.create_if_missing(false)
            .busy_timeout(std::time::Duration::from_secs(30))
    });
    let db = Database::connect(opts)
        .await
        .with_context(|| format!("Failed to open the SQLite database {file}"))?;
    let target = partial
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", partial.display()))?;
    let copied = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "VACUUM INTO ?",
            [target.into()],
        ))
        .await
        .context("Failed to copy the database (VACUUM INTO)");
    db.close().await.ok();
    copied?;
    Ok(())
}

async fn pg_dump(url: &str, partial: &Path) -> anyhow::Result<()> {
    // The password goes through the environment, not the command line (`ps` shows that).
    let mut parsed = reqwest::Url::parse(url).context("the database URL is not a valid URL")?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    parsed
        .set_password(None)
        .map_err(|()| anyhow::anyhow!("the database URL cannot carry a password"))?;
    let mut command = Command::new("pg_dump");
    command
        .arg("--format=custom")
        .arg("--file")
        .arg(partial)
        .arg("--dbname")
        .arg(parsed.as_str());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await?
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow::anyhow!(
                    "pg_dump was not found: install the PostgreSQL client tools \
                     (the server's major version or newer)"
                )
            } else {
                anyhow::Error::from(e).context("Failed to run pg_dump")
            }
        })?;
    if !output.status.success() {
        let _ = std::fs::remove_file(partial);
        bail!(
            "pg_dump failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partial_copy_sits_beside_the_backup() {
        let p = partial_path(Path::new("/srv/backups/cuocthi-2026-12-01.db")).unwrap();
        assert_eq!(p, Path::new("/srv/backups/cuocthi-2026-12-01.db.partial"));
    }
}
