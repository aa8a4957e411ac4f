//! Contests and rounds: organisers create them (editing and closing rounds: `api::rounds`);
//! everyone reads them and their leaderboards and unit tables.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::contest::boards::{BoardEntry, ContestEntry};
use crate::contest::lifecycle::{self, ContestChange};
use crate::contest::{self, ContestSpec, ContestView, RoundSpec, RoundView, attempts, boards};
use crate::entities::{attempt, contest as contest_entity, round};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::cached::{PageCache, respond_json};
use crate::web::extract::{Organiser, Participant, PublicCaller};

/// A created contest.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContestCreated {
    pub id: i64,
    pub code: String,
}

/// A created round.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoundCreated {
    pub id: i64,
}

/// A contest with its rounds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContestDetail {
    #[serde(flatten)]
    pub contest: ContestView,
    pub rounds: Vec<RoundView>,
}

/// A round the caller may take, with their attempts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenRound {
    #[serde(flatten)]
    pub round: RoundView,
    pub attempts_used: i64,
    pub attempts_allowed: i64,
    /// The id of the caller's attempt in progress, if any.
    pub attempt_in_progress: Option<i64>,
}

/// A page of a round's leaderboard.
// A practice round answers `practice`, a round holding scores back `scores_hidden` and
// `message`, both without entries nor `prediction_actual`; a ranked board answers
// `prediction_actual`, null until known: hence the double `Option`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoundLeaderboard {
    pub round_id: i64,
    pub closed: bool,
    /// Present (true) for practice rounds, which are never ranked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice: Option<bool>,
    /// Present (true), with no entries, while the round holds scores back until it is
    /// settled (`score_shown = after_close`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scores_hidden: Option<bool>,
    /// Why the board is empty, when `scores_hidden`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    /// The actual value of the prediction question (ranked rounds).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub prediction_actual: Option<Option<i64>>,
    /// Ranked participants in all (of the category, when filtered).
    pub total: i64,
    pub entries: Vec<BoardEntry>,
}

impl RoundLeaderboard {
    /// A board with no entries: only its kind and its state.
    fn empty(round_id: i64, closed: bool) -> Self {
        RoundLeaderboard {
            round_id,
            closed,
            practice: None,
            scores_hidden: None,
            message: None,
            prediction_actual: None,
            total: 0,
            entries: Vec::new(),
        }
    }
}

/// A page of a contest's leaderboard.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContestLeaderboard {
    pub contest_id: i64,
    pub total: i64,
    pub entries: Vec<ContestEntry>,
}

#[utoipa::path(
    post, path = "/api/v1/contests", tag = "contests",
    request_body = crate::contest::ContestSpec,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ContestCreated),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        (status = 409, description = "The code is taken", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid fields", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/contests` → 201 `{id}`.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn create(
    organiser: Organiser,
    state: web::Data<AppState>,
    body: web::Json<ContestSpec>,
) -> Result<HttpResponse> {
    let c =
        contest::create_contest(&state.db.write, body.into_inner(), Some(organiser.0.id())).await?;
    tracing::info!(contest.id = c.id, contest.code = %c.code, "contest created");
    Ok(HttpResponse::Created().json(ContestCreated {
        id: c.id,
        code: c.code,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/contests", tag = "contests",
    responses((status = 200, description = "Every contest the caller may see (drafts: staff only), newest first", body = Vec<ContestView>))
)]
/// `GET /api/v1/contests` (public): drafts only for staff.
pub async fn list(caller: PublicCaller, state: web::Data<AppState>) -> Result<HttpResponse> {
    let contests = contest_entity::Entity::find()
        .order_by_desc(contest_entity::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let mut views = Vec::with_capacity(contests.len());
    for c in &contests {
        if caller.may_see(c).await {
            views.push(contest::contest_view(c)?);
        }
    }
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(
    patch, path = "/api/v1/contests/{id}", tag = "contests",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    request_body = crate::contest::lifecycle::ContestChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The contest as changed", body = ContestView),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "A field that can no longer change (`contest_locked`, naming `fields`), a move the life cycle forbids (`invalid_transition`), rounds not settled yet (`rounds_not_settled`, naming `rounds`), or attempts that keep it from going back to draft (`contest_has_attempts`)", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid fields, or nothing to change", body = crate::error::ErrorBody),
    )
)]
/// `PATCH /api/v1/contests/{id}` — edits a contest and moves it through its life cycle
/// (`contest::lifecycle`).
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), contest.id = *path))]
pub async fn update(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<ContestChange>,
) -> Result<HttpResponse> {
    let c = lifecycle::update_contest(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!(contest.status = ?c.status, "contest updated");
    Ok(HttpResponse::Ok().json(contest::contest_view(&c)?))
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}", tag = "contests",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    responses(
        (status = 200, description = "The contest with its rounds", body = ContestDetail),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}` (public; a draft for staff only), with its rounds.
pub async fn detail(
    caller: PublicCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let c = crate::contest::load_contest(&state.db.read, path.into_inner()).await?;
    caller.ensure_sees(&c).await?;
    let now = state.engine.now();
    let rounds = contest::round_edit::round_views(
        &state.db.read,
        &contest::rounds_of(&state.db.read, c.id).await?,
        now,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ContestDetail {
        contest: contest::contest_view(&c)?,
        rounds,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/contests/{id}/rounds", tag = "rounds",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    request_body = crate::contest::RoundSpec,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = RoundCreated),
        crate::error::JsonBodyErrors,
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "The contest is finished (`contest_locked`)", body = crate::error::ErrorBody),
        (status = 422, description = "Invalid fields, or the banks cannot fill a quota (`draw_short`)", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/contests/{id}/rounds` → 201 `{id}`; 422 `draw_short` when the banks cannot
/// fill a quota.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn create_round(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Json<RoundSpec>,
) -> Result<HttpResponse> {
    let r = contest::create_round(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        body.into_inner(),
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!(round.id = r.id, contest.id = r.contest_id, "round created");
    Ok(HttpResponse::Created().json(RoundCreated { id: r.id }))
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}", tag = "rounds",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = RoundView),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/rounds/{id}` (public; a draft contest's for staff only).
pub async fn round_detail(
    caller: PublicCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let r = attempts::load_round(&state.db.read, path.into_inner()).await?;
    visible_round(&caller, &state, &r).await?;
    Ok(HttpResponse::Ok()
        .json(contest::round_edit::round_view_full(&state.db.read, &r, state.engine.now()).await?))
}

/// Query of `GET /api/v1/rounds`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoundsQuery {
    /// `open` (the default), `upcoming`, `closed` or `all`.
    pub status: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/rounds", tag = "rounds",
    params(RoundsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rounds of the caller's category", body = Vec<OpenRound>),
        (status = 400, description = "Bad query", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/rounds?status=open` — the rounds the caller may take, with attempts used
/// and allowed: those of published and finished contests (not drafts, not archived).
pub async fn open_rounds(
    participant: Participant,
    state: web::Data<AppState>,
    query: web::Query<RoundsQuery>,
) -> Result<HttpResponse> {
    let now = state.engine.now();
    // `None` for `all`.
    let wanted = match query.status.as_deref().unwrap_or("open") {
        "all" => None,
        s => Some(
            contest::RoundStatus::ALL
                .into_iter()
                .find(|status| status.as_str() == s)
                .ok_or_else(|| {
                    AppError::bad_request(
                        "invalid_query",
                        "status phải là open, upcoming, closed hoặc all.",
                    )
                })?,
        ),
    };
    let user = &participant.0.user;
    let category = user.category_code.clone().unwrap_or_default();
    let contests = contest_entity::Entity::find().all(&state.db.read).await?;
    let mut eligible = Vec::new();
    for c in &contests {
        if lifecycle::listed(c.status) && c.categories()?.contains(&category) {
            eligible.push(c.id);
        }
    }
    let rounds = round::Entity::find()
        .filter(round::Column::ContestId.is_in(eligible))
        .order_by_asc(round::Column::OpensAt)
        .all(&state.db.read)
        .await?;
    let mine = attempt::Entity::find()
        .filter(attempt::Column::UserId.eq(user.id))
        .all(&state.db.read)
        .await?;
    let rounds: Vec<round::Model> = rounds
        .into_iter()
        .filter(|r| wanted.is_none_or(|s| contest::round_status(r, now) == s))
        .collect();
    let round_views = contest::round_edit::round_views(&state.db.read, &rounds, now).await?;
    let views: Vec<_> = rounds
        .iter()
        .zip(round_views)
        .map(|(r, round)| {
            let used = mine.iter().filter(|a| a.round_id == r.id).count();
            let in_progress = mine
                .iter()
                .find(|a| a.round_id == r.id && a.status == attempts::Status::InProgress)
                .map(|a| a.id);
            Ok(OpenRound {
                round,
                attempts_used: i64::try_from(used).unwrap_or(i64::MAX),
                attempts_allowed: i64::from(r.max_attempts),
                attempt_in_progress: in_progress,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(views))
}

/// Query of the leaderboards.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// Only this category of participants.
    pub category: Option<String>,
    /// Entries per page (1–1000, default 100).
    pub limit: Option<usize>,
    /// Entries to skip.
    pub offset: Option<usize>,
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/leaderboard", tag = "rounds",
    params(("id" = i64, Path, example = 1, description = "Round id"), BoardQuery),
    responses(
        (status = 200, description = "A page of the ranking", body = RoundLeaderboard),
        (status = 400, description = "Bad query", body = crate::error::ErrorBody),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/rounds/{id}/leaderboard` (public): names and units, never contact data.
pub async fn leaderboard(
    caller: PublicCaller,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse> {
    let r = attempts::cached_round(&state.engine, &state.db.read, path.into_inner()).await?;
    let public = visible_round(&caller, &state, &r).await?;
    let closed = contest::round_status(&r, state.engine.now()) == contest::RoundStatus::Closed;
    if r.practice {
        return Ok(HttpResponse::Ok().json(RoundLeaderboard {
            practice: Some(true),
            ..RoundLeaderboard::empty(r.id, closed)
        }));
    }
    if !contest::fairness::scores_visible(&r) {
        // Held back until the round is settled: a live board would tell each participant
        // their score (and how many answers were right) at once.
        return Ok(HttpResponse::Ok().json(RoundLeaderboard {
            scores_hidden: Some(true),
            message: Some("Bảng xếp hạng được công bố khi vòng thi kết thúc."),
            ..RoundLeaderboard::empty(r.id, closed)
        }));
    }
    let snapshot = state.engine.boards.published(&state.db.read, &r).await?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let offset = query.offset.unwrap_or(0);
    let category = query.category.as_deref();
    let key = PageCache::key(
        &format!(
            "round {} leaderboard {closed} {category:?} {limit} {offset}",
            r.id
        ),
        &[&snapshot],
    );
    let body = state
        .pages
        .json(key, &[&snapshot], || {
            let (total, entries) = boards::page(&snapshot, category, limit, offset);
            serde_json::to_vec(&RoundLeaderboard {
                prediction_actual: Some(snapshot.actual),
                total: i64::try_from(total).unwrap_or(i64::MAX),
                entries,
                ..RoundLeaderboard::empty(r.id, closed)
            })
        })
        .await?;
    Ok(respond_json(&req, &body, public))
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/units", tag = "rounds",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    responses(
        (status = 200, description = "Participation per unit", body = Vec<crate::contest::boards::UnitStats>),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/rounds/{id}/units` (public): participation per unit, rolled up the tree.
pub async fn round_units(
    caller: PublicCaller,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let r = attempts::cached_round(&state.engine, &state.db.read, path.into_inner()).await?;
    let public = visible_round(&caller, &state, &r).await?;
    let snapshot = state.engine.boards.published(&state.db.read, &r).await?;
    let visible = contest::fairness::scores_visible(&r);
    let key = PageCache::key(&format!("round {} units {visible}", r.id), &[&snapshot]);
    let body = state
        .pages
        .json(key, &[&snapshot], || {
            if visible {
                serde_json::to_vec(&snapshot.units)
            } else {
                serde_json::to_vec(&boards::without_scores(&snapshot.units))
            }
        })
        .await?;
    Ok(respond_json(&req, &body, public))
}

/// 404 unless the caller may see the round's contest (read from the engine's cache: the
/// leaderboards are contest-day hot paths); whether everyone may (a public contest, whose
/// boards shared caches may keep).
async fn visible_round(caller: &PublicCaller, state: &AppState, r: &round::Model) -> Result<bool> {
    let c = attempts::cached_contest(&state.engine, &state.db.read, r.contest_id).await?;
    caller.ensure_sees(&c).await?;
    Ok(lifecycle::visible_to(c.status, None))
}

/// The contest's round snapshots, and whether the contest is public (as [`visible_round`]).
async fn contest_snapshots(
    caller: &PublicCaller,
    state: &AppState,
    contest_id: i64,
) -> Result<(Vec<Arc<boards::Snapshot>>, bool)> {
    let c = crate::contest::load_contest(&state.db.read, contest_id).await?;
    caller.ensure_sees(&c).await?;
    let snapshots = state
        .engine
        .boards
        .contest_public(&state.db.read, contest_id)
        .await?;
    Ok((snapshots, lifecycle::visible_to(c.status, None)))
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/leaderboard", tag = "contests",
    params(("id" = i64, Path, example = 1, description = "Contest id"), BoardQuery),
    responses(
        (status = 200, description = "A page of the contest ranking", body = ContestLeaderboard),
        (status = 400, description = "Bad query", body = crate::error::ErrorBody),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/leaderboard` (public): sum of best round scores, then time.
pub async fn contest_leaderboard(
    caller: PublicCaller,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse> {
    let contest_id = path.into_inner();
    let (snapshots, public) = contest_snapshots(&caller, &state, contest_id).await?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let offset = query.offset.unwrap_or(0);
    let category = query.category.as_deref();
    let parts: Vec<&boards::Snapshot> = snapshots.iter().map(|s| s.as_ref()).collect();
    let key = PageCache::key(
        &format!("contest {contest_id} leaderboard {category:?} {limit} {offset}"),
        &parts,
    );
    // The ranking over every round is computed once per set of snapshots, not per read.
    let body = state
        .pages
        .json(key, &parts, || {
            let all = boards::contest_ranking(&snapshots, category);
            let total = all.len();
            let entries: Vec<_> = all.into_iter().skip(offset).take(limit).collect();
            serde_json::to_vec(&ContestLeaderboard {
                contest_id,
                total: i64::try_from(total).unwrap_or(i64::MAX),
                entries,
            })
        })
        .await?;
    Ok(respond_json(&req, &body, public))
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/units", tag = "contests",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    responses(
        (status = 200, description = "Participation per unit over the contest", body = Vec<crate::contest::boards::UnitStats>),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/units` (public): per unit over the contest — a participant
/// counts once, with their best round.
pub async fn contest_units(
    caller: PublicCaller,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let contest_id = path.into_inner();
    let (snapshots, public) = contest_snapshots(&caller, &state, contest_id).await?;
    let parts: Vec<&boards::Snapshot> = snapshots.iter().map(|s| s.as_ref()).collect();
    let key = PageCache::key(&format!("contest {contest_id} units"), &parts);
    // The unit list is read when the body is made (once per set of snapshots, not per
    // request); a unit imported meanwhile shows with the next snapshot.
    let body = state
        .pages
        .json_with(key, &parts, || async {
            let units = crate::entities::unit::Entity::find()
                .all(&state.db.read)
                .await?;
            serde_json::to_vec(&boards::contest_unit_stats(&units, &snapshots))
                .map_err(|e| AppError::from(anyhow::Error::from(e)))
        })
        .await?;
    Ok(respond_json(&req, &body, public))
}
