//! The one application state value shared by every handler.

use std::sync::Arc;

use crate::accounts::password::Hasher;
use crate::accounts::sessions::RevokedSessions;
use crate::accounts::throttle::AuthThrottle;
use crate::accounts::token::TokenKeys;
use crate::cache::TtlCache;
use crate::contest::SharedEngine;
use crate::db::Db;
use crate::entities::user;
use crate::settings::Settings;

/// Everything a handler may need, behind one `web::Data`.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Settings,
    pub hasher: Hasher,
    pub tokens: TokenKeys,
    pub engine: SharedEngine,
    /// Signed-in users by id, for the auth check (see `web::extract`). Whoever changes a
    /// user row removes it here.
    pub users: Arc<TtlCache<i64, user::Model>>,
    /// Rate limits of logins and registrations.
    pub throttle: Arc<AuthThrottle>,
    /// Sessions ended by logging out (see `accounts::sessions`).
    pub sessions: Arc<RevokedSessions>,
    /// Public pages rendered once per board snapshot (see `web::cached`).
    pub pages: Arc<crate::web::cached::PageCache>,
    /// The last `/readyz` answer (see `web::api::health`).
    pub ready: Arc<crate::web::api::health::ReadyCache>,
}
