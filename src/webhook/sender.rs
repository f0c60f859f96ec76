//! One signed POST of one event to the endpoint.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue, LOCATION, USER_AGENT};

use crate::clock::{Clock, SystemClock};
use crate::events::PortEvent;
use crate::http::USER_AGENT_VALUE;
use crate::redactor::Redactor;

use super::endpoint::Endpoint;
use super::error::WebhookError;
use super::secret::WebhookSecret;
use super::signer::Signer;

/// The most of a receiver's answer body read: 64 KiB. The rest is never
/// read (the connection is dropped).
pub const MAX_RECEIVER_BODY_BYTES: usize = 64 * 1024;

/// The default bound of one attempt (connection, request and answer,
/// body included): 15 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest attempt bound accepted: an hour.
pub const MAX_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3600);

/// The longest excerpt of a receiver's body kept in an error text or a
/// dead letter, in characters.
const EXCERPT_CHARS: usize = 500;

/// Sends one event, signed, to one endpoint, once: what a
/// [`crate::webhook::Relay`] does at each attempt.
///
/// Redirects are never followed (a 3xx is
/// [`AttemptOutcome::Redirected`]); at most [`MAX_RECEIVER_BODY_BYTES`]
/// of an answer are read; the whole attempt is bounded
/// ([`Sender::attempt_timeout`]). Receiver bodies and transport errors
/// are redacted (the secret, PAC-shaped words) and never hold the URL.
#[derive(Debug, Clone)]
pub struct Sender {
    endpoint: Endpoint,
    signer: Signer,
    client: reqwest::Client,
    attempt_timeout: Duration,
    clock: Arc<dyn Clock>,
    redactor: Redactor,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A 2xx: the receiver has the event.
    Delivered {
        /// The status.
        status: u16,
    },
    /// `410 Gone`: the receiver asks to be sent nothing more.
    Gone,
    /// Another status (not 2xx, 3xx or 410).
    Refused {
        /// The status.
        status: u16,
        /// The answer's body: at most [`MAX_RECEIVER_BODY_BYTES`] of it,
        /// as text (invalid UTF-8 replaced), redacted.
        body: String,
        /// True when the body was longer and was cut.
        body_cut: bool,
    },
    /// A 3xx: not followed.
    Redirected {
        /// The status.
        status: u16,
        /// The host the `Location` header named, if any (never its path).
        location_host: Option<String>,
    },
    /// No answer: the connection failed or was cut, or the attempt took
    /// longer than its bound.
    Failed {
        /// Why, redacted.
        reason: String,
    },
}

impl AttemptOutcome {
    /// True for [`AttemptOutcome::Delivered`].
    pub fn is_delivered(&self) -> bool {
        matches!(self, Self::Delivered { .. })
    }

    /// One line saying what happened (a body's excerpt at most 500
    /// characters), for logs and dead letters.
    pub fn describe(&self) -> String {
        match self {
            Self::Delivered { status } => format!("HTTP {status}"),
            Self::Gone => "HTTP 410 Gone".to_owned(),
            Self::Refused {
                status,
                body,
                body_cut,
            } => {
                let excerpt: String = body.chars().take(EXCERPT_CHARS).collect();
                let more = if *body_cut || excerpt.len() < body.len() {
                    " [cut]"
                } else {
                    ""
                };
                if excerpt.trim().is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {}{more}", excerpt.trim())
                }
            }
            Self::Redirected {
                status,
                location_host,
            } => match location_host {
                Some(host) => format!("HTTP {status}: a redirect to {host}, not followed"),
                None => format!("HTTP {status}: a redirect, not followed"),
            },
            Self::Failed { reason } => reason.clone(),
        }
    }
}

impl Sender {
    /// A sender of webhooks signed with `secret` to `endpoint`.
    pub fn new(endpoint: Endpoint, secret: WebhookSecret) -> Result<Self, WebhookError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| WebhookError::Config(format!("cannot build the HTTP client: {e}")))?;
        let redactor = Redactor::new()
            .with_secret(&secret.expose_text())
            .with_secret(secret.expose_text().trim_start_matches("whsec_"));
        Ok(Self {
            endpoint,
            signer: Signer::new(secret),
            client,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            clock: Arc::new(SystemClock),
            redactor,
        })
    }

    setters! {
        /// The bound of one attempt (default [`DEFAULT_ATTEMPT_TIMEOUT`];
        /// kept within 1 ms and [`MAX_ATTEMPT_TIMEOUT`]).
        attempt_timeout(timeout: Duration) => attempt_timeout =
            timeout.clamp(Duration::from_millis(1), MAX_ATTEMPT_TIMEOUT);

        /// The clock whose time signs each attempt (`webhook-timestamp`).
        clock(clock: Arc<dyn Clock>) => clock = clock;
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Posts `event`'s JSON, signed now, once.
    pub async fn send(&self, event: &PortEvent) -> AttemptOutcome {
        let body = match serde_json::to_vec(event) {
            Ok(body) => body,
            Err(e) => {
                return AttemptOutcome::Failed {
                    reason: format!("the event cannot be serialized: {e}"),
                };
            }
        };
        let signed = match self
            .signer
            .sign(&event.id, self.clock.now().timestamp(), &body)
        {
            Ok(signed) => signed,
            Err(e) => {
                return AttemptOutcome::Failed {
                    reason: e.to_string(),
                };
            }
        };
        let request = self
            .client
            .post(self.endpoint.url().clone())
            .headers(signed.to_header_map())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))
            .body(body);
        match tokio::time::timeout(self.attempt_timeout, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => AttemptOutcome::Failed {
                reason: format!("no answer within {} ms", self.attempt_timeout.as_millis()),
            },
        }
    }

    async fn exchange(&self, request: reqwest::RequestBuilder) -> AttemptOutcome {
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                return AttemptOutcome::Failed {
                    reason: self.transport_error(e),
                };
            }
        };
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let location_host = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| self.endpoint.url().join(v).ok())
                .and_then(|u| u.host_str().map(|h| self.redactor.redact(h)));
            return AttemptOutcome::Redirected {
                status,
                location_host,
            };
        }
        let mut body = Vec::new();
        let mut body_cut = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_RECEIVER_BODY_BYTES.saturating_sub(body.len());
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        body_cut = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                // The answer's status is what counts; a body cut by the
                // receiver is kept as far as it came.
                Err(_) => {
                    body_cut = true;
                    break;
                }
            }
        }
        drop(response);
        match status {
            200..=299 => AttemptOutcome::Delivered { status },
            410 => AttemptOutcome::Gone,
            _ => AttemptOutcome::Refused {
                status,
                body: self.redactor.redact(&String::from_utf8_lossy(&body)),
                body_cut,
            },
        }
    }

    /// A transport error's text and causes, without the URL, redacted.
    fn transport_error(&self, error: reqwest::Error) -> String {
        let kind = if error.is_connect() {
            "cannot connect"
        } else if error.is_timeout() {
            "timed out"
        } else {
            "the request failed"
        };
        let error = error.without_url();
        let mut text = format!("{kind}: {error}");
        let mut source = std::error::Error::source(&error);
        let mut depth = 0;
        while let Some(cause) = source {
            if depth >= 4 {
                break;
            }
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
            depth += 1;
        }
        let text = self.redactor.redact(&text);
        text.chars().take(EXCERPT_CHARS).collect()
    }
}
