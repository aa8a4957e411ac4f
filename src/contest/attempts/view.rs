//! What a participant (or staff) sees of an attempt, and what it may reveal.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Status, drawn_of, option_id, questions_of};
use crate::contest::finishing::saved_answers;
use crate::contest::{Engine, scoring};
use crate::entities::{attempt, round};
use crate::error::Result;

/// The result of a finished attempt. With `score_shown = after_close`, a participant
/// gets no `score` and no `correct` until the round is settled (`score_hidden`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<i32>,
    pub max_score: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<i32>,
    pub total: i32,
    pub time_taken_ms: i64,
    pub submitted_at: Option<DateTime<Utc>>,
    pub finish_reason: Option<attempt::FinishReason>,
    /// True while the score is held back until the round is settled.
    pub score_hidden: bool,
}

/// The result of a finished attempt, its score shown or held back.
pub fn result_of(a: &attempt::Model, score_shown: bool) -> Option<AttemptResult> {
    (a.status == Status::Finished).then(|| AttemptResult {
        score: score_shown.then(|| a.score.unwrap_or(0)),
        max_score: a.max_score,
        correct: score_shown.then(|| a.correct.unwrap_or(0)),
        total: a.total,
        time_taken_ms: a.time_taken_ms.unwrap_or(0),
        submitted_at: a.submitted_at,
        finish_reason: a.finish_reason,
        score_hidden: !score_shown,
    })
}

/// What a view of an attempt may reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reveal {
    /// Correct options, explanations, which answers were right.
    pub review: bool,
    /// The score and the number of right answers.
    pub score: bool,
}

impl Reveal {
    /// What a viewer may see of an attempt of `round`: the review once the round is
    /// settled (for staff too: nothing may leak a key while an attempt can change); the
    /// score as the round's `score_shown` says, always for staff (they are not
    /// competing).
    pub fn for_viewer(round: &round::Model, staff: bool) -> Self {
        Reveal {
            review: crate::contest::fairness::review_visible(round),
            score: staff || crate::contest::fairness::scores_visible(round),
        }
    }

    /// A running attempt: nothing to reveal.
    pub const RUNNING: Reveal = Reveal {
        review: false,
        score: false,
    };
}

/// What the participant sees of an attempt: questions and options with opaque ids, no
/// correctness — unless `reveal.review` is set (the round is settled) — and the result,
/// its score as `reveal.score` says.
pub async fn view(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
    reveal: Reveal,
) -> Result<Value> {
    let answers = saved_answers(db, a.id).await?;
    view_with(engine, db, round, a, reveal, answers).await
}

/// The view of an attempt just started: nothing saved yet, so nothing to read.
pub async fn view_new(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
) -> Result<Value> {
    view_with(engine, db, round, a, Reveal::RUNNING, HashMap::new()).await
}

async fn view_with(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
    reveal: Reveal,
    answers: HashMap<i32, (Vec<usize>, DateTime<Utc>)>,
) -> Result<Value> {
    // Never a key while the attempt itself can still change.
    let review = reveal.review && a.status == Status::Finished;
    let drawn = drawn_of(a)?;
    let questions = questions_of(engine, db, &drawn).await?;
    let mut items = Vec::with_capacity(drawn.len());
    let mut saved = serde_json::Map::new();
    for (i, (d, q)) in drawn.iter().zip(&questions).enumerate() {
        let position = i + 1;
        let options: Vec<Value> = d
            .option_order
            .iter()
            .map(|&bank_index| {
                let mut o = json!({
                    "id": option_id(a.seed, position, bank_index),
                    "text": q.choices.get(bank_index).cloned().unwrap_or_default(),
                });
                if review {
                    o["correct"] = json!(q.correct.get(bank_index).copied().unwrap_or(false));
                }
                o
            })
            .collect();
        let mut item = json!({
            "id": position,
            "kind": q.kind.as_str(),
            "text": q.text,
            "options": options,
        });
        if let Some((chosen, saved_at)) = answers.get(&(position as i32)) {
            let ids: Vec<String> = chosen
                .iter()
                .map(|&c| option_id(a.seed, position, c))
                .collect();
            saved.insert(
                position.to_string(),
                json!({"choices": ids, "saved_at": saved_at}),
            );
            if review {
                let set: BTreeSet<usize> = chosen.iter().copied().collect();
                item["answered_correctly"] = json!(scoring::is_correct(&q.correct, &set));
            }
        }
        if review {
            item["explanation"] = json!(q.explanation);
            item["source"] = json!(q.source);
        }
        items.push(item);
    }
    Ok(json!({
        "attempt_id": a.id,
        "round_id": a.round_id,
        "status": a.status,
        "started_at": a.started_at,
        "deadline": a.deadline,
        "server_time": engine.now(),
        "questions": items,
        "prediction_question": round.prediction_question,
        "prediction": a.prediction,
        "answers": saved,
        "result": result_of(a, reveal.score),
        "review": review,
    }))
}
