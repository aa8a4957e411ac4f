//! Token buckets kept in the database (`rate_limits`), shared by every instance on it:
//! the per-account limits, which must not grow with the number of instances.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sea_orm::sea_query::{Expr, Func, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use sha2::{Digest, Sha256};

use crate::entities::rate_limit;

/// The rule of a bucket: at most `burst` events at once, `burst` more per `window`;
/// `burst == 0` allows everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    burst: u32,
    /// Milliseconds one event's token takes to come back.
    interval_ms: i64,
}

impl Rule {
    /// At most `burst` events at once, `burst` more per `window`.
    pub fn new(burst: u32, window: Duration) -> Self {
        let interval_ms = if burst == 0 {
            0
        } else {
            let ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 4);
            (ms / i64::from(burst)).max(1)
        };
        Rule { burst, interval_ms }
    }

    /// True when the limit is off.
    pub fn is_off(&self) -> bool {
        self.burst == 0
    }

    /// How far ahead of now a bucket's full-at time may be and still admit an event.
    fn slack_ms(&self) -> i64 {
        self.interval_ms * (i64::from(self.burst) - 1)
    }

    /// The cell rate algorithm over milliseconds: whether an event at `now` fits a bucket
    /// full again at `full_at` (`None`: a full bucket), or the time until it would.
    pub fn admits(&self, full_at: Option<i64>, now: i64) -> Result<(), Duration> {
        let ahead = full_at.map_or(0, |at| (at - now).max(0));
        if ahead > self.slack_ms() {
            let wait = ahead - self.slack_ms();
            return Err(Duration::from_millis(u64::try_from(wait).unwrap_or(0)));
        }
        Ok(())
    }

    /// A bucket's full-at time once an event at `now` is counted.
    pub fn counted(&self, full_at: Option<i64>, now: i64) -> i64 {
        full_at.map_or(now, |at| at.max(now)) + self.interval_ms
    }
}

/// How often an instance deletes the shared buckets that are full again (they mean the
/// same as no row).
const SHARED_PRUNE_EVERY_MS: i64 = 10 * 60 * 1000;

/// Token buckets in the database table `rate_limits`, shared by every instance that uses
/// the database.
///
/// An attempt is checked first ([`SharedLimiter::check`], a read) and counted only if it
/// fails ([`SharedLimiter::count`], one atomic upsert): a right password writes nothing,
/// which matters on contest day, when thousands sign in at once and SQLite has a single
/// writer. Attempts that pass the check together are all counted when they fail, pushing
/// the bucket further ahead, so over time no more get through than the rule allows; on one
/// instance a [`KeyedLock`] keeps them from passing together at all.
#[derive(Debug, Default)]
pub struct SharedLimiter {
    /// When this instance last deleted full buckets (ms since the epoch).
    pruned_at: AtomicI64,
}

/// The stored key of a bucket: a SHA-256 of what it counts, so the table holds no phone
/// number, email or address in the clear and every key has one size.
fn row_key(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl SharedLimiter {
    /// Whether one more event fits each bucket now; see [`SharedLimiter::check_at`].
    pub async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        buckets: &[(String, Rule)],
    ) -> Result<Result<(), Duration>, DbErr> {
        self.check_at(db, buckets, chrono::Utc::now().timestamp_millis())
            .await
    }

    /// Whether one more event fits each `(key, rule)` bucket at `now` (ms since the
    /// epoch), or the longest time until it would (`Ok(Err(wait))`). Reads only.
    pub async fn check_at<C: ConnectionTrait>(
        &self,
        db: &C,
        buckets: &[(String, Rule)],
        now: i64,
    ) -> Result<Result<(), Duration>, DbErr> {
        let buckets: Vec<(String, Rule)> = buckets
            .iter()
            .filter(|(_, rule)| !rule.is_off())
            .map(|(key, rule)| (row_key(key), *rule))
            .collect();
        if buckets.is_empty() {
            return Ok(Ok(()));
        }
        let stored: HashMap<String, i64> = rate_limit::Entity::find()
            .select_only()
            .columns([rate_limit::Column::Key, rate_limit::Column::FullAt])
            .filter(rate_limit::Column::Key.is_in(buckets.iter().map(|(key, _)| key.clone())))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let wait = buckets
            .iter()
            .filter_map(|(key, rule)| rule.admits(stored.get(key).copied(), now).err())
            .max();
        Ok(wait.map_or(Ok(()), Err))
    }

    /// Counts one event of `key` now; see [`SharedLimiter::count_at`].
    pub async fn count<C: ConnectionTrait>(
        &self,
        db: &C,
        key: &str,
        rule: Rule,
    ) -> Result<(), DbErr> {
        self.count_at(db, key, rule, chrono::Utc::now().timestamp_millis())
            .await
    }

    /// Counts one event of `key` at `now` (ms since the epoch): one atomic statement, so
    /// events counted by several instances at once all count.
    pub async fn count_at<C: ConnectionTrait>(
        &self,
        db: &C,
        key: &str,
        rule: Rule,
        now: i64,
    ) -> Result<(), DbErr> {
        // In this scope only: its `max` would shadow `Ord::max` on integers elsewhere.
        use sea_orm::sea_query::ExprTrait;
        if rule.is_off() {
            return Ok(());
        }
        self.prune_if_due(db, now).await?;
        let full_at = rate_limit::Column::FullAt;
        // As `Rule::counted`: GREATEST(full_at, now) + interval.
        let counted = Expr::expr(Func::greatest([
            Expr::col((rate_limit::Entity, full_at)),
            Expr::val(now),
        ]))
        .add(rule.interval_ms);
        let upsert = Query::insert()
            .into_table(rate_limit::Entity)
            .columns([rate_limit::Column::Key, full_at])
            .values_panic([row_key(key).into(), rule.counted(None, now).into()])
            .on_conflict(
                OnConflict::column(rate_limit::Column::Key)
                    .value(full_at, counted)
                    .to_owned(),
            )
            .to_owned();
        db.execute(&upsert).await?;
        Ok(())
    }

    /// Deletes the buckets that are full again, at most once per
    /// [`SHARED_PRUNE_EVERY_MS`] per instance.
    async fn prune_if_due<C: ConnectionTrait>(&self, db: &C, now: i64) -> Result<(), DbErr> {
        let last = self.pruned_at.load(Ordering::Relaxed);
        if now - last < SHARED_PRUNE_EVERY_MS
            || self
                .pruned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return Ok(());
        }
        rate_limit::Entity::delete_many()
            .filter(rate_limit::Column::FullAt.lt(now))
            .exec(db)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute() -> Duration {
        Duration::from_secs(60)
    }

    #[test]
    fn a_rule_admits_a_burst_then_refuses_until_a_token_is_back() {
        let rule = Rule::new(3, minute());
        let t0 = 1_000_000;
        let mut full_at = None;
        for _ in 0..3 {
            assert_eq!(rule.admits(full_at, t0), Ok(()));
            full_at = Some(rule.counted(full_at, t0));
        }
        assert_eq!(rule.admits(full_at, t0), Err(Duration::from_secs(20)));
        assert_eq!(
            rule.admits(full_at, t0 + 19_999),
            Err(Duration::from_millis(1))
        );
        assert_eq!(rule.admits(full_at, t0 + 20_000), Ok(()));
        // A quiet bucket is full again: a whole burst passes.
        let later = t0 + 60_000;
        let mut again = full_at;
        for _ in 0..3 {
            assert_eq!(rule.admits(again, later), Ok(()));
            again = Some(rule.counted(again, later));
        }
        assert!(rule.admits(again, later).is_err());
        assert!(Rule::new(0, minute()).is_off());
    }

    fn bucket(key: &str, rule: Rule) -> Vec<(String, Rule)> {
        vec![(key.to_owned(), rule)]
    }

    #[tokio::test]
    async fn shared_buckets_count_what_is_counted_and_nothing_else() {
        let (db, _dir) = crate::db::test_database().await;
        let db = &db.write;
        let limiter = SharedLimiter::default();
        let rule = Rule::new(2, minute());
        let t0 = chrono::Utc::now().timestamp_millis();
        for _ in 0..2 {
            let check = limiter.check_at(db, &bucket("a", rule), t0).await.unwrap();
            assert_eq!(check, Ok(()));
            limiter.count_at(db, "a", rule, t0).await.unwrap();
        }
        for _ in 0..5 {
            assert_eq!(
                limiter.check_at(db, &bucket("a", rule), t0).await.unwrap(),
                Err(Duration::from_secs(30)),
                "checks write nothing: refused attempts do not push the wait further"
            );
        }
        // Another bucket, and a check of several at once: the longest wait wins.
        let both = [("a".to_owned(), rule), ("b".to_owned(), rule)];
        assert_eq!(
            limiter.check_at(db, &bucket("b", rule), t0).await.unwrap(),
            Ok(())
        );
        assert_eq!(
            limiter.check_at(db, &both, t0).await.unwrap(),
            Err(Duration::from_secs(30))
        );
        let t1 = t0 + 30_000;
        assert_eq!(limiter.check_at(db, &both, t1).await.unwrap(), Ok(()));
        // Two limiters (two instances) on one database count into the same bucket, and
        // attempts that passed the check together are all counted.
        let other = SharedLimiter::default();
        limiter.count_at(db, "a", rule, t1).await.unwrap();
        other.count_at(db, "a", rule, t1).await.unwrap();
        assert_eq!(
            other.check_at(db, &bucket("a", rule), t1).await.unwrap(),
            Err(Duration::from_secs(60))
        );
    }

    #[tokio::test]
    async fn full_shared_buckets_are_deleted_now_and_then() {
        let (db, _dir) = crate::db::test_database().await;
        let db = &db.write;
        let limiter = SharedLimiter::default();
        let rule = Rule::new(1, Duration::from_secs(1));
        let t0 = chrono::Utc::now().timestamp_millis();
        limiter.count_at(db, "old", rule, t0).await.unwrap();
        let later = t0 + SHARED_PRUNE_EVERY_MS;
        limiter.count_at(db, "new", rule, later).await.unwrap();
        let keys: Vec<String> = rate_limit::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.key)
            .collect();
        assert_eq!(keys, [row_key("new")]);
    }
}
