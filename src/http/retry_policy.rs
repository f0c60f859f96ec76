//! Which failures are retried, and how often.

use std::time::Duration;

use crate::http::Backoff;

/// Whether repeating a request can do harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Idempotency {
    /// Reads, cancels and amendments: repeating them cannot create anything,
    /// so they are retried on 5xx, 429, timeouts and transport errors.
    Idempotent,
    /// Creates an order: retried only when the request provably never left
    /// this machine (the connection was never made). Never on a timeout or an
    /// error status, which could duplicate a port order. A failure after
    /// sending is reported as [`crate::Error::OutcomeUnknown`].
    CreateOnce,
    /// Sent at most once when it may have left (a credential exchange the
    /// carrier counts), but creates no order: failures keep their own kind.
    SendOnce,
}

/// How many times to try, and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 turns retries off).
    pub max_attempts: u32,
    /// The delays between attempts.
    pub backoff: Backoff,
    /// The longest `Retry-After` honoured; longer asks are clamped to it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            backoff: Backoff::default(),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// At most `max_attempts` attempts a call (1: no retry), the default
    /// back-off and `Retry-After` ceiling.
    pub fn new(max_attempts: u32) -> Self {
        Self {
            max_attempts,
            ..Self::default()
        }
    }

    setters! {
        /// At most `n` attempts a call (1: no retry).
        with_max_attempts(n: u32) => max_attempts = n;

        /// The delays between attempts.
        with_backoff(backoff: Backoff) => backoff = backoff;

        /// The longest `Retry-After` waited for before a retry.
        with_max_retry_after(max: Duration) => max_retry_after = max;
    }

    /// One attempt, no retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// True when an answer with this HTTP status should be retried.
    pub fn retry_status(&self, idempotency: Idempotency, status: u16) -> bool {
        idempotency == Idempotency::Idempotent && (status == 429 || (500..=599).contains(&status))
    }

    /// True when a transport error should be retried: `never_sent` errors
    /// always, others only for idempotent requests.
    pub fn retry_transport(&self, idempotency: Idempotency, never_sent: bool) -> bool {
        never_sent || idempotency == Idempotency::Idempotent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_only_retry_when_never_sent() {
        let p = RetryPolicy::default();
        assert!(!p.retry_status(Idempotency::CreateOnce, 500));
        assert!(!p.retry_status(Idempotency::CreateOnce, 429));
        assert!(!p.retry_transport(Idempotency::CreateOnce, false));
        assert!(p.retry_transport(Idempotency::CreateOnce, true));
        assert!(p.retry_status(Idempotency::Idempotent, 503));
        assert!(p.retry_status(Idempotency::Idempotent, 429));
        assert!(!p.retry_status(Idempotency::Idempotent, 400));
        assert!(!p.retry_status(Idempotency::Idempotent, 404));
    }
}
