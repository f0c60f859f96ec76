//! The one HTTP transport every carrier client sends through.
//!
//! Its rules, for every request of every carrier:
//! - Redirects are never followed, and an answer is accepted only from the
//!   origin that was asked: a credential or a subscriber's secret reaches
//!   no host but the configured one. A 3xx is [`Error::Redirect`].
//! - Every body is read with a size limit ([`HttpConfig::max_body_bytes`]).
//! - One deadline bounds the whole call ([`HttpConfig::operation_deadline`]):
//!   attempts, back-off sleeps, `Retry-After` waits and body reading.
//! - A create ([`Idempotency::CreateOnce`]) is sent once; any failure after
//!   it may have left is [`Error::OutcomeUnknown`].

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER, USER_AGENT};
use reqwest::{Client, RequestBuilder, Response};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::http::{BaseUrl, HttpConfig, Idempotency, parse_retry_after};
use crate::provider::{Carrier, Operation};

/// `numport/<version>`, sent as `User-Agent` on every request.
pub const USER_AGENT_VALUE: &str = concat!("numport/", env!("CARGO_PKG_VERSION"));

/// The longest `Retry-After` read from a header (a day); longer asks are
/// reported as a day.
const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 3600);

/// A carrier's answer, read in full (up to the body limit).
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Reply {
    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `Retry-After` header, parsed (at most a day).
    pub fn retry_after(&self, config: &HttpConfig) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?;
        parse_retry_after(value, config.clock.now(), RETRY_AFTER_CEILING)
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
    /// Origins a request may go to (scheme, host, port): the base URL's, and
    /// a token endpoint's.
    origins: Vec<(String, String, u16)>,
    client: Client,
    config: HttpConfig,
}

/// The outcome of one attempt.
enum Attempt {
    /// An answer (any status but 3xx).
    Reply(Reply),
    /// A failure ([`Error::is_never_sent`] tells whether it left).
    Failed(Error),
}

impl Transport {
    /// A transport for `carrier` at `base`.
    pub fn new(carrier: Carrier, base: BaseUrl, config: HttpConfig) -> Result<Self> {
        Self::with_origins(carrier, base, &[], config)
    }

    /// A transport for `carrier` at `base` that may also send to the origins
    /// of `extra` (a token endpoint).
    pub fn with_origins(
        carrier: Carrier,
        base: BaseUrl,
        extra: &[&BaseUrl],
        config: HttpConfig,
    ) -> Result<Self> {
        config.validate()?;
        let client = match &config.client {
            Some(client) => client.clone(),
            None => Client::builder()
                .connect_timeout(config.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        let origin = |u: &BaseUrl| {
            let url = u.as_url();
            (
                url.scheme().to_owned(),
                url.host_str().unwrap_or_default().to_owned(),
                url.port_or_known_default().unwrap_or_default(),
            )
        };
        let mut origins = vec![origin(&base)];
        origins.extend(extra.iter().map(|u| origin(u)));
        Ok(Self {
            inner: Arc::new(Inner {
                carrier,
                base,
                origins,
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
    /// `idempotency` allow, and returns the final answer whatever its status
    /// (but 3xx, which is an error).
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
        let span = tracing::debug_span!(
            "numport.http",
            carrier = %self.inner.carrier,
            operation = %operation,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        // Without a subscriber the span is disabled: the call is not wrapped
        // (entering and leaving a disabled span on every poll still costs).
        let result = if span.is_disabled() {
            self.execute_inner(operation, idempotency, build, &span)
                .await
        } else {
            let inner_span = span.clone();
            self.execute_inner(operation, idempotency, build, &inner_span)
                .instrument(span)
                .await
        };
        match result {
            Err(e) if idempotency == Idempotency::CreateOnce => {
                Err(e.ambiguous_after_send(operation))
            }
            other => other,
        }
    }

    async fn execute_inner<F>(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        build: F,
        span: &tracing::Span,
    ) -> Result<Reply>
    where
        F: Fn(&Client) -> RequestBuilder + Send + Sync,
    {
        let config = &self.inner.config;
        let policy = config.retry;
        let deadline = Instant::now() + config.operation_deadline;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.timeout(operation));
            }
            let outcome = self
                .attempt(operation, &build, remaining.min(config.request_timeout))
                .await;
            let last = attempt >= policy.max_attempts;
            span.record("attempts", attempt);
            let (retry, hinted) = match &outcome {
                Attempt::Reply(reply) => {
                    span.record("status", reply.status);
                    let retry = policy.retry_status(idempotency, reply.status);
                    let hinted = if reply.status == 429 || reply.status == 503 {
                        reply.retry_after(config)
                    } else {
                        None
                    };
                    (retry, hinted)
                }
                Attempt::Failed(e) => {
                    let never_sent = e.is_never_sent();
                    let retry = matches!(e, Error::Timeout { .. } | Error::Transport { .. })
                        && policy.retry_transport(idempotency, never_sent);
                    (retry, None)
                }
            };
            if retry && !last {
                // The back-off is a floor: `Retry-After: 0` or a date in the
                // past must not turn retries into a hammering loop.
                let floor = policy.backoff.delay(attempt - 1);
                let delay = hinted.map_or(floor, |h| h.max(floor));
                let fits = hinted.is_none_or(|h| h <= policy.max_retry_after);
                let left = deadline.saturating_duration_since(Instant::now());
                if fits && delay < left {
                    tracing::warn!(attempt, ?delay, "retrying after a transient failure");
                    config.sleep.sleep(delay).await;
                    continue;
                }
                tracing::debug!(attempt, ?delay, "no time left to retry");
            }
            return match outcome {
                Attempt::Reply(reply) => {
                    tracing::debug!(status = reply.status, attempt, "answered");
                    Ok(reply)
                }
                Attempt::Failed(e) => Err(e),
            };
        }
    }

    /// One attempt with at most `budget` for the whole exchange.
    async fn attempt<F>(&self, operation: Operation, build: &F, budget: Duration) -> Attempt
    where
        F: Fn(&Client) -> RequestBuilder + Send + Sync,
    {
        let (client, request) = build(&self.inner.client)
            .timeout(budget)
            .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))
            .build_split();
        let request = match request {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(self.send_error(operation, e)),
        };
        let url = request.url();
        let allowed = self.inner.origins.iter().any(|(scheme, host, port)| {
            url.scheme() == scheme
                && url.host_str() == Some(host.as_str())
                && url.port_or_known_default() == Some(*port)
        });
        if !allowed {
            // A programming error; nothing is sent.
            return Attempt::Failed(Error::Config(format!(
                "refusing to send {operation} to a host other than the configured {}",
                self.inner.carrier
            )));
        }
        let asked = request.url().clone();
        // The request's own timeout (`budget`) bounds the whole exchange,
        // body reading included, whichever client sends it.
        let exchange = async {
            let response = client
                .execute(request)
                .await
                .map_err(|e| self.send_error(operation, e))?;
            self.read(operation, &asked, response).await
        };
        match exchange.await {
            Ok(reply) => Attempt::Reply(reply),
            Err(e) => Attempt::Failed(e),
        }
    }

    /// Checks where an answer came from and reads its body within the limit.
    async fn read(
        &self,
        operation: Operation,
        asked: &url::Url,
        response: Response,
    ) -> Result<Reply> {
        let carrier = self.inner.carrier;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let location_host = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| asked.join(v).ok())
                .and_then(|u| u.host_str().map(str::to_owned));
            return Err(Error::Redirect {
                carrier,
                operation,
                status,
                location_host,
            });
        }
        if response.url() != asked {
            // A caller's client followed a redirect despite the documented
            // rule; the request has left, the answer is not the carrier's.
            return Err(Error::Redirect {
                carrier,
                operation,
                status,
                location_host: response.url().host_str().map(str::to_owned),
            });
        }
        let limit = self.inner.config.max_body_bytes;
        let too_large = || Error::ResponseTooLarge {
            carrier,
            operation,
            limit,
        };
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut response = response;
        let headers = std::mem::take(response.headers_mut());
        // Most answers arrive in one chunk: keep it as it came, copying only
        // when a second one follows.
        let mut first: Option<Bytes> = None;
        let mut rest: Vec<u8> = Vec::new();
        let mut read = 0usize;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.send_error(operation, e))?
        {
            read += chunk.len();
            if read > limit {
                return Err(too_large());
            }
            match first.take() {
                None if rest.is_empty() => first = Some(chunk),
                None => rest.extend_from_slice(&chunk),
                Some(head) => {
                    rest.reserve(declared.map_or(head.len() + chunk.len(), |n| n as usize));
                    rest.extend_from_slice(&head);
                    rest.extend_from_slice(&chunk);
                }
            }
        }
        let body = match first {
            Some(only) => only,
            None => Bytes::from(rest),
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    fn timeout(&self, operation: Operation) -> Error {
        Error::Timeout {
            carrier: self.inner.carrier,
            operation,
        }
    }

    fn send_error(&self, operation: Operation, e: reqwest::Error) -> Error {
        map_send_error(self.inner.carrier, operation, e)
    }
}

fn map_send_error(carrier: Carrier, operation: Operation, e: reqwest::Error) -> Error {
    let e = e.without_url();
    if e.is_builder() {
        Error::Config(format!("could not build the {operation} request: {e}"))
    } else if e.is_connect() {
        // The connection was never made: no byte of the request left.
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
