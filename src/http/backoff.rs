//! Exponential backoff with jitter and a cap.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Delays between attempts: `initial × multiplier^n`, capped at `max`, then
/// "equal jitter" (a random point in the upper half) so that many clients do
/// not retry in step.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Backoff {
    /// The delay before the first retry, before jitter.
    pub initial: Duration,
    /// The largest delay, before jitter.
    pub max: Duration,
    /// The growth factor per retry (at least 1).
    pub multiplier: f64,
    /// Whether to apply jitter (tests turn it off to pin delays).
    pub jitter: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(8),
            multiplier: 2.0,
            jitter: true,
        }
    }
}

impl Backoff {
    /// Delays from `initial`, doubling up to `max`, with jitter.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            ..Self::default()
        }
    }

    setters! {
        /// The first delay.
        with_initial(initial: Duration) => initial = initial;

        /// The longest delay.
        with_max(max: Duration) => max = max;

        /// Each delay `multiplier` times the previous one (at least 1).
        with_multiplier(multiplier: f64) => multiplier = multiplier;

        /// Whether delays are jittered (full jitter, on by default).
        with_jitter(jitter: bool) => jitter = jitter;
    }

    /// The capped delay before retry number `retry` (0 for the first), before
    /// jitter.
    pub fn base_delay(&self, retry: u32) -> Duration {
        // Never panics, whatever the fields hold: NaN and infinities fall
        // back to the cap (builders refuse such settings anyway).
        let multiplier = if self.multiplier.is_finite() {
            self.multiplier.max(1.0)
        } else {
            1.0
        };
        let factor = multiplier.powi(retry.min(64) as i32);
        let secs = (self.initial.as_secs_f64() * factor).min(self.max.as_secs_f64());
        Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(self.max)
    }

    /// The delay before retry number `retry`, jittered into
    /// `[base / 2, base]` when jitter is on.
    pub fn delay(&self, retry: u32) -> Duration {
        let base = self.base_delay(retry);
        if !self.jitter {
            return base;
        }
        let half = base / 2;
        half + half.mul_f64(random_unit())
    }
}

/// A random number in `[0, 1)`, from the standard library's per-process
/// random hash keys (no extra dependency; not for cryptography).
fn random_unit() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps() {
        let b = Backoff {
            jitter: false,
            ..Backoff::default()
        };
        assert_eq!(b.delay(0), Duration::from_millis(250));
        assert_eq!(b.delay(1), Duration::from_millis(500));
        assert_eq!(b.delay(3), Duration::from_secs(2));
        assert_eq!(b.delay(10), Duration::from_secs(8));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn absurd_values_never_panic() {
        let b = Backoff {
            initial: Duration::from_secs(u64::MAX),
            max: Duration::from_secs(u64::MAX),
            multiplier: f64::INFINITY,
            jitter: true,
        };
        for retry in [0, 1, 63, u32::MAX] {
            let _ = b.delay(retry);
        }
        let b = Backoff {
            multiplier: f64::NAN,
            jitter: false,
            ..Backoff::default()
        };
        assert_eq!(b.delay(5), Duration::from_millis(250));
    }

    #[test]
    fn jitter_stays_in_upper_half() {
        let b = Backoff::default();
        for retry in 0..6 {
            for _ in 0..50 {
                let d = b.delay(retry);
                let base = b.base_delay(retry);
                assert!(
                    d >= base / 2 && d <= base,
                    "{d:?} outside [{:?}, {base:?}]",
                    base / 2
                );
            }
        }
    }
}
