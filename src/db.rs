//! Connecting to the database and running migrations.
//!
//! SQLite is the embedded default; PostgreSQL is for scale. On SQLite the app keeps two
//! pools: many connections for reads, and exactly one for writes, so writers queue in the
//! app instead of fighting over SQLite's lock (which gives 100–300 ms tails and
//! `database is locked` errors). On PostgreSQL both are the same pool.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// The app's connections.
#[derive(Debug, Clone)]
pub struct Db {
    /// For reads (and for writes on PostgreSQL).
    pub read: DatabaseConnection,
    /// For writes: a single connection on SQLite.
    pub write: DatabaseConnection,
}

/// True when the URL names an SQLite database.
pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// The file path of an SQLite URL (`sqlite://data/cuocthi.db?mode=rwc` → `data/cuocthi.db`).
pub fn sqlite_path(url: &str) -> &str {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    path.split('?').next().unwrap_or_default()
}

/// Creates the folder of an SQLite database file, so the default `./data/…` works on a
/// fresh checkout, and the file itself, both readable by this account only.
///
/// The database holds password hashes, personal data and (unless `CUOCTHI_JWT_SECRET` is
/// set) the token signing secret: no other local user may read it (issue #13). A folder
/// we create is 0700; the database file is created 0600 before SQLite opens it, and SQLite
/// gives its `-wal` and `-shm` files the mode of the database file. Files left more open
/// by an older version are tightened to 0600. A folder that already exists is left alone:
/// it may be shared (`/tmp`, `/var/lib`).
fn prepare_sqlite_file(url: &str) -> anyhow::Result<()> {
    let path = sqlite_path(url);
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return Ok(());
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        private_dir(dir)
            .with_context(|| format!("Failed to create the database folder {}", dir.display()))?;
    }
    private_file(Path::new(path))
        .with_context(|| format!("Failed to create the database file {path}"))?;
    for suffix in ["-wal", "-shm"] {
        let side = format!("{path}{suffix}");
        if Path::new(&side).exists() {
            restrict(Path::new(&side))
                .with_context(|| format!("Failed to restrict the access to {side}"))?;
        }
    }
    Ok(())
}

/// Creates a folder (and its missing parents) readable by this account only; an existing
/// folder is left as it is.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `path` as an empty file readable by this account only, or — when it exists —
/// makes it so.
pub fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?;
    restrict(path)
}

/// Makes an existing file readable and writable by its owner only.
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if is_sqlite(url) {
        // sqlx pings a pooled connection on every checkout by default: on SQLite that is
        // one more hand-off to the connection's worker thread per query, and an embedded
        // file cannot drop the connection.
        opts.test_before_acquire(false);
        opts.map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before we answer 200, even after a power cut.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        // On PostgreSQL a checkout pings only a connection idle long enough to have been
        // dropped by the server or a proxy, not every one (a round trip per query).
        opts.test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    opts
}

/// Connects to the database (creating an SQLite file if needed).
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    if is_sqlite(url) {
        prepare_sqlite_file(url)?;
        let write = Database::connect(options(url, 1))
            .await
            .context("Failed to open the SQLite database")?;
        let read = Database::connect(options(url, 8))
            .await
            .context("Failed to open the SQLite database")?;
        Ok(Db { read, write })
    } else {
        let pool = Database::connect(options(url, 32))
            .await
            .context("Failed to connect to the database")?;
        Ok(Db {
            read: pool.clone(),
            write: pool,
        })
    }
}

/// Connects and applies every pending migration.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<Db> {
    let db = connect(url).await?;
    Migrator::up(&db.write, None)
        .await
        .context("Failed to run database migrations")?;
    Ok(db)
}

/// A migrated SQLite database in a fresh temp folder, for unit tests of queries (the
/// folder goes when the returned guard is dropped).
#[cfg(test)]
pub async fn test_database() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let db = connect_and_migrate(&url)
        .await
        .expect("a migrated database");
    (db, dir)
}

/// Reading one row by its key without `LIMIT ?`.
///
/// sea-orm's `.one()` binds `LIMIT ?` as a parameter, and SQLite re-prepares a statement
/// whose LIMIT is a bound parameter every time it is re-bound (the query planner looks at
/// the value). In the load benchmark that re-preparing was 17 % of the server's CPU.
/// A filter on a primary or unique key returns one row at most anyway.
pub trait OneByKey<M> {
    /// The row, if any. Only for a filter on a primary or unique key.
    fn one_by_key<C: sea_orm::ConnectionTrait>(
        self,
        db: &C,
    ) -> impl std::future::Future<Output = Result<Option<M>, sea_orm::DbErr>> + Send;
}

impl<E> OneByKey<E::Model> for sea_orm::Select<E>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
{
    async fn one_by_key<C: sea_orm::ConnectionTrait>(
        self,
        db: &C,
    ) -> Result<Option<E::Model>, sea_orm::DbErr> {
        Ok(self.all(db).await?.into_iter().next())
    }
}

/// A raw statement written with SQLite's numbered placeholders (`?1`, `?2`, …) for the
/// connection's backend: PostgreSQL numbers them `$1`, `$2`, …. Only placeholders are
/// rewritten, so the SQL must not hold a literal `?` followed by a digit.
pub fn placeholders(backend: sea_orm::DbBackend, sql: &str) -> String {
    if backend != sea_orm::DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// `(?1, ?2, …), (…)` for `rows` rows of `casts.len()` parameters, numbered from `first`,
/// each cast as PostgreSQL needs it (it cannot infer a VALUES list's parameter types).
pub fn values_list(
    backend: sea_orm::DbBackend,
    rows: usize,
    casts: &[&str],
    first: usize,
) -> String {
    let mut out = String::with_capacity(rows * casts.len() * 12);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for (c, cast) in casts.iter().enumerate() {
            if c > 0 {
                out.push_str(", ");
            }
            let cast = if backend == sea_orm::DbBackend::Postgres {
                *cast
            } else {
                ""
            };
            out.push_str(&format!("?{}{cast}", first + r * casts.len() + c));
        }
        out.push(')');
    }
    placeholders(backend, &out)
}

#[cfg(test)]
mod placeholder_tests {
    use super::placeholders;
    use sea_orm::DbBackend;

    #[test]
    fn numbered_placeholders_follow_the_backend() {
        let sql = "SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '?'";
        assert_eq!(placeholders(DbBackend::Sqlite, sql), sql);
        assert_eq!(
            placeholders(DbBackend::Postgres, sql),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '?'"
        );
    }
}
