//! The answer writer: one task that commits answer saves — and new attempts — in groups.
//!
//! Every save (and every new attempt) waits for the commit of the transaction that holds it before the client
//! gets its 200 — so a 200 means durably committed — but saves arriving together share
//! one commit (group commit). On SQLite that turns thousands of single-row commits into a
//! few hundred transactions per second on the one writer connection, without writers
//! fighting over the lock.
//!
//! A save is conditional: it is stored only while its attempt is in progress and its
//! deadline plus grace has not passed. On PostgreSQL the attempt row is share-locked, so a
//! save and the attempt's finalisation are ordered: either the save is committed before
//! the answers are read for scoring, or it is refused.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, Statement,
    TransactionTrait, TryInsertResult,
};
use tokio::sync::{mpsc, oneshot};

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
}

/// What one job of a group came to.
enum Outcome {
    Saved(bool),
    Started(Option<Box<attempt::Model>>),
}

/// Handle to the writer task.
#[derive(Clone)]
pub struct AnswerWriter {
    jobs: mpsc::Sender<Job>,
}

fn upsert_sql(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO answers (attempt_id, position, choices, saved_at) \
             SELECT a.id, $2, $3, $4 FROM attempts a \
             WHERE a.id = $1 AND a.status = 'in_progress' AND a.deadline >= $5 \
             FOR SHARE \
             ON CONFLICT (attempt_id, position) DO UPDATE \
             SET choices = excluded.choices, saved_at = excluded.saved_at"
        }
        _ => {
            "INSERT INTO answers (attempt_id, position, choices, saved_at) \
             SELECT a.id, ?2, ?3, ?4 FROM attempts a \
             WHERE a.id = ?1 AND a.status = 'in_progress' AND a.deadline >= ?5 \
             ON CONFLICT (attempt_id, position) DO UPDATE \
             SET choices = excluded.choices, saved_at = excluded.saved_at"
        }
    }
}

async fn commit_group(
    db: &DatabaseConnection,
    jobs: &[Job],
) -> std::result::Result<Vec<Outcome>, String> {
    let backend = db.get_database_backend();
    let sql = upsert_sql(backend);
    let txn = db.begin().await.map_err(|e| e.to_string())?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job {
            Job::Save { save: s, .. } => {
                let result = txn
                    .execute_raw(Statement::from_sql_and_values(
                        backend,
                        sql,
                        [
                            s.attempt_id.into(),
                            s.position.into(),
                            s.choices.clone().into(),
                            s.saved_at.into(),
                            s.deadline_not_before.into(),
                        ],
                    ))
                    .await
                    .map_err(|e| e.to_string())?;
                outcomes.push(Outcome::Saved(result.rows_affected() > 0));
            }
            Job::Start { attempt: a, .. } => {
                // A taken (round, user, seq) is not an error: the caller looks again.
                let inserted = attempt::Entity::insert((**a).clone())
                    .on_conflict_do_nothing_on([
                        attempt::Column::RoundId,
                        attempt::Column::UserId,
                        attempt::Column::Seq,
                    ])
                    .exec_with_returning(&txn)
                    .await;
                match inserted {
                    Ok(TryInsertResult::Inserted(model)) => {
                        outcomes.push(Outcome::Started(Some(Box::new(model))))
                    }
                    // sea-orm reports an empty RETURNING (the row was not inserted) on
                    // SQLite as "inserted item not found".
                    Ok(TryInsertResult::Conflicted | TryInsertResult::Empty)
                    | Err(DbErr::RecordNotFound(_) | DbErr::RecordNotInserted) => {
                        outcomes.push(Outcome::Started(None))
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
        }
    }
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(outcomes)
}

fn reply(job: Job, outcome: std::result::Result<Outcome, String>) {
    match (job, outcome) {
        (Job::Save { reply, .. }, Ok(Outcome::Saved(ok))) => {
            let _ = reply.send(Ok(ok));
        }
        (Job::Start { reply, .. }, Ok(Outcome::Started(a))) => {
            let _ = reply.send(Ok(a.map(|a| *a)));
        }
        (Job::Save { reply, .. }, Err(e)) => {
            let _ = reply.send(Err(e));
        }
        (Job::Start { reply, .. }, Err(e)) => {
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
            while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
                match commit_group(&db, &group).await {
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
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Save { save, reply }).await?;
        answer
            .await
            .map_err(|_| AppError::Unexpected(anyhow::anyhow!("the answer writer dropped a save")))?
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("answer commit failed: {e}")))
    }

    /// Inserts a new attempt in the next group; `Ok(None)` when its (round, user, seq) is
    /// already taken (a racing start of the same participant won).
    pub async fn insert_attempt(
        &self,
        attempt: attempt::ActiveModel,
    ) -> Result<Option<attempt::Model>> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Start {
            attempt: Box::new(attempt),
            reply,
        })
        .await?;
        answer
            .await
            .map_err(|_| {
                AppError::Unexpected(anyhow::anyhow!("the answer writer dropped a start"))
            })?
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("attempt insert failed: {e}")))
    }

    async fn submit(&self, job: Job) -> Result<()> {
        self.jobs
            .send(job)
            .await
            .map_err(|_| AppError::Unexpected(anyhow::anyhow!("the answer writer has stopped")))
    }
}
