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
pub struct HttpConfig {
    /// The longest wait for a TCP + TLS connection (default 10 s). Ignored
    /// when a client is supplied with [`HttpConfig::with_client`].
    pub connect_timeout: Duration,
    /// The longest wait for a whole request and its answer (default 30 s).
    pub request_timeout: Duration,
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// The sleep between retries.
    pub sleep: Arc<dyn Sleep>,
    /// The wall clock (for `Retry-After` dates and date rules).
    pub clock: Arc<dyn Clock>,
    /// A client to use instead of building one.
    pub client: Option<reqwest::Client>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            sleep: Arc::new(TokioSleep),
            clock: Arc::new(SystemClock),
            client: None,
        }
    }
}

impl HttpConfig {
    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the sleep used between retries.
    pub fn with_sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.sleep = sleep;
        self
    }

    /// Sets the wall clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses this `reqwest::Client` (and its pool) instead of building one.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Checks the settings are usable.
    pub(crate) fn validate(&self) -> crate::Result<()> {
        if self.connect_timeout.is_zero() || self.request_timeout.is_zero() {
            return Err(crate::Error::Config(
                "timeouts must be greater than zero".into(),
            ));
        }
        if self.retry.max_attempts == 0 {
            return Err(crate::Error::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }
}
