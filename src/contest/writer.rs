//! The answer writer: one task that commits answer saves — and new attempts — in groups.
//!
//! Every save (and every new attempt) waits for the commit that holds it before the client
//! gets its 200 — so a 200 means durably committed — but saves arriving together share
//! one commit (group commit), and one statement: a group's saves are one multi-row upsert,
//! its new attempts one multi-row insert. On SQLite that turns thousands of single-row
//! commits into a few hundred statements per second on the one writer connection, without
//! writers fighting over the lock.
//!
//! A save is conditional: it is stored only while its attempt is in progress and its
//! deadline plus grace has not passed. On PostgreSQL the attempt row is share-locked, so a
//! save and the attempt's finalisation are ordered: either the save is committed before
//! the answers are read for scoring, or it is refused.
//!
//! A group that fails fails for every job in it: each waiter gets a clone of the group's
//! `DbErr`, and a group the database gave up on (see [`is_transient`]) is run again first.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, RuntimeErr,
    Statement, TransactionTrait, TryInsertResult, Value,
};
use tokio::sync::{mpsc, oneshot};

use super::finishing::{FinishJob, finish_in};
use crate::entities::attempt;
use crate::error::{AppError, Result};

/// Saves per transaction at most.
const MAX_GROUP: usize = 512;

/// One answer to store.
#[derive(Debug, Clone)]
pub struct AnswerSave {
    pub attempt_id: i64,
    pub position: i32,
    /// JSON array of chosen option indexes (bank order).
    pub choices: String,
    pub saved_at: DateTime<Utc>,
    /// The save counts only if the attempt's deadline is at or after this instant
    /// (`saved_at − grace`).
    pub deadline_not_before: DateTime<Utc>,
}

enum Job {
    Save {
        save: AnswerSave,
        reply: oneshot::Sender<std::result::Result<bool, DbErr>>,
    },
    /// A new attempt, inserted unless its (round, user, seq) is taken.
    Start {
        attempt: Box<attempt::ActiveModel>,
        reply: oneshot::Sender<std::result::Result<Option<attempt::Model>, DbErr>>,
    },
    /// An attempt to finalise (after the group's saves).
    Finish {
        job: Box<FinishJob>,
        reply: oneshot::Sender<std::result::Result<Option<attempt::Model>, DbErr>>,
    },
}

/// What one job of a group came to.
enum Outcome {
    Saved(bool),
    Started(Option<Box<attempt::Model>>),
    Finished(Option<Box<attempt::Model>>),
}

/// Handle to the writer task.
#[derive(Clone)]
pub struct AnswerWriter {
    jobs: mpsc::Sender<Job>,
}

/// The upsert of `rows` answer saves in one statement, for `rows` a power of two (a few
/// statement shapes, each prepared once). A row is stored only if its attempt is in
/// progress and its deadline is at or after the row's `not_before`; the statement returns
/// the (attempt, position) of every row stored. Padding rows name attempt 0, which does
/// not exist.
fn upsert_sql(backend: DatabaseBackend, rows: usize) -> String {
    // PostgreSQL cannot infer the types of a VALUES list's parameters from the INSERT
    // (SQLite needs none, and has no `::` casts).
    let values = crate::db::values_list(
        backend,
        rows,
        &[
            "::bigint",
            "::integer",
            "::text",
            "::timestamptz",
            "::timestamptz",
        ],
        1,
    );
    // Only PostgreSQL has row locks; SQLite's one writer orders saves and finalisations.
    let lock = match backend {
        DatabaseBackend::Postgres => "FOR SHARE OF a ",
        _ => "",
    };
    // Both name the columns of VALUES column1, column2, …; on SQLite the WHERE clause also
    // keeps the upsert's ON CONFLICT from being read as a join constraint.
    format!(
        "INSERT INTO answers (attempt_id, position, choices, saved_at) \
         SELECT a.id, v.column2, v.column3, v.column4 \
         FROM (VALUES {values}) AS v \
         JOIN attempts a ON a.id = v.column1 \
         WHERE a.status = 'in_progress' AND a.deadline >= v.column5 \
         {lock}\
         ON CONFLICT (attempt_id, position) DO UPDATE \
         SET choices = excluded.choices, saved_at = excluded.saved_at \
         RETURNING attempt_id, position"
    )
}

/// The statements of a group, built once per shape.
struct Statements {
    backend: DatabaseBackend,
    upserts: HashMap<usize, String>,
}

impl Statements {
    fn upsert(&mut self, rows: usize) -> &str {
        let backend = self.backend;
        self.upserts
            .entry(rows)
            .or_insert_with(|| upsert_sql(backend, rows))
    }
}

/// Stores a group's saves in one statement and returns, per job index, whether it was
/// stored. Two saves of the same answer in one group: the later one is written (as if
/// they had run one after the other) and both get its outcome.
async fn store_saves<C: ConnectionTrait>(
    conn: &C,
    statements: &mut Statements,
    saves: &[(usize, &AnswerSave)],
) -> std::result::Result<HashMap<usize, bool>, DbErr> {
    let mut last: HashMap<(i64, i32), usize> = HashMap::with_capacity(saves.len());
    for (k, (_, s)) in saves.iter().enumerate() {
        last.insert((s.attempt_id, s.position), k);
    }
    let mut rows: Vec<&AnswerSave> = saves
        .iter()
        .enumerate()
        .filter(|(k, (_, s))| last.get(&(s.attempt_id, s.position)) == Some(k))
        .map(|(_, (_, s))| *s)
        .collect();
    let shape = rows.len().next_power_of_two();
    let padding = AnswerSave {
        attempt_id: 0,
        position: 0,
        choices: String::new(),
        saved_at: DateTime::<Utc>::UNIX_EPOCH,
        deadline_not_before: DateTime::<Utc>::UNIX_EPOCH,
    };
    rows.resize(shape, &padding);
    let mut values: Vec<Value> = Vec::with_capacity(shape * 5);
    for s in &rows {
        values.extend([
            s.attempt_id.into(),
            s.position.into(),
            s.choices.clone().into(),
            s.saved_at.into(),
            s.deadline_not_before.into(),
        ]);
    }
    let backend = statements.backend;
    let stored: HashSet<(i64, i32)> = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            statements.upsert(shape),
            values,
        ))
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<i64>("", "attempt_id")?,
                row.try_get::<i32>("", "position")?,
            ))
        })
        .collect::<std::result::Result<_, DbErr>>()?;
    Ok(saves
        .iter()
        .map(|(job, s)| (*job, stored.contains(&(s.attempt_id, s.position))))
        .collect())
}

/// Inserts a group's new attempts in one statement and returns, per job index, the
/// attempt inserted, or `None` where its (round, user, seq) was taken — by an earlier
/// attempt or by another job of the same group.
async fn store_starts<C: ConnectionTrait>(
    conn: &C,
    starts: &[(usize, &attempt::ActiveModel)],
) -> std::result::Result<HashMap<usize, Option<attempt::Model>>, DbErr> {
    let inserted = attempt::Entity::insert_many(starts.iter().map(|(_, a)| (*a).clone()))
        .on_conflict_do_nothing_on([
            attempt::Column::RoundId,
            attempt::Column::UserId,
            attempt::Column::Seq,
        ])
        .exec_with_returning_many(conn)
        .await?;
    let mut by_key: HashMap<(i64, i64, i32, i64), attempt::Model> = match inserted {
        TryInsertResult::Inserted(models) => models
            .into_iter()
            .map(|m| ((m.round_id, m.user_id, m.seq, m.seed), m))
            .collect(),
        TryInsertResult::Conflicted | TryInsertResult::Empty => HashMap::new(),
    };
    Ok(starts
        .iter()
        .map(|(job, a)| {
            let key = (
                *a.round_id.as_ref(),
                *a.user_id.as_ref(),
                *a.seq.as_ref(),
                *a.seed.as_ref(),
            );
            (*job, by_key.remove(&key))
        })
        .collect())
}

/// Runs a group's statements: one upsert for the saves, one insert for the new attempts,
/// then each finalisation — in one transaction when there is more than one statement (a
/// single statement is atomic by itself).
async fn run_group<C: ConnectionTrait>(
    conn: &C,
    statements: &mut Statements,
    jobs: &[Job],
) -> std::result::Result<Vec<Outcome>, DbErr> {
    let mut saves = Vec::new();
    let mut starts = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        match job {
            Job::Save { save, .. } => saves.push((i, save)),
            Job::Start { attempt, .. } => starts.push((i, &**attempt)),
            Job::Finish { .. } => {}
        }
    }
    let mut saved = if saves.is_empty() {
        HashMap::new()
    } else {
        store_saves(conn, statements, &saves).await?
    };
    let mut started = if starts.is_empty() {
        HashMap::new()
    } else {
        store_starts(conn, &starts).await?
    };
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        outcomes.push(match job {
            Job::Save { .. } => Outcome::Saved(saved.remove(&i).unwrap_or(false)),
            Job::Start { .. } => Outcome::Started(started.remove(&i).flatten().map(Box::new)),
            Job::Finish { job, .. } => Outcome::Finished(
                finish_in(conn, job)
                    .await
                    .map_err(database_error)?
                    .map(Box::new),
            ),
        });
    }
    Ok(outcomes)
}

/// The database error behind a finalisation's failure (all of them are; anything else is
/// kept as text, and never retried).
fn database_error(error: AppError) -> DbErr {
    match error {
        AppError::Db(e) => e,
        other => DbErr::Custom(other.to_string()),
    }
}

/// Whether a failed group may simply be run again: the database gave up on it before
/// anything of it was committed, and running it again can succeed.
///
/// Decided by the database's error code, never by its message (which changes with the
/// server's version and locale):
///
/// | Backend    | Code             | Meaning                           | Retried |
/// |------------|------------------|-----------------------------------|---------|
/// | PostgreSQL | `40001`          | serialization_failure             | yes     |
/// | PostgreSQL | `40P01`          | deadlock_detected (two instances upserting the same answers in different orders) | yes |
/// | PostgreSQL | `55P03`          | lock_not_available                | yes     |
/// | PostgreSQL | `08xxx`, `57P01` | connection lost, server shut down | no: a lost `COMMIT` may have committed, and a new attempt inserted twice is refused as taken |
/// | SQLite     | 5 `SQLITE_BUSY` and its extended codes (261, 517, 773) | another connection holds the lock past the busy timeout | yes |
/// | SQLite     | 6 `SQLITE_LOCKED` and its extended codes (262, 518)    | a table lock conflict within the database               | yes |
///
/// Anything else (a constraint, a pool timeout, a decoding error) is not retried.
fn is_transient(backend: DatabaseBackend, error: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = error
    else {
        return false;
    };
    e.as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| is_transient_code(backend, &code))
}

/// [`is_transient`] on the code the driver reports: PostgreSQL's SQLSTATE, SQLite's
/// extended result code (whose low byte is the primary code).
fn is_transient_code(backend: DatabaseBackend, code: &str) -> bool {
    match backend {
        DatabaseBackend::Postgres => matches!(code, "40001" | "40P01" | "55P03"),
        DatabaseBackend::Sqlite => code
            .parse::<i32>()
            .is_ok_and(|extended| matches!(extended & 0xff, 5 | 6)),
        _ => false,
    }
}

async fn commit_group(
    db: &DatabaseConnection,
    statements: &mut Statements,
    jobs: &[Job],
) -> std::result::Result<Vec<Outcome>, DbErr> {
    let saves = jobs.iter().any(|j| matches!(j, Job::Save { .. }));
    let starts = jobs.iter().any(|j| matches!(j, Job::Start { .. }));
    let finishes = jobs.iter().any(|j| matches!(j, Job::Finish { .. }));
    let transaction = finishes || (saves && starts);
    let mut tries = 0;
    loop {
        tries += 1;
        let result = if !transaction {
            run_group(db, statements, jobs).await
        } else {
            match db.begin().await {
                Ok(txn) => match run_group(&txn, statements, jobs).await {
                    Ok(outcomes) => txn.commit().await.map(|()| outcomes),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        };
        match result {
            Ok(outcomes) => return Ok(outcomes),
            Err(e) if tries < 3 && is_transient(statements.backend, &e) => {
                tracing::warn!(error = %e, jobs = jobs.len(), "an answer group is retried");
            }
            Err(e) => return Err(e),
        }
    }
}

fn reply(job: Job, outcome: std::result::Result<Outcome, DbErr>) {
    match (job, outcome) {
        (Job::Save { reply, .. }, Ok(Outcome::Saved(ok))) => {
            if ok {
                metrics::counter!("cuocthi_answers_saved_total").increment(1);
            }
            let _ = reply.send(Ok(ok));
        }
        (Job::Start { reply, .. }, Ok(Outcome::Started(a))) => {
            if a.is_some() {
                metrics::counter!("cuocthi_attempts_started_total").increment(1);
            }
            let _ = reply.send(Ok(a.map(|a| *a)));
        }
        (Job::Finish { reply, .. }, Ok(Outcome::Finished(a))) => {
            if a.is_some() {
                metrics::counter!("cuocthi_attempts_finalised_total").increment(1);
            }
            let _ = reply.send(Ok(a.map(|a| *a)));
        }
        (Job::Save { reply, .. }, Err(e)) => {
            let _ = reply.send(Err(e));
        }
        (Job::Start { reply, .. } | Job::Finish { reply, .. }, Err(e)) => {
            let _ = reply.send(Err(e));
        }
        (job, Ok(_)) => {
            let e = DbErr::Custom("the answer writer mixed up a group".to_owned());
            reply(job, Err(e));
        }
    }
}

impl AnswerWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let (jobs, mut rx) = mpsc::channel::<Job>(16 * MAX_GROUP);
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(MAX_GROUP);
            let mut statements = Statements {
                backend: db.get_database_backend(),
                upserts: HashMap::new(),
            };
            while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
                let began = std::time::Instant::now();
                metrics::histogram!("cuocthi_writer_group_jobs").record(group.len() as f64);
                let committed = commit_group(&db, &mut statements, &group).await;
                crate::metrics::observe_since("cuocthi_writer_commit_duration_seconds", began);
                match committed {
                    Ok(outcomes) => {
                        for (job, outcome) in group.drain(..).zip(outcomes) {
                            reply(job, Ok(outcome));
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, jobs = group.len(), "an answer group failed to commit");
                        for job in group.drain(..) {
                            reply(job, Err(e.clone()));
                        }
                    }
                }
            }
        });
        AnswerWriter { jobs }
    }

    /// Whether the writer's task is still there to take jobs (`/readyz`).
    pub fn running(&self) -> bool {
        !self.jobs.is_closed()
    }

    /// Jobs waiting for the writer (the metrics' queue depth).
    pub fn queued(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// Stores an answer; `Ok(true)` once committed, `Ok(false)` when the attempt no longer
    /// takes answers.
    pub async fn save(&self, save: AnswerSave) -> Result<bool> {
        self.ask("save", |reply| Job::Save { save, reply }).await
    }

    /// Inserts a new attempt in the next group; `Ok(None)` when its (round, user, seq) is
    /// already taken (a racing start of the same participant won).
    pub async fn insert_attempt(
        &self,
        attempt: attempt::ActiveModel,
    ) -> Result<Option<attempt::Model>> {
        let attempt = Box::new(attempt);
        self.ask("start", |reply| Job::Start { attempt, reply })
            .await
    }

    /// Finalises an attempt in the next group (for the attempt engine's `finalize`); `Ok(None)`
    /// if the attempt is gone.
    pub async fn finish(&self, job: FinishJob) -> Result<Option<attempt::Model>> {
        let job = Box::new(job);
        self.ask("finish", |reply| Job::Finish { job, reply }).await
    }

    /// Queues the job `make` builds around its reply channel and waits for the group that
    /// holds it to be committed.
    async fn ask<T>(
        &self,
        what: &str,
        make: impl FnOnce(oneshot::Sender<std::result::Result<T, DbErr>>) -> Job,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.submit(make(reply)).await?;
        answer
            .await
            .map_err(|_| {
                AppError::Unexpected(anyhow::anyhow!("the answer writer dropped a {what}"))
            })?
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("writing a {what} failed: {e}")))
    }

    async fn submit(&self, job: Job) -> Result<()> {
        self.jobs
            .send(job)
            .await
            .map_err(|_| AppError::Unexpected(anyhow::anyhow!("the answer writer has stopped")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::attempt::Status;
    use sea_orm::ActiveEnum;

    #[test]
    fn the_upsert_takes_only_attempts_in_progress() {
        let in_progress = format!("a.status = '{}'", Status::InProgress.to_value());
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            assert!(upsert_sql(backend, 2).contains(&in_progress));
        }
    }

    #[test]
    fn postgres_retries_serialization_deadlock_and_lock_failures_only() {
        for code in ["40001", "40P01", "55P03"] {
            assert!(is_transient_code(DatabaseBackend::Postgres, code), "{code}");
        }
        // Unique violation, connection failure, admin shutdown: not retried.
        for code in ["23505", "08006", "57P01"] {
            assert!(
                !is_transient_code(DatabaseBackend::Postgres, code),
                "{code}"
            );
        }
    }

    #[test]
    fn sqlite_retries_busy_and_locked_with_their_extended_codes() {
        for code in ["5", "261", "517", "773", "6", "262", "518"] {
            assert!(is_transient_code(DatabaseBackend::Sqlite, code), "{code}");
        }
        // SQLITE_CONSTRAINT_UNIQUE, SQLITE_FULL, SQLITE_IOERR_FSYNC: not retried.
        for code in ["2067", "13", "1034", "40001"] {
            assert!(!is_transient_code(DatabaseBackend::Sqlite, code), "{code}");
        }
    }

    #[test]
    fn errors_without_a_database_code_are_not_retried() {
        let custom = DbErr::Custom("could not serialize access".to_owned());
        assert!(!is_transient(DatabaseBackend::Postgres, &custom));
        let pool = DbErr::Conn(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::PoolTimedOut,
        )));
        assert!(!is_transient(DatabaseBackend::Sqlite, &pool));
    }

    #[test]
    fn both_backends_get_one_upsert_numbered_their_way() {
        let sqlite = upsert_sql(DatabaseBackend::Sqlite, 2);
        assert!(sqlite.contains("(VALUES (?1, ?2, ?3, ?4, ?5), (?6, ?7, ?8, ?9, ?10))"));
        assert!(!sqlite.contains("FOR SHARE"));
        let postgres = upsert_sql(DatabaseBackend::Postgres, 1);
        assert!(postgres.contains(
            "(VALUES ($1::bigint, $2::integer, $3::text, $4::timestamptz, $5::timestamptz))"
        ));
        assert!(postgres.contains("FOR SHARE OF a ON CONFLICT"));
    }
}
