//! Leaderboards and unit tables, served from per-round snapshots.
//!
//! `standings` holds one row per participant and round (their best attempt), maintained as
//! attempts finish. A snapshot loads a round's standings once, ranks them with
//! [`ranking::rank`], and aggregates them per unit; requests then only slice it, so a read
//! costs the same at 100 and at 100,000 attempts. Snapshots are rebuilt when older than
//! the configured staleness (default 1 s; stated in the README), by one request at a time
//! while others keep reading the previous one — and that bound also covers changes made
//! by another app instance.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, Statement,
};
use serde::Serialize;

use super::ranking::{self, Standing};
use crate::entities::{round, unit};

pub use super::unit_stats::{UnitStats, contest_unit_stats, unit_stats, without_scores};
use crate::error::Result;

/// One ranked participant as the public sees them: name and unit, never contact data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardEntry {
    pub rank: usize,
    #[serde(skip)]
    pub user_id: i64,
    /// The counted attempt (for judges; not published).
    #[serde(skip)]
    pub attempt_id: i64,
    pub name: String,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub category: String,
    pub score: i32,
    pub max_score: i32,
    pub time_taken_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction_diff: Option<i64>,
    #[serde(skip)]
    pub submitted_at: DateTime<Utc>,
    #[serde(skip)]
    pub attempts_used: i32,
    #[serde(skip)]
    pub unit_id: Option<i64>,
}

/// A ranked round, ready to slice.
#[derive(Debug)]
pub struct Snapshot {
    pub built: Instant,
    /// Unique to this build within the process: what caches of pages rendered from a
    /// snapshot key on (see `web::cached`).
    pub id: u64,
    /// When it was built, by the wall clock (the boards' `Last-Modified`).
    pub built_at: std::time::SystemTime,
    /// The whole round in ranking order.
    pub entries: Vec<BoardEntry>,
    pub units: Vec<UnitStats>,
    pub actual: Option<i64>,
}

/// A new snapshot id.
fn next_snapshot_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Snapshot {
    /// A snapshot of a round nobody has finished (for tests of what reads snapshots).
    #[cfg(test)]
    pub(crate) fn empty() -> Self {
        Snapshot {
            built: Instant::now(),
            id: next_snapshot_id(),
            built_at: std::time::SystemTime::now(),
            entries: Vec::new(),
            units: Vec::new(),
            actual: None,
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct Row {
    user_id: i64,
    attempt_id: i64,
    category_code: String,
    unit_id: Option<i64>,
    score: i32,
    max_score: i32,
    time_taken_ms: i64,
    submitted_at: DateTime<Utc>,
    prediction: Option<i64>,
    attempts_used: i32,
    full_name: String,
}

type SnapshotMap = Arc<Mutex<HashMap<i64, Arc<Snapshot>>>>;

/// The snapshot cache.
pub struct Boards {
    staleness: Duration,
    snapshots: SnapshotMap,
    building: Arc<tokio::sync::Mutex<()>>,
    /// Bumped by every invalidation: a rebuild that started before it does not publish.
    generation: Arc<AtomicU64>,
}

/// Loads and ranks a round's standings.
async fn build<C: ConnectionTrait>(db: &C, round: &round::Model) -> Result<Snapshot> {
    let began = Instant::now();
    let snapshot = build_unmeasured(db, round).await;
    crate::metrics::observe_since("cuocthi_board_rebuild_duration_seconds", began);
    snapshot
}

async fn build_unmeasured<C: ConnectionTrait>(db: &C, round: &round::Model) -> Result<Snapshot> {
    let backend = db.get_database_backend();
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        standings_sql(backend),
        [round.id.into()],
    ))
    .all(db)
    .await?;
    let actual = round.prediction_actual;
    let mut by_user: HashMap<i64, Row> = HashMap::with_capacity(rows.len());
    let standings: Vec<Standing> = rows
        .into_iter()
        .map(|r| {
            let s = Standing {
                user_id: r.user_id,
                attempt_id: r.attempt_id,
                score: r.score,
                time_taken_ms: r.time_taken_ms,
                submitted_at: r.submitted_at,
                prediction: r.prediction,
            };
            by_user.insert(r.user_id, r);
            s
        })
        .collect();
    let units = unit::Entity::find().all(db).await?;
    let unit_by_id: HashMap<i64, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let entries: Vec<BoardEntry> = ranking::rank(standings, actual)
        .into_iter()
        .filter_map(|(rank, s)| {
            let r = by_user.remove(&s.user_id)?;
            let unit = r.unit_id.and_then(|id| unit_by_id.get(&id));
            Some(BoardEntry {
                rank,
                user_id: r.user_id,
                attempt_id: r.attempt_id,
                name: r.full_name,
                unit_code: unit.map(|u| u.code.clone()),
                unit_name: unit.map(|u| u.name.clone()),
                category: r.category_code,
                score: r.score,
                max_score: r.max_score,
                time_taken_ms: r.time_taken_ms,
                prediction: if actual.is_some() { r.prediction } else { None },
                prediction_diff: ranking::prediction_diff(r.prediction, actual),
                submitted_at: r.submitted_at,
                attempts_used: r.attempts_used,
                unit_id: r.unit_id,
            })
        })
        .collect();
    let unit_rows = unit_stats(&units, &entries);
    Ok(Snapshot {
        built: Instant::now(),
        id: next_snapshot_id(),
        built_at: std::time::SystemTime::now(),
        entries,
        units: unit_rows,
        actual,
    })
}

/// Whether a public read may be served a snapshot of this age: `None` — rebuild it first;
/// `Some(rebuild)` — serve it, and rebuild it in the background if `rebuild`. Fresh within
/// the staleness, served while rebuilt up to twice the staleness (so a snapshot is never
/// older than that), rebuilt first beyond (a quiet round). A zero staleness never serves a
/// cached snapshot.
fn serve_cached(age: Duration, staleness: Duration) -> Option<bool> {
    if age < staleness {
        Some(false)
    } else if age < 2 * staleness {
        Some(true)
    } else {
        None
    }
}

/// Publishes a snapshot unless an invalidation happened since its rebuild started.
fn publish(
    map: &SnapshotMap,
    generation: &AtomicU64,
    started: u64,
    round_id: i64,
    s: Arc<Snapshot>,
) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if generation.load(Ordering::SeqCst) == started {
        map.insert(round_id, s);
    }
}

fn standings_sql(backend: DbBackend) -> String {
    crate::db::placeholders(
        backend,
        "SELECT s.user_id, s.attempt_id, s.category_code, s.unit_id, s.score, s.max_score, \
         s.time_taken_ms, s.submitted_at, s.prediction, s.attempts_used, u.full_name \
         FROM standings s JOIN users u ON u.id = s.user_id \
         WHERE s.round_id = ?1 AND u.voided = false",
    )
}

impl Boards {
    /// A cache whose snapshots live `staleness` at most.
    pub fn new(staleness: Duration) -> Self {
        Boards {
            staleness,
            snapshots: Arc::new(Mutex::new(HashMap::new())),
            building: Arc::new(tokio::sync::Mutex::new(())),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    fn cached(&self, round_id: i64) -> Option<Arc<Snapshot>> {
        self.snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&round_id)
            .cloned()
    }

    /// The age of the oldest snapshot held (`None`: none is held).
    pub fn oldest_age(&self) -> Option<Duration> {
        self.snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|s| s.built.elapsed())
            .max()
    }

    /// Drops a round's snapshot (after a change on this instance that must show at once,
    /// such as closing the round or voiding a participant).
    pub fn invalidate(&self, round_id: Option<i64>) {
        let mut map = self.snapshots.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        match round_id {
            Some(id) => {
                map.remove(&id);
            }
            None => map.clear(),
        }
    }

    /// The snapshots the public contest ranking sums: each ranked round's, once its
    /// scores may be shown (a round holding them back counts once it is settled). The
    /// contest-wide JSON board, unit table and HTML page read these.
    pub async fn contest_public<C: ConnectionTrait>(
        &self,
        db: &C,
        contest_id: i64,
    ) -> Result<Vec<Arc<Snapshot>>> {
        let mut out = Vec::new();
        for r in super::rounds_of(db, contest_id).await? {
            if !r.practice && super::fairness::scores_visible(&r) {
                out.push(self.snapshot(db, &r).await?);
            }
        }
        Ok(out)
    }

    /// The round's snapshot, rebuilt if older than the staleness bound.
    pub async fn snapshot<C: ConnectionTrait>(
        &self,
        db: &C,
        round: &round::Model,
    ) -> Result<Arc<Snapshot>> {
        let cached = self.cached(round.id);
        if let Some(s) = &cached
            && s.built.elapsed() < self.staleness
            && s.actual == round.prediction_actual
        {
            return Ok(s.clone());
        }
        // One rebuild at a time; others keep reading the previous snapshot meanwhile.
        let guard = match (&cached, self.building.try_lock()) {
            (_, Ok(guard)) => guard,
            (Some(s), Err(_)) => return Ok(s.clone()),
            (None, Err(_)) => self.building.lock().await,
        };
        let started = self.generation.load(Ordering::SeqCst);
        let snapshot = Arc::new(build(db, round).await?);
        publish(
            &self.snapshots,
            &self.generation,
            started,
            round.id,
            snapshot.clone(),
        );
        drop(guard);
        Ok(snapshot)
    }

    /// The round's snapshot for public reads (leaderboards, unit tables under load): a
    /// snapshot past the staleness bound is still served while one background task
    /// rebuilds it, so no reader waits for a rebuild — unless it is older than twice the
    /// bound (a quiet round), which is rebuilt first as [`Boards::snapshot`] does.
    pub async fn published(
        &self,
        db: &DatabaseConnection,
        round: &round::Model,
    ) -> Result<Arc<Snapshot>> {
        if let Some(s) = self.cached(round.id)
            && s.actual == round.prediction_actual
            && let Some(rebuild) = serve_cached(s.built.elapsed(), self.staleness)
        {
            crate::metrics::cache_lookup("board_snapshot", true);
            if rebuild && let Ok(guard) = self.building.clone().try_lock_owned() {
                let (db, round) = (db.clone(), round.clone());
                let (map, generation) = (self.snapshots.clone(), self.generation.clone());
                let started = generation.load(Ordering::SeqCst);
                tokio::spawn(async move {
                    match build(&db, &round).await {
                        Ok(fresh) => publish(&map, &generation, started, round.id, Arc::new(fresh)),
                        Err(e) => {
                            tracing::warn!(round.id = round.id, error = %e, "a leaderboard rebuild failed")
                        }
                    }
                    drop(guard);
                });
            }
            return Ok(s);
        }
        crate::metrics::cache_lookup("board_snapshot", false);
        self.snapshot(db, round).await
    }
}

/// Entries of one category (or all), re-ranked 1, 2, 3… within it, then paged.
pub fn page(
    snapshot: &Snapshot,
    category: Option<&str>,
    limit: usize,
    offset: usize,
) -> (usize, Vec<BoardEntry>) {
    let filtered = snapshot
        .entries
        .iter()
        .filter(|e| category.is_none_or(|c| e.category == c));
    let mut total = 0;
    let mut out = Vec::with_capacity(limit.min(1000));
    for (i, e) in filtered.enumerate() {
        total += 1;
        if i >= offset && out.len() < limit {
            let mut e = e.clone();
            e.rank = i + 1;
            out.push(e);
        }
    }
    (total, out)
}

/// A contest-wide standing: the sum of best round scores and of their times, ranked by
/// [`ranking::compare_contest`].
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContestEntry {
    pub rank: usize,
    /// The participant (for exports; not published).
    #[serde(skip)]
    pub user_id: i64,
    pub name: String,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub category: String,
    pub score: i64,
    pub max_score: i64,
    pub time_taken_ms: i64,
    pub rounds: usize,
}

/// Combines round snapshots into the contest ranking.
pub fn contest_ranking(snapshots: &[Arc<Snapshot>], category: Option<&str>) -> Vec<ContestEntry> {
    let mut acc: BTreeMap<i64, ContestEntry> = BTreeMap::new();
    for snap in snapshots {
        for e in &snap.entries {
            if category.is_some_and(|c| e.category != c) {
                continue;
            }
            let entry = acc.entry(e.user_id).or_insert_with(|| ContestEntry {
                rank: 0,
                user_id: e.user_id,
                name: e.name.clone(),
                unit_code: e.unit_code.clone(),
                unit_name: e.unit_name.clone(),
                category: e.category.clone(),
                score: 0,
                max_score: 0,
                time_taken_ms: 0,
                rounds: 0,
            });
            entry.score += i64::from(e.score);
            entry.max_score += i64::from(e.max_score);
            entry.time_taken_ms += e.time_taken_ms;
            entry.rounds += 1;
        }
    }
    let total = |e: &ContestEntry| ranking::ContestTotal {
        user_id: e.user_id,
        score: e.score,
        time_taken_ms: e.time_taken_ms,
    };
    let mut list: Vec<ContestEntry> = acc.into_values().collect();
    list.sort_by(|a, b| ranking::compare_contest(&total(a), &total(b)));
    list.into_iter()
        .enumerate()
        .map(|(i, mut e)| {
            e.rank = i + 1;
            e
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_snapshot() -> Arc<Snapshot> {
        Arc::new(Snapshot::empty())
    }

    #[test]
    fn a_published_snapshot_is_served_fresh_then_while_rebuilt_then_rebuilt_first() {
        let second = Duration::from_secs(1);
        let ms = Duration::from_millis;
        assert_eq!(serve_cached(ms(0), second), Some(false));
        assert_eq!(serve_cached(ms(999), second), Some(false));
        assert_eq!(serve_cached(ms(1000), second), Some(true));
        assert_eq!(serve_cached(ms(1999), second), Some(true));
        assert_eq!(serve_cached(ms(2000), second), None);
        assert_eq!(
            serve_cached(ms(0), Duration::ZERO),
            None,
            "tests run without caching"
        );
    }

    #[test]
    fn a_rebuild_started_before_an_invalidation_is_not_published() {
        let boards = Boards::new(Duration::from_secs(1));
        let started = boards.generation.load(Ordering::SeqCst);
        boards.invalidate(Some(7));
        publish(
            &boards.snapshots,
            &boards.generation,
            started,
            7,
            empty_snapshot(),
        );
        assert!(
            boards.cached(7).is_none(),
            "it read the data before the change"
        );
        let started = boards.generation.load(Ordering::SeqCst);
        publish(
            &boards.snapshots,
            &boards.generation,
            started,
            7,
            empty_snapshot(),
        );
        assert!(boards.cached(7).is_some());
    }
}
