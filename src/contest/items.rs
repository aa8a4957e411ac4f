//! Item analysis of a round, after Moodle's quiz statistics report: for each question,
//! how often it was drawn, how easy it was (facility), whether it separates stronger from
//! weaker participants (discrimination), and how often each option was chosen.
//!
//! - **Facility index**: the mean score on the question — the share of attempts that drew
//!   it and answered it correctly (scores are 0 or 1).
//! - **Discrimination index**: the Pearson correlation, over the attempts that drew the
//!   question, between the score on the question and the score on the *rest* of the
//!   attempt (the total minus this question), so a question is not correlated with
//!   itself. Undefined (`None`) when either has no variance, e.g. everyone was right.
//! - **Flags**: facility above 0.95 (too easy), below 0.10 (too hard), or a negative
//!   discrimination (the weaker participants did better: often a wrong key).
//!
//! The arithmetic is plain functions over plain data ([`ItemAnalysis`], [`analyse`]);
//! [`load`] feeds them a round's finished attempts from the database.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Statement,
};
use serde::Serialize;

use super::attempts;
use super::draw::Drawn;
use super::pool::Pools;
use super::scoring;
use crate::entities::answer;
use crate::error::Result;

/// Above this facility a question is flagged too easy.
pub const TOO_EASY: f64 = 0.95;
/// Below this facility a question is flagged too hard.
pub const TOO_HARD: f64 = 0.10;
/// Attempts that must have drawn a question before it is flagged at all (the default of
/// `--item-min-sample`): with fewer, a facility of 100 % or a negative correlation says
/// more about chance than about the question.
pub const MIN_SAMPLE: u64 = 30;

/// Attempts whose answers are read per query (an `IN` list far below the bind-parameter
/// limits of SQLite and PostgreSQL).
const ATTEMPT_CHUNK: usize = 500;

/// One drawn question of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResponse {
    pub question_id: i64,
    /// Whether it was answered correctly (a score of 1, else 0).
    pub correct: bool,
    /// The chosen options, as indexes in bank order (empty: unanswered).
    pub chosen: Vec<usize>,
    /// How many options the question has.
    pub options: usize,
}

/// One finished attempt: its drawn questions and its total score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptItems {
    pub total: i64,
    pub items: Vec<ItemResponse>,
}

/// Why a question deserves a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemFlag {
    /// Facility above [`TOO_EASY`].
    TooEasy,
    /// Facility below [`TOO_HARD`].
    TooHard,
    /// Weaker participants did better on it than stronger ones.
    NegativeDiscrimination,
}

impl ItemFlag {
    /// The flag in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            ItemFlag::TooEasy => "quá dễ",
            ItemFlag::TooHard => "quá khó",
            ItemFlag::NegativeDiscrimination => "độ phân biệt âm",
        }
    }
}

/// The statistics of one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemStats {
    pub question_id: i64,
    /// Attempts that drew it.
    pub drawn: u64,
    /// Attempts that answered it correctly.
    pub correct: u64,
    /// Attempts that drew it and left it unanswered.
    pub unanswered: u64,
    /// correct / drawn.
    pub facility: f64,
    /// Correlation of the question's score with the rest of the attempt's score.
    pub discrimination: Option<f64>,
    /// How often each option (by bank index) was chosen.
    pub option_counts: Vec<u64>,
    /// Whether it was drawn often enough to be flagged ([`MIN_SAMPLE`]).
    pub enough_data: bool,
    pub flags: Vec<ItemFlag>,
}

#[derive(Debug, Default, Clone)]
struct Sums {
    n: i64,
    /// Σx, Σy, Σx², Σy², Σxy with x the question's score and y the rest of the attempt's.
    sx: i64,
    sy: i64,
    sxx: i64,
    syy: i64,
    sxy: i64,
    unanswered: u64,
    options: Vec<u64>,
}

/// Pearson's r from sums, in exact integer arithmetic up to the final square root.
fn pearson(s: &Sums) -> Option<f64> {
    let n = i128::from(s.n);
    let num = n * i128::from(s.sxy) - i128::from(s.sx) * i128::from(s.sy);
    let dx = n * i128::from(s.sxx) - i128::from(s.sx) * i128::from(s.sx);
    let dy = n * i128::from(s.syy) - i128::from(s.sy) * i128::from(s.sy);
    if s.n < 2 || dx <= 0 || dy <= 0 {
        return None;
    }
    Some(num as f64 / ((dx * dy) as f64).sqrt())
}

/// An item analysis being accumulated attempt by attempt (so a large round never needs
/// all its attempts in memory at once).
#[derive(Debug)]
pub struct ItemAnalysis {
    sums: BTreeMap<i64, Sums>,
    min_sample: u64,
}

impl ItemAnalysis {
    /// An empty analysis flagging questions drawn at least `min_sample` times.
    pub fn new(min_sample: u64) -> Self {
        ItemAnalysis {
            sums: BTreeMap::new(),
            min_sample,
        }
    }

    /// Adds one finished attempt.
    pub fn add(&mut self, attempt: &AttemptItems) {
        for item in &attempt.items {
            let x = i64::from(item.correct);
            let y = attempt.total - x;
            let s = self.sums.entry(item.question_id).or_default();
            s.n += 1;
            s.sx += x;
            s.sy += y;
            s.sxx += x * x;
            s.syy += y * y;
            s.sxy += x * y;
            let wanted = item
                .options
                .max(item.chosen.iter().max().map_or(0, |m| m + 1));
            if s.options.len() < wanted {
                s.options.resize(wanted, 0);
            }
            if item.chosen.is_empty() {
                s.unanswered += 1;
            }
            for &c in &item.chosen {
                s.options[c] += 1;
            }
        }
    }

    /// The statistics of every question drawn, by question id.
    pub fn finish(self) -> Vec<ItemStats> {
        let min_sample = self.min_sample;
        self.sums
            .into_iter()
            .map(|(question_id, s)| {
                let facility = if s.n > 0 {
                    s.sx as f64 / s.n as f64
                } else {
                    0.0
                };
                let discrimination = pearson(&s);
                let enough_data = s.n as u64 >= min_sample;
                let mut flags = Vec::new();
                if enough_data && facility > TOO_EASY {
                    flags.push(ItemFlag::TooEasy);
                }
                if enough_data && facility < TOO_HARD {
                    flags.push(ItemFlag::TooHard);
                }
                if enough_data && discrimination.is_some_and(|d| d < 0.0) {
                    flags.push(ItemFlag::NegativeDiscrimination);
                }
                ItemStats {
                    question_id,
                    drawn: s.n as u64,
                    correct: s.sx as u64,
                    unanswered: s.unanswered,
                    facility,
                    discrimination,
                    option_counts: s.options,
                    enough_data,
                    flags,
                }
            })
            .collect()
    }
}

/// The item analysis of a set of attempts.
pub fn analyse(attempts: &[AttemptItems], min_sample: u64) -> Vec<ItemStats> {
    let mut analysis = ItemAnalysis::new(min_sample);
    for a in attempts {
        analysis.add(a);
    }
    analysis.finish()
}

/// An option of a question in the report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionReport {
    /// Index in bank order.
    pub index: usize,
    pub text: String,
    pub correct: bool,
    /// How many attempts chose it.
    pub chosen: u64,
}

/// One question's line of the report: its statistics and what it says.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemReport {
    pub question_id: i64,
    pub bank_id: i64,
    pub kind: &'static str,
    pub topic: String,
    pub difficulty: crate::banks::Difficulty,
    pub text: String,
    pub drawn: u64,
    pub correct: u64,
    pub unanswered: u64,
    pub facility: f64,
    pub discrimination: Option<f64>,
    pub options: Vec<OptionReport>,
    /// Whether it was drawn often enough to be flagged (`--item-min-sample`, 30 by
    /// default); below it no flag is raised ("chưa đủ dữ liệu").
    pub enough_data: bool,
    pub flags: Vec<ItemFlag>,
}

#[derive(Debug, FromQueryResult)]
struct FinishedAttempt {
    id: i64,
    questions: String,
    score: Option<i32>,
}

fn finished_sql(backend: DbBackend) -> String {
    crate::db::placeholders(
        backend,
        "SELECT a.id, a.questions, a.score FROM attempts a JOIN users u ON u.id = a.user_id \
         WHERE a.round_id = ?1 AND a.status = 'finished' AND u.voided = false ORDER BY a.id",
    )
}

/// The item analysis of a round: its finished attempts (voided participants left out, as
/// from every statistic) in one query, their answers in chunked `IN` queries, the
/// question revisions from the in-memory pool. Questions come in id order.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    pools: &Pools,
    round_id: i64,
    min_sample: u64,
) -> Result<Vec<ItemReport>> {
    attempts::load_round(db, round_id).await?;
    let backend = db.get_database_backend();
    let rows = FinishedAttempt::find_by_statement(Statement::from_sql_and_values(
        backend,
        finished_sql(backend),
        [round_id.into()],
    ))
    .all(db)
    .await?;
    let mut analysis = ItemAnalysis::new(min_sample);
    let mut questions = HashMap::new();
    for chunk in rows.chunks(ATTEMPT_CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|a| a.id).collect();
        let mut answers: HashMap<(i64, i32), Vec<usize>> = HashMap::new();
        for a in answer::Entity::find()
            .filter(answer::Column::AttemptId.is_in(ids))
            .all(db)
            .await?
        {
            answers.insert((a.attempt_id, a.position), a.choices()?);
        }
        let mut drawn: Vec<(i64, i64, Vec<Drawn>)> = Vec::with_capacity(chunk.len());
        let mut missing = BTreeSet::new();
        for a in chunk {
            let list: Vec<Drawn> = crate::entities::decode_json(
                format_args!("attempt {}", a.id),
                "questions",
                &a.questions,
            )?;
            missing.extend(
                list.iter()
                    .map(|d| d.question_id)
                    .filter(|id| !questions.contains_key(id)),
            );
            drawn.push((a.id, i64::from(a.score.unwrap_or(0)), list));
        }
        if !missing.is_empty() {
            let ids: Vec<i64> = missing.into_iter().collect();
            questions.extend(pools.questions(db, &ids).await?);
        }
        for (attempt_id, total, list) in drawn {
            let items = list
                .iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    let q = questions.get(&d.question_id)?;
                    let chosen = answers
                        .remove(&(attempt_id, i as i32 + 1))
                        .unwrap_or_default();
                    let set: BTreeSet<usize> = chosen.iter().copied().collect();
                    Some(ItemResponse {
                        question_id: d.question_id,
                        correct: scoring::is_correct(&q.correct, &set),
                        chosen,
                        options: q.choices.len(),
                    })
                })
                .collect();
            analysis.add(&AttemptItems { total, items });
        }
    }
    Ok(analysis
        .finish()
        .into_iter()
        .filter_map(|s| {
            let q = questions.get(&s.question_id)?;
            Some(ItemReport {
                question_id: s.question_id,
                bank_id: q.bank_id,
                kind: q.kind.as_str(),
                topic: q.topic.clone(),
                difficulty: q.difficulty,
                text: q.text.clone(),
                drawn: s.drawn,
                correct: s.correct,
                unanswered: s.unanswered,
                facility: s.facility,
                discrimination: s.discrimination,
                options: q
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(index, text)| OptionReport {
                        index,
                        text: text.clone(),
                        correct: q.correct.get(index).copied().unwrap_or(false),
                        chosen: s.option_counts.get(index).copied().unwrap_or(0),
                    })
                    .collect(),
                enough_data: s.enough_data,
                flags: s.flags,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::attempt::Status;
    use sea_orm::ActiveEnum;

    #[test]
    fn the_finished_query_filters_on_the_stored_status() {
        let finished = format!("status = '{}'", Status::Finished.to_value());
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            assert!(finished_sql(backend).contains(&finished));
        }
    }

    fn item(question_id: i64, correct: bool, chosen: &[usize]) -> ItemResponse {
        ItemResponse {
            question_id,
            correct,
            chosen: chosen.to_vec(),
            options: 4,
        }
    }

    /// Five attempts; questions 1–4 drawn by all, 5 by three, 6 by two. Right (1) or
    /// wrong (0):
    ///
    /// | attempt | q1 | q2 | q3 | q4 | q5 | q6 | total |
    /// |---------|----|----|----|----|----|----|-------|
    /// | A       | 1  | 1  | 0  | 0  | 1  |    | 3     |
    /// | B       | 1  | 0  | 1  | 0  |    | 0  | 2     |
    /// | C       | 0  | 0  | 1  | 1  | 1  |    | 3     |
    /// | D       | 1  | 1  | 1  | 0  | 1  |    | 4     |
    /// | E       | 0  | 0  | 0  | 1  |    | 0  | 1     |
    fn fixture() -> Vec<AttemptItems> {
        vec![
            AttemptItems {
                total: 3,
                items: vec![
                    item(1, true, &[2]),
                    item(2, true, &[0]),
                    item(3, false, &[1]),
                    item(4, false, &[3]),
                    item(5, true, &[1]),
                ],
            },
            AttemptItems {
                total: 2,
                items: vec![
                    item(1, true, &[2]),
                    item(2, false, &[1]),
                    item(3, true, &[0]),
                    item(4, false, &[3]),
                    item(6, false, &[]),
                ],
            },
            AttemptItems {
                total: 3,
                items: vec![
                    item(1, false, &[0]),
                    item(2, false, &[]),
                    item(3, true, &[0]),
                    item(4, true, &[0]),
                    item(5, true, &[1]),
                ],
            },
            AttemptItems {
                total: 4,
                items: vec![
                    item(1, true, &[2]),
                    item(2, true, &[0]),
                    item(3, true, &[0]),
                    item(4, false, &[3]),
                    item(5, true, &[1]),
                ],
            },
            AttemptItems {
                total: 1,
                items: vec![
                    item(1, false, &[]),
                    item(2, false, &[2]),
                    item(3, false, &[2]),
                    item(4, true, &[0]),
                    item(6, false, &[1]),
                ],
            },
        ]
    }

    fn by_id(stats: &[ItemStats], id: i64) -> &ItemStats {
        stats.iter().find(|s| s.question_id == id).unwrap()
    }

    #[test]
    fn facility_is_the_share_answered_correctly() {
        let stats = analyse(&fixture(), 1);
        // q1: 3 of 5; q2: 2 of 5; q4: 2 of 5; q5: 3 of 3; q6: 0 of 2.
        assert_eq!(by_id(&stats, 1).facility, 0.6);
        assert_eq!(by_id(&stats, 2).facility, 0.4);
        assert_eq!(by_id(&stats, 4).facility, 0.4);
        assert_eq!(by_id(&stats, 5).facility, 1.0);
        assert_eq!(by_id(&stats, 6).facility, 0.0);
        assert_eq!(
            stats.iter().map(|s| s.drawn).collect::<Vec<_>>(),
            [5, 5, 5, 5, 3, 2]
        );
    }

    #[test]
    fn discrimination_correlates_a_question_with_the_rest_of_the_attempt() {
        let stats = analyse(&fixture(), 1);
        // r = (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²)), y = total − x.
        //
        // q2: x = 1,0,0,1,0; y = 2,2,3,3,1. n = 5, Σx = 2, Σy = 11, Σx² = 2,
        // Σy² = 4+4+9+9+1 = 27, Σxy = 2+0+0+3+0 = 5.
        // r = (25 − 22) / √((10 − 4)(135 − 121)) = 3 / √(6·14) = 3 / √84 ≈ 0.3273.
        assert_eq!(by_id(&stats, 2).discrimination, Some(3.0 / 84f64.sqrt()));
        // q4: x = 0,0,1,0,1; y = 3,2,2,4,0. Σx = 2, Σy = 11, Σx² = 2,
        // Σy² = 9+4+4+16+0 = 33, Σxy = 0+0+2+0+0 = 2.
        // r = (10 − 22) / √((10 − 4)(165 − 121)) = −12 / √(6·44) = −12 / √264 ≈ −0.7385.
        assert_eq!(by_id(&stats, 4).discrimination, Some(-12.0 / 264f64.sqrt()));
        // q1: x = 1,1,0,1,0; y = 2,1,3,3,1. Σx = 3, Σy = 10, Σxy = 2+1+0+3+0 = 6.
        // r = (30 − 30) / … = 0: no discrimination at all.
        assert_eq!(by_id(&stats, 1).discrimination, Some(0.0));
        // q5: everyone who drew it was right, so x has no variance: undefined.
        assert_eq!(by_id(&stats, 5).discrimination, None);
        assert_eq!(by_id(&stats, 6).discrimination, None);
    }

    #[test]
    fn questions_are_flagged_too_easy_too_hard_or_negatively_discriminating() {
        let stats = analyse(&fixture(), 1);
        assert_eq!(by_id(&stats, 5).flags, [ItemFlag::TooEasy]);
        assert_eq!(by_id(&stats, 6).flags, [ItemFlag::TooHard]);
        assert_eq!(by_id(&stats, 4).flags, [ItemFlag::NegativeDiscrimination]);
        assert!(by_id(&stats, 1).flags.is_empty());
        assert!(by_id(&stats, 2).flags.is_empty());
    }

    #[test]
    fn nothing_is_flagged_below_the_minimum_sample() {
        // Five attempts: the flags of the test above, but not with a sample of six.
        let stats = analyse(&fixture(), 6);
        assert!(stats.iter().all(|s| s.flags.is_empty() && !s.enough_data));
        let stats = analyse(&fixture(), 5);
        assert!(by_id(&stats, 1).enough_data, "drawn 5 times");
        assert!(!by_id(&stats, 5).enough_data, "drawn 3 times");
        assert!(by_id(&stats, 5).flags.is_empty());
        assert_eq!(by_id(&stats, 4).flags, [ItemFlag::NegativeDiscrimination]);
    }

    #[test]
    fn option_choices_are_counted_by_bank_index() {
        let stats = analyse(&fixture(), 1);
        let q1 = by_id(&stats, 1);
        assert_eq!(q1.option_counts, [1, 0, 3, 0]);
        assert_eq!(q1.unanswered, 1);
        assert_eq!(by_id(&stats, 6).option_counts, [0, 1, 0, 0]);
        assert_eq!(by_id(&stats, 6).unanswered, 1);
    }

    #[test]
    fn no_attempts_give_no_items() {
        assert!(analyse(&[], 1).is_empty());
    }
}
