//! What a participant (or staff) sees of an attempt, and what it may reveal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use super::{Status, drawn_of, option_id, questions_of};
use crate::contest::finishing::saved_answers;
use crate::contest::{Engine, disputes, scoring};
use crate::entities::question_decision;
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

/// A picture of a question or an option, as a page shows it (issue #19). Its address is
/// the picture's content hash: the same for every attempt, and nothing in it says whether
/// an option is right.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptImage {
    /// `/media/<sha256>.<ext>`.
    pub src: String,
    /// The phone variant `/media/720/<sha256>.<ext>`, for pictures wider than 720 px.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub small: Option<String>,
    /// What the picture shows.
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

impl AttemptImage {
    /// How a page shows a stored picture.
    pub fn of(image: &crate::banks::Image) -> AttemptImage {
        AttemptImage {
            src: format!("/media/{}", image.file),
            small: (image.width > crate::banks::media::SMALL_WIDTH)
                .then(|| format!("/media/720/{}", image.file)),
            alt: image.alt.clone(),
            width: image.width,
            height: image.height,
        }
    }
}

/// An option of a drawn question, with an opaque id.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptOption {
    pub id: String,
    pub text: String,
    /// Pictures of the option; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<AttemptImage>,
    /// In review only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
}

/// A drawn question of an attempt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptQuestion {
    /// The question's position in the attempt, from 1.
    pub id: i64,
    /// `single`, `multiple` or `true_false`.
    pub kind: &'static str,
    pub text: String,
    /// Pictures of the question; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<AttemptImage>,
    pub options: Vec<AttemptOption>,
    /// In review, for answered questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_correctly: Option<bool>,
    /// In review only.
    // Absent outside the review; in review, null when the question has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub explanation: Option<Option<String>>,
    /// In review only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub source: Option<Option<String>>,
}

/// A saved answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SavedAnswer {
    pub choices: Vec<String>,
    pub saved_at: DateTime<Utc>,
}

/// An attempt as its owner (or staff) sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub attempt_id: i64,
    pub round_id: i64,
    pub status: Status,
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub server_time: DateTime<Utc>,
    pub questions: Vec<AttemptQuestion>,
    pub prediction_question: Option<String>,
    pub prediction: Option<i64>,
    /// Saved answers by question position.
    pub answers: BTreeMap<String, SavedAnswer>,
    /// Once finished.
    pub result: Option<AttemptResult>,
    /// True when correct options and explanations are shown: only once the round is
    /// settled (closed, grace over, every attempt finalised).
    pub review: bool,
    /// Once finished: the jury's decisions on questions this attempt drew (issue #15),
    /// applied to its score.
    pub decisions: Vec<crate::contest::disputes::DecisionNotice>,
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

    /// What a viewer may see of a finished attempt of `round`: [`Reveal::for_viewer`], and
    /// the review at once for a practice round that teaches
    /// ([`crate::contest::fairness::practice_teaches`]).
    pub async fn for_finished(
        engine: &Engine,
        db: &DatabaseConnection,
        round: &round::Model,
        staff: bool,
    ) -> Result<Self> {
        let mut reveal = Self::for_viewer(round, staff);
        if !reveal.review
            && crate::contest::fairness::practice_teaches(db, round, engine.now()).await?
        {
            reveal.review = true;
        }
        Ok(reveal)
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
) -> Result<AttemptView> {
    let answers = saved_answers(db, a.id).await?;
    view_with(engine, db, round, a, reveal, answers).await
}

/// The view of an attempt just started: nothing saved yet, so nothing to read.
pub async fn view_new(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
) -> Result<AttemptView> {
    view_with(engine, db, round, a, Reveal::RUNNING, HashMap::new()).await
}

async fn view_with(
    engine: &Engine,
    db: &DatabaseConnection,
    round: &round::Model,
    a: &attempt::Model,
    reveal: Reveal,
    answers: HashMap<i32, (Vec<usize>, DateTime<Utc>)>,
) -> Result<AttemptView> {
    // Never a key while the attempt itself can still change.
    let review = reveal.review && a.status == Status::Finished;
    let drawn = drawn_of(a)?;
    let questions = questions_of(engine, db, &drawn).await?;
    // A running attempt's view (the contest-day hot path) reads no decisions: they are
    // shown with the result.
    let decisions: HashMap<i64, question_decision::Model> = if a.status == Status::Finished {
        disputes::of_round(db, a.round_id)
            .await?
            .into_iter()
            .map(|d| (d.question_id, d))
            .collect()
    } else {
        HashMap::new()
    };
    let mut notices = Vec::new();
    let mut items = Vec::with_capacity(drawn.len());
    let mut saved = BTreeMap::new();
    for (i, (d, q)) in drawn.iter().zip(&questions).enumerate() {
        let position = i + 1;
        let ruling = match decisions.get(&d.question_id) {
            Some(decision) => {
                notices.push(disputes::notice(
                    position,
                    &disputes::applied(decision, q)?,
                    review,
                ));
                Some(disputes::ruling_of(decision)?)
            }
            None => None,
        };
        // The key the review shows: the corrected one after a key correction.
        let key = match &ruling {
            Some(scoring::Ruling::Key(corrected)) => corrected,
            _ => &q.correct,
        };
        let options = d
            .option_order
            .iter()
            .map(|&bank_index| AttemptOption {
                id: option_id(a.seed, position, bank_index),
                text: q.choices.get(bank_index).cloned().unwrap_or_default(),
                images: q
                    .choice_images
                    .get(bank_index)
                    .map(|images| images.iter().map(AttemptImage::of).collect())
                    .unwrap_or_default(),
                correct: review.then(|| key.get(bank_index).copied().unwrap_or(false)),
            })
            .collect();
        let mut answered_correctly = None;
        if let Some((chosen, saved_at)) = answers.get(&(position as i32)) {
            let choices = chosen
                .iter()
                .map(|&c| option_id(a.seed, position, c))
                .collect();
            saved.insert(
                position.to_string(),
                SavedAnswer {
                    choices,
                    saved_at: *saved_at,
                },
            );
            if review {
                let set: BTreeSet<usize> = chosen.iter().copied().collect();
                answered_correctly = scoring::outcome(&q.correct, Some(&set), ruling.as_ref());
            }
        }
        items.push(AttemptQuestion {
            id: position as i64,
            kind: q.kind.as_str(),
            text: q.text.clone(),
            images: q.images.iter().map(AttemptImage::of).collect(),
            options,
            answered_correctly,
            explanation: review.then(|| q.explanation.clone()),
            source: review.then(|| q.source.clone()),
        });
    }
    Ok(AttemptView {
        attempt_id: a.id,
        round_id: a.round_id,
        status: a.status,
        started_at: a.started_at,
        deadline: a.deadline,
        server_time: engine.now(),
        questions: items,
        prediction_question: round.prediction_question.clone(),
        prediction: a.prediction,
        answers: saved,
        result: result_of(a, reveal.score),
        review,
        decisions: notices,
    })
}
