//! Signed webhooks: numport's events ([`crate::PortEvent`]) pushed to an
//! HTTP endpoint, signed as [Standard Webhooks](https://www.standardwebhooks.com/)
//! (and Svix) sign them.
//!
//! - [`WebhookSecret`]: the key both sides share, `whsec_<base64>`; never
//!   printed.
//! - [`Signer`]: the `webhook-id`, `webhook-timestamp` and
//!   `webhook-signature` headers of a body (with the crate
//!   `standardwebhooks`).
//! - [`verify`]: for receivers: the signature, the timestamp within five
//!   minutes of a clock you give, and the body as a [`crate::PortEvent`].
//! - [`Relay`]: reads a consumer group of [`crate::Events`] and delivers
//!   each event to one endpoint: retried on a [`RetrySchedule`],
//!   dead-lettered ([`DeadLetter`]) when it ends, in order per order
//!   across every relay of the group, stopped by `410 Gone`.
//! - [`Sender`]: one signed POST, as the relay makes at each attempt.

mod attempts;
mod dead_letter;
mod endpoint;
mod error;
mod order;
mod relay;
mod schedule;
mod secret;
mod sender;
mod signer;
mod verify;

pub use dead_letter::{DEAD_LETTER_SUFFIX, DeadLetter, DeadLetterReason};
pub use endpoint::Endpoint;
pub use error::WebhookError;
pub use order::ORDER_RECORD_TTL;
pub use relay::{
    DEFAULT_CLAIM_IDLE, DEFAULT_MAX_HELD, DEFAULT_POLL_INTERVAL, DEFAULT_RELAY_BATCH,
    DEFAULT_RELAY_CONCURRENCY, DEFAULT_RELAY_GROUP, DEFAULT_ROUND_DEADLINE, MAX_RELAY_CONCURRENCY,
    Relay, RelayBuilder, RelayCounts,
};
pub use schedule::{MAX_SCHEDULE_STEP, MAX_SCHEDULE_STEPS, RetrySchedule};
pub use secret::{MAX_SECRET_BYTES, MIN_SECRET_BYTES, SECRET_PREFIX, WebhookSecret};
pub use sender::{
    AttemptOutcome, DEFAULT_ATTEMPT_TIMEOUT, MAX_ATTEMPT_TIMEOUT, MAX_RECEIVER_BODY_BYTES, Sender,
};
pub use signer::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, SignedHeaders, Signer};
pub use verify::{TIMESTAMP_TOLERANCE, verify};

/// The headers type [`verify`] takes (`http::HeaderMap`, as axum, hyper and
/// reqwest hold them), re-exported so that a receiver needs no `http`
/// dependency of its own.
pub use reqwest::header::{HeaderMap, HeaderValue};
