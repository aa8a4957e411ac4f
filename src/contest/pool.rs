//! In-memory copies of what attempts read on the hot path: question revisions (immutable,
//! cached forever) and each bank's pool of current questions (re-checked against the
//! bank's version every few seconds), so starting an attempt never queries the bank.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::draw::Candidate;
use crate::banks::store::to_question;
use crate::banks::{Difficulty, Kind};
use crate::entities::{bank, question};
use crate::error::{AppError, Result};

/// One question revision as attempts need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionData {
    pub id: i64,
    pub bank_id: i64,
    pub kind: Kind,
    pub topic: String,
    pub difficulty: Difficulty,
    pub text: String,
    pub choices: Vec<String>,
    pub correct: Vec<bool>,
    pub explanation: Option<String>,
    pub source: Option<String>,
    /// Pictures of the question text (issue #19).
    pub images: Vec<crate::banks::Image>,
    /// Pictures of each option, in bank order.
    pub choice_images: Vec<Vec<crate::banks::Image>>,
}

impl QuestionData {
    /// Decodes a stored revision.
    pub fn from_row(row: &question::Model) -> Result<Self> {
        let q = to_question(row)?;
        Ok(QuestionData {
            id: row.id,
            bank_id: row.bank_id,
            kind: q.kind,
            topic: q.topic,
            difficulty: q.difficulty,
            text: q.text,
            correct: q.choices.iter().map(|c| c.correct).collect(),
            choice_images: q.choices.iter().map(|c| c.images.clone()).collect(),
            images: q.images,
            choices: q.choices.into_iter().map(|c| c.text).collect(),
            explanation: q.explanation,
            source: q.source,
        })
    }

    /// This question as a draw candidate.
    pub fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            bank_id: self.bank_id,
            topic: self.topic.clone(),
            difficulty: self.difficulty,
            kind: self.kind,
            choices: self.choices.len(),
        }
    }
}

/// A bank's current questions, as draw candidates.
#[derive(Debug)]
pub struct BankPool {
    pub version: i32,
    /// Shared between re-checks of an unchanged version.
    pub candidates: Arc<Vec<Candidate>>,
    checked_at: Instant,
}

/// The caches.
#[derive(Debug)]
pub struct Pools {
    questions: Mutex<HashMap<i64, Arc<QuestionData>>>,
    banks: Mutex<HashMap<i64, Arc<BankPool>>>,
    /// How long a bank pool is trusted before its version is checked again (the bounded
    /// staleness of a bank edit, also across app instances).
    recheck: Duration,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave the maps inconsistent (single
    // inserts), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pools {
    /// Empty caches; bank pools are re-checked after `recheck`.
    pub fn new(recheck: Duration) -> Self {
        Pools {
            questions: Mutex::new(HashMap::new()),
            banks: Mutex::new(HashMap::new()),
            recheck,
        }
    }

    /// The current pool of a bank.
    pub async fn bank<C: ConnectionTrait>(&self, db: &C, bank_id: i64) -> Result<Arc<BankPool>> {
        let cached = lock(&self.banks).get(&bank_id).cloned();
        if let Some(pool) = &cached
            && pool.checked_at.elapsed() < self.recheck
        {
            return Ok(pool.clone());
        }
        let version: Option<i32> = bank::Entity::find_by_id(bank_id)
            .select_only()
            .column(bank::Column::Version)
            .into_tuple()
            .one(db)
            .await?;
        let version = version.ok_or(AppError::NotFound)?;
        let pool = match cached {
            Some(pool) if pool.version == version => Arc::new(BankPool {
                version,
                candidates: pool.candidates.clone(),
                checked_at: Instant::now(),
            }),
            _ => {
                // Exactly the bank at the version read, even if an import lands meanwhile:
                // attempts record this version, and verification re-derives from it.
                let rows = crate::banks::store::questions_at_version(db, bank_id, version).await?;
                let mut candidates = Vec::with_capacity(rows.len());
                let mut questions = Vec::with_capacity(rows.len());
                for row in &rows {
                    let data = QuestionData::from_row(row)?;
                    candidates.push(data.candidate());
                    questions.push(Arc::new(data));
                }
                let mut map = lock(&self.questions);
                for q in questions {
                    map.insert(q.id, q);
                }
                Arc::new(BankPool {
                    version,
                    candidates: Arc::new(candidates),
                    checked_at: Instant::now(),
                })
            }
        };
        lock(&self.banks).insert(bank_id, pool.clone());
        Ok(pool)
    }

    /// Question revisions by id, from memory, loading any missing ones in one query.
    pub async fn questions<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: &[i64],
    ) -> Result<HashMap<i64, Arc<QuestionData>>> {
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        {
            let map = lock(&self.questions);
            for id in ids {
                match map.get(id) {
                    Some(q) => {
                        found.insert(*id, q.clone());
                    }
                    None => missing.push(*id),
                }
            }
        }
        if !missing.is_empty() {
            let rows = question::Entity::find()
                .filter(question::Column::Id.is_in(missing))
                .all(db)
                .await?;
            let mut map = lock(&self.questions);
            for row in &rows {
                let data = Arc::new(QuestionData::from_row(row)?);
                map.insert(row.id, data.clone());
                found.insert(row.id, data);
            }
        }
        Ok(found)
    }

    /// Forgets a bank's pool (after an import on this instance).
    pub fn invalidate_bank(&self, bank_id: i64) {
        lock(&self.banks).remove(&bank_id);
    }
}
