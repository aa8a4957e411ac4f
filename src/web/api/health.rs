//! Liveness and readiness, for the load balancer and the process supervisor.
//!
//! `GET /healthz` says the process is alive and serving: it does no I/O at all, so a
//! liveness probe costs less than any page and never restarts a server whose database is
//! merely slow. `GET /readyz` says the instance can take traffic: the database answers,
//! every migration is applied and the answer writer is running — checked at most once a
//! second, so a probe every few milliseconds still costs one query a second.

use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use migration::MigratorTrait;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::error::ErrorDetail;
use crate::state::AppState;

/// `GET /healthz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

#[utoipa::path(
    get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The process is alive (no I/O is done)", body = Health))
)]
/// 200 while the process serves requests; touches neither the database nor the disk.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Health { status: "ok" })
}

/// What `/readyz` checked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReadyChecks {
    /// The database answers a query.
    pub database: bool,
    /// No migration is pending (a newer binary against an older schema is not ready).
    pub migrations: bool,
    /// The answer writer's task is running.
    pub writer: bool,
}

/// `GET /readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: &'static str,
    pub checks: ReadyChecks,
    /// What is wrong (503 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

impl Readiness {
    fn of(checks: ReadyChecks) -> Self {
        let error = if !checks.database {
            Some(("database_unavailable", "Cơ sở dữ liệu không phản hồi."))
        } else if !checks.migrations {
            Some((
                "migrations_pending",
                "Cơ sở dữ liệu chưa được cập nhật lên phiên bản mới nhất.",
            ))
        } else if !checks.writer {
            Some((
                "writer_stopped",
                "Bộ ghi bài làm đã dừng, máy chủ không nhận bài.",
            ))
        } else {
            None
        };
        Readiness {
            status: if error.is_none() {
                "ready"
            } else {
                "unavailable"
            },
            checks,
            error: error.map(|(code, message)| ErrorDetail::new(code, message)),
        }
    }
}

/// The last readiness answer and when it was computed.
pub struct ReadyCache {
    ttl: Duration,
    last: tokio::sync::Mutex<Option<(Instant, ReadyChecks)>>,
}

impl ReadyCache {
    /// Answers are reused for `ttl` (zero: checked on every call, as tests want).
    pub fn new(ttl: Duration) -> Self {
        ReadyCache {
            ttl,
            last: tokio::sync::Mutex::new(None),
        }
    }
}

async fn check(state: &AppState) -> ReadyChecks {
    let database = state.db.read.execute_unprepared("SELECT 1").await.is_ok()
        && state.db.write.execute_unprepared("SELECT 1").await.is_ok();
    let migrations = database
        && migration::Migrator::get_pending_migrations(&state.db.write)
            .await
            .is_ok_and(|pending| pending.is_empty());
    let writer = state.engine.writer.running();
    ReadyChecks {
        database,
        migrations,
        writer,
    }
}

#[utoipa::path(
    get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready: database reachable, migrations applied, writer running", body = Readiness),
        (status = 503, description = "Not ready; `checks` says why", body = Readiness),
    )
)]
/// 200 when this instance can take traffic, 503 otherwise; computed at most once a second
/// (callers arriving together wait for one check).
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let cache = &state.ready;
    let mut last = cache.last.lock().await;
    let fresh = last
        .as_ref()
        .filter(|(at, _)| !cache.ttl.is_zero() && at.elapsed() < cache.ttl);
    let checks = match fresh {
        Some((_, checks)) => checks.clone(),
        None => {
            let checks = check(&state).await;
            *last = Some((Instant::now(), checks.clone()));
            checks
        }
    };
    drop(last);
    let readiness = Readiness::of(checks);
    if readiness.error.is_some() {
        tracing::warn!(checks = ?readiness.checks, "not ready");
    }
    let mut response = if readiness.error.is_none() {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(readiness)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_names_the_first_failed_check() {
        let all = ReadyChecks {
            database: true,
            migrations: true,
            writer: true,
        };
        assert_eq!(Readiness::of(all.clone()).status, "ready");
        assert!(Readiness::of(all.clone()).error.is_none());
        let code = |checks: ReadyChecks| Readiness::of(checks).error.unwrap().code;
        assert_eq!(
            code(ReadyChecks {
                database: false,
                migrations: false,
                ..all.clone()
            }),
            "database_unavailable"
        );
        assert_eq!(
            code(ReadyChecks {
                migrations: false,
                ..all.clone()
            }),
            "migrations_pending"
        );
        assert_eq!(
            code(ReadyChecks {
                writer: false,
                ..all
            }),
            "writer_stopped"
        );
    }
}
