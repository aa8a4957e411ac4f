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
//!
//! Hand-written rather than `governor`'s: governor has no refund — it cannot look at a
//! bucket without spending from it, nor give a cell back, and logins spend only on a
//! failure ([`Limiter::check`], then [`Limiter::take`]) — and no body-keyed limits: its
//! keyed buckets live in one process's memory, while per-account limits are keyed by the
//! account a request body names and counted in the database by every instance.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod keyed;
mod shared;

pub use keyed::{KeyedLock, Turn};
pub use shared::{Rule, SharedLimiter};

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
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(20)), 20);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
