//! Storing banks: imports that make revisions, and the queries that read a bank's questions
//! back (the catalogue of banks for the consoles is in [`super::catalog`]).
//!
//! Each row of `questions` is one revision of one question. An import compares every
//! question of the file with the current revision of the same key (by a hash of its
//! content): unchanged questions are left alone, changed ones get a new revision, new ones
//! a first revision, and current questions missing from the file are retired. Old rows are
//! never edited, so an attempt that used a revision keeps it exactly.

use std::collections::{HashMap, HashSet};

use crate::db::OneByKey;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Bank, Choice, Difficulty, Kind, Parsed, Question};
use crate::entities::{bank, question};
use crate::error::{AppError, Result};

/// Rows per multi-row statement: well under SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 400;

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The bank's id.
    pub id: i64,
    /// The bank's code.
    pub code: String,
    /// Questions now current in the bank.
    pub questions: usize,
    /// Questions seen for the first time.
    pub created: usize,
    /// Questions whose content changed: a new revision each.
    pub revised: usize,
    /// Questions identical to their current revision.
    pub unchanged: usize,
    /// Current questions missing from the file, no longer drawn.
    pub retired: usize,
}

/// The identity of a question inside its bank: its explicit key, else a hash of its
/// normalised text (so a question without an id that is edited becomes a new question).
pub fn question_key(q: &Question) -> String {
    match &q.key {
        Some(key) => key.clone(),
        None => {
            let normalised = super::text::clean(&q.text).to_lowercase();
            format!(
                "text:{}",
                &hex(&Sha256::digest(normalised.as_bytes()))[..16]
            )
        }
    }
}

/// The keys of a file's questions, in order: [`question_key`], with a repeated key (two
/// questions with the same text and no id, legal as in Moodle) made unique by its
/// occurrence — the k-th copy gets `#k` — so that a re-import of the same file maps each
/// copy to the same stored question.
pub fn question_keys(questions: &[Question]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    questions
        .iter()
        .map(|q| {
            let key = question_key(q);
            let count = seen.entry(key.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                key
            } else {
                format!("{key}#{count}")
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash of everything a participant or a judge sees of a question.
pub fn content_hash(q: &Question) -> String {
    #[derive(Serialize)]
    struct Content<'a> {
        kind: Kind,
        topic: &'a str,
        difficulty: Difficulty,
        text: &'a str,
        choices: &'a [Choice],
        explanation: Option<&'a str>,
        source: Option<&'a str>,
        tags: &'a [String],
        // Absent when none, so that questions without pictures keep the hash they had.
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        images: &'a [super::Image],
    }
    let content = Content {
        kind: q.kind,
        topic: &q.topic,
        difficulty: q.difficulty,
        text: &q.text,
        choices: &q.choices,
        explanation: q.explanation.as_deref(),
        source: q.source.as_deref(),
        tags: &q.tags,
        images: &q.images,
    };
    let json = serde_json::to_vec(&content).unwrap_or_default();
    hex(&Sha256::digest(&json))
}

#[derive(Debug, FromQueryResult)]
struct KeyRevision {
    key: String,
    revision: i32,
}

/// Imports a parsed bank in one transaction: creates the bank or updates the bank with the
/// same code, making revisions as described in the module documentation.
/// `actor` is the staff user who imports (recorded in the audit trail; `None` from the
/// command line).
pub async fn import(
    db: &DatabaseConnection,
    parsed: &Parsed,
    actor: Option<i64>,
) -> Result<ImportOutcome> {
    let incoming = &parsed.bank;
    let now = Utc::now();
    let txn = db.begin().await?;
    super::media_store::insert_missing(&txn, &parsed.media, now).await?;

    let existing = bank::Entity::find()
        .filter(bank::Column::Code.eq(incoming.code.clone()))
        .one_by_key(&txn)
        .await?;
    let is_new = existing.is_none();
    let bank_row = match existing {
        Some(row) => row,
        None => {
            bank::ActiveModel {
                code: Set(incoming.code.clone()),
                title: Set(incoming.title.clone()),
                description: Set(incoming.description.clone()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };

    let current: Vec<question::Model> = question::Entity::find()
        .filter(question::Column::BankId.eq(bank_row.id))
        .filter(question::Column::Current.eq(true))
        .all(&txn)
        .await?;
    let current_by_key: HashMap<&str, &question::Model> =
        current.iter().map(|q| (q.key.as_str(), q)).collect();
    let last_revision: HashMap<String, i32> = question::Entity::find()
        .select_only()
        .column(question::Column::Key)
        .column_as(question::Column::Revision.max(), "revision")
        .filter(question::Column::BankId.eq(bank_row.id))
        .group_by(question::Column::Key)
        .into_model::<KeyRevision>()
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| (r.key, r.revision))
        .collect();

    // The version this import makes: a new bank starts at 1; an existing bank moves to the
    // next version only if something changes (decided below, before anything is written).
    let next_version = if is_new { 1 } else { bank_row.version + 1 };
    let meta = RowMeta {
        bank_id: bank_row.id,
        version: next_version,
        now,
    };
    let mut inserts = Vec::new();
    let mut retire: Vec<i64> = Vec::new();
    let mut moved: Vec<(i64, i32)> = Vec::new();
    let mut seen = HashSet::new();
    let (mut created, mut revised, mut unchanged) = (0, 0, 0);
    let keys = question_keys(&incoming.questions);
    for (index, (q, key)) in incoming.questions.iter().zip(keys).enumerate() {
        let hash = content_hash(q);
        let position = index as i32 + 1;
        seen.insert(key.clone());
        match current_by_key.get(key.as_str()) {
            Some(row) if row.content_hash == hash => {
                unchanged += 1;
                if row.position != position {
                    moved.push((row.id, position));
                }
                continue;
            }
            Some(row) => {
                revised += 1;
                retire.push(row.id);
            }
            None => created += 1,
        }
        let revision = last_revision.get(&key).copied().unwrap_or(0) + 1;
        inserts.push(to_active(&meta, key, revision, position, q, hash)?);
    }
    let retired: Vec<i64> = current
        .iter()
        .filter(|q| !seen.contains(&q.key))
        .map(|q| q.id)
        .collect();
    let retired_count = retired.len();
    retire.extend(retired);

    // Retire first: the new revisions then become the only current rows of their keys.
    for chunk in retire.chunks(CHUNK) {
        question::Entity::update_many()
            .col_expr(question::Column::Current, Expr::value(false))
            .col_expr(question::Column::RetiredVersion, Expr::value(next_version))
            .filter(question::Column::Id.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    for chunk in inserts.chunks(CHUNK) {
        question::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for (id, position) in &moved {
        question::Entity::update_many()
            .col_expr(question::Column::Position, Expr::value(*position))
            .filter(question::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }

    let changed = created + revised + retired_count > 0
        || bank_row.title != incoming.title
        || bank_row.description != incoming.description;
    if changed && !is_new {
        bank::ActiveModel {
            id: Set(bank_row.id),
            title: Set(incoming.title.clone()),
            description: Set(incoming.description.clone()),
            version: Set(next_version),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }
    txn.commit().await?;
    let outcome = ImportOutcome {
        id: bank_row.id,
        code: bank_row.code,
        questions: incoming.questions.len(),
        created,
        revised,
        unchanged,
        retired: retired_count,
    };
    crate::audit::record(
        db,
        actor,
        "bank.import",
        Some(("bank", outcome.id)),
        serde_json::to_value(&outcome).unwrap_or_default(),
    )
    .await?;
    Ok(outcome)
}

/// What every row of one import shares.
struct RowMeta {
    bank_id: i64,
    version: i32,
    now: chrono::DateTime<Utc>,
}

fn to_active(
    meta: &RowMeta,
    key: String,
    revision: i32,
    position: i32,
    q: &Question,
    hash: String,
) -> Result<question::ActiveModel> {
    Ok(question::ActiveModel {
        bank_id: Set(meta.bank_id),
        key: Set(key),
        revision: Set(revision),
        current: Set(true),
        position: Set(position),
        kind: Set(q.kind.as_str().to_owned()),
        topic: Set(q.topic.clone()),
        difficulty: Set(q.difficulty.as_str().to_owned()),
        text: Set(q.text.clone()),
        choices: Set(serde_json::to_string(&q.choices).map_err(anyhow::Error::from)?),
        explanation: Set(q.explanation.clone()),
        source: Set(q.source.clone()),
        tags: Set(serde_json::to_string(&q.tags).map_err(anyhow::Error::from)?),
        content_hash: Set(hash),
        created_at: Set(meta.now),
        created_version: Set(meta.version),
        retired_version: Set(None),
        images: Set(if q.images.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&q.images).map_err(anyhow::Error::from)?)
        }),
        ..Default::default()
    })
}

/// The revisions that made up a bank at one of its versions: created at or before it, and
/// not retired by it. This is the pool a draw at that version used.
pub async fn questions_at_version<C: ConnectionTrait>(
    db: &C,
    bank_id: i64,
    version: i32,
) -> Result<Vec<question::Model>> {
    Ok(question::Entity::find()
        .filter(question::Column::BankId.eq(bank_id))
        .filter(question::Column::CreatedVersion.lte(version))
        .filter(
            sea_orm::Condition::any()
                .add(question::Column::RetiredVersion.is_null())
                .add(question::Column::RetiredVersion.gt(version)),
        )
        .all(db)
        .await?)
}

/// A stored revision back in the model's form.
pub fn to_question(row: &question::Model) -> Result<Question> {
    let corrupt = |what: &str| {
        AppError::Unexpected(anyhow::anyhow!(
            "question revision {} has an invalid {what}",
            row.id
        ))
    };
    Ok(Question {
        images: match &row.images {
            Some(json) => crate::entities::decode_json(
                format_args!("question revision {}", row.id),
                "images",
                json,
            )?,
            None => Vec::new(),
        },
        key: (!row.key.starts_with("text:")).then(|| row.key.clone()),
        topic: row.topic.clone(),
        difficulty: Difficulty::from_name(&row.difficulty).ok_or_else(|| corrupt("difficulty"))?,
        kind: Kind::from_name(&row.kind).ok_or_else(|| corrupt("kind"))?,
        text: row.text.clone(),
        choices: crate::entities::decode_json(
            format_args!("question revision {}", row.id),
            "choices",
            &row.choices,
        )?,
        explanation: row.explanation.clone(),
        source: row.source.clone(),
        tags: crate::entities::decode_json(
            format_args!("question revision {}", row.id),
            "tags",
            &row.tags,
        )?,
        line: 0,
    })
}

/// The current revisions of a bank's questions, in file order.
pub async fn current_questions<C: ConnectionTrait>(
    db: &C,
    bank_id: i64,
) -> Result<Vec<question::Model>> {
    Ok(question::Entity::find()
        .filter(question::Column::BankId.eq(bank_id))
        .filter(question::Column::Current.eq(true))
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?)
}

/// A whole bank as it stands now, for export.
pub async fn load_bank<C: ConnectionTrait>(db: &C, bank_id: i64) -> Result<Bank> {
    let row = bank::Entity::find_by_id(bank_id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let questions = current_questions(db, bank_id)
        .await?
        .iter()
        .map(to_question)
        .collect::<Result<Vec<_>>>()?;
    Ok(Bank {
        code: row.code,
        title: row.title,
        description: row.description,
        questions,
    })
}

pub use super::catalog::{
    BankDetail, BankSummary, BankTopic, TopicCounts, detail, find, list, topics,
};
