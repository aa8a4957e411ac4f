//! Who is calling: the signed-in user, and role guards as extractors, so a handler's
//! signature says who may call it (anonymous → 401, wrong role → 403). Pages use the same
//! guards through `pages::PageCtx<G>` ([`Guard`]), so "who may read contest data" is
//! written once for the API and the pages.

use crate::db::OneByKey;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::DateTime;
use sea_orm::EntityTrait;

use crate::accounts::Role;
use crate::contest::lifecycle;
use crate::entities::contest;
use crate::entities::user;
use crate::error::AppError;
use crate::state::AppState;

/// The cookie that carries the login token for browser pages.
pub const TOKEN_COOKIE: &str = "cuocthi_token";

/// Any signed-in user whose token is valid and current.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user as read at most [`USER_CACHE_TTL`] ago (at once after a change made
    /// through this instance).
    pub user: Arc<user::Model>,
    pub role: Role,
    /// The login session of the token presented; `None` for a token issued before
    /// sessions existed.
    pub session: Option<Session>,
}

pub use crate::accounts::sessions::Session;

impl AuthUser {
    /// The user's id.
    pub fn id(&self) -> i64 {
        self.user.id
    }
}

/// How long a user's row is reused by the auth check, and how late a logout made through
/// another instance may be seen (`accounts::sessions`). Changes made through this instance
/// (log out, log out everywhere, password change, voiding) apply at once; made through
/// another instance, within this time.
pub const USER_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The bearer token of a request: the `Authorization` header first, else the cookie.
fn token_of(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    req.cookie(TOKEN_COOKIE).map(|c| c.value().to_owned())
}

/// The signed-in user of a request, from its bearer token or cookie.
pub async fn authenticate(req: HttpRequest) -> Result<AuthUser, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("AppState is not registered")))?
        .clone();
    let token = token_of(&req).ok_or(AppError::Unauthorized)?;
    let claims = state.tokens.check(&token).ok_or(AppError::Unauthorized)?;
    let id: i64 = claims.sub.parse().map_err(|_| AppError::Unauthorized)?;
    // A logged-out session: checked in memory, the database is read once per instance
    // every few seconds, not per request.
    if let Some(sid) = &claims.sid
        && state.sessions.is_revoked(&state.db.read, sid).await?
    {
        return Err(AppError::Unauthorized);
    }
    // Every request of a signed-in user needs their row: read it from the cache, so an
    // answer save costs no query for it.
    let user = state
        .users
        .get_or_load(id, || async {
            user::Entity::find_by_id(id)
                .one_by_key(&state.db.read)
                .await?
                .ok_or(AppError::Unauthorized)
        })
        .await?;
    // A password change or "log out everywhere" bumps the version: older tokens die.
    if user.token_version != claims.ver {
        return Err(AppError::Unauthorized);
    }
    let role = user.role;
    let session = claims.sid.map(|id| Session {
        id,
        expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or_default(),
    });
    Ok(AuthUser {
        user,
        role,
        session,
    })
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// The caller of a public route, signed in or not, resolved only when a rule asks: the
/// public routes (leaderboards on contest day) then cost no token check for what everyone
/// may see. A token that fails to authenticate makes an anonymous caller, as on the pages.
pub struct PublicCaller {
    req: HttpRequest,
    role: tokio::sync::OnceCell<Option<Role>>,
}

impl PublicCaller {
    /// The caller's role, `None` when nobody (valid) is signed in; resolved once.
    pub async fn role(&self) -> Option<Role> {
        *self
            .role
            .get_or_init(|| async { authenticate(self.req.clone()).await.ok().map(|u| u.role) })
            .await
    }

    /// 404 unless the caller may see `contest` ([`lifecycle::visible_to`]); the token is
    /// read only for a contest the public may not see.
    pub async fn ensure_sees(&self, contest: &contest::Model) -> Result<(), AppError> {
        if lifecycle::visible_to(contest.status, None) {
            return Ok(());
        }
        lifecycle::ensure_visible(contest, self.role().await)
    }

    /// Whether the caller may see `contest`, as [`PublicCaller::ensure_sees`] decides.
    pub async fn may_see(&self, contest: &contest::Model) -> bool {
        self.ensure_sees(contest).await.is_ok()
    }
}

impl FromRequest for PublicCaller {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(PublicCaller {
            req: req.clone(),
            role: tokio::sync::OnceCell::new(),
        }))
    }
}

/// Who a guard lets through, for extractors that resolve the caller themselves (the
/// pages' `PageCtx<G>`, which treats a failed sign-in as nobody signed in).
pub trait Guard {
    /// The caller once let through: `Option<AuthUser>` for [`Anyone`], `AuthUser` for a
    /// role guard.
    type Caller;

    /// Lets the caller through, or refuses: `Unauthorized` when nobody is signed in,
    /// `Forbidden` for a role the guard does not admit.
    fn admit(user: Option<AuthUser>) -> Result<Self::Caller, AppError>;
}

/// Everyone, signed in or not: the guard of public pages.
#[derive(Debug, Clone, Copy)]
pub struct Anyone;

impl Guard for Anyone {
    type Caller = Option<AuthUser>;

    fn admit(user: Option<AuthUser>) -> Result<Self::Caller, AppError> {
        Ok(user)
    }
}

/// Defines an extractor that lets only the given roles through, and its [`Guard`].
macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident: $($role:ident)|+) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AuthUser);

        impl $name {
            /// Whether the guard lets this role through.
            pub fn admits(role: Role) -> bool {
                matches!(role, $(Role::$role)|+)
            }
        }

        impl Guard for $name {
            type Caller = AuthUser;

            fn admit(user: Option<AuthUser>) -> Result<AuthUser, AppError> {
                let user = user.ok_or(AppError::Unauthorized)?;
                if Self::admits(user.role) {
                    Ok(user)
                } else {
                    Err(AppError::Forbidden)
                }
            }
        }

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let user = authenticate(req).await?;
                    Self::admit(Some(user)).map($name)
                })
            }
        }
    };
}

role_guard!(
    /// A participant (thí sinh); staff may not compete.
    Participant: Participant
);
role_guard!(
    /// An organiser (Ban Tổ chức).
    Organiser: Organiser
);
role_guard!(
    /// Staff who may read contest data (results, exports, banks, any attempt): judges and
    /// organisers. Admins manage accounts, not contest data (issue #13).
    Staff: Judge | Organiser
);
role_guard!(
    /// Who may read the audit trail: judges, organisers, and admins, who answer for the
    /// staff accounts whose actions it records.
    AuditReader: Judge | Organiser | Admin
);
role_guard!(
    /// An admin (quản trị).
    Admin: Admin
);
role_guard!(
    /// Anyone signed in, whatever the role: the guard of one's own account page.
    SignedIn: Participant | Organiser | Judge | Admin
);
