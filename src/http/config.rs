//! Settings shared by every carrier client's transport.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::http::{RetryPolicy, Sleep, TokioSleep};

/// Timeouts, retries and the HTTP client a carrier client uses.
///
/// Every carrier client takes one of these in its builder. Share one
/// `reqwest::Client` between several carrier clients with
/// [`HttpConfig::with_client`] to share its connection pool; clones of a
/// carrier client always share theirs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpConfig {
    /// The longest wait for a TCP + TLS connection (default 10 s). Ignored
    /// when a client is supplied with [`HttpConfig::with_client`].
    pub connect_timeout: Duration,
    /// The longest wait for one attempt: a whole request and its answer,
    /// body included (default 30 s).
    pub request_timeout: Duration,
    /// The longest one call may take across every attempt, back-off sleep
    /// and `Retry-After` wait, body reading included (default 60 s). A
    /// `Retry-After` longer than what is left ends the call at once with
    /// [`crate::Error::RateLimited`].
    pub operation_deadline: Duration,
    /// The largest answer body read, in bytes (default 4 MiB). A larger
    /// answer, error bodies included, stops reading at the limit and is
    /// [`crate::Error::ResponseTooLarge`].
    pub max_body_bytes: usize,
    /// The largest listing body read as it arrives, in bytes (default 256
    /// MiB): iNumbering's portStatus summary, which holds every order of
    /// the account in one answer, is decoded entry by entry in constant
    /// memory, so it may be far larger than [`HttpConfig::max_body_bytes`].
    /// A listing that declares a larger length is
    /// [`crate::Error::ResponseTooLarge`]; one that grows past it while
    /// being read ends with [`crate::Error::Incomplete`] after the entries
    /// read. It must still arrive within [`HttpConfig::request_timeout`]
    /// and [`HttpConfig::operation_deadline`]. Non-2xx answers to a listing
    /// keep the [`HttpConfig::max_body_bytes`] limit.
    pub max_listing_bytes: usize,
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// The sleep between retries.
    pub sleep: Arc<dyn Sleep>,
    /// The wall clock (for `Retry-After` dates and date rules).
    pub clock: Arc<dyn Clock>,
    /// A client to use instead of building one. It must not follow
    /// redirects (build it with `redirect(reqwest::redirect::Policy::none())`):
    /// a client that follows them could carry a credential or a subscriber's
    /// secret to another host. The transport still refuses any answer that
    /// did not come from the URL it asked.
    pub client: Option<reqwest::Client>,
}

/// The default for [`HttpConfig::max_body_bytes`]: 4 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The default for [`HttpConfig::max_listing_bytes`]: 256 MiB (about
/// 900,000 iNumbering status entries).
pub const DEFAULT_MAX_LISTING_BYTES: usize = 256 * 1024 * 1024;

/// Bounds the settings must stay within; anything outside is
/// [`crate::Error::Config`] at `build()`.
mod limits {
    use std::time::Duration;

    pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
    pub const MAX_DEADLINE: Duration = Duration::from_secs(24 * 3600);
    pub const MAX_ATTEMPTS: u32 = 20;
    pub const MAX_DELAY: Duration = Duration::from_secs(3600);
    pub const MAX_MULTIPLIER: f64 = 100.0;
    pub const MIN_BODY: usize = 1024;
    pub const MAX_BODY: usize = 1 << 30;
    /// 64 GiB, compared as `u64` so that it also holds on 32-bit targets.
    pub const MAX_LISTING: u64 = 1 << 36;
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            operation_deadline: Duration::from_secs(60),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_listing_bytes: DEFAULT_MAX_LISTING_BYTES,
            retry: RetryPolicy::default(),
            sleep: Arc::new(TokioSleep),
            clock: Arc::new(SystemClock),
            client: None,
        }
    }
}

impl HttpConfig {
    setters! {
        /// Sets the connect timeout.
        with_connect_timeout(timeout: Duration) => connect_timeout = timeout;

        /// Sets the request timeout.
        with_request_timeout(timeout: Duration) => request_timeout = timeout;

        /// Sets the deadline of one call across all its attempts.
        with_operation_deadline(deadline: Duration) => operation_deadline = deadline;

        /// Sets the largest answer body read, in bytes.
        with_max_body_bytes(limit: usize) => max_body_bytes = limit;

        /// Sets the largest listing body read as it arrives, in bytes.
        with_max_listing_bytes(limit: usize) => max_listing_bytes = limit;

        /// Sets the retry policy.
        with_retry(retry: RetryPolicy) => retry = retry;

        /// Sets the sleep used between retries.
        with_sleep(sleep: Arc<dyn Sleep>) => sleep = sleep;

        /// Sets the wall clock.
        with_clock(clock: Arc<dyn Clock>) => clock = clock;

        /// Uses this `reqwest::Client` (and its pool) instead of building one.
        with_client(client: reqwest::Client) => client = Some(client);
    }

    /// Checks every setting is within sane bounds, so that nothing later
    /// can overflow, panic or wait for ever.
    pub(crate) fn validate(&self) -> crate::Result<()> {
        use limits::*;
        let mut problems = Vec::new();
        let mut check = |ok: bool, text: String| {
            if !ok {
                problems.push(text);
            }
        };
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
        ] {
            check(
                !value.is_zero() && value <= MAX_TIMEOUT,
                format!("{name} must be more than zero and at most {MAX_TIMEOUT:?} (is {value:?})"),
            );
        }
        check(
            !self.operation_deadline.is_zero() && self.operation_deadline <= MAX_DEADLINE,
            format!(
                "operation_deadline must be more than zero and at most {MAX_DEADLINE:?} (is {:?})",
                self.operation_deadline
            ),
        );
        check(
            (MIN_BODY..=MAX_BODY).contains(&self.max_body_bytes),
            format!(
                "max_body_bytes must be {MIN_BODY} to {MAX_BODY} (is {})",
                self.max_body_bytes
            ),
        );
        check(
            self.max_listing_bytes >= MIN_BODY && self.max_listing_bytes as u64 <= MAX_LISTING,
            format!(
                "max_listing_bytes must be {MIN_BODY} to {MAX_LISTING} (is {})",
                self.max_listing_bytes
            ),
        );
        let retry = &self.retry;
        check(
            (1..=MAX_ATTEMPTS).contains(&retry.max_attempts),
            format!(
                "retry.max_attempts must be 1 to {MAX_ATTEMPTS} (is {})",
                retry.max_attempts
            ),
        );
        check(
            retry.max_retry_after <= MAX_DELAY,
            format!(
                "retry.max_retry_after must be at most {MAX_DELAY:?} (is {:?})",
                retry.max_retry_after
            ),
        );
        let b = &retry.backoff;
        check(
            b.initial <= MAX_DELAY && b.max <= MAX_DELAY,
            format!(
                "retry.backoff delays must be at most {MAX_DELAY:?} (initial {:?}, max {:?})",
                b.initial, b.max
            ),
        );
        check(
            b.initial <= b.max,
            format!(
                "retry.backoff.initial ({:?}) must not exceed retry.backoff.max ({:?})",
                b.initial, b.max
            ),
        );
        check(
            b.multiplier.is_finite() && (1.0..=MAX_MULTIPLIER).contains(&b.multiplier),
            format!(
                "retry.backoff.multiplier must be 1 to {MAX_MULTIPLIER} (is {})",
                b.multiplier
            ),
        );
        if problems.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Config(problems.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Backoff;

    #[test]
    fn absurd_settings_are_refused_with_every_problem() {
        let mut c = HttpConfig::default()
            .with_request_timeout(Duration::ZERO)
            .with_operation_deadline(Duration::from_secs(u64::MAX))
            .with_max_body_bytes(10)
            .with_max_listing_bytes(usize::MAX);
        c.retry.max_attempts = 0;
        c.retry.backoff = Backoff {
            initial: Duration::from_secs(u64::MAX),
            max: Duration::from_secs(1),
            multiplier: f64::NAN,
            jitter: true,
        };
        let e = c.validate().unwrap_err().to_string();
        for part in [
            "request_timeout",
            "operation_deadline",
            "max_body_bytes",
            "max_listing_bytes",
            "max_attempts",
            "backoff delays",
            "must not exceed",
            "multiplier",
        ] {
            assert!(e.contains(part), "{part} missing from {e}");
        }
        assert!(HttpConfig::default().validate().is_ok());
    }
}
