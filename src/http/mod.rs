//! The HTTP transport shared by every carrier: base URLs, timeouts, retries
//! with jittered capped backoff, `Retry-After`, and error-body reading.
//!
//! What is retried: reads, cancels and amendments on 5xx, 429, timeouts and
//! transport errors. What is never retried: a request that creates a port
//! order, unless it provably never left this machine (the connection was never
//! made), because repeating it could book the same numbers twice.

mod backoff;
mod base_url;
mod config;
pub(crate) mod decode;
pub(crate) mod error_body;
pub(crate) mod json_stream;
mod retry_after;
mod retry_policy;
mod send;
mod sleep;
mod transport;

pub use backoff::Backoff;
pub use base_url::BaseUrl;
pub(crate) use base_url::UrlSetting;
pub use config::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_LISTING_BYTES, HttpConfig};
pub use retry_after::parse_retry_after;
pub use retry_policy::{Idempotency, RetryPolicy};
pub(crate) use send::{Authority, Body, Call, Fixed, Grant, Recovery, Sender, Verdict};
pub use sleep::{Sleep, TokioSleep};
pub use transport::USER_AGENT_VALUE;
pub(crate) use transport::{Answered, BodyStream, Reply, Transport};
