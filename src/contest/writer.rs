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

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, Statement,
    TransactionTrait, TryInsertResult, Value,
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
        reply: oneshot::Sender<std::result::Result<bool, String>>,
    },
    /// A new attempt, inserted unless its (round, user, seq) is taken.
    Start {
        attempt: Box<attempt::ActiveModel>,
        reply: oneshot::Sender<std::result::Result<Option<attempt::Model>, String>>,
    },
    /// An attempt to finalise (after the group's saves).
    Finish {
        job: Box<FinishJob>,
        reply: oneshot::Sender<std::result::Result<Option<attempt::Model>, String>>,
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
    let mut values = String::with_capacity(rows * 48);
    for r in 0..rows {
        let p = r * 5;
        if r > 0 {
            values.push_str(", ");
        }
        match backend {
            DatabaseBackend::Postgres => values.push_str(&format!(
                "(${}::bigint, ${}::integer, ${}::text, ${}::timestamptz, ${}::timestamptz)",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5
            )),
            _ => values.push_str(&format!(
                "(?{}, ?{}, ?{}, ?{}, ?{})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5
            )),
        }
    }
    match backend {
        DatabaseBackend::Postgres => format!(
            "INSERT INTO answers (attempt_id, position, choices, saved_at) \
             SELECT a.id, v.position, v.choices, v.saved_at \
             FROM (VALUES {values}) AS v (attempt_id, position, choices, saved_at, not_before) \
             JOIN attempts a ON a.id = v.attempt_id \
             WHERE a.status = 'in_progress' AND a.deadline >= v.not_before \
             FOR SHARE OF a \
             ON CONFLICT (attempt_id, position) DO UPDATE \
             SET choices = excluded.choices, saved_at = excluded.saved_at \
             RETURNING attempt_id, position"
        ),
        // SQLite names the columns of VALUES column1, column2, …; the WHERE clause also
        // keeps the upsert's ON CONFLICT from being read as a join constraint.
        _ => format!(
            "INSERT INTO answers (attempt_id, position, choices, saved_at) \
             SELECT a.id, v.column2, v.column3, v.column4 \
             FROM (VALUES {values}) AS v \
             JOIN attempts a ON a.id = v.column1 \
             WHERE a.status = 'in_progress' AND a.deadline >= v.column5 \
             ON CONFLICT (attempt_id, position) DO UPDATE \
             SET choices = excluded.choices, saved_at = excluded.saved_at \
             RETURNING attempt_id, position"
        ),
    }
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
) -> std::result::Result<Vec<Outcome>, String> {
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
        store_saves(conn, statements, &saves)
            .await
            .map_err(|e| e.to_string())?
    };
    let mut started = if starts.is_empty() {
        HashMap::new()
    } else {
        store_starts(conn, &starts)
            .await
            .map_err(|e| e.to_string())?
    };
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        outcomes.push(match job {
            Job::Save { .. } => Outcome::Saved(saved.remove(&i).unwrap_or(false)),
            Job::Start { .. } => Outcome::Started(started.remove(&i).flatten().map(Box::new)),
            Job::Finish { job, .. } => Outcome::Finished(
                finish_in(conn, job)
                    .await
                    .map_err(|e| e.to_string())?
                    .map(Box::new),
            ),
        });
    }
    Ok(outcomes)
}

/// Whether a failed group may simply be run again: PostgreSQL gave up on it to break a
/// deadlock (two instances upserting the same answers in different orders) or a
/// serialization conflict. Nothing of it was committed.
fn is_transient(error: &str) -> bool {
    // The SQLSTATE is gone once errors cross the group as text; PostgreSQL's messages for
    // 40P01 and 40001 are fixed.
    error.contains("deadlock detected") || error.contains("could not serialize access")
}

async fn commit_group(
    db: &DatabaseConnection,
    statements: &mut Statements,
    jobs: &[Job],
) -> std::result::Result<Vec<Outcome>, String> {
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
                    Ok(outcomes) => txn
                        .commit()
                        .await
                        .map(|()| outcomes)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e.to_string()),
            }
        };
        match result {
            Ok(outcomes) => return Ok(outcomes),
            Err(e) if tries < 3 && is_transient(&e) => {
                tracing::warn!(error = %e, jobs = jobs.len(), "an answer group is retried");
            }
            Err(e) => return Err(e),
        }
    }
}

fn reply(job: Job, outcome: std::result::Result<Outcome, String>) {
    match (job, outcome) {
        (Job::Save { reply, .. }, Ok(Outcome::Saved(ok))) => {
            let _ = reply.send(Ok(ok));
        }
        (Job::Start { reply, .. }, Ok(Outcome::Started(a)))
        | (Job::Finish { reply, .. }, Ok(Outcome::Finished(a))) => {
            let _ = reply.send(Ok(a.map(|a| *a)));
        }
        (Job::Save { reply, .. }, Err(e)) => {
            let _ = reply.send(Err(e));
        }
        (Job::Start { reply, .. } | Job::Finish { reply, .. }, Err(e)) => {
            let _ = reply.send(Err(e));
        }
        (job, Ok(_)) => {
            let e = "the answer writer mixed up a group".to_owned();
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
                match commit_group(&db, &mut statements, &group).await {
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
        make: impl FnOnce(oneshot::Sender<std::result::Result<T, String>>) -> Job,
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
}
