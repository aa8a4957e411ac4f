//! What operators watch on contest day, in Prometheus text format (`GET /metrics`).
//!
//! Recorded through the `metrics` facade wherever things happen (the HTTP middleware
//! [`track`], the answer writer, the boards, the password hasher); values that are a state
//! rather than events (attempts in progress, the writer's queue, board age, pool use) are
//! read when `/metrics` is scraped ([`scrape_gauges`]). Names and the alerts to set on them
//! are listed in the README ("Operations: metrics").
//!
//! Labels are bounded: routes are the route table's patterns (`/rounds/{id}/leaderboard`),
//! never raw paths, and statuses are classes (`2xx` … `5xx`).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds: 1 ms to 10 s (the targets are 20 ms and 100 ms).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Jobs per writer group (1 to its maximum, 512).
const GROUP_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: several app instances
/// in one test process share it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("cuocthi_writer_group_jobs".into()),
                    GROUP_BUCKETS,
                )
            })
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed: /metrics stays empty");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "cuocthi_http_requests_total",
        "HTTP requests by route pattern, method and status class"
    );
    describe_histogram!(
        "cuocthi_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request latency by route pattern and method"
    );
    describe_counter!(
        "cuocthi_rate_limit_refusals_total",
        "Requests refused with 429 by a rate limit, by route pattern"
    );
    describe_counter!("cuocthi_attempts_started_total", "New attempts committed");
    describe_counter!(
        "cuocthi_attempts_finalised_total",
        "Attempts finalised (submitted or expired) and scored"
    );
    describe_gauge!(
        "cuocthi_attempts_in_progress",
        "Attempts in progress (read at scrape time)"
    );
    describe_counter!(
        "cuocthi_answers_saved_total",
        "Answer saves committed (acknowledged with 200)"
    );
    describe_gauge!(
        "cuocthi_writer_queue_depth",
        "Jobs waiting for the answer writer"
    );
    describe_histogram!(
        "cuocthi_writer_group_jobs",
        "Jobs committed together in one writer transaction"
    );
    describe_histogram!(
        "cuocthi_writer_commit_duration_seconds",
        Unit::Seconds,
        "Time to commit one writer group"
    );
    describe_histogram!(
        "cuocthi_board_rebuild_duration_seconds",
        Unit::Seconds,
        "Time to rebuild one round's leaderboard snapshot"
    );
    describe_gauge!(
        "cuocthi_board_age_seconds",
        Unit::Seconds,
        "Age of the oldest leaderboard snapshot held"
    );
    describe_counter!(
        "cuocthi_cache_requests_total",
        "Cache lookups by cache and result (hit or miss)"
    );
    describe_histogram!(
        "cuocthi_argon2_queue_wait_seconds",
        Unit::Seconds,
        "Time a password hash waited for a free hashing slot"
    );
    describe_gauge!(
        "cuocthi_db_pool_connections",
        "Database pool connections by pool (read, write) and state (in_use, idle)"
    );
}

/// A cache lookup's result.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    metrics::counter!(
        "cuocthi_cache_requests_total",
        "cache" => cache,
        "result" => if hit { "hit" } else { "miss" }
    )
    .increment(1);
}

/// Time since `began`, in seconds, into histogram `name`.
pub fn observe_since(name: &'static str, began: Instant) {
    metrics::histogram!(name).record(began.elapsed().as_secs_f64());
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The middleware: counts and times every request by its route pattern.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let began = Instant::now();
    let method = req.method().as_str().to_owned();
    let res = next.call(req).await;
    let (route, status) = match &res {
        Ok(r) => (r.request().match_pattern(), r.status().as_u16()),
        Err(e) => (None, e.as_response_error().status_code().as_u16()),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    if status == 429 {
        metrics::counter!("cuocthi_rate_limit_refusals_total", "route" => route.clone())
            .increment(1);
    }
    metrics::counter!(
        "cuocthi_http_requests_total",
        "route" => route.clone(),
        "method" => method.clone(),
        "status" => status_class(status)
    )
    .increment(1);
    metrics::histogram!(
        "cuocthi_http_request_duration_seconds",
        "route" => route,
        "method" => method
    )
    .record(began.elapsed().as_secs_f64());
    res
}

/// Sets the gauges that are states, read now: attempts in progress, the writer's queue,
/// the oldest board's age, the database pools.
pub async fn scrape_gauges(state: &crate::state::AppState) {
    use crate::entities::attempt;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    if let Ok(n) = attempt::Entity::find()
        .filter(attempt::Column::Status.eq(attempt::Status::InProgress))
        .count(&state.db.read)
        .await
    {
        metrics::gauge!("cuocthi_attempts_in_progress").set(n as f64);
    }
    metrics::gauge!("cuocthi_writer_queue_depth").set(state.engine.writer.queued() as f64);
    metrics::gauge!("cuocthi_board_age_seconds").set(
        state
            .engine
            .boards
            .oldest_age()
            .unwrap_or(Duration::ZERO)
            .as_secs_f64(),
    );
    for (name, conn) in [("read", &state.db.read), ("write", &state.db.write)] {
        let (size, idle) = pool_use(conn);
        metrics::gauge!("cuocthi_db_pool_connections", "pool" => name, "state" => "in_use")
            .set(size.saturating_sub(idle) as f64);
        metrics::gauge!("cuocthi_db_pool_connections", "pool" => name, "state" => "idle")
            .set(idle as f64);
    }
}

/// (connections open, of which idle) of a pool.
fn pool_use(conn: &sea_orm::DatabaseConnection) -> (u32, u32) {
    match conn.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            let pool = conn.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => {
            let pool = conn.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_counted_by_class() {
        assert_eq!(status_class(200), "2xx");
        assert_eq!(status_class(304), "3xx");
        assert_eq!(status_class(429), "4xx");
        assert_eq!(status_class(503), "5xx");
    }
}
