//! What can go wrong when signing, verifying or relaying webhooks.

use std::fmt;

/// A webhook error: a webhook a receiver refuses ([`crate::webhook::verify`]),
/// a setting out of range, an endpoint that asked to be disabled, or the
/// event stream failing under a [`crate::webhook::Relay`].
///
/// Its texts never hold the secret, a signature or a receiver's body
/// beyond a short redacted excerpt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret is not `whsec_` followed by 24 to 64 bytes in base64.
    #[error("the webhook secret is invalid: {0}")]
    InvalidSecret(&'static str),
    /// A header the webhook must carry is absent.
    #[error("the webhook has no {0} header")]
    MissingHeader(&'static str),
    /// A header is present but not readable (not ASCII, or the timestamp
    /// is not a whole number of seconds).
    #[error("the webhook's {0} header cannot be read")]
    InvalidHeader(&'static str),
    /// No `v1` signature of the header matches the id, timestamp and
    /// body with the secret: a tampered body, another secret, or a forged
    /// webhook.
    #[error("the webhook's signature does not match")]
    BadSignature,
    /// The timestamp is older than the tolerance (a replay, or a clock
    /// far behind).
    #[error("the webhook's timestamp is {age_secs} s old, over the {tolerance_secs} s tolerance")]
    TooOld {
        /// How old it is, in seconds.
        age_secs: i64,
        /// The tolerance, in seconds.
        tolerance_secs: i64,
    },
    /// The timestamp is further in the future than the tolerance.
    #[error(
        "the webhook's timestamp is {ahead_secs} s ahead, over the {tolerance_secs} s tolerance"
    )]
    TooNew {
        /// How far ahead it is, in seconds.
        ahead_secs: i64,
        /// The tolerance, in seconds.
        tolerance_secs: i64,
    },
    /// The signed body is not a [`crate::PortEvent`] (or is one whose id is
    /// not the `webhook-id`).
    #[error("the webhook's body is not a numport event: {0}")]
    NotAnEvent(String),
    /// The endpoint URL is refused (not https, or plain http off
    /// loopback, or not a URL).
    #[error("the webhook endpoint is refused: {0}")]
    InvalidEndpoint(String),
    /// A retry schedule out of bounds (no step, more than
    /// [`crate::webhook::MAX_SCHEDULE_STEPS`], a step longer than
    /// [`crate::webhook::MAX_SCHEDULE_STEP`], or text that is not one).
    #[error("the retry schedule is refused: {0}")]
    Schedule(String),
    /// Another setting out of range.
    #[error("the relay's settings are refused: {0}")]
    Config(String),
    /// The endpoint answered `410 Gone`: it asked not to be sent anything
    /// more. The relay stopped, acknowledging nothing and dead-lettering
    /// nothing; the events stay pending for the group.
    #[error("the webhook endpoint {endpoint} answered 410 Gone: it is disabled")]
    EndpointGone {
        /// The endpoint's origin (scheme, host and port; never its path).
        endpoint: String,
    },
    /// The event stream or the store failed.
    #[error("the relay's event stream failed: {0}")]
    Events(#[from] crate::Error),
}

impl WebhookError {
    /// True for the errors a receiver answers a webhook with (signature,
    /// timestamp, headers, body): a `400`/`401` to the sender.
    pub fn is_refused_webhook(&self) -> bool {
        matches!(
            self,
            Self::MissingHeader(_)
                | Self::InvalidHeader(_)
                | Self::BadSignature
                | Self::TooOld { .. }
                | Self::TooNew { .. }
                | Self::NotAnEvent(_)
        )
    }

    /// True for a setting refused before anything ran (secret, endpoint,
    /// schedule, other settings).
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            Self::InvalidSecret(_) | Self::InvalidEndpoint(_) | Self::Schedule(_) | Self::Config(_)
        )
    }
}

/// `Display` of a store or stream failure, as an [`WebhookError::Events`].
pub(crate) fn events_error(message: impl fmt::Display) -> WebhookError {
    WebhookError::Events(crate::Error::Events {
        message: message.to_string(),
    })
}
