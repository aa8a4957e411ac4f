//! Rounds: the round spec as the API takes it, its validation against the banks (every
//! quota fillable, no practice/ranked overlap), its stored draw rules, status and view.

use super::*;

/// A quota as the API takes it: the bank by id or code.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    /// The bank: its id (a number) or its code (a string).
    pub bank: Value,
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    #[schema(minimum = 1, maximum = 200)]
    pub count: i64,
}

pub use crate::entities::round::PredictionAnswer;

/// The prediction (tie-break) question of a round.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictionSpec {
    pub question: String,
    pub answer: PredictionAnswer,
}

/// The body of `POST /api/v1/contests/{id}/rounds`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundSpec {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub opens_at: DateTime<Utc>,
    /// After `opens_at`.
    pub closes_at: DateTime<Utc>,
    #[schema(minimum = 30, maximum = 21600)]
    pub time_limit_secs: i64,
    /// 0 for no limit.
    #[schema(minimum = 0, maximum = 1000)]
    pub max_attempts: i64,
    #[serde(default)]
    pub practice: bool,
    pub draw: Vec<QuotaSpec>,
    pub draw_by_category: Option<BTreeMap<String, Vec<QuotaSpec>>>,
    pub order: Option<Order>,
    pub prediction: Option<PredictionSpec>,
    /// What a submit shows before the round is settled: `on_submit` (the default) shows
    /// the score at once — with repeated attempts or several accounts, each submit tells
    /// how many answers were right, a slow answer-key oracle; `after_close` shows
    /// "submitted" only, and scores and leaderboards once the round is settled.
    #[serde(default)]
    pub score_shown: round::ScoreShown,
    /// Accept that this round's draw shares questions with an open or upcoming round of
    /// the other kind (a practice round with a ranked round, or the reverse). Dangerous:
    /// unlimited practice attempts that show a score rebuild the ranked round's answer key.
    /// Without it such a round is refused (`overlaps_ranked_round` /
    /// `overlaps_practice_round`).
    #[serde(default)]
    pub allow_overlap: bool,
}

/// The stored draw rules of a round.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DrawRules {
    pub default: Vec<Quota>,
    #[serde(default)]
    pub by_category: BTreeMap<String, Vec<Quota>>,
}

impl DrawRules {
    /// The quotas that apply to a category.
    pub fn for_category(&self, category: &str) -> &[Quota] {
        self.by_category
            .get(category)
            .map_or(&self.default[..], Vec::as_slice)
    }
}

/// Decodes a round's stored draw rules.
pub fn draw_rules(round: &round::Model) -> Result<DrawRules> {
    crate::entities::decode_json(format_args!("round {}", round.id), "draw", &round.draw)
}

/// When a round stops taking attempts: its closing time, or earlier if closed early.
pub fn effective_close(round: &round::Model) -> DateTime<Utc> {
    round
        .closed_at
        .map_or(round.closes_at, |c| c.min(round.closes_at))
}

/// Where a round is in time: computed from its times and `now`, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Not open yet.
    Upcoming,
    /// Taking attempts.
    Open,
    /// Closed (at its closing time or early); attempts in their grace may still finish.
    Closed,
}

impl RoundStatus {
    /// Every status, for parsing a filter.
    pub const ALL: [RoundStatus; 3] = [
        RoundStatus::Upcoming,
        RoundStatus::Open,
        RoundStatus::Closed,
    ];

    /// The wire form, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Upcoming => "upcoming",
            RoundStatus::Open => "open",
            RoundStatus::Closed => "closed",
        }
    }

    /// The status as pages write it: `Đang mở`, `Sắp mở`, `Đã kết thúc`.
    pub fn name_vi(self) -> &'static str {
        match self {
            RoundStatus::Open => "Đang mở",
            RoundStatus::Upcoming => "Sắp mở",
            RoundStatus::Closed => "Đã kết thúc",
        }
    }
}

/// Where `round` is in time at `now`.
pub fn round_status(round: &round::Model, now: DateTime<Utc>) -> RoundStatus {
    if now >= effective_close(round) {
        RoundStatus::Closed
    } else if now < round.opens_at {
        RoundStatus::Upcoming
    } else {
        RoundStatus::Open
    }
}

/// A round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub id: i64,
    pub contest_id: i64,
    pub title: String,
    pub opens_at: DateTime<Utc>,
    /// The closing time, or the earlier time it was closed at.
    pub closes_at: DateTime<Utc>,
    pub status: RoundStatus,
    pub time_limit_secs: i64,
    pub max_attempts: i64,
    pub practice: bool,
    /// Questions per attempt (of the default draw).
    pub questions: i64,
    pub order: round::Order,
    pub prediction_question: Option<String>,
    pub prediction_answer: Option<round::PredictionAnswer>,
    /// The actual value, once the round has closed.
    pub prediction_actual: Option<i64>,
    /// What a submit shows before the round is settled.
    pub score_shown: round::ScoreShown,
    /// The organiser accepted that this round shares questions with a live round of the
    /// other kind (practice / ranked).
    pub allow_overlap: bool,
    /// Closed, grace over, every attempt finalised: keys and held-back scores are shown.
    pub settled: bool,
    pub settled_at: Option<DateTime<Utc>>,
    /// What the organisers changed while participants could take it (extensions, an early
    /// close and its reason, more attempts), oldest first.
    pub notices: Vec<super::round_edit::RoundNotice>,
}

/// A round as the API shows it at `now`, without its notices (see
/// [`super::round_edit::round_views`]); a corrupt draw is an error, never a round without
/// questions.
pub fn round_view(round: &round::Model, now: DateTime<Utc>) -> Result<RoundView> {
    let questions: usize = draw_rules(round)?.default.iter().map(|q| q.count).sum();
    Ok(RoundView {
        id: round.id,
        contest_id: round.contest_id,
        title: round.title.clone(),
        opens_at: round.opens_at,
        closes_at: effective_close(round),
        status: round_status(round, now),
        time_limit_secs: i64::from(round.time_limit_secs),
        max_attempts: i64::from(round.max_attempts),
        practice: round.practice,
        questions: i64::try_from(questions).unwrap_or(i64::MAX),
        order: round.question_order,
        prediction_question: round.prediction_question.clone(),
        prediction_answer: round.prediction_answer,
        prediction_actual: round.prediction_actual,
        score_shown: round.score_shown,
        allow_overlap: round.allow_overlap,
        settled: fairness::is_settled(round),
        settled_at: round.settled_at,
        notices: Vec::new(),
    })
}

fn too_big(field: &str, fields: &mut BTreeMap<String, String>, message: &str) {
    fields.insert(field.to_owned(), message.to_owned());
}

/// Validates a round spec against the banks — every quota must be fillable whatever the
/// seed, and a practice round must not share questions with a live ranked round (nor a
/// ranked round with a live practice round) unless the spec accepts the overlap
/// ([`fairness::check_overlap`]) — and returns its draw rules, storing nothing.
pub async fn check_round(
    db: &DatabaseConnection,
    engine: &Engine,
    contest_id: i64,
    spec: &RoundSpec,
) -> Result<DrawRules> {
    let contest = crate::contest::load_contest(db, contest_id).await?;
    super::lifecycle::accepts_new_rounds(contest.status)?;
    let contest_categories = contest.categories()?;
    let mut fields = BTreeMap::new();
    let title = text::clean(&spec.title);
    if title.is_empty() || text::char_len(&title) > 300 {
        too_big(
            "title",
            &mut fields,
            "Tên vòng thi không được trống và tối đa 300 ký tự.",
        );
    }
    if spec.closes_at <= spec.opens_at {
        too_big(
            "closes_at",
            &mut fields,
            "Thời điểm đóng phải sau thời điểm mở.",
        );
    }
    if !(30..=6 * 3600).contains(&spec.time_limit_secs) {
        too_big(
            "time_limit_secs",
            &mut fields,
            "Thời gian làm bài phải từ 30 giây đến 6 giờ.",
        );
    }
    if !(0..=1000).contains(&spec.max_attempts) {
        too_big(
            "max_attempts",
            &mut fields,
            "Số lượt thi phải từ 0 (không giới hạn) đến 1000.",
        );
    }
    if let Some(p) = &spec.prediction {
        let q = text::clean(&p.question);
        if q.is_empty() || text::char_len(&q) > 1000 {
            too_big(
                "prediction.question",
                &mut fields,
                "Câu hỏi dự đoán không được trống và tối đa 1000 ký tự.",
            );
        }
    }

    // Resolve every quota's bank, then check the pools can fill every draw.
    let mut sets: Vec<(String, &Vec<QuotaSpec>)> = vec![("draw".to_owned(), &spec.draw)];
    if let Some(by) = &spec.draw_by_category {
        for (cat, quotas) in by {
            if !contest_categories.contains(cat) {
                too_big(
                    &format!("draw_by_category.{cat}"),
                    &mut fields,
                    "Đối tượng này không thuộc cuộc thi.",
                );
            }
            sets.push((format!("draw_by_category.{cat}"), quotas));
        }
    }
    let mut resolved: Vec<(String, Vec<Quota>)> = Vec::new();
    let mut banks_by_key: HashMap<String, i64> = HashMap::new();
    for (name, quotas) in &sets {
        if quotas.is_empty() {
            too_big(name, &mut fields, "Cần ít nhất một nhóm câu hỏi.");
        }
        let mut list = Vec::new();
        let mut total = 0i64;
        for (i, q) in quotas.iter().enumerate() {
            let field = format!("{name}[{i}]");
            let key = match &q.bank {
                Value::String(s) => text::clean(s),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            let bank_id = match banks_by_key.get(&key) {
                Some(id) => Some(*id),
                None => {
                    let found = crate::banks::store::find(db, &key).await?.map(|b| b.id);
                    if let Some(id) = found {
                        banks_by_key.insert(key.clone(), id);
                    }
                    found
                }
            };
            if !(1..=200).contains(&q.count) {
                too_big(
                    &format!("{field}.count"),
                    &mut fields,
                    "Số câu của mỗi nhóm phải từ 1 đến 200.",
                );
            }
            total += q.count;
            match bank_id {
                None => too_big(
                    &format!("{field}.bank"),
                    &mut fields,
                    "Không tìm thấy ngân hàng câu hỏi.",
                ),
                Some(bank_id) => list.push(Quota {
                    bank_id,
                    topic: text::clean_opt(q.topic.as_deref()),
                    difficulty: q.difficulty,
                    count: q.count.clamp(0, 200) as usize,
                }),
            }
        }
        if total > 200 {
            too_big(name, &mut fields, "Một lượt thi có tối đa 200 câu hỏi.");
        }
        resolved.push((name.clone(), list));
    }
    if !fields.is_empty() {
        return Err(AppError::Validation { fields });
    }

    for (name, quotas) in &resolved {
        let mut pool = Vec::new();
        let mut bank_ids: Vec<i64> = quotas.iter().map(|q| q.bank_id).collect();
        bank_ids.sort_unstable();
        bank_ids.dedup();
        for id in bank_ids {
            pool.extend(engine.pools.bank(db, id).await?.candidates.iter().cloned());
        }
        if let Err(short) = draw::check(&pool, quotas) {
            let q = &quotas[short.quota];
            let mut details = Map::new();
            details.insert("quota".into(), json!(format!("{name}[{}]", short.quota)));
            details.insert("requested".into(), json!(short.requested));
            details.insert("available".into(), json!(short.available));
            details.insert("missing".into(), json!(short.missing()));
            let what = [
                q.topic.as_ref().map(|t| format!("chủ đề \"{t}\"")),
                q.difficulty.map(|d| format!("mức độ {}", difficulty_vi(d))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            return Err(AppError::Unprocessable {
                code: "draw_short",
                message: format!(
                    "Nhóm câu hỏi {name}[{}]{} cần {} câu nhưng ngân hàng chỉ đủ {} câu (thiếu {} câu).",
                    short.quota,
                    if what.is_empty() {
                        String::new()
                    } else {
                        format!(" ({what})")
                    },
                    short.requested,
                    short.available,
                    short.missing()
                ),
                details,
            });
        }
    }

    let mut rules = DrawRules {
        default: Vec::new(),
        by_category: BTreeMap::new(),
    };
    for (name, quotas) in resolved {
        match name.strip_prefix("draw_by_category.") {
            Some(cat) => {
                rules.by_category.insert(cat.to_owned(), quotas);
            }
            None => rules.default = quotas,
        }
    }
    fairness::check_overlap(engine, db, spec.practice, &rules, spec.allow_overlap).await?;
    Ok(rules)
}

/// Validates a round spec (see [`check_round`]) and stores it.
pub async fn create_round(
    db: &DatabaseConnection,
    engine: &Engine,
    contest_id: i64,
    spec: RoundSpec,
    actor: Option<i64>,
) -> Result<round::Model> {
    let rules = check_round(db, engine, contest_id, &spec).await?;
    insert_round(db, contest_id, spec, &rules, actor).await
}

/// Stores a round already checked ([`check_round`]) with its draw rules, and audits it.
pub async fn insert_round<C: ConnectionTrait>(
    db: &C,
    contest_id: i64,
    spec: RoundSpec,
    rules: &DrawRules,
    actor: Option<i64>,
) -> Result<round::Model> {
    let title = text::clean(&spec.title);
    let order = spec.order.unwrap_or(Order::Shuffled);
    let now = Utc::now();
    let created = round::ActiveModel {
        contest_id: Set(contest_id),
        title: Set(title),
        opens_at: Set(spec.opens_at),
        closes_at: Set(spec.closes_at),
        closed_at: Set(None),
        time_limit_secs: Set(spec.time_limit_secs as i32),
        max_attempts: Set(spec.max_attempts as i32),
        practice: Set(spec.practice),
        draw: Set(serde_json::to_string(rules).map_err(anyhow::Error::from)?),
        question_order: Set(order),
        prediction_question: Set(spec.prediction.as_ref().map(|p| text::clean(&p.question))),
        prediction_answer: Set(spec.prediction.as_ref().map(|p| p.answer)),
        prediction_actual: Set(None),
        created_at: Set(now),
        score_shown: Set(spec.score_shown),
        allow_overlap: Set(spec.allow_overlap),
        settled_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    crate::audit::record(
        db,
        actor,
        "round.create",
        Some(("round", created.id)),
        json!({
            "contest_id": contest_id,
            "title": created.title,
            "draw": rules,
            "score_shown": created.score_shown,
            "allow_overlap": created.allow_overlap,
        }),
    )
    .await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_status_serializes_as_its_wire_form() {
        for status in RoundStatus::ALL {
            assert_eq!(json!(status), status.as_str());
        }
    }
}
