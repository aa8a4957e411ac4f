//! One holder at a time per key on this instance, so that a burst of simultaneous
//! attempts cannot all pass a shared bucket's check before the first of them is counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
