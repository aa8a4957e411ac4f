//! A small in-process cache with a time-to-live, for what hot paths read on every request
//! but what changes rarely (the signed-in user, a round).
//!
//! Changes made by this instance remove the entry at once ([`TtlCache::remove`]); changes
//! made by another app instance on the same database show here within the TTL, which is
//! the staleness the README states for multi-instance deployments.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Entries live `ttl` at most; the map holds about `capacity` entries at most.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    map: RwLock<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K: Eq + Hash + Clone, V> TtlCache<K, V> {
    /// An empty cache. A zero TTL caches nothing.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            ttl,
            capacity: capacity.max(1),
            map: RwLock::new(HashMap::new()),
        }
    }

    /// The entry, if it is younger than the TTL.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        self.get_at(key, Instant::now())
    }

    fn get_at(&self, key: &K, now: Instant) -> Option<Arc<V>> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let (at, value) = map.get(key)?;
        (now.saturating_duration_since(*at) < self.ttl).then(|| value.clone())
    }

    /// Stores a value (read from the database just now) and returns it shared.
    pub fn insert(&self, key: K, value: V) -> Arc<V> {
        self.insert_at(key, value, Instant::now())
    }

    fn insert_at(&self, key: K, value: V, now: Instant) -> Arc<V> {
        let value = Arc::new(value);
        if self.ttl.is_zero() {
            return value;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity {
            // Drop what has expired; if everything is fresh, start over (bounded memory
            // beats a perfect hit rate).
            let ttl = self.ttl;
            map.retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(key, (now, value.clone()));
        value
    }

    /// The entry if fresh, or else the value `load` reads (from the database), stored.
    pub async fn get_or_load<E>(
        &self,
        key: K,
        load: impl AsyncFnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        Ok(self.insert(key, load().await?))
    }

    /// Forgets an entry (after this instance changed it).
    pub fn remove(&self, key: &K) {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.map.write().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Entries held (fresh or not).
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn get_or_load_reads_once_and_never_keeps_an_error() {
        let cache = TtlCache::new(Duration::from_secs(5), 10);
        let mut loads = 0;
        let failed: Result<Arc<i32>, &str> = cache.get_or_load(1, async || Err("gone")).await;
        assert_eq!(failed, Err("gone"));
        for _ in 0..3 {
            let v = cache
                .get_or_load(1, async || {
                    loads += 1;
                    Ok::<_, &str>(7)
                })
                .await;
            assert_eq!(v.as_deref(), Ok(&7));
        }
        assert_eq!(loads, 1, "read once, then from memory");
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = TtlCache::new(Duration::from_secs(5), 10);
        let t0 = Instant::now();
        cache.insert_at(1, "a", t0);
        assert_eq!(
            cache.get_at(&1, t0 + Duration::from_secs(4)).as_deref(),
            Some(&"a")
        );
        assert_eq!(cache.get_at(&1, t0 + Duration::from_secs(5)), None);
    }

    #[test]
    fn removed_entries_are_gone_at_once() {
        let cache = TtlCache::new(Duration::from_secs(5), 10);
        cache.insert(1, "a");
        cache.remove(&1);
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = TtlCache::new(Duration::ZERO, 10);
        assert_eq!(*cache.insert(1, "a"), "a");
        assert!(cache.is_empty());
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn memory_stays_bounded() {
        let cache = TtlCache::new(Duration::from_secs(60), 100);
        let t0 = Instant::now();
        for i in 0..1000 {
            cache.insert_at(i, i, t0);
            assert!(cache.len() <= 100);
        }
        // Expired entries are dropped first, fresh ones kept.
        let cache = TtlCache::new(Duration::from_secs(1), 3);
        cache.insert_at(1, 1, t0);
        cache.insert_at(2, 2, t0 + Duration::from_secs(2));
        cache.insert_at(3, 3, t0 + Duration::from_secs(2));
        cache.insert_at(4, 4, t0 + Duration::from_secs(2));
        assert_eq!(
            cache.get_at(&2, t0 + Duration::from_secs(2)).as_deref(),
            Some(&2)
        );
        assert_eq!(cache.get_at(&1, t0 + Duration::from_secs(2)), None);
    }
}
