//! The one HTTP transport every carrier client sends through.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER, USER_AGENT};
use reqwest::{Client, RequestBuilder};
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::http::{BaseUrl, HttpConfig, Idempotency, parse_retry_after};
use crate::provider::{Carrier, Operation};

/// `numport/<version>`, sent as `User-Agent` on every request.
pub const USER_AGENT_VALUE: &str = concat!("numport/", env!("CARGO_PKG_VERSION"));

/// A carrier's answer, read in full.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `Retry-After` header, parsed and clamped.
    pub fn retry_after(&self, config: &HttpConfig) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?;
        parse_retry_after(value, config.clock.now(), config.retry.max_retry_after)
    }
}

/// Sends requests for one carrier, with timeouts and retries. Clones share
/// the connection pool.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    carrier: Carrier,
    base: BaseUrl,
    client: Client,
    config: HttpConfig,
}

impl Transport {
    /// A transport for `carrier` at `base`.
    pub fn new(carrier: Carrier, base: BaseUrl, config: HttpConfig) -> Result<Self> {
        config.validate()?;
        let client = match &config.client {
            Some(client) => client.clone(),
            None => Client::builder()
                .connect_timeout(config.connect_timeout)
                .timeout(config.request_timeout)
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                carrier,
                base,
                client,
                config,
            }),
        })
    }

    /// The base URL.
    pub fn base(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The settings.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// The URL of `path` under the base URL.
    pub fn url(&self, path: &str) -> url::Url {
        self.inner.base.join(path)
    }

    /// Sends the request `build` makes, retrying as the policy and
    /// `idempotency` allow, and returns the final answer whatever its status.
    ///
    /// `build` is called once per attempt, so a body or idempotency key made
    /// before the call is reused unchanged on every attempt.
    pub async fn execute<F>(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        build: F,
    ) -> Result<Reply>
    where
        F: Fn(&Client) -> RequestBuilder + Send + Sync,
    {
        let span = tracing::info_span!(
            "numport.http",
            carrier = %self.inner.carrier,
            operation = %operation,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        self.execute_inner(operation, idempotency, build)
            .instrument(span)
            .await
    }

    async fn execute_inner<F>(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        build: F,
    ) -> Result<Reply>
    where
        F: Fn(&Client) -> RequestBuilder + Send + Sync,
    {
        let config = &self.inner.config;
        let policy = config.retry;
        let carrier = self.inner.carrier;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let last = attempt >= policy.max_attempts;
            let request = build(&self.inner.client)
                .timeout(config.request_timeout)
                .header(USER_AGENT, USER_AGENT_VALUE);
            match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let body = match response.bytes().await {
                        Ok(b) => b.to_vec(),
                        Err(e) => {
                            // The request reached the server: a create is not repeated.
                            if !last && policy.retry_transport(idempotency, false) {
                                self.pause(attempt, None).await;
                                continue;
                            }
                            return Err(map_send_error(carrier, operation, e));
                        }
                    };
                    let reply = Reply {
                        status,
                        headers,
                        body,
                    };
                    let span = tracing::Span::current();
                    span.record("attempts", attempt);
                    span.record("status", status);
                    if !last && policy.retry_status(idempotency, status) {
                        let hinted = if status == 429 || status == 503 {
                            reply.retry_after(config)
                        } else {
                            None
                        };
                        tracing::warn!(status, attempt, "retrying after an error status");
                        self.pause(attempt, hinted).await;
                        continue;
                    }
                    tracing::debug!(status, attempt, "answered");
                    return Ok(reply);
                }
                Err(e) => {
                    let never_sent = e.is_connect() || e.is_builder();
                    if !last && !e.is_builder() && policy.retry_transport(idempotency, never_sent) {
                        tracing::warn!(attempt, never_sent, "retrying after a transport error");
                        self.pause(attempt, None).await;
                        continue;
                    }
                    return Err(map_send_error(carrier, operation, e));
                }
            }
        }
    }

    async fn pause(&self, attempt: u32, hinted: Option<Duration>) {
        let delay = hinted.unwrap_or_else(|| self.inner.config.retry.backoff.delay(attempt - 1));
        self.inner.config.sleep.sleep(delay).await;
    }
}

fn map_send_error(carrier: Carrier, operation: Operation, e: reqwest::Error) -> Error {
    let e = e.without_url();
    if e.is_connect() || e.is_builder() {
        Error::Transport {
            carrier,
            operation,
            never_sent: true,
            source: Arc::new(e),
        }
    } else if e.is_timeout() {
        Error::Timeout { carrier, operation }
    } else {
        Error::Transport {
            carrier,
            operation,
            never_sent: false,
            source: Arc::new(e),
        }
    }
}
