//! Keyed rate limits: for each key (a client IP, an account), at most `burst` events at
//! once, earned back evenly over `window` (a token bucket, kept as one instant per key —
//! the generic cell rate algorithm).
//!
//! Two stores: [`Limiter`] keeps its buckets in this process's memory (per-IP limits, which
//! protect this instance's CPU); [`SharedLimiter`] keeps them in the database, so that
//! every instance on one database counts against the same buckets (per-account limits,
//! which must not grow with the number of instances). [`KeyedLock`] lets one attempt at a
//! time through per key on an instance, so that a burst of simultaneous attempts cannot
//! all pass a shared bucket's check before the first of them is counted.
//!
//! Time is passed in (`*_at` methods), so the rules are unit-tested without sleeping; the
//! plain methods read the clock.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::sea_query::{Expr, Func, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use sha2::{Digest, Sha256};

use crate::entities::rate_limit;

/// Past this many keys, keys whose bucket is full again are forgotten on the next event.
const PRUNE_ABOVE: usize = 10_000;

/// The buckets, and the size past which they are pruned next.
#[derive(Debug)]
struct Buckets<K> {
    full_at: HashMap<K, Instant>,
    /// Doubles when a pruning frees little, so that an attack keeping many keys busy
    /// costs amortised constant time per event, not a scan of the map every time.
    prune_above: usize,
}

impl<K: Hash + Eq> Buckets<K> {
    /// Past the size bound, forgets the keys whose bucket is full again at `now`.
    fn prune(&mut self, now: Instant) {
        if self.full_at.len() > self.prune_above {
            self.full_at.retain(|_, at| *at > now);
            self.prune_above = PRUNE_ABOVE.max(2 * self.full_at.len());
        }
    }
}

/// A token bucket per key.
#[derive(Debug)]
pub struct Limiter<K> {
    /// Events allowed at once; 0 turns the limit off.
    burst: u32,
    /// The time one event's token takes to come back.
    interval: Duration,
    /// The time each key's bucket is full again ("theoretical arrival time").
    buckets: Mutex<Buckets<K>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// At most `burst` events at once per key, `burst` more per `window`; `burst == 0`
    /// allows everything.
    pub fn new(burst: u32, window: Duration) -> Self {
        let interval = if burst == 0 {
            Duration::ZERO
        } else {
            window / burst
        };
        Limiter {
            burst,
            interval,
            buckets: Mutex::new(Buckets {
                full_at: HashMap::new(),
                prune_above: PRUNE_ABOVE,
            }),
        }
    }

    /// True when the limit is off.
    pub fn is_off(&self) -> bool {
        self.burst == 0
    }

    /// Takes one token of `key` now; see [`Limiter::acquire_at`].
    pub fn acquire(&self, key: &K) -> Result<(), Duration> {
        self.acquire_at(key, Instant::now())
    }

    /// Takes one token of `key` at `now`, or answers how long until one is back.
    pub fn acquire_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        if self.is_off() {
            return Ok(());
        }
        let window = self.interval * self.burst;
        let mut buckets = self.lock();
        buckets.prune(now);
        let full_at = &mut buckets.full_at;
        let current = full_at.get(key).copied().filter(|at| *at > now);
        let next = current.unwrap_or(now) + self.interval;
        let debt = next - now;
        if debt > window {
            return Err(debt - window);
        }
        full_at.insert(key.clone(), next);
        Ok(())
    }

    /// Whether `key` has a token now, without taking it: for events that count only
    /// once they have happened (a new attempt, not a start that resumed or lost a race);
    /// [`Limiter::take`] then records them.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.is_off() {
            return Ok(());
        }
        let now = Instant::now();
        let current = self.lock().full_at.get(key).copied().filter(|at| *at > now);
        let debt = current.unwrap_or(now) + self.interval - now;
        let window = self.interval * self.burst;
        if debt > window {
            Err(debt - window)
        } else {
            Ok(())
        }
    }

    /// Takes a token of `key` after the event it stands for happened (checked first with
    /// [`Limiter::check`]). Events racing past the same check can overdraw the bucket by
    /// their number; the next check then waits longer.
    pub fn take(&self, key: &K) {
        if self.is_off() {
            return;
        }
        let now = Instant::now();
        let mut buckets = self.lock();
        buckets.prune(now);
        let current = buckets.full_at.get(key).copied().filter(|at| *at > now);
        let next = current.unwrap_or(now) + self.interval;
        buckets.full_at.insert(key.clone(), next);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buckets<K>> {
        // A panic while holding this lock cannot leave the map inconsistent: keep going.
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

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

/// One holder at a time per key, for keys that come and go (an account's login attempts
/// on this instance); a key's entry lives only while someone holds or awaits it.
#[derive(Debug, Default)]
pub struct KeyedLock {
    held: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// A key's turn, until dropped.
#[derive(Debug)]
pub struct Turn<'a> {
    lock: &'a KeyedLock,
    key: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl KeyedLock {
    /// Waits for `key`'s turn.
    pub async fn lock(&self, key: &str) -> Turn<'_> {
        let mutex = self.held().entry(key.to_owned()).or_default().clone();
        Turn {
            lock: self,
            key: key.to_owned(),
            guard: Some(mutex.lock_owned().await),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keys held or awaited now.
    pub fn len(&self) -> usize {
        self.held().len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut held = self.lock.held();
        // Only the map still refers to it: nobody holds or awaits this key.
        if held
            .get(&self.key)
            .is_some_and(|mutex| Arc::strong_count(mutex) == 1)
        {
            held.remove(&self.key);
        }
    }
}

/// Whole seconds to wait, rounded up, at least 1 (the `Retry-After` header).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute() -> Duration {
        Duration::from_secs(60)
    }

    #[test]
    fn a_burst_passes_then_the_next_event_waits_for_one_token() {
        let limiter = Limiter::new(3, minute());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.acquire_at(&"a", t0), Ok(()));
        }
        assert_eq!(limiter.acquire_at(&"a", t0), Err(Duration::from_secs(20)));
        // One token comes back every 20 s.
        assert!(
            limiter
                .acquire_at(&"a", t0 + Duration::from_secs(19))
                .is_err()
        );
        assert_eq!(
            limiter.acquire_at(&"a", t0 + Duration::from_secs(20)),
            Ok(())
        );
        assert!(
            limiter
                .acquire_at(&"a", t0 + Duration::from_secs(20))
                .is_err()
        );
    }

    #[test]
    fn keys_are_independent() {
        let limiter = Limiter::new(1, minute());
        let t0 = Instant::now();
        assert!(limiter.acquire_at(&"a", t0).is_ok());
        assert!(limiter.acquire_at(&"a", t0).is_err());
        assert!(limiter.acquire_at(&"b", t0).is_ok());
    }

    #[test]
    fn refused_events_do_not_push_the_wait_further() {
        let limiter = Limiter::new(2, minute());
        let t0 = Instant::now();
        limiter.acquire_at(&"a", t0).unwrap();
        limiter.acquire_at(&"a", t0).unwrap();
        for _ in 0..100 {
            assert_eq!(limiter.acquire_at(&"a", t0), Err(Duration::from_secs(30)));
        }
        assert!(
            limiter
                .acquire_at(&"a", t0 + Duration::from_secs(30))
                .is_ok()
        );
    }

    #[test]
    fn a_check_takes_nothing_and_events_taken_after_it_count() {
        let limiter = Limiter::new(2, minute());
        for _ in 0..5 {
            assert!(
                limiter.check(&"a").is_ok(),
                "checking alone never uses up tokens"
            );
        }
        limiter.take(&"a");
        assert!(limiter.check(&"a").is_ok());
        limiter.take(&"a");
        let wait = limiter
            .check(&"a")
            .expect_err("two events taken: the burst is used");
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        assert!(limiter.check(&"b").is_ok(), "keys are independent");
    }

    #[test]
    fn a_quiet_key_gets_its_whole_burst_back() {
        let limiter = Limiter::new(5, minute());
        let t0 = Instant::now();
        for _ in 0..5 {
            limiter.acquire_at(&"a", t0).unwrap();
        }
        let later = t0 + minute();
        for _ in 0..5 {
            assert!(limiter.acquire_at(&"a", later).is_ok());
        }
        assert!(limiter.acquire_at(&"a", later).is_err());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = Limiter::new(0, minute());
        let t0 = Instant::now();
        for _ in 0..1000 {
            assert!(limiter.acquire_at(&"a", t0).is_ok());
        }
    }

    #[test]
    fn full_buckets_are_forgotten_when_the_map_grows() {
        let limiter = Limiter::new(1, Duration::from_secs(1));
        let t0 = Instant::now();
        for key in 0..=PRUNE_ABOVE {
            limiter.acquire_at(&key, t0).unwrap();
        }
        limiter
            .acquire_at(&usize::MAX, t0 + Duration::from_secs(2))
            .unwrap();
        assert_eq!(limiter.lock().full_at.len(), 1);
    }

    #[test]
    fn busy_keys_are_not_rescanned_on_every_event() {
        let limiter = Limiter::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        for key in 0..=PRUNE_ABOVE {
            limiter.acquire_at(&key, t0).unwrap();
        }
        // Nothing can be pruned yet: the next pruning waits until the map doubles.
        limiter.acquire_at(&usize::MAX, t0).unwrap();
        assert_eq!(limiter.lock().prune_above, 2 * (PRUNE_ABOVE + 1));
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

    #[tokio::test]
    async fn a_keyed_lock_lets_one_through_per_key_and_forgets_free_keys() {
        let locks = KeyedLock::default();
        let first = locks.lock("a").await;
        let other_key = locks.lock("b").await;
        // "a" is taken: a second holder waits until the first is dropped.
        let waiting = locks.lock("a");
        tokio::pin!(waiting);
        assert!(
            futures_util::poll!(waiting.as_mut()).is_pending(),
            "one at a time"
        );
        drop(first);
        let second = waiting.await;
        assert_eq!(locks.len(), 2);
        drop(second);
        drop(other_key);
        assert!(locks.is_empty(), "free keys are forgotten");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(20)), 20);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
