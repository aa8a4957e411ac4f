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
    /// The site's identity (organiser, province, hotline), read by every page.
    pub site: Arc<TtlCache<(), crate::site::SiteInfo>>,
    /// The participant categories (the app never changes them: a migration seeds them),
    /// read by every board page.
    pub categories: Arc<TtlCache<(), Vec<crate::entities::category::Model>>>,
    /// Public pages rendered once per board snapshot (see `web::cached`).
    pub pages: Arc<crate::web::cached::PageCache>,
    /// The last `/readyz` answer (see `web::api::health`).
    pub ready: Arc<crate::web::api::health::ReadyCache>,
    /// Pictures of questions served lately (see `web::media`).
    pub media: Arc<crate::web::media::MediaCache>,
}

impl AppState {
    /// The site's identity, at most [`crate::site::SITE_CACHE_TTL`] old.
    pub async fn site(&self) -> crate::error::Result<Arc<crate::site::SiteInfo>> {
        self.site
            .get_or_load((), || crate::site::load(&self.db.read))
            .await
    }

    /// The participant categories in their order, at most [`CATEGORIES_TTL`] old (the
    /// board pages read them on every request).
    pub async fn categories(
        &self,
    ) -> crate::error::Result<Arc<Vec<crate::entities::category::Model>>> {
        self.categories
            .get_or_load((), || crate::accounts::categories(&self.db.read))
            .await
    }
}

/// How long the categories are kept: nothing in the app changes them, so this only bounds
/// how long a change made in the database by hand takes to show.
pub const CATEGORIES_TTL: std::time::Duration = std::time::Duration::from_secs(60);
