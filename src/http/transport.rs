//! The one HTTP transport every carrier client sends through.
//!
//! Its rules, for every request of every carrier:
//! - Redirects are never followed, and an answer is accepted only from the
//!   origin that was asked: a credential or a subscriber's secret reaches
//!   no host but the configured one. A 3xx is [`Error::Redirect`].
//! - Every body is read with a size limit ([`HttpConfig::max_body_bytes`]);
//!   a 2xx listing read as it arrives ([`Transport::execute_by`] with `stream`) has
//!   its own, larger one ([`HttpConfig::max_listing_bytes`]).
//! - One deadline bounds the whole call ([`HttpConfig::operation_deadline`]):
//!   attempts, back-off sleeps, `Retry-After` waits and body reading, a
//!   streamed body's included.
//! - Retries happen only before a 2xx body starts to be read: a streamed
//!   answer is never asked for again behind its reader's back.
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
use crate::operation::{Carrier, Operation};

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

/// A 2xx answer whose body is read as it arrives, chunk by chunk, within
/// [`HttpConfig::max_listing_bytes`] and the call's deadline (the request's
/// own timeout, set from what was left of the deadline, covers the body).
#[derive(Debug)]
pub(crate) struct BodyStream {
    carrier: Carrier,
    operation: Operation,
    /// The HTTP status (2xx).
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// Boxed: the answer is large, and the attempt that carries it is
    /// moved around.
    response: Option<Box<Response>>,
    read: u64,
    limit: usize,
}

impl BodyStream {
    /// The next chunk; `None` at the end of the body. A body over the limit
    /// is [`Error::ResponseTooLarge`]; a body cut or stalled past the
    /// deadline is [`Error::Transport`] or [`Error::Timeout`]. After an
    /// error or the end, always `None`.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        let Some(response) = self.response.as_mut() else {
            return Ok(None);
        };
        match response.chunk().await {
            Ok(Some(chunk)) => {
                self.read = self.read.saturating_add(chunk.len() as u64);
                if self.read > self.limit as u64 {
                    self.response = None;
                    return Err(Error::ResponseTooLarge {
                        carrier: self.carrier,
                        operation: self.operation,
                        limit: self.limit,
                    });
                }
                Ok(Some(chunk))
            }
            Ok(None) => {
                self.response = None;
                Ok(None)
            }
            Err(e) => {
                self.response = None;
                Err(map_send_error(self.carrier, self.operation, e))
            }
        }
    }

    /// The `Retry-After` header, parsed (at most a day).
    pub fn retry_after(&self, config: &HttpConfig) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?;
        parse_retry_after(value, config.clock.now(), RETRY_AFTER_CEILING)
    }
}

/// What [`Transport::execute_by`] answered.
#[derive(Debug)]
pub(crate) enum Answered {
    /// A non-2xx answer, read whole within [`HttpConfig::max_body_bytes`].
    Whole(Reply),
    /// A 2xx answer, its body still to be read.
    Streaming(BodyStream),
}

impl Answered {
    fn status(&self) -> u16 {
        match self {
            Self::Whole(r) => r.status,
            Self::Streaming(s) => s.status,
        }
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
    Reply(Answered),
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
        let deadline = Instant::now() + self.inner.config.operation_deadline;
        match self
            .execute_by(deadline, operation, idempotency, false, build)
            .await
        {
            Ok(Answered::Whole(reply)) => Ok(reply),
            // Not asked for: a streamed answer comes only from
            // `execute_by` with `stream`.
            Ok(Answered::Streaming(_)) => Err(Error::Config(format!(
                "the {operation} answer was streamed where it was to be read whole"
            ))),
            Err(e) if idempotency == Idempotency::CreateOnce => {
                Err(e.ambiguous_after_send(operation))
            }
            Err(e) => Err(e),
        }
    }

    /// Sends like [`Transport::execute`] (or, with `stream`, returning a
    /// 2xx answer's body unread, as a [`BodyStream`]) within a deadline the caller set,
    /// which bounds the attempts, back-off sleeps and body reading. For the
    /// authenticated send ([`super::Sender`]), whose own steps share the
    /// deadline. A create's failure is returned as it is: the caller maps it.
    pub async fn execute_by<F>(
        &self,
        deadline: Instant,
        operation: Operation,
        idempotency: Idempotency,
        stream: bool,
        build: F,
    ) -> Result<Answered>
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
        if span.is_disabled() {
            self.execute_inner(operation, idempotency, build, &span, stream, deadline)
                .await
        } else {
            let inner_span = span.clone();
            self.execute_inner(operation, idempotency, build, &inner_span, stream, deadline)
                .instrument(span)
                .await
        }
    }

    /// [`Error::Timeout`] for `operation`: the deadline passed.
    pub fn timeout_error(&self, operation: Operation) -> Error {
        self.timeout(operation)
    }

    async fn execute_inner<F>(
        &self,
        operation: Operation,
        idempotency: Idempotency,
        build: F,
        span: &tracing::Span,
        stream: bool,
        deadline: Instant,
    ) -> Result<Answered>
    where
        F: Fn(&Client) -> RequestBuilder + Send + Sync,
    {
        let config = &self.inner.config;
        let policy = config.retry;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.timeout(operation));
            }
            let outcome = self
                .attempt(
                    operation,
                    &build,
                    remaining.min(config.request_timeout),
                    stream,
                )
                .await;
            let last = attempt >= policy.max_attempts;
            span.record("attempts", attempt);
            let (retry, hinted) = match &outcome {
                Attempt::Reply(Answered::Whole(reply)) => {
                    span.record("status", reply.status);
                    let retry = policy.retry_status(idempotency, reply.status);
                    let hinted = if reply.status == 429 || reply.status == 503 {
                        reply.retry_after(config)
                    } else {
                        None
                    };
                    (retry, hinted)
                }
                // A body being streamed is never asked for again.
                Attempt::Reply(Answered::Streaming(body)) => {
                    span.record("status", body.status);
                    (false, None)
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
                Attempt::Reply(answer) => {
                    tracing::debug!(status = answer.status(), attempt, "answered");
                    Ok(answer)
                }
                Attempt::Failed(e) => Err(e),
            };
        }
    }

    /// One attempt with at most `budget` for the whole exchange (a
    /// streamed body's reading included).
    async fn attempt<F>(
        &self,
        operation: Operation,
        build: &F,
        budget: Duration,
        stream: bool,
    ) -> Attempt
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
            self.read(operation, &asked, response, stream).await
        };
        match exchange.await {
            Ok(reply) => Attempt::Reply(reply),
            Err(e) => Attempt::Failed(e),
        }
    }

    /// Checks where an answer came from and reads its body within the
    /// limit, or, for a 2xx when `stream`, hands it over unread.
    async fn read(
        &self,
        operation: Operation,
        asked: &url::Url,
        response: Response,
        stream: bool,
    ) -> Result<Answered> {
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
        let streamed = stream && (200..300).contains(&status);
        let limit = if streamed {
            self.inner.config.max_listing_bytes
        } else {
            self.inner.config.max_body_bytes
        };
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
        if streamed {
            let mut response = response;
            let headers = std::mem::take(response.headers_mut());
            return Ok(Answered::Streaming(BodyStream {
                carrier,
                operation,
                status,
                headers,
                response: Some(Box::new(response)),
                read: 0,
                limit,
            }));
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
        Ok(Answered::Whole(Reply {
            status,
            headers,
            body,
        }))
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
