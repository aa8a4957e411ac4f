//! An in-process cache with a time-to-live, for what hot paths read on every request
//! but what changes rarely (the signed-in user, a round).
//!
//! Changes made by this instance remove the entry at once ([`TtlCache::remove`]); changes
//! made by another app instance on the same database show here within the TTL, which is
//! the staleness the README states for multi-instance deployments.
//!
//! The storage is `moka`'s: when full it evicts the least useful entries one by one (an
//! earlier hand-written map cleared everything when full — at 100,000 signed-in users every
//! request would have read its user again at once), and requests missing the same key
//! share one load instead of each querying the database.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

/// Entries live `ttl` at most; the cache holds about `capacity` entries at most.
pub struct TtlCache<K, V> {
    ttl: Duration,
    map: moka::future::Cache<K, Arc<V>>,
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// An empty cache. A zero TTL caches nothing.
    pub fn new(ttl: Duration, capacity: u64) -> Self {
        TtlCache {
            ttl,
            map: moka::future::Cache::builder()
                .max_capacity(capacity.max(1))
                .time_to_live(ttl)
                .build(),
        }
    }

    /// The entry, if it is younger than the TTL.
    pub async fn get(&self, key: &K) -> Option<Arc<V>> {
        self.map.get(key).await
    }

    /// Stores a value (read from the database just now) and returns it shared.
    pub async fn insert(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        if !self.ttl.is_zero() {
            self.map.insert(key, value.clone()).await;
        }
        value
    }

    /// The entry if fresh, or else the value `load` reads (from the database), stored.
    /// Callers missing the same key at once wait for one load; an error is never kept, and
    /// reaches the caller whose load failed — a caller that waited on it loads for itself,
    /// so each gets its own error.
    pub async fn get_or_load<E, F>(&self, key: K, load: impl Fn() -> F) -> Result<Arc<V>, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if self.ttl.is_zero() {
            return Ok(Arc::new(load().await?));
        }
        let mut failed = None;
        let shared = self
            .map
            .optionally_get_with(key, async {
                match load().await {
                    Ok(value) => Some(Arc::new(value)),
                    Err(e) => {
                        failed = Some(e);
                        None
                    }
                }
            })
            .await;
        match (shared, failed) {
            (Some(value), _) => Ok(value),
            (None, Some(e)) => Err(e),
            (None, None) => Ok(Arc::new(load().await?)),
        }
    }

    /// Forgets an entry (after this instance changed it).
    ///
    /// The future holds a copy of the key, not the borrow: a borrowed key in moka's future
    /// makes callers' futures (finalising attempts in `try_join_all`) fail the `Send`
    /// check of `tokio::spawn`.
    pub fn remove(&self, key: &K) -> impl Future<Output = ()> + Send + '_
    where
        K: Clone,
    {
        let key = key.clone();
        async move { self.map.invalidate(&key).await }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn get_or_load_reads_once_and_never_keeps_an_error() {
        let cache = TtlCache::new(Duration::from_secs(5), 10);
        let loads = AtomicUsize::new(0);
        let failed: Result<Arc<i32>, &str> = cache.get_or_load(1, || async { Err("gone") }).await;
        assert_eq!(failed, Err("gone"));
        for _ in 0..3 {
            let v = cache
                .get_or_load(1, || async {
                    loads.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, &str>(7)
                })
                .await;
            assert_eq!(v.as_deref(), Ok(&7));
        }
        assert_eq!(loads.into_inner(), 1, "read once, then from memory");
    }

    #[tokio::test]
    async fn callers_missing_together_share_one_load() {
        let cache = TtlCache::new(Duration::from_secs(5), 10);
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, ()>(7)
        };
        let (a, b) = tokio::join!(cache.get_or_load(1, load), cache.get_or_load(1, load));
        assert_eq!((a.as_deref(), b.as_deref()), (Ok(&7), Ok(&7)));
        assert_eq!(loads.into_inner(), 1);
    }

    #[tokio::test]
    async fn entries_expire_after_the_ttl() {
        let cache = TtlCache::new(Duration::from_millis(100), 10);
        cache.insert(1, "a").await;
        assert_eq!(cache.get(&1).await.as_deref(), Some(&"a"));
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(cache.get(&1).await, None);
    }

    #[tokio::test]
    async fn removed_entries_are_gone_at_once() {
        let cache = TtlCache::new(Duration::from_secs(5), 10);
        cache.insert(1, "a").await;
        cache.remove(&1).await;
        assert_eq!(cache.get(&1).await, None);
    }

    #[tokio::test]
    async fn a_zero_ttl_caches_nothing() {
        let cache = TtlCache::new(Duration::ZERO, 10);
        assert_eq!(*cache.insert(1, "a").await, "a");
        assert_eq!(cache.get(&1).await, None);
    }

    #[tokio::test]
    async fn memory_stays_bounded_without_dropping_everything() {
        let cache = TtlCache::new(Duration::from_secs(60), 100);
        for i in 0..1000 {
            cache.insert(i, i).await;
        }
        cache.map.run_pending_tasks().await;
        let held = cache.map.entry_count();
        assert!(held <= 100, "{held} entries held");
        assert!(held > 50, "evicted one by one, not cleared: {held} held");
    }
}
