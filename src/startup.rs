//! Building the application: database, migrations, state, and the HTTP server bound to
//! its listener. Tests and production take this one path; port 0 works.

use crate::db::OneByKey;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::KeepAlive;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use base64::Engine;
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use crate::accounts::password::Hasher;
use crate::accounts::sessions::RevokedSessions;
use crate::accounts::throttle::AuthThrottle;
use crate::accounts::token::TokenKeys;
use crate::cache::TtlCache;
use crate::contest::Engine as ContestEngine;
use crate::contest::attempts;
use crate::contest::boards::Boards;
use crate::contest::pool::Pools;
use crate::contest::writer::AnswerWriter;
use crate::db::{self, Db};
use crate::entities::app_setting;
use crate::settings::Settings;
use crate::state::AppState;

const JWT_SECRET_KEY: &str = "jwt_secret";

/// The JWT secret: `CUOCTHI_JWT_SECRET` when set, else one generated on first start and
/// kept in the database, so a restart (or a second instance) keeps sessions valid.
async fn jwt_secret<C: ConnectionTrait>(
    db: &C,
    configured: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = configured {
        anyhow::ensure!(
            secret.len() >= 32,
            "CUOCTHI_JWT_SECRET must be at least 32 bytes"
        );
        return Ok(secret.as_bytes().to_vec());
    }
    let mut random = [0u8; 48];
    rand::rng().fill_bytes(&mut random);
    let fresh = base64::engine::general_purpose::STANDARD.encode(random);
    // Insert-if-absent, then read back: concurrent first starts agree on one secret.
    app_setting::Entity::insert(app_setting::ActiveModel {
        key: Set(JWT_SECRET_KEY.to_owned()),
        value: Set(fresh),
    })
    .on_conflict(
        OnConflict::column(app_setting::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .context("Failed to store the JWT secret")?;
    let stored = app_setting::Entity::find_by_id(JWT_SECRET_KEY.to_owned())
        .one_by_key(db)
        .await?
        .context("The JWT secret is missing after being stored")?;
    Ok(stored.value.into_bytes())
}

/// Builds the shared state: connects, migrates, loads keys.
pub async fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    let db = db::connect_and_migrate(&settings.database_url).await?;
    state_for(db, settings).await
}

/// The shared state over an already migrated database.
pub async fn state_for(db: Db, settings: Settings) -> anyhow::Result<AppState> {
    let filled = crate::accounts::participants::backfill_search_names(&db.write)
        .await
        .map_err(|e| anyhow::anyhow!("Failed to fill the search names: {e}"))?;
    if filled > 0 {
        tracing::info!(filled, "search names filled for older accounts");
    }
    let secret = jwt_secret(
        &db.write,
        settings
            .jwt_secret
            .as_ref()
            .map(ExposeSecret::expose_secret),
    )
    .await?;
    let tokens = TokenKeys::new(&secret, settings.token_ttl)?;
    crate::metrics::handle();
    let concurrency = settings.hash_concurrency;
    let hasher = tokio::task::spawn_blocking(move || Hasher::new(concurrency)).await??;
    let engine = Arc::new(ContestEngine {
        pools: Pools::new(std::time::Duration::from_secs(2)),
        writer: AnswerWriter::start(db.write.clone()),
        boards: Boards::new(settings.board_staleness),
        grace: chrono::Duration::from_std(settings.grace).context("grace period out of range")?,
        clock: Default::default(),
        live: crate::cache::TtlCache::new(attempts::LIVE_TTL, 20_000),
        rounds: crate::cache::TtlCache::new(settings.board_staleness, 10_000),
        contests: crate::cache::TtlCache::new(settings.board_staleness, 1_000),
        // A few seconds (five times the boards' staleness; none in tests).
        dashboard: crate::cache::TtlCache::new(settings.board_staleness.saturating_mul(5), 4),
        starts: crate::ratelimit::Limiter::new(
            settings.start_limit_per_minute,
            std::time::Duration::from_secs(60),
        ),
    });
    let throttle = Arc::new(AuthThrottle::new(&settings.auth_limits));
    // Readiness is checked once a second (every time in tests, which run without caches).
    let ready = Arc::new(crate::web::api::health::ReadyCache::new(
        if settings.board_staleness.is_zero() {
            std::time::Duration::ZERO
        } else {
            std::time::Duration::from_secs(1)
        },
    ));
    let pages = Arc::new(crate::web::cached::PageCache::new(settings.board_staleness));
    Ok(AppState {
        db,
        pages,
        settings,
        hasher,
        tokens,
        engine,
        users: Arc::new(TtlCache::new(crate::web::extract::USER_CACHE_TTL, 100_000)),
        throttle,
        sessions: Arc::new(RevokedSessions::new(crate::web::extract::USER_CACHE_TTL)),
        site: Arc::new(TtlCache::new(crate::site::SITE_CACHE_TTL, 1)),
        categories: Arc::new(TtlCache::new(crate::state::CATEGORIES_TTL, 1)),
        media: Arc::new(crate::web::media::MediaCache::new(
            crate::web::media::MEDIA_CACHE_BYTES,
        )),
        ready,
    })
}

/// Binds `addr` with an accept queue of `backlog` connections (`std::net::TcpListener`
/// always asks for 128, which a contest's 09:00 burst overflows). As std does, the address
/// is reusable at once after a restart.
pub fn listen(addr: std::net::SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

/// A built application: the server, not yet awaited, and where it listens.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects, migrates, binds `settings.bind`, and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let state = build_state(settings).await?;
        Self::with_state(state)
    }

    /// Binds and builds the server around an existing state.
    pub fn with_state(state: AppState) -> anyhow::Result<Self> {
        let listener = listen(state.settings.bind, state.settings.listen_backlog)
            .with_context(|| format!("Failed to bind {}", state.settings.bind))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state.clone());
        let timeouts = state.settings.timeouts.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(crate::web::pages::error_layout))
                .wrap(from_fn(crate::web::compress::compress))
                .wrap(from_fn(crate::metrics::track))
                .wrap(from_fn(crate::web::timeout::body_timeout))
                .wrap(crate::web::security::headers())
                .wrap(TracingLogger::<crate::web::RequestSpan>::new())
                .app_data(data.clone())
                .configure(crate::web::configure)
        })
        .workers(state.settings.workers)
        // Slow clients (issue #8): a head must arrive in time, idle connections close,
        // and a stalled body is cut off by `web::timeout`.
        .client_request_timeout(timeouts.header)
        .client_disconnect_timeout(timeouts.disconnect)
        .keep_alive(KeepAlive::Timeout(timeouts.keep_alive))
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        crate::contest::sweeper::spawn_sweeper(
            state.engine.clone(),
            state.db.write.clone(),
            state.settings.sweep_every,
        );
        Ok(Application {
            port,
            server,
            state,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (database handles, keys).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the server stops (SIGINT/SIGTERM stop it gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

#[cfg(test)]
mod tests {
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    #[test]
    fn the_listener_holds_a_burst_of_connections_longer_than_std_s_backlog() {
        // Nobody accepts: every connection must wait in the accept queue. With std's
        // backlog of 128 the kernel drops the SYNs beyond it and these connects time out.
        let listener = super::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 1024).unwrap();
        let addr = listener.local_addr().unwrap();
        let held: Vec<TcpStream> = (0..600)
            .map(|i| {
                TcpStream::connect_timeout(&addr, Duration::from_millis(500))
                    .unwrap_or_else(|e| panic!("connection {i} was not queued: {e}"))
            })
            .collect();
        assert_eq!(held.len(), 600);
    }
}
