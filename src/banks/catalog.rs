//! The catalogue of stored banks as the consoles and the API read it: the list with
//! counts, each bank's topics, a bank's detail (counts by topic, kind and difficulty), and
//! a bank found by id or code.

use std::collections::{BTreeMap, HashMap};

use crate::db::OneByKey;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use crate::entities::{bank, question};
use crate::error::{AppError, Result};

/// One bank in the list of banks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankSummary {
    /// The bank's id.
    pub id: i64,
    /// The bank's code.
    pub code: String,
    /// The bank's title.
    pub title: String,
    /// Current questions.
    pub questions: i64,
    /// Distinct topics among them.
    pub topics: i64,
    /// Goes up with every import that changes the bank.
    pub version: i32,
}

#[derive(Debug, FromQueryResult)]
struct BankCounts {
    bank_id: i64,
    questions: i64,
    topics: i64,
}

/// Every bank with its question and topic counts (two queries, whatever the number of banks).
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<BankSummary>> {
    let banks = bank::Entity::find()
        .order_by_asc(bank::Column::Code)
        .all(db)
        .await?;
    let counts: HashMap<i64, BankCounts> = question::Entity::find()
        .select_only()
        .column(question::Column::BankId)
        .column_as(question::Column::Id.count(), "questions")
        .column_as(Expr::cust("COUNT(DISTINCT topic)"), "topics")
        .filter(question::Column::Current.eq(true))
        .group_by(question::Column::BankId)
        .into_model::<BankCounts>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.bank_id, c))
        .collect();
    Ok(banks
        .into_iter()
        .map(|b| {
            let c = counts.get(&b.id);
            BankSummary {
                id: b.id,
                questions: c.map_or(0, |c| c.questions),
                topics: c.map_or(0, |c| c.topics),
                code: b.code,
                title: b.title,
                version: b.version,
            }
        })
        .collect())
}

/// A topic of a bank and its current questions, for the forms that pick a topic.
#[derive(Debug, Clone, FromQueryResult)]
pub struct BankTopic {
    /// The bank.
    pub bank_id: i64,
    /// The topic, as the bank names it.
    pub topic: String,
    /// Its current questions.
    pub questions: i64,
}

/// Every bank's topics with their question counts (one grouped query), by bank and topic.
pub async fn topics<C: ConnectionTrait>(db: &C) -> Result<Vec<BankTopic>> {
    Ok(question::Entity::find()
        .select_only()
        .column(question::Column::BankId)
        .column(question::Column::Topic)
        .column_as(question::Column::Id.count(), "questions")
        .filter(question::Column::Current.eq(true))
        .group_by(question::Column::BankId)
        .group_by(question::Column::Topic)
        .order_by_asc(question::Column::BankId)
        .order_by_asc(question::Column::Topic)
        .into_model::<BankTopic>()
        .all(db)
        .await?)
}

/// Question counts of one topic, by difficulty and kind.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TopicCounts {
    /// The topic's name.
    pub topic: String,
    /// Current questions of the topic.
    pub total: i64,
    /// Of which easy.
    pub easy: i64,
    /// Of which medium.
    pub medium: i64,
    /// Of which hard.
    pub hard: i64,
    /// Of which single choice.
    pub single: i64,
    /// Of which multiple choice.
    pub multiple: i64,
    /// Of which true/false.
    pub true_false: i64,
}

/// One bank with counts per topic × difficulty.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankDetail {
    /// The bank's id.
    pub id: i64,
    /// The bank's code.
    pub code: String,
    /// The bank's title.
    pub title: String,
    /// The bank's description.
    pub description: Option<String>,
    /// Goes up with every import that changes the bank.
    pub version: i32,
    /// Current questions.
    pub questions: i64,
    /// Counts per topic, by name.
    pub topics: Vec<TopicCounts>,
}

#[derive(Debug, FromQueryResult)]
struct Cell {
    topic: String,
    difficulty: String,
    kind: String,
    n: i64,
}

/// A bank's detail, counted in one grouped query.
pub async fn detail<C: ConnectionTrait>(db: &C, bank_id: i64) -> Result<BankDetail> {
    let row = bank::Entity::find_by_id(bank_id)
        .one_by_key(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let cells = question::Entity::find()
        .select_only()
        .column(question::Column::Topic)
        .column(question::Column::Difficulty)
        .column(question::Column::Kind)
        .column_as(question::Column::Id.count(), "n")
        .filter(question::Column::BankId.eq(bank_id))
        .filter(question::Column::Current.eq(true))
        .group_by(question::Column::Topic)
        .group_by(question::Column::Difficulty)
        .group_by(question::Column::Kind)
        .into_model::<Cell>()
        .all(db)
        .await?;
    let mut topics: BTreeMap<String, TopicCounts> = BTreeMap::new();
    for cell in cells {
        let t = topics
            .entry(cell.topic.clone())
            .or_insert_with(|| TopicCounts {
                topic: cell.topic.clone(),
                ..Default::default()
            });
        t.total += cell.n;
        match cell.difficulty.as_str() {
            "easy" => t.easy += cell.n,
            "medium" => t.medium += cell.n,
            _ => t.hard += cell.n,
        }
        match cell.kind.as_str() {
            "single" => t.single += cell.n,
            "multiple" => t.multiple += cell.n,
            _ => t.true_false += cell.n,
        }
    }
    let topics: Vec<TopicCounts> = topics.into_values().collect();
    Ok(BankDetail {
        id: row.id,
        questions: topics.iter().map(|t| t.total).sum(),
        code: row.code,
        title: row.title,
        description: row.description,
        version: row.version,
        topics,
    })
}

/// Finds a bank by id or by code.
pub async fn find<C: ConnectionTrait>(db: &C, id_or_code: &str) -> Result<Option<bank::Model>> {
    let by_code = bank::Entity::find()
        .filter(bank::Column::Code.eq(id_or_code))
        .one_by_key(db)
        .await?;
    if by_code.is_some() {
        return Ok(by_code);
    }
    match id_or_code.parse::<i64>() {
        Ok(id) => Ok(bank::Entity::find_by_id(id).one_by_key(db).await?),
        Err(_) => Ok(None),
    }
}
