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
/// fresh checkout.
fn create_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = sqlite_path(url);
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("Failed to create the database folder {}", dir.display()))?;
    }
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
        create_sqlite_dir(url)?;
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
