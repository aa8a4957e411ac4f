//! Logging out (issue #13): every login token carries a session id (`sid`); logging out
//! stores that id in `revoked_sessions` until the token would have expired, and the auth
//! check refuses it from then on, on every instance. The account's other tokens (other
//! devices) are untouched.
//!
//! The auth check runs on every request of a signed-in user — every answer save — so it
//! must not read the database each time. Each instance keeps the revoked ids in memory
//! ([`RevokedSessions`]): a logout through this instance applies at once; one through
//! another instance once this one has looked again, at most `staleness` later (the same
//! few seconds as the signed-in user cache). Looking again is one query per instance, not
//! per user: it reads only the ids revoked since its last look.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::entities::revoked_session;

/// How far back each look reads again, beyond its previous one: a logout committed late
/// on another instance, or stamped by a clock a little behind ours, is still seen.
const LOOK_BACK: chrono::Duration = chrono::Duration::seconds(60);

/// What an instance knows of the revoked sessions.
#[derive(Debug, Default)]
struct Known {
    /// Revoked session ids, with the time their token expires (then they can go).
    ids: HashMap<String, DateTime<Utc>>,
    /// When this instance last read the table (`None`: never).
    looked_at: Option<Instant>,
    /// The database time from which the next look reads.
    read_from: Option<DateTime<Utc>>,
}

/// This instance's copy of the revoked session ids.
#[derive(Debug)]
pub struct RevokedSessions {
    staleness: Duration,
    known: RwLock<Known>,
    /// Held by the one request that reads the table; the others go on with what is known.
    looking: tokio::sync::Mutex<()>,
}

impl RevokedSessions {
    /// Revocations made through other instances are seen at most `staleness` late.
    pub fn new(staleness: Duration) -> Self {
        RevokedSessions {
            staleness,
            known: RwLock::new(Known::default()),
            looking: tokio::sync::Mutex::new(()),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Known> {
        self.known.write().unwrap_or_else(|e| e.into_inner())
    }

    fn is_due(&self) -> bool {
        self.read()
            .looked_at
            .is_none_or(|at| at.elapsed() >= self.staleness)
    }

    /// True when session `sid` was revoked (through this instance, or through another one
    /// more than `staleness` ago).
    pub async fn is_revoked<C: ConnectionTrait>(&self, db: &C, sid: &str) -> Result<bool, DbErr> {
        if self.is_due() {
            self.look(db).await?;
        }
        Ok(self.read().ids.contains_key(sid))
    }

    /// Reads the sessions revoked since the last look. The first look waits for the table;
    /// later ones are skipped while another request is already reading it.
    async fn look<C: ConnectionTrait>(&self, db: &C) -> Result<(), DbErr> {
        let first = self.read().looked_at.is_none();
        let _looking = if first {
            self.looking.lock().await
        } else {
            match self.looking.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(()),
            }
        };
        if !self.is_due() {
            return Ok(());
        }
        let (started, now) = (Instant::now(), Utc::now());
        let read_from = self.read().read_from;
        let mut query = revoked_session::Entity::find()
            .select_only()
            .columns([
                revoked_session::Column::Id,
                revoked_session::Column::ExpiresAt,
            ])
            .filter(revoked_session::Column::ExpiresAt.gt(now));
        if let Some(from) = read_from {
            query = query.filter(revoked_session::Column::RevokedAt.gte(from - LOOK_BACK));
        }
        let rows: Vec<(String, DateTime<Utc>)> = query.into_tuple().all(db).await?;
        let mut known = self.write();
        known.ids.extend(rows);
        known.ids.retain(|_, expires_at| *expires_at > now);
        known.looked_at = Some(started);
        known.read_from = Some(now);
        Ok(())
    }

    /// Records a revocation made through this instance: refused here at once.
    pub fn remember(&self, sid: &str, expires_at: DateTime<Utc>) {
        self.write().ids.insert(sid.to_owned(), expires_at);
    }

    /// Makes the next check read the table, as if `staleness` had passed (tests use it to
    /// play another instance's clock forward instead of sleeping).
    pub fn expire(&self) {
        self.write().looked_at = None;
    }
}

/// A login session: one token, which logging out revokes.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token's `sid` claim.
    pub id: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
}

/// Stores the revocation of session `sid` of `user_id`, whose token expires at
/// `expires_at`, and deletes revocations whose tokens have expired anyway.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    sid: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    revoked_session::Entity::delete_many()
        .filter(revoked_session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    revoked_session::Entity::insert(revoked_session::ActiveModel {
        id: Set(sid.to_owned()),
        user_id: Set(user_id),
        revoked_at: Set(now),
        expires_at: Set(expires_at),
    })
    .on_conflict(
        OnConflict::column(revoked_session::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_revocation_shows_at_once_here_and_after_the_staleness_elsewhere() {
        let (db, _dir) = crate::db::test_database().await;
        let db = &db.write;
        let here = RevokedSessions::new(Duration::from_secs(3600));
        let there = RevokedSessions::new(Duration::from_secs(3600));
        let expires = Utc::now() + chrono::Duration::hours(1);
        assert!(!there.is_revoked(db, "s1").await.unwrap());

        revoke(db, "s1", 1, expires).await.unwrap();
        here.remember("s1", expires);

        assert!(here.is_revoked(db, "s1").await.unwrap());
        assert!(!there.is_revoked(db, "s1").await.unwrap(), "not looked yet");
        there.expire();
        assert!(there.is_revoked(db, "s1").await.unwrap());
        assert!(!there.is_revoked(db, "s2").await.unwrap());
    }

    #[tokio::test]
    async fn checks_between_looks_read_no_database() {
        // The auth check of every answer save: once looked, the table is not read again
        // within the staleness — here it is even gone, and the checks still answer.
        let (db, _dir) = crate::db::test_database().await;
        let db = &db.write;
        let sessions = RevokedSessions::new(Duration::from_secs(3600));
        sessions.remember("mine", Utc::now() + chrono::Duration::hours(1));
        assert!(!sessions.is_revoked(db, "other").await.unwrap());
        db.execute_unprepared("DROP TABLE revoked_sessions")
            .await
            .unwrap();
        for _ in 0..1000 {
            assert!(sessions.is_revoked(db, "mine").await.unwrap());
            assert!(!sessions.is_revoked(db, "other").await.unwrap());
        }
        sessions.expire();
        assert!(
            sessions.is_revoked(db, "other").await.is_err(),
            "a look reads it"
        );
    }

    #[tokio::test]
    async fn expired_revocations_are_forgotten() {
        let (db, _dir) = crate::db::test_database().await;
        let db = &db.write;
        let past = Utc::now() - chrono::Duration::seconds(1);
        revoke(db, "old", 1, past).await.unwrap();
        let sessions = RevokedSessions::new(Duration::ZERO);
        assert!(!sessions.is_revoked(db, "old").await.unwrap());
        // The next revocation deletes the expired row.
        revoke(db, "new", 1, Utc::now() + chrono::Duration::hours(1))
            .await
            .unwrap();
        let ids: Vec<String> = revoked_session::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["new"]);
    }
}
